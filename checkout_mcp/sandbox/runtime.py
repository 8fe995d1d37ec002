"""The running sandbox as one object (state, clock, credentials, faults, rate limit, ASGI app), and the
one typed way a route reaches it (`sandbox_of`).

Requests pass, outermost first: fault switches (outside everything else, so that a dropped
connection reaches the server's own `send`), the rate limit, then the Starlette app with the routes
`app.py` assembles. A status or malformed fault's answer also passes the rate limit, so every
answer carries the X-Rate-Limit-* headers. Handlers must read `sandbox.store` on each request:
reset and load replace it. This module sits below the route modules; `app.py` sits above them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.convertors import PathConvertor
from starlette.datastructures import URLPath
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, NoMatchFound, Route
from starlette.types import Receive, Scope, Send

from checkout_mcp.clock import Clock
from checkout_mcp.sandbox.credentials import demo_credentials
from checkout_mcp.sandbox.errors import SandboxError, error_response, handle_sandbox_error
from checkout_mcp.sandbox.faults import FaultMiddleware, FaultSwitches
from checkout_mcp.sandbox.ratelimit import RateLimiter, RateLimitMiddleware

if TYPE_CHECKING:
    from checkout_mcp.sandbox.state import StoreState


INDEXED_ROUTE = "sandbox.indexed_route"
"""Where the index leaves the route it matched for its `handle`: `route` is the router's own key,
which it sets to the index itself (its child scope's `route` wins only by coming later)."""


class RouteIndex(BaseRoute):
    """The routes by method and depth (the slashes in the path), ahead of the routes themselves.

    A request is matched against the few routes of its method and depth, in their order, instead of
    against every route before its own (the storefront's GET checkout is the 29th of 59): the first
    that matches is the one the router's own scan would find, since no route parameter spans a
    slash. When none matches, the router goes on to scan them all, and answers as it always does
    (405 for a path known with another method, 404, or a redirect for a trailing slash).
    """

    def __init__(self, routes: list[BaseRoute]) -> None:
        self._routes: dict[tuple[str, int], list[Route]] = defaultdict(list)
        for route in routes:
            if not isinstance(route, Route) or route.methods is None:
                raise ValueError(f"{route!r}: the index takes routes with methods only")
            if any(isinstance(convertor, PathConvertor) for convertor in route.param_convertors.values()):
                raise ValueError(f"{route.path}: a path parameter spans slashes, which the index cannot see")
            for method in route.methods:
                self._routes[method, route.path.count("/")].append(route)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http":
            # A depth off the mark (a path outside the root path) finds nothing, and the scan follows.
            depth = scope["path"].count("/") - scope.get("root_path", "").count("/")
            for route in self._routes.get((scope["method"], depth), ()):
                match, child_scope = route.matches(scope)
                if match is Match.FULL:
                    return match, {**child_scope, "route": route, INDEXED_ROUTE: route}
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await scope[INDEXED_ROUTE].handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        raise NoMatchFound(name, path_params)  # the routes themselves follow the index


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
        routes = self._routes()
        api = Starlette(
            routes=[RouteIndex(routes), *routes],
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
