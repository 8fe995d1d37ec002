"""What was confirmed is what is sent, one order per checkout, and nothing asked that would fail.

Through MCP on the embedded sandbox, with a second client acting on the store directly (the
shopper's browser, over the sandbox's own management API) and the sandbox's fault switches for
the instant between our check and the store receiving the order.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp.client.client import Client
from mcp.types import MISSING_REQUIRED_CLIENT_CAPABILITY

from checkout_mcp.server.build import Runtime, build_server, create_runtime
from tests.common import answering, confirmation, journal, orders, protocol_error, ready, text
from tests.tools.conftest import call, sandbox_config

MUG = 104
GUEST = {
    "first_name": "A",
    "last_name": "B",
    "email": "a@example.com",
    "address1": "1 Main St",
    "city": "Austin",
    "state_or_province": "Texas",
    "country_code": "US",
    "postal_code": "73301",
}
ORDER_POST = "POST /stores/*/v3/checkouts/*/orders"


@asynccontextmanager
async def runtime_with(tmp_path: Path, **policy: Any) -> AsyncIterator[Runtime]:
    runtime = create_runtime(sandbox_config(tmp_path, policy=policy))
    try:
        yield runtime
    finally:
        await runtime.aclose()


async def shopper_adds_a_mug(runtime: Runtime, checkout_id: str) -> None:
    """Someone else (the shopper's browser) changes the cart, through the store's own API."""
    sandbox = runtime.sandbox
    assert sandbox is not None
    credentials = sandbox.credentials
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sandbox.app),
        base_url="http://sandbox",
        headers={"X-Auth-Token": credentials.access_token},
    ) as http:
        response = await http.post(
            f"/stores/{credentials.store_hash}/v3/carts/{checkout_id}/items",
            json={"line_items": [{"product_id": MUG, "quantity": 1}]},
        )
    assert response.status_code in (200, 201), response.text


def order_records(runtime: Runtime) -> list[dict[str, Any]]:
    return [r for r in journal(runtime) if r.get("tool") == "create_order" or r["kind"] == "complete"]


@pytest.mark.anyio
async def test_a_checkout_changed_by_the_shopper_while_an_id_was_pending_gets_a_new_preview(
    tmp_path: Path,
) -> None:
    async with runtime_with(tmp_path, mode="confirm") as runtime:
        checkout_id = ready(runtime)
        async with Client(build_server(runtime)) as client:
            first = await client.call_tool("create_order", {"checkout_id": checkout_id})
            issued = confirmation(first)["confirmation_id"]
            await shopper_adds_a_mug(runtime, checkout_id)
            stale = await client.call_tool(
                "create_order", {"checkout_id": checkout_id, "confirmation_id": issued}
            )
            assert stale.is_error and "changed" in text(stale)
            assert orders(runtime) == 2, "no order for what nobody confirmed"
            fresh = confirmation(stale)
            assert fresh["confirmation_id"] != issued
            assert fresh["preview"]["totals"] != confirmation(first)["preview"]["totals"]
            created = await call(
                client, "create_order", checkout_id=checkout_id, confirmation_id=fresh["confirmation_id"]
            )
        assert created["grand_total"] == fresh["preview"]["totals"]["grand_total"]
        assert orders(runtime) == 3


@pytest.mark.anyio
@pytest.mark.parametrize("who", ["shopper", "agent"])
@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_a_checkout_changed_while_the_human_was_deciding_is_not_ordered(
    tmp_path: Path, who: str, mode: str
) -> None:
    """The shopper's browser, or the agent's own parallel update_cart_item, changes the cart mid-question."""
    async with runtime_with(tmp_path, mode="confirm") as runtime:
        checkout_id = ready(runtime)
        asked: list[str] = []

        async with Client(build_server(runtime)) as agent_elsewhere:

            async def human(context: Any, params: Any) -> Any:
                asked.append(params.message)
                if len(asked) == 1:
                    if who == "shopper":
                        await shopper_adds_a_mug(runtime, checkout_id)
                    else:
                        checkout = await call(agent_elsewhere, "get_checkout", checkout_id=checkout_id)
                        item_id = checkout["items"][0].split(": ", 1)[0]
                        await call(
                            agent_elsewhere,
                            "update_cart_item",
                            checkout_id=checkout_id,
                            item_id=item_id,
                            quantity=4,
                        )
                return await answering("accept")(context, params)

            async with Client(build_server(runtime), elicitation_callback=human, mode=mode) as client:
                result = await client.call_tool("create_order", {"checkout_id": checkout_id})
        if mode == "legacy":
            assert orders(runtime) == 2, "the human approved another total: no order"
            assert result.is_error and "changed while the confirmation was pending" in text(result)
            assert confirmation(result)["preview"]["totals"]["grand_total"] != "46.73"
            assert not [r for r in journal(runtime) if r["kind"] == "begin" and r["tool"] == "create_order"]
        else:
            # 2026-07-28: the retry renders the new preview, so the first answer no longer counts and
            # the human is asked again; the order is for what the second answer approved.
            assert len(asked) == 2 and "46.73" in asked[0] and "46.73" not in asked[1]
            assert not result.is_error and orders(runtime) == 3
            assert result.structured_content is not None
            assert result.structured_content["grand_total"] in asked[1]


@pytest.mark.anyio
async def test_a_change_slipped_in_between_check_and_post_yields_a_cancelled_order(tmp_path: Path) -> None:
    async with runtime_with(tmp_path, mode="auto") as runtime:
        assert runtime.sandbox is not None
        checkout_id = ready(runtime)
        runtime.sandbox.faults.add({"match": ORDER_POST, "kind": "hold", "times": 1})
        async with Client(build_server(runtime)) as client, anyio.create_task_group() as group:
            results: list[Any] = []

            async def order() -> None:
                results.append(await client.call_tool("create_order", {"checkout_id": checkout_id}))

            group.start_soon(order)
            await runtime.sandbox.faults.wait_until_held()
            await shopper_adds_a_mug(runtime, checkout_id)
            runtime.sandbox.faults.release_held()
        (result,) = results
        assert result.is_error and "cancelled" in text(result)
        made = max(runtime.sandbox.store.orders.values(), key=lambda o: o.id)
        assert made.status_id == 5, "the order nobody confirmed is cancelled on the store"
        assert str(made.id) in text(result)
        completed = [r for r in journal(runtime) if r["kind"] == "complete"]
        assert completed[-1]["outcome"] == "cancelled"
        assert completed[-1]["result_ids"] == {"order_id": made.id}


@pytest.mark.anyio
async def test_eight_overlapping_create_orders_with_distinct_keys_make_one_order(tmp_path: Path) -> None:
    async with runtime_with(tmp_path, mode="auto") as runtime:
        checkout_id = ready(runtime)
        results: list[dict[str, Any]] = []

        async def order(n: int) -> None:
            async with Client(build_server(runtime)) as client:
                results.append(
                    await call(client, "create_order", checkout_id=checkout_id, idempotency_key=f"k{n}")
                )

        async with anyio.create_task_group() as group:
            for n in range(8):
                group.start_soon(order, n)
        assert orders(runtime) == 3, "one new order"
        assert len({r["order_id"] for r in results}) == 1
        assert sorted(r["how"] for r in results) == ["already_created"] * 7 + ["created"]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("no_billing", "no billing address"),
        ("no_email", "no email"),
        ("no_option", "has no shipping option"),
        ("already_ordered", "already has order"),
        ("out_of_stock", "has 0 in stock, 1 wanted (fix with remove_cart_item)"),
        ("unknown_order", "404"),
        ("finalized_order", "only an incomplete order"),
    ],
)
async def test_a_gated_call_that_would_fail_asks_nobody(tmp_path: Path, case: str, expected: str) -> None:
    async with runtime_with(tmp_path, mode="confirm") as runtime:
        assert runtime.sandbox is not None
        store = runtime.sandbox.store
        human = answering("accept")
        async with Client(build_server(runtime), elicitation_callback=human) as client:
            if case == "out_of_stock":
                store.products[MUG] = store.products[MUG].model_copy(update={"inventory_level": 0})
                tool, arguments = "create_order", {"checkout_id": store.demo_carts["ready"]}
            elif case in ("no_billing", "already_ordered"):
                label = "no_billing" if case == "no_billing" else "ordered"
                tool, arguments = "create_order", {"checkout_id": store.demo_carts[label]}
            elif case in ("no_email", "no_option"):
                address = GUEST if case == "no_option" else {k: v for k, v in GUEST.items() if k != "email"}
                cart = await call(client, "create_cart", items=[{"product_id": MUG, "quantity": 1}])
                await call(client, "add_billing_address", checkout_id=cart["checkout_id"], address=address)
                await call(client, "add_shipping_address", checkout_id=cart["checkout_id"], address=address)
                tool, arguments = "create_order", {"checkout_id": cart["checkout_id"]}
            elif case == "unknown_order":
                tool, arguments = "finalize_order", {"order_id": 99999}
            else:
                finalized = next(o.id for o in store.orders.values() if o.status_id != 0)
                tool, arguments = "finalize_order", {"order_id": finalized}
            before = orders(runtime)
            result = await client.call_tool(tool, arguments)
        assert result.is_error and expected in text(result), text(result)
        assert human.questions == [], "nobody is asked to approve a call that would fail"
        assert result.meta is None or "io.checkout-mcp/confirmation" not in result.meta, "no id minted"
        assert orders(runtime) == before


@pytest.mark.anyio
async def test_the_preview_says_an_existing_order_is_returned_and_nobody_is_asked_for_it(
    tmp_path: Path,
) -> None:
    async with runtime_with(tmp_path, mode="confirm") as runtime:
        human = answering("accept")
        async with Client(build_server(runtime), elicitation_callback=human) as client:
            first = await call(client, "create_order", checkout_id=ready(runtime), idempotency_key="once")
            again = await call(client, "create_order", checkout_id=ready(runtime), idempotency_key="once")
        assert "A new order" in human.questions[0]
        assert len(human.questions) == 1, "returning the order already made needs no confirmation"
        assert again == {**first, "how": "already_created"}


@pytest.mark.anyio
async def test_a_deliberate_duplicate_is_previewed_as_one(tmp_path: Path) -> None:
    async with runtime_with(tmp_path, mode="confirm") as runtime:
        assert runtime.sandbox is not None
        human = answering("accept")
        ordered = runtime.sandbox.store.demo_carts["ordered"]
        async with Client(build_server(runtime), elicitation_callback=human) as client:
            created = await call(client, "create_order", checkout_id=ordered, allow_duplicate=True)
        assert "deliberate SECOND order" in human.questions[0]
        assert created["how"] == "created" and orders(runtime) == 3


@pytest.mark.anyio
@pytest.mark.parametrize("answer", ["yes", 1, "true", None])
async def test_an_answer_that_does_not_match_the_schema_is_a_decline(tmp_path: Path, answer: Any) -> None:
    async with runtime_with(tmp_path, mode="confirm") as runtime:
        async with Client(
            build_server(runtime), elicitation_callback=answering("accept", answer), mode="legacy"
        ) as client:
            result = await client.call_tool("create_order", {"checkout_id": ready(runtime)})
        assert result.is_error and "declined" in text(result)
        assert orders(runtime) == 2
        assert [r["decision"] for r in journal(runtime)] == ["declined"]


@pytest.mark.anyio
async def test_a_lost_answer_and_a_failed_read_back_are_journaled_as_ambiguous_and_settled_next(
    tmp_path: Path,
) -> None:
    async with runtime_with(tmp_path, mode="auto") as runtime:
        assert runtime.sandbox is not None
        checkout_id = ready(runtime)
        seeded = set(runtime.sandbox.store.orders)
        faults = runtime.sandbox.faults
        faults.add({"match": ORDER_POST, "kind": "drop_after", "times": 1})
        faults.add({"match": "GET /stores/*/v2/orders", "kind": "503", "times": 4})
        async with Client(build_server(runtime)) as client:
            lost = await client.call_tool("create_order", {"checkout_id": checkout_id})
            assert lost.is_error and "MAY exist" in text(lost) and "call create_order again" in text(lost)
            assert orders(runtime) == 3, "the store made the order; its answer was lost"
            completed = [r for r in journal(runtime) if r["kind"] == "complete"]
            assert [r["outcome"] for r in completed] == ["ambiguous"], "never journaled as failed"
            settled = await call(client, "create_order", checkout_id=checkout_id)
        made = max(runtime.sandbox.store.orders)
        assert settled["order_id"] == made and settled["how"] == "reconciled"
        assert orders(runtime) == 3, "settling posts nothing"
        records = journal(runtime)
        settlements = [r for r in records if r["kind"] == "settled"]
        assert [(r["outcome"], r["result_ids"]) for r in settlements] == [
            ("succeeded", {"order_id": str(made)})
        ]
        journaled = {str(r["result_ids"].get("order_id")) for r in records if r.get("outcome") == "succeeded"}
        made_here = {str(order_id) for order_id in set(runtime.sandbox.store.orders) - seeded}
        assert made_here == {str(made)} and made_here <= journaled, "every order made is journaled as created"


@pytest.mark.anyio
async def test_store_owner_limits_need_a_human_even_in_auto_mode(tmp_path: Path) -> None:
    async with runtime_with(tmp_path, mode="auto", max_order_total="40.00") as runtime:
        async with Client(build_server(runtime)) as client:  # it cannot ask: -32021 on 2026-07-28
            request = client.call_tool("create_order", {"checkout_id": ready(runtime)})
            refused = await protocol_error(request, MISSING_REQUIRED_CLIENT_CAPABILITY)
        assert "above the store's limit of 40.00" in refused.message
        assert orders(runtime) == 2
        human = answering("accept")
        async with Client(build_server(runtime), elicitation_callback=human) as client:
            created = await call(client, "create_order", checkout_id=ready(runtime))
        assert "Limit: the total 46.73 is above the store's limit of 40.00" in human.questions[0]
        assert created["how"] == "created"


@pytest.mark.anyio
async def test_a_quantity_limit_cannot_be_confirmed_by_id(tmp_path: Path) -> None:
    async with runtime_with(tmp_path, mode="confirm", max_line_quantity=2) as runtime:
        async with Client(build_server(runtime)) as client:
            cart = await call(client, "create_cart", items=[{"product_id": MUG, "quantity": 3}])
            address = GUEST
            await call(client, "add_billing_address", checkout_id=cart["checkout_id"], address=address)
            shipped = await call(
                client, "add_shipping_address", checkout_id=cart["checkout_id"], address=address
            )
            consignment = shipped["consignments"][0]
            options = await call(
                client,
                "list_shipping_options",
                checkout_id=cart["checkout_id"],
                consignment_id=consignment["id"],
            )
            option_id = options["options"][0].split(": ", 1)[0]
            await call(
                client,
                "select_shipping_option",
                checkout_id=cart["checkout_id"],
                consignment_id=consignment["id"],
                option_id=option_id,
            )
            request = client.call_tool("create_order", {"checkout_id": cart["checkout_id"]})
            refused = await protocol_error(request, MISSING_REQUIRED_CLIENT_CAPABILITY)
        assert "a line of 3 is above the store's limit of 2" in refused.message
        assert "confirmation_id" not in refused.message and orders(runtime) == 2


@pytest.mark.anyio
async def test_human_only_tools_ask_a_human_in_auto_mode(tmp_path: Path) -> None:
    async with runtime_with(tmp_path, mode="auto", human_only=["create_checkout_token"]) as runtime:
        human = answering("decline")
        async with Client(build_server(runtime), elicitation_callback=human) as client:
            declined = await client.call_tool("create_checkout_token", {"checkout_id": ready(runtime)})
            other = await call(client, "update_customer_message", checkout_id=ready(runtime), message="hi")
        assert declined.is_error and "declined" in text(declined)
        assert len(human.questions) == 1 and other["checkout_id"] == ready(runtime)
