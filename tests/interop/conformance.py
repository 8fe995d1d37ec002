"""Run the official MCP conformance suite (npm @modelcontextprotocol/conformance, pinned) on a server.

`conformance server --url URL --requirements REVISION -o DIR` runs the scenarios that revision's
frozen requirement set names (plus those it runs without scoring), each on that revision's wire:
the initialize handshake and sessions for 2025-11-25, the per-request `_meta` envelope for
2026-07-28. For each scenario it prints a summary line (`✓ name: 3 passed, 0 failed`) and writes
`DIR/server-<scenario>-<timestamp>/checks.json`: every check with its id, status (SUCCESS,
FAILURE, WARNING, INFO, SKIPPED) and errorMessage. A check the suite could not exercise (the
server lacks one of the reference server's diagnostic tools) is a FAILURE whose message begins
"Not testable: ". The exit code counts scenarios that do not apply to a server like ours, so it is
not read; the summary and the checks are.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.interop.harness import CACHE, kill_group, start_node, tail

PACKAGE = "@modelcontextprotocol/conformance"
CLI = CACHE / "node_modules" / PACKAGE / "dist" / "index.js"
RUN_TIMEOUT = 300.0
NOT_TESTABLE = "Not testable: "
SUMMARY_LINE = re.compile(r"^(?P<mark>[✓✗]) (?P<scenario>[\w/-]+): \d+ passed, \d+ failed$")
RESULT_FOLDER = re.compile(r"^server-(?P<scenario>.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$")


@dataclass(frozen=True)
class ScenarioResult:
    """One scenario as the suite judged it: its summary mark and every check it wrote."""

    scenario: str
    passed_by_suite: bool  # the ✓ of the summary: no check failed
    checks: list[dict[str, Any]]

    def with_status(self, *statuses: str) -> list[dict[str, Any]]:
        return [check for check in self.checks if check["status"] in statuses]


@dataclass
class SuiteRun:
    """One run of the suite's requirement set for `revision` against `url`; started at once."""

    url: str
    revision: str
    folder: Path
    process: subprocess.Popen[bytes] = field(init=False)
    _results: dict[str, ScenarioResult] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        arguments = [
            str(CLI),
            "server",
            "--url",
            self.url,
            "--requirements",
            self.revision,
            "--output-dir",
            str(self.folder / "results"),
        ]
        self.process = start_node(arguments, self.folder, self.folder / "stdout", self.folder / "stderr")

    def results(self) -> dict[str, ScenarioResult]:
        """Every scenario the suite ran, by name; fails if the run did not finish with its summary."""
        if self._results is None:
            try:
                self.process.wait(RUN_TIMEOUT)
            except subprocess.TimeoutExpired:
                pytest.fail(f"the conformance suite ({self.revision} on {self.url}) ran over {RUN_TIMEOUT}s")
            finally:
                kill_group(self.process)
            self._results = self._read()
        return self._results

    def _read(self) -> dict[str, ScenarioResult]:
        output = (self.folder / "stdout").read_text(errors="replace")
        marks = {}
        summary = output.partition("=== SUMMARY ===")[2]
        for line in summary.splitlines():
            match = SUMMARY_LINE.match(line.strip())
            if match:
                marks[match["scenario"]] = match["mark"] == "✓"
        if not marks:
            pytest.fail(
                f"the conformance suite ({self.revision}) printed no summary "
                f"(exit {self.process.returncode}):\n{output[-4000:]}\n{tail(self.folder / 'stderr')}"
            )
        checks: dict[str, list[dict[str, Any]]] = {}
        for folder in (self.folder / "results").iterdir():
            match = RESULT_FOLDER.match(folder.name)
            assert match, f"unexpected result folder {folder}"
            checks[match["scenario"]] = json.loads((folder / "checks.json").read_text())
        assert set(checks) == set(marks), "every scenario in the summary wrote its checks, and no other"
        return {name: ScenarioResult(name, marks[name], checks[name]) for name in marks}

    def stop(self) -> None:
        if self.process.poll() is None:
            kill_group(self.process)
