"""Whole answers mapped into the domain model with one validation: a value of the wrong type anywhere
in the tree, however deep, is still an UnexpectedResponse and never a wrong value."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from checkout_mcp.bigcommerce.errors import UnexpectedResponse
from checkout_mcp.bigcommerce.mapping import MANAGEMENT_KEYS, checkout_from
from checkout_mcp.bigcommerce.store import SANDBOX_BASE_URL, Store
from checkout_mcp.bigcommerce.transport import Transport
from checkout_mcp.sandbox import Sandbox
from tests.bigcommerce.conftest import demo_cart

pytestmark = pytest.mark.anyio

DELETE = object()
LINE = ("cart", "line_items", "physical_items", 0)
CONSIGNMENT = ("consignments", 0)
# Where a checkout answer (management spelling) goes wrong, and what it holds instead.
CORRUPTIONS: dict[str, tuple[tuple[str | int, ...], Any]] = {
    "line item name is a number": ((*LINE, "name"), 5),
    "line item quantity is a word": ((*LINE, "quantity"), "many"),
    "line item price is a list": ((*LINE, "list_price"), [12]),
    "line item has no id": ((*LINE, "id"), DELETE),
    "line item product id is a float": ((*LINE, "product_id"), Decimal("104.5")),
    "line item sku is an object": ((*LINE, "sku"), {"code": "X"}),
    "cart id is a number": (("cart", "id"), 17),
    "cart currency is a string": (("cart", "currency"), "USD"),
    "cart customer id is a word": (("cart", "customer_id"), "someone"),
    "coupon code is missing": (("coupons", 0, "code"), DELETE),
    "coupon amount is a bool": (("coupons", 0, "discounted_amount"), True),
    "consignment address name is a number": ((*CONSIGNMENT, "address", "first_name"), 7),
    "consignment address is a list": ((*CONSIGNMENT, "address"), ["Main Street"]),
    "selected option cost is an object": ((*CONSIGNMENT, "selected_shipping_option", "cost"), {"v": 1}),
    "selected option description is null": ((*CONSIGNMENT, "selected_shipping_option", "description"), None),
    "billing email is a number": (("billing_address", "email"), 42),
    "tax has no name": (("taxes", 0, "name"), DELETE),
    "grand total is a word": (("grand_total",), "lots"),
    "version is a word": (("version",), "three"),
    "customer message is a list": (("customer_message",), ["hi"]),
}


@pytest.fixture
async def transport(sandbox: Sandbox) -> AsyncIterator[Transport]:
    transport = Transport(SANDBOX_BASE_URL, app=sandbox.app)
    yield transport
    await transport.aclose()


def corrupted(data: dict[str, Any], where: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(data)
    parent: Any = changed
    for step in where[:-1]:
        parent = parent[step]
    if value is DELETE:
        del parent[where[-1]]
    else:
        assert where[-1] in parent  # the corruption replaces a value the answer really has
        parent[where[-1]] = value
    return changed


async def checkout_answer(transport: Transport, sandbox: Sandbox, parse: Any) -> Any:
    credentials = sandbox.credentials
    return await transport.request(
        "GET",
        f"/stores/{credentials.store_hash}/v3/checkouts/{demo_cart(sandbox, 'with_coupon')}",
        operation="get_checkout",
        parse=parse,
        headers={"X-Auth-Token": credentials.access_token},
    )


async def test_the_answer_as_sent_maps_as_the_binding_reads_it(
    transport: Transport, sandbox: Sandbox, store: Store
) -> None:
    assert store.management is not None
    mapped = await checkout_answer(
        transport, sandbox, lambda body: checkout_from(MANAGEMENT_KEYS, body["data"])
    )
    read = await store.management.get_checkout(mapped.id)

    assert mapped == read and mapped.coupons and mapped.consignments[0].selected_shipping_option
    assert mapped.cart.line_items[0].list_price > 0 and mapped.taxes


@pytest.mark.parametrize(("where", "value"), CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
async def test_a_value_of_the_wrong_type_is_unexpected_wherever_it_is(
    transport: Transport, sandbox: Sandbox, where: tuple[str | int, ...], value: Any
) -> None:
    def parse(body: Any) -> Any:
        return checkout_from(MANAGEMENT_KEYS, corrupted(body["data"], where, value))

    with pytest.raises(UnexpectedResponse) as caught:
        await checkout_answer(transport, sandbox, parse)
    assert caught.value.operation == "get_checkout" and not caught.value.applied


async def test_options_not_asked_for_are_not_read(transport: Transport, sandbox: Sandbox) -> None:
    """Left out (as get_checkout does unless asked), a consignment's options are None, whatever they hold."""

    def parse(shipping_options: bool) -> Any:
        def read(body: Any) -> Any:
            data = body["data"]
            data["consignments"][0]["available_shipping_options"] = [{"id": 1, "cost": "wrong"}]
            return checkout_from(MANAGEMENT_KEYS, data, shipping_options=shipping_options)

        return read

    checkout = await checkout_answer(transport, sandbox, parse(False))
    assert checkout.consignments[0].available_shipping_options is None
    with pytest.raises(UnexpectedResponse):
        await checkout_answer(transport, sandbox, parse(True))
