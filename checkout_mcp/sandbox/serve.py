"""Run the sandbox store as a local HTTP server (what `checkout-mcp sandbox` and `make sandbox` start)."""

from __future__ import annotations

import uvicorn

from checkout_mcp.sandbox.app import create_sandbox
from checkout_mcp.sandbox.runtime import Sandbox


def banner(sandbox: Sandbox, host: str, port: int) -> str:
    """What a developer needs to point a client at the sandbox (its own demo credentials, not secrets)."""
    root = f"http://{host}:{port}"
    credentials = sandbox.credentials
    return "\n".join(
        [
            f"BigCommerce sandbox store (seed {sandbox.seed})",
            f"  store hash:       {credentials.store_hash}",
            f"  access token:     {credentials.access_token}",
            f"  read-only token:  {credentials.read_only_token}",
            f"  management API:   {root}/stores/{credentials.store_hash}/v3",
            f"  storefront API:   {root}/api/storefront",
            f"  admin API:        {root}/__sandbox/",
        ]
    )


def run_sandbox(host: str = "127.0.0.1", port: int = 8787, seed: int = 1) -> None:
    """Serve a fresh sandbox until interrupted; its clock follows real time so tokens and links expire."""
    sandbox = create_sandbox(seed=seed, frozen_clock=False)
    print(banner(sandbox, host, port), flush=True)
    uvicorn.run(sandbox.app, host=host, port=port, lifespan="off")
