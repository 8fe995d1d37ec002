"""Confirmation ids: how a client that cannot ask its human confirms a call it was shown.

A call that needs confirmation returns `confirmation_required` with a preview and an id. The id is
unguessable, single use, short-lived (measured on the server's clock: real time, injected so tests
can move it), and bound to what was previewed: the tool, the exact arguments, the store, a
fingerprint of the checkout's state, and the caller it was issued to (the MCP session, where the
transport has one). If any of those differ when the id comes back, the preview no longer describes
what would happen, or someone else is redeeming it, so the call is refused with the reason and the
agent must get a fresh preview.

Every redeem attempt uses the id up, whether it succeeds or not: a refused id is never retried.
Ids live in the shared state (state/), under their hash, so any process or replica serving the
store honours an id, once: redeeming takes it (read and delete in one step). Expiry is decided
here, on the server's clock; the state's own time limit (the lifetime plus a margin) only clears
away ids never redeemed.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from checkout_mcp.canonical import canonical_json, sha256_hex
from checkout_mcp.clock import Clock
from checkout_mcp.state.base import SharedState

CONFIRMATION_ID_ARGUMENT = "confirmation_id"
DEFAULT_TTL_SECONDS = 300
CLEANUP_MARGIN_SECONDS = 60
"""How long the state keeps an id past its lifetime, so a redeem just after expiry is told "expired"."""


@dataclass(frozen=True)
class Confirmation:
    id: str
    expires_at: datetime


class RefusalReason(StrEnum):
    UNKNOWN = "unknown_or_used"
    EXPIRED = "expired"
    TOOL_DIFFERS = "tool_differs"
    STORE_DIFFERS = "store_differs"
    ARGUMENTS_DIFFER = "arguments_differ"
    CHECKOUT_CHANGED = "checkout_changed"
    CALLER_DIFFERS = "caller_differs"


class ConfirmationRefused(Exception):
    """The confirmation id does not confirm this call; the message says why and what to do."""

    def __init__(self, reason: RefusalReason, detail: str) -> None:
        super().__init__(f"{detail} Call the tool again without confirmation_id to get a fresh preview.")
        self.reason = reason


@dataclass(frozen=True)
class _Pending:
    tool: str
    arguments: dict[str, str]
    store: str
    fingerprint: str
    caller: str | None
    expires_at: datetime

    def json(self) -> str:
        return canonical_json(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> _Pending:
        raw = json.loads(text)
        return cls(**{**raw, "expires_at": datetime.fromisoformat(raw["expires_at"])})


def _bound_arguments(arguments: Mapping[str, Any]) -> dict[str, str]:
    """Each argument's canonical JSON (exact: 1, 1.0 and true differ), without the confirmation id."""
    return {key: canonical_json(value) for key, value in arguments.items() if key != CONFIRMATION_ID_ARGUMENT}


def _id_hash(confirmation_id: str) -> str:
    return hashlib.sha256(confirmation_id.encode("utf-8")).hexdigest()


class ConfirmationBook:
    """Issues and redeems confirmation ids in the shared state. Thread- and task-safe (as the state is)."""

    def __init__(self, state: SharedState, clock: Clock, ttl_seconds: float = DEFAULT_TTL_SECONDS) -> None:
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be > 0")
        self._state = state
        self._clock = clock
        self._ttl = timedelta(seconds=ttl_seconds)

    def issue(
        self, tool: str, arguments: Mapping[str, Any], store: str, fingerprint: Any, caller: str | None = None
    ) -> Confirmation:
        """A new id confirming exactly this call on this store in this checkout state, for `caller`."""
        now = self._clock.now()
        confirmation = Confirmation(id=secrets.token_urlsafe(18), expires_at=now + self._ttl)
        pending = _Pending(
            tool=tool,
            arguments=_bound_arguments(arguments),
            store=store,
            fingerprint=sha256_hex(fingerprint),
            caller=caller,
            expires_at=confirmation.expires_at,
        )
        kept = self._ttl.total_seconds() + CLEANUP_MARGIN_SECONDS
        self._state.put_once(_id_hash(confirmation.id), pending.json(), kept)
        return confirmation

    def redeem(
        self,
        confirmation_id: str,
        tool: str,
        arguments: Mapping[str, Any],
        store: str,
        fingerprint: Any,
        caller: str | None = None,
    ) -> None:
        """Use the id up; return if it confirms this call, else raise `ConfirmationRefused`."""
        taken = self._state.take(_id_hash(confirmation_id))
        if taken is None:
            raise ConfirmationRefused(
                RefusalReason.UNKNOWN, "This confirmation id is unknown or has already been used."
            )
        pending = _Pending.from_json(taken)
        if pending.caller is not None and caller != pending.caller:
            raise ConfirmationRefused(
                RefusalReason.CALLER_DIFFERS,
                "This confirmation id was issued to another caller (another token or MCP session).",
            )
        if self._clock.now() >= pending.expires_at:
            raise ConfirmationRefused(RefusalReason.EXPIRED, "This confirmation id has expired.")
        if tool != pending.tool:
            raise ConfirmationRefused(
                RefusalReason.TOOL_DIFFERS, f"This confirmation id was issued for {pending.tool}, not {tool}."
            )
        if store != pending.store:
            raise ConfirmationRefused(
                RefusalReason.STORE_DIFFERS, "This confirmation id was issued for another store."
            )
        bound = _bound_arguments(arguments)
        if bound != pending.arguments:
            changed = sorted(
                key
                for key in bound.keys() | pending.arguments.keys()
                if bound.get(key) != pending.arguments.get(key)
            )
            raise ConfirmationRefused(
                RefusalReason.ARGUMENTS_DIFFER,
                f"The arguments differ from the confirmed preview (changed: {', '.join(changed)}).",
            )
        if sha256_hex(fingerprint) != pending.fingerprint:
            raise ConfirmationRefused(
                RefusalReason.CHECKOUT_CHANGED, "The checkout has changed since the preview was shown."
            )
