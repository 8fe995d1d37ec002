"""The append-only audit journal: every non-read call, before it runs and after, in a hash chain.

Format (state/chain.py): one record per line, its canonical JSON. Every record has `seq` (1, 2,
...), `kind`, `time` (ISO 8601, from the Clock), `prev` (the `hash` of the record before it) and
`hash` (SHA-256 of the record without `hash`). Editing, removing, inserting or reordering a record
breaks the chain at that point; `verify` says where. The head hash (in `verify`'s report) can be
noted elsewhere to anchor the end of the chain too.

Kinds:
- `begin`: a call about to run: client, principal, tool, effect, arguments, decision (allowed,
  confirmed_by_human, confirmed_by_id), reason.
- `complete`: `ref` (the begin's seq), outcome (succeeded, failed, ambiguous, cancelled: made,
  then cancelled on the store because it differed from what was confirmed), upstream_status,
  request_id, result_ids, error, principal.
- `decision`: a call that did not run: confirmation_required (result_ids holds the confirmation
  id), declined (the human said no) or blocked; with client, principal, tool, effect, arguments,
  reason.
- `settled`: an earlier call whose outcome was unknown (ambiguous), settled later from the
  store's own record: tool, arguments, outcome (succeeded: the order exists, in result_ids;
  failed: none was made), reason.
- `recovered`: written by the storage in place of a torn last line (a writer killed mid-write).

`client` is the name the MCP client gives itself; `principal` the name of the bearer token the call
came with (None without one). Everything from the caller (arguments, reasons, errors, ids, client,
principal) is redacted first.

Storage: a `Journal` (state/base.py) holds the chain, whoever writes: the file journal
(state/journal_file.py) for every server process on one machine, Redis for replicas. Each record
is durable before the method returns, so a call never runs before its `begin` is stored. Several
processes write one chain at once; each AuditJournal completes only the calls it began. Within a
process threads and async tasks may share one AuditJournal; appends block for an fsync, so async
code may call them directly or through `anyio.to_thread.run_sync`.
"""

from __future__ import annotations

import collections
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from typing import Any

from checkout_mcp.canonical import canonical_json
from checkout_mcp.clock import Clock
from checkout_mcp.policy.effects import Effect
from checkout_mcp.policy.redact import Redactor
from checkout_mcp.state.base import Journal
from checkout_mcp.state.chain import RECOVERED, VerifyReport, scan, seal


class RecordKind(StrEnum):
    BEGIN = "begin"
    COMPLETE = "complete"
    DECISION = "decision"
    SETTLED = "settled"
    RECOVERED = RECOVERED


class AuditDecision(StrEnum):
    ALLOWED = "allowed"
    CONFIRMED_BY_HUMAN = "confirmed_by_human"
    CONFIRMED_BY_ID = "confirmed_by_id"
    CONFIRMATION_REQUIRED = "confirmation_required"
    DECLINED = "declined"
    BLOCKED = "blocked"


DECISIONS_THAT_RUN = frozenset(
    {AuditDecision.ALLOWED, AuditDecision.CONFIRMED_BY_HUMAN, AuditDecision.CONFIRMED_BY_ID}
)


class Outcome(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    AMBIGUOUS = "ambiguous"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class AuditReport:
    """A journal's verification: its chain, and the calls in it that began and never completed."""

    chain: VerifyReport
    unfinished: tuple[int, ...]


def verify(journal: Journal) -> AuditReport:
    """Check the whole chain; a torn last line is reported but does not make the journal invalid."""
    unfinished: dict[int, None] = {}

    def see(record: dict[str, Any]) -> None:
        if record.get("kind") == RecordKind.BEGIN:
            unfinished[record["seq"]] = None
        elif record.get("kind") == RecordKind.COMPLETE:
            unfinished.pop(record.get("ref"), None)

    report = scan(journal.lines(), see=see).report
    return AuditReport(chain=report, unfinished=tuple(unfinished))


class AuditJournal:
    """This process's writer of the audit chain in `journal`, which it owns and closes.

    Use as a context manager, or call `close()`.
    """

    def __init__(self, journal: Journal, clock: Clock, redactor: Redactor | None = None) -> None:
        self._journal = journal
        self._clock = clock
        self._redactor = redactor or Redactor()
        self._lock = threading.Lock()
        self._open_calls: set[int] = set()
        self._closed = False

    def begin(
        self,
        *,
        tool: str,
        effect: Effect,
        arguments: Mapping[str, Any],
        decision: AuditDecision,
        client: str | None = None,
        reason: str | None = None,
        principal: str | None = None,
    ) -> int:
        """Journal a call about to run (durably, before it runs); returns its record id for `complete`."""
        if decision not in DECISIONS_THAT_RUN:
            raise ValueError(f"A call that runs is allowed or confirmed, not {decision}; use record_decision")
        body = self._call_body(RecordKind.BEGIN, tool, effect, arguments, decision, client, reason, principal)
        with self._lock:
            record_id = self._append(body)
            self._open_calls.add(record_id)
        return record_id

    def complete(
        self,
        record_id: int,
        *,
        outcome: Outcome,
        upstream_status: int | None = None,
        request_id: str | None = None,
        result_ids: Mapping[str, Any] | None = None,
        error: str | None = None,
        principal: str | None = None,
    ) -> int:
        """Journal how the call begun as `record_id` ended."""
        body = {
            "kind": RecordKind.COMPLETE,
            "ref": record_id,
            "outcome": outcome,
            "upstream_status": upstream_status,
            "request_id": request_id,
            "result_ids": dict(result_ids or {}),
            "error": error,
            "principal": principal,
        }
        with self._lock:
            if record_id not in self._open_calls:
                raise ValueError(f"Audit record {record_id} is not a call begun in this journal, or is done")
            seq = self._append(self._clean(body))
            self._open_calls.discard(record_id)
        return seq

    def record_decision(
        self,
        *,
        tool: str,
        effect: Effect,
        arguments: Mapping[str, Any],
        decision: AuditDecision,
        client: str | None = None,
        reason: str | None = None,
        result_ids: Mapping[str, Any] | None = None,
        principal: str | None = None,
    ) -> int:
        """Journal a call that does not run: confirmation required, declined or blocked."""
        if decision in DECISIONS_THAT_RUN:
            raise ValueError(f"A call that is {decision} runs; use begin and complete")
        body = self._call_body(
            RecordKind.DECISION, tool, effect, arguments, decision, client, reason, principal
        )
        body["result_ids"] = self._clean(dict(result_ids or {}))
        with self._lock:
            return self._append(body)

    def settle(
        self,
        *,
        tool: str,
        arguments: Mapping[str, Any],
        outcome: Outcome,
        reason: str,
        result_ids: Mapping[str, Any] | None = None,
    ) -> int:
        """Journal the outcome, now known from the store, of an earlier call journaled as ambiguous."""
        body = {
            "kind": RecordKind.SETTLED,
            "tool": tool,
            "arguments": dict(arguments),
            "outcome": outcome,
            "reason": reason,
            "result_ids": dict(result_ids or {}),
        }
        with self._lock:
            return self._append(self._clean(body))

    @property
    def is_open(self) -> bool:
        """Whether records can still be written."""
        return not self._closed

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._journal.close()

    def __enter__(self) -> AuditJournal:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _call_body(
        self,
        kind: RecordKind,
        tool: str,
        effect: Effect,
        arguments: Mapping[str, Any],
        decision: AuditDecision,
        client: str | None,
        reason: str | None,
        principal: str | None,
    ) -> dict[str, Any]:
        body = {
            "kind": kind,
            "tool": tool,
            "effect": effect,
            "arguments": dict(arguments),
            "decision": decision,
            "client": client,
            "principal": principal,
            "reason": reason,
        }
        return self._clean(body)

    def _clean(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """JSON values only (Decimal as string, models dumped), with secrets redacted."""
        cleaned: dict[str, Any] = self._redactor.redact(json.loads(canonical_json(body)))
        return cleaned

    def _append(self, body: dict[str, Any]) -> int:
        """Seal the record as the chain's next link, stamped when the chain's end is held; store it."""
        if self._closed:
            raise ValueError("The audit journal is closed")

        def sealed(seq: int, prev: str) -> dict[str, Any]:
            return seal({**body, "time": self._clock.now().isoformat()}, seq, prev)

        record = self._journal.append(sealed)
        seq: int = record["seq"]
        return seq


def _render_ids(record: Mapping[str, Any]) -> str:
    return " ".join(f"{key}={value}" for key, value in sorted((record.get("result_ids") or {}).items()))


def render(record: Mapping[str, Any]) -> str:
    """One readable line for a journal record."""
    prefix = f"#{record.get('seq')} {record.get('time')}"
    kind = record.get("kind")
    if kind == RecordKind.COMPLETE:
        parts = [
            f"complete #{record.get('ref')} {record.get('outcome')}",
            f"status={record.get('upstream_status')}" if record.get("upstream_status") is not None else "",
            f"request_id={record.get('request_id')}" if record.get("request_id") else "",
            _render_ids(record),
            f"error={record.get('error')}" if record.get("error") else "",
        ]
    elif kind == RecordKind.SETTLED:
        parts = [f"settled {record.get('tool')} {record.get('outcome')}", _render_ids(record)]
    elif kind == RecordKind.RECOVERED:
        parts = [f"recovered: removed a torn last line of {record.get('torn_bytes')} bytes"]
    else:
        arguments = canonical_json(record.get("arguments") or {})
        parts = [
            f"{kind} {record.get('tool')} ({record.get('effect')}) {record.get('decision')}",
            f"client={record.get('client')}" if record.get("client") else "",
            f"principal={record.get('principal')}" if record.get("principal") else "",
            f"args={arguments if len(arguments) <= 160 else arguments[:157] + '...'}",
            _render_ids(record),
            f"reason={record.get('reason')}" if record.get("reason") else "",
        ]
    return " ".join([prefix, *(part for part in parts if part)])


def tail(journal: Journal, n: int) -> list[str]:
    """Readable renderings of the last `n` complete lines (unreadable lines are shown as such)."""
    last: collections.deque[tuple[int, bytes]] = collections.deque(maxlen=max(n, 0))
    for number, raw in enumerate(journal.lines(), start=1):
        if raw.endswith(b"\n"):
            last.append((number, raw[:-1]))
    rendered = []
    for number, raw in last:
        try:
            rendered.append(render(json.loads(raw.decode("utf-8"))))
        except (ValueError, AttributeError):
            rendered.append(f"line {number}: unreadable")
    return rendered
