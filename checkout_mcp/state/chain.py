"""The audit journal's chain format, which every store of the journal (a file, Redis) shares.

A record is a JSON object with `seq` (1, 2, ...), `prev` (the `hash` of the record before it;
GENESIS for the first) and `hash` (SHA-256 of the record's canonical JSON without `hash`). It is
stored as one line: its canonical JSON (sorted keys, compact, UTF-8) and a newline. Editing,
removing, inserting or reordering a record breaks the chain at that point, and `scan` says where.
A last line without its newline is a torn write (a writer killed mid-write): the chain is valid up
to it, and the writer that finds it cuts it off and appends a `recovered` record in its place.

What the records say (their kinds, besides `recovered`) is the policy layer's business.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from checkout_mcp.canonical import canonical_json, sha256_hex

GENESIS = "0" * 64
RECOVERED = "recovered"


@dataclass(frozen=True)
class Link:
    """The end of a chain as far as it has been read: how many records, and the last one's hash."""

    seq: int = 0
    head: str = GENESIS


START = Link()
"""An empty chain: nothing read yet."""


@dataclass(frozen=True)
class VerifyReport:
    """The result of checking a chain."""

    ok: bool
    records: int
    head: str
    first_bad_line: int | None = None
    problem: str | None = None
    torn_tail_bytes: int = 0

    @property
    def torn(self) -> bool:
        return self.torn_tail_bytes > 0


@dataclass(frozen=True)
class Scan:
    """What `scan` read: the report, the bytes of the valid lines, and a torn last line if any."""

    report: VerifyReport
    valid_bytes: int
    torn: bytes

    @property
    def end(self) -> Link:
        return Link(self.report.records, self.report.head)


class JournalCorrupt(Exception):
    """The journal's chain is broken; no writer appends to it."""

    def __init__(self, where: str, line: int | None, problem: str) -> None:
        at = f" at line {line}" if line is not None else ""
        super().__init__(
            f"Audit journal {where} fails verification{at}: {problem}. "
            "Move it aside (keep it as evidence) to start a new journal."
        )
        self.line = line
        self.problem = problem


def seal(body: Mapping[str, Any], seq: int, prev: str) -> dict[str, Any]:
    """`body` as record number `seq` after the record whose hash is `prev`, with its own hash."""
    record = {**body, "seq": seq, "prev": prev}
    record["hash"] = sha256_hex(record)
    return record


def encode(record: Mapping[str, Any]) -> bytes:
    """The record's stored line: its canonical JSON and a newline."""
    return (canonical_json(record) + "\n").encode("utf-8")


def recovery(torn: bytes, time: str) -> dict[str, Any]:
    """The body of the record that takes the place of a torn last line, noting its size and digest."""
    return {
        "kind": RECOVERED,
        "time": time,
        "torn_bytes": len(torn),
        "torn_sha256": hashlib.sha256(torn).hexdigest(),
    }


def line_problem(raw: bytes, after: Link) -> tuple[dict[str, Any] | None, str | None]:
    """The parsed record, or why the line (without its newline) is not the valid record after `after`."""
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
    if record.get("prev") != after.head:
        return None, "it does not chain to the record before it (a record was edited, removed or inserted)"
    if record.get("seq") != after.seq + 1:
        return None, f"sequence number {record.get('seq')!r}, expected {after.seq + 1}"
    return record, None


def scan(
    lines: Iterable[bytes],
    start: Link = START,
    see: Callable[[dict[str, Any]], None] = lambda record: None,
) -> Scan:
    """Check the lines that follow `start`, one at a time (nothing is read whole), showing each
    valid record to `see`; stop at the first broken line or at a torn last one."""
    end, valid_bytes = start, 0
    for raw in lines:
        if not raw.endswith(b"\n"):
            report = VerifyReport(ok=True, records=end.seq, head=end.head, torn_tail_bytes=len(raw))
            return Scan(report, valid_bytes, torn=raw)
        record, problem = line_problem(raw[:-1], end)
        if record is None:
            report = VerifyReport(
                ok=False, records=end.seq, head=end.head, first_bad_line=end.seq + 1, problem=problem
            )
            return Scan(report, valid_bytes, torn=b"")
        see(record)
        end, valid_bytes = Link(end.seq + 1, record["hash"]), valid_bytes + len(raw)
    return Scan(VerifyReport(ok=True, records=end.seq, head=end.head), valid_bytes, torn=b"")
