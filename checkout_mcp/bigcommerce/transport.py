"""The one HTTP path to a BigCommerce store: pooled httpx client, rate-limit pacing, safe retries.

Both API bindings send every request through `Transport.request`, so the rules live in one place:
- Pacing: when X-Rate-Limit-Requests-Left reaches 0, the next request waits
  X-Rate-Limit-Time-Reset-Ms instead of earning a 429.
- Retries: idempotent requests (GET, PUT, DELETE) are retried on 429, 502/503/504, timeouts and
  dropped connections; a POST only on a 429 or when the connection was never made, because
  anything else may have reached the store. Waits are jittered exponential backoff (a 429 waits
  what the store asks), bounded by a number of attempts and a total wait. A request that succeeds
  at once costs nothing for all this: the loop is plain code, with no retry object per request.
- Ids: path segments built from arguments are validated and percent-escaped here.
- JSON is decoded with `Decimal` for every number that has a fraction, so money never becomes float.

The httpx side (the pooled client, building and reading a request) is `connection.Connection`,
opened on the first request. `sleep` and `now` are injectable so tests drive the sandbox's Clock
instead of waiting.
"""

from __future__ import annotations

import json
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

import anyio

from checkout_mcp.bigcommerce.errors import (
    BigCommerceError,
    InvalidIdentifier,
    RateLimited,
    UnexpectedResponse,
    UpstreamError,
    UpstreamUnavailable,
    error_class_for,
)
from checkout_mcp.bigcommerce.exchange import Call, Received
from checkout_mcp.order_status import ORDER_STATUS_NAMES

if TYPE_CHECKING:
    import httpx

    from checkout_mcp.bigcommerce.connection import Connection

logger = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]

RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
VISIT_HEADERS = {"Accept": "text/html"}
VISIT_HINT = "A single-use link may have been spent by this visit; get a new link rather than reuse it."
REQUEST_ID_HEADERS = ("X-Request-Id", "X-Correlation-Id", "Request-Id")


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: attempts include the first one; waits are in seconds."""

    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_total_wait: float = 45.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Exponential backoff with "equal jitter": half fixed, half random, capped at max_delay."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


# --- ids and path segments -------------------------------------------------------------------------

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
MAX_SEGMENT_LENGTH = 255


def uuid_segment(value: str, what: str) -> str:
    """A cart/checkout id: must be a UUID in its canonical 8-4-4-4-12 form."""
    if not isinstance(value, str) or not _UUID.match(value):
        raise InvalidIdentifier(what, "expected a UUID like 306d57d7-124e-4112-82cd-35e060c0d4d9")
    return value.lower()


def segment(value: str, what: str) -> str:
    """Any other id or code, percent-escaped so it stays exactly one path segment."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidIdentifier(what, "it is empty")
    if len(value) > MAX_SEGMENT_LENGTH:
        raise InvalidIdentifier(what, f"it is longer than {MAX_SEGMENT_LENGTH} characters")
    if value in {".", ".."}:
        raise InvalidIdentifier(what, "'.' and '..' are not ids")
    return quote(value, safe="")


def number_segment(value: int, what: str) -> str:
    """A numeric id (order, product): a positive integer."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidIdentifier(what, "expected a positive integer")
    return str(value)


def order_segment(order_id: int) -> str:
    return number_segment(order_id, "order id")


def status_segment(status_id: int) -> str:
    """An order status id: one of BigCommerce's (0 Incomplete ... 14 Partially Refunded)."""
    if (
        isinstance(status_id, bool)
        or not isinstance(status_id, int)
        or not 0 <= status_id < len(ORDER_STATUS_NAMES)
    ):
        raise InvalidIdentifier("order status id", f"expected 0..{len(ORDER_STATUS_NAMES) - 1}")
    return str(status_id)


# --- JSON --------------------------------------------------------------------------------------------

ZERO = Decimal("0")


def amount_from(value: Any) -> Decimal:
    """A JSON amount (number, numeric string as v2 sends, or missing) as Decimal."""
    kind = type(value)
    if kind is Decimal:  # what decode_json makes of any number with a fraction
        return value  # type: ignore[no-any-return]
    if value is None or value == "":
        return ZERO
    if kind is not int and kind is not str:
        raise TypeError(f"expected a JSON number for an amount, got {kind.__name__}")
    return Decimal(value)


def decode_json(response: Received) -> Any:
    """The body as JSON (UTF-8, as RFC 8259 has it) with Decimal fractions; None for an empty body."""
    if response.status_code == 204 or not response.content:
        return None
    return json.loads(response.content, parse_float=Decimal)


# --- the transport -------------------------------------------------------------------------------------


class Transport:
    """One pooled HTTP client for one API host, with pacing and retries.

    Pass `app=` an in-process ASGI app (the sandbox) or `transport=` any httpx transport to talk to
    it, or neither for real HTTP to `base_url`. `timeout` is an httpx.Timeout or seconds for each
    phase (default: connection.DEFAULT_TIMEOUT). The client itself is made on the first request.
    """

    def __init__(
        self,
        base_url: str,
        *,
        app: object | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout | float | None = None,
        limits: httpx.Limits | None = None,
        retry: RetryPolicy | None = None,
        sleep: Sleep = anyio.sleep,
        now: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self._base_url = base_url
        self._options: dict[str, Any] = dict(app=app, transport=transport, timeout=timeout, limits=limits)
        self._connection: Connection | None = None
        self._closed = False
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._now = now
        self._rng = rng or random.Random()
        self._resume_at = 0.0

    def _connected(self) -> Connection:
        """The pooled client, made (and httpx imported) on the first request."""
        if self._connection is None:
            if self._closed:
                raise RuntimeError("Cannot send a request, as the client has been closed.")
            from checkout_mcp.bigcommerce.connection import Connection

            self._connection = Connection(self._base_url, **self._options)
        return self._connection

    async def aclose(self) -> None:
        self._closed = True
        if self._connection is not None:
            await self._connection.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        parse: Callable[[Any], T],
        json_body: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        if_ambiguous: str | None = None,
    ) -> T:
        """Send one logical request (retrying where safe) and return `parse` of its decoded JSON body.

        A body `parse` cannot read (missing member, wrong type) raises `UnexpectedResponse`.
        `if_ambiguous` tells the caller how to find out whether a non-idempotent request took
        effect when its outcome is unknown; it ends up in the error message.
        """
        call = Call(method.upper(), path, operation, json_body, params, headers, if_ambiguous)
        return parse_answer(await self._with_retries(self._attempt, call, _is_retryable), parse, call)

    async def visit(self, url: str, *, operation: str) -> int:
        """GET a page as a browser would and return its status (2xx or 3xx); an error status raises.

        For single-use links (a cart redirect URL): the body is never decoded (a store answers with
        HTML or nothing) and is read only up to MAX_BODY_BYTES, the redirect is not followed, and the
        request is retried only when it provably never left this process, since any visit that
        reached the store may have spent it.
        """
        call = Call("GET", url, operation, None, None, VISIT_HEADERS, VISIT_HINT, single_use=True)
        return await self._with_retries(self._visit_once, call, _was_not_sent)

    async def _with_retries(
        self,
        send: Callable[[Call], Awaitable[T]],
        call: Call,
        retryable: Callable[[UpstreamError], bool],
    ) -> T:
        """`send(call)`, sent again after each failure `retryable` accepts while the policy allows
        another attempt and the total wait stays within bounds; otherwise the failure is raised."""
        attempt, waited = 1, 0.0
        while True:
            try:
                return await send(call)
            except UpstreamError as error:
                if not retryable(error):
                    raise
                delay = self._delay(error, attempt)
                if attempt >= self.retry.max_attempts or waited + delay > self.retry.max_total_wait:
                    raise
                logger.warning(
                    "%s: attempt %d failed (%s); retrying in %.3f s",
                    error.operation,
                    attempt,
                    type(error).__name__,
                    delay,
                )
                await self._sleep(delay)
                waited += delay
                attempt += 1

    async def _visit_once(self, call: Call) -> int:
        return (await self._received(call)).status_code

    async def _attempt(self, call: Call) -> _Answer:
        response = await self._received(call)
        try:
            return _Answer(response.status_code, decode_json(response))
        except ValueError:
            raise UpstreamUnavailable(
                operation=call.operation,
                reason=f"the store answered {response.status_code} with a body that is not valid JSON",
                ambiguous=not call.idempotent,
                hint=call.if_ambiguous,
            ) from None

    async def _received(self, call: Call) -> Received:
        """One attempt: paced, its rate-limit headers noted; an error status raises."""
        await self._pace()
        response = await self._connected().exchange(call)
        self._note_rate_limit(response)
        if response.status_code >= 400:
            raise _error_from(response, call)
        return response

    async def _pace(self) -> None:
        """Wait out an exhausted rate-limit window rather than spend a request on a 429."""
        remaining = self._resume_at - self._now()
        if remaining > 0:
            logger.info("rate-limit quota used up; waiting %.3f s for the window to reset", remaining)
            await self._sleep(remaining)

    def _note_rate_limit(self, response: Received) -> None:
        left = _header_number(response, "X-Rate-Limit-Requests-Left")
        reset_ms = _header_number(response, "X-Rate-Limit-Time-Reset-Ms")
        if left is not None and left <= 0 and reset_ms is not None:
            self._resume_at = max(self._resume_at, self._now() + reset_ms / 1000)

    def _delay(self, error: UpstreamError, attempt: int) -> float:
        """How long to wait after failed attempt number `attempt`: what a 429 asks, else backoff."""
        if isinstance(error, RateLimited) and error.retry_after is not None:
            return error.retry_after
        return self.retry.backoff(attempt, self._rng)


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    body: Any


def parse_answer(answer: _Answer, parse: Callable[[Any], T], call: Call) -> T:
    """Map the decoded body; a shape this client does not know is an error, never a wrong value."""
    try:
        return parse(answer.body)
    except (KeyError, TypeError, AttributeError, ValueError, ArithmeticError) as exc:
        raise UnexpectedResponse(
            operation=call.operation,
            status=answer.status,
            detail=type(exc).__name__,
            applied=not call.idempotent,
            hint=call.if_ambiguous,
        ) from None


def _is_retryable(error: UpstreamError) -> bool:
    return error.retryable


def _was_not_sent(error: UpstreamError) -> bool:
    """For a single-use call, an unavailable store is unambiguous only if the request never left."""
    return isinstance(error, UpstreamUnavailable) and not error.ambiguous


def _error_from(response: Received, call: Call) -> BigCommerceError:
    status = response.status_code
    body = _error_body(response)
    title, field_errors = _title_and_fields(body, response)
    retryable = status in RETRYABLE_STATUSES and (call.idempotent or status == 429)
    return error_class_for(status)(
        status=status,
        title=title,
        operation=call.operation,
        type=body.get("type") if isinstance(body.get("type"), str) else None,
        field_errors=field_errors,
        request_id=next((response.headers[h] for h in REQUEST_ID_HEADERS if h in response.headers), None),
        retryable=retryable,
        retry_after=_retry_after(response) if status == 429 else None,
        hint=call.if_ambiguous if status >= 500 and not call.idempotent else None,
    )


def _error_body(response: Received) -> dict[str, Any]:
    try:
        body = decode_json(response)
    except ValueError:
        return {}
    if isinstance(body, list):  # v2 answers errors as [{"status", "message"}]
        return {"title": "; ".join(str(item.get("message", "")) for item in body if isinstance(item, dict))}
    return body if isinstance(body, dict) else {}


def _title_and_fields(body: dict[str, Any], response: Received) -> tuple[str, dict[str, Any]]:
    """The v3 body's title and field errors; a `{"errors": [{"title", "detail"}]}` body (documented for
    GET /checkouts/{id} 404) gives its first entry's title."""
    errors = body.get("errors")
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    title = body.get("title") or first.get("title") or body.get("detail") or response.reason_phrase or "error"
    return str(title), errors if isinstance(errors, dict) else {}


def _retry_after(response: Received) -> float | None:
    seconds = _header_number(response, "X-Retry-After")
    if seconds is not None:
        return seconds
    reset_ms = _header_number(response, "X-Rate-Limit-Time-Reset-Ms")
    return reset_ms / 1000 if reset_ms is not None else None


def _header_number(response: Received, name: str) -> float | None:
    value = response.headers.get(name)
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
