"""Another process (a replica) using the same Redis, driven by the tests in test_redis_state.py.

python -m tests.state.redis_worker URL NAMESPACE count NAME TIMES
    prints "ready", waits for a line on stdin (so that several start together), then takes
    TIMES turns of a read-modify-write of record "n" under the lock NAME; on each turn it first
    inserts record "inside" and fails if another holder's "inside" is there. Prints "done".
python -m tests.state.redis_worker URL NAMESPACE hold NAME LEASE_SECONDS
    holds the lock NAME and prints "held", then for each line on stdin "put KEY VALUE" writes
    that record of group NAME and prints "ok", or "lease-lost" when the write is refused; at the
    end of stdin, releases the lock and prints "released".
python -m tests.state.redis_worker URL NAMESPACE append WRITER TIMES
    appends TIMES journal records written by WRITER; prints "done".
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import partial
from typing import Any

import anyio

from checkout_mcp.state.base import LeaseLost
from checkout_mcp.state.chain import seal
from checkout_mcp.state.redis import RedisState


def sealer(writer: str, number: int) -> Callable[[int, str], dict[str, Any]]:
    """How a record by `writer` is sealed, once its place in the chain is known (the journal's seal)."""
    return partial(seal, {"kind": "begin", "writer": writer, "number": number})


async def count(state: RedisState, name: str, times: int) -> None:
    state.check()
    print("ready", flush=True)
    await anyio.to_thread.run_sync(sys.stdin.readline)
    for _ in range(times):
        async with state.hold(name):
            other = state.insert(name, "inside", str(os.getpid()))
            if other is not None:
                sys.exit(f"overlap: process {other} holds the lock {name} too")
            seen = await anyio.to_thread.run_sync(state.records, name)
            state.put(name, "n", str(int(seen.get("n", "0")) + 1))
            state.delete(name, "inside")
    print("done", flush=True)


async def hold(state: RedisState, name: str) -> None:
    async with state.hold(name):
        print("held", flush=True)
        while line := await anyio.to_thread.run_sync(sys.stdin.readline):
            _, key, value = line.split()
            try:
                state.put(name, key, value)
            except LeaseLost:
                print("lease-lost", flush=True)
            else:
                print("ok", flush=True)
    print("released", flush=True)


def append(state: RedisState, writer: str, times: int) -> None:
    for number in range(times):
        state.journal.append(sealer(writer, number))
    print("done", flush=True)


def main() -> None:
    url, namespace, command, name, number = sys.argv[1:6]
    lease = float(number) if command == "hold" else 30.0
    state = RedisState.connect(url, namespace, lease_seconds=lease)
    try:
        if command == "count":
            anyio.run(count, state, name, int(number))
        elif command == "hold":
            anyio.run(hold, state, name)
        else:
            append(state, name, int(number))
    finally:
        state.close()


if __name__ == "__main__":
    main()
