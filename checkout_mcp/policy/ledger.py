"""The idempotency ledger for create_order: one checkout state (or one idempotency key), one order.

Placing an order is not idempotent, so it is never retried blindly. The caller holds the
checkout's lock (`checkout_lock`, policy/locks.py) around the whole protocol, so calls on one
checkout take turns, in every process and replica sharing the state:

1. `lookup(key)`: an order id means the order already exists: return it, do not post.
2. `begin(key)` before posting; it raises `LedgerConflict` if an attempt for the key exists
   already (an atomic claim, so two calls can never both post).
3. After the post: `record(key, order_id)` on success; `release(key)` when upstream answered
   with an error (no order was made, a later call may post); `mark_ambiguous(key, why)` after a
   timeout or dropped connection, when the order may or may not exist.
4. An ambiguous attempt is settled from the store's own record (the orders made from the cart)
   with `reconcile(key, order_id)`: an order id is the order (recorded, never posted again); none
   means no order was created and the key is released. `for_checkout` lists a checkout's attempts,
   so any later call on that checkout settles them first.

`OrderLedger` is the interface; `SharedOrderLedger` keeps it in the shared state (state/): a
group per checkout, named as the checkout's lock (so the lock's fencing covers the ledger's
writes), a record per attempt, keyed by its basis, holding the entry's canonical JSON.

An attempt in flight reads back as ambiguous. Reading alone cannot tell a live attempt from one
whose process died, but whoever reads holds the checkout's lock, and the attempt's writer held it
from `begin` to the outcome: so the writer is gone (it died, or restarted), its post may or may not
have landed, and the store's record must settle it. (A preview read without the lock sees a live
attempt as ambiguous too; it only describes, and the call itself settles under the lock.)
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from checkout_mcp.canonical import canonical_json
from checkout_mcp.policy.locks import checkout_lock
from checkout_mcp.state.base import SharedState

RESTARTED = "The server creating this order stopped before it learnt the outcome."


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
    def group(self) -> str:
        """The ledger's group for this key: the checkout's lock name."""
        return checkout_lock(self.store, self.checkout_id)


class EntryState(StrEnum):
    IN_FLIGHT = "in_flight"
    """As `begin` writes it; it reads back as AMBIGUOUS (see the module's docstring)."""
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
    began_at: float | None = None
    """When the attempt began (seconds since the epoch, the writer's clock): a post from a server
    that died may still reach the store for a while, so a recent one is not yet settled as none."""

    @property
    def writer_died(self) -> bool:
        """The attempt's server stopped before it learnt the outcome (it was still in flight)."""
        return self.state is EntryState.AMBIGUOUS and self.detail == RESTARTED


class LedgerConflict(Exception):
    """An order attempt for this key exists already; `entry` says in which state."""

    def __init__(self, entry: LedgerEntry) -> None:
        messages = {
            EntryState.AMBIGUOUS: "An earlier attempt to create this order has an unknown outcome; "
            "read the checkout back to reconcile before trying again.",
            EntryState.RECORDED: f"The order was already created: order {entry.order_id}.",
        }
        super().__init__(messages[entry.state])
        self.entry = entry


class OrderLedger(Protocol):
    """What create_order needs of a ledger, whatever keeps it."""

    def lookup(self, key: OrderKey) -> str | None: ...
    def entry(self, key: OrderKey) -> LedgerEntry | None: ...
    def for_checkout(self, store: str, checkout_id: str) -> list[LedgerEntry]: ...
    def begin(self, key: OrderKey, since_order: str | None = None) -> None: ...
    def record(self, key: OrderKey, order_id: str | int) -> None: ...
    def mark_ambiguous(self, key: OrderKey, detail: str) -> None: ...
    def release(self, key: OrderKey) -> None: ...
    def reconcile(self, key: OrderKey, order_id: str | int | None) -> str | None: ...


class SharedOrderLedger:
    """The ledger in the shared state: every process and replica serving the store sees one ledger."""

    def __init__(self, state: SharedState, now: Callable[[], float] = time.time) -> None:
        self._state = state
        self._now = now

    def lookup(self, key: OrderKey) -> str | None:
        """The order id already created for `key`, if any."""
        entry = self.entry(key)
        return entry.order_id if entry is not None and entry.state is EntryState.RECORDED else None

    def entry(self, key: OrderKey) -> LedgerEntry | None:
        value = self._state.records(key.group).get(key.basis)
        return _entry_from(key, value) if value is not None else None

    def for_checkout(self, store: str, checkout_id: str) -> list[LedgerEntry]:
        """Every attempt on this checkout (recorded or ambiguous), by basis."""
        records = self._state.records(checkout_lock(store, checkout_id))
        return [_entry_from(OrderKey(store, checkout_id, basis), value) for basis, value in records.items()]

    def begin(self, key: OrderKey, since_order: str | None = None) -> None:
        """Claim `key` before posting; raises `LedgerConflict` if any attempt for it exists."""
        entry = LedgerEntry(key, EntryState.IN_FLIGHT, since_order=since_order, began_at=self._now())
        existing = self._state.insert(key.group, key.basis, _entry_json(entry))
        if existing is not None:
            raise LedgerConflict(_entry_from(key, existing))

    def record(self, key: OrderKey, order_id: str | int) -> None:
        """The order exists: every later call with `key` gets this id instead of a new post."""
        self._write(LedgerEntry(key, EntryState.RECORDED, order_id=str(order_id)))

    def mark_ambiguous(self, key: OrderKey, detail: str) -> None:
        """The post may or may not have created an order (timeout, dropped connection)."""
        earlier = self.entry(key)
        since, began = (earlier.since_order, earlier.began_at) if earlier is not None else (None, None)
        self._write(LedgerEntry(key, EntryState.AMBIGUOUS, detail=detail, since_order=since, began_at=began))

    def release(self, key: OrderKey) -> None:
        """No order was created (upstream answered with an error): forget the attempt."""
        self._state.delete(key.group, key.basis)

    def reconcile(self, key: OrderKey, order_id: str | int | None) -> str | None:
        """Settle an attempt from the store's record: its order id is the order, none means none."""
        if order_id is None or order_id == "":
            self.release(key)
            return None
        self.record(key, order_id)
        return str(order_id)

    def _write(self, entry: LedgerEntry) -> None:
        self._state.put(entry.key.group, entry.key.basis, _entry_json(entry))


def _entry_json(entry: LedgerEntry) -> str:
    return canonical_json(
        {
            "state": entry.state.value,
            "order_id": entry.order_id,
            "detail": entry.detail,
            "since_order": entry.since_order,
            "began_at": entry.began_at,
        }
    )


def _entry_from(key: OrderKey, value: str) -> LedgerEntry:
    """The stored entry; one in flight reads back as ambiguous (see the module's docstring)."""
    try:
        raw = json.loads(value)
        entry = LedgerEntry(
            key=key,
            state=EntryState(raw["state"]),
            order_id=raw["order_id"],
            detail=raw["detail"],
            since_order=raw["since_order"],
            began_at=raw.get("began_at"),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(
            f"The order ledger's entry for checkout {key.checkout_id} is unreadable ({exc}); "
            "it must not be ignored: an order may exist. Check the store's orders for that cart."
        ) from exc
    if entry.state is EntryState.IN_FLIGHT:
        return replace(entry, state=EntryState.AMBIGUOUS, detail=RESTARTED)
    return entry
