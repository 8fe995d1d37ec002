"""The whole sandbox store as one pydantic model, so it can be exported, loaded and reset as a unit.

A cart and its checkout are one record (`Cart`): the cart id is the checkout id, as in BigCommerce.
Money is `Decimal` everywhere; `export()` writes it as strings so a round trip is exact.
Secrets (checkout tokens, redirect-URL tokens) are stored only as SHA-256 digests.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from checkout_mcp.order_status import CANCELLED_STATUS_ID, INCOMPLETE_STATUS_ID, ORDER_STATUS_NAMES

ProductType = Literal["physical", "digital"]
Availability = Literal["available", "disabled", "preorder"]
CouponType = Literal["percentage_discount", "per_total_discount", "free_shipping"]
CartSource = Literal["management", "storefront"]
UUID_PATTERN = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)  # cart/checkout ids

FINALIZED_STATUS_ID = 11  # what finalizing after a confirmed payment gives: Awaiting Fulfillment
# Statuses in which an order holds no stock: never placed, or cancelled (the stock went back).
STOCK_FREE_STATUS_IDS = frozenset({INCOMPLETE_STATUS_ID, CANCELLED_STATUS_ID})


def storefront_status(status_id: int) -> str:
    """The storefront's spelling of a status: "Awaiting Fulfillment" -> "AWAITING_FULFILLMENT"."""
    return ORDER_STATUS_NAMES[status_id].upper().replace(" ", "_")


def digest(secret: str) -> str:
    """The SHA-256 of a secret: tokens are kept only in this form."""
    return hashlib.sha256(secret.encode()).hexdigest()


class StateModel(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class OptionValue(StateModel):
    id: int
    label: str


class ProductOption(StateModel):
    id: int
    display_name: str
    values: list[OptionValue]


class VariantOptionValue(StateModel):
    """One option choice that defines a variant (e.g. Size = M)."""

    option_id: int
    option_display_name: str
    id: int
    label: str


class Variant(StateModel):
    id: int
    sku: str
    price: Decimal | None = None  # None: the product's price
    inventory_level: int | None = None  # None: stock not tracked
    purchasing_disabled: bool = False
    option_values: list[VariantOptionValue] = Field(default_factory=list)


class Product(StateModel):
    """A catalog product. One without options has a single base variant (`base_variant_id`), as in
    BigCommerce; its stock and price are the product's own, so it is not kept in `variants`."""

    id: int
    name: str
    sku: str
    type: ProductType = "physical"
    description: str = ""
    price: Decimal
    weight: Decimal = Decimal("0")
    is_taxable: bool = True
    is_visible: bool = True
    availability: Availability = "available"  # "disabled": listed but cannot be bought
    inventory_level: int | None = None  # products without variants; None: not tracked
    order_quantity_minimum: int = 0  # 0: no minimum
    order_quantity_maximum: int = 0  # 0: no purchase limit
    base_variant_id: int | None = None  # products without options only
    options: list[ProductOption] = Field(default_factory=list)
    variants: list[Variant] = Field(default_factory=list)

    def variant(self, variant_id: int) -> Variant | None:
        return next((v for v in self.variants if v.id == variant_id), None)


class LineItem(StateModel):
    """A catalog item in a cart; prices are per unit, as the catalog had them when added."""

    id: str
    product_id: int
    variant_id: int | None = None
    name: str
    sku: str
    type: ProductType
    quantity: int
    list_price: Decimal
    is_taxable: bool = True
    options: list[VariantOptionValue] = Field(default_factory=list)


class PostalAddress(BaseModel):
    """An address's fields: shared by the stored `Address` and the requests that set one."""

    first_name: str = ""
    last_name: str = ""
    email: str = ""
    company: str = ""
    address1: str = ""
    address2: str = ""
    city: str = ""
    state_or_province: str = ""
    state_or_province_code: str = ""
    country_code: str = ""
    postal_code: str = ""
    phone: str = ""


class Address(StateModel, PostalAddress):
    id: str


class Consignment(StateModel):
    id: str
    address: Address
    line_item_ids: list[str] = Field(default_factory=list)
    selected_shipping_option_id: str | None = None


class Cart(StateModel):
    """A cart and its checkout: same id, same version counter."""

    id: str
    source: CartSource = "management"
    customer_id: int = 0
    channel_id: int = 1
    email: str = ""
    currency: str
    locale: str = "en"
    line_items: list[LineItem] = Field(default_factory=list)
    coupon_codes: list[str] = Field(default_factory=list)
    gift_certificate_codes: list[str] = Field(default_factory=list)
    billing_address: Address | None = None
    consignments: list[Consignment] = Field(default_factory=list)
    customer_message: str = ""
    order_id: int | None = None  # the latest order created from this checkout
    version: int = 1
    created_time: datetime
    updated_time: datetime


class Coupon(StateModel):
    id: int
    code: str
    name: str
    type: CouponType
    amount: Decimal = Decimal("0")  # percent for percentage_discount, money for per_total_discount
    min_purchase: Decimal = Decimal("0")
    expires: datetime | None = None
    enabled: bool = True


class GiftCertificate(StateModel):
    code: str
    amount: Decimal  # the original value
    balance: Decimal
    status: Literal["active", "disabled"] = "active"


class ShippingMethod(StateModel):
    """One shipping option offered for addresses in a country (flat cost per consignment)."""

    id: str
    country_code: str
    description: str
    type: str = "shipping_flatrate"
    cost: Decimal
    transit_time: str = ""


class TaxRate(StateModel):
    """A rate for a country; an empty state code means the whole country."""

    name: str
    country_code: str
    state_or_province_code: str = ""
    rate: Decimal  # a fraction: 0.0825 is 8.25 %


class PaymentMethod(StateModel):
    id: str
    name: str
    type: Literal["PAYMENT_TYPE_OFFLINE", "PAYMENT_TYPE_HOSTED", "PAYMENT_TYPE_API"]  # seed 004 PaymentMethod
    supported_cards: list[str] = Field(default_factory=list)
    test_mode: bool = True


class OrderLine(StateModel):
    id: int  # the order product id (v2 /orders/{id}/products), unique across the store
    product_id: int
    variant_id: int | None
    name: str
    sku: str
    type: ProductType
    quantity: int
    base_price: Decimal
    price_ex_tax: Decimal
    price_inc_tax: Decimal
    total_ex_tax: Decimal
    total_inc_tax: Decimal


class Order(StateModel):
    """An order created from a checkout: a snapshot of the checkout's lines and totals."""

    id: int
    cart_id: str
    customer_id: int
    channel_id: int = 1
    status_id: int = Field(default=INCOMPLETE_STATUS_ID, ge=0, lt=len(ORDER_STATUS_NAMES))
    currency: str
    date_created: datetime
    date_modified: datetime
    billing_address: Address
    shipping_addresses: list[Address] = Field(default_factory=list)
    lines: list[OrderLine]
    subtotal_ex_tax: Decimal
    subtotal_inc_tax: Decimal
    shipping_cost_ex_tax: Decimal
    shipping_cost_inc_tax: Decimal
    handling_cost_ex_tax: Decimal = Decimal("0")
    handling_cost_inc_tax: Decimal = Decimal("0")
    discount_amount: Decimal
    coupon_discount: Decimal
    total_tax: Decimal
    total_ex_tax: Decimal
    total_inc_tax: Decimal
    gift_certificate_amount: Decimal = Decimal("0")
    coupon_codes: list[str] = Field(default_factory=list)
    customer_message: str = ""
    payment_method: str = ""

    @property
    def status(self) -> str:
        return ORDER_STATUS_NAMES[self.status_id]

    @property
    def holds_stock(self) -> bool:
        """Placed and not cancelled: its items are taken from stock."""
        return self.status_id not in STOCK_FREE_STATUS_IDS


class CheckoutToken(StateModel):
    token_digest: str
    checkout_id: str
    max_uses: int
    uses: int = 0
    expires_at: datetime


class RedirectUrl(StateModel):
    """A single-use link that restores a cart in a shopper's browser."""

    token_digest: str
    cart_id: str
    expires_at: datetime
    query_params: dict[str, str] = Field(default_factory=dict)
    used: bool = False


class StoreSettings(StateModel):
    name: str = "Sandbox Demo Store"
    currency: str = "USD"
    tax_included: bool = False  # catalog prices include tax (tax-inclusive store)
    tax_shipping: bool = False  # shipping is taxed at the address's rate


class StoreState(BaseModel):
    """Everything the sandbox knows; one instance shared by the management and storefront surfaces."""

    model_config = ConfigDict(extra="forbid")

    settings: StoreSettings = Field(default_factory=StoreSettings)
    products: dict[int, Product] = Field(default_factory=dict)
    carts: dict[str, Cart] = Field(default_factory=dict)
    coupons: dict[str, Coupon] = Field(default_factory=dict)  # by upper-case code
    gift_certificates: dict[str, GiftCertificate] = Field(default_factory=dict)  # by upper-case code
    shipping_methods: list[ShippingMethod] = Field(default_factory=list)
    tax_rates: list[TaxRate] = Field(default_factory=list)
    payment_methods: list[PaymentMethod] = Field(default_factory=list)
    orders: dict[int, Order] = Field(default_factory=dict)
    checkout_tokens: list[CheckoutToken] = Field(default_factory=list)
    redirect_urls: list[RedirectUrl] = Field(default_factory=list)
    customer_emails: list[str] = Field(default_factory=list)  # registered customers (lower case)
    sessions: dict[str, list[str]] = Field(default_factory=dict)  # session token -> cart ids
    demo_carts: dict[str, str] = Field(default_factory=dict)  # seeded carts: label -> cart id
    id_namespace: str = "00000000-0000-0000-0000-000000000000"  # seeds the deterministic ids
    id_counter: int = 0
    next_order_id: int = 100
    next_order_product_id: int = 1

    def new_uuid(self) -> str:
        """A fresh UUID string, deterministic given the namespace and counter (so runs replay)."""
        self.id_counter += 1
        return str(uuid.uuid5(uuid.UUID(self.id_namespace), str(self.id_counter)))

    def new_short_id(self) -> str:
        """A fresh 13-hex-digit id, the shape BigCommerce uses for addresses and consignments."""
        return self.new_uuid().replace("-", "")[:13]

    def take_order_id(self) -> int:
        order_id = self.next_order_id
        self.next_order_id += 1
        return order_id

    def take_order_product_id(self) -> int:
        line_id = self.next_order_product_id
        self.next_order_product_id += 1
        return line_id

    def export(self) -> dict[str, Any]:
        """A JSON-safe snapshot (Decimal and datetime as strings)."""
        return self.model_dump(mode="json")

    @classmethod
    def load(cls, data: dict[str, Any]) -> StoreState:
        """The inverse of `export()`; raises pydantic.ValidationError on a malformed snapshot."""
        return cls.model_validate(data)
