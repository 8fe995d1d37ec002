"""Confirmation ids: single use, expiring on the Clock, bound to tool, arguments, store and checkout state.

The ids live in real SQLite shared state in the test's folder; another server is another handle on it.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from checkout_mcp.clock import Clock
from checkout_mcp.policy.confirmation import (
    CLEANUP_MARGIN_SECONDS,
    ConfirmationBook,
    ConfirmationRefused,
    RefusalReason,
)
from checkout_mcp.state.sqlite import SqliteState

STORE = "store-abc123"
TOOL = "remove_cart_item"
ARGS: dict[str, Any] = {"checkout_id": "c0ffee", "item_id": "item-1", "quantity": 2, "price": Decimal("9.50")}
FINGERPRINT = {"version": 3, "grand_total": "42.10"}


@pytest.fixture
def clock() -> Clock:
    return Clock(frozen=True)


@pytest.fixture
def book(state: SqliteState, clock: Clock) -> ConfirmationBook:
    return ConfirmationBook(state, clock, ttl_seconds=300)


def refusal(book: ConfirmationBook, confirmation_id: str, **changes: Any) -> ConfirmationRefused:
    call = {"tool": TOOL, "arguments": ARGS, "store": STORE, "fingerprint": FINGERPRINT, **changes}
    with pytest.raises(ConfirmationRefused) as caught:
        book.redeem(confirmation_id, call["tool"], call["arguments"], call["store"], call["fingerprint"])
    return caught.value


def test_an_id_confirms_its_call_once(book: ConfirmationBook, clock: Clock) -> None:
    confirmation = book.issue(TOOL, ARGS, STORE, FINGERPRINT)
    assert confirmation.expires_at == clock.now() + timedelta(seconds=300)
    book.redeem(confirmation.id, TOOL, ARGS, STORE, FINGERPRINT)
    again = refusal(book, confirmation.id)
    assert again.reason is RefusalReason.UNKNOWN
    assert "already been used" in str(again) and "fresh preview" in str(again)


def test_ids_are_unguessable_and_distinct(book: ConfirmationBook) -> None:
    ids = {book.issue(TOOL, ARGS, STORE, FINGERPRINT).id for _ in range(50)}
    assert len(ids) == 50
    assert all(len(i) >= 24 and i.replace("-", "").replace("_", "").isalnum() for i in ids)
    assert refusal(book, "made-up-id").reason is RefusalReason.UNKNOWN


def test_an_id_expires_on_the_clock(book: ConfirmationBook, clock: Clock) -> None:
    early = book.issue(TOOL, ARGS, STORE, FINGERPRINT)
    late = book.issue(TOOL, ARGS, STORE, FINGERPRINT)
    assert (late.expires_at - clock.now()).total_seconds() == 300
    clock.advance(299)
    book.redeem(early.id, TOOL, ARGS, STORE, FINGERPRINT)
    clock.advance(1)
    expired = refusal(book, late.id)
    assert expired.reason is RefusalReason.EXPIRED and "expired" in str(expired)


def test_the_ttl_is_configurable(state: SqliteState, clock: Clock) -> None:
    book = ConfirmationBook(state, clock, ttl_seconds=30)
    confirmation = book.issue(TOOL, ARGS, STORE, FINGERPRINT)
    clock.advance(31)
    assert refusal(book, confirmation.id).reason is RefusalReason.EXPIRED
    with pytest.raises(ValueError):
        ConfirmationBook(state, clock, ttl_seconds=0)


def test_the_state_keeps_an_id_past_its_lifetime_so_a_late_redeem_is_told_it_expired(
    tmp_path: Path, clock: Clock
) -> None:
    """Expiry is the server clock's; the state's own time limit (here on the same clock) only clears
    away ids never redeemed, a margin later."""
    state = SqliteState(tmp_path / "timed", now=clock.timestamp)
    try:
        book = ConfirmationBook(state, clock, ttl_seconds=30)
        late, forgotten = (book.issue(TOOL, ARGS, STORE, FINGERPRINT) for _ in range(2))
        clock.advance(30 + CLEANUP_MARGIN_SECONDS - 1)
        assert refusal(book, late.id).reason is RefusalReason.EXPIRED
        clock.advance(1)
        assert refusal(book, forgotten.id).reason is RefusalReason.UNKNOWN
    finally:
        state.close()


def test_an_id_issued_by_one_server_is_honoured_by_another_once(
    tmp_path: Path, book: ConfirmationBook, clock: Clock
) -> None:
    other = SqliteState(tmp_path / "state")
    try:
        elsewhere = ConfirmationBook(other, clock, ttl_seconds=300)
        confirmation = book.issue(TOOL, ARGS, STORE, FINGERPRINT)
        elsewhere.redeem(confirmation.id, TOOL, ARGS, STORE, FINGERPRINT)
        assert refusal(book, confirmation.id).reason is RefusalReason.UNKNOWN
        assert refusal(elsewhere, confirmation.id).reason is RefusalReason.UNKNOWN
    finally:
        other.close()


def test_of_concurrent_redeems_exactly_one_is_honoured(
    tmp_path: Path, book: ConfirmationBook, clock: Clock
) -> None:
    confirmation = book.issue(TOOL, ARGS, STORE, FINGERPRINT)
    servers = [SqliteState(tmp_path / "state") for _ in range(6)]
    start = threading.Barrier(len(servers))
    outcomes: list[RefusalReason | None] = []

    def redeem(state: SqliteState) -> None:
        start.wait()
        try:
            ConfirmationBook(state, clock).redeem(confirmation.id, TOOL, ARGS, STORE, FINGERPRINT)
            outcomes.append(None)
        except ConfirmationRefused as refused:
            outcomes.append(refused.reason)

    threads = [threading.Thread(target=redeem, args=(state,)) for state in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for state in servers:
        state.close()
    assert (outcomes.count(None), outcomes.count(RefusalReason.UNKNOWN)) == (1, 5)


@pytest.mark.parametrize(
    ("arguments", "changed"),
    [
        ({**ARGS, "quantity": 3}, "quantity"),
        ({**ARGS, "quantity": 2.0}, "quantity"),
        ({**ARGS, "quantity": "2"}, "quantity"),
        ({**ARGS, "price": Decimal("9.49")}, "price"),
        ({k: v for k, v in ARGS.items() if k != "item_id"}, "item_id"),
        ({**ARGS, "extra": None}, "extra"),
    ],
)
def test_any_changed_argument_is_refused(
    book: ConfirmationBook, arguments: dict[str, Any], changed: str
) -> None:
    confirmation = book.issue(TOOL, ARGS, STORE, FINGERPRINT)
    refused = refusal(book, confirmation.id, arguments=arguments)
    assert refused.reason is RefusalReason.ARGUMENTS_DIFFER
    assert f"changed: {changed}" in str(refused)


def test_argument_order_and_the_confirmation_id_itself_do_not_matter(book: ConfirmationBook) -> None:
    confirmation = book.issue(TOOL, ARGS, STORE, FINGERPRINT)
    reordered = dict(reversed(list(ARGS.items())))
    book.redeem(confirmation.id, TOOL, {**reordered, "confirmation_id": confirmation.id}, STORE, FINGERPRINT)


def test_another_tool_is_refused(book: ConfirmationBook) -> None:
    confirmation = book.issue(TOOL, ARGS, STORE, FINGERPRINT)
    refused = refusal(book, confirmation.id, tool="create_order")
    assert refused.reason is RefusalReason.TOOL_DIFFERS
    assert TOOL in str(refused) and "create_order" in str(refused)


def test_another_store_is_refused(book: ConfirmationBook) -> None:
    confirmation = book.issue(TOOL, ARGS, STORE, FINGERPRINT)
    assert refusal(book, confirmation.id, store="store-other").reason is RefusalReason.STORE_DIFFERS


@pytest.mark.parametrize(
    "fingerprint", [{"version": 4, "grand_total": "42.10"}, {"version": 3, "grand_total": "40.00"}, None]
)
def test_a_changed_checkout_is_refused(book: ConfirmationBook, fingerprint: Any) -> None:
    confirmation = book.issue(TOOL, ARGS, STORE, FINGERPRINT)
    refused = refusal(book, confirmation.id, fingerprint=fingerprint)
    assert refused.reason is RefusalReason.CHECKOUT_CHANGED
    assert "changed since the preview" in str(refused)


def test_a_refused_attempt_uses_the_id_up(book: ConfirmationBook) -> None:
    confirmation = book.issue(TOOL, ARGS, STORE, FINGERPRINT)
    assert refusal(book, confirmation.id, store="store-other").reason is RefusalReason.STORE_DIFFERS
    assert refusal(book, confirmation.id).reason is RefusalReason.UNKNOWN


def test_ids_are_independent(book: ConfirmationBook) -> None:
    first = book.issue(TOOL, ARGS, STORE, FINGERPRINT)
    second = book.issue("create_order", {"checkout_id": "c0ffee"}, STORE, FINGERPRINT)
    book.redeem(second.id, "create_order", {"checkout_id": "c0ffee"}, STORE, FINGERPRINT)
    book.redeem(first.id, TOOL, ARGS, STORE, FINGERPRINT)
