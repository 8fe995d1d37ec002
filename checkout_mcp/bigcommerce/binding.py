"""The operations a store binding offers; the management and storefront bindings implement them.

A binding translates one API surface's paths and JSON into the domain model. An operation that a
surface lacks raises `OperationNotSupported`; `Store.binding_for` picks a surface that has it.
`version`, where a write takes it, is the checkout version the caller expects (optimistic
concurrency, as the specs document): a stale one is refused by the store with 409.
"""

from __future__ import annotations

from typing import Literal, Protocol

from checkout_mcp.bigcommerce.models import (
    AddressInput,
    Cart,
    Checkout,
    CheckoutToken,
    ConsignmentItem,
    NewLineItem,
    Order,
    PaymentMethod,
    Product,
    ProductPage,
    RedirectUrls,
    ShippingOption,
    Variant,
)

Surface = Literal["management", "storefront"]


class Binding(Protocol):
    surface: Surface

    async def get_checkout(self, checkout_id: str, *, include_shipping_options: bool = False) -> Checkout: ...
    async def list_checkouts(self) -> list[Checkout]: ...
    async def update_customer_message(
        self, checkout_id: str, message: str, *, version: int | None = None
    ) -> Checkout: ...
    async def create_checkout_token(
        self, checkout_id: str, *, max_uses: int, ttl_seconds: int
    ) -> CheckoutToken: ...
    async def create_order(self, checkout_id: str) -> int: ...
    async def create_cart(self, items: list[NewLineItem], *, currency: str | None = None) -> Cart: ...
    async def create_cart_redirect_urls(
        self, cart_id: str, query_params: dict[str, str] | None = None
    ) -> RedirectUrls: ...
    async def update_cart_item(
        self,
        cart_id: str,
        item_id: str,
        *,
        quantity: int,
        product_id: int,
        variant_id: int | None = None,
        version: int | None = None,
    ) -> Cart: ...
    async def remove_cart_item(self, cart_id: str, item_id: str) -> Cart | None: ...
    async def add_billing_address(
        self, checkout_id: str, address: AddressInput, *, version: int | None = None
    ) -> Checkout: ...
    async def update_billing_address(
        self, checkout_id: str, address_id: str, address: AddressInput, *, version: int | None = None
    ) -> Checkout: ...
    async def add_shipping_address(
        self, checkout_id: str, address: AddressInput, items: list[ConsignmentItem]
    ) -> Checkout: ...
    async def update_shipping_address(
        self,
        checkout_id: str,
        consignment_id: str,
        address: AddressInput,
        items: list[ConsignmentItem],
        *,
        version: int | None = None,
    ) -> Checkout: ...
    async def list_shipping_options(self, checkout_id: str, consignment_id: str) -> list[ShippingOption]: ...
    async def select_shipping_option(
        self, checkout_id: str, consignment_id: str, option_id: str, *, version: int | None = None
    ) -> Checkout: ...
    async def apply_coupon(self, checkout_id: str, code: str, *, version: int | None = None) -> Checkout: ...
    async def remove_coupon(self, checkout_id: str, code: str) -> Checkout: ...
    async def apply_gift_certificate(self, checkout_id: str, code: str) -> Checkout: ...
    async def remove_gift_certificate(self, checkout_id: str, code: str) -> Checkout: ...
    async def list_payment_methods(self, checkout_id: str) -> list[PaymentMethod]: ...
    async def get_order(self, order_id: int) -> Order: ...
    async def list_orders(
        self,
        *,
        cart_id: str | None = None,
        status_id: int | None = None,
        min_id: int | None = None,
        max_id: int | None = None,
        sort: str | None = None,
        page: int = 1,
        limit: int = 50,
    ) -> list[Order]: ...
    async def update_order_status(self, order_id: int, status_id: int) -> Order: ...
    async def search_products(
        self,
        *,
        keyword: str | None = None,
        name: str | None = None,
        sku: str | None = None,
        ids: list[int] | None = None,
        is_visible: bool | None = None,
        include_variants: bool = False,
        page: int = 1,
        limit: int = 50,
    ) -> ProductPage: ...
    async def get_product(self, product_id: int) -> Product: ...
    async def list_variants(self, product_id: int) -> list[Variant]: ...
    async def finalize_order(self, order_id: int) -> Order: ...
