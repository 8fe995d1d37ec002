"""A deliberately broken answer fails the contract check, and the message says where and why."""

from __future__ import annotations

import json

import httpx
import pytest

from checkout_mcp.sandbox import seed as demo
from tests.contract.contract import ContractViolation, check_request
from tests.contract.harness import Contract
from tests.contract.operations import SF_CHECKOUT


@pytest.mark.anyio
async def test_a_corrupted_field_names_the_operation_the_field_and_the_rule(contract: Contract) -> None:
    # Through the state, as a bug in the sandbox would: a product type the spec does not have.
    contract.sandbox.store.products[demo.PRODUCT_MUG].type = "service"  # type: ignore[assignment]
    with pytest.raises(ContractViolation) as caught:
        await contract.call("GET", f"{contract.v3}/catalog/products/{demo.PRODUCT_MUG}")
    message = str(caught.value)
    assert message.startswith("getProduct (products_catalog.v3.yml GET /catalog/products/{product_id})")
    assert "data.type: enum ('service' is not one of ['physical', 'digital'])" in message


@pytest.mark.anyio
async def test_a_corrupted_amount_in_a_checkout_is_caught(contract: Contract) -> None:
    ready = contract.sandbox.store.carts[contract.cart("ready")]
    ready.line_items[0].sku = None  # type: ignore[assignment]
    with pytest.raises(
        ContractViolation, match=r"getCheckout .* data\.cart\.line_items\.physical_items\.0\.sku: type"
    ):
        await contract.call("GET", f"{contract.v3}/checkouts/{ready.id}")


def test_a_request_the_spec_refuses_is_caught_too() -> None:
    body = json.dumps({"customerMessage": 5}).encode()
    path = "/api/storefront/checkouts/306d57d7-124e-4112-82cd-35e060c0d4d9"
    request = httpx.Request(
        "PUT", f"http://sandbox.test{path}", content=body, headers={"content-type": "application/json"}
    )
    with pytest.raises(ContractViolation) as caught:
        check_request(f"PUT {SF_CHECKOUT}", request, body)
    assert str(caught.value) == (
        "updateCheckout (checkouts.sf.yml PUT /checkouts/{checkoutId}) was sent a request the spec refuses: "
        "customerMessage: type (5 is not of type 'string')"
    )
