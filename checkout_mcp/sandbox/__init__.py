"""The embedded BigCommerce-compatible sandbox store (an ASGI app); see `runtime.py` and `app.py`."""

from checkout_mcp.sandbox.app import create_sandbox
from checkout_mcp.sandbox.runtime import Sandbox

__all__ = ["Sandbox", "create_sandbox"]
