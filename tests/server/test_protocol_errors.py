"""Protocol errors as the MCP spec words them, on 2026-07-28 (auto) and 2025-11-25 (legacy).

Unknown tools and prompts, missing prompt arguments and resources that do not exist are -32602;
on 2026-07-28 a call only a human may confirm, from a client without elicitation, is -32021 with
HTTP 400 (the conformance suite cannot reach that: its probe is a tool of its reference server).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp.client.client import Client
from mcp.types import INVALID_PARAMS, MISSING_REQUIRED_CLIENT_CAPABILITY

from checkout_mcp.server.build import build_server, create_runtime
from checkout_mcp.server.http import http_app
from tests.common import journal, orders, protocol_error, ready
from tests.sandbox_server import running_app
from tests.tools.conftest import sandbox_config

MODERN = "2026-07-28"
UNKNOWN_CHECKOUT = "6a0c6b1c-3c51-4c8c-9c1a-000000000000"


@pytest.fixture(params=["auto", "legacy"])
async def client(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Client]:
    runtime = create_runtime(sandbox_config(tmp_path))
    try:
        async with Client(build_server(runtime), mode=request.param) as connected:
            yield connected
    finally:
        await runtime.aclose()


async def invalid_params(request: Awaitable[Any]) -> str:
    """The message of the -32602 error the request must end in."""
    return (await protocol_error(request, INVALID_PARAMS)).message


@pytest.mark.anyio
async def test_an_unknown_tool_is_invalid_params_not_a_tool_result(client: Client) -> None:
    message = await invalid_params(client.call_tool("create_ordr", {}))
    assert "Unknown tool: create_ordr" in message and "tools/list" in message


@pytest.mark.anyio
async def test_an_unknown_prompt_or_missing_arguments_are_invalid_params(client: Client) -> None:
    assert "prompts/list" in await invalid_params(client.get_prompt("checkout"))
    missing = await invalid_params(client.get_prompt("guest_checkout", {"products": "1 mug"}))
    assert "missing: address, email" in missing


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("uri", "said"),
    [
        ("checkout://not-a-uuid", "is not a checkout id"),
        (f"checkout://{UNKNOWN_CHECKOUT}", "404"),
        ("order://999999", "404"),
    ],
)
async def test_a_resource_that_does_not_exist_is_invalid_params(client: Client, uri: str, said: str) -> None:
    assert said in await invalid_params(client.read_resource(uri))


def modern_call(name: str, arguments: dict[str, Any], capabilities: dict[str, Any]) -> dict[str, Any]:
    """A 2026-07-28 tools/call: the per-request envelope in `_meta`, no session."""
    meta = {
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientInfo": {"name": "raw-http", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": capabilities,
    }
    params = {"name": name, "arguments": arguments, "_meta": meta}
    return {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": params}


def post(url: str, body: dict[str, Any]) -> httpx.Response:
    headers = {
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": MODERN,
        "Mcp-Method": body["method"],
        "Mcp-Name": body["params"]["name"],
    }
    return httpx.post(url, json=body, headers=headers, timeout=30)


@pytest.mark.anyio
async def test_human_only_call_without_elicitation_is_32021_with_http_400(tmp_path: Path) -> None:
    config = sandbox_config(tmp_path, policy={"mode": "confirm", "confirmation": "human"})
    runtime = create_runtime(config)
    try:
        with running_app(http_app(build_server(runtime), config.server)) as base_url:
            url = f"{base_url}{config.server.path}"
            refused = post(url, modern_call("create_order", {"checkout_id": ready(runtime)}, {}))
            unknown = post(url, modern_call("create_ordr", {}, {}))
    finally:
        await runtime.aclose()
    assert refused.status_code == 400, refused.text
    error = refused.json()["error"]
    assert error["code"] == MISSING_REQUIRED_CLIENT_CAPABILITY and "only a human" in error["message"]
    assert error["data"] == {"requiredCapabilities": {"elicitation": {"form": {}}}}
    assert refused.json()["id"] == 7
    assert orders(runtime) == 2, "nothing was ordered"
    assert [record["decision"] for record in journal(runtime)] == ["blocked"]
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == INVALID_PARAMS
