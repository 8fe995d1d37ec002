"""A guest checkout end to end over real HTTP on loopback: management API, storefront, shopper pages."""

from __future__ import annotations

from decimal import Decimal

import httpx

from checkout_mcp.sandbox import create_sandbox
from checkout_mcp.sandbox.seed import COUPON_PERCENT, GIFT_CERTIFICATE_25, PRODUCT_MUG
from checkout_mcp.sandbox.shopper import SESSION_COOKIE
from tests.sandbox_server import running_sandbox

ADDRESS = {
    "first_name": "Jane",
    "last_name": "Doe",
    "email": "jane@example.com",
    "address1": "1 Main Street",
    "city": "San Francisco",
    "state_or_province": "California",
    "state_or_province_code": "CA",
    "country_code": "US",
    "postal_code": "94105",
}


def test_guest_checkout_over_http() -> None:
    sandbox = create_sandbox()
    credentials = sandbox.credentials
    with running_sandbox(sandbox) as base_url:
        management = httpx.Client(
            base_url=f"{base_url}/stores/{credentials.store_hash}/v3",
            headers={"X-Auth-Token": credentials.access_token},
        )
        shopper = httpx.Client(base_url=base_url)
        with management, shopper:
            cart = management.post(
                "/carts", json={"line_items": [{"product_id": PRODUCT_MUG, "quantity": 2}]}
            )
            assert cart.status_code in (200, 201)
            cart_id = cart.json()["data"]["id"]
            item_id = cart.json()["data"]["line_items"]["physical_items"][0]["id"]
            checkout = f"/checkouts/{cart_id}"

            billing = management.post(f"{checkout}/billing-address", json=ADDRESS)
            assert billing.json()["data"]["billing_address"]["email"] == ADDRESS["email"]
            consignments = management.post(
                f"{checkout}/consignments",
                params={"include": "consignments.available_shipping_options"},
                json=[{"address": ADDRESS, "line_items": [{"item_id": item_id, "quantity": 2}]}],
            )
            consignment = consignments.json()["data"]["consignments"][0]
            option = consignment["available_shipping_options"][0]
            selected = management.put(
                f"{checkout}/consignments/{consignment['id']}", json={"shipping_option_id": option["id"]}
            )
            assert (
                selected.json()["data"]["consignments"][0]["selected_shipping_option"]["id"] == option["id"]
            )
            couponed = management.post(f"{checkout}/coupons", json={"coupon_code": COUPON_PERCENT})
            assert [c["code"] for c in couponed.json()["data"]["coupons"]] == [COUPON_PERCENT]

            urls = management.post(f"/carts/{cart_id}/redirect_urls", json={}).json()["data"]
            first_visit = shopper.get(urls["checkout_url"])
            assert first_visit.status_code == 302
            assert SESSION_COOKIE in shopper.cookies
            second_visit = shopper.get(urls["checkout_url"])
            assert second_visit.status_code == 410

            paid = shopper.post(
                f"/api/storefront/checkouts/{cart_id}/gift-certificates",
                json={"giftCertificateCode": GIFT_CERTIFICATE_25},
            )
            assert paid.status_code == 200
            used = Decimal(str(paid.json()["giftCertificates"][0]["used"]))
            grand_total = Decimal(str(paid.json()["grandTotal"]))
            assert Decimal(str(paid.json()["outstandingBalance"])) == grand_total - used

            order = management.post(f"{checkout}/orders")
            order_id = order.json()["data"]["id"]
            token = management.post(f"{checkout}/token", json={"maxUses": 1, "ttl": 3600})
            checkout_token = token.json()["data"]["checkoutToken"]
            confirmation = f"/order-confirmation/{order_id}"
            shown = shopper.get(confirmation, params={"t": checkout_token})
            refused = shopper.get(confirmation, params={"t": checkout_token})

            storefront_order = shopper.get(f"/api/storefront/orders/{order_id}")

    assert shown.status_code == 200
    assert f"#{order_id}" in shown.text
    assert refused.status_code == 403
    assert storefront_order.json()["status"] == "INCOMPLETE"
    assert Decimal(str(storefront_order.json()["orderAmount"])) == grand_total
    assert sandbox.store.orders[order_id].coupon_codes == [COUPON_PERCENT]
