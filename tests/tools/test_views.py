"""Money in the compact views: a plain decimal string, cents always shown, nothing rounded away."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checkout_mcp.tools.views import money


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("5", "5.00"),
        ("4.25", "4.25"),
        ("4.2", "4.20"),
        ("100.000", "100.00"),
        ("1E+3", "1000.00"),
        ("0", "0.00"),
        ("-0", "-0.00"),
        ("-4.5", "-4.50"),
        ("4.255", "4.255"),
        ("0.001", "0.001"),
    ],
)
def test_money_shows_cents_and_keeps_finer_amounts(amount: str, text: str) -> None:
    assert money(Decimal(amount)) == text


AMOUNTS = st.integers(0, 2).flatmap(
    lambda places: st.decimals(min_value=-(10**12), max_value=10**12, places=places)
)


@given(AMOUNTS)
def test_money_is_the_amount_with_two_decimals(amount: Decimal) -> None:
    text = money(amount)
    assert Decimal(text) == amount
    assert "E" not in text and len(text.rpartition(".")[2]) == 2
