"""Typed errors carry status, title and field errors; ids are checked before sending; no secrets."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from checkout_mcp.bigcommerce import errors
from checkout_mcp.bigcommerce.errors import (
    Conflict,
    InvalidIdentifier,
    NotFound,
    Unauthorized,
    UnexpectedResponse,
    Unprocessable,
)
from checkout_mcp.bigcommerce.management import ManagementBinding
from checkout_mcp.bigcommerce.models import ConsignmentItem
from checkout_mcp.bigcommerce.store import SANDBOX_BASE_URL, Store
from checkout_mcp.bigcommerce.transport import Transport
from checkout_mcp.sandbox import Sandbox
from tests.bigcommerce.conftest import (
    MUG,
    UNKNOWN_CHECKOUT,
    demo_cart,
    requests_seen,
    shipping_address,
    watch_all_requests,
)

pytestmark = pytest.mark.anyio

BAD_UUIDS = ["not-a-uuid", "../../v2/orders", "", "306d57d7-124e-4112-82cd-35e060c0d4d9/../x"]


async def test_not_found_carries_status_title_and_advice(store: Store) -> None:
    assert store.management is not None
    with pytest.raises(NotFound) as caught:
        await store.management.get_checkout(UNKNOWN_CHECKOUT)

    error = caught.value
    assert (error.status, error.operation, error.retryable) == (404, "get_checkout", False)
    assert error.title.endswith("not found")
    assert f'get_checkout failed: BigCommerce answered 404 the store said «"{error.title}"»' in str(error)
    assert "Check the id" in str(error)


async def test_unprocessable_carries_field_errors(store: Store, sandbox: Sandbox) -> None:
    assert store.management is not None
    with pytest.raises(Unprocessable) as caught:
        await store.management.apply_coupon(demo_cart(sandbox, "ready"), "EXPIRED20")

    error = caught.value
    assert error.status == 422
    assert error.title == "The coupon code 'EXPIRED20' has expired."
    assert error.field_errors == {"coupon_code": "Expired."}
    assert "coupon_code: Expired." in str(error)


async def test_conflict_on_a_stale_version(sandbox: Sandbox) -> None:
    """The bindings send no version; the transport still maps the store's 409 when a caller does."""
    transport = Transport(SANDBOX_BASE_URL, app=sandbox.app)
    credentials = sandbox.credentials
    path = f"/stores/{credentials.store_hash}/v3/checkouts/{demo_cart(sandbox, 'ready')}"
    try:
        with pytest.raises(Conflict) as caught:
            await transport.request(
                "PUT",
                path,
                operation="update_customer_message",
                parse=lambda body: body,
                json_body={"customer_message": "late", "version": 0},
                headers={"X-Auth-Token": credentials.access_token},
            )
    finally:
        await transport.aclose()
    assert caught.value.status == 409
    assert caught.value.title.startswith("The request cannot be processed due to a possible conflict")
    assert "get_checkout" in str(caught.value)


async def test_an_unreadable_success_is_an_error_not_a_wrong_value(sandbox: Sandbox) -> None:
    transport = Transport(SANDBOX_BASE_URL, app=sandbox.app)
    credentials = sandbox.credentials
    auth = {"X-Auth-Token": credentials.access_token}
    carts_path = f"/stores/{credentials.store_hash}/v3/carts"
    try:
        with pytest.raises(UnexpectedResponse) as read:
            await transport.request(
                "GET",
                f"{carts_path}/{demo_cart(sandbox, 'ready')}",
                operation="get_cart",
                parse=lambda b: b["cart"],
                headers=auth,
            )
        with pytest.raises(UnexpectedResponse) as written:
            await transport.request(
                "POST",
                carts_path,
                operation="create_cart",
                parse=lambda body: body["cart"],
                json_body={"line_items": [{"product_id": MUG, "quantity": 1}]},
                headers=auth,
                if_ambiguous="List the carts before creating another.",
            )
    finally:
        await transport.aclose()
    assert not read.value.applied and not read.value.retryable and "(KeyError)" in str(read.value)
    assert written.value.applied and "List the carts before creating another." in str(written.value)


async def test_wrong_token_is_unauthorized_and_never_echoed(sandbox: Sandbox) -> None:
    wrong = "wrong-token-0123456789abcdef"
    transport = Transport(SANDBOX_BASE_URL, app=sandbox.app)
    binding = ManagementBinding(transport, sandbox.credentials.store_hash, SecretStr(wrong))
    try:
        with pytest.raises(Unauthorized) as caught:
            await binding.get_checkout(demo_cart(sandbox, "ready"))
    finally:
        await transport.aclose()
    assert caught.value.status == 401
    for text in (str(caught.value), repr(caught.value), repr(binding)):
        assert wrong not in text


async def test_read_only_token_cannot_write(sandbox: Sandbox) -> None:
    transport = Transport(SANDBOX_BASE_URL, app=sandbox.app)
    binding = ManagementBinding(
        transport, sandbox.credentials.store_hash, sandbox.credentials.read_only_token
    )
    try:
        checkout = await binding.get_checkout(demo_cart(sandbox, "ready"))
        with pytest.raises(Unauthorized) as caught:
            await binding.update_customer_message(checkout.id, "hello")
    finally:
        await transport.aclose()
    assert caught.value.status == 403
    assert sandbox.credentials.read_only_token not in str(caught.value)


async def test_access_token_is_not_in_errors_or_logs(
    store: Store, sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    assert store.management is not None
    sandbox.faults.add({"match": "GET /stores/**", "kind": "503", "times": 1})
    caplog.set_level("DEBUG")
    with pytest.raises(NotFound) as caught:
        await store.management.get_checkout(UNKNOWN_CHECKOUT)
    token = sandbox.credentials.access_token
    assert "retrying" in caplog.text
    assert token not in caplog.text
    assert token not in str(caught.value) and token not in repr(caught.value)
    assert token not in repr(store.management)


@pytest.mark.parametrize("bad_id", BAD_UUIDS)
async def test_invalid_checkout_ids_never_leave_the_process(
    store: Store, sandbox: Sandbox, bad_id: str
) -> None:
    assert store.management is not None and store.storefront is not None
    watch_all_requests(sandbox)
    for call in (
        store.management.get_checkout(bad_id),
        store.management.create_order(bad_id),
        store.management.create_cart_redirect_urls(bad_id),
        store.storefront.get_checkout(bad_id),
        store.storefront.remove_cart_item(bad_id, "item"),
    ):
        with pytest.raises(InvalidIdentifier) as caught:
            await call
        if bad_id:
            assert bad_id not in str(caught.value)
    assert requests_seen(sandbox) == 0


@pytest.mark.parametrize("bad_segment", ["", " ", ".", "..", "x" * 256])
async def test_invalid_segments_never_leave_the_process(
    store: Store, sandbox: Sandbox, bad_segment: str
) -> None:
    assert store.management is not None and store.storefront is not None
    checkout_id = demo_cart(sandbox, "ready")
    watch_all_requests(sandbox)
    item = [ConsignmentItem(item_id="x", quantity=1)]
    for call in (
        store.management.remove_coupon(checkout_id, bad_segment),
        store.management.select_shipping_option(checkout_id, bad_segment, "us-standard"),
        store.management.update_shipping_address(checkout_id, bad_segment, shipping_address(), item),
        store.storefront.remove_gift_certificate(checkout_id, bad_segment),
        store.storefront.select_shipping_option(checkout_id, "abc", bad_segment),
    ):
        with pytest.raises(InvalidIdentifier):
            await call
    assert requests_seen(sandbox) == 0


@pytest.mark.parametrize("bad_order", [0, -1, True])
async def test_invalid_order_ids_never_leave_the_process(
    store: Store, sandbox: Sandbox, bad_order: int
) -> None:
    assert store.management is not None and store.storefront is not None
    watch_all_requests(sandbox)
    with pytest.raises(InvalidIdentifier):
        await store.management.get_order(bad_order)
    with pytest.raises(InvalidIdentifier):
        await store.storefront.finalize_order(bad_order)
    assert requests_seen(sandbox) == 0


async def test_codes_are_escaped_into_one_path_segment(store: Store, sandbox: Sandbox) -> None:
    """'?' and '#' in a code stay inside the coupon segment: the store looks up that exact code."""
    assert store.management is not None
    with pytest.raises(NotFound) as caught:
        await store.management.remove_coupon(demo_cart(sandbox, "ready"), "SAVE10?x=1#frag")
    assert caught.value.title == "Coupon not found"


def test_every_client_error_has_the_one_base() -> None:
    """Callers catch `ClientError` alone (the tree in errors.py's docstring)."""
    classes = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, Exception)]
    assert all(issubclass(c, errors.ClientError) for c in classes)
    assert issubclass(errors.InvalidIdentifier, ValueError)  # callers that catch ValueError still do
