"""Tools for orders: create one from a checkout (never twice by accident), read it, finalize it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Annotated, Literal

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from checkout_mcp.bigcommerce.errors import UpstreamError, UpstreamUnavailable
from checkout_mcp.bigcommerce.models import Checkout, Order
from checkout_mcp.order_status import CANCELLED_STATUS_ID, INCOMPLETE_STATUS_ID
from checkout_mcp.policy.audit import Outcome
from checkout_mcp.policy.effects import Effect
from checkout_mcp.policy.ledger import EntryState, LedgerEntry, OrderKey
from checkout_mcp.quoting import shopper
from checkout_mcp.quoting import store as store_text
from checkout_mcp.tools.catalog import catalog_for
from checkout_mcp.tools.fields import CheckoutId, OrderId, ViewField
from checkout_mcp.tools.readiness import blockers as readiness_blockers
from checkout_mcp.tools.registry import (
    OrderCancelled,
    OutcomeUnknown,
    Preview,
    ToolArgs,
    ToolContext,
    ToolOutput,
    ToolSpec,
)
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
        description="reconciled: found in the store after a lost answer; already_created: made earlier",
    )
    warning: str | None = None

    def summary(self) -> str:
        how = {
            "created": "created",
            "reconciled": "created (found in the store after its answer was lost)",
            "already_created": "was already created for this checkout by an earlier call; no new order",
        }[self.how]
        warning = f" Warning: {self.warning}" if self.warning else ""
        return (
            f"Order {self.order_id} {how} from checkout {self.checkout_id}: status {self.status}, "
            f"total {self.grand_total} {self.currency}. Next: take payment, then finalize_order.{warning}"
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


def unsettled(tools: ToolContext, checkout_id: str) -> bool:
    """Whether an earlier attempt on this checkout has an unknown outcome."""
    entries = tools.ledger.for_checkout(tools.store_identity, checkout_id)
    return any(e.state is not EntryState.RECORDED for e in entries)


def ours(tools: ToolContext, checkout_id: str) -> set[str]:
    """The orders this server (any call, any key) recorded for this checkout."""
    entries = tools.ledger.for_checkout(tools.store_identity, checkout_id)
    return {e.order_id for e in entries if e.state is EntryState.RECORDED and e.order_id}


def existing_order(tools: ToolContext, args: CreateOrder, checkout: Checkout) -> str | None:
    """The order an identical or overlapping earlier call made, which this call returns instead."""
    recorded = tools.ledger.lookup(order_key(tools, args, checkout))
    if recorded is not None:
        return recorded
    if checkout.order_id and not args.allow_duplicate and checkout.order_id in ours(tools, checkout.id):
        return checkout.order_id
    return None


async def orders_from_cart(tools: ToolContext, checkout_id: str, since_order: str | None) -> list[str]:
    """The store's own record of the orders made from this cart after order `since_order`, oldest first.

    With the management API: the v2 orders filtered by cart_id. Storefront only: the checkout's
    order id, read again.
    """
    floor = int(since_order) if since_order else 0
    if tools.store.supports("list_orders"):
        orders = await tools.store.binding_for("list_orders").list_orders(cart_id=checkout_id)
        return sorted((str(order.id) for order in orders if order.id > floor), key=int)
    after = await tools.store.binding_for("get_checkout").get_checkout(checkout_id)
    return [after.order_id] if after.order_id and after.order_id != since_order else []


async def order_made(tools: ToolContext, checkout_id: str, since_order: str | None) -> str | None:
    """The order from this cart, after `since_order`, that no call of this server has recorded."""
    known = ours(tools, checkout_id)
    return next((o for o in await orders_from_cart(tools, checkout_id, since_order) if o not in known), None)


async def settle_unknown_attempts(tools: ToolContext, checkout: Checkout) -> dict[OrderKey, str | None]:
    """Settle, from the store, every earlier attempt on this checkout whose outcome was lost.

    Runs before anything else is sent for the checkout, so every order the store has is journaled
    as created. Raises if the store cannot be read: nothing new is posted while an order may exist.
    """
    unknown = [
        e
        for e in tools.ledger.for_checkout(tools.store_identity, checkout.id)
        if e.state is not EntryState.RECORDED
    ]
    if not unknown:
        return {}
    settled: dict[OrderKey, str | None] = {}
    for entry in unknown:
        try:
            made = await order_made(tools, checkout.id, entry.since_order)
        except UpstreamError as error:
            raise OutcomeUnknown(
                f"An earlier create_order on checkout {checkout.id} has an unknown outcome and the store "
                f"cannot be read to settle it ({error}). Nothing was sent. Call create_order again later."
            ) from error
        if made is None:
            too_soon_to_say_none(tools, checkout.id, entry)
        order_id = tools.ledger.reconcile(entry.key, made)
        settled[entry.key] = order_id
        tools.journal.settle(
            tool="create_order",
            arguments={"checkout_id": checkout.id},
            outcome=Outcome.SUCCEEDED if order_id else Outcome.FAILED,
            reason=f"settled from the store's orders for cart {checkout.id}: "
            + (f"order {order_id} exists" if order_id else "no order was made"),
            result_ids={"order_id": order_id} if order_id else None,
        )
    return settled


def too_soon_to_say_none(tools: ToolContext, checkout_id: str, entry: LedgerEntry) -> None:
    """Raise if the attempt's server died so recently that its post may still reach the store.

    The lock it held lapsed, but a request already sent is not stopped by that: until twice the
    store's timeout has passed since it began, "no order yet" does not mean "no order".
    """
    if not entry.writer_died or entry.began_at is None:
        return
    waited = time.time() - entry.began_at
    if waited < tools.settle_after_seconds:
        raise OutcomeUnknown(
            f"An earlier create_order on checkout {checkout_id} began {waited:.0f} s ago on a server that "
            "stopped before it heard the store's answer, and its request may still reach the store. "
            f"Nothing was sent. Call create_order again in {tools.settle_after_seconds - waited:.0f} s: it "
            "checks the store's orders first and never orders twice."
        )


async def create_order(tools: ToolContext, args: CreateOrder, preview: Preview) -> OrderCreated:
    """Post the order at most once per checkout; after a lost answer, read the store's record instead.

    The gate holds the checkout's lock and has just checked `preview` (the checkout it read) against
    what was approved; the order made is read back and cancelled if it differs from that.
    """
    checkout: Checkout = preview.state
    key = order_key(tools, args, checkout)

    def created(order_id: str | int, how: str, warning: str | None = None) -> OrderCreated:
        return OrderCreated(
            order_id=int(order_id),
            checkout_id=checkout.id,
            status="Incomplete",
            grand_total=money(checkout.grand_total),
            currency=checkout.currency,
            how=how,
            warning=warning,
        )

    settled = await settle_unknown_attempts(tools, checkout)
    existing = existing_order(tools, args, checkout)
    if existing is not None:
        return created(existing, "reconciled" if existing in settled.values() else "already_created")
    if checkout.order_id and not args.allow_duplicate:
        raise ToolError(
            f"Checkout {checkout.id} already has order {checkout.order_id}; no new order was created. "
            "See it with get_order; to order again on purpose, call with allow_duplicate=true."
        )
    tools.ledger.begin(key, since_order=checkout.order_id)
    try:
        order_id = str(await tools.store.binding_for("create_order").create_order(checkout.id))
    except UpstreamUnavailable as lost:
        if not lost.ambiguous:
            tools.ledger.release(key)
            raise
        order_id = await reconcile_lost_answer(tools, key, checkout, lost)
        return await checked(tools, checkout, order_id, created, "reconciled")
    except UpstreamError:
        tools.ledger.release(key)
        raise
    tools.ledger.record(key, order_id)
    return await checked(tools, checkout, order_id, created, "created")


async def reconcile_lost_answer(
    tools: ToolContext, key: OrderKey, checkout: Checkout, lost: UpstreamUnavailable
) -> str:
    """The store's answer was lost: its own record says whether the order exists."""
    tools.ledger.mark_ambiguous(key, lost.reason)
    try:
        found = await order_made(tools, checkout.id, checkout.order_id)
    except UpstreamError as error:
        raise OutcomeUnknown(
            f"The store's answer to create_order was lost ({lost.reason}) and reading its orders back "
            f"failed too ({error}): an order MAY exist for checkout {checkout.id}. Nothing more was sent. "
            "To settle it, call create_order again with the same arguments: it checks the store first "
            "and never orders twice. get_checkout also shows the order_id once the store is reachable."
        ) from error
    order_id = tools.ledger.reconcile(key, found)
    if order_id is None:
        raise ToolError(
            f"The store's answer was lost, and its orders for checkout {checkout.id} show no new one: "
            "none was created. It is safe to call create_order again."
        ) from lost
    return order_id


async def checked(
    tools: ToolContext,
    checkout: Checkout,
    order_id: str,
    created: Callable[..., OrderCreated],
    how: str,
) -> OrderCreated:
    """Read the new order back; if its items or total differ from the checkout confirmed, cancel it."""
    order = await tools.store.binding_for("get_order").get_order(int(order_id))
    difference = order_difference(checkout, order)
    if difference is None:
        return created(order_id, how)
    if not tools.store.supports("update_order_status"):
        warning = (
            f"order {order_id} differs from what was confirmed ({difference}); this store's API cannot "
            "cancel it: cancel it in the store's control panel."
        )
        return created(order_id, how, warning)
    await tools.store.binding_for("update_order_status").update_order_status(
        int(order_id), CANCELLED_STATUS_ID
    )
    raise OrderCancelled(
        f"Order {order_id} was made but differs from what was confirmed ({difference}): the checkout "
        "changed between the check and the order. The order has been cancelled on the store. "
        "Review the checkout with get_checkout and confirm again.",
        int(order_id),
    )


def order_difference(checkout: Checkout, order: Order) -> str | None:
    """How an order differs from the checkout it was made from (lines, total), or None."""
    wanted = sorted((line.sku or line.name, line.quantity) for line in checkout.cart.line_items)
    made = sorted((item.sku or item.name, item.quantity) for item in order.items)
    if wanted != made:
        return "its lines differ"
    if order.grand_total != checkout.grand_total:
        return f"total {money(order.grand_total)} instead of {money(checkout.grand_total)}"
    return None


async def preview_create_order(tools: ToolContext, args: CreateOrder) -> Preview:
    """What create_order would do now: a new order, the existing one returned, or a deliberate duplicate."""
    checkout = await tools.store.binding_for("get_checkout").get_checkout(str(args.checkout_id))
    view = checkout_view(checkout)
    existing = existing_order(tools, args, checkout)
    blockers: list[str] = []
    if unsettled(tools, checkout.id):
        outcome = (
            "An earlier attempt's outcome is unknown: the store's own record is checked first; an order "
            "found there is returned, otherwise a new order is made."
        )
    elif existing is not None:
        outcome = f"Order {existing} was already created for this checkout: it is returned; no new order."
    elif checkout.order_id and args.allow_duplicate:
        outcome = f"A deliberate SECOND order: the checkout already has order {checkout.order_id}."
    else:
        outcome = "A new order (status Incomplete)."
        blockers = [b.text() for b in readiness_blockers(checkout, await catalog_for(tools, checkout))]
        if checkout.order_id:
            blockers = [
                f"checkout already has order {checkout.order_id} (see it with get_order; to order "
                "again on purpose, call with allow_duplicate=true)"
            ]
    lines = [
        f"{line.quantity} x {store_text(line.name)} @ {money(line.sale_price)}"
        for line in checkout.cart.line_items
    ]
    shipping = [f"to {shopper(c.address)}: {c.selected or 'no option selected'}" for c in view.consignments]
    billing = shopper(view.billing_address) if view.billing_address else "none"
    totals = view.totals.model_dump(exclude_none=True)
    return Preview(
        text=(
            f"Create an order from checkout {checkout.id} for {view.totals.grand_total} {checkout.currency}: "
            f"{'; '.join(lines)}. Bill to {billing}. Shipping {'; '.join(shipping) or 'none'}. {outcome}"
        ),
        details={
            "outcome": outcome,
            "items": view.items,
            "totals": totals,
            "currency": checkout.currency,
            "billing_address": view.billing_address,
            "shipping": [c.model_dump(exclude_none=True) for c in view.consignments],
            "existing_order_id": checkout.order_id,
        },
        fingerprint={
            "version": checkout.version,
            "items": view.items,
            "totals": totals,
            "billing": view.billing_address,
            "email": checkout.billing_address.email if checkout.billing_address else None,
            "shipping": [c.model_dump(exclude_none=True) for c in view.consignments],
            "order_id": checkout.order_id,
        },
        blockers=tuple(blockers),
        harmless=existing is not None,
        grand_total=checkout.grand_total,
        quantities=tuple(line.quantity for line in checkout.cart.line_items),
        state=checkout,
    )


class GetOrder(ToolArgs):
    order_id: OrderId
    view: ViewField = "compact"


async def get_order(tools: ToolContext, args: GetOrder) -> OrderView:
    return order_view(await tools.store.binding_for("get_order").get_order(args.order_id), args.view)


class FinalizeOrder(ToolArgs):
    order_id: OrderId


async def finalize_order(tools: ToolContext, args: FinalizeOrder, preview: Preview) -> OrderView:
    return order_view(await tools.store.binding_for("finalize_order").finalize_order(args.order_id))


def is_incomplete(order: Order) -> bool:
    return (
        order.status_id == INCOMPLETE_STATUS_ID
        if order.status_id is not None
        else order.status.lower() == "incomplete"
    )


async def preview_finalize_order(tools: ToolContext, args: FinalizeOrder) -> Preview:
    order = await tools.store.binding_for("get_order").get_order(args.order_id)
    view = order_view(order)
    blockers = (
        ()
        if is_incomplete(order)
        else (f"order {order.id} is {order.status}; only an incomplete order can be finalized",)
    )
    return Preview(
        text=(
            f"Finalize order {order.id} ({order.status}, {view.grand_total} {order.currency}): "
            f"{'; '.join(store_text(item.name) + f' x {item.quantity}' for item in order.items)}. "
            "The cart is then deleted. This cannot be undone."
        ),
        details={
            "order_id": order.id,
            "status": order.status,
            "items": view.items,
            "grand_total": view.grand_total,
        },
        fingerprint={"status": order.status, "items": view.items, "grand_total": view.grand_total},
        blockers=blockers,
        grand_total=order.grand_total,
        quantities=tuple(item.quantity for item in order.items),
        state=order,
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
