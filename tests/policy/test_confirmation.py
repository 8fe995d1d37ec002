"""Confirmation ids: single use, expiring on the Clock, bound to tool, arguments, store and checkout state."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from checkout_mcp.clock import Clock
from checkout_mcp.policy.confirmation import ConfirmationBook, ConfirmationRefused, RefusalReason

STORE = "store-abc123"
TOOL = "remove_cart_item"
ARGS: dict[str, Any] = {"checkout_id": "c0ffee", "item_id": "item-1", "quantity": 2, "price": Decimal("9.50")}
FINGERPRINT = {"version": 3, "grand_total": "42.10"}


@pytest.fixture
def clock() -> Clock:
    return Clock(frozen=True)


@pytest.fixture
def book(clock: Clock) -> ConfirmationBook:
    return ConfirmationBook(clock, ttl_seconds=300)


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


def test_an_id_expires_on_the_clock(clock: Clock) -> None:
    book = ConfirmationBook(clock, ttl_seconds=300)
    early = book.issue(TOOL, ARGS, STORE, FINGERPRINT)
    late = book.issue(TOOL, ARGS, STORE, FINGERPRINT)
    assert (late.expires_at - clock.now()).total_seconds() == 300
    clock.advance(299)
    book.redeem(early.id, TOOL, ARGS, STORE, FINGERPRINT)
    clock.advance(1)
    expired = refusal(book, late.id)
    assert expired.reason is RefusalReason.EXPIRED and "expired" in str(expired)


def test_the_ttl_is_configurable(clock: Clock) -> None:
    book = ConfirmationBook(clock, ttl_seconds=30)
    confirmation = book.issue(TOOL, ARGS, STORE, FINGERPRINT)
    clock.advance(31)
    assert refusal(book, confirmation.id).reason is RefusalReason.EXPIRED
    with pytest.raises(ValueError):
        ConfirmationBook(clock, ttl_seconds=0)


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
