"""The running sandbox as one object (state, clock, credentials, faults, rate limit, ASGI app), and the
one typed way a route reaches it (`sandbox_of`).

Requests pass, outermost first: fault switches (outside everything else, so that a dropped
connection reaches the server's own `send`), the rate limit, then the Starlette app with the routes
`app.py` assembles. A status or malformed fault's answer also passes the rate limit, so every
answer carries the X-Rate-Limit-* headers. Handlers must read `sandbox.store` on each request:
reset and load replace it. This module sits below the route modules; `app.py` sits above them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import Receive, Scope, Send

from checkout_mcp.clock import Clock
from checkout_mcp.sandbox.credentials import demo_credentials
from checkout_mcp.sandbox.errors import SandboxError, error_response, handle_sandbox_error
from checkout_mcp.sandbox.faults import FaultMiddleware, FaultSwitches
from checkout_mcp.sandbox.ratelimit import RateLimiter, RateLimitMiddleware

if TYPE_CHECKING:
    from checkout_mcp.sandbox.state import StoreState


async def handle_http_exception(request: Request, exc: Exception) -> Response:
    """Unknown paths and methods answer in BigCommerce's error shape too, not Starlette's plain text."""
    assert isinstance(exc, HTTPException)
    response = error_response(SandboxError(exc.status_code, exc.detail), request.url.path)
    response.headers.update(exc.headers or {})
    return response


class Sandbox:
    """A seeded BigCommerce-compatible store; `app` is the ASGI app to serve or to give httpx.

    The demo store (`store`) is built when first read and the routes (`api`) on the first request:
    a server that only lists its tools needs neither, and importing what builds them is a good
    part of its cold start. The store is the one seeded at the sandbox's creation all the same.
    """

    def __init__(
        self, *, seed: int, clock: Clock, rate_limiter: RateLimiter, routes: Callable[[], list[BaseRoute]]
    ) -> None:
        self.seed = seed
        self.clock = clock
        self.credentials = demo_credentials(seed)
        self._seeded_at = clock.now()
        self.rate_limiter = rate_limiter
        self.faults = FaultSwitches(seed)
        self._routes = routes
        self.app = FaultMiddleware(
            self._serve, self.faults, answer_through=lambda app: RateLimitMiddleware(app, rate_limiter)
        )

    @cached_property
    def store(self) -> StoreState:
        """The store's state; reset and load replace it."""
        from checkout_mcp.sandbox.seed import build_demo_store

        return build_demo_store(self.seed, self._seeded_at)

    @cached_property
    def api(self) -> Starlette:
        """The Starlette app with the routes; `request.app.state.sandbox` is this sandbox."""
        api = Starlette(
            routes=self._routes(),
            exception_handlers={SandboxError: handle_sandbox_error, HTTPException: handle_http_exception},
        )
        api.state.sandbox = self
        return api

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.api(scope, receive, send)

    def reset(self) -> None:
        """Back to the seeded demo store (built at the clock's current time); faults off, quota restored."""
        from checkout_mcp.sandbox.seed import build_demo_store

        self.store = build_demo_store(self.seed, self.clock.now())
        self.faults.clear()
        self.rate_limiter.reset()

    def export(self) -> dict[str, Any]:
        """The store as JSON-safe data, for `load()` (here or in another sandbox)."""
        return self.store.export()

    def load(self, data: dict[str, Any]) -> None:
        """Replace the store with an export; raises pydantic.ValidationError (store unchanged) if invalid."""
        from checkout_mcp.sandbox.state import StoreState

        self.store = StoreState.load(data)


def sandbox_of(request: Request) -> Sandbox:
    """The sandbox serving this request."""
    sandbox = request.app.state.sandbox
    assert isinstance(sandbox, Sandbox)
    return sandbox
