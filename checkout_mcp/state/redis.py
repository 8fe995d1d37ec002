"""Shared state on Redis (`[state] redis_url`): replicas on many machines agree through one Redis.

Keys: every key of a namespace starts with the namespace in braces, a Redis Cluster hash tag, so
a cluster keeps one namespace on one slot (the scripts and transactions below touch several keys).

    {ns}:once:<key>        a single-use value: SET with an expiry, taken with GETDEL
    {ns}:records:<group>   a hash of the group's records: HSETNX, HSET, HDEL, HGETALL
    {ns}:lock:<name>       the lock's holder "<fence>:<random token>", with a lease (SET NX PX)
    {ns}:fence:<name>      the lock's fencing counter (INCR): each holder's number beats the last
    {ns}:journal:head      the chain's end: a hash {seq, hash}
    {ns}:journal:lines     the chain's records, oldest first, as canonical JSON lines (a list)

Locks: taking a lock is one script (if free: INCR the fence, SET the holder with the lease). A
task renews the lease every third of it while the block runs, and the end deletes the key only if
it still holds our holder (compare-and-delete). A holder that dies stops renewing, so its lock is
free once the lease lapses. While a lock is held in this task's context, writes to the records of
the group named like the lock go through a script that first checks the lock still holds our
holder, and refuse with `LeaseLost` if not: a holder that stalled past its lease cannot overwrite
what the next holder did. Waiting polls (never blocking the event loop) every `POLL_SECONDS` at most;
waiters are not queued: whoever tries first after the release gets the lock.

The journal: `append` WATCHes the head, seals the next record and writes head and line in one
MULTI/EXEC, trying again when another replica appended first, so one chain holds across replicas.
Durability is Redis's own: run it with `appendonly yes` (and `appendfsync always` for a journal
that survives a crash of the Redis host with every record).

Errors: a Redis that cannot be reached or refuses a command raises `StateUnavailable`, naming
the URL without its password. Commands are not retried: one whose answer was lost may have run
(an id taken, a record appended), and the callers already treat a failed step as unsettled (the
ledger settles from the store). A pooled connection that went stale because Redis restarted is
replaced by the client's pool before it is used. Needs Redis 6.2 or later (GETDEL).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import secrets
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager
from types import MappingProxyType
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import anyio
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from checkout_mcp.state.base import LeaseLost, StateUnavailable
from checkout_mcp.state.chain import GENESIS, encode

CONNECT_TIMEOUT_SECONDS = 2.0
COMMAND_TIMEOUT_SECONDS = 5.0
HEALTH_CHECK_SECONDS = 15
"""A pooled connection idle this long is PINGed before use (a proxy may have dropped it quietly)."""
POLL_SECONDS = 0.05
"""The longest wait between two tries for a lock someone else holds."""
JOURNAL_PAGE = 500

T = TypeVar("T")

_held: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar(
    "redis_locks_held", default=MappingProxyType({})
)
"""The locks this task holds: lock key -> our holder value."""

# KEYS[1] the lock, KEYS[2] its fence counter; ARGV[1] a random token, ARGV[2] the lease (ms).
_ACQUIRE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local holder = redis.call('INCR', KEYS[2]) .. ':' .. ARGV[1]
redis.call('SET', KEYS[1], holder, 'PX', ARGV[2])
return holder
"""
# KEYS[1] the lock; ARGV[1] our holder, ARGV[2] the lease (ms).
_RENEW = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])
"""
# KEYS[1] the lock; ARGV[1] our holder.
_RELEASE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
"""
# KEYS[1] the group's records, KEYS[2] (fenced writes only) the lock;
# ARGV[1] the operation, ARGV[2] the record's key, ARGV[3] its value, ARGV[4] our holder.
# Returns {'lost'}, or {'ok'} and, for an insert that found the key, the existing value.
_WRITE = """
if #KEYS == 2 and redis.call('GET', KEYS[2]) ~= ARGV[4] then return {'lost'} end
local op, field = ARGV[1], ARGV[2]
if op == 'put' then
  redis.call('HSET', KEYS[1], field, ARGV[3])
elseif op == 'delete' then
  redis.call('HDEL', KEYS[1], field)
elseif redis.call('HSETNX', KEYS[1], field, ARGV[3]) == 0 then
  return {'ok', redis.call('HGET', KEYS[1], field)}
end
return {'ok'}
"""


def url_without_password(url: str) -> str:
    """The URL as it may be shown: no password, no query (redis-py also reads one from there)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class _Backend:
    """One Redis client and the namespace's key names; every call's Redis errors become StateUnavailable."""

    def __init__(self, client: redis.Redis, url: str, namespace: str) -> None:
        self.client = client
        self.shown_url = url_without_password(url)
        self.prefix = f"{{{namespace}}}:"
        self.acquire = client.register_script(_ACQUIRE)
        self.renew = client.register_script(_RENEW)
        self.release = client.register_script(_RELEASE)
        self.write = client.register_script(_WRITE)

    def key(self, kind: str, name: str = "") -> str:
        return f"{self.prefix}{kind}:{name}" if name else f"{self.prefix}{kind}"

    def run(self, what: str, call: Callable[[], T]) -> T:
        try:
            return call()
        except redis.RedisError as error:
            raise StateUnavailable(
                f"Redis at {self.shown_url} could not {what}: {str(error).rstrip('.')}. Check that Redis is "
                "running and reachable at the configured [state] redis_url, then retry."
            ) from None


class RedisJournal:
    """The audit journal's chain in Redis: one head and one list per namespace, any number of writers."""

    def __init__(self, backend: _Backend) -> None:
        self._backend = backend
        self._head = backend.key("journal", "head")
        self._lines = backend.key("journal", "lines")

    def append(self, seal: Callable[[int, str], Mapping[str, Any]]) -> Mapping[str, Any]:
        return self._backend.run("append to the audit journal", lambda: self._append(seal))

    def _append(self, seal: Callable[[int, str], Mapping[str, Any]]) -> Mapping[str, Any]:
        with self._backend.client.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(self._head)
                    last, prev = pipe.hmget(self._head, ["seq", "hash"])
                    seq = int(last or 0) + 1
                    record = seal(seq, prev or GENESIS)
                    pipe.multi()
                    pipe.hset(self._head, mapping={"seq": seq, "hash": record["hash"]})
                    pipe.rpush(self._lines, encode(record))
                    pipe.execute()
                    return record
                except redis.WatchError:
                    continue  # another writer appended first: seal again after its record

    def close(self) -> None:
        """Nothing to close: the state owns the connection."""

    def lines(self) -> Iterator[bytes]:
        start = 0
        while True:
            read = functools.partial(
                self._backend.client.lrange, self._lines, start, start + JOURNAL_PAGE - 1
            )
            page: list[str] = self._backend.run("read the audit journal", read)
            for line in page:
                yield line.encode("utf-8")  # stored as encoded: one record and its newline
            if len(page) < JOURNAL_PAGE:
                return
            start += JOURNAL_PAGE


class RedisState:
    """`SharedState` on Redis, for one namespace (a store): see the module docstring for the keys."""

    def __init__(self, client: redis.Redis, url: str, namespace: str, lease_seconds: float) -> None:
        if not namespace:
            raise ValueError("A Redis state namespace must not be empty")
        self._backend = _Backend(client, url, namespace)
        self._lease_ms = max(1, round(lease_seconds * 1000))
        self._journal = RedisJournal(self._backend)

    @classmethod
    def connect(cls, url: str, namespace: str, *, lease_seconds: float = 30.0) -> RedisState:
        """A client for `url` (redis:// or rediss://); nothing is sent until the first call."""
        client = redis.Redis.from_url(
            url,
            decode_responses=True,
            socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
            socket_timeout=COMMAND_TIMEOUT_SECONDS,
            health_check_interval=HEALTH_CHECK_SECONDS,
            retry=Retry(NoBackoff(), 0),
        )
        return cls(client, url, namespace, lease_seconds)

    # Single-use values.
    def put_once(self, key: str, value: str, ttl_seconds: float) -> None:
        ttl_ms = max(1, round(ttl_seconds * 1000))
        self._backend.run(
            "store a confirmation",
            lambda: self._backend.client.set(self._backend.key("once", key), value, px=ttl_ms),
        )

    def take(self, key: str) -> str | None:
        value: str | None = self._backend.run(
            "take a confirmation", lambda: self._backend.client.getdel(self._backend.key("once", key))
        )
        return value

    # Grouped records.
    def records(self, group: str) -> dict[str, str]:
        found: dict[str, str] = self._backend.run(
            "read records", lambda: self._backend.client.hgetall(self._backend.key("records", group))
        )
        return found

    def insert(self, group: str, key: str, value: str) -> str | None:
        return self._write("insert", group, key, value)

    def put(self, group: str, key: str, value: str) -> None:
        self._write("put", group, key, value)

    def delete(self, group: str, key: str) -> None:
        self._write("delete", group, key, "")

    def _write(self, op: str, group: str, key: str, value: str) -> str | None:
        """One record write, fenced by the lock named like the group when this task holds it."""
        lock = self._backend.key("lock", group)
        holder = _held.get().get(lock)
        keys = [self._backend.key("records", group), *([lock] if holder is not None else [])]
        args = [op, key, value, holder or ""]
        answer = self._backend.run("write a record", lambda: self._backend.write(keys=keys, args=args))
        if answer[0] == "lost":
            fence = (holder or "?").split(":", 1)[0]
            raise LeaseLost(
                f"The lease on lock {group!r} (fence {fence}) lapsed before this {op}, so another holder may "
                "have it now: the write was refused. Read the records again before acting on them."
            )
        return answer[1] if len(answer) > 1 else None

    # Locks.
    @asynccontextmanager
    async def hold(self, name: str) -> AsyncIterator[None]:
        lock = self._backend.key("lock", name)
        holder = await self._acquire(lock, self._backend.key("fence", name))
        reset = _held.set({**_held.get(), lock: holder})
        try:
            async with anyio.create_task_group() as renewals:
                renewals.start_soon(self._renew, lock, holder)
                try:
                    yield
                finally:
                    renewals.cancel_scope.cancel()
        except BaseExceptionGroup as raised:  # the block's own exception: renewals raise none
            raise raised.exceptions[0] from None
        finally:
            _held.reset(reset)
            with anyio.CancelScope(shield=True), contextlib.suppress(StateUnavailable):
                # Unreleased (Redis is down), the lock is free once its lease lapses.
                await self._in_thread(
                    "release a lock", lambda: self._backend.release(keys=[lock], args=[holder])
                )

    async def _acquire(self, lock: str, fence: str) -> str:
        keys = [lock, fence]
        wait = POLL_SECONDS / 16
        while True:
            # Shielded: a lock taken just as the caller is cancelled must still reach `hold`'s release.
            with anyio.CancelScope(shield=True):
                holder: str | None = await self._in_thread(
                    "take a lock",
                    lambda: self._backend.acquire(keys=keys, args=[secrets.token_hex(16), self._lease_ms]),
                )
            if holder is not None:
                return holder
            await anyio.sleep(wait)
            wait = min(wait * 2, POLL_SECONDS)

    async def _renew(self, lock: str, holder: str) -> None:
        """Extend the lease every third of it until cancelled, or until the lock is no longer ours."""
        keys, args = [lock], [holder, self._lease_ms]
        while True:
            await anyio.sleep(self._lease_ms / 3000)
            try:
                renewed = await self._in_thread(
                    "renew a lock", lambda: self._backend.renew(keys=keys, args=args)
                )
            except StateUnavailable:
                continue  # Redis may answer again before the lease lapses; fenced writes guard the rest
            if not renewed:
                return  # the lease lapsed: fenced writes now raise LeaseLost

    async def _in_thread(self, what: str, call: Callable[[], T]) -> T:
        return await anyio.to_thread.run_sync(lambda: self._backend.run(what, call))

    @property
    def journal(self) -> RedisJournal:
        return self._journal

    def check(self) -> None:
        self._backend.run("answer a PING", self._backend.client.ping)

    def close(self) -> None:
        self._backend.client.close()
