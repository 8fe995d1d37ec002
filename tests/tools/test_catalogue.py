"""tools/list as a client sees it: every tool, in a fixed order, with annotations from its one effect.

The snapshot (tests/tools/snapshots/tools.json, like the GitHub MCP server's toolsnaps) makes every
change of a tool's interface visible in review: regenerate it with UPDATE_TOOLSNAPS=1.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from mcp.client.client import Client

from checkout_mcp.policy.effects import Effect
from checkout_mcp.tools import catalogue

SNAPSHOT = Path(__file__).parent / "snapshots" / "tools.json"

DESIGN_CATALOGUE = {
    "search_products": Effect.READ,
    "get_product": Effect.READ,
    "diagnose_checkout": Effect.READ,
    "get_checkout": Effect.READ,
    "list_checkouts": Effect.READ,
    "update_customer_message": Effect.WRITE,
    "create_checkout_token": Effect.IRREVERSIBLE,
    "create_order": Effect.IRREVERSIBLE,
    "create_cart": Effect.WRITE,
    "create_cart_redirect_urls": Effect.WRITE,
    "update_cart_item": Effect.WRITE,
    "remove_cart_item": Effect.DESTRUCTIVE,
    "add_billing_address": Effect.WRITE,
    "update_billing_address": Effect.WRITE,
    "add_shipping_address": Effect.WRITE,
    "update_shipping_address": Effect.WRITE,
    "list_shipping_options": Effect.READ,
    "select_shipping_option": Effect.WRITE,
    "apply_coupon": Effect.WRITE,
    "remove_coupon": Effect.DESTRUCTIVE,
    "apply_gift_certificate": Effect.WRITE,
    "remove_gift_certificate": Effect.DESTRUCTIVE,
    "list_payment_methods": Effect.READ,
    "get_order": Effect.READ,
    "finalize_order": Effect.IRREVERSIBLE,
}


def test_catalogue_is_design_catalogue_with_declared_effects() -> None:
    declared = {spec.name: spec.effect for spec in catalogue()}
    assert declared == DESIGN_CATALOGUE


@pytest.mark.anyio
async def test_tools_list_shows_every_tool_with_annotations_from_its_effect(client: Client) -> None:
    listed = (await client.list_tools()).tools
    assert [tool.name for tool in listed] == [spec.name for spec in catalogue()]
    for tool in listed:
        effect = DESIGN_CATALOGUE[tool.name]
        hints = tool.annotations
        assert hints is not None, tool.name
        assert bool(hints.read_only_hint) is (effect is Effect.READ), tool.name
        if effect is not Effect.READ:
            assert hints.destructive_hint is effect.needs_confirmation, tool.name
        assert hints.open_world_hint in (None, True), "the store is an open world (the default)"
        assert tool.output_schema is not None, f"{tool.name} has no output schema"
        assert tool.description and len(tool.description) <= 120, tool.name


@pytest.mark.anyio
async def test_tools_list_matches_snapshot(client: Client) -> None:
    listed = (await client.list_tools()).tools
    current = [
        tool.model_dump(
            mode="json",
            by_alias=True,
            exclude_none=True,
            include={"name", "title", "description", "input_schema", "output_schema", "annotations"},
        )
        for tool in listed
    ]
    rendered = json.dumps(current, indent=2, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_TOOLSNAPS") == "1":
        SNAPSHOT.write_text(rendered)
    assert SNAPSHOT.exists(), "No tool snapshot: run UPDATE_TOOLSNAPS=1 pytest tests/tools/test_catalogue.py"
    assert rendered == SNAPSHOT.read_text(), (
        "The tools' interface changed. If intended, regenerate with UPDATE_TOOLSNAPS=1 and review the diff."
    )
