"""Our real command beside the floor, over stdio and streamable HTTP on loopback: calls/s, latency, the
server's CPU per call and peak RSS, and the cold start to the first tools/list.

Both servers run at once and are measured in interleaved rounds. The client speaks raw JSON-RPC
(protocol 2026-07-28: one self-contained request per message, as the SDK's client sends it), so
that what is measured is the servers, not a client library. Every call reads the seed's `ready`
checkout; the floor answers what ours answered for it in-process.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import anyio
import httpx
from floor import MCP_PATH
from subject import definitions, environment, serving, write_definitions
from timing import Samples, percentile

from checkout_mcp.sandbox import create_sandbox

BENCH = Path(__file__).resolve().parent
OURS = str(Path(sys.executable).with_name("checkout-mcp"))
PROTOCOL = "2026-07-28"
META = {
    "io.modelcontextprotocol/protocolVersion": PROTOCOL,
    "io.modelcontextprotocol/clientInfo": {"name": "bench", "version": "1"},
    "io.modelcontextprotocol/clientCapabilities": {},
}
NOTIFICATION = b'{"jsonrpc":"2.0","method"'
STDIO_ROUNDS, STDIO_CALLS = 10, 120
COLD_STARTS = 7
HTTP_CLIENTS = (1, 8, 32)
HTTP_ROUNDS, HTTP_SECONDS = 3, 1.5
CALL_TIMEOUT = 10.0

TARGETS = {
    "stdio.ratio": (">=", 0.6),
    "cold_start.ratio": ("<=", 1.2),
    "http.32.ratio": (">=", 0.8),
    "http.32.p99_ms": ("<", 100.0),
}


def message(request_id: int, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "method": method, "params": {**(params or {}), "_meta": META}}


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc status")


@contextmanager
def spawned(
    command: list[str], env: dict[str, str], cwd: Path, *, stdio: bool = True
) -> Iterator[subprocess.Popen[bytes]]:
    """The command running (its stdin and stdout piped to us for stdio, else discarded) until the end."""
    pipe = subprocess.PIPE if stdio else subprocess.DEVNULL
    process = subprocess.Popen(command, stdin=pipe, stdout=pipe, stderr=subprocess.DEVNULL, env=env, cwd=cwd)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class StdioPeer:
    """One server process spoken to over its stdin and stdout, a request at a time."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdin is not None and process.stdout is not None
        self.process = process
        self._in: IO[bytes] = process.stdin
        self._out: IO[bytes] = process.stdout
        self._next_id = 0

    def send(self, line: bytes) -> bytes:
        self._in.write(line)
        self._in.flush()
        while True:
            answer = self._out.readline()
            if not answer:
                raise RuntimeError("the server closed stdout")
            if not answer.startswith(NOTIFICATION):
                return answer

    def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        self._next_id += 1
        answer: dict[str, Any] = json.loads(self.send(_line(message(self._next_id, method, params))))
        if "error" in answer or answer["result"].get("isError"):
            raise RuntimeError(f"{method} failed: {answer}")
        return answer["result"]


def _line(value: Any) -> bytes:
    return json.dumps(value).encode() + b"\n"


class Subjects:
    """The two commands under test and what they need: ours, and the floor serving our definitions."""

    def __init__(self, folder: Path, definitions_file: Path, checkout_id: str) -> None:
        self.folder = folder
        self.checkout_id = checkout_id
        self.commands = {
            "ours": ([OURS, "serve"], environment(folder)),
            "floor": (
                [sys.executable, str(BENCH / "floor.py"), "stdio", str(definitions_file)],
                dict(os.environ),
            ),
        }

    def http_command(self, name: str, port: int) -> tuple[list[str], dict[str, str]]:
        command, env = self.commands[name]
        if name == "ours":
            return [*command, "--transport", "http", "--port", str(port)], env
        return [command[0], command[1], "http", command[3], str(port)], env

    def get_checkout(self) -> dict[str, Any]:
        return {"name": "get_checkout", "arguments": {"checkout_id": self.checkout_id}}


def stdio_rounds(subjects: Subjects) -> dict[str, float]:
    names = list(subjects.commands)
    with (
        spawned(*subjects.commands["ours"], subjects.folder) as ours,
        spawned(*subjects.commands["floor"], subjects.folder) as floor,
    ):
        peers = {"ours": StdioPeer(ours), "floor": StdioPeer(floor)}
        line = _line(message(1, "tools/call", subjects.get_checkout()))
        for peer in peers.values():
            peer.call("tools/list")
            for _ in range(50):
                peer.send(line)
        samples = {name: Samples() for name in names}
        cpu = dict.fromkeys(names, 0.0)
        for round_ in range(STDIO_ROUNDS):
            for name in names[round_ % 2 :] + names[: round_ % 2]:
                peer = peers[name]
                used, start = cpu_seconds(peer.process.pid), time.perf_counter()
                for _ in range(STDIO_CALLS):
                    peer.send(line)
                samples[name].rounds.append((time.perf_counter() - start) / STDIO_CALLS)
                cpu[name] += cpu_seconds(peer.process.pid) - used
        calls = STDIO_ROUNDS * STDIO_CALLS
        ratios = [f / o for o, f in zip(samples["ours"].rounds, samples["floor"].rounds, strict=True)]
        return {
            "stdio.calls_per_s": 1 / statistics.median(samples["ours"].rounds),
            "stdio.floor_calls_per_s": 1 / statistics.median(samples["floor"].rounds),
            "stdio.ratio": statistics.median(ratios),
            "stdio.cpu_ms_per_call": cpu["ours"] / calls * 1e3,
            "stdio.floor_cpu_ms_per_call": cpu["floor"] / calls * 1e3,
        }


def cold_start(command: list[str], env: dict[str, str], cwd: Path) -> float:
    """Seconds from spawning the command to the answer of its first tools/list."""
    start = time.perf_counter()
    with spawned(command, env, cwd) as process:
        StdioPeer(process).call("tools/list")
        return time.perf_counter() - start


def cold_starts(subjects: Subjects) -> dict[str, float]:
    times: dict[str, list[float]] = {"ours": [], "floor": []}
    for round_ in range(COLD_STARTS):
        for name in ("ours", "floor") if round_ % 2 == 0 else ("floor", "ours"):
            times[name].append(cold_start(*subjects.commands[name], subjects.folder))
    return {
        "cold_start.ms": statistics.median(times["ours"]) * 1e3,
        "cold_start.floor_ms": statistics.median(times["floor"]) * 1e3,
        "cold_start.ratio": statistics.median(
            o / f for o, f in zip(times["ours"], times["floor"], strict=True)
        ),
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def wait_until_serving(url: str, process: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(300):
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}")
            try:
                answer = await http.post(
                    url, json=message(0, "tools/list"), headers=http_headers("tools/list")
                )
                if answer.status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await anyio.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def http_headers(method: str, name: str | None = None) -> dict[str, str]:
    headers = {
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
        "MCP-Protocol-Version": PROTOCOL,
        "Mcp-Method": method,
    }
    return {**headers, "Mcp-Name": name} if name else headers


class HttpCaller:
    """One keep-alive HTTP/1.1 connection sending the same POST again and again.

    Written on asyncio streams so that the caller costs next to nothing beside the servers (an HTTP
    client library costs about as much CPU per call as the floor does); it reads the answers
    uvicorn sends here, which always carry a Content-Length.
    """

    def __init__(self, port: int, path: str, body: bytes, headers: dict[str, str]) -> None:
        lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self.request = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        self.port = port

    async def __aenter__(self) -> HttpCaller:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.writer.close()

    async def call(self) -> bytes:
        self.writer.write(self.request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        body = await self.reader.readexactly(length)
        if not head.startswith(b"HTTP/1.1 200") or b'"isError":true' in body:
            raise RuntimeError(f"get_checkout failed over HTTP: {head!r} {body[:500]!r}")
        return body


async def http_load(port: int, body: bytes, clients: int, seconds: float) -> list[float]:
    """`clients` callers, each sending the next call when its last one is answered; every call's seconds."""
    latencies: list[float] = []
    headers = http_headers("tools/call", "get_checkout")
    deadline = time.perf_counter() + seconds

    async def caller() -> None:
        async with HttpCaller(port, MCP_PATH, body, headers) as connection:
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                with anyio.fail_after(CALL_TIMEOUT):
                    await connection.call()
                latencies.append(time.perf_counter() - start)

    async with anyio.create_task_group() as group:
        for _ in range(clients):
            group.start_soon(caller)
    return latencies


async def http_rounds(subjects: Subjects) -> dict[str, float]:
    ports = {name: free_port() for name in subjects.commands}
    urls = {name: f"http://127.0.0.1:{port}{MCP_PATH}" for name, port in ports.items()}
    body = json.dumps(message(1, "tools/call", subjects.get_checkout())).encode()
    figures: dict[str, float] = {}
    with (
        spawned(*subjects.http_command("ours", ports["ours"]), subjects.folder, stdio=False) as ours,
        spawned(*subjects.http_command("floor", ports["floor"]), subjects.folder, stdio=False) as floor,
    ):
        processes = {"ours": ours, "floor": floor}
        for name, process in processes.items():
            await wait_until_serving(urls[name], process)
            await http_load(ports[name], body, 4, 0.5)
        for clients in HTTP_CLIENTS:
            latencies: dict[str, list[float]] = {"ours": [], "floor": []}
            rates: dict[str, list[float]] = {"ours": [], "floor": []}
            cpu = {"ours": 0.0, "floor": 0.0}
            for round_ in range(HTTP_ROUNDS):
                for name in ("ours", "floor") if round_ % 2 == 0 else ("floor", "ours"):
                    pid = processes[name].pid
                    used, start = cpu_seconds(pid), time.perf_counter()
                    seen = await http_load(ports[name], body, clients, HTTP_SECONDS)
                    rates[name].append(len(seen) / (time.perf_counter() - start))
                    cpu[name] += cpu_seconds(pid) - used
                    latencies[name] += seen
            key = f"http.{clients}"
            figures |= {
                f"{key}.calls_per_s": statistics.median(rates["ours"]),
                f"{key}.floor_calls_per_s": statistics.median(rates["floor"]),
                f"{key}.ratio": statistics.median(
                    o / f for o, f in zip(rates["ours"], rates["floor"], strict=True)
                ),
                f"{key}.p50_ms": statistics.median(latencies["ours"]) * 1e3,
                f"{key}.p99_ms": percentile(latencies["ours"], 0.99) * 1e3,
                f"{key}.floor_p99_ms": percentile(latencies["floor"], 0.99) * 1e3,
                f"{key}.cpu_ms_per_call": cpu["ours"] / len(latencies["ours"]) * 1e3,
                f"{key}.floor_cpu_ms_per_call": cpu["floor"] / len(latencies["floor"]) * 1e3,
            }
        figures["http.peak_rss_mb"] = peak_rss_mb(ours.pid)
        figures["http.floor_peak_rss_mb"] = peak_rss_mb(floor.pid)
    return figures


async def recorded_definitions(folder: Path, checkout_id: str) -> Path:
    """Our definitions, with what our get_checkout answers for `checkout_id`, for the floor."""
    async with serving(folder) as (_, client):
        result = await client.call_tool("get_checkout", {"checkout_id": checkout_id})
        assert not result.is_error, result.content
        return write_definitions(folder / "floor.json", await definitions(client, {"get_checkout": result}))


def measure() -> dict[str, float]:
    checkout_id = create_sandbox(seed=1).store.demo_carts["ready"]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder)
        subjects = Subjects(path, anyio.run(recorded_definitions, path, checkout_id), checkout_id)
        figures = cold_starts(subjects)
        figures |= stdio_rounds(subjects)
        figures |= anyio.run(http_rounds, subjects)
    return figures


if __name__ == "__main__":
    for figure, value in measure().items():
        print(f"{figure:45s} {value:10.3f}")
