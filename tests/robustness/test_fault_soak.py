"""A fault soak: many concurrent guest checkouts through the MCP server while the store misbehaves.

The sandbox answers 429s and 503s, drops connections before and after acting, answers only after
the client's timeout has passed (`late`: the store acted, the client never heard), and cuts bodies
short, at random (seeded). Each checkout is driven like an agent would: a step that fails is tried
again, and create_order is repeated with its idempotency key until it gives an answer. Then the
faults stop and every checkout is asked once more. Every checkout must end with exactly one order,
and the journal must agree with the store exactly: every order the store made is journaled as
created, and nothing is journaled as created that the store lacks.

`make test` runs 24 checkouts; `CHECKOUT_MCP_SOAK_CHECKOUTS=200` (`make soak`) the long run.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp.client.client import Client

from checkout_mcp.sandbox import seed
from checkout_mcp.server.build import build_server, create_runtime
from tests.common import journal, text
from tests.tools.conftest import sandbox_config

CHECKOUTS = int(os.environ.get("CHECKOUT_MCP_SOAK_CHECKOUTS", "24"))
TRIES = 12
API = r"re:[A-Z]+ /(stores|api)/.*"
FAULTS = [
    {"match": API, "kind": kind, "probability": probability}
    for kind, probability in (
        ("429", 0.05),
        ("503", 0.05),
        ("drop_before", 0.04),
        ("drop_after", 0.04),
        ("late", 0.04),
        ("malformed", 0.03),
    )
]
ADDRESS = seed.DEMO_ADDRESS.model_dump(mode="json", exclude_defaults=True)


async def attempt(client: Client, tool: str, **arguments: Any) -> dict[str, Any] | None:
    """The structured result, or None when the call failed (the failure must say why)."""
    result = await client.call_tool(tool, arguments)
    if result.is_error:
        assert text(result).strip() and text(result).strip() != f"Error executing tool {tool}", text(result)
        return None
    return result.structured_content


async def persist(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    for _ in range(TRIES):
        done = await attempt(client, tool, **arguments)
        if done is not None:
            return done
    raise AssertionError(f"{tool} never succeeded")


async def guest_checkout(client: Client, n: int, carts: dict[int, str]) -> None:
    cart = await persist(client, "create_cart", items=[{"product_id": seed.PRODUCT_MUG, "quantity": 1}])
    checkout_id = cart["checkout_id"]
    carts[n] = checkout_id
    await persist(client, "add_billing_address", checkout_id=checkout_id, address=ADDRESS)
    shipped: dict[str, Any] = {}
    for _ in range(TRIES):
        shipped = await persist(client, "get_checkout", checkout_id=checkout_id, shipping_options=True)
        if shipped["consignments"]:
            break
        await attempt(client, "add_shipping_address", checkout_id=checkout_id, address=ADDRESS)
    consignment = shipped["consignments"][0]
    if consignment.get("selected") is None:
        option_id = consignment["options"][0].split(": ", 1)[0]
        await persist(
            client,
            "select_shipping_option",
            checkout_id=checkout_id,
            consignment_id=consignment["id"],
            option_id=option_id,
        )
    for _ in range(TRIES):
        if await attempt(client, "create_order", checkout_id=checkout_id, idempotency_key=f"soak-{n}"):
            return


@pytest.mark.anyio
async def test_concurrent_checkouts_under_faults_make_one_order_each_and_the_journal_agrees(
    tmp_path: Path,
) -> None:
    runtime = create_runtime(sandbox_config(tmp_path))
    assert runtime.sandbox is not None
    sandbox = runtime.sandbox
    seeded = set(sandbox.store.orders)
    carts: dict[int, str] = {}
    try:
        async with Client(build_server(runtime)) as client:
            sandbox.faults.replace(FAULTS)
            async with anyio.create_task_group() as group:
                for n in range(CHECKOUTS):
                    group.start_soon(guest_checkout, client, n, carts)
            fired = {rule["kind"]: rule["fired"] for rule in sandbox.faults.active()}
            sandbox.faults.clear()
            for n, checkout_id in carts.items():  # the agents come back once the store is well
                await persist(client, "create_order", checkout_id=checkout_id, idempotency_key=f"soak-{n}")
    finally:
        await runtime.aclose()
    assert all(fired.values()) and sum(fired.values()) > CHECKOUTS, f"the store really misbehaved: {fired}"
    made = {order_id: order for order_id, order in sandbox.store.orders.items() if order_id not in seeded}
    per_cart = sorted(order.cart_id for order in made.values())
    assert per_cart == sorted(carts.values()), "exactly one order per checkout"
    records = journal(runtime)
    created = {
        str(r["result_ids"]["order_id"])
        for r in records
        if r["kind"] in ("complete", "settled")
        and r.get("outcome") == "succeeded"
        and r["result_ids"].get("order_id")
    }
    assert created == {str(order_id) for order_id in made}, "the journal and the store agree"
