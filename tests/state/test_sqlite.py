"""What the SQLite backend adds to the contract: expiry on its clock, bounded purging, its file
format, its folder, and POSIX record locks kept per process however many handles come and go."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import anyio
import pytest

from checkout_mcp.clock import Clock
from checkout_mcp.state.base import StateUnavailable
from checkout_mcp.state.sqlite import PURGE_BATCH, SqliteState, lock_offset

PROBE = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
try:
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, int(sys.argv[2]))
except OSError:
    print("held")
else:
    print("free")
"""


def rows(folder: Path) -> int:
    with sqlite3.connect(folder / "state.sqlite3") as db:
        (count,) = db.execute("SELECT count(*) FROM once").fetchone()
    return int(count)


def test_a_value_expires_on_the_state_s_clock(tmp_path: Path) -> None:
    clock = Clock(frozen=True)
    state = SqliteState(tmp_path, now=clock.timestamp)
    state.put_once("early", "1", ttl_seconds=10)
    state.put_once("late", "2", ttl_seconds=10)
    clock.advance(9.5)
    assert state.take("early") == "1"
    clock.advance(0.5)
    assert state.take("late") is None
    state.close()


def test_expired_values_are_purged_a_bounded_batch_per_put(tmp_path: Path) -> None:
    clock = Clock(frozen=True)
    state = SqliteState(tmp_path, now=clock.timestamp)
    for i in range(PURGE_BATCH * 2 + 50):
        state.put_once(f"old{i}", "x", ttl_seconds=1)
    clock.advance(1)
    state.put_once("new0", "x", ttl_seconds=60)
    assert rows(tmp_path) == PURGE_BATCH + 50 + 1
    state.put_once("new1", "x", ttl_seconds=60)
    state.put_once("new2", "x", ttl_seconds=60)
    assert rows(tmp_path) == 3
    state.close()


def test_a_file_of_another_format_is_refused_untouched(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "state.sqlite3") as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(StateUnavailable, match="format is 99"):
        SqliteState(tmp_path)
    with sqlite3.connect(tmp_path / "state.sqlite3") as db:
        assert db.execute("SELECT name FROM sqlite_master").fetchall() == []
        assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)


def test_a_folder_that_cannot_be_made_is_reported(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file, not a folder")
    with pytest.raises(StateUnavailable, match=r"taken.*cannot be used.*\[state\] dir"):
        SqliteState(tmp_path / "taken" / "state")


def test_a_closed_state_refuses_every_call(tmp_path: Path) -> None:
    state = SqliteState(tmp_path)
    state.close()
    state.close()
    for call in (state.check, lambda: state.take("k"), lambda: state.records("g")):
        with pytest.raises(StateUnavailable, match="closed"):
            call()


@pytest.mark.anyio
async def test_private_states_are_apart(tmp_path: Path) -> None:
    first, second = SqliteState.private(), SqliteState.private()
    first.put_once("k", "v", ttl_seconds=60)
    first.put("g", "a", "1")
    assert (second.take("k"), second.records("g")) == (None, {})
    with anyio.fail_after(30):
        async with first.hold("checkout:1"), second.hold("checkout:1"):
            pass
    first.close()
    second.close()


async def probe(folder: Path, name: str) -> str:
    """Whether another process could take the lock `name` now ("free") or not ("held")."""
    command = [sys.executable, "-c", PROBE, str(folder / "locks"), str(lock_offset(name))]
    return (await anyio.run_process(command)).stdout.decode().strip()


@pytest.mark.anyio
async def test_handles_in_one_process_exclude_each_other(tmp_path: Path) -> None:
    first, second = SqliteState(tmp_path), SqliteState(tmp_path)
    got = anyio.Event()

    async def contend() -> None:
        async with second.hold("checkout:1"):
            got.set()

    with anyio.fail_after(30):
        async with anyio.create_task_group() as tasks, first.hold("checkout:1"):
            tasks.start_soon(contend)
            await anyio.wait_all_tasks_blocked()
            assert not got.is_set()
        assert got.is_set()
    first.close()
    second.close()


@pytest.mark.anyio
async def test_closing_one_handle_keeps_another_s_locks(tmp_path: Path) -> None:
    """POSIX drops all of a process's record locks on a file when any descriptor of it closes."""
    holder = SqliteState(tmp_path)
    async with holder.hold("checkout:1"):
        SqliteState(tmp_path).close()
        assert await probe(tmp_path, "checkout:1") == "held"
    assert await probe(tmp_path, "checkout:1") == "free"
    holder.close()
