"""Turns a ToolSpec into an MCP tool whose every call goes through the policy gate.

The SDK builds a tool's input schema from a function signature, so each tool gets a function
whose keyword parameters are exactly its argument model's fields; the published schema is then
replaced by a compact one (no per-field titles) because agents pay for every token of it.
Tools that may need confirmation also get a `Resolve` parameter: the gate's resolver either
asks the human (MCP elicitation) or lets the call through to be decided in the gate.
"""

from __future__ import annotations

import inspect
from typing import Annotated, Any

from mcp.server.elicitation import ElicitationResult
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.resolve import Resolve
from mcp.server.mcpserver.tools.base import Tool
from mcp.types import CallToolResult, ToolAnnotations
from pydantic import BaseModel

from checkout_mcp.policy.effects import Effect
from checkout_mcp.server.gate import Approval, Gate
from checkout_mcp.tools.registry import ToolSpec
from checkout_mcp.tools.schema import compact_schema


def annotations(effect: Effect, *, idempotent: bool) -> ToolAnnotations:
    """The MCP hints for a tool of this effect, leaving out what the spec's defaults already say.

    Defaults (MCP spec): readOnlyHint false, destructiveHint true, idempotentHint false,
    openWorldHint true (the store is an open world). The destructive and idempotent hints only
    mean something for tools that are not read-only. The title is the tool's own `title`.
    """
    if effect is Effect.READ:
        return ToolAnnotations(read_only_hint=True)
    return ToolAnnotations(destructive_hint=effect.needs_confirmation, idempotent_hint=idempotent or None)


def _parameters(args: type[BaseModel]) -> list[inspect.Parameter]:
    """One keyword parameter per argument field, carrying the field's constraints."""
    parameters = []
    for name, field in args.model_fields.items():
        default = (
            inspect.Parameter.empty if field.is_required() else field.get_default(call_default_factory=True)
        )
        parameters.append(
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Annotated[field.annotation, field],
                default=default,
            )
        )
    return parameters


def _signed(
    fn: Any, name: str, parameters: list[inspect.Parameter], returns: Any = inspect.Signature.empty
) -> Any:
    fn.__signature__ = inspect.Signature(parameters, return_annotation=returns)
    fn.__name__ = fn.__qualname__ = name
    fn.__annotations__ = {p.name: p.annotation for p in parameters} | (
        {} if returns is inspect.Signature.empty else {"return": returns}
    )
    return fn


def _context_parameter() -> inspect.Parameter:
    return inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=Context)


def build_tool(spec: ToolSpec[Any, Any], gate: Gate) -> Tool:
    """The MCP tool for `spec`: validated arguments in, the gate's CallToolResult out."""
    arguments = gate.arguments_model(spec)
    parameters = [_context_parameter(), *_parameters(arguments)]

    if gate.may_need_confirmation(spec):

        async def ask(ctx: Context, **values: Any) -> Any:
            return await gate.ask(spec, values, ctx)

        _signed(ask, f"confirm_{spec.name}", [_context_parameter(), *_parameters(arguments)])
        consent = inspect.Parameter(
            "consent",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[ElicitationResult[Approval], Resolve(ask)],
        )
        parameters.insert(1, consent)

    async def call(
        ctx: Context, consent: ElicitationResult[Approval] | None = None, **values: Any
    ) -> CallToolResult:
        return await gate.call(spec, values, ctx, consent)

    _signed(call, spec.name, parameters, Annotated[CallToolResult, spec.output])
    tool = Tool.from_function(
        call,
        name=spec.name,
        title=spec.title,
        description=spec.description,
        annotations=annotations(spec.effect, idempotent=spec.idempotent),
        structured_output=True,
    )
    tool.parameters = compact_schema(arguments)
    tool.fn_metadata.arg_model = _forbidding_extra(tool.fn_metadata.arg_model)
    return tool


def _forbidding_extra(model: type[BaseModel]) -> type[BaseModel]:
    """The SDK ignores unknown arguments; a misspelt argument must be an error, not silently dropped."""
    return type(model.__name__, (model,), {"model_config": {**model.model_config, "extra": "forbid"}})
