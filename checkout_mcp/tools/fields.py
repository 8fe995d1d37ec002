"""Argument types shared by the tools: each says what it is and is checked before any request."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field

View = Literal["compact", "full"]
CheckoutId = Annotated[UUID, Field(description="checkout id (= cart id)")]
CartId = Annotated[UUID, Field(description="cart id (= checkout id)")]
_SAFE_ID = r"^[A-Za-z0-9_-]+$"
ItemId = Annotated[str, Field(max_length=64, pattern=_SAFE_ID, description="line item id")]
ConsignmentId = Annotated[str, Field(max_length=64, pattern=_SAFE_ID, description="consignment id")]
AddressId = Annotated[str, Field(max_length=64, pattern=_SAFE_ID, description="billing address id")]
OptionId = Annotated[str, Field(max_length=128, pattern=_SAFE_ID, description="shipping option id")]
Code = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")]
OrderId = Annotated[int, Field(ge=1, description="order id")]
ViewField = Annotated[View, Field(description="full adds the raw upstream JSON")]
Version = Annotated[int | None, Field(ge=1, description="checkout version expected; stale: 409")]
