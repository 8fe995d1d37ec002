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

`sleep` and `now` are injectable so tests drive the sandbox's Clock instead of waiting.
"""

from __future__ import annotations

import json
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import quote

import anyio
import httpx

from checkout_mcp.bigcommerce.errors import (
    BigCommerceError,
    InvalidIdentifier,
    RateLimited,
    UnexpectedResponse,
    UpstreamError,
    UpstreamUnavailable,
    error_class_for,
)
from checkout_mcp.order_status import ORDER_STATUS_NAMES

logger = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]

IDEMPOTENT_METHODS = frozenset({"GET", "PUT", "DELETE", "HEAD", "OPTIONS"})
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=30.0, pool=10.0)
DEFAULT_LIMITS = httpx.Limits(max_connections=20, max_keepalive_connections=10, keepalive_expiry=30.0)
VISIT_HINT = "A single-use link may have been spent by this visit; get a new link rather than reuse it."
REQUEST_ID_HEADERS = ("X-Request-Id", "X-Correlation-Id", "Request-Id")
# Errors raised before a single byte of the request could have left this process.
NOT_SENT_ERRORS: tuple[type[httpx.TransportError], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)


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


MAX_BODY_BYTES = 8 * 2**20
"""No answer of the store's API comes near this; past it, the answer is refused."""


@dataclass(frozen=True)
class Received:
    """An answer as read: its status and headers, and its body already decoded (gzip undone).

    Not an httpx.Response: one built from a decoded body and the headers as sent would decode it
    a second time (content-encoding), and building one costs as much as reading the answer.
    """

    status_code: int
    reason_phrase: str
    headers: httpx.Headers
    content: bytes


def decode_json(response: Received) -> Any:
    """The body as JSON (UTF-8, as RFC 8259 has it) with Decimal fractions; None for an empty body."""
    if response.status_code == 204 or not response.content:
        return None
    return json.loads(response.content, parse_float=Decimal)


# --- the transport -------------------------------------------------------------------------------------


class AnsweredCookies(httpx.Cookies):
    """The client's cookie jar, which reads an answer's cookies only when it sets any.

    httpx hands every answer to http.cookiejar, which wraps the request and the answer and parses
    the URL again before it looks for a Set-Cookie header (about 15 us a request); most answers
    (every management one) set none.
    """

    def extract_cookies(self, response: httpx.Response) -> None:
        if "set-cookie" in response.headers:
            super().extract_cookies(response)


class PooledClient(httpx.AsyncClient):
    """httpx's client with `AnsweredCookies` for its jar."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._jar = AnsweredCookies(options.get("cookies"))

    @property
    def cookies(self) -> httpx.Cookies:
        return self._jar

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        self._jar = AnsweredCookies(cookies)


class Transport:
    """One pooled `httpx.AsyncClient` for one API host, with pacing and retries.

    Pass `transport=httpx.ASGITransport(app=...)` to talk to an in-process ASGI app (the sandbox),
    or nothing for real HTTP to `base_url`.
    """

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        limits: httpx.Limits = DEFAULT_LIMITS,
        retry: RetryPolicy | None = None,
        sleep: Sleep = anyio.sleep,
        now: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._client = PooledClient(
            base_url=base_url,
            transport=transport,
            timeout=timeout,
            limits=limits,
            headers={"Accept": "application/json"},
            follow_redirects=False,
        )
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._now = now
        self._rng = rng or random.Random()
        self._resume_at = 0.0

    async def aclose(self) -> None:
        await self._client.aclose()

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
        call = _Call(method.upper(), path, operation, json_body, params, headers, if_ambiguous)
        return parse_answer(await self._with_retries(self._attempt, call, _is_retryable), parse, call)

    async def visit(self, url: str, *, operation: str) -> int:
        """GET a page as a browser would and return its status (2xx or 3xx); an error status raises.

        For single-use links (a cart redirect URL): the body is never decoded (a store answers with
        HTML or nothing) and is read only up to MAX_BODY_BYTES, the redirect is not followed, and the
        request is retried only when it provably never left this process, since any visit that
        reached the store may have spent it.
        """
        call = _Call("GET", url, operation, None, None, {"Accept": "text/html"}, VISIT_HINT, single_use=True)
        return await self._with_retries(self._visit_once, call, _was_not_sent)

    async def _with_retries(
        self,
        send: Callable[[_Call], Awaitable[T]],
        call: _Call,
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

    async def _visit_once(self, call: _Call) -> int:
        await self._pace()
        try:
            response = await self._bounded(call)
        except httpx.TransportError as exc:
            raise _unavailable(call, exc) from None
        self._note_rate_limit(response)
        if response.status_code >= 400:
            raise _error_from(response, call)
        return response.status_code

    async def _attempt(self, call: _Call) -> _Answer:
        await self._pace()
        try:
            response = await self._bounded(call)
        except httpx.TransportError as exc:
            raise _unavailable(call, exc) from None
        self._note_rate_limit(response)
        if response.status_code >= 400:
            raise _error_from(response, call)
        try:
            return _Answer(response.status_code, decode_json(response))
        except ValueError:
            raise UpstreamUnavailable(
                operation=call.operation,
                reason=f"the store answered {response.status_code} with a body that is not valid JSON",
                ambiguous=not call.idempotent,
                hint=call.if_ambiguous,
            ) from None

    async def _bounded(self, call: _Call) -> Received:
        """The answer, its body read up to MAX_BODY_BYTES (decoded): a larger or endless one is
        refused, never held in memory or passed on."""
        url = self._base_url + call.path if call.path.startswith("/") else call.path  # parsed once
        request = self._client.build_request(
            call.method, url, json=call.json_body, params=call.params, headers=call.headers
        )
        response = await self._client.send(request, stream=True)
        try:
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_BODY_BYTES:
                    raise UpstreamUnavailable(
                        operation=call.operation,
                        reason=f"the store's answer is larger than {MAX_BODY_BYTES // 2**20} MiB",
                        ambiguous=not call.idempotent,
                        hint=call.if_ambiguous,
                    )
        finally:
            await response.aclose()
        return Received(response.status_code, response.reason_phrase, response.headers, bytes(body))

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


@dataclass(frozen=True)
class _Call:
    method: str
    path: str = field(repr=False)  # a visited link carries its token
    operation: str
    json_body: Any
    params: Mapping[str, str] | None
    headers: Mapping[str, str] | None
    if_ambiguous: str | None
    single_use: bool = False  # a GET that spends what it names (a redirect link) is not idempotent

    @property
    def idempotent(self) -> bool:
        return self.method in IDEMPOTENT_METHODS and not self.single_use


@dataclass(frozen=True)
class _Answer:
    status: int
    body: Any


def parse_answer(answer: _Answer, parse: Callable[[Any], T], call: _Call) -> T:
    """Map the decoded body; a shape this client does not know is an error, never a wrong value."""
    try:
        return parse(answer.body)
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
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


def _unavailable(call: _Call, exc: httpx.TransportError) -> UpstreamUnavailable:
    if isinstance(exc, NOT_SENT_ERRORS):
        return UpstreamUnavailable(
            operation=call.operation,
            reason=f"could not connect to the store ({type(exc).__name__})",
            ambiguous=False,
        )
    kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "lost the connection"
    return UpstreamUnavailable(
        operation=call.operation,
        reason=f"the request {kind} before an answer arrived ({type(exc).__name__})",
        ambiguous=not call.idempotent,
        hint=call.if_ambiguous,
    )


def _error_from(response: Received, call: _Call) -> BigCommerceError:
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
