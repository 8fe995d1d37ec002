"""The sandbox's JSON writer: Decimals as exact numbers, everything else as json writes it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from checkout_mcp.sandbox.jsonio import dumps


def test_decimals_are_written_as_exact_numbers() -> None:
    text = dumps(
        {"price": Decimal("12.10"), "big": Decimal("12345678901234567890.01"), "n": [Decimal("-0.5")]}
    )
    assert text == '{"price":12.10,"big":12345678901234567890.01,"n":[-0.5]}'
    assert json.loads(text, parse_float=Decimal)["big"] == Decimal("12345678901234567890.01")


def test_strings_that_look_like_numbers_stay_strings() -> None:
    data = {"message": '"12.10"', "code": "12.10", "quote": 'a"b', "when": datetime(2026, 1, 2, tzinfo=UTC)}
    assert json.loads(dumps(data)) == {**data, "when": "2026-01-02T00:00:00+00:00"}


def test_a_decimal_that_is_not_a_number_is_refused() -> None:
    with pytest.raises(ValueError, match="not a JSON number"):
        dumps({"total": Decimal("NaN")})
