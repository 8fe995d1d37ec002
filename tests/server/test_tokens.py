"""Named bearer tokens with scopes over real HTTP: who may call, what they see, what the journal says."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from mcp.server.mcpserver import MCPServer
from mcp.shared.exceptions import MCPError

from checkout_mcp.cli import connect_command, main
from checkout_mcp.config import ConfigError, load_config
from checkout_mcp.policy.effects import Effect
from checkout_mcp.server.http import http_app
from checkout_mcp.server.tokens import TokenEntry, digest, load_tokens, new_token, toml_entry
from checkout_mcp.tools import catalogue
from tests.common import confirmation, journal, ready, text
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

READ_TOOLS = {spec.name for spec in catalogue() if spec.effect is Effect.READ}
ENV_TOKEN = "env-token-for-the-default-principal"


def tokens_file(folder: Path, *entries: TokenEntry, name: str = "tokens.toml") -> Path:
    path = folder / name
    if name.endswith(".json"):
        path.write_text(json.dumps({"tokens": [entry.model_dump() for entry in entries]}))
    else:
        path.write_text("\n".join(toml_entry(entry) for entry in entries))
    return path


@pytest.fixture
def no_env_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)


@pytest.mark.anyio
@pytest.mark.parametrize("mode", CLIENT_MODES)
async def test_each_token_has_its_scope_and_its_calls_are_journaled_under_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    monkeypatch.setenv(TOKEN_ENV, ENV_TOKEN)
    ops, ops_entry = new_token("ops", "write")
    support, support_entry = new_token("support", "read")
    path = tokens_file(tmp_path, ops_entry, support_entry)
    async with serving(tmp_path, tokens_file=str(path)) as (runtime, url):
        checkout_id = ready(runtime)
        async with connected(url, mode=mode, headers=bearer(support)) as reader:
            assert {tool.name for tool in (await reader.list_tools()).tools} == READ_TOOLS
            read = await reader.call_tool("get_checkout", {"checkout_id": checkout_id})
            assert not read.is_error, text(read)
            with pytest.raises(MCPError, match="Unknown tool: create_order"):
                await reader.call_tool("create_order", {"checkout_id": checkout_id})
        orders_before = len(runtime.sandbox.store.orders) if runtime.sandbox else 0
        async with connected(url, mode=mode, headers=bearer(ops)) as writer:
            assert "create_order" in {tool.name for tool in (await writer.list_tools()).tools}
            ordered = await writer.call_tool("create_order", {"checkout_id": checkout_id})
            assert not ordered.is_error, text(ordered)
        async with connected(url, mode=mode, headers=bearer(ENV_TOKEN)) as default:
            message = {"checkout_id": checkout_id, "message": "Leave it at the door"}
            updated = await default.call_tool("update_customer_message", message)
            assert not updated.is_error, text(updated)
        assert runtime.sandbox is not None and len(runtime.sandbox.store.orders) == orders_before + 1
    records = journal(runtime)
    by_tool = {(record.get("tool"), record["kind"]): record for record in records}
    begin = by_tool[("create_order", "begin")]
    assert begin["principal"] == "ops"
    (complete,) = [r for r in records if r["kind"] == "complete" and r["ref"] == begin["seq"]]
    assert complete["principal"] == "ops" and complete["outcome"] == "succeeded"
    assert by_tool[("update_customer_message", "begin")]["principal"] == "default"
    assert all(record.get("principal") != "support" for record in records), "reads are not journaled"
    written = json.dumps(records)
    assert ops not in written and support not in written and ENV_TOKEN not in written


@pytest.mark.anyio
async def test_a_token_made_by_the_command_opens_a_json_tokens_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_env_token: None
) -> None:
    assert main(["token", "new", "--name", "console", "--scope", "read", "--json"]) == 0
    printed = capsys.readouterr().out.splitlines()
    token = next(line.strip() for line in printed if line.strip().startswith("cmcp_"))
    entry = TokenEntry.model_validate(json.loads(printed[-1]))
    assert (entry.name, entry.scope, entry.sha256) == ("console", "read", digest(token))
    path = tokens_file(tmp_path, entry, name="tokens.json")
    assert token not in path.read_text(), "only the hash is on disk"
    async with serving(tmp_path, tokens_file=str(path)) as (_, url), httpx.AsyncClient() as http:
        assert (await http.post(url, json=PING, headers=MCP_ACCEPT)).status_code == 401
        async with connected(url, headers=bearer(token)) as client:
            assert {tool.name for tool in (await client.list_tools()).tools} == READ_TOOLS


@pytest.mark.anyio
async def test_unknown_and_missing_tokens_get_the_bearer_challenge(
    tmp_path: Path, no_env_token: None
) -> None:
    _, entry = new_token("ops", "write")
    path = tokens_file(tmp_path, entry)
    async with serving(tmp_path, tokens_file=str(path)) as (_, url), httpx.AsyncClient() as http:
        for headers in ({}, bearer("cmcp_not-a-token-this-server-knows")):
            refused = await http.post(url, json=LIST_TOOLS, headers={**MCP_ACCEPT, **headers})
            assert refused.status_code == 401
            challenge = refused.headers["www-authenticate"]
            assert challenge.startswith("Bearer ") and 'error="invalid_token"' in challenge
            assert refused.json()["error"] == "invalid_token"
            assert "cmcp_not-a-token" not in refused.text


@pytest.mark.anyio
async def test_a_session_belongs_to_the_principal_that_opened_it(tmp_path: Path, no_env_token: None) -> None:
    first, first_entry = new_token("first", "write")
    second, second_entry = new_token("second", "write")
    path = tokens_file(tmp_path, first_entry, second_entry)
    async with serving(tmp_path, tokens_file=str(path)) as (_, url):
        sessions: list[str] = []
        async with connected(url, mode="legacy", headers=bearer(first), sessions=sessions) as client:
            await client.list_tools()
            session = {"mcp-session-id": sessions[0], "mcp-protocol-version": client.protocol_version}
            async with httpx.AsyncClient() as http:
                hijack = await http.post(
                    url, json=LIST_TOOLS, headers={**MCP_ACCEPT, **session, **bearer(second)}
                )
                own = await http.post(
                    url, json=LIST_TOOLS, headers={**MCP_ACCEPT, **session, **bearer(first)}
                )
        assert hijack.status_code in (403, 404) and "get_checkout" not in hijack.text
        assert own.status_code == 200 and "get_checkout" in own.text


def test_tokens_that_cannot_be_told_apart_are_refused_at_startup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, ops = new_token("ops", "write")
    _, again = new_token("ops", "read")
    settings = load_config(None, server={"tokens_file": str(tokens_file(tmp_path, ops, again))}).server
    with pytest.raises(ConfigError, match="more than one token is named 'ops'"):
        load_tokens(settings)
    same_hash = TokenEntry(name="other", scope="read", sha256=ops.sha256.upper())
    settings = load_config(None, server={"tokens_file": str(tokens_file(tmp_path, ops, same_hash))}).server
    with pytest.raises(ConfigError, match="same sha256"):
        load_tokens(settings)
    monkeypatch.setenv(TOKEN_ENV, ENV_TOKEN)
    _, default = new_token("default", "read")
    path = tokens_file(tmp_path, default)
    settings = load_config(None, server={"tokens_file": str(path), "auth_token_env": TOKEN_ENV}).server
    with pytest.raises(ConfigError, match=f"named 'default'.*{TOKEN_ENV}"):
        load_tokens(settings)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "cannot read"),
        ("[[tokens]\nname =", "not valid TOML"),
        ('[[tokens]]\nname = "ops"\nscope = "admin"\nsha256 = "' + "0" * 64 + '"\n', "scope"),
        ('[[tokens]]\nname = "ops"\nscope = "read"\nsha256 = "not-a-hash"\n', "sha256"),
        ('[[tokens]]\nname = "ops"\nscope = "read"\ntoken = "plain"\nsha256 = "' + "0" * 64 + '"\n', "token"),
    ],
)
def test_a_bad_tokens_file_says_what_is_wrong(
    tmp_path: Path, no_env_token: None, content: str | None, problem: str
) -> None:
    path = tmp_path / "tokens.toml"
    if content is not None:
        path.write_text(content)
    settings = load_config(None, server={"tokens_file": str(path)}).server
    with pytest.raises(ConfigError, match=problem) as raised:
        load_tokens(settings)
    assert "plain" not in str(raised.value)


def test_a_tokens_file_is_auth_enough_for_a_network_address(tmp_path: Path, no_env_token: None) -> None:
    _, entry = new_token("ops", "write")
    settings = load_config(
        None,
        server={
            "host": "0.0.0.0",
            "auth_token_env": TOKEN_ENV,
            "tokens_file": str(tokens_file(tmp_path, entry)),
        },
    ).server
    http_app(MCPServer(name="served"), settings)  # does not raise
    command = connect_command("http://mcp.example.com/mcp", settings)
    assert command.endswith('--header "Authorization: Bearer <the client\'s token>"')


@pytest.mark.anyio
async def test_without_sessions_a_confirmation_id_is_bound_to_the_principal(
    tmp_path: Path, no_env_token: None
) -> None:
    alice, alice_entry = new_token("alice", "write")
    bob, bob_entry = new_token("bob", "write")
    path = tokens_file(tmp_path, alice_entry, bob_entry)
    async with serving(tmp_path, policy_mode="confirm", stateless=True, tokens_file=str(path)) as (
        runtime,
        url,
    ):
        arguments = {"checkout_id": ready(runtime)}
        async with (
            connected(url, headers=bearer(alice)) as issuer,
            connected(url, headers=bearer(bob)) as other,
        ):
            required = await issuer.call_tool("create_order", arguments)
            issued = confirmation(required)["confirmation_id"]
            stolen = await other.call_tool("create_order", {**arguments, "confirmation_id": issued})
            assert stolen.is_error and "issued to another caller" in text(stolen)
            required = await issuer.call_tool("create_order", arguments)
            mine = await issuer.call_tool(
                "create_order", {**arguments, "confirmation_id": confirmation(required)["confirmation_id"]}
            )
        assert not mine.is_error, text(mine)
    decisions = [r for r in journal(runtime) if r["kind"] == "decision"]
    assert {r["principal"] for r in decisions} == {"alice", "bob"}
