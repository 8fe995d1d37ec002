"""The real `checkout-mcp serve --transport http` process: a graceful SIGTERM, and its JSON logs.

The server runs against a live store that is the sandbox, served on loopback in this test's own
event loop (the `hold` fault is driven from here), so an order's upstream request can be held
while the process is told to stop.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from checkout_mcp.sandbox import create_sandbox
from tests.sandbox_server import serving_here
from tests.server.process import WAIT, Stderr, message_starts, start_server
from tests.server.serving import bearer, connected

TOKEN = "bearer-token-of-the-shutdown-test"
ORDER_POST = "POST /stores/*/v3/checkouts/*/orders"
LOG_KEYS = {"time", "level", "logger", "message"}


@pytest.mark.anyio
async def test_sigterm_lets_the_order_in_flight_finish_and_journal_then_exits_0(tmp_path: Path) -> None:
    sandbox = create_sandbox()
    checkout_id = sandbox.store.demo_carts["ready"]
    orders_before = len(sandbox.store.orders)
    sandbox.faults.add({"match": ORDER_POST, "kind": "hold", "times": 1})
    stderr = Stderr()
    results: list[Any] = []
    request_ids: list[str] = []
    async with serving_here(sandbox.app) as store_url:
        process = await start_server(
            tmp_path,
            {
                "CHECKOUT_MCP_STORE__KIND": "live",
                "CHECKOUT_MCP_STORE__STORE_HASH": sandbox.credentials.store_hash,
                "CHECKOUT_MCP_STORE__API_URL": store_url,
                "CHECKOUT_MCP_STORE__ACCESS_TOKEN_ENV": "SHUTDOWN_TEST_STORE_TOKEN",
                "SHUTDOWN_TEST_STORE_TOKEN": sandbox.credentials.access_token,
                "CHECKOUT_MCP_POLICY__MODE": "auto",
                "CHECKOUT_MCP_POLICY__ALLOW_AUTO_ON_LIVE_STORE": "true",
                "CHECKOUT_MCP_SERVER__AUTH_TOKEN_ENV": "SHUTDOWN_TEST_BEARER",
                "SHUTDOWN_TEST_BEARER": TOKEN,
                "CHECKOUT_MCP_SERVER__LOG_FORMAT": "json",
                "CHECKOUT_MCP_SERVER__SHUTDOWN_GRACE_SECONDS": str(WAIT),
            },
        )
        try:
            async with anyio.create_task_group() as group:
                assert process.stderr is not None
                group.start_soon(stderr.pump, process.stderr)
                listening = await stderr.until(message_starts("MCP over streamable HTTP at "))
                url = listening["message"].rsplit(" ", 1)[-1]
                async with (
                    connected(url, headers=bearer(TOKEN), request_ids=request_ids) as client,
                    anyio.create_task_group() as calls,
                ):
                    await client.list_tools()  # else the client lists them to check the result, too late

                    async def order() -> None:
                        results.append(await client.call_tool("create_order", {"checkout_id": checkout_id}))

                    calls.start_soon(order)
                    await sandbox.faults.wait_until_held()
                    process.send_signal(signal.SIGTERM)
                    await stderr.until(message_starts("SIGTERM: stopped accepting connections"))
                    async with httpx.AsyncClient() as late:
                        with pytest.raises(httpx.ConnectError):
                            await late.post(url, json={"jsonrpc": "2.0", "id": 9, "method": "ping"})
                    assert process.returncode is None, "the call in flight holds the process up"
                    sandbox.faults.release_held()
                with anyio.fail_after(WAIT):
                    code = await process.wait()
        finally:
            sandbox.faults.release_held()
            if process.returncode is None:
                process.kill()
                await process.wait()

    (result,) = results
    assert not result.is_error, result.content
    assert result.structured_content is not None and result.structured_content["order_id"]
    assert len(sandbox.store.orders) == orders_before + 1
    assert code == 0
    records = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    (begin,) = [r for r in records if r["kind"] == "begin" and r["tool"] == "create_order"]
    (complete,) = [r for r in records if r["kind"] == "complete" and r["ref"] == begin["seq"]]
    assert complete["outcome"] == "succeeded" and complete["principal"] == begin["principal"] == "default"
    assert complete["result_ids"]["order_id"] == result.structured_content["order_id"]

    assert all(line.keys() >= LOG_KEYS for line in stderr.lines)
    assert not [raw for raw in stderr.raw if TOKEN in raw or sandbox.credentials.access_token in raw]
    logged_ids = {line["request_id"] for line in stderr.lines if "request_id" in line}
    assert request_ids and set(request_ids) <= logged_ids, "each response's X-Request-Id is in the logs"
