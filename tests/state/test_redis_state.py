"""RedisState against a real redis-server: what is Redis's own beyond the shared-state contract
(test_shared_state.py runs that on Redis too): expiries, hash tags, leases, fencing, the journal,
failures.

The other processes (tests/state/redis_worker.py) stand for other replicas: each has its own
client and connections, as a replica on another machine would.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import anyio
import pytest
import redis

from checkout_mcp.policy.audit import verify
from checkout_mcp.state.base import StateUnavailable
from checkout_mcp.state.chain import GENESIS
from checkout_mcp.state.redis import JOURNAL_PAGE, RedisState, url_without_password
from tests.redis_server import RedisServer, running_redis
from tests.state.redis_worker import sealer

ROOT = Path(__file__).resolve().parents[2]
WORKER_TIMEOUT = 60.0


@pytest.fixture
def namespace() -> str:
    return f"store-{uuid4().hex[:12]}"


@pytest.fixture
def redis_state(redis_server: RedisServer, namespace: str) -> Iterator[RedisState]:
    state = RedisState.connect(redis_server.url, namespace)
    yield state
    state.close()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of the test's own, for tests that stop, kill or restart it."""
    with running_redis(tmp_path / "redis", appendonly=True) as server:
        yield server


def worker(url: str, namespace: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.state.redis_worker", url, namespace, *args],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def finished(process: subprocess.Popen[str]) -> str:
    out, _ = process.communicate(timeout=WORKER_TIMEOUT)
    assert process.returncode == 0, out
    return out


def raw(server: RedisServer) -> redis.Redis:
    """A plain client, to look at the keys themselves."""
    return redis.Redis.from_url(server.url, decode_responses=True)


def async_hold_once(state: RedisState, name: str) -> None:
    """Hold the lock `name` once from synchronous code, writing one fenced record."""

    async def held() -> None:
        async with state.hold(name):
            state.put(name, "held", "yes")

    anyio.run(held)


# Single-use values.


def test_a_single_use_value_is_stored_with_its_ttl(
    redis_server: RedisServer, redis_state: RedisState, namespace: str
) -> None:
    redis_state.put_once("confirmation", "value", ttl_seconds=90)
    assert 0 < raw(redis_server).pttl(f"{{{namespace}}}:once:confirmation") <= 90_000


def test_namespaces_are_apart_and_every_key_is_hash_tagged(redis_server: RedisServer) -> None:
    names = [f"ns-{uuid4().hex[:8]}" for _ in range(2)]
    one, two = (RedisState.connect(redis_server.url, name) for name in names)
    one.put_once("id", "one's", 60)
    one.put("group", "key", "one's")
    one.journal.append(sealer("one", 0))
    assert (two.take("id"), two.records("group"), list(two.journal.lines())) == (None, {}, [])
    for state in (one, two):
        async_hold_once(state, "group")
    prefix = f"{{{names[0]}}}:"
    keys = raw(redis_server).keys(f"*{prefix}*")
    assert len(keys) == 5 and all(key.startswith(prefix) for key in keys)  # once, records, fence, head, lines
    one.close()
    two.close()


# Locks.


def test_a_lock_lets_one_process_in_at_a_time(redis_server: RedisServer, namespace: str) -> None:
    times = 200
    workers = [worker(redis_server.url, namespace, "count", "counter", str(times)) for _ in range(2)]
    for process in workers:
        assert process.stdout is not None and process.stdout.readline() == "ready\n"
    for process in workers:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    assert [finished(process) for process in workers] == ["done\n", "done\n"]
    state = RedisState.connect(redis_server.url, namespace)
    assert state.records("counter") == {"n": str(2 * times)}
    state.close()


@pytest.mark.anyio
async def test_a_held_lock_outlives_its_lease_while_renewed(
    redis_server: RedisServer, namespace: str
) -> None:
    state = RedisState.connect(redis_server.url, namespace, lease_seconds=0.3)
    client = raw(redis_server)
    lock = f"{{{namespace}}}:lock:group"
    with anyio.fail_after(30):
        async with state.hold("group"):
            renewals, last = 0, client.pttl(lock)
            while renewals < 4:  # four renewals, one every 0.1 s: the first lease has run out by then
                await anyio.sleep(0.01)
                now = client.pttl(lock)
                renewals, last = renewals + (now > last), now
            state.put("group", "key", "still ours")
    assert state.records("group") == {"key": "still ours"}
    assert client.exists(lock) == 0
    state.close()


@pytest.mark.anyio
async def test_a_lock_whose_holder_was_killed_is_free_once_its_lease_lapses(
    redis_server: RedisServer, namespace: str
) -> None:
    holder = worker(redis_server.url, namespace, "hold", "shop:checkout:1", "0.5")
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    first = raw(redis_server).get(f"{{{namespace}}}:lock:shop:checkout:1")
    holder.kill()
    holder.wait()
    state = RedisState.connect(redis_server.url, namespace)
    with anyio.fail_after(30):
        async with state.hold("shop:checkout:1"):
            second = raw(redis_server).get(f"{{{namespace}}}:lock:shop:checkout:1")
            state.put("shop:checkout:1", "key", "the next holder's")
    assert first is not None and second is not None
    assert int(second.split(":")[0]) > int(first.split(":")[0])  # fencing numbers only grow
    state.close()


@pytest.mark.anyio
async def test_a_stalled_holder_cannot_write_once_its_lease_lapsed(
    redis_server: RedisServer, namespace: str
) -> None:
    group = "shop:checkout:2"
    holder = worker(redis_server.url, namespace, "hold", group, "0.5")
    assert holder.stdin is not None and holder.stdout is not None

    def say(line: str) -> str:
        assert holder.stdin is not None and holder.stdout is not None
        holder.stdin.write(line + "\n")
        holder.stdin.flush()
        return holder.stdout.readline()

    assert holder.stdout.readline() == "held\n"
    assert say("put key the-first-holder's") == "ok\n"
    os.kill(holder.pid, signal.SIGSTOP)  # a real stall: no renewals, no progress
    state = RedisState.connect(redis_server.url, namespace)
    try:
        with anyio.fail_after(30):
            async with state.hold(group):  # free once the stalled holder's lease lapsed
                state.put(group, "key", "the-next-holder's")
                os.kill(holder.pid, signal.SIGCONT)
                assert await anyio.to_thread.run_sync(say, "put key the-stale-holder's") == "lease-lost\n"
        holder.stdin.close()
        assert holder.stdout.readline() == "released\n"
        assert state.records(group) == {"key": "the-next-holder's"}
    finally:
        os.kill(holder.pid, signal.SIGCONT)
        holder.kill()
        holder.wait()
        state.close()


@pytest.mark.anyio
async def test_writes_outside_the_lock_or_to_other_groups_are_not_fenced(redis_state: RedisState) -> None:
    async with redis_state.hold("locked"):
        redis_state.put("other", "key", "value")
    redis_state.put("locked", "key", "value")  # not held: a plain write
    assert redis_state.records("other") == redis_state.records("locked") == {"key": "value"}


@pytest.mark.anyio
async def test_a_waiter_cancelled_while_waiting_leaves_the_lock_free(redis_state: RedisState) -> None:
    with anyio.fail_after(30):
        async with redis_state.hold("lock"):
            with anyio.move_on_after(0.2):  # bounds the wait of a waiter that cannot get in
                async with redis_state.hold("lock"):
                    pytest.fail("two holders at once")
        async with redis_state.hold("lock"):
            redis_state.put("lock", "key", "value")
    assert redis_state.records("lock") == {"key": "value"}


@pytest.mark.anyio
async def test_the_block_s_own_exception_comes_out_of_hold_as_it_was(redis_state: RedisState) -> None:
    with pytest.raises(KeyError, match="from the block"):
        async with redis_state.hold("lock"):
            raise KeyError("from the block")
    async with redis_state.hold("lock"):  # and the lock was released
        pass


# The journal.


def test_two_concurrent_journal_writers_make_one_chain_that_verifies(
    redis_server: RedisServer, namespace: str, tmp_path: Path
) -> None:
    times = 300  # together past one page of lines()
    writers = [worker(redis_server.url, namespace, "append", name, str(times)) for name in ("a", "b")]
    assert [finished(process) for process in writers] == ["done\n", "done\n"]
    state = RedisState.connect(redis_server.url, namespace)
    lines = list(state.journal.lines())
    assert len(lines) == 2 * times > JOURNAL_PAGE
    report = verify(state.journal).chain  # the one verifier of every journal
    assert report.ok and report.records == 2 * times, report.problem
    state.close()


def test_the_journal_chain_starts_at_genesis_and_links_each_record(redis_state: RedisState) -> None:
    record = redis_state.journal.append(sealer("w", 0))
    assert (record["seq"], record["prev"]) == (1, GENESIS)
    assert redis_state.journal.append(sealer("w", 1))["prev"] == record["hash"]


def test_the_journal_survives_a_redis_crash_with_appendonly(own_redis: RedisServer, tmp_path: Path) -> None:
    state = RedisState.connect(own_redis.url, "store")
    for number in range(5):
        state.journal.append(sealer("w", number))
    own_redis.kill()
    own_redis.start()
    state.journal.append(sealer("w", 5))
    report = verify(state.journal).chain
    assert report.ok and report.records == 6
    state.close()


# Failures.


def test_a_stopped_redis_is_state_unavailable_naming_the_url_but_not_its_password(
    own_redis: RedisServer,
) -> None:
    url = f"redis://:s3cret-password@127.0.0.1:{own_redis.port}/0"
    state = RedisState.connect(url, "store")
    state.put("group", "key", "before")
    own_redis.stop()
    calls = [
        state.check,
        lambda: state.take("id"),
        lambda: state.put_once("id", "value", 60),
        lambda: state.records("group"),
        lambda: state.insert("group", "key", "value"),
        lambda: state.delete("group", "key"),
        lambda: state.journal.append(sealer("w", 0)),
        lambda: list(state.journal.lines()),
        lambda: async_hold_once(state, "group"),
    ]
    for call in calls:
        with pytest.raises(StateUnavailable) as raised:
            call()
        message = str(raised.value)
        assert f"redis://127.0.0.1:{own_redis.port}/0" in message and "s3cret" not in message
    own_redis.start()
    state.check()
    assert state.records("group") == {"key": "before"}  # appendonly: the restart kept it
    state.close()


def test_a_restarted_redis_is_used_again_from_the_next_call(own_redis: RedisServer) -> None:
    state = RedisState.connect(own_redis.url, "store")
    state.put("group", "key", "before")  # leaves a pooled connection, which the restart makes stale
    own_redis.kill()
    own_redis.start()
    assert state.records("group") == {"key": "before"}
    state.close()


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://:pw@cache.internal:6380/2", "redis://cache.internal:6380/2"),
        ("rediss://app:pw@[::1]:6379/0?password=pw", "rediss://app@[::1]:6379/0"),
        ("redis://localhost", "redis://localhost"),
    ],
)
def test_a_url_is_shown_without_its_password(url: str, shown: str) -> None:
    assert url_without_password(url) == shown
