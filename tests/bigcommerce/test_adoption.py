"""Cart adoption: storefront-only operations on carts made through the management API."""

from __future__ import annotations

import inspect
import logging
import random
import re
from collections.abc import AsyncIterator
from decimal import Decimal

import anyio
import pytest

from checkout_mcp.bigcommerce.adoption import ADOPT_OPERATION, AdoptingStorefrontBinding
from checkout_mcp.bigcommerce.binding import Binding
from checkout_mcp.bigcommerce.errors import NotFound, OperationNotSupported, ServerError, UpstreamUnavailable
from checkout_mcp.bigcommerce.management import ManagementBinding
from checkout_mcp.bigcommerce.models import Checkout, ConsignmentItem
from checkout_mcp.bigcommerce.store import (
    OPERATIONS,
    SANDBOX_BASE_URL,
    ManagementSettings,
    Store,
    StorefrontSettings,
    clock_sleep,
    storefront_binding,
)
from checkout_mcp.bigcommerce.transport import Transport
from checkout_mcp.sandbox import Sandbox
from tests.bigcommerce.conftest import TEST_RETRY, UNKNOWN_CHECKOUT, mugs, shipping_address
from tests.sandbox_server import running_sandbox

pytestmark = pytest.mark.anyio

GIFT_25 = "GIFT-25-BRAVO"
STOREFRONT_ONLY_BY_CHECKOUT = {"apply_gift_certificate", "remove_gift_certificate", "list_payment_methods"}


@pytest.fixture
async def storefront_only(sandbox: Sandbox) -> AsyncIterator[Store]:
    async with Store.for_sandbox(sandbox, surfaces=("storefront",), retry=TEST_RETRY) as store:
        yield store


async def management_cart(store: Store, quantity: int = 4) -> str:
    """A cart made the way an agent makes one: through the management API."""
    cart = await store.binding_for("create_cart").create_cart(mugs(quantity))
    assert store.binding_for("create_cart") is store.management
    return cart.id


async def ready_checkout(store: Store) -> Checkout:
    """A management-made checkout with addresses and a shipping option, all set through management."""
    checkout_id = await management_cart(store)
    checkout = await store.binding_for("add_billing_address").add_billing_address(
        checkout_id, shipping_address()
    )
    items = [ConsignmentItem(item_id=checkout.cart.line_items[0].id, quantity=4)]
    checkout = await store.binding_for("add_shipping_address").add_shipping_address(
        checkout_id, shipping_address(), items
    )
    consignment = checkout.consignments[0].id
    options = await store.binding_for("list_shipping_options").list_shipping_options(checkout_id, consignment)
    return await store.binding_for("select_shipping_option").select_shipping_option(
        checkout_id, consignment, options[0].id
    )


def links_minted(sandbox: Sandbox) -> int:
    return len(sandbox.store.redirect_urls)


async def test_both_surfaces_get_the_adopting_storefront(store: Store, storefront_only: Store) -> None:
    assert isinstance(store.storefront, AdoptingStorefrontBinding)
    assert store.binding_for("apply_gift_certificate") is store.storefront
    assert storefront_only.storefront is not None
    assert not isinstance(storefront_only.storefront, AdoptingStorefrontBinding)


def test_exactly_the_storefront_only_checkout_operations_adopt() -> None:
    takes_checkout = {
        name
        for name in ManagementBinding.lacks
        if "checkout_id" in inspect.signature(getattr(Binding, name)).parameters
    }
    adopting = {name for name in vars(AdoptingStorefrontBinding) if name in OPERATIONS}
    assert takes_checkout == STOREFRONT_ONLY_BY_CHECKOUT
    assert adopting == takes_checkout | {"finalize_order"}


async def test_gift_certificate_on_a_management_cart_adopts_it_once(store: Store, sandbox: Sandbox) -> None:
    checkout_id = await management_cart(store)
    assert store.storefront is not None
    with pytest.raises(NotFound):  # the plain storefront view: not in this shopper session yet
        await store.storefront.get_checkout(checkout_id)
    before = await store.binding_for("get_checkout").get_checkout(checkout_id)

    paid = await store.binding_for("apply_gift_certificate").apply_gift_certificate(checkout_id, GIFT_25)

    assert [(c.code, c.used) for c in paid.gift_certificates] == [(GIFT_25, Decimal("25.00"))]
    assert paid.outstanding_balance == before.outstanding_balance - Decimal("25.00")
    assert links_minted(sandbox) == 1 and sandbox.store.redirect_urls[0].used
    assert checkout_id in [
        checkout.id for checkout in await store.binding_for("list_checkouts").list_checkouts()
    ]

    removed = await store.binding_for("remove_gift_certificate").remove_gift_certificate(checkout_id, GIFT_25)
    assert removed.gift_certificates == [] and removed.outstanding_balance == before.outstanding_balance

    methods = await store.binding_for("list_payment_methods").list_payment_methods(checkout_id)
    assert "testgateway.card" in [method.id for method in methods]
    assert links_minted(sandbox) == 1


async def test_payment_methods_adopt_first_too(store: Store, sandbox: Sandbox) -> None:
    checkout_id = await management_cart(store)

    methods = await store.binding_for("list_payment_methods").list_payment_methods(checkout_id)

    assert methods and links_minted(sandbox) == 1


async def test_concurrent_calls_over_http_adopt_once(sandbox: Sandbox) -> None:
    """Over real HTTP (so the calls interleave), with the cookie set by a real Set-Cookie header."""
    with running_sandbox(sandbox) as base_url:
        async with Store.connect(
            management=ManagementSettings(
                api_url=base_url,
                store_hash=sandbox.credentials.store_hash,
                access_token=sandbox.credentials.access_token,
            ),
            storefront=StorefrontSettings(storefront_url=base_url),
            retry=TEST_RETRY,
            sleep=clock_sleep(sandbox),
            now=sandbox.clock.timestamp,
        ) as store:
            await list_payment_methods_three_times_at_once(store, await management_cart(store))
    assert links_minted(sandbox) == 1 and sandbox.store.redirect_urls[0].used


async def list_payment_methods_three_times_at_once(store: Store, checkout_id: str) -> None:
    answers: list[int] = []

    async def list_methods() -> None:
        answers.append(len(await store.binding_for("list_payment_methods").list_payment_methods(checkout_id)))

    async with anyio.create_task_group() as group:
        for _ in range(3):
            group.start_soon(list_methods)

    assert len(answers) == 3 and all(answers)


async def test_finalize_order_after_adoption(store: Store, sandbox: Sandbox) -> None:
    checkout = await ready_checkout(store)
    await store.binding_for("apply_gift_certificate").apply_gift_certificate(checkout.id, GIFT_25)
    order_id = await store.binding_for("create_order").create_order(checkout.id)
    assert store.binding_for("create_order") is store.management

    finalized = await store.binding_for("finalize_order").finalize_order(order_id)

    assert finalized.id == order_id and finalized.cart_id == checkout.id
    assert sandbox.store.gift_certificates[GIFT_25].balance == Decimal("0.00")
    # The paid cart is gone; a second 404 after adopting is final: no second link.
    with pytest.raises(NotFound):
        await store.binding_for("list_payment_methods").list_payment_methods(checkout.id)
    assert links_minted(sandbox) == 1


async def test_finalize_order_of_a_management_order_adopts_its_cart(store: Store, sandbox: Sandbox) -> None:
    checkout = await ready_checkout(store)
    order_id = await store.binding_for("create_order").create_order(checkout.id)
    assert store.management is not None
    placed = await store.management.get_order(order_id)
    assert placed.cart_id == checkout.id

    finalized = await store.binding_for("finalize_order").finalize_order(order_id)

    assert finalized.id == order_id and finalized.cart_id == checkout.id
    after = await store.management.get_order(order_id)
    assert after.status_id != placed.status_id and after.status == "Awaiting Fulfillment"
    assert links_minted(sandbox) == 1 and sandbox.store.redirect_urls[0].used


async def test_finalize_order_of_an_unknown_order_keeps_its_404(store: Store, sandbox: Sandbox) -> None:
    with pytest.raises(NotFound) as caught:
        await store.binding_for("finalize_order").finalize_order(987654)
    assert caught.value.operation == "finalize_order"
    assert links_minted(sandbox) == 0


async def test_create_order_through_the_storefront_never_adopts(store: Store, sandbox: Sandbox) -> None:
    checkout = await ready_checkout(store)
    assert store.storefront is not None

    with pytest.raises(NotFound):
        await store.storefront.create_order(checkout.id)
    assert links_minted(sandbox) == 0
    assert checkout.id not in [order.cart_id for order in sandbox.store.orders.values()]


async def test_storefront_only_store_cannot_adopt(
    store: Store, storefront_only: Store, sandbox: Sandbox
) -> None:
    checkout_id = await management_cart(store)

    with pytest.raises(NotFound) as caught:
        await storefront_only.binding_for("apply_gift_certificate").apply_gift_certificate(
            checkout_id, GIFT_25
        )
    assert caught.value.status == 404
    assert links_minted(sandbox) == 0


@pytest.mark.parametrize("owner", ["nobody", "another shopper"])
async def test_checkouts_management_cannot_link_keep_their_404(
    owner: str, store: Store, storefront_only: Store, sandbox: Sandbox
) -> None:
    if owner == "nobody":
        checkout_id = UNKNOWN_CHECKOUT
    else:
        checkout_id = (await storefront_only.binding_for("create_cart").create_cart(mugs(1))).id

    with pytest.raises(NotFound) as caught:
        await store.binding_for("apply_gift_certificate").apply_gift_certificate(checkout_id, GIFT_25)
    assert caught.value.operation == "apply_gift_certificate"
    assert links_minted(sandbox) == 0


async def test_a_link_on_another_host_is_not_visited(sandbox: Sandbox) -> None:
    shop_url = "http://shop.example.test"

    def transport(base_url: str) -> Transport:
        return Transport(
            base_url,
            app=sandbox.app,
            retry=TEST_RETRY,
            sleep=clock_sleep(sandbox),
            now=sandbox.clock.timestamp,
            rng=random.Random(1),
        )

    api, shop = transport(SANDBOX_BASE_URL), transport(shop_url)
    credentials = sandbox.credentials
    management = ManagementBinding(api, credentials.store_hash, credentials.access_token)
    async with Store(
        management=management,
        storefront=storefront_binding(shop, shop_url, management),
        transports=[api, shop],
    ) as store:
        checkout_id = await management_cart(store)

        with pytest.raises(OperationNotSupported, match="shopper's browser") as caught:
            await store.binding_for("apply_gift_certificate").apply_gift_certificate(checkout_id, GIFT_25)

    assert "sandbox.test" in str(caught.value) and "shop.example.test" in str(caught.value)
    assert "token" not in str(caught.value) and "cart.php" not in str(caught.value)
    assert links_minted(sandbox) == 1 and not sandbox.store.redirect_urls[0].used


async def test_the_cart_link_token_is_not_logged(
    store: Store, sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="httpx")
    checkout_id = await management_cart(store)

    await store.binding_for("list_payment_methods").list_payment_methods(checkout_id)

    visits = [record.getMessage() for record in caplog.records if "cart.php" in record.getMessage()]
    assert len(visits) == 1 and "token=[redacted]" in visits[0]
    assert re.search(r"token=[0-9a-f]{16}", caplog.text) is None


async def test_a_visit_answered_with_an_error_is_not_repeated(store: Store, sandbox: Sandbox) -> None:
    """The store answered, so the link may be spent: no second visit; a later call mints a new link."""
    sandbox.faults.add({"match": "GET /cart.php", "kind": "503", "times": 1})
    checkout_id = await management_cart(store)

    with pytest.raises(ServerError) as caught:
        await store.binding_for("list_payment_methods").list_payment_methods(checkout_id)
    assert caught.value.status == 503 and caught.value.operation == ADOPT_OPERATION
    assert links_minted(sandbox) == 1 and not sandbox.store.redirect_urls[0].used

    methods = await store.binding_for("list_payment_methods").list_payment_methods(checkout_id)
    assert methods and links_minted(sandbox) == 2 and sandbox.store.redirect_urls[1].used


async def test_an_endless_page_behind_a_link_is_refused_unread(store: Store, sandbox: Sandbox) -> None:
    """The visit reads no more of the page than any answer (8 MiB); the link may be spent."""
    sandbox.faults.add({"match": "GET /cart.php", "kind": "oversized", "times": 1})
    checkout_id = await management_cart(store)

    with pytest.raises(UpstreamUnavailable) as caught:
        await store.binding_for("list_payment_methods").list_payment_methods(checkout_id)
    assert caught.value.ambiguous and "larger than 8 MiB" in str(caught.value)
    assert links_minted(sandbox) == 1


async def test_a_link_spent_by_a_lost_answer_fails_cleanly_and_a_later_call_adopts(
    store: Store, sandbox: Sandbox
) -> None:
    sandbox.faults.add({"match": "GET /cart.php", "kind": "drop_after", "times": 1})
    checkout_id = await management_cart(store)

    with pytest.raises(UpstreamUnavailable) as caught:
        await store.binding_for("list_payment_methods").list_payment_methods(checkout_id)
    assert caught.value.ambiguous and caught.value.operation == ADOPT_OPERATION
    assert "token" not in str(caught.value) and "cart.php" not in str(caught.value)
    assert links_minted(sandbox) == 1 and sandbox.store.redirect_urls[0].used  # visited exactly once

    methods = await store.binding_for("list_payment_methods").list_payment_methods(checkout_id)
    assert methods and links_minted(sandbox) == 2
