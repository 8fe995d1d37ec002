"""The `contract` fixture: a checked client on a fresh sandbox, and the check of what a test declared."""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator

import httpx
import pytest

from checkout_mcp.sandbox import create_sandbox
from tests.contract.harness import CASES_ATTRIBUTE, Contract


@pytest.fixture
async def contract(request: pytest.FixtureRequest) -> AsyncIterator[Contract]:
    sandbox = create_sandbox()
    transport = httpx.ASGITransport(app=sandbox.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.test") as http:
        checked = Contract(sandbox, http)
        yield checked
    report = getattr(request.node, "call_report", None)
    if report is not None and report.failed:
        return  # the test's own failure says it all
    declared = getattr(request.function, CASES_ATTRIBUTE, frozenset())
    undeclared, missing = sorted(checked.seen - declared), sorted(declared - checked.seen)
    assert not undeclared and not missing, f"undeclared: {undeclared}; declared, not produced: {missing}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep the test body's report on the item, so that the fixture can tell whether it failed."""
    report = yield
    if report.when == "call":
        item.call_report = report  # type: ignore[attr-defined]
    return report
