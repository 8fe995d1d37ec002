"""The catalog JSON of the Management API (products_catalog.v3.yml, product-variants_catalog.v3.yml),
mapped into the domain model: what an agent needs to put a product in a cart."""

from __future__ import annotations

from typing import Any

from checkout_mcp.bigcommerce.models import Product, ProductPage, Variant, VariantOption
from checkout_mcp.bigcommerce.transport import amount_from


def variant_from(data: dict[str, Any]) -> Variant:
    """productVariant_Full; the price a cart charges is `calculated_price`."""
    return Variant(
        id=int(data["id"]),
        product_id=int(data["product_id"]),
        sku=data.get("sku") or "",
        price=amount_from(data.get("calculated_price", data.get("price"))),
        inventory_level=data.get("inventory_level"),
        purchasable=not data.get("purchasing_disabled", False),
        options=[
            VariantOption(option=value.get("option_display_name") or "", value=value.get("label") or "")
            for value in data.get("option_values") or []
        ],
    )


def product_from(data: dict[str, Any]) -> Product:
    """product_Full; `variants` and the first image only when the request included them."""
    variants = data.get("variants")
    images = data.get("images") or []
    return Product(
        id=int(data["id"]),
        name=data["name"],
        sku=data.get("sku") or "",
        type=data.get("type", "physical"),
        price=amount_from(data.get("calculated_price", data.get("price"))),
        is_visible=bool(data.get("is_visible", True)),
        purchasable=data.get("availability", "available") != "disabled",
        inventory_tracking=data.get("inventory_tracking", "none"),
        inventory_level=int(data.get("inventory_level") or 0),
        order_quantity_minimum=int(data.get("order_quantity_minimum") or 0),
        order_quantity_maximum=int(data.get("order_quantity_maximum") or 0),
        base_variant_id=data.get("base_variant_id"),
        image_url=(images[0].get("url_standard") or images[0].get("image_url")) if images else None,
        variants=None if variants is None else [variant_from(v) for v in variants],
        raw=data,
    )


def product_page_from(answer: dict[str, Any]) -> ProductPage:
    """A page of GET /catalog/products with metaCollection_Full's pagination."""
    pagination = answer["meta"]["pagination"]
    return ProductPage(
        products=[product_from(item) for item in answer["data"]],
        total=int(pagination["total"]),
        page=int(pagination["current_page"]),
        total_pages=int(pagination["total_pages"]),
    )
