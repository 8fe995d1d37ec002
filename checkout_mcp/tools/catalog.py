"""Tools to find what to sell: search the catalogue, read one product with its variants.

Each product is one compact line an agent can act on (its id and, for each variant, the id that
goes into create_cart's `variant_id`), so no id ever has to come from anywhere but these results.
Product names are the store's text: they stay in structured content, never in the summary.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from checkout_mcp.bigcommerce.models import Checkout, Product, Variant
from checkout_mcp.policy.effects import Effect
from checkout_mcp.tools.arguments import Accepts
from checkout_mcp.tools.readiness import sellable, stock_level
from checkout_mcp.tools.registry import ToolArgs, ToolContext, ToolOutput, ToolSpec
from checkout_mcp.tools.views import money

VARIANTS_SHOWN = 6
PRODUCT_FORMAT = "id: name @ price, stock; variants: variant id (option values)"
VARIANT_FORMAT = "variant id: option=value, ... @ price, stock"

ProductId = Annotated[
    int,
    Field(ge=1, description="product id"),
    Accepts("a product id (a whole number >= 1)", "the text before ': ' in search_products' products"),
]


def stock(product: Product, variant: Variant | None = None) -> str:
    """`in stock 12`, `out of stock`, `not purchasable`, or `` when stock is not tracked."""
    if not sellable(product, variant):
        return "not purchasable"
    level = stock_level(product, variant)
    if level is None:
        return ""
    return f"in stock {level}" if level > 0 else "out of stock"


def options_text(variant: Variant) -> str:
    return ", ".join(f"{o.option}={o.value}" for o in variant.options)


def has_variants(product: Product) -> bool:
    """Whether create_cart needs a `variant_id` for it: it has variants beyond its base one."""
    return bool(product.variants) and any(v.options for v in product.variants or [])


def product_line(product: Product) -> str:
    """One product as one line (PRODUCT_FORMAT); at most VARIANTS_SHOWN variants, then a count."""
    parts = [f"{product.id}: {product.name} @ {money(product.price)}"]
    if not has_variants(product):
        parts.append(stock(product))
        line = ", ".join(part for part in parts if part)
        return line + ("" if product.type == "physical" else " (digital)")
    variants = product.variants or []
    shown = [
        f"{v.id} ({options_text(v)}{', out of stock' if stock(product, v) == 'out of stock' else ''})"
        for v in variants[:VARIANTS_SHOWN]
    ]
    more = (
        f", +{len(variants) - VARIANTS_SHOWN} more (get_product {product.id})"
        if len(variants) > VARIANTS_SHOWN
        else ""
    )
    return f"{parts[0]}; variants: {', '.join(shown)}{more}"


def variant_line(product: Product, variant: Variant) -> str:
    level = stock(product, variant)
    return f"{variant.id}: {options_text(variant) or 'base'} @ {money(variant.price)}" + (
        f", {level}" if level else ""
    )


async def catalog_for(tools: ToolContext, checkout: Checkout) -> dict[int, Product] | None:
    """The cart's products with their variants (one request), where the catalog can be read."""
    ids = sorted({line.product_id for line in checkout.cart.line_items if line.product_id})
    if not ids or not tools.store.supports("search_products"):
        return None
    page = await tools.store.binding_for("search_products").search_products(
        ids=ids, include_variants=True, limit=max(len(ids), 1)
    )
    return {product.id: product for product in page.products}


class SearchProducts(ToolArgs):
    keyword: Annotated[
        str | None, Field(max_length=100, description="words in the name, SKU or description")
    ] = None
    sku: Annotated[str | None, Field(max_length=100)] = None
    ids: Annotated[
        list[Annotated[int, Field(ge=1)]] | None, Field(max_length=50, description="product ids")
    ] = None
    page: Annotated[int, Field(ge=1, le=1000)] = 1
    limit: Annotated[int, Field(ge=1, le=50)] = 10


class ProductList(ToolOutput):
    products: list[str] = Field(description=PRODUCT_FORMAT)
    page: int
    pages: int
    total: int

    def summary(self) -> str:
        if not self.products:
            return "No product matches; try fewer or other words."
        ids = ", ".join(line.split(": ", 1)[0] for line in self.products)
        more = f" Next page: page={self.page + 1}." if self.page < self.pages else ""
        return f"{self.total} product(s), page {self.page} of {self.pages}: ids {ids}.{more}"


async def search_products(tools: ToolContext, args: SearchProducts) -> ProductList:
    page = await tools.store.binding_for("search_products").search_products(
        keyword=args.keyword,
        sku=args.sku,
        ids=args.ids,
        is_visible=True,
        include_variants=True,
        page=args.page,
        limit=args.limit,
    )
    return ProductList(
        products=[product_line(p) for p in page.products],
        page=page.page,
        pages=page.total_pages,
        total=page.total,
    )


class GetProduct(ToolArgs):
    product_id: ProductId


class ProductView(ToolOutput):
    product_id: int
    name: str
    type: str
    price: str
    price_range: str | None = None
    stock: str | None = None
    purchase_limits: str | None = None
    variants: list[str] | None = Field(default=None, description=VARIANT_FORMAT)
    needs_variant: bool = Field(description="create_cart needs a variant_id for this product")

    def summary(self) -> str:
        if self.needs_variant:
            return (
                f"Product {self.product_id}: {len(self.variants or [])} variant(s); pass one as variant_id."
            )
        return f"Product {self.product_id}: add it with create_cart (product_id {self.product_id})."


def product_view(product: Product) -> ProductView:
    variants = product.variants or []
    prices = sorted({v.price for v in variants}) or [product.price]
    limits = [
        f"at least {product.order_quantity_minimum}" if product.order_quantity_minimum else "",
        f"at most {product.order_quantity_maximum}" if product.order_quantity_maximum else "",
    ]
    needs = has_variants(product)
    return ProductView(
        product_id=product.id,
        name=product.name,
        type=product.type,
        price=money(product.price),
        price_range=f"{money(prices[0])}-{money(prices[-1])}" if prices[0] != prices[-1] else None,
        stock=stock(product) or None,
        purchase_limits=" and ".join(part for part in limits if part) or None,
        variants=[variant_line(product, v) for v in variants] if needs else None,
        needs_variant=needs,
    )


async def get_product(tools: ToolContext, args: GetProduct) -> ProductView:
    return product_view(await tools.store.binding_for("get_product").get_product(args.product_id))


TOOLS = [
    ToolSpec(
        name="search_products",
        title="Search products",
        description="Find products by keyword, SKU or ids: id, price, stock, and variant ids to order.",
        toolset="catalog",
        effect=Effect.READ,
        args=SearchProducts,
        output=ProductList,
        handler=search_products,
    ),
    ToolSpec(
        name="get_product",
        title="Get product",
        description="One product: variants with option values, prices, stock, purchase limits.",
        toolset="catalog",
        effect=Effect.READ,
        args=GetProduct,
        output=ProductView,
        handler=get_product,
    ),
]
