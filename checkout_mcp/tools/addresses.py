"""Tools for the billing address and the shipping addresses (consignments) of a checkout."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from checkout_mcp.bigcommerce.errors import Unprocessable
from checkout_mcp.bigcommerce.models import AddressInput, Checkout, ConsignmentItem
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
    return shipping_noted(
        tools, await binding.add_billing_address(str(args.checkout_id), args.address, version=args.version)
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
    return shipping_noted(tools, checkout)


class AddShippingAddress(ToolArgs):
    checkout_id: CheckoutId
    address: AddressInput
    items: ShipItems = None


def unshipped(checkout: Checkout) -> list[tuple[str, int]]:
    """Every physical line item not yet on a consignment, with its full quantity."""
    shipped = {item_id for c in checkout.consignments for item_id in c.line_item_ids}
    return [
        (line.id, line.quantity)
        for line in checkout.cart.line_items
        if line.requires_shipping and line.id not in shipped
    ]


def shipping_noted(tools: ToolContext, checkout: Checkout) -> CheckoutView:
    """The checkout's view, noting what is left to ship for the next add_shipping_address."""
    tools.known.note_unshipped(checkout.id, unshipped(checkout))
    return checkout_view(checkout)


async def unshipped_items(
    tools: ToolContext, checkout_id: str, *, fresh: bool = False
) -> list[ConsignmentItem]:
    """What is left to ship: from the last answer seen when noted (no request), else read now."""
    noted = None if fresh else tools.known.unshipped(checkout_id)
    if noted is None:
        noted = unshipped(await tools.store.binding_for("get_checkout").get_checkout(checkout_id))
    if not noted:
        raise ToolError(
            f"Checkout {checkout_id} has no physical item left to ship. "
            "Pass `items` to choose, or use update_shipping_address to change an existing consignment."
        )
    return [ConsignmentItem(item_id=item_id, quantity=quantity) for item_id, quantity in noted]


async def add_shipping_address(tools: ToolContext, args: AddShippingAddress) -> CheckoutView:
    """One request: the items default to what the last answer left unshipped, and the answer carries
    the new consignment's shipping options. A stale note (the store refuses its items) is read afresh."""
    checkout_id = str(args.checkout_id)
    binding = tools.store.binding_for("add_shipping_address")
    if args.items:
        return shipping_noted(
            tools, await binding.add_shipping_address(checkout_id, args.address, args.items)
        )
    noted = tools.known.unshipped(checkout_id) is not None
    items = await unshipped_items(tools, checkout_id)
    try:
        checkout = await binding.add_shipping_address(checkout_id, args.address, items)
    except Unprocessable:
        fresh = await unshipped_items(tools, checkout_id, fresh=True) if noted else items
        if fresh == items:
            raise
        checkout = await binding.add_shipping_address(checkout_id, args.address, fresh)
    return shipping_noted(tools, checkout)


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
    return shipping_noted(tools, checkout)


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
