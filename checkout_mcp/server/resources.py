"""MCP resources and argument completion: the compact views as JSON, and ids an agent can pick from.

`checkout://{checkout_id}`, `order://{order_id}`, `product://{product_id}` read through the same
tool handlers (so the same validation, the same views); a URI whose id is malformed or unknown to
the store is "resource not found" (-32602, SEP-2164), any other failure -32603. `policy://current`
says what the policy will do. Completion offers checkout ids this server has worked on and
product ids by name; it never offers coupon or gift-certificate codes, which are the store's
secrets.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError
from mcp.types import (
    Completion,
    CompletionArgument,
    CompletionContext,
    PromptReference,
    ResourceTemplateReference,
)
from pydantic import ValidationError

from checkout_mcp.bigcommerce.errors import ClientError, InvalidIdentifier, NotFound
from checkout_mcp.server.gate import Gate
from checkout_mcp.tools.arguments import describe_invalid
from checkout_mcp.tools.catalog import GetProduct, get_product
from checkout_mcp.tools.checkouts import GetCheckout, get_checkout
from checkout_mcp.tools.orders import GetOrder, get_order
from checkout_mcp.tools.registry import ToolArgs, ToolContext, ToolOutput, ToolSpec

COMPLETIONS = 20
MIME = "application/json"


def _reader(
    tools: ToolContext,
    name: str,
    args: type[ToolArgs],
    handler: Callable[[ToolContext, Any], Awaitable[ToolOutput]],
) -> Callable[[dict[str, Any]], Awaitable[str]]:
    async def read(values: dict[str, Any]) -> str:
        try:
            parsed = args.model_validate(values)
        except ValidationError as error:  # the URI fits the template but names nothing that can exist
            raise ResourceNotFoundError(describe_invalid(name, args, error)) from error
        try:
            output = await handler(tools, parsed)
        except (NotFound, InvalidIdentifier) as error:
            raise ResourceNotFoundError(str(error)) from error
        except (ClientError, ToolError) as error:
            raise ResourceError(str(error)) from error
        data = output.model_dump(mode="json", exclude_none=True)
        if isinstance(data.get("checkout_id"), str):
            tools.known.saw(data["checkout_id"])
        return json.dumps(data, ensure_ascii=False)

    return read


def policy_view(gate: Gate, offered: list[ToolSpec[Any, Any]]) -> dict[str, Any]:
    """What the policy does with each offered tool, and the store owner's limits."""
    settings = gate.settings
    return {
        "mode": settings.mode,
        "confirmation": settings.confirmation,
        "needs_confirmation": [spec.name for spec in offered if gate.may_need_confirmation(spec)],
        "human_only": list(settings.human_only),
        "limits": {
            "max_order_total": str(settings.max_order_total)
            if settings.max_order_total is not None
            else None,
            "max_line_quantity": settings.max_line_quantity,
        },
        "confirmation_ttl_seconds": settings.confirmation_ttl_seconds,
    }


def add_resources(server: MCPServer[Any], gate: Gate, offered: list[ToolSpec[Any, Any]]) -> None:
    """Register the resources of the tools that are offered, and argument completion."""
    tools = gate.tools
    names = {spec.name for spec in offered}
    read_checkout = _reader(tools, "checkout", GetCheckout, get_checkout)
    read_order = _reader(tools, "order", GetOrder, get_order)
    read_product = _reader(tools, "product", GetProduct, get_product)

    if "get_checkout" in names:

        @server.resource("checkout://{checkout_id}", title="Checkout", mime_type=MIME)
        async def checkout(checkout_id: str) -> str:
            """A checkout's compact view: items, addresses, shipping, totals, next steps."""
            return await read_checkout({"checkout_id": checkout_id})

    if "get_order" in names:

        @server.resource("order://{order_id}", title="Order", mime_type=MIME)
        async def order(order_id: str) -> str:
            """An order's compact view: status, items, totals."""
            return await read_order({"order_id": order_id})

    if "get_product" in names:

        @server.resource("product://{product_id}", title="Product", mime_type=MIME)
        async def product(product_id: str) -> str:
            """A product with its variants, prices, stock and purchase limits."""
            return await read_product({"product_id": product_id})

    @server.resource("policy://current", title="Policy", mime_type=MIME)
    def policy() -> str:
        """The policy mode, which tools need confirmation, and the store owner's limits."""
        return json.dumps(policy_view(gate, offered))

    @server.completion()
    async def complete(
        ref: PromptReference | ResourceTemplateReference,
        argument: CompletionArgument,
        context: CompletionContext | None,
    ) -> Completion | None:
        partial = argument.value.strip()
        if argument.name == "checkout_id":
            values = [c for c in tools.known.recent() if c.startswith(partial)]
        elif argument.name == "product_id" and "search_products" in names:
            values = await product_ids(tools, partial)
        else:
            return None
        return Completion(values=values[:COMPLETIONS], total=len(values), has_more=len(values) > COMPLETIONS)


async def product_ids(tools: ToolContext, partial: str) -> list[str]:
    """Product ids starting with the digits typed, or of products whose name holds the words typed."""
    search = tools.store.binding_for("search_products")
    if partial.isdigit() or not partial:
        page = await search.search_products(is_visible=True, limit=50)
        return [str(p.id) for p in page.products if str(p.id).startswith(partial)]
    page = await search.search_products(keyword=partial[:100], is_visible=True, limit=COMPLETIONS)
    return [str(p.id) for p in page.products]
