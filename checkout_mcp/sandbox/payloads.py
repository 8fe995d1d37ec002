"""Request bodies that both API surfaces take for the same checkout operations, in snake_case.

The management API's JSON is snake_case already; the storefront converts its camelCase keys first.
Each write carries the specs' optional `version`: the operation refuses a stale one with 409.
"""

from __future__ import annotations

from pydantic import BaseModel

from checkout_mcp.sandbox import operations as ops


class Versioned(BaseModel):
    version: int | None = None


class CustomerMessageBody(Versioned):
    customer_message: str


class AddressBody(ops.AddressData):
    version: int | None = None


class ConsignmentBody(ops.ConsignmentRequest):
    version: int | None = None


class ConsignmentUpdateBody(Versioned):
    address: ops.AddressData | None = None
    line_items: list[ops.ConsignmentLine] | None = None
    shipping_option_id: str | None = None


class CouponBody(Versioned):
    coupon_code: str
