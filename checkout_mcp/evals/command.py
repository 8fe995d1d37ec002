"""`checkout-mcp eval SCENARIO... [--agent CMD] [--trials K] [--report FILE] [--timeout S]`.

Exit status: 0 when every trial of every scenario passed, 1 when any failed, 2 when a scenario
file cannot be used. Imports nothing heavy until it runs, since the CLI builds its parser eagerly.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def add_eval_parser(commands: Any) -> None:
    """The `eval` subcommand on the CLI's subparsers."""
    evaluate = commands.add_parser(
        "eval", help="judge an agent on scenario files: the store's final state and the policy"
    )
    evaluate.add_argument("scenarios", nargs="+", type=Path, help="scenario files or directories of them")
    evaluate.add_argument(
        "--agent", help="command line of an external agent (default: each scenario's script)"
    )
    evaluate.add_argument("--trials", type=positive, default=1, help="trials per scenario (default 1)")
    evaluate.add_argument("--report", type=Path, help="write the JSON report here")
    evaluate.add_argument(
        "--timeout", type=float, default=300.0, help="seconds an external agent gets per trial (default 300)"
    )


def run_eval(options: argparse.Namespace) -> int:
    from checkout_mcp.evals.agents import ExternalAgent
    from checkout_mcp.evals.runner import evaluate
    from checkout_mcp.evals.scenario import ScenarioError, load_scenarios

    try:
        scenarios = load_scenarios(options.scenarios)
    except ScenarioError as error:
        print(f"checkout-mcp eval: {error}", file=sys.stderr)
        return 2
    agent = ExternalAgent(options.agent, options.timeout) if options.agent else None
    report = evaluate(scenarios, agent, options.trials)
    print(report.text())
    if options.report:
        options.report.write_text(json.dumps(report.view(), indent=2) + "\n", encoding="utf-8")
    return 0 if report.passed else 1
