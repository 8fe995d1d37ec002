"""Streamable HTTP for shared deployments: bearer-token auth, DNS-rebinding protection, stateless option.

Unauthenticated HTTP is only served on loopback: a non-loopback address needs the bearer token.
"""

from __future__ import annotations

import hmac
import ipaddress
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import SecretStr
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from checkout_mcp.config import ConfigError, ServerSettings
from checkout_mcp.server.health import HealthRoutes, Readiness

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


class BearerAuth:
    """Refuses HTTP requests without `Authorization: Bearer <token>`; compares in constant time.

    Other scopes (the lifespan, which starts the MCP session manager) pass through untouched.
    """

    def __init__(self, app: ASGIApp, token: SecretStr) -> None:
        self.app = app
        self.expected = token.get_secret_value().encode()

    def authorized(self, scope: Scope) -> bool:
        scheme, _, credentials = Headers(scope=scope).get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(credentials.strip().encode(), self.expected)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self.authorized(scope):
            response = JSONResponse(
                {
                    "error": "unauthorized",
                    "detail": "Send the server's token as 'Authorization: Bearer <token>'.",
                },
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


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


def allowed_origins(hosts: list[str]) -> list[str]:
    """Browser origins accepted: the allowed hosts over http or https (TLS may end at a proxy)."""
    return [f"{scheme}://{host}" for host in hosts for scheme in ("http", "https")]


def http_app(server: MCPServer[Any], settings: ServerSettings, readiness: Readiness | None = None) -> ASGIApp:
    """The ASGI app serving `server` at `settings.path`; wrapped in bearer auth when a token is set.

    With `readiness`, /healthz and /readyz answer in front of the auth (load balancers carry no token).
    """
    token = settings.auth_token()
    if token is None and not is_loopback(settings.host):
        raise ConfigError(
            f"[server] host: serving HTTP on {settings.host} (not loopback) needs a bearer token; export one "
            f"in the environment variable {settings.auth_token_env}, or bind to 127.0.0.1."
        )
    hosts = allowed_hosts(settings)
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=allowed_origins(hosts)
    )
    app: ASGIApp = server.streamable_http_app(
        streamable_http_path=settings.path, stateless_http=settings.stateless, transport_security=security
    )
    guarded = BearerAuth(app, token) if token is not None else app
    return HealthRoutes(guarded, readiness) if readiness is not None else guarded
