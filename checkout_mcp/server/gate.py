"""The one gate every tool call passes: check, decide, confirm if needed, journal, run, say what happened.

A call, in order:
1. `prepare` (before anyone is asked): the policy decides from configuration and the tool's
   declared effect, never from anything the client sends; the arguments are validated (errors
   written for the agent, nothing sent); a tool with a preview reads what it would act on and
   says what would make it fail (then it is refused: no human is asked to approve a call that
   cannot succeed) and whether one of the store owner's limits applies (then only a human may
   confirm it, in every mode).
2. `ask` (a resolver, before the call body): puts the preview to the human by MCP elicitation
   when confirmation is needed and the client can ask. The human's answer must match the
   requested schema exactly; anything else is a decline.
3. `call`: a call that needs confirmation without a human's yes gets `confirmation_required`:
   the preview and a single-use id bound to the tool, arguments, store, checkout state and the
   caller's session. Then, holding the checkout's lock (so none of this server's own writes to
   it can slip in), a tool with a preview reads the state again and runs only if it is exactly
   what was approved; otherwise nothing is sent and the new preview goes back to be confirmed.
   Every non-read call is journaled before it runs and after.

Results are valid for every MCP client: a success conforms to the tool's output schema; every
refusal and error is an `isError` result with text content only, plus `_meta` where a program
needs the details (`io.checkout-mcp/confirmation`), since clients check structured content of
error results against the output schema too. One exception, which the 2026-07-28 protocol
demands: a call only a human may confirm, from a client that declared no elicitation, is the
protocol error -32021 (MissingRequiredClientCapability, naming `elicitation`) on that protocol.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache, cached_property, partial
from typing import Any

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.elicitation import AcceptedElicitation, ElicitationResult
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.resolve import Elicit
from mcp.shared.exceptions import MCPError
from mcp.types import (
    MISSING_REQUIRED_CLIENT_CAPABILITY,
    CallToolResult,
    ClientCapabilities,
    ElicitationCapability,
    FormElicitationCapability,
    MissingRequiredClientCapabilityErrorData,
    TextContent,
)
from mcp.types.version import is_version_at_least
from pydantic import BaseModel, Field, PrivateAttr, ValidationError, create_model, model_validator

from checkout_mcp.bigcommerce.errors import BigCommerceError, ClientError, UpstreamUnavailable
from checkout_mcp.canonical import canonical_json
from checkout_mcp.policy.audit import AuditDecision, AuditJournal, Outcome
from checkout_mcp.policy.confirmation import CONFIRMATION_ID_ARGUMENT, ConfirmationBook, ConfirmationRefused
from checkout_mcp.policy.effects import Effect
from checkout_mcp.policy.locks import CheckoutLocks, checkout_lock
from checkout_mcp.policy.modes import Decision, PolicySettings, Verdict, decide, is_listed, limit_exceeded
from checkout_mcp.policy.redact import Redactor
from checkout_mcp.quoting import quoted
from checkout_mcp.tools.arguments import describe_invalid
from checkout_mcp.tools.registry import (
    OrderCancelled,
    OutcomeUnknown,
    Preview,
    ToolArgs,
    ToolContext,
    ToolSpec,
)

CONFIRMATION_META = "io.checkout-mcp/confirmation"
RESULT_ID_FIELDS = ("checkout_id", "order_id", "consignment_id")


class Approval(BaseModel):
    """The question put to the human: run this call or not.

    Only `{"confirm": true}` or `{"confirm": false}` is an answer; anything else (`"yes"`, `1`, extra
    keys) is taken as a decline and journaled as a malformed answer, never coerced into a yes.
    """

    confirm: bool = Field(description="Run it")
    _malformed: bool = PrivateAttr(default=False)

    @model_validator(mode="wrap")
    @classmethod
    def _exactly_a_boolean(cls, data: Any, handler: Any) -> Approval:
        if isinstance(data, Approval):
            return data
        if isinstance(data, dict) and set(data) == {"confirm"} and isinstance(data["confirm"], bool):
            approval: Approval = handler(data)
            return approval
        declined: Approval = handler({"confirm": False})
        declined._malformed = True
        return declined

    @property
    def malformed(self) -> bool:
        return self._malformed


class NotAsked:
    """The resolver's answer when it did not ask the human (not needed, or the client cannot ask)."""


@dataclass(frozen=True)
class Rules:
    """What the policy makes of one tool. It follows from the configuration and the tool's
    declaration alone, so the gate works it out once per tool, not on every call."""

    decision: Decision
    may_need_confirmation: bool
    takes_confirmation_id: bool
    arguments: type[ToolArgs]
    """The tool's arguments, plus `confirmation_id` where a confirmation id may confirm it."""
    structured: frozenset[str]
    """The arguments that are not plain strings: a client may send one as a JSON string."""


@dataclass(frozen=True)
class Prepared:
    """A call checked before anyone is asked: what it is, the decision, and why it may not run."""

    spec: ToolSpec[Any, Any]
    given: dict[str, Any]
    """The arguments as sent (JSON strings taken as what they say), any confirmation id included."""
    decision: Decision
    args: ToolArgs | None = None
    confirmation_id: str | None = None
    refusal: str | None = None
    journal_refusal: bool = True
    preview: Preview | None = None
    human_reason: str | None = None
    offered: frozenset[str] | None = None
    """The tools of the server the call came through: its result names no other."""

    @cached_property
    def arguments(self) -> dict[str, Any]:
        """The arguments journaled and bound to a confirmation id: the validated ones in JSON form
        (those sent, without a confirmation id, when they are invalid). Made only when needed."""
        if self.args is not None:
            return self.args.model_dump(mode="json")
        return {key: value for key, value in self.given.items() if key != CONFIRMATION_ID_ARGUMENT}

    @property
    def needs_confirmation(self) -> bool:
        if self.refusal is not None or (self.preview is not None and self.preview.harmless):
            return False
        return self.decision.verdict is Verdict.NEEDS_CONFIRMATION or self.human_reason is not None


def can_elicit(ctx: Context) -> bool:
    """Whether this client can put a question to its human (form elicitation)."""
    capabilities = ctx.client_capabilities
    elicitation = capabilities.elicitation if capabilities is not None else None
    return elicitation is not None and (elicitation.form is not None or elicitation.url is None)


def missing_elicitation(ctx: Context, text: str) -> MCPError | None:
    """On 2026-07-28 and later, the error for a call that needs the elicitation the client did not declare.

    That protocol says a server must not rely on a capability the client did not declare and must
    answer -32021, naming it; before it there is no such error, and the refusal stays a tool result.
    """
    if ctx.protocol_version is None or not is_version_at_least(ctx.protocol_version, "2026-07-28"):
        return None
    required = ClientCapabilities(elicitation=ElicitationCapability(form=FormElicitationCapability()))
    data = MissingRequiredClientCapabilityErrorData(required_capabilities=required)
    return MCPError(
        code=MISSING_REQUIRED_CLIENT_CAPABILITY,
        message=text,
        data=data.model_dump(by_alias=True, mode="json", exclude_none=True),
    )


def client_name(ctx: Context) -> str | None:
    params = ctx.session.client_params
    return params.client_info.name if params is not None else None


def principal_of() -> str | None:
    """The name of the bearer token this call came with; None on stdio and on loopback without auth.

    The SDK's auth middleware keeps the verified token in a context variable, which the SDK hands on
    from the HTTP request to the tool call it carries.
    """
    token = get_access_token()
    return token.client_id if token is not None else None


def caller_of(ctx: Context) -> str | None:
    """Who is calling, for binding confirmation ids: the token's principal and the MCP session.

    Streamable HTTP with a session names it in `mcp-session-id` (the transport refuses unknown
    ones, and ones opened by another principal). Stdio has one peer per process; the 2026-07-28
    protocol has no sessions at all: there an id is bound to the principal (if any), the store and
    the call.
    """
    principal = principal_of()
    session_id = (ctx.headers or {}).get("mcp-session-id")
    parts = [f"principal:{principal}" if principal else "", f"session:{session_id}" if session_id else ""]
    return " ".join(part for part in parts if part) or None


def lock_key(store: str, args: ToolArgs) -> str | None:
    """The lock a call on `args` takes: its checkout (= cart) or its order."""
    for name in ("checkout_id", "cart_id"):
        value = getattr(args, name, None)
        if value is not None:
            return checkout_lock(store, str(value))
    order_id = getattr(args, "order_id", None)
    return f"{store}:order:{order_id}" if order_id is not None else None


def _json_strings_parsed(structured: frozenset[str], arguments: dict[str, Any]) -> dict[str, Any]:
    """Some clients send a list or object argument as a JSON string; take it as what it says.

    `structured`: the arguments that are not plain strings. `arguments` itself when nothing was parsed.
    """
    parsed = arguments
    for name, value in arguments.items():
        if name not in structured or not isinstance(value, str):
            continue
        if value.lstrip()[:1] not in ("[", "{"):  # an id, a code: not worth a failed parse
            continue
        try:
            decoded = json.loads(value)
        except ValueError:
            continue
        if isinstance(decoded, list | dict):
            parsed = {**parsed, name: decoded}
    return parsed


def _plain_preview(spec: ToolSpec[Any, Any], args: ToolArgs) -> Preview:
    """For a tool confirmed by configuration that has no preview of its own: the call as it stands."""
    arguments = args.model_dump(mode="json")
    text = f"Run {spec.name} ({spec.effect}) with {quoted('arguments', canonical_json(arguments))}."
    return Preview(text=text, details=arguments, fingerprint=arguments)


def _error(text: str, meta: dict[str, Any] | None = None) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True, meta=meta)


@dataclass
class Gate:
    tools: ToolContext
    settings: PolicySettings
    store_is_live: bool
    journal: AuditJournal
    confirmations: ConfirmationBook
    redactor: Redactor
    locks: CheckoutLocks
    _rules: dict[str, Rules] = field(default_factory=dict, init=False, repr=False)

    def rules(self, spec: ToolSpec[Any, Any]) -> Rules:
        """What the policy makes of `spec`, worked out on its first call."""
        known = self._rules.get(spec.name)
        if known is None:
            known = self._rules[spec.name] = self._rules_for(spec)
        return known

    def _rules_for(self, spec: ToolSpec[Any, Any]) -> Rules:
        settings = self.settings
        decision = decide(settings, spec.name, spec.effect, store_is_live=self.store_is_live)
        has_limits = settings.max_order_total is not None or settings.max_line_quantity is not None
        limited = has_limits and spec.preview is not None and spec.effect is Effect.IRREVERSIBLE
        may_need_confirmation = decision.verdict is Verdict.NEEDS_CONFIRMATION or (
            limited and decision.verdict is not Verdict.BLOCKED
        )
        takes_id = may_need_confirmation and settings.confirmation == "any" and not decision.human_only
        model = _with_confirmation_id(spec.args) if takes_id else spec.args
        return Rules(
            decision=decision,
            may_need_confirmation=may_need_confirmation,
            takes_confirmation_id=takes_id,
            arguments=model,
            structured=frozenset(
                name for name, info in model.model_fields.items() if info.annotation is not str
            ),
        )

    def listed(self, spec: ToolSpec[Any, Any]) -> bool:
        return is_listed(self.settings, spec.name, spec.effect)

    def may_need_confirmation(self, spec: ToolSpec[Any, Any]) -> bool:
        return self.rules(spec).may_need_confirmation

    def arguments_model(self, spec: ToolSpec[Any, Any]) -> type[ToolArgs]:
        """The tool's arguments, plus `confirmation_id` where a confirmation id may confirm it."""
        return self.rules(spec).arguments

    async def prepare(
        self, spec: ToolSpec[Any, Any], raw: dict[str, Any], offered: frozenset[str] | None = None
    ) -> Prepared:
        """Everything decided before anyone is asked; never raises (the call reports refusals).

        `offered`: the tools of the server the call came through (its result names no other)."""
        rules = self.rules(spec)
        decision = rules.decision
        given = _json_strings_parsed(rules.structured, raw)
        made = partial(Prepared, spec=spec, given=given, decision=decision, offered=offered)
        if decision.verdict is Verdict.BLOCKED:
            return made(refusal=f"blocked: {decision.reason} Nothing was done.")
        try:
            checked = rules.arguments.model_validate(given)
        except ValidationError as error:
            return made(refusal=describe_invalid(spec.name, rules.arguments, error), journal_refusal=False)
        args, confirmation_id = checked, None
        if rules.takes_confirmation_id:
            args = spec.args.model_validate({k: v for k, v in given.items() if k != CONFIRMATION_ID_ARGUMENT})
            confirmation_id = getattr(checked, CONFIRMATION_ID_ARGUMENT)
        made = partial(made, args=args, confirmation_id=confirmation_id)
        if not rules.may_need_confirmation:
            return made()
        if spec.preview is None:
            return made(preview=_plain_preview(spec, args), human_reason=self._human_reason(decision, None))
        try:
            preview = await spec.preview(self.tools, args)
        except (ClientError, ToolError) as error:
            return made(refusal=f"{spec.name} cannot run: {error} Nothing was asked or done.")
        if preview.blockers:
            return made(preview=preview, refusal=self._blocked_text(spec, preview))
        return made(preview=preview, human_reason=self._human_reason(decision, preview))

    def _human_reason(self, decision: Decision, preview: Preview | None) -> str | None:
        """Why only a human may confirm this call, if only a human may."""
        limit = limit_exceeded(self.settings, preview.grand_total, preview.quantities) if preview else None
        if limit is not None:
            return f"{limit}, so a human must confirm it"
        if decision.human_only:
            return decision.reason
        if self.settings.confirmation == "human" and decision.verdict is Verdict.NEEDS_CONFIRMATION:
            return "only a human may confirm it (confirmation = human)"
        return None

    @staticmethod
    def _blocked_text(spec: ToolSpec[Any, Any], preview: Preview) -> str:
        return (
            f"{spec.name} would fail, so nobody was asked and nothing was done: "
            f"{'; '.join(preview.blockers)}. Fix that first, then call {spec.name} again."
        )

    async def ask(self, prepared: Prepared, ctx: Context) -> Any:
        """Runs before the call body: puts the preview to the human when needed and possible."""
        if not prepared.needs_confirmation or prepared.preview is None or not can_elicit(ctx):
            return NotAsked()
        if prepared.confirmation_id and prepared.human_reason is None:
            return NotAsked()
        limit = f"\nLimit: {prepared.human_reason}." if prepared.human_reason else ""
        message = (
            f"{prepared.preview.text}{limit}\nConfirm to run {prepared.spec.name}; decline to do nothing."
        )
        return Elicit(message, Approval)

    async def call(
        self,
        spec: ToolSpec[Any, Any],
        raw: dict[str, Any],
        ctx: Context,
        prepared: Prepared | None = None,
        consent: ElicitationResult[Any] | None = None,
        offered: frozenset[str] | None = None,
    ) -> CallToolResult:
        prepared = prepared or await self.prepare(spec, raw, offered)
        if prepared.refusal is not None:
            if prepared.journal_refusal:
                self._journal_decision(prepared, ctx, AuditDecision.BLOCKED, prepared.refusal)
            return _error(prepared.refusal)
        how: AuditDecision | None = AuditDecision.ALLOWED
        if prepared.needs_confirmation:
            answered = self._human_answer(prepared, consent, ctx)
            if isinstance(answered, CallToolResult):
                return answered
            if answered is None and (prepared.human_reason is not None or prepared.confirmation_id is None):
                return self._without_human(prepared, ctx)
            how = answered  # None: the confirmation id is redeemed under the lock
        assert prepared.args is not None
        key = lock_key(self.tools.store_identity, prepared.args) if spec.effect is not Effect.READ else None
        if key is None:
            return await self._run_locked(prepared, ctx, how)
        async with self.locks.hold(key):
            return await self._run_locked(prepared, ctx, how)

    def _human_answer(
        self, prepared: Prepared, consent: ElicitationResult[Any] | None, ctx: Context
    ) -> AuditDecision | CallToolResult | None:
        """The human's yes, a refusal result for a no, or None when no human was asked."""
        if consent is None or (
            isinstance(consent, AcceptedElicitation) and isinstance(consent.data, NotAsked)
        ):
            return None
        if isinstance(consent, AcceptedElicitation) and isinstance(consent.data, Approval):
            if consent.data.confirm:
                return AuditDecision.CONFIRMED_BY_HUMAN
            why = (
                "the answer did not match the question asked"
                if consent.data.malformed
                else "the user answered no"
            )
        else:
            why = f"the user chose {consent.action}"
        self._journal_decision(prepared, ctx, AuditDecision.DECLINED, why)
        return _error(f"declined: {why}; {prepared.spec.name} did not run. Nothing was done.")

    def _without_human(self, prepared: Prepared, ctx: Context) -> CallToolResult:
        """No human answered and no id was given (or only a human may confirm): refuse, with a preview.

        Raises:
            MCPError: -32021 on 2026-07-28 when only a human may confirm (see `missing_elicitation`).
        """
        if prepared.human_reason is not None:
            reason = f"{prepared.human_reason}, and this client cannot ask one"
            self._journal_decision(prepared, ctx, AuditDecision.BLOCKED, reason)
            text = (
                f"blocked: {prepared.spec.name} needs confirmation: {reason}. Nothing was done. "
                "Use an MCP client that supports elicitation, or ask the operator."
            )
            error = missing_elicitation(ctx, text)
            if error is not None:
                raise error
            return _error(text)
        assert prepared.preview is not None
        return self._confirmation_required(prepared, prepared.preview, ctx, refused=None)

    async def _run_locked(
        self, prepared: Prepared, ctx: Context, how: AuditDecision | None
    ) -> CallToolResult:
        """Holding the lock (if the call has one): check again what the call will act on, then run it.

        `how` None: the call carries a confirmation id, redeemed here against the state read now.
        """
        spec = prepared.spec
        assert prepared.args is not None
        if spec.preview is None:
            return await self._run(prepared, ctx, how or AuditDecision.ALLOWED, None)
        try:
            fresh = await spec.preview(self.tools, prepared.args)
        except (ClientError, ToolError) as error:
            return _error(f"{spec.name} cannot run: {error} Nothing was done.")
        if fresh.blockers:
            text = self._blocked_text(spec, fresh)
            self._journal_decision(prepared, ctx, AuditDecision.BLOCKED, text)
            return _error(text)
        if not prepared.needs_confirmation or fresh.harmless:
            return await self._run(prepared, ctx, how or AuditDecision.ALLOWED, fresh)
        if how is None:
            assert prepared.confirmation_id is not None
            try:
                self.confirmations.redeem(
                    prepared.confirmation_id,
                    spec.name,
                    prepared.arguments,
                    self.tools.store_identity,
                    fresh.fingerprint,
                    caller_of(ctx),
                )
            except ConfirmationRefused as refused:
                return self._confirmation_required(prepared, fresh, ctx, refused=str(refused))
            return await self._run(prepared, ctx, AuditDecision.CONFIRMED_BY_ID, fresh)
        assert prepared.preview is not None
        if fresh.fingerprint != prepared.preview.fingerprint:
            changed = "The checkout changed while the confirmation was pending; nothing was sent."
            return self._confirmation_required(prepared, fresh, ctx, refused=changed)
        return await self._run(prepared, ctx, how, fresh)

    def _confirmation_required(
        self,
        prepared: Prepared,
        preview: Preview,
        ctx: Context,
        *,
        refused: str | None,
    ) -> CallToolResult:
        """A fresh preview and (where ids may confirm) a confirmation id, as an error result."""
        spec = prepared.spec
        lead = f"refused confirmation: {refused} " if refused else ""
        human = self._human_reason(prepared.decision, preview)
        if human is not None or not self.rules(spec).takes_confirmation_id:
            reason = human or "only a human may confirm it"
            self._journal_decision(prepared, ctx, AuditDecision.BLOCKED, f"{lead}{reason}")
            return _error(
                f"{lead}needs a human's confirmation: {preview.text} Nothing was done. "
                f"Call {spec.name} again from a client that can ask the user ({reason})."
            )
        issued = self.confirmations.issue(
            spec.name, prepared.arguments, self.tools.store_identity, preview.fingerprint, caller_of(ctx)
        )
        self._journal_decision(
            prepared, ctx, AuditDecision.CONFIRMATION_REQUIRED, refused, {"confirmation_id": issued.id}
        )
        expires = issued.expires_at.isoformat(timespec="seconds")
        text = (
            f"{lead}needs confirmation: {preview.text} Nothing was done. Show this to the user; "
            f"if they agree, call {spec.name} again with the same arguments and confirmation_id={issued.id} "
            f"(single use, this session only, expires {expires})."
        )
        meta = {
            CONFIRMATION_META: {
                "status": "confirmation_required",
                "confirmation_id": issued.id,
                "expires_at": expires,
                "preview": preview.details,
            }
        }
        return _error(text, meta)

    async def _run(
        self, prepared: Prepared, ctx: Context, how: AuditDecision, preview: Preview | None
    ) -> CallToolResult:
        """Run the handler; every non-read call is journaled before and after."""
        spec = prepared.spec
        args = prepared.args
        record = None
        if spec.effect is not Effect.READ:
            record = self.journal.begin(
                tool=spec.name,
                effect=spec.effect,
                arguments=prepared.arguments,
                decision=how,
                client=client_name(ctx),
                reason=prepared.decision.reason,
                principal=principal_of(),
            )
        try:
            if spec.preview is not None:
                output = await spec.handler(self.tools, args, preview)
            else:
                output = await spec.handler(self.tools, args)
        except (ClientError, ToolError) as error:
            if record is not None:
                self._journal_failure(record, error)
            return _error(str(error))
        for secret in output.secrets():
            self.redactor.register(secret)
        if prepared.offered is not None:
            output = output.offered_only(prepared.offered)
        structured = output.model_dump(mode="json", exclude_none=True)
        if isinstance(structured.get("checkout_id"), str):
            self.tools.known.saw(structured["checkout_id"])
        if record is not None:
            ids = {key: structured[key] for key in RESULT_ID_FIELDS if key in structured}
            self.journal.complete(record, outcome=Outcome.SUCCEEDED, result_ids=ids, principal=principal_of())
        return CallToolResult(
            content=[TextContent(type="text", text=output.summary())], structured_content=structured
        )

    def _journal_failure(self, record: int, error: Exception) -> None:
        if isinstance(error, OrderCancelled):
            self.journal.complete(
                record,
                outcome=Outcome.CANCELLED,
                result_ids={"order_id": error.order_id},
                error=str(error),
                principal=principal_of(),
            )
            return
        ambiguous = isinstance(error, OutcomeUnknown) or (
            isinstance(error, UpstreamUnavailable) and error.ambiguous
        )
        upstream = error if isinstance(error, BigCommerceError) else None
        self.journal.complete(
            record,
            outcome=Outcome.AMBIGUOUS if ambiguous else Outcome.FAILED,
            upstream_status=upstream.status if upstream else None,
            request_id=upstream.request_id if upstream else None,
            error=str(error),
            principal=principal_of(),
        )

    def _journal_decision(
        self,
        prepared: Prepared,
        ctx: Context,
        decision: AuditDecision,
        reason: str | None,
        result_ids: dict[str, Any] | None = None,
    ) -> None:
        self.journal.record_decision(
            tool=prepared.spec.name,
            effect=prepared.spec.effect,
            arguments=prepared.arguments,
            decision=decision,
            client=client_name(ctx),
            reason=reason,
            result_ids=result_ids,
            principal=principal_of(),
        )


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
