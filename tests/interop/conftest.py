"""Fixtures: the pinned TS SDK (installed once per session) and the TS client's reports per transport.

`runs` is parametrized over both transports. Over stdio every scenario's client (and so its own
server process) is started at once when the fixture is set up, so that their start-ups overlap;
over HTTP the scenarios share one server and run one after another, when first asked for, each
followed by a read-back of the store through our own Python client.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from checkout_mcp.sandbox import create_sandbox, seed
from tests.interop.harness import (
    SEED,
    ClientRun,
    ensure_sdk,
    http_server,
    stdio_connection,
    store_seen_by_python,
)
from tests.tools.test_guest_checkout import ADDRESS

SCENARIOS = ("reads", "confirmation_id", "elicitation")
ELICITATION_ANSWERS = ["decline", "cancel", "accept"]
MAX_ORDERS = 200


def scenario_data() -> dict[str, Any]:
    """What the scenarios need to know about the seeded store, read from a sandbox of the same seed."""
    store = create_sandbox(seed=SEED).store
    return {
        "demo_carts": dict(store.demo_carts),
        "first_order_id": min(store.orders),
        "max_orders": MAX_ORDERS,
        "items": [
            {"product_id": seed.PRODUCT_MUG, "quantity": 2},
            {"product_id": seed.PRODUCT_STICKERS, "quantity": 1},
        ],
        "address": ADDRESS,
        "search_keyword": "Mug",
        "product_id": seed.PRODUCT_TEE,  # has variants
        "answers": ELICITATION_ANSWERS,
    }


class Runs:
    """The TS client's report for each scenario over one transport."""

    def __init__(self, transport: str, folder: Path, url: str | None = None) -> None:
        self.transport = transport
        self.folder = folder
        self.url = url
        self.data = scenario_data()
        self._runs: dict[str, ClientRun] = {}
        self._reports: dict[str, dict[str, Any]] = {}

    def start(self, scenario: str) -> ClientRun:
        where = self.folder / scenario
        connection = stdio_connection(where) if self.url is None else {"transport": "http", "url": self.url}
        run = ClientRun({**self.data, **connection, "scenario": scenario}, where)
        self._runs[scenario] = run
        return run

    def report(self, scenario: str) -> dict[str, Any]:
        if scenario not in self._reports:
            run = self._runs.get(scenario) or self.start(scenario)
            report = run.report()
            if self.url is not None and report.get("checkout_id"):
                report["python_view"] = anyio.run(
                    store_seen_by_python,
                    self.url,
                    report["checkout_id"],
                    self.data["first_order_id"],
                    MAX_ORDERS,
                )
            self._reports[scenario] = report
        return self._reports[scenario]

    def stop(self) -> None:
        for run in self._runs.values():
            run.stop()


@pytest.fixture(scope="session")
def interop_sdk() -> Path:
    return ensure_sdk()


@pytest.fixture(scope="module", params=["stdio", "http"])
def runs(
    request: pytest.FixtureRequest, interop_sdk: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Runs]:
    folder = tmp_path_factory.mktemp(f"interop-{request.param}")
    if request.param == "stdio":
        runs = Runs("stdio", folder)
        try:
            for scenario in SCENARIOS:
                runs.start(scenario)
            yield runs
        finally:
            runs.stop()
        return
    with http_server(folder / "server") as url:
        runs = Runs("http", folder, url)
        try:
            yield runs
        finally:
            runs.stop()
