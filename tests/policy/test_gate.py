"""The policy gate, end to end through the MCP Client on the sandbox: modes, confirmation, journal."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from mcp.client.client import Client
from mcp.types import INVALID_PARAMS, MISSING_REQUIRED_CLIENT_CAPABILITY

from checkout_mcp.clock import Clock
from checkout_mcp.config import load_config
from checkout_mcp.policy.effects import Effect
from checkout_mcp.policy.modes import PolicyConfigError
from checkout_mcp.sandbox import seed
from checkout_mcp.server.build import Runtime, build_server, create_runtime
from checkout_mcp.tools import catalogue
from tests.common import answering, confirmation, journal, orders, protocol_error, ready, text
from tests.tools.conftest import call, sandbox_config

SEEDED_ORDERS = 2  # the demo store's "ordered" and "finalized" carts
CONFIRMED_TOOLS = [spec.name for spec in catalogue() if spec.effect.needs_confirmation]


@pytest.fixture
async def confirm_runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    runtime = create_runtime(sandbox_config(tmp_path, policy={"mode": "confirm"}))
    try:
        yield runtime
    finally:
        await runtime.aclose()


def edit(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text().replace(old, new))


@pytest.mark.anyio
async def test_read_only_mode_hides_and_refuses_every_non_read_tool(tmp_path: Path) -> None:
    runtime = create_runtime(sandbox_config(tmp_path, policy={"mode": "read-only"}))
    try:
        async with Client(build_server(runtime)) as client:
            listed = {tool.name for tool in (await client.list_tools()).tools}
            assert listed == {spec.name for spec in catalogue() if spec.effect is Effect.READ}
            before = orders(runtime)
            for spec in catalogue():
                if spec.effect is not Effect.READ:  # not offered, so unknown: a protocol error
                    request = client.call_tool(spec.name, {"checkout_id": ready(runtime)})
                    assert "Unknown tool" in (await protocol_error(request, INVALID_PARAMS)).message
            assert orders(runtime) == before
            await call(client, "get_checkout", checkout_id=ready(runtime))
    finally:
        await runtime.aclose()


@pytest.mark.anyio
async def test_overrides_make_tools_stricter(tmp_path: Path) -> None:
    policy = {"mode": "confirm", "overrides": {"finalize_order": "disabled", "apply_coupon": "confirm"}}
    runtime = create_runtime(sandbox_config(tmp_path, policy=policy))
    try:
        async with Client(build_server(runtime)) as client:
            listed = {tool.name for tool in (await client.list_tools()).tools}
            assert "finalize_order" not in listed
            result = await client.call_tool(
                "apply_coupon", {"checkout_id": ready(runtime), "code": seed.COUPON_FIXED}
            )
            assert result.is_error and "needs confirmation" in text(result)
    finally:
        await runtime.aclose()


@pytest.mark.anyio
@pytest.mark.parametrize("tool", CONFIRMED_TOOLS)
async def test_each_destructive_and_irreversible_tool_is_blocked_without_confirmation(
    confirm_runtime: Runtime, tool: str
) -> None:
    assert confirm_runtime.sandbox is not None
    checkout_id = ready(confirm_runtime)
    checkout = confirm_runtime.sandbox.store.carts[checkout_id]
    arguments = {
        "create_checkout_token": {"checkout_id": checkout_id},
        "create_order": {"checkout_id": checkout_id},
        "remove_cart_item": {"checkout_id": checkout_id, "item_id": checkout.line_items[0].id},
        "remove_coupon": {
            "checkout_id": confirm_runtime.sandbox.store.demo_carts["with_coupon"],
            "code": "SAVE10",
        },
        "remove_gift_certificate": {"checkout_id": checkout_id, "code": seed.GIFT_CERTIFICATE_50},
        "finalize_order": {"order_id": min(confirm_runtime.sandbox.store.orders)},
    }[tool]
    async with Client(build_server(confirm_runtime)) as client:
        if tool == "remove_gift_certificate":
            await call(
                client, "apply_gift_certificate", checkout_id=checkout_id, code=seed.GIFT_CERTIFICATE_50
            )
        before = confirm_runtime.sandbox.export()
        result = await client.call_tool(tool, arguments)
    assert result.is_error
    assert "needs confirmation" in text(result) and "confirmation_id=" in text(result)
    assert result.structured_content is None, "an error result carries no structured content"
    assert confirmation(result)["status"] == "confirmation_required"
    assert confirm_runtime.sandbox.export() == before, "nothing may change before confirmation"


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_elicitation_accept_runs_exactly_once(confirm_runtime: Runtime, mode: str) -> None:
    before = orders(confirm_runtime)
    human = answering("accept")
    async with Client(build_server(confirm_runtime), elicitation_callback=human, mode=mode) as client:
        created = await call(client, "create_order", checkout_id=ready(confirm_runtime))
    assert orders(confirm_runtime) == before + 1
    assert len(human.questions) == 1
    assert "46.73 USD" in human.questions[0], "the question previews the total"
    assert created["how"] == "created"
    decisions = [r["decision"] for r in journal(confirm_runtime) if r.get("tool") == "create_order"]
    assert decisions == ["confirmed_by_human"]


@pytest.mark.anyio
@pytest.mark.parametrize(("action", "confirm"), [("decline", True), ("cancel", True), ("accept", False)])
async def test_elicitation_decline_and_cancel_run_nothing(
    confirm_runtime: Runtime, action: str, confirm: bool
) -> None:
    before = orders(confirm_runtime)
    async with Client(
        build_server(confirm_runtime), elicitation_callback=answering(action, confirm)
    ) as client:
        result = await client.call_tool("create_order", {"checkout_id": ready(confirm_runtime)})
    assert result.is_error and "Nothing was done" in text(result)
    assert orders(confirm_runtime) == before
    assert [r["decision"] for r in journal(confirm_runtime)] == ["declined"]


async def confirmation_id(client: Client, tool: str, arguments: dict[str, Any]) -> str:
    required = await client.call_tool(tool, arguments)
    assert required.is_error
    return confirmation(required)["confirmation_id"]


@pytest.mark.anyio
async def test_confirmation_id_works_once(confirm_runtime: Runtime) -> None:
    arguments = {"checkout_id": ready(confirm_runtime)}
    before = orders(confirm_runtime)
    async with Client(build_server(confirm_runtime)) as client:
        issued = await confirmation_id(client, "create_order", arguments)
        created = await call(client, "create_order", **arguments, confirmation_id=issued)
        token = await confirmation_id(client, "create_checkout_token", arguments)
        await call(client, "create_checkout_token", **arguments, confirmation_id=token)
        reused = await client.call_tool("create_checkout_token", {**arguments, "confirmation_id": token})
        again = await call(client, "create_order", **arguments, confirmation_id=issued)
    assert created["order_id"]
    assert reused.is_error and "refused confirmation" in text(reused) and "already been used" in text(reused)
    assert again["how"] == "already_created" and again["order_id"] == created["order_id"]
    assert orders(confirm_runtime) == before + 1


@pytest.mark.anyio
async def test_confirmation_id_expires_on_the_servers_clock_shown_as_real_time(tmp_path: Path) -> None:
    start = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)
    server_clock = Clock(start, frozen=True)
    runtime = create_runtime(sandbox_config(tmp_path, policy={"mode": "confirm"}), server_clock=server_clock)
    arguments = {"checkout_id": ready(runtime)}
    try:
        async with Client(build_server(runtime)) as client:
            required = await client.call_tool("create_order", arguments)
            assert confirmation(required)["expires_at"] == "2030-05-01T12:05:00+00:00"
            assert "expires 2030-05-01T12:05:00+00:00" in text(required)
            assert runtime.sandbox is not None
            runtime.sandbox.clock.advance(3600)  # the store's clock does not count
            issued = confirmation(required)["confirmation_id"]
            on_time = await client.call_tool("create_order", {**arguments, "confirmation_id": issued})
            assert not on_time.is_error, text(on_time)
            token = await confirmation_id(client, "create_checkout_token", arguments)
            server_clock.advance(301)
            late = await client.call_tool("create_checkout_token", {**arguments, "confirmation_id": token})
        assert late.is_error and "expired" in text(late)
        assert orders(runtime) == SEEDED_ORDERS + 1
    finally:
        await runtime.aclose()


@pytest.mark.anyio
async def test_confirmation_id_refused_for_other_arguments_tool_or_store(
    confirm_runtime: Runtime, tmp_path: Path
) -> None:
    checkout_id = ready(confirm_runtime)
    async with Client(build_server(confirm_runtime)) as client:
        issued = await confirmation_id(
            client, "create_checkout_token", {"checkout_id": checkout_id, "max_uses": 1}
        )
        changed = await client.call_tool(
            "create_checkout_token", {"checkout_id": checkout_id, "max_uses": 5, "confirmation_id": issued}
        )
        assert changed.is_error and "max_uses" in text(changed)
        issued = await confirmation_id(client, "create_checkout_token", {"checkout_id": checkout_id})
        other_tool = await client.call_tool(
            "create_order", {"checkout_id": checkout_id, "confirmation_id": issued}
        )
        assert other_tool.is_error and "refused confirmation" in text(other_tool)
        issued = await confirmation_id(client, "create_order", {"checkout_id": checkout_id})
    other = create_runtime(
        sandbox_config(tmp_path / "other", policy={"mode": "confirm"}, sandbox={"seed": 2})
    )
    try:
        async with Client(build_server(other)) as client:
            elsewhere = await client.call_tool(
                "create_order", {"checkout_id": checkout_id, "confirmation_id": issued}
            )
        assert elsewhere.is_error, "an id from one store confirms nothing in another"
        assert orders(other) == SEEDED_ORDERS
    finally:
        await other.aclose()
    assert orders(confirm_runtime) == SEEDED_ORDERS


@pytest.mark.anyio
async def test_confirmation_id_refused_after_the_checkout_changed(confirm_runtime: Runtime) -> None:
    checkout_id = ready(confirm_runtime)
    async with Client(build_server(confirm_runtime)) as client:
        issued = await confirmation_id(client, "create_order", {"checkout_id": checkout_id})
        await call(client, "apply_coupon", checkout_id=checkout_id, code=seed.COUPON_FIXED)
        stale = await client.call_tool(
            "create_order", {"checkout_id": checkout_id, "confirmation_id": issued}
        )
        assert stale.is_error and "changed" in text(stale)
        assert confirmation(stale)["confirmation_id"] != issued
        fresh = confirmation(stale)["confirmation_id"]
        created = await call(client, "create_order", checkout_id=checkout_id, confirmation_id=fresh)
    assert created["how"] == "created"
    assert orders(confirm_runtime) == SEEDED_ORDERS + 1


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_human_only_confirmation_refuses_clients_that_cannot_elicit(tmp_path: Path, mode: str) -> None:
    """2026-07-28 (auto) says so with -32021 naming the capability; 2025-11-25 with an error result."""
    runtime = create_runtime(sandbox_config(tmp_path, policy={"mode": "confirm", "confirmation": "human"}))
    try:
        async with Client(build_server(runtime), mode=mode) as client:
            tools = {tool.name: tool for tool in (await client.list_tools()).tools}
            assert "confirmation_id" not in tools["create_order"].input_schema["properties"]
            if mode == "auto":
                request = client.call_tool("create_order", {"checkout_id": ready(runtime)})
                error = await protocol_error(request, MISSING_REQUIRED_CLIENT_CAPABILITY)
                assert "cannot ask" in error.message
                assert error.data == {"requiredCapabilities": {"elicitation": {"form": {}}}}
            else:
                refused = await client.call_tool("create_order", {"checkout_id": ready(runtime)})
                assert refused.is_error and "cannot ask" in text(refused)
        assert orders(runtime) == SEEDED_ORDERS
        assert [r["decision"] for r in journal(runtime)] == ["blocked"]
        async with Client(build_server(runtime), elicitation_callback=answering("accept")) as client:
            await call(client, "create_order", checkout_id=ready(runtime))
        assert orders(runtime) == SEEDED_ORDERS + 1
    finally:
        await runtime.aclose()


def test_auto_mode_is_refused_on_a_live_store_without_the_explicit_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BIGCOMMERCE_ACCESS_TOKEN", "live-token-never-used")
    store = {"kind": "live", "store_hash": "abc123"}
    policy = {"mode": "auto", "journal": str(tmp_path / "audit.jsonl")}
    with pytest.raises(PolicyConfigError, match="allow_auto_on_live_store"):
        create_runtime(load_config(None, store=store, policy=policy))


@pytest.mark.anyio
async def test_dropped_create_order_and_an_agent_retry_yield_exactly_one_order(
    confirm_runtime: Runtime,
) -> None:
    assert confirm_runtime.sandbox is not None
    checkout_id = ready(confirm_runtime)
    match = "POST /stores/*/v3/checkouts/*/orders"
    confirm_runtime.sandbox.faults.add({"match": match, "kind": "drop_after", "times": 1})
    async with Client(build_server(confirm_runtime), elicitation_callback=answering("accept")) as client:
        first = await call(client, "create_order", checkout_id=checkout_id)
        retry = await call(client, "create_order", checkout_id=checkout_id)
    assert first["how"] == "reconciled"
    assert retry["how"] == "already_created" and retry["order_id"] == first["order_id"]
    assert orders(confirm_runtime) == SEEDED_ORDERS + 1
    completed = [r for r in journal(confirm_runtime) if r["kind"] == "complete"]
    assert [r["outcome"] for r in completed] == ["succeeded", "succeeded"]
    assert {r["result_ids"]["order_id"] for r in completed} == {first["order_id"]}


@pytest.mark.anyio
async def test_same_idempotency_key_returns_the_order_already_created(confirm_runtime: Runtime) -> None:
    arguments = {"checkout_id": ready(confirm_runtime), "idempotency_key": "agent-run-7"}
    async with Client(build_server(confirm_runtime), elicitation_callback=answering("accept")) as client:
        first = await call(client, "create_order", **arguments)
        second = await call(client, "create_order", **arguments)
    assert second["order_id"] == first["order_id"]
    assert second["how"] == "already_created"
    assert orders(confirm_runtime) == SEEDED_ORDERS + 1


@pytest.mark.anyio
async def test_journal_records_every_decision_and_never_a_secret(confirm_runtime: Runtime) -> None:
    assert confirm_runtime.sandbox is not None
    checkout_id = ready(confirm_runtime)
    tokens = []
    async with Client(build_server(confirm_runtime), elicitation_callback=answering("accept")) as client:
        await call(client, "update_customer_message", checkout_id=checkout_id, message="Gift wrap, please")
        await call(client, "create_order", checkout_id=checkout_id)
        for _ in range(2):
            minted = await call(client, "create_checkout_token", checkout_id=checkout_id, max_uses=2)
            tokens.append(minted["checkout_token"])
    async with Client(build_server(confirm_runtime)) as client:
        with_coupon = confirm_runtime.sandbox.store.demo_carts["with_coupon"]
        await client.call_tool("remove_coupon", {"checkout_id": with_coupon, "code": "SAVE10"})
    records = journal(confirm_runtime)
    decisions = [(r.get("tool"), r.get("decision")) for r in records if r["kind"] != "complete"]
    assert decisions == [
        ("update_customer_message", "allowed"),
        ("create_order", "confirmed_by_human"),
        ("create_checkout_token", "confirmed_by_human"),
        ("create_checkout_token", "confirmed_by_human"),
        ("remove_coupon", "confirmation_required"),
    ]
    raw = "\n".join(json.dumps(record) for record in journal(confirm_runtime))
    secrets = [confirm_runtime.sandbox.credentials.access_token, *tokens]
    assert all(secret not in raw for secret in secrets)
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))


@pytest.mark.anyio
async def test_audit_verify_detects_an_edited_record(confirm_runtime: Runtime) -> None:
    async with Client(build_server(confirm_runtime)) as client:
        await call(
            client, "update_customer_message", checkout_id=ready(confirm_runtime), message="Leave at door"
        )
    await confirm_runtime.aclose()
    path = Path(confirm_runtime.config.policy.journal)

    def audit(action: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "checkout_mcp.cli", "audit", action, "--journal", str(path)]
        return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)

    assert audit("verify").returncode == 0
    assert "update_customer_message" in audit("tail").stdout
    edit(path, "Leave at door", "Leave at gate")
    edited = audit("verify")
    assert edited.returncode == 1
    assert "line 1" in edited.stdout + edited.stderr
