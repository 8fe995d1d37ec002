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
async def test_an_over_long_line_is_skipped_whole_and_the_next_one_read() -> None:
    data = b"x" * 100 + b"\n" + b'{"a":1}\n'
    assert await lines_of(data, limit=16) == [NOT_A_MESSAGE, '{"a":1}\n']


@pytest.mark.anyio
async def test_a_last_line_without_newline_is_read_and_bad_utf8_replaced() -> None:
    assert await lines_of(b'{"a":"\xff"}\n{"b":2}', limit=1024) == ['{"a":"\ufffd"}\n', '{"b":2}']
    assert await lines_of(b"", limit=1024) == []


STRAY_OUTPUT = textwrap.dedent(
    """
    import os, subprocess, sys, threading
    import anyio
    from mcp.server.mcpserver import MCPServer
    from checkout_mcp.server.stdio import run_stdio

    server = MCPServer("stray")

    @server.tool()
    async def noisy() -> str:
        print("stray print", flush=True)
        os.write(1, b"stray write\\n")
        subprocess.run(["echo", "stray child"], check=True)
        return f"quiet answer from {threading.active_count()} thread(s)"

    anyio.run(run_stdio, server)
    print(f"after serving, blocking {os.get_blocking(0)} {os.get_blocking(1)}", flush=True)
    """
)


def test_stray_output_while_serving_goes_to_stderr_never_to_the_wire(tmp_path: Path) -> None:
    """What `serve` runs (`run_stdio` on pipes), with a tool that prints, writes to fd 1 and runs a
    child: the wire carries JSON-RPC only, no worker thread reads it, and after serving fds 0 and 1
    are back, blocking."""
    script = tmp_path / "noisy_server.py"
    script.write_text(STRAY_OUTPUT)
    call = {"name": "noisy", "arguments": {}, "_meta": META}
    request = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": call}
    server = subprocess.Popen(
        [sys.executable, str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert server.stdin is not None and server.stdout is not None
    try:
        server.stdin.write(json.dumps(request).encode() + b"\n")
        server.stdin.flush()
        messages = []  # every line on the wire must be a JSON-RPC message
        while not messages or messages[-1].get("id") != 1:
            messages.append(json.loads(server.stdout.readline()))
        stdout, stderr = server.communicate(timeout=WAIT)  # stdin closed: the server ends
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    # one thread: the wire is read on the event loop (the SDK's transport reads it in a worker)
    assert messages[-1]["result"]["content"][0]["text"] == "quiet answer from 1 thread(s)"
    (after,) = stdout.decode().splitlines()
    assert after == "after serving, blocking True True"
    assert b"stray print" in stderr and b"stray write" in stderr and b"stray child" in stderr


def test_the_loop_waits_on_pipes_and_sockets_but_not_on_a_regular_file(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    left, right = socket.socketpair()
    regular = os.open(tmp_path / "requests.jsonl", os.O_RDWR | os.O_CREAT)
    try:
        assert loop_can_wait_on(read_end) and loop_can_wait_on(write_end)
        assert loop_can_wait_on(left.fileno())
        assert not loop_can_wait_on(regular)  # served by the SDK's threaded transport instead
        with open(os.devnull, "rb") as null:  # a device epoll refuses: a loop would never see its EOF
            assert not loop_can_wait_on(null.fileno())
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
