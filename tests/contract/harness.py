"""The contract tests' client: every answer it gets is checked, and each test declares what it covers.

    @covers(("GET /stores/{store_hash}/v3/carts/{cart_id}", 200), ...)
    async def test_x(contract: Contract) -> None:
        await contract.call("GET", f"{contract.v3}/carts/{cart_id}")

`Contract.call` sends a request to a fresh sandbox (httpx's ASGI transport), finds the sandbox
route that served it, and checks the answer (`contract.check`). After the test, the (route,
status) pairs it produced must be exactly the ones it declared; `COVERED` collects every
declaration, so the coverage test can compare them with the route table and the specs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
from starlette.routing import Match, Route

from checkout_mcp.bigcommerce.connection import InProcessTransport
from checkout_mcp.sandbox import Sandbox
from tests.contract.contract import check, check_request

F = TypeVar("F", bound=Callable[..., Any])
Case = tuple[str, int]
COVERED: defaultdict[str, set[int]] = defaultdict(set)
CASES_ATTRIBUTE = "contract_cases"


def covers(*cases: Case) -> Callable[[F], F]:
    """Declare the (route, status) answers a test produces; each is checked against its document."""

    def declare(test: F) -> F:
        for route, status in cases:
            COVERED[route].add(status)
        setattr(test, CASES_ATTRIBUTE, frozenset(cases))
        return test

    return declare


def route_key(route: Route, method: str) -> str:
    return f"{method} {route.path}"


def route_of(sandbox: Sandbox, method: str, path: str) -> str:
    """The key of the sandbox route that serves `method path`."""
    scope = {"type": "http", "method": method, "path": path, "root_path": ""}
    for route in sandbox.api.routes:
        if isinstance(route, Route) and route.matches(scope)[0] is Match.FULL:
            return route_key(route, method)
    raise AssertionError(f"No sandbox route serves {method} {path}")


class Contract:
    """A client for one sandbox whose every answer is checked against the official documents."""

    def __init__(self, sandbox: Sandbox, http: httpx.AsyncClient) -> None:
        self.sandbox = sandbox
        self.http = http
        self.seen: set[Case] = set()
        credentials = sandbox.credentials
        self.v3 = f"/stores/{credentials.store_hash}/v3"
        self.v2 = f"/stores/{credentials.store_hash}/v2"
        self.token = credentials.access_token

    def cart(self, label: str) -> str:
        return self.sandbox.store.demo_carts[label]

    async def call(
        self,
        method: str,
        path: str,
        json: Any = None,
        *,
        params: dict[str, str] | None = None,
        token: str | None = None,
    ) -> httpx.Response:
        """Send a request (management paths carry the access token unless `token` says otherwise)."""
        headers = (
            {"X-Auth-Token": self.token if token is None else token} if path.startswith("/stores/") else {}
        )
        response = await self.http.request(method, path, json=json, params=params, headers=headers)
        route = route_of(self.sandbox, method, path)
        check(route, response.request, response)
        self.seen.add((route, response.status_code))
        return response


class CheckedTransport(httpx.AsyncBaseTransport):
    """Our client's way into the sandbox, checking every request it sends and every answer it gets
    against the specs; `routes` records which routes it used."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.routes: set[str] = set()
        self._inner = InProcessTransport(sandbox.app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        route = route_of(self.sandbox, request.method, request.url.path)
        check_request(route, request, await request.aread())
        response = await self._inner.handle_async_request(request)
        await response.aread()
        check(route, request, response)
        self.routes.add(route)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()
