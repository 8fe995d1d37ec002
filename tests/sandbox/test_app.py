"""The Sandbox object: one store behind both surfaces, reset/export/load, BigCommerce-shaped 404s."""

from __future__ import annotations

import re

import httpx
import pytest
from starlette.routing import Match, Route

from checkout_mcp.sandbox import Sandbox, create_sandbox
from checkout_mcp.sandbox.runtime import RouteIndex
from checkout_mcp.sandbox.seed import PRODUCT_MUG
from checkout_mcp.sandbox.serve import banner


def client(sandbox: Sandbox) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox.app), base_url="http://sandbox.test")


def test_same_seed_same_store_and_credentials() -> None:
    first, second = create_sandbox(seed=7), create_sandbox(seed=7)
    assert first.export() == second.export()
    assert first.credentials == second.credentials
    assert create_sandbox(seed=8).credentials != first.credentials


def test_reset_restores_the_seeded_store() -> None:
    sandbox = create_sandbox()
    seeded = sandbox.export()
    sandbox.store.carts.clear()
    sandbox.reset()
    assert sandbox.export() == seeded


def test_export_load_round_trip_into_another_sandbox() -> None:
    source, target = create_sandbox(seed=1), create_sandbox(seed=2)
    source.store.carts.popitem()
    target.load(source.export())
    assert target.export() == source.export()


@pytest.mark.anyio
async def test_unknown_path_is_a_bigcommerce_error_body() -> None:
    async with client(create_sandbox()) as http:
        response = await http.get("/no/such/path")
    assert response.status_code == 404
    assert response.json()["status"] == 404
    assert set(response.json()) == {"status", "title", "type", "errors"}


def test_the_route_index_finds_the_route_the_full_scan_finds() -> None:
    index, *routes = create_sandbox().api.router.routes
    assert isinstance(index, RouteIndex)
    for route in routes:
        assert isinstance(route, Route) and route.methods
        path = re.sub(r"{\w+:int}", "7", re.sub(r"{\w+}", "x", route.path))
        for method in route.methods:
            scope = {"type": "http", "method": method, "path": path, "root_path": ""}
            scanned = next(r for r in routes if r.matches(scope)[0] is Match.FULL)
            match, child_scope = index.matches(scope)
            assert match is Match.FULL and child_scope["route"] is scanned, (method, path)


@pytest.mark.anyio
async def test_a_known_path_with_another_method_or_a_trailing_slash_answers_as_the_router_does() -> None:
    sandbox = create_sandbox()
    v3 = f"/stores/{sandbox.credentials.store_hash}/v3"
    async with client(sandbox) as http:
        other_method = await http.post(f"{v3}/checkouts/x", headers={"X-Auth-Token": "t"})
        trailing_slash = await http.get(f"{v3}/catalog/products/")
    assert other_method.status_code == 405 and other_method.json()["title"] == "Method Not Allowed"
    assert set(other_method.headers["allow"].split(", ")) == {"GET", "HEAD"}
    assert trailing_slash.status_code == 307
    assert trailing_slash.headers["location"] == f"http://sandbox.test{v3}/catalog/products"


@pytest.mark.anyio
async def test_management_and_storefront_share_one_store() -> None:
    sandbox = create_sandbox()
    async with client(sandbox) as http:
        created = await http.post(
            "/api/storefront/carts", json={"lineItems": [{"productId": PRODUCT_MUG, "quantity": 1}]}
        )
        cart_id = created.json()["id"]
        response = await http.get(
            f"/stores/{sandbox.credentials.store_hash}/v3/checkouts/{cart_id}",
            headers={"X-Auth-Token": sandbox.credentials.access_token},
        )
    assert response.status_code == 200
    assert response.json()["data"]["id"] == cart_id
    assert cart_id in sandbox.store.carts


def test_serve_banner_names_credentials_and_urls() -> None:
    sandbox = create_sandbox(seed=3)
    text = banner(sandbox, "127.0.0.1", 8787)
    credentials = sandbox.credentials
    assert credentials.access_token in text
    assert credentials.read_only_token in text
    assert f"http://127.0.0.1:8787/stores/{credentials.store_hash}/v3" in text
    assert "http://127.0.0.1:8787/api/storefront" in text
    assert "http://127.0.0.1:8787/__sandbox/" in text
