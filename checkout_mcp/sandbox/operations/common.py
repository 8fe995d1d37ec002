"""The reads and the version rule every operation shares."""

from __future__ import annotations

from datetime import datetime

from checkout_mcp.sandbox.errors import conflict, not_found
from checkout_mcp.sandbox.state import Cart, Order, StoreState
from checkout_mcp.sandbox.totals import Totals, compute_totals


def get_cart(store: StoreState, cart_id: str) -> Cart:
    cart = store.carts.get(cart_id)
    if cart is None:
        raise not_found("Cart")
    return cart


def get_order(store: StoreState, order_id: int) -> Order:
    order = store.orders.get(order_id)
    if order is None:
        raise not_found("Order")
    return order


def checkout_totals(store: StoreState, cart: Cart, now: datetime) -> Totals:
    return compute_totals(store, cart, now)


def writable(store: StoreState, cart_id: str, expected_version: int | None) -> Cart:
    """The cart a mutation may change: a stale `expected_version` is a 409 before anything changes."""
    cart = get_cart(store, cart_id)
    if expected_version is not None and expected_version != cart.version:
        raise conflict()
    return cart


def touch(cart: Cart, now: datetime) -> Cart:
    """Record a change: the version goes up by one (what the next `expected_version` must be)."""
    cart.version += 1
    cart.updated_time = now
    return cart
