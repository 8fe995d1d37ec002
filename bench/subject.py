"""Our server as the benchmarks run it: the embedded sandbox, policy auto, no rate limit in the way.

The sandbox's rate limit (150 requests a 30 s window) would make a load test measure the pacing,
so the benchmarks raise its quota; everything else is the default configuration.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from mcp.client.client import Client
from mcp.types import CallToolResult

from checkout_mcp.config import load_config
from checkout_mcp.sandbox import seed
from checkout_mcp.sandbox.state import Product
from checkout_mcp.server.build import Runtime, build_server, create_runtime

QUOTA = 10**9
BENCH_PRODUCT_IDS = range(9001, 9101)


def environment(folder: Path) -> dict[str, str]:
    """The environment of a benchmarked `checkout-mcp serve`: its files in `folder`, no rate limit."""
    return {
        **os.environ,
        "CHECKOUT_MCP_POLICY__MODE": "auto",
        "CHECKOUT_MCP_POLICY__JOURNAL": str(folder / "audit.jsonl"),
        "CHECKOUT_MCP_STATE__DIR": str(folder / "state"),
        "CHECKOUT_MCP_SANDBOX__RATE_LIMIT_QUOTA": str(QUOTA),
    }


@asynccontextmanager
async def serving(folder: Path) -> AsyncIterator[tuple[Runtime, Client]]:
    """Our server in-process (the SDK's Client on the server object), on the embedded sandbox."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    config = load_config(
        None,
        policy={"mode": "auto", "journal": str(folder / "audit.jsonl")},
        sandbox={"frozen_clock": True, "rate_limit_quota": QUOTA},
        state={"dir": str(folder / "state")},
    )
    runtime = create_runtime(config)
    try:
        async with Client(build_server(runtime)) as client:
            yield runtime, client
    finally:
        await runtime.aclose()


def add_bench_products(runtime: Runtime) -> None:
    """A hundred plain products in the runtime's sandbox, so that a cart can have a hundred lines."""
    assert runtime.sandbox is not None
    add_products(runtime.sandbox.store, Product)


def add_products(store: Any, product: Any) -> None:
    """The bench products in `store`, made with `product`: a sandbox of this tree or another's."""
    for product_id in BENCH_PRODUCT_IDS:
        store.products[product_id] = product(
            id=product_id,
            name=f"Bench item {product_id}",
            sku=f"BENCH-{product_id}",
            price=Decimal("4.25"),
            weight=Decimal("1"),
            base_variant_id=product_id * 10,
        )


async def cart_of(client: Client, lines: int) -> str:
    """A checkout with `lines` line items (1: the seed's mug), billing and shipping address set."""
    if lines == 1:
        items = [{"product_id": seed.PRODUCT_MUG, "quantity": 1}]
    else:
        items = [{"product_id": product_id, "quantity": 1} for product_id in BENCH_PRODUCT_IDS[:lines]]
    cart = await client.call_tool("create_cart", {"items": items})
    assert not cart.is_error and cart.structured_content is not None, cart.content
    checkout_id: str = cart.structured_content["checkout_id"]
    address = seed.DEMO_ADDRESS.model_dump(mode="json", exclude_defaults=True)
    for tool in ("add_billing_address", "add_shipping_address"):
        result = await client.call_tool(tool, {"checkout_id": checkout_id, "address": address})
        assert not result.is_error, result.content
    return checkout_id


async def definitions(client: Client, results: dict[str, CallToolResult]) -> dict[str, Any]:
    """What the floor serves: our tools as listed, and these recorded results."""
    listed = await client.list_tools()
    return {
        "instructions": client.instructions,
        "tools": [tool.model_dump(mode="json", by_alias=True, exclude_none=True) for tool in listed.tools],
        "results": {
            name: result.model_dump(mode="json", by_alias=True, exclude_none=True)
            for name, result in results.items()
        },
    }


def write_definitions(path: Path, recorded: dict[str, Any]) -> Path:
    path.write_text(json.dumps(recorded))
    return path
