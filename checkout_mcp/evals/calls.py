"""Every tool call an agent makes, as the server answered it.

A middleware on the MCP server records each `tools/call` that ends in a result (an exchange that
asks the human first, on the 2026-07-28 protocol, is one call), so in-process scripted agents and
external agents over HTTP are measured the same way: what they sent, what they read, its tokens.
A call the SDK refuses before any tool runs (an unknown tool, arguments that are not an object)
is recorded as an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp.types import CallToolResult

from checkout_mcp.canonical import canonical_json
from checkout_mcp.evals.tokens import TokenCounter
from checkout_mcp.server.gate import CONFIRMATION_META


@dataclass(frozen=True)
class Call:
    tool: str
    arguments: dict[str, Any]
    is_error: bool
    output: str  # what the agent read: the text, then the structured content as JSON
    tokens: int
    confirmation_id: str | None = None  # from a confirmation_required result


def text_of(result: CallToolResult) -> str:
    """A result's text content, as the model reads it."""
    return " ".join(getattr(block, "text", "") for block in result.content)


def _final(result: HandlerResult) -> CallToolResult | None:
    """The call's result, if it is one (not a request for input first): a model, or its wire form."""
    if isinstance(result, CallToolResult):
        return result
    complete = isinstance(result, dict) and result.get("resultType", "complete") == "complete"
    if complete and "content" in result:
        return CallToolResult.model_validate(result)
    return None


class CallRecorder:
    """The MCP server middleware (`server.middleware.append(recorder)`); `calls` in order."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._tokens = TokenCounter()

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        if ctx.method != "tools/call":
            return await call_next(ctx)
        params = dict(ctx.params or {})
        try:
            result = await call_next(ctx)
        except MCPError as error:
            self._record(params, True, error.error.message, None)
            raise
        answered = _final(result)
        if answered is not None:
            text = text_of(answered)
            details = (answered.meta or {}).get(CONFIRMATION_META, {})
            confirmation_id = details.get("confirmation_id")
            self._record(params, answered.is_error, text, answered.structured_content, confirmation_id)
        return result

    def _record(
        self,
        params: dict[str, Any],
        is_error: bool,
        text: str,
        structured: dict[str, Any] | None,
        confirmation_id: str | None = None,
    ) -> None:
        data = "" if structured is None else canonical_json(structured)
        secrets = [confirmation_id] if confirmation_id else []
        arguments = params.get("arguments")
        self.calls.append(
            Call(
                tool=str(params.get("name")),
                arguments=arguments if isinstance(arguments, dict) else {},
                is_error=bool(is_error),
                output=f"{text}\n{data}" if data else text,
                tokens=self._tokens.count(text, secrets) + (self._tokens.count(data) if data else 0),
                confirmation_id=confirmation_id,
            )
        )
