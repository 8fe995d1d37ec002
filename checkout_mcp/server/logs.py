"""Logs on stderr (stdout is the stdio protocol), as text for people or JSON lines for collectors.

A JSON line has `time` (UTC, ISO 8601), `level`, `logger`, `message`, and `request_id` while a
request is being served: the HTTP layer sets it for each request (from a sane `X-Request-Id`, or
a new one, echoed in the response), and it follows the request into the tool call it carries (the
SDK hands each message's context variables to its handler). A request with no HTTP request (stdio)
gets one per MCP request. `exception` holds a traceback, if any.

Every handler carries the RedactingFilter, so no known secret reaches a log line, in either format.
This server sends no MCP log notifications (`notifications/message`), so it does not declare the
MCP `logging` capability: logs are for the operator, not the client.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext

from checkout_mcp.config import ServerSettings
from checkout_mcp.policy.redact import RedactingFilter, Redactor

REQUEST_ID: ContextVar[str | None] = ContextVar("checkout_mcp_request_id", default=None)
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
TEXT_FORMAT = "%(levelname)s %(name)s: %(message)s"


def request_id_for(incoming: str | None) -> str:
    """The id of a request: the caller's own if it is sane (a proxy's, say), a new one otherwise."""
    if incoming is not None and SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    """One JSON object per line. The handler's RedactingFilter has already redacted the message and
    the traceback (as `exc_text`); the request id is redacted here (a caller chose it)."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = REQUEST_ID.get()
        if request_id is not None:
            entry["request_id"] = self.redactor.redact_text(request_id)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def log_handler(redactor: Redactor, log_format: str, stream: IO[str]) -> logging.Handler:
    """A handler writing to `stream` in `log_format` ("text" or "json"), redacting every record."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(redactor) if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RedactingFilter(redactor))
    return handler


def configure_logging(redactor: Redactor, settings: ServerSettings) -> None:
    """Root logging on stderr in the configured format, with every known secret redacted.

    httpx logs each request URL at INFO; redirect URLs carry tokens, so it speaks only from WARNING.
    """
    logging.basicConfig(level=logging.INFO, handlers=[log_handler(redactor, settings.log_format, sys.stderr)])
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(each, RedactingFilter) for each in handler.filters):
            handler.addFilter(RedactingFilter(redactor))


async def request_ids(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
    """MCP server middleware: an MCP request that no HTTP request carried gets its own request id."""
    if REQUEST_ID.get() is not None:
        return await call_next(ctx)
    token = REQUEST_ID.set(uuid.uuid4().hex)
    try:
        return await call_next(ctx)
    finally:
        REQUEST_ID.reset(token)
