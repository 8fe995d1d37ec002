"""Fault switches: make the sandbox fail the way a real store and network fail, on demand.

A rule names the requests it hits (`match`), what happens (`kind`) and how often: for the next
`times` matching calls, with a `probability` drawn from a seeded RNG, both (at most `times` hits,
each with that probability), or neither (every matching call until cleared). Same seed, same rules,
same requests: same faults. Rules come from the admin API (PUT /__sandbox/faults with a JSON list)
or from Python (`sandbox.faults.add(...)`).

`match` is "METHOD PATH": METHOD is an HTTP method or `*`; in PATH `*` matches within one segment
and `**` across segments ("POST /stores/*/v3/checkouts/*/orders"). A `re:` prefix makes the rest a
regular expression matched against the whole "METHOD PATH" ("re:(PUT|POST) /api/storefront/.*").

Kinds, and whether the store processes the request:
- "429", "500", "502", "503": answered with that status and a BigCommerce error body; not processed.
  A 429 carries X-Retry-After (`retry_after_seconds`, default 0 so that test suites stay fast).
- "slow": waits `delay_seconds` of real time, then processes and answers. If the client gives up
  (disconnects) during the wait, the wait ends there and the request is not processed.
- "drop_before": the connection is dropped without a response; not processed.
- "drop_after": processed (state changes), then the connection is dropped: the ambiguous case.
- "late": processed (state changes), then the answer is held back until the client has given up
  waiting for it: an answer that arrives past the client's timeout, the other ambiguous case. Over
  a real server the answer waits for the client to leave (its read timeout), at most
  LATE_ANSWER_SECONDS of real time, after which it is sent after all; in-process, where there is
  no client clock to wait for, the app raises `AnswerTooLate` at once, and the in-process
  transport (`bigcommerce.store.InProcessTransport`) turns it into the `httpx.ReadTimeout` a
  real client raises. Either way the outcome is the same every time: no race with a timer.
- "malformed": a 200 whose JSON body is cut short; not processed.
- "oversized": a 200 whose JSON body never ends within reason (OVERSIZED_BYTES, streamed in
  megabyte chunks until the client leaves); not processed.
- "hold": the request waits, unprocessed, until `release_held()` (Python only, in-process; tests
  use it to act in the instant between a client's check and its request reaching the store:
  `await wait_until_held()`, change something, `release_held()`); then processed and answered.

What a dropped connection looks like to the client: over a real server (uvicorn) the TCP connection
is closed with no response bytes, so httpx raises `RemoteProtocolError` ("Server disconnected without
sending a response"). In-process (httpx `ASGITransport`) there is no connection to close; the app
raises `ConnectionDropped`, which `ASGITransport` re-raises to the caller.

The admin API (/__sandbox/) is never faulted, so a broad rule cannot lock the operator out.
"""

from __future__ import annotations

import asyncio
import random
import re
import threading
from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Any

import anyio
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from checkout_mcp.sandbox.errors import SandboxError, error_response

ADMIN_PREFIX = "/__sandbox/"
REGEX_PREFIX = "re:"
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
MALFORMED_BODY = b'{"data": {"id": "'
OVERSIZED_BYTES = 32 * 2**20
LATE_ANSWER_SECONDS = 600.0
STATUS_TITLES = {
    429: "Too many requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


class FaultKind(StrEnum):
    TOO_MANY_REQUESTS = "429"
    INTERNAL_SERVER_ERROR = "500"
    BAD_GATEWAY = "502"
    SERVICE_UNAVAILABLE = "503"
    SLOW = "slow"
    DROP_BEFORE = "drop_before"
    DROP_AFTER = "drop_after"
    LATE = "late"
    MALFORMED = "malformed"
    OVERSIZED = "oversized"
    HOLD = "hold"


class ConnectionDropped(Exception):
    """Raised where there is no connection to drop (in-process transports): the client sees this."""


class AnswerTooLate(Exception):
    """Raised for a late answer where no client times out (in-process transports): the client sees this."""


def compile_match(match: str) -> re.Pattern[str]:
    """The regular expression for a rule's `match` (see the module docstring for the syntax)."""
    if match.startswith(REGEX_PREFIX):
        return re.compile(match.removeprefix(REGEX_PREFIX))
    method, _, path = match.partition(" ")
    if method != "*" and method not in HTTP_METHODS:
        raise ValueError(f"match must be 'METHOD /path' with METHOD one of {sorted(HTTP_METHODS)} or '*'")
    if not path.startswith("/"):
        raise ValueError("match must be 'METHOD /path' (the path starts with '/')")
    method_re = r"[A-Z]+" if method == "*" else method
    segments = (re.escape(part).replace(r"\*", "[^/]*") for part in path.split("**"))
    return re.compile(f"{method_re} {'.*'.join(segments)}")


class FaultRule(BaseModel):
    """One fault switch, as the admin API takes it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    match: str = Field(min_length=3, max_length=500)
    kind: FaultKind
    times: int | None = Field(default=None, ge=1)
    probability: float | None = Field(default=None, gt=0, le=1)
    delay_seconds: float = Field(default=0, ge=0, le=600)
    retry_after_seconds: int = Field(default=0, ge=0, le=3600)
    _pattern: re.Pattern[str] = PrivateAttr()

    @field_validator("kind", mode="before")
    @classmethod
    def _status_as_text(cls, value: Any) -> Any:
        """Accept 503 as well as "503"."""
        return str(value) if isinstance(value, int) else value

    @model_validator(mode="after")
    def _check(self) -> FaultRule:
        try:
            self._pattern = compile_match(self.match)
        except re.error as exc:
            raise ValueError(f"match is not a valid regular expression: {exc}") from None
        if (self.kind is FaultKind.SLOW) != (self.delay_seconds > 0):
            raise ValueError("delay_seconds (> 0) is required for kind 'slow' and only allowed there")
        if self.retry_after_seconds and self.kind is not FaultKind.TOO_MANY_REQUESTS:
            raise ValueError("retry_after_seconds is only allowed for kind '429'")
        return self

    def matches(self, method: str, path: str) -> bool:
        return self._pattern.fullmatch(f"{method} {path}") is not None


class ActiveFault:
    """A rule in force, with what is left of it."""

    def __init__(self, rule: FaultRule) -> None:
        self.rule = rule
        self.remaining = rule.times
        self.fired = 0

    def view(self) -> dict[str, Any]:
        return {**self.rule.model_dump(mode="json"), "remaining": self.remaining, "fired": self.fired}


class FaultSwitches:
    """The rules in force; thread-safe, because tests switch faults while a server thread answers."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._lock = threading.Lock()
        self._active: list[ActiveFault] = []
        self._rng = random.Random(seed)
        self._held: list[anyio.Event] = []
        self._held_changed: anyio.Event | None = None

    def add(self, rule: FaultRule | dict[str, Any]) -> FaultRule:
        """Switch on one more rule (after those already in force)."""
        valid = rule if isinstance(rule, FaultRule) else FaultRule.model_validate(rule)
        with self._lock:
            self._active.append(ActiveFault(valid))
        return valid

    def replace(self, rules: Iterable[FaultRule | dict[str, Any]]) -> None:
        """Put exactly these rules in force and restart the RNG, so a rule set always replays the same."""
        valid = [rule if isinstance(rule, FaultRule) else FaultRule.model_validate(rule) for rule in rules]
        with self._lock:
            self._active = [ActiveFault(rule) for rule in valid]
            self._rng = random.Random(self.seed)

    def clear(self) -> None:
        """Switch every fault off (and restart the RNG)."""
        self.replace([])

    def active(self) -> list[dict[str, Any]]:
        """The rules in force, with `remaining` (None: unlimited) and `fired` counts."""
        with self._lock:
            return [fault.view() for fault in self._active]

    def pick(self, method: str, path: str) -> FaultRule | None:
        """The fault for this request, if one fires; spends one of its `times`."""
        with self._lock:
            for fault in self._active:
                if not fault.rule.matches(method, path):
                    continue
                probability = fault.rule.probability
                if probability is not None and self._rng.random() >= probability:
                    continue
                fault.fired += 1
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._active.remove(fault)
                return fault.rule
        return None

    async def hold(self) -> None:
        """Wait here until `release_held()`: a held request (kind "hold")."""
        released = anyio.Event()
        self._held.append(released)
        self._signal_held()
        await released.wait()

    async def wait_until_held(self, count: int = 1) -> None:
        """Return once `count` requests are being held."""
        while len(self._held) < count:
            if self._held_changed is None:
                self._held_changed = anyio.Event()
            await self._held_changed.wait()

    def release_held(self) -> int:
        """Let every held request go on to be processed; how many there were."""
        held, self._held = self._held, []
        for released in held:
            released.set()
        return len(held)

    def _signal_held(self) -> None:
        if self._held_changed is not None:
            self._held_changed.set()
            self._held_changed = None


def connection_of(send: Send) -> asyncio.BaseTransport | None:
    """The client's connection under a real server, None in-process: uvicorn's `send` is a method
    of its request cycle, which holds the connection's transport."""
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    return transport if isinstance(transport, asyncio.BaseTransport) else None


async def drop_connection(send: Send) -> None:
    """Close the client's connection without answering (see the module docstring)."""
    transport = connection_of(send)
    if transport is None:
        raise ConnectionDropped("The sandbox dropped the connection (fault switch)")
    transport.close()


async def read_body(receive: Receive) -> list[Message] | None:
    """The request's body messages, or None if the client disconnected first."""
    messages: list[Message] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        messages.append(message)
        if not message.get("more_body", False):
            return messages


async def client_leaves_within(receive: Receive, seconds: float) -> bool:
    """Wait up to `seconds` (real time); True as soon as the client disconnects."""
    with anyio.move_on_after(seconds):
        while (await receive())["type"] != "http.disconnect":
            continue
        return True
    return False


def replay(messages: list[Message], receive: Receive) -> Receive:
    """A `receive` that first gives back the body already read, then the client's own."""
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed


async def swallow(message: Message) -> None:
    """A `send` that discards the response (for `drop_after`)."""


def unwrapped(app: ASGIApp) -> ASGIApp:
    return app


class FaultMiddleware:
    """ASGI middleware applying the switches; outermost, so that drops reach the server's own `send`.

    Whatever answers (the app, or a status or malformed fault's canned response) answers through
    `answer_through`: the sandbox passes its rate limiter, so every answer is counted and carries the
    X-Rate-Limit-* headers (past the quota the limiter's own 429 answers, and the fault is spent).
    Drops answer nothing, and `drop_before` is neither processed nor counted.
    """

    def __init__(
        self,
        app: ASGIApp,
        switches: FaultSwitches,
        answer_through: Callable[[ASGIApp], ASGIApp] = unwrapped,
    ) -> None:
        self.switches = switches
        self.answer_through = answer_through
        self.app = answer_through(app)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rule = None
        if scope["type"] == "http" and not scope["path"].startswith(ADMIN_PREFIX):
            rule = self.switches.pick(scope["method"], scope["path"])
        if rule is None:
            await self.app(scope, receive, send)
        elif rule.kind is FaultKind.SLOW:
            await self._slow(rule, scope, receive, send)
        elif rule.kind is FaultKind.DROP_BEFORE:
            # Read the request first: closing a socket with unread bytes sends a reset (a different
            # error in the client) instead of the orderly close a dropped answer looks like.
            if await read_body(receive) is not None:
                await drop_connection(send)
        elif rule.kind is FaultKind.OVERSIZED:
            await oversized(send)
        elif rule.kind is FaultKind.HOLD:
            await self.switches.hold()
            await self.app(scope, receive, send)
        elif rule.kind is FaultKind.DROP_AFTER:
            await self.app(scope, receive, swallow)
            await drop_connection(send)
        elif rule.kind is FaultKind.LATE:
            await self._late(scope, receive, send)
        else:
            await self.answer_through(canned_response(rule))(scope, receive, send)

    async def _late(self, scope: Scope, receive: Receive, send: Send) -> None:
        answer: list[Message] = []

        async def keep(message: Message) -> None:
            answer.append(message)

        await self.app(scope, receive, keep)
        if connection_of(send) is None:
            raise AnswerTooLate("The sandbox answered after the client's timeout (fault switch)")
        if not await client_leaves_within(receive, LATE_ANSWER_SECONDS):
            for message in answer:
                await send(message)

    async def _slow(self, rule: FaultRule, scope: Scope, receive: Receive, send: Send) -> None:
        body = await read_body(receive)
        if body is None or await client_leaves_within(receive, rule.delay_seconds):
            return
        await self.app(scope, replay(body, receive), send)


async def oversized(send: Send) -> None:
    """A 200 JSON body of OVERSIZED_BYTES: a string that goes on and on, a megabyte at a time."""
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b'{"data": "', "more_body": True})
    chunk = b"x" * 2**20
    for _ in range(OVERSIZED_BYTES // len(chunk)):
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b'"}', "more_body": False})


def canned_response(rule: FaultRule) -> Response:
    """What a status fault (a BigCommerce error body) or a malformed fault (a 200 cut short) answers."""
    if rule.kind is FaultKind.MALFORMED:
        return Response(MALFORMED_BODY, media_type="application/json")
    status = int(rule.kind)
    response = error_response(SandboxError(status, STATUS_TITLES[status]))
    if rule.kind is FaultKind.TOO_MANY_REQUESTS:
        response.headers["X-Retry-After"] = str(rule.retry_after_seconds)
    return response
