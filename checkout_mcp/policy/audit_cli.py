"""`checkout-mcp audit verify` and `checkout-mcp audit tail`: read a journal's lines, write nothing.

Both read through the `Journal` interface, so any store of the chain is verified the same way;
`where` names it in messages (the file's path).
"""

from __future__ import annotations

import sys

from checkout_mcp.policy.audit import tail, verify
from checkout_mcp.state.base import Journal

EXIT_OK = 0
EXIT_BROKEN = 1
EXIT_UNREADABLE = 2


def verify_command(journal: Journal, where: str) -> int:
    """Print the chain's verification; exit 0 if intact (a torn last line alone is not a failure)."""
    try:
        report = verify(journal)
    except OSError as exc:
        print(f"Cannot read audit journal {where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    chain = report.chain
    print(f"Audit journal {where}")
    if chain.ok:
        print(f"OK: {chain.records} records, chain intact. Head hash: {chain.head}")
    else:
        print(f"BROKEN at line {chain.first_bad_line}: {chain.problem}.")
        print(f"The {chain.records} records before it verify. Last good hash: {chain.head}")
    if chain.torn:
        print(
            f"Torn tail: the last {chain.torn_tail_bytes} bytes are a partial record (the writer "
            "was killed mid-write); the chain is valid up to it, and the next writer removes it."
        )
    if report.unfinished:
        seqs = ", ".join(f"#{seq}" for seq in report.unfinished)
        print(f"Calls begun with no completion record (interrupted or still running): {seqs}")
    return EXIT_OK if chain.ok else EXIT_BROKEN


def tail_command(journal: Journal, where: str, n: int) -> int:
    """Print the last `n` records, one line each."""
    try:
        lines = tail(journal, n)
    except OSError as exc:
        print(f"Cannot read audit journal {where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    for line in lines:
        print(line)
    return EXIT_OK
