"""MCP over stdin and stdout without a thread per read and write, where they are pipes.

The SDK's `stdio_server` reads each line and writes (then flushes) each answer in a worker thread:
three thread hand-offs a call, which cost more than the call itself on a fast tool, and leave the
caches cold for the next. An IDE or agent runs a server with pipes (or a socket, or a terminal),
which the event loop can wait on directly; so here the same framing (the SDK's `stdio_server`, fed
explicit streams) reads and writes them on the loop. Anything else (a regular file, Windows) gets
the SDK's own transport.

The fds are claimed by the SDK's own code: while serving, fd 0 reads the null device and fd 1
writes to stderr, so that a stray `print` or a child process cannot write into the protocol; both
are restored on exit, blocking as they were.
"""

from __future__ import annotations

import asyncio
import os
import stat
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.stdio import (  # the SDK's own claim of fds 0 and 1, private but reused, not copied
    _claim_fd,
    _open_stdin_diversion,
    _open_stdout_diversion,
    stdio_server,
)

MAX_LINE_BYTES = 64 * 2**20
"""A longer line is not read into memory: it is skipped, and answered as a message that is not JSON."""
NOT_A_MESSAGE = "\0"
"""What an over-long line is read as: no JSON-RPC message, so the SDK answers it as a parse error."""


def loop_can_wait_on(fd: int) -> bool:
    """A pipe, socket or terminal: what the event loop can wait on (not a regular file, nor another
    device such as /dev/null, which epoll refuses)."""
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or os.isatty(fd)


class LineReader:
    """The wire's lines as text (invalid UTF-8 replaced, as the SDK reads it), for `async for`."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self._reader = reader

    def __aiter__(self) -> LineReader:
        return self

    async def __anext__(self) -> str:
        try:
            line = await self._reader.readuntil(b"\n")
        except asyncio.IncompleteReadError as ended:
            if not ended.partial:
                raise StopAsyncIteration from None
            line = ended.partial
        except asyncio.LimitOverrunError:
            await self._skip_line()
            return NOT_A_MESSAGE
        return line.decode("utf-8", errors="replace")

    async def _skip_line(self) -> None:
        """Drop the rest of an over-long line, a buffer at a time."""
        while True:
            try:
                await self._reader.readuntil(b"\n")
                return
            except asyncio.LimitOverrunError as overrun:
                await self._reader.readexactly(overrun.consumed)
            except asyncio.IncompleteReadError:
                return


class LineWriter:
    """Writes answers to the wire; `flush` waits while the reader is behind (back-pressure)."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer

    async def write(self, text: str) -> None:
        self._writer.write(text.encode("utf-8"))

    async def flush(self) -> None:
        await self._writer.drain()


@contextmanager
def _claimed(fd: Literal[0, 1]) -> Iterator[int]:
    """A descriptor for the wire in place of `fd`, claimed as the SDK's transport claims it (`fd`
    itself diverted meanwhile, a second claim refused) and given back on exit, blocking as it was:
    the event loop makes the wire non-blocking, and the parent (a terminal, say) shares that flag."""
    if fd == 0:
        wire, release = _claim_fd(0, sys.stdin, "rb", _open_stdin_diversion)
    else:
        wire, release = _claim_fd(1, sys.stdout, "wb", _open_stdout_diversion)
    blocking = os.get_blocking(wire.fileno())
    try:
        yield os.dup(wire.fileno())
    finally:
        os.set_blocking(wire.fileno(), blocking)
        if release is not None:
            release()


@asynccontextmanager
async def pipe_streams() -> AsyncIterator[tuple[LineReader, LineWriter]]:
    """stdin and stdout as event-loop streams (see the module docstring)."""
    loop = asyncio.get_running_loop()
    with _claimed(0) as wire_in, _claimed(1) as wire_out:
        reader = asyncio.StreamReader(limit=MAX_LINE_BYTES)
        read_transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(wire_in, "rb", buffering=0)
        )
        write_transport, protocol = await loop.connect_write_pipe(
            asyncio.streams.FlowControlMixin, os.fdopen(wire_out, "wb", buffering=0)
        )
        write_transport.set_write_buffer_limits(0)  # a flush returns once the kernel has it all
        writer = asyncio.StreamWriter(write_transport, protocol, None, loop)
        try:
            yield LineReader(reader), LineWriter(writer)
        finally:
            read_transport.close()
            write_transport.close()


async def run_stdio(server: MCPServer[Any]) -> None:
    """Serve `server` on stdin and stdout until stdin ends."""
    if sys.platform == "win32" or not (loop_can_wait_on(0) and loop_can_wait_on(1)):
        await server.run_stdio_async()
        return
    lowlevel = server._lowlevel_server  # what `run_stdio_async` runs (no public name), on our streams
    async with (
        pipe_streams() as (lines, answers),
        stdio_server(lines, answers) as (read_stream, write_stream),  # type: ignore[arg-type]
    ):
        await lowlevel.run(read_stream, write_stream, lowlevel.create_initialization_options())
