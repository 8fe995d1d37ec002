"""BigCommerce's error bodies, raised from anywhere in the sandbox and rendered in one place."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

STATUS_CODES_DOC = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"

CONFLICT_TITLE = (
    "The request cannot be processed due to a possible conflict. Please review the changes and try again."
)


class SandboxError(Exception):
    """An API error as BigCommerce reports it: `{"status", "title", "type", "errors"}`."""

    def __init__(
        self,
        status: int,
        title: str,
        errors: dict[str, Any] | None = None,
        type: str | None = None,
    ) -> None:
        super().__init__(title)
        self.status = status
        self.title = title
        self.errors = errors
        self.type = type or STATUS_CODES_DOC

    def body(self) -> dict[str, Any]:
        return {"status": self.status, "title": self.title, "type": self.type, "errors": self.errors or {}}


def not_found(what: str) -> SandboxError:
    return SandboxError(404, f"{what} not found")


def invalid(title: str, errors: dict[str, Any] | None = None) -> SandboxError:
    return SandboxError(422, title, errors)


def conflict() -> SandboxError:
    return SandboxError(409, CONFLICT_TITLE)


def error_response(exc: SandboxError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status)


async def handle_sandbox_error(request: Request, exc: Exception) -> Response:
    """A Starlette exception handler (the app registers it for `SandboxError`)."""
    assert isinstance(exc, SandboxError)
    return error_response(exc)
