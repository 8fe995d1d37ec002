"""Domain operations on the seeded demo store: the rules both API surfaces share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from checkout_mcp.order_status import CANCELLED_STATUS_ID, ORDER_STATUS_NAMES
from checkout_mcp.sandbox import operations as ops
from checkout_mcp.sandbox import seed
from checkout_mcp.sandbox.credentials import demo_credentials
from checkout_mcp.sandbox.errors import SandboxError
from checkout_mcp.sandbox.state import StoreState, storefront_status

NOW = datetime(2026, 1, 1, tzinfo=UTC)
ADDRESS = seed.DEMO_ADDRESS


@pytest.fixture
def store() -> StoreState:
    return seed.build_demo_store(1, NOW)


def refused(status: int, call: object, *args: object, **kwargs: object) -> SandboxError:
    """Run an operation that must be refused with `status`; returns the error for its message."""
    assert callable(call)
    with pytest.raises(SandboxError) as caught:
        call(*args, **kwargs)
    assert caught.value.status == status, caught.value.title
    return caught.value


def mug_cart(store: StoreState, quantity: int = 1) -> str:
    return ops.create_cart(store, NOW, [ops.ItemRequest(product_id=seed.PRODUCT_MUG, quantity=quantity)]).id


# --- the demo store ---------------------------------------------------------------------------------


def test_demo_store_is_deterministic_and_round_trips_through_export() -> None:
    first = seed.build_demo_store(7, NOW)
    assert seed.build_demo_store(7, NOW).export() == first.export()
    assert seed.build_demo_store(8, NOW).demo_carts != first.demo_carts
    assert StoreState.load(first.export()) == first
    assert demo_credentials(7) == demo_credentials(7) != demo_credentials(8)


def test_demo_store_has_the_catalog_promotions_shipping_and_carts_it_promises(store: StoreState) -> None:
    assert len(store.products) >= 20
    assert store.products[seed.PRODUCT_OUT_OF_STOCK].inventory_level == 0
    assert store.products[seed.PRODUCT_EBOOK].type == "digital"
    assert store.products[seed.PRODUCT_LIMITED_PRINT].order_quantity_maximum == seed.PURCHASE_LIMIT
    assert len(store.products[seed.PRODUCT_TEE].variants) == 6
    assert {m.country_code for m in store.shipping_methods} >= {"US", "CA", "GB", "DE"}
    assert all(isinstance(m.cost, Decimal) for m in store.shipping_methods)
    assert {c.type for c in store.coupons.values()} == {
        "percentage_discount",
        "per_total_discount",
        "free_shipping",
    }
    assert store.gift_certificates[seed.GIFT_CERTIFICATE_50].balance == Decimal("50.00")
    finalized_cart = store.demo_carts["finalized"]
    carts = {
        label: store.carts[cart_id] for label, cart_id in store.demo_carts.items() if label != "finalized"
    }
    assert carts["no_billing"].billing_address is None
    assert carts["with_coupon"].coupon_codes == [seed.COUPON_PERCENT]
    assert carts["abandoned"].updated_time == NOW - seed.ABANDONED_AGE
    assert store.orders[carts["ordered"].order_id or 0].status_id == 0
    assert finalized_cart not in store.carts  # paid, so the cart is deleted; the order remains
    assert [o.status_id for o in store.orders.values() if o.cart_id == finalized_cart] == [11]
    ops.create_order(store, NOW, carts["ready"].id)  # ready means it
    refused(422, ops.create_order, store, NOW, carts["no_billing"].id)


# --- versions -------------------------------------------------------------------------------------


def test_every_mutation_bumps_the_version_and_a_stale_version_is_a_conflict(store: StoreState) -> None:
    cart_id = store.demo_carts["no_billing"]
    version = store.carts[cart_id].version
    ops.update_customer_message(store, NOW, cart_id, "hello", expected_version=version)
    assert store.carts[cart_id].version == version + 1
    refused(409, ops.update_customer_message, store, NOW, cart_id, "stale", expected_version=version)
    refused(409, ops.add_billing_address, store, NOW, cart_id, ADDRESS, expected_version=version)
    assert store.carts[cart_id].customer_message == "hello"
    assert store.carts[cart_id].billing_address is None
    ops.add_billing_address(store, NOW, cart_id, ADDRESS)  # without a version: no concurrency check
    assert store.carts[cart_id].version == version + 2


# --- items ----------------------------------------------------------------------------------------


def test_adding_more_than_the_stock_is_refused(store: StoreState) -> None:
    error = refused(
        422, ops.create_cart, store, NOW, [ops.ItemRequest(product_id=seed.PRODUCT_OUT_OF_STOCK, quantity=1)]
    )
    assert error.title.startswith("We don't have enough Vintage Poster stock on hand")
    stock = store.products[seed.PRODUCT_MUG].inventory_level or 0
    cart_id = mug_cart(store, stock)
    refused(
        422, ops.add_items, store, NOW, cart_id, [ops.ItemRequest(product_id=seed.PRODUCT_MUG, quantity=1)]
    )


def test_a_product_with_variants_needs_a_variant(store: StoreState) -> None:
    error = refused(
        422, ops.create_cart, store, NOW, [ops.ItemRequest(product_id=seed.PRODUCT_TEE, quantity=1)]
    )
    assert "variant" in error.title
    refused(
        422,
        ops.create_cart,
        store,
        NOW,
        [ops.ItemRequest(product_id=seed.PRODUCT_TEE, variant_id=9, quantity=1)],
    )


def test_purchase_limit_counts_the_whole_cart(store: StoreState) -> None:
    print_item = ops.ItemRequest(product_id=seed.PRODUCT_LIMITED_PRINT, quantity=2)
    cart_id = ops.create_cart(store, NOW, [print_item]).id
    error = refused(
        422,
        ops.add_items,
        store,
        NOW,
        cart_id,
        [ops.ItemRequest(product_id=seed.PRODUCT_LIMITED_PRINT, quantity=1)],
    )
    assert error.title == "You can only purchase a maximum of 2 of the Limited Edition Print per order."


def test_adding_the_same_product_merges_lines_and_updating_checks_limits(store: StoreState) -> None:
    cart_id = mug_cart(store)
    cart = ops.add_items(store, NOW, cart_id, [ops.ItemRequest(product_id=seed.PRODUCT_MUG, quantity=2)])
    assert [(i.product_id, i.quantity) for i in cart.line_items] == [(seed.PRODUCT_MUG, 3)]
    item_id = cart.line_items[0].id
    ops.update_item(store, NOW, cart_id, item_id, 5)
    assert store.carts[cart_id].line_items[0].quantity == 5
    refused(422, ops.update_item, store, NOW, cart_id, item_id, 10_000)
    refused(404, ops.update_item, store, NOW, cart_id, "no-such-item", 1)


def test_a_refused_cart_or_item_request_changes_nothing(store: StoreState) -> None:
    """Not even the id counter: the ids that follow a refused request are the ones that follow none."""
    before = store.export()
    cart_id = store.demo_carts["no_billing"]
    item = store.carts[cart_id].line_items[0]
    no_stock = ops.ItemRequest(product_id=seed.PRODUCT_MUG, quantity=10_000)
    refused(
        422, ops.create_cart, store, NOW, [ops.ItemRequest(product_id=seed.PRODUCT_MUG, quantity=1), no_stock]
    )
    refused(422, ops.add_items, store, NOW, cart_id, [no_stock])
    refused(422, ops.update_item, store, NOW, cart_id, item.id, 2, list_price=Decimal(-1))
    refused(422, ops.update_item, store, NOW, cart_id, item.id, 2, list_price=ops.MAX_LIST_PRICE + 1)
    assert store.export() == before


def test_quantities_and_prices_are_bounded_so_totals_can_always_be_computed(store: StoreState) -> None:
    ebook = ops.ItemRequest(product_id=seed.PRODUCT_EBOOK, quantity=ops.MAX_QUANTITY)  # no stock is kept
    cart_id = ops.create_cart(store, NOW, [ebook.model_copy(update={"list_price": ops.MAX_LIST_PRICE})]).id
    assert (
        ops.checkout_totals(store, store.carts[cart_id], NOW).subtotal_ex_tax
        == ops.MAX_QUANTITY * ops.MAX_LIST_PRICE
    )
    refused(422, ops.add_items, store, NOW, cart_id, [ebook.model_copy(update={"quantity": 1})])
    refused(
        422, ops.create_cart, store, NOW, [ebook.model_copy(update={"list_price": ops.MAX_LIST_PRICE + 1})]
    )


def test_removing_the_last_item_deletes_the_cart(store: StoreState) -> None:
    cart_id = mug_cart(store)
    item_id = store.carts[cart_id].line_items[0].id
    assert ops.remove_item(store, NOW, cart_id, item_id) is None
    assert cart_id not in store.carts
    refused(404, ops.get_cart, store, cart_id)


def test_removing_an_item_takes_it_out_of_its_consignment(store: StoreState) -> None:
    cart_id = store.demo_carts["ready"]
    cart = store.carts[cart_id]
    removed = cart.line_items[1].id
    ops.remove_item(store, NOW, cart_id, removed)
    assert removed not in cart.consignments[0].line_item_ids


# --- checkout -------------------------------------------------------------------------------------


def test_customer_message_is_limited_to_2000_characters(store: StoreState) -> None:
    cart_id = store.demo_carts["ready"]
    ops.update_customer_message(store, NOW, cart_id, "x" * 2000)
    refused(422, ops.update_customer_message, store, NOW, cart_id, "x" * 2001)


def test_billing_address_update_needs_the_right_id_and_a_country(store: StoreState) -> None:
    cart_id = store.demo_carts["ready"]
    address_id = store.carts[cart_id].billing_address.id  # type: ignore[union-attr]
    moved = ADDRESS.model_copy(update={"city": "Oakland"})
    assert (
        ops.update_billing_address(store, NOW, cart_id, address_id, moved).billing_address.city == "Oakland"
    )  # type: ignore[union-attr]
    refused(404, ops.update_billing_address, store, NOW, cart_id, "nope", moved)
    refused(
        422, ops.add_billing_address, store, NOW, cart_id, ADDRESS.model_copy(update={"country_code": "USA"})
    )


def test_consignments_offer_the_country_options_and_a_new_address_drops_an_unavailable_choice(
    store: StoreState,
) -> None:
    cart_id = store.demo_carts["ready"]
    consignment = store.carts[cart_id].consignments[0]
    us = [m.id for m in ops.available_shipping_options(store, cart_id, consignment.id)]
    assert us == ["us-standard", "us-express", "us-overnight"]
    refused(422, ops.select_shipping_option, store, NOW, cart_id, consignment.id, "de-express")
    german = ADDRESS.model_copy(update={"country_code": "DE", "state_or_province_code": ""})
    ops.update_consignment(store, NOW, cart_id, consignment.id, address=german)
    assert consignment.selected_shipping_option_id is None
    ops.select_shipping_option(store, NOW, cart_id, consignment.id, "de-express")
    assert consignment.selected_shipping_option_id == "de-express"
    refused(
        422,
        ops.update_consignment,
        store,
        NOW,
        cart_id,
        consignment.id,
        address=german,
        shipping_option_id="de-express",
    )


def test_digital_items_cannot_be_put_in_a_consignment(store: StoreState) -> None:
    cart_id = store.demo_carts["no_billing"]
    ebook = next(i for i in store.carts[cart_id].line_items if i.type == "digital")
    request = ops.ConsignmentRequest(
        address=ADDRESS, line_items=[ops.ConsignmentLine(item_id=ebook.id, quantity=1)]
    )
    refused(422, ops.add_consignments, store, NOW, cart_id, [request])


# --- coupons and gift certificates ----------------------------------------------------------------


def test_coupon_errors_use_bigcommerce_words(store: StoreState) -> None:
    cart_id = store.demo_carts["no_billing"]  # items total 35.97
    assert "not valid" in refused(422, ops.apply_coupon, store, NOW, cart_id, "NOPE").title
    assert "expired" in refused(422, ops.apply_coupon, store, NOW, cart_id, seed.COUPON_EXPIRED).title
    minimum = refused(422, ops.apply_coupon, store, NOW, cart_id, seed.COUPON_MINIMUM_SPEND)
    assert minimum.title == "You must spend at least 100.00 USD to use the coupon code 'BIGSPENDER'."
    ops.apply_coupon(store, NOW, cart_id, "save10")  # codes are not case-sensitive
    assert store.carts[cart_id].coupon_codes == ["SAVE10"]
    ops.remove_coupon(store, NOW, cart_id, "SAVE10")
    refused(404, ops.remove_coupon, store, NOW, cart_id, "SAVE10")


def test_a_coupon_expires_by_the_sandbox_clock(store: StoreState) -> None:
    store.coupons["SAVE10"].expires = NOW + timedelta(hours=1)
    cart_id = store.demo_carts["no_billing"]
    ops.apply_coupon(store, NOW, cart_id, "SAVE10")
    later = NOW + timedelta(hours=2)
    refused(422, ops.apply_coupon, store, later, mug_cart(store), "SAVE10")
    assert ops.checkout_totals(store, store.carts[cart_id], later).discount_amount == 0


def test_gift_certificates_apply_and_are_spent_on_finalize(store: StoreState) -> None:
    cart_id = store.demo_carts["ready"]  # grand total 46.73
    refused(422, ops.apply_gift_certificate, store, NOW, cart_id, seed.GIFT_CERTIFICATE_SPENT)
    refused(404, ops.apply_gift_certificate, store, NOW, cart_id, "GIFT-NOPE")  # checkouts.sf.yml
    ops.apply_gift_certificate(store, NOW, cart_id, seed.GIFT_CERTIFICATE_25)
    assert ops.checkout_totals(store, store.carts[cart_id], NOW).outstanding_balance == Decimal("21.73")
    order = ops.create_order(store, NOW, cart_id)
    assert order.gift_certificate_amount == Decimal("25.00")
    assert store.gift_certificates[seed.GIFT_CERTIFICATE_25].balance == Decimal("25.00")  # not spent yet
    ops.finalize_order(store, NOW, order.id)
    assert store.gift_certificates[seed.GIFT_CERTIFICATE_25].balance == Decimal("0.00")
    refused(422, ops.apply_gift_certificate, store, NOW, mug_cart(store), seed.GIFT_CERTIFICATE_25)


# --- orders ---------------------------------------------------------------------------------------


def test_an_order_needs_billing_email_consignments_and_shipping_options(store: StoreState) -> None:
    cart_id = mug_cart(store)
    assert "billing address" in refused(422, ops.create_order, store, NOW, cart_id).title
    ops.add_billing_address(store, NOW, cart_id, ADDRESS)
    assert "consignment" in refused(422, ops.create_order, store, NOW, cart_id).title
    item = store.carts[cart_id].line_items[0]
    line = ops.ConsignmentLine(item_id=item.id, quantity=item.quantity)
    ops.add_consignments(store, NOW, cart_id, [ops.ConsignmentRequest(address=ADDRESS, line_items=[line])])
    assert "shipping option" in refused(422, ops.create_order, store, NOW, cart_id).title
    consignment_id = store.carts[cart_id].consignments[0].id
    ops.select_shipping_option(store, NOW, cart_id, consignment_id, "us-express")
    assert ops.create_order(store, NOW, cart_id).status_id == 0


def test_an_order_refused_keeps_the_checkout_as_it_was_and_a_message_goes_with_a_placed_one(
    store: StoreState,
) -> None:
    unready = store.demo_carts["no_billing"]
    before = store.export()
    refused(422, ops.create_order, store, NOW, unready, customer_message="Leave it at the door")
    assert store.export() == before
    ready = store.demo_carts["ready"]
    assert ops.create_order(store, NOW, ready, customer_message="Leave it at the door").customer_message == (
        "Leave it at the door"
    )


def test_a_digital_only_checkout_needs_no_consignment(store: StoreState) -> None:
    cart_id = ops.create_cart(store, NOW, [ops.ItemRequest(product_id=seed.PRODUCT_EBOOK, quantity=1)]).id
    ops.add_billing_address(store, NOW, cart_id, ADDRESS)
    assert ops.create_order(store, NOW, cart_id).lines[0].type == "digital"


def test_creating_an_order_again_creates_another_order(store: StoreState) -> None:
    """Duplicates are documented ("You can create as many orders from the same order (cart) as you want")."""
    cart_id = store.demo_carts["ordered"]
    first = store.carts[cart_id].order_id
    second = ops.create_order(store, NOW, cart_id)
    assert second.id != first
    assert store.carts[cart_id].order_id == second.id
    assert {o.id for o in store.orders.values() if o.cart_id == cart_id} == {first, second.id}
    assert store.orders[second.id].total_inc_tax == store.orders[first or 0].total_inc_tax


def test_finalizing_takes_stock_deletes_the_cart_and_happens_once(store: StoreState) -> None:
    cart_id = store.demo_carts["ordered"]
    order_id = store.carts[cart_id].order_id or 0
    session = ops.attach_cart_to_session(store, None, cart_id)
    before = store.products[seed.PRODUCT_MUG].inventory_level or 0
    ops.finalize_order(store, NOW, order_id, payment_method="Test Card Gateway")
    assert store.products[seed.PRODUCT_MUG].inventory_level == before - 3
    assert cart_id not in store.carts
    assert store.sessions[session] == [cart_id]  # the shopper can still read the order
    refused(404, ops.session_cart, store, session, cart_id)
    assert "is Awaiting Fulfillment" in refused(422, ops.finalize_order, store, NOW, order_id).title
    refused(404, ops.get_order, store, 999_999)


def test_order_statuses_are_bigcommerce_s() -> None:
    """orders.v2.oas2.yml, GET /order_statuses: 0 Incomplete ... 5 Cancelled ... 11 Awaiting Fulfillment."""
    assert len(ORDER_STATUS_NAMES) == 15
    assert (ORDER_STATUS_NAMES[0], ORDER_STATUS_NAMES[5], ORDER_STATUS_NAMES[11]) == (
        "Incomplete",
        "Cancelled",
        "Awaiting Fulfillment",
    )
    assert storefront_status(12) == "MANUAL_VERIFICATION_REQUIRED"


def test_cancelling_an_incomplete_order_moves_no_stock_and_it_cannot_be_finalized(store: StoreState) -> None:
    order_id = store.carts[store.demo_carts["ordered"]].order_id or 0
    before = store.products[seed.PRODUCT_MUG].inventory_level
    order = ops.update_order_status(store, NOW + timedelta(hours=1), order_id, CANCELLED_STATUS_ID)
    assert (order.status_id, order.status, order.date_modified) == (5, "Cancelled", NOW + timedelta(hours=1))
    assert store.products[seed.PRODUCT_MUG].inventory_level == before
    assert "is Cancelled" in refused(422, ops.finalize_order, store, NOW, order_id).title
    refused(400, ops.update_order_status, store, NOW, order_id, 15)
    refused(404, ops.update_order_status, store, NOW, 999_999, 5)


def test_cancelling_a_placed_order_returns_its_stock(store: StoreState) -> None:
    cart_id = store.demo_carts["ordered"]
    order_id = store.carts[cart_id].order_id or 0
    before = store.products[seed.PRODUCT_MUG].inventory_level or 0
    ops.finalize_order(store, NOW, order_id)
    assert store.products[seed.PRODUCT_MUG].inventory_level == before - 3
    ops.update_order_status(store, NOW, order_id, CANCELLED_STATUS_ID)
    assert store.products[seed.PRODUCT_MUG].inventory_level == before
    ops.update_order_status(store, NOW, order_id, 11)  # reinstated: taken again
    assert store.products[seed.PRODUCT_MUG].inventory_level == before - 3


def test_list_orders_filters_sorts_and_pages(store: StoreState) -> None:
    ordered = store.demo_carts["ordered"]
    extra = ops.create_order(store, NOW, ordered)
    everything = [o.id for o in ops.list_orders(store, ops.OrderQuery())]
    assert everything == sorted(store.orders) and len(everything) == 3

    def ids(**query: object) -> list[int]:
        return [o.id for o in ops.list_orders(store, ops.OrderQuery(**query))]  # type: ignore[arg-type]

    assert ids(cart_id=ordered) == sorted(o.id for o in store.orders.values() if o.cart_id == ordered)
    assert ids(status_id=11) == [o.id for o in store.orders.values() if o.status_id == 11]
    assert ids(min_id=extra.id) == [extra.id] == ids(max_id=extra.id, min_id=extra.id)
    assert ids(max_id=everything[0]) == everything[:1]
    assert ids(sort="id:desc") == everything[::-1]
    assert ids(sort="status_id:desc")[-1] in {o.id for o in store.orders.values() if o.status_id == 0}
    assert ids(limit=2) == everything[:2] and ids(limit=2, page=2) == everything[2:]
    assert ids(page=3, limit=2) == [] and ids(cart_id="nope") == []
    refused(400, ops.list_orders, store, ops.OrderQuery(sort="total"))
    refused(400, ops.list_orders, store, ops.OrderQuery(sort="id:up"))


# --- checkout tokens, confirmation, redirect URLs, sessions ---------------------------------------


def test_checkout_token_bounds(store: StoreState) -> None:
    cart_id = store.demo_carts["ordered"]
    refused(422, ops.create_checkout_token, store, NOW, cart_id, max_uses=0)
    refused(422, ops.create_checkout_token, store, NOW, cart_id, ttl=0)
    refused(422, ops.create_checkout_token, store, NOW, cart_id, ttl=2_592_001)
    token = ops.create_checkout_token(store, NOW, cart_id, max_uses=1, ttl=2_592_000)
    assert len(token) == 64
    assert all(token not in str(record) for record in store.checkout_tokens)  # only the digest is kept
    refused(404, ops.create_checkout_token, store, NOW, store.demo_carts["finalized"])  # the cart is gone


def test_confirmation_token_honours_max_uses_ttl_and_the_order(store: StoreState) -> None:
    cart_id = store.demo_carts["ordered"]
    order_id = store.carts[cart_id].order_id or 0
    token = ops.create_checkout_token(store, NOW, cart_id, max_uses=2, ttl=60)
    other_order = next(o.id for o in store.orders.values() if o.cart_id != cart_id)
    refused(403, ops.check_confirmation_token, store, NOW, other_order, token)
    assert ops.check_confirmation_token(store, NOW, order_id, token).id == order_id
    assert ops.check_confirmation_token(store, NOW, order_id, token).id == order_id
    refused(403, ops.check_confirmation_token, store, NOW, order_id, token)
    fresh = ops.create_checkout_token(store, NOW, cart_id, max_uses=5, ttl=60)
    refused(403, ops.check_confirmation_token, store, NOW + timedelta(seconds=60), order_id, fresh)


def test_redirect_urls_are_single_use_and_expire_after_30_days(store: StoreState) -> None:
    cart_id = store.demo_carts["no_billing"]
    urls = ops.create_redirect_urls(store, NOW, cart_id, "http://shop.test/", {"utm_source": "agent"})
    assert urls.cart_url.startswith(f"http://shop.test/cart.php?action=load&id={cart_id}&token=")
    assert urls.cart_url.endswith("&utm_source=agent")
    assert "embedded=1&action=loadInCheckout" in urls.embedded_checkout_url
    token = urls.cart_url.split("token=")[1].split("&")[0]
    assert ops.visit_redirect_url(store, NOW, cart_id, token).id == cart_id
    refused(410, ops.visit_redirect_url, store, NOW, cart_id, token)
    late = ops.create_redirect_urls(store, NOW, cart_id, "http://shop.test")
    late_token = late.checkout_url.split("token=")[1]
    refused(410, ops.visit_redirect_url, store, NOW + timedelta(days=30), cart_id, late_token)


def test_redirect_urls_only_for_management_carts(store: StoreState) -> None:
    item = ops.ItemRequest(product_id=seed.PRODUCT_MUG, quantity=1)
    storefront_cart = ops.create_cart(store, NOW, [item], source="storefront")
    refused(422, ops.create_redirect_urls, store, NOW, storefront_cart.id, "http://shop.test")


def test_sessions_hold_carts_and_hide_others(store: StoreState) -> None:
    cart_id = store.demo_carts["ready"]
    session = ops.attach_cart_to_session(store, None, cart_id)
    assert ops.attach_cart_to_session(store, session, cart_id) == session
    assert [c.id for c in ops.session_carts(store, session)] == [cart_id]
    assert ops.session_cart(store, session, cart_id).id == cart_id
    refused(404, ops.session_cart, store, session, store.demo_carts["no_billing"])
    refused(404, ops.session_cart, store, None, cart_id)
    ops.delete_cart(store, cart_id)
    assert ops.session_carts(store, session) == []
