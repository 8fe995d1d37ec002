"""Every tool, fuzzed through MCP with hostile arguments: no crash, and nothing invalid reaches the store.

Arguments come from hypothesis: the tool's own field names and unknown ones, with values of every
JSON shape, deeply nested, oversized, with traversal (`../`, `%2e%2e`), control characters, lone
surrogates and NULs. Each call must come back as a result (a crash shows as the SDK's bare
"Error executing tool" with nothing after it); an error result must say what was wrong; and when
the tool's own model refuses the arguments, the store must not have been asked anything.

`make test` runs a fast pass; `CHECKOUT_MCP_FUZZ_EXAMPLES=10000` (the long run) generates more.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp.client.client import Client
from pydantic import ValidationError

from checkout_mcp.server.build import Runtime, build_server, create_runtime
from checkout_mcp.tools import catalogue
from tests.common import text
from tests.robustness.bodies import scalars
from tests.tools.conftest import sandbox_config

EXAMPLES = int(os.environ.get("CHECKOUT_MCP_FUZZ_EXAMPLES", "300"))
SPECS = {spec.name: spec for spec in catalogue()}
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)


def arguments_for(name: str) -> st.SearchStrategy[dict[str, Any]]:
    fields = [*SPECS[name].args.model_fields, "bogus", "confirmation_id"]
    return st.dictionaries(st.sampled_from(fields), values, max_size=len(fields))


calls = st.sampled_from(sorted(SPECS)).flatmap(lambda name: st.tuples(st.just(name), arguments_for(name)))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[BlockingPortal, Runtime, Client]]:
    """One runtime (auto mode: nothing waits for a human) and one connected client for every example."""
    folder: Path = tmp_path_factory.mktemp("fuzz")
    with start_blocking_portal("asyncio") as portal:
        runtime = create_runtime(sandbox_config(folder))
        try:
            with portal.wrap_async_context_manager(Client(build_server(runtime))) as client:
                yield portal, runtime, client
        finally:
            portal.call(runtime.aclose)


def refused_locally(name: str, arguments: dict[str, Any]) -> bool:
    try:
        SPECS[name].args.model_validate({k: v for k, v in arguments.items() if k != "confirmation_id"})
    except (ValidationError, ValueError, TypeError):
        return True
    return "bogus" in arguments


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(call=calls)
def test_no_tool_crashes_and_nothing_invalid_reaches_the_store(
    served: tuple[BlockingPortal, Runtime, Client], call: tuple[str, dict[str, Any]]
) -> None:
    portal, runtime, client = served
    assert runtime.sandbox is not None
    name, arguments = call
    before = runtime.sandbox.rate_limiter.used
    result = portal.call(client.call_tool, name, arguments)
    shown = text(result)
    assert shown.strip(), f"{name} answered nothing"
    assert shown.strip() != f"Error executing tool {name}", f"{name} crashed on {arguments!r}"
    if refused_locally(name, arguments):
        assert result.is_error, f"{name} accepted {arguments!r}"
        assert runtime.sandbox.rate_limiter.used == before, f"{name} sent invalid arguments upstream"


@pytest.mark.anyio
async def test_an_oversized_answer_from_the_store_is_refused_not_passed_on(tmp_path: Path) -> None:
    runtime = create_runtime(sandbox_config(tmp_path / "oversized"))
    assert runtime.sandbox is not None
    ready = runtime.sandbox.store.demo_carts["ready"]
    runtime.sandbox.faults.add({"match": "GET /stores/*/v3/checkouts/*", "kind": "oversized"})
    try:
        async with Client(build_server(runtime)) as client:
            result = await client.call_tool("get_checkout", {"checkout_id": ready})
    finally:
        await runtime.aclose()
    assert result.is_error and "larger than 8 MiB" in text(result)
    assert len(text(result)) < 1000, "nothing of the body is passed on"
