"""Trials: each from a fresh sandbox and server, in worker processes, as many at once as there are cores.

A task is one scenario's gold replay (trial 0) or one of its agent's trials (1..K). A task builds
the server as `checkout-mcp serve` would on the embedded sandbox, with the sandbox clock frozen
(times in the store compare exactly), the confirmation clock frozen too (the text the agent reads
is the same every run), the store's own rate limit out of reach (10,000 requests a day: every
upstream request is counted in one window; rate limiting is a fault a scenario injects), and the
journal in a folder of its own. Then the start, the faults (not for the gold: it says what should
end up in the store, whatever the weather), the agent, and what it all left behind. The gold runs
in mode `auto` without limits, with its calls' errors counting as the scenario's own mistakes.

Workers are forked from a fork server (started once, with this module imported), never from the
calling process: a fork of that could copy another thread's lock mid-use.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import anyio

from checkout_mcp.clock import Clock
from checkout_mcp.config import Config, load_config
from checkout_mcp.evals.agents import BEARER_ENV, Agent, AgentFailed, ExternalAgent, Script, Session
from checkout_mcp.evals.calls import CallRecorder
from checkout_mcp.evals.digest import digest, state_view
from checkout_mcp.evals.human import Human
from checkout_mcp.evals.judge import judge
from checkout_mcp.evals.records import GOLD, OrderRecord, Record
from checkout_mcp.evals.report import Report, ScenarioResult, TrialResult
from checkout_mcp.evals.scenario import Policy, Scenario, ScriptedAgent, UnknownReference, resolve
from checkout_mcp.evals.start import Baseline, StartError, apply_start
from checkout_mcp.order_status import CANCELLED_STATUS_ID
from checkout_mcp.policy.modes import Mode
from checkout_mcp.server.build import Runtime, build_server, create_runtime
from checkout_mcp.tools.registry import TOOLSETS

# A task: the scenario, the trial number (GOLD for its gold replay), the external agent if any.
Task = tuple[Scenario, int, ExternalAgent | None]
EVAL_QUOTA = 10_000
EVAL_WINDOW_MS = 86_400_000
GOLD_POLICY = Policy(mode=Mode.AUTO)


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def trial_config(scenario: Scenario, policy: Policy, folder: Path) -> Config:
    """The server's configuration for one trial (every key given, so the environment cannot change it)."""
    return load_config(
        None,
        store={"kind": "sandbox"},
        toolsets={"enabled": list(TOOLSETS)},
        sandbox={
            "seed": scenario.start.seed,
            "surfaces": ["management", "storefront"],
            "frozen_clock": True,
            "rate_limit_quota": EVAL_QUOTA,
            "rate_limit_window_ms": EVAL_WINDOW_MS,
        },
        server={
            "transport": "http",
            "host": "127.0.0.1",
            "port": 0,
            "path": "/mcp",
            "stateless": False,
            "allowed_hosts": [],
            "auth_token_env": BEARER_ENV,
        },
        policy=policy.settings(folder / "audit.jsonl"),
    )


async def run_task(scenario: Scenario, trial: int, agent: ExternalAgent | None) -> Record:
    """One trial (or, for trial 0, the gold replay) from a fresh sandbox and server."""
    started = time.perf_counter()
    gold = trial == GOLD
    policy = GOLD_POLICY if gold else scenario.policy
    with tempfile.TemporaryDirectory(prefix="checkout-mcp-eval-") as folder:
        runtime = create_runtime(
            trial_config(scenario, policy, Path(folder)), server_clock=Clock(frozen=True)
        )
        try:
            record = await _run(scenario, trial, agent, runtime, policy)
        except Exception as error:  # one trial's crash is that trial's failure, not the evaluation's
            record = Record(scenario.name, trial, f"the trial crashed: {error!r}")
        finally:
            await runtime.aclose()
    return replace(record, seconds=round(time.perf_counter() - started, 3))


async def _run(
    scenario: Scenario, trial: int, agent: ExternalAgent | None, runtime: Runtime, policy: Policy
) -> Record:
    sandbox = runtime.sandbox
    assert sandbox is not None
    try:
        baseline = apply_start(sandbox, scenario.start)
    except StartError as error:
        return Record(scenario.name, trial, f"the start cannot be built: {error}")
    gold = trial == GOLD
    if not gold:
        sandbox.faults.replace(scenario.faults)
    server = build_server(runtime)
    recorder = CallRecorder()
    server.middleware.append(recorder)
    human = Human(policy.human)
    references = baseline.references()
    problem: str | None = None
    reply = ""
    try:
        task = resolve(scenario.task, references)
        runner: Agent = (
            Script(ScriptedAgent(calls=scenario.gold, elicitation=False))
            if gold
            else agent or Script(scenario.agent)
        )
        reply = await runner.run(Session(server, runtime, human, task, references))
    except UnknownReference as unknown:
        problem = f"the task names ${{{unknown.args[0]}}}, which is not a start cart"
    except AgentFailed as failed:
        problem = str(failed)
    if gold and problem is None:
        failed_call = next((call for call in recorder.calls if call.is_error), None)
        if failed_call is not None:
            problem = f"{failed_call.tool} failed: {failed_call.output}"
    view = state_view(sandbox.store, baseline, sandbox.clock.now())
    journal = anyio.Path(runtime.config.policy.journal)
    return Record(
        scenario=scenario.name,
        trial=trial,
        problem=problem,
        view=view,
        digest=digest(view),
        orders=_orders(runtime, baseline),
        calls=recorder.calls,
        questions=human.questions,
        journal=[json.loads(line) for line in (await journal.read_text()).splitlines()],
        reply=reply,
        upstream_requests=sandbox.rate_limiter.used,
    )


def _orders(runtime: Runtime, baseline: Baseline) -> list[OrderRecord]:
    assert runtime.sandbox is not None
    return [
        OrderRecord(
            order.id,
            order.cart_id,
            order.status_id == CANCELLED_STATUS_ID,
            order.id >= baseline.next_order_id,
        )
        for order in runtime.sandbox.store.orders.values()
    ]


def _execute(task: Task) -> Record:
    return anyio.run(run_task, *task)


def _quiet() -> None:
    """Workers log nothing below errors: what a trial did is in its record, not on the terminal."""
    logging.disable(logging.WARNING)


def run_tasks(tasks: list[Task], workers: int) -> list[Record]:
    """Every task's record, in the order given, from `workers` worker processes."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_quiet) as pool:
        return list(pool.map(_execute, tasks))


def evaluate(scenarios: list[Scenario], agent: ExternalAgent | None = None, trials: int = 1) -> Report:
    """Replay every scenario's gold, run `trials` trials of its agent (the scripted one unless
    `agent`), judge each trial against the gold."""
    started = time.perf_counter()
    tasks: list[Task] = [(scenario, GOLD, None) for scenario in scenarios]
    tasks += [(scenario, trial, agent) for scenario in scenarios for trial in range(1, trials + 1)]
    workers = max(1, min(cores(), len(tasks)))
    records = run_tasks(tasks, workers)
    golds = {record.scenario: record for record in records if record.trial == GOLD}
    results = [
        ScenarioResult(
            scenario,
            golds[scenario.name],
            [
                TrialResult(record, judge(scenario, golds[scenario.name], record))
                for record in records
                if record.scenario == scenario.name and record.trial != GOLD
            ],
        )
        for scenario in scenarios
    ]
    return Report(
        agent=f"agent {agent.command!r}" if agent else "scripted agents",
        trials=trials,
        scenarios=results,
        workers=workers,
        seconds=round(time.perf_counter() - started, 2),
    )
