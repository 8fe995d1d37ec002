"""The file journal: writer processes share one chain, a killed writer's torn line is mended by
another, and open checks only what follows the checkpoint (verify checks everything)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from checkout_mcp.cli import main
from checkout_mcp.clock import Clock
from checkout_mcp.state.chain import JournalCorrupt, VerifyReport, scan, seal
from checkout_mcp.state.journal_file import FileJournal

# A writer process: opens the journal, says "open", appends `count` notes once told to go, then
# closes ("close"), waits to be killed ("hang"), or, told again, leaves what a writer killed inside
# an append leaves: the lock held and part of its line written ("tear").
WRITER = """
import fcntl, os, sys
from pathlib import Path
from checkout_mcp.state.chain import seal
from checkout_mcp.state.journal_file import FileJournal

path, name, count, every, end = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
journal = FileJournal(path, checkpoint_every=int(every)).open()
print("open", flush=True)
sys.stdin.readline()
for number in range(count):
    journal.append(lambda seq, prev: seal({"writer": name, "number": number, "text": "original"}, seq, prev))
if end == "close":
    journal.close()
    sys.exit(0)
print("appended", flush=True)
if end == "tear":
    sys.stdin.readline()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.write(fd, b'{"number":3,"text":"orig')
    print("torn", flush=True)
sys.stdin.read()
"""
FRAGMENT_BYTES = len(b'{"number":3,"text":"orig')


class Writer:
    """One writer process on the journal at `path`."""

    def __init__(self, path: Path, name: str, count: int, *, every: int = 256, end: str = "close") -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), name, str(count), str(every), end],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.expect("open")

    def expect(self, word: str) -> None:
        assert self.process.stdout is not None
        assert self.process.stdout.readline() == f"{word}\n"

    def tell(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("go\n")
        self.process.stdin.flush()

    def finish(self) -> int:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()
        code = self.process.wait()
        self.process.stdout.close()
        return code

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        assert self.finish() == -signal.SIGKILL


def records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def verified(path: Path) -> tuple[VerifyReport, list[dict[str, Any]]]:
    """The whole chain's check (what `audit verify` does) and the records it passed."""
    seen: list[dict[str, Any]] = []
    return scan(FileJournal(path).lines(), see=seen.append).report, seen


def note(journal: FileJournal, number: int, padding: int = 0) -> Mapping[str, Any]:
    body = {"number": number, "text": "original", "padding": "x" * padding}
    return journal.append(lambda seq, prev: seal(body, seq, prev))


def tamper(path: Path, line: int) -> None:
    """Edit record `line` in place, keeping every byte offset (so a checkpoint still lines up)."""
    content = path.read_bytes()
    start = sum(len(raw) for raw in content.splitlines(keepends=True)[: line - 1])
    at = content.index(b'"original"', start)
    with path.open("r+b") as file:
        file.seek(at)
        file.write(b'"tampered"')


def checkpoint(journal: FileJournal) -> dict[str, Any]:
    """The checkpoint's line, `<offset> <seq> <hash> <digest>`, read."""
    offset, seq, head, digest = journal.checkpoint_path.read_text(encoding="ascii").split()
    return {"offset": int(offset), "seq": int(seq), "hash": head, "digest": digest}


def checkpoint_line(saved: dict[str, Any]) -> bytes:
    return f"{saved['offset']} {saved['seq']} {saved['hash']} {saved['digest']}\n".encode()


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "audit.jsonl"


def test_writer_processes_append_to_one_chain_at_once(path: Path) -> None:
    count, names = 120, ["a", "b", "c", "d"]
    writers = [Writer(path, name, count, every=7) for name in names]
    for writer in writers:  # all open before any appends, so their appends overlap
        writer.tell()
    assert [writer.finish() for writer in writers] == [0] * len(names)

    report, seen = verified(path)
    assert (report.ok, report.torn, report.records) == (True, False, count * len(names))
    numbers: dict[str, list[int]] = {}
    for record in seen:
        numbers.setdefault(record["writer"], []).append(record["number"])
    assert numbers == {name: list(range(count)) for name in names}, "every writer's records, in its order"

    journal = FileJournal(path)
    saved = checkpoint(journal)
    assert (saved["offset"], saved["seq"], saved["hash"]) == (
        path.stat().st_size,
        report.records,
        report.head,
    )
    assert note(journal.open(), 0)["seq"] == report.records + 1
    journal.close()


def test_a_writer_killed_mid_append_is_mended_by_another_that_carries_on(path: Path) -> None:
    clock = Clock(frozen=True)
    dying = Writer(path, "dying", 3, end="tear")
    dying.tell()
    dying.expect("appended")
    carrying_on = FileJournal(path, clock).open()  # has seen the three records, not what follows
    dying.tell()
    dying.expect("torn")

    appended: list[Mapping[str, Any]] = []
    waiting = threading.Thread(target=lambda: appended.append(note(carrying_on, 9)))
    waiting.start()  # it waits for the lock the dying writer holds
    dying.kill()
    waiting.join()
    carrying_on.close()

    report, seen = verified(path)
    assert (report.ok, report.torn, report.records) == (True, False, 5)
    recovered = seen[3]
    assert (recovered["kind"], recovered["torn_bytes"]) == ("recovered", FRAGMENT_BYTES)
    assert recovered["time"] == clock.now().isoformat() and recovered["prev"] == seen[2]["hash"]
    assert seen[4] == appended[0] and seen[4]["number"] == 9


@pytest.mark.parametrize("padding", [0, 70_000], ids=["short lines", "long lines"])
def test_open_checks_only_what_follows_the_checkpoint_and_verify_checks_everything(
    path: Path, capsys: pytest.CaptureFixture[str], padding: int
) -> None:
    journal = FileJournal(path, checkpoint_every=4).open()
    for number in range(6):
        note(journal, number, padding)
    assert checkpoint(journal)["seq"] == 4, "saved every 4 records"
    journal.close()
    assert checkpoint(journal)["seq"] == 6, "and on close"

    tamper(path, 2)
    FileJournal(path).open().close()  # open does not read the history before the checkpoint
    assert main(["audit", "verify", "--journal", str(path)]) == 1
    assert "BROKEN at line 2: its hash does not match its content" in capsys.readouterr().out


def test_a_record_after_the_checkpoint_is_checked_at_open(path: Path) -> None:
    writer = Writer(path, "crashing", 6, every=4, end="hang")
    writer.tell()
    writer.expect("appended")
    writer.kill()  # never closed: its last checkpoint is at record 4
    assert checkpoint(FileJournal(path))["seq"] == 4

    tamper(path, 5)
    before = path.read_bytes()
    with pytest.raises(JournalCorrupt, match="line 5: its hash does not match"):
        FileJournal(path).open()
    assert path.read_bytes() == before


def stale_checkpoints(good: dict[str, Any], size: int) -> Iterator[tuple[str, bytes | None]]:
    yield "missing", None
    yield "unreadable", b"12 ab\n"
    yield "another hash", checkpoint_line({**good, "hash": "f" * 64})
    yield "another seq", checkpoint_line({**good, "seq": good["seq"] + 1})
    yield "inside a line", checkpoint_line({**good, "offset": good["offset"] - 5})
    yield "past the end", checkpoint_line({**good, "offset": size + 100})


def put(file: Path, content: bytes | None) -> None:
    if content is None:
        file.unlink(missing_ok=True)
    else:
        file.write_bytes(content)


def test_a_missing_or_stale_checkpoint_falls_back_to_the_full_scan(path: Path) -> None:
    journal = FileJournal(path).open()
    for number in range(6):
        note(journal, number)
    journal.close()
    good, intact = checkpoint(journal), path.read_bytes()

    for why, stale in stale_checkpoints(good, len(intact)):
        put(journal.checkpoint_path, stale)
        FileJournal(path).open().close()
        assert checkpoint(journal) == good, f"{why}: the full scan saves a good checkpoint"

        tamper(path, 2)
        put(journal.checkpoint_path, stale)
        with pytest.raises(JournalCorrupt, match="line 2"):
            FileJournal(path).open()
        path.write_bytes(intact)


def test_a_writer_refuses_records_that_others_broke_since_it_last_looked(path: Path) -> None:
    first, second = FileJournal(path).open(), FileJournal(path).open()
    note(first, 0)
    note(second, 1)
    note(second, 2)
    tamper(path, 3)
    before = path.read_bytes()
    with pytest.raises(JournalCorrupt, match="line 3"):
        note(first, 3)
    path.write_bytes(before[: len(before) // 2])
    with pytest.raises(JournalCorrupt, match="shorter than the"):
        note(second, 3)
    first.close()
    second.close()


def test_a_sealed_record_must_be_the_next_link(path: Path) -> None:
    journal = FileJournal(path).open()
    with pytest.raises(ValueError, match="not the next link"):
        journal.append(lambda seq, prev: seal({"number": 0}, seq + 1, prev))
    note(journal, 0)
    journal.close()
    with pytest.raises(ValueError, match="not open"):
        note(journal, 1)
    assert verified(path)[0].records == 1
