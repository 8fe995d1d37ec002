"""Tools for orders: create one from a checkout (never twice by accident), read it, finalize it."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Literal

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from checkout_mcp.bigcommerce.errors import UpstreamError, UpstreamUnavailable
from checkout_mcp.bigcommerce.models import Checkout
from checkout_mcp.policy.effects import Effect
from checkout_mcp.policy.ledger import EntryState, OrderKey
from checkout_mcp.tools.fields import CheckoutId, OrderId, ViewField
from checkout_mcp.tools.registry import Preview, ToolArgs, ToolContext, ToolOutput, ToolSpec
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
    how: Literal["created", "reconciled", "already_created"] = Field(
        default="created",
        description="reconciled: found by reading back after a lost response; already_created: same request",
    )

    def summary(self) -> str:
        how = {
            "created": "created",
            "reconciled": "created (found by reading the checkout back after the store's answer was lost)",
            "already_created": "was already created by an identical earlier call; no new order",
        }[self.how]
        return (
            f"Order {self.order_id} {how} from checkout {self.checkout_id}: status {self.status}, "
            f"total {self.grand_total} {self.currency}. Next: take payment, then finalize_order."
        )


def order_key(tools: ToolContext, args: CreateOrder, checkout: Checkout) -> OrderKey:
    """Same idempotency key, or (without one) same checkout version and total: the same order.

    A deliberate duplicate is keyed after the order it duplicates, so it is a new order, once.
    """
    store = tools.store_identity
    if args.idempotency_key:
        return OrderKey.for_idempotency_key(store, checkout.id, args.idempotency_key)
    key = OrderKey.for_checkout_state(store, checkout.id, checkout.version, checkout.grand_total)
    if args.allow_duplicate and checkout.order_id:
        return replace(key, basis=f"{key.basis}:after-order={checkout.order_id}")
    return key


async def create_order(tools: ToolContext, args: CreateOrder) -> OrderCreated:
    """Post the order at most once per key; after a lost answer, read back instead of posting again."""
    checkout_id = str(args.checkout_id)
    reader = tools.store.binding_for("get_checkout")
    before = await reader.get_checkout(checkout_id)
    key = order_key(tools, args, before)

    def created(order_id: str | int, how: str) -> OrderCreated:
        return OrderCreated(
            order_id=int(order_id),
            checkout_id=checkout_id,
            status="Incomplete",
            grand_total=money(before.grand_total),
            currency=before.currency,
            how=how,
        )

    existing = tools.ledger.lookup(key)
    if existing:
        return created(existing, "already_created")
    if before.order_id and not args.allow_duplicate:
        raise ToolError(
            f"Checkout {checkout_id} already has order {before.order_id}; no new order was created. "
            "Use get_order to see it. To order it again on purpose, call again with allow_duplicate=true."
        )
    settled = await settle_earlier_attempt(tools, key, before)
    if settled is not None:
        return created(settled, "reconciled")
    tools.ledger.begin(key)
    try:
        order_id = await tools.store.binding_for("create_order").create_order(checkout_id)
    except UpstreamUnavailable as lost:
        if not lost.ambiguous:
            tools.ledger.release(key)
            raise
        tools.ledger.mark_ambiguous(key, lost.reason)
        after = await reader.get_checkout(checkout_id)
        found = tools.ledger.reconcile(key, after.order_id if after.order_id != before.order_id else None)
        if found is None:
            raise ToolError(
                f"The store's answer was lost, and reading checkout {checkout_id} back shows no new order: "
                "none was created. It is safe to call create_order again."
            ) from lost
        return created(found, "reconciled")
    except UpstreamError:
        tools.ledger.release(key)
        raise
    tools.ledger.record(key, order_id)
    return created(order_id, "created")


async def settle_earlier_attempt(tools: ToolContext, key: OrderKey, checkout: Checkout) -> str | None:
    """An earlier attempt with this key whose outcome was lost: the checkout read now settles it."""
    entry = tools.ledger.entry(key)
    if entry is None:
        return None
    if entry.state is not EntryState.AMBIGUOUS:
        raise ToolError(
            f"An order for checkout {checkout.id} is being created by another call right now; "
            "wait for it, then call get_checkout to see its order_id."
        )
    return tools.ledger.reconcile(key, checkout.order_id)


async def preview_create_order(tools: ToolContext, args: CreateOrder) -> Preview:
    checkout = await tools.store.binding_for("get_checkout").get_checkout(str(args.checkout_id))
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


async def get_order(tools: ToolContext, args: GetOrder) -> OrderView:
    return order_view(await tools.store.binding_for("get_order").get_order(args.order_id), args.view)


class FinalizeOrder(ToolArgs):
    order_id: OrderId


async def finalize_order(tools: ToolContext, args: FinalizeOrder) -> OrderView:
    return order_view(await tools.store.binding_for("finalize_order").finalize_order(args.order_id))


async def preview_finalize_order(tools: ToolContext, args: FinalizeOrder) -> Preview:
    order = await tools.store.binding_for("get_order").get_order(args.order_id)
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
        args=FinalizeOrder,
        output=OrderView,
        handler=finalize_order,
        preview=preview_finalize_order,
    ),
]
