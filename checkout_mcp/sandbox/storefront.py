"""The storefront surface under /api/storefront: camelCase JSON, a shopper session, no API token.

Shapes follow checkouts.sf.yml, carts.sf.yml and orders.sf.yml; operations only the early-access
seed (004) documents keep its paths and `{"data": ...}` envelopes (GET /checkouts, payments,
shipping options, POST .../order). A shopper reaches only the carts its session holds (cookie
SHOP_SESSION_TOKEN): any other checkout or order is 404, as on a real storefront. POST /carts
starts a session if the request has none; a redirect-URL visit (shopper.py) attaches a
server-made cart. Write operations take the spec's optional `version` (409 on a mismatch).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, RootModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from checkout_mcp.sandbox import operations as ops
from checkout_mcp.sandbox.errors import SandboxError, error_list_response, not_found
from checkout_mcp.sandbox.jsonio import json_response, omit_none, parse, read_json
from checkout_mcp.sandbox.payloads import (
    AddressBody,
    ConsignmentBody,
    ConsignmentUpdateBody,
    CouponBody,
    CustomerMessageBody,
    Versioned,
)
from checkout_mcp.sandbox.runtime import sandbox_of
from checkout_mcp.sandbox.shopper import SESSION_COOKIE
from checkout_mcp.sandbox.state import Cart, Order, OrderLine, StoreState, storefront_status
from checkout_mcp.sandbox.totals import CURRENCY_EXPONENTS, Totals, coupon_display_name
from checkout_mcp.sandbox.views import (
    address_view,
    camel_keys,
    coupon_view,
    line_item_view,
    shipping_option_view,
)

PREFIX = "/api/storefront"
INCLUDE_OPTIONS = "consignments.availableShippingOptions"
# checkouts.sf.yml IncludeShippingDefault; the sandbox renders only INCLUDE_OPTIONS, accepts them all.
CHECKOUT_INCLUDES = frozenset(
    {
        "cart.lineItems.physicalItems.options",
        "cart.lineItems.digitalItems.options",
        "cart.lineItems.physicalItems.categoryNames",
        "cart.lineItems.digitalItems.categoryNames",
        "cart.lineItems.customItems.categoryNames",
        "customer",
        "customer.customerGroup",
        "payments",
        "promotions",
        INCLUDE_OPTIONS,
        "consignments.availablePickupOptions",
    }
)
CURRENCIES = {"USD": ("US Dollars", "$"), "EUR": ("Euro", "€"), "GBP": ("British Pound", "£")}
Json = dict[str, Any]
Body = TypeVar("Body", bound=BaseModel)


# --- JSON in and out -----------------------------------------------------------------------------


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


# --- request bodies ------------------------------------------------------------------------------


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


# --- views ---------------------------------------------------------------------------------------


def currency_view(code: str) -> Json:
    name, symbol = CURRENCIES.get(code, (code, code))
    return {"code": code, "name": name, "symbol": symbol, "decimalPlaces": CURRENCY_EXPONENTS.get(code, 2)}


def cart_view(cart: Cart, totals: Totals) -> Json:
    """carts.sf.yml responseCart (also the `cart` inside a checkout)."""
    cart_amount = totals.cart_amount_inc_tax if totals.tax_included else totals.cart_amount_ex_tax
    return {
        "id": cart.id,
        "customerId": cart.customer_id,
        "email": cart.email,
        "currency": currency_view(cart.currency),
        "isTaxIncluded": totals.tax_included,
        "baseAmount": totals.base_amount,
        "discountAmount": Decimal("0"),
        "cartAmount": cart_amount,
        "coupons": [camel_keys(coupon_view(c)) for c in totals.coupons],
        "discounts": [{"id": c.coupon_id, "discountedAmount": c.discounted_amount} for c in totals.coupons],
        "lineItems": {
            "physicalItems": [
                camel_keys(line_item_view(i, totals, "storefront"))
                for i in cart.line_items
                if i.type == "physical"
            ],
            "digitalItems": [
                camel_keys(line_item_view(i, totals, "storefront"))
                for i in cart.line_items
                if i.type == "digital"
            ],
            "giftCertificates": [],
            "customItems": [],
        },
        "locale": cart.locale,
        "createdTime": cart.created_time,
        "updatedTime": cart.updated_time,
        "version": cart.version,
    }


def consignment_views(store: StoreState, cart: Cart, totals: Totals, with_options: bool) -> list[Json]:
    views = []
    for consignment in cart.consignments:
        money = totals.consignments[consignment.id]
        offered = ops.available_shipping_options(store, cart.id, consignment.id)
        selected = next((m for m in offered if m.id == consignment.selected_shipping_option_id), None)
        shipping = money.shipping_cost_inc_tax if totals.tax_included else money.shipping_cost_ex_tax
        view: Json = {
            "id": consignment.id,
            "address": camel_keys(address_view(consignment.address, "storefront")),
            "selectedShippingOption": camel_keys(shipping_option_view(selected)) if selected else None,
            "shippingCost": shipping,
            "shippingCostBeforeDiscount": shipping + money.coupon_discount,
            "handlingCost": money.handling_cost_inc_tax
            if totals.tax_included
            else money.handling_cost_ex_tax,
            "couponDiscounts": [{"code": c.code, "amount": money.coupon_discount} for c in totals.coupons]
            if money.coupon_discount
            else [],
            "discounts": [],
            "lineItemIds": list(consignment.line_item_ids),
        }
        if with_options:
            view["availableShippingOptions"] = [camel_keys(shipping_option_view(m)) for m in offered]
        views.append(omit_none(view, "selectedShippingOption"))
    return views


def checkout_view(store: StoreState, cart: Cart, now: datetime, *, with_options: bool = False) -> Json:
    """checkouts.sf.yml checkout_Full."""
    totals = ops.checkout_totals(store, cart, now)
    included = totals.tax_included
    shipping = totals.shipping_cost_total_inc_tax if included else totals.shipping_cost_total_ex_tax
    view = {
        "id": cart.id,
        "cart": cart_view(cart, totals),
        "billingAddress": camel_keys(address_view(cart.billing_address, "storefront"))
        if cart.billing_address
        else None,
        "consignments": consignment_views(store, cart, totals, with_options),
        "coupons": [camel_keys(coupon_view(c, type_code=True)) for c in totals.coupons],
        "orderId": str(cart.order_id) if cart.order_id is not None else None,
        "shippingCostTotal": shipping,
        "shippingCostBeforeDiscount": shipping
        + sum((c.coupon_discount for c in totals.consignments.values()), Decimal(0)),
        "giftWrappingCostTotal": Decimal("0"),
        "handlingCostTotal": totals.handling_cost_total_inc_tax
        if included
        else totals.handling_cost_total_ex_tax,
        "taxTotal": totals.tax_total,
        "taxes": [{"name": t.name, "amount": t.amount} for t in totals.taxes],
        "subtotal": totals.subtotal_inc_tax if included else totals.subtotal_ex_tax,
        "grandTotal": totals.grand_total,
        "giftCertificates": [
            {
                "code": g.code,
                "balance": g.balance,
                "used": g.used,
                "remaining": g.remaining,
            }
            for g in totals.gift_certificates
        ],
        "isStoreCreditApplied": False,
        "outstandingBalance": totals.outstanding_balance,
        "customerMessage": cart.customer_message,
        "channelId": cart.channel_id,
        "fees": [],
        "promotions": [],
        "version": cart.version,
        "createdTime": cart.created_time,
        "updatedTime": cart.updated_time,
    }
    return omit_none(view, "billingAddress", "orderId")


def order_item_view(line: OrderLine, tax_included: bool) -> Json:
    return {
        "productId": line.product_id,
        "variantId": line.variant_id,
        "sku": line.sku,
        "name": line.name,
        "type": line.type,
        "quantity": line.quantity,
        "isShippingRequired": line.type == "physical",
        "listPrice": line.base_price,
        "salePrice": line.price_inc_tax if tax_included else line.price_ex_tax,
        "extendedListPrice": line.base_price * line.quantity,
        "extendedSalePrice": line.total_inc_tax if tax_included else line.total_ex_tax,
        "discounts": [],
    }


def order_view(store: StoreState, order: Order) -> Json:
    """orders.sf.yml Order (`lineItems` as the spec has it: a list of one grouping object)."""
    included = store.settings.tax_included
    places = CURRENCY_EXPONENTS.get(order.currency, 2)
    coupons = [store.coupons[code.upper()] for code in order.coupon_codes if code.upper() in store.coupons]
    return {
        "orderId": order.id,
        "cartId": order.cart_id,
        "customerId": str(order.customer_id),
        "currency": currency_view(order.currency),
        "isTaxIncluded": included,
        "baseAmount": order.subtotal_inc_tax if included else order.subtotal_ex_tax,
        "discountAmount": order.discount_amount,
        "totalDiscount": order.discount_amount,
        "giftWrappingCostTotal": Decimal("0"),
        "orderAmount": order.total_inc_tax,
        "orderAmountAsInteger": int(order.total_inc_tax.scaleb(places)),
        "coupons": [
            {
                "id": str(c.id),
                "code": c.code,
                "displayName": coupon_display_name(c, order.currency),
                "couponType": c.type,
            }
            for c in coupons
        ],
        "lineItems": [
            {
                "physicalItems": [order_item_view(x, included) for x in order.lines if x.type == "physical"],
                "digitalItems": [order_item_view(x, included) for x in order.lines if x.type == "digital"],
                "giftCertificate": [],
            }
        ],
        "billingAddress": camel_keys(address_view(order.billing_address, "storefront")),
        "status": storefront_status(order.status_id),
        "hasDigitalItems": any(x.type == "digital" for x in order.lines),
        "isDownloadable": order.holds_stock,
        "isComplete": order.holds_stock,
        "customerMessage": order.customer_message,
        "shippingCostTotal": order.shipping_cost_inc_tax if included else order.shipping_cost_ex_tax,
        "handlingCostTotal": order.handling_cost_inc_tax if included else order.handling_cost_ex_tax,
        "taxes": [{"name": "Tax", "amount": order.total_tax}] if order.total_tax else [],
        "taxTotal": order.total_tax,
        "channelId": 1,
    }


def seed_order_view(store: StoreState, order: Order) -> Json:
    """Seed 004's Order, for the operations only the seed has (create, finalize): orders.sf.yml's
    shape, with the seed's status spelling ("ORDER_STATUS_AWAITING_FULFILLMENT")."""
    return {**order_view(store, order), "status": f"ORDER_STATUS_{storefront_status(order.status_id)}"}


# --- the shopper's request -----------------------------------------------------------------------


@dataclass(frozen=True)
class Shopper:
    """One storefront request: the store as it is now, the time, the shopper's session, the request."""

    store: StoreState
    now: datetime
    session: str | None
    request: Request

    @classmethod
    def of(cls, request: Request) -> Shopper:
        sandbox = sandbox_of(request)
        return cls(sandbox.store, sandbox.clock.now(), request.cookies.get(SESSION_COOKIE), request)

    def param(self, name: str) -> Any:
        return self.request.path_params[name]

    async def body(self, model: type[Body]) -> Body:
        return await body_of(self.request, model)

    def checkout(self) -> Cart:
        """The path's checkout, which the session must hold (else "Checkout not found")."""
        return ops.session_cart(self.store, self.session, self.param("checkoutId"))

    def order(self) -> Order:
        """An order placed from one of the session's carts (the session keeps the ids of finalized carts)."""
        order = self.store.orders.get(self.param("orderId"))
        if order is None or order.cart_id not in self.store.sessions.get(self.session or "", []):
            raise not_found("Order")
        return order

    def includes(self) -> set[str]:
        """The `include` values, each one of those checkouts.sf.yml lists (400 otherwise)."""
        asked = {
            part.strip() for part in self.request.query_params.get("include", "").split(",") if part.strip()
        }
        unknown = sorted(asked - CHECKOUT_INCLUDES)
        if unknown:
            raise SandboxError(
                400, f"The include {unknown[0][:60]!r} is not one of the checkout's sub-resources."
            )
        return asked

    def respond(self, cart: Cart) -> Response:
        with_options = INCLUDE_OPTIONS in self.includes()
        return json_response(checkout_view(self.store, cart, self.now, with_options=with_options))

    def check_guest_email(self, cart: Cart, email: str) -> None:
        """A guest may not take a registered customer's email: "The customer must sign in" (403)."""
        if cart.customer_id == 0 and email.strip().lower() in self.store.customer_emails:
            raise SandboxError(
                403, "The email is associated with a customer account. The customer must sign in."
            )


Handler = Callable[[Shopper], Awaitable[Response]]
ROUTES: list[Route] = []


def route(path: str, method: str) -> Callable[[Handler], Handler]:
    """Serve `handler` at PREFIX + path, with the request's `Shopper`."""

    def wrap(handler: Handler) -> Handler:
        async def endpoint(request: Request) -> Response:
            return await handler(Shopper.of(request))

        ROUTES.append(Route(PREFIX + path, endpoint, methods=[method], name=handler.__name__))
        return handler

    return wrap


CHECKOUT = "/checkouts/{checkoutId}"
ITEM = CHECKOUT + "/carts/{cartId}/items/{itemId}"
CONSIGNMENT = CHECKOUT + "/consignments/{consignmentId}"
OPTIONS = CHECKOUT + "/shipping-addresses/{consignmentId}/options"
ORDER = "/orders/{orderId:int}"


# --- handlers ------------------------------------------------------------------------------------


@route("/carts", "POST")
async def create_cart(shopper: Shopper) -> Response:
    body = await shopper.body(CreateCartBody)
    cart = ops.create_cart(
        shopper.store, shopper.now, body.line_items, locale=body.locale, source="storefront"
    )
    session = ops.attach_cart_to_session(shopper.store, shopper.session, cart.id)
    response = json_response(cart_view(cart, ops.checkout_totals(shopper.store, cart, shopper.now)))
    if session != shopper.session:
        response.set_cookie(SESSION_COOKIE, session, httponly=True, samesite="lax")
    return response


@route("/checkouts", "GET")
async def list_checkouts(shopper: Shopper) -> Response:
    carts = ops.session_carts(shopper.store, shopper.session)
    return json_response(
        {"data": [checkout_view(shopper.store, cart, shopper.now) for cart in carts], "meta": {}}
    )


@route(CHECKOUT, "GET")
async def get_checkout(shopper: Shopper) -> Response:
    cart = shopper.checkout()
    try:
        return shopper.respond(cart)
    except SandboxError as exc:
        return error_list_response(exc)  # the generic 400 body checkouts.sf.yml documents here


@route(CHECKOUT, "PUT")
async def update_checkout(shopper: Shopper) -> Response:
    body = await shopper.body(CustomerMessageBody)
    cart = shopper.checkout()
    ops.update_customer_message(shopper.store, shopper.now, cart.id, body.customer_message, body.version)
    return shopper.respond(cart)


def item_cart(shopper: Shopper) -> Cart:
    """The checkout of an item path, whose cart id must be the checkout's own."""
    cart = shopper.checkout()
    if shopper.param("cartId") != cart.id:
        raise not_found("Cart")
    return cart


@route(ITEM, "PUT")
async def update_item(shopper: Shopper) -> Response:
    cart = item_cart(shopper)
    body = await shopper.body(CartItemBody)
    quantity = body.line_item.quantity
    left = ops.update_item(
        shopper.store, shopper.now, cart.id, shopper.param("itemId"), quantity, body.version
    )
    return shopper.respond(left) if left else Response(status_code=204)


@route(ITEM, "DELETE")
async def remove_item(shopper: Shopper) -> Response:
    cart = item_cart(shopper)
    left = ops.remove_item(shopper.store, shopper.now, cart.id, shopper.param("itemId"))
    return shopper.respond(left) if left else Response(status_code=204)


@route(CHECKOUT + "/billing-address", "POST")
async def add_billing_address(shopper: Shopper) -> Response:
    cart = shopper.checkout()
    body = await shopper.body(AddressBody)
    shopper.check_guest_email(cart, body.email)
    ops.add_billing_address(shopper.store, shopper.now, cart.id, body, body.version)
    return shopper.respond(cart)


@route(CHECKOUT + "/billing-address/{addressId}", "PUT")
async def update_billing_address(shopper: Shopper) -> Response:
    cart = shopper.checkout()
    body = await shopper.body(AddressBody)
    shopper.check_guest_email(cart, body.email)
    ops.update_billing_address(
        shopper.store, shopper.now, cart.id, shopper.param("addressId"), body, body.version
    )
    return shopper.respond(cart)


@route(CHECKOUT + "/consignments", "POST")
async def add_consignments(shopper: Shopper) -> Response:
    cart = shopper.checkout()
    requests = (await shopper.body(ConsignmentCreateList)).root
    versions = {r.version for r in requests if r.version is not None}
    if len(versions) > 1:
        raise SandboxError(422, "All consignments in one request must carry the same version.")
    ops.add_consignments(shopper.store, shopper.now, cart.id, requests, next(iter(versions), None))
    return shopper.respond(cart)


@route(CONSIGNMENT, "PUT")
async def update_consignment(shopper: Shopper) -> Response:
    cart = shopper.checkout()
    body = await shopper.body(ConsignmentUpdateBody)
    ops.update_consignment(
        shopper.store,
        shopper.now,
        cart.id,
        shopper.param("consignmentId"),
        address=body.address,
        line_items=body.line_items,
        shipping_option_id=body.shipping_option_id,
        expected_version=body.version,
    )
    return shopper.respond(cart)


@route(CONSIGNMENT, "DELETE")
async def delete_consignment(shopper: Shopper) -> Response:
    cart = shopper.checkout()
    body = await shopper.body(Versioned)
    ops.delete_consignment(shopper.store, shopper.now, cart.id, shopper.param("consignmentId"), body.version)
    return shopper.respond(cart)


def shipping_options_view(store: StoreState, cart: Cart, consignment_id: str) -> Json:
    """Seed 004's ResponseShippingOptions: options per consignment ("shipping address"), `selected`
    marked, `formattedPrice` a numeric string."""
    consignment = next((c for c in cart.consignments if c.id == consignment_id), None)
    if consignment is None:
        raise not_found("Shipping address")
    options = [
        {
            "id": m.id,
            "description": m.description,
            "price": m.cost,
            "formattedPrice": str(m.cost),
            "imageUrl": "",
            "selected": m.id == consignment.selected_shipping_option_id,
            "transitTime": m.transit_time,
        }
        for m in ops.available_shipping_options(store, cart.id, consignment_id)
    ]
    return {"meta": {}, "data": {"shippingOptions": {consignment_id: options}}}


@route(OPTIONS, "GET")
async def list_shipping_options(shopper: Shopper) -> Response:
    return json_response(
        shipping_options_view(shopper.store, shopper.checkout(), shopper.param("consignmentId"))
    )


@route(OPTIONS + "/{optionId}", "PUT")
async def select_shipping_option(shopper: Shopper) -> Response:
    cart = shopper.checkout()
    body = await shopper.body(Versioned)
    consignment_id = shopper.param("consignmentId")
    option_id = shopper.param("optionId")
    ops.select_shipping_option(shopper.store, shopper.now, cart.id, consignment_id, option_id, body.version)
    return json_response(shipping_options_view(shopper.store, cart, consignment_id))


@route(CHECKOUT + "/payments", "GET")
async def list_payment_methods(shopper: Shopper) -> Response:
    shopper.checkout()
    methods = [
        {"id": m.id, "logoUrl": "", "method": m.name, "supportedCards": m.supported_cards, "type": m.type}
        for m in shopper.store.payment_methods
    ]
    return json_response({"meta": {}, "data": {"paymentMethods": methods}})


@route(CHECKOUT + "/gift-certificates", "POST")
async def apply_gift_certificate(shopper: Shopper) -> Response:
    cart = shopper.checkout()
    body = await shopper.body(GiftCertificateBody)
    ops.apply_gift_certificate(shopper.store, shopper.now, cart.id, body.gift_certificate_code, body.version)
    return shopper.respond(cart)


@route(CHECKOUT + "/gift-certificates/{code}", "DELETE")
async def remove_gift_certificate(shopper: Shopper) -> Response:
    cart = shopper.checkout()
    body = await shopper.body(Versioned)
    ops.remove_gift_certificate(shopper.store, shopper.now, cart.id, shopper.param("code"), body.version)
    return shopper.respond(cart)


@route(CHECKOUT + "/coupons", "POST")
async def apply_coupon(shopper: Shopper) -> Response:
    cart = shopper.checkout()
    body = await shopper.body(CouponBody)
    ops.apply_coupon(shopper.store, shopper.now, cart.id, body.coupon_code, body.version)
    return shopper.respond(cart)


@route(CHECKOUT + "/coupons/{code}", "DELETE")
async def remove_coupon(shopper: Shopper) -> Response:
    cart = shopper.checkout()
    body = await shopper.body(Versioned)
    ops.remove_coupon(shopper.store, shopper.now, cart.id, shopper.param("code"), body.version)
    return shopper.respond(cart)


@route(CHECKOUT + "/order", "POST")
async def create_order(shopper: Shopper) -> Response:
    """Seed 004: "201 Created: Returns a subset of Order Object" (ResponseOrderData)."""
    cart = shopper.checkout()
    body = await shopper.body(OrderBody)
    if body.customer_message is not None:
        ops.update_customer_message(shopper.store, shopper.now, cart.id, body.customer_message)
    order = ops.create_order(shopper.store, shopper.now, cart.id)
    return json_response({"meta": {}, "data": {"order": seed_order_view(shopper.store, order)}}, 201)


@route(ORDER, "GET")
async def get_order(shopper: Shopper) -> Response:
    return json_response(order_view(shopper.store, shopper.order()))


@route(ORDER, "PUT")
async def finalize_order(shopper: Shopper) -> Response:
    """Seed 004: "Finalizes the order - applicable only to hosted payments" (the cart is then deleted)."""
    order = ops.finalize_order(shopper.store, shopper.now, shopper.order().id)
    return json_response(seed_order_view(shopper.store, order))


def routes() -> list[BaseRoute]:
    return list(ROUTES)
