"""Serve an ASGI app (the sandbox, or the MCP server's HTTP app) on loopback for a test, in a thread.

    sandbox = create_sandbox()
    with running_sandbox(sandbox) as base_url:  # "http://127.0.0.1:PORT"
        httpx.get(f"{base_url}/__sandbox/info")

The socket is bound before the thread starts (so the port is known at once) and the context waits
on uvicorn's `started` flag, bounded by `STARTUP_TIMEOUT`. Leaving the context asks uvicorn to
exit and waits for it: in-flight requests finish first, so state read afterwards is final.

`serving_here` serves in the test's own event loop instead, for what must share that loop with
the app (the sandbox's `hold` fault: `wait_until_held` and `release_held` are not thread-safe).
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import anyio
import uvicorn
from starlette.types import ASGIApp

from checkout_mcp.sandbox import Sandbox
from checkout_mcp.server.http import Server

STARTUP_TIMEOUT = 10.0
SHUTDOWN_TIMEOUT = 10.0
POLL_INTERVAL = 0.005


@contextmanager
def running_app(app: ASGIApp, *, lifespan: bool = True) -> Iterator[str]:
    """Serve `app` with uvicorn on 127.0.0.1 (free port) and yield its base URL.

    The MCP HTTP app needs its lifespan (it starts the session manager); the sandbox has none.
    """
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, lifespan="on" if lifespan else "off", log_config=None, access_log=False
    )
    sock = config.bind_socket()
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="test-uvicorn", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("The test server did not start")
            thread.join(POLL_INTERVAL)
        host, port = sock.getsockname()[:2]
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(SHUTDOWN_TIMEOUT)
        sock.close()
        if thread.is_alive():
            server.force_exit = True
            thread.join(SHUTDOWN_TIMEOUT)
            raise RuntimeError("The test server did not stop in time")


@contextmanager
def running_sandbox(sandbox: Sandbox) -> Iterator[str]:
    """Serve `sandbox.app` on loopback and yield its base URL."""
    with running_app(sandbox.app, lifespan=False) as base_url:
        yield base_url


@asynccontextmanager
async def serving_here(app: ASGIApp) -> AsyncIterator[str]:
    """Serve `app` (no lifespan) on 127.0.0.1 in this event loop; yield its base URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_config=None, access_log=False)
    sock = config.bind_socket()
    server = Server(config)
    async with anyio.create_task_group() as group:
        group.start_soon(server.serve, [sock])
        with anyio.fail_after(STARTUP_TIMEOUT):
            await server.listening.wait()
        try:
            yield f"http://127.0.0.1:{sock.getsockname()[1]}"
        finally:
            server.should_exit = True
