"""The MCP server over real streamable HTTP on loopback, driven by the SDK's own client."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp.client.client import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.server.mcpserver import MCPServer

from checkout_mcp.cli import connect_command
from checkout_mcp.config import ConfigError, load_config
from checkout_mcp.server.build import Runtime, build_server, create_runtime
from checkout_mcp.server.health import readiness_of
from checkout_mcp.server.http import allowed_hosts, http_app
from tests.common import confirmation, text
from tests.sandbox_server import running_app

TOKEN_ENV = "CHECKOUT_MCP_TEST_HTTP_TOKEN"
TOKEN = "s3cret-bearer-token"
PING = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
LIST_TOOLS = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}
CLIENT_MODES = ["auto", "legacy"]  # 2026-07-28 (sessionless) and the 2025-11-25 handshake (sessions)
MCP_ACCEPT = {"Accept": "application/json, text/event-stream"}


@asynccontextmanager
async def serving(
    folder: Path, policy_mode: str = "auto", **server: Any
) -> AsyncIterator[tuple[Runtime, str]]:
    """The sandbox MCP server over HTTP, journal in `folder`; yields the runtime and the endpoint URL."""
    config = load_config(
        None,
        policy={"mode": policy_mode, "journal": str(folder / "audit.jsonl")},
        sandbox={"frozen_clock": True},
        server={"transport": "http", "auth_token_env": TOKEN_ENV, **server},
    )
    runtime = create_runtime(config)
    try:
        app = http_app(
            build_server(runtime),
            config.server,
            readiness_of(runtime.store, runtime.gate.journal, runtime.state),
        )
        with running_app(app) as base_url:
            yield runtime, f"{base_url}{config.server.path}"
    finally:
        await runtime.aclose()


@asynccontextmanager
async def connected(
    url: str, *, mode: str = "auto", headers: dict[str, str] | None = None, sessions: list[str] | None = None
) -> AsyncIterator[Client]:
    """The SDK's client over streamable HTTP, with extra headers; records issued session ids."""

    async def record_session(response: httpx2.Response) -> None:
        if sessions is not None and "mcp-session-id" in response.headers:
            sessions.append(response.headers["mcp-session-id"])

    async with (
        httpx2.AsyncClient(headers=headers, event_hooks={"response": [record_session]}) as http,
        Client(streamable_http_client(url, http_client=http), mode=mode) as client,
    ):
        yield client


async def read_checkout(client: Client, runtime: Runtime) -> None:
    """Lists the tools and reads the seeded ready cart's checkout."""
    assert runtime.sandbox is not None
    cart_id = runtime.sandbox.store.demo_carts["ready"]
    names = {tool.name for tool in (await client.list_tools()).tools}
    assert {"get_checkout", "create_order"} <= names
    result = await client.call_tool("get_checkout", {"checkout_id": cart_id})
    assert not result.is_error, result.content
    assert result.structured_content is not None
    assert cart_id in json.dumps(result.structured_content)


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    return TOKEN


@pytest.fixture
def no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)


@pytest.mark.anyio
@pytest.mark.parametrize("mode", CLIENT_MODES)
async def test_token_required_and_accepted(tmp_path: Path, token: str, mode: str) -> None:
    async with serving(tmp_path) as (runtime, url), httpx.AsyncClient() as http:
        wrong = "Bearer guessed-token-value"
        for headers in ({}, {"Authorization": wrong}, {"Authorization": f"Basic {token}"}):
            refused = await http.post(url, json=PING, headers={**MCP_ACCEPT, **headers})
            assert refused.status_code == 401
            assert refused.headers["www-authenticate"] == "Bearer"
            assert "guessed-token-value" not in refused.text and token not in refused.text
        any_case = await http.post(url, json=PING, headers={**MCP_ACCEPT, "Authorization": f"bearer {token}"})
        assert any_case.status_code != 401
        async with connected(url, mode=mode, headers={"Authorization": f"Bearer {token}"}) as client:
            await read_checkout(client, runtime)


@pytest.mark.anyio
async def test_foreign_host_and_origin_refused(tmp_path: Path, no_token: None) -> None:
    async with (
        serving(tmp_path, stateless=True, allowed_hosts=["mcp.example.com"]) as (_, url),
        httpx.AsyncClient() as http,
    ):
        proxied = {**MCP_ACCEPT, "Host": "mcp.example.com", "Origin": "https://mcp.example.com"}
        assert (await http.post(url, json=PING, headers=proxied)).status_code == 200
        rebound = await http.post(url, json=PING, headers={**MCP_ACCEPT, "Host": "evil.example"})
        assert rebound.status_code == 421
        cross_site = await http.post(url, json=PING, headers={**MCP_ACCEPT, "Origin": "http://evil.example"})
        assert cross_site.status_code == 403


@pytest.mark.anyio
async def test_stateless_clients_need_no_session(tmp_path: Path, no_token: None) -> None:
    async with serving(tmp_path, stateless=True) as (runtime, url):
        sessions: list[str] = []
        for mode in CLIENT_MODES:
            async with connected(url, mode=mode, sessions=sessions) as client:
                await read_checkout(client, runtime)
        async with httpx.AsyncClient() as http:
            answered = await http.post(url, json=LIST_TOOLS, headers=MCP_ACCEPT)
        assert sessions == []
        assert answered.status_code == 200 and "get_checkout" in answered.text
        assert "mcp-session-id" not in answered.headers


@pytest.mark.anyio
async def test_stateful_handshake_clients_hold_a_session(tmp_path: Path, no_token: None) -> None:
    async with serving(tmp_path) as (runtime, url):
        sessions: list[str] = []
        async with connected(url, mode="legacy", sessions=sessions) as client:
            await read_checkout(client, runtime)
        async with httpx.AsyncClient() as http:
            refused = await http.post(url, json=LIST_TOOLS, headers=MCP_ACCEPT)
        assert sessions and len(set(sessions)) == 1
        assert refused.status_code == 400 and "session" in refused.text.lower()


@pytest.mark.anyio
@pytest.mark.parametrize("mode", CLIENT_MODES)
async def test_loopback_without_token_needs_no_auth(tmp_path: Path, no_token: None, mode: str) -> None:
    async with serving(tmp_path) as (runtime, url), connected(url, mode=mode) as client:
        await read_checkout(client, runtime)


def test_non_loopback_without_token_is_refused(no_token: None) -> None:
    config = load_config(None, server={"host": "0.0.0.0", "auth_token_env": TOKEN_ENV})
    with pytest.raises(ConfigError, match=TOKEN_ENV):
        http_app(MCPServer(name="unserved"), config.server)


def test_allowed_hosts_bracket_ipv6_and_keep_configured_names() -> None:
    config = load_config(None, server={"host": "::", "port": 9000, "allowed_hosts": ["mcp.example.com"]})
    hosts = allowed_hosts(config.server)
    assert "[::]:9000" in hosts and "mcp.example.com" in hosts and "127.0.0.1:*" in hosts


@pytest.mark.anyio
async def test_a_confirmation_id_is_redeemable_only_by_the_session_it_was_issued_to(
    tmp_path: Path, token: str
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with serving(tmp_path, policy_mode="confirm") as (runtime, url):
        assert runtime.sandbox is not None
        arguments = {"checkout_id": runtime.sandbox.store.demo_carts["ready"]}
        async with (
            connected(url, mode="legacy", headers=headers) as issuer,
            connected(url, mode="legacy", headers=headers) as other,
        ):
            required = await issuer.call_tool("create_order", arguments)
            issued = confirmation(required)["confirmation_id"]
            stolen = await other.call_tool("create_order", {**arguments, "confirmation_id": issued})
            assert stolen.is_error and "issued to another session" in text(stolen)
            assert len(runtime.sandbox.store.orders) == 2
            required = await issuer.call_tool("create_order", arguments)
            mine = await issuer.call_tool(
                "create_order", {**arguments, "confirmation_id": confirmation(required)["confirmation_id"]}
            )
        assert not mine.is_error, text(mine)
        assert len(runtime.sandbox.store.orders) == 3


@pytest.mark.anyio
async def test_health_needs_no_token_and_readiness_follows_the_store(tmp_path: Path, token: str) -> None:
    async with serving(tmp_path) as (runtime, url), httpx.AsyncClient() as http:
        assert runtime.sandbox is not None
        base = url.removesuffix(runtime.config.server.path)
        healthy = await http.get(f"{base}/healthz")
        ready = await http.get(f"{base}/readyz")
        assert (healthy.status_code, healthy.json()) == (200, {"status": "ok"})
        assert (ready.status_code, ready.json()) == (200, {"status": "ready"})
        runtime.sandbox.faults.add({"match": "re:.*", "kind": "503"})
        down = await http.get(f"{base}/readyz")
        runtime.sandbox.faults.clear()
        assert down.status_code == 503 and "not reachable" in down.json()["problems"][0]
        assert (await http.get(f"{base}/readyz")).status_code == 200
        assert (await http.post(url, json=PING, headers=MCP_ACCEPT)).status_code == 401, (
            "the MCP path keeps its auth"
        )


@pytest.mark.anyio
async def test_readiness_follows_the_shared_state(tmp_path: Path) -> None:
    async with serving(tmp_path) as (runtime, url), httpx.AsyncClient() as http:
        base = url.removesuffix(runtime.config.server.path)
        assert (await http.get(f"{base}/readyz")).status_code == 200
        runtime.state.close()
        down = await http.get(f"{base}/readyz")
    assert down.status_code == 503 and down.json()["problems"] == [
        "the shared state (confirmation ids, order ledger, locks) is unavailable"
    ]


def test_the_printed_connect_command_carries_the_header_but_never_the_token(token: str) -> None:
    settings = load_config(None, server={"transport": "http", "auth_token_env": TOKEN_ENV}).server
    command = connect_command("http://127.0.0.1:8000/mcp", settings)
    assert command.endswith(f'--header "Authorization: Bearer ${TOKEN_ENV}"')
    assert token not in command
