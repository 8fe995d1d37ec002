"""Compact views of the domain model: what an agent needs at a glance, in few tokens.

Money is a decimal string in the checkout's currency (named once, at the top). Text that
shoppers wrote (names, addresses, customer messages) stays inside structured fields and is never
spliced into the one-line summaries, so it cannot pass for an instruction.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

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
from checkout_mcp.tools.registry import ToolOutput

View = Literal["compact", "full"]
VIEW_DESCRIPTION = "compact (default) or full: adds the raw upstream JSON"


def money(amount: Decimal) -> str:
    """A plain decimal string: `Decimal("5")` -> "5.00"; never a float."""
    return f"{amount:.2f}" if amount == amount.quantize(Decimal("0.01")) else str(amount)


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
    return ", ".join(part for part in parts if part)


class Item(BaseModel):
    id: str
    name: str
    qty: int
    price: str
    total: str
    product_id: int | None = None
    variant_id: int | None = None
    ships: bool = Field(default=False, description="needs a shipping address")


class Option(BaseModel):
    id: str
    description: str
    cost: str
    transit: str | None = None


class ShipTo(BaseModel):
    id: str
    address: str
    item_ids: list[str]
    selected: Option | None = None
    options: list[Option] | None = None


class Totals(BaseModel):
    subtotal: str
    discounts: str
    shipping: str
    handling: str
    tax: str
    grand_total: str
    outstanding: str


class CheckoutView(ToolOutput):
    checkout_id: str
    currency: str
    version: int | None = None
    items: list[Item]
    billing_address: str | None = None
    billing_address_id: str | None = None
    consignments: list[ShipTo]
    coupons: list[str]
    gift_certificates: list[str]
    customer_message: str
    totals: Totals
    order_id: str | None = None
    next: list[str] = Field(description="tools that move this checkout forward")
    raw: dict[str, Any] | None = None

    def summary(self) -> str:
        t = self.totals
        return (
            f"Checkout {self.checkout_id} ({self.currency}): {len(self.items)} item(s), "
            f"total {t.grand_total}, outstanding {t.outstanding}. "
            f"Billing {'set' if self.billing_address else 'missing'}; "
            f"{len(self.consignments)} consignment(s); "
            f"order {self.order_id or 'none'}. Next: {', '.join(self.next) or 'nothing'}."
        )


class CartView(ToolOutput):
    cart_id: str
    currency: str
    items: list[Item]
    cart_amount: str
    deleted: bool = False
    raw: dict[str, Any] | None = None

    def summary(self) -> str:
        if self.deleted:
            return f"Cart {self.cart_id} removed its last item and was deleted."
        return f"Cart {self.cart_id} ({self.currency}): {len(self.items)} item(s), amount {self.cart_amount}."


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
    cart_id: str | None = None
    raw: dict[str, Any] | None = None

    def summary(self) -> str:
        return f"Order {self.order_id}: {self.status}, total {self.grand_total} {self.currency}."


def item(line: LineItem) -> Item:
    return Item(
        id=line.id,
        name=line.name,
        qty=line.quantity,
        price=money(line.sale_price),
        total=money(line.extended_sale_price),
        product_id=line.product_id,
        variant_id=line.variant_id,
        ships=line.requires_shipping,
    )


def option(shipping_option: ShippingOption) -> Option:
    return Option(
        id=shipping_option.id,
        description=shipping_option.description,
        cost=money(shipping_option.cost),
        transit=shipping_option.transit_time,
    )


def ship_to(consignment: Consignment) -> ShipTo:
    available = consignment.available_shipping_options
    selected = consignment.selected_shipping_option
    return ShipTo(
        id=consignment.id,
        address=one_line(consignment.address),
        item_ids=consignment.line_item_ids,
        selected=option(selected) if selected else None,
        options=[option(o) for o in available] if available is not None and not selected else None,
    )


def next_steps(checkout: Checkout) -> list[str]:
    """The tools that move this checkout forward, in the order a checkout needs them."""
    if checkout.order_id:
        return ["get_order", "create_checkout_token"]
    steps: list[str] = []
    if not checkout.cart.line_items:
        return ["create_cart"]
    if checkout.billing_address is None:
        steps.append("add_billing_address")
    shipped = {item_id for c in checkout.consignments for item_id in c.line_item_ids}
    if any(line.requires_shipping and line.id not in shipped for line in checkout.cart.line_items):
        steps.append("add_shipping_address")
    if any(c.selected_shipping_option is None for c in checkout.consignments):
        steps.append("select_shipping_option")
    return steps or ["create_order"]


def checkout_view(checkout: Checkout, view: View = "compact") -> CheckoutView:
    billing = checkout.billing_address
    has_billing = billing is not None and bool(billing.address1 or billing.email)
    discounts = checkout.cart.discount_amount + sum(
        (c.discounted_amount for c in checkout.coupons), Decimal(0)
    )
    return CheckoutView(
        checkout_id=checkout.id,
        currency=checkout.currency,
        version=checkout.version,
        items=[item(line) for line in checkout.cart.line_items],
        billing_address=one_line(billing) if billing and has_billing else None,
        billing_address_id=billing.id if billing and has_billing else None,
        consignments=[ship_to(c) for c in checkout.consignments],
        coupons=[f"{c.code} -{money(c.discounted_amount)}" for c in checkout.coupons],
        gift_certificates=[
            f"{g.code} -{money(g.used)} (left {money(g.remaining)})" for g in checkout.gift_certificates
        ],
        customer_message=checkout.customer_message,
        totals=Totals(
            subtotal=money(checkout.subtotal),
            discounts=money(discounts),
            shipping=money(checkout.shipping_total),
            handling=money(checkout.handling_total),
            tax=money(checkout.tax_total),
            grand_total=money(checkout.grand_total),
            outstanding=money(checkout.outstanding_balance),
        ),
        order_id=checkout.order_id,
        next=next_steps(checkout),
        raw=checkout.raw if view == "full" else None,
    )


def cart_view(cart: Cart, view: View = "compact") -> CartView:
    return CartView(
        cart_id=cart.id,
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
        cart_id=order.cart_id,
        raw=order.raw if view == "full" else None,
    )
