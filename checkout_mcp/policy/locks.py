"""Per-checkout locks: the server's own calls on one checkout take turns.

An irreversible call holds its checkout's lock from the moment it checks what was confirmed until
the store has answered (and the answer was checked), so none of this server's writes to that
checkout can slip in between. Overlapping create_order calls wait for each other and see each
other's outcome. A human deciding on a confirmation does not hold the lock: the check after the
answer catches what changed meanwhile.

`CheckoutLocks` is the interface; `LocalCheckoutLocks` holds the locks in this process.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

import anyio


class CheckoutLocks(Protocol):
    def hold(self, key: str) -> AbstractAsyncContextManager[None]:
        """Wait for, then hold, the lock named `key` (a store and checkout) until the block ends."""
        ...


class LocalCheckoutLocks:
    """One anyio lock per key, first come first served; a key nobody holds or awaits is forgotten."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[anyio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (anyio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)
