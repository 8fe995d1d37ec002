"""The catalog reads over HTTP, and their agreement with what carts accept (one set of rules)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from checkout_mcp.sandbox import Sandbox, create_sandbox
from checkout_mcp.sandbox import operations as ops
from checkout_mcp.sandbox import seed as demo

pytestmark = pytest.mark.anyio


@pytest.fixture
async def sandbox_http() -> AsyncIterator[tuple[Sandbox, httpx.AsyncClient]]:
    sandbox = create_sandbox()
    base = f"http://sandbox.test/stores/{sandbox.credentials.store_hash}/v3"
    headers = {"X-Auth-Token": sandbox.credentials.access_token}
    transport = httpx.ASGITransport(app=sandbox.app)
    async with httpx.AsyncClient(transport=transport, base_url=base, headers=headers) as http:
        yield sandbox, http


async def products(http: httpx.AsyncClient, **params: str) -> dict[str, Any]:
    response = await http.get("/catalog/products", params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_search_filters(sandbox_http: tuple[Sandbox, httpx.AsyncClient]) -> None:
    sandbox, http = sandbox_http
    everything = await products(http)
    assert [p["id"] for p in everything["data"]] == sorted(sandbox.store.products)
    assert [p["id"] for p in (await products(http, keyword="MUG"))["data"]] == [demo.PRODUCT_MUG]
    assert [p["id"] for p in (await products(http, keyword="SKU-101-M-BLACK"))["data"]] == [demo.PRODUCT_TEE]
    assert [p["id"] for p in (await products(http, name="ceramic mug"))["data"]] == [demo.PRODUCT_MUG]
    assert [p["id"] for p in (await products(http, sku="SKU-108"))["data"]] == [demo.PRODUCT_EBOOK]
    assert [p["id"] for p in (await products(http, **{"id:in": "121,101,999"}))["data"]] == [101, 121]
    hidden = (await products(http, is_visible="false"))["data"]
    assert [p["id"] for p in hidden] == [demo.PRODUCT_HIDDEN]
    assert len((await products(http, is_visible="true"))["data"]) == len(sandbox.store.products) - 1
    assert (await products(http, keyword="no such thing"))["data"] == []


async def test_pagination_meta(sandbox_http: tuple[Sandbox, httpx.AsyncClient]) -> None:
    _, http = sandbox_http
    first = await products(http, limit="10")
    assert first["meta"]["pagination"] == {
        "total": 22,
        "count": 10,
        "per_page": 10,
        "current_page": 1,
        "total_pages": 3,
        "links": {"current": "?page=1&limit=10", "next": "?page=2&limit=10"},
    }
    last = await products(http, limit="10", page="3", keyword="e")
    assert last["meta"]["pagination"]["links"]["previous"] == "?keyword=e&page=2&limit=10"
    assert "next" not in last["meta"]["pagination"]["links"]
    for bad in ({"limit": "251"}, {"limit": "0"}, {"page": "0"}, {"id:in": "a,b"}):
        assert (await http.get("/catalog/products", params=bad)).status_code == 422, bad


async def test_includes_variants_and_images(sandbox_http: tuple[Sandbox, httpx.AsyncClient]) -> None:
    sandbox, http = sandbox_http
    (tee,) = (await products(http, **{"id:in": "101", "include": "variants,images"}))["data"]
    assert len(tee["variants"]) == 6 and tee["base_variant_id"] is None
    assert tee["inventory_tracking"] == "variant"
    assert tee["inventory_level"] == sum(v.inventory_level or 0 for v in sandbox.store.products[101].variants)
    assert tee["images"][0]["url_standard"].endswith("/product_images/101.jpg")
    assert {(o["option_display_name"], o["label"]) for o in tee["variants"][2]["option_values"]} == {
        ("Size", "M"),
        ("Color", "Black"),
    }
    (plain,) = (await products(http, **{"id:in": "104"}))["data"]
    assert "variants" not in plain and "images" not in plain


async def test_product_and_variants(sandbox_http: tuple[Sandbox, httpx.AsyncClient]) -> None:
    sandbox, http = sandbox_http
    mug = (await http.get(f"/catalog/products/{demo.PRODUCT_MUG}")).json()
    assert mug["meta"] == {}
    assert (mug["data"]["inventory_tracking"], mug["data"]["price"]) == ("product", 12.99)
    (base,) = (await http.get(f"/catalog/products/{demo.PRODUCT_MUG}/variants")).json()["data"]
    assert (
        base["id"]
        == mug["data"]["base_variant_id"]
        == sandbox.store.products[demo.PRODUCT_MUG].base_variant_id
    )
    assert (base["sku"], base["option_values"], base["calculated_price"]) == ("SKU-104", [], 12.99)
    hoodie = (
        await http.get(f"/catalog/products/{demo.PRODUCT_HOODIE}/variants", params={"limit": "3"})
    ).json()
    assert [v["purchasing_disabled"] for v in hoodie["data"]] == [False] * 3
    assert hoodie["meta"]["pagination"]["total"] == 4
    missing = await http.get("/catalog/products/999")
    assert (missing.status_code, missing.json()["title"]) == (404, "Product not found")
    assert (await http.get("/catalog/products/999/variants")).status_code == 404


async def test_carts_enforce_what_the_catalog_says(sandbox_http: tuple[Sandbox, httpx.AsyncClient]) -> None:
    _, http = sandbox_http
    hoodie = (await http.get(f"/catalog/products/{demo.PRODUCT_HOODIE}/variants")).json()["data"]
    xl = next(v for v in hoodie if v["purchasing_disabled"])
    refused = await http.post(
        "/carts",
        json={"line_items": [{"product_id": demo.PRODUCT_HOODIE, "variant_id": xl["id"], "quantity": 1}]},
    )
    assert refused.status_code == 422 and "cannot be purchased" in refused.json()["title"]

    (mug,) = (await http.get(f"/catalog/products/{demo.PRODUCT_MUG}/variants")).json()["data"]
    stock = mug["inventory_level"]
    too_many = await http.post(
        "/carts", json={"line_items": [{"product_id": demo.PRODUCT_MUG, "quantity": stock + 1}]}
    )
    assert too_many.status_code == 422 and "stock" in too_many.json()["title"]
    cart = await http.post(
        "/carts", json={"line_items": [{"product_id": demo.PRODUCT_MUG, "quantity": stock}]}
    )
    assert cart.status_code == 201
    (line,) = cart.json()["data"]["line_items"]["physical_items"]
    assert line["variant_id"] == mug["id"]  # the base variant, as BigCommerce fills it in

    limited = (await http.get(f"/catalog/products/{demo.PRODUCT_LIMITED_PRINT}")).json()["data"]
    over = limited["order_quantity_maximum"] + 1
    refused = await http.post(
        "/carts", json={"line_items": [{"product_id": limited["id"], "quantity": over}]}
    )
    assert refused.status_code == 422 and "maximum of 2" in refused.json()["title"]


async def test_finalized_orders_show_in_the_catalog_stock(
    sandbox_http: tuple[Sandbox, httpx.AsyncClient],
) -> None:
    sandbox, http = sandbox_http
    before = (await http.get(f"/catalog/products/{demo.PRODUCT_MUG}")).json()["data"]["inventory_level"]
    order_id = sandbox.store.carts[sandbox.store.demo_carts["ordered"]].order_id or 0
    ops.finalize_order(sandbox.store, sandbox.clock.now(), order_id)
    after = (await http.get(f"/catalog/products/{demo.PRODUCT_MUG}")).json()["data"]["inventory_level"]
    assert after == before - 3
