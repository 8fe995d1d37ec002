"""Log lines: JSON objects (or the plain text format), request ids, and never a secret."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from checkout_mcp.policy.redact import Redactor
from checkout_mcp.server.logs import REQUEST_ID, log_handler, request_id_for, request_ids

SECRET = "store-api-token-0123456789"


@pytest.fixture
def logged() -> Iterator[tuple[logging.Logger, io.StringIO, list[logging.Handler]]]:
    logger = logging.getLogger("tests.server.test_logs")
    logger.propagate, logger.level = False, logging.INFO
    stream = io.StringIO()
    handlers: list[logging.Handler] = []
    yield logger, stream, handlers
    for handler in handlers:
        logger.removeHandler(handler)
    logger.propagate, logger.level = True, logging.NOTSET


def attach(logged: tuple[logging.Logger, io.StringIO, list[logging.Handler]], log_format: str) -> None:
    logger, stream, handlers = logged
    handler = log_handler(Redactor([SECRET]), log_format, stream)
    logger.addHandler(handler)
    handlers.append(handler)


def test_json_lines_carry_time_level_logger_message_and_the_request_id(
    logged: tuple[logging.Logger, io.StringIO, list[logging.Handler]],
) -> None:
    logger, stream, _ = logged
    attach(logged, "json")
    logger.warning("outside any request")
    token = REQUEST_ID.set("req-1")
    try:
        logger.info("calling with %s and Bearer %s", SECRET, "some-bearer-credential")
        try:
            raise RuntimeError(f"upstream refused {SECRET}")
        except RuntimeError:
            logger.exception("it failed")
    finally:
        REQUEST_ID.reset(token)
    outside, inside, failed = (json.loads(line) for line in stream.getvalue().splitlines())
    assert outside.keys() == {"time", "level", "logger", "message"}
    assert (outside["level"], outside["logger"]) == ("WARNING", "tests.server.test_logs")
    assert outside["time"].endswith("+00:00")
    assert inside["request_id"] == failed["request_id"] == "req-1"
    assert inside["message"] == "calling with [redacted] and Bearer [redacted]"
    assert "RuntimeError: upstream refused [redacted]" in failed["exception"]
    assert SECRET not in stream.getvalue() and "some-bearer-credential" not in stream.getvalue()


def test_text_lines_stay_plain_and_redacted(
    logged: tuple[logging.Logger, io.StringIO, list[logging.Handler]],
) -> None:
    logger, stream, _ = logged
    attach(logged, "text")
    logger.info("token %s", SECRET)
    assert stream.getvalue() == "INFO tests.server.test_logs: token [redacted]\n"


def test_a_caller_request_id_is_kept_only_when_sane() -> None:
    assert request_id_for("5f1c2a9e-0b7d-4c1e-9f2a-3b4c5d6e7f80") == "5f1c2a9e-0b7d-4c1e-9f2a-3b4c5d6e7f80"
    for insane in (None, "", "a b", "x\ny", "-leading", "x" * 129, '"quoted"'):
        assert request_id_for(insane) != insane
    assert request_id_for(None) != request_id_for(None)


@pytest.mark.anyio
async def test_mcp_requests_without_an_http_request_get_their_own_id() -> None:
    seen: list[str | None] = []

    async def handler(_: Any) -> None:
        seen.append(REQUEST_ID.get())

    await request_ids(None, handler)  # type: ignore[arg-type]
    await request_ids(None, handler)  # type: ignore[arg-type]
    token = REQUEST_ID.set("http-request")
    try:
        await request_ids(None, handler)  # type: ignore[arg-type]
    finally:
        REQUEST_ID.reset(token)
    first, second, carried = seen
    assert first and second and first != second
    assert carried == "http-request"
    assert REQUEST_ID.get() is None
