"""Typed failures of the BigCommerce client, each saying what happened, why, and what to do next.

Tools turn these into agent-readable errors, so every message is written for a reader who can act
on it. No message or repr ever contains the access token or a checkout token: messages are built
only from the operation name, BigCommerce's status/title/field errors and ids.

    ClientError                      anything this client raises; catch this one
    ├── UpstreamError                talking to the store failed (`retryable`)
    │   ├── BigCommerceError         the store answered an error status
    │   │   ├── BadRequest (400)     Unauthorized (401, 403)   NotFound (404)
    │   │   ├── Conflict (409)       Unprocessable (422)       RateLimited (429)
    │   │   └── ServerError (5xx)
    │   ├── UpstreamUnavailable      no usable answer (`ambiguous`: it may have been applied)
    │   └── UnexpectedResponse       an answer this client cannot read
    ├── OperationNotSupported        the configured surface lacks the operation; nothing sent
    └── InvalidIdentifier            an id that cannot be valid (also a ValueError); nothing sent
"""

from __future__ import annotations

from typing import Any, ClassVar

from checkout_mcp.quoting import store_said


class ClientError(Exception):
    """The one base of this client's errors (see the tree above)."""


class UpstreamError(ClientError):
    """Any failure talking to the store; `retryable` says whether the same call can simply be repeated."""

    retryable: bool
    operation: str

    def __init__(self, message: str, *, operation: str, retryable: bool) -> None:
        super().__init__(message)
        self.message = message
        self.operation = operation
        self.retryable = retryable


class BigCommerceError(UpstreamError):
    """BigCommerce answered with an error status and (usually) its `{status, title, type, errors}` body."""

    advice: ClassVar[str] = "Check the request against BigCommerce's title and field errors, then try again."

    def __init__(
        self,
        *,
        status: int,
        title: str,
        operation: str,
        type: str | None = None,
        field_errors: dict[str, Any] | None = None,
        request_id: str | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
        hint: str | None = None,
    ) -> None:
        self.status = status
        self.title = title
        self.type = type
        self.field_errors = dict(field_errors or {})
        self.request_id = request_id
        self.retry_after = retry_after
        super().__init__(self._compose(operation, hint), operation=operation, retryable=retryable)

    def _compose(self, operation: str, hint: str | None) -> str:
        parts = [f"{operation} failed: BigCommerce answered {self.status} {store_said(self.title)}."]
        if self.field_errors:
            details = "; ".join(f"{field}: {problem}" for field, problem in self.field_errors.items())
            parts.append(f"Field errors: {store_said(details)}.")
        parts.append(self.advice.format(retry_after=self.retry_after))
        if hint:
            parts.append(hint)
        if self.request_id:
            parts.append(f"(request id {self.request_id})")
        return " ".join(parts)


class BadRequest(BigCommerceError):
    advice = "The request was malformed for this API; fix it before trying again (retrying will not help)."


class Unauthorized(BigCommerceError):
    advice = (
        "The store refused the credentials: check the access token and its OAuth scopes "
        "(a read-only token cannot write; the storefront needs the shopper's session)."
    )


class NotFound(BigCommerceError):
    advice = (
        "Check the id: it does not exist in this store, has expired, or (storefront) "
        "belongs to another shopper session."
    )


class Conflict(BigCommerceError):
    advice = (
        "The checkout changed since it was read. Read it again (get_checkout) and repeat the change "
        "against the current state."
    )


class Unprocessable(BigCommerceError):
    advice = "BigCommerce rejected the values; fix them and try again (the same request will fail again)."


class RateLimited(BigCommerceError):
    advice = "The store's API quota is used up; wait {retry_after} s before trying again."


class ServerError(BigCommerceError):
    advice = "BigCommerce failed to handle the request; try again later."


_ERROR_BY_STATUS: dict[int, type[BigCommerceError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Unauthorized,
    404: NotFound,
    409: Conflict,
    422: Unprocessable,
    429: RateLimited,
}


def error_class_for(status: int) -> type[BigCommerceError]:
    """The typed error for an HTTP status (5xx -> ServerError; other 4xx -> BigCommerceError)."""
    if status >= 500:
        return ServerError
    return _ERROR_BY_STATUS.get(status, BigCommerceError)


class UpstreamUnavailable(UpstreamError):
    """The store could not be reached or gave no usable answer.

    `ambiguous` is True when a non-idempotent request may have reached the store and been applied
    (the connection dropped after sending, or the answer was unreadable): the caller must find out
    whether it took effect before trying again.
    """

    def __init__(self, *, operation: str, reason: str, ambiguous: bool, hint: str | None = None) -> None:
        self.reason = reason
        self.ambiguous = ambiguous
        if ambiguous:
            advice = (
                hint or "Read the resource back to see whether the change was applied before repeating it."
            )
            message = (
                f"{operation}: {reason}; the request may have reached the store and been applied. "
                f"Do not repeat it blindly. {advice}"
            )
        else:
            message = f"{operation}: {reason}. Repeating it is safe: check the store is reachable and retry."
        super().__init__(message, operation=operation, retryable=not ambiguous)


class UnexpectedResponse(UpstreamError):
    """The store answered with success, but not in a shape this client understands.

    Retrying cannot help. `applied` is True for a non-idempotent request: it most likely took
    effect, so the caller must check before repeating it.
    """

    def __init__(self, *, operation: str, status: int, detail: str, applied: bool, hint: str | None) -> None:
        self.status = status
        self.applied = applied
        message = f"{operation}: the store answered {status} with a body this client cannot read ({detail})."
        if applied:
            message += " The request was most likely applied; do not repeat it blindly. " + (
                hint or "Read the resource back first."
            )
        else:
            message += " Retrying will not help: the store's API differs from what this client expects."
        super().__init__(message, operation=operation, retryable=False)


class OperationNotSupported(ClientError):
    """The configured API surface(s) do not offer this operation."""

    def __init__(self, operation: str, detail: str) -> None:
        super().__init__(f"{operation} is not available: {detail}")
        self.operation = operation


class InvalidIdentifier(ClientError, ValueError):
    """An id or code was refused before any request was sent (it could not be a valid one)."""

    def __init__(self, what: str, reason: str) -> None:
        super().__init__(
            f"Invalid {what}: {reason}. Nothing was sent to the store; pass the id exactly as returned."
        )
        self.what = what
