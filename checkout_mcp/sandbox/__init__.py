"""The embedded BigCommerce-compatible sandbox store (an ASGI app); see `app.py`."""

from checkout_mcp.sandbox.app import Sandbox, create_sandbox

__all__ = ["Sandbox", "create_sandbox"]
