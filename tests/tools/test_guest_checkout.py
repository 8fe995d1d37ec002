"""A whole guest checkout through tools alone, on the management binding and on the storefront binding."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
from mcp.client.client import Client

from checkout_mcp.sandbox import seed
from checkout_mcp.server.build import Runtime, build_server, create_runtime
from tests.tools.conftest import call, line_id, sandbox_config

COST = re.compile(r", (\d+\.\d+)")

ADDRESS = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@example.com",
    "address1": "1 Main St",
    "city": "Austin",
    "state_or_province": "Texas",
    "state_or_province_code": "TX",
    "country_code": "US",
    "postal_code": "78701",
}


@pytest.fixture
async def on_surface(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[Client, Runtime]]:
    runtime = create_runtime(sandbox_config(tmp_path, sandbox={"surfaces": [request.param]}))
    try:
        async with Client(build_server(runtime)) as client:
            yield client, runtime
    finally:
        await runtime.aclose()


async def fill_checkout(client: Client) -> str:
    """Cart, billing, shipping address, shipping option, coupon: a checkout ready to order."""
    cart = await call(
        client,
        "create_cart",
        items=[
            {"product_id": seed.PRODUCT_MUG, "quantity": 2},
            {"product_id": seed.PRODUCT_STICKERS, "quantity": 1},
        ],
    )
    checkout_id = cart["checkout_id"]
    checkout = await call(client, "add_billing_address", checkout_id=checkout_id, address=ADDRESS)
    assert "add_shipping_address" in checkout["next"]
    checkout = await call(client, "add_shipping_address", checkout_id=checkout_id, address=ADDRESS)
    consignment_id = checkout["consignments"][0]["id"]
    options = await call(
        client, "list_shipping_options", checkout_id=checkout_id, consignment_id=consignment_id
    )
    assert options["options"], "a US address must have shipping options"
    cheapest = line_id(min(options["options"], key=lambda line: Decimal(COST.search(line).group(1))))
    checkout = await call(
        client,
        "select_shipping_option",
        checkout_id=checkout_id,
        consignment_id=consignment_id,
        option_id=cheapest,
    )
    assert line_id(checkout["consignments"][0]["selected"]) == cheapest
    before = Decimal(checkout["totals"]["grand_total"])
    checkout = await call(client, "apply_coupon", checkout_id=checkout_id, code=seed.COUPON_PERCENT)
    assert Decimal(checkout["totals"]["grand_total"]) < before
    assert checkout["next"] == ["create_order"]
    return checkout_id


@pytest.mark.anyio
@pytest.mark.parametrize("on_surface", ["management"], indirect=True)
async def test_guest_checkout_on_management_binding(on_surface: tuple[Client, Runtime]) -> None:
    client, _ = on_surface
    checkout_id = await fill_checkout(client)
    created = await call(client, "create_order", checkout_id=checkout_id)
    order = await call(client, "get_order", order_id=created["order_id"])
    assert order["status"] == "Incomplete"
    assert order["grand_total"] == created["grand_total"]
    token = await call(client, "create_checkout_token", checkout_id=checkout_id, max_uses=1, ttl_seconds=600)
    assert token["confirmation_url_path"] == f"/order-confirmation/{created['order_id']}"
    urls = await call(client, "create_cart_redirect_urls", checkout_id=checkout_id)
    assert checkout_id in urls["checkout_url"]


@pytest.mark.anyio
@pytest.mark.parametrize("on_surface", ["storefront"], indirect=True)
async def test_guest_checkout_on_storefront_binding(on_surface: tuple[Client, Runtime]) -> None:
    client, _ = on_surface
    checkout_id = await fill_checkout(client)
    spent = await call(
        client, "apply_gift_certificate", checkout_id=checkout_id, code=seed.GIFT_CERTIFICATE_50
    )
    assert spent["gift_certificates"]
    removed = await call(
        client, "remove_gift_certificate", checkout_id=checkout_id, code=seed.GIFT_CERTIFICATE_50
    )
    assert "gift_certificates" not in removed
    checkout = await call(
        client, "apply_gift_certificate", checkout_id=checkout_id, code=seed.GIFT_CERTIFICATE_25
    )
    assert Decimal(checkout["totals"]["outstanding"]) < Decimal(checkout["totals"]["grand_total"])
    listed = await call(client, "list_checkouts")
    assert checkout_id in [c["checkout_id"] for c in listed["checkouts"]]
    methods = await call(client, "list_payment_methods", checkout_id=checkout_id)
    assert methods["methods"]
    created = await call(client, "create_order", checkout_id=checkout_id)
    finalized = await call(client, "finalize_order", order_id=created["order_id"])
    assert finalized["status"] != "Incomplete"
    tools = {tool.name for tool in (await client.list_tools()).tools}
    assert "create_checkout_token" not in tools, "a storefront-only store cannot mint checkout tokens"
