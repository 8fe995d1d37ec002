"""The MCP server, answering bad names with the protocol error the spec asks for (-32602 Invalid params).

The spec says an unknown tool is a JSON-RPC error, not a tool result (server/tools, "Protocol
Errors"), and so is an unknown prompt or a prompt without its required arguments (server/prompts,
"Error Handling"). The SDK (mcp 2.3.0) answers an unknown tool with an `isError` result, and a
prompt error with code 0 on 2025-11-25 or a bare -32603 "Internal server error" on 2026-07-28.
`CheckoutServer` checks the name and the required arguments first. It does so inside every
middleware, so a middleware that watches tool calls (the evals' recorder) sees the refusal too.
"""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, CallToolResult, GetPromptResult, InputRequiredResult


class CheckoutServer(MCPServer[Any]):
    """MCPServer whose unknown tools, unknown prompts and missing prompt arguments are -32602 errors."""

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        if self._tool_manager.get_tool(name) is None:
            raise MCPError(
                code=INVALID_PARAMS,
                message=f"Unknown tool: {name}. This server has no tool of that name (tools a policy "
                "mode does not allow are not offered); call tools/list for the tools it has.",
            )
        return await super().call_tool(name, arguments, context)

    async def get_prompt(
        self, name: str, arguments: dict[str, Any] | None = None, context: Context[Any, Any] | None = None
    ) -> GetPromptResult | InputRequiredResult:
        prompt = self._prompt_manager.get_prompt(name)
        if prompt is None:
            raise MCPError(
                code=INVALID_PARAMS,
                message=f"Unknown prompt: {name}. Call prompts/list for the prompts this server has.",
            )
        required = [argument.name for argument in prompt.arguments or [] if argument.required]
        missing = [argument for argument in required if argument not in (arguments or {})]
        if missing:
            raise MCPError(
                code=INVALID_PARAMS,
                message=f"Prompt {name} needs the arguments {', '.join(required)}; "
                f"missing: {', '.join(missing)}. Send them and ask again.",
            )
        return await super().get_prompt(name, arguments, context)
