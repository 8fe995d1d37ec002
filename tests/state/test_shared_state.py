"""The contract every shared-state backend keeps (run on each backend in conftest.BACKENDS).

Races are real: threads with their own handles, and worker processes (worker.py) started from
the same moment. Lock tests observe order, not time: a contender is known to be waiting once
every task of the test is blocked (`anyio.wait_all_tasks_blocked`), and the holder leaves a mark
before it lets go, which the contender must see.
"""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import anyio
import anyio.lowlevel
import pytest
from anyio.abc import Process
from anyio.streams.buffered import BufferedByteReceiveStream

from checkout_mcp.state.base import SharedState
from tests.state.conftest import ROOT, Shared

KEYS = 200
RACERS = 3
HANG_GUARD_SECONDS = 60
T = TypeVar("T")


def test_a_value_is_taken_once(state: SharedState) -> None:
    state.put_once("k", '{"tool":"create_order"}', ttl_seconds=300)
    state.put_once("other", "2", ttl_seconds=300)
    assert state.take("k") == '{"tool":"create_order"}'
    assert state.take("k") is None
    assert state.take("never-put") is None
    assert state.take("other") == "2"


def test_records_are_inserted_if_absent_written_and_deleted(state: SharedState) -> None:
    assert state.records("g") == {}
    assert state.insert("g", "a", "1") is None
    assert state.insert("g", "a", "2") == "1", "an insert never overwrites; it returns what is there"
    state.put("g", "b", "3")
    state.put("g", "b", "4")
    state.insert("other", "a", "5")
    assert state.records("g") == {"a": "1", "b": "4"}
    state.delete("g", "a")
    state.delete("g", "absent")
    assert state.records("g") == {"b": "4"}
    assert state.records("other") == {"a": "5"}


def test_text_is_kept_exactly(state: SharedState) -> None:
    text = '{"name":"Zoë 🛒","note":"a\\nb","quote":"\'\\""}'
    state.put("grüppe", "ключ", text)
    state.put_once("ключ", text, ttl_seconds=300)
    assert state.records("grüppe") == {"ключ": text}
    assert state.take("ключ") == text


def test_every_handle_sees_one_state(shared: Shared, state: SharedState) -> None:
    other = shared.open()
    try:
        state.put_once("k", "v", ttl_seconds=300)
        state.put("g", "a", "1")
        assert other.records("g") == {"a": "1"}
        assert other.take("k") == "v"
        assert state.take("k") is None
        other.check()
    finally:
        other.close()


def race_threads(shared: Shared, work: Callable[[SharedState], T]) -> list[T]:
    """`work` on RACERS threads at once, each with its own handle on the state."""
    handles = [shared.open() for _ in range(RACERS)]
    start = threading.Barrier(RACERS)
    results: list[T] = []

    def run(handle: SharedState) -> None:
        start.wait()
        results.append(work(handle))

    threads = [threading.Thread(target=run, args=(handle,)) for handle in handles]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for handle in handles:
        handle.close()
    assert len(results) == RACERS, "a racer failed"
    return results


async def race_processes(shared: Shared, commands: list[list[str]]) -> list[Any]:
    """Each command in a worker process, all started once every one is ready; their JSON answers."""
    with anyio.fail_after(HANG_GUARD_SECONDS):
        workers = [await anyio.open_process(shared.worker(*command), cwd=ROOT) for command in commands]
        try:
            lines = [BufferedByteReceiveStream(worker.stdout) for worker in workers if worker.stdout]
            for reader in lines:
                assert await reader.receive_until(b"\n", 1 << 20) == b"ready"
            for worker in workers:
                assert worker.stdin is not None
                await worker.stdin.send(b"go\n")
            answers = [json.loads(await reader.receive_until(b"\n", 1 << 20)) for reader in lines]
            for worker in workers:
                assert await worker.wait() == 0
        finally:
            for worker in workers:
                await worker.aclose()
    return answers


def assert_each_taken_once(takes: list[list[list[Any]]]) -> None:
    won = sorted((i, value) for take in takes for i, value in take if value is not None)
    assert won == [(i, f"v{i}") for i in range(KEYS)], "every value taken, and none twice"


def put_values(state: SharedState) -> None:
    for i in range(KEYS):
        state.put_once(f"k{i}", f"v{i}", ttl_seconds=600)


def test_of_concurrent_takers_in_threads_exactly_one_gets_each_value(
    shared: Shared, state: SharedState
) -> None:
    put_values(state)
    assert_each_taken_once(
        race_threads(shared, lambda handle: [[i, handle.take(f"k{i}")] for i in range(KEYS)])
    )


@pytest.mark.anyio
async def test_of_concurrent_takers_in_processes_exactly_one_gets_each_value(
    shared: Shared, state: SharedState
) -> None:
    put_values(state)
    assert_each_taken_once(await race_processes(shared, [["take", "k", str(KEYS)]] * RACERS))
    assert state.take("k0") is None


def assert_one_insert_won_each(state: SharedState, inserts: list[tuple[str, list[list[Any]]]]) -> None:
    records = state.records("g")
    assert sorted(records) == sorted(f"k{i}" for i in range(KEYS))
    for i in range(KEYS):
        winners = [tag for tag, answers in inserts if answers[i][1] is None]
        assert len(winners) == 1, f"k{i} was claimed by {winners}"
        assert records[f"k{i}"] == winners[0]
        assert all(answers[i][1] == winners[0] for _, answers in inserts if answers[i][1] is not None)


def test_of_concurrent_inserts_in_threads_exactly_one_lands(shared: Shared, state: SharedState) -> None:
    def insert_all(handle: SharedState) -> tuple[str, list[list[Any]]]:
        tag = f"thread-{threading.get_ident()}"
        return tag, [[i, handle.insert("g", f"k{i}", tag)] for i in range(KEYS)]

    assert_one_insert_won_each(state, race_threads(shared, insert_all))


@pytest.mark.anyio
async def test_of_concurrent_inserts_in_processes_exactly_one_lands(
    shared: Shared, state: SharedState
) -> None:
    tags = [f"worker-{n}" for n in range(RACERS)]
    answers = await race_processes(shared, [["insert", "g", str(KEYS), tag] for tag in tags])
    assert_one_insert_won_each(state, list(zip(tags, answers, strict=True)))


@pytest.mark.anyio
async def test_a_lock_has_one_holder_among_tasks(state: SharedState) -> None:
    order: list[str] = []

    async def second() -> None:
        async with state.hold("checkout:1"):
            order.append("second in")

    with anyio.fail_after(HANG_GUARD_SECONDS):
        async with anyio.create_task_group() as tasks, state.hold("checkout:1"):
            tasks.start_soon(second)
            await anyio.wait_all_tasks_blocked()
            order.append("first out")
    assert order == ["first out", "second in"]


@pytest.mark.anyio
async def test_locks_of_different_names_are_independent(state: SharedState) -> None:
    with anyio.fail_after(HANG_GUARD_SECONDS):
        async with state.hold("checkout:1"), state.hold("checkout:2"):
            pass
        async with state.hold("checkout:1"):
            pass


def test_a_lock_has_one_holder_among_threads(state: SharedState) -> None:
    """Threads with their own event loops, on one handle: nobody is ever inside with another."""
    inside: list[int] = []
    overlaps: list[int] = []

    async def turns() -> None:
        for _ in range(20):
            async with state.hold("checkout:1"):
                if inside:
                    overlaps.append(threading.get_ident())
                inside.append(threading.get_ident())
                await anyio.lowlevel.checkpoint()
                inside.pop()

    threads = [threading.Thread(target=anyio.run, args=(turns,)) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlaps == []


@asynccontextmanager
async def worker_holding(
    shared: Shared, name: str
) -> AsyncIterator[tuple[Process, BufferedByteReceiveStream]]:
    """A worker process that holds the lock `name` (it has printed "held")."""
    async with await anyio.open_process(shared.worker("hold", name), cwd=ROOT) as worker:
        assert worker.stdout is not None
        lines = BufferedByteReceiveStream(worker.stdout)
        assert await lines.receive_until(b"\n", 1000) == b"held"
        yield worker, lines


@pytest.mark.anyio
async def test_a_lock_held_by_another_process_is_waited_for(shared: Shared, state: SharedState) -> None:
    seen: dict[str, str] = {}

    async def contend() -> None:
        async with state.hold("checkout:1"):
            seen.update(state.records("marks"))

    with anyio.fail_after(HANG_GUARD_SECONDS):
        async with worker_holding(shared, "checkout:1") as (worker, lines):
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(contend)
                await anyio.wait_all_tasks_blocked()
                assert seen == {}, "got the lock while the worker held it"
                assert worker.stdin is not None
                await worker.stdin.send(b"let go\n")
            assert seen == {"worker": "leaving"}, "got the lock before the worker let go"
            assert await lines.receive_until(b"\n", 1000) == b"released"


@pytest.mark.anyio
async def test_a_lock_is_freed_when_its_holder_is_killed(shared: Shared, state: SharedState) -> None:
    got = anyio.Event()

    async def contend() -> None:
        async with state.hold("checkout:1"):
            got.set()

    with anyio.fail_after(HANG_GUARD_SECONDS):
        async with worker_holding(shared, "checkout:1") as (worker, _), anyio.create_task_group() as tasks:
            tasks.start_soon(contend)
            await anyio.wait_all_tasks_blocked()
            assert not got.is_set()
            worker.kill()
            await worker.wait()
            await got.wait()
    assert state.records("marks") == {}, "the killed holder wrote nothing more"


def test_check_passes_on_an_open_state(state: SharedState) -> None:
    state.check()
