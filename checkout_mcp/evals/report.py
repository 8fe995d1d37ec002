"""What an evaluation found: a table per scenario, pass^1 and pass^k over the set, a JSON report.

pass^k (tau-bench's measure of reliability) is, per scenario, the chance that k trials drawn
from its n all pass, C(c, k) / C(n, k) with c of n passed, averaged over the scenarios; with k = n
it is the share of scenarios whose every trial passed. Everything in the report but the fields
named `seconds` is the same on every run of the same scenarios with the same agent.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import comb
from typing import Any

from checkout_mcp.evals.judge import Check
from checkout_mcp.evals.records import Record
from checkout_mcp.evals.scenario import Scenario

COLUMNS = ("trial", "result", "calls", "asked", "tokens", "upstream", "seconds")


@dataclass(frozen=True)
class TrialResult:
    record: Record
    checks: list[Check]

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    def view(self) -> dict[str, Any]:
        record = self.record
        return {
            "trial": record.trial,
            "passed": self.passed,
            "checks": [check.view() for check in self.checks],
            "calls": len(record.calls),
            "tools": [call.tool for call in record.calls],
            "confirmations": len(record.questions),
            "tokens": record.tokens,
            "upstream_requests": record.upstream_requests,
            "digest": record.digest,
            "seconds": record.seconds,
        }

    def row(self) -> tuple[str, ...]:
        record = self.record
        return (
            str(record.trial),
            "pass" if self.passed else "FAIL",
            str(len(record.calls)),
            str(len(record.questions)),
            str(record.tokens),
            str(record.upstream_requests),
            f"{record.seconds:.2f}",
        )


def pass_hat(passed: int, trials: int, k: int) -> float:
    """The chance that k of `trials` trials, `passed` of which passed, all pass."""
    return comb(passed, k) / comb(trials, k)


@dataclass(frozen=True)
class ScenarioResult:
    scenario: Scenario
    gold: Record
    trials: list[TrialResult]

    @property
    def passes(self) -> int:
        return sum(trial.passed for trial in self.trials)

    @property
    def passed(self) -> bool:
        return self.passes == len(self.trials)

    def view(self) -> dict[str, Any]:
        n = len(self.trials)
        return {
            "name": self.scenario.name,
            "file": self.scenario.file,
            "passed": self.passed,
            "passes": self.passes,
            "pass^1": pass_hat(self.passes, n, 1),
            "pass^k": pass_hat(self.passes, n, n),
            "gold": {
                "digest": self.gold.digest,
                "calls": len(self.gold.calls),
                "problem": self.gold.problem,
                "seconds": self.gold.seconds,
            },
            "trials": [trial.view() for trial in self.trials],
        }

    def table(self) -> str:
        lines = [f"{self.scenario.name}: {self.passes}/{len(self.trials)} passed ({self.scenario.file})"]
        rows = [COLUMNS, *(trial.row() for trial in self.trials)]
        widths = [max(len(row[column]) for row in rows) for column in range(len(COLUMNS))]
        for row, trial in zip(rows, [None, *self.trials], strict=True):
            lines.append("  " + "  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))
            if trial is not None:
                lines.extend(
                    f"      - {check.name}: {check.why}" for check in trial.checks if not check.passed
                )
        return "\n".join(lines)


@dataclass(frozen=True)
class Report:
    agent: str
    trials: int
    scenarios: list[ScenarioResult]
    workers: int
    seconds: float

    @property
    def passed(self) -> bool:
        return all(result.passed for result in self.scenarios)

    def pass_at(self, k: int) -> float:
        return sum(pass_hat(result.passes, self.trials, k) for result in self.scenarios) / len(self.scenarios)

    def view(self) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "trials": self.trials,
            "passed": self.passed,
            "pass^1": self.pass_at(1),
            "pass^k": self.pass_at(self.trials),
            "k": self.trials,
            "seconds": self.seconds,
            "scenarios": [result.view() for result in self.scenarios],
        }

    def text(self) -> str:
        failed = sum(not result.passed for result in self.scenarios)
        measures = [f"pass^1 {self.pass_at(1):.3f}"]
        if self.trials > 1:
            measures.append(f"pass^{self.trials} {self.pass_at(self.trials):.3f}")
        summary = (
            f"{len(self.scenarios)} scenario(s), {self.trials} trial(s) each, {self.agent}: "
            f"{len(self.scenarios) - failed} passed, {failed} failed; {', '.join(measures)}; "
            f"{self.seconds:.1f} s on {self.workers} worker(s)."
        )
        return "\n\n".join([*(result.table() for result in self.scenarios), summary])
