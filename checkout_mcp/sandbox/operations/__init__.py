"""The store's domain operations, shared by the management and storefront surfaces.

Every function takes the `StoreState` (and `now` from the sandbox clock where time matters),
changes it or reads it, and raises `SandboxError` with BigCommerce's status and message when the
request is refused. Mutations of a cart/checkout take `expected_version`: when given and not the
current version the call is refused with 409 before anything changes; on success the version goes
up by one. Inputs are already-parsed, snake_case values: each surface maps its own JSON to them.

One module per resource (carts, checkout, discounts, orders, links), as `tools/` has; `common`
holds the reads and the version rule they share. Import the package: `operations as ops`.
"""

from __future__ import annotations

from checkout_mcp.sandbox.operations.carts import (
    MAX_LIST_PRICE,
    MAX_QUANTITY,
    ItemRequest,
    add_items,
    create_cart,
    delete_cart,
    remove_item,
    update_cart_customer,
    update_item,
)
from checkout_mcp.sandbox.operations.checkout import (
    AddressData,
    ConsignmentLine,
    ConsignmentRequest,
    add_billing_address,
    add_consignments,
    available_shipping_options,
    delete_consignment,
    select_shipping_option,
    update_billing_address,
    update_consignment,
    update_customer_message,
)
from checkout_mcp.sandbox.operations.common import checkout_totals, get_cart, get_order
from checkout_mcp.sandbox.operations.discounts import (
    apply_coupon,
    apply_gift_certificate,
    remove_coupon,
    remove_gift_certificate,
)
from checkout_mcp.sandbox.operations.links import (
    RedirectUrlSet,
    attach_cart_to_session,
    check_confirmation_token,
    create_checkout_token,
    create_redirect_urls,
    session_cart,
    session_carts,
    visit_redirect_url,
)
from checkout_mcp.sandbox.operations.orders import (
    OrderQuery,
    create_order,
    finalize_order,
    list_orders,
    update_order_status,
)

__all__ = [
    "MAX_LIST_PRICE",
    "MAX_QUANTITY",
    "AddressData",
    "ConsignmentLine",
    "ConsignmentRequest",
    "ItemRequest",
    "OrderQuery",
    "RedirectUrlSet",
    "add_billing_address",
    "add_consignments",
    "add_items",
    "apply_coupon",
    "apply_gift_certificate",
    "attach_cart_to_session",
    "available_shipping_options",
    "check_confirmation_token",
    "checkout_totals",
    "create_cart",
    "create_checkout_token",
    "create_order",
    "create_redirect_urls",
    "delete_cart",
    "delete_consignment",
    "finalize_order",
    "get_cart",
    "get_order",
    "list_orders",
    "remove_coupon",
    "remove_gift_certificate",
    "remove_item",
    "select_shipping_option",
    "session_cart",
    "session_carts",
    "update_billing_address",
    "update_cart_customer",
    "update_consignment",
    "update_customer_message",
    "update_item",
    "update_order_status",
    "visit_redirect_url",
]
