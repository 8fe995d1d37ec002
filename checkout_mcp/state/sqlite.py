"""Shared state in one SQLite file: every server process on this machine serving the store shares it.

    state = SqliteState(folder)           # <folder>/state.sqlite3 and <folder>/locks
    state.put_once("k", "v", ttl_seconds=300); state.take("k")   # "v", then None
    SqliteState.private()                 # the same, in memory, for a store private to its process

Storage: WAL (readers never wait for the writer), `synchronous = FULL` (a committed call survives
a crash), a busy timeout (a writer waits its turn instead of failing). Every call is one short
transaction; the writing ones take the write lock up front (`BEGIN IMMEDIATE`), so a read-then-write
such as `insert` cannot interleave with another process's. Both tables are keyed (WITHOUT ROWID
primary keys), so a call costs O(log n) in the size of the history. Expired single-use values are
removed by `put_once`, at most `PURGE_BATCH` of them per call through the index on their expiry,
so they never pile up and no call does unbounded work. One connection per instance, used under a
thread lock: async handlers and worker threads may share an instance.

Locks: `hold(name)` queues behind this event loop's other holders of `name` (an anyio lock), then
takes a POSIX record lock (`fcntl.lockf`) on one byte of the lock file, at an offset derived from
the name's hash, polling without blocking the event loop. The kernel frees a process's record locks
when it dies, however it dies, so a dead holder frees its lock at once. Record locks belong to the
process, not to a descriptor: the same process locking a byte twice succeeds, and closing any
descriptor of the file drops them all. So each process keeps one descriptor per lock file, shared
by all its instances and open while any of them is, and tracks which bytes it holds. Two names
whose hashes meet (one in 2**62) share a lock, which only makes one wait for the other.

Fencing: a holder loses its lock only by dying, and a dead process writes nothing, so a write made
while holding a lock always lands under it. `LeaseLost` never arises here (leases are Redis's).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import sqlite3
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import anyio

from checkout_mcp.state.base import StateUnavailable

FORMAT = 1
"""The schema's version (SQLite's user_version); a file of another version is refused, not altered."""
PURGE_BATCH = 100
BUSY_TIMEOUT_SECONDS = 10.0
POLL_FIRST_SECONDS = 0.001
POLL_MAX_SECONDS = 0.05
_SLOTS = 1 << 62

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS once "
    "(key TEXT PRIMARY KEY, value TEXT NOT NULL, expires REAL NOT NULL) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS once_by_expiry ON once (expires)",
    "CREATE TABLE IF NOT EXISTS records "
    "(grp TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (grp, key)) WITHOUT ROWID",
)

T = TypeVar("T")


class SqliteState:
    """The `SharedState` of one store in `folder`; thread-safe, shareable by processes on this machine."""

    def __init__(self, folder: Path | None, *, now: Callable[[], float] = time.time) -> None:
        """Open (creating if needed) the state in `folder`; None: state private to this instance, in
        memory, that leaves nothing behind however the process ends. `now` is the wall clock that
        expires values."""
        self.folder = folder
        self._place = f"in {folder}" if folder is not None else "of this process"
        self._now = now
        self._lock = threading.Lock()
        self._turns = _Turns()
        try:
            if folder is not None:
                folder.mkdir(parents=True, exist_ok=True)
            self._locks = _LockFile.acquire(folder / "locks" if folder is not None else None)
        except OSError as error:
            raise StateUnavailable(self._unusable(error)) from error
        try:
            self._db: sqlite3.Connection | None = _connect(
                folder / "state.sqlite3" if folder is not None else ":memory:"
            )
        except sqlite3.Error as error:
            self._locks.release()
            raise StateUnavailable(self._unusable(error)) from error

    @classmethod
    def private(cls) -> SqliteState:
        """State private to this process: in memory, gone when closed."""
        return cls(None)

    # Single-use values.
    def put_once(self, key: str, value: str, ttl_seconds: float) -> None:
        now = self._now()

        def write(db: sqlite3.Connection) -> None:
            db.execute(
                "DELETE FROM once WHERE key IN "
                "(SELECT key FROM once WHERE expires <= ? ORDER BY expires LIMIT ?)",
                (now, PURGE_BATCH),
            )
            db.execute("INSERT OR REPLACE INTO once VALUES (?, ?, ?)", (key, value, now + ttl_seconds))

        self._run(write, write=True)

    def take(self, key: str) -> str | None:
        rows = self._execute("DELETE FROM once WHERE key = ? RETURNING value, expires", key, write=True)
        return str(rows[0][0]) if rows and rows[0][1] > self._now() else None

    # Grouped records.
    def records(self, group: str) -> dict[str, str]:
        return dict(self._execute("SELECT key, value FROM records WHERE grp = ? ORDER BY key", group))

    def insert(self, group: str, key: str, value: str) -> str | None:
        def write(db: sqlite3.Connection) -> str | None:
            row = db.execute("SELECT value FROM records WHERE grp = ? AND key = ?", (group, key)).fetchone()
            if row is not None:
                return str(row[0])
            db.execute("INSERT INTO records VALUES (?, ?, ?)", (group, key, value))
            return None

        return self._run(write, write=True)

    def put(self, group: str, key: str, value: str) -> None:
        self._execute("INSERT OR REPLACE INTO records VALUES (?, ?, ?)", group, key, value, write=True)

    def delete(self, group: str, key: str) -> None:
        self._execute("DELETE FROM records WHERE grp = ? AND key = ?", group, key, write=True)

    # Locks.
    @asynccontextmanager
    async def hold(self, name: str) -> AsyncIterator[None]:
        slot = lock_offset(name)
        async with self._turns.hold(slot):
            delay = POLL_FIRST_SECONDS
            while not self._locks.try_lock(slot):
                await anyio.sleep(delay)
                delay = min(delay * 2, POLL_MAX_SECONDS)
            try:
                yield
            finally:
                self._locks.unlock(slot)

    def check(self) -> None:
        self._execute("SELECT 1 FROM records LIMIT 1")

    def close(self) -> None:
        """Close the connection; later calls are refused."""
        with self._lock:
            if self._db is None:
                return
            self._db.close()
            self._db = None
        self._locks.release()

    def _execute(self, sql: str, *parameters: object, write: bool = False) -> list[tuple[Any, ...]]:
        return self._run(lambda db: db.execute(sql, parameters).fetchall(), write=write)

    def _run(self, work: Callable[[sqlite3.Connection], T], *, write: bool = False) -> T:
        """`work` in one transaction (the write lock taken first if it writes); errors: StateUnavailable."""
        with self._lock:
            if self._db is None:
                raise StateUnavailable(f"The shared state {self._place} is closed.")
            db = self._db
            try:
                if not write:
                    return work(db)
                db.execute("BEGIN IMMEDIATE")
                try:
                    result = work(db)
                    db.execute("COMMIT")
                finally:
                    if db.in_transaction:
                        db.execute("ROLLBACK")
                return result
            except sqlite3.Error as error:
                raise StateUnavailable(self._unusable(error)) from error

    def _unusable(self, error: Exception) -> str:
        return (
            f"The shared state {self._place} cannot be used ({error}); nothing was changed. Check that "
            "its folder is writable and its disk not full, or set [state] dir to another folder."
        )


def lock_offset(name: str) -> int:
    """The byte of the lock file that stands for the lock `name`."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big") % _SLOTS


def _connect(path: Path | str) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), on the current schema."""
    db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False)
    try:
        (version,) = db.execute("PRAGMA user_version").fetchone()
        if version not in (0, FORMAT):
            raise sqlite3.DatabaseError(
                f"its format is {version}, this version of checkout-mcp reads format {FORMAT}"
            )
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        db.execute("BEGIN IMMEDIATE")
        for statement in _SCHEMA:
            db.execute(statement)
        db.execute(f"PRAGMA user_version = {FORMAT}")
        db.execute("COMMIT")
    except BaseException:
        db.close()
        raise
    return db


def _open_lock_file(path: Path | None) -> int:
    if path is not None:
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    fd, name = tempfile.mkstemp(prefix="checkout-mcp-locks-")
    os.unlink(name)
    return fd


class _Turns:
    """One anyio lock per (thread, slot): an event loop's holders of a lock take turns in order."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[tuple[int, int], tuple[anyio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, slot: int) -> AsyncIterator[None]:
        key = (threading.get_ident(), slot)
        with self._guard:
            lock, users = self._locks.get(key, (anyio.Lock(), 0))
            self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            with self._guard:
                lock, users = self._locks[key]
                if users == 1:
                    del self._locks[key]
                else:
                    self._locks[key] = (lock, users - 1)


class _LockFile:
    """This process's one descriptor of a lock file and the bytes it holds there, shared by its instances."""

    _guard: ClassVar[threading.Lock] = threading.Lock()
    _open: ClassVar[dict[tuple[int, int], _LockFile]] = {}

    def __init__(self, identity: tuple[int, int], fd: int) -> None:
        self._identity = identity
        self._fd = fd
        self._users = 0
        self._held: set[int] = set()

    @classmethod
    def acquire(cls, path: Path | None) -> _LockFile:
        """The process's descriptor of the file at `path` (by device and inode), opened if none is;
        None: a new file that no other process can open (it has no name)."""
        with cls._guard:
            try:
                stat = path.stat() if path is not None else None
                shared = cls._open.get((stat.st_dev, stat.st_ino)) if stat is not None else None
            except FileNotFoundError:
                shared = None
            if shared is None:
                fd = _open_lock_file(path)
                stat = os.fstat(fd)
                shared = cls._open[(stat.st_dev, stat.st_ino)] = cls((stat.st_dev, stat.st_ino), fd)
            shared._users += 1
            return shared

    def release(self) -> None:
        """One instance is done with the file; the last one closes it (freeing any byte still held)."""
        with self._guard:
            self._users -= 1
            if self._users == 0:
                del self._open[self._identity]
                os.close(self._fd)

    def try_lock(self, slot: int) -> bool:
        """Take byte `slot` unless this process or another holds it."""
        with self._guard:
            if self._users == 0:
                raise StateUnavailable("The shared state was closed while a lock on it was awaited.")
            if slot in self._held:
                return False
            try:
                fcntl.lockf(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, slot, os.SEEK_SET)
            except (BlockingIOError, PermissionError):
                return False
            self._held.add(slot)
            return True

    def unlock(self, slot: int) -> None:
        with self._guard:
            if slot in self._held:
                self._held.discard(slot)
                if self._users > 0:
                    fcntl.lockf(self._fd, fcntl.LOCK_UN, 1, slot, os.SEEK_SET)
