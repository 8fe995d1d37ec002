"""Retries, rate-limit pacing and ambiguous failures, driven by the sandbox's fault switches.

Waits advance the sandbox clock (Store.for_sandbox / clock_sleep), so the elapsed sandbox time
shows exactly how long the client waited, and no test sleeps.
"""

from __future__ import annotations

import contextlib
import random
import socket
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from starlette.middleware.gzip import GZipMiddleware

from checkout_mcp.bigcommerce.errors import BigCommerceError, ServerError, UpstreamUnavailable
from checkout_mcp.bigcommerce.management import ManagementBinding
from checkout_mcp.bigcommerce.store import (
    SANDBOX_BASE_URL,
    ManagementSettings,
    Store,
    StorefrontSettings,
    clock_sleep,
)
from checkout_mcp.bigcommerce.transport import RetryPolicy, Transport
from checkout_mcp.sandbox import Sandbox, create_sandbox
from tests.bigcommerce.conftest import TEST_RETRY, demo_cart, mugs
from tests.sandbox_server import running_app, running_sandbox

pytestmark = pytest.mark.anyio

ORDERS_ROUTE = "POST /stores/*/v3/checkouts/*/orders"
CHECKOUT_ROUTE = "GET /stores/*/v3/checkouts/*"


def fired(sandbox: Sandbox) -> int:
    return sum(rule["fired"] for rule in sandbox.faults.active())


def elapsed(sandbox: Sandbox, since: object) -> timedelta:
    return sandbox.clock.now() - since  # type: ignore[operator]


async def test_429_is_retried_after_the_stores_retry_after(store: Store, sandbox: Sandbox) -> None:
    assert store.management is not None
    sandbox.faults.add({"match": CHECKOUT_ROUTE, "kind": "429", "times": 2, "retry_after_seconds": 3})
    start = sandbox.clock.now()

    checkout = await store.management.get_checkout(demo_cart(sandbox, "ready"))

    assert checkout.id == demo_cart(sandbox, "ready")
    assert sandbox.faults.active() == []  # both 429s were spent
    assert elapsed(sandbox, start) == timedelta(seconds=6)


async def test_503_is_retried_with_jittered_exponential_backoff(store: Store, sandbox: Sandbox) -> None:
    assert store.management is not None
    sandbox.faults.add({"match": CHECKOUT_ROUTE, "kind": "503", "times": 3})
    start = sandbox.clock.now()

    await store.management.get_checkout(demo_cart(sandbox, "ready"))

    waited = elapsed(sandbox, start).total_seconds()
    # attempts 1..3 wait within [0.25, 0.5], [0.5, 1.0], [1.0, 2.0] ("equal jitter" on 0.5 * 2**n)
    assert 1.75 <= waited <= 3.5


async def test_retries_stop_after_the_attempt_bound(store: Store, sandbox: Sandbox) -> None:
    assert store.management is not None
    sandbox.faults.add({"match": CHECKOUT_ROUTE, "kind": "502"})

    with pytest.raises(ServerError) as caught:
        await store.management.get_checkout(demo_cart(sandbox, "ready"))

    assert caught.value.status == 502 and caught.value.retryable
    assert fired(sandbox) == TEST_RETRY.max_attempts


async def test_put_is_retried_on_503(store: Store, sandbox: Sandbox) -> None:
    assert store.management is not None
    sandbox.faults.add({"match": "PUT /stores/*/v3/checkouts/*", "kind": "503", "times": 1})
    checkout = await store.management.update_customer_message(demo_cart(sandbox, "ready"), "again")
    assert checkout.customer_message == "again"


async def test_post_is_not_retried_on_503(store: Store, sandbox: Sandbox) -> None:
    assert store.management is not None
    checkout_id = demo_cart(sandbox, "ready")
    sandbox.faults.add({"match": ORDERS_ROUTE, "kind": "503", "times": 2})

    with pytest.raises(ServerError) as caught:
        await store.management.create_order(checkout_id)

    assert fired(sandbox) == 1
    assert not caught.value.retryable
    assert "get_checkout" in str(caught.value) and "order_id" in str(caught.value)


async def test_post_is_retried_on_429(store: Store, sandbox: Sandbox) -> None:
    assert store.management is not None
    checkout_id = demo_cart(sandbox, "ready")
    orders_before = len(sandbox.store.orders)
    sandbox.faults.add({"match": ORDERS_ROUTE, "kind": "429", "times": 1, "retry_after_seconds": 1})

    order_id = await store.management.create_order(checkout_id)

    assert len(sandbox.store.orders) == orders_before + 1
    assert sandbox.store.carts[checkout_id].order_id == order_id


async def test_rate_limit_quota_is_waited_out_before_a_429() -> None:
    sandbox = create_sandbox(seed=7, rate_limit_quota=3, rate_limit_window_ms=30_000)
    no_retries = RetryPolicy(max_attempts=1)  # a 429 would fail the test
    async with Store.for_sandbox(sandbox, retry=no_retries) as store:
        assert store.management is not None
        start = sandbox.clock.now()
        for _ in range(5):
            await store.management.get_checkout(demo_cart(sandbox, "ready"))
    assert elapsed(sandbox, start) == timedelta(seconds=30)


@pytest.mark.parametrize(("kind", "how"), [("drop_after", "lost the connection"), ("late", "timed out")])
async def test_a_create_order_answer_lost_after_the_store_acted_is_ambiguous_and_not_retried(
    store: Store, sandbox: Sandbox, kind: str, how: str
) -> None:
    """The connection dropped, or the answer came after the client's timeout: the order exists."""
    assert store.management is not None
    checkout_id = demo_cart(sandbox, "ready")
    sandbox.faults.add({"match": ORDERS_ROUTE, "kind": kind, "times": 2})

    with pytest.raises(UpstreamUnavailable) as caught:
        await store.management.create_order(checkout_id)

    error = caught.value
    assert error.ambiguous and not error.retryable and how in str(error)
    assert fired(sandbox) == 1
    assert f"get_checkout for checkout {checkout_id}" in str(error) and "order_id" in str(error)
    # The store did create the order: reading the checkout back is how the caller finds out.
    assert (await store.management.get_checkout(checkout_id)).order_id is not None


async def test_dropped_storefront_order_is_ambiguous(store: Store, sandbox: Sandbox) -> None:
    assert store.storefront is not None
    cart = await store.storefront.create_cart(mugs(1))
    sandbox.faults.add({"match": "POST /api/storefront/checkouts/*/order", "kind": "drop_before", "times": 1})

    with pytest.raises(UpstreamUnavailable) as caught:
        await store.storefront.create_order(cart.id)

    assert caught.value.ambiguous and "order_id" in str(caught.value)


@pytest.mark.parametrize("kind", ["drop_before", "late"])
async def test_a_get_whose_answer_is_lost_is_retried(store: Store, sandbox: Sandbox, kind: str) -> None:
    assert store.management is not None
    sandbox.faults.add({"match": CHECKOUT_ROUTE, "kind": kind, "times": 1})
    checkout = await store.management.get_checkout(demo_cart(sandbox, "ready"))
    assert checkout.id == demo_cart(sandbox, "ready") and sandbox.faults.active() == []


async def test_malformed_body_is_retried_for_get_and_ambiguous_for_post(
    store: Store, sandbox: Sandbox
) -> None:
    assert store.management is not None
    checkout_id = demo_cart(sandbox, "ready")
    sandbox.faults.add({"match": CHECKOUT_ROUTE, "kind": "malformed", "times": 1})
    assert (await store.management.get_checkout(checkout_id)).id == checkout_id

    sandbox.faults.add({"match": ORDERS_ROUTE, "kind": "malformed", "times": 1})
    with pytest.raises(UpstreamUnavailable) as caught:
        await store.management.create_order(checkout_id)
    assert caught.value.ambiguous and "not valid JSON" in str(caught.value)


# --- over real HTTP (uvicorn on loopback) ---------------------------------------------------------


@pytest.fixture
async def http_store(sandbox: Sandbox) -> AsyncIterator[Store]:
    with running_sandbox(sandbox) as base_url:
        store = Store.connect(
            management=ManagementSettings(
                api_url=base_url,
                store_hash=sandbox.credentials.store_hash,
                access_token=sandbox.credentials.access_token,
            ),
            storefront=StorefrontSettings(storefront_url=base_url),
            timeout=httpx.Timeout(connect=2.0, read=0.3, write=2.0, pool=2.0),
            retry=TEST_RETRY,
            sleep=clock_sleep(sandbox),
            now=sandbox.clock.timestamp,
            rng=random.Random(3),
        )
        async with store:
            yield store


async def test_a_compressed_answer_is_read_once(sandbox: Sandbox) -> None:
    """A live store gzips its answers (httpx asks it to): the body is decoded once, not again."""
    with running_app(GZipMiddleware(sandbox.app, minimum_size=0), lifespan=False) as base_url:
        credentials = sandbox.credentials
        store = Store.connect(
            management=ManagementSettings(
                api_url=base_url, store_hash=credentials.store_hash, access_token=credentials.access_token
            )
        )
        async with store:
            assert store.management is not None
            checkout = await store.management.get_checkout(demo_cart(sandbox, "ready"))
            with pytest.raises(BigCommerceError) as missing:  # an error body is read the same way
                await store.management.get_checkout("306d57d7-124e-4112-82cd-35e060c0d4d9")
    assert checkout.id == demo_cart(sandbox, "ready") and checkout.grand_total > 0
    assert missing.value.status == 404 and "not found" in missing.value.title.lower()


async def test_http_dropped_create_order_is_ambiguous(http_store: Store, sandbox: Sandbox) -> None:
    assert http_store.management is not None
    checkout_id = demo_cart(sandbox, "ready")
    sandbox.faults.add({"match": ORDERS_ROUTE, "kind": "drop_after", "times": 2})

    with pytest.raises(UpstreamUnavailable) as caught:
        await http_store.management.create_order(checkout_id)

    assert caught.value.ambiguous and fired(sandbox) == 1
    assert "RemoteProtocolError" in str(caught.value)
    assert sandbox.store.carts[checkout_id].order_id is not None


async def test_http_timeout_on_get_is_retried(http_store: Store, sandbox: Sandbox) -> None:
    assert http_store.management is not None
    sandbox.faults.add({"match": CHECKOUT_ROUTE, "kind": "slow", "delay_seconds": 5, "times": 1})
    checkout = await http_store.management.get_checkout(demo_cart(sandbox, "ready"))
    assert checkout.id == demo_cart(sandbox, "ready") and sandbox.faults.active() == []


async def test_http_timeout_on_create_order_is_ambiguous(http_store: Store, sandbox: Sandbox) -> None:
    assert http_store.management is not None
    sandbox.faults.add({"match": ORDERS_ROUTE, "kind": "slow", "delay_seconds": 5, "times": 1})
    with pytest.raises(UpstreamUnavailable) as caught:
        await http_store.management.create_order(demo_cart(sandbox, "ready"))
    assert caught.value.ambiguous and "timed out" in str(caught.value)


async def test_http_storefront_session_cookie_round_trip(http_store: Store) -> None:
    assert http_store.storefront is not None
    cart = await http_store.storefront.create_cart(mugs(2))
    assert [checkout.id for checkout in await http_store.storefront.list_checkouts()] == [cart.id]


async def test_connection_refused_post_is_retried_then_reported_as_not_applied(sandbox: Sandbox) -> None:
    with socket.socket() as probe:  # a loopback port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = Store.connect(
        management=ManagementSettings(
            api_url=f"http://127.0.0.1:{port}", store_hash="abc", access_token="secret-token-value"
        ),
        retry=TEST_RETRY,
        sleep=clock_sleep(sandbox),
        now=sandbox.clock.timestamp,
        rng=random.Random(5),
    )
    start = sandbox.clock.now()
    async with store:
        assert store.management is not None
        with pytest.raises(UpstreamUnavailable) as caught:
            await store.management.create_order(demo_cart(sandbox, "ready"))
    error = caught.value
    assert not error.ambiguous and error.retryable
    assert "could not connect" in str(error) and "secret-token-value" not in str(error)
    assert elapsed(sandbox, start) > timedelta(0)  # it backed off between the attempts


# --- visits: single-use links and HTML pages ---------------------------------------------------------


def visiting_transport(sandbox: Sandbox, base_url: str) -> Transport:
    return Transport(
        base_url,
        retry=TEST_RETRY,
        sleep=clock_sleep(sandbox),
        now=sandbox.clock.timestamp,
        rng=random.Random(2),
    )


async def test_visit_answers_the_redirect_status_without_following_it(sandbox: Sandbox) -> None:
    """Over real HTTP: a 302 with its cookie, then HTML pages (200 and a 410 error) never read as JSON."""
    api = Transport(SANDBOX_BASE_URL, app=sandbox.app)
    async with contextlib.aclosing(api):
        management = ManagementBinding(api, sandbox.credentials.store_hash, sandbox.credentials.access_token)
        cart = await management.create_cart(mugs(1))
        link = (await management.create_cart_redirect_urls(cart.id)).cart_url
    with running_sandbox(sandbox) as base_url:
        link = link.replace(SANDBOX_BASE_URL, base_url)
        transport = visiting_transport(sandbox, base_url)
        async with contextlib.aclosing(transport):
            assert await transport.visit(link, operation="visit") == 302
            assert sandbox.store.redirect_urls[0].used
            # The 302's cookie is this transport's session now: the HTML checkout page lists the cart.
            assert await transport.visit("/checkout", operation="visit") == 200
            with pytest.raises(BigCommerceError) as caught:  # a spent link: an HTML 410 page
                await transport.visit(link, operation="visit")
            with pytest.raises(UpstreamUnavailable, match="not valid JSON"):  # what `request` would do
                await transport.request("GET", "/checkout", operation="visit", parse=lambda page: page)
    assert caught.value.status == 410 and "token" not in str(caught.value)
    assert len(sandbox.store.redirect_urls) == 1


async def test_visit_is_retried_only_when_the_request_was_never_sent(sandbox: Sandbox) -> None:
    with socket.socket() as probe:  # a loopback port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    start = sandbox.clock.now()
    async with contextlib.aclosing(visiting_transport(sandbox, f"http://127.0.0.1:{port}")) as transport:
        with pytest.raises(UpstreamUnavailable) as caught:
            await transport.visit("/cart.php?action=load&token=secret-link-token", operation="visit")
    assert not caught.value.ambiguous and "could not connect" in str(caught.value)
    assert "secret-link-token" not in str(caught.value)
    assert elapsed(sandbox, start) > timedelta(0)  # it backed off between the attempts


async def test_a_dropped_visit_is_ambiguous_and_not_repeated(sandbox: Sandbox) -> None:
    sandbox.faults.add({"match": "GET /checkout", "kind": "drop_before"})
    transport = Transport(SANDBOX_BASE_URL, app=sandbox.app, retry=TEST_RETRY)
    async with contextlib.aclosing(transport):
        with pytest.raises(UpstreamUnavailable) as caught:
            await transport.visit("/checkout", operation="visit")
    assert caught.value.ambiguous and not caught.value.retryable
    assert fired(sandbox) == 1
