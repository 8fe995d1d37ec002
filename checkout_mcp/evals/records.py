"""What one trial (or the gold replay) brings back from its worker process, for the judge and the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from checkout_mcp.evals.calls import Call
from checkout_mcp.evals.human import Question

GOLD = 0  # the trial number of a scenario's gold replay; agents' trials count from 1


@dataclass(frozen=True)
class OrderRecord:
    id: int
    cart_id: str
    cancelled: bool
    new: bool  # made during the trial (not in the start)


@dataclass(frozen=True)
class Record:
    scenario: str
    trial: int
    problem: str | None  # why the agent (or the gold) did not finish; None: it did
    view: dict[str, Any] = field(default_factory=dict)
    digest: str = ""
    orders: list[OrderRecord] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    journal: list[dict[str, Any]] = field(default_factory=list)
    reply: str = ""
    upstream_requests: int = 0
    seconds: float = 0.0

    @property
    def tokens(self) -> int:
        return sum(call.tokens for call in self.calls)
