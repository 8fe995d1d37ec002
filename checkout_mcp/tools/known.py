"""The checkouts this server has worked on: what list_checkouts and argument completion offer.

A checkout becomes known when a tool result names it (create_cart, or any call on it). Kept in
memory, most recent first, bounded, so it costs the same however long the server runs.
"""

from __future__ import annotations

from collections import OrderedDict

MAX_KNOWN = 50


class KnownCheckouts:
    """Checkout ids, most recently used first; at most `limit` of them."""

    def __init__(self, limit: int = MAX_KNOWN) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._limit = limit

    def saw(self, checkout_id: str) -> None:
        self._ids[checkout_id] = None
        self._ids.move_to_end(checkout_id, last=False)
        while len(self._ids) > self._limit:
            self._ids.popitem(last=True)

    def forget(self, checkout_id: str) -> None:
        self._ids.pop(checkout_id, None)

    def recent(self, count: int = MAX_KNOWN) -> list[str]:
        return list(self._ids)[:count]
