"""A worker process for the shared-state tests: opens the state and runs one command on it.

    python -m tests.state.worker OPENER PLACE hold NAME     # prints "held"; on a line from stdin
                                                            # marks ("marks", "worker") = "leaving",
                                                            # lets go and prints "released"
    python -m tests.state.worker OPENER PLACE take PREFIX N     # prints "ready"; on a line: takes
                                                                # PREFIX0.., prints [[i, value]...]
    python -m tests.state.worker OPENER PLACE insert GROUP N TAG    # as take, inserting TAG:
                                                                    # prints [[i, existing]...]

Starting on a line from stdin lets several workers race from the same moment.
"""

from __future__ import annotations

import json
import pkgutil
import sys
from collections.abc import Callable

import anyio

from checkout_mcp.state.base import SharedState


def say(line: str) -> None:
    print(line, flush=True)


async def hold(state: SharedState, name: str) -> None:
    async with state.hold(name):
        say("held")
        await anyio.to_thread.run_sync(sys.stdin.readline)
        state.put("marks", "worker", "leaving")
    say("released")


def main(opener_name: str, place: str, command: str, *arguments: str) -> None:
    opener: Callable[[str], SharedState] = pkgutil.resolve_name(opener_name)
    state = opener(place)
    try:
        if command == "hold":
            anyio.run(hold, state, arguments[0])
            return
        say("ready")
        sys.stdin.readline()
        if command == "take":
            prefix, count = arguments
            say(json.dumps([[i, state.take(f"{prefix}{i}")] for i in range(int(count))]))
        elif command == "insert":
            group, count, tag = arguments
            say(json.dumps([[i, state.insert(group, f"k{i}", tag)] for i in range(int(count))]))
        else:
            raise SystemExit(f"unknown command {command!r}")
    finally:
        state.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
