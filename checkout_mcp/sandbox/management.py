"""The Management API surface: /stores/{store_hash}/v3 carts and checkouts; v2 orders and order products.

Each handler authenticates (X-Auth-Token: 401 unknown, 403 read-only token on a write, 404
unknown store hash), parses the snake_case body with Decimal numbers, calls one domain operation
and renders the official spec's snake_case shape. Money goes out as JSON numbers (v3) or as the
v2 API's 4-place decimal strings.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from email.utils import format_datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from checkout_mcp.sandbox import operations as ops
from checkout_mcp.sandbox.errors import SandboxError, error_list_response, invalid, not_found
from checkout_mcp.sandbox.jsonio import json_response, omit_none, parse, read_json
from checkout_mcp.sandbox.payloads import (
    AddressBody,
    CouponBody,
    CustomerMessageBody,
    ManagementConsignmentBody,
    ManagementConsignmentUpdateBody,
    Versioned,
)
from checkout_mcp.sandbox.runtime import sandbox_of
from checkout_mcp.sandbox.state import (
    UUID_PATTERN,
    Address,
    Cart,
    Order,
    OrderLine,
    StoreState,
)
from checkout_mcp.sandbox.totals import Totals
from checkout_mcp.sandbox.views import address_view, coupon_view, line_item_view, shipping_option_view

V3 = "/stores/{store_hash}/v3"
V2 = "/stores/{store_hash}/v2"
SHIPPING_OPTIONS_INCLUDE = "consignments.available_shipping_options"
V2_LIMIT_MAX = 250


# --- request context -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """What a handler needs: the store (read per request: reset replaces it), the time, the request."""

    store: StoreState
    now: datetime
    request: Request

    def cart_id(self) -> str:
        """The path's cart, which must exist: "Cart not found" otherwise."""
        return self._existing_cart("cart_id", "Cart")

    def checkout_id(self) -> str:
        """The path's checkout (a cart by another name): the checkout routes say "Checkout not found"."""
        return self._existing_cart("checkout_id", "Checkout")

    def _existing_cart(self, param: str, what: str) -> str:
        cart_id = self.request.path_params[param]
        if not UUID_PATTERN.match(cart_id) or cart_id not in self.store.carts:
            raise not_found(what)
        return cart_id

    def includes(self) -> set[str]:
        return {
            part.strip() for part in self.request.query_params.get("include", "").split(",") if part.strip()
        }


def authenticate(request: Request, *, write: bool) -> Call:
    sandbox = sandbox_of(request)
    credentials = sandbox.credentials
    token = request.headers.get("x-auth-token", "")
    full = hmac.compare_digest(token, credentials.access_token)
    read_only = hmac.compare_digest(token, credentials.read_only_token)
    if not (full or read_only):
        raise SandboxError(401, "Unauthorized: the X-Auth-Token header is missing or not valid.")
    if request.path_params["store_hash"] != credentials.store_hash:
        raise not_found("Store")
    if write and not full:
        raise SandboxError(403, "You don't have a required scope to access the endpoint.")
    return Call(store=sandbox.store, now=sandbox.clock.now(), request=request)


Handler = Callable[[Call], Awaitable[Response]]


def route(path: str, method: str, *, write: bool) -> Callable[[Handler], Route]:
    def wrap(handler: Handler) -> Route:
        async def endpoint(request: Request) -> Response:
            return await handler(authenticate(request, write=write))

        return Route(path, endpoint, methods=[method], name=handler.__name__)

    return wrap


# --- views ---------------------------------------------------------------------------------------


def cart_view(cart: Cart, totals: Totals) -> dict[str, Any]:
    """Cart_Full (carts.v3.yml); the checkout's `cart` adds the ex/inc tax amounts."""
    return {
        "id": cart.id,
        "customer_id": cart.customer_id,
        "channel_id": cart.channel_id,
        "email": cart.email,
        "currency": {"code": cart.currency},
        "tax_included": totals.tax_included,
        "base_amount": totals.base_amount,
        "discount_amount": Decimal("0"),  # spec: order-based discounts only, never coupons (none here)
        "manual_discount_amount": Decimal("0"),
        "cart_amount": totals.cart_amount_inc_tax,
        "cart_amount_inc_tax": totals.cart_amount_inc_tax,
        "cart_amount_ex_tax": totals.cart_amount_ex_tax,
        "coupons": [coupon_view(c) for c in totals.coupons],
        "discounts": [{"id": "coupon", "discounted_amount": totals.discount_amount}]
        if totals.discount_amount
        else [],
        "line_items": {
            "physical_items": [line_item_view(i, totals) for i in cart.line_items if i.type == "physical"],
            "digital_items": [line_item_view(i, totals) for i in cart.line_items if i.type == "digital"],
            "gift_certificates": [],
            "custom_items": [],
        },
        "created_time": cart.created_time,
        "updated_time": cart.updated_time,
        "locale": cart.locale,
        "version": cart.version,
    }


def checkout_view(store: StoreState, cart: Cart, totals: Totals, *, with_options: bool) -> dict[str, Any]:
    """Checkout (checkouts.v3.yml)."""
    methods = {m.id: m for m in store.shipping_methods}
    consignments = []
    for consignment in cart.consignments:
        money = totals.consignments[consignment.id]
        selected = methods.get(consignment.selected_shipping_option_id or "")
        view: dict[str, Any] = {
            "id": consignment.id,
            "address": address_view(consignment.address),
            "line_item_ids": list(consignment.line_item_ids),
            "shipping_cost_inc_tax": money.shipping_cost_inc_tax,
            "shipping_cost_ex_tax": money.shipping_cost_ex_tax,
            "handling_cost_inc_tax": money.handling_cost_inc_tax,
            "handling_cost_ex_tax": money.handling_cost_ex_tax,
            "coupon_discounts": [
                {"code": c.code, "amount": money.coupon_discount}
                for c in totals.coupons
                if c.coupon_type == "free_shipping" and money.coupon_discount
            ],
            "discounts": [],
        }
        if selected is not None:
            view["selected_shipping_option"] = shipping_option_view(selected)
        if with_options:
            view["available_shipping_options"] = [
                shipping_option_view(m)
                for m in ops.available_shipping_options(store, cart.id, consignment.id)
            ]
        consignments.append(view)
    view: dict[str, Any] = {
        "id": cart.id,
        "cart": cart_view(cart, totals),
        "billing_address": address_view(cart.billing_address) if cart.billing_address else None,
        "consignments": consignments,
        "taxes": [{"name": t.name, "amount": t.amount} for t in totals.taxes],
        "coupons": [coupon_view(c) for c in totals.coupons],
        "fees": [],
        "order_id": str(cart.order_id) if cart.order_id is not None else None,
        "shipping_cost_total_inc_tax": totals.shipping_cost_total_inc_tax,
        "shipping_cost_total_ex_tax": totals.shipping_cost_total_ex_tax,
        "handling_cost_total_inc_tax": totals.handling_cost_total_inc_tax,
        "handling_cost_total_ex_tax": totals.handling_cost_total_ex_tax,
        "tax_total": totals.tax_total,
        "subtotal_inc_tax": totals.subtotal_inc_tax,
        "subtotal_ex_tax": totals.subtotal_ex_tax,
        "grand_total": totals.grand_total,
        "created_time": cart.created_time,
        "updated_time": cart.updated_time,
        "customer_message": cart.customer_message,
        "promotions": [],
        "version": cart.version,
    }
    return omit_none(view, "billing_address")


def v2_money(amount: Decimal) -> str:
    return f"{amount:.4f}"


def v2_address(address: Address) -> dict[str, Any]:
    return {
        "first_name": address.first_name,
        "last_name": address.last_name,
        "company": address.company,
        "street_1": address.address1,
        "street_2": address.address2,
        "city": address.city,
        "state": address.state_or_province,
        "zip": address.postal_code,
        "country": address.country_code,
        "country_iso2": address.country_code,
        "phone": address.phone,
        "email": address.email,
        "form_fields": [],
    }


def order_v2_view(order: Order, tax_included: bool, store_hash: str, base_url: str) -> dict[str, Any]:
    """The essentials of orders.v2.oas2.yml's order: money as 4-place strings, RFC 2822 dates."""
    resource = f"/orders/{order.id}"
    link = f"{base_url.rstrip('/')}/stores/{store_hash}/v2{resource}"
    return {
        "id": order.id,
        "customer_id": order.customer_id,
        "date_created": format_datetime(order.date_created),
        "date_modified": format_datetime(order.date_modified),
        "date_shipped": "",
        "status_id": order.status_id,
        "status": order.status,
        "subtotal_ex_tax": v2_money(order.subtotal_ex_tax),
        "subtotal_inc_tax": v2_money(order.subtotal_inc_tax),
        "subtotal_tax": v2_money(order.subtotal_inc_tax - order.subtotal_ex_tax),
        "base_shipping_cost": v2_money(order.shipping_cost_inc_tax),
        "shipping_cost_ex_tax": v2_money(order.shipping_cost_ex_tax),
        "shipping_cost_inc_tax": v2_money(order.shipping_cost_inc_tax),
        "shipping_cost_tax": v2_money(order.shipping_cost_inc_tax - order.shipping_cost_ex_tax),
        "handling_cost_ex_tax": v2_money(order.handling_cost_ex_tax),
        "handling_cost_inc_tax": v2_money(order.handling_cost_inc_tax),
        "total_ex_tax": v2_money(order.total_ex_tax),
        "total_inc_tax": v2_money(order.total_inc_tax),
        "total_tax": v2_money(order.total_tax),
        "is_tax_inclusive_pricing": tax_included,
        "items_total": sum(line.quantity for line in order.lines),
        "items_shipped": 0,
        "payment_method": order.payment_method,
        "refunded_amount": v2_money(Decimal("0")),
        "order_is_digital": all(line.type == "digital" for line in order.lines),
        "gift_certificate_amount": v2_money(order.gift_certificate_amount),
        "currency_code": order.currency,
        "default_currency_code": order.currency,
        "customer_message": order.customer_message,
        "discount_amount": v2_money(order.discount_amount),
        "coupon_discount": v2_money(order.coupon_discount),
        "shipping_address_count": len(order.shipping_addresses),
        "cart_id": order.cart_id,
        "billing_address": v2_address(order.billing_address),
        "channel_id": order.channel_id,
        "order_source": "checkout_api",
        "products": {"url": f"{link}/products", "resource": f"{resource}/products"},
        "shipping_addresses": {
            "url": f"{link}/shippingaddresses",
            "resource": f"{resource}/shippingaddresses",
        },
        "coupons": {"url": f"{link}/coupons", "resource": f"{resource}/coupons"},
    }


def order_product_v2_view(order: Order, line: OrderLine) -> dict[str, Any]:
    """The essentials of orders.v2.oas2.yml's orderProducts (prices per unit, totals per line)."""
    return {
        "id": line.id,
        "order_id": order.id,
        "product_id": line.product_id,
        "variant_id": line.variant_id,
        "name": line.name,
        "name_customer": line.name,
        "name_merchant": line.name,
        "sku": line.sku,
        "type": line.type,
        "quantity": line.quantity,
        "base_price": v2_money(line.base_price),
        "price_ex_tax": v2_money(line.price_ex_tax),
        "price_inc_tax": v2_money(line.price_inc_tax),
        "price_tax": v2_money(line.price_inc_tax - line.price_ex_tax),
        "base_total": v2_money(line.base_price * line.quantity),
        "total_ex_tax": v2_money(line.total_ex_tax),
        "total_inc_tax": v2_money(line.total_inc_tax),
        "total_tax": v2_money(line.total_inc_tax - line.total_ex_tax),
        "quantity_shipped": 0,
    }


def envelope(data: Any, status: int = 200) -> Response:
    return json_response({"data": data, "meta": {}}, status)


def cart_response(call: Call, cart: Cart, status: int = 200, extra: dict[str, Any] | None = None) -> Response:
    totals = ops.checkout_totals(call.store, cart, call.now)
    return envelope({**cart_view(cart, totals), **(extra or {})}, status)


def checkout_response(call: Call, cart: Cart) -> Response:
    totals = ops.checkout_totals(call.store, cart, call.now)
    with_options = SHIPPING_OPTIONS_INCLUDE in call.includes()
    return envelope(checkout_view(call.store, cart, totals, with_options=with_options))


# --- request payloads ----------------------------------------------------------------------------


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


class PageQuery(BaseModel):
    """v2 collection paging: `page` from 1, `limit` (default 50, at most 250) per page."""

    page: int = Field(default=1, ge=1)
    limit: int = Field(default=50, ge=1, le=V2_LIMIT_MAX)


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


class TokenBody(BaseModel):
    maxUses: int | None = None  # the spec's camelCase field name
    ttl: int | None = None


def redirect_urls_view(urls: ops.RedirectUrlSet) -> dict[str, str]:
    return {
        "cart_url": urls.cart_url,
        "checkout_url": urls.checkout_url,
        "embedded_checkout_url": urls.embedded_checkout_url,
    }


# --- handlers ------------------------------------------------------------------------------------


@route(f"{V3}/carts", "POST", write=True)
async def create_cart(call: Call) -> Response:
    body = parse(CreateCartBody, await read_json(call.request))
    currency = (body.currency or {}).get("code", call.store.settings.currency)
    if currency.upper() != call.store.settings.currency:
        raise invalid(
            f"The currency {currency[:3]} is not enabled for this store.", {"currency": "Not enabled."}
        )
    cart = ops.create_cart(
        call.store,
        call.now,
        body.line_items,
        customer_id=body.customer_id,
        channel_id=body.channel_id,
        locale=body.locale,
    )
    extra = None
    if "redirect_urls" in call.includes():
        urls = ops.create_redirect_urls(call.store, call.now, cart.id, str(call.request.base_url))
        extra = {"redirect_urls": redirect_urls_view(urls)}
    return cart_response(call, cart, 201, extra)


@route(f"{V3}/carts/{{cart_id}}", "GET", write=False)
async def get_cart(call: Call) -> Response:
    return cart_response(call, ops.get_cart(call.store, call.cart_id()))


@route(f"{V3}/carts/{{cart_id}}", "PUT", write=True)
async def update_cart(call: Call) -> Response:
    body = parse(CartCustomerBody, await read_json(call.request))
    cart = ops.update_cart_customer(call.store, call.now, call.cart_id(), body.customer_id, body.version)
    return cart_response(call, cart, 201)


@route(f"{V3}/carts/{{cart_id}}", "DELETE", write=True)
async def delete_cart(call: Call) -> Response:
    ops.delete_cart(call.store, call.cart_id())
    return Response(status_code=204)


@route(f"{V3}/carts/{{cart_id}}/items", "POST", write=True)
async def add_cart_items(call: Call) -> Response:
    body = parse(AddItemsBody, await read_json(call.request))
    cart = ops.add_items(call.store, call.now, call.cart_id(), body.line_items, body.version)
    return cart_response(call, cart, 201)


@route(f"{V3}/carts/{{cart_id}}/items/{{item_id}}", "PUT", write=True)
async def update_cart_item(call: Call) -> Response:
    body = parse(UpdateItemBody, await read_json(call.request))
    item_id = call.request.path_params["item_id"]
    cart_id = call.cart_id()
    item = next((i for i in ops.get_cart(call.store, cart_id).line_items if i.id == item_id), None)
    asked = body.line_item
    if item is not None and (
        asked.product_id != item.product_id or asked.variant_id not in (None, item.variant_id)
    ):
        raise invalid("To change the product or variant, remove the line item and add a new one.")
    cart = ops.update_item(
        call.store,
        call.now,
        cart_id,
        item_id,
        body.line_item.quantity,
        body.version,
        body.line_item.list_price,
    )
    return cart_response(call, cart) if cart is not None else Response(status_code=204)


@route(f"{V3}/carts/{{cart_id}}/items/{{item_id}}", "DELETE", write=True)
async def delete_cart_item(call: Call) -> Response:
    body = parse(Versioned, await read_json(call.request))
    cart = ops.remove_item(
        call.store, call.now, call.cart_id(), call.request.path_params["item_id"], body.version
    )
    return cart_response(call, cart) if cart is not None else Response(status_code=204)


@route(f"{V3}/carts/{{cart_id}}/redirect_urls", "POST", write=True)
async def create_redirect_urls(call: Call) -> Response:
    body = parse(RedirectUrlsBody, await read_json(call.request))
    urls = ops.create_redirect_urls(
        call.store, call.now, call.cart_id(), str(call.request.base_url), body.query_params
    )
    return envelope(redirect_urls_view(urls), 201)


@route(f"{V3}/checkouts/{{checkout_id}}", "GET", write=False)
async def get_checkout(call: Call) -> Response:
    try:
        checkout_id = call.checkout_id()
    except SandboxError as exc:
        return error_list_response(exc)  # the body checkouts.v3.yml documents for this 404
    return checkout_response(call, ops.get_cart(call.store, checkout_id))


@route(f"{V3}/checkouts/{{checkout_id}}", "PUT", write=True)
async def update_checkout(call: Call) -> Response:
    body = parse(CustomerMessageBody, await read_json(call.request))
    cart = ops.update_customer_message(
        call.store, call.now, call.checkout_id(), body.customer_message, body.version
    )
    return checkout_response(call, cart)


@route(f"{V3}/checkouts/{{checkout_id}}/billing-address", "POST", write=True)
async def add_billing_address(call: Call) -> Response:
    body = parse(AddressBody, await read_json(call.request))
    cart = ops.add_billing_address(call.store, call.now, call.checkout_id(), body, body.version)
    return checkout_response(call, cart)


@route(f"{V3}/checkouts/{{checkout_id}}/billing-address/{{address_id}}", "PUT", write=True)
async def update_billing_address(call: Call) -> Response:
    body = parse(AddressBody, await read_json(call.request))
    address_id = call.request.path_params["address_id"]
    cart = ops.update_billing_address(
        call.store, call.now, call.checkout_id(), address_id, body, body.version
    )
    return checkout_response(call, cart)


@route(f"{V3}/checkouts/{{checkout_id}}/consignments", "POST", write=True)
async def add_consignments(call: Call) -> Response:
    data = await read_json(call.request)
    bodies = [parse(ManagementConsignmentBody, item) for item in (data if isinstance(data, list) else [data])]
    version = next((b.version for b in bodies if b.version is not None), None)
    cart = ops.add_consignments(call.store, call.now, call.checkout_id(), list(bodies), version)
    return checkout_response(call, cart)


@route(f"{V3}/checkouts/{{checkout_id}}/consignments/{{consignment_id}}", "PUT", write=True)
async def update_consignment(call: Call) -> Response:
    body = parse(ManagementConsignmentUpdateBody, await read_json(call.request))
    cart = ops.update_consignment(
        call.store,
        call.now,
        call.checkout_id(),
        call.request.path_params["consignment_id"],
        address=body.address,
        line_items=body.line_items,
        shipping_option_id=body.shipping_option_id,
        expected_version=body.version,
    )
    return checkout_response(call, cart)


@route(f"{V3}/checkouts/{{checkout_id}}/consignments/{{consignment_id}}", "DELETE", write=True)
async def delete_consignment(call: Call) -> Response:
    body = parse(Versioned, await read_json(call.request))
    consignment_id = call.request.path_params["consignment_id"]
    cart = ops.delete_consignment(call.store, call.now, call.checkout_id(), consignment_id, body.version)
    return checkout_response(call, cart)


@route(f"{V3}/checkouts/{{checkout_id}}/coupons", "POST", write=True)
async def add_coupon(call: Call) -> Response:
    body = parse(CouponBody, await read_json(call.request))
    cart = ops.apply_coupon(call.store, call.now, call.checkout_id(), body.coupon_code, body.version)
    return checkout_response(call, cart)


@route(f"{V3}/checkouts/{{checkout_id}}/coupons/{{coupon_code}}", "DELETE", write=True)
async def delete_coupon(call: Call) -> Response:
    body = parse(Versioned, await read_json(call.request))
    code = call.request.path_params["coupon_code"]
    cart = ops.remove_coupon(call.store, call.now, call.checkout_id(), code, body.version)
    return checkout_response(call, cart)


@route(f"{V3}/checkouts/{{checkout_id}}/orders", "POST", write=True)
async def create_order(call: Call) -> Response:
    order = ops.create_order(call.store, call.now, call.checkout_id())
    return envelope({"id": order.id})


@route(f"{V3}/checkouts/{{checkout_id}}/token", "POST", write=True)
async def create_checkout_token(call: Call) -> Response:
    body = parse(TokenBody, await read_json(call.request))
    token = ops.create_checkout_token(call.store, call.now, call.checkout_id(), body.maxUses, body.ttl)
    return envelope({"checkoutToken": token})


def order_v2(call: Call, order: Order) -> dict[str, Any]:
    store_hash = call.request.path_params["store_hash"]
    return order_v2_view(order, call.store.settings.tax_included, store_hash, str(call.request.base_url))


@route(f"{V2}/orders", "GET", write=False)
async def list_orders(call: Call) -> Response:
    """A page of orders; no orders is a 204 with no body, as v2 collections answer."""
    query = parse(OrderListQuery, dict(call.request.query_params), status=400)
    orders = ops.list_orders(call.store, ops.OrderQuery(**query.model_dump()))
    if not orders:
        return Response(status_code=204)
    return json_response([order_v2(call, order) for order in orders])


@route(f"{V2}/orders/{{order_id:int}}", "GET", write=False)
async def get_order(call: Call) -> Response:
    return json_response(order_v2(call, ops.get_order(call.store, call.request.path_params["order_id"])))


@route(f"{V2}/orders/{{order_id:int}}", "PUT", write=True)
async def update_order(call: Call) -> Response:
    body = parse(OrderStatusBody, await read_json(call.request), status=400)
    order = ops.update_order_status(
        call.store, call.now, call.request.path_params["order_id"], body.status_id
    )
    return json_response(order_v2(call, order))


@route(f"{V2}/orders/{{order_id:int}}/products", "GET", write=False)
async def list_order_products(call: Call) -> Response:
    order = ops.get_order(call.store, call.request.path_params["order_id"])
    paging = parse(PageQuery, dict(call.request.query_params), status=400)
    start = (paging.page - 1) * paging.limit
    lines = order.lines[start : start + paging.limit]
    return json_response([order_product_v2_view(order, line) for line in lines])


ROUTES: list[Route] = [
    create_cart,
    get_cart,
    update_cart,
    delete_cart,
    add_cart_items,
    update_cart_item,
    delete_cart_item,
    create_redirect_urls,
    get_checkout,
    update_checkout,
    add_billing_address,
    update_billing_address,
    add_consignments,
    update_consignment,
    delete_consignment,
    add_coupon,
    delete_coupon,
    create_order,
    create_checkout_token,
    list_orders,
    get_order,
    update_order,
    list_order_products,
]


def routes() -> list[BaseRoute]:
    return list(ROUTES)
