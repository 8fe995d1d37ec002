"""A writer killed with SIGKILL: the journal verifies up to the tear and the next writer continues it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from checkout_mcp.clock import Clock
from checkout_mcp.policy.audit import AuditDecision, AuditJournal, Outcome, verify
from checkout_mcp.policy.effects import Effect
from checkout_mcp.state.journal_file import FileJournal

# "loop": killed while appending large records (bounded loop, in case the kill comes late).
# "torn": a record's first bytes reach the file, then the process is killed: a torn write, made certain.
WRITER = """
import sys
from pathlib import Path
from checkout_mcp.clock import Clock
from checkout_mcp.policy.audit import AuditDecision, AuditJournal
from checkout_mcp.policy.effects import Effect
from checkout_mcp.state.journal_file import FileJournal

path, how = Path(sys.argv[1]), sys.argv[2]
journal = AuditJournal(FileJournal(path).open(), Clock(frozen=True))
payload = "x" * 65536
for number in range(400):
    journal.begin(
        tool="update_customer_message",
        effect=Effect.WRITE,
        arguments={"message": payload, "number": number},
        decision=AuditDecision.ALLOWED,
    )
    if number == 5:
        if how == "torn":
            with path.open("ab") as file:
                file.write(b'{"arguments":{"message":"xxxx')
        print("ready", flush=True)
        if how == "torn":
            sys.stdin.read()
"""


@pytest.mark.parametrize("how", ["loop", "torn"])
def test_a_killed_writer_leaves_a_journal_that_verifies_and_continues(tmp_path: Path, how: str) -> None:
    path = tmp_path / "audit.jsonl"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), how],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdin is not None and writer.stdout is not None
    assert writer.stdout.readline() == "ready\n"
    os.kill(writer.pid, signal.SIGKILL)
    assert writer.wait() == -signal.SIGKILL
    writer.stdin.close()
    writer.stdout.close()

    report = verify(FileJournal(path))
    killed = report.chain
    assert killed.ok and killed.records >= 6
    assert report.unfinished == tuple(range(1, killed.records + 1))
    if how == "torn":
        assert (killed.records, killed.torn) == (6, True)

    clock = Clock(frozen=True)
    with AuditJournal(FileJournal(path, clock).open(), clock) as journal:
        record_id = journal.begin(
            tool="create_cart", effect=Effect.WRITE, arguments={"items": []}, decision=AuditDecision.ALLOWED
        )
        journal.complete(record_id, outcome=Outcome.SUCCEEDED)

    continued = verify(FileJournal(path)).chain
    recovery = 1 if killed.torn else 0
    assert continued.ok and not continued.torn
    assert continued.records == killed.records + recovery + 2
    kinds = [
        json.loads(line)["kind"] for line in path.read_text(encoding="utf-8").splitlines()[killed.records :]
    ]
    assert kinds == ["recovered"] * recovery + ["begin", "complete"]
