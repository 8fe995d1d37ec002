"""JSON in and out of the sandbox's handlers, with money as Decimal on both sides.

Request numbers are parsed as Decimal and response Decimals are written as JSON numbers exactly
(never through float), so amounts survive the round trip to the cent. `dumps` writes a tree of
dicts and lists; a `Fragment` in it is JSON written already, by a `templates.Template`, and goes in
as it is (the checkout and cart views are templates: see `templates` for why). A request body is bounded
before any handler sees it: at most MAX_REQUEST_BYTES (413), nested at most MAX_DEPTH levels,
numbers within 64 bits (19 digits before the point), and JSON in the strict sense (400): no NaN
or Infinity, no text with unpaired surrogates, which Python's parser lets through (from "\\ud800"
escapes, or encoded surrogates in the bytes) and no UTF-8 answer can carry back.
"""

from __future__ import annotations

import itertools
import json
import secrets
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from checkout_mcp.sandbox.errors import SandboxError, invalid

ModelT = TypeVar("ModelT", bound=BaseModel)


_MARKER = secrets.token_urlsafe(8)  # 64 bits in 11 characters: each Decimal carries it twice
"""Wraps each Decimal while `dumps` writes the JSON, then goes with its quotes. Drawn once per process
and never part of any output, so no text in the data (a shopper's, say) can guess it and turn itself
into a number."""
_OPENED, _CLOSED = f'"{_MARKER}', f'{_MARKER}"'
_SPLICE = secrets.token_urlsafe(8)
"""Stands, quoted, where `dumps` puts a `Fragment` in; secret for the same reason as `_MARKER`."""
_SPLICED = f'"{_SPLICE}"'


class Fragment:
    """JSON text already written (by a `templates.Template`): `dumps` and templates put it in as it is."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"Fragment({self.text!r})"


def _encode(value: object) -> str:
    """Called once for every amount in a dict answer: the common case comes first."""
    if isinstance(value, Decimal) and value.is_finite():
        return _MARKER + str(value) + _MARKER
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        raise ValueError(f"{value} is not a JSON number")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(data: Any) -> str:
    """JSON text in which every Decimal is written as a number, exactly (never through float), and
    every `Fragment` as the JSON it holds.

    The writer makes no cycle check: the views build a fresh tree for each answer, which cannot hold a
    cycle, and not tracking every container it enters takes a seventh off the time of a large answer.
    """
    if isinstance(data, Fragment):
        return data.text
    fragments: list[str] = []

    def encode(value: object) -> str:
        if isinstance(value, Fragment):
            fragments.append(value.text)
            return _SPLICE
        return _encode(value)

    encoder = json.JSONEncoder(
        default=encode, separators=(",", ":"), ensure_ascii=False, check_circular=False
    )
    text = encoder.encode(data).replace(_OPENED, "").replace(_CLOSED, "")
    if not fragments:
        return text
    *before, last = text.split(_SPLICED)
    return "".join(itertools.chain.from_iterable(zip(before, fragments, strict=True))) + last


def json_response(data: Any, status: int = 200) -> Response:
    return Response(dumps(data), status_code=status, media_type="application/json")


MAX_REQUEST_BYTES = 8 * 2**20
"""No request the API documents comes near this; past it, the body is refused unread."""
MAX_DEPTH = 32
"""The API's bodies nest a few levels (a consignment's line items are four deep)."""
INTEGER_LIMIT = 2**63
"""The API's integers are int32 or int64; a number past this fits none of its fields."""
NOT_JSON = "The request body is not valid JSON"


async def read_body(request: Request) -> bytes:
    """The request's bytes, refused (413) as soon as they pass MAX_REQUEST_BYTES."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_REQUEST_BYTES:
            raise SandboxError(413, f"The request body is larger than {MAX_REQUEST_BYTES // 2**20} MiB.")
    return bytes(body)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def check_plain(data: Any) -> None:
    """Refuse what the parser accepts but JSON and the API do not: deep nesting, numbers out of
    range and unpaired surrogates (walked without recursion, so that depth cannot crash it)."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise SandboxError(400, f"{NOT_JSON} for this API: it nests deeper than {MAX_DEPTH} levels.")
        if isinstance(value, dict):
            pending += [(key, depth) for key in value]
            pending += [(part, depth + 1) for part in value.values()]
        elif isinstance(value, list):
            pending += [(part, depth + 1) for part in value]
        elif isinstance(value, int | Decimal) and not isinstance(value, bool) and abs(value) >= INTEGER_LIMIT:
            raise SandboxError(
                400, f"{NOT_JSON} for this API: a number has more digits than a 64-bit field holds."
            )
        elif isinstance(value, str) and not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise SandboxError(400, f"{NOT_JSON}: it has text with an unpaired surrogate.") from None


async def read_json(request: Request) -> Any:
    """The request body parsed with Decimal numbers; an empty body is an empty object."""
    body = await read_body(request)
    if not body.strip():
        return {}
    try:
        data = json.loads(body, parse_float=Decimal, parse_constant=_no_constants)
    except RecursionError:
        raise SandboxError(400, f"{NOT_JSON} for this API: it nests too deeply.") from None
    except ValueError as exc:
        raise SandboxError(400, f"{NOT_JSON}.") from exc
    check_plain(data)
    return data


def parse(model: type[ModelT], data: Any, *, status: int = 422) -> ModelT:
    """Validate a request payload; field problems are a 422 (v2: 400) naming each field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = {".".join(str(p) for p in e["loc"]) or "body": e["msg"] for e in exc.errors()}
        if status != 422:
            details = "; ".join(f"{field}: {problem}" for field, problem in errors.items())
            raise SandboxError(status, f"The request is not valid ({details}).") from exc
        raise invalid("The request payload is not valid.", errors) from exc
