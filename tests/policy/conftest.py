"""Fixtures shared by the policy tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from checkout_mcp.state.sqlite import SqliteState


@pytest.fixture
def state(tmp_path: Path) -> Iterator[SqliteState]:
    """A real SQLite shared state of the test's own."""
    opened = SqliteState(tmp_path / "state")
    yield opened
    opened.close()
