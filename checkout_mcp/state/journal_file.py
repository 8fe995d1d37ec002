"""The audit journal in one file, shared by any number of writer processes on one machine.

The file holds the chain's lines (state/chain.py). Each append holds an exclusive flock for just
that append, and under it:
1. catches up: checks the lines other writers appended since this handle last looked, one at a
   time against the chain (constant work per new record, none for the history before them);
2. cuts off a torn last line and appends a `recovered` record in its place (while the lock is held
   no live writer is mid-write, so a torn line's writer was killed; whoever finds it mends it);
3. writes the sealed record as one line with one write(), fsyncs, and lets go.
A broken chain (a record edited, removed or inserted) raises `JournalCorrupt`: nothing is appended.

Opening costs the same at any size. A sidecar file, `<journal>.checkpoint`, holds the offset, seq
and hash of a checked record and a digest of those with the record's line (one line: `<offset>
<seq> <hash> <digest>`); it is replaced atomically every `checkpoint_every` records and on close.
Open confirms that the line ends at that offset, unchanged, then catches up from it. With no
checkpoint, or one the file does not match, open checks the whole file. So open catches tampering
after the checkpoint, not before it: `checkout-mcp audit verify` checks every record.

Threads may share a handle (a lock serialises them); appends block for an fsync.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from checkout_mcp.clock import Clock
from checkout_mcp.state.chain import START, JournalCorrupt, Link, encode, line_problem, recovery, scan
from checkout_mcp.state.chain import seal as seal_body
from checkout_mcp.state.durable import atomic_write, fsync_directory

CHECKPOINT_EVERY = 256
_FIRST_STEP_BACK = 1024  # most records' lines are shorter
_CHECKPOINT_BYTES = 256

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Checkpoint:
    """Where a checked chain ended: the offset after its last line, the chain's end there, and a
    digest of both with that line (so a checkpoint the file no longer matches is noticed)."""

    offset: int
    end: Link
    digest: str

    @classmethod
    def at(cls, offset: int, end: Link, line: bytes) -> _Checkpoint:
        digest = hashlib.sha256(f"{offset} {end.seq} {end.head}\n".encode() + line).hexdigest()
        return cls(offset, end, digest)

    def text(self) -> str:
        return f"{self.offset} {self.end.seq} {self.end.head} {self.digest}\n"


@contextmanager
def _flocked(fd: int, operation: int = fcntl.LOCK_EX) -> Iterator[None]:
    fcntl.flock(fd, operation)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _lines(file: BinaryIO, stop: int) -> Iterator[bytes]:
    """The lines of `file` from where it stands up to byte `stop`, each with its newline unless torn."""
    remaining = stop - file.tell()
    while remaining > 0 and (raw := file.readline(remaining)):
        remaining -= len(raw)
        yield raw


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class FileJournal:
    """One journal file. `open()` it to append; `lines()` reads it without opening.

    `clock` stamps the `recovered` records this handle writes (real time unless given).
    """

    def __init__(
        self, path: Path, clock: Clock | None = None, *, checkpoint_every: int = CHECKPOINT_EVERY
    ) -> None:
        self.path = path
        self.checkpoint_path = path.with_name(f"{path.name}.checkpoint")
        self._clock = clock or Clock(datetime.now(UTC))
        self._checkpoint_every = checkpoint_every
        self._lock = threading.Lock()
        self._fd = -1
        self._offset = 0  # where the checked chain ends in the file
        self._end = START
        self._saved = 0  # the seq of the last checkpoint this handle read or wrote

    def open(self) -> FileJournal:
        """Create the file if needed and check it from its checkpoint (or whole); raise
        `JournalCorrupt` if the chain is broken there."""
        with self._lock:
            if self._fd >= 0:
                raise ValueError(f"The audit journal {self.path} is already open")
            self.path.parent.mkdir(parents=True, exist_ok=True)
            created = not self.path.exists()
            self._fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                if created:
                    fsync_directory(self.path.parent)
                with _flocked(self._fd):
                    self._offset, self._end = self._checkpointed()
                    self._saved = self._end.seq
                    self._catch_up()
                    if self._end.seq > self._saved:
                        self._save_checkpoint()
            except BaseException:
                os.close(self._fd)
                self._fd = -1
                raise
        return self

    def append(self, seal: Callable[[int, str], Mapping[str, Any]]) -> Mapping[str, Any]:
        """Catch up, mend a torn tail, write and fsync the sealed record: all under the flock."""
        with self._lock:
            if self._fd < 0:
                raise ValueError(f"The audit journal {self.path} is not open for appending")
            with _flocked(self._fd):
                self._catch_up()
                record = self._write(seal(self._end.seq + 1, self._end.head))
                if self._end.seq - self._saved >= self._checkpoint_every:
                    self._save_checkpoint()
            return record

    def lines(self) -> Iterator[bytes]:
        """Every line, up to the end of the append that was last to finish when reading began."""
        with self.path.open("rb") as file:
            with _flocked(file.fileno(), fcntl.LOCK_SH):
                size = os.fstat(file.fileno()).st_size
            yield from _lines(file, size)

    def close(self) -> None:
        """Save a checkpoint at the end this handle has checked, unless a later one is saved."""
        with self._lock:
            if self._fd < 0:
                return
            try:
                with _flocked(self._fd):
                    stored = self._stored_checkpoint()
                    if self._end.seq > max(self._saved, stored.end.seq if stored else 0):
                        self._save_checkpoint()
            finally:
                os.close(self._fd)
                self._fd = -1

    def _catch_up(self) -> None:
        """Check the lines appended since this handle last looked, and mend a torn last line."""
        size = os.fstat(self._fd).st_size
        if size == self._offset:
            return
        if size < self._offset:
            raise JournalCorrupt(
                str(self.path), None, f"it is shorter than the {self._offset} bytes checked before"
            )
        with os.fdopen(os.dup(self._fd), "rb") as file:
            file.seek(self._offset)
            found = scan(_lines(file, size), self._end)
        if not found.report.ok:
            raise JournalCorrupt(str(self.path), found.report.first_bad_line, found.report.problem or "")
        self._offset, self._end = self._offset + found.valid_bytes, found.end
        if found.torn:
            os.ftruncate(self._fd, self._offset)
            os.fsync(self._fd)
            body = recovery(found.torn, self._clock.now().isoformat())
            self._write(seal_body(body, self._end.seq + 1, self._end.head))

    def _write(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Write `record` as the chain's next line and fsync it; the caller holds both locks."""
        line = encode(record)
        checked, problem = line_problem(line[:-1], self._end)
        if checked is None:
            raise ValueError(f"The sealed record is not the next link of the chain: {problem}")
        try:
            _write_all(self._fd, line)
            os.fsync(self._fd)
        except OSError:
            os.ftruncate(self._fd, self._offset)  # never leave half a record for the next writer
            raise
        self._offset, self._end = self._offset + len(line), Link(checked["seq"], checked["hash"])
        return checked

    def _stored_checkpoint(self) -> _Checkpoint | None:
        """What the checkpoint file holds, not yet compared with the journal."""
        try:
            fd = os.open(self.checkpoint_path, os.O_RDONLY)
        except OSError:
            return None
        try:
            offset, seq, head, digest = os.read(fd, _CHECKPOINT_BYTES).decode("ascii").split()
            return _Checkpoint(int(offset), Link(int(seq), head), digest)
        except (OSError, ValueError):  # also UnicodeDecodeError
            return None
        finally:
            os.close(fd)

    def _checkpointed(self) -> tuple[int, Link]:
        """Where the checkpoint says the checked chain ends, if the journal agrees; else its start."""
        stored = self._stored_checkpoint()
        if stored is not None:
            line = self._line_ending_at(stored.offset)
            if line is not None and _Checkpoint.at(stored.offset, stored.end, line) == stored:
                return stored.offset, stored.end
        return 0, START

    def _line_ending_at(self, offset: int) -> bytes | None:
        """The line whose newline is the byte just before `offset` (without the newline), if any."""
        if not 0 < offset <= os.fstat(self._fd).st_size:
            return None
        before, begin, step = b"", offset, _FIRST_STEP_BACK
        while begin > 0 and before.rfind(b"\n", 0, len(before) - 1) < 0:  # back to the line's start
            step = min(step, begin)
            begin -= step
            before = os.pread(self._fd, step, begin) + before
            step *= 2
        if not before.endswith(b"\n"):
            return None
        return before[before.rfind(b"\n", 0, len(before) - 1) + 1 : -1]

    def _save_checkpoint(self) -> None:
        """Replace the checkpoint with the end checked now; if that fails, the next open reads more."""
        saved = _Checkpoint.at(self._offset, self._end, self._line_ending_at(self._offset) or b"")
        try:
            atomic_write(self.checkpoint_path, saved.text())
        except OSError as error:
            logger.warning(
                "Cannot save the audit journal's checkpoint %s (%s); the next open checks from an "
                "earlier one.",
                self.checkpoint_path,
                error.strerror or error,
            )
            return
        self._saved = self._end.seq
