"""The create_order ledger: one order per checkout state or idempotency key, reconciled, never re-posted.

On real SQLite shared state in the test's folder; "another process" is another handle on it, or a
real process killed mid-attempt.
"""

from __future__ import annotations

import signal
import sys
from decimal import Decimal
from pathlib import Path

import anyio
import pytest

from checkout_mcp.policy.ledger import EntryState, LedgerConflict, OrderKey, SharedOrderLedger
from checkout_mcp.policy.locks import checkout_lock
from checkout_mcp.state.sqlite import SqliteState

KEY = OrderKey.for_checkout_state("store-a", "chk-1", 3, Decimal("42.10"))


@pytest.fixture
def ledger(state: SqliteState) -> SharedOrderLedger:
    return SharedOrderLedger(state)


def test_a_recorded_order_is_returned_instead_of_posting_again(ledger: SharedOrderLedger) -> None:
    assert ledger.lookup(KEY) is None
    ledger.begin(KEY)
    ledger.record(KEY, 101)
    assert ledger.lookup(KEY) == "101"
    with pytest.raises(LedgerConflict, match="order 101") as caught:
        ledger.begin(KEY)
    assert caught.value.entry.state is EntryState.RECORDED


def test_the_same_checkout_state_is_the_same_key() -> None:
    assert OrderKey.for_checkout_state("store-a", "chk-1", 3, Decimal("42.1")) == KEY
    assert OrderKey.for_checkout_state("store-a", "chk-1", 4, Decimal("42.10")) != KEY
    assert OrderKey.for_checkout_state("store-a", "chk-1", 3, Decimal("42.11")) != KEY
    assert OrderKey.for_checkout_state("store-b", "chk-1", 3, Decimal("42.10")) != KEY
    assert OrderKey.for_checkout_state("store-a", "chk-2", 3, Decimal("42.10")) != KEY
    assert OrderKey.for_idempotency_key("store-a", "chk-1", "k1") != OrderKey.for_idempotency_key(
        "store-a", "chk-1", "k2"
    )


def test_a_caller_key_deduplicates_across_checkout_changes(ledger: SharedOrderLedger) -> None:
    key = OrderKey.for_idempotency_key("store-a", "chk-1", "agent-run-7")
    ledger.begin(key)
    ledger.record(key, "55")
    assert ledger.lookup(OrderKey.for_idempotency_key("store-a", "chk-1", "agent-run-7")) == "55"
    assert ledger.lookup(KEY) is None


def test_a_second_attempt_on_a_key_in_flight_is_refused_as_of_unknown_outcome(
    ledger: SharedOrderLedger,
) -> None:
    """Whoever reads holds the checkout's lock, so an attempt in flight is one whose writer is gone."""
    ledger.begin(KEY)
    with pytest.raises(LedgerConflict, match="unknown outcome") as caught:
        ledger.begin(KEY)
    assert caught.value.entry.state is EntryState.AMBIGUOUS
    assert ledger.lookup(KEY) is None


def test_an_upstream_error_releases_the_key(ledger: SharedOrderLedger) -> None:
    ledger.begin(KEY)
    ledger.release(KEY)
    assert ledger.entry(KEY) is None
    ledger.begin(KEY)


def test_an_ambiguous_attempt_must_be_reconciled_first(ledger: SharedOrderLedger) -> None:
    ledger.begin(KEY)
    ledger.mark_ambiguous(KEY, "read timeout")
    with pytest.raises(LedgerConflict, match="read the checkout back") as caught:
        ledger.begin(KEY)
    assert caught.value.entry.detail == "read timeout"
    assert [(e.key, e.state) for e in ledger.for_checkout(KEY.store, KEY.checkout_id)] == [
        (KEY, EntryState.AMBIGUOUS)
    ]


def test_reconciling_with_an_order_on_the_checkout_records_it(ledger: SharedOrderLedger) -> None:
    ledger.begin(KEY)
    ledger.mark_ambiguous(KEY, "connection dropped")
    assert ledger.reconcile(KEY, "202") == "202"
    assert ledger.lookup(KEY) == "202"
    assert [e.state for e in ledger.for_checkout(KEY.store, KEY.checkout_id)] == [EntryState.RECORDED]
    with pytest.raises(LedgerConflict):
        ledger.begin(KEY)


@pytest.mark.parametrize("order_id", [None, ""])
def test_reconciling_with_no_order_on_the_checkout_releases_the_key(
    ledger: SharedOrderLedger, order_id: str | None
) -> None:
    ledger.begin(KEY)
    ledger.mark_ambiguous(KEY, "connection dropped")
    assert ledger.reconcile(KEY, order_id) is None
    assert ledger.entry(KEY) is None
    ledger.begin(KEY)


def test_a_restarted_server_still_knows(tmp_path: Path) -> None:
    first = SqliteState(tmp_path / "state")
    ledger = SharedOrderLedger(first)
    done = OrderKey.for_idempotency_key("store-a", "chk-9", "k")
    ledger.begin(done)
    ledger.record(done, 7)
    ledger.begin(KEY)  # the server stops with this attempt in flight
    first.close()

    second = SqliteState(tmp_path / "state")
    restarted = SharedOrderLedger(second)
    assert restarted.lookup(done) == "7"
    entry = restarted.entry(KEY)
    assert entry is not None and entry.state is EntryState.AMBIGUOUS
    assert entry.detail and "stopped" in entry.detail
    assert restarted.reconcile(KEY, 8) == "8"
    second.close()
    third = SqliteState(tmp_path / "state")
    assert SharedOrderLedger(third).lookup(KEY) == "8"
    third.close()


DIES_MID_ATTEMPT = """
import os, signal, sys
from decimal import Decimal
from pathlib import Path
from checkout_mcp.policy.ledger import OrderKey, SharedOrderLedger
from checkout_mcp.state.sqlite import SqliteState

SharedOrderLedger(SqliteState(Path(sys.argv[1]))).begin(
    OrderKey.for_checkout_state("store-a", "chk-1", 3, Decimal("42.10")), since_order="5"
)
os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.anyio
async def test_an_attempt_whose_process_was_killed_is_ambiguous_to_the_next_lock_holder(
    state: SqliteState, ledger: SharedOrderLedger
) -> None:
    died = await anyio.run_process([sys.executable, "-c", DIES_MID_ATTEMPT, str(state.folder)], check=False)
    assert died.returncode == -signal.SIGKILL
    async with state.hold(checkout_lock(KEY.store, KEY.checkout_id)):
        [entry] = ledger.for_checkout(KEY.store, KEY.checkout_id)
    assert (entry.key, entry.state, entry.since_order) == (KEY, EntryState.AMBIGUOUS, "5")
    assert ledger.reconcile(KEY, None) is None
    ledger.begin(KEY)


def test_every_process_sharing_the_state_sees_one_ledger(tmp_path: Path, ledger: SharedOrderLedger) -> None:
    other = SqliteState(tmp_path / "state")
    try:
        elsewhere = SharedOrderLedger(other)
        ledger.begin(KEY)
        with pytest.raises(LedgerConflict):
            elsewhere.begin(KEY)
        ledger.record(KEY, 31)
        assert elsewhere.lookup(KEY) == "31"
        assert elsewhere.for_checkout("store-a", "chk-2") == []
    finally:
        other.close()


def test_a_checkout_s_entries_are_the_records_of_its_lock_s_group(
    state: SqliteState, ledger: SharedOrderLedger
) -> None:
    ledger.begin(KEY)
    ledger.record(KEY, 12)
    assert list(state.records(checkout_lock("store-a", "chk-1"))) == [KEY.basis]


def test_an_unreadable_entry_is_an_error(state: SqliteState, ledger: SharedOrderLedger) -> None:
    state.put(checkout_lock(KEY.store, KEY.checkout_id), KEY.basis, "{not json")
    with pytest.raises(ValueError, match="unreadable"):
        ledger.entry(KEY)
