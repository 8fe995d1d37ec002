"""The shared-state backends the contract tests (test_shared_state.py) run on.

A backend is an opener (backends.py, named "module:function" so a worker process can import it)
and a fresh place per test. To add one, append a `Backend` to BACKENDS.
"""

from __future__ import annotations

import pkgutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

import pytest

from checkout_mcp.state.base import SharedState

ROOT = Path(__file__).parents[2]


@dataclass(frozen=True)
class Backend:
    opener: str
    """"module:function" taking a place and returning an open SharedState."""
    place: Callable[[Path, pytest.FixtureRequest], str]
    """A fresh place for one test, from its tmp folder (and the fixtures it may ask for)."""


def redis_place(tmp: Path, request: pytest.FixtureRequest) -> str:
    """A namespace of its own on the session's redis-server."""
    return f"{request.getfixturevalue('redis_server').url}#{tmp.name}-{uuid4().hex[:8]}"


BACKENDS = [
    pytest.param(Backend("tests.state.backends:open_sqlite", lambda tmp, _: str(tmp / "state")), id="sqlite"),
    pytest.param(Backend("tests.state.backends:open_redis", redis_place), id="redis"),
]


@dataclass(frozen=True)
class Shared:
    """One fresh shared state: open handles on it here, or run workers (other processes) on it."""

    backend: Backend
    place: str

    def open(self) -> SharedState:
        opener: Callable[[str], SharedState] = pkgutil.resolve_name(self.backend.opener)
        return opener(self.place)

    def worker(self, *command: str) -> list[str]:
        """The command line of a worker process running `command` on this state (see worker.py)."""
        return [sys.executable, "-m", "tests.state.worker", self.backend.opener, self.place, *command]


@pytest.fixture(params=BACKENDS)
def shared(request: pytest.FixtureRequest, tmp_path: Path) -> Shared:
    backend: Backend = request.param
    return Shared(backend, backend.place(tmp_path, request))


@pytest.fixture
def state(shared: Shared) -> Iterator[SharedState]:
    opened = shared.open()
    yield opened
    opened.close()
