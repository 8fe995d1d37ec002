"""Fixtures for the BigCommerce client tests: a fresh seeded sandbox and a Store wired to it in-process."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from checkout_mcp.bigcommerce.models import AddressInput, NewLineItem
from checkout_mcp.bigcommerce.store import Store
from checkout_mcp.bigcommerce.transport import RetryPolicy
from checkout_mcp.sandbox import Sandbox, create_sandbox

UNKNOWN_CHECKOUT = "00000000-0000-4000-8000-000000000000"
MUG, EBOOK, STICKERS = 104, 108, 121
MUG_PRICE = Decimal("12.99")
# Fast, deterministic retries for tests: waits advance the sandbox clock, never the wall clock.
TEST_RETRY = RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=8.0, max_total_wait=45.0)


def shipping_address(**changes: str) -> AddressInput:
    fields = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "address1": "1 Analytical Way",
        "city": "Sacramento",
        "state_or_province": "California",
        "state_or_province_code": "CA",
        "country_code": "US",
        "postal_code": "95814",
        "phone": "+19165550100",
    }
    return AddressInput(**{**fields, **changes})


def mugs(quantity: int = 2) -> list[NewLineItem]:
    return [NewLineItem(product_id=MUG, quantity=quantity)]


@pytest.fixture
def sandbox() -> Sandbox:
    return create_sandbox(seed=7)


@pytest.fixture
async def store(sandbox: Sandbox) -> AsyncIterator[Store]:
    async with Store.for_sandbox(sandbox, retry=TEST_RETRY, rng=random.Random(1)) as store:
        yield store


def demo_cart(sandbox: Sandbox, label: str) -> str:
    return sandbox.store.demo_carts[label]


def watch_all_requests(sandbox: Sandbox) -> None:
    """A fault rule that matches every API request; its `fired` count shows whether anything arrived."""
    sandbox.faults.add({"match": "re:.*", "kind": "500"})


def requests_seen(sandbox: Sandbox) -> int:
    return sum(rule["fired"] for rule in sandbox.faults.active())
