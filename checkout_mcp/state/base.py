"""The interface every state backend offers; the policy layer builds its ledger, confirmations,
locks and journal on it and knows nothing of SQLite or Redis.

Every method is atomic on its own across all processes and replicas sharing the backend. Values
are strings (the caller's canonical JSON); the backend never interprets them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol, runtime_checkable


class StateUnavailable(Exception):
    """The state backend cannot be reached or used; nothing was changed by the failed call."""


class LeaseLost(Exception):
    """The lock's lease lapsed (this holder stalled past it) and another may hold the lock now:
    the write was refused, so a stalled holder can never overwrite what the new holder did."""


class Journal(Protocol):
    """The audit journal's storage: one hash chain, whoever writes."""

    def append(self, seal: Callable[[int, str], Mapping[str, Any]]) -> Mapping[str, Any]:
        """Append one record and return it, durably, as the next link of the chain.

        `seal(seq, prev)` builds the whole record (including its `hash`) for sequence number `seq`
        after the record whose hash is `prev`; it is called while the chain's end is held, and may be
        called again if another writer got there first. A broken stored chain raises `JournalCorrupt`
        (state/chain.py), and nothing is appended to it.
        """
        ...

    def lines(self) -> Iterator[bytes]:
        """Every stored record, oldest first, as its line: its canonical JSON and a newline (the format
        is state/chain.py; for verify and tail). Only the last may lack the newline: a torn write."""
        ...

    def close(self) -> None:
        """Let go of what this handle holds (the file journal saves its checkpoint); appends then fail."""
        ...


class SharedState(Protocol):
    """Single-use values, grouped records and locks of one store's namespace."""

    # Single-use values: confirmation ids.
    def put_once(self, key: str, value: str, ttl_seconds: float) -> None:
        """Store `value` under `key` until it is taken, or for at most `ttl_seconds`."""
        ...

    def take(self, key: str) -> str | None:
        """Read and delete `key` in one step: of two concurrent takers exactly one gets the value."""
        ...

    # Grouped records: the order ledger (a group per checkout, a record per order attempt).
    def records(self, group: str) -> dict[str, str]:
        """Every record in `group`, by key."""
        ...

    def insert(self, group: str, key: str, value: str) -> str | None:
        """Write the record only if `key` is absent; return None if written, else the existing value."""
        ...

    def put(self, group: str, key: str, value: str) -> None:
        """Write or overwrite the record."""
        ...

    def delete(self, group: str, key: str) -> None:
        """Remove the record if present."""
        ...

    # Locks: one holder at a time per name, across every process and replica.
    def hold(self, name: str) -> AbstractAsyncContextManager[None]:
        """Wait for, then hold, the lock `name` until the block ends.

        While held, writes to the records of the group named `name` are fenced: once the lease has
        lapsed they raise `LeaseLost` instead of landing. A holder that dies frees the lock (when its
        process ends, or when its lease runs out).
        """
        ...

    def check(self) -> None:
        """Raise `StateUnavailable` unless the backend answers now (for /readyz)."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class JournalState(Protocol):
    """A backend that also keeps the audit journal's chain; apart from `SharedState`, so the ledger,
    confirmation ids and locks need nothing of the journal."""

    @property
    def journal(self) -> Journal: ...
