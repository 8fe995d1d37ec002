"""The shopper's pages: single-use cart redirect links (30 days) and the token-guarded confirmation page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx
import pytest

from checkout_mcp.sandbox import Sandbox, create_sandbox
from checkout_mcp.sandbox.shopper import SESSION_COOKIE

pytestmark = pytest.mark.anyio

THIRTY_DAYS = 30 * 24 * 3600


@pytest.fixture
def sandbox() -> Sandbox:
    return create_sandbox()


@pytest.fixture
async def http(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=sandbox.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.test") as client:
        yield client


def management(sandbox: Sandbox, path: str) -> str:
    return f"/stores/{sandbox.credentials.store_hash}/v3{path}"


def auth(sandbox: Sandbox) -> dict[str, str]:
    return {"X-Auth-Token": sandbox.credentials.access_token}


async def redirect_urls(sandbox: Sandbox, http: httpx.AsyncClient, cart_id: str) -> dict[str, str]:
    response = await http.post(
        management(sandbox, f"/carts/{cart_id}/redirect_urls"), json={}, headers=auth(sandbox)
    )
    assert response.status_code == 201
    return response.json()["data"]


def local(url: str) -> str:
    """The path and query of a URL the sandbox built on its own base URL."""
    parts = urlsplit(url)
    assert parts.netloc == "sandbox.test"
    return f"{parts.path}?{parts.query}"


async def test_cart_link_loads_the_cart_into_a_session_once(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    cart_id = sandbox.store.demo_carts["no_billing"]
    urls = await redirect_urls(sandbox, http, cart_id)
    first = await http.get(local(urls["cart_url"]))
    assert first.status_code == 302
    assert first.headers["location"] == "/cart.php"
    session = first.cookies[SESSION_COOKIE]
    assert sandbox.store.sessions[session] == [cart_id]
    page = await http.get("/cart.php")
    assert page.status_code == 200
    assert "Ceramic Mug x 2" in page.text
    checkout = await http.get(f"/api/storefront/checkouts/{cart_id}")
    assert checkout.status_code == 200  # the storefront surface now serves this shopper's checkout

    second = await http.get(local(urls["cart_url"]))
    assert second.status_code == 410
    assert "already been used" in second.text
    assert (await http.get(local(urls["checkout_url"]))).status_code == 410  # one token behind all three URLs


async def test_checkout_link_goes_to_the_checkout(sandbox: Sandbox, http: httpx.AsyncClient) -> None:
    urls = await redirect_urls(sandbox, http, sandbox.store.demo_carts["ready"])
    response = await http.get(local(urls["embedded_checkout_url"]))
    assert response.status_code == 302
    assert response.headers["location"] == "/checkout"
    assert "Classic Tee x 1" in (await http.get("/checkout")).text


async def test_cart_link_expires_after_30_days(sandbox: Sandbox, http: httpx.AsyncClient) -> None:
    cart_id = sandbox.store.demo_carts["no_billing"]
    almost, expired = await redirect_urls(sandbox, http, cart_id), await redirect_urls(sandbox, http, cart_id)
    sandbox.clock.advance(THIRTY_DAYS - 1)
    assert (await http.get(local(almost["cart_url"]))).status_code == 302
    sandbox.clock.advance(1)
    assert (await http.get(local(expired["cart_url"]))).status_code == 410


async def test_cart_link_with_a_wrong_token_or_action_is_refused(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    cart_id = sandbox.store.demo_carts["no_billing"]
    urls = await redirect_urls(sandbox, http, cart_id)
    assert (await http.get(f"/cart.php?action=load&id={cart_id}&token=forged")).status_code == 410
    other = sandbox.store.demo_carts["ready"]
    assert (await http.get(local(urls["cart_url"]).replace(cart_id, other))).status_code == 410
    assert (await http.get(f"/cart.php?action=explode&id={cart_id}")).status_code == 404
    assert (await http.get(local(urls["cart_url"]))).status_code == 302  # the failures did not spend it


async def confirmation_token(
    sandbox: Sandbox, http: httpx.AsyncClient, body: dict[str, int]
) -> tuple[int, str]:
    cart_id = sandbox.store.demo_carts["ordered"]
    response = await http.post(
        management(sandbox, f"/checkouts/{cart_id}/token"), json=body, headers=auth(sandbox)
    )
    assert response.status_code == 200
    return sandbox.store.carts[cart_id].order_id or 0, response.json()["data"]["checkoutToken"]


async def test_confirmation_page_honours_max_uses(sandbox: Sandbox, http: httpx.AsyncClient) -> None:
    order_id, token = await confirmation_token(sandbox, http, {"maxUses": 2, "ttl": 600})
    for _ in range(2):
        page = await http.get(f"/order-confirmation/{order_id}", params={"t": token})
        assert page.status_code == 200
        assert f"Thank you for your order #{order_id}" in page.text
    assert (await http.get(f"/order-confirmation/{order_id}", params={"t": token})).status_code == 403


async def test_confirmation_page_honours_ttl(sandbox: Sandbox, http: httpx.AsyncClient) -> None:
    order_id, token = await confirmation_token(sandbox, http, {"maxUses": 5, "ttl": 60})
    sandbox.clock.advance(59)
    assert (await http.get(f"/order-confirmation/{order_id}", params={"t": token})).status_code == 200
    sandbox.clock.advance(1)
    refused = await http.get(f"/order-confirmation/{order_id}", params={"t": token})
    assert refused.status_code == 403
    assert token not in refused.text


async def test_confirmation_page_needs_a_token_for_that_order(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    order_id, token = await confirmation_token(sandbox, http, {})
    other_order = next(o.id for o in sandbox.store.orders.values() if o.id != order_id)
    assert (await http.get(f"/order-confirmation/{other_order}", params={"t": token})).status_code == 403
    assert (await http.get(f"/order-confirmation/{order_id}")).status_code == 403
    assert (await http.get(f"/order-confirmation/{order_id}", params={"t": token})).status_code == 200
