"""Where state lives: one folder per store under `[state] dir` or the user's state directory, and
private state for the embedded sandbox."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from checkout_mcp.config import load_config
from checkout_mcp.state.open import namespace_slug, open_private_state, open_state
from checkout_mcp.state.settings import StateSettings
from checkout_mcp.state.sqlite import SqliteState


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
