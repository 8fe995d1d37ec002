"""Argument types shared by the tools: each says what it is and is checked before any request.

`Accepts` (not part of the published schema) tells an agent that got a value wrong what is
accepted and which tool gives the right value.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field

from checkout_mcp.tools.arguments import Accepts

View = Literal["compact", "full"]
CheckoutId = Annotated[
    UUID,
    Field(description="checkout id (= cart id)"),
    Accepts("a checkout id (a UUID)", "use the id from create_cart or list_checkouts"),
]
_SAFE_ID = r"^[A-Za-z0-9_-]+$"
ItemId = Annotated[
    str,
    Field(max_length=64, pattern=_SAFE_ID, description="line item id"),
    Accepts("a line item id (letters, digits, - and _)", "the text before ': ' in get_checkout's items"),
]
ConsignmentId = Annotated[
    str,
    Field(max_length=64, pattern=_SAFE_ID, description="consignment id"),
    Accepts("a consignment id (letters, digits, - and _)", "the id in get_checkout's consignments"),
]
AddressId = Annotated[
    str,
    Field(max_length=64, pattern=_SAFE_ID, description="billing address id"),
    Accepts("a billing address id", "get_checkout's billing_address_id"),
]
OptionId = Annotated[
    str,
    Field(max_length=128, pattern=_SAFE_ID, description="shipping option id"),
    Accepts("a shipping option id", "the text before ': ' in list_shipping_options' options"),
]
Code = Annotated[
    str,
    Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$"),
    Accepts("a code of 1-100 letters, digits, '.', '-' or '_'", "the code as the shopper gave it"),
]
OrderId = Annotated[
    int,
    Field(ge=1, description="order id"),
    Accepts("an order id (a whole number >= 1)", "get_checkout's order_id or create_order's result"),
]
ViewField = Annotated[
    View, Field(description="full adds the raw upstream JSON"), Accepts("'compact' or 'full'")
]
Version = Annotated[
    int | None,
    Field(ge=1, description="checkout version expected; stale: 409"),
    Accepts("a checkout version (a whole number >= 1)", "the version from the last get_checkout"),
]
