"""The MCP server over real streamable HTTP on loopback for a test, and the SDK's client for it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx2
from mcp.client.client import Client
from mcp.client.streamable_http import streamable_http_client

from checkout_mcp.config import load_config
from checkout_mcp.server.build import Runtime, build_server, create_runtime
from checkout_mcp.server.health import readiness_of
from checkout_mcp.server.http import http_app
from tests.sandbox_server import running_app

TOKEN_ENV = "CHECKOUT_MCP_TEST_HTTP_TOKEN"
PING = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
LIST_TOOLS = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}
CLIENT_MODES = ["auto", "legacy"]  # 2026-07-28 (sessionless) and the 2025-11-25 handshake (sessions)
MCP_ACCEPT = {"Accept": "application/json, text/event-stream"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@asynccontextmanager
async def serving(
    folder: Path, policy_mode: str = "auto", **server: Any
) -> AsyncIterator[tuple[Runtime, str]]:
    """The sandbox MCP server over HTTP as `serve` builds it (a read-only twin for read tokens),
    journal in `folder`; yields the runtime and the endpoint URL."""
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
            read_server=build_server(runtime, read_only=True),
            redactor=runtime.gate.redactor,
        )
        with running_app(app) as base_url:
            yield runtime, f"{base_url}{config.server.path}"
    finally:
        await runtime.aclose()


@asynccontextmanager
async def connected(
    url: str,
    *,
    mode: str = "auto",
    headers: dict[str, str] | None = None,
    sessions: list[str] | None = None,
    request_ids: list[str] | None = None,
) -> AsyncIterator[Client]:
    """The SDK's client over streamable HTTP, with extra headers; records issued session ids and the
    responses' request ids."""

    async def record_session(response: httpx2.Response) -> None:
        if sessions is not None and "mcp-session-id" in response.headers:
            sessions.append(response.headers["mcp-session-id"])
        if request_ids is not None and "x-request-id" in response.headers:
            request_ids.append(response.headers["x-request-id"])

    async with (
        httpx2.AsyncClient(headers=headers, event_hooks={"response": [record_session]}) as http,
        Client(streamable_http_client(url, http_client=http), mode=mode) as client,
    ):
        yield client
