"""The Management API over HTTP (httpx ASGI transport): every route's success and its documented errors."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest
from starlette.routing import Route

from checkout_mcp.sandbox import Sandbox, create_sandbox, management
from checkout_mcp.sandbox import seed as demo

pytestmark = pytest.mark.anyio

ADDRESS = {
    "first_name": "Ann",
    "last_name": "Smith",
    "email": "ann@example.com",
    "address1": "1 Queen St",
    "city": "London",
    "state_or_province": "",
    "country_code": "GB",
    "postal_code": "SW1A 1AA",
}
MISSING_CART = "00000000-0000-4000-8000-000000000000"


@dataclass
class Api:
    """A client for one sandbox's management API, authenticated with the full-access token."""

    sandbox: Sandbox
    http: httpx.AsyncClient

    @property
    def v3(self) -> str:
        return f"/stores/{self.sandbox.credentials.store_hash}/v3"

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Auth-Token": self.sandbox.credentials.access_token}

    def cart(self, label: str) -> str:
        return self.sandbox.store.demo_carts[label]

    async def call(self, method: str, path: str, body: Any = None, **params: str) -> httpx.Response:
        content = None if body is None else json.dumps(body)
        return await self.http.request(
            method, f"{self.v3}{path}", content=content, headers=self.headers, params=params or None
        )

    async def data(self, method: str, path: str, body: Any = None, status: int = 200, **params: str) -> Any:
        response = await self.call(method, path, body, **params)
        assert response.status_code == status, response.text
        return json.loads(response.text, parse_float=Decimal)["data"]

    async def error(self, method: str, path: str, body: Any, status: int) -> dict[str, Any]:
        response = await self.call(method, path, body)
        assert response.status_code == status, response.text
        error = response.json()
        if set(error) == {"errors"}:  # checkouts.v3.yml's Checkout Error, for GET /checkouts/{id} 404
            (error,) = error["errors"]
            assert set(error) == {"status", "title", "type", "detail"}
        else:
            assert set(error) == {"status", "title", "type", "errors"}
        assert error["status"] == status
        return error


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    sandbox = create_sandbox()
    transport = httpx.ASGITransport(app=sandbox.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.test") as http:
        yield Api(sandbox, http)


# --- auth -----------------------------------------------------------------------------------------


async def test_missing_or_unknown_token_is_401(api: Api) -> None:
    path = f"{api.v3}/checkouts/{api.cart('ready')}"
    assert (await api.http.get(path)).status_code == 401
    response = await api.http.get(path, headers={"X-Auth-Token": "wrong"})
    assert response.status_code == 401
    assert response.json()["title"].startswith("Unauthorized")


def _route_paths(api: Api) -> list[tuple[str, str]]:
    """(method, path) for every management route, with real ids filled in."""
    params = {
        "store_hash": api.sandbox.credentials.store_hash,
        "cart_id": api.cart("ready"),
        "checkout_id": api.cart("ready"),
        "item_id": "x",
        "address_id": "x",
        "consignment_id": "x",
        "coupon_code": "x",
        "order_id": "100",
        "product_id": "101",
    }
    paths = []
    for route in management.routes():
        assert isinstance(route, Route)
        path = re.sub(r"\{(\w+):int\}", r"{\1}", route.path).format(**params)
        paths.extend((method, path) for method in sorted(route.methods or ()) if method != "HEAD")
    return paths


async def test_every_route_needs_a_token_and_every_write_a_full_one(api: Api) -> None:
    read_only = {"X-Auth-Token": api.sandbox.credentials.read_only_token}
    routes = _route_paths(api)
    before = api.sandbox.export()
    assert len(routes) == 26
    for method, path in routes:
        assert (await api.http.request(method, path)).status_code == 401, (method, path)
        if method != "GET":
            denied = await api.http.request(method, path, headers=read_only, content=b"{}")
            assert denied.status_code == 403, (method, path)
    assert api.sandbox.export() == before  # nothing was changed


async def test_read_only_token_reads_but_cannot_write(api: Api) -> None:
    read_only = {"X-Auth-Token": api.sandbox.credentials.read_only_token}
    path = f"{api.v3}/checkouts/{api.cart('ready')}"
    assert (await api.http.get(path, headers=read_only)).status_code == 200
    response = await api.http.put(path, headers=read_only, json={"customer_message": "hi"})
    assert response.status_code == 403
    assert api.sandbox.store.carts[api.cart("ready")].customer_message == ""


async def test_unknown_store_hash_is_404(api: Api) -> None:
    response = await api.http.get(
        f"/stores/nosuchstore/v3/checkouts/{api.cart('ready')}", headers=api.headers
    )
    assert response.status_code == 404


async def test_unknown_or_malformed_ids_are_404(api: Api) -> None:
    await api.error("GET", f"/carts/{MISSING_CART}", None, 404)
    await api.error("GET", "/checkouts/not-a-uuid", None, 404)
    await api.error("PUT", f"/carts/{api.cart('ready')}/items/nope", {"line_item": _mug(1)}, 404)
    response = await api.http.get(
        f"/stores/{api.sandbox.credentials.store_hash}/v2/orders/4242", headers=api.headers
    )
    assert response.status_code == 404


async def test_missing_ids_are_named_as_each_route_calls_them(api: Api) -> None:
    """The same unknown id is a "Cart" on the cart routes and a "Checkout" on the checkout routes."""
    for method, path, body in [
        ("GET", f"/carts/{MISSING_CART}", None),
        ("POST", f"/carts/{MISSING_CART}/items", {"line_items": [_mug(1)]}),
        ("DELETE", "/carts/not-a-uuid", None),
    ]:
        assert (await api.error(method, path, body, 404))["title"] == "Cart not found", path
    for method, path, body in [
        ("GET", f"/checkouts/{MISSING_CART}", None),
        ("GET", "/checkouts/not-a-uuid", None),
        ("PUT", f"/checkouts/{MISSING_CART}", {"customer_message": "hi"}),
        ("POST", f"/checkouts/{MISSING_CART}/coupons", {"coupon_code": "SAVE10"}),
        ("POST", f"/checkouts/{MISSING_CART}/orders", None),
    ]:
        assert (await api.error(method, path, body, 404))["title"] == "Checkout not found", path


# --- carts ----------------------------------------------------------------------------------------


def _mug(quantity: int) -> dict[str, int]:
    return {"product_id": demo.PRODUCT_MUG, "quantity": quantity}


async def test_create_cart_with_redirect_urls(api: Api) -> None:
    cart = await api.data("POST", "/carts", {"line_items": [_mug(2)]}, 201, include="redirect_urls")
    assert cart["currency"] == {"code": "USD"}
    assert cart["base_amount"] == Decimal("25.98")
    assert cart["line_items"]["physical_items"][0]["extended_sale_price"] == Decimal("25.98")
    assert cart["version"] == 1
    urls = cart["redirect_urls"]
    assert urls["cart_url"].startswith(f"http://sandbox.test/cart.php?action=load&id={cart['id']}&token=")
    assert "action=loadInCheckout" in urls["checkout_url"]
    assert "embedded=1" in urls["embedded_checkout_url"]


async def test_create_cart_refusals(api: Api) -> None:
    await api.error("POST", "/carts", {"line_items": []}, 422)
    await api.error("POST", "/carts", {"line_items": [{"product_id": demo.PRODUCT_TEE, "quantity": 1}]}, 422)
    await api.error("POST", "/carts", {"line_items": [{"product_id": 1, "quantity": 1}]}, 422)
    await api.error("POST", "/carts", {"line_items": [_mug(1)], "currency": {"code": "EUR"}}, 422)
    bad = await api.error("POST", "/carts", {"line_items": [{"product_id": "x"}]}, 422)
    assert "line_items.0.product_id" in bad["errors"]
    response = await api.http.post(f"{api.v3}/carts", content=b"{not json", headers=api.headers)
    assert response.status_code == 400


async def test_get_update_and_delete_cart(api: Api) -> None:
    cart_id = api.cart("no_billing")
    cart = await api.data("GET", f"/carts/{cart_id}")
    assert {i["product_id"] for i in cart["line_items"]["physical_items"]} == {demo.PRODUCT_MUG}
    assert [i["product_id"] for i in cart["line_items"]["digital_items"]] == [demo.PRODUCT_EBOOK]
    updated = await api.data("PUT", f"/carts/{cart_id}", {"customer_id": 5, "version": cart["version"]}, 201)
    assert (updated["customer_id"], updated["version"]) == (5, cart["version"] + 1)
    await api.error("PUT", f"/carts/{cart_id}", {"customer_id": 6, "version": cart["version"]}, 409)
    assert (await api.call("DELETE", f"/carts/{cart_id}")).status_code == 204
    await api.error("GET", f"/carts/{cart_id}", None, 404)


async def test_cart_items_add_update_delete(api: Api) -> None:
    cart = await api.data("POST", "/carts", {"line_items": [_mug(1)]}, 201)
    cart_id, version = cart["id"], cart["version"]
    tee = demo.PRODUCT_TEE
    variant = api.sandbox.store.products[tee].variants[0].id
    cart = await api.data(
        "POST",
        f"/carts/{cart_id}/items",
        {"line_items": [{"product_id": tee, "variant_id": variant, "quantity": 1}], "version": version},
        201,
    )
    tee_line = next(i for i in cart["line_items"]["physical_items"] if i["product_id"] == tee)
    assert tee_line["options"][0] == {"name": "Size", "name_id": 1, "value": "S", "value_id": 1}
    item_path = f"/carts/{cart_id}/items/{tee_line['id']}"
    stale = {"line_item": {"product_id": tee, "variant_id": variant, "quantity": 2}, "version": version}
    await api.error("PUT", item_path, stale, 409)
    await api.error("POST", f"/carts/{cart_id}/items", {"line_items": [_mug(1)], "version": version}, 409)
    cart = await api.data("PUT", item_path, {**stale, "version": cart["version"]})
    assert next(i for i in cart["line_items"]["physical_items"] if i["id"] == tee_line["id"])["quantity"] == 2
    await api.error(
        "PUT", item_path, {"line_item": {"product_id": tee, "variant_id": variant, "quantity": 999}}, 422
    )
    await api.error("PUT", item_path, {"line_item": _mug(1)}, 422)  # another product: remove and re-add
    cart = await api.data("DELETE", item_path, {"version": cart["version"]})
    assert [i["product_id"] for i in cart["line_items"]["physical_items"]] == [demo.PRODUCT_MUG]


async def test_deleting_the_last_item_deletes_the_cart(api: Api) -> None:
    cart = await api.data("POST", "/carts", {"line_items": [_mug(1)]}, 201)
    item_id = cart["line_items"]["physical_items"][0]["id"]
    response = await api.call("DELETE", f"/carts/{cart['id']}/items/{item_id}")
    assert response.status_code == 204
    await api.error("GET", f"/checkouts/{cart['id']}", None, 404)


async def test_purchase_limit_message(api: Api) -> None:
    body = {"line_items": [{"product_id": demo.PRODUCT_LIMITED_PRINT, "quantity": 3}]}
    error = await api.error("POST", "/carts", body, 422)
    assert error["title"] == "You can only purchase a maximum of 2 of the Limited Edition Print per order."


async def test_redirect_urls_route(api: Api) -> None:
    cart_id = api.cart("no_billing")
    urls = await api.data("POST", f"/carts/{cart_id}/redirect_urls", {"query_params": {"src": "mcp"}}, 201)
    assert set(urls) == {"cart_url", "checkout_url", "embedded_checkout_url"}
    assert urls["cart_url"].endswith("&src=mcp")
    await api.error("POST", f"/carts/{MISSING_CART}/redirect_urls", {}, 404)


# --- checkouts ------------------------------------------------------------------------------------


async def test_get_checkout_with_shipping_options(api: Api) -> None:
    checkout_id = api.cart("ready")
    plain = await api.data("GET", f"/checkouts/{checkout_id}")
    assert "available_shipping_options" not in plain["consignments"][0]
    checkout = await api.data(
        "GET", f"/checkouts/{checkout_id}", include="consignments.available_shipping_options"
    )
    consignment = checkout["consignments"][0]
    assert [o["id"] for o in consignment["available_shipping_options"]] == [
        "us-standard",
        "us-express",
        "us-overnight",
    ]
    assert consignment["selected_shipping_option"]["cost"] == Decimal("5.99")
    assert checkout["cart"]["id"] == checkout_id
    assert checkout["subtotal_ex_tax"] == Decimal("37.99")
    assert checkout["tax_total"] == Decimal("2.75")
    assert checkout["grand_total"] == Decimal("46.73")
    assert checkout["taxes"] == [{"name": "California Sales Tax", "amount": Decimal("2.75")}]
    assert checkout["order_id"] is None


async def test_update_customer_message(api: Api) -> None:
    checkout_id = api.cart("ready")
    version = api.sandbox.store.carts[checkout_id].version
    path = f"/checkouts/{checkout_id}"
    checkout = await api.data("PUT", path, {"customer_message": "Leave at door", "version": version})
    assert (checkout["customer_message"], checkout["version"]) == ("Leave at door", version + 1)
    await api.error("PUT", path, {"customer_message": "again", "version": version}, 409)
    await api.error("PUT", path, {"customer_message": "x" * 2001}, 422)
    await api.error("PUT", path, {}, 422)


async def test_a_customer_message_that_looks_like_a_number_or_json_comes_back_as_the_same_text(
    api: Api,
) -> None:
    """The answer is written from templates and a secret marker for amounts: no text turns into either."""
    message = '12.50 "12.50" \\"7\\" 9E+3 \x01 "},{"grand_total":0} %s %(id)s {id} \u2028 \u2603'
    checkout_id = api.cart("ready")
    path = f"/checkouts/{checkout_id}"
    written = await api.data("PUT", path, {"customer_message": message})
    read = await api.data("GET", path, include="consignments.available_shipping_options")
    assert written["customer_message"] == read["customer_message"] == message
    assert read["grand_total"] == written["grand_total"] > 0


async def test_billing_address_add_and_update(api: Api) -> None:
    checkout_id = api.cart("no_billing")
    path = f"/checkouts/{checkout_id}/billing-address"
    checkout = await api.data("POST", path, ADDRESS)
    address = checkout["billing_address"]
    assert (address["email"], address["country_code"]) == ("ann@example.com", "GB")
    assert checkout["cart"]["email"] == "ann@example.com"
    checkout = await api.data("PUT", f"{path}/{address['id']}", {**ADDRESS, "city": "Leeds"})
    assert checkout["billing_address"]["city"] == "Leeds"
    await api.error("PUT", f"{path}/nope", ADDRESS, 404)
    await api.error("POST", path, {**ADDRESS, "country_code": "Britain"}, 422)
    await api.error("POST", path, {**ADDRESS, "version": 1}, 409)


async def test_addresses_need_the_fields_checkouts_v3_requires(api: Api) -> None:
    """checkouts.v3.yml: a billing address requires country_code; a consignment's address also
    state_or_province and postal_code; a phone follows the E.164 pattern. (The spec requires email
    too; the sandbox does not, see payloads.ManagementShippingAddress.)"""
    checkout = f"/checkouts/{api.cart('no_billing')}"
    without_country = {key: value for key, value in ADDRESS.items() if key != "country_code"}
    error = await api.error("POST", f"{checkout}/billing-address", without_country, 422)
    assert set(error["errors"]) == {"country_code"}
    error = await api.error("POST", f"{checkout}/billing-address", {**ADDRESS, "phone": "555-0100"}, 422)
    assert set(error["errors"]) == {"phone"}
    item = api.sandbox.store.carts[api.cart("no_billing")].line_items[0].id
    line = [{"item_id": item, "quantity": 1}]
    bare = {"country_code": "GB"}
    error = await api.error("POST", f"{checkout}/consignments", [{"address": bare, "line_items": line}], 422)
    assert set(error["errors"]) == {"state_or_province", "postal_code"}
    shipped = await api.data("POST", f"{checkout}/consignments", [{"address": ADDRESS, "line_items": line}])
    assert shipped["consignments"][0]["address"]["state_or_province"] == ""  # present, may be empty


async def test_consignments_add_select_update_delete(api: Api) -> None:
    checkout_id = api.cart("no_billing")
    store_cart = api.sandbox.store.carts[checkout_id]
    mug = next(i for i in store_cart.line_items if i.type == "physical")
    path = f"/checkouts/{checkout_id}/consignments"
    checkout = await api.data(
        "POST",
        path,
        [{"address": ADDRESS, "line_items": [{"item_id": mug.id, "quantity": mug.quantity}]}],
        include="consignments.available_shipping_options",
    )
    consignment = checkout["consignments"][0]
    assert consignment["line_item_ids"] == [mug.id]
    assert [o["id"] for o in consignment["available_shipping_options"]] == ["gb-standard", "gb-express"]
    assert checkout["tax_total"] == Decimal("7.20")  # GB VAT 20 %: 25.98 of mugs -> 5.20, e-book 9.99 -> 2.00
    one = f"{path}/{consignment['id']}"
    checkout = await api.data("PUT", one, {"shipping_option_id": "gb-express"})
    assert checkout["consignments"][0]["selected_shipping_option"]["id"] == "gb-express"
    assert checkout["shipping_cost_total_inc_tax"] == Decimal("9.95")
    await api.error("PUT", one, {"shipping_option_id": "us-standard"}, 422)
    await api.error("PUT", one, {"shipping_option_id": "gb-express", "address": ADDRESS}, 422)
    us = {**ADDRESS, "country_code": "US", "state_or_province_code": "NY"}
    checkout = await api.data("PUT", one, {"address": us})
    assert "selected_shipping_option" not in checkout["consignments"][0]
    await api.error("PUT", f"{path}/nope", {"shipping_option_id": "us-standard"}, 404)
    await api.error(
        "POST", path, [{"address": ADDRESS, "line_items": [{"item_id": "nope", "quantity": 1}]}], 422
    )
    checkout = await api.data("DELETE", one, {"version": checkout["version"]})
    assert checkout["consignments"] == []


async def test_coupons_apply_and_remove(api: Api) -> None:
    checkout_id = api.cart("ready")
    path = f"/checkouts/{checkout_id}/coupons"
    checkout = await api.data("POST", path, {"coupon_code": demo.COUPON_FIXED})
    assert checkout["coupons"] == [
        {
            "id": 2,
            "code": "TAKE5",
            "coupon_type": "per_total_discount",
            "display_name": "5.00 USD Off",
            "discounted_amount": Decimal("5.00"),
        }
    ]
    # carts.v3.yml: the cart's discount_amount "Excludes coupon discounts"; coupons are in `coupons`.
    assert checkout["cart"]["discount_amount"] == 0
    unknown = await api.error("POST", path, {"coupon_code": "NOPE"}, 422)
    assert unknown["title"] == "The coupon code 'NOPE' is not valid."
    await api.error("POST", path, {"coupon_code": demo.COUPON_EXPIRED}, 422)
    await api.error("POST", path, {"coupon_code": demo.COUPON_MINIMUM_SPEND}, 422)
    await api.error("POST", path, {"coupon_code": demo.COUPON_PERCENT, "version": 1}, 409)
    checkout = await api.data("DELETE", f"{path}/{demo.COUPON_FIXED}")
    assert checkout["coupons"] == []
    await api.error("DELETE", f"{path}/{demo.COUPON_FIXED}", None, 404)


async def test_create_order_twice_gives_two_incomplete_orders(api: Api) -> None:
    """Spec over intuition: "You can create as many orders from the same order (cart) as you want."."""
    checkout_id = api.cart("ready")
    first = await api.data("POST", f"/checkouts/{checkout_id}/orders")
    second = await api.data("POST", f"/checkouts/{checkout_id}/orders")
    assert second["id"] != first["id"]
    checkout = await api.data("GET", f"/checkouts/{checkout_id}")
    assert checkout["order_id"] == str(second["id"])
    v2 = f"/stores/{api.sandbox.credentials.store_hash}/v2/orders/{first['id']}"
    order = (await api.http.get(v2, headers=api.headers)).json()
    assert (order["status_id"], order["status"]) == (0, "Incomplete")
    assert order["total_inc_tax"] == "46.7300"
    assert order["total_tax"] == "2.7500"
    assert order["cart_id"] == checkout_id
    assert order["billing_address"]["email"] == "jane.doe@example.com"
    assert order["date_created"] == "Thu, 01 Jan 2026 00:00:00 +0000"


async def test_order_products_list_the_lines_with_v2_money(api: Api) -> None:
    checkout_id = api.cart("ready")
    first = await api.data("POST", f"/checkouts/{checkout_id}/orders")
    second = await api.data("POST", f"/checkouts/{checkout_id}/orders")
    orders = f"/stores/{api.sandbox.credentials.store_hash}/v2/orders"
    order = (await api.http.get(f"{orders}/{first['id']}", headers=api.headers)).json()
    products = await api.http.get(f"{orders}/{first['id']}/products", headers=api.headers)
    again = (await api.http.get(f"{orders}/{second['id']}/products", headers=api.headers)).json()
    assert products.status_code == 200
    lines = products.json()
    cart_items = api.sandbox.store.carts[checkout_id].line_items
    assert [(p["product_id"], p["variant_id"], p["sku"], p["quantity"]) for p in lines] == [
        (i.product_id, i.variant_id, i.sku, i.quantity) for i in cart_items
    ]
    assert {p["order_id"] for p in lines} == {first["id"]}
    assert len({p["id"] for p in lines + again}) == len(lines) + len(again)  # ids unique in the store
    assert sum(Decimal(p["total_inc_tax"]) for p in lines) == Decimal(order["subtotal_inc_tax"])
    assert sum(Decimal(p["total_ex_tax"]) for p in lines) == Decimal(order["subtotal_ex_tax"])
    mug = next(p for p in lines if p["product_id"] == demo.PRODUCT_MUG)
    assert (mug["base_price"], mug["price_ex_tax"], mug["total_ex_tax"]) == ("12.9900",) * 3
    assert Decimal(mug["price_inc_tax"]) - Decimal(mug["price_ex_tax"]) == Decimal(mug["price_tax"]) > 0
    assert order["is_tax_inclusive_pricing"] is False


async def test_order_products_are_paged_and_need_a_known_order(api: Api) -> None:
    order_id = (await api.data("POST", f"/checkouts/{api.cart('ready')}/orders"))["id"]
    products = f"/stores/{api.sandbox.credentials.store_hash}/v2/orders/{order_id}/products"

    async def page(**params: str) -> httpx.Response:
        return await api.http.get(products, headers=api.headers, params=params)

    everything = (await page()).json()
    assert len(everything) == 2
    assert (await page(limit="1")).json() == everything[:1]
    assert (await page(limit="1", page="2")).json() == everything[1:]
    assert (await page(page="3", limit="1")).json() == []
    assert (await page(limit="0")).status_code == (await page(limit="251")).status_code == 400
    missing = await api.http.get(products.replace(f"/{order_id}/", "/4242/"), headers=api.headers)
    assert (missing.status_code, missing.json()) == (404, [{"status": 404, "message": "Order not found"}])


async def test_create_order_refused_until_the_checkout_is_complete(api: Api) -> None:
    error = await api.error("POST", f"/checkouts/{api.cart('no_billing')}/orders", None, 422)
    assert "billing address" in error["title"]
    await api.error("POST", f"/checkouts/{MISSING_CART}/orders", None, 404)


async def test_checkout_token(api: Api) -> None:
    """Spec schema over the seed's example: seed 000 (and the spec's example) nest `meta` inside `data`;
    the schema and every other v3 response put it beside `data`, so the sandbox answers
    {"data": {"checkoutToken": ...}, "meta": {}}."""
    path = f"/checkouts/{api.cart('ordered')}/token"
    response = await api.call("POST", path, {"maxUses": 2, "ttl": 3600})
    assert response.status_code == 200
    body = response.json()
    assert body["meta"] == {}
    assert len(body["data"]["checkoutToken"]) == 64
    await api.error("POST", path, {"ttl": 0}, 422)
    await api.error("POST", path, {"ttl": 2_592_001}, 422)
    await api.error("POST", path, {"maxUses": 0}, 422)
    finalized = await api.error("POST", f"/checkouts/{api.cart('finalized')}/token", {}, 404)
    assert finalized["title"] == "Checkout not found"  # paid, so the cart is deleted


async def test_order_list_filters_pages_and_answers_204_when_empty(api: Api) -> None:
    orders = f"/stores/{api.sandbox.credentials.store_hash}/v2/orders"

    async def listing(**params: str) -> httpx.Response:
        return await api.http.get(orders, headers=api.headers, params=params)

    everything = (await listing()).json()
    assert [o["id"] for o in everything] == sorted(api.sandbox.store.orders)
    ordered = api.cart("ordered")
    (mine,) = (await listing(cart_id=ordered)).json()
    assert (mine["cart_id"], mine["status_id"], mine["status"]) == (ordered, 0, "Incomplete")
    assert [o["id"] for o in (await listing(sort="id:desc", limit="1")).json()] == [everything[-1]["id"]]
    assert [o["id"] for o in (await listing(status_id="11")).json()] == [
        o["id"] for o in everything if o["status_id"] == 11
    ]
    none = await listing(cart_id=MISSING_CART)
    assert (none.status_code, none.content) == (204, b"")
    bad = await listing(sort="total")
    assert bad.status_code == 400 and bad.json()[0]["status"] == 400
    assert (await listing(min_id="x")).status_code == 400


async def test_order_status_change_cancels_an_incomplete_order(api: Api) -> None:
    order_id = api.sandbox.store.carts[api.cart("ordered")].order_id
    path = f"/stores/{api.sandbox.credentials.store_hash}/v2/orders/{order_id}"
    response = await api.http.put(path, headers=api.headers, json={"status_id": 5})
    assert response.status_code == 200
    assert (response.json()["status_id"], response.json()["status"]) == (5, "Cancelled")
    assert api.sandbox.store.orders[order_id or 0].status_id == 5
    for body in ({"status_id": 99}, {"status_id": 5, "products": []}, {}):
        refused = await api.http.put(path, headers=api.headers, json=body)
        assert refused.status_code == 400, body
        assert set(refused.json()[0]) == {"status", "message"}
    missing = await api.http.put(
        path.replace(str(order_id), "4242"), headers=api.headers, json={"status_id": 5}
    )
    assert missing.json() == [{"status": 404, "message": "Order not found"}]
