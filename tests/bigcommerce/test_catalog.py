"""The management binding's catalog reads against the sandbox: typed products and variants."""

from __future__ import annotations

from decimal import Decimal

import pytest

from checkout_mcp.bigcommerce.errors import InvalidIdentifier, NotFound
from checkout_mcp.bigcommerce.management import ManagementBinding
from checkout_mcp.bigcommerce.models import NewLineItem
from checkout_mcp.bigcommerce.store import Store
from checkout_mcp.sandbox import Sandbox
from tests.bigcommerce.conftest import MUG, MUG_PRICE, requests_seen, watch_all_requests

pytestmark = pytest.mark.anyio
TEE, HOODIE = 101, 102


@pytest.fixture
def api(store: Store) -> ManagementBinding:
    assert store.management is not None
    return store.management


async def test_search_products_pages_and_filters(api: ManagementBinding, sandbox: Sandbox) -> None:
    first = await api.search_products(limit=5)
    assert (first.total, first.page, first.total_pages) == (len(sandbox.store.products), 1, 5)
    assert [p.id for p in first.products] == sorted(sandbox.store.products)[:5]
    assert all(p.variants is None and p.image_url for p in first.products)

    (mug,) = (await api.search_products(keyword="ceramic")).products
    assert (mug.id, mug.price, mug.inventory_tracking, mug.purchasable) == (MUG, MUG_PRICE, "product", True)
    assert isinstance(mug.price, Decimal)
    assert mug.inventory_level == sandbox.store.products[MUG].inventory_level
    assert [p.id for p in (await api.search_products(ids=[TEE, MUG], include_variants=True)).products] == [
        TEE,
        MUG,
    ]
    hidden = await api.search_products(is_visible=False)
    assert [(p.id, p.is_visible) for p in hidden.products] == [(120, False)]
    assert (await api.search_products(sku="SKU-104", name="Ceramic Mug")).total == 1


async def test_get_product_carries_its_variants(api: ManagementBinding) -> None:
    tee = await api.get_product(TEE)
    assert tee.variants is not None and len(tee.variants) == 6
    assert tee.base_variant_id is None and tee.inventory_tracking == "variant"
    m_black = tee.variants[2]
    assert {(o.option, o.value) for o in m_black.options} == {("Size", "M"), ("Color", "Black")}
    assert m_black.price == Decimal("25.00") and m_black.purchasable
    assert tee.inventory_level == sum(v.inventory_level or 0 for v in tee.variants)


async def test_list_variants_marks_what_cannot_be_bought(api: ManagementBinding) -> None:
    hoodie = await api.list_variants(HOODIE)
    assert [v.purchasable for v in hoodie] == [True, True, True, False]
    (base,) = await api.list_variants(MUG)
    assert base.id == (await api.get_product(MUG)).base_variant_id and base.options == []


async def test_a_variant_from_the_catalog_fills_a_cart(api: ManagementBinding) -> None:
    tee = await api.get_product(TEE)
    assert tee.variants is not None
    variant = tee.variants[0]
    cart = await api.create_cart([NewLineItem(product_id=TEE, variant_id=variant.id, quantity=1)])
    (line,) = cart.line_items
    assert (line.variant_id, line.sku, line.list_price) == (variant.id, variant.sku, variant.price)


async def test_catalog_ids_are_checked_before_sending(api: ManagementBinding, sandbox: Sandbox) -> None:
    with pytest.raises(NotFound):
        await api.get_product(999)
    watch_all_requests(sandbox)
    with pytest.raises(InvalidIdentifier, match="product id"):
        await api.get_product(0)
    with pytest.raises(InvalidIdentifier, match="product id"):
        await api.search_products(ids=[1, -2])
    with pytest.raises(ValueError, match="limit"):
        await api.search_products(limit=0)
    assert requests_seen(sandbox) == 0
