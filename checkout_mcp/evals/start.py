"""A scenario's starting store: the seeded sandbox changed as the scenario says, before any request.

The changes go through the sandbox's own operations (as the seed's demo carts do), so a start cart
is one the store could have made; then `Baseline` remembers what was there before the agent came,
which the state digest needs to tell the agent's carts and orders from the start's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from checkout_mcp.evals.scenario import STOCK_KEY, Start, StartAddress, StartCart
from checkout_mcp.sandbox import Sandbox
from checkout_mcp.sandbox import operations as ops
from checkout_mcp.sandbox.errors import SandboxError
from checkout_mcp.sandbox.state import StoreState


class StartError(Exception):
    """The scenario's start cannot be built on this seed (the message says which change failed)."""


@dataclass(frozen=True)
class Baseline:
    """The store as the agent found it: labelled carts, the next order id, the id counter."""

    carts: dict[str, str]  # label -> cart id (the seed's demo carts and the scenario's own)
    next_order_id: int
    id_counter: int

    def references(self) -> dict[str, str]:
        """`carts.<label>` for every start cart, as scenarios write them."""
        return {f"carts.{label}": cart_id for label, cart_id in self.carts.items()}


def apply_start(sandbox: Sandbox, start: Start) -> Baseline:
    """Change the freshly seeded store as `start` says (coupons, carts, stock, clock), in that order."""
    store = sandbox.store
    now = sandbox.clock.now()
    for coupon in start.coupons:
        store.coupons[coupon.code.upper()] = coupon
    for cart in start.carts:
        if cart.label in store.demo_carts:
            raise StartError(f"start cart {cart.label!r}: the seed already has a cart with that label")
        try:
            store.demo_carts[cart.label] = _build_cart(store, now, cart)
        except SandboxError as error:
            raise StartError(f"start cart {cart.label!r}: the store refused it: {error}") from error
    for key, level in start.stock.items():
        _set_stock(store, key, level)
    sandbox.clock.advance(start.advance_clock_seconds)
    return Baseline(dict(store.demo_carts), store.next_order_id, store.id_counter)


def _address(address: StartAddress) -> ops.AddressData:
    return ops.AddressData(**address.model_dump())


def _build_cart(store: StoreState, now: datetime, spec: StartCart) -> str:
    items = [ops.ItemRequest(**item.model_dump()) for item in spec.items]
    cart = ops.create_cart(store, now, items)
    if spec.billing is not None:
        ops.add_billing_address(store, now, cart.id, _address(spec.billing))
    if spec.shipping is not None:
        lines = [
            ops.ConsignmentLine(item_id=item.id, quantity=item.quantity)
            for item in cart.line_items
            if item.type == "physical"
        ]
        request = ops.ConsignmentRequest(address=_address(spec.shipping), line_items=lines)
        ops.add_consignments(store, now, cart.id, [request])
        if spec.shipping_option is not None:
            ops.select_shipping_option(store, now, cart.id, cart.consignments[0].id, spec.shipping_option)
    for code in spec.coupons:
        ops.apply_coupon(store, now, cart.id, code)
    for code in spec.gift_certificates:
        ops.apply_gift_certificate(store, now, cart.id, code)
    if spec.customer_message:
        ops.update_customer_message(store, now, cart.id, spec.customer_message)
    if spec.ordered:
        ops.create_order(store, now, cart.id)
    return cart.id


def _set_stock(store: StoreState, key: str, level: int) -> None:
    match = STOCK_KEY.match(key)
    assert match is not None  # the scenario model checked the key
    product = store.products.get(int(match.group(1)))
    if product is None:
        raise StartError(f"stock {key!r}: the store has no product {match.group(1)}")
    if match.group(2) is None:
        if product.variants:
            raise StartError(f"stock {key!r}: product {product.id} has variants; name one as product/variant")
        product.inventory_level = level
        return
    variant = product.variant(int(match.group(2)))
    if variant is None:
        raise StartError(f"stock {key!r}: product {product.id} has no variant {match.group(2)}")
    variant.inventory_level = level
