"""The storefront binding against the sandbox: the shopper session, camelCase JSON, same domain model."""

from __future__ import annotations

from decimal import Decimal

import pytest

from checkout_mcp.bigcommerce.errors import NotFound, OperationNotSupported
from checkout_mcp.bigcommerce.models import Checkout, ConsignmentItem, NewLineItem
from checkout_mcp.bigcommerce.store import Store
from checkout_mcp.bigcommerce.storefront import StorefrontBinding
from checkout_mcp.sandbox import Sandbox
from tests.bigcommerce.conftest import EBOOK, MUG, MUG_PRICE, demo_cart, mugs, shipping_address

pytestmark = pytest.mark.anyio


@pytest.fixture
def shop(store: Store) -> StorefrontBinding:
    assert store.storefront is not None
    return store.storefront


async def shipped_checkout(shop: StorefrontBinding, quantity: int = 2) -> Checkout:
    """A storefront cart of mugs with billing and shipping addresses (no shipping option yet)."""
    cart = await shop.create_cart(mugs(quantity))
    await shop.add_billing_address(cart.id, shipping_address())
    items = [ConsignmentItem(item_id=cart.line_items[0].id, quantity=quantity)]
    return await shop.add_shipping_address(cart.id, shipping_address(), items)


async def test_create_cart_starts_a_session_that_lists_it(shop: StorefrontBinding) -> None:
    cart = await shop.create_cart([*mugs(2), NewLineItem(product_id=EBOOK, quantity=1)])

    mug = next(item for item in cart.line_items if item.product_id == MUG)
    assert (mug.kind, mug.quantity, mug.list_price, mug.extended_sale_price) == (
        "physical",
        2,
        MUG_PRICE,
        MUG_PRICE * 2,
    )
    assert isinstance(cart.cart_amount, Decimal) and cart.currency == "USD"
    assert [checkout.id for checkout in await shop.list_checkouts()] == [cart.id]


async def test_checkout_outside_the_session_is_not_found(shop: StorefrontBinding, sandbox: Sandbox) -> None:
    with pytest.raises(NotFound) as caught:
        await shop.get_checkout(demo_cart(sandbox, "ready"))
    assert caught.value.status == 404 and caught.value.title


async def test_get_checkout_and_customer_message(shop: StorefrontBinding) -> None:
    checkout = await shipped_checkout(shop)

    read = await shop.get_checkout(checkout.id)
    assert read.subtotal == MUG_PRICE * 2
    assert read.billing_address is not None and read.billing_address.state_or_province_code == "CA"
    assert read.consignments[0].address.city == "Sacramento"
    assert read.grand_total == read.subtotal + read.shipping_total + read.tax_total
    assert read.outstanding_balance == read.grand_total

    with_message = await shop.update_customer_message(checkout.id, "Ring twice")
    assert with_message.customer_message == "Ring twice"


async def test_update_and_remove_cart_items(shop: StorefrontBinding) -> None:
    cart = await shop.create_cart([*mugs(1), NewLineItem(product_id=EBOOK, quantity=1)])
    mug = next(item for item in cart.line_items if item.product_id == MUG)

    updated = await shop.update_cart_item(cart.id, mug.id, quantity=3, product_id=MUG)
    assert next(item for item in updated.line_items if item.id == mug.id).quantity == 3

    ebook = next(item for item in cart.line_items if item.product_id == EBOOK)
    remaining = await shop.remove_cart_item(cart.id, ebook.id)
    assert remaining is not None and [item.product_id for item in remaining.line_items] == [MUG]
    assert await shop.remove_cart_item(cart.id, mug.id) is None


async def test_billing_address_update(shop: StorefrontBinding) -> None:
    checkout = await shipped_checkout(shop)
    assert checkout.billing_address is not None and checkout.billing_address.id is not None

    updated = await shop.update_billing_address(
        checkout.id, checkout.billing_address.id, shipping_address(last_name="Byron")
    )
    assert updated.billing_address is not None and updated.billing_address.last_name == "Byron"


async def test_shipping_options_selection_and_address_update(shop: StorefrontBinding) -> None:
    checkout = await shipped_checkout(shop)
    consignment = checkout.consignments[0]

    options = await shop.list_shipping_options(checkout.id, consignment.id)
    assert {(o.id, o.cost) for o in options} >= {
        ("us-standard", Decimal("5.99")),
        ("us-overnight", Decimal("29.00")),
    }

    selected = await shop.select_shipping_option(checkout.id, consignment.id, "us-overnight")
    assert selected.shipping_total == Decimal("29.00")
    chosen = selected.consignments[0].selected_shipping_option
    assert chosen is not None and chosen.id == "us-overnight"

    with_options = await shop.get_checkout(checkout.id, include_shipping_options=True)
    assert with_options.consignments[0].available_shipping_options
    plain = await shop.get_checkout(checkout.id)  # the store sends them by default; not asked, not kept
    assert plain.consignments[0].available_shipping_options is None

    items = [ConsignmentItem(item_id=checkout.cart.line_items[0].id, quantity=2)]
    moved = await shop.update_shipping_address(
        checkout.id, consignment.id, shipping_address(city="Oakland", postal_code="94607"), items
    )
    assert moved.consignments[0].address.city == "Oakland"


async def test_coupon_and_gift_certificate(shop: StorefrontBinding) -> None:
    checkout = await shipped_checkout(shop, quantity=4)
    option = (await shop.list_shipping_options(checkout.id, checkout.consignments[0].id))[0]
    await shop.select_shipping_option(checkout.id, checkout.consignments[0].id, option.id)

    with_coupon = await shop.apply_coupon(checkout.id, "TAKE5")
    assert [(c.code, c.discounted_amount) for c in with_coupon.coupons] == [("TAKE5", Decimal("5.00"))]
    assert with_coupon.coupons[0].coupon_type == "per_total_discount"

    paid = await shop.apply_gift_certificate(checkout.id, "GIFT-25-BRAVO")
    (certificate,) = paid.gift_certificates
    assert certificate.code == "GIFT-25-BRAVO"
    assert certificate.balance == Decimal("25.00") and certificate.used == Decimal("25.00")
    assert paid.outstanding_balance == paid.grand_total - Decimal("25.00")

    no_certificate = await shop.remove_gift_certificate(checkout.id, "GIFT-25-BRAVO")
    assert no_certificate.gift_certificates == []
    no_coupon = await shop.remove_coupon(checkout.id, "TAKE5")
    assert no_coupon.coupons == [] and no_coupon.grand_total > with_coupon.grand_total


async def test_payment_methods(shop: StorefrontBinding) -> None:
    checkout = await shipped_checkout(shop)
    methods = await shop.list_payment_methods(checkout.id)
    card = next(method for method in methods if method.id == "testgateway.card")
    assert card.supported_cards == ["VISA", "MC", "AMEX"]


async def test_create_get_and_finalize_order(shop: StorefrontBinding) -> None:
    checkout = await shipped_checkout(shop)
    option = (await shop.list_shipping_options(checkout.id, checkout.consignments[0].id))[0]
    ready = await shop.select_shipping_option(checkout.id, checkout.consignments[0].id, option.id)

    order_id = await shop.create_order(checkout.id)
    assert (await shop.get_checkout(checkout.id)).order_id == str(order_id)

    order = await shop.get_order(order_id)
    assert order.id == order_id and order.cart_id == checkout.id
    assert order.grand_total == ready.grand_total and isinstance(order.grand_total, Decimal)
    assert [(item.quantity, item.total) for item in order.items] == [(2, MUG_PRICE * 2)]

    assert (order.status_id, order.status) == (
        0,
        "Incomplete",
    )  # the storefront's INCOMPLETE, named as v2 does
    finalized = await shop.finalize_order(order_id)
    assert (finalized.id, finalized.status_id, finalized.status) == (order_id, 11, "Awaiting Fulfillment")


@pytest.mark.parametrize(
    ("operation", "args"),
    [
        ("create_checkout_token", ("306d57d7-124e-4112-82cd-35e060c0d4d9",)),
        ("create_cart_redirect_urls", ("306d57d7-124e-4112-82cd-35e060c0d4d9",)),
        ("list_orders", ()),
        ("update_order_status", (100, 5)),
        ("search_products", ()),
        ("get_product", (101,)),
        ("list_variants", (101,)),
    ],
)
async def test_operations_the_storefront_lacks(
    shop: StorefrontBinding, operation: str, args: tuple[object, ...]
) -> None:
    assert operation in shop.lacks
    kwargs = {"max_uses": 1, "ttl_seconds": 60} if operation == "create_checkout_token" else {}
    with pytest.raises(OperationNotSupported, match="management"):
        await getattr(shop, operation)(*args, **kwargs)


async def test_storefront_cannot_pick_a_currency(shop: StorefrontBinding) -> None:
    with pytest.raises(OperationNotSupported, match="default currency"):
        await shop.create_cart(mugs(1), currency="EUR")
