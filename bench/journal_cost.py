"""What the audit journal costs a server as it grows: opening it, and appending one record.

Journals of 0, 10,000 and 100,000 records (about 330 bytes each, like a `begin`) are opened from
their checkpoint and appended to (through AuditJournal, each record fsynced), the sizes taking
turns so a busy machine slows them alike. Beside them, what opening with no checkpoint would cost:
a full scan, which only `checkout-mcp audit verify` still does.

Run: `make bench`. Target (issue 13): open and append at 10,000 and 100,000 records within 1.5x
of an empty journal. `measure()` returns the numbers for bench/results.json.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from checkout_mcp.clock import Clock
from checkout_mcp.policy.audit import AuditDecision, AuditJournal
from checkout_mcp.policy.effects import Effect
from checkout_mcp.state.chain import START, Link, encode, seal
from checkout_mcp.state.journal_file import FileJournal

SIZES = (0, 10_000, 100_000)
OPENS = 200
APPENDS = 60
CLOCK = Clock(frozen=True)
RATIO_LIMIT = 1.5
TARGETS = {
    f"journal_{name}_ratio_{size}": ("<=", RATIO_LIMIT) for name in ("open", "append") for size in SIZES[1:]
}


def call_body(number: int) -> dict[str, object]:
    return {
        "kind": "begin",
        "tool": "update_customer_message",
        "effect": "write",
        "arguments": {
            "checkout_id": f"5b1c7d3e-0a9f-4c2b-8e6d-{number:012d}",
            "message": "leave at the door",
        },
        "decision": "allowed",
        "client": "claude-desktop",
        "reason": None,
        "time": CLOCK.now().isoformat(),
    }


def write_history(path: Path, records: int) -> None:
    """A valid chain of `records` records, written in bulk (building it append by append would
    take an fsync each)."""
    end = START
    with path.open("wb") as file:
        for number in range(records):
            record = seal(call_body(number), end.seq + 1, end.head)
            file.write(encode(record))
            end = Link(record["seq"], record["hash"])


def seconds(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def measure() -> dict[str, float]:
    """Median milliseconds per open and per append at each size, their ratios to the empty journal,
    and the one full scan of each history (opening with no checkpoint; `audit verify`)."""
    folder = Path(tempfile.mkdtemp(prefix="journal-cost-"))
    try:
        paths = {size: folder / f"audit-{size}.jsonl" for size in SIZES}
        results: dict[str, float] = {}
        for size, path in paths.items():
            write_history(path, size)
            results[f"journal_full_scan_ms_{size}"] = 1000 * seconds(
                lambda path=path: FileJournal(path).open().close()
            )

        opens: dict[int, list[float]] = {size: [] for size in SIZES}
        for _ in range(OPENS):
            for size, path in paths.items():
                journal = FileJournal(path, CLOCK)
                opens[size].append(seconds(journal.open))
                journal.close()

        writers = {size: AuditJournal(FileJournal(path, CLOCK).open(), CLOCK) for size, path in paths.items()}
        appends: dict[int, list[float]] = {size: [] for size in SIZES}
        for number in range(APPENDS):
            for size, writer in writers.items():
                arguments = {"checkout_id": f"chk-{number}", "message": "leave at the door"}
                appends[size].append(
                    seconds(
                        lambda writer=writer, arguments=arguments: writer.begin(
                            tool="update_customer_message",
                            effect=Effect.WRITE,
                            arguments=arguments,
                            decision=AuditDecision.ALLOWED,
                            client="claude-desktop",
                        )
                    )
                )
        for writer in writers.values():
            writer.close()
    finally:
        shutil.rmtree(folder)

    for name, samples in (("open", opens), ("append", appends)):
        empty = statistics.median(samples[0])
        for size in SIZES:
            results[f"journal_{name}_ms_{size}"] = 1000 * statistics.median(samples[size])
            if size:
                results[f"journal_{name}_ratio_{size}"] = statistics.median(samples[size]) / empty
    return results


def main() -> None:
    results = measure()
    header = "".join(f"{f'{size:,} records':>16}" for size in SIZES)
    ratios = "".join(f"{f'x at {size:,}':>14}" for size in SIZES[1:])
    print(f"journal cost, median ms       {header}{ratios}")
    for name, label in (("open", "open (from checkpoint)"), ("append", "append (fsynced)")):
        row = "".join(f"{results[f'journal_{name}_ms_{size}']:16.3f}" for size in SIZES)
        row += "".join(f"{results[f'journal_{name}_ratio_{size}']:13.2f}x" for size in SIZES[1:])
        print(f"{label:30}{row}")
    scans = "".join(f"{results[f'journal_full_scan_ms_{size}']:16.1f}" for size in SIZES)
    print(f"{'open with no checkpoint':30}{scans}   (a full scan, as audit verify)")
    over = [key for key, (_, bound) in TARGETS.items() if results[key] > bound]
    print(f"over the {RATIO_LIMIT}x target: {', '.join(over) or 'none'}")


if __name__ == "__main__":
    main()
