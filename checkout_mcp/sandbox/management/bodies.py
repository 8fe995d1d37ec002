"""Request bodies and query parameters of the management routes, validated before any operation runs."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from checkout_mcp.sandbox import operations as ops
from checkout_mcp.sandbox.payloads import ConsignmentBody, ConsignmentUpdateBody, Versioned

LIMIT_MAX = 250  # the most a v2 or v3 collection returns per page


class PageQuery(BaseModel):
    """Collection paging (v2 and v3): `page` from 1, `limit` (default 50, at most 250) per page."""

    page: int = Field(default=1, ge=1)
    limit: int = Field(default=50, ge=1, le=LIMIT_MAX)


class OrderListQuery(PageQuery):
    """The GET /v2/orders filters the sandbox implements (others are ignored, as unknown ones are)."""

    cart_id: str | None = None
    status_id: int | None = None
    min_id: int | None = None
    max_id: int | None = None
    sort: str = "id"


class OrderStatusBody(BaseModel):
    """PUT /v2/orders/{id}: the sandbox changes only the status, and says so for anything else."""

    model_config = ConfigDict(extra="forbid")

    status_id: int


class CreateCartBody(BaseModel):
    customer_id: int = 0
    channel_id: int = 1
    locale: str = "en"
    currency: dict[str, str] | None = None
    line_items: list[ops.ItemRequest] = []


class AddItemsBody(Versioned):
    line_items: list[ops.ItemRequest] = Field(default_factory=list)


class UpdateItemBody(Versioned):
    line_item: ops.ItemRequest


class CartCustomerBody(Versioned):
    customer_id: int


class RedirectUrlsBody(BaseModel):
    query_params: dict[str, str] = {}


class TokenBody(BaseModel):
    maxUses: int | None = None  # the spec's camelCase field name
    ttl: int | None = None


def split_commas(value: Any) -> Any:
    """`id:in=1,2` and `include=variants,images` (the spec's style form, explode false)."""
    return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value


Includes = Annotated[list[str], BeforeValidator(split_commas)]


class ProductQuery(BaseModel):
    include: Includes = Field(default_factory=list)


class ProductListQuery(PageQuery, ProductQuery):
    """The GET /catalog/products filters the sandbox implements (others are ignored)."""

    ids: Annotated[list[int] | None, BeforeValidator(split_commas)] = Field(default=None, alias="id:in")
    keyword: str | None = None
    name: str | None = None
    sku: str | None = None
    is_visible: bool | None = None


class ManagementShippingAddress(ops.AddressData):
    """checkouts.v3.yml requires more of a consignment's address than the storefront does. It also
    lists `email` as required here and for the billing address; the sandbox does not (a sandbox
    choice: checkouts without an email, which the storefront allows, stay possible on both)."""

    REQUIRED = ("country_code", "state_or_province", "postal_code")


class ManagementConsignmentBody(ConsignmentBody):
    address: ManagementShippingAddress


class ManagementConsignmentUpdateBody(ConsignmentUpdateBody):
    address: ManagementShippingAddress | None = None
