"""The httpx side of `Transport`: one pooled client per store host, and one request/answer on it.

`Transport` opens its `Connection` on its first request, so a server that has sent nothing yet
(a stdio server listing its tools) has not imported httpx. This is also the one place where
httpx's failures become ours (`UpstreamUnavailable`), as httpx itself translates httpcore's.

A request is built here, not by `AsyncClient.build_request`: that parses the whole URL again for
each request (twice with query parameters, once more to merge the base URL), while the client's
headers, cookies and timeout are what it would merge in. It goes out through `AsyncClient.send`,
as before, over the network or, for the sandbox, through httpx's ASGI transport.
"""

from __future__ import annotations

import functools
from typing import Any

import httpx

from checkout_mcp.bigcommerce.errors import UpstreamUnavailable
from checkout_mcp.bigcommerce.exchange import MAX_BODY_BYTES, Call, Received

DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=30.0, pool=10.0)
DEFAULT_LIMITS = httpx.Limits(max_connections=20, max_keepalive_connections=10, keepalive_expiry=30.0)
# Errors raised before a single byte of the request could have left this process.
NOT_SENT_ERRORS: tuple[type[httpx.TransportError], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)


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


class InProcessTransport(httpx.AsyncBaseTransport):
    """httpx's ASGI transport for the sandbox app, with dropped connections and late answers
    surfacing as over real HTTP.

    In-process there is no socket to close and no timeout runs, so the sandbox raises
    `ConnectionDropped` where uvicorn would close the connection, and `AnswerTooLate` where the
    answer would arrive after the client's timeout; here they become the `RemoteProtocolError` and
    the `ReadTimeout` a real client sees.
    """

    def __init__(self, app: object) -> None:
        self._inner = httpx.ASGITransport(app=app)  # type: ignore[arg-type]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        from checkout_mcp.sandbox.faults import AnswerTooLate, ConnectionDropped

        try:
            return await self._inner.handle_async_request(request)
        except ConnectionDropped as exc:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from exc
        except AnswerTooLate as exc:
            raise httpx.ReadTimeout(
                "The answer did not arrive within the read timeout.", request=request
            ) from exc

    async def aclose(self) -> None:
        await self._inner.aclose()


class Connection:
    """A pooled `httpx.AsyncClient` for one API host: `transport` (any httpx transport) or `app`
    (an in-process ASGI app, the sandbox) instead of the network, or neither for real HTTP."""

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.AsyncBaseTransport | None,
        app: object | None,
        timeout: httpx.Timeout | float | None,
        limits: httpx.Limits | None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self.client = PooledClient(
            base_url=base_url,
            transport=InProcessTransport(app) if app is not None else transport,
            timeout=DEFAULT_TIMEOUT if timeout is None else httpx.Timeout(timeout),
            limits=limits or DEFAULT_LIMITS,
            headers={"Accept": "application/json"},
            follow_redirects=False,
        )
        self._timeout = self.client.timeout.as_dict()

    async def aclose(self) -> None:
        await self.client.aclose()

    def request_for(self, call: Call) -> httpx.Request:
        """What `client.build_request` makes of the call, its URL parsed once (query included)."""
        url = self._base_url + call.path if call.path.startswith("/") else call.path
        if call.params:  # the bindings' paths carry no query of their own; a visited link no params
            url = f"{url}?{httpx.QueryParams(call.params)}"
        headers = httpx.Headers(self.client.headers)
        if call.headers:
            headers.update(call.headers)
        jar = self.client.cookies
        return httpx.Request(
            call.method,
            httpx.URL(url) if call.single_use else parsed_url(url),
            json=call.json_body,
            headers=headers,
            cookies=jar if jar else None,
            extensions={"timeout": self._timeout},
        )

    async def exchange(self, call: Call) -> Received:
        """The answer, its body read up to MAX_BODY_BYTES (decoded): a larger or endless one is
        refused, never held in memory or passed on. A failure to get it is `UpstreamUnavailable`."""
        try:
            response = await self.client.send(self.request_for(call), stream=True)
            try:
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > MAX_BODY_BYTES:
                        raise UpstreamUnavailable(
                            operation=call.operation,
                            reason=f"the store's answer is larger than {MAX_BODY_BYTES // 2**20} MiB",
                            ambiguous=not call.idempotent,
                            hint=call.if_ambiguous,
                        )
                    chunks.append(chunk)
            finally:
                await response.aclose()
        except httpx.TransportError as exc:
            raise _unavailable(call, exc) from None
        return Received(response.status_code, response.reason_phrase, response.headers, b"".join(chunks))


@functools.lru_cache(maxsize=256)
def parsed_url(url: str) -> httpx.URL:
    """The URL parsed, once for the last 256 targets: httpx checks each of its characters every time
    it parses one (about a twentieth of a request), and an agent asks about one checkout again and
    again. Single-use links carry a token, so they are never kept here."""
    return httpx.URL(url)


def _unavailable(call: Call, exc: httpx.TransportError) -> UpstreamUnavailable:
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
