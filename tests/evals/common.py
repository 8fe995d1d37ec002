"""Helpers for the eval tests: the scenario set, one scenario changed, a trial judged in-process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from checkout_mcp.evals.agents import ExternalAgent
from checkout_mcp.evals.judge import Check, judge
from checkout_mcp.evals.records import GOLD
from checkout_mcp.evals.runner import run_task
from checkout_mcp.evals.scenario import Scenario, Step, load_scenario

SCENARIOS = Path(__file__).parents[2] / "evals" / "scenarios"


def scenario(name: str) -> Scenario:
    return load_scenario(SCENARIOS / f"{name}.toml")


def with_agent(base: Scenario, *, calls: list[Step] | None = None, **agent: Any) -> Scenario:
    """`base` with its scripted agent changed (its calls, or any other setting)."""
    changes = {**agent, **({"calls": calls} if calls is not None else {})}
    return base.model_copy(update={"agent": base.agent.model_copy(update=changes)})


async def judged(trial_of: Scenario, agent: ExternalAgent | None = None) -> dict[str, Check]:
    """One trial (and the gold) run in this process, judged: the checks by name."""
    gold = await run_task(trial_of, GOLD, None)
    trial = await run_task(trial_of, 1, agent)
    return {check.name: check for check in judge(trial_of, gold, trial)}


def failed(checks: dict[str, Check]) -> set[str]:
    return {name for name, check in checks.items() if not check.passed}


def without_seconds(value: Any) -> Any:
    """A report with its timings taken out: what must be the same on every run."""
    if isinstance(value, dict):
        return {key: without_seconds(item) for key, item in value.items() if key != "seconds"}
    if isinstance(value, list):
        return [without_seconds(item) for item in value]
    return value
