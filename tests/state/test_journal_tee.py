"""`[state] journal_stdout`: every stored record also goes to stdout as a JSON line, on HTTP only."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest
from mcp.client.client import Client

from checkout_mcp.cli import main
from checkout_mcp.config import ConfigError, load_config
from checkout_mcp.server.build import build_server, create_runtime
from checkout_mcp.state.chain import seal
from checkout_mcp.state.journal_file import FileJournal
from checkout_mcp.state.journal_tee import TeeJournal
from tests.common import ready
from tests.tools.conftest import call


def test_the_stream_gets_each_record_once_it_is_stored(tmp_path: Path) -> None:
    path, stream = tmp_path / "audit.jsonl", io.BytesIO()
    tee = TeeJournal(FileJournal(path).open(), stream)
    for number in range(3):
        tee.append(lambda seq, prev, number=number: seal({"number": number}, seq, prev))
    tee.close()
    assert stream.getvalue() == path.read_bytes() == b"".join(tee.lines())
    assert [json.loads(line)["number"] for line in stream.getvalue().splitlines()] == [0, 1, 2]


def test_a_stream_that_fails_does_not_fail_the_call(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path, stream = tmp_path / "audit.jsonl", io.BytesIO()
    stream.close()
    tee = TeeJournal(FileJournal(path).open(), stream)
    with caplog.at_level(logging.WARNING):
        record = tee.append(lambda seq, prev: seal({"number": 0}, seq, prev))
    tee.close()
    assert "Cannot copy audit record #1 to the log stream" in caplog.text
    assert json.loads(path.read_bytes()) == record


@pytest.mark.anyio
async def test_the_http_server_tees_its_journal_to_stdout(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    config = load_config(
        None,
        server={"transport": "http"},
        state={"journal_stdout": True},
        policy={"mode": "auto", "journal": str(tmp_path / "audit.jsonl")},
        sandbox={"frozen_clock": True},
    )
    runtime = create_runtime(config)
    try:
        async with Client(build_server(runtime)) as client:
            await call(client, "update_customer_message", checkout_id=ready(runtime), message="ring twice")
    finally:
        await runtime.aclose()
    shipped = capsysbinary.readouterr().out
    assert shipped == (tmp_path / "audit.jsonl").read_bytes()
    assert [json.loads(line)["kind"] for line in shipped.splitlines()] == ["begin", "complete"]


def test_stdio_refuses_journal_stdout(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ConfigError, match=r"\[state\] journal_stdout: on the stdio transport stdout carries"):
        load_config(None, state={"journal_stdout": True})
    monkeypatch.setenv("CHECKOUT_MCP_STATE__JOURNAL_STDOUT", "true")
    assert main(["serve", "--transport", "stdio"]) == 2
    assert 'set [server] transport = "http"' in capsys.readouterr().err
    assert load_config(None, server={"transport": "http"}).state.journal_stdout
