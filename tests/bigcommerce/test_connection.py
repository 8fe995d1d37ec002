"""The httpx side of the transport: requests as httpx itself would build them, and httpx loaded late."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import httpx
import pytest

from checkout_mcp.bigcommerce.connection import Connection, parsed_url
from checkout_mcp.bigcommerce.exchange import Call
from checkout_mcp.bigcommerce.transport import segment, uuid_segment

CHECKOUT = uuid_segment("306D57D7-124E-4112-82CD-35E060C0D4D9", "checkout id")
CALLS = [
    Call("GET", f"/stores/abc123/v3/checkouts/{CHECKOUT}", "get_checkout", None, None, None, None),
    Call(
        "GET",
        f"/stores/abc123/v3/checkouts/{CHECKOUT}",
        "list_shipping_options",
        None,
        {"include": "consignments.available_shipping_options"},
        {"X-Auth-Token": "t0ken"},
        None,
    ),
    Call(
        "GET",
        "/stores/abc123/v3/catalog/products",
        "search_products",
        None,
        {"keyword": "mug & cup/ü", "id:in": "1,2,3", "page": "1"},
        {"X-Auth-Token": "t0ken"},
        None,
    ),
    Call(
        "POST",
        f"/api/storefront/checkouts/{CHECKOUT}/coupons/{segment('50% OFF/?#', 'coupon code')}",
        "apply_coupon",
        {"couponCode": "SAVE €5", "version": 3, "lineItems": [{"quantity": 1}]},
        None,
        None,
        "hint",
    ),
    Call(
        "GET",
        "https://shop.example.test/cart.php?action=load&token=abc",
        "adopt",
        None,
        None,
        {"Accept": "text/html"},
        None,
        single_use=True,
    ),
]


@pytest.mark.parametrize("base_url", ["https://api.example.test", "https://shop.example.test/sub/"])
@pytest.mark.parametrize("call", CALLS, ids=[call.operation for call in CALLS])
def test_a_request_is_what_httpx_builds_from_the_same_call(base_url: str, call: Call) -> None:
    connection = Connection(base_url, transport=None, app=None, timeout=7.5, limits=None)
    client = connection.client
    client.cookies.set("SHOP_SESSION_TOKEN", "session", domain="shop.example.test")
    url = base_url.rstrip("/") + call.path if call.path.startswith("/") else call.path
    expected = client.build_request(
        call.method, url, json=call.json_body, params=call.params, headers=call.headers
    )

    ours = connection.request_for(call)

    assert str(ours.url) == str(expected.url) and ours.url.raw_path == expected.url.raw_path
    assert ours.method == expected.method
    assert ours.headers.multi_items() == expected.headers.multi_items()
    assert ours.read() == expected.read()
    assert ours.extensions == expected.extensions == {"timeout": httpx.Timeout(7.5).as_dict()}


def test_a_store_loads_httpx_on_its_first_request_not_before() -> None:
    """A server lists its tools before it has sent anything: building a store must not import httpx."""
    script = textwrap.dedent(
        """
        import sys
        import anyio
        from checkout_mcp.bigcommerce.store import Store
        from checkout_mcp.sandbox import create_sandbox

        sandbox = create_sandbox(seed=7)
        store = Store.for_sandbox(sandbox)
        assert store.supports("get_checkout")
        print("httpx" in sys.modules)

        async def first_request():
            async with store:
                await store.binding_for("get_checkout").get_checkout(sandbox.store.demo_carts["ready"])

        anyio.run(first_request)
        print("httpx" in sys.modules)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "True"]


def test_parsed_targets_are_kept_but_never_a_single_use_link() -> None:
    """A target asked for again is parsed once; a link carrying a token is not kept to be parsed."""
    connection = Connection("https://shop.example.test", transport=None, app=None, timeout=None, limits=None)
    parsed_url.cache_clear()
    for call in CALLS:
        first, again = connection.request_for(call), connection.request_for(call)
        assert first.url == again.url
    kept = len([call for call in CALLS if not call.single_use])
    assert kept < len(CALLS)
    assert parsed_url.cache_info()[:2] == (kept, kept)  # (hits, misses): each kept one parsed once
    assert parsed_url.cache_info().currsize == kept
