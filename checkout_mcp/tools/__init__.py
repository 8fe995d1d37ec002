"""The tools, one module per resource; `catalogue()` lists them in the order of a checkout."""

from __future__ import annotations

from typing import Any

from checkout_mcp.tools import addresses, carts, catalog, checkouts, discounts, orders, payments, shipping
from checkout_mcp.tools.registry import ToolSpec


def catalogue() -> list[ToolSpec[Any, Any]]:
    """Every tool, in the order of a checkout: find, look, fill the cart, address, ship, discount, order."""
    specs = [
        *catalog.TOOLS,
        *checkouts.TOOLS,
        *carts.TOOLS,
        *addresses.TOOLS,
        *shipping.TOOLS,
        *discounts.TOOLS,
        *payments.TOOLS,
        *orders.TOOLS,
    ]
    names = [spec.name for spec in specs]
    duplicates = {name for name in names if names.count(name) > 1}
    if duplicates:
        raise RuntimeError(f"tool names must be unique; repeated: {sorted(duplicates)}")
    return specs
