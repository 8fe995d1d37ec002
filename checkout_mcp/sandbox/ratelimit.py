"""BigCommerce's request quota: a fixed window per store, with the X-Rate-Limit-* headers.

Every API response carries X-Rate-Limit-Requests-Left, -Requests-Quota, -Time-Reset-Ms and
-Time-Window-Ms; past the quota the store answers 429 with X-Retry-After (seconds) until the
window resets. The window is read on the sandbox `Clock`, so tests cross it with `clock.advance()`
instead of sleeping (on a frozen clock the window never resets by itself). One window is shared by
the management and storefront surfaces; the admin API (/__sandbox/) is exempt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from checkout_mcp.clock import Clock
from checkout_mcp.sandbox.errors import SandboxError, error_response
from checkout_mcp.sandbox.faults import ADMIN_PREFIX

DEFAULT_QUOTA = 150
DEFAULT_WINDOW_MS = 30_000
ONE_MS = timedelta(milliseconds=1)


@dataclass(frozen=True)
class QuotaReading:
    """The outcome of one request against the quota, as the headers report it."""

    allowed: bool
    left: int
    quota: int
    reset_ms: int
    window_ms: int

    @property
    def retry_after_seconds(self) -> int:
        return max(1, -(-self.reset_ms // 1000))

    def headers(self) -> dict[str, str]:
        headers = {
            "X-Rate-Limit-Requests-Left": str(self.left),
            "X-Rate-Limit-Requests-Quota": str(self.quota),
            "X-Rate-Limit-Time-Reset-Ms": str(self.reset_ms),
            "X-Rate-Limit-Time-Window-Ms": str(self.window_ms),
        }
        if not self.allowed:
            headers["X-Retry-After"] = str(self.retry_after_seconds)
        return headers

    def raw_headers(self) -> list[tuple[bytes, bytes]]:
        """`headers()` as ASGI has them: lower-case names, bytes."""
        return [(name.lower().encode(), value.encode()) for name, value in self.headers().items()]


class RateLimiter:
    """A fixed-window request counter; the window opens with the first request after the last one ended."""

    def __init__(self, clock: Clock, quota: int = DEFAULT_QUOTA, window_ms: int = DEFAULT_WINDOW_MS) -> None:
        self.clock = clock
        self.configure(quota=quota, window_ms=window_ms)

    def configure(self, *, quota: int, window_ms: int) -> None:
        """Set a new quota and window (and start counting afresh)."""
        if quota < 1 or window_ms < 1:
            raise ValueError("quota and window_ms must be positive")
        self.quota = quota
        self.window_ms = window_ms
        self.reset()

    def reset(self) -> None:
        """Forget the requests counted so far."""
        self._window_start: datetime | None = None
        self._used = 0

    @property
    def used(self) -> int:
        """Requests counted in the current window (all of them, on a frozen clock that is never advanced)."""
        return self._used

    def take(self) -> QuotaReading:
        """Count one request if the quota allows it, and say how much is left."""
        now = self.clock.now()
        window = self.window_ms * ONE_MS
        if self._window_start is None or now >= self._window_start + window:
            self._window_start = now
            self._used = 0
        allowed = self._used < self.quota
        if allowed:
            self._used += 1
        reset_ms = -((now - self._window_start - window) // ONE_MS)
        return QuotaReading(allowed, self.quota - self._used, self.quota, reset_ms, self.window_ms)


class RateLimitMiddleware:
    """ASGI middleware: counts every non-admin request, adds the headers, answers 429 past the quota."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        reading = self.limiter.take()
        if not reading.allowed:
            response = error_response(SandboxError(429, "Too many requests"), scope["path"])
            response.headers.update(reading.headers())
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":  # the app sets none of these headers itself
                message["headers"] = [*message.get("headers", ()), *reading.raw_headers()]
            await send(message)

        await self.app(scope, receive, send_with_headers)
