"""The store's final state on the parts that matter, as one canonical value, its digest, and a diff.

Compared (everything else, such as versions, timestamps and generated ids, differs between two
runs that did the same thing):
- orders: the cart, status, lines (product/variant, name, quantity, prices), totals, billing and
  shipping addresses, coupons, gift-certificate amount, customer message, payment method;
- carts: items, coupons and gift certificates applied, billing address, consignments (address,
  items, shipping option), customer message, email, grand total, the order it has;
- checkout tokens (checkout, uses, maximum uses, expiry) and redirect URLs (cart, expiry, query,
  used), the credentials an agent can mint;
- gift-certificate balances and stock levels, which finalizing an order changes.

Carts are named by their start label, or `new-1`, `new-2`, ... in the order the store holds them
(then carts gone from the store, in the order orders, tokens and URLs name them); orders by `#id`
if the start had them, else `new-1`, `new-2`, ... in the order they were made. The sandbox clock is
frozen during a trial, so expiry times compare exactly.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from checkout_mcp.canonical import canonical_json, sha256_hex
from checkout_mcp.evals.start import Baseline
from checkout_mcp.sandbox import operations as ops
from checkout_mcp.sandbox.state import Address, Cart, LineItem, Order, StoreState

MAX_DIFFERENCES = 12
MAX_VALUE_TEXT = 160


class Names:
    """The run-independent names of carts and orders (see the module docstring)."""

    def __init__(self, store: StoreState, baseline: Baseline) -> None:
        self.carts = {cart_id: label for label, cart_id in baseline.carts.items()}
        mentioned = [
            *store.carts,
            *(order.cart_id for order in sorted(store.orders.values(), key=lambda order: order.id)),
            *(token.checkout_id for token in store.checkout_tokens),
            *(url.cart_id for url in store.redirect_urls),
        ]
        new_carts = 0
        for cart_id in mentioned:
            if cart_id not in self.carts:
                new_carts += 1
                self.carts[cart_id] = f"new-{new_carts}"
        new_orders = sorted(order_id for order_id in store.orders if order_id >= baseline.next_order_id)
        self.orders = {order_id: f"new-{number}" for number, order_id in enumerate(new_orders, 1)}

    def cart(self, cart_id: str) -> str:
        return self.carts[cart_id]

    def order(self, order_id: int | None) -> str | None:
        if order_id is None:
            return None
        return self.orders.get(order_id, f"#{order_id}")


def address_view(address: Address | None) -> dict[str, str] | None:
    if address is None:
        return None
    return {key: value for key, value in address.model_dump(exclude={"id"}).items() if value}


def item_key(item: LineItem) -> str:
    return f"{item.product_id}/{item.variant_id}" if item.variant_id is not None else str(item.product_id)


def cart_view(store: StoreState, cart: Cart, names: Names, now: datetime) -> dict[str, Any]:
    keys = {item.id: item_key(item) for item in cart.line_items}
    return {
        "currency": cart.currency,
        "email": cart.email,
        "items": sorted(
            f"{keys[item.id]}: {item.quantity} x {item.name} @ {item.list_price}" for item in cart.line_items
        ),
        "coupons": sorted(cart.coupon_codes),
        "gift_certificates": sorted(cart.gift_certificate_codes),
        "billing_address": address_view(cart.billing_address),
        "consignments": _sorted(
            {
                "address": address_view(consignment.address),
                "items": sorted(keys[item_id] for item_id in consignment.line_item_ids),
                "shipping_option": consignment.selected_shipping_option_id,
            }
            for consignment in cart.consignments
        ),
        "customer_message": cart.customer_message,
        "grand_total": str(ops.checkout_totals(store, cart, now).grand_total),
        "order": names.order(cart.order_id),
    }


def order_view(order: Order, names: Names) -> dict[str, Any]:
    return {
        "cart": names.cart(order.cart_id),
        "status": order.status,
        "lines": sorted(
            f"{line.product_id}/{line.variant_id}: {line.quantity} x {line.name} "
            f"@ {line.price_inc_tax} = {line.total_inc_tax}"
            for line in order.lines
        ),
        "totals": {
            "subtotal": str(order.subtotal_inc_tax),
            "shipping": str(order.shipping_cost_inc_tax),
            "discount": str(order.discount_amount),
            "coupon_discount": str(order.coupon_discount),
            "tax": str(order.total_tax),
            "total": str(order.total_inc_tax),
            "gift_certificates": str(order.gift_certificate_amount),
        },
        "billing_address": address_view(order.billing_address),
        "shipping_addresses": _sorted(address_view(address) for address in order.shipping_addresses),
        "coupons": sorted(order.coupon_codes),
        "customer_message": order.customer_message,
        "payment_method": order.payment_method,
    }


def stock_view(store: StoreState) -> dict[str, int]:
    levels: dict[str, int] = {}
    for product in store.products.values():
        if product.inventory_level is not None:
            levels[str(product.id)] = product.inventory_level
        for variant in product.variants:
            if variant.inventory_level is not None:
                levels[f"{product.id}/{variant.id}"] = variant.inventory_level
    return levels


def state_view(store: StoreState, baseline: Baseline, now: datetime) -> dict[str, Any]:
    """The compared parts of the store, as JSON-safe data (money as decimal strings)."""
    names = Names(store, baseline)
    return {
        "orders": {names.order(order.id): order_view(order, names) for order in store.orders.values()},
        "carts": {names.cart(cart.id): cart_view(store, cart, names, now) for cart in store.carts.values()},
        "checkout_tokens": _sorted(
            {
                "checkout": names.cart(token.checkout_id),
                "max_uses": token.max_uses,
                "uses": token.uses,
                "expires_at": token.expires_at.isoformat(),
            }
            for token in store.checkout_tokens
        ),
        "redirect_urls": _sorted(
            {
                "cart": names.cart(url.cart_id),
                "expires_at": url.expires_at.isoformat(),
                "query_params": url.query_params,
                "used": url.used,
            }
            for url in store.redirect_urls
        ),
        "gift_certificates": {code: str(card.balance) for code, card in store.gift_certificates.items()},
        "stock": stock_view(store),
    }


def digest(view: dict[str, Any]) -> str:
    """The SHA-256 of the view's canonical JSON: equal digests, equal states."""
    return sha256_hex(view)


def differences(gold: Any, agent: Any) -> list[str]:
    """How the agent's view differs from the gold's, one line per differing leaf (at most a dozen)."""
    lines: list[str] = []
    _compare(gold, agent, "", lines)
    if len(lines) > MAX_DIFFERENCES:
        lines = [*lines[:MAX_DIFFERENCES], f"... and {len(lines) - MAX_DIFFERENCES} more"]
    return lines


def _compare(gold: Any, agent: Any, path: str, lines: list[str]) -> None:
    if isinstance(gold, dict) and isinstance(agent, dict):
        for key in sorted(gold.keys() | agent.keys()):
            where = f"{path}.{key}" if path else key
            if key not in agent:
                lines.append(f"{where}: gold has {_text(gold[key])}, the agent's store has none")
            elif key not in gold:
                lines.append(f"{where}: the agent's store has {_text(agent[key])}, gold has none")
            else:
                _compare(gold[key], agent[key], where, lines)
    elif _is_records(gold) and _is_records(agent) and len(gold) == len(agent):
        for index, (one, other) in enumerate(zip(gold, agent, strict=True)):
            _compare(one, other, f"{path}.{index}", lines)
    elif isinstance(gold, list) and isinstance(agent, list) and gold != agent:
        missing = [item for item in gold if item not in agent]
        extra = [item for item in agent if item not in gold]
        lines.append(f"{path}: only in gold {_text(missing)}; only in the agent's store {_text(extra)}")
    elif gold != agent:
        lines.append(f"{path}: gold {_text(gold)}, the agent's store {_text(agent)}")


def _is_records(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def _text(value: Any) -> str:
    """A value as compact JSON in the views' own order (orders lead with cart, status, lines, totals)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text if len(text) <= MAX_VALUE_TEXT else f"{text[: MAX_VALUE_TEXT - 3]}..."


def _sorted(records: Iterable[Any]) -> list[Any]:
    return sorted(records, key=canonical_json)
