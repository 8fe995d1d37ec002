"""The Management API's catalog reads: /v3/catalog/products (+ /{id}, /{id}/variants).

Shapes follow products_catalog.v3.yml (product_Full, metaCollection_Full) and
product-variants_catalog.v3.yml (productVariant_Full), served from the store the carts use, so a
listed stock level, price or purchase limit is the one a cart then enforces (`catalog`). Images are
one placeholder per product; `include` honours `variants` and `images`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from pydantic import BaseModel, BeforeValidator, Field
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from checkout_mcp.sandbox import catalog
from checkout_mcp.sandbox.jsonio import json_response, parse
from checkout_mcp.sandbox.management import V3, Call, route
from checkout_mcp.sandbox.state import Product, Variant

LIMIT_MAX = 250
Json = dict[str, Any]


class PageQuery(BaseModel):
    """v3 collection paging: `page` from 1, `limit` (default 50, at most 250)."""

    page: int = Field(default=1, ge=1)
    limit: int = Field(default=50, ge=1, le=LIMIT_MAX)


def split_commas(value: Any) -> Any:
    """`id:in=1,2` and `include=variants,images` (the spec's style form, explode false)."""
    return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value


Includes = Annotated[list[str], BeforeValidator(split_commas)]


class ProductQuery(BaseModel):
    include: Includes = Field(default_factory=list)


class ProductListQuery(PageQuery, ProductQuery):
    """The GET /catalog/products filters the sandbox implements (others are ignored)."""

    ids: Annotated[list[int] | None, BeforeValidator(split_commas)] = Field(default=None, alias="id:in")
    keyword: str | None = None
    name: str | None = None
    sku: str | None = None
    is_visible: bool | None = None


def image_view(product: Product, base_url: str) -> Json:
    url = f"{base_url.rstrip('/')}/product_images/{product.id}.jpg"
    return {
        "id": product.id,
        "product_id": product.id,
        "is_thumbnail": True,
        "sort_order": 0,
        "description": product.name,
        "image_url": url,
        "url_zoom": url,
        "url_standard": url,
        "url_thumbnail": url,
        "url_tiny": url,
    }


def variant_view(product: Product, variant: Variant | None) -> Json:
    """productVariant_Full; `None` is the base variant of a product without options."""
    own_price = variant.price if variant is not None else None
    stock = variant.inventory_level if variant is not None else product.inventory_level
    return {
        "id": variant.id if variant is not None else product.base_variant_id,
        "product_id": product.id,
        "sku": variant.sku if variant is not None else product.sku,
        "sku_id": None,
        "price": own_price,
        "calculated_price": catalog.unit_price(product, variant),
        "sale_price": None,
        "retail_price": None,
        "cost_price": None,
        "map_price": None,
        "weight": None,
        "calculated_weight": product.weight,
        "width": None,
        "height": None,
        "depth": None,
        "is_free_shipping": False,
        "fixed_cost_shipping_price": None,
        "purchasing_disabled": variant.purchasing_disabled if variant is not None else False,
        "purchasing_disabled_message": "",
        "image_url": "",
        "upc": "",
        "mpn": "",
        "gtin": "",
        "inventory_level": stock or 0,
        "inventory_warning_level": 0,
        "bin_picking_number": "",
        "option_values": [
            {
                "id": o.id,
                "label": o.label,
                "option_id": o.option_id,
                "option_display_name": o.option_display_name,
            }
            for o in (variant.option_values if variant is not None else [])
        ],
    }


def variants_of(product: Product) -> list[Json]:
    return [variant_view(product, v) for v in product.variants] or [variant_view(product, None)]


def product_view(product: Product, base_url: str, include: list[str]) -> Json:
    """product_Full, with `variants` and `images` when asked for."""
    view: Json = {
        "id": product.id,
        "name": product.name,
        "type": product.type,
        "sku": product.sku,
        "description": product.description,
        "weight": product.weight,
        "width": Decimal("0"),
        "depth": Decimal("0"),
        "height": Decimal("0"),
        "price": product.price,
        "cost_price": Decimal("0"),
        "retail_price": Decimal("0"),
        "sale_price": Decimal("0"),
        "map_price": Decimal("0"),
        "calculated_price": product.price,
        "tax_class_id": 0,
        "categories": [],
        "brand_id": 0,
        "inventory_level": catalog.product_stock(product) or 0,
        "inventory_warning_level": 0,
        "inventory_tracking": catalog.inventory_tracking(product),
        "is_free_shipping": False,
        "is_visible": product.is_visible,
        "is_featured": False,
        "availability": product.availability,
        "availability_description": "",
        "order_quantity_minimum": product.order_quantity_minimum,
        "order_quantity_maximum": product.order_quantity_maximum,
        "base_variant_id": product.base_variant_id,
        "condition": "New",
        "is_condition_shown": False,
        "is_price_hidden": False,
        "is_preorder_only": False,
        "preorder_release_date": None,
        "upc": "",
        "mpn": "",
        "gtin": "",
        "search_keywords": "",
        "total_sold": 0,
        "custom_url": {"url": f"/products/{product.id}/", "is_customized": False},
        "option_set_display": "right",
    }
    if "variants" in include:
        view["variants"] = variants_of(product)
    if "images" in include:
        view["images"] = [image_view(product, base_url)]
    return view


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


ROUTES: list[Route] = [list_products, get_product, list_variants]


def routes() -> list[BaseRoute]:
    return list(ROUTES)
