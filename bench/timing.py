"""Timing on a noisy machine: subjects measured in interleaved rounds, compared round by round.

Other work on the machine slows whatever runs at that moment; running each subject's block in
every round, in an order that rotates, and taking the median of the per-round ratios, cancels
most of it out.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass
class Samples:
    """One subject's timings: every call's seconds, and each round's mean."""

    calls: list[float] = field(default_factory=list)
    rounds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.calls or self.rounds)

    @property
    def p99(self) -> float:
        return percentile(self.calls, 0.99)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def ratio(numerator: Samples, denominator: Samples) -> float:
    """The median over rounds of numerator's round mean over denominator's, both from the same round."""
    return statistics.median(n / d for n, d in zip(numerator.rounds, denominator.rounds, strict=True))


def _orders(names: list[str], rounds: int) -> list[list[str]]:
    return [names[r % len(names) :] + names[: r % len(names)] for r in range(rounds)]


async def interleaved(
    subjects: dict[str, Callable[[], Awaitable[object]]], *, rounds: int, calls: int, warmup: int = 20
) -> dict[str, Samples]:
    """Each subject called `calls` times per round, the subjects' order rotating from round to round."""
    for run in subjects.values():
        for _ in range(warmup):
            await run()
    samples = {name: Samples() for name in subjects}
    for order in _orders(list(subjects), rounds):
        for name in order:
            run, seen = subjects[name], samples[name]
            start = time.perf_counter()
            for _ in range(calls):
                before = time.perf_counter()
                await run()
                seen.calls.append(time.perf_counter() - before)
            seen.rounds.append((time.perf_counter() - start) / calls)
    return samples


def interleaved_sync(
    subjects: dict[str, Callable[[], object]], *, rounds: int, calls: int
) -> dict[str, Samples]:
    """`interleaved` for cheap synchronous operations: only each round's mean is kept."""
    samples = {name: Samples() for name in subjects}
    for order in _orders(list(subjects), rounds):
        for name in order:
            run = subjects[name]
            start = time.perf_counter()
            for _ in range(calls):
                run()
            samples[name].rounds.append((time.perf_counter() - start) / calls)
    return samples
