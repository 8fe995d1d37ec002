"""Policy modes and the one pure function that decides what may happen to a tool call.

The decision depends only on configuration, the tool's declared effect and whether the store is
live: nothing a client sends is an input, so no client can loosen the configured policy.
Per-tool overrides can only make a tool stricter (require confirmation, or disable it). The store
owner's limits (an order total, a quantity per line, tools that always need a human) make a call
need a human even in `auto` mode; a confirmation id does not stand in for one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from checkout_mcp.policy.effects import Effect


class Mode(StrEnum):
    READ_ONLY = "read-only"
    CONFIRM = "confirm"
    AUTO = "auto"


class ToolOverride(StrEnum):
    CONFIRM = "confirm"
    DISABLED = "disabled"


class PolicySettings(BaseModel):
    """The `[policy]` section of the configuration."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: Mode = Field(
        Mode.CONFIRM,
        description="read-only: only read tools; confirm: destructive and irreversible calls need "
        "confirmation; auto: no confirmation (sandbox, or a live store with allow_auto_on_live_store).",
    )
    confirmation: Literal["any", "human"] = Field(
        "any",
        description="any: a human (elicitation) or a confirmation id; human: only a human through "
        "elicitation may confirm, so clients that cannot elicit cannot run confirmed tools.",
    )
    allow_auto_on_live_store: bool = Field(
        False, description="Permit mode = auto against a live store. Off: auto is refused there."
    )
    confirmation_ttl_seconds: int = Field(300, gt=0, description="How long a confirmation id stays valid.")
    journal: Path | None = Field(
        None,
        description="The append-only, hash-chained audit journal (JSON lines); unset: audit.jsonl in the "
        "store's state folder (see [state] dir), or the chain in Redis when [state] redis_url is set.",
    )
    overrides: dict[str, ToolOverride] = Field(
        default_factory=dict,
        description="Per-tool: 'confirm' requires confirmation for that tool, 'disabled' removes it.",
    )
    max_order_total: Decimal | None = Field(
        None,
        gt=0,
        description="An order (or finalize) above this grand total needs a human, in every mode.",
    )
    max_line_quantity: int | None = Field(
        None, ge=1, description="An order with a line above this quantity needs a human, in every mode."
    )
    human_only: list[str] = Field(
        default_factory=list, description="Tools that always need a human's confirmation (elicitation)."
    )


class PolicyConfigError(ValueError):
    """The policy configuration cannot be honoured for this store; the server must not start."""


class Verdict(StrEnum):
    ALLOW = "allow"
    NEEDS_CONFIRMATION = "needs_confirmation"
    BLOCKED = "blocked"


@dataclass(frozen=True)
class Decision:
    """What the gate must do with a call, and why (the reason is journaled and shown to the agent)."""

    verdict: Verdict
    reason: str
    human_only: bool = False


def validate_mode(settings: PolicySettings, store_is_live: bool) -> None:
    """Refuse `auto` against a live store unless the configuration explicitly allows it."""
    if settings.mode is Mode.AUTO and store_is_live and not settings.allow_auto_on_live_store:
        raise PolicyConfigError(
            "policy.mode = 'auto' runs destructive and irreversible calls on a live store without "
            "confirmation; set policy.allow_auto_on_live_store = true to permit it, or use mode 'confirm'."
        )


def validate_overrides(settings: PolicySettings, tool_names: Iterable[str]) -> None:
    """Refuse tool names that do not exist: a misspelt 'disabled' must not leave a tool enabled."""
    known = set(tool_names)
    for key, named in (("overrides", settings.overrides), ("human_only", settings.human_only)):
        unknown = sorted(set(named) - known)
        if unknown:
            raise PolicyConfigError(f"policy.{key} names unknown tools: {', '.join(unknown)}")


def _blocked_reason(settings: PolicySettings, tool: str, effect: Effect) -> str | None:
    if settings.overrides.get(tool) is ToolOverride.DISABLED:
        return f"{tool} is disabled by the server's policy configuration."
    if settings.mode is Mode.READ_ONLY and effect is not Effect.READ:
        return f"The server is in read-only mode; {tool} is a {effect} tool."
    return None


def is_listed(settings: PolicySettings, tool: str, effect: Effect) -> bool:
    """Whether the tool is offered to clients at all (read-only mode and disabled tools hide it)."""
    return _blocked_reason(settings, tool, effect) is None


def decide(settings: PolicySettings, tool: str, effect: Effect, *, store_is_live: bool) -> Decision:
    """Allow, require confirmation, or block a call to `tool` with the declared `effect`.

    `auto` on a live store without allow_auto_on_live_store is refused at startup by
    `validate_mode`; should it reach here anyway, calls are treated as in `confirm` mode.
    """
    blocked = _blocked_reason(settings, tool, effect)
    if blocked is not None:
        return Decision(Verdict.BLOCKED, blocked)
    if tool in settings.human_only and effect is not Effect.READ:
        return Decision(
            Verdict.NEEDS_CONFIRMATION, f"{tool} always needs a human's confirmation (human_only).", True
        )
    if settings.overrides.get(tool) is ToolOverride.CONFIRM:
        return Decision(Verdict.NEEDS_CONFIRMATION, f"{tool} requires confirmation by configuration.")
    if not effect.needs_confirmation:
        return Decision(Verdict.ALLOW, f"{tool} is a {effect} tool.")
    auto = settings.mode is Mode.AUTO and (not store_is_live or settings.allow_auto_on_live_store)
    if auto:
        return Decision(Verdict.ALLOW, f"{tool} is {effect}; mode is auto.")
    return Decision(Verdict.NEEDS_CONFIRMATION, f"{tool} is {effect}: it must be confirmed before it runs.")


def limit_exceeded(
    settings: PolicySettings, grand_total: Decimal | None, quantities: Iterable[int]
) -> str | None:
    """Which of the store owner's limits this call passes, if any (said in the preview)."""
    if (
        settings.max_order_total is not None
        and grand_total is not None
        and grand_total > settings.max_order_total
    ):
        return f"the total {grand_total} is above the store's limit of {settings.max_order_total}"
    largest = max(quantities, default=0)
    if settings.max_line_quantity is not None and largest > settings.max_line_quantity:
        return f"a line of {largest} is above the store's limit of {settings.max_line_quantity} per line"
    return None
