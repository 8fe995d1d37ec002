"""The storefront's camelCase shapes: carts, checkouts and orders (checkouts.sf.yml, carts.sf.yml,
orders.sf.yml), and seed 004's for the operations only it documents."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from checkout_mcp.sandbox import operations as ops
from checkout_mcp.sandbox.errors import not_found
from checkout_mcp.sandbox.jsonio import Fragment
from checkout_mcp.sandbox.state import Cart, Order, OrderLine, StoreState, storefront_status
from checkout_mcp.sandbox.templates import (
    Const,
    Omitted,
    Template,
    boolean,
    fragment,
    fragments,
    integer,
    money,
    text,
    texts,
    timestamp,
)
from checkout_mcp.sandbox.totals import CURRENCY_EXPONENTS, Totals, coupon_display_name
from checkout_mcp.sandbox.views import (
    TAX,
    address_view,
    coupon_discounts,
    coupon_view,
    currency_view,
    line_item_groups,
    shipping_option_view,
)

Json = dict[str, Any]


CART = Template(
    id=text,
    customerId=integer,
    email=text,
    currency=fragment,
    isTaxIncluded=boolean,
    baseAmount=money,
    discountAmount=Const(Decimal("0")),
    cartAmount=money,
    coupons=fragments,
    discounts=fragments,
    lineItems=fragment,
    locale=text,
    createdTime=timestamp,
    updatedTime=timestamp,
    version=integer,
)
"""carts.sf.yml responseCart (also the `cart` inside a checkout)."""
DISCOUNT = Template(id=integer, discountedAmount=money)
CONSIGNMENT = Template(
    id=text,
    address=fragment,
    selectedShippingOption=Omitted(fragment),
    shippingCost=money,
    shippingCostBeforeDiscount=money,
    handlingCost=money,
    couponDiscounts=fragments,
    discounts=Const([]),
    lineItemIds=texts,
    availableShippingOptions=Omitted(fragments),
)
GIFT_CERTIFICATE = Template(code=text, balance=money, used=money, remaining=money)
CHECKOUT = Template(
    id=text,
    cart=fragment,
    billingAddress=Omitted(fragment),
    consignments=fragments,
    coupons=fragments,
    orderId=Omitted(text),
    shippingCostTotal=money,
    shippingCostBeforeDiscount=money,
    giftWrappingCostTotal=Const(Decimal("0")),
    handlingCostTotal=money,
    taxTotal=money,
    taxes=fragments,
    subtotal=money,
    grandTotal=money,
    giftCertificates=fragments,
    isStoreCreditApplied=Const(False),
    outstandingBalance=money,
    customerMessage=text,
    channelId=integer,
    fees=Const([]),
    promotions=Const([]),
    version=integer,
    createdTime=timestamp,
    updatedTime=timestamp,
)
"""checkouts.sf.yml checkout_Full."""


def cart_view(cart: Cart, totals: Totals) -> Fragment:
    """carts.sf.yml responseCart (also the `cart` inside a checkout)."""
    return CART.write(
        id=cart.id,
        customerId=cart.customer_id,
        email=cart.email,
        currency=currency_view(cart.currency, "storefront"),
        isTaxIncluded=totals.tax_included,
        baseAmount=totals.base_amount,
        cartAmount=totals.cart_amount_inc_tax if totals.tax_included else totals.cart_amount_ex_tax,
        coupons=[coupon_view(c, "storefront") for c in totals.coupons],
        discounts=[
            DISCOUNT.write(id=c.coupon_id, discountedAmount=c.discounted_amount) for c in totals.coupons
        ],
        lineItems=line_item_groups(cart.line_items, totals.lines, "storefront"),
        locale=cart.locale,
        createdTime=cart.created_time,
        updatedTime=cart.updated_time,
        version=cart.version,
    )


def consignment_views(store: StoreState, cart: Cart, totals: Totals, with_options: bool) -> list[Fragment]:
    views = []
    for consignment in cart.consignments:
        amounts = totals.consignments[consignment.id]
        offered = ops.available_shipping_options(store, cart.id, consignment.id)
        selected = next((m for m in offered if m.id == consignment.selected_shipping_option_id), None)
        shipping = amounts.shipping_cost_inc_tax if totals.tax_included else amounts.shipping_cost_ex_tax
        views.append(
            CONSIGNMENT.write(
                id=consignment.id,
                address=address_view(consignment.address, "storefront"),
                selectedShippingOption=shipping_option_view(selected, "storefront") if selected else None,
                shippingCost=shipping,
                shippingCostBeforeDiscount=shipping + amounts.coupon_discount,
                handlingCost=amounts.handling_cost_inc_tax
                if totals.tax_included
                else amounts.handling_cost_ex_tax,
                couponDiscounts=coupon_discounts(totals.coupons, amounts.coupon_discount),
                lineItemIds=consignment.line_item_ids,
                availableShippingOptions=[shipping_option_view(m, "storefront") for m in offered]
                if with_options
                else None,
            )
        )
    return views


def checkout_view(store: StoreState, cart: Cart, now: datetime, *, with_options: bool = False) -> Fragment:
    """checkouts.sf.yml checkout_Full."""
    totals = ops.checkout_totals(store, cart, now)
    included = totals.tax_included
    shipping = totals.shipping_cost_total_inc_tax if included else totals.shipping_cost_total_ex_tax
    return CHECKOUT.write(
        id=cart.id,
        cart=cart_view(cart, totals),
        billingAddress=address_view(cart.billing_address, "storefront") if cart.billing_address else None,
        consignments=consignment_views(store, cart, totals, with_options),
        coupons=[coupon_view(c, "storefront", type_code=True) for c in totals.coupons],
        orderId=str(cart.order_id) if cart.order_id is not None else None,
        shippingCostTotal=shipping,
        shippingCostBeforeDiscount=shipping
        + sum((c.coupon_discount for c in totals.consignments.values()), Decimal(0)),
        handlingCostTotal=totals.handling_cost_total_inc_tax
        if included
        else totals.handling_cost_total_ex_tax,
        taxTotal=totals.tax_total,
        taxes=[TAX.write(name=t.name, amount=t.amount) for t in totals.taxes],
        subtotal=totals.subtotal_inc_tax if included else totals.subtotal_ex_tax,
        grandTotal=totals.grand_total,
        giftCertificates=[
            GIFT_CERTIFICATE.write(code=g.code, balance=g.balance, used=g.used, remaining=g.remaining)
            for g in totals.gift_certificates
        ],
        outstandingBalance=totals.outstanding_balance,
        customerMessage=cart.customer_message,
        channelId=cart.channel_id,
        version=cart.version,
        createdTime=cart.created_time,
        updatedTime=cart.updated_time,
    )


def order_item_view(line: OrderLine, tax_included: bool) -> Json:
    return {
        "productId": line.product_id,
        "variantId": line.variant_id,
        "sku": line.sku,
        "name": line.name,
        "type": line.type,
        "quantity": line.quantity,
        "isShippingRequired": line.type == "physical",
        "listPrice": line.base_price,
        "salePrice": line.price_inc_tax if tax_included else line.price_ex_tax,
        "extendedListPrice": line.base_price * line.quantity,
        "extendedSalePrice": line.total_inc_tax if tax_included else line.total_ex_tax,
        "discounts": [],
    }


def order_view(store: StoreState, order: Order) -> Json:
    """orders.sf.yml Order (`lineItems` as the spec has it: a list of one grouping object)."""
    included = store.settings.tax_included
    places = CURRENCY_EXPONENTS.get(order.currency, 2)
    coupons = [store.coupons[code.upper()] for code in order.coupon_codes if code.upper() in store.coupons]
    return {
        "orderId": order.id,
        "cartId": order.cart_id,
        "customerId": str(order.customer_id),
        "currency": currency_view(order.currency, "storefront"),
        "isTaxIncluded": included,
        "baseAmount": order.subtotal_inc_tax if included else order.subtotal_ex_tax,
        "discountAmount": order.discount_amount,
        "totalDiscount": order.discount_amount,
        "giftWrappingCostTotal": Decimal("0"),
        "orderAmount": order.total_inc_tax,
        "orderAmountAsInteger": int(order.total_inc_tax.scaleb(places)),
        "coupons": [
            {
                "id": str(c.id),
                "code": c.code,
                "displayName": coupon_display_name(c, order.currency),
                "couponType": c.type,
            }
            for c in coupons
        ],
        "lineItems": [
            {
                "physicalItems": [order_item_view(x, included) for x in order.lines if x.type == "physical"],
                "digitalItems": [order_item_view(x, included) for x in order.lines if x.type == "digital"],
                "giftCertificate": [],
            }
        ],
        "billingAddress": address_view(order.billing_address, "storefront"),
        "status": storefront_status(order.status_id),
        "hasDigitalItems": any(x.type == "digital" for x in order.lines),
        "isDownloadable": order.holds_stock,
        "isComplete": order.holds_stock,
        "customerMessage": order.customer_message,
        "shippingCostTotal": order.shipping_cost_inc_tax if included else order.shipping_cost_ex_tax,
        "handlingCostTotal": order.handling_cost_inc_tax if included else order.handling_cost_ex_tax,
        "taxes": [{"name": "Tax", "amount": order.total_tax}] if order.total_tax else [],
        "taxTotal": order.total_tax,
        "channelId": 1,
    }


def seed_order_view(store: StoreState, order: Order) -> Json:
    """Seed 004's Order, for the operations only the seed has (create, finalize): orders.sf.yml's
    shape, with the seed's status spelling ("ORDER_STATUS_AWAITING_FULFILLMENT")."""
    return {**order_view(store, order), "status": f"ORDER_STATUS_{storefront_status(order.status_id)}"}


def shipping_options_view(store: StoreState, cart: Cart, consignment_id: str) -> Json:
    """Seed 004's ResponseShippingOptions: options per consignment ("shipping address"), `selected`
    marked, `formattedPrice` a numeric string."""
    consignment = next((c for c in cart.consignments if c.id == consignment_id), None)
    if consignment is None:
        raise not_found("Shipping address")
    options = [
        {
            "id": m.id,
            "description": m.description,
            "price": m.cost,
            "formattedPrice": str(m.cost),
            "imageUrl": "",
            "selected": m.id == consignment.selected_shipping_option_id,
            "transitTime": m.transit_time,
        }
        for m in ops.available_shipping_options(store, cart.id, consignment_id)
    ]
    return {"meta": {}, "data": {"shippingOptions": {consignment_id: options}}}
