"""Shared test setup: anyio runs every async test on asyncio; no test touches the real state directory."""

from collections.abc import Iterator

import pytest

from tests.redis_server import RedisServer, running_redis


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def private_state_home(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The user's state directory (platformdirs, XDG on Linux) is a fresh folder for each test, and
    subprocesses inherit it; `[state] dir` from the outer environment is ignored."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("xdg-state")))
    monkeypatch.delenv("CHECKOUT_MCP_STATE__DIR", raising=False)
    monkeypatch.delenv("CHECKOUT_MCP_STATE__REDIS_URL", raising=False)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One real redis-server for the tests that leave it running; each test uses its own namespace."""
    with running_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server
