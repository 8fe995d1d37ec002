"""Streamable HTTP for shared deployments: bearer-token auth, DNS-rebinding protection, stateless option."""

from __future__ import annotations

import hmac
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import SecretStr
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from checkout_mcp.config import ServerSettings


class BearerAuth:
    """Refuses HTTP requests without `Authorization: Bearer <token>`; compares in constant time."""

    def __init__(self, app: ASGIApp, token: SecretStr) -> None:
        self.app = app
        self.expected = f"Bearer {token.get_secret_value()}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            sent = dict(scope["headers"]).get(b"authorization", b"")
            if not hmac.compare_digest(sent, self.expected):
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


def allowed_hosts(settings: ServerSettings) -> list[str]:
    """Host headers accepted: the bound address and loopback names on the port, plus configured ones."""
    port = settings.port
    return [f"{settings.host}:{port}", f"127.0.0.1:{port}", f"localhost:{port}", *settings.allowed_hosts]


def http_app(server: MCPServer[Any], settings: ServerSettings) -> ASGIApp:
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=allowed_hosts(settings),
        allowed_origins=[f"http://{host}" for host in allowed_hosts(settings)],
    )
    app: ASGIApp = server.streamable_http_app(
        streamable_http_path=settings.path,
        stateless_http=settings.stateless,
        transport_security=security,
        host=settings.host,
    )
    token = settings.auth_token()
    return BearerAuth(app, token) if token is not None else app
