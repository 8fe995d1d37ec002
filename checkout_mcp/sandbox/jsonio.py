"""JSON in and out of the sandbox's handlers, with money as Decimal on both sides.

Request numbers are parsed as Decimal and response Decimals are written as JSON numbers exactly
(never through float), so amounts survive the round trip to the cent.
"""

from __future__ import annotations

import json
import re
import secrets
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from checkout_mcp.sandbox.errors import SandboxError, invalid

ModelT = TypeVar("ModelT", bound=BaseModel)


def dumps(data: Any) -> str:
    """JSON text in which every Decimal is written as a number, exactly (never through float)."""
    marker = secrets.token_hex(8)

    def encode(value: object) -> str:
        if isinstance(value, Decimal):
            return f"{marker}{value}{marker}"
        if isinstance(value, datetime):
            return value.isoformat()
        raise TypeError(f"{type(value).__name__} is not JSON serializable")

    text = json.dumps(data, default=encode, separators=(",", ":"), ensure_ascii=False)
    return re.sub(f'"{marker}([-+0-9.Ee]+){marker}"', r"\1", text)


def omit_none(view: dict[str, Any], *keys: str) -> dict[str, Any]:
    """The view without those of `keys` whose value is None: the specs type them as objects or
    strings that are never null, so a value that does not exist is left out, not sent as null."""
    return {key: value for key, value in view.items() if not (key in keys and value is None)}


def json_response(data: Any, status: int = 200) -> Response:
    return Response(dumps(data), status_code=status, media_type="application/json")


async def read_json(request: Request) -> Any:
    """The request body parsed with Decimal numbers; an empty body is an empty object."""
    body = await request.body()
    if not body.strip():
        return {}
    try:
        return json.loads(body, parse_float=Decimal)
    except ValueError as exc:
        raise SandboxError(400, "The request body is not valid JSON.") from exc


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
