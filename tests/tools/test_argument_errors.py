"""Argument errors, for every tool: one line per field saying what was wrong, what is accepted and
where a right value comes from; an error result; nothing sent to the store."""

from __future__ import annotations

import json
from typing import Any

import pytest
from mcp.client.client import Client

from checkout_mcp.sandbox import seed
from checkout_mcp.server.build import Runtime
from checkout_mcp.tools import catalogue
from checkout_mcp.tools.arguments import Accepts
from tests.tools.conftest import call, fail, requests_seen

SPECS = catalogue()


def accepts_of(spec: Any) -> dict[str, Accepts]:
    """The tool's fields that say what they accept."""
    found = {}
    for name, field in spec.args.model_fields.items():
        accepts = next((item for item in field.metadata if isinstance(item, Accepts)), None)
        if accepts is not None:
            found[name] = accepts
    return found


def wrong_value(spec: Any, name: str) -> Any:
    """A value of the right JSON type that the field refuses (or the wrong type, for booleans)."""
    annotation = str(spec.args.model_fields[name].annotation)
    return -5 if "int" in annotation else "../bad id!"


@pytest.mark.anyio
@pytest.mark.parametrize("spec", SPECS, ids=[spec.name for spec in SPECS])
async def test_every_tool_words_its_argument_errors_for_the_agent(
    client: Client, runtime: Runtime, spec: Any
) -> None:
    before = requests_seen(runtime)
    required = [name for name, field in spec.args.model_fields.items() if field.is_required()]
    if required:
        missing = await fail(client, spec.name)
        assert missing.startswith(f"Invalid arguments for {spec.name}; nothing was sent to the store")
        for name in required:
            assert f"- {name}: required" in missing
    unknown = await fail(client, spec.name, bogus=1)
    assert "- bogus: not an argument of this tool; its arguments are" in unknown
    for name, accepts in accepts_of(spec).items():
        wrong = await fail(client, spec.name, **{name: wrong_value(spec, name)})
        line = next(line for line in wrong.splitlines() if line.startswith(f"- {name}: "))
        assert f"is not {accepts.what}" in line, line
        if accepts.source:
            assert line.endswith(accepts.source), line
        assert "pydantic.dev" not in wrong and "validation error for" not in wrong
    assert requests_seen(runtime) == before, "nothing reaches the store"


@pytest.mark.anyio
async def test_the_error_names_the_field_and_the_source_of_a_right_value(client: Client) -> None:
    error = await fail(client, "get_checkout", checkout_id="abc")
    assert (
        '- checkout_id: you sent «"abc"» is not a checkout id (a UUID) (input should be a valid UUID, '
        "invalid length: found 3); use the id from create_cart "
        "or list_checkouts"
    ) in error


@pytest.mark.anyio
async def test_a_list_sent_as_a_json_string_is_taken_as_the_list(client: Client) -> None:
    """Some clients send a list or object argument as JSON text; an id that is not JSON stays text."""
    items = json.dumps([{"product_id": seed.PRODUCT_MUG, "quantity": 2}])
    cart = await call(client, "create_cart", items=f"  {items}")
    assert cart["items"][0].endswith("2 x Ceramic Mug @ 12.99")
    checkout = await call(client, "get_checkout", checkout_id=cart["checkout_id"])
    assert checkout["checkout_id"] == cart["checkout_id"]
