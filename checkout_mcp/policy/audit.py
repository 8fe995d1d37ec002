"""The append-only audit journal: every non-read call, before it runs and after, in a hash chain.

Format: JSON lines, each line the canonical JSON (sorted keys, compact, UTF-8) of one record.
Every record has `seq` (1, 2, ...), `kind`, `time` (ISO 8601, from the Clock), `prev` (the `hash`
of the record before it; 64 zeros for the first) and `hash` (SHA-256 of the record's canonical
JSON without `hash`). Editing, removing, inserting or reordering a record breaks the chain at that
point; `verify` says where. The head hash (in `verify`'s report) can be noted elsewhere to anchor
the end of the chain too.

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
- `recovered`: written when the journal is opened after a crash tore its last line.

`client` is the name the MCP client gives itself; `principal` the name of the bearer token the call
came with (None without one). Everything from the caller (arguments, reasons, errors, ids, client,
principal) is redacted first.

Durability: each record is written with one write() and fsynced before the method returns, so a
call never runs before its `begin` is on disk. A process killed mid-write leaves a torn last line
(no trailing newline). Choice: on open, the writer truncates that fragment and appends a
`recovered` record (its size and SHA-256) chained from the last complete record, so the chain
stays unbroken and the tear itself is on record. `verify` reports a torn tail without failing.

Concurrency: one writer process per journal file, enforced with an exclusive flock (POSIX): a
second writer gets `JournalLocked`. Within the process a lock serialises appends, so threads and
async tasks may share one journal. Appends block for an fsync; async code may call them directly
or through `anyio.to_thread.run_sync`.
"""

from __future__ import annotations

import collections
import fcntl
import hashlib
import json
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from checkout_mcp.clock import Clock
from checkout_mcp.policy.canonical import canonical_json, sha256_hex
from checkout_mcp.policy.durable import fsync_directory
from checkout_mcp.policy.effects import Effect
from checkout_mcp.policy.redact import Redactor

GENESIS = "0" * 64


class RecordKind(StrEnum):
    BEGIN = "begin"
    COMPLETE = "complete"
    DECISION = "decision"
    SETTLED = "settled"
    RECOVERED = "recovered"


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
class VerifyReport:
    """The result of checking a journal's chain."""

    ok: bool
    records: int
    head: str
    first_bad_line: int | None = None
    problem: str | None = None
    torn_tail_bytes: int = 0
    unfinished: tuple[int, ...] = field(default=())

    @property
    def torn(self) -> bool:
        return self.torn_tail_bytes > 0


class JournalCorrupt(Exception):
    """The journal's chain is broken; the writer refuses to append to it."""

    def __init__(self, path: Path, report: VerifyReport) -> None:
        super().__init__(
            f"Audit journal {path} fails verification at line {report.first_bad_line}: {report.problem}. "
            "Move it aside (keep it as evidence) to start a new journal."
        )
        self.report = report


class JournalLocked(Exception):
    """Another process is writing this journal; there is one writer process per journal file."""


@dataclass(frozen=True)
class _Scan:
    report: VerifyReport
    valid_end: int
    torn: bytes


def _line_problem(raw: bytes, seq: int, prev: str) -> tuple[dict[str, Any] | None, str | None]:
    """The parsed record, or why the line is not the valid record number `seq` after `prev`."""
    try:
        record = json.loads(raw.decode("utf-8"))
        canonical = canonical_json(record).encode("utf-8")
    except ValueError:  # also UnicodeDecodeError, and NaN, which canonical JSON refuses
        return None, "not a JSON record"
    if not isinstance(record, dict) or not isinstance(record.get("hash"), str):
        return None, "not a journal record"
    if canonical != raw:
        return None, "not in canonical form (the line was edited)"
    body = {key: value for key, value in record.items() if key != "hash"}
    if sha256_hex(body) != record["hash"]:
        return None, "its hash does not match its content (the record was edited)"
    if record.get("prev") != prev:
        return None, "it does not chain to the record before it (a record was edited, removed or inserted)"
    if record.get("seq") != seq:
        return None, f"sequence number {record.get('seq')!r}, expected {seq}"
    return record, None


def _scan(file: BinaryIO) -> _Scan:
    """Check the chain line by line (journals grow large: nothing is read whole)."""
    head, valid_end, records, torn = GENESIS, 0, 0, b""
    unfinished: dict[int, None] = {}
    for raw in file:
        if not raw.endswith(b"\n"):
            torn = raw
            break
        record, problem = _line_problem(raw[:-1], records + 1, head)
        if record is None:
            report = VerifyReport(
                ok=False,
                records=records,
                head=head,
                first_bad_line=records + 1,
                problem=problem,
                unfinished=tuple(unfinished),
            )
            return _Scan(report, valid_end, torn=b"")
        records += 1
        if record.get("kind") == RecordKind.BEGIN:
            unfinished[records] = None
        elif record.get("kind") == RecordKind.COMPLETE:
            unfinished.pop(record.get("ref"), None)
        head, valid_end = record["hash"], valid_end + len(raw)
    report = VerifyReport(
        ok=True, records=records, head=head, torn_tail_bytes=len(torn), unfinished=tuple(unfinished)
    )
    return _Scan(report, valid_end, torn)


def verify(path: Path) -> VerifyReport:
    """Check the whole chain; a torn last line is reported but does not make the journal invalid."""
    with path.open("rb") as file:
        return _scan(file).report


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class AuditJournal:
    """The single writer of one journal file. Use as a context manager, or call `close()`."""

    def __init__(self, path: Path, clock: Clock, redactor: Redactor | None = None) -> None:
        self._clock = clock
        self._redactor = redactor or Redactor()
        self._lock = threading.Lock()
        self._open_calls: set[int] = set()
        path.parent.mkdir(parents=True, exist_ok=True)
        created = not path.exists()
        self._fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            if created:
                fsync_directory(path.parent)
            self._take_over(path)
        except BaseException:
            os.close(self._fd)
            raise

    def _take_over(self, path: Path) -> None:
        """Become the file's only writer and continue its chain, removing a torn last line first."""
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise JournalLocked(f"Audit journal {path} is open in another process.") from None
        with path.open("rb") as file:
            scan = _scan(file)
        if not scan.report.ok:
            raise JournalCorrupt(path, scan.report)
        self._seq, self._head, self._size = scan.report.records, scan.report.head, scan.valid_end
        if scan.report.torn:
            os.ftruncate(self._fd, scan.valid_end)
            os.fsync(self._fd)
            self._append(
                {
                    "kind": RecordKind.RECOVERED,
                    "torn_bytes": len(scan.torn),
                    "torn_sha256": hashlib.sha256(scan.torn).hexdigest(),
                }
            )

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
        return self._fd >= 0

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1

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
        """Chain, write and fsync one record; the caller holds the lock (or is the constructor)."""
        if self._fd < 0:
            raise ValueError("The audit journal is closed")
        seq = self._seq + 1
        record = {**body, "seq": seq, "time": self._clock.now().isoformat(), "prev": self._head}
        record["hash"] = sha256_hex(record)
        line = (canonical_json(record) + "\n").encode("utf-8")
        try:
            _write_all(self._fd, line)
            os.fsync(self._fd)
        except OSError:
            os.ftruncate(self._fd, self._size)  # never leave half a record for the next one to follow
            raise
        self._seq, self._head, self._size = seq, record["hash"], self._size + len(line)
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


def tail(path: Path, n: int) -> list[str]:
    """Readable renderings of the last `n` complete lines (unreadable lines are shown as such)."""
    last: collections.deque[tuple[int, bytes]] = collections.deque(maxlen=max(n, 0))
    with path.open("rb") as file:
        for number, raw in enumerate(file, start=1):
            if raw.endswith(b"\n"):
                last.append((number, raw[:-1]))
    rendered = []
    for number, raw in last:
        try:
            rendered.append(render(json.loads(raw.decode("utf-8"))))
        except (ValueError, AttributeError):
            rendered.append(f"line {number}: unreadable")
    return rendered
