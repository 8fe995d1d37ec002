"""Health endpoints for load balancers and orchestrators, answered before any auth or MCP routing.

`/healthz`: the process answers (200). `/readyz`: the upstream store answers (a read of a checkout
that cannot exist must come back as the store's 404), the audit journal is open for writing and
the shared state answers; 503 with the problems otherwise. Neither reveals anything a caller could
not learn by connecting.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

import anyio
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from checkout_mcp.bigcommerce.errors import ClientError, NotFound
from checkout_mcp.bigcommerce.store import Store
from checkout_mcp.policy.audit import AuditJournal
from checkout_mcp.state.base import SharedState, StateUnavailable

PROBE_CHECKOUT = "00000000-0000-4000-8000-000000000000"
PROBE_TIMEOUT_SECONDS = 5.0
Readiness = Callable[[], Awaitable[list[str]]]


def readiness_of(store: Store, journal: AuditJournal, state: SharedState) -> Readiness:
    """What keeps this server from serving calls now: an empty list when it is ready."""

    async def problems() -> list[str]:
        found = [] if journal.is_open else ["the audit journal is closed"]
        try:
            await anyio.to_thread.run_sync(state.check)
        except StateUnavailable:
            found.append("the shared state (confirmation ids, order ledger, locks) is unavailable")
        try:
            with anyio.fail_after(PROBE_TIMEOUT_SECONDS):
                await store.binding_for("get_checkout").get_checkout(PROBE_CHECKOUT)
        except NotFound:
            pass  # the store answered
        except TimeoutError:
            found.append(f"the store did not answer within {PROBE_TIMEOUT_SECONDS:g} s")
        except ClientError as error:
            found.append(f"the store is not reachable ({type(error).__name__})")
        else:
            found.append("the store answered a read of a checkout that cannot exist")
        return found

    return problems


def readiness_of_stores(readiness: Mapping[str, Readiness]) -> Readiness:
    """Several stores served together are ready when each is; a problem names its store."""

    async def problems() -> list[str]:
        found: list[str] = []
        for name, each in readiness.items():
            found += [f"{name}: {problem}" if len(readiness) > 1 else problem for problem in await each()]
        return found

    return problems


class HealthRoutes:
    """Answers /healthz and /readyz itself; everything else goes on to `app`."""

    def __init__(self, app: ASGIApp, readiness: Readiness) -> None:
        self.app = app
        self.readiness = readiness

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path") if scope["type"] == "http" else None
        if path == "/healthz":
            await JSONResponse({"status": "ok"})(scope, receive, send)
        elif path == "/readyz":
            problems = await self.readiness()
            body = {"status": "not ready", "problems": problems} if problems else {"status": "ready"}
            await JSONResponse(body, status_code=503 if problems else 200)(scope, receive, send)
        else:
            await self.app(scope, receive, send)
