"""Serve an ASGI app over real HTTP on loopback for a test, on a free port, in a background thread.

The same approach as `tests/sandbox_server.py`, with the app's lifespan run: the MCP app's session
manager starts in its lifespan. The socket is bound before the thread starts (so the port is known at
once) and the context waits on uvicorn's `started` flag, bounded by `STARTUP_TIMEOUT`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp

STARTUP_TIMEOUT = 10.0
SHUTDOWN_TIMEOUT = 10.0
POLL_INTERVAL = 0.005


@contextmanager
def running_app(app: ASGIApp) -> Iterator[str]:
    """Serve `app` with uvicorn on 127.0.0.1 (free port), lifespan on, and yield its base URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="on", log_config=None, access_log=False)
    sock = config.bind_socket()
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="mcp-uvicorn", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("The MCP HTTP server did not start")
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
            raise RuntimeError("The MCP HTTP server did not stop in time")
