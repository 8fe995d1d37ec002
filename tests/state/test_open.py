"""Where state lives: one folder per store under `[state] dir` or the user's state directory, and
private state for the embedded sandbox."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from mcp.client.client import Client

from checkout_mcp.cli import main
from checkout_mcp.config import load_config
from checkout_mcp.server.build import build_server, create_runtime, store_identity
from checkout_mcp.state.journal_file import FileJournal
from checkout_mcp.state.open import (
    JOURNAL_FILE,
    journal_for,
    namespace_slug,
    open_private_state,
    open_state,
    state_folder,
)
from checkout_mcp.state.redis import RedisJournal
from checkout_mcp.state.settings import StateSettings
from checkout_mcp.state.sqlite import SqliteState
from tests.common import ready
from tests.redis_server import RedisServer


def test_a_slug_is_safe_readable_and_tells_namespaces_apart() -> None:
    namespaces = [
        "live:abc123",
        "live:ABC123",
        "live:https://shop.example/a b",
        "live:https://shop.example/a:b",
    ]
    slugs = [namespace_slug(n) for n in namespaces]
    assert all(re.fullmatch(r"[a-z0-9-]{1,60}", slug) for slug in slugs)
    assert slugs[0].startswith("live-abc123-")
    assert len(set(slugs)) == len(slugs)
    assert namespace_slug("live:abc123") == slugs[0]
    assert len(namespace_slug("live:" + "x" * 500)) <= 60
    assert namespace_slug("::") != namespace_slug("//")


def test_by_default_state_lives_in_the_user_s_state_directory() -> None:
    state = open_state(StateSettings(), "live:abc123")
    assert isinstance(state, SqliteState)
    expected = Path(os.environ["XDG_STATE_HOME"]) / "checkout-mcp" / namespace_slug("live:abc123")
    assert state.folder == expected and (expected / "state.sqlite3").is_file()
    state.close()


def test_the_directory_can_be_set_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CHECKOUT_MCP_STATE__DIR", str(tmp_path / "shared"))
    settings = load_config(None).state
    assert settings.dir == tmp_path / "shared"
    state = open_state(settings, "live:abc123")
    assert isinstance(state, SqliteState) and state.folder.parent == tmp_path / "shared"
    state.close()


def test_a_process_private_store_gets_private_state_unless_a_place_is_named(tmp_path: Path) -> None:
    private = open_private_state(StateSettings(), "sandbox:abc123")
    named = open_private_state(StateSettings(dir=tmp_path), "sandbox:abc123")
    assert isinstance(private, SqliteState) and isinstance(named, SqliteState)
    assert private.folder is None
    assert named.folder == tmp_path / namespace_slug("sandbox:abc123")
    private.close()
    named.close()
    assert list(Path(os.environ["XDG_STATE_HOME"]).iterdir()) == []


def test_the_journal_is_the_store_s_own_file_unless_one_is_configured(tmp_path: Path) -> None:
    settings = StateSettings(dir=tmp_path)
    journal, where = journal_for(settings, "live:abc123", None)
    assert isinstance(journal, FileJournal)
    assert journal.path == state_folder(settings, "live:abc123") / JOURNAL_FILE and where == str(journal.path)
    other, _ = journal_for(settings, "live:other", None)
    assert isinstance(other, FileJournal) and other.path != journal.path
    chosen, where = journal_for(settings, "live:abc123", tmp_path / "mine.jsonl")
    assert isinstance(chosen, FileJournal) and where == str(tmp_path / "mine.jsonl")


def test_with_redis_the_journal_is_the_chain_in_redis(redis_server: RedisServer) -> None:
    settings = StateSettings(redis_url=redis_server.url)
    state = open_state(settings, "live:abc123")
    journal, where = journal_for(settings, "live:abc123", None, state)
    assert isinstance(journal, RedisJournal) and journal is state.journal  # type: ignore[attr-defined]
    assert where.startswith("redis://127.0.0.1:") and "live:abc123" in where
    state.close()


@pytest.mark.anyio
async def test_audit_reads_the_journal_a_server_wrote_where_it_keeps_it_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CHECKOUT_MCP_STATE__DIR", str(tmp_path))
    runtime = create_runtime(load_config(None, policy={"mode": "auto"}, sandbox={"frozen_clock": True}))
    async with Client(build_server(runtime)) as client:
        checkout_id = ready(runtime)
        result = await client.call_tool(
            "update_customer_message", {"checkout_id": checkout_id, "message": "Hi"}
        )
        assert not result.is_error
    await runtime.aclose()
    assert runtime.journal_at == str(
        state_folder(StateSettings(dir=tmp_path), store_identity(runtime.config)) / JOURNAL_FILE
    )
    assert main(["audit", "verify"]) == 0
    assert f"Audit journal {runtime.journal_at}" in capsys.readouterr().out
    assert main(["audit", "tail"]) == 0
    assert "update_customer_message" in capsys.readouterr().out
