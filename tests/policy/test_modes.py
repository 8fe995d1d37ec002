"""The policy decision table: modes x effects x overrides x sandbox/live store."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from pydantic import ValidationError

from checkout_mcp.policy.effects import Effect
from checkout_mcp.policy.modes import (
    Mode,
    PolicyConfigError,
    PolicySettings,
    ToolOverride,
    Verdict,
    decide,
    is_listed,
    validate_mode,
    validate_overrides,
)

A, N, B = Verdict.ALLOW, Verdict.NEEDS_CONFIRMATION, Verdict.BLOCKED
EFFECTS = (Effect.READ, Effect.WRITE, Effect.DESTRUCTIVE, Effect.IRREVERSIBLE)

# (mode, store is live, allow_auto_on_live_store) -> verdict for read, write, destructive, irreversible
BASE_TABLE: dict[tuple[Mode, bool, bool], tuple[Verdict, Verdict, Verdict, Verdict]] = {
    (Mode.READ_ONLY, False, False): (A, B, B, B),
    (Mode.READ_ONLY, True, False): (A, B, B, B),
    (Mode.READ_ONLY, True, True): (A, B, B, B),
    (Mode.CONFIRM, False, False): (A, A, N, N),
    (Mode.CONFIRM, True, False): (A, A, N, N),
    (Mode.CONFIRM, True, True): (A, A, N, N),
    (Mode.AUTO, False, False): (A, A, A, A),
    (Mode.AUTO, True, True): (A, A, A, A),
    # Refused at startup by validate_mode; if it ever reaches the gate, it behaves as confirm.
    (Mode.AUTO, True, False): (A, A, N, N),
}
STRICTNESS = {A: 0, N: 1, B: 2}


def expected(base: Verdict, override: ToolOverride | None) -> Verdict:
    if override is ToolOverride.DISABLED:
        return B
    if override is ToolOverride.CONFIRM:
        return B if base is B else N
    return base


CASES = [
    (mode, live, allow, effect, override, expected(row[index], override))
    for ((mode, live, allow), row), (index, effect), override in itertools.product(
        BASE_TABLE.items(), enumerate(EFFECTS), (None, ToolOverride.CONFIRM, ToolOverride.DISABLED)
    )
]


@pytest.mark.parametrize(("mode", "live", "allow", "effect", "override", "verdict"), CASES)
def test_decision_table(
    mode: Mode, live: bool, allow: bool, effect: Effect, override: ToolOverride | None, verdict: Verdict
) -> None:
    settings = PolicySettings(
        mode=mode,
        allow_auto_on_live_store=allow,
        overrides={"the_tool": override} if override else {},
    )
    decision = decide(settings, "the_tool", effect, store_is_live=live)
    assert decision.verdict is verdict
    assert decision.reason


@pytest.mark.parametrize(("mode", "live", "allow", "effect", "override", "verdict"), CASES)
def test_overrides_never_loosen(
    mode: Mode, live: bool, allow: bool, effect: Effect, override: ToolOverride | None, verdict: Verdict
) -> None:
    plain = PolicySettings(mode=mode, allow_auto_on_live_store=allow)
    base = decide(plain, "the_tool", effect, store_is_live=live).verdict
    assert STRICTNESS[verdict] >= STRICTNESS[base]


def test_an_override_applies_to_its_tool_only() -> None:
    settings = PolicySettings(overrides={"update_customer_message": ToolOverride.DISABLED})
    assert decide(settings, "update_customer_message", Effect.WRITE, store_is_live=True).verdict is B
    assert decide(settings, "create_cart", Effect.WRITE, store_is_live=True).verdict is A


def test_blocked_reasons_say_why() -> None:
    read_only = decide(
        PolicySettings(mode=Mode.READ_ONLY), "create_order", Effect.IRREVERSIBLE, store_is_live=False
    )
    assert "read-only" in read_only.reason and "create_order" in read_only.reason
    disabled = decide(
        PolicySettings(overrides={"get_order": ToolOverride.DISABLED}),
        "get_order",
        Effect.READ,
        store_is_live=False,
    )
    assert "disabled" in disabled.reason


def test_read_only_mode_lists_only_read_tools() -> None:
    settings = PolicySettings(mode=Mode.READ_ONLY, overrides={"get_order": ToolOverride.DISABLED})
    assert is_listed(settings, "get_checkout", Effect.READ)
    assert not is_listed(settings, "get_order", Effect.READ)
    assert not any(is_listed(settings, "t", effect) for effect in EFFECTS[1:])
    confirm = PolicySettings(overrides={"remove_coupon": ToolOverride.CONFIRM})
    assert all(is_listed(confirm, "remove_coupon", effect) for effect in EFFECTS)


def test_auto_on_a_live_store_needs_the_explicit_key() -> None:
    with pytest.raises(PolicyConfigError, match="allow_auto_on_live_store"):
        validate_mode(PolicySettings(mode=Mode.AUTO), store_is_live=True)
    validate_mode(PolicySettings(mode=Mode.AUTO), store_is_live=False)
    validate_mode(PolicySettings(mode=Mode.AUTO, allow_auto_on_live_store=True), store_is_live=True)
    validate_mode(PolicySettings(mode=Mode.CONFIRM), store_is_live=True)


def test_overrides_must_name_known_tools() -> None:
    settings = PolicySettings(
        overrides={"create_ordr": ToolOverride.DISABLED, "get_order": ToolOverride.CONFIRM}
    )
    with pytest.raises(PolicyConfigError, match="create_ordr"):
        validate_overrides(settings, ["create_order", "get_order"])
    validate_overrides(settings, ["create_ordr", "get_order"])


def test_settings_defaults_and_validation() -> None:
    settings = PolicySettings()
    assert (settings.mode, settings.confirmation, settings.confirmation_ttl_seconds) == (
        Mode.CONFIRM,
        "any",
        300,
    )
    assert settings.allow_auto_on_live_store is False
    assert PolicySettings.model_validate({"mode": "read-only", "overrides": {"x": "disabled"}}).overrides == {
        "x": ToolOverride.DISABLED
    }
    for bad in (
        {"mode": "yolo"},
        {"overrides": {"x": "allow"}},
        {"confirmation": "robot"},
        {"confirmation_ttl_seconds": 0},
        {"unknown_key": 1},
    ):
        with pytest.raises(ValidationError):
            PolicySettings.model_validate(bad)
    with pytest.raises(ValidationError):
        settings.mode = Mode.AUTO  # type: ignore[misc]


def test_file_locations_are_configurable() -> None:
    assert PolicySettings().journal is None  # the store's own, in its state folder
    settings = PolicySettings.model_validate({"journal": "/var/log/cmcp.jsonl"})
    assert settings.journal == Path("/var/log/cmcp.jsonl")
