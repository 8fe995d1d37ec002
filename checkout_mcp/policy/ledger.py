"""The idempotency ledger for create_order: one checkout state (or one idempotency key), one order.

Placing an order is not idempotent, so it is never retried blindly. The caller holds the
checkout's lock (policy/locks.py) around the whole protocol, so calls on one checkout take turns:

1. `lookup(key)`: an order id means the order already exists: return it, do not post.
2. `begin(key)` before posting; it raises `LedgerConflict` if an attempt for the key is already in
   flight or its outcome is unknown (so two concurrent calls cannot both post).
3. After the post: `record(key, order_id)` on success; `release(key)` when upstream answered
   with an error (no order was made, a later call may post); `mark_ambiguous(key, why)` after a
   timeout or dropped connection, when the order may or may not exist.
4. An ambiguous attempt is settled from the store's own record (the orders made from the cart)
   with `reconcile(key, order_id)`: an order id is the order (recorded, never posted again); none
   means no order was created and the key is released. `for_checkout` lists a checkout's attempts,
   so any later call on that checkout settles them first.

`OrderLedger` is the interface; `LocalOrderLedger` keeps it in memory and, given a path, persists
it as JSON (atomically replaced on every change) so a restarted server still knows. Attempts in
flight when the process died come back as ambiguous.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass, replace
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from checkout_mcp.canonical import canonical_json
from checkout_mcp.state.durable import atomic_write

_FORMAT = 1


@dataclass(frozen=True)
class OrderKey:
    """What makes two create_order calls "the same order": the store, the checkout and a basis."""

    store: str
    checkout_id: str
    basis: str

    @classmethod
    def for_checkout_state(
        cls, store: str, checkout_id: str, cart_version: int | None, grand_total: Decimal
    ) -> OrderKey:
        """The same checkout at the same cart version and grand total is the same order."""
        total = format(grand_total.normalize(), "f")
        return cls(store, checkout_id, f"state:version={cart_version}:grand_total={total}")

    @classmethod
    def for_idempotency_key(cls, store: str, checkout_id: str, idempotency_key: str) -> OrderKey:
        """A caller-supplied key: calls repeating it for this checkout are the same order."""
        return cls(store, checkout_id, f"idempotency_key:{idempotency_key}")

    @property
    def text(self) -> str:
        return canonical_json([self.store, self.checkout_id, self.basis])


class EntryState(StrEnum):
    IN_FLIGHT = "in_flight"
    AMBIGUOUS = "ambiguous"
    RECORDED = "recorded"


@dataclass(frozen=True)
class LedgerEntry:
    key: OrderKey
    state: EntryState
    order_id: str | None = None
    detail: str | None = None
    since_order: str | None = None
    """The checkout's latest order when the attempt began: a newer one from its cart is this one."""


class LedgerConflict(Exception):
    """An order attempt for this key exists already; `entry` says in which state."""

    def __init__(self, entry: LedgerEntry) -> None:
        messages = {
            EntryState.IN_FLIGHT: "An order for this checkout is being created right now.",
            EntryState.AMBIGUOUS: "An earlier attempt to create this order has an unknown outcome; "
            "read the checkout back to reconcile before trying again.",
            EntryState.RECORDED: f"The order was already created: order {entry.order_id}.",
        }
        super().__init__(messages[entry.state])
        self.entry = entry


class OrderLedger(Protocol):
    """What create_order needs of a ledger, whatever keeps it (this process, a file, a shared store)."""

    def lookup(self, key: OrderKey) -> str | None: ...
    def entry(self, key: OrderKey) -> LedgerEntry | None: ...
    def for_checkout(self, store: str, checkout_id: str) -> list[LedgerEntry]: ...
    def begin(self, key: OrderKey, since_order: str | None = None) -> None: ...
    def record(self, key: OrderKey, order_id: str | int) -> None: ...
    def mark_ambiguous(self, key: OrderKey, detail: str) -> None: ...
    def release(self, key: OrderKey) -> None: ...
    def reconcile(self, key: OrderKey, order_id: str | int | None) -> str | None: ...


class LocalOrderLedger:
    """The ledger in this process (and a file); thread- and task-safe (short critical sections)."""

    def __init__(self, path: Path | None = None) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._entries: dict[str, LedgerEntry] = {}
        if path is not None and path.exists():
            self._entries = _load(path)

    def lookup(self, key: OrderKey) -> str | None:
        """The order id already created for `key`, if any."""
        entry = self.entry(key)
        return entry.order_id if entry is not None and entry.state is EntryState.RECORDED else None

    def entry(self, key: OrderKey) -> LedgerEntry | None:
        return self._entries.get(key.text)

    def for_checkout(self, store: str, checkout_id: str) -> list[LedgerEntry]:
        """Every attempt on this checkout (recorded, in flight or ambiguous)."""
        with self._lock:
            entries = list(self._entries.values())
        return [e for e in entries if e.key.store == store and e.key.checkout_id == checkout_id]

    def begin(self, key: OrderKey, since_order: str | None = None) -> None:
        """Claim `key` before posting; raises `LedgerConflict` if any attempt for it exists."""
        with self._lock:
            existing = self._entries.get(key.text)
            if existing is not None:
                raise LedgerConflict(existing)
            self._write(LedgerEntry(key, EntryState.IN_FLIGHT, since_order=since_order))

    def record(self, key: OrderKey, order_id: str | int) -> None:
        """The order exists: every later call with `key` gets this id instead of a new post."""
        with self._lock:
            self._write(LedgerEntry(key, EntryState.RECORDED, order_id=str(order_id)))

    def mark_ambiguous(self, key: OrderKey, detail: str) -> None:
        """The post may or may not have created an order (timeout, dropped connection)."""
        with self._lock:
            since = self._entries[key.text].since_order if key.text in self._entries else None
            self._write(LedgerEntry(key, EntryState.AMBIGUOUS, detail=detail, since_order=since))

    def release(self, key: OrderKey) -> None:
        """No order was created (upstream answered with an error): forget the attempt."""
        with self._lock:
            if self._entries.pop(key.text, None) is not None:
                self._persist()

    def reconcile(self, key: OrderKey, order_id: str | int | None) -> str | None:
        """Settle an attempt from the store's record: its order id is the order, none means none."""
        if order_id is None or order_id == "":
            self.release(key)
            return None
        self.record(key, order_id)
        return str(order_id)

    def _write(self, entry: LedgerEntry) -> None:
        self._entries[entry.key.text] = entry
        self._persist()

    def _persist(self) -> None:
        if self._path is None:
            return
        document = {"format": _FORMAT, "entries": [_entry_json(e) for e in self._entries.values()]}
        atomic_write(self._path, json.dumps(document, indent=1, sort_keys=True))


def _entry_json(entry: LedgerEntry) -> dict[str, object]:
    data = asdict(entry)
    data["state"] = entry.state.value
    return data


def _load(path: Path) -> dict[str, LedgerEntry]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("format") != _FORMAT:
            raise ValueError(f"unsupported format {document.get('format')!r}")
        entries = [
            LedgerEntry(
                key=OrderKey(**raw["key"]),
                state=EntryState(raw["state"]),
                order_id=raw["order_id"],
                detail=raw["detail"],
                since_order=raw.get("since_order"),
            )
            for raw in document["entries"]
        ]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"The order ledger {path} is unreadable ({exc}); it must not be ignored.") from exc
    restarted = "The server stopped while this order was being created."
    return {
        entry.key.text: (
            replace(entry, state=EntryState.AMBIGUOUS, detail=restarted)
            if entry.state is EntryState.IN_FLIGHT
            else entry
        )
        for entry in entries
    }
