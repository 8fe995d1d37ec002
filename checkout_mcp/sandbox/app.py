"""The sandbox assembled: its routes (management, catalog, storefront, shopper pages, admin) on a
`runtime.Sandbox`. See `runtime` for the order requests pass through."""

from __future__ import annotations

from starlette.routing import BaseRoute

from checkout_mcp.clock import Clock
from checkout_mcp.sandbox.ratelimit import DEFAULT_QUOTA, DEFAULT_WINDOW_MS, RateLimiter
from checkout_mcp.sandbox.runtime import Sandbox


def create_sandbox(
    *,
    seed: int = 1,
    frozen_clock: bool = True,
    rate_limit_quota: int = DEFAULT_QUOTA,
    rate_limit_window_ms: int = DEFAULT_WINDOW_MS,
) -> Sandbox:
    """A fresh sandbox; with a frozen clock time moves only through `sandbox.clock.advance()`."""
    clock = Clock(frozen=frozen_clock)
    return Sandbox(
        seed=seed,
        clock=clock,
        rate_limiter=RateLimiter(clock, rate_limit_quota, rate_limit_window_ms),
        routes=routes,
    )


def routes() -> list[BaseRoute]:
    """Every route; imported with the first request (see `Sandbox`)."""
    from checkout_mcp.sandbox import admin, management, shopper, storefront

    return [*management.routes(), *storefront.routes(), *shopper.routes(), *admin.routes()]
