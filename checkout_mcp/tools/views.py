"""Compact views of the domain model: what an agent needs at a glance, in few tokens.

Money is a decimal string in the checkout's currency (named once, at the top). Text that
shoppers wrote (names, addresses, customer messages) stays inside structured fields and is never
spliced into the one-line summaries, so it cannot pass for an instruction.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from checkout_mcp.bigcommerce.models import (
    Address,
    Cart,
    Checkout,
    Consignment,
    LineItem,
    Order,
    ShippingOption,
)
from checkout_mcp.tools.fields import View
from checkout_mcp.tools.readiness import blockers, has_billing_address
from checkout_mcp.tools.registry import ToolOutput

SAME_AS_BILLING = "same as billing"
CENT = Decimal("0.01")


def money(amount: Decimal) -> str:
    """A plain decimal string: `Decimal("5")` -> "5.00", finer amounts as they are; never a float."""
    cents = amount.quantize(CENT)
    return str(cents) if cents == amount else str(amount)


def one_line(address: Address) -> str:
    parts = [
        f"{address.first_name} {address.last_name}".strip(),
        address.address1,
        address.address2,
        address.city,
        address.state_or_province_code or address.state_or_province,
        address.postal_code,
        address.country_code,
    ]
    return ", ".join(filter(None, parts))


ITEM_FORMAT = "id: quantity x name @ unit price"
OPTION_FORMAT = "option id: description, cost (transit time)"


class ShipTo(BaseModel):
    id: str
    address: str
    item_ids: list[str] | None = Field(default=None, description="absent: every item that ships")
    selected: str | None = Field(default=None, description=OPTION_FORMAT)
    options: list[str] | None = Field(default=None, description=OPTION_FORMAT)


class Totals(BaseModel):
    """Absent amounts are zero; `outstanding` is absent when it equals the grand total."""

    subtotal: str
    discounts: str | None = None
    shipping: str | None = None
    handling: str | None = None
    tax: str | None = None
    grand_total: str
    outstanding: str | None = Field(default=None, description="left to pay after gift certificates")


class CheckoutView(ToolOutput):
    checkout_id: str
    currency: str
    version: int | None = None
    items: list[str] = Field(description=ITEM_FORMAT)
    billing_address: str | None = None
    billing_address_id: str | None = None
    consignments: list[ShipTo]
    coupons: list[str] | None = None
    gift_certificates: list[str] | None = None
    customer_message: str | None = None
    totals: Totals
    order_id: str | None = None
    next: list[str] = Field(description="tools that move this checkout forward")
    raw: dict[str, Any] | None = None

    def summary(self) -> str:
        """One line: size, money, order, next steps. The id is in the structured result."""
        t = self.totals
        text = f"{len(self.items)} item(s), total {t.grand_total} {self.currency}"
        text += f", {t.outstanding} left to pay" if t.outstanding else ""
        text += f"; order {self.order_id}" if self.order_id else ""
        return f"{text}. Next: {', '.join(self.next)}." if self.next else f"{text}."

    def offered_only(self, tools: frozenset[str]) -> CheckoutView:
        if all(step in tools for step in self.next):
            return self
        return self.model_copy(update={"next": [step for step in self.next if step in tools]})


class CartView(ToolOutput):
    checkout_id: str = Field(description="the cart's id, which is its checkout's id")
    currency: str
    items: list[str] = Field(description=ITEM_FORMAT)
    cart_amount: str
    deleted: bool = False
    raw: dict[str, Any] | None = None

    def summary(self) -> str:
        if self.deleted:
            return f"Checkout {self.checkout_id} lost its last item and was deleted."
        size = f"{len(self.items)} item(s), amount {self.cart_amount}"
        return f"Checkout {self.checkout_id} ({self.currency}): {size}."


class OrderView(ToolOutput):
    order_id: int
    status: str
    currency: str
    items: list[str]
    subtotal: str
    shipping: str
    tax: str
    discounts: str
    grand_total: str
    checkout_id: str | None = None
    raw: dict[str, Any] | None = None

    def summary(self) -> str:
        return f"Order {self.order_id}: {self.status}, total {self.grand_total} {self.currency}."


def item(line: LineItem) -> str:
    """One line item as one short line (see ITEM_FORMAT): ids stay exact, keys cost nothing."""
    return f"{line.id}: {line.quantity} x {line.name} @ {money(line.sale_price)}"


def nonzero(amount: Decimal) -> str | None:
    return money(amount) if amount else None


def option(shipping_option: ShippingOption) -> str:
    """One shipping option as one short line (see OPTION_FORMAT)."""
    text = f"{shipping_option.id}: {shipping_option.description}, {money(shipping_option.cost)}"
    return f"{text} ({shipping_option.transit_time})" if shipping_option.transit_time else text


def ship_to(consignment: Consignment, shipping_items: set[str], billing: str | None) -> ShipTo:
    """A consignment; item ids only when it does not ship everything, "billing address" when the same."""
    available = consignment.available_shipping_options
    selected = consignment.selected_shipping_option
    address = one_line(consignment.address)
    return ShipTo(
        id=consignment.id,
        address=SAME_AS_BILLING if address == billing else address,
        item_ids=None if set(consignment.line_item_ids) == shipping_items else consignment.line_item_ids,
        selected=option(selected) if selected else None,
        options=[option(o) for o in available] if available is not None and not selected else None,
    )


def next_steps(checkout: Checkout) -> list[str]:
    """The tools that move this checkout forward, in the order a checkout needs them."""
    if checkout.order_id:
        return ["get_order", "create_checkout_token"]
    return list(dict.fromkeys(blocker.fix for blocker in blockers(checkout))) or ["create_order"]


def checkout_view(checkout: Checkout, view: View = "compact") -> CheckoutView:
    billing = checkout.billing_address
    has_billing = has_billing_address(checkout)
    coupons = sum((c.discounted_amount for c in checkout.coupons), Decimal(0))
    shipping_items = {line.id for line in checkout.cart.line_items if line.requires_shipping}
    outstanding = checkout.outstanding_balance
    billing_line = one_line(billing) if billing and has_billing else None
    gift_certificates = [
        f"{g.code} -{money(g.used)} (left {money(g.remaining)})" for g in checkout.gift_certificates
    ]
    return CheckoutView(
        checkout_id=checkout.id,
        currency=checkout.currency,
        version=checkout.version,
        items=[item(line) for line in checkout.cart.line_items],
        billing_address=billing_line,
        billing_address_id=billing.id if billing and has_billing else None,
        consignments=[ship_to(c, shipping_items, billing_line) for c in checkout.consignments],
        coupons=[f"{c.code} -{money(c.discounted_amount)}" for c in checkout.coupons] or None,
        gift_certificates=gift_certificates or None,
        customer_message=checkout.customer_message or None,
        totals=Totals(
            subtotal=money(checkout.subtotal),
            discounts=nonzero(checkout.cart.discount_amount + coupons),
            shipping=nonzero(checkout.shipping_total),
            handling=nonzero(checkout.handling_total),
            tax=nonzero(checkout.tax_total),
            grand_total=money(checkout.grand_total),
            outstanding=None if outstanding == checkout.grand_total else money(outstanding),
        ),
        order_id=checkout.order_id,
        next=next_steps(checkout),
        raw=checkout.raw if view == "full" else None,
    )


def cart_view(cart: Cart, view: View = "compact") -> CartView:
    return CartView(
        checkout_id=cart.id,
        currency=cart.currency,
        items=[item(line) for line in cart.line_items],
        cart_amount=money(cart.cart_amount),
        raw=cart.raw if view == "full" else None,
    )


def order_view(order: Order, view: View = "compact") -> OrderView:
    return OrderView(
        order_id=order.id,
        status=order.status,
        currency=order.currency,
        items=[f"{line.quantity} x {line.name} = {money(line.total)}" for line in order.items],
        subtotal=money(order.subtotal),
        shipping=money(order.shipping_total),
        tax=money(order.tax_total),
        discounts=money(order.discount_total),
        grand_total=money(order.grand_total),
        checkout_id=order.cart_id,
        raw=order.raw if view == "full" else None,
    )
