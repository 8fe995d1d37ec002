"""The shared clock: frozen time stays put, advance moves it, and it never goes back."""

from datetime import UTC, datetime, timedelta

import pytest

from checkout_mcp.clock import Clock


def test_frozen_clock_moves_only_when_advanced() -> None:
    start = datetime(2026, 3, 1, tzinfo=UTC)
    clock = Clock(start, frozen=True)
    assert clock.now() == start
    assert clock.advance(90) == start + timedelta(seconds=90)
    assert clock.now() == start + timedelta(seconds=90)


def test_clock_refuses_to_go_back_and_naive_starts() -> None:
    clock = Clock(frozen=True)
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(-1)
    with pytest.raises(ValueError, match="timezone-aware"):
        Clock(datetime(2026, 1, 1))


def test_freeze_keeps_the_current_reading() -> None:
    clock = Clock(frozen=False)
    clock.advance(10)
    clock.freeze()
    reading = clock.now()
    assert clock.frozen
    assert clock.now() == reading
