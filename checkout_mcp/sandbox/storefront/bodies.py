"""Request bodies of the storefront routes: camelCase JSON read as snake_case models."""

from __future__ import annotations

import re
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, RootModel
from starlette.requests import Request

from checkout_mcp.sandbox import operations as ops
from checkout_mcp.sandbox.jsonio import parse, read_json
from checkout_mcp.sandbox.payloads import ConsignmentBody, Versioned

Body = TypeVar("Body", bound=BaseModel)


def snake(key: str) -> str:
    """camelCase to snake_case, digits left alone ("address1" stays, "firstName" -> "first_name")."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


def snake_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {snake(str(k)): snake_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [snake_keys(v) for v in value]
    return value


async def body_of(request: Request, model: type[Body]) -> Body:
    """The camelCase JSON body validated as a snake_case model (422 naming each invalid field)."""
    return parse(model, snake_keys(await read_json(request)))


class CreateCartBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    line_items: list[ops.ItemRequest] = Field(min_length=1)
    locale: str = Field(default="en", max_length=20)


class LineItemQuantity(BaseModel):
    model_config = ConfigDict(extra="ignore")

    quantity: int = Field(ge=0)


class CartItemBody(Versioned):
    line_item: LineItemQuantity


class ConsignmentCreateList(RootModel[list[ConsignmentBody]]):
    """POST /consignments takes a list."""


class GiftCertificateBody(Versioned):
    gift_certificate_code: str = Field(min_length=1, max_length=255)


class OrderBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    customer_message: str | None = None
