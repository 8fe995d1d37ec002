"""Every Management API route the sandbox serves, its success and its documented errors, checked
against carts.v3.yml, checkouts.v3.yml, orders.v2.oas2.yml and the catalog specs."""

from __future__ import annotations

from typing import Any

import pytest

from checkout_mcp.sandbox import seed as demo
from tests.contract.harness import Contract, covers
from tests.contract.operations import CHECKOUT, M2, M3

pytestmark = pytest.mark.anyio

CARTS = f"{M3}/carts"
CART = f"{CARTS}/{{cart_id}}"
ITEM = f"{CART}/items/{{item_id}}"
CONSIGNMENT = f"{CHECKOUT}/consignments/{{consignment_id}}"
ORDER = f"{M2}/orders/{{order_id:int}}"
PRODUCT = f"{M3}/catalog/products/{{product_id:int}}"
MISSING = "00000000-0000-4000-8000-000000000000"
ADDRESS = {
    "first_name": "Ann",
    "last_name": "Smith",
    "email": "ann@example.com",
    "address1": "1 Queen St",
    "city": "London",
    "state_or_province": "",
    "country_code": "GB",
    "postal_code": "SW1A 1AA",
    "phone": "+442071234567",
}


def mugs(quantity: int) -> dict[str, Any]:
    return {"product_id": demo.PRODUCT_MUG, "quantity": quantity}


@covers(
    (f"POST {CARTS}", 201),
    (f"GET {CART}", 200),
    (f"PUT {CART}", 201),
    (f"POST {CART}/items", 201),
    (f"PUT {ITEM}", 200),
    (f"DELETE {ITEM}", 200),
    (f"DELETE {ITEM}", 204),
    (f"POST {CART}/redirect_urls", 201),
    (f"DELETE {CART}", 204),
)
async def test_carts(contract: Contract) -> None:
    created = await contract.call(
        "POST", f"{contract.v3}/carts", {"line_items": [mugs(1)]}, params={"include": "redirect_urls"}
    )
    cart = f"{contract.v3}/carts/{created.json()['data']['id']}"
    await contract.call("GET", cart)
    await contract.call("PUT", cart, {"customer_id": 0})
    added = await contract.call(
        "POST", f"{cart}/items", {"line_items": [{"product_id": demo.PRODUCT_EBOOK, "quantity": 1}]}
    )
    physical, digital = (
        added.json()["data"]["line_items"][kind][0]["id"] for kind in ("physical_items", "digital_items")
    )
    await contract.call("PUT", f"{cart}/items/{physical}", {"line_item": mugs(2)})
    await contract.call("DELETE", f"{cart}/items/{digital}")
    await contract.call("POST", f"{cart}/redirect_urls", {"query_params": {"utm_source": "agent"}})
    await contract.call("DELETE", f"{cart}/items/{physical}")  # the last item: the cart is gone (204)
    second = await contract.call("POST", f"{contract.v3}/carts", {"line_items": [mugs(1)]})
    await contract.call("DELETE", f"{contract.v3}/carts/{second.json()['data']['id']}")


@covers((f"GET {CART}", 404), (f"PUT {CART}", 409), (f"PUT {ITEM}", 409), (f"DELETE {ITEM}", 409))
async def test_cart_errors(contract: Contract) -> None:
    await contract.call("GET", f"{contract.v3}/carts/{MISSING}")
    cart = f"{contract.v3}/carts/{contract.cart('no_billing')}"
    item = contract.sandbox.store.carts[contract.cart("no_billing")].line_items[0].id
    await contract.call("PUT", cart, {"customer_id": 0, "version": 99})
    await contract.call("PUT", f"{cart}/items/{item}", {"line_item": mugs(1), "version": 99})
    await contract.call("DELETE", f"{cart}/items/{item}", {"version": 99})


@covers(
    (f"POST {CARTS}", 201),
    (f"GET {CHECKOUT}", 200),
    (f"PUT {CHECKOUT}", 200),
    (f"POST {CHECKOUT}/billing-address", 200),
    (f"PUT {CHECKOUT}/billing-address/{{address_id}}", 200),
    (f"POST {CHECKOUT}/consignments", 200),
    (f"PUT {CONSIGNMENT}", 200),
    (f"DELETE {CONSIGNMENT}", 200),
    (f"POST {CHECKOUT}/coupons", 200),
    (f"DELETE {CHECKOUT}/coupons/{{coupon_code}}", 200),
    (f"POST {CHECKOUT}/orders", 200),
    (f"POST {CHECKOUT}/token", 200),
)
async def test_checkout_walk(contract: Contract) -> None:
    created = await contract.call("POST", f"{contract.v3}/carts", {"line_items": [mugs(2)]})
    data = created.json()["data"]
    checkout = f"{contract.v3}/checkouts/{data['id']}"
    item = data["line_items"]["physical_items"][0]["id"]
    await contract.call("GET", checkout)
    await contract.call("PUT", checkout, {"customer_message": "Please ring twice"})
    billed = await contract.call("POST", f"{checkout}/billing-address", ADDRESS)
    address_id = billed.json()["data"]["billing_address"]["id"]
    await contract.call("PUT", f"{checkout}/billing-address/{address_id}", {**ADDRESS, "first_name": "Anne"})
    lines = [{"item_id": item, "quantity": 2}]
    shipped = await contract.call(
        "POST", f"{checkout}/consignments", [{"address": ADDRESS, "line_items": lines}]
    )
    consignment = shipped.json()["data"]["consignments"][0]["id"]
    await contract.call("GET", checkout, params={"include": "consignments.available_shipping_options"})
    await contract.call(
        "PUT", f"{checkout}/consignments/{consignment}", {"shipping_option_id": "gb-standard"}
    )
    await contract.call("POST", f"{checkout}/coupons", {"coupon_code": demo.COUPON_PERCENT})
    await contract.call("DELETE", f"{checkout}/coupons/{demo.COUPON_PERCENT}")
    await contract.call("POST", f"{checkout}/orders")
    await contract.call("POST", f"{checkout}/token", {"maxUses": 2, "ttl": 3600})
    await contract.call("DELETE", f"{checkout}/consignments/{consignment}")


@covers(
    (f"GET {CHECKOUT}", 404),
    (f"PUT {CHECKOUT}", 409),
    (f"POST {CHECKOUT}/billing-address", 409),
    (f"PUT {CHECKOUT}/billing-address/{{address_id}}", 409),
    (f"POST {CHECKOUT}/consignments", 409),
    (f"PUT {CONSIGNMENT}", 409),
    (f"POST {CHECKOUT}/coupons", 409),
    (f"DELETE {CHECKOUT}/coupons/{{coupon_code}}", 409),
    (f"POST {CHECKOUT}/token", 401),
    (f"POST {CHECKOUT}/token", 422),
)
async def test_checkout_errors(contract: Contract) -> None:
    await contract.call("GET", f"{contract.v3}/checkouts/{MISSING}")
    ready = contract.sandbox.store.carts[contract.cart("ready")]
    checkout = f"{contract.v3}/checkouts/{ready.id}"
    stale = {"version": ready.version - 1}
    address_id = ready.billing_address.id if ready.billing_address else ""
    await contract.call("PUT", checkout, {"customer_message": "hi", **stale})
    await contract.call("POST", f"{checkout}/billing-address", {**ADDRESS, **stale})
    await contract.call("PUT", f"{checkout}/billing-address/{address_id}", {**ADDRESS, **stale})
    await contract.call("POST", f"{checkout}/consignments", [{"address": ADDRESS, "line_items": [], **stale}])
    consignment = ready.consignments[0].id
    await contract.call(
        "PUT", f"{checkout}/consignments/{consignment}", {"shipping_option_id": "us-express", **stale}
    )
    await contract.call("POST", f"{checkout}/coupons", {"coupon_code": demo.COUPON_FIXED, **stale})
    await contract.call("DELETE", f"{checkout}/coupons/{demo.COUPON_FIXED}", stale)
    await contract.call("POST", f"{checkout}/token", {"ttl": 3600}, token="not-a-token")
    await contract.call("POST", f"{checkout}/token", {"ttl": 0})


@covers(
    (f"GET {M2}/orders", 200),
    (f"GET {M2}/orders", 204),
    (f"GET {ORDER}", 200),
    (f"GET {ORDER}", 404),
    (f"PUT {ORDER}", 200),
    (f"GET {ORDER}/products", 200),
)
async def test_orders(contract: Contract) -> None:
    order_id = contract.sandbox.store.carts[contract.cart("ordered")].order_id
    await contract.call("GET", f"{contract.v2}/orders", params={"sort": "id:desc", "limit": "2"})
    await contract.call("GET", f"{contract.v2}/orders", params={"cart_id": MISSING})
    await contract.call("GET", f"{contract.v2}/orders/{order_id}")
    await contract.call("GET", f"{contract.v2}/orders/4242")
    await contract.call("GET", f"{contract.v2}/orders/{order_id}/products")
    await contract.call("PUT", f"{contract.v2}/orders/{order_id}", {"status_id": 5})


@covers(
    (f"GET {M3}/catalog/products", 200),
    (f"GET {PRODUCT}", 200),
    (f"GET {PRODUCT}", 404),
    (f"GET {PRODUCT}/variants", 200),
    (f"GET {PRODUCT}/variants", 404),
)
async def test_catalog(contract: Contract) -> None:
    await contract.call(
        "GET", f"{contract.v3}/catalog/products", params={"include": "variants,images", "limit": "5"}
    )
    await contract.call(
        "GET", f"{contract.v3}/catalog/products", params={"keyword": "tee", "page": "2", "limit": "1"}
    )
    for product in (demo.PRODUCT_TEE, demo.PRODUCT_MUG):
        await contract.call(
            "GET", f"{contract.v3}/catalog/products/{product}", params={"include": "variants,images"}
        )
        await contract.call("GET", f"{contract.v3}/catalog/products/{product}/variants")
    await contract.call("GET", f"{contract.v3}/catalog/products/999")
    await contract.call("GET", f"{contract.v3}/catalog/products/999/variants")
