"""Serve an ASGI app (the sandbox, or the MCP server's HTTP app) on loopback for a test, in a thread.

    sandbox = create_sandbox()
    with running_sandbox(sandbox) as base_url:  # "http://127.0.0.1:PORT"
        httpx.get(f"{base_url}/__sandbox/info")

The socket is bound before the thread starts (so the port is known at once) and the context waits
on uvicorn's `started` flag, bounded by `STARTUP_TIMEOUT`. Leaving the context asks uvicorn to
exit and waits for it: in-flight requests finish first, so state read afterwards is final.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp

from checkout_mcp.sandbox import Sandbox

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
