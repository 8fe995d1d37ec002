"""Tools on the cart: create one, change or remove its items, mint redirect URLs for the shopper."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from checkout_mcp.bigcommerce.errors import Unprocessable
from checkout_mcp.bigcommerce.models import Checkout, LineItem, NewLineItem
from checkout_mcp.policy.effects import Effect
from checkout_mcp.quoting import store
from checkout_mcp.tools.catalog import VARIANTS_SHOWN, has_variants, options_text
from checkout_mcp.tools.fields import CheckoutId, ItemId, Version
from checkout_mcp.tools.registry import Preview, ToolArgs, ToolContext, ToolOutput, ToolSpec
from checkout_mcp.tools.views import CartView, cart_view, money


class CreateCart(ToolArgs):
    items: Annotated[list[NewLineItem], Field(min_length=1, max_length=100, description="products to add")]
    currency: Annotated[str | None, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code")] = None


async def create_cart(tools: ToolContext, args: CreateCart) -> CartView:
    """One request; only when the store refuses does a catalogue read name the variants to choose."""
    try:
        cart = await tools.store.binding_for("create_cart").create_cart(args.items, currency=args.currency)
    except Unprocessable as refused:
        hint = await variants_needed(tools, args.items)
        if hint is None:
            raise
        raise ToolError(f"{refused} {hint}") from refused
    tools.known.note_unshipped(
        cart.id, [(line.id, line.quantity) for line in cart.line_items if line.requires_shipping]
    )
    return cart_view(cart)


async def variants_needed(tools: ToolContext, items: list[NewLineItem]) -> str | None:
    """For items without a variant_id whose product has variants: which variant ids there are."""
    ids = sorted({item.product_id for item in items if item.variant_id is None})
    if not ids or not tools.store.supports("search_products"):
        return None
    page = await tools.store.binding_for("search_products").search_products(
        ids=ids, include_variants=True, limit=len(ids)
    )
    hints = []
    for product in page.products:
        if has_variants(product):
            variants = product.variants or []
            listed = "; ".join(f"{v.id} = {options_text(v)}" for v in variants[:VARIANTS_SHOWN])
            more = (
                f" (+{len(variants) - VARIANTS_SHOWN} more: get_product)"
                if len(variants) > VARIANTS_SHOWN
                else ""
            )
            hints.append(f"Product {product.id} needs a variant_id: {store(listed, limit=600)}{more}.")
    return " ".join(hints) or None


class CreateRedirectUrls(ToolArgs):
    checkout_id: CheckoutId
    query_params: Annotated[
        dict[str, Annotated[str, Field(max_length=500)]] | None,
        Field(max_length=20, description="extra query parameters for the URLs"),
    ] = None


class RedirectUrlsView(ToolOutput):
    checkout_id: str
    cart_url: str
    checkout_url: str
    embedded_checkout_url: str | None = None

    def summary(self) -> str:
        return f"Redirect URLs for checkout {self.checkout_id}: single use, valid 30 days."


async def create_cart_redirect_urls(tools: ToolContext, args: CreateRedirectUrls) -> RedirectUrlsView:
    binding = tools.store.binding_for("create_cart_redirect_urls")
    urls = await binding.create_cart_redirect_urls(str(args.checkout_id), args.query_params)
    return RedirectUrlsView(checkout_id=str(args.checkout_id), **urls.model_dump())


class UpdateCartItem(ToolArgs):
    checkout_id: CheckoutId
    item_id: ItemId
    quantity: Annotated[int, Field(ge=1, le=10_000)]
    version: Version = None


async def find_item(tools: ToolContext, cart_id: str, item_id: str) -> tuple[Checkout, LineItem]:
    """The checkout and the named line item in it; a clear error when the item is not there."""
    checkout = await tools.store.binding_for("get_checkout").get_checkout(cart_id)
    for line in checkout.cart.line_items:
        if line.id == item_id:
            return checkout, line
    known = ", ".join(line.id for line in checkout.cart.line_items) or "none"
    raise ToolError(f"Checkout {cart_id} has no line item {item_id!r}. Its item ids: {known}.")


async def update_cart_item(tools: ToolContext, args: UpdateCartItem) -> CartView:
    cart_id = str(args.checkout_id)
    tools.known.note_unshipped(cart_id, None)  # quantities change: what is left to ship is unknown
    _, line = await find_item(tools, cart_id, args.item_id)
    if line.product_id is None:
        raise ToolError(
            f"Line item {args.item_id} is a {line.kind} item; only product quantities can change."
        )
    cart = await tools.store.binding_for("update_cart_item").update_cart_item(
        cart_id,
        args.item_id,
        quantity=args.quantity,
        product_id=line.product_id,
        variant_id=line.variant_id,
        version=args.version,
    )
    return cart_view(cart)


class RemoveCartItem(ToolArgs):
    checkout_id: CheckoutId
    item_id: ItemId


async def remove_cart_item(tools: ToolContext, args: RemoveCartItem, preview: Preview) -> CartView:
    cart_id = str(args.checkout_id)
    tools.known.note_unshipped(cart_id, None)
    cart = await tools.store.binding_for("remove_cart_item").remove_cart_item(cart_id, args.item_id)
    if cart is None:
        return CartView(checkout_id=cart_id, currency="", items=[], cart_amount="0.00", deleted=True)
    return cart_view(cart)


async def preview_remove_cart_item(tools: ToolContext, args: RemoveCartItem) -> Preview:
    checkout, line = await find_item(tools, str(args.checkout_id), args.item_id)
    remaining = checkout.cart.cart_amount - line.extended_sale_price
    last = len(checkout.cart.line_items) == 1
    currency = checkout.currency
    text = f"Remove {line.quantity} x {store(line.name)} ({money(line.extended_sale_price)} {currency})"
    if last:
        text += "; it is the last item, so the cart will be deleted."
    else:
        text += f"; cart amount {money(checkout.cart.cart_amount)} -> about {money(remaining)} {currency}."
    return Preview(
        text=text,
        details={
            "item": {"id": line.id, "name": line.name, "quantity": line.quantity},
            "cart_amount_before": money(checkout.cart.cart_amount),
            "cart_amount_after": money(remaining),
            "currency": checkout.currency,
            "deletes_cart": last,
        },
        fingerprint={
            "version": checkout.version,
            "item": [line.id, line.quantity, str(line.extended_sale_price)],
            "grand_total": str(checkout.grand_total),
        },
        state=checkout,
    )


TOOLS = [
    ToolSpec(
        name="create_cart",
        title="Create cart",
        description="Create a cart (its id is also the checkout id) with products.",
        toolset="carts",
        effect=Effect.WRITE,
        args=CreateCart,
        output=CartView,
        handler=create_cart,
    ),
    ToolSpec(
        name="create_cart_redirect_urls",
        title="Create cart redirect URLs",
        description="Mint single-use URLs (30 days) that load the cart or checkout for the shopper.",
        toolset="carts",
        effect=Effect.WRITE,
        args=CreateRedirectUrls,
        output=RedirectUrlsView,
        handler=create_cart_redirect_urls,
    ),
    ToolSpec(
        name="update_cart_item",
        title="Change item quantity",
        description="Set the quantity of a line item.",
        toolset="carts",
        effect=Effect.WRITE,
        args=UpdateCartItem,
        output=CartView,
        handler=update_cart_item,
        idempotent=True,
    ),
    ToolSpec(
        name="remove_cart_item",
        title="Remove cart item",
        description="Remove a line item; removing the last one deletes the cart.",
        toolset="carts",
        effect=Effect.DESTRUCTIVE,
        args=RemoveCartItem,
        output=CartView,
        handler=remove_cart_item,
        preview=preview_remove_cart_item,
    ),
]
