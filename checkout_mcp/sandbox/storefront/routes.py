"""The storefront routes: the shopper's request (`Shopper`), then one domain operation per handler."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from checkout_mcp.sandbox import operations as ops
from checkout_mcp.sandbox.errors import SandboxError, error_list_response, not_found
from checkout_mcp.sandbox.jsonio import json_response
from checkout_mcp.sandbox.payloads import (
    AddressBody,
    ConsignmentUpdateBody,
    CouponBody,
    CustomerMessageBody,
    Versioned,
)
from checkout_mcp.sandbox.runtime import sandbox_of
from checkout_mcp.sandbox.shopper import SESSION_COOKIE
from checkout_mcp.sandbox.state import Cart, Order, StoreState
from checkout_mcp.sandbox.storefront.bodies import (
    Body,
    CartItemBody,
    ConsignmentCreateList,
    CreateCartBody,
    GiftCertificateBody,
    OrderBody,
    body_of,
)
from checkout_mcp.sandbox.storefront.views import (
    cart_view,
    checkout_view,
    order_view,
    seed_order_view,
    shipping_options_view,
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
GET_CHECKOUT_INCLUDES = frozenset({INCLUDE_OPTIONS})  # the spec's default for GET /checkouts/{id}


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

    def includes(self, default: frozenset[str] = frozenset()) -> set[str]:
        """The `include` values, each one of those checkouts.sf.yml lists (400 otherwise); `default`
        when the request names none."""
        if "include" not in self.request.query_params:
            return set(default)
        asked = {part.strip() for part in self.request.query_params["include"].split(",") if part.strip()}
        unknown = sorted(asked - CHECKOUT_INCLUDES)
        if unknown:
            raise SandboxError(
                400, f"The include {unknown[0][:60]!r} is not one of the checkout's sub-resources."
            )
        return asked

    def respond(self, cart: Cart, default_includes: frozenset[str] = frozenset()) -> Response:
        with_options = INCLUDE_OPTIONS in self.includes(default_includes)
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
            shopper = Shopper.of(request)
            if method != "GET":
                shopper.includes()  # an unknown include is refused before a write changes anything
            return await handler(shopper)

        ROUTES.append(Route(PREFIX + path, endpoint, methods=[method], name=handler.__name__))
        return handler

    return wrap


CHECKOUT = "/checkouts/{checkoutId}"


ITEM = CHECKOUT + "/carts/{cartId}/items/{itemId}"


CONSIGNMENT = CHECKOUT + "/consignments/{consignmentId}"


OPTIONS = CHECKOUT + "/shipping-addresses/{consignmentId}/options"


ORDER = "/orders/{orderId:int}"


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
        return shopper.respond(cart, GET_CHECKOUT_INCLUDES)
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
    order = ops.create_order(shopper.store, shopper.now, cart.id, body.customer_message)
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
