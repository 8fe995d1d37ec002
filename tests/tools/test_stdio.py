"""The real command over stdio, as an IDE runs it: a subprocess speaking MCP on stdin/stdout."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from mcp.client.client import Client
from mcp.client.stdio import StdioServerParameters

from checkout_mcp.tools import catalogue


@pytest.mark.anyio
async def test_serve_over_stdio_lists_tools_and_reads_a_checkout(tmp_path: Path) -> None:
    server = StdioServerParameters(
        command=sys.executable,
        args=["-m", "checkout_mcp.cli", "serve", "--transport", "stdio"],
        env={
            **os.environ,
            "CHECKOUT_MCP_SANDBOX__FROZEN_CLOCK": "true",
            "CHECKOUT_MCP_POLICY__JOURNAL": str(tmp_path / "audit.jsonl"),
        },
    )
    async with Client(server) as client:
        tools = (await client.list_tools()).tools
        assert [tool.name for tool in tools] == [spec.name for spec in catalogue()]
        listed = await client.call_tool("list_checkouts", {})
        assert not listed.is_error
        missing = await client.call_tool(
            "get_checkout", {"checkout_id": "00000000-0000-4000-8000-000000000000"}
        )
        assert missing.is_error
        assert "404" in missing.content[0].text
