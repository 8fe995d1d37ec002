"""Our client against the specs: every operation, on each surface that has it, sends requests the
official specs accept (parameters and bodies), and the answers it reads are checked as well."""

from __future__ import annotations

import pytest

from checkout_mcp.bigcommerce.management import ManagementBinding
from checkout_mcp.bigcommerce.models import AddressInput, ConsignmentItem, NewLineItem
from checkout_mcp.bigcommerce.store import SANDBOX_BASE_URL, clock_sleep
from checkout_mcp.bigcommerce.storefront import StorefrontBinding
from checkout_mcp.bigcommerce.transport import Transport
from checkout_mcp.sandbox import create_sandbox
from checkout_mcp.sandbox import seed as demo
from tests.contract.harness import CheckedTransport
from tests.contract.operations import CLIENT_ROUTES

pytestmark = pytest.mark.anyio

ADDRESS = AddressInput(
    first_name="Ada",
    last_name="Lovelace",
    email="ada@example.com",
    address1="1 Analytical Way",
    city="Austin",
    state_or_province="Texas",
    state_or_province_code="TX",
    country_code="US",
    postal_code="73301",
    phone="+15125550100",
)


async def walk(binding: ManagementBinding | StorefrontBinding) -> int:
    """Every checkout operation both surfaces have, from a new cart to an order; the order's id."""
    mug = NewLineItem(product_id=demo.PRODUCT_MUG, quantity=2)
    ebook = NewLineItem(product_id=demo.PRODUCT_EBOOK, quantity=1)
    cart = await binding.create_cart([mug, ebook])
    item, digital = (next(i for i in cart.line_items if i.kind == kind) for kind in ("physical", "digital"))
    checkout = await binding.get_checkout(cart.id, include_shipping_options=True)
    await binding.update_customer_message(cart.id, "Ring twice", version=checkout.version)
    await binding.update_cart_item(cart.id, item.id, quantity=3, product_id=demo.PRODUCT_MUG)
    await binding.remove_cart_item(cart.id, digital.id)
    billed = await binding.add_billing_address(cart.id, ADDRESS)
    assert billed.billing_address is not None and billed.billing_address.id is not None
    await binding.update_billing_address(cart.id, billed.billing_address.id, ADDRESS)
    lines = [ConsignmentItem(item_id=item.id, quantity=3)]
    shipped = await binding.add_shipping_address(cart.id, ADDRESS, lines)
    consignment = shipped.consignments[0].id
    await binding.update_shipping_address(cart.id, consignment, ADDRESS, lines)
    options = await binding.list_shipping_options(cart.id, consignment)
    await binding.select_shipping_option(cart.id, consignment, options[0].id)
    await binding.apply_coupon(cart.id, demo.COUPON_PERCENT)
    await binding.remove_coupon(cart.id, demo.COUPON_PERCENT)
    order_id = await binding.create_order(cart.id)
    await binding.get_order(order_id)
    return order_id


async def test_every_client_operation_sends_what_the_specs_allow() -> None:
    sandbox = create_sandbox()
    checked = CheckedTransport(sandbox)
    transport = Transport(
        SANDBOX_BASE_URL, transport=checked, sleep=clock_sleep(sandbox), now=sandbox.clock.timestamp
    )
    credentials = sandbox.credentials
    management = ManagementBinding(transport, credentials.store_hash, credentials.access_token)
    storefront = StorefrontBinding(transport)
    try:
        order_id = await walk(management)
        await management.create_checkout_token(
            sandbox.store.orders[order_id].cart_id, max_uses=1, ttl_seconds=60
        )
        cart = await management.create_cart([NewLineItem(product_id=demo.PRODUCT_MUG, quantity=1)])
        await management.create_cart_redirect_urls(cart.id, {"utm_source": "agent"})
        await management.list_orders(cart_id=sandbox.store.orders[order_id].cart_id, sort="id:desc")
        await management.update_order_status(order_id, 5)
        await management.search_products(keyword="tee", is_visible=True, include_variants=True)
        await management.get_product(demo.PRODUCT_TEE)
        await management.list_variants(demo.PRODUCT_HOODIE)

        order_id = await walk(storefront)
        checkout_id = sandbox.store.orders[order_id].cart_id
        await storefront.list_checkouts()
        await storefront.list_payment_methods(checkout_id)
        await storefront.apply_gift_certificate(checkout_id, demo.GIFT_CERTIFICATE_25)
        await storefront.remove_gift_certificate(checkout_id, demo.GIFT_CERTIFICATE_25)
        await storefront.finalize_order(order_id)
    finally:
        await transport.aclose()
    assert checked.routes == {
        route for routes in CLIENT_ROUTES.values() for ops in routes.values() for route in ops
    }
