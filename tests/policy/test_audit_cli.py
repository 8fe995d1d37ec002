"""`checkout-mcp audit verify` and `audit tail`: exit codes and readable output."""

from __future__ import annotations

from pathlib import Path

import pytest

from checkout_mcp.clock import Clock
from checkout_mcp.policy.audit import AuditDecision, AuditJournal, Outcome
from checkout_mcp.policy.audit_cli import EXIT_BROKEN, EXIT_OK, EXIT_UNREADABLE, tail_command, verify_command
from checkout_mcp.policy.effects import Effect
from checkout_mcp.state.journal_file import FileJournal


@pytest.fixture
def journal_path(tmp_path: Path) -> Path:
    path = tmp_path / "audit.jsonl"
    clock = Clock(frozen=True)
    with AuditJournal(FileJournal(path, clock).open(), clock) as journal:
        for code in ("SAVE10", "SAVE20"):
            record_id = journal.begin(
                tool="remove_coupon",
                effect=Effect.DESTRUCTIVE,
                arguments={"code": code},
                decision=AuditDecision.CONFIRMED_BY_HUMAN,
            )
            journal.complete(record_id, outcome=Outcome.SUCCEEDED, upstream_status=200)
    return path


def test_verify_reports_an_intact_chain(journal_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert verify_command(FileJournal(journal_path), str(journal_path)) == EXIT_OK
    out = capsys.readouterr().out
    assert "OK: 4 records, chain intact" in out and "Head hash:" in out


def test_verify_reports_a_torn_tail_without_failing(
    journal_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    journal_path.write_bytes(journal_path.read_bytes() + b'{"kind":"beg')
    assert verify_command(FileJournal(journal_path), str(journal_path)) == EXIT_OK
    out = capsys.readouterr().out
    assert "OK: 4 records" in out and "Torn tail: the last 12 bytes" in out


def test_verify_reports_where_the_chain_breaks(
    journal_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = journal_path.read_text(encoding="utf-8")
    journal_path.write_text(text.replace("SAVE20", "SAVE99"), encoding="utf-8")
    assert verify_command(FileJournal(journal_path), str(journal_path)) == EXIT_BROKEN
    out = capsys.readouterr().out
    assert "BROKEN at line 3" in out and "The 2 records before it verify" in out


def test_a_missing_journal_is_unreadable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "none.jsonl"
    assert verify_command(FileJournal(missing), str(missing)) == EXIT_UNREADABLE
    assert tail_command(FileJournal(missing), str(missing), 5) == EXIT_UNREADABLE
    assert "Cannot read audit journal" in capsys.readouterr().err


def test_tail_prints_the_last_records(journal_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert tail_command(FileJournal(journal_path), str(journal_path), 2) == EXIT_OK
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2
    assert out[0].startswith("#3 ") and "remove_coupon (destructive) confirmed_by_human" in out[0]
    assert "SAVE20" in out[0]
    assert out[1].startswith("#4 ") and "complete #3 succeeded status=200" in out[1]
