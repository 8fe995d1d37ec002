"""The one gate every tool call passes: decide, confirm if needed, run, report in words an agent acts on."""

from __future__ import annotations

from typing import Any

from mcp.server.elicitation import AcceptedElicitation, ElicitationResult
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent
from pydantic import BaseModel, Field, ValidationError

from checkout_mcp.bigcommerce.errors import InvalidIdentifier, OperationNotSupported, UpstreamError
from checkout_mcp.bigcommerce.store import Store
from checkout_mcp.policy.modes import PolicySettings, Verdict, decide, is_listed
from checkout_mcp.tools.registry import ToolArgs, ToolOutput, ToolSpec


class Approval(BaseModel):
    """The question put to the human: run this call or not."""

    confirm: bool = Field(description="Run it")


def invalid_arguments(tool: str, error: ValidationError) -> ToolError:
    """pydantic's findings as `field: problem` lines, with what to do."""
    problems = "; ".join(
        f"{'.'.join(str(part) for part in problem['loc']) or 'arguments'}: {problem['msg']}"
        for problem in error.errors()
    )
    return ToolError(
        f"Invalid arguments for {tool}: {problems}. Nothing was sent to the store; fix and call again."
    )


class Gate:
    def __init__(self, store: Store, settings: PolicySettings, *, store_is_live: bool) -> None:
        self.store = store
        self.settings = settings
        self.store_is_live = store_is_live

    def listed(self, spec: ToolSpec[Any, Any]) -> bool:
        return is_listed(self.settings, spec.name, spec.effect)

    def may_need_confirmation(self, spec: ToolSpec[Any, Any]) -> bool:
        verdict = decide(self.settings, spec.name, spec.effect, store_is_live=self.store_is_live).verdict
        return verdict is Verdict.NEEDS_CONFIRMATION

    def arguments_model(self, spec: ToolSpec[Any, Any]) -> type[ToolArgs]:
        return spec.args

    async def ask(self, spec: ToolSpec[Any, Any], values: dict[str, Any], ctx: Context) -> Any:
        return None

    async def call(
        self,
        spec: ToolSpec[Any, Any],
        values: dict[str, Any],
        ctx: Context,
        consent: ElicitationResult[Approval] | None,
    ) -> CallToolResult:
        decision = decide(self.settings, spec.name, spec.effect, store_is_live=self.store_is_live)
        if decision.verdict is Verdict.BLOCKED:
            raise ToolError(f"blocked: {decision.reason}")
        try:
            args = spec.args.model_validate(values)
        except ValidationError as error:
            raise invalid_arguments(spec.name, error) from error
        if decision.verdict is Verdict.NEEDS_CONFIRMATION and not isinstance(consent, AcceptedElicitation):
            raise ToolError(f"needs confirmation: {decision.reason}")
        return result(await run(spec, self.store, args))


async def run(spec: ToolSpec[Any, Any], store: Store, args: ToolArgs) -> ToolOutput:
    """Run the handler; upstream failures become tool errors that keep BigCommerce's own words."""
    try:
        return await spec.handler(store, args)
    except (UpstreamError, OperationNotSupported, InvalidIdentifier) as error:
        raise ToolError(str(error)) from error


def result(output: ToolOutput) -> CallToolResult:
    return CallToolResult(
        content=[TextContent(type="text", text=output.summary())],
        structured_content=output.model_dump(mode="json", exclude_none=True),
    )
