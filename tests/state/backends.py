"""How the contract tests open each shared-state backend: a function of a place (a string), importable
by name so a worker process (tests/state/worker.py) opens the very same state."""

from __future__ import annotations

from pathlib import Path

from checkout_mcp.state.base import SharedState
from checkout_mcp.state.sqlite import SqliteState


def open_sqlite(place: str) -> SharedState:
    """`place` is the state's folder."""
    return SqliteState(Path(place))
