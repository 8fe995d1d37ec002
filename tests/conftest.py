"""Shared test setup: anyio runs every async test on asyncio; no test touches the real state directory."""

import pytest


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
