"""A real `checkout-mcp serve --transport http` process for a test, and its stderr as JSON log lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
from anyio.abc import ByteReceiveStream, Process
from anyio.streams.text import TextReceiveStream

WAIT = 30.0  # bounds every wait on the process; no test step depends on how long anything takes
LogLine = dict[str, Any]


class Stderr:
    """The server's stderr, line by line, as it arrives; every line must be a JSON log entry."""

    def __init__(self) -> None:
        self.lines: list[LogLine] = []
        self.raw: list[str] = []
        self._changed = anyio.Event()

    async def pump(self, stream: ByteReceiveStream) -> None:
        pending = ""
        async for chunk in TextReceiveStream(stream):
            pending += chunk
            *complete, pending = pending.split("\n")
            for line in complete:
                self.raw.append(line)
                self.lines.append(json.loads(line))
            self._changed.set()
            self._changed = anyio.Event()

    async def until(self, wanted: Callable[[LogLine], bool]) -> LogLine:
        with anyio.fail_after(WAIT):
            while True:
                for line in self.lines:
                    if wanted(line):
                        return line
                await self._changed.wait()


def message_starts(prefix: str) -> Callable[[LogLine], bool]:
    return lambda line: str(line.get("message", "")).startswith(prefix)


def server_env(folder: Path, settings: dict[str, str]) -> dict[str, str]:
    """No stray CHECKOUT_MCP_* settings from the caller; the journal in `folder`; then the test's."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CHECKOUT_MCP_")}
    return {**env, "CHECKOUT_MCP_POLICY__JOURNAL": str(folder / "audit.jsonl"), **settings}


async def start_server(folder: Path, settings: dict[str, str], *arguments: str) -> Process:
    """`checkout-mcp serve --transport http --port 0 ARGUMENTS` in `folder`, its stderr piped."""
    return await anyio.open_process(
        [sys.executable, "-m", "checkout_mcp.cli", "serve", "--transport", "http", "--port", "0", *arguments],
        env=server_env(folder, settings),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=folder,
    )
