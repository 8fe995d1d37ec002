"""An order attempt whose server died before it heard the store's answer: its post may still land.

The attempt is left in the shared ledger as the dead server left it (in flight), with the time it
began. A later create_order on that checkout settles it from the store's orders, but a recent one
with no order yet is not settled as "none" (its request may still reach the store): nothing is
posted and the agent is told when to call again.
"""

from __future__ import annotations

import time

import pytest
from mcp.client.client import Client

from checkout_mcp.policy.ledger import OrderKey, SharedOrderLedger
from checkout_mcp.server.build import Runtime
from tests.common import orders, ready
from tests.tools.conftest import call, fail

pytestmark = pytest.mark.anyio


def dead_attempt(runtime: Runtime, checkout_id: str, seconds_ago: float) -> None:
    """An attempt begun `seconds_ago` by a server that then died (never recorded or released)."""
    ledger = SharedOrderLedger(runtime.state, now=lambda: time.time() - seconds_ago)
    ledger.begin(OrderKey.for_idempotency_key(runtime.gate.tools.store_identity, checkout_id, "dead"))


async def test_a_recent_dead_attempt_with_no_order_yet_holds_back_a_new_post(
    runtime: Runtime, client: Client
) -> None:
    checkout_id = ready(runtime)
    before = orders(runtime)
    dead_attempt(runtime, checkout_id, seconds_ago=1)
    message = await fail(client, "create_order", checkout_id=checkout_id)
    assert "may still reach the store" in message and "Nothing was sent" in message
    assert "Call create_order again in" in message
    assert orders(runtime) == before


async def test_an_old_dead_attempt_with_no_order_is_settled_as_none_and_the_order_is_made(
    runtime: Runtime, client: Client
) -> None:
    checkout_id = ready(runtime)
    before = orders(runtime)
    dead_attempt(runtime, checkout_id, seconds_ago=runtime.gate.tools.settle_after_seconds + 1)
    made = await call(client, "create_order", checkout_id=checkout_id)
    assert made["how"] == "created" and orders(runtime) == before + 1
