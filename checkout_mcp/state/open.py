"""Which state a server uses: Redis when configured, else SQLite in a folder per store.

Every server on this machine serving one store finds the same folder with no configuration:
`<dir>/<slug>/state.sqlite3`, `dir` defaulting to the user's state directory (platformdirs:
`~/.local/state/checkout-mcp` on Linux). The slug is the namespace (the store's identity) made
safe for any file system, plus a hash of the namespace itself so two namespaces never share one.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import platformdirs

from checkout_mcp.clock import Clock
from checkout_mcp.state.base import Journal, JournalState, SharedState
from checkout_mcp.state.journal_file import FileJournal
from checkout_mcp.state.settings import StateSettings
from checkout_mcp.state.sqlite import SqliteState

APP_NAME = "checkout-mcp"
JOURNAL_FILE = "audit.jsonl"


def namespace_slug(namespace: str) -> str:
    """A folder name for `namespace`: its readable part, then a hash that tells namespaces apart."""
    readable = re.sub(r"[^a-z0-9]+", "-", namespace.lower()).strip("-")[:40] or "store"
    return f"{readable}-{hashlib.sha256(namespace.encode('utf-8')).hexdigest()[:16]}"


def state_folder(settings: StateSettings, namespace: str) -> Path:
    """Where the SQLite state of `namespace` lives."""
    root = settings.dir if settings.dir is not None else Path(platformdirs.user_state_dir(APP_NAME))
    return root / namespace_slug(namespace)


def open_state(settings: StateSettings, namespace: str) -> SharedState:
    """The state every process and replica serving the store `namespace` shares."""
    if settings.redis_url is not None:
        from checkout_mcp.state.redis import RedisState

        state: SharedState = RedisState.connect(
            settings.redis_url, namespace, lease_seconds=settings.lock_lease_seconds
        )
        return state
    return SqliteState(state_folder(settings, namespace))


def open_private_state(settings: StateSettings, namespace: str) -> SharedState:
    """The state of a store private to this process (the embedded sandbox): private too, unless the
    configuration names a place explicitly. Two processes' sandboxes have the same seeded checkout
    ids but are different stores: sharing a ledger would mix their orders."""
    if settings.dir is None and settings.redis_url is None:
        return SqliteState.private()
    return open_state(settings, namespace)


def journal_for(
    settings: StateSettings,
    namespace: str,
    path: Path | None,
    state: SharedState | None = None,
    clock: Clock | None = None,
) -> tuple[Journal, str]:
    """The store's audit journal and where it is (for messages): the file `path` when configured;
    else the state's own chain (Redis); else audit.jsonl in the store's state folder, where every
    server of this store on this machine appends to one chain. With `clock`, opened for appending
    (`state`: the server's own, whose Redis connection the journal then shares).
    """
    if path is None and settings.redis_url is not None:
        from checkout_mcp.state.redis import url_without_password

        chained = state if isinstance(state, JournalState) else open_state(settings, namespace)
        assert isinstance(chained, JournalState)
        return chained.journal, f"{url_without_password(settings.redis_url)} (store {namespace})"
    file = path if path is not None else state_folder(settings, namespace) / JOURNAL_FILE
    journal = FileJournal(file, clock)
    return (journal.open() if clock is not None else journal), str(file)
