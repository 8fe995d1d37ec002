"""The store's domain operations, shared by the management and storefront surfaces.

Every function takes the `StoreState` (and `now` from the sandbox clock where time matters),
changes it or reads it, and raises `SandboxError` with BigCommerce's status and message when the
request is refused. Mutations of a cart/checkout take `expected_version`: when given and not the
current version the call is refused with 409 before anything changes; on success the version goes
up by one. Inputs are already-parsed, snake_case values: each surface maps its own JSON to them.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import ClassVar
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict, Field

from checkout_mcp.sandbox import catalog
from checkout_mcp.sandbox.errors import SandboxError, conflict, invalid, not_found
from checkout_mcp.sandbox.state import (
    FINALIZED_STATUS_ID,
    INCOMPLETE_STATUS_ID,
    ORDER_STATUS_NAMES,
    Address,
    Cart,
    CartSource,
    CheckoutToken,
    Consignment,
    LineItem,
    Order,
    OrderLine,
    PostalAddress,
    Product,
    RedirectUrl,
    ShippingMethod,
    StoreState,
    digest,
)
from checkout_mcp.sandbox.totals import Totals, compute_totals, coupon_applies, round_money

CUSTOMER_MESSAGE_MAX = 2000
TOKEN_TTL_MAX = 2_592_000
DEFAULT_TOKEN_TTL = 86_400
DEFAULT_TOKEN_MAX_USES = 1
REDIRECT_URL_LIFETIME = timedelta(days=30)
COUPON_CODE_MAX = 50
NON_EMPTY_FIELDS = frozenset({"country_code", "email"})
PHONE_PATTERN = re.compile(r"^\+?[1-9]\d{1,14}(x\d{1,5})?$")  # the specs' E.164 pattern (its {1-5} fixed)


class AddressData(PostalAddress):
    """An address as a request gives it (snake_case); unknown fields such as custom_fields are ignored.

    `REQUIRED` are the fields the request must name (the spec's `required`); a surface whose spec
    requires more subclasses it. `country_code` and `email`, when required, must not be empty.
    """

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    REQUIRED: ClassVar[tuple[str, ...]] = ("country_code",)


class ItemRequest(BaseModel):
    """A catalog product to put in a cart; `list_price` overrides the catalog price (management API)."""

    model_config = ConfigDict(extra="ignore")

    product_id: int
    variant_id: int | None = None
    quantity: int
    list_price: Decimal | None = None


class ConsignmentLine(BaseModel):
    model_config = ConfigDict(extra="ignore")

    item_id: str
    quantity: int = Field(ge=1)


class ConsignmentRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    address: AddressData
    line_items: list[ConsignmentLine] = Field(default_factory=list)


@dataclass(frozen=True)
class RedirectUrlSet:
    cart_url: str
    checkout_url: str
    embedded_checkout_url: str


# --- reading -------------------------------------------------------------------------------------


def get_cart(store: StoreState, cart_id: str) -> Cart:
    cart = store.carts.get(cart_id)
    if cart is None:
        raise not_found("Cart")
    return cart


def get_order(store: StoreState, order_id: int) -> Order:
    order = store.orders.get(order_id)
    if order is None:
        raise not_found("Order")
    return order


def checkout_totals(store: StoreState, cart: Cart, now: datetime) -> Totals:
    return compute_totals(store, cart, now)


def available_shipping_options(store: StoreState, cart_id: str, consignment_id: str) -> list[ShippingMethod]:
    """The methods offered for the consignment's country (empty where the store does not ship)."""
    consignment = _consignment(get_cart(store, cart_id), consignment_id)
    return _methods_for(store, consignment.address.country_code)


# --- carts and items -----------------------------------------------------------------------------


def create_cart(
    store: StoreState,
    now: datetime,
    items: list[ItemRequest],
    *,
    customer_id: int = 0,
    channel_id: int = 1,
    locale: str = "en",
    source: CartSource = "management",
) -> Cart:
    if not items:
        raise invalid(
            "The line_items field is required.", {"line_items": "At least one line item is required."}
        )
    cart = Cart(
        id=store.new_uuid(),
        source=source,
        customer_id=customer_id,
        channel_id=channel_id,
        currency=store.settings.currency,
        locale=locale,
        created_time=now,
        updated_time=now,
    )
    _add_items(store, cart, items)
    store.carts[cart.id] = cart
    return cart


def delete_cart(store: StoreState, cart_id: str) -> None:
    get_cart(store, cart_id)
    del store.carts[cart_id]
    for cart_ids in store.sessions.values():
        if cart_id in cart_ids:
            cart_ids.remove(cart_id)


def update_cart_customer(
    store: StoreState, now: datetime, cart_id: str, customer_id: int, expected_version: int | None = None
) -> Cart:
    cart = _writable(store, cart_id, expected_version)
    if customer_id < 0:
        raise invalid("The field 'customer_id' is invalid.", {"customer_id": "Must be 0 or a customer id."})
    cart.customer_id = customer_id
    return _touch(cart, now)


def add_items(
    store: StoreState,
    now: datetime,
    cart_id: str,
    items: list[ItemRequest],
    expected_version: int | None = None,
) -> Cart:
    cart = _writable(store, cart_id, expected_version)
    if not items:
        raise invalid(
            "The line_items field is required.", {"line_items": "At least one line item is required."}
        )
    _add_items(store, cart, items)
    return _touch(cart, now)


def update_item(
    store: StoreState,
    now: datetime,
    cart_id: str,
    item_id: str,
    quantity: int,
    expected_version: int | None = None,
    list_price: Decimal | None = None,
) -> Cart | None:
    """Change a line's quantity (and optionally its price); quantity 0 removes it (None: cart deleted)."""
    cart = _writable(store, cart_id, expected_version)
    item = _line_item(cart, item_id)
    if quantity == 0:
        return _remove_line(store, cart, item, now)
    others = [i for i in cart.line_items if i is not item]
    _check_quantity(_product(store, item.product_id), item.variant_id, quantity, others)
    item.quantity = quantity
    if list_price is not None:
        item.list_price = _price(list_price, cart.currency)
    return _touch(cart, now)


def remove_item(
    store: StoreState, now: datetime, cart_id: str, item_id: str, expected_version: int | None = None
) -> Cart | None:
    """Remove a line; removing the last one deletes the cart, and then None is returned."""
    cart = _writable(store, cart_id, expected_version)
    return _remove_line(store, cart, _line_item(cart, item_id), now)


# --- checkout: message, billing, consignments, shipping -------------------------------------------


def update_customer_message(
    store: StoreState, now: datetime, cart_id: str, message: str, expected_version: int | None = None
) -> Cart:
    cart = _writable(store, cart_id, expected_version)
    if len(message) > CUSTOMER_MESSAGE_MAX:
        raise invalid(
            f"The customer message must be at most {CUSTOMER_MESSAGE_MAX} characters.",
            {"customer_message": f"Maximum length is {CUSTOMER_MESSAGE_MAX} characters."},
        )
    cart.customer_message = message
    return _touch(cart, now)


def add_billing_address(
    store: StoreState, now: datetime, cart_id: str, address: AddressData, expected_version: int | None = None
) -> Cart:
    cart = _writable(store, cart_id, expected_version)
    _check_address(address)
    cart.billing_address = Address(id=store.new_short_id(), **_normalized(address))
    if address.email:
        cart.email = address.email
    return _touch(cart, now)


def update_billing_address(
    store: StoreState,
    now: datetime,
    cart_id: str,
    address_id: str,
    address: AddressData,
    expected_version: int | None = None,
) -> Cart:
    cart = _writable(store, cart_id, expected_version)
    if cart.billing_address is None or cart.billing_address.id != address_id:
        raise not_found("Billing address")
    _check_address(address)
    cart.billing_address = Address(id=address_id, **_normalized(address))
    if address.email:
        cart.email = address.email
    return _touch(cart, now)


def add_consignments(
    store: StoreState,
    now: datetime,
    cart_id: str,
    requests: list[ConsignmentRequest],
    expected_version: int | None = None,
) -> Cart:
    """Create consignments; each physical line item ends up in exactly one (assigning moves it).

    A line item is always shipped whole: the quantity given must be between 1 and the line's
    quantity, and the sandbox does not split a line over two consignments.
    """
    cart = _writable(store, cart_id, expected_version)
    if not requests:
        raise invalid("At least one consignment is required.")
    for request in requests:
        _check_address(request.address)
        _check_consignment_lines(cart, request.line_items)
    for request in requests:
        consignment = Consignment(
            id=store.new_short_id(), address=Address(id=store.new_short_id(), **_normalized(request.address))
        )
        cart.consignments.append(consignment)
        _assign(cart, consignment, request.line_items)
    return _touch(cart, now)


def update_consignment(
    store: StoreState,
    now: datetime,
    cart_id: str,
    consignment_id: str,
    *,
    address: AddressData | None = None,
    line_items: list[ConsignmentLine] | None = None,
    shipping_option_id: str | None = None,
    expected_version: int | None = None,
) -> Cart:
    """Change a consignment's address and/or lines, or (in a separate request) select its shipping option."""
    cart = _writable(store, cart_id, expected_version)
    consignment = _consignment(cart, consignment_id)
    if address is None and line_items is None and shipping_option_id is None:
        raise invalid("One of address, line_items or shipping_option_id is required.")
    if shipping_option_id is not None and (address is not None or line_items is not None):
        raise invalid("shipping_option_id must be updated in a separate request from address and line_items.")
    if shipping_option_id is not None:
        _select_option(store, consignment, shipping_option_id)
        return _touch(cart, now)
    if address is not None:
        _check_address(address)
    if line_items is not None:
        _check_consignment_lines(cart, line_items)
    if address is not None:
        consignment.address = Address(id=consignment.address.id, **_normalized(address))
    if line_items is not None:
        consignment.line_item_ids = []
        _assign(cart, consignment, line_items)
    offered = {m.id for m in _methods_for(store, consignment.address.country_code)}
    if consignment.selected_shipping_option_id not in offered:
        consignment.selected_shipping_option_id = None
    return _touch(cart, now)


def select_shipping_option(
    store: StoreState,
    now: datetime,
    cart_id: str,
    consignment_id: str,
    option_id: str,
    expected_version: int | None = None,
) -> Cart:
    return update_consignment(
        store, now, cart_id, consignment_id, shipping_option_id=option_id, expected_version=expected_version
    )


def delete_consignment(
    store: StoreState, now: datetime, cart_id: str, consignment_id: str, expected_version: int | None = None
) -> Cart:
    cart = _writable(store, cart_id, expected_version)
    cart.consignments.remove(_consignment(cart, consignment_id))
    return _touch(cart, now)


# --- coupons and gift certificates ---------------------------------------------------------------


def apply_coupon(
    store: StoreState, now: datetime, cart_id: str, code: str, expected_version: int | None = None
) -> Cart:
    cart = _writable(store, cart_id, expected_version)
    code = code.strip()
    coupon = store.coupons.get(code.upper()) if 0 < len(code) <= COUPON_CODE_MAX else None
    if coupon is None or not coupon.enabled:
        raise invalid(
            f"The coupon code '{code[:COUPON_CODE_MAX]}' is not valid.", {"coupon_code": "Unknown code."}
        )
    if coupon.expires is not None and coupon.expires <= now:
        raise invalid(f"The coupon code '{coupon.code}' has expired.", {"coupon_code": "Expired."})
    base = compute_totals(store, cart, now).base_amount
    if not coupon_applies(coupon, base, now):
        minimum = round_money(coupon.min_purchase, cart.currency)
        raise invalid(
            f"You must spend at least {minimum} {cart.currency} to use the coupon code '{coupon.code}'.",
            {"coupon_code": "Minimum spend not met."},
        )
    if coupon.code not in cart.coupon_codes:
        cart.coupon_codes.append(coupon.code)
    return _touch(cart, now)


def remove_coupon(
    store: StoreState, now: datetime, cart_id: str, code: str, expected_version: int | None = None
) -> Cart:
    cart = _writable(store, cart_id, expected_version)
    _remove_code(cart.coupon_codes, code, "Coupon")
    return _touch(cart, now)


def apply_gift_certificate(
    store: StoreState, now: datetime, cart_id: str, code: str, expected_version: int | None = None
) -> Cart:
    cart = _writable(store, cart_id, expected_version)
    certificate = store.gift_certificates.get(code.strip().upper())
    if certificate is None or certificate.status != "active":
        raise not_found("Gift certificate code")  # checkouts.sf.yml: 404 "Gift certificate code not found"
    if certificate.balance <= 0:
        raise invalid(
            "The gift certificate has no remaining balance.", {"gift_certificate_code": "No balance."}
        )
    if certificate.code not in cart.gift_certificate_codes:
        cart.gift_certificate_codes.append(certificate.code)
    return _touch(cart, now)


def remove_gift_certificate(
    store: StoreState, now: datetime, cart_id: str, code: str, expected_version: int | None = None
) -> Cart:
    cart = _writable(store, cart_id, expected_version)
    _remove_code(cart.gift_certificate_codes, code, "Gift certificate")
    return _touch(cart, now)


# --- orders --------------------------------------------------------------------------------------


def create_order(store: StoreState, now: datetime, cart_id: str) -> Order:
    """An incomplete order (status 0) from the checkout; calling again creates another order.

    The checkout needs a billing address with an email, every physical item in a consignment,
    and a selected shipping option on every consignment that ships physical items.
    """
    cart = get_cart(store, cart_id)
    _check_ready_to_order(store, cart)
    totals = compute_totals(store, cart, now)
    order = Order(
        id=store.take_order_id(),
        cart_id=cart.id,
        customer_id=cart.customer_id,
        channel_id=cart.channel_id,
        currency=cart.currency,
        date_created=now,
        date_modified=now,
        billing_address=cart.billing_address,
        shipping_addresses=[c.address for c in cart.consignments],
        lines=[_order_line(store, item, totals) for item in cart.line_items],
        subtotal_ex_tax=totals.subtotal_ex_tax,
        subtotal_inc_tax=totals.subtotal_inc_tax,
        shipping_cost_ex_tax=totals.shipping_cost_total_ex_tax,
        shipping_cost_inc_tax=totals.shipping_cost_total_inc_tax,
        discount_amount=totals.discount_amount,
        coupon_discount=totals.discount_amount,
        total_tax=totals.tax_total,
        total_ex_tax=totals.grand_total - totals.tax_total,
        total_inc_tax=totals.grand_total,
        gift_certificate_amount=totals.grand_total - totals.outstanding_balance,
        coupon_codes=list(cart.coupon_codes),
        customer_message=cart.customer_message,
    )
    store.orders[order.id] = order
    cart.order_id = order.id
    _touch(cart, now)
    return order


def finalize_order(store: StoreState, now: datetime, order_id: int, payment_method: str = "") -> Order:
    """Move an incomplete order on (status 11): stock and gift-certificate balances are taken now.

    "Once the order is paid, the cart is deleted" (checkouts.v3.yml): the checkout is gone from
    both surfaces, but shopper sessions keep its id, so the shopper can still read the order.
    """
    order = get_order(store, order_id)
    if order.status_id != INCOMPLETE_STATUS_ID:
        raise invalid(f"Order {order_id} is {order.status}: only an incomplete order can be finalized.")
    cart = store.carts.pop(order.cart_id, None)
    if cart is not None:
        for use in compute_totals(store, cart, now).gift_certificates:
            store.gift_certificates[use.code.upper()].balance -= use.used
    _set_status(store, now, order, FINALIZED_STATUS_ID)
    order.payment_method = payment_method
    return order


ORDER_SORT_KEYS = frozenset({"id", "customer_id", "date_created", "date_modified", "status_id", "channel_id"})


@dataclass(frozen=True)
class OrderQuery:
    """GET /v2/orders filters; `sort` is "field" or "field:asc|desc" (default: id ascending)."""

    cart_id: str | None = None
    status_id: int | None = None
    min_id: int | None = None
    max_id: int | None = None
    sort: str = "id"
    page: int = 1
    limit: int = 50


def list_orders(store: StoreState, query: OrderQuery) -> list[Order]:
    """One page of the orders that pass every filter, in the asked order (ties by id)."""
    field, _, direction = query.sort.partition(":")
    if field not in ORDER_SORT_KEYS or direction not in ("", "asc", "desc"):
        raise SandboxError(400, f"The sort '{query.sort[:40]}' is not valid.")
    matching = [
        order
        for order in sorted(store.orders.values(), key=lambda o: o.id)
        if (query.cart_id is None or order.cart_id == query.cart_id)
        and (query.status_id is None or order.status_id == query.status_id)
        and (query.min_id is None or order.id >= query.min_id)
        and (query.max_id is None or order.id <= query.max_id)
    ]
    matching.sort(key=lambda o: getattr(o, field), reverse=direction == "desc")
    start = (query.page - 1) * query.limit
    return matching[start : start + query.limit]


def update_order_status(store: StoreState, now: datetime, order_id: int, status_id: int) -> Order:
    """Set an order's status (PUT /v2/orders/{id}); cancelling a placed order puts its stock back."""
    order = get_order(store, order_id)
    if not 0 <= status_id < len(ORDER_STATUS_NAMES):
        raise SandboxError(400, f"The status_id {status_id} is not a valid order status.")
    _set_status(store, now, order, status_id)
    return order


# --- checkout tokens and the confirmation page ---------------------------------------------------


def create_checkout_token(
    store: StoreState, now: datetime, cart_id: str, max_uses: int | None = None, ttl: int | None = None
) -> str:
    """Mint a token for /order-confirmation/{orderId}?t=...; only its digest is stored.

    Defaults (a sandbox choice, the spec gives none): single use, valid one day.
    """
    cart = get_cart(store, cart_id)
    uses = DEFAULT_TOKEN_MAX_USES if max_uses is None else max_uses
    lifetime = DEFAULT_TOKEN_TTL if ttl is None else ttl
    if uses < 1:
        raise invalid("maxUses must be at least 1.", {"maxUses": "Must be at least 1."})
    if not 1 <= lifetime <= TOKEN_TTL_MAX:
        raise invalid(f"ttl must be between 1 and {TOKEN_TTL_MAX}.", {"ttl": f"Must be 1..{TOKEN_TTL_MAX}."})
    token = secrets.token_hex(32)
    store.checkout_tokens.append(
        CheckoutToken(
            token_digest=digest(token),
            checkout_id=cart.id,
            max_uses=uses,
            expires_at=now + timedelta(seconds=lifetime),
        )
    )
    return token


def check_confirmation_token(store: StoreState, now: datetime, order_id: int, token: str) -> Order:
    """Use one of a checkout token's uses to show an order's confirmation page; 403 if not allowed."""
    refused = SandboxError(403, "The order confirmation link is not valid.")
    record = next((t for t in store.checkout_tokens if t.token_digest == digest(token)), None)
    order = store.orders.get(order_id)
    if record is None or order is None or order.cart_id != record.checkout_id:
        raise refused
    if now >= record.expires_at or record.uses >= record.max_uses:
        raise refused
    record.uses += 1
    return order


# --- redirect URLs and shopper sessions -----------------------------------------------------------


def create_redirect_urls(
    store: StoreState, now: datetime, cart_id: str, base_url: str, query_params: dict[str, str] | None = None
) -> RedirectUrlSet:
    """Single-use links (valid 30 days) that restore a management-API cart in a shopper's browser."""
    cart = get_cart(store, cart_id)
    if cart.source != "management":
        raise invalid("Redirect URLs can only be generated from carts created with the REST Management API.")
    token = secrets.token_hex(32)
    params = dict(query_params or {})
    store.redirect_urls.append(
        RedirectUrl(
            token_digest=digest(token),
            cart_id=cart.id,
            expires_at=now + REDIRECT_URL_LIFETIME,
            query_params=params,
        )
    )
    root = base_url.rstrip("/")

    def url(*pairs: tuple[str, str]) -> str:
        return f"{root}/cart.php?{urlencode([*pairs, ('id', cart.id), ('token', token), *params.items()])}"

    return RedirectUrlSet(
        cart_url=url(("action", "load")),
        checkout_url=url(("action", "loadInCheckout")),
        embedded_checkout_url=url(("embedded", "1"), ("action", "loadInCheckout")),
    )


def visit_redirect_url(store: StoreState, now: datetime, cart_id: str, token: str) -> Cart:
    """Spend a redirect URL: the first visit within 30 days gets the cart, any later one is refused (410)."""
    record = next((r for r in store.redirect_urls if r.token_digest == digest(token)), None)
    if record is None or record.cart_id != cart_id or record.used or now >= record.expires_at:
        raise SandboxError(410, "This cart link has already been used or has expired.")
    cart = get_cart(store, cart_id)
    record.used = True
    return cart


def attach_cart_to_session(store: StoreState, session_token: str | None, cart_id: str) -> str:
    """Put a cart in a shopper session (a new one if the token is unknown); returns the session token."""
    get_cart(store, cart_id)
    if session_token is None or session_token not in store.sessions:
        session_token = secrets.token_urlsafe(32)
        store.sessions[session_token] = []
    if cart_id not in store.sessions[session_token]:
        store.sessions[session_token].append(cart_id)
    return session_token


def session_carts(store: StoreState, session_token: str | None) -> list[Cart]:
    cart_ids = store.sessions.get(session_token or "", [])
    return [store.carts[cart_id] for cart_id in cart_ids if cart_id in store.carts]


def session_cart(store: StoreState, session_token: str | None, cart_id: str) -> Cart:
    """A checkout the shopper's session holds; any other (or a deleted one) is "Checkout not found"."""
    cart = store.carts.get(cart_id) if cart_id in store.sessions.get(session_token or "", []) else None
    if cart is None:
        raise not_found("Checkout")
    return cart


# --- helpers -------------------------------------------------------------------------------------


def _writable(store: StoreState, cart_id: str, expected_version: int | None) -> Cart:
    cart = get_cart(store, cart_id)
    if expected_version is not None and expected_version != cart.version:
        raise conflict()
    return cart


def _touch(cart: Cart, now: datetime) -> Cart:
    cart.version += 1
    cart.updated_time = now
    return cart


def _product(store: StoreState, product_id: int) -> Product:
    product = store.products.get(product_id)
    if product is None:
        raise invalid(f"Product {product_id} does not exist.", {"product_id": "Unknown product."})
    return product


def _price(amount: Decimal, currency: str) -> Decimal:
    if amount < 0:
        raise invalid("The field 'list_price' is invalid.", {"list_price": "Must not be negative."})
    return round_money(amount, currency)


def _check_quantity(product: Product, variant_id: int | None, quantity: int, others: list[LineItem]) -> None:
    """Quantity bounds, purchase limits (per product, whole cart) and stock (per variant or product).

    `others` are the cart's other lines (including ones being added in the same request).
    """
    if quantity < 1:
        raise invalid("The field 'quantity' is invalid.", {"quantity": "Must be at least 1."})
    same_product = quantity + sum(i.quantity for i in others if i.product_id == product.id)
    if product.order_quantity_maximum and same_product > product.order_quantity_maximum:
        limit = product.order_quantity_maximum
        raise invalid(f"You can only purchase a maximum of {limit} of the {product.name} per order.")
    if same_product < product.order_quantity_minimum:
        limit = product.order_quantity_minimum
        raise invalid(f"You must purchase at least {limit} of the {product.name} per order.")
    variant = product.variant(variant_id) if variant_id is not None else None
    stock = variant.inventory_level if variant is not None else product.inventory_level
    same_stock = quantity + sum(
        i.quantity for i in others if i.product_id == product.id and i.variant_id == variant_id
    )
    if stock is not None and same_stock > stock:
        raise invalid(
            f"We don't have enough {product.name} stock on hand for the quantity you selected. "
            "Please try again."
        )


def _add_items(store: StoreState, cart: Cart, requests: list[ItemRequest]) -> None:
    """Validate every request against the catalog, then add them (merging into an equal line)."""
    staged: list[LineItem] = []
    for request in requests:
        product = _product(store, request.product_id)
        variant_id, variant = catalog.line_variant(product, request.variant_id)
        _check_quantity(product, variant_id, request.quantity, [*cart.line_items, *staged])
        if request.list_price is not None:
            price = _price(request.list_price, cart.currency)
        else:
            price = catalog.unit_price(product, variant)
        staged.append(
            LineItem(
                id=store.new_uuid(),
                product_id=product.id,
                variant_id=variant_id,
                name=product.name,
                sku=variant.sku if variant is not None else product.sku,
                type=product.type,
                quantity=request.quantity,
                list_price=price,
                is_taxable=product.is_taxable,
                options=variant.option_values if variant is not None else [],
            )
        )
    for new in staged:
        same = next(
            (
                i
                for i in cart.line_items
                if (i.product_id, i.variant_id, i.list_price)
                == (new.product_id, new.variant_id, new.list_price)
            ),
            None,
        )
        if same is None:
            cart.line_items.append(new)
        else:
            same.quantity += new.quantity


def _remove_code(applied: list[str], code: str, what: str) -> None:
    """Take a code off a checkout, matched as codes are (ignoring case and surrounding blanks)."""
    match = next((c for c in applied if c.upper() == code.strip().upper()), None)
    if match is None:
        raise not_found(what)
    applied.remove(match)


def _line_item(cart: Cart, item_id: str) -> LineItem:
    item = next((i for i in cart.line_items if i.id == item_id), None)
    if item is None:
        raise not_found("Line item")
    return item


def _remove_line(store: StoreState, cart: Cart, item: LineItem, now: datetime) -> Cart | None:
    cart.line_items.remove(item)
    if not cart.line_items:
        delete_cart(store, cart.id)
        return None
    for consignment in cart.consignments:
        if item.id in consignment.line_item_ids:
            consignment.line_item_ids.remove(item.id)
    return _touch(cart, now)


def _normalized(address: AddressData) -> dict[str, str]:
    data = address.model_dump(include=set(PostalAddress.model_fields))  # not a subclass's extra fields
    data["country_code"] = address.country_code.upper()
    return data


def _check_address(address: AddressData) -> None:
    errors: dict[str, str] = {
        field: "Required."
        for field in address.REQUIRED
        if field not in address.model_fields_set
        or (field in NON_EMPTY_FIELDS and not getattr(address, field))
    }
    if len(address.country_code) != 2 or not address.country_code.isalpha():
        errors["country_code"] = "A two-letter ISO 3166-1 country code is required."
    if address.phone and not PHONE_PATTERN.match(address.phone):
        errors["phone"] = "A phone number in E.164 form (+14155550100, optionally x123) is required."
    if address.email and ("@" not in address.email or address.email.startswith("@")):
        errors["email"] = "The email address is not valid."
    if errors:
        raise invalid("The address is not valid.", errors)


def _consignment(cart: Cart, consignment_id: str) -> Consignment:
    consignment = next((c for c in cart.consignments if c.id == consignment_id), None)
    if consignment is None:
        raise not_found("Consignment")
    return consignment


def _check_consignment_lines(cart: Cart, lines: list[ConsignmentLine]) -> None:
    for line in lines:
        item = next((i for i in cart.line_items if i.id == line.item_id), None)
        if item is None:
            raise invalid(f"Line item {line.item_id[:64]} is not in this checkout.", {"item_id": "Unknown."})
        if item.type != "physical":
            raise invalid(
                f"{item.name} is not a physical item and cannot be shipped.", {"item_id": "Not physical."}
            )
        if line.quantity > item.quantity:
            raise invalid(
                f"The quantity for {item.name} is more than the checkout holds.", {"quantity": "Too many."}
            )


def _assign(cart: Cart, target: Consignment, lines: list[ConsignmentLine]) -> None:
    for line in lines:
        for consignment in cart.consignments:
            if line.item_id in consignment.line_item_ids:
                consignment.line_item_ids.remove(line.item_id)
        target.line_item_ids.append(line.item_id)


def _methods_for(store: StoreState, country_code: str) -> list[ShippingMethod]:
    return [m for m in store.shipping_methods if m.country_code == country_code.upper()]


def _select_option(store: StoreState, consignment: Consignment, option_id: str) -> None:
    if option_id not in {m.id for m in _methods_for(store, consignment.address.country_code)}:
        raise invalid(
            "The shipping option is not available for this consignment.",
            {"shipping_option_id": "Unavailable."},
        )
    consignment.selected_shipping_option_id = option_id


def _check_ready_to_order(store: StoreState, cart: Cart) -> None:
    if cart.billing_address is None or not cart.billing_address.email:
        raise invalid("A billing address with an email address is required to create an order.")
    assigned = {item_id for c in cart.consignments for item_id in c.line_item_ids}
    physical = [i for i in cart.line_items if i.type == "physical"]
    if any(i.id not in assigned for i in physical):
        raise invalid("Every physical item must be assigned to a consignment with a shipping address.")
    physical_ids = {i.id for i in physical}
    for consignment in cart.consignments:
        ships = physical_ids.intersection(consignment.line_item_ids)
        if ships and consignment.selected_shipping_option_id is None:
            raise invalid(f"Consignment {consignment.id} has no shipping option selected.")


def _order_line(store: StoreState, item: LineItem, totals: Totals) -> OrderLine:
    line = totals.lines[item.id]
    return OrderLine(
        id=store.take_order_product_id(),
        product_id=item.product_id,
        variant_id=item.variant_id,
        name=item.name,
        sku=item.sku,
        type=item.type,
        quantity=item.quantity,
        base_price=item.list_price,
        price_ex_tax=round_money(line.net_ex_tax / item.quantity, totals.currency),
        price_inc_tax=round_money(line.net_inc_tax / item.quantity, totals.currency),
        total_ex_tax=line.net_ex_tax,
        total_inc_tax=line.net_inc_tax,
    )


def _set_status(store: StoreState, now: datetime, order: Order, status_id: int) -> None:
    """Change the status, moving stock when the order starts or stops holding it."""
    held_before = order.holds_stock
    order.status_id = status_id
    if held_before != order.holds_stock:
        for line in order.lines:
            _move_stock(store, line, -line.quantity if order.holds_stock else line.quantity)
    order.date_modified = now


def _move_stock(store: StoreState, line: OrderLine, change: int) -> None:
    product = store.products.get(line.product_id)
    if product is None:
        return
    variant = product.variant(line.variant_id) if line.variant_id is not None else None
    holder = variant if variant is not None else product
    if holder.inventory_level is not None:
        holder.inventory_level = max(0, holder.inventory_level + change)
