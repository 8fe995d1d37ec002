"""The operator's API under /__sandbox/: reset, export/load state, fault switches, clock, info.

It has no authentication: it exists only inside the sandbox app, which serves on loopback by default
and holds nothing but demo data. Rate limits and fault switches never apply to it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, RootModel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from checkout_mcp.sandbox.faults import FaultRule
from checkout_mcp.sandbox.jsonio import parse, read_json
from checkout_mcp.sandbox.runtime import sandbox_of
from checkout_mcp.sandbox.state import StoreState


class FaultRules(RootModel[list[FaultRule]]):
    """PUT /__sandbox/faults takes the full list of rules."""


class ClockAdvance(BaseModel):
    model_config = ConfigDict(extra="forbid")

    advance_seconds: float = Field(ge=0, le=10 * 365 * 24 * 3600)


async def reset(request: Request) -> Response:
    sandbox = sandbox_of(request)
    sandbox.reset()
    return JSONResponse(info_view(request))


async def get_state(request: Request) -> Response:
    return JSONResponse(sandbox_of(request).export())


async def put_state(request: Request) -> Response:
    """Load an export (422 naming the invalid fields; the store is then unchanged)."""
    sandbox_of(request).store = parse(StoreState, await read_json(request))
    return Response(status_code=204)


async def get_faults(request: Request) -> Response:
    return JSONResponse(sandbox_of(request).faults.active())


async def put_faults(request: Request) -> Response:
    rules = parse(FaultRules, await read_json(request)).root
    faults = sandbox_of(request).faults
    faults.replace(rules)
    return JSONResponse(faults.active())


async def delete_faults(request: Request) -> Response:
    sandbox_of(request).faults.clear()
    return Response(status_code=204)


def clock_view(request: Request) -> dict[str, Any]:
    clock = sandbox_of(request).clock
    return {"now": clock.now().isoformat(), "frozen": clock.frozen}


async def get_clock(request: Request) -> Response:
    return JSONResponse(clock_view(request))


async def advance_clock(request: Request) -> Response:
    step = parse(ClockAdvance, await read_json(request))
    sandbox_of(request).clock.advance(step.advance_seconds)
    return JSONResponse(clock_view(request))


def info_view(request: Request) -> dict[str, Any]:
    """Where things are; no credentials (they derive from the seed: `credentials.demo_credentials`)."""
    sandbox = sandbox_of(request)
    base = str(request.base_url).rstrip("/")
    store_hash = sandbox.credentials.store_hash
    limiter = sandbox.rate_limiter
    return {
        "store_hash": store_hash,
        "seed": sandbox.seed,
        "management_url": f"{base}/stores/{store_hash}/v3",
        "storefront_url": f"{base}/api/storefront",
        "admin_url": f"{base}/__sandbox/",
        "rate_limit": {"quota": limiter.quota, "window_ms": limiter.window_ms},
    }


async def get_info(request: Request) -> Response:
    return JSONResponse(info_view(request))


def routes() -> list[BaseRoute]:
    return [
        Route("/__sandbox/reset", reset, methods=["POST"]),
        Route("/__sandbox/state", get_state, methods=["GET"]),
        Route("/__sandbox/state", put_state, methods=["PUT"]),
        Route("/__sandbox/faults", get_faults, methods=["GET"]),
        Route("/__sandbox/faults", put_faults, methods=["PUT"]),
        Route("/__sandbox/faults", delete_faults, methods=["DELETE"]),
        Route("/__sandbox/clock", get_clock, methods=["GET"]),
        Route("/__sandbox/clock", advance_clock, methods=["POST"]),
        Route("/__sandbox/info", get_info, methods=["GET"]),
    ]
