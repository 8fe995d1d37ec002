"""A journal that also writes each record it appends to a stream as one JSON line, for a log shipper.

The record goes to the stream once it is stored (so the stream never shows a record the journal
lacks); a stream that fails is logged and does not fail the call: the journal holds the record.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any, BinaryIO

from checkout_mcp.state.base import Journal
from checkout_mcp.state.chain import encode

logger = logging.getLogger(__name__)


class TeeJournal:
    """`journal`, with every appended record also written to `stream` (stdout under HTTP)."""

    def __init__(self, journal: Journal, stream: BinaryIO) -> None:
        self._journal = journal
        self._stream = stream
        self._lock = threading.Lock()

    def append(self, seal: Callable[[int, str], Mapping[str, Any]]) -> Mapping[str, Any]:
        record = self._journal.append(seal)
        with self._lock:
            try:
                self._stream.write(encode(record))
                self._stream.flush()
            except (OSError, ValueError) as error:  # ValueError: the stream is closed
                logger.warning("Cannot copy audit record #%s to the log stream: %s", record.get("seq"), error)
        return record

    def lines(self) -> Iterator[bytes]:
        return self._journal.lines()

    def close(self) -> None:
        self._journal.close()
