"""The create_order ledger: one order per checkout state or idempotency key, reconciled, never re-posted."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from checkout_mcp.policy.ledger import EntryState, LedgerConflict, LocalOrderLedger, OrderKey

KEY = OrderKey.for_checkout_state("store-a", "chk-1", 3, Decimal("42.10"))


def test_a_recorded_order_is_returned_instead_of_posting_again() -> None:
    ledger = LocalOrderLedger()
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


def test_a_caller_key_deduplicates_across_checkout_changes() -> None:
    ledger = LocalOrderLedger()
    key = OrderKey.for_idempotency_key("store-a", "chk-1", "agent-run-7")
    ledger.begin(key)
    ledger.record(key, "55")
    assert ledger.lookup(OrderKey.for_idempotency_key("store-a", "chk-1", "agent-run-7")) == "55"
    assert ledger.lookup(KEY) is None


def test_a_second_attempt_while_one_is_in_flight_is_refused() -> None:
    ledger = LocalOrderLedger()
    ledger.begin(KEY)
    with pytest.raises(LedgerConflict, match="being created") as caught:
        ledger.begin(KEY)
    assert caught.value.entry.state is EntryState.IN_FLIGHT
    assert ledger.lookup(KEY) is None


def test_an_upstream_error_releases_the_key() -> None:
    ledger = LocalOrderLedger()
    ledger.begin(KEY)
    ledger.release(KEY)
    assert ledger.entry(KEY) is None
    ledger.begin(KEY)


def test_an_ambiguous_attempt_must_be_reconciled_first() -> None:
    ledger = LocalOrderLedger()
    ledger.begin(KEY)
    ledger.mark_ambiguous(KEY, "read timeout")
    with pytest.raises(LedgerConflict, match="read the checkout back") as caught:
        ledger.begin(KEY)
    assert caught.value.entry.detail == "read timeout"
    assert [(e.key, e.state) for e in ledger.for_checkout(KEY.store, KEY.checkout_id)] == [
        (KEY, EntryState.AMBIGUOUS)
    ]


def test_reconciling_with_an_order_on_the_checkout_records_it() -> None:
    ledger = LocalOrderLedger()
    ledger.begin(KEY)
    ledger.mark_ambiguous(KEY, "connection dropped")
    assert ledger.reconcile(KEY, "202") == "202"
    assert ledger.lookup(KEY) == "202"
    assert [e.state for e in ledger.for_checkout(KEY.store, KEY.checkout_id)] == [EntryState.RECORDED]
    with pytest.raises(LedgerConflict):
        ledger.begin(KEY)


@pytest.mark.parametrize("order_id", [None, ""])
def test_reconciling_with_no_order_on_the_checkout_releases_the_key(order_id: str | None) -> None:
    ledger = LocalOrderLedger()
    ledger.begin(KEY)
    ledger.mark_ambiguous(KEY, "connection dropped")
    assert ledger.reconcile(KEY, order_id) is None
    assert ledger.entry(KEY) is None
    ledger.begin(KEY)


def test_a_restarted_server_still_knows(tmp_path: Path) -> None:
    path = tmp_path / "state" / "ledger.json"
    ledger = LocalOrderLedger(path)
    done = OrderKey.for_idempotency_key("store-a", "chk-9", "k")
    ledger.begin(done)
    ledger.record(done, 7)
    ledger.begin(KEY)  # the process "dies" with this attempt in flight

    restarted = LocalOrderLedger(path)
    assert restarted.lookup(done) == "7"
    entry = restarted.entry(KEY)
    assert entry is not None and entry.state is EntryState.AMBIGUOUS
    assert entry.detail and "stopped" in entry.detail
    assert restarted.reconcile(KEY, 8) == "8"
    assert LocalOrderLedger(path).lookup(KEY) == "8"
    assert [p.name for p in path.parent.iterdir()] == ["ledger.json"]


def test_an_unreadable_ledger_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "ledger.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="unreadable"):
        LocalOrderLedger(path)
