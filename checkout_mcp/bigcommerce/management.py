"""The Management API binding: /stores/{store_hash}/v3 (and /v2/orders), X-Auth-Token, snake_case JSON.

This is the surface for server-side agents: it needs no shopper session. It maps BigCommerce's
snake_case responses (checkouts.v3.yml, carts.v3.yml, orders.v2.oas2.yml) into the domain model.
Money comes from `Transport`'s Decimal JSON. Amounts that BigCommerce reports both with and without
tax are taken the way the store displays them (`tax_included`).
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import SecretStr

from checkout_mcp.bigcommerce.catalog import product_from, product_page_from, variant_from
from checkout_mcp.bigcommerce.endpoints import (
    SharedCheckoutEndpoints,
    checkout_path,
    consignment_path,
    reconcile_order_hint,
)
from checkout_mcp.bigcommerce.errors import NotFound, OperationNotSupported
from checkout_mcp.bigcommerce.mapping import (
    MANAGEMENT_KEYS,
    Keys,
    cart_body,
    cart_from,
    cart_item_body,
    with_version,
)
from checkout_mcp.bigcommerce.models import (
    Address,
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
from checkout_mcp.bigcommerce.transport import (
    Transport,
    amount_from,
    number_segment,
    order_segment,
    segment,
    status_segment,
    uuid_segment,
)

V2_PAGE_LIMIT = V3_PAGE_LIMIT = 250  # the most a collection returns per page


class ManagementBinding(SharedCheckoutEndpoints):
    """Checkout operations over the Management API of one store."""

    keys: ClassVar[Keys] = MANAGEMENT_KEYS
    surface: Literal["management"] = "management"
    lacks: ClassVar[frozenset[str]] = frozenset(
        {
            "list_checkouts",
            "apply_gift_certificate",
            "remove_gift_certificate",
            "list_payment_methods",
            "finalize_order",
        }
    )

    def __init__(self, transport: Transport, store_hash: str, access_token: SecretStr | str) -> None:
        self._transport = transport
        self._prefix = f"/stores/{segment(store_hash, 'store hash')}"
        token = access_token if isinstance(access_token, SecretStr) else SecretStr(access_token)
        self._access_token = token

    def __repr__(self) -> str:
        return f"ManagementBinding(prefix={self._prefix!r})"

    def _target(self, path: str, version: str) -> str:
        return f"{self._prefix}/{version}{path}"

    def _headers(self) -> dict[str, str]:
        return {"X-Auth-Token": self._access_token.get_secret_value()}

    def _checkout_json(self, answer: Any) -> Any:
        return _data(answer)

    # --- checkouts ----------------------------------------------------------------------------------

    async def list_checkouts(self) -> list[Checkout]:
        raise OperationNotSupported(
            "list_checkouts", "the management API cannot list checkouts; use the storefront surface"
        )

    async def create_checkout_token(
        self, checkout_id: str, *, max_uses: int, ttl_seconds: int
    ) -> CheckoutToken:
        token: str = await self._call(
            "POST",
            f"{checkout_path(checkout_id)}/token",
            "create_checkout_token",
            body={"maxUses": max_uses, "ttl": ttl_seconds},
            parse=lambda answer: str(_data(answer)["checkoutToken"]),
        )
        return CheckoutToken(token=SecretStr(token), max_uses=max_uses, ttl_seconds=ttl_seconds)

    async def create_order(self, checkout_id: str) -> int:
        path = f"{checkout_path(checkout_id)}/orders"
        return await self._call(
            "POST",
            path,
            "create_order",
            if_ambiguous=reconcile_order_hint(checkout_id),
            parse=lambda answer: int(_data(answer)["id"]),
        )

    # --- carts ------------------------------------------------------------------------------------

    async def create_cart(self, items: list[NewLineItem], *, currency: str | None = None) -> Cart:
        body = cart_body(MANAGEMENT_KEYS, items)
        if currency is not None:
            body["currency"] = {"code": currency}
        return await self._call("POST", "/carts", "create_cart", body=body, parse=_cart_data)

    async def create_cart_redirect_urls(
        self, cart_id: str, query_params: dict[str, str] | None = None
    ) -> RedirectUrls:
        path = f"/carts/{uuid_segment(cart_id, 'cart id')}/redirect_urls"
        body = {"query_params": query_params} if query_params else None
        return await self._call(
            "POST", path, "create_cart_redirect_urls", body=body, parse=lambda a: redirect_urls_from(_data(a))
        )

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
            cart_item_body(MANAGEMENT_KEYS, quantity=quantity, product_id=product_id, variant_id=variant_id),
            version,
        )
        path = _cart_item(cart_id, item_id)
        return await self._call("PUT", path, "update_cart_item", body=body, parse=_cart_data)

    async def remove_cart_item(self, cart_id: str, item_id: str) -> Cart | None:
        """The cart without the item; None when that was the last item (BigCommerce deletes the cart)."""
        return await self._call(
            "DELETE",
            _cart_item(cart_id, item_id),
            "remove_cart_item",
            parse=lambda answer: _cart_data(answer) if answer else None,
        )

    # --- addresses and shipping -------------------------------------------------------------------

    async def list_shipping_options(self, checkout_id: str, consignment_id: str) -> list[ShippingOption]:
        checkout = await self.get_checkout(checkout_id, include_shipping_options=True)
        for consignment in checkout.consignments:
            if consignment.id == consignment_id:
                return consignment.available_shipping_options or []
        raise NotFound(
            status=404,
            title=f"Consignment {consignment_id!r} is not on checkout {checkout.id}",
            operation="list_shipping_options",
        )

    async def select_shipping_option(
        self, checkout_id: str, consignment_id: str, option_id: str, *, version: int | None = None
    ) -> Checkout:
        body = with_version({"shipping_option_id": option_id}, version)
        path = consignment_path(checkout_id, consignment_id)
        return await self._checkout_call("PUT", path, "select_shipping_option", body)

    # --- coupons, gift certificates, payments ----------------------------------------------------

    async def apply_gift_certificate(self, checkout_id: str, code: str) -> Checkout:
        raise _storefront_only("apply_gift_certificate")

    async def remove_gift_certificate(self, checkout_id: str, code: str) -> Checkout:
        raise _storefront_only("remove_gift_certificate")

    async def list_payment_methods(self, checkout_id: str) -> list[PaymentMethod]:
        raise _storefront_only("list_payment_methods")

    # --- orders -------------------------------------------------------------------------------------

    async def get_order(self, order_id: int) -> Order:
        """The v2 order with its items: v2 links an order's products, so they take a second GET."""
        path = f"/orders/{order_segment(order_id)}"
        order = await self._call("GET", path, "get_order", version="v2", parse=order_from)
        items = await self._order_items(path, tax_included=_tax_inclusive(order.raw or {}))
        return order.model_copy(update={"items": items})

    async def _order_items(self, order_path: str, *, tax_included: bool) -> list[OrderItem]:
        """Every page of the order's products: one GET unless the order has more than a page of lines."""
        items: list[OrderItem] = []
        page = 1
        while True:
            batch = await self._call(
                "GET",
                f"{order_path}/products",
                "get_order",
                version="v2",
                params={"page": str(page), "limit": str(V2_PAGE_LIMIT)},
                parse=lambda answer: order_items_from(answer, tax_included),
            )
            items.extend(batch)
            if len(batch) < V2_PAGE_LIMIT:
                return items
            page += 1

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
        """One page of orders (GET /v2/orders), without their items; an empty list when none match.

        `sort` is a field with an optional direction, e.g. "date_created:desc" (the store's default
        is id ascending).
        """
        _check_page(page, limit)
        filters = {
            "cart_id": None if cart_id is None else uuid_segment(cart_id, "cart id"),
            "status_id": None if status_id is None else status_segment(status_id),
            "min_id": min_id,
            "max_id": max_id,
            "sort": sort,
            "page": page,
            "limit": limit,
        }
        params = {name: str(value) for name, value in filters.items() if value is not None}
        return await self._call(
            "GET", "/orders", "list_orders", version="v2", params=params, parse=orders_from
        )

    async def update_order_status(self, order_id: int, status_id: int) -> Order:
        """Set an order's status (PUT /v2/orders/{id}), e.g. 5 to cancel; the answer includes its items."""
        path = f"/orders/{order_segment(order_id)}"
        body = {"status_id": int(status_segment(status_id))}
        order = await self._call(
            "PUT", path, "update_order_status", version="v2", body=body, parse=order_from
        )
        items = await self._order_items(path, tax_included=_tax_inclusive(order.raw or {}))
        return order.model_copy(update={"items": items})

    async def finalize_order(self, order_id: int) -> Order:
        raise _storefront_only("finalize_order")

    # --- catalog ------------------------------------------------------------------------------------

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
        """One page of products matching every filter given (GET /catalog/products), with images."""
        _check_page(page, limit)
        filters = {
            "keyword": keyword,
            "name": name,
            "sku": sku,
            "id:in": None if ids is None else ",".join(number_segment(i, "product id") for i in ids),
            "is_visible": None if is_visible is None else str(is_visible).lower(),
            "include": "variants,images" if include_variants else "images",
            "page": page,
            "limit": limit,
        }
        params = {key: str(value) for key, value in filters.items() if value is not None}
        return await self._call(
            "GET", "/catalog/products", "search_products", params=params, parse=product_page_from
        )

    async def get_product(self, product_id: int) -> Product:
        """A product with its variants and images (one request)."""
        path = f"/catalog/products/{number_segment(product_id, 'product id')}"
        params = {"include": "variants,images"}
        return await self._call(
            "GET", path, "get_product", params=params, parse=lambda answer: product_from(_data(answer))
        )

    async def list_variants(self, product_id: int) -> list[Variant]:
        """Every variant of a product (a product without options has one: its base variant)."""
        path = f"/catalog/products/{number_segment(product_id, 'product id')}/variants"
        variants: list[Variant] = []
        page = 1
        while True:
            batch, pages = await self._call(
                "GET",
                path,
                "list_variants",
                params={"page": str(page), "limit": str(V3_PAGE_LIMIT)},
                parse=_variant_page,
            )
            variants.extend(batch)
            if page >= pages:
                return variants
            page += 1


def _check_page(page: int, limit: int) -> None:
    """Paging arguments BigCommerce accepts (v2 and v3 both serve at most 250 per page)."""
    if page < 1 or not 1 <= limit <= V2_PAGE_LIMIT:
        raise ValueError(f"page must be at least 1 and limit 1..{V2_PAGE_LIMIT}")


def _variant_page(answer: Any) -> tuple[list[Variant], int]:
    return [variant_from(v) for v in answer["data"]], int(answer["meta"]["pagination"]["total_pages"])


def _storefront_only(operation: str) -> OperationNotSupported:
    return OperationNotSupported(
        operation, "the management API has no such endpoint; use the storefront surface"
    )


# --- paths ------------------------------------------------------------------------------------------


def _cart_item(cart_id: str, item_id: str) -> str:
    return f"/carts/{uuid_segment(cart_id, 'cart id')}/items/{segment(item_id, 'item id')}"


# --- responses -> domain ------------------------------------------------------------------------------


def _data(answer: Any) -> Any:
    """The `data` of a v3 envelope (a KeyError/TypeError here becomes UnexpectedResponse)."""
    return answer["data"]


def _cart_data(answer: Any) -> Cart:
    return cart_from(MANAGEMENT_KEYS, _data(answer))


def redirect_urls_from(data: dict[str, Any]) -> RedirectUrls:
    return RedirectUrls(
        cart_url=data["cart_url"],
        checkout_url=data["checkout_url"],
        embedded_checkout_url=data.get("embedded_checkout_url"),
    )


def v2_address_from(data: dict[str, Any] | None) -> Address | None:
    """A v2 order address (street_1, zip, country_iso2, ...)."""
    if not data:
        return None
    return Address(
        first_name=data.get("first_name") or "",
        last_name=data.get("last_name") or "",
        email=data.get("email") or None,
        company=data.get("company") or "",
        address1=data.get("street_1") or "",
        address2=data.get("street_2") or "",
        city=data.get("city") or "",
        state_or_province=data.get("state") or "",
        country_code=data.get("country_iso2") or "",
        postal_code=str(data.get("zip") or ""),
        phone=data.get("phone") or "",
    )


def _tax_inclusive(order: dict[str, Any]) -> bool:
    return bool(order.get("is_tax_inclusive_pricing", False))


def order_items_from(answer: Any, tax_included: bool) -> list[OrderItem]:
    """A page of v2 order products (orderProducts); an empty collection may come without a body."""
    if answer is None:
        return []
    if not isinstance(answer, list) or not all(isinstance(item, dict) for item in answer):
        raise TypeError("expected a list of order products")
    return [
        OrderItem(
            name=item["name"],
            quantity=int(item["quantity"]),
            sku=item.get("sku") or None,
            total=amount_from(MANAGEMENT_KEYS.amount(item, "total", tax_included)),
        )
        for item in answer
    ]


def orders_from(answer: Any) -> list[Order]:
    """A page of v2 orders; v2 answers 204 with no body when nothing matches."""
    if answer is None:
        return []
    if not isinstance(answer, list):
        raise TypeError("expected a list of orders")
    return [order_from(order) for order in answer]


def order_from(data: dict[str, Any]) -> Order:
    """A v2 order without its items (`get_order` reads them from the order's products)."""
    tax_included = _tax_inclusive(data)
    return Order(
        id=int(data["id"]),
        status=data.get("status", ""),
        status_id=int(data["status_id"]),
        currency=data.get("currency_code", ""),
        subtotal=amount_from(MANAGEMENT_KEYS.amount(data, "subtotal", tax_included)),
        shipping_total=amount_from(MANAGEMENT_KEYS.amount(data, "shipping_cost", tax_included)),
        tax_total=amount_from(data.get("total_tax")),
        discount_total=amount_from(data.get("discount_amount")),
        grand_total=amount_from(data.get("total_inc_tax")),
        billing_address=v2_address_from(data.get("billing_address")),
        cart_id=data.get("cart_id") or None,
        raw=data,
    )
