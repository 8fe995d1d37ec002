"""Per-call cost of the shared state's users with no history and with a long one (SQLite backend).

Run: `make bench`, or `python bench/state_cost.py [--entries N] [--dir D]`. For the order ledger
(begin, record, for_checkout) and confirmation ids (issue, redeem): the time of one call (mean over
a round, best of ROUNDS) on a fresh state and on one already holding N ledger entries (N checkouts)
and N outstanding ids.
Target (DESIGN.md, "Shared state": no operation's cost grows with the history): within 1.5x at
N = 100,000. The state lives in /dev/shm where there is one (unless --dir), so the constant cost
of an fsync per write (about 0.25 ms on a plain disk) does not hide a cost that grows.

`measure()` returns the figures as a flat dict, for bench/results.json.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from checkout_mcp.clock import Clock
from checkout_mcp.policy.confirmation import ConfirmationBook
from checkout_mcp.policy.ledger import OrderKey, SharedOrderLedger
from checkout_mcp.state.sqlite import SqliteState

ENTRIES = 100_000
CALLS = 250
ROUNDS = 20
OPERATIONS = (
    "ledger.begin",
    "ledger.record",
    "ledger.for_checkout",
    "confirmation.issue",
    "confirmation.redeem",
)
RATIO_LIMIT = 1.5
TARGETS = {f"{operation}.ratio": ("<=", RATIO_LIMIT) for operation in OPERATIONS}
STORE = "live:bench"
ARGUMENTS = {"checkout_id": "c0ffee", "allow_duplicate": False}
FINGERPRINT = {"version": 3, "grand_total": "42.10"}


def key(n: int) -> OrderKey:
    return OrderKey.for_checkout_state(STORE, f"checkout-{n}", 1, Decimal("42.10"))


def filled(folder: Path, entries: int) -> tuple[SqliteState, SharedOrderLedger, ConfirmationBook]:
    """A state holding `entries` recorded orders (one checkout each) and `entries` unredeemed ids."""
    state = SqliteState(folder)
    ledger = SharedOrderLedger(state)
    book = ConfirmationBook(state, Clock(frozen=True), ttl_seconds=3_600)
    for n in range(entries):
        ledger.record(key(n), n)
        book.issue("create_order", ARGUMENTS, STORE, FINGERPRINT)
    return state, ledger, book


def per_call(ledger: SharedOrderLedger, book: ConfirmationBook, first: int) -> dict[str, float]:
    """Mean microseconds per call over CALLS new checkouts and ids, numbered from `first`."""
    spent = dict.fromkeys(OPERATIONS, 0.0)

    @contextmanager
    def timing(operation: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        spent[operation] += time.perf_counter() - started

    for n in range(first, first + CALLS):
        order = key(n)
        with timing("ledger.begin"):
            ledger.begin(order)
        with timing("ledger.record"):
            ledger.record(order, n)
        with timing("ledger.for_checkout"):
            ledger.for_checkout(order.store, order.checkout_id)
        with timing("confirmation.issue"):
            issued = book.issue("create_order", ARGUMENTS, STORE, FINGERPRINT)
        with timing("confirmation.redeem"):
            book.redeem(issued.id, "create_order", ARGUMENTS, STORE, FINGERPRINT)
    return {operation: seconds / CALLS * 1e6 for operation, seconds in spent.items()}


def measure(entries: int = ENTRIES, where: Path | None = None) -> dict[str, float]:
    """`<operation>.us@0`, `<operation>.us@<entries>` and `<operation>.ratio` for each operation.

    Rounds alternate between a fresh empty state and the full one, so both see the same machine;
    each figure is the best of its rounds (the least disturbed by whatever else runs).
    """
    shm = Path("/dev/shm")
    parent = where or (shm if shm.is_dir() else None)
    empty: list[dict[str, float]] = []
    full: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="checkout-mcp-bench-", dir=parent) as folder:
        big, big_ledger, big_book = filled(Path(folder) / "full", entries)
        try:
            for r in range(ROUNDS):
                small, small_ledger, small_book = filled(Path(folder) / f"empty-{r}", 0)
                try:
                    empty.append(per_call(small_ledger, small_book, 0))
                finally:
                    small.close()
                full.append(per_call(big_ledger, big_book, entries + r * CALLS))
        finally:
            big.close()
    result: dict[str, float] = {}
    for operation in OPERATIONS:
        at_0, at_n = (min(r[operation] for r in rounds) for rounds in (empty, full))
        result[f"{operation}.us@0"] = round(at_0, 2)
        result[f"{operation}.us@{entries}"] = round(at_n, 2)
        result[f"{operation}.ratio"] = round(at_n / at_0, 3)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=ENTRIES)
    parser.add_argument("--dir", type=Path, default=None, help="where the states live (default /dev/shm)")
    options = parser.parse_args()
    result = measure(options.entries, options.dir)
    n = options.entries
    print(f"shared state cost per call (SQLite), no history vs {n} entries (target ratio <= {RATIO_LIMIT})")
    print(f"  {'operation':<22}{'0':>12}{n:>12}{'ratio':>8}")
    for operation in OPERATIONS:
        ratio = result[f"{operation}.ratio"]
        flag = "" if ratio <= RATIO_LIMIT else "  OVER TARGET"
        print(
            f"  {operation:<22}{result[f'{operation}.us@0']:>9.1f} µs{result[f'{operation}.us@{n}']:>9.1f} µs"
            f"{ratio:>8.2f}{flag}"
        )
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
