"""How the contract tests open each shared-state backend: a function of a place (a string), importable
by name so a worker process (tests/state/worker.py) opens the very same state."""

from __future__ import annotations

from pathlib import Path

from checkout_mcp.state.base import SharedState
from checkout_mcp.state.redis import RedisState
from checkout_mcp.state.sqlite import SqliteState

REDIS_LEASE_SECONDS = 0.5


def open_sqlite(place: str) -> SharedState:
    """`place` is the state's folder."""
    return SqliteState(Path(place))


def open_redis(place: str) -> SharedState:
    """`place` is "<redis url>#<namespace>"; a short lease, so a killed holder's lock lapses soon."""
    url, namespace = place.split("#", 1)
    return RedisState.connect(url, namespace, lease_seconds=REDIS_LEASE_SECONDS)
