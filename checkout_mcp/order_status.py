"""BigCommerce's order statuses, as the client and the sandbox both speak of them.

By id (orders.v2.oas2.yml, GET /order_statuses). The storefront's `Status` (orders.sf.yml) lists
them in the same order, spelled "AWAITING_FULFILLMENT".
"""

from __future__ import annotations

ORDER_STATUS_NAMES: tuple[str, ...] = (
    "Incomplete",
    "Pending",
    "Shipped",
    "Partially Shipped",
    "Refunded",
    "Cancelled",
    "Declined",
    "Awaiting Payment",
    "Awaiting Pickup",
    "Awaiting Shipment",
    "Completed",
    "Awaiting Fulfillment",
    "Manual Verification Required",
    "Disputed",
    "Partially Refunded",
)
INCOMPLETE_STATUS_ID = 0
CANCELLED_STATUS_ID = 5
