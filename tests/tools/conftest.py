"""Fixtures for driving the MCP server through the SDK's own Client, on the embedded sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from mcp.client.client import Client
from mcp.types import CallToolResult

from checkout_mcp.config import Config, load_config
from checkout_mcp.server.build import Runtime, build_server, create_runtime


def sandbox_config(
    folder: Path, *, policy: dict[str, Any] | None = None, sandbox: dict[str, Any] | None = None
) -> Config:
    """A sandbox server with a frozen clock and its journal in `folder`; policy `auto` unless asked."""
    return load_config(
        None,
        policy={"mode": "auto", "journal": str(folder / "audit.jsonl"), **(policy or {})},
        sandbox={"frozen_clock": True, **(sandbox or {})},
    )


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    runtime = create_runtime(sandbox_config(tmp_path))
    try:
        yield runtime
    finally:
        await runtime.aclose()


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[Client]:
    async with Client(build_server(runtime)) as connected:
        yield connected


async def call(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    """Call a tool that must succeed; return its structured content."""
    result: CallToolResult = await client.call_tool(tool, arguments)
    text = " ".join(getattr(block, "text", "") for block in result.content)
    assert not result.is_error, f"{tool} failed: {text}"
    assert result.structured_content is not None
    return result.structured_content


async def fail(client: Client, tool: str, **arguments: Any) -> str:
    """Call a tool that must fail; return its error text."""
    result: CallToolResult = await client.call_tool(tool, arguments)
    text = " ".join(getattr(block, "text", "") for block in result.content)
    assert result.is_error, f"{tool} unexpectedly succeeded: {text}"
    return text


def line_id(line: str) -> str:
    """The id at the front of a compact item or option line ("id: ...")."""
    return line.split(": ", 1)[0]


def requests_seen(runtime: Runtime) -> int:
    """How many requests the sandbox has counted so far (its rate-limit window)."""
    assert runtime.sandbox is not None
    return runtime.sandbox.rate_limiter.used
