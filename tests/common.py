"""Helpers shared by the tests that drive the MCP server: reading results, the journal, the sandbox."""

from __future__ import annotations

import json
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import pytest
from mcp import types
from mcp.shared.exceptions import MCPError
from mcp.types import CallToolResult

from checkout_mcp.server.build import Runtime
from checkout_mcp.server.gate import CONFIRMATION_META


def text(result: CallToolResult) -> str:
    """A result's text content, as the model reads it."""
    return " ".join(getattr(block, "text", "") for block in result.content)


async def protocol_error(request: Awaitable[Any], code: int) -> types.ErrorData:
    """The JSON-RPC error the request must end in (not a result), with this code."""
    with pytest.raises(MCPError) as raised:
        await request
    assert raised.value.error.code == code, raised.value.error
    return raised.value.error


def confirmation(result: CallToolResult) -> dict[str, Any]:
    """The machine-readable part of a confirmation_required result (in `_meta`)."""
    assert result.meta is not None and CONFIRMATION_META in result.meta, text(result)
    details: dict[str, Any] = result.meta[CONFIRMATION_META]
    return details


def answering(action: str, confirm: Any = True) -> Any:
    """An elicitation callback that answers every question the same way, and records the questions."""

    async def callback(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        callback.questions.append(params.message)  # type: ignore[attr-defined]
        content = {"confirm": confirm} if action == "accept" else None
        return types.ElicitResult(action=action, content=content)

    callback.questions = []  # type: ignore[attr-defined]
    return callback


def orders(runtime: Runtime) -> int:
    """How many orders the sandbox store holds."""
    assert runtime.sandbox is not None
    return len(runtime.sandbox.store.orders)


def ready(runtime: Runtime) -> str:
    """The seeded checkout that is ready to order."""
    assert runtime.sandbox is not None
    return runtime.sandbox.store.demo_carts["ready"]


def journal(runtime: Runtime) -> list[dict[str, Any]]:
    """Every record of the runtime's audit journal."""
    path = Path(runtime.config.policy.journal)
    return [json.loads(line) for line in path.read_text().splitlines()]
