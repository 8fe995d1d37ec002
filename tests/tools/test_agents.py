"""An agent that knows only a product name and an address finishes a checkout, and can see what is missing.

Everything the agent uses comes from what the tools return: no id is read from the seed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp.client.client import Client
from mcp.types import TextResourceContents

from checkout_mcp.server.build import Runtime, build_server, create_runtime
from tests.common import answering, confirmation, orders, text
from tests.tools.conftest import call, fail, line_id, sandbox_config

ADDRESS = {
    "first_name": "Grace",
    "last_name": "Hopper",
    "email": "grace@example.com",
    "address1": "1 Navy Yard",
    "city": "New York",
    "state_or_province": "New York",
    "state_or_province_code": "NY",
    "country_code": "US",
    "postal_code": "10001",
}


@pytest.mark.anyio
async def test_an_agent_with_a_product_name_and_an_address_reaches_an_order(tmp_path: Path) -> None:
    runtime = create_runtime(sandbox_config(tmp_path, policy={"mode": "confirm"}))
    human = answering("accept")
    async with Client(build_server(runtime), elicitation_callback=human) as agent:
        found = await call(agent, "search_products", keyword="keyboard")
        product_line = found["products"][0]
        product_id = int(line_id(product_line))
        variant_id = int(product_line.split("variants: ", 1)[1].split(" ", 1)[0])
        cart = await call(
            agent, "create_cart", items=[{"product_id": product_id, "variant_id": variant_id, "quantity": 1}]
        )
        checkout_id = cart["checkout_id"]
        await call(agent, "add_billing_address", checkout_id=checkout_id, address=ADDRESS)
        shipped = await call(agent, "add_shipping_address", checkout_id=checkout_id, address=ADDRESS)
        consignment = shipped["consignments"][0]
        options = (
            consignment.get("options")
            or (
                await call(
                    agent, "list_shipping_options", checkout_id=checkout_id, consignment_id=consignment["id"]
                )
            )["options"]
        )
        chosen = await call(
            agent,
            "select_shipping_option",
            checkout_id=checkout_id,
            consignment_id=consignment["id"],
            option_id=line_id(options[0]),
        )
        assert chosen["next"] == ["create_order"]
        order = await call(agent, "create_order", checkout_id=checkout_id)
    await runtime.aclose()
    assert order["how"] == "created" and order["grand_total"] == chosen["totals"]["grand_total"]
    assert len(human.questions) == 1


@pytest.mark.anyio
async def test_diagnose_checkout_names_exactly_what_each_demo_cart_lacks(
    client: Client, runtime: Runtime
) -> None:
    assert runtime.sandbox is not None
    carts = runtime.sandbox.store.demo_carts
    expected = {
        "no_billing": ["add_billing_address", "add_shipping_address"],
        "abandoned": ["add_billing_address", "add_shipping_address"],
        "ready": ["create_order"],
        "with_coupon": ["create_order"],
    }
    for label, tools in expected.items():
        diagnosis = await call(client, "diagnose_checkout", checkout_id=carts[label])
        assert [step.split("(", 1)[0] for step in diagnosis["steps"]] == tools, label
        assert diagnosis["ready"] is (tools == ["create_order"])
    ordered = await call(client, "diagnose_checkout", checkout_id=carts["ordered"])
    assert ordered["order_id"] and ordered["steps"] == [
        f"get_order(order_id={ordered['order_id']}): checkout already has order {ordered['order_id']}"
    ]
    gone = await fail(client, "diagnose_checkout", checkout_id=carts["finalized"])
    assert "does not exist" in gone and "list_checkouts" in gone


@pytest.mark.anyio
async def test_errors_that_need_an_id_list_the_valid_ones(client: Client, runtime: Runtime) -> None:
    needs_variant = await fail(client, "create_cart", items=[{"product_id": 101, "quantity": 1}])
    assert "Product 101 needs a variant_id" in needs_variant and "1001 = Size=S, Color=Black" in needs_variant
    cart = await call(client, "create_cart", items=[{"product_id": 104, "quantity": 1}])
    wrong_item = await fail(
        client, "update_cart_item", checkout_id=cart["checkout_id"], item_id="nope", quantity=2
    )
    assert line_id(cart["items"][0]) in wrong_item


@pytest.mark.anyio
async def test_list_checkouts_finds_the_cart_the_agent_just_made(client: Client) -> None:
    cart = await call(client, "create_cart", items=[{"product_id": 104, "quantity": 1}])
    listed = await call(client, "list_checkouts")
    assert cart["checkout_id"] in [c["checkout_id"] for c in listed["checkouts"]]


@pytest.mark.anyio
async def test_resources_read_the_compact_views_and_complete_known_ids(
    client: Client, runtime: Runtime
) -> None:
    assert runtime.sandbox is not None
    ready = runtime.sandbox.store.demo_carts["ready"]
    templates = {t.uri_template for t in (await client.list_resource_templates()).resource_templates}
    assert templates == {"checkout://{checkout_id}", "order://{order_id}", "product://{product_id}"}

    async def read(uri: str) -> dict[str, Any]:
        contents = (await client.read_resource(uri)).contents[0]
        assert isinstance(contents, TextResourceContents)
        data: dict[str, Any] = json.loads(contents.text)
        return data

    checkout = await read(f"checkout://{ready}")
    assert checkout["checkout_id"] == ready and checkout["next"] == ["create_order"]
    assert (await read("product://101"))["needs_variant"] is True
    order_id = min(runtime.sandbox.store.orders)
    assert (await read(f"order://{order_id}"))["order_id"] == order_id
    policy = await read("policy://current")
    assert policy["mode"] == "auto" and "create_order" not in policy["needs_confirmation"]
    completion = await client.complete(
        {"type": "ref/resource", "uri": "checkout://{checkout_id}"},
        {"name": "checkout_id", "value": ready[:4]},
    )
    assert completion.completion.values == [ready]
    products = await client.complete(
        {"type": "ref/resource", "uri": "product://{product_id}"}, {"name": "product_id", "value": "keyboard"}
    )
    assert products.completion.values == ["111"]
    codes = await client.complete(
        {"type": "ref/prompt", "name": "fix_stuck_checkout"}, {"name": "code", "value": "SA"}
    )
    assert codes.completion.values == [], "coupon codes are the store's secrets"


@pytest.mark.anyio
async def test_workflow_prompts_render_with_their_arguments(client: Client) -> None:
    prompts = {p.name: p for p in (await client.list_prompts()).prompts}
    assert set(prompts) == {
        "guest_checkout",
        "recover_abandoned_cart",
        "fix_stuck_checkout",
        "hand_over_order_confirmation",
        "review_checkout",
    }
    rendered = await client.get_prompt(
        "guest_checkout", {"products": "1 mug", "address": "1 Main St, Austin", "email": "a@example.com"}
    )
    body = rendered.messages[0].content
    assert "search_products" in getattr(body, "text", "") and 'shopper wrote «"1 mug"»' in getattr(
        body, "text", ""
    )
    for name in (
        "recover_abandoned_cart",
        "fix_stuck_checkout",
        "hand_over_order_confirmation",
        "review_checkout",
    ):
        assert [a.name for a in prompts[name].arguments or []] == ["checkout_id"]
        shown = await client.get_prompt(name, {"checkout_id": "c-1"})
        assert "c-1" in getattr(shown.messages[0].content, "text", "")


@pytest.mark.anyio
async def test_confirm_mode_policy_resource_lists_the_confirmed_tools(tmp_path: Path) -> None:
    runtime = create_runtime(sandbox_config(tmp_path, policy={"mode": "confirm", "max_order_total": "100"}))
    try:
        async with Client(build_server(runtime)) as client:
            contents = (await client.read_resource("policy://current")).contents[0]
            assert isinstance(contents, TextResourceContents)
            policy = json.loads(contents.text)
            required = await client.call_tool(
                "create_order", {"checkout_id": runtime.sandbox.store.demo_carts["ready"]}
            )  # type: ignore[union-attr]
    finally:
        await runtime.aclose()
    assert "create_order" in policy["needs_confirmation"] and policy["limits"]["max_order_total"] == "100"
    assert confirmation(required)["status"] == "confirmation_required" and orders(runtime) == 2
    assert "Nothing was done" in text(required)


@pytest.mark.anyio
async def test_add_shipping_address_is_one_request_and_survives_a_cart_changed_elsewhere(
    client: Client, runtime: Runtime
) -> None:
    assert runtime.sandbox is not None
    sandbox = runtime.sandbox
    cart = await call(client, "create_cart", items=[{"product_id": 104, "quantity": 1}])
    checkout_id = cart["checkout_id"]
    await call(client, "add_billing_address", checkout_id=checkout_id, address=ADDRESS)
    before = sandbox.rate_limiter.used
    first = await call(client, "add_shipping_address", checkout_id=checkout_id, address=ADDRESS)
    assert sandbox.rate_limiter.used == before + 1, "one upstream request, options included"
    assert first["consignments"][0]["options"], "the new consignment's shipping options come back"

    other = await call(client, "create_cart", items=[{"product_id": 104, "quantity": 1}])
    await call(client, "add_billing_address", checkout_id=other["checkout_id"], address=ADDRESS)
    # the shopper swaps the mug for a tote bag in their browser (the store's own API)
    mug = line_id(other["items"][0])
    path = f"/stores/{sandbox.credentials.store_hash}/v3/carts/{other['checkout_id']}"
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sandbox.app),
        base_url="http://sandbox",
        headers={"X-Auth-Token": sandbox.credentials.access_token},
    ) as http:
        added = await http.post(f"{path}/items", json={"line_items": [{"product_id": 103, "quantity": 1}]})
        removed = await http.delete(f"{path}/items/{mug}")
    assert added.status_code in (200, 201) and removed.status_code == 200, removed.text
    shipped = await call(client, "add_shipping_address", checkout_id=other["checkout_id"], address=ADDRESS)
    assert shipped["next"] == ["select_shipping_option"], "the tote bag ships: the stale note was re-read"
