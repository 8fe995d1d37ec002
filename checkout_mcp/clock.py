"""One notion of "now" for the sandbox and the policy layer, so expiry is tested without sleeping.

A `Clock` follows real time from a fixed start unless frozen; `advance()` moves it forward.
The sandbox's admin API and the tests advance it; token, redirect-URL and confirmation expiry
all read it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

DEFAULT_START = datetime(2026, 1, 1, tzinfo=UTC)


class Clock:
    """A clock that starts at `start`, follows real time unless frozen, and can be advanced."""

    def __init__(self, start: datetime = DEFAULT_START, *, frozen: bool = False) -> None:
        if start.tzinfo is None:
            raise ValueError("Clock start must be timezone-aware (UTC)")
        self._start = start
        self._offset = timedelta()
        self._frozen = frozen
        self._real_origin = time.monotonic()

    @property
    def frozen(self) -> bool:
        return self._frozen

    def now(self) -> datetime:
        """The current time, in UTC."""
        real = timedelta() if self._frozen else timedelta(seconds=time.monotonic() - self._real_origin)
        return self._start + self._offset + real

    def timestamp(self) -> float:
        """The current time as seconds since the epoch."""
        return self.now().timestamp()

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward; negative steps are refused so expiry never un-happens."""
        if seconds < 0:
            raise ValueError("The clock only moves forward: seconds must be >= 0")
        self._offset += timedelta(seconds=seconds)
        return self.now()

    def freeze(self, frozen: bool = True) -> None:
        """Stop (or restart) following real time, keeping the current reading."""
        current = self.now()
        self._frozen = frozen
        self._real_origin = time.monotonic()
        self._offset = current - self._start
