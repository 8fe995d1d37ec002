"""The checkouts this server has worked on: what list_checkouts and argument completion offer.

A checkout becomes known when a tool result names it (create_cart, or any call on it). Kept in
memory, most recent first, bounded, so it costs the same however long the server runs.

For some it also keeps which physical items were still unshipped in the last answer the server
saw, so add_shipping_address needs no read of its own (one request per write). Only the answers of
create_cart and the billing-address writes leave this note; every other write on the checkout
drops it. A note gone stale (someone else changed the cart) makes the store refuse the
consignment, and the tool then reads the checkout and tries once more.
"""

from __future__ import annotations

from collections import OrderedDict

MAX_KNOWN = 50


class KnownCheckouts:
    """Checkout ids, most recently used first; at most `limit` of them."""

    def __init__(self, limit: int = MAX_KNOWN) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._unshipped: dict[str, tuple[tuple[str, int], ...]] = {}
        self._limit = limit

    def saw(self, checkout_id: str) -> None:
        self._ids[checkout_id] = None
        self._ids.move_to_end(checkout_id, last=False)
        while len(self._ids) > self._limit:
            dropped, _ = self._ids.popitem(last=True)
            self._unshipped.pop(dropped, None)

    def forget(self, checkout_id: str) -> None:
        self._ids.pop(checkout_id, None)
        self._unshipped.pop(checkout_id, None)

    def note_unshipped(self, checkout_id: str, items: list[tuple[str, int]] | None) -> None:
        """The (item id, quantity) pairs still to ship, as the last answer showed; None: not known."""
        if items is None:
            self._unshipped.pop(checkout_id, None)
        else:
            self._unshipped[checkout_id] = tuple(items)

    def unshipped(self, checkout_id: str) -> list[tuple[str, int]] | None:
        noted = self._unshipped.get(checkout_id)
        return list(noted) if noted is not None else None

    def recent(self, count: int = MAX_KNOWN) -> list[str]:
        return list(self._ids)[:count]
