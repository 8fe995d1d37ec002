"""The management binding against the sandbox: every operation maps into the domain model."""

from __future__ import annotations

from decimal import Decimal

import pytest

from checkout_mcp.bigcommerce.errors import InvalidIdentifier, NotFound, OperationNotSupported
from checkout_mcp.bigcommerce.management import ManagementBinding
from checkout_mcp.bigcommerce.models import ConsignmentItem, NewLineItem
from checkout_mcp.bigcommerce.store import Store
from checkout_mcp.order_status import CANCELLED_STATUS_ID
from checkout_mcp.sandbox import Sandbox
from tests.bigcommerce.conftest import (
    EBOOK,
    MUG,
    MUG_PRICE,
    UNKNOWN_CHECKOUT,
    demo_cart,
    mugs,
    requests_seen,
    shipping_address,
    watch_all_requests,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def api(store: Store) -> ManagementBinding:
    assert store.management is not None
    return store.management


async def test_get_checkout_maps_totals_as_decimal(api: ManagementBinding, sandbox: Sandbox) -> None:
    checkout = await api.get_checkout(demo_cart(sandbox, "ready"))

    assert checkout.id == checkout.cart.id == demo_cart(sandbox, "ready")
    assert checkout.currency == "USD"
    assert checkout.subtotal == Decimal("37.99")  # Classic Tee 25.00 + Ceramic Mug 12.99
    assert checkout.shipping_total == Decimal("5.99")  # us-standard
    assert checkout.grand_total == checkout.subtotal + checkout.shipping_total + checkout.tax_total
    assert checkout.tax_total > 0
    for amount in (checkout.subtotal, checkout.grand_total, checkout.cart.cart_amount):
        assert isinstance(amount, Decimal)
    assert {item.kind for item in checkout.cart.line_items} == {"physical"}
    assert checkout.billing_address is not None and checkout.billing_address.last_name == "Doe"
    (consignment,) = checkout.consignments
    assert consignment.selected_shipping_option is not None
    assert consignment.selected_shipping_option.cost == Decimal("5.99")
    assert set(consignment.line_item_ids) == {item.id for item in checkout.cart.line_items}
    assert consignment.available_shipping_options is None  # not asked for
    assert checkout.version is not None and checkout.raw is not None


async def test_get_checkout_can_include_shipping_options(api: ManagementBinding, sandbox: Sandbox) -> None:
    checkout = await api.get_checkout(demo_cart(sandbox, "ready"), include_shipping_options=True)

    options = checkout.consignments[0].available_shipping_options
    assert options is not None
    assert {(o.id, o.cost) for o in options} >= {
        ("us-standard", Decimal("5.99")),
        ("us-express", Decimal("14.99")),
    }


async def test_create_cart_and_edit_its_items(api: ManagementBinding) -> None:
    cart = await api.create_cart([*mugs(2), NewLineItem(product_id=EBOOK, quantity=1)], currency="USD")

    kinds = {item.product_id: item.kind for item in cart.line_items}
    assert kinds == {MUG: "physical", EBOOK: "digital"}
    mug = next(item for item in cart.line_items if item.product_id == MUG)
    assert (mug.quantity, mug.list_price, mug.extended_sale_price) == (2, MUG_PRICE, MUG_PRICE * 2)
    assert mug.requires_shipping is True

    updated = await api.update_cart_item(cart.id, mug.id, quantity=5, product_id=MUG)
    assert next(item for item in updated.line_items if item.id == mug.id).quantity == 5

    ebook = next(item for item in cart.line_items if item.product_id == EBOOK)
    after_removal = await api.remove_cart_item(cart.id, ebook.id)
    assert after_removal is not None and [item.id for item in after_removal.line_items] == [mug.id]
    assert await api.remove_cart_item(cart.id, mug.id) is None  # the last item takes the cart with it


async def test_customer_message(api: ManagementBinding, sandbox: Sandbox) -> None:
    checkout = await api.update_customer_message(demo_cart(sandbox, "ready"), "Leave it at the door")
    assert checkout.customer_message == "Leave it at the door"


async def test_addresses_shipping_options_and_selection(api: ManagementBinding) -> None:
    cart = await api.create_cart(mugs(2))
    with_billing = await api.add_billing_address(cart.id, shipping_address())
    assert with_billing.billing_address is not None and with_billing.billing_address.city == "Sacramento"
    address_id = with_billing.billing_address.id
    assert address_id is not None
    renamed = await api.update_billing_address(cart.id, address_id, shipping_address(first_name="Augusta"))
    assert renamed.billing_address is not None and renamed.billing_address.first_name == "Augusta"

    items = [ConsignmentItem(item_id=cart.line_items[0].id, quantity=2)]
    shipped = await api.add_shipping_address(cart.id, shipping_address(), items)
    (consignment,) = shipped.consignments
    assert consignment.address.postal_code == "95814"

    options = await api.list_shipping_options(cart.id, consignment.id)
    assert [o.cost for o in options] == sorted(o.cost for o in options)
    assert ("us-express", Decimal("14.99")) in {(o.id, o.cost) for o in options}

    selected = await api.select_shipping_option(cart.id, consignment.id, "us-express")
    assert selected.shipping_total == Decimal("14.99")
    assert selected.consignments[0].selected_shipping_option is not None

    moved = await api.update_shipping_address(
        cart.id, consignment.id, shipping_address(state_or_province_code="NY", city="Albany"), items
    )
    assert moved.consignments[0].address.city == "Albany"


async def test_coupons(api: ManagementBinding, sandbox: Sandbox) -> None:
    checkout_id = demo_cart(sandbox, "ready")
    with_coupon = await api.apply_coupon(checkout_id, "SAVE10")
    (coupon,) = with_coupon.coupons
    assert coupon.code == "SAVE10" and coupon.discounted_amount == Decimal("3.80")  # 10 % of 37.99

    without = await api.remove_coupon(checkout_id, "SAVE10")
    assert without.coupons == [] and without.grand_total > with_coupon.grand_total


async def test_checkout_token_is_secret(api: ManagementBinding, sandbox: Sandbox) -> None:
    token = await api.create_checkout_token(demo_cart(sandbox, "ordered"), max_uses=1, ttl_seconds=600)

    assert len(token.token.get_secret_value()) >= 32
    assert token.token.get_secret_value() not in repr(token)
    assert (token.max_uses, token.ttl_seconds) == (1, 600)


async def test_redirect_urls(api: ManagementBinding) -> None:
    cart = await api.create_cart(mugs(1))
    urls = await api.create_cart_redirect_urls(cart.id, {"utm_source": "agent"})
    assert cart.id in urls.cart_url and "action=load" in urls.cart_url
    assert cart.id in urls.checkout_url


async def test_create_order_then_read_it(api: ManagementBinding, sandbox: Sandbox) -> None:
    checkout_id = demo_cart(sandbox, "ready")
    order_id = await api.create_order(checkout_id)

    assert (await api.get_checkout(checkout_id)).order_id == str(order_id)
    order = await api.get_order(order_id)
    assert order.id == order_id
    assert order.status_id == 0 and order.status == "Incomplete"
    assert order.cart_id == checkout_id
    assert order.currency == "USD"
    assert order.subtotal == Decimal("37.99")
    assert order.grand_total == order.subtotal + order.shipping_total + order.tax_total - order.discount_total
    assert order.billing_address is not None and order.billing_address.country_code == "US"
    assert [(item.name, item.quantity, item.sku) for item in order.items] == [
        (line.name, line.quantity, line.sku) for line in sandbox.store.orders[order_id].lines
    ]
    assert sum(item.total for item in order.items) == order.subtotal


async def test_get_order_reads_the_items_with_one_more_get(api: ManagementBinding, sandbox: Sandbox) -> None:
    order_id = await api.create_order(demo_cart(sandbox, "ready"))
    before = sandbox.rate_limiter.used
    order = await api.get_order(order_id)
    assert sandbox.rate_limiter.used - before == 2
    assert {item.sku for item in order.items} == {line.sku for line in sandbox.store.orders[order_id].lines}


async def test_get_order_retries_the_items_like_any_get(api: ManagementBinding, sandbox: Sandbox) -> None:
    order_id = await api.create_order(demo_cart(sandbox, "ready"))
    sandbox.faults.add({"match": "GET /stores/*/v2/orders/*/products", "kind": "503", "times": 1})
    sandbox.faults.add({"match": "GET /stores/*/v2/orders/*/products", "kind": "drop_before", "times": 1})
    order = await api.get_order(order_id)
    assert len(order.items) == 2
    assert sandbox.faults.active() == []  # both faults were hit and retried through


async def test_list_orders_filters_and_pages(api: ManagementBinding, sandbox: Sandbox) -> None:
    ordered = demo_cart(sandbox, "ordered")
    extra = await api.create_order(ordered)

    everything = await api.list_orders()
    assert [order.id for order in everything] == sorted(sandbox.store.orders)
    assert all(order.items == [] for order in everything)  # the list does not carry the products
    mine = await api.list_orders(cart_id=ordered)
    assert [(o.cart_id, o.status_id, o.status) for o in mine] == [(ordered, 0, "Incomplete")] * 2
    assert [o.id for o in await api.list_orders(cart_id=ordered, sort="id:desc", limit=1)] == [extra]
    assert [o.id for o in await api.list_orders(min_id=extra, max_id=extra)] == [extra]
    assert {o.status_id for o in await api.list_orders(status_id=11)} == {11}
    assert [o.id for o in await api.list_orders(limit=1, page=2)] == [everything[1].id]
    assert await api.list_orders(cart_id=UNKNOWN_CHECKOUT) == []  # v2 answers 204 with no body


async def test_list_orders_validates_before_sending(api: ManagementBinding, sandbox: Sandbox) -> None:
    watch_all_requests(sandbox)
    with pytest.raises(InvalidIdentifier, match="cart id"):
        await api.list_orders(cart_id="../carts")
    with pytest.raises(InvalidIdentifier, match="order status id"):
        await api.list_orders(status_id=15)
    with pytest.raises(ValueError, match="limit"):
        await api.list_orders(limit=251)
    assert requests_seen(sandbox) == 0


async def test_update_order_status_cancels_an_incomplete_order(
    api: ManagementBinding, sandbox: Sandbox
) -> None:
    order_id = sandbox.store.carts[demo_cart(sandbox, "ordered")].order_id or 0
    cancelled = await api.update_order_status(order_id, CANCELLED_STATUS_ID)
    assert (cancelled.id, cancelled.status_id, cancelled.status) == (order_id, 5, "Cancelled")
    assert [item.quantity for item in cancelled.items] == [3]
    assert (await api.get_order(order_id)).status == "Cancelled"
    with pytest.raises(NotFound):
        await api.update_order_status(999_999, CANCELLED_STATUS_ID)
    with pytest.raises(InvalidIdentifier):
        await api.update_order_status(order_id, -1)


@pytest.mark.parametrize(
    ("operation", "args"),
    [
        ("list_checkouts", ()),
        ("apply_gift_certificate", ("306d57d7-124e-4112-82cd-35e060c0d4d9", "GIFT-50-ALPHA")),
        ("remove_gift_certificate", ("306d57d7-124e-4112-82cd-35e060c0d4d9", "GIFT-50-ALPHA")),
        ("list_payment_methods", ("306d57d7-124e-4112-82cd-35e060c0d4d9",)),
        ("finalize_order", (100,)),
    ],
)
async def test_operations_the_management_api_lacks(
    api: ManagementBinding, operation: str, args: tuple[object, ...]
) -> None:
    assert operation in api.lacks
    with pytest.raises(OperationNotSupported, match="storefront"):
        await getattr(api, operation)(*args)
