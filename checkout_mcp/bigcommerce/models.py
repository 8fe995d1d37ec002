"""The one domain model both API surfaces map into; tools speak only this.

Management v3 JSON is snake_case, storefront JSON is camelCase; the bindings translate both into
these models. Money is always `Decimal` (never float) and every amount on a checkout is in the
checkout's `currency`. `raw` keeps the upstream JSON for `view="full"`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, SkipValidation, WithJsonSchema

from checkout_mcp.order_status import ORDER_STATUS_NAMES

ItemKind = Literal["physical", "digital", "gift_certificate", "custom"]
Raw = Annotated[dict[str, Any] | None, SkipValidation(), Field(exclude=True, repr=False)]
"""The upstream JSON object as decoded, for view="full"; kept as it is: the mapping read it as one."""


class DomainModel(BaseModel):
    """What the store's answers are mapped to. Each model's validator is built when it is first used,
    not at import: serving starts (and lists its tools) without the ones only answers need."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class Address(DomainModel):
    id: str | None = None
    first_name: str = ""
    last_name: str = ""
    email: str | None = None
    company: str = ""
    address1: str = ""
    address2: str = ""
    city: str = ""
    state_or_province: str = ""
    state_or_province_code: str = ""
    country_code: str = ""
    postal_code: str = ""
    phone: str = ""


class LineItem(DomainModel):
    id: str
    kind: ItemKind
    name: str
    quantity: int
    product_id: int | None = None
    variant_id: int | None = None
    sku: str | None = None
    list_price: Decimal
    sale_price: Decimal
    extended_sale_price: Decimal
    discount_amount: Decimal = Decimal("0")
    coupon_amount: Decimal = Decimal("0")
    requires_shipping: bool = False


class Coupon(DomainModel):
    code: str
    id: str | None = None
    coupon_type: str | None = None
    discounted_amount: Decimal = Decimal("0")


class GiftCertificate(DomainModel):
    code: str
    balance: Decimal
    used: Decimal
    remaining: Decimal


class ShippingOption(DomainModel):
    id: str
    description: str
    cost: Decimal
    type: str | None = None
    transit_time: str | None = None


class Consignment(DomainModel):
    id: str
    address: Address
    line_item_ids: list[str] = Field(default_factory=list)
    available_shipping_options: list[ShippingOption] | None = None
    selected_shipping_option: ShippingOption | None = None
    shipping_cost: Decimal = Decimal("0")
    handling_cost: Decimal = Decimal("0")


class Tax(DomainModel):
    name: str
    amount: Decimal


class Cart(DomainModel):
    id: str
    currency: str
    customer_id: int = 0
    email: str | None = None
    is_tax_included: bool = False
    base_amount: Decimal
    discount_amount: Decimal = Decimal("0")
    cart_amount: Decimal
    line_items: list[LineItem] = Field(default_factory=list)
    coupons: list[Coupon] = Field(default_factory=list)
    version: int | None = None
    raw: Raw = None


class Checkout(DomainModel):
    id: str
    cart: Cart
    currency: str
    billing_address: Address | None = None
    consignments: list[Consignment] = Field(default_factory=list)
    coupons: list[Coupon] = Field(default_factory=list)
    gift_certificates: list[GiftCertificate] = Field(default_factory=list)
    taxes: list[Tax] = Field(default_factory=list)
    subtotal: Decimal
    shipping_total: Decimal = Decimal("0")
    handling_total: Decimal = Decimal("0")
    tax_total: Decimal = Decimal("0")
    grand_total: Decimal
    outstanding_balance: Decimal
    order_id: str | None = None
    customer_message: str = ""
    version: int | None = None
    raw: Raw = None


class OrderItem(DomainModel):
    name: str
    quantity: int
    sku: str | None = None
    total: Decimal


class Order(DomainModel):
    """An order; `items` is empty where the answer does not list them (the v2 order list)."""

    id: int
    status: str
    status_id: int = Field(ge=0, lt=len(ORDER_STATUS_NAMES))
    currency: str
    subtotal: Decimal
    shipping_total: Decimal = Decimal("0")
    tax_total: Decimal = Decimal("0")
    discount_total: Decimal = Decimal("0")
    grand_total: Decimal
    items: list[OrderItem] = Field(default_factory=list)
    billing_address: Address | None = None
    cart_id: str | None = None
    raw: Raw = None


class VariantOption(DomainModel):
    """One option choice that defines a variant, e.g. Size = M."""

    option: str
    value: str


class Variant(DomainModel):
    """A purchasable version of a product: what a cart line's `variant_id` names."""

    id: int
    product_id: int
    sku: str
    price: Decimal  # what a cart charges for it (its own price, else the product's)
    inventory_level: int | None = None  # None: stock is not tracked per variant
    purchasable: bool = True
    options: list[VariantOption] = Field(default_factory=list)


class Product(DomainModel):
    """A catalog product; `variants` is None unless they were asked for."""

    id: int
    name: str
    sku: str
    type: Literal["physical", "digital"]
    price: Decimal  # calculated_price: what the storefront charges
    is_visible: bool = True
    purchasable: bool = True  # availability is not "disabled"
    inventory_tracking: Literal["none", "product", "variant"] = "none"
    inventory_level: int = 0  # in all; meaningful unless inventory_tracking is "none"
    order_quantity_minimum: int = 0  # 0: none
    order_quantity_maximum: int = 0  # 0: none
    base_variant_id: int | None = None  # products without options
    image_url: str | None = None
    variants: list[Variant] | None = None
    raw: Raw = None


class ProductPage(DomainModel):
    """One page of a product search, and where it sits in the whole result."""

    products: list[Product]
    total: int
    page: int
    total_pages: int


class CheckoutToken(DomainModel):
    """A credential: it never appears in logs, errors or the audit journal."""

    token: SecretStr
    max_uses: int | None = None
    ttl_seconds: int | None = None


class RedirectUrls(DomainModel):
    cart_url: str
    checkout_url: str
    embedded_checkout_url: str | None = None


class PaymentMethod(DomainModel):
    id: str
    method: str | None = None
    type: str | None = None
    supported_cards: list[str] = Field(default_factory=list)


class AddressInput(BaseModel):
    """An address as a caller gives it; validated before any request leaves the process."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    first_name: str = Field(min_length=1, max_length=255)
    last_name: str = Field(min_length=1, max_length=255)
    email: Annotated[
        str | None,
        Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=255),
        WithJsonSchema({"type": "string", "format": "email"}),
    ] = None
    company: str = Field(default="", max_length=255)
    address1: str = Field(min_length=1, max_length=255)
    address2: str = Field(default="", max_length=255)
    city: str = Field(min_length=1, max_length=100)
    state_or_province: str = Field(default="", max_length=100)
    state_or_province_code: str = Field(default="", max_length=10)
    country_code: str = Field(pattern=r"^[A-Z]{2}$", description="ISO alpha-2")
    postal_code: str = Field(default="", max_length=30)
    phone: str = Field(default="", max_length=50)


class NewLineItem(BaseModel):
    """A product to put in a cart."""

    model_config = ConfigDict(extra="forbid")

    product_id: int = Field(ge=1)
    variant_id: int | None = Field(default=None, ge=1)
    quantity: int = Field(ge=1, le=10_000)


class ConsignmentItem(BaseModel):
    """Which line item (and how many of it) ships to one address."""

    model_config = ConfigDict(extra="forbid")

    item_id: str = Field(min_length=1, max_length=64)
    quantity: int = Field(ge=1, le=10_000)
