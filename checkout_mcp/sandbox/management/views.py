"""The management API's snake_case shapes: carts and checkouts (v3), orders (v2: 4-place money strings,
RFC 2822 dates) and the catalog."""

from __future__ import annotations

from decimal import Decimal
from email.utils import format_datetime
from typing import Any

from checkout_mcp.sandbox import catalog
from checkout_mcp.sandbox import operations as ops
from checkout_mcp.sandbox.jsonio import Fragment
from checkout_mcp.sandbox.state import Address, Cart, Order, OrderLine, Product, StoreState, Variant
from checkout_mcp.sandbox.templates import (
    Const,
    Omitted,
    Template,
    boolean,
    fragment,
    fragments,
    integer,
    money,
    nullable,
    text,
    texts,
    timestamp,
)
from checkout_mcp.sandbox.totals import Totals
from checkout_mcp.sandbox.views import (
    COUPON_SHARE,
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
    customer_id=integer,
    channel_id=integer,
    email=text,
    currency=fragment,
    tax_included=boolean,
    base_amount=money,
    discount_amount=Const(Decimal("0")),  # spec: order-based discounts only, never coupons (none here)
    manual_discount_amount=Const(Decimal("0")),
    cart_amount=money,
    cart_amount_inc_tax=money,
    cart_amount_ex_tax=money,
    coupons=fragments,
    discounts=fragments,
    line_items=fragment,
    created_time=timestamp,
    updated_time=timestamp,
    locale=text,
    version=integer,
    redirect_urls=Omitted(fragment),  # POST /carts?include=redirect_urls
)
"""Cart_Full (carts.v3.yml)."""
CONSIGNMENT = Template(
    id=text,
    address=fragment,
    line_item_ids=texts,
    shipping_cost_inc_tax=money,
    shipping_cost_ex_tax=money,
    handling_cost_inc_tax=money,
    handling_cost_ex_tax=money,
    coupon_discounts=fragments,
    discounts=Const([]),
    selected_shipping_option=Omitted(fragment),
    available_shipping_options=Omitted(fragments),
)
CHECKOUT = Template(
    id=text,
    cart=fragment,
    billing_address=Omitted(fragment),
    consignments=fragments,
    taxes=fragments,
    coupons=fragments,
    fees=Const([]),
    order_id=nullable(text),
    shipping_cost_total_inc_tax=money,
    shipping_cost_total_ex_tax=money,
    handling_cost_total_inc_tax=money,
    handling_cost_total_ex_tax=money,
    tax_total=money,
    subtotal_inc_tax=money,
    subtotal_ex_tax=money,
    grand_total=money,
    created_time=timestamp,
    updated_time=timestamp,
    customer_message=text,
    promotions=Const([]),
    version=integer,
)
"""Checkout (checkouts.v3.yml)."""


def cart_view(cart: Cart, totals: Totals, redirect_urls: Fragment | None = None) -> Fragment:
    """Cart_Full (carts.v3.yml), also the checkout's `cart`; `redirect_urls` when POST /carts asks."""
    discount = totals.discount_amount
    return CART.write(
        id=cart.id,
        customer_id=cart.customer_id,
        channel_id=cart.channel_id,
        email=cart.email,
        currency=currency_view(cart.currency),
        tax_included=totals.tax_included,
        base_amount=totals.base_amount,
        cart_amount=totals.cart_amount_inc_tax,
        cart_amount_inc_tax=totals.cart_amount_inc_tax,
        cart_amount_ex_tax=totals.cart_amount_ex_tax,
        coupons=[coupon_view(c) for c in totals.coupons],
        discounts=[COUPON_SHARE.write(discounted_amount=discount)] if discount else [],
        line_items=line_item_groups(cart.line_items, totals.lines, "management"),
        created_time=cart.created_time,
        updated_time=cart.updated_time,
        locale=cart.locale,
        version=cart.version,
        redirect_urls=redirect_urls,
    )


def checkout_view(store: StoreState, cart: Cart, totals: Totals, *, with_options: bool) -> Fragment:
    """Checkout (checkouts.v3.yml)."""
    methods = {m.id: m for m in store.shipping_methods}
    consignments = []
    for consignment in cart.consignments:
        amounts = totals.consignments[consignment.id]
        selected = methods.get(consignment.selected_shipping_option_id or "")
        offered = ops.available_shipping_options(store, cart.id, consignment.id) if with_options else None
        consignments.append(
            CONSIGNMENT.write(
                id=consignment.id,
                address=address_view(consignment.address),
                line_item_ids=consignment.line_item_ids,
                shipping_cost_inc_tax=amounts.shipping_cost_inc_tax,
                shipping_cost_ex_tax=amounts.shipping_cost_ex_tax,
                handling_cost_inc_tax=amounts.handling_cost_inc_tax,
                handling_cost_ex_tax=amounts.handling_cost_ex_tax,
                coupon_discounts=coupon_discounts(totals.coupons, amounts.coupon_discount),
                selected_shipping_option=shipping_option_view(selected) if selected is not None else None,
                available_shipping_options=None
                if offered is None
                else [shipping_option_view(option) for option in offered],
            )
        )
    return CHECKOUT.write(
        id=cart.id,
        cart=cart_view(cart, totals),
        billing_address=address_view(cart.billing_address) if cart.billing_address else None,
        consignments=consignments,
        taxes=[TAX.write(name=t.name, amount=t.amount) for t in totals.taxes],
        coupons=[coupon_view(c) for c in totals.coupons],
        order_id=str(cart.order_id) if cart.order_id is not None else None,
        shipping_cost_total_inc_tax=totals.shipping_cost_total_inc_tax,
        shipping_cost_total_ex_tax=totals.shipping_cost_total_ex_tax,
        handling_cost_total_inc_tax=totals.handling_cost_total_inc_tax,
        handling_cost_total_ex_tax=totals.handling_cost_total_ex_tax,
        tax_total=totals.tax_total,
        subtotal_inc_tax=totals.subtotal_inc_tax,
        subtotal_ex_tax=totals.subtotal_ex_tax,
        grand_total=totals.grand_total,
        created_time=cart.created_time,
        updated_time=cart.updated_time,
        customer_message=cart.customer_message,
        version=cart.version,
    )


def v2_money(amount: Decimal) -> str:
    return f"{amount:.4f}"


def v2_address(address: Address) -> dict[str, Any]:
    return {
        "first_name": address.first_name,
        "last_name": address.last_name,
        "company": address.company,
        "street_1": address.address1,
        "street_2": address.address2,
        "city": address.city,
        "state": address.state_or_province,
        "zip": address.postal_code,
        "country": address.country_code,
        "country_iso2": address.country_code,
        "phone": address.phone,
        "email": address.email,
        "form_fields": [],
    }


def order_v2_view(order: Order, tax_included: bool, store_hash: str, base_url: str) -> dict[str, Any]:
    """The essentials of orders.v2.oas2.yml's order: money as 4-place strings, RFC 2822 dates."""
    resource = f"/orders/{order.id}"
    link = f"{base_url.rstrip('/')}/stores/{store_hash}/v2{resource}"
    return {
        "id": order.id,
        "customer_id": order.customer_id,
        "date_created": format_datetime(order.date_created),
        "date_modified": format_datetime(order.date_modified),
        "date_shipped": "",
        "status_id": order.status_id,
        "status": order.status,
        "subtotal_ex_tax": v2_money(order.subtotal_ex_tax),
        "subtotal_inc_tax": v2_money(order.subtotal_inc_tax),
        "subtotal_tax": v2_money(order.subtotal_inc_tax - order.subtotal_ex_tax),
        "base_shipping_cost": v2_money(order.shipping_cost_inc_tax),
        "shipping_cost_ex_tax": v2_money(order.shipping_cost_ex_tax),
        "shipping_cost_inc_tax": v2_money(order.shipping_cost_inc_tax),
        "shipping_cost_tax": v2_money(order.shipping_cost_inc_tax - order.shipping_cost_ex_tax),
        "handling_cost_ex_tax": v2_money(order.handling_cost_ex_tax),
        "handling_cost_inc_tax": v2_money(order.handling_cost_inc_tax),
        "total_ex_tax": v2_money(order.total_ex_tax),
        "total_inc_tax": v2_money(order.total_inc_tax),
        "total_tax": v2_money(order.total_tax),
        "is_tax_inclusive_pricing": tax_included,
        "items_total": sum(line.quantity for line in order.lines),
        "items_shipped": 0,
        "payment_method": order.payment_method,
        "refunded_amount": v2_money(Decimal("0")),
        "order_is_digital": all(line.type == "digital" for line in order.lines),
        "gift_certificate_amount": v2_money(order.gift_certificate_amount),
        "currency_code": order.currency,
        "default_currency_code": order.currency,
        "customer_message": order.customer_message,
        "discount_amount": v2_money(order.discount_amount),
        "coupon_discount": v2_money(order.coupon_discount),
        "shipping_address_count": len(order.shipping_addresses),
        "cart_id": order.cart_id,
        "billing_address": v2_address(order.billing_address),
        "channel_id": order.channel_id,
        "order_source": "checkout_api",
        "products": {"url": f"{link}/products", "resource": f"{resource}/products"},
        "shipping_addresses": {
            "url": f"{link}/shippingaddresses",
            "resource": f"{resource}/shippingaddresses",
        },
        "coupons": {"url": f"{link}/coupons", "resource": f"{resource}/coupons"},
    }


def order_product_v2_view(order: Order, line: OrderLine) -> dict[str, Any]:
    """The essentials of orders.v2.oas2.yml's orderProducts (prices per unit, totals per line)."""
    return {
        "id": line.id,
        "order_id": order.id,
        "product_id": line.product_id,
        "variant_id": line.variant_id,
        "name": line.name,
        "name_customer": line.name,
        "name_merchant": line.name,
        "sku": line.sku,
        "type": line.type,
        "quantity": line.quantity,
        "base_price": v2_money(line.base_price),
        "price_ex_tax": v2_money(line.price_ex_tax),
        "price_inc_tax": v2_money(line.price_inc_tax),
        "price_tax": v2_money(line.price_inc_tax - line.price_ex_tax),
        "base_total": v2_money(line.base_price * line.quantity),
        "total_ex_tax": v2_money(line.total_ex_tax),
        "total_inc_tax": v2_money(line.total_inc_tax),
        "total_tax": v2_money(line.total_inc_tax - line.total_ex_tax),
        "quantity_shipped": 0,
    }


REDIRECT_URLS = Template(cart_url=text, checkout_url=text, embedded_checkout_url=text)


def redirect_urls_view(urls: ops.RedirectUrlSet) -> Fragment:
    return REDIRECT_URLS.write(
        cart_url=urls.cart_url,
        checkout_url=urls.checkout_url,
        embedded_checkout_url=urls.embedded_checkout_url,
    )


def image_view(product: Product, base_url: str) -> Json:
    url = f"{base_url.rstrip('/')}/product_images/{product.id}.jpg"
    return {
        "id": product.id,
        "product_id": product.id,
        "is_thumbnail": True,
        "sort_order": 0,
        "description": product.name,
        "image_url": url,
        "url_zoom": url,
        "url_standard": url,
        "url_thumbnail": url,
        "url_tiny": url,
    }


def variant_view(product: Product, variant: Variant | None) -> Json:
    """productVariant_Full; `None` is the base variant of a product without options."""
    own_price = variant.price if variant is not None else None
    stock = variant.inventory_level if variant is not None else product.inventory_level
    return {
        "id": variant.id if variant is not None else product.base_variant_id,
        "product_id": product.id,
        "sku": variant.sku if variant is not None else product.sku,
        "sku_id": None,
        "price": own_price,
        "calculated_price": catalog.unit_price(product, variant),
        "sale_price": None,
        "retail_price": None,
        "cost_price": None,
        "map_price": None,
        "weight": None,
        "calculated_weight": product.weight,
        "width": None,
        "height": None,
        "depth": None,
        "is_free_shipping": False,
        "fixed_cost_shipping_price": None,
        "purchasing_disabled": variant.purchasing_disabled if variant is not None else False,
        "purchasing_disabled_message": "",
        "image_url": "",
        "upc": "",
        "mpn": "",
        "gtin": "",
        "inventory_level": stock or 0,
        "inventory_warning_level": 0,
        "bin_picking_number": "",
        "option_values": [
            {
                "id": o.id,
                "label": o.label,
                "option_id": o.option_id,
                "option_display_name": o.option_display_name,
            }
            for o in (variant.option_values if variant is not None else [])
        ],
    }


def variants_of(product: Product) -> list[Json]:
    return [variant_view(product, v) for v in product.variants] or [variant_view(product, None)]


def product_view(product: Product, base_url: str, include: list[str]) -> Json:
    """product_Full, with `variants` and `images` when asked for."""
    view: Json = {
        "id": product.id,
        "name": product.name,
        "type": product.type,
        "sku": product.sku,
        "description": product.description,
        "weight": product.weight,
        "width": Decimal("0"),
        "depth": Decimal("0"),
        "height": Decimal("0"),
        "price": product.price,
        "cost_price": Decimal("0"),
        "retail_price": Decimal("0"),
        "sale_price": Decimal("0"),
        "map_price": Decimal("0"),
        "calculated_price": product.price,
        "tax_class_id": 0,
        "categories": [],
        "brand_id": 0,
        "inventory_level": catalog.product_stock(product) or 0,
        "inventory_warning_level": 0,
        "inventory_tracking": catalog.inventory_tracking(product),
        "is_free_shipping": False,
        "is_visible": product.is_visible,
        "is_featured": False,
        "availability": product.availability,
        "availability_description": "",
        "order_quantity_minimum": product.order_quantity_minimum,
        "order_quantity_maximum": product.order_quantity_maximum,
        "base_variant_id": product.base_variant_id,
        "condition": "New",
        "is_condition_shown": False,
        "is_price_hidden": False,
        "is_preorder_only": False,
        "preorder_release_date": None,
        "upc": "",
        "mpn": "",
        "gtin": "",
        "search_keywords": "",
        "total_sold": 0,
        "custom_url": {"url": f"/products/{product.id}/", "is_customized": False},
        "option_set_display": "right",
    }
    if "variants" in include:
        view["variants"] = variants_of(product)
    if "images" in include:
        view["images"] = [image_view(product, base_url)]
    return view
