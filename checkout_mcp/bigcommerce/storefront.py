"""The Storefront binding: /api/storefront, the shopper's session cookie, camelCase JSON.

This is the surface a shopper's browser uses: no API token, access through the session cookie
(SHOP_SESSION_TOKEN, kept in the transport's cookie jar) that creating a cart starts. A checkout
outside the session is a 404, as on a real store. Paths follow checkouts.sf.yml / carts.sf.yml /
orders.sf.yml; list_checkouts, shipping options, payments, create and finalize order follow the
early-access seed (004). Responses are mapped into the same domain model as the management API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Literal, TypeVar

from checkout_mcp.bigcommerce.errors import OperationNotSupported
from checkout_mcp.bigcommerce.management import reconcile_order_hint
from checkout_mcp.bigcommerce.models import (
    Address,
    AddressInput,
    Cart,
    Checkout,
    CheckoutToken,
    Consignment,
    ConsignmentItem,
    Coupon,
    GiftCertificate,
    ItemKind,
    LineItem,
    NewLineItem,
    Order,
    OrderItem,
    PaymentMethod,
    RedirectUrls,
    ShippingOption,
    Tax,
)
from checkout_mcp.bigcommerce.transport import Transport, money, order_segment, segment, uuid_segment

T = TypeVar("T")
PREFIX = "/api/storefront"
SHIPPING_OPTIONS_INCLUDE = "consignments.availableShippingOptions"
ITEM_GROUPS: dict[str, ItemKind] = {
    "physicalItems": "physical",
    "digitalItems": "digital",
    "giftCertificates": "gift_certificate",
    "customItems": "custom",
}
ORDER_ITEM_GROUPS = ("physicalItems", "digitalItems", "giftCertificate", "giftCertificates")
# CheckoutCoupon.couponType is an integer code on the storefront (checkouts.sf.yml).
COUPON_TYPES = (
    "per_item_discount",
    "percentage_discount",
    "per_total_discount",
    "shipping_discount",
    "free_shipping",
    "promotion",
)
ADDRESS_FIELDS = tuple(name for name in Address.model_fields if name != "id")


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class StorefrontBinding:
    """Checkout operations over the Storefront API, as the shopper whose session the transport holds."""

    surface: Literal["storefront"] = "storefront"
    lacks: ClassVar[frozenset[str]] = frozenset({"create_checkout_token", "create_cart_redirect_urls"})

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    async def _call(
        self,
        method: str,
        path: str,
        operation: str,
        *,
        body: Any = None,
        params: dict[str, str] | None = None,
        if_ambiguous: str | None = None,
        parse: Callable[[Any], T],
    ) -> T:
        return await self._transport.request(
            method,
            PREFIX + path,
            operation=operation,
            parse=lambda answer: parse(_unwrap(answer)),
            json_body=body,
            params=params,
            if_ambiguous=if_ambiguous,
        )

    async def _checkout_call(
        self, method: str, path: str, operation: str, body: Any = None, params: dict[str, str] | None = None
    ) -> Checkout:
        return await self._call(method, path, operation, body=body, params=params, parse=checkout_from)

    # --- checkouts ----------------------------------------------------------------------------------

    async def get_checkout(self, checkout_id: str, *, include_shipping_options: bool = False) -> Checkout:
        params = {"include": SHIPPING_OPTIONS_INCLUDE} if include_shipping_options else None
        return await self._checkout_call("GET", _checkout(checkout_id), "get_checkout", params=params)

    async def list_checkouts(self) -> list[Checkout]:
        """The checkouts in this shopper session."""
        return await self._call(
            "GET", "/checkouts", "list_checkouts", parse=lambda items: [checkout_from(i) for i in items or []]
        )

    async def update_customer_message(self, checkout_id: str, message: str) -> Checkout:
        body = {"customerMessage": message}
        return await self._checkout_call("PUT", _checkout(checkout_id), "update_customer_message", body)

    async def create_checkout_token(
        self, checkout_id: str, *, max_uses: int, ttl_seconds: int
    ) -> CheckoutToken:
        raise _management_only("create_checkout_token")

    async def create_order(self, checkout_id: str) -> int:
        path = f"{_checkout(checkout_id)}/order"
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
        body = {"lineItems": [_camel_keys(item.model_dump(exclude_none=True)) for item in items]}
        return await self._call("POST", "/carts", "create_cart", body=body, parse=cart_from)

    async def create_cart_redirect_urls(
        self, cart_id: str, query_params: dict[str, str] | None = None
    ) -> RedirectUrls:
        raise _management_only("create_cart_redirect_urls")

    async def update_cart_item(
        self, cart_id: str, item_id: str, *, quantity: int, product_id: int, variant_id: int | None = None
    ) -> Cart:
        line_item: dict[str, Any] = {"quantity": quantity, "productId": product_id}
        if variant_id is not None:
            line_item["variantId"] = variant_id
        path = _cart_item(cart_id, item_id)
        return (await self._checkout_call("PUT", path, "update_cart_item", {"lineItem": line_item})).cart

    async def remove_cart_item(self, cart_id: str, item_id: str) -> Cart | None:
        """The cart without the item; None when that was the last item (the cart is gone)."""
        return await self._call(
            "DELETE",
            _cart_item(cart_id, item_id),
            "remove_cart_item",
            parse=lambda answer: checkout_from(answer).cart if answer else None,
        )

    # --- addresses and shipping -------------------------------------------------------------------

    async def add_billing_address(self, checkout_id: str, address: AddressInput) -> Checkout:
        path = f"{_checkout(checkout_id)}/billing-address"
        return await self._checkout_call("POST", path, "add_billing_address", address_body(address))

    async def update_billing_address(
        self, checkout_id: str, address_id: str, address: AddressInput
    ) -> Checkout:
        path = f"{_checkout(checkout_id)}/billing-address/{segment(address_id, 'address id')}"
        return await self._checkout_call("PUT", path, "update_billing_address", address_body(address))

    async def add_shipping_address(
        self, checkout_id: str, address: AddressInput, items: list[ConsignmentItem]
    ) -> Checkout:
        body = [consignment_body(address, items)]
        path = f"{_checkout(checkout_id)}/consignments"
        return await self._checkout_call("POST", path, "add_shipping_address", body)

    async def update_shipping_address(
        self, checkout_id: str, consignment_id: str, address: AddressInput, items: list[ConsignmentItem]
    ) -> Checkout:
        path = f"{_checkout(checkout_id)}/consignments/{segment(consignment_id, 'consignment id')}"
        return await self._checkout_call(
            "PUT", path, "update_shipping_address", consignment_body(address, items)
        )

    async def list_shipping_options(self, checkout_id: str, consignment_id: str) -> list[ShippingOption]:
        return await self._call(
            "GET",
            _options(checkout_id, consignment_id),
            "list_shipping_options",
            parse=lambda answer: [shipping_option_from(o) for o in _options_for(answer, consignment_id)],
        )

    async def select_shipping_option(self, checkout_id: str, consignment_id: str, option_id: str) -> Checkout:
        """Select the option (the seed's endpoint answers with options), then read the checkout back."""
        path = f"{_options(checkout_id, consignment_id)}/{segment(option_id, 'shipping option id')}"
        await self._call("PUT", path, "select_shipping_option", parse=lambda answer: None)
        return await self.get_checkout(checkout_id)

    # --- coupons, gift certificates, payments ----------------------------------------------------

    async def apply_coupon(self, checkout_id: str, code: str) -> Checkout:
        path = f"{_checkout(checkout_id)}/coupons"
        return await self._checkout_call("POST", path, "apply_coupon", {"couponCode": code})

    async def remove_coupon(self, checkout_id: str, code: str) -> Checkout:
        path = f"{_checkout(checkout_id)}/coupons/{segment(code, 'coupon code')}"
        return await self._checkout_call("DELETE", path, "remove_coupon")

    async def apply_gift_certificate(self, checkout_id: str, code: str) -> Checkout:
        path = f"{_checkout(checkout_id)}/gift-certificates"
        return await self._checkout_call(
            "POST", path, "apply_gift_certificate", {"giftCertificateCode": code}
        )

    async def remove_gift_certificate(self, checkout_id: str, code: str) -> Checkout:
        path = f"{_checkout(checkout_id)}/gift-certificates/{segment(code, 'gift certificate code')}"
        return await self._checkout_call("DELETE", path, "remove_gift_certificate")

    async def list_payment_methods(self, checkout_id: str) -> list[PaymentMethod]:
        return await self._call(
            "GET",
            f"{_checkout(checkout_id)}/payments",
            "list_payment_methods",
            parse=lambda answer: [payment_method_from(m) for m in answer["paymentMethods"] or []],
        )

    # --- orders -------------------------------------------------------------------------------------

    async def get_order(self, order_id: int) -> Order:
        return await self._call("GET", f"/orders/{order_segment(order_id)}", "get_order", parse=order_from)

    async def finalize_order(self, order_id: int) -> Order:
        path = f"/orders/{order_segment(order_id)}"
        return await self._call("PUT", path, "finalize_order", parse=lambda a: order_from(a.get("order", a)))


def _management_only(operation: str) -> OperationNotSupported:
    return OperationNotSupported(
        operation, "the storefront API has no such endpoint; configure the management API"
    )


# --- paths ------------------------------------------------------------------------------------------


def _checkout(checkout_id: str) -> str:
    return f"/checkouts/{uuid_segment(checkout_id, 'checkout id')}"


def _cart_item(cart_id: str, item_id: str) -> str:
    """The seed/sf path: the cart id is the checkout id, so it appears twice."""
    cart = uuid_segment(cart_id, "cart id")
    return f"/checkouts/{cart}/carts/{cart}/items/{segment(item_id, 'item id')}"


def _options(checkout_id: str, consignment_id: str) -> str:
    consignment = segment(consignment_id, "consignment id")
    return f"{_checkout(checkout_id)}/shipping-addresses/{consignment}/options"


# --- request bodies -----------------------------------------------------------------------------------


def _camel_keys(data: dict[str, Any]) -> dict[str, Any]:
    return {camel(key): value for key, value in data.items()}


def address_body(address: AddressInput) -> dict[str, Any]:
    return _camel_keys(address.model_dump(exclude_none=True))


def consignment_body(address: AddressInput, items: list[ConsignmentItem]) -> dict[str, Any]:
    return {"address": address_body(address), "lineItems": [_camel_keys(item.model_dump()) for item in items]}


# --- responses -> domain ------------------------------------------------------------------------------


def _unwrap(answer: Any) -> Any:
    """Seed endpoints wrap their answer in `data`; the official storefront ones do not."""
    return answer["data"] if isinstance(answer, dict) and "data" in answer else answer


def _order_id(answer: dict[str, Any]) -> int:
    """The seed's create-order answer: `{"order": {"orderId": ...}}` (inside `data`)."""
    return int(answer["order"]["orderId"])


def address_from(data: dict[str, Any] | None) -> Address | None:
    if not data:
        return None
    fields = {name: data[camel(name)] for name in ADDRESS_FIELDS if data.get(camel(name)) is not None}
    return Address(id=str(data["id"]) if data.get("id") is not None else None, **fields)


def coupon_from(data: dict[str, Any]) -> Coupon:
    coupon_type = data.get("couponType")
    if isinstance(coupon_type, int) and 0 <= coupon_type < len(COUPON_TYPES):
        coupon_type = COUPON_TYPES[coupon_type]
    return Coupon(
        code=data["code"],
        id=str(data["id"]) if data.get("id") is not None else None,
        coupon_type=None if coupon_type is None else str(coupon_type),
        discounted_amount=money(data.get("discountedAmount")),
    )


def line_item_from(data: dict[str, Any], kind: ItemKind) -> LineItem:
    quantity = int(data.get("quantity", 1))
    list_price = money(data.get("listPrice", data.get("amount")))
    sale_price = money(data.get("salePrice", list_price))
    return LineItem(
        id=str(data["id"]),
        kind=kind,
        name=data.get("name", ""),
        quantity=quantity,
        product_id=data.get("productId"),
        variant_id=data.get("variantId"),
        sku=data.get("sku"),
        list_price=list_price,
        sale_price=sale_price,
        extended_sale_price=money(data.get("extendedSalePrice", sale_price * quantity)),
        discount_amount=money(data.get("discountAmount")),
        coupon_amount=money(data.get("couponAmount")),
        requires_shipping=bool(data.get("isShippingRequired", kind == "physical")),
    )


def cart_from(data: dict[str, Any]) -> Cart:
    groups = data.get("lineItems") or {}
    return Cart(
        id=data["id"],
        currency=data["currency"]["code"],
        customer_id=data.get("customerId") or 0,
        email=data.get("email") or None,
        is_tax_included=bool(data.get("isTaxIncluded", False)),
        base_amount=money(data.get("baseAmount")),
        discount_amount=money(data.get("discountAmount")),
        cart_amount=money(data.get("cartAmount")),
        line_items=[
            line_item_from(item, kind)
            for group, kind in ITEM_GROUPS.items()
            for item in groups.get(group) or []
        ],
        coupons=[coupon_from(coupon) for coupon in data.get("coupons") or []],
        version=data.get("version"),
        raw=data,
    )


def shipping_option_from(data: dict[str, Any]) -> ShippingOption:
    """Official consignment options carry `cost`; the seed's options endpoint calls it `price`."""
    return ShippingOption(
        id=str(data["id"]),
        description=data.get("description", ""),
        cost=money(data.get("cost", data.get("price"))),
        type=data.get("type"),
        transit_time=data.get("transitTime") or None,
    )


def _options_for(answer: Any, consignment_id: str) -> list[dict[str, Any]]:
    """The seed answers `{"shippingOptions": {<addressId>: [...]}}`; accept a plain list as well."""
    options = answer.get("shippingOptions", answer) if isinstance(answer, dict) else answer
    if isinstance(options, dict):
        return options.get(consignment_id) or []
    return options or []


def consignment_from(data: dict[str, Any]) -> Consignment:
    available = data.get("availableShippingOptions")
    selected = data.get("selectedShippingOption")
    return Consignment(
        id=str(data["id"]),
        address=address_from(data.get("address")) or Address(),
        line_item_ids=[str(item_id) for item_id in data.get("lineItemIds") or []],
        available_shipping_options=None
        if available is None
        else [shipping_option_from(option) for option in available],
        selected_shipping_option=shipping_option_from(selected) if selected else None,
        shipping_cost=money(data.get("shippingCost")),
        handling_cost=money(data.get("handlingCost")),
    )


def gift_certificate_from(data: dict[str, Any]) -> GiftCertificate:
    return GiftCertificate(
        code=data["code"],
        balance=money(data.get("balance")),
        used=money(data.get("used")),
        remaining=money(data.get("remaining")),
    )


def checkout_from(data: dict[str, Any]) -> Checkout:
    cart = cart_from(data["cart"])
    grand_total = money(data.get("grandTotal"))
    order_id = data.get("orderId")
    return Checkout(
        id=data["id"],
        cart=cart,
        currency=cart.currency,
        billing_address=address_from(data.get("billingAddress")),
        consignments=[consignment_from(item) for item in data.get("consignments") or []],
        coupons=[coupon_from(coupon) for coupon in data.get("coupons") or []],
        gift_certificates=[gift_certificate_from(item) for item in data.get("giftCertificates") or []],
        taxes=[Tax(name=tax["name"], amount=money(tax.get("amount"))) for tax in data.get("taxes") or []],
        subtotal=money(data.get("subtotal")),
        shipping_total=money(data.get("shippingCostTotal")),
        handling_total=money(data.get("handlingCostTotal")),
        tax_total=money(data.get("taxTotal")),
        grand_total=grand_total,
        outstanding_balance=money(data.get("outstandingBalance", grand_total)),
        order_id=str(order_id) if order_id not in (None, "") else None,
        customer_message=data.get("customerMessage") or "",
        version=data.get("version"),
        raw=data,
    )


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
            total=money(item.get("extendedSalePrice", item.get("amount"))),
        )
        for group in groups
        for key in ORDER_ITEM_GROUPS
        for item in group.get(key) or []
    ]


def order_from(data: dict[str, Any]) -> Order:
    currency = data.get("currency") or {}
    return Order(
        id=int(data["orderId"]),
        status=str(data.get("status", "")),
        currency=currency.get("code", ""),
        subtotal=money(data.get("baseAmount")),
        shipping_total=money(data.get("shippingCostTotal")),
        tax_total=money(data.get("taxTotal")),
        discount_total=money(data.get("discountAmount")),
        grand_total=money(data.get("orderAmount")),
        items=_order_items(data.get("lineItems")),
        billing_address=address_from(data.get("billingAddress")),
        cart_id=data.get("cartId") or None,
        raw=data,
    )
