"""Tools for orders: create one from a checkout (never twice by accident), read it, finalize it."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from checkout_mcp.bigcommerce.errors import UpstreamUnavailable
from checkout_mcp.bigcommerce.store import Store
from checkout_mcp.policy.effects import Effect
from checkout_mcp.tools.fields import CheckoutId, OrderId, ViewField
from checkout_mcp.tools.registry import Preview, ToolArgs, ToolOutput, ToolSpec
from checkout_mcp.tools.views import OrderView, checkout_view, money, order_view


class CreateOrder(ToolArgs):
    checkout_id: CheckoutId
    allow_duplicate: bool = Field(default=False, description="order again a checkout that has an order")
    idempotency_key: Annotated[
        str | None, Field(max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$", description="same key, same order")
    ] = None


class OrderCreated(ToolOutput):
    order_id: int
    checkout_id: str
    status: str
    grand_total: str
    currency: str
    reconciled: bool = Field(default=False, description="found by reading back after a lost response")

    def summary(self) -> str:
        how = " (found by reading the checkout back after the response was lost)" if self.reconciled else ""
        return (
            f"Order {self.order_id} created from checkout {self.checkout_id}{how}: status {self.status}, "
            f"total {self.grand_total} {self.currency}. Next: take payment, then finalize_order."
        )


async def create_order(store: Store, args: CreateOrder) -> OrderCreated:
    checkout_id = str(args.checkout_id)
    reader = store.binding_for("get_checkout")
    before = await reader.get_checkout(checkout_id)
    if before.order_id and not args.allow_duplicate:
        raise ToolError(
            f"Checkout {checkout_id} already has order {before.order_id}; no new order was created. "
            "Use get_order to see it. To order it again on purpose, call again with allow_duplicate=true."
        )
    try:
        order_id = await store.binding_for("create_order").create_order(checkout_id)
        reconciled = False
    except UpstreamUnavailable as lost:
        if not lost.ambiguous:
            raise
        after = await reader.get_checkout(checkout_id)
        if not after.order_id or after.order_id == before.order_id:
            raise ToolError(
                f"The store did not answer, and reading checkout {checkout_id} back shows no new order: "
                "none was created. It is safe to call create_order again."
            ) from lost
        order_id, reconciled = int(after.order_id), True
    return OrderCreated(
        order_id=order_id,
        checkout_id=checkout_id,
        status="Incomplete",
        grand_total=money(before.grand_total),
        currency=before.currency,
        reconciled=reconciled,
    )


async def preview_create_order(store: Store, args: CreateOrder) -> Preview:
    checkout = await store.binding_for("get_checkout").get_checkout(str(args.checkout_id))
    view = checkout_view(checkout)
    lines = [f"{line.quantity} x {line.name} @ {money(line.sale_price)}" for line in checkout.cart.line_items]
    shipping = [f"to {c.address}: {c.selected or 'no option selected'}" for c in view.consignments]
    duplicate = (
        f" It ALREADY HAS order {checkout.order_id}: this makes a second one." if checkout.order_id else ""
    )
    return Preview(
        text=(
            f"Create an order from checkout {checkout.id} for {view.totals.grand_total} {checkout.currency}: "
            f"{'; '.join(lines)}. Shipping {'; '.join(shipping) or 'none'}.{duplicate}"
        ),
        details={
            "items": lines,
            "totals": view.totals.model_dump(),
            "currency": checkout.currency,
            "billing_address": view.billing_address,
            "shipping": shipping,
            "existing_order_id": checkout.order_id,
        },
        fingerprint={"version": checkout.version, "grand_total": str(checkout.grand_total)},
    )


class GetOrder(ToolArgs):
    order_id: OrderId
    view: ViewField = "compact"


async def get_order(store: Store, args: GetOrder) -> OrderView:
    return order_view(await store.binding_for("get_order").get_order(args.order_id), args.view)


class FinalizeOrder(ToolArgs):
    order_id: OrderId


async def finalize_order(store: Store, args: FinalizeOrder) -> OrderView:
    return order_view(await store.binding_for("finalize_order").finalize_order(args.order_id))


async def preview_finalize_order(store: Store, args: FinalizeOrder) -> Preview:
    order = await store.binding_for("get_order").get_order(args.order_id)
    return Preview(
        text=(
            f"Finalize order {order.id} ({order.status}, {money(order.grand_total)} {order.currency}); "
            "the cart is then deleted. This cannot be undone."
        ),
        details={"order_id": order.id, "status": order.status, "grand_total": money(order.grand_total)},
        fingerprint={"status": order.status, "grand_total": str(order.grand_total)},
    )


TOOLS = [
    ToolSpec(
        name="create_order",
        title="Create order",
        description="Create an incomplete order from a ready checkout. Refuses a checkout that has one.",
        toolset="orders",
        effect=Effect.IRREVERSIBLE,
        operation="create_order",
        args=CreateOrder,
        output=OrderCreated,
        handler=create_order,
        preview=preview_create_order,
    ),
    ToolSpec(
        name="get_order",
        title="Get order",
        description="Read an order: status, items, totals.",
        toolset="orders",
        effect=Effect.READ,
        operation="get_order",
        args=GetOrder,
        output=OrderView,
        handler=get_order,
    ),
    ToolSpec(
        name="finalize_order",
        title="Finalize order",
        description="Finalize an order after hosted payment; deletes the cart.",
        toolset="orders",
        effect=Effect.IRREVERSIBLE,
        operation="finalize_order",
        args=FinalizeOrder,
        output=OrderView,
        handler=finalize_order,
        preview=preview_finalize_order,
    ),
]
