"""The bare-SDK floor: an MCPServer serving tools of the same size as ours, doing nothing else.

Its tools are ours as `tools/list` shows them (names, descriptions, input and output schemas, byte
for byte). Each tool is what `@server.tool()` makes of a function with typed arguments and a typed
result whose body only returns a stored answer: the SDK validates the arguments against an argument
model, then validates the returned model and writes it out as structured content and as JSON text,
as it does by default. Both models are built here from the published schemas (types and required
keys), and the stored answer is the structured content of a real call of ours. What the floor costs
is what the SDK costs to serve such a tool; everything above it is ours. It imports only the SDK
and pydantic, so its cold start is theirs.

`carriage_only` is a leaner floor for reference: the stored CallToolResult itself (our exact bytes),
with no validation at all: what it costs the SDK just to carry the call.

`python bench/floor.py stdio|http DEFINITIONS [PORT]` serves the definitions `subject.definitions`
recorded.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Literal, Union

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.tools.base import Tool
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase, FuncMetadata
from mcp.server.transport_security import TransportSecuritySettings
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, ConfigDict, create_model

MCP_PATH = "/mcp"
LOOPBACK_HOSTS = ["127.0.0.1:*", "localhost:*", "[::1]:*"]


SIMPLE_TYPES: dict[str, Any] = {"string": str, "integer": int, "number": float, "boolean": bool, "null": None}


class CarriedArguments(ArgModelBase):
    """Takes whatever the client sends: the carriage-only floor's answer does not depend on it."""

    model_config = ConfigDict(extra="allow")

    def model_dump_one_level(self) -> dict[str, Any]:
        return {}


class Models:
    """Pydantic types for the JSON schemas of one tool (types and required keys, no constraints)."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.definitions: dict[str, dict[str, Any]] = schema.get("$defs", {})
        self.built: dict[str, Any] = {}

    def model(self, name: str, node: dict[str, Any], base: type[BaseModel] = BaseModel) -> type[BaseModel]:
        required = set(node.get("required", ()))
        fields: dict[str, Any] = {
            key: (self.type_of(f"{name}_{key}", value), ... if key in required else None)
            for key, value in node.get("properties", {}).items()
        }
        extra = "forbid" if node.get("additionalProperties") is False else "allow"
        configured = type(f"{name}Base", (base,), {"model_config": ConfigDict(extra=extra)})
        return create_model(name, __base__=configured, **fields)

    def type_of(self, name: str, node: dict[str, Any]) -> Any:
        if "$ref" in node:
            key = node["$ref"].rsplit("/", 1)[-1]
            if key not in self.built:
                self.built[key] = self.model(key, self.definitions[key])
            return self.built[key]
        if "anyOf" in node:
            return Union[tuple(self.type_of(name, option) for option in node["anyOf"])]  # noqa: UP007
        if "enum" in node:
            return Literal[tuple(node["enum"])]
        kind = node.get("type")
        if kind == "array":
            return list[self.type_of(name, node.get("items", {}))]  # type: ignore[misc]
        if kind == "object":
            return self.model(name, node) if "properties" in node else dict[str, Any]
        return SIMPLE_TYPES.get(kind, Any) if isinstance(kind, str) else Any


NOT_RECORDED = CallToolResult(content=[TextContent(type="text", text="not recorded")], is_error=True)


def bare_tool(definition: dict[str, Any], recorded: CallToolResult | None, *, carriage_only: bool) -> Tool:
    """The floor's tool for one of our definitions, answering `recorded` (an error when there is none)."""
    inputs, output_schema = definition["inputSchema"], definition.get("outputSchema")
    if carriage_only or recorded is None or output_schema is None:
        answer: Any = recorded or NOT_RECORDED
        metadata = FuncMetadata(arg_model=CarriedArguments, output_schema=output_schema)
    else:
        output = Models(output_schema).model(f"{definition['name']}Output", output_schema)
        answer = output.model_validate(recorded.structured_content)
        arguments = Models(inputs).model(f"{definition['name']}Arguments", inputs, ArgModelBase)
        metadata = FuncMetadata(arg_model=arguments, output_schema=output_schema, output_model=output)

    async def respond(**_: Any) -> Any:
        return answer

    annotations = definition.get("annotations")
    return Tool(
        fn=respond,
        name=definition["name"],
        title=definition.get("title"),
        description=definition.get("description", ""),
        parameters=inputs,
        fn_metadata=metadata,
        is_async=True,
        annotations=ToolAnnotations.model_validate(annotations) if annotations else None,
    )


def bare_server(definitions: dict[str, Any], *, carriage_only: bool = False) -> MCPServer[Any]:
    """The floor for `definitions` ({"instructions", "tools": [...], "results": {tool name: result}})."""
    results = {name: CallToolResult.model_validate(r) for name, r in definitions["results"].items()}
    return MCPServer(
        name="floor",
        instructions=definitions.get("instructions"),
        tools=[
            bare_tool(tool, results.get(tool["name"]), carriage_only=carriage_only)
            for tool in definitions["tools"]
        ],
    )


def http_app(server: MCPServer[Any]) -> Any:
    """Streamable HTTP as ours is served: same path, sessions, DNS-rebinding protection."""
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=LOOPBACK_HOSTS,
        allowed_origins=[f"{scheme}://{host}" for host in LOOPBACK_HOSTS for scheme in ("http", "https")],
    )
    return server.streamable_http_app(streamable_http_path=MCP_PATH, transport_security=security)


def main(argv: list[str]) -> None:
    transport, path = argv[0], Path(argv[1])
    server = bare_server(json.loads(path.read_text()))
    if transport == "stdio":
        anyio.run(server.run_stdio_async)
        return
    import uvicorn

    config = uvicorn.Config(http_app(server), host="127.0.0.1", port=int(argv[2]))
    anyio.run(uvicorn.Server(config).serve)


if __name__ == "__main__":
    main(sys.argv[1:])
