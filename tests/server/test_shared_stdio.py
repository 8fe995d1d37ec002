"""Two servers, one store, no state configuration: they share confirmation ids and the order ledger.

Two real `checkout-mcp serve` stdio processes, as two IDE windows would run them, configured with
nothing but the live store (the sandbox, on loopback) and the same home folder, each in a working
folder of its own: the shared state and the one audit journal are found in the user's state
directory with no configuration.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp.client.client import Client
from mcp.client.stdio import StdioServerParameters

from checkout_mcp.policy.audit import verify
from checkout_mcp.sandbox import create_sandbox
from checkout_mcp.state.journal_file import FileJournal
from checkout_mcp.state.open import namespace_slug
from tests.common import confirmation, text
from tests.sandbox_server import running_sandbox


def server(base_url: str, store_hash: str, token: str, home: Path, cwd: Path) -> StdioServerParameters:
    """`checkout-mcp serve` on stdio for the live store at `base_url`; HOME is all it shares."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("CHECKOUT_MCP_") and key != "XDG_STATE_HOME"
    }
    cwd.mkdir()
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "checkout_mcp.cli", "serve", "--transport", "stdio"],
        env={
            **environment,
            "HOME": str(home),
            "CHECKOUT_MCP_STORE__KIND": "live",
            "CHECKOUT_MCP_STORE__STORE_HASH": store_hash,
            "CHECKOUT_MCP_STORE__API_URL": base_url,
            "BIGCOMMERCE_ACCESS_TOKEN": token,
        },
        cwd=cwd,
    )


def order_of(result: Any) -> dict[str, Any]:
    assert not result.is_error, text(result)
    structured: dict[str, Any] = result.structured_content
    return structured


@pytest.mark.anyio
async def test_two_servers_share_confirmation_ids_and_the_order_ledger(tmp_path: Path) -> None:
    sandbox = create_sandbox()
    credentials = sandbox.credentials
    checkout_id = sandbox.store.demo_carts["ready"]
    orders_before = len(sandbox.store.orders)
    home = tmp_path / "home"
    with running_sandbox(sandbox) as base_url:
        a = server(base_url, credentials.store_hash, credentials.access_token, home, tmp_path / "a")
        b = server(base_url, credentials.store_hash, credentials.access_token, home, tmp_path / "b")
        async with Client(a) as server_a, Client(b) as server_b:
            # allow_duplicate keeps a second redeem from being harmless once the order exists, so
            # that redeem reaches the confirmation id instead of returning the existing order.
            call = {"checkout_id": checkout_id, "allow_duplicate": True}
            issued = confirmation(await server_a.call_tool("create_order", call))["confirmation_id"]

            made = order_of(await server_b.call_tool("create_order", {**call, "confirmation_id": issued}))
            assert made["how"] == "created"

            for again in (server_a, server_b):
                refused = await again.call_tool("create_order", {**call, "confirmation_id": issued})
                assert refused.is_error and "already been used" in text(refused)

            for retry in (server_a, server_b):
                same = order_of(await retry.call_tool("create_order", {"checkout_id": checkout_id}))
                assert (same["order_id"], same["how"]) == (made["order_id"], "already_created")

    ordered = [order for order in sandbox.store.orders.values() if order.cart_id == checkout_id]
    assert [order.id for order in ordered] == [made["order_id"]]
    assert len(sandbox.store.orders) == orders_before + 1
    shared = home / ".local" / "state" / "checkout-mcp" / namespace_slug(f"live:{credentials.store_hash}")
    assert (shared / "state.sqlite3").is_file()
    chain = verify(FileJournal(shared / "audit.jsonl"))
    assert chain.chain.ok and not chain.unfinished
    records = [json.loads(line) for line in (shared / "audit.jsonl").read_text().splitlines()]
    decisions = [(r["kind"], r.get("decision"), r.get("tool")) for r in records if r["kind"] != "complete"]
    assert decisions == [  # both servers' calls, in the order made, on one chain
        ("decision", "confirmation_required", "create_order"),  # A: the preview and its id
        ("begin", "confirmed_by_id", "create_order"),  # B: the id redeemed
        ("decision", "confirmation_required", "create_order"),  # A: the used id; a fresh preview
        ("decision", "confirmation_required", "create_order"),  # B: the same
        ("begin", "allowed", "create_order"),  # A: the retry returns the order made
        ("begin", "allowed", "create_order"),  # B: the same
    ]
