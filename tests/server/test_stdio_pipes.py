"""stdio on the event loop (server/stdio.py): the wire's lines, the claimed descriptors, the fallback.

The protocol over stdio as clients speak it is tested with the real command elsewhere (the SDK's
client in tests/tools/test_stdio.py, the TypeScript SDK's in tests/interop); here: what the loop's
reader makes of odd lines, that stray output during serving never reaches the wire, which
descriptors the loop can wait on (the others get the SDK's threaded transport), and pipelining.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from checkout_mcp.server.stdio import NOT_A_MESSAGE, LineReader, loop_can_wait_on

WAIT = 60.0
META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientInfo": {"name": "test", "version": "1"},
    "io.modelcontextprotocol/clientCapabilities": {},
}


async def lines_of(data: bytes, limit: int) -> list[str]:
    reader = asyncio.StreamReader(limit=limit)
    reader.feed_data(data)
    reader.feed_eof()
    return [line async for line in LineReader(reader)]


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_an_over_long_line_is_skipped_whole_and_the_next_one_read() -> None:
    data = b"x" * 100 + b"\n" + b'{"a":1}\n'
    assert await lines_of(data, limit=16) == [NOT_A_MESSAGE, '{"a":1}\n']


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_a_last_line_without_newline_is_read_and_bad_utf8_replaced() -> None:
    assert await lines_of(b'{"a":"\xff"}\n{"b":2}', limit=1024) == ['{"a":"\ufffd"}\n', '{"b":2}']
    assert await lines_of(b"", limit=1024) == []


STRAY_OUTPUT = textwrap.dedent(
    """
    import asyncio, os, subprocess
    from checkout_mcp.server.stdio import pipe_streams

    async def main():
        async with pipe_streams() as (lines, answers):
            async for line in lines:
                print("stray print", flush=True)
                os.write(1, b"stray write\\n")
                subprocess.run(["echo", "stray child"], check=True)
                await answers.write("answer " + line)
                await answers.flush()
        print("after serving")

    asyncio.run(main())
    """
)


def test_stray_output_while_serving_goes_to_stderr_never_to_the_wire(tmp_path: Path) -> None:
    script = tmp_path / "echo_server.py"
    script.write_text(STRAY_OUTPUT)
    done = subprocess.run(
        [sys.executable, str(script)], input=b"one\ntwo\n", capture_output=True, timeout=WAIT, check=True
    )
    assert done.stdout == b"answer one\nanswer two\nafter serving\n"  # fd 1 is the wire again after
    assert done.stderr.count(b"stray print\n") == done.stderr.count(b"stray child\n") == 2
    assert done.stderr.count(b"stray write\n") == 2


def test_the_loop_waits_on_pipes_and_sockets_but_not_on_a_regular_file(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    left, right = socket.socketpair()
    regular = os.open(tmp_path / "requests.jsonl", os.O_RDWR | os.O_CREAT)
    try:
        assert loop_can_wait_on(read_end) and loop_can_wait_on(write_end)
        assert loop_can_wait_on(left.fileno())
        assert not loop_can_wait_on(regular)  # served by the SDK's threaded transport instead
    finally:
        for fd in (read_end, write_end, regular):
            os.close(fd)
        left.close()
        right.close()
    assert not loop_can_wait_on(regular)  # a closed descriptor


def test_requests_sent_at_once_are_all_answered() -> None:
    """Five requests in one write: the loop's reader splits them and each gets its answer."""
    lines = [
        {"jsonrpc": "2.0", "id": n, "method": "tools/list", "params": {"_meta": META}} for n in range(1, 6)
    ]
    server = subprocess.Popen(
        [sys.executable, "-m", "checkout_mcp.cli", "serve", "--transport", "stdio"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert server.stdin is not None and server.stdout is not None
    try:
        server.stdin.write("".join(json.dumps(line) + "\n" for line in lines).encode())
        server.stdin.flush()
        answers = [json.loads(server.stdout.readline()) for _ in lines]
        server.stdin.close()
        assert server.wait(timeout=WAIT) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert sorted(answer["id"] for answer in answers) == [1, 2, 3, 4, 5]
    assert all(any(t["name"] == "get_checkout" for t in a["result"]["tools"]) for a in answers)
