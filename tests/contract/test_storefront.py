"""Every Storefront API route the sandbox serves, its success and its documented errors, checked
against carts.sf.yml, checkouts.sf.yml, orders.sf.yml and, for the seed-only operations, seed 004."""

from __future__ import annotations

from typing import Any

import pytest

from checkout_mcp.sandbox import seed as demo
from tests.contract.harness import Contract, covers
from tests.contract.operations import SF, SF_CHECKOUT

pytestmark = pytest.mark.anyio

BILLING = f"{SF_CHECKOUT}/billing-address"
BILLING_ID = f"{BILLING}/{{addressId}}"
CONSIGNMENTS = f"{SF_CHECKOUT}/consignments"
CONSIGNMENT = f"{CONSIGNMENTS}/{{consignmentId}}"
OPTIONS = f"{SF_CHECKOUT}/shipping-addresses/{{consignmentId}}/options"
ITEM = f"{SF_CHECKOUT}/carts/{{cartId}}/items/{{itemId}}"
ORDER = f"{SF}/orders/{{orderId:int}}"
ADDRESS = {
    "firstName": "Ann",
    "lastName": "Smith",
    "email": "ann@example.com",
    "address1": "1 Queen St",
    "city": "London",
    "countryCode": "GB",
    "postalCode": "SW1A 1AA",
    "phone": "+442071234567",
}


async def new_checkout(contract: Contract, *items: dict[str, Any]) -> dict[str, Any]:
    """A cart in this shopper's session (POST /carts starts the session)."""
    lines = list(items) or [{"productId": demo.PRODUCT_MUG, "quantity": 2}]
    return (await contract.call("POST", f"{SF}/carts", {"lineItems": lines})).json()


@covers(
    (f"POST {SF}/carts", 200),
    (f"GET {SF}/checkouts", 200),
    (f"GET {SF_CHECKOUT}", 200),
    (f"PUT {SF_CHECKOUT}", 200),
    (f"PUT {ITEM}", 200),
    (f"DELETE {ITEM}", 200),
    (f"POST {BILLING}", 200),
    (f"PUT {BILLING_ID}", 200),
    (f"POST {CONSIGNMENTS}", 200),
    (f"PUT {CONSIGNMENT}", 200),
    (f"DELETE {CONSIGNMENT}", 200),
    (f"GET {OPTIONS}", 200),
    (f"PUT {OPTIONS}/{{optionId}}", 200),
    (f"GET {SF_CHECKOUT}/payments", 200),
    (f"POST {SF_CHECKOUT}/gift-certificates", 200),
    (f"DELETE {SF_CHECKOUT}/gift-certificates/{{code}}", 200),
    (f"POST {SF_CHECKOUT}/coupons", 200),
    (f"DELETE {SF_CHECKOUT}/coupons/{{code}}", 200),
    (f"POST {SF_CHECKOUT}/order", 201),
    (f"GET {ORDER}", 200),
    (f"PUT {ORDER}", 200),
)
async def test_guest_checkout_walk(contract: Contract) -> None:
    cart = await new_checkout(
        contract,
        {"productId": demo.PRODUCT_MUG, "quantity": 2},
        {"productId": demo.PRODUCT_EBOOK, "quantity": 1},
    )
    checkout = f"{SF}/checkouts/{cart['id']}"
    mug, ebook = cart["lineItems"]["physicalItems"][0]["id"], cart["lineItems"]["digitalItems"][0]["id"]
    await contract.call("GET", f"{SF}/checkouts")
    await contract.call("GET", checkout, params={"include": "consignments.availableShippingOptions"})
    await contract.call("PUT", checkout, {"customerMessage": "Please ring twice"})
    item = f"{checkout}/carts/{cart['id']}/items"
    await contract.call("PUT", f"{item}/{mug}", {"lineItem": {"productId": demo.PRODUCT_MUG, "quantity": 3}})
    await contract.call("DELETE", f"{item}/{ebook}")
    billed = await contract.call("POST", f"{checkout}/billing-address", ADDRESS)
    address_id = billed.json()["billingAddress"]["id"]
    await contract.call("PUT", f"{checkout}/billing-address/{address_id}", {**ADDRESS, "firstName": "Anne"})
    lines = [{"itemId": mug, "quantity": 3}]
    first = await contract.call(
        "POST", f"{checkout}/consignments", [{"address": ADDRESS, "lineItems": lines}]
    )
    await contract.call("DELETE", f"{checkout}/consignments/{first.json()['consignments'][0]['id']}")
    shipped = await contract.call(
        "POST", f"{checkout}/consignments", [{"address": ADDRESS, "lineItems": lines}]
    )
    consignment = shipped.json()["consignments"][0]["id"]
    await contract.call(
        "PUT", f"{checkout}/consignments/{consignment}", {"address": ADDRESS, "lineItems": lines}
    )
    options = f"{checkout}/shipping-addresses/{consignment}/options"
    await contract.call("GET", options)
    await contract.call("PUT", f"{options}/gb-standard")
    await contract.call("GET", f"{checkout}/payments")
    await contract.call("POST", f"{checkout}/coupons", {"couponCode": demo.COUPON_PERCENT})
    await contract.call("DELETE", f"{checkout}/coupons/{demo.COUPON_PERCENT}")
    await contract.call(
        "POST", f"{checkout}/gift-certificates", {"giftCertificateCode": demo.GIFT_CERTIFICATE_25}
    )
    await contract.call("DELETE", f"{checkout}/gift-certificates/{demo.GIFT_CERTIFICATE_25}")
    placed = await contract.call("POST", f"{checkout}/order", {"customerMessage": "Thanks"})
    order = f"{SF}/orders/{placed.json()['data']['order']['orderId']}"
    await contract.call("GET", order)
    await contract.call("PUT", order)
    await contract.call("GET", order)  # finalized


@covers(
    (f"POST {SF}/carts", 200),
    (f"GET {SF_CHECKOUT}", 400),
    (f"PUT {SF_CHECKOUT}", 409),
    (f"POST {BILLING}", 200),
    (f"POST {BILLING}", 403),
    (f"POST {BILLING}", 409),
    (f"PUT {BILLING_ID}", 403),
    (f"PUT {BILLING_ID}", 409),
    (f"POST {CONSIGNMENTS}", 200),
    (f"POST {CONSIGNMENTS}", 409),
    (f"PUT {CONSIGNMENT}", 409),
    (f"DELETE {CONSIGNMENT}", 409),
    (f"POST {SF_CHECKOUT}/gift-certificates", 404),
    (f"POST {SF_CHECKOUT}/coupons", 409),
    (f"DELETE {SF_CHECKOUT}/coupons/{{code}}", 409),
)
async def test_documented_errors(contract: Contract) -> None:
    cart = await new_checkout(contract)
    checkout = f"{SF}/checkouts/{cart['id']}"
    await contract.call("GET", checkout, params={"include": "everything"})
    billed = (await contract.call("POST", f"{checkout}/billing-address", ADDRESS)).json()
    address_id = billed["billingAddress"]["id"]
    registered = {**ADDRESS, "email": demo.REGISTERED_EMAIL}
    await contract.call("POST", f"{checkout}/billing-address", registered)
    await contract.call("PUT", f"{checkout}/billing-address/{address_id}", registered)
    lines = [{"itemId": cart["lineItems"]["physicalItems"][0]["id"], "quantity": 2}]
    shipped = await contract.call(
        "POST", f"{checkout}/consignments", [{"address": ADDRESS, "lineItems": lines}]
    )
    consignment = shipped.json()["consignments"][0]["id"]
    stale = {"version": shipped.json()["version"] - 1}
    await contract.call("PUT", checkout, {"customerMessage": "hi", **stale})
    await contract.call("POST", f"{checkout}/billing-address", {**ADDRESS, **stale})
    await contract.call("PUT", f"{checkout}/billing-address/{address_id}", {**ADDRESS, **stale})
    await contract.call(
        "POST", f"{checkout}/consignments", [{"address": ADDRESS, "lineItems": lines, **stale}]
    )
    await contract.call("PUT", f"{checkout}/consignments/{consignment}", {"address": ADDRESS, **stale})
    await contract.call("DELETE", f"{checkout}/consignments/{consignment}", stale)
    await contract.call("POST", f"{checkout}/gift-certificates", {"giftCertificateCode": "GIFT-NOPE"})
    await contract.call("POST", f"{checkout}/coupons", {"couponCode": demo.COUPON_FIXED, **stale})
    await contract.call("DELETE", f"{checkout}/coupons/{demo.COUPON_FIXED}", stale)


@covers((f"POST {SF}/carts", 200), (f"POST {BILLING}", 429), (f"PUT {BILLING_ID}", 429))
async def test_rate_limited_billing_address(contract: Contract) -> None:
    """checkouts.sf.yml documents a 429 for the billing address (the email lookup is rate limited);
    the sandbox's one quota answers it once the window is used up."""
    cart = await new_checkout(contract)
    checkout = f"{SF}/checkouts/{cart['id']}"
    contract.sandbox.rate_limiter.configure(quota=1, window_ms=60_000)
    contract.sandbox.rate_limiter.take()
    await contract.call("POST", f"{checkout}/billing-address", ADDRESS)
    await contract.call("PUT", f"{checkout}/billing-address/any", ADDRESS)
