"""BigCommerce's error bodies, raised from anywhere in the sandbox and rendered in one place.

The v3 and storefront APIs answer `{"status", "title", "type", "errors"}`; the v2 API (orders)
answers a list of `{"status", "message"}` (orders.v2.oas2.yml, e.g. its 404_Resp). Which one a
request gets follows from its path. One route documents a third shape, `{"errors": [{"status",
"title", "type", "detail"}]}` (checkouts.v3.yml, GET /checkouts/{id} 404): `error_list_response`.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

STATUS_CODES_DOC = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"

V2_PATH = re.compile(r"^/stores/[^/]+/v2/")
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


def error_response(exc: SandboxError, path: str = "") -> JSONResponse:
    """The error as the API that `path` belongs to reports it (v3 shape unless it is a v2 path)."""
    if V2_PATH.match(path):
        return JSONResponse([{"status": exc.status, "message": exc.title}], status_code=exc.status)
    return JSONResponse(exc.body(), status_code=exc.status)


def error_list_response(exc: SandboxError) -> JSONResponse:
    detail = {"status": exc.status, "title": exc.title, "type": exc.type, "detail": exc.title}
    return JSONResponse({"errors": [detail]}, status_code=exc.status)


async def handle_sandbox_error(request: Request, exc: Exception) -> Response:
    """A Starlette exception handler (the app registers it for `SandboxError`)."""
    assert isinstance(exc, SandboxError)
    return error_response(exc, request.url.path)
