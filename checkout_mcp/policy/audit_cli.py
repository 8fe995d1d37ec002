"""`checkout-mcp audit verify` and `checkout-mcp audit tail`: read a journal without writing to it."""

from __future__ import annotations

import sys
from pathlib import Path

from checkout_mcp.policy.audit import tail, verify

EXIT_OK = 0
EXIT_BROKEN = 1
EXIT_UNREADABLE = 2


def verify_command(path: Path) -> int:
    """Print the chain's verification; exit 0 if intact (a torn last line alone is not a failure)."""
    try:
        report = verify(path)
    except OSError as exc:
        print(f"Cannot read audit journal {path}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    print(f"Audit journal {path}")
    if report.ok:
        print(f"OK: {report.records} records, chain intact. Head hash: {report.head}")
    else:
        print(f"BROKEN at line {report.first_bad_line}: {report.problem}.")
        print(f"The {report.records} records before it verify. Last good hash: {report.head}")
    if report.torn:
        print(
            f"Torn tail: the last {report.torn_tail_bytes} bytes are a partial record (the writer "
            "was killed mid-write); the chain is valid up to it, and the next writer removes it."
        )
    if report.unfinished:
        seqs = ", ".join(f"#{seq}" for seq in report.unfinished)
        print(f"Calls begun with no completion record (interrupted or still running): {seqs}")
    return EXIT_OK if report.ok else EXIT_BROKEN


def tail_command(path: Path, n: int) -> int:
    """Print the last `n` records, one line each."""
    try:
        lines = tail(path, n)
    except OSError as exc:
        print(f"Cannot read audit journal {path}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    for line in lines:
        print(line)
    return EXIT_OK
