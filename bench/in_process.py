"""get_checkout in-process (the SDK's Client on the server object, embedded sandbox) beside the floor.

Ours and the floor, each on a 1-item and a 100-item checkout, in interleaved rounds, with the
carriage-only floor for reference (see floor.py).
Beside them, where our time goes: the client's request (the httpx hop into the sandbox, retries,
decoding and mapping) without the MCP layer above it; the sandbox app alone is sandbox_cost.py's.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import anyio
from floor import bare_server
from mcp.client.client import Client
from subject import add_bench_products, cart_of, definitions, serving
from timing import interleaved, ratio

ROUNDS = 15
CALLS = 100

TARGETS = {
    "in_process.get_checkout.ratio": ("<=", 1.8),
    "in_process.cart_100_vs_1": ("<=", 2.5),
}


def reader(client: Client, checkout_id: str) -> Any:
    return lambda: client.call_tool("get_checkout", {"checkout_id": checkout_id})


async def run() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        async with serving(Path(folder)) as (runtime, client):
            add_bench_products(runtime)
            carts = {lines: await cart_of(client, lines) for lines in (1, 100)}
            recorded = {
                lines: await client.call_tool("get_checkout", {"checkout_id": checkout_id})
                for lines, checkout_id in carts.items()
            }
            served = {lines: await definitions(client, {"get_checkout": r}) for lines, r in recorded.items()}
            binding = runtime.store.binding_for("get_checkout")
            async with (
                Client(bare_server(served[1])) as floor_1,
                Client(bare_server(served[100])) as floor_100,
                Client(bare_server(served[1], carriage_only=True)) as carriage,
            ):
                samples = await interleaved(
                    {
                        "ours_1": reader(client, carts[1]),
                        "floor_1": reader(floor_1, carts[1]),
                        "ours_100": reader(client, carts[100]),
                        "floor_100": reader(floor_100, carts[100]),
                        "carriage_1": reader(carriage, carts[1]),
                        "request_1": lambda: binding.get_checkout(carts[1]),
                    },
                    rounds=ROUNDS,
                    calls=CALLS,
                )
    us = 1e6
    ours_1, floor_1 = samples["ours_1"], samples["floor_1"]
    return {
        "in_process.get_checkout.ms": ours_1.median * 1e3,
        "in_process.get_checkout.floor_ms": floor_1.median * 1e3,
        "in_process.get_checkout.ratio": ratio(ours_1, floor_1),
        "in_process.get_checkout.extra_ms": (ours_1.median - floor_1.median) * 1e3,
        "in_process.get_checkout.ratio_to_carriage": ratio(ours_1, samples["carriage_1"]),
        "in_process.get_checkout.p99_ms": ours_1.p99 * 1e3,
        "in_process.get_checkout.floor_p99_ms": floor_1.p99 * 1e3,
        "in_process.cart_100_vs_1": ratio(samples["ours_100"], ours_1),
        "in_process.cart_100_vs_1.floor": ratio(samples["floor_100"], floor_1),
        "in_process.cart.us_per_item": (samples["ours_100"].median - ours_1.median) / 99 * us,
        "in_process.breakdown.client_request_us": samples["request_1"].median * us,
        "in_process.breakdown.mcp_and_gate_us": (ours_1.median - samples["request_1"].median) * us,
    }


def measure() -> dict[str, float]:
    return anyio.run(run)


if __name__ == "__main__":
    for name, value in measure().items():
        print(f"{name:45s} {value:10.3f}")
