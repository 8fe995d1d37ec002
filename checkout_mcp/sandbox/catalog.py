"""The catalog as both the catalog reads and the carts see it: search, stock, prices, purchasability.

One set of rules, so that what GET /catalog/products says is what a cart accepts:
- Stock: a product with variants tracks it per variant (`inventory_tracking` "variant", the
  product's level is their sum), a product without options on the product ("product"), or not at
  all ("none").
- Purchasability: a product whose `availability` is "disabled", or a variant with
  `purchasing_disabled`, is listed but cannot be put in a cart; anything else can, up to its stock
  and the product's `order_quantity_minimum` / `order_quantity_maximum` (0: none).
- A product without options has one base variant (`base_variant_id`), as in BigCommerce: its id,
  SKU, price and stock are the product's.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from checkout_mcp.sandbox.errors import invalid, not_found
from checkout_mcp.sandbox.state import Product, StoreState, Variant

InventoryTracking = Literal["none", "product", "variant"]


@dataclass(frozen=True)
class ProductQuery:
    """GET /catalog/products filters the sandbox implements; None means "any"."""

    ids: frozenset[int] | None = None
    keyword: str | None = None  # in the name, SKU (a variant's too) or description, any case
    name: str | None = None  # the whole name, any case
    sku: str | None = None  # the product's own SKU
    is_visible: bool | None = None
    page: int = 1
    limit: int = 50


def search_products(store: StoreState, query: ProductQuery) -> tuple[list[Product], int]:
    """One page of the matching products by id, and how many match in all."""
    keyword = (query.keyword or "").strip().lower()
    matching = [
        product
        for product_id, product in sorted(store.products.items())
        if (query.ids is None or product_id in query.ids)
        and (not keyword or keyword in _searchable(product))
        and (query.name is None or product.name.lower() == query.name.strip().lower())
        and (query.sku is None or product.sku == query.sku.strip())
        and (query.is_visible is None or product.is_visible == query.is_visible)
    ]
    start = (query.page - 1) * query.limit
    return matching[start : start + query.limit], len(matching)


def get_product(store: StoreState, product_id: int) -> Product:
    product = store.products.get(product_id)
    if product is None:
        raise not_found("Product")
    return product


def inventory_tracking(product: Product) -> InventoryTracking:
    if product.variants:
        return "variant"
    return "none" if product.inventory_level is None else "product"


def product_stock(product: Product) -> int | None:
    """What the product has on hand in all; None when stock is not tracked."""
    if product.variants:
        levels = [v.inventory_level for v in product.variants]
        return None if any(level is None for level in levels) else sum(level or 0 for level in levels)
    return product.inventory_level


def unit_price(product: Product, variant: Variant | None) -> Decimal:
    """The catalog price a cart line gets (a variant's own price, else the product's)."""
    return variant.price if variant is not None and variant.price is not None else product.price


def line_variant(product: Product, variant_id: int | None) -> tuple[int | None, Variant | None]:
    """The variant a cart line for `product` names (its id, and the record for option variants).

    A product with options needs one of its variants; a product without options takes its base
    variant, named or not. Refused (422) when the product or that variant cannot be purchased.
    """
    if product.availability == "disabled":
        raise invalid(f"{product.name} cannot be purchased.", {"product_id": "Not purchasable."})
    if not product.variants:
        if variant_id not in (None, product.base_variant_id):
            raise invalid(
                f"Variant {variant_id} does not belong to {product.name}.", {"variant_id": "Unknown."}
            )
        return product.base_variant_id, None
    if variant_id is None:
        raise invalid(f"A variant_id is required: {product.name} has variants.", {"variant_id": "Required."})
    variant = product.variant(variant_id)
    if variant is None:
        raise invalid(f"Variant {variant_id} does not belong to {product.name}.", {"variant_id": "Unknown."})
    if variant.purchasing_disabled:
        raise invalid(
            f"{product.name} ({variant.sku}) cannot be purchased.", {"variant_id": "Not purchasable."}
        )
    return variant_id, variant


def _searchable(product: Product) -> str:
    skus = " ".join([product.sku, *(v.sku for v in product.variants)])
    return f"{product.name} {skus} {product.description}".lower()
