"""Which document each sandbox route answers to, and which routes each client operation uses.

`ROUTES` maps every API route the sandbox serves ("METHOD template", as its route table spells
it) to the operation that defines it: an official spec's path, or a seed-004 operation (seed-only
storefront operations; their models are in `seed004`). `CLIENT_ROUTES` says which routes each
`Binding` operation sends on each surface; the coverage test checks all three against each other.
"""

from __future__ import annotations

from dataclasses import dataclass

SEED = "seed 004"
M3 = "/stores/{store_hash}/v3"
M2 = "/stores/{store_hash}/v2"
SF = "/api/storefront"
CHECKOUT = f"{M3}/checkouts/{{checkout_id}}"
SF_CHECKOUT = f"{SF}/checkouts/{{checkoutId}}"


@dataclass(frozen=True)
class Source:
    """Where an operation is defined: a spec file (or SEED) and its path there."""

    spec: str
    path: str


ROUTES: dict[str, Source] = {
    # Management API v3: carts
    f"POST {M3}/carts": Source("carts.v3.yml", "/carts"),
    f"GET {M3}/carts/{{cart_id}}": Source("carts.v3.yml", "/carts/{cartId}"),
    f"PUT {M3}/carts/{{cart_id}}": Source("carts.v3.yml", "/carts/{cartId}"),
    f"DELETE {M3}/carts/{{cart_id}}": Source("carts.v3.yml", "/carts/{cartId}"),
    f"POST {M3}/carts/{{cart_id}}/items": Source("carts.v3.yml", "/carts/{cartId}/items"),
    f"PUT {M3}/carts/{{cart_id}}/items/{{item_id}}": Source("carts.v3.yml", "/carts/{cartId}/items/{itemId}"),
    f"DELETE {M3}/carts/{{cart_id}}/items/{{item_id}}": Source(
        "carts.v3.yml", "/carts/{cartId}/items/{itemId}"
    ),
    f"POST {M3}/carts/{{cart_id}}/redirect_urls": Source("carts.v3.yml", "/carts/{cartId}/redirect_urls"),
    # Management API v3: checkouts
    f"GET {CHECKOUT}": Source("checkouts.v3.yml", "/checkouts/{checkoutId}"),
    f"PUT {CHECKOUT}": Source("checkouts.v3.yml", "/checkouts/{checkoutId}"),
    f"POST {CHECKOUT}/billing-address": Source("checkouts.v3.yml", "/checkouts/{checkoutId}/billing-address"),
    f"PUT {CHECKOUT}/billing-address/{{address_id}}": Source(
        "checkouts.v3.yml", "/checkouts/{checkoutId}/billing-address/{addressId}"
    ),
    f"POST {CHECKOUT}/consignments": Source("checkouts.v3.yml", "/checkouts/{checkoutId}/consignments"),
    f"PUT {CHECKOUT}/consignments/{{consignment_id}}": Source(
        "checkouts.v3.yml", "/checkouts/{checkoutId}/consignments/{consignmentId}"
    ),
    f"DELETE {CHECKOUT}/consignments/{{consignment_id}}": Source(
        "checkouts.v3.yml", "/checkouts/{checkoutId}/consignments/{consignmentId}"
    ),
    f"POST {CHECKOUT}/coupons": Source("checkouts.v3.yml", "/checkouts/{checkoutId}/coupons"),
    f"DELETE {CHECKOUT}/coupons/{{coupon_code}}": Source(
        "checkouts.v3.yml", "/checkouts/{checkoutId}/coupons/{couponCode}"
    ),
    f"POST {CHECKOUT}/orders": Source("checkouts.v3.yml", "/checkouts/{checkoutId}/orders"),
    f"POST {CHECKOUT}/token": Source("checkouts.v3.yml", "/checkouts/{checkoutId}/token"),
    # Management API v2: orders
    f"GET {M2}/orders": Source("orders.v2.oas2.yml", "/orders"),
    f"GET {M2}/orders/{{order_id:int}}": Source("orders.v2.oas2.yml", "/orders/{order_id}"),
    f"PUT {M2}/orders/{{order_id:int}}": Source("orders.v2.oas2.yml", "/orders/{order_id}"),
    f"GET {M2}/orders/{{order_id:int}}/products": Source("orders.v2.oas2.yml", "/orders/{order_id}/products"),
    # Management API v3: catalog
    f"GET {M3}/catalog/products": Source("products_catalog.v3.yml", "/catalog/products"),
    f"GET {M3}/catalog/products/{{product_id:int}}": Source(
        "products_catalog.v3.yml", "/catalog/products/{product_id}"
    ),
    f"GET {M3}/catalog/products/{{product_id:int}}/variants": Source(
        "product-variants_catalog.v3.yml", "/catalog/products/{product_id}/variants"
    ),
    # Storefront API
    f"POST {SF}/carts": Source("carts.sf.yml", "/carts"),
    f"GET {SF}/checkouts": Source(SEED, "GET /checkouts"),
    f"GET {SF_CHECKOUT}": Source("checkouts.sf.yml", "/checkouts/{checkoutId}"),
    f"PUT {SF_CHECKOUT}": Source("checkouts.sf.yml", "/checkouts/{checkoutId}"),
    f"PUT {SF_CHECKOUT}/carts/{{cartId}}/items/{{itemId}}": Source(
        "checkouts.sf.yml", "/checkouts/{checkoutId}/carts/{cartId}/items/{itemId}"
    ),
    f"DELETE {SF_CHECKOUT}/carts/{{cartId}}/items/{{itemId}}": Source(
        "checkouts.sf.yml", "/checkouts/{checkoutId}/carts/{cartId}/items/{itemId}"
    ),
    f"POST {SF_CHECKOUT}/billing-address": Source(
        "checkouts.sf.yml", "/checkouts/{checkoutId}/billing-address"
    ),
    f"PUT {SF_CHECKOUT}/billing-address/{{addressId}}": Source(
        "checkouts.sf.yml", "/checkouts/{checkoutId}/billing-address/{addressId}"
    ),
    f"POST {SF_CHECKOUT}/consignments": Source("checkouts.sf.yml", "/checkouts/{checkoutId}/consignments"),
    f"PUT {SF_CHECKOUT}/consignments/{{consignmentId}}": Source(
        "checkouts.sf.yml", "/checkouts/{checkoutId}/consignments/{consignmentId}"
    ),
    f"DELETE {SF_CHECKOUT}/consignments/{{consignmentId}}": Source(
        "checkouts.sf.yml", "/checkouts/{checkoutId}/consignments/{consignmentId}"
    ),
    f"GET {SF_CHECKOUT}/shipping-addresses/{{consignmentId}}/options": Source(
        SEED, "GET /checkouts/{checkoutId}/shipping-addresses/{shippingAddressId}/options"
    ),
    f"PUT {SF_CHECKOUT}/shipping-addresses/{{consignmentId}}/options/{{optionId}}": Source(
        SEED, "PUT /checkouts/{checkoutId}/shipping-addresses/{shippingAddressId}/options/{shippingOptionId}"
    ),
    f"GET {SF_CHECKOUT}/payments": Source(SEED, "GET /checkouts/{checkoutId}/payments"),
    f"POST {SF_CHECKOUT}/gift-certificates": Source(
        "checkouts.sf.yml", "/checkouts/{checkoutId}/gift-certificates"
    ),
    f"DELETE {SF_CHECKOUT}/gift-certificates/{{code}}": Source(
        "checkouts.sf.yml", "/checkouts/{checkoutId}/gift-certificates/{giftCertificateCode}"
    ),
    f"POST {SF_CHECKOUT}/coupons": Source("checkouts.sf.yml", "/checkouts/{checkoutId}/coupons"),
    f"DELETE {SF_CHECKOUT}/coupons/{{code}}": Source(
        "checkouts.sf.yml", "/checkouts/{checkoutId}/coupons/{couponCode}"
    ),
    f"POST {SF_CHECKOUT}/order": Source(SEED, "POST /checkouts/{checkoutId}/order"),
    f"GET {SF}/orders/{{orderId:int}}": Source("orders.sf.yml", "/orders/{orderId}"),
    f"PUT {SF}/orders/{{orderId:int}}": Source(SEED, "PUT /orders/{orderId}"),
}

# Routes that are no API operation: the shopper's browser pages and the operator's admin API.
NOT_API_PREFIXES = ("/cart.php", "/checkout", "/order-confirmation/", "/__sandbox/")

_ORDER = f"GET {M2}/orders/{{order_id:int}}"
_ORDER_PRODUCTS = f"GET {M2}/orders/{{order_id:int}}/products"

# Binding operation -> the routes it sends, per surface ("-": the surface lacks it).
CLIENT_ROUTES: dict[str, dict[str, tuple[str, ...]]] = {
    "management": {
        "get_checkout": (f"GET {CHECKOUT}",),
        "update_customer_message": (f"PUT {CHECKOUT}",),
        "create_checkout_token": (f"POST {CHECKOUT}/token",),
        "create_order": (f"POST {CHECKOUT}/orders",),
        "create_cart": (f"POST {M3}/carts",),
        "create_cart_redirect_urls": (f"POST {M3}/carts/{{cart_id}}/redirect_urls",),
        "update_cart_item": (f"PUT {M3}/carts/{{cart_id}}/items/{{item_id}}",),
        "remove_cart_item": (f"DELETE {M3}/carts/{{cart_id}}/items/{{item_id}}",),
        "add_billing_address": (f"POST {CHECKOUT}/billing-address",),
        "update_billing_address": (f"PUT {CHECKOUT}/billing-address/{{address_id}}",),
        "add_shipping_address": (f"POST {CHECKOUT}/consignments",),
        "update_shipping_address": (f"PUT {CHECKOUT}/consignments/{{consignment_id}}",),
        "list_shipping_options": (f"GET {CHECKOUT}",),
        "select_shipping_option": (f"PUT {CHECKOUT}/consignments/{{consignment_id}}",),
        "apply_coupon": (f"POST {CHECKOUT}/coupons",),
        "remove_coupon": (f"DELETE {CHECKOUT}/coupons/{{coupon_code}}",),
        "get_order": (_ORDER, _ORDER_PRODUCTS),
        "list_orders": (f"GET {M2}/orders",),
        "update_order_status": (f"PUT {M2}/orders/{{order_id:int}}", _ORDER_PRODUCTS),
        "search_products": (f"GET {M3}/catalog/products",),
        "get_product": (f"GET {M3}/catalog/products/{{product_id:int}}",),
        "list_variants": (f"GET {M3}/catalog/products/{{product_id:int}}/variants",),
    },
    "storefront": {
        "get_checkout": (f"GET {SF_CHECKOUT}",),
        "list_checkouts": (f"GET {SF}/checkouts",),
        "update_customer_message": (f"PUT {SF_CHECKOUT}",),
        "create_order": (f"POST {SF_CHECKOUT}/order",),
        "create_cart": (f"POST {SF}/carts",),
        "update_cart_item": (f"PUT {SF_CHECKOUT}/carts/{{cartId}}/items/{{itemId}}",),
        "remove_cart_item": (f"DELETE {SF_CHECKOUT}/carts/{{cartId}}/items/{{itemId}}",),
        "add_billing_address": (f"POST {SF_CHECKOUT}/billing-address",),
        "update_billing_address": (f"PUT {SF_CHECKOUT}/billing-address/{{addressId}}",),
        "add_shipping_address": (f"POST {SF_CHECKOUT}/consignments",),
        "update_shipping_address": (f"PUT {SF_CHECKOUT}/consignments/{{consignmentId}}",),
        "list_shipping_options": (f"GET {SF_CHECKOUT}/shipping-addresses/{{consignmentId}}/options",),
        "select_shipping_option": (
            f"PUT {SF_CHECKOUT}/shipping-addresses/{{consignmentId}}/options/{{optionId}}",
            f"GET {SF_CHECKOUT}",
        ),
        "apply_coupon": (f"POST {SF_CHECKOUT}/coupons",),
        "remove_coupon": (f"DELETE {SF_CHECKOUT}/coupons/{{code}}",),
        "apply_gift_certificate": (f"POST {SF_CHECKOUT}/gift-certificates",),
        "remove_gift_certificate": (f"DELETE {SF_CHECKOUT}/gift-certificates/{{code}}",),
        "list_payment_methods": (f"GET {SF_CHECKOUT}/payments",),
        "get_order": (f"GET {SF}/orders/{{orderId:int}}",),
        "finalize_order": (f"PUT {SF}/orders/{{orderId:int}}",),
    },
}
