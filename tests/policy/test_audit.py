"""The audit journal: a hash chain that verifies, shows tampering, survives a torn write, leaks no secret,
and is shared by several writers."""

from __future__ import annotations

import itertools
import json
from decimal import Decimal
from pathlib import Path

import anyio
import anyio.to_thread
import pytest

from checkout_mcp.canonical import canonical_json, sha256_hex
from checkout_mcp.clock import Clock
from checkout_mcp.policy.audit import AuditDecision, AuditJournal, AuditReport, Outcome, tail, verify
from checkout_mcp.policy.effects import Effect
from checkout_mcp.policy.redact import Redactor
from checkout_mcp.state.chain import GENESIS, JournalCorrupt
from checkout_mcp.state.journal_file import FileJournal

ACCESS_TOKEN = "mgmt_access_tok_5d9a1c77e2"
CHECKOUT_TOKEN = "chk_tok_0b7e44f1aa90c3"


@pytest.fixture
def clock() -> Clock:
    return Clock(frozen=True)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "audit.jsonl"


def opened(path: Path, clock: Clock, redactor: Redactor | None = None) -> AuditJournal:
    """An audit writer on the journal file at `path`."""
    return AuditJournal(FileJournal(path, clock).open(), clock, redactor)


def verified(path: Path) -> AuditReport:
    """`checkout-mcp audit verify`'s report on the journal file at `path`."""
    return verify(FileJournal(path))


def write_calls(journal: AuditJournal, count: int) -> None:
    """`count` calls that ran (begin + complete) and one that was blocked."""
    for number in range(count):
        record_id = journal.begin(
            tool="update_customer_message",
            effect=Effect.WRITE,
            arguments={"checkout_id": f"chk-{number}", "message": "leave at the door"},
            decision=AuditDecision.ALLOWED,
            client="claude-desktop",
        )
        journal.complete(
            record_id, outcome=Outcome.SUCCEEDED, upstream_status=200, request_id=f"req-{number}"
        )
    journal.record_decision(
        tool="create_order",
        effect=Effect.IRREVERSIBLE,
        arguments={"checkout_id": "chk-0"},
        decision=AuditDecision.BLOCKED,
        reason="The server is in read-only mode",
    )


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_records_chain_and_verify(path: Path, clock: Clock) -> None:
    with opened(path, clock) as journal:
        write_calls(journal, 2)
    records = [json.loads(line) for line in lines(path)]
    assert [r["kind"] for r in records] == ["begin", "complete", "begin", "complete", "decision"]
    assert [r["seq"] for r in records] == [1, 2, 3, 4, 5]
    assert records[0]["prev"] == GENESIS
    for before, after in itertools.pairwise(records):
        assert after["prev"] == before["hash"]
    for record in records:
        body = {k: v for k, v in record.items() if k != "hash"}
        assert record["hash"] == sha256_hex(body)
    assert (
        records[1]["ref"] == 1
        and records[1]["upstream_status"] == 200
        and records[1]["request_id"] == "req-0"
    )
    assert records[4]["decision"] == "blocked" and "read-only" in records[4]["reason"]
    report = verified(path).chain
    assert (report.ok, report.records, report.head, report.torn) == (True, 5, records[-1]["hash"], False)


def test_record_fields_come_from_the_call_and_the_clock(path: Path, clock: Clock) -> None:
    with opened(path, clock) as journal:
        record_id = journal.begin(
            tool="create_order",
            effect=Effect.IRREVERSIBLE,
            arguments={
                "checkout_id": "chk-1",
                "expected_total": Decimal("42.10"),
                "confirmation_id": "cid-1",
            },
            decision=AuditDecision.CONFIRMED_BY_ID,
            client="cursor",
            reason="create_order is irreversible",
        )
        clock.advance(90)
        journal.complete(
            record_id,
            outcome=Outcome.AMBIGUOUS,
            error="read timeout",
            result_ids={"checkout_id": "chk-1"},
        )
    begin, complete = (json.loads(line) for line in lines(path))
    assert begin["time"] == "2026-01-01T00:00:00+00:00" and complete["time"] == "2026-01-01T00:01:30+00:00"
    assert begin["arguments"] == {
        "checkout_id": "chk-1",
        "expected_total": "42.10",
        "confirmation_id": "cid-1",
    }
    assert (begin["tool"], begin["effect"], begin["decision"], begin["client"]) == (
        "create_order",
        "irreversible",
        "confirmed_by_id",
        "cursor",
    )
    assert (complete["outcome"], complete["error"], complete["result_ids"]) == (
        "ambiguous",
        "read timeout",
        {"checkout_id": "chk-1"},
    )


def test_calls_are_journaled_with_the_right_kind_of_record(path: Path, clock: Clock) -> None:
    with opened(path, clock) as journal:
        with pytest.raises(ValueError, match="record_decision"):
            journal.begin(tool="t", effect=Effect.WRITE, arguments={}, decision=AuditDecision.BLOCKED)
        with pytest.raises(ValueError, match="begin and complete"):
            journal.record_decision(
                tool="t", effect=Effect.WRITE, arguments={}, decision=AuditDecision.ALLOWED
            )
        record_id = journal.begin(tool="t", effect=Effect.WRITE, arguments={}, decision=AuditDecision.ALLOWED)
        journal.complete(record_id, outcome=Outcome.SUCCEEDED)
        with pytest.raises(ValueError, match="not a call begun"):
            journal.complete(record_id, outcome=Outcome.SUCCEEDED)
    assert verified(path).chain.records == 2


def test_a_call_begun_but_never_completed_is_reported(path: Path, clock: Clock) -> None:
    with opened(path, clock) as journal:
        write_calls(journal, 1)
        journal.begin(
            tool="create_order", effect=Effect.IRREVERSIBLE, arguments={}, decision=AuditDecision.ALLOWED
        )
    assert verified(path).unfinished == (4,)


def edit_line(path: Path, number: int, change: dict[str, object], *, rehash: bool) -> None:
    content = lines(path)
    record = {**json.loads(content[number - 1]), **change}
    if rehash:
        record["hash"] = sha256_hex({k: v for k, v in record.items() if k != "hash"})
    content[number - 1] = canonical_json(record)
    path.write_text("\n".join(content) + "\n", encoding="utf-8")


@pytest.mark.parametrize("line", [1, 3, 5])
def test_an_edited_record_is_detected(path: Path, clock: Clock, line: int) -> None:
    with opened(path, clock) as journal:
        write_calls(journal, 2)
    edit_line(path, line, {"tool": "get_checkout"}, rehash=False)
    report = verified(path).chain
    assert (report.ok, report.first_bad_line, report.records) == (False, line, line - 1)
    assert report.problem and "edited" in report.problem


def test_an_edited_record_with_a_recomputed_hash_breaks_the_chain(path: Path, clock: Clock) -> None:
    with opened(path, clock) as journal:
        write_calls(journal, 2)
    edit_line(path, 2, {"upstream_status": 500}, rehash=True)
    report = verified(path).chain
    assert (report.ok, report.first_bad_line) == (False, 3)
    assert report.problem and "does not chain" in report.problem


def test_a_removed_record_or_reformatted_line_is_detected(path: Path, clock: Clock) -> None:
    with opened(path, clock) as journal:
        write_calls(journal, 2)
    original = lines(path)
    path.write_text("\n".join(original[:1] + original[2:]) + "\n", encoding="utf-8")
    assert verified(path).chain.first_bad_line == 2
    path.write_text("\n".join([json.dumps(json.loads(original[0]), indent=1)]) + "\n", encoding="utf-8")
    report = verified(path).chain
    assert (report.ok, report.first_bad_line) == (False, 1)


def test_a_broken_journal_is_not_appended_to(path: Path, clock: Clock) -> None:
    with opened(path, clock) as journal:
        write_calls(journal, 1)
    edit_line(path, 1, {"client": "someone-else"}, rehash=False)
    before = path.read_bytes()
    with pytest.raises(JournalCorrupt, match="line 1"):
        opened(path, clock)
    assert path.read_bytes() == before


def test_a_torn_last_line_is_reported_then_replaced_by_a_recovery_record(path: Path, clock: Clock) -> None:
    with opened(path, clock) as journal:
        write_calls(journal, 2)
    intact = path.read_bytes()
    fragment = b'{"arguments":{"checkout_id":"chk-9"},"client":"cur'
    path.write_bytes(intact + fragment)

    report = verified(path).chain
    assert (report.ok, report.records, report.torn_tail_bytes) == (True, 5, len(fragment))

    with opened(path, clock) as journal:
        write_calls(journal, 1)
    assert path.read_bytes().startswith(intact)
    records = [json.loads(line) for line in lines(path)]
    assert records[5]["kind"] == "recovered" and records[5]["torn_bytes"] == len(fragment)
    assert records[5]["prev"] == json.loads(intact.splitlines()[-1])["hash"]
    report = verified(path).chain
    assert (report.ok, report.records, report.torn) == (True, 9, False)
    assert f"recovered: removed a torn last line of {len(fragment)} bytes" in tail(FileJournal(path), 4)[0]


def test_two_writers_share_one_chain_and_each_completes_only_its_own_calls(path: Path, clock: Clock) -> None:
    first, second = opened(path, clock), opened(path, clock)
    record_id = first.begin(tool="t", effect=Effect.WRITE, arguments={}, decision=AuditDecision.ALLOWED)
    write_calls(second, 1)
    with pytest.raises(ValueError, match="not a call begun"):
        second.complete(record_id, outcome=Outcome.SUCCEEDED)
    first.complete(record_id, outcome=Outcome.SUCCEEDED)
    first.close()
    second.close()
    with opened(path, clock) as reopened:
        write_calls(reopened, 1)
    records = [json.loads(line) for line in lines(path)]
    assert [r["seq"] for r in records] == list(range(1, 9))
    assert [r["kind"] for r in records[:5]] == ["begin", "begin", "complete", "decision", "complete"]
    assert records[4]["ref"] == record_id == 1
    report = verified(path)
    assert (report.chain.ok, report.chain.records, report.unfinished) == (True, 8, ())


def test_no_secret_ever_reaches_the_file(path: Path, clock: Clock) -> None:
    redactor = Redactor([ACCESS_TOKEN])
    with opened(path, clock, redactor) as journal:
        record_id = journal.begin(
            tool="create_checkout_token",
            effect=Effect.IRREVERSIBLE,
            arguments={
                "checkout_id": "chk-1",
                "headers": {"X-Auth-Token": ACCESS_TOKEN},
                "confirmation_id": "cid-7",
            },
            decision=AuditDecision.CONFIRMED_BY_HUMAN,
            client=f"agent using {ACCESS_TOKEN}",
        )
        redactor.register(CHECKOUT_TOKEN)  # minted by the call
        journal.complete(
            record_id,
            outcome=Outcome.SUCCEEDED,
            upstream_status=201,
            result_ids={"checkoutToken": CHECKOUT_TOKEN, "url": f"/order-confirmation/1?t={CHECKOUT_TOKEN}"},
        )
        journal.record_decision(
            tool="create_order",
            effect=Effect.IRREVERSIBLE,
            arguments={"note": f"use {CHECKOUT_TOKEN}", "token": "unregistered-but-keyed"},
            decision=AuditDecision.DECLINED,
            reason=f"upstream said: bad token {ACCESS_TOKEN}",
        )
    content = path.read_bytes()
    for secret in (ACCESS_TOKEN, CHECKOUT_TOKEN, "unregistered-but-keyed"):
        assert secret.encode() not in content
    assert b"cid-7" in content and b"[redacted]" in content
    assert verified(path).chain.ok


@pytest.mark.anyio
async def test_concurrent_tasks_share_one_journal(path: Path, clock: Clock) -> None:
    def one_call(number: int) -> None:
        record_id = journal.begin(
            tool="apply_coupon",
            effect=Effect.WRITE,
            arguments={"code": f"C{number}"},
            decision=AuditDecision.ALLOWED,
        )
        journal.complete(record_id, outcome=Outcome.SUCCEEDED, result_ids={"code": f"C{number}"})

    with opened(path, clock) as journal:
        async with anyio.create_task_group() as group:
            for number in range(24):
                group.start_soon(anyio.to_thread.run_sync, one_call, number)
    report = verified(path)
    assert (report.chain.ok, report.chain.records, report.unfinished) == (True, 48, ())
    records = [json.loads(line) for line in lines(path)]
    begins = {r["seq"]: r["arguments"]["code"] for r in records if r["kind"] == "begin"}
    completes = {r["ref"]: r["result_ids"]["code"] for r in records if r["kind"] == "complete"}
    assert begins == completes and len(begins) == 24


def test_tail_renders_the_last_records_one_line_each(path: Path, clock: Clock) -> None:
    with opened(path, clock) as journal:
        write_calls(journal, 3)
    path.write_bytes(path.read_bytes() + b'{"torn')
    rendered = tail(FileJournal(path), 3)
    assert len(rendered) == 3
    assert rendered[0].startswith(
        "#5 2026-01-01T00:00:00+00:00 begin update_customer_message (write) allowed"
    )
    assert "client=claude-desktop" in rendered[0] and '"checkout_id":"chk-2"' in rendered[0]
    assert (
        rendered[1].startswith("#6 ") and "complete #5 succeeded status=200 request_id=req-2" in rendered[1]
    )
    assert "decision create_order (irreversible) blocked" in rendered[2] and "reason=" in rendered[2]
    assert len(tail(FileJournal(path), 100)) == 7
    assert tail(FileJournal(path), 0) == []
