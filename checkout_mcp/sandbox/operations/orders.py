"""Orders: created from a checkout, finalized, listed, their status changed (with the stock they hold)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from checkout_mcp.order_status import INCOMPLETE_STATUS_ID, ORDER_STATUS_NAMES
from checkout_mcp.sandbox.errors import SandboxError, invalid
from checkout_mcp.sandbox.operations.checkout import update_customer_message
from checkout_mcp.sandbox.operations.common import get_cart, get_order, touch
from checkout_mcp.sandbox.state import (
    FINALIZED_STATUS_ID,
    Cart,
    LineItem,
    Order,
    OrderLine,
    StoreState,
)
from checkout_mcp.sandbox.totals import Totals, compute_totals, round_money


def create_order(
    store: StoreState, now: datetime, cart_id: str, customer_message: str | None = None
) -> Order:
    """An incomplete order (status 0) from the checkout; calling again creates another order.

    The checkout needs a billing address with an email, every physical item in a consignment,
    and a selected shipping option on every consignment that ships physical items. A
    `customer_message` (the storefront's order body) is set on the checkout only once it is ready.
    """
    cart = get_cart(store, cart_id)
    _check_ready_to_order(store, cart)
    if customer_message is not None:
        update_customer_message(store, now, cart.id, customer_message)
    totals = compute_totals(store, cart, now)
    order = Order(
        id=store.take_order_id(),
        cart_id=cart.id,
        customer_id=cart.customer_id,
        channel_id=cart.channel_id,
        currency=cart.currency,
        date_created=now,
        date_modified=now,
        billing_address=cart.billing_address,
        shipping_addresses=[c.address for c in cart.consignments],
        lines=[_order_line(store, item, totals) for item in cart.line_items],
        subtotal_ex_tax=totals.subtotal_ex_tax,
        subtotal_inc_tax=totals.subtotal_inc_tax,
        shipping_cost_ex_tax=totals.shipping_cost_total_ex_tax,
        shipping_cost_inc_tax=totals.shipping_cost_total_inc_tax,
        discount_amount=totals.discount_amount,
        coupon_discount=totals.discount_amount,
        total_tax=totals.tax_total,
        total_ex_tax=totals.grand_total - totals.tax_total,
        total_inc_tax=totals.grand_total,
        gift_certificate_amount=totals.grand_total - totals.outstanding_balance,
        coupon_codes=list(cart.coupon_codes),
        customer_message=cart.customer_message,
    )
    store.orders[order.id] = order
    cart.order_id = order.id
    touch(cart, now)
    return order


def finalize_order(store: StoreState, now: datetime, order_id: int, payment_method: str = "") -> Order:
    """Move an incomplete order on (status 11): stock and gift-certificate balances are taken now.

    "Once the order is paid, the cart is deleted" (checkouts.v3.yml): the checkout is gone from
    both surfaces, but shopper sessions keep its id, so the shopper can still read the order.
    """
    order = get_order(store, order_id)
    if order.status_id != INCOMPLETE_STATUS_ID:
        raise invalid(f"Order {order_id} is {order.status}: only an incomplete order can be finalized.")
    cart = store.carts.pop(order.cart_id, None)
    if cart is not None:
        for use in compute_totals(store, cart, now).gift_certificates:
            store.gift_certificates[use.code.upper()].balance -= use.used
    _set_status(store, now, order, FINALIZED_STATUS_ID)
    order.payment_method = payment_method
    return order


ORDER_SORT_KEYS = frozenset({"id", "customer_id", "date_created", "date_modified", "status_id", "channel_id"})


@dataclass(frozen=True)
class OrderQuery:
    """GET /v2/orders filters; `sort` is "field" or "field:asc|desc" (default: id ascending)."""

    cart_id: str | None = None
    status_id: int | None = None
    min_id: int | None = None
    max_id: int | None = None
    sort: str = "id"
    page: int = 1
    limit: int = 50


def list_orders(store: StoreState, query: OrderQuery) -> list[Order]:
    """One page of the orders that pass every filter, in the asked order (ties by id)."""
    field, _, direction = query.sort.partition(":")
    if field not in ORDER_SORT_KEYS or direction not in ("", "asc", "desc"):
        raise SandboxError(400, f"The sort '{query.sort[:40]}' is not valid.")
    matching = [
        order
        for order in sorted(store.orders.values(), key=lambda o: o.id)
        if (query.cart_id is None or order.cart_id == query.cart_id)
        and (query.status_id is None or order.status_id == query.status_id)
        and (query.min_id is None or order.id >= query.min_id)
        and (query.max_id is None or order.id <= query.max_id)
    ]
    matching.sort(key=lambda o: getattr(o, field), reverse=direction == "desc")
    start = (query.page - 1) * query.limit
    return matching[start : start + query.limit]


def update_order_status(store: StoreState, now: datetime, order_id: int, status_id: int) -> Order:
    """Set an order's status (PUT /v2/orders/{id}); cancelling a placed order puts its stock back."""
    order = get_order(store, order_id)
    if not 0 <= status_id < len(ORDER_STATUS_NAMES):
        raise SandboxError(400, f"The status_id {status_id} is not a valid order status.")
    _set_status(store, now, order, status_id)
    return order


def _check_ready_to_order(store: StoreState, cart: Cart) -> None:
    if cart.billing_address is None or not cart.billing_address.email:
        raise invalid("A billing address with an email address is required to create an order.")
    assigned = {item_id for c in cart.consignments for item_id in c.line_item_ids}
    physical = [i for i in cart.line_items if i.type == "physical"]
    if any(i.id not in assigned for i in physical):
        raise invalid("Every physical item must be assigned to a consignment with a shipping address.")
    physical_ids = {i.id for i in physical}
    for consignment in cart.consignments:
        ships = physical_ids.intersection(consignment.line_item_ids)
        if ships and consignment.selected_shipping_option_id is None:
            raise invalid(f"Consignment {consignment.id} has no shipping option selected.")


def _order_line(store: StoreState, item: LineItem, totals: Totals) -> OrderLine:
    line = totals.lines[item.id]
    return OrderLine(
        id=store.take_order_product_id(),
        product_id=item.product_id,
        variant_id=item.variant_id,
        name=item.name,
        sku=item.sku,
        type=item.type,
        quantity=item.quantity,
        base_price=item.list_price,
        price_ex_tax=round_money(line.net_ex_tax / item.quantity, totals.currency),
        price_inc_tax=round_money(line.net_inc_tax / item.quantity, totals.currency),
        total_ex_tax=line.net_ex_tax,
        total_inc_tax=line.net_inc_tax,
    )


def _set_status(store: StoreState, now: datetime, order: Order, status_id: int) -> None:
    """Change the status, moving stock when the order starts or stops holding it."""
    held_before = order.holds_stock
    order.status_id = status_id
    if held_before != order.holds_stock:
        for line in order.lines:
            _move_stock(store, line, -line.quantity if order.holds_stock else line.quantity)
    order.date_modified = now


def _move_stock(store: StoreState, line: OrderLine, change: int) -> None:
    product = store.products.get(line.product_id)
    if product is None:
        return
    variant = product.variant(line.variant_id) if line.variant_id is not None else None
    holder = variant if variant is not None else product
    if holder.inventory_level is not None:
        holder.inventory_level = max(0, holder.inventory_level + change)
