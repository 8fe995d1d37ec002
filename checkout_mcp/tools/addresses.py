"""Tools for the billing address and the shipping addresses (consignments) of a checkout."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from checkout_mcp.bigcommerce.models import AddressInput, ConsignmentItem
from checkout_mcp.policy.effects import Effect
from checkout_mcp.tools.fields import AddressId, CheckoutId, ConsignmentId, Version
from checkout_mcp.tools.registry import ToolArgs, ToolContext, ToolSpec
from checkout_mcp.tools.views import CheckoutView, checkout_view

ShipItems = Annotated[
    list[ConsignmentItem] | None,
    Field(max_length=100, description="items for this address; default: every unshipped physical item"),
]


class AddBillingAddress(ToolArgs):
    checkout_id: CheckoutId
    address: AddressInput
    version: Version = None


async def add_billing_address(tools: ToolContext, args: AddBillingAddress) -> CheckoutView:
    binding = tools.store.binding_for("add_billing_address")
    return checkout_view(
        await binding.add_billing_address(str(args.checkout_id), args.address, version=args.version)
    )


class UpdateBillingAddress(ToolArgs):
    checkout_id: CheckoutId
    address_id: AddressId
    address: AddressInput
    version: Version = None


async def update_billing_address(tools: ToolContext, args: UpdateBillingAddress) -> CheckoutView:
    binding = tools.store.binding_for("update_billing_address")
    checkout = await binding.update_billing_address(
        str(args.checkout_id), args.address_id, args.address, version=args.version
    )
    return checkout_view(checkout)


class AddShippingAddress(ToolArgs):
    checkout_id: CheckoutId
    address: AddressInput
    items: ShipItems = None


async def unshipped_items(tools: ToolContext, checkout_id: str) -> list[ConsignmentItem]:
    """Every physical line item not yet on a consignment, with its full quantity."""
    checkout = await tools.store.binding_for("get_checkout").get_checkout(checkout_id)
    shipped = {item_id for c in checkout.consignments for item_id in c.line_item_ids}
    items = [
        ConsignmentItem(item_id=line.id, quantity=line.quantity)
        for line in checkout.cart.line_items
        if line.requires_shipping and line.id not in shipped
    ]
    if not items:
        raise ToolError(
            f"Checkout {checkout_id} has no physical item left to ship. "
            "Pass `items` to choose, or use update_shipping_address to change an existing consignment."
        )
    return items


async def add_shipping_address(tools: ToolContext, args: AddShippingAddress) -> CheckoutView:
    checkout_id = str(args.checkout_id)
    items = args.items or await unshipped_items(tools, checkout_id)
    checkout = await tools.store.binding_for("add_shipping_address").add_shipping_address(
        checkout_id, args.address, items
    )
    return checkout_view(checkout)


class UpdateShippingAddress(ToolArgs):
    checkout_id: CheckoutId
    consignment_id: ConsignmentId
    address: AddressInput
    items: ShipItems = None
    version: Version = None


async def update_shipping_address(tools: ToolContext, args: UpdateShippingAddress) -> CheckoutView:
    checkout_id = str(args.checkout_id)
    items = args.items
    if items is None:
        current = await tools.store.binding_for("get_checkout").get_checkout(checkout_id)
        consignment = next((c for c in current.consignments if c.id == args.consignment_id), None)
        if consignment is None:
            known = ", ".join(c.id for c in current.consignments) or "none"
            raise ToolError(
                f"Checkout {checkout_id} has no consignment {args.consignment_id!r}; known: {known}."
            )
        quantities = {line.id: line.quantity for line in current.cart.line_items}
        items = [
            ConsignmentItem(item_id=i, quantity=quantities[i])
            for i in consignment.line_item_ids
            if i in quantities
        ]
    binding = tools.store.binding_for("update_shipping_address")
    checkout = await binding.update_shipping_address(
        checkout_id, args.consignment_id, args.address, items, version=args.version
    )
    return checkout_view(checkout)


TOOLS = [
    ToolSpec(
        name="add_billing_address",
        title="Add billing address",
        description="Set the checkout's billing address (email needed to order).",
        toolset="addresses",
        effect=Effect.WRITE,
        args=AddBillingAddress,
        output=CheckoutView,
        handler=add_billing_address,
    ),
    ToolSpec(
        name="update_billing_address",
        title="Update billing address",
        description="Replace the checkout's billing address.",
        toolset="addresses",
        effect=Effect.WRITE,
        args=UpdateBillingAddress,
        output=CheckoutView,
        handler=update_billing_address,
        idempotent=True,
    ),
    ToolSpec(
        name="add_shipping_address",
        title="Add shipping address",
        description="Ship items to an address (creates a consignment); returns its shipping options.",
        toolset="addresses",
        effect=Effect.WRITE,
        args=AddShippingAddress,
        output=CheckoutView,
        handler=add_shipping_address,
    ),
    ToolSpec(
        name="update_shipping_address",
        title="Update shipping address",
        description="Change a consignment's address or items.",
        toolset="addresses",
        effect=Effect.WRITE,
        args=UpdateShippingAddress,
        output=CheckoutView,
        handler=update_shipping_address,
        idempotent=True,
    ),
]
