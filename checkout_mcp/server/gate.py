"""The one gate every tool call passes: decide, confirm if needed, journal, run, say what happened.

Order of a call: the policy decides from configuration and the tool's declared effect (never from
anything the client sends); a blocked call is journaled and refused; a call that needs
confirmation gets it from the human (MCP elicitation, asked by `ask` before the call runs) or
from a confirmation id issued with a preview on an earlier call; then the call is journaled
before it runs and after. Errors and refusals are worded for an agent to act on.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from mcp.server.elicitation import AcceptedElicitation, ElicitationResult
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.resolve import Elicit
from mcp.types import CallToolResult, TextContent
from pydantic import BaseModel, Field, ValidationError, create_model

from checkout_mcp.bigcommerce.errors import (
    BigCommerceError,
    InvalidIdentifier,
    OperationNotSupported,
    UpstreamError,
    UpstreamUnavailable,
)
from checkout_mcp.policy.audit import AuditDecision, AuditJournal, Outcome
from checkout_mcp.policy.confirmation import ConfirmationBook, ConfirmationRefused
from checkout_mcp.policy.effects import Effect
from checkout_mcp.policy.modes import Decision, PolicySettings, Verdict, decide, is_listed
from checkout_mcp.policy.redact import Redactor
from checkout_mcp.tools.registry import Preview, ToolArgs, ToolContext, ToolSpec

CONFIRMATION_ID = "confirmation_id"
RESULT_ID_FIELDS = ("checkout_id", "cart_id", "order_id", "consignment_id")


class Approval(BaseModel):
    """The question put to the human: run this call or not."""

    confirm: bool = Field(description="Run it")


class NotAsked:
    """The resolver's answer when it did not ask the human (not needed, or the client cannot ask)."""


def invalid_arguments(tool: str, error: ValidationError) -> ToolError:
    """pydantic's findings as `field: problem` lines, with what to do."""
    problems = "; ".join(
        f"{'.'.join(str(part) for part in problem['loc']) or 'arguments'}: {problem['msg']}"
        for problem in error.errors()
    )
    return ToolError(
        f"Invalid arguments for {tool}: {problems}. Nothing was sent to the store; fix and call again."
    )


def can_elicit(ctx: Context) -> bool:
    """Whether this client can put a question to its human (form elicitation)."""
    capabilities = ctx.client_capabilities
    elicitation = capabilities.elicitation if capabilities is not None else None
    return elicitation is not None and (elicitation.form is not None or elicitation.url is None)


def client_name(ctx: Context) -> str | None:
    params = ctx.session.client_params
    return params.client_info.name if params is not None else None


@dataclass
class Gate:
    tools: ToolContext
    settings: PolicySettings
    store_is_live: bool
    journal: AuditJournal
    confirmations: ConfirmationBook
    redactor: Redactor

    def decision(self, spec: ToolSpec[Any, Any]) -> Decision:
        return decide(self.settings, spec.name, spec.effect, store_is_live=self.store_is_live)

    def listed(self, spec: ToolSpec[Any, Any]) -> bool:
        return is_listed(self.settings, spec.name, spec.effect)

    def may_need_confirmation(self, spec: ToolSpec[Any, Any]) -> bool:
        return self.decision(spec).verdict is Verdict.NEEDS_CONFIRMATION

    def takes_confirmation_id(self, spec: ToolSpec[Any, Any]) -> bool:
        return self.may_need_confirmation(spec) and self.settings.confirmation == "any"

    def arguments_model(self, spec: ToolSpec[Any, Any]) -> type[ToolArgs]:
        """The tool's arguments, plus `confirmation_id` where a confirmation id may confirm it."""
        return _with_confirmation_id(spec.args) if self.takes_confirmation_id(spec) else spec.args

    async def ask(self, spec: ToolSpec[Any, Any], values: dict[str, Any], ctx: Context) -> Any:
        """Runs before the call: puts the preview to the human when confirmation is needed and possible."""
        if values.get(CONFIRMATION_ID) or not self.may_need_confirmation(spec) or not can_elicit(ctx):
            return NotAsked()
        try:
            args = spec.args.model_validate(_without_confirmation_id(values))
        except ValidationError:
            return NotAsked()  # the call itself reports the invalid arguments
        preview = await self._preview(spec, args)
        return Elicit(f"{preview.text}\nConfirm to run {spec.name}; decline to do nothing.", Approval)

    async def call(
        self,
        spec: ToolSpec[Any, Any],
        values: dict[str, Any],
        ctx: Context,
        consent: ElicitationResult[Any] | None,
    ) -> CallToolResult:
        decision = self.decision(spec)
        client = client_name(ctx)
        arguments = _without_confirmation_id(values)
        if decision.verdict is Verdict.BLOCKED:
            self._journal_decision(spec, arguments, client, AuditDecision.BLOCKED, decision.reason)
            raise ToolError(f"blocked: {decision.reason} Nothing was done.")
        try:
            args = spec.args.model_validate(arguments)
        except ValidationError as error:
            raise invalid_arguments(spec.name, error) from error
        how = AuditDecision.ALLOWED
        if decision.verdict is Verdict.NEEDS_CONFIRMATION:
            confirmed = await self._confirmation(spec, args, values.get(CONFIRMATION_ID), consent, client)
            if isinstance(confirmed, CallToolResult):
                return confirmed
            how = confirmed
        return await self._run(spec, args, client, how, decision.reason)

    async def _confirmation(
        self,
        spec: ToolSpec[Any, Any],
        args: ToolArgs,
        confirmation_id: str | None,
        consent: ElicitationResult[Any] | None,
        client: str | None,
    ) -> AuditDecision | CallToolResult:
        """How this call was confirmed, or the result to return instead of running it."""
        arguments = args.model_dump(mode="json")
        if isinstance(consent, AcceptedElicitation) and isinstance(consent.data, Approval):
            if consent.data.confirm:
                return AuditDecision.CONFIRMED_BY_HUMAN
            self._declined(spec, arguments, client, "the user answered no")
        if consent is not None and not isinstance(consent, AcceptedElicitation):
            self._declined(spec, arguments, client, f"the user chose {consent.action}")
        if self.settings.confirmation == "human":
            reason = "only a human may confirm it (confirmation = human), and this client cannot ask one"
            self._journal_decision(spec, arguments, client, AuditDecision.BLOCKED, reason)
            raise ToolError(
                f"blocked: {spec.name} needs confirmation and {reason}. Nothing was done. "
                "Use an MCP client that supports elicitation, or ask the operator."
            )
        preview = await self._preview(spec, args)
        if confirmation_id is not None:
            try:
                self.confirmations.redeem(
                    confirmation_id, spec.name, arguments, self.tools.store_identity, preview.fingerprint
                )
                return AuditDecision.CONFIRMED_BY_ID
            except ConfirmationRefused as refused:
                return self._confirmation_required(spec, arguments, preview, client, refused=str(refused))
        return self._confirmation_required(spec, arguments, preview, client, refused=None)

    def _confirmation_required(
        self,
        spec: ToolSpec[Any, Any],
        arguments: dict[str, Any],
        preview: Preview,
        client: str | None,
        *,
        refused: str | None,
    ) -> CallToolResult:
        """A fresh preview and a confirmation id, as an error result the agent must act on."""
        issued = self.confirmations.issue(
            spec.name, arguments, self.tools.store_identity, preview.fingerprint
        )
        self._journal_decision(
            spec,
            arguments,
            client,
            AuditDecision.CONFIRMATION_REQUIRED,
            refused,
            {"confirmation_id": issued.id},
        )
        lead = f"refused confirmation: {refused} " if refused else ""
        text = (
            f"{lead}needs confirmation: {preview.text} Nothing was done. Show this to the user; "
            f"if they agree, call {spec.name} again with the same arguments and confirmation_id={issued.id} "
            f"(single use, expires {issued.expires_at.isoformat()})."
        )
        structured = {
            "status": "confirmation_required",
            "confirmation_id": issued.id,
            "expires_at": issued.expires_at.isoformat(),
            "preview": preview.details,
        }
        return CallToolResult(
            content=[TextContent(type="text", text=text)], structured_content=structured, is_error=True
        )

    def _declined(
        self, spec: ToolSpec[Any, Any], arguments: dict[str, Any], client: str | None, why: str
    ) -> None:
        self._journal_decision(spec, arguments, client, AuditDecision.DECLINED, why)
        raise ToolError(f"declined: {why}; {spec.name} did not run. Nothing was done.")

    async def _preview(self, spec: ToolSpec[Any, Any], args: ToolArgs) -> Preview:
        if spec.preview is None:
            text = f"Run {spec.name} ({spec.effect}) with {args.model_dump(mode='json')}."
            return Preview(text=text, details=args.model_dump(mode="json"), fingerprint=None)
        try:
            return await spec.preview(self.tools, args)
        except (UpstreamError, OperationNotSupported, InvalidIdentifier) as error:
            raise ToolError(f"Could not prepare the confirmation preview: {error}") from error

    async def _run(
        self, spec: ToolSpec[Any, Any], args: ToolArgs, client: str | None, how: AuditDecision, reason: str
    ) -> CallToolResult:
        """Run the handler; every non-read call is journaled before and after."""
        arguments = args.model_dump(mode="json")
        record = None
        if spec.effect is not Effect.READ:
            record = self.journal.begin(
                tool=spec.name,
                effect=spec.effect,
                arguments=arguments,
                decision=how,
                client=client,
                reason=reason,
            )
        try:
            output = await spec.handler(self.tools, args)
        except (UpstreamError, OperationNotSupported, InvalidIdentifier, ToolError) as error:
            if record is not None:
                self._journal_failure(record, error)
            if isinstance(error, ToolError):
                raise
            raise ToolError(str(error)) from error
        for secret in output.secrets():
            self.redactor.register(secret)
        structured = output.model_dump(mode="json", exclude_none=True)
        if record is not None:
            ids = {key: structured[key] for key in RESULT_ID_FIELDS if key in structured}
            self.journal.complete(record, outcome=Outcome.SUCCEEDED, result_ids=ids)
        return CallToolResult(
            content=[TextContent(type="text", text=output.summary())], structured_content=structured
        )

    def _journal_failure(self, record: int, error: Exception) -> None:
        ambiguous = isinstance(error, UpstreamUnavailable) and error.ambiguous
        upstream = error if isinstance(error, BigCommerceError) else None
        self.journal.complete(
            record,
            outcome=Outcome.AMBIGUOUS if ambiguous else Outcome.FAILED,
            upstream_status=upstream.status if upstream else None,
            request_id=upstream.request_id if upstream else None,
            error=str(error),
        )

    def _journal_decision(
        self,
        spec: ToolSpec[Any, Any],
        arguments: dict[str, Any],
        client: str | None,
        decision: AuditDecision,
        reason: str | None,
        result_ids: dict[str, Any] | None = None,
    ) -> None:
        self.journal.record_decision(
            tool=spec.name,
            effect=spec.effect,
            arguments=arguments,
            decision=decision,
            client=client,
            reason=reason,
            result_ids=result_ids,
        )


def _without_confirmation_id(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if key != CONFIRMATION_ID}


@cache
def _with_confirmation_id(args: type[ToolArgs]) -> type[ToolArgs]:
    return create_model(
        args.__name__,
        __base__=args,
        confirmation_id=(
            str | None,
            Field(
                default=None,
                pattern=r"^[A-Za-z0-9_-]{8,64}$",
                description="from a confirmation_required result",
            ),
        ),
    )
