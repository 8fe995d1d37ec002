"""Serve a sandbox over real HTTP on loopback for a test, on a free port, in a background thread.

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

from checkout_mcp.sandbox import Sandbox

STARTUP_TIMEOUT = 10.0
SHUTDOWN_TIMEOUT = 10.0
POLL_INTERVAL = 0.005


@contextmanager
def running_sandbox(sandbox: Sandbox) -> Iterator[str]:
    """Serve `sandbox.app` with uvicorn on 127.0.0.1 (free port) and yield its base URL."""
    config = uvicorn.Config(
        sandbox.app, host="127.0.0.1", port=0, lifespan="off", log_config=None, access_log=False
    )
    sock = config.bind_socket()
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="sandbox-uvicorn", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("The sandbox server did not start")
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
            raise RuntimeError("The sandbox server did not stop in time")
