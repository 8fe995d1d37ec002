"""The management routes: authentication, then one domain operation per handler, rendered by `views`."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from checkout_mcp.sandbox import catalog
from checkout_mcp.sandbox import operations as ops
from checkout_mcp.sandbox.errors import SandboxError, error_list_response, invalid, not_found
from checkout_mcp.sandbox.jsonio import Fragment, json_response, parse, read_json
from checkout_mcp.sandbox.management.bodies import (
    AddItemsBody,
    CartCustomerBody,
    CreateCartBody,
    ManagementConsignmentBody,
    ManagementConsignmentUpdateBody,
    OrderListQuery,
    OrderStatusBody,
    PageQuery,
    ProductListQuery,
    ProductQuery,
    RedirectUrlsBody,
    TokenBody,
    UpdateItemBody,
)
from checkout_mcp.sandbox.management.views import (
    Json,
    cart_view,
    checkout_view,
    order_product_v2_view,
    order_v2_view,
    product_view,
    redirect_urls_view,
    variants_of,
)
from checkout_mcp.sandbox.payloads import AddressBody, CouponBody, CustomerMessageBody, Versioned
from checkout_mcp.sandbox.runtime import sandbox_of
from checkout_mcp.sandbox.state import UUID_PATTERN, Cart, Order, StoreState

V3 = "/stores/{store_hash}/v3"


V2 = "/stores/{store_hash}/v2"


SHIPPING_OPTIONS_INCLUDE = "consignments.available_shipping_options"


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
        if not self.request.scope["query_string"]:  # most requests: no query to parse
            return set()
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


def envelope(data: Any, status: int = 200) -> Response:
    return json_response({"data": data, "meta": {}}, status)


def cart_response(
    call: Call, cart: Cart, status: int = 200, redirect_urls: Fragment | None = None
) -> Response:
    totals = ops.checkout_totals(call.store, cart, call.now)
    return envelope(cart_view(cart, totals, redirect_urls), status)


def checkout_response(call: Call, cart: Cart) -> Response:
    totals = ops.checkout_totals(call.store, cart, call.now)
    with_options = SHIPPING_OPTIONS_INCLUDE in call.includes()
    return envelope(checkout_view(call.store, cart, totals, with_options=with_options))


def collection(call: Call, data: list[Json], total: int, paging: PageQuery) -> Response:
    """A v3 collection page with metaCollection_Full's `pagination` block."""
    pages = max(1, -(-total // paging.limit))
    others = {k: v for k, v in call.request.query_params.items() if k not in ("page", "limit")}

    def link(page: int) -> str:
        return "?" + urlencode({**others, "page": page, "limit": paging.limit})

    links = {"current": link(paging.page)}
    if paging.page > 1:
        links["previous"] = link(paging.page - 1)
    if paging.page < pages:
        links["next"] = link(paging.page + 1)
    pagination = {
        "total": total,
        "count": len(data),
        "per_page": paging.limit,
        "current_page": paging.page,
        "total_pages": pages,
        "links": links,
    }
    return json_response({"data": data, "meta": {"pagination": pagination}})


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
    redirect_urls = None
    if "redirect_urls" in call.includes():
        urls = ops.create_redirect_urls(call.store, call.now, cart.id, str(call.request.base_url))
        redirect_urls = redirect_urls_view(urls)
    return cart_response(call, cart, 201, redirect_urls)


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


@route(f"{V3}/catalog/products", "GET", write=False)
async def list_products(call: Call) -> Response:
    query = parse(ProductListQuery, dict(call.request.query_params))
    products, total = catalog.search_products(
        call.store,
        catalog.ProductQuery(
            ids=None if query.ids is None else frozenset(query.ids),
            keyword=query.keyword,
            name=query.name,
            sku=query.sku,
            is_visible=query.is_visible,
            page=query.page,
            limit=query.limit,
        ),
    )
    base_url = str(call.request.base_url)
    return collection(call, [product_view(p, base_url, query.include) for p in products], total, query)


@route(f"{V3}/catalog/products/{{product_id:int}}", "GET", write=False)
async def get_product(call: Call) -> Response:
    query = parse(ProductQuery, dict(call.request.query_params))
    product = catalog.get_product(call.store, call.request.path_params["product_id"])
    view = product_view(product, str(call.request.base_url), query.include)
    return json_response({"data": view, "meta": {}})


@route(f"{V3}/catalog/products/{{product_id:int}}/variants", "GET", write=False)
async def list_variants(call: Call) -> Response:
    paging = parse(PageQuery, dict(call.request.query_params))
    variants = variants_of(catalog.get_product(call.store, call.request.path_params["product_id"]))
    start = (paging.page - 1) * paging.limit
    return collection(call, variants[start : start + paging.limit], len(variants), paging)


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
    list_products,
    get_product,
    list_variants,
]


def routes() -> list[BaseRoute]:
    return list(ROUTES)
