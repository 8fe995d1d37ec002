"""Store: which surface serves each operation, and how it is built for the sandbox and a live store."""

from __future__ import annotations

import pytest

from checkout_mcp.bigcommerce.errors import OperationNotSupported
from checkout_mcp.bigcommerce.store import OPERATIONS, ManagementSettings, Store, StorefrontSettings
from checkout_mcp.sandbox import Sandbox
from tests.bigcommerce.conftest import demo_cart

pytestmark = pytest.mark.anyio

MANAGEMENT = ManagementSettings(api_url="https://api.example.test", store_hash="abc123", access_token="t0ken")
STOREFRONT = StorefrontSettings(storefront_url="https://shop.example.test")


def test_the_operation_catalogue_is_the_binding_protocol() -> None:
    assert len(OPERATIONS) == 27
    assert {"get_checkout", "create_order", "finalize_order", "list_checkouts"} <= OPERATIONS
    assert {
        "list_orders",
        "update_order_status",
        "search_products",
        "get_product",
        "list_variants",
    } <= OPERATIONS


async def test_both_surfaces_prefer_management(store: Store) -> None:
    assert store.binding_for("get_checkout") is store.management
    assert store.binding_for("create_checkout_token") is store.management
    assert store.binding_for("list_checkouts") is store.storefront
    assert store.binding_for("apply_gift_certificate") is store.storefront
    assert all(store.supports(operation) for operation in OPERATIONS)


async def test_management_only_store_refuses_storefront_operations() -> None:
    async with Store.connect(management=MANAGEMENT) as store:
        assert store.binding_for("create_order").surface == "management"
        assert store.supports("list_orders") and store.supports("update_order_status")
        assert not store.supports("finalize_order")
        with pytest.raises(OperationNotSupported, match="configured management API does not offer it"):
            store.binding_for("finalize_order")


async def test_storefront_only_store_serves_what_it_has() -> None:
    async with Store.connect(storefront=STOREFRONT) as store:
        assert store.binding_for("get_checkout").surface == "storefront"
        assert store.supports("list_payment_methods")
        assert not store.supports("create_cart_redirect_urls")
        assert not store.supports("list_orders") and not store.supports("update_order_status")
        with pytest.raises(OperationNotSupported):
            store.binding_for("create_checkout_token")


async def test_unknown_operations_are_refused(store: Store) -> None:
    assert not store.supports("delete_store")
    with pytest.raises(OperationNotSupported, match="not a checkout operation"):
        store.binding_for("delete_store")


def test_a_store_needs_a_surface() -> None:
    with pytest.raises(ValueError, match="at least one API surface"):
        Store.connect()


def test_settings_keep_the_token_secret() -> None:
    assert "t0ken" not in repr(MANAGEMENT) and "t0ken" not in str(MANAGEMENT)


async def test_sandbox_store_uses_the_sandbox_credentials(store: Store, sandbox: Sandbox) -> None:
    binding = store.binding_for("get_checkout")
    checkout = await binding.get_checkout(demo_cart(sandbox, "ready"))
    assert checkout.id == demo_cart(sandbox, "ready")
    assert sandbox.credentials.access_token not in repr(binding)


async def test_sandbox_store_with_one_surface(sandbox: Sandbox) -> None:
    async with Store.for_sandbox(sandbox, surfaces=["storefront"]) as store:
        assert store.management is None
        assert store.binding_for("get_checkout") is store.storefront
        assert not store.supports("create_checkout_token")
