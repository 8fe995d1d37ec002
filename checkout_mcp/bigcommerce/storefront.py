"""The Storefront binding: /api/storefront, the shopper's session cookie, camelCase JSON.

This is the surface a shopper's browser uses: no API token, access through the session cookie
(SHOP_SESSION_TOKEN, kept in the transport's cookie jar) that creating a cart starts. A checkout
outside the session is a 404, as on a real store. Paths follow checkouts.sf.yml / carts.sf.yml /
orders.sf.yml; list_checkouts, shipping options, payments, create and finalize order follow the
early-access seed (004). Responses are mapped into the same domain model as the management API.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from checkout_mcp.bigcommerce.endpoints import SharedCheckoutEndpoints, checkout_path, reconcile_order_hint
from checkout_mcp.bigcommerce.errors import OperationNotSupported
from checkout_mcp.bigcommerce.mapping import (
    STOREFRONT_KEYS,
    Keys,
    address_from,
    cart_body,
    cart_from,
    cart_item_body,
    checkout_from,
    shipping_option_from,
    with_version,
)
from checkout_mcp.bigcommerce.models import (
    Cart,
    Checkout,
    CheckoutToken,
    NewLineItem,
    Order,
    OrderItem,
    PaymentMethod,
    Product,
    ProductPage,
    RedirectUrls,
    ShippingOption,
    Variant,
)
from checkout_mcp.bigcommerce.transport import Transport, amount_from, order_segment, segment, uuid_segment
from checkout_mcp.order_status import ORDER_STATUS_NAMES

PREFIX = "/api/storefront"
ORDER_ITEM_GROUPS = ("physicalItems", "digitalItems", "giftCertificate", "giftCertificates")


class StorefrontBinding(SharedCheckoutEndpoints):
    """Checkout operations over the Storefront API, as the shopper whose session the transport holds."""

    keys: ClassVar[Keys] = STOREFRONT_KEYS
    surface: Literal["storefront"] = "storefront"
    lacks: ClassVar[frozenset[str]] = frozenset(
        {
            "create_checkout_token",
            "create_cart_redirect_urls",
            "list_orders",
            "update_order_status",
            "search_products",
            "get_product",
            "list_variants",
        }
    )

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def _target(self, path: str, version: str) -> str:
        return PREFIX + path

    def _answer(self, answer: Any) -> Any:
        return _unwrap(answer)

    def _checkout_json(self, answer: Any) -> Any:
        return answer

    # --- checkouts ----------------------------------------------------------------------------------

    async def list_checkouts(self) -> list[Checkout]:
        """The checkouts in this shopper session."""
        return await self._call(
            "GET",
            "/checkouts",
            "list_checkouts",
            parse=lambda items: [_checkout_from(i) for i in items or []],
        )

    async def create_checkout_token(
        self, checkout_id: str, *, max_uses: int, ttl_seconds: int
    ) -> CheckoutToken:
        raise _management_only("create_checkout_token")

    async def create_order(self, checkout_id: str) -> int:
        path = f"{checkout_path(checkout_id)}/order"
        return await self._call(
            "POST", path, "create_order", if_ambiguous=reconcile_order_hint(checkout_id), parse=_order_id
        )

    # --- carts ------------------------------------------------------------------------------------

    async def create_cart(self, items: list[NewLineItem], *, currency: str | None = None) -> Cart:
        """A new cart in the store's default currency; it starts (or joins) the shopper session."""
        if currency is not None:
            raise OperationNotSupported(
                "create_cart with a currency",
                "the storefront API creates carts in the store's default currency; "
                "leave currency out or configure the management API",
            )
        body = cart_body(STOREFRONT_KEYS, items)
        return await self._call(
            "POST",
            "/carts",
            "create_cart",
            body=body,
            parse=lambda answer: cart_from(STOREFRONT_KEYS, answer),
        )

    async def create_cart_redirect_urls(
        self, cart_id: str, query_params: dict[str, str] | None = None
    ) -> RedirectUrls:
        raise _management_only("create_cart_redirect_urls")

    async def update_cart_item(
        self,
        cart_id: str,
        item_id: str,
        *,
        quantity: int,
        product_id: int,
        variant_id: int | None = None,
        version: int | None = None,
    ) -> Cart:
        body = with_version(
            cart_item_body(STOREFRONT_KEYS, quantity=quantity, product_id=product_id, variant_id=variant_id),
            version,
        )
        return (await self._checkout_call("PUT", _cart_item(cart_id, item_id), "update_cart_item", body)).cart

    async def remove_cart_item(self, cart_id: str, item_id: str) -> Cart | None:
        """The cart without the item; None when that was the last item (the cart is gone)."""
        return await self._call(
            "DELETE",
            _cart_item(cart_id, item_id),
            "remove_cart_item",
            parse=lambda answer: _checkout_from(answer).cart if answer else None,
        )

    # --- addresses and shipping -------------------------------------------------------------------

    async def list_shipping_options(self, checkout_id: str, consignment_id: str) -> list[ShippingOption]:
        return await self._call(
            "GET",
            _options(checkout_id, consignment_id),
            "list_shipping_options",
            parse=lambda answer: [
                shipping_option_from(STOREFRONT_KEYS, o) for o in _options_for(answer, consignment_id)
            ],
        )

    async def select_shipping_option(
        self, checkout_id: str, consignment_id: str, option_id: str, *, version: int | None = None
    ) -> Checkout:
        """Select the option (the seed's endpoint answers with options), then read the checkout back."""
        path = f"{_options(checkout_id, consignment_id)}/{segment(option_id, 'shipping option id')}"
        body = with_version({}, version) or None
        await self._call("PUT", path, "select_shipping_option", body=body, parse=lambda answer: None)
        return await self.get_checkout(checkout_id)

    # --- coupons, gift certificates, payments ----------------------------------------------------

    async def apply_gift_certificate(self, checkout_id: str, code: str) -> Checkout:
        path = f"{checkout_path(checkout_id)}/gift-certificates"
        return await self._checkout_call(
            "POST", path, "apply_gift_certificate", {"giftCertificateCode": code}
        )

    async def remove_gift_certificate(self, checkout_id: str, code: str) -> Checkout:
        path = f"{checkout_path(checkout_id)}/gift-certificates/{segment(code, 'gift certificate code')}"
        return await self._checkout_call("DELETE", path, "remove_gift_certificate")

    async def list_payment_methods(self, checkout_id: str) -> list[PaymentMethod]:
        return await self._call(
            "GET",
            f"{checkout_path(checkout_id)}/payments",
            "list_payment_methods",
            parse=lambda answer: [payment_method_from(m) for m in answer["paymentMethods"] or []],
        )

    # --- orders -------------------------------------------------------------------------------------

    async def get_order(self, order_id: int) -> Order:
        return await self._call("GET", f"/orders/{order_segment(order_id)}", "get_order", parse=order_from)

    async def finalize_order(self, order_id: int) -> Order:
        path = f"/orders/{order_segment(order_id)}"
        return await self._call("PUT", path, "finalize_order", parse=lambda a: order_from(a.get("order", a)))

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
    ) -> list[Order]:
        raise _management_only("list_orders")

    async def update_order_status(self, order_id: int, status_id: int) -> Order:
        raise _management_only("update_order_status")

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
    ) -> ProductPage:
        raise _management_only("search_products")

    async def get_product(self, product_id: int) -> Product:
        raise _management_only("get_product")

    async def list_variants(self, product_id: int) -> list[Variant]:
        raise _management_only("list_variants")


def _management_only(operation: str) -> OperationNotSupported:
    return OperationNotSupported(
        operation, "the storefront API has no such endpoint; configure the management API"
    )


# --- paths ------------------------------------------------------------------------------------------


def _cart_item(cart_id: str, item_id: str) -> str:
    """The seed/sf path: the cart id is the checkout id, so it appears twice."""
    cart = uuid_segment(cart_id, "cart id")
    return f"/checkouts/{cart}/carts/{cart}/items/{segment(item_id, 'item id')}"


def _options(checkout_id: str, consignment_id: str) -> str:
    consignment = segment(consignment_id, "consignment id")
    return f"{checkout_path(checkout_id)}/shipping-addresses/{consignment}/options"


# --- responses -> domain ------------------------------------------------------------------------------


def _unwrap(answer: Any) -> Any:
    """Seed endpoints wrap their answer in `data`; the official storefront ones do not."""
    return answer["data"] if isinstance(answer, dict) and "data" in answer else answer


def _checkout_from(data: dict[str, Any]) -> Checkout:
    return checkout_from(STOREFRONT_KEYS, data)


def _order_id(answer: dict[str, Any]) -> int:
    """The seed's create-order answer: `{"order": {"orderId": ...}}` (inside `data`)."""
    return int(answer["order"]["orderId"])


def _options_for(answer: Any, consignment_id: str) -> list[dict[str, Any]]:
    """The seed answers `{"shippingOptions": {<addressId>: [...]}}`; accept a plain list as well."""
    options = answer.get("shippingOptions", answer) if isinstance(answer, dict) else answer
    if isinstance(options, dict):
        return options.get(consignment_id) or []
    return options or []


def payment_method_from(data: dict[str, Any]) -> PaymentMethod:
    return PaymentMethod(
        id=str(data["id"]),
        method=data.get("method"),
        type=data.get("type"),
        supported_cards=list(data.get("supportedCards") or []),
    )


def _order_items(line_items: Any) -> list[OrderItem]:
    """orders.sf.yml gives lineItems as a list of groups; a single group object is accepted too."""
    groups = [line_items] if isinstance(line_items, dict) else line_items or []
    return [
        OrderItem(
            name=item.get("name", ""),
            quantity=int(item.get("quantity", 1)),
            sku=item.get("sku") or None,
            total=amount_from(item.get("extendedSalePrice", item.get("amount"))),
        )
        for group in groups
        for key in ORDER_ITEM_GROUPS
        for item in group.get(key) or []
    ]


STATUS_IDS = {name.upper().replace(" ", "_"): status_id for status_id, name in enumerate(ORDER_STATUS_NAMES)}
SEED_STATUS_PREFIX = "ORDER_STATUS_"
SEED_STATUS_ALIASES = {"HELD_REVIEW": STATUS_IDS["MANUAL_VERIFICATION_REQUIRED"]}


def status_id_from(status: str) -> int:
    """orders.sf.yml's `Status` ("AWAITING_FULFILLMENT"), or seed 004's spelling of it for create and
    finalize ("ORDER_STATUS_AWAITING_FULFILLMENT"; "ORDER_STATUS_HELD_REVIEW" is status 12)."""
    name = status.removeprefix(SEED_STATUS_PREFIX)
    return SEED_STATUS_ALIASES.get(name) or STATUS_IDS[name]


def order_from(data: dict[str, Any]) -> Order:
    """orders.sf.yml Order (or seed 004's); its status is named as v2 names it."""
    currency = data.get("currency") or {}
    status_id = status_id_from(data["status"])
    return Order(
        id=int(data["orderId"]),
        status=ORDER_STATUS_NAMES[status_id],
        status_id=status_id,
        currency=currency.get("code", ""),
        subtotal=amount_from(data.get("baseAmount")),
        shipping_total=amount_from(data.get("shippingCostTotal")),
        tax_total=amount_from(data.get("taxTotal")),
        discount_total=amount_from(data.get("discountAmount")),
        grand_total=amount_from(data.get("orderAmount")),
        items=_order_items(data.get("lineItems")),
        billing_address=address_from(STOREFRONT_KEYS, data.get("billingAddress")),
        cart_id=data.get("cartId") or None,
        raw=data,
    )
