"""What one request of the BigCommerce client costs, in-process on the embedded sandbox.

The management binding's get_checkout of a 1-line and a 100-line checkout (request building, the
httpx hop into the sandbox app, reading, decoding, mapping), and, for the same two answers, the
JSON decoding and the mapping into the domain model alone.

`python bench/client_cost.py [--against REV]`: with a git revision, the client of that revision
(that revision's package, exported beside ours: bench/revision.py) is measured in the
same rounds, on the same sandbox, and each figure gets a `.before` and a `.ratio` (ours / theirs,
the median of the rounds' ratios).
"""

from __future__ import annotations

import argparse
import importlib
import json
import tempfile
import types
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import httpx
from revision import exported
from subject import add_bench_products, cart_of, serving
from timing import interleaved, interleaved_sync, ratio

from checkout_mcp.bigcommerce import mapping
from checkout_mcp.bigcommerce.connection import InProcessTransport
from checkout_mcp.bigcommerce.store import SANDBOX_BASE_URL, clock_sleep

ROUNDS = 15
CALLS = 100
LINES = (1, 100)


def load_revision(revision: str, folder: Path) -> types.SimpleNamespace:
    """The client's modules as they were at `revision` (its whole package exported into `folder`)."""
    package = exported(revision, folder)
    modules = ("transport", "mapping", "management")
    return types.SimpleNamespace(
        **{name: importlib.import_module(f"{package}.bigcommerce.{name}") for name in modules}
    )


async def run(against: str | None) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        old = load_revision(against, Path(folder) / "revision") if against else None
        async with serving(Path(folder)) as (runtime, client):
            add_bench_products(runtime)
            sandbox = runtime.sandbox
            assert sandbox is not None
            carts = {lines: await cart_of(client, lines) for lines in LINES}
            ours = runtime.store.binding_for("get_checkout")
            requests: dict[str, Callable[[], Awaitable[object]]] = {
                f"get_checkout_{lines}": (lambda c=checkout_id: ours.get_checkout(c))
                for lines, checkout_id in carts.items()
            }
            if old is not None:
                transport = old.transport.Transport(
                    SANDBOX_BASE_URL,
                    transport=InProcessTransport(sandbox.app),
                    sleep=clock_sleep(sandbox),
                    now=sandbox.clock.timestamp,
                )
                credentials = sandbox.credentials
                theirs = old.management.ManagementBinding(
                    transport, credentials.store_hash, credentials.access_token
                )
                for lines, checkout_id in carts.items():
                    requests[f"get_checkout_{lines}.before"] = lambda c=checkout_id: theirs.get_checkout(c)
            bodies = {lines: await answer_of(runtime, checkout_id) for lines, checkout_id in carts.items()}
            samples = await interleaved(requests, rounds=ROUNDS, calls=CALLS)
    local: dict[str, Callable[[], object]] = {}
    for lines, body in bodies.items():
        decoded = json.loads(body, parse_float=Decimal)["data"]
        local[f"decode_{lines}"] = lambda b=body: json.loads(b, parse_float=Decimal)
        local[f"mapping_{lines}"] = lambda d=decoded: mapping.checkout_from(mapping.MANAGEMENT_KEYS, d)
        if old is not None:
            keys = old.mapping.MANAGEMENT_KEYS
            local[f"mapping_{lines}.before"] = lambda d=decoded, k=keys: old.mapping.checkout_from(k, d)
    samples |= interleaved_sync(local, rounds=ROUNDS, calls=CALLS)
    us = 1e6
    figures: dict[str, float] = {}
    for name, sample in samples.items():
        subject, _, before = name.partition(".")
        figures[f"client.{subject}.us" + (".before" if before else "")] = sample.median * us
    for what in ("get_checkout", "mapping"):
        for tail in ("", ".before") if old else ("",):
            many, one = samples[f"{what}_{LINES[-1]}{tail}"], samples[f"{what}_1{tail}"]
            figures[f"client.{what}.us_per_line{tail}"] = (many.median - one.median) / (LINES[-1] - 1) * us
    for name in samples:
        if f"{name}.before" in samples:
            figures[f"client.{name}.ratio"] = ratio(samples[name], samples[f"{name}.before"])
    return dict(sorted(figures.items()))


async def answer_of(runtime: Any, checkout_id: str) -> bytes:
    """The management API's answer to GET /checkouts/{id}, as the sandbox sends it."""
    sandbox = runtime.sandbox
    path = f"/stores/{sandbox.credentials.store_hash}/v3/checkouts/{checkout_id}"
    in_process = InProcessTransport(sandbox.app)
    async with httpx.AsyncClient(transport=in_process, base_url=SANDBOX_BASE_URL) as http:
        answer = await http.get(path, headers={"X-Auth-Token": sandbox.credentials.access_token})
        answer.raise_for_status()
        return answer.content


def measure() -> dict[str, float]:
    return anyio.run(run, None)


if __name__ == "__main__":
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--against", help="a git revision whose client is measured alongside")
    arguments = options.parse_args()
    for figure, value in anyio.run(run, arguments.against).items():
        print(f"{figure:45s} {value:10.3f}")
