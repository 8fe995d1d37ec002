"""Per-checkout locks: calls on one checkout take turns, in every process and replica serving the store.

An irreversible call holds its checkout's lock from the moment it checks what was confirmed until
the store has answered (and the answer was checked), so none of the servers' writes to that
checkout can slip in between. Overlapping create_order calls wait for each other and see each
other's outcome. A human deciding on a confirmation does not hold the lock: the check after the
answer catches what changed meanwhile.

`CheckoutLocks` is the interface; every shared-state backend offers it (`SharedState.hold`).
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol


class CheckoutLocks(Protocol):
    def hold(self, key: str) -> AbstractAsyncContextManager[None]:
        """Wait for, then hold, the lock named `key` (a store and checkout) until the block ends."""
        ...


def checkout_lock(store: str, checkout_id: str) -> str:
    """The name of a checkout's lock (and of its group in the order ledger)."""
    return f"{store}:checkout:{checkout_id}"
