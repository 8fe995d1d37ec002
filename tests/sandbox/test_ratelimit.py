"""The request quota: headers on every API response, 429 past it, window on the sandbox clock."""

from __future__ import annotations

import httpx
import pytest

from checkout_mcp.sandbox import Sandbox, create_sandbox


def client(sandbox: Sandbox) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox.app), base_url="http://sandbox.test")


def cart_path(sandbox: Sandbox) -> str:
    return f"/stores/{sandbox.credentials.store_hash}/v3/carts/{next(iter(sandbox.store.carts))}"


def auth(sandbox: Sandbox) -> dict[str, str]:
    return {"X-Auth-Token": sandbox.credentials.access_token}


@pytest.mark.anyio
async def test_default_quota_headers_on_management_and_storefront() -> None:
    sandbox = create_sandbox()
    async with client(sandbox) as http:
        management = await http.get(cart_path(sandbox), headers=auth(sandbox))
        storefront = await http.get("/api/storefront/checkouts")
    assert management.headers["X-Rate-Limit-Requests-Quota"] == "150"
    assert management.headers["X-Rate-Limit-Time-Window-Ms"] == "30000"
    assert management.headers["X-Rate-Limit-Requests-Left"] == "149"
    assert management.headers["X-Rate-Limit-Time-Reset-Ms"] == "30000"
    assert storefront.headers["X-Rate-Limit-Requests-Left"] == "148"


@pytest.mark.anyio
async def test_past_the_quota_429_until_the_clock_crosses_the_window() -> None:
    sandbox = create_sandbox(rate_limit_quota=3, rate_limit_window_ms=10_000)
    async with client(sandbox) as http:
        allowed = [await http.get(cart_path(sandbox), headers=auth(sandbox)) for _ in range(3)]
        sandbox.clock.advance(2.5)
        refused = await http.get(cart_path(sandbox), headers=auth(sandbox))
        sandbox.clock.advance(7.5)
        again = await http.get(cart_path(sandbox), headers=auth(sandbox))
    assert [r.status_code for r in allowed] == [200, 200, 200]
    assert [r.headers["X-Rate-Limit-Requests-Left"] for r in allowed] == ["2", "1", "0"]
    assert refused.status_code == 429
    assert refused.json()["status"] == 429
    assert refused.json()["title"] == "Too many requests"
    assert refused.headers["X-Rate-Limit-Time-Reset-Ms"] == "7500"
    assert refused.headers["X-Retry-After"] == "8"
    assert again.status_code == 200
    assert again.headers["X-Rate-Limit-Requests-Left"] == "2"


@pytest.mark.anyio
async def test_refused_requests_change_nothing() -> None:
    sandbox = create_sandbox(rate_limit_quota=1)
    body = {"lineItems": [{"productId": 104, "quantity": 1}]}
    async with client(sandbox) as http:
        await http.get("/api/storefront/checkouts")
        refused = await http.post("/api/storefront/carts", json=body)
    assert refused.status_code == 429
    assert len(sandbox.store.carts) == len(create_sandbox().store.carts)


@pytest.mark.anyio
async def test_admin_api_is_exempt() -> None:
    sandbox = create_sandbox(rate_limit_quota=1)
    async with client(sandbox) as http:
        responses = [await http.get("/__sandbox/info") for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert "X-Rate-Limit-Requests-Left" not in responses[0].headers


@pytest.mark.anyio
async def test_reset_restores_the_quota() -> None:
    sandbox = create_sandbox(rate_limit_quota=1)
    async with client(sandbox) as http:
        await http.get("/api/storefront/checkouts")
        assert (await http.get("/api/storefront/checkouts")).status_code == 429
        await http.post("/__sandbox/reset")
        assert (await http.get("/api/storefront/checkouts")).status_code == 200


def test_quota_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        create_sandbox(rate_limit_quota=0)
