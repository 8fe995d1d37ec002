"""Streamable HTTP for shared deployments: named bearer tokens, scopes, limits, request ids, a clean stop.

A request passes, in order:
1. `RequestIds`: the request's id (a sane `X-Request-Id`, or a new one) for every log line of it,
   echoed as `X-Request-Id`.
2. /healthz and /readyz answer here, before any auth (load balancers carry no token).
3. Bearer auth (when tokens are configured; server/tokens.py), with the SDK's own middleware: a
   missing or unknown token gets 401 with `WWW-Authenticate: Bearer error="invalid_token", ...`
   (RFC 6750), and the token's name becomes the principal of the call and the owner of the
   session it opens. There is no OAuth authorization server to point to, so the challenge names no
   `resource_metadata`: clients are given their token out of band (the connect command's header).
4. By scope: a `write` token reaches the full server; a `read` token a second server built like the
   read-only mode on the same runtime, which has no write tools at all (tools/list shows only read
   tools; calling another is an unknown tool). Without a read-only server, read tokens get 403.
5. The SDK's transport: bodies above `[server] max_request_bytes` get 413 before they are parsed
   (chunked bodies included: it counts what arrives), foreign Host headers 421 and foreign
   Origins 403 (DNS-rebinding protection), then MCP.

Unauthenticated HTTP is only served on loopback: a non-loopback address needs a token.

On SIGTERM (or SIGINT) `serve_http` stops accepting connections at once, lets the requests in
flight finish (tool calls included, so their completion is journaled) for up to
`[server] shutdown_grace_seconds`, then returns, so the process exits 0. A second signal stops
at once.
"""

from __future__ import annotations

import ipaddress
import logging
import signal
import socket
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any

import anyio
import uvicorn
from mcp.server.auth.middleware.auth_context import AuthContextMiddleware
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser, BearerAuthBackend, RequireAuthMiddleware
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.responses import JSONResponse
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from checkout_mcp.config import ConfigError, ServerSettings
from checkout_mcp.policy.redact import Redactor
from checkout_mcp.server.health import HealthRoutes, Readiness
from checkout_mcp.server.logs import REQUEST_ID, request_id_for
from checkout_mcp.server.tokens import READ, WRITE, load_tokens

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
REQUEST_ID_HEADER = "x-request-id"
logger = logging.getLogger(__name__)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def as_host_header(host: str) -> str:
    """How an address appears in a Host header: IPv6 literals in brackets."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def allowed_hosts(settings: ServerSettings) -> list[str]:
    """Host headers accepted: loopback names on any port, the bound address on its port, configured ones.

    Loopback names are safe on any port (a rebinding page cannot make a browser send them) and the
    port may be chosen by the OS (port 0).
    """
    hosts = [f"{name}:*" for name in LOOPBACK_HOSTS]
    if not is_loopback(settings.host):
        hosts.append(f"{as_host_header(settings.host)}:{settings.port or '*'}")
    return [*hosts, *settings.allowed_hosts]


def allowed_origins(settings: ServerSettings) -> list[str]:
    """Browser origins accepted: the allowed hosts over http or https (TLS may end at a proxy), and
    the configured ones (a web client served from elsewhere)."""
    derived = [f"{scheme}://{host}" for host in allowed_hosts(settings) for scheme in ("http", "https")]
    return [*derived, *settings.allowed_origins]


class RequestIds:
    """Gives each HTTP request its id (see server/logs.py) and echoes it as `X-Request-Id`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_for(Headers(scope=scope).get(REQUEST_ID_HEADER))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        token = REQUEST_ID.set(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            REQUEST_ID.reset(token)


class ByScope:
    """Sends each authenticated request to the server its token's scope may use (step 4 above)."""

    def __init__(self, full: ASGIApp, read_only: ASGIApp | None) -> None:
        self.full = RequireAuthMiddleware(full, required_scopes=[WRITE])
        self.read_only = RequireAuthMiddleware(read_only, required_scopes=[READ]) if read_only else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        user = scope.get("user")
        reads_only = isinstance(user, AuthenticatedUser) and WRITE not in user.scopes
        app = self.read_only if reads_only and self.read_only is not None else self.full
        await app(scope, receive, send)


@dataclass(frozen=True)
class Endpoint:
    """One store's MCP servers at one path: `server`, and `read_server` for read-scoped tokens."""

    path: str
    server: MCPServer[Any]
    read_server: MCPServer[Any] | None = None


def store_path(name: str, settings: ServerSettings) -> str:
    """Where the store profile `name` is served: /stores/NAME followed by `[server] path`."""
    return f"/stores/{name}{settings.path}"


class ByPath:
    """Sends each request to the endpoint at its exact path; anything else is 404."""

    def __init__(self, apps: dict[str, ASGIApp]) -> None:
        self.apps = apps

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = self.apps.get(scope.get("path", "").rstrip("/") or "/") if scope["type"] == "http" else None
        if app is None:
            known = ", ".join(sorted(self.apps))
            await JSONResponse({"error": "not_found", "detail": f"MCP is served at {known}."}, 404)(
                scope, receive, send
            )
            return
        await app(scope, receive, send)


def http_app(
    server: MCPServer[Any],
    settings: ServerSettings,
    readiness: Readiness | None = None,
    *,
    read_server: MCPServer[Any] | None = None,
    redactor: Redactor | None = None,
    stores: Iterable[Endpoint] = (),
) -> ASGIApp:
    """The ASGI app serving `server` (and `read_server` to read-scoped tokens) at `settings.path`,
    and each of `stores` at its own path.

    With `readiness`, /healthz and /readyz answer in front of the auth. Tokens that verify are
    registered with `redactor`, so they are redacted wherever they might show up later.
    """
    tokens = load_tokens(settings, redactor.register if redactor is not None else None)
    if tokens is None and not is_loopback(settings.host):
        raise ConfigError(
            f"[server] host: serving HTTP on {settings.host} (not loopback) needs bearer tokens; export one "
            f"in the environment variable {settings.auth_token_env} or set [server] tokens_file, or bind "
            "to 127.0.0.1."
        )
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=allowed_hosts(settings),
        allowed_origins=allowed_origins(settings),
    )

    def mounted(each: MCPServer[Any], path: str) -> ASGIApp:
        return each.streamable_http_app(
            streamable_http_path=path,
            stateless_http=settings.stateless,
            transport_security=security,
            max_request_body_size=settings.max_request_bytes,
        )

    served: list[MCPServer[Any]] = []
    apps: dict[str, ASGIApp] = {}
    for endpoint in [Endpoint(settings.path, server, read_server), *stores]:
        served.append(endpoint.server)
        reader = endpoint.read_server if tokens is not None and tokens.has_read_tokens else None
        if tokens is None:
            apps[endpoint.path] = mounted(endpoint.server, endpoint.path)
            continue
        if reader is not None:
            served.append(reader)
        apps[endpoint.path] = ByScope(
            mounted(endpoint.server, endpoint.path), mounted(reader, endpoint.path) if reader else None
        )
    middleware = [Middleware(RequestIds)]
    if readiness is not None:
        middleware.append(Middleware(HealthRoutes, readiness=readiness))
    if tokens is not None:
        middleware += [
            Middleware(AuthenticationMiddleware, backend=BearerAuthBackend(tokens)),
            Middleware(AuthContextMiddleware),
        ]
    app = next(iter(apps.values())) if len(apps) == 1 else ByPath(apps)
    return Starlette(routes=[Mount("/", app=app)], middleware=middleware, lifespan=_sessions(served))


def _sessions(servers: Iterable[MCPServer[Any]]) -> Callable[[Starlette], Any]:
    """The app's lifespan: each server's session manager runs while the app does."""

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            for each in servers:
                await stack.enter_async_context(each.session_manager.run())
            yield

    return lifespan


class Server(uvicorn.Server):
    """uvicorn, leaving signals to its owner and saying when it listens (so nothing polls for it).

    uvicorn's own handling re-raises a caught SIGTERM once it has shut down gracefully, so the
    process would die of the signal instead of exiting 0.
    """

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.listening = anyio.Event()

    @contextmanager
    def capture_signals(self) -> Any:
        yield

    async def startup(self, sockets: Any = None) -> None:
        try:
            await super().startup(sockets)
        finally:
            self.listening.set()

    def stop_accepting(self) -> None:
        """Close the listening sockets now (uvicorn would close them on its next tick)."""
        for listener in getattr(self, "servers", []):
            listener.close()


async def serve_http(app: ASGIApp, settings: ServerSettings, on_listening: Callable[[str], None]) -> None:
    """Serve `app` until SIGTERM or SIGINT, then stop gracefully (see the module docstring).

    `on_listening` gets the base URL once the socket is bound (with the real port when port is 0).
    """
    grace = settings.shutdown_grace_seconds
    config = uvicorn.Config(
        app, host=settings.host, port=settings.port, log_config=None, timeout_graceful_shutdown=grace
    )
    sock = config.bind_socket()
    # asyncio sets TCP_NODELAY itself only on sockets it creates; without it, an answer written in two
    # parts (head, body) waits out the client's delayed ACK, some 40 ms per call on a kept-alive connection.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    # uvicorn only binds; listening now queues the connections of clients told the URL below until
    # the server accepts them, where they would otherwise be refused until its startup is done.
    sock.listen(config.backlog)
    on_listening(f"http://{as_host_header(settings.host)}:{sock.getsockname()[1]}")
    server = Server(config)
    async with anyio.create_task_group() as group:
        group.start_soon(_stop_on_signals, server, grace)
        await server.serve(sockets=[sock])
        group.cancel_scope.cancel()


async def _stop_on_signals(server: Server, grace: float) -> None:
    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        async for received in signals:
            if server.should_exit:
                logger.warning("%s again: stopping now, not waiting for requests in flight", received.name)
                server.force_exit = True
                continue
            await server.listening.wait()
            server.stop_accepting()
            server.should_exit = True
            logger.info(
                "%s: stopped accepting connections; requests in flight have up to %g s to finish",
                received.name,
                grace,
            )
