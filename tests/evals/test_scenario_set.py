"""The scenario set in evals/scenarios: every scenario passes with its scripted agent, the same way
on every run, and together they call every tool and take every path through the policy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from checkout_mcp.cli import main
from checkout_mcp.evals.scenario import load_scenarios
from checkout_mcp.policy.audit import AuditDecision
from checkout_mcp.policy.modes import Mode
from checkout_mcp.tools import catalogue
from tests.evals.common import SCENARIOS, without_seconds


def run_the_set(report: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, dict[str, Any]]:
    status = main(["eval", str(SCENARIOS), "--report", str(report)])
    return status, capsys.readouterr().out, json.loads(report.read_text())


def test_every_scenario_passes_and_a_second_run_reports_the_same(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, text, first = run_the_set(tmp_path / "first.json", capsys)
    assert status == 0, text
    assert first["passed"] and first["pass^1"] == 1.0
    assert len(first["scenarios"]) >= 15
    assert "pass^1 1.000" in text and "FAIL" not in text
    _, _, second = run_the_set(tmp_path / "second.json", capsys)
    assert without_seconds(second) == without_seconds(first)
    called = {tool for result in first["scenarios"] for trial in result["trials"] for tool in trial["tools"]}
    assert called >= {spec.name for spec in catalogue()}, "every tool is called by some scenario"


def test_the_scenarios_take_every_path_through_the_policy() -> None:
    scenarios = load_scenarios([SCENARIOS])
    policies = [scenario.policy for scenario in scenarios]
    answers = {policy.human.answer for policy in policies} | {
        rule.answer for policy in policies for rule in policy.human.rules
    }
    assert {policy.mode for policy in policies} == set(Mode)
    assert {policy.confirmation for policy in policies} == {"any", "human"}
    assert answers == {"accept", "decline", "cancel"}
    assert any(policy.human.rules for policy in policies)
    assert any(policy.max_order_total for policy in policies)
    assert any(policy.human_only for policy in policies)
    assert {value for policy in policies for value in policy.overrides.values()} == {"confirm", "disabled"}
    assert {scenario.agent.elicitation for scenario in scenarios} == {True, False}
    judged = {
        decision for scenario in scenarios for decision, count in scenario.judge.decisions.items() if count
    }
    assert judged == set(AuditDecision), "each decision is expected (and so checked) by some scenario"
    assert any(scenario.faults for scenario in scenarios)
    starts = [scenario.start for scenario in scenarios]
    assert all(any(getattr(start, part) for start in starts) for part in ("carts", "coupons", "stock"))
    assert any(start.advance_clock_seconds for start in starts)
