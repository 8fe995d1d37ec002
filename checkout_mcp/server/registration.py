"""Turns a ToolSpec into an MCP tool whose every call goes through the gate.

The published input schema is the argument model's, compacted (agents pay for every token of it).
The SDK's own argument check is a pass-through, so that the gate validates every call with the
tool's model and words the errors for the agent (tools/arguments.py), instead of the SDK answering
with a raw pydantic dump. The output schema is `spec.output`'s, but the SDK does not validate
results against it: the gate writes every success out of a validated `spec.output`, and checking
the same result a second time costs as much as building it. Tools that may need confirmation get
two resolvers (run by the SDK before the body, on every protocol version): `prepare` checks the
call and reads its preview, `ask` puts that preview to the human (MCP elicitation) when needed;
the body receives both, so what the human saw is what the gate checks again before anything is
sent. The Tool is made here, not by `Tool.from_function`, which would derive an argument model and
schemas from the signature only for them to be replaced (cold start).
"""

from __future__ import annotations

import inspect
from typing import Annotated, Any

from mcp.server.elicitation import ElicitationResult
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.resolve import Resolve, build_resolver_plans, find_resolved_parameters
from mcp.server.mcpserver.tools.base import Tool
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase, FuncMetadata
from mcp.types import CallToolResult, ToolAnnotations

from checkout_mcp.policy.effects import Effect
from checkout_mcp.server.gate import Approval, Gate, Prepared
from checkout_mcp.tools.registry import ToolSpec
from checkout_mcp.tools.schema import compact_schema, output_schema


def annotations(effect: Effect, *, idempotent: bool) -> ToolAnnotations:
    """The MCP hints for a tool of this effect, leaving out what the spec's defaults already say.

    Defaults (MCP spec): readOnlyHint false, destructiveHint true, idempotentHint false,
    openWorldHint true (the store is an open world). The destructive and idempotent hints only
    mean something for tools that are not read-only. The title is the tool's own `title`.
    """
    if effect is Effect.READ:
        return ToolAnnotations(read_only_hint=True)
    return ToolAnnotations(destructive_hint=effect.needs_confirmation, idempotent_hint=idempotent or None)


class PassThroughMetadata(FuncMetadata):
    """Hands any arguments on whole as `arguments`, unchecked and unparsed: the gate validates them.

    Its `arg_model` is the SDK's empty base, which nothing reads: the Tool is made here, with the
    published schema, and this argument check replaces the model's."""

    def validate_arguments(self, arguments_to_validate: dict[str, Any]) -> dict[str, Any]:
        return {"arguments": arguments_to_validate}


def _signed(fn: Any, name: str, parameters: list[inspect.Parameter], returns: Any) -> Any:
    fn.__signature__ = inspect.Signature(parameters, return_annotation=returns)
    fn.__name__ = fn.__qualname__ = name
    fn.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": returns}
    return fn


def _keyword(name: str, annotation: Any) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation)


def build_tool(spec: ToolSpec[Any, Any], gate: Gate, offered: frozenset[str]) -> Tool:
    """The MCP tool for `spec` on a server offering `offered`: any arguments in, the gate's
    CallToolResult out."""
    parameters = [_keyword("ctx", Context), _keyword("arguments", dict[str, Any])]
    if gate.may_need_confirmation(spec):

        async def prepare(arguments: dict[str, Any]) -> Prepared:
            return await gate.prepare(spec, arguments, offered)

        prepared = _keyword("prepared", Annotated[Prepared, Resolve(prepare)])

        async def ask(ctx: Context, prepared: Prepared) -> Any:
            return await gate.ask(prepared, ctx)

        _signed(prepare, f"prepare_{spec.name}", [_keyword("arguments", dict[str, Any])], Prepared)
        _signed(ask, f"confirm_{spec.name}", [_keyword("ctx", Context), prepared], Any)
        consent = _keyword("consent", Annotated[ElicitationResult[Approval], Resolve(ask)])
        parameters += [prepared, consent]

    async def call(
        ctx: Context,
        arguments: dict[str, Any],
        prepared: Prepared | None = None,
        consent: ElicitationResult[Approval] | None = None,
    ) -> CallToolResult:
        return await gate.call(spec, arguments, ctx, prepared, consent, offered)

    _signed(call, spec.name, parameters, CallToolResult)
    resolved = find_resolved_parameters(call)
    return Tool(
        fn=call,
        name=spec.name,
        title=spec.title,
        description=spec.description,
        parameters=compact_schema(gate.arguments_model(spec)),
        # The output schema is published, not checked: see the module docstring.
        fn_metadata=PassThroughMetadata(arg_model=ArgModelBase, output_schema=output_schema(spec.output)),
        is_async=True,
        context_kwarg="ctx",
        resolved_params=resolved,
        resolver_plans=build_resolver_plans(resolved, {"arguments"}),
        annotations=annotations(spec.effect, idempotent=spec.idempotent),
    )
