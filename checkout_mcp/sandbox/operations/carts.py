"""Carts and their line items: create, change, remove, checked against the catalog."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from checkout_mcp.sandbox import catalog
from checkout_mcp.sandbox.errors import invalid, not_found
from checkout_mcp.sandbox.operations.common import get_cart, touch, writable
from checkout_mcp.sandbox.state import Cart, CartSource, LineItem, Product, StoreState
from checkout_mcp.sandbox.totals import round_money

# Bounds of the sandbox's own (the specs give none): whatever a cart can hold, its totals can be
# computed to the cent (Decimal's 28 digits).
MAX_QUANTITY = 1_000_000  # of one product in one cart
MAX_LIST_PRICE = Decimal(1_000_000_000)


class ItemRequest(BaseModel):
    """A catalog product to put in a cart; `list_price` overrides the catalog price (management API)."""

    model_config = ConfigDict(extra="ignore")

    product_id: int
    variant_id: int | None = None
    quantity: int
    list_price: Decimal | None = None


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
    staged = _staged(store, store.settings.currency, [], items)
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
    _add_lines(store, cart, staged)
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
    cart = writable(store, cart_id, expected_version)
    if customer_id < 0:
        raise invalid("The field 'customer_id' is invalid.", {"customer_id": "Must be 0 or a customer id."})
    cart.customer_id = customer_id
    return touch(cart, now)


def add_items(
    store: StoreState,
    now: datetime,
    cart_id: str,
    items: list[ItemRequest],
    expected_version: int | None = None,
) -> Cart:
    cart = writable(store, cart_id, expected_version)
    if not items:
        raise invalid(
            "The line_items field is required.", {"line_items": "At least one line item is required."}
        )
    _add_lines(store, cart, _staged(store, cart.currency, cart.line_items, items))
    return touch(cart, now)


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
    cart = writable(store, cart_id, expected_version)
    item = _line_item(cart, item_id)
    if quantity == 0:
        return _remove_line(store, cart, item, now)
    others = [i for i in cart.line_items if i is not item]
    _check_quantity(_product(store, item.product_id), item.variant_id, quantity, others)
    price = item.list_price if list_price is None else _price(list_price, cart.currency)
    item.quantity, item.list_price = quantity, price
    return touch(cart, now)


def remove_item(
    store: StoreState, now: datetime, cart_id: str, item_id: str, expected_version: int | None = None
) -> Cart | None:
    """Remove a line; removing the last one deletes the cart, and then None is returned."""
    cart = writable(store, cart_id, expected_version)
    return _remove_line(store, cart, _line_item(cart, item_id), now)


def _product(store: StoreState, product_id: int) -> Product:
    product = store.products.get(product_id)
    if product is None:
        raise invalid(f"Product {product_id} does not exist.", {"product_id": "Unknown product."})
    return product


def _price(amount: Decimal, currency: str) -> Decimal:
    if not 0 <= amount <= MAX_LIST_PRICE:
        raise invalid("The field 'list_price' is invalid.", {"list_price": f"Must be 0 to {MAX_LIST_PRICE}."})
    return round_money(amount, currency)


def _check_quantity(product: Product, variant_id: int | None, quantity: int, others: list[LineItem]) -> None:
    """Quantity bounds, purchase limits (per product, whole cart) and stock (per variant or product).

    `others` are the cart's other lines (including ones being added in the same request).
    """
    if quantity < 1:
        raise invalid("The field 'quantity' is invalid.", {"quantity": "Must be at least 1."})
    same_product = quantity + sum(i.quantity for i in others if i.product_id == product.id)
    if same_product > MAX_QUANTITY:
        raise invalid(
            f"A cart holds at most {MAX_QUANTITY} of the {product.name}.", {"quantity": "Too large."}
        )
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


def _staged(
    store: StoreState, currency: str, existing: list[LineItem], requests: list[ItemRequest]
) -> list[LineItem]:
    """Every request validated against the catalog, as the lines to add (their ids still unset)."""
    staged: list[LineItem] = []
    for request in requests:
        product = _product(store, request.product_id)
        variant_id, variant = catalog.line_variant(product, request.variant_id)
        _check_quantity(product, variant_id, request.quantity, [*existing, *staged])
        if request.list_price is not None:
            price = _price(request.list_price, currency)
        else:
            price = catalog.unit_price(product, variant)
        staged.append(
            LineItem(
                id="",
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
    return staged


def _add_lines(store: StoreState, cart: Cart, staged: list[LineItem]) -> None:
    """Add validated lines, merging into an equal line; ids are taken only now, so that a refused
    request takes none (the ids that follow stay the same)."""
    for new in staged:
        new.id = store.new_uuid()
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
    return touch(cart, now)
