"""The MCP server over real streamable HTTP on loopback, driven by the SDK's own client."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from mcp.client.client import Client
from mcp.server.mcpserver import MCPServer

from checkout_mcp.cli import connect_command
from checkout_mcp.config import ConfigError, load_config
from checkout_mcp.server.build import Runtime
from checkout_mcp.server.http import allowed_hosts, http_app
from tests.common import confirmation, text
from tests.server.serving import (
    CLIENT_MODES,
    LIST_TOOLS,
    MCP_ACCEPT,
    PING,
    TOKEN_ENV,
    bearer,
    connected,
    serving,
)

TOKEN = "s3cret-bearer-token"


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
            assert refused.headers["www-authenticate"].startswith("Bearer ")
            assert 'error="invalid_token"' in refused.headers["www-authenticate"]
            assert "guessed-token-value" not in refused.text and token not in refused.text
        any_case = await http.post(url, json=PING, headers={**MCP_ACCEPT, "Authorization": f"bearer {token}"})
        assert any_case.status_code != 401
        async with connected(url, mode=mode, headers=bearer(token)) as client:
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
    headers = bearer(token)
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
            assert stolen.is_error and "issued to another caller" in text(stolen)
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


@pytest.mark.anyio
async def test_configured_origins_are_accepted_and_others_refused(tmp_path: Path, no_token: None) -> None:
    console = "https://console.example.com"
    async with (
        serving(tmp_path, stateless=True, allowed_origins=[console]) as (_, url),
        httpx.AsyncClient() as http,
    ):
        assert (await http.post(url, json=PING, headers={**MCP_ACCEPT, "Origin": console})).status_code == 200
        for origin in ("https://evil.example", "https://console.example.com.evil.example", "null"):
            refused = await http.post(url, json=PING, headers={**MCP_ACCEPT, "Origin": origin})
            assert refused.status_code == 403, origin
        foreign_host = await http.post(url, json=PING, headers={**MCP_ACCEPT, "Host": "console.example.com"})
        assert foreign_host.status_code == 421


def test_an_origin_must_be_scheme_and_host() -> None:
    with pytest.raises(ConfigError, match="allowed_origins"):
        load_config(None, server={"allowed_origins": ["console.example.com/path"]})


@pytest.mark.anyio
async def test_bodies_over_the_limit_get_413_before_they_are_parsed(tmp_path: Path, token: str) -> None:
    limit = 4096
    padding = {"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"_meta": {"pad": "x" * limit}}}
    body = json.dumps(padding).encode()
    headers = {**MCP_ACCEPT, **bearer(token), "Content-Type": "application/json"}

    async def chunked() -> AsyncIterator[bytes]:  # no Content-Length: the server counts what arrives
        for start in range(0, len(body), 1000):
            yield body[start : start + 1000]

    async with (
        serving(tmp_path, stateless=True, max_request_bytes=limit) as (_, url),
        httpx.AsyncClient() as http,
    ):
        declared = await http.post(url, content=body, headers=headers)
        streamed = await http.post(url, content=chunked(), headers=headers)
        small = await http.post(url, json=PING, headers=headers)
        unauthenticated = await http.post(url, content=body, headers={**MCP_ACCEPT})
    assert declared.status_code == 413 and streamed.status_code == 413
    assert "transfer-encoding" not in declared.request.headers
    assert streamed.request.headers["transfer-encoding"] == "chunked"
    assert small.status_code == 200
    assert unauthenticated.status_code == 401, "nobody gets to make the server read a body without a token"


@pytest.mark.anyio
async def test_every_response_carries_a_request_id_and_a_sane_one_is_kept(tmp_path: Path, token: str) -> None:
    async with serving(tmp_path, stateless=True) as (_, url), httpx.AsyncClient() as http:
        authorized = {**MCP_ACCEPT, **bearer(token)}
        kept = await http.post(url, json=PING, headers={**authorized, "X-Request-Id": "lb-7f3a.42:1"})
        fresh = [await http.post(url, json=PING, headers=authorized) for _ in range(2)]
        for insane in ("two words", "x" * 200, "<script>"):
            replaced = await http.post(url, json=PING, headers={**authorized, "X-Request-Id": insane})
            assert replaced.headers["x-request-id"] != insane
        refused = await http.post(url, json=PING, headers=MCP_ACCEPT)
        health = await http.get(url.removesuffix("/mcp") + "/healthz")
    assert kept.headers["x-request-id"] == "lb-7f3a.42:1"
    assert len({response.headers["x-request-id"] for response in fresh}) == 2
    assert refused.status_code == 401 and refused.headers["x-request-id"]
    assert health.headers["x-request-id"]


@pytest.mark.anyio
@pytest.mark.parametrize("mode", CLIENT_MODES)
async def test_no_logging_capability_is_claimed(tmp_path: Path, no_token: None, mode: str) -> None:
    """The server sends no MCP log notifications; its logs are the operator's (stderr)."""
    async with serving(tmp_path) as (_, url), connected(url, mode=mode) as client:
        assert client.server_capabilities.logging is None
