"""The storefront surface: camelCase checkouts, the shopper session, versions, orders and finalizing."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from checkout_mcp.sandbox import Sandbox, create_sandbox
from checkout_mcp.sandbox.seed import (
    COUPON_FREE_SHIPPING,
    COUPON_PERCENT,
    GIFT_CERTIFICATE_25,
    PRODUCT_EBOOK,
    PRODUCT_MUG,
    REGISTERED_EMAIL,
)
from checkout_mcp.sandbox.shopper import SESSION_COOKIE

API = "/api/storefront"
ADDRESS = {
    "firstName": "Jane",
    "lastName": "Doe",
    "email": "jane@example.com",
    "address1": "1 Main Street",
    "city": "San Francisco",
    "stateOrProvinceCode": "CA",
    "countryCode": "US",
    "postalCode": "94105",
}
CHECKOUT_KEYS = {  # billingAddress and orderId only once there are some (never null, per the spec)
    "id", "cart", "consignments", "coupons", "shippingCostTotal",
    "giftWrappingCostTotal", "handlingCostTotal", "taxTotal", "taxes", "subtotal", "grandTotal",
    "giftCertificates", "isStoreCreditApplied", "outstandingBalance", "customerMessage", "version",
    "createdTime", "updatedTime",
}  # fmt: skip


def client(sandbox: Sandbox) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox.app), base_url="http://sandbox.test")


def decimal_json(response: httpx.Response) -> Any:
    return json.loads(response.text, parse_float=Decimal)


async def new_checkout(http: httpx.AsyncClient) -> dict[str, Any]:
    items = [{"productId": PRODUCT_MUG, "quantity": 2}, {"productId": PRODUCT_EBOOK, "quantity": 1}]
    created = await http.post(f"{API}/carts", json={"lineItems": items})
    assert created.status_code == 200
    return created.json()


async def ready_checkout(http: httpx.AsyncClient) -> tuple[str, str]:
    """A checkout with billing address, consignment and shipping option: (checkout id, consignment id)."""
    cart = await new_checkout(http)
    checkout = f"{API}/checkouts/{cart['id']}"
    await http.post(f"{checkout}/billing-address", json=ADDRESS)
    mug = cart["lineItems"]["physicalItems"][0]["id"]
    added = await http.post(
        f"{checkout}/consignments", json=[{"address": ADDRESS, "lineItems": [{"itemId": mug, "quantity": 2}]}]
    )
    consignment = added.json()["consignments"][0]["id"]
    selected = await http.put(f"{checkout}/shipping-addresses/{consignment}/options/us-standard")
    assert selected.status_code == 200
    return cart["id"], consignment


@pytest.mark.anyio
async def test_create_cart_starts_a_session_and_returns_the_cart() -> None:
    async with client(create_sandbox()) as http:
        cart = await new_checkout(http)
        assert SESSION_COOKIE in http.cookies
        checkout = await http.get(f"{API}/checkouts/{cart['id']}")
    assert cart["currency"]["code"] == "USD"
    assert [i["productId"] for i in cart["lineItems"]["physicalItems"]] == [PRODUCT_MUG]
    assert [i["productId"] for i in cart["lineItems"]["digitalItems"]] == [PRODUCT_EBOOK]
    assert set(checkout.json()) >= CHECKOUT_KEYS
    assert checkout.json()["cart"]["id"] == cart["id"] == checkout.json()["id"]


@pytest.mark.anyio
async def test_money_is_exact_json_numbers() -> None:
    async with client(create_sandbox()) as http:
        cart = await new_checkout(http)
        checkout = await http.get(f"{API}/checkouts/{cart['id']}")
    body = decimal_json(checkout)
    mug = body["cart"]["lineItems"]["physicalItems"][0]
    assert isinstance(body["grandTotal"], Decimal)
    assert mug["extendedListPrice"] == mug["listPrice"] * 2
    assert body["subtotal"] == sum(
        (
            i["extendedListPrice"]
            for kind in ("physicalItems", "digitalItems")
            for i in body["cart"]["lineItems"][kind]
        ),
        Decimal(0),
    )


@pytest.mark.anyio
async def test_a_checkout_outside_the_session_is_404() -> None:
    sandbox = create_sandbox()
    async with client(sandbox) as owner, client(sandbox) as stranger:
        cart = await new_checkout(owner)
        anonymous = await stranger.get(f"{API}/checkouts/{cart['id']}")
        await new_checkout(stranger)
        other_session = await stranger.get(f"{API}/checkouts/{cart['id']}")
        write = await stranger.post(
            f"{API}/checkouts/{cart['id']}/coupons", json={"couponCode": COUPON_PERCENT}
        )
        server_cart = next(iter(sandbox.store.carts))
        management_cart = await owner.get(f"{API}/checkouts/{server_cart}")
        listed = await owner.get(f"{API}/checkouts")
    assert anonymous.status_code == other_session.status_code == write.status_code == 404
    assert anonymous.json()["status"] == 404
    assert anonymous.json()["title"] == "Checkout not found"
    assert management_cart.status_code == 404
    assert [c["id"] for c in listed.json()["data"]] == [cart["id"]]


@pytest.mark.anyio
async def test_version_guards_writes() -> None:
    async with client(create_sandbox()) as http:
        cart = await new_checkout(http)
        checkout = f"{API}/checkouts/{cart['id']}"
        version = (await http.get(checkout)).json()["version"]
        stale = await http.put(checkout, json={"customerMessage": "late", "version": version - 1})
        fresh = await http.put(checkout, json={"customerMessage": "Leave at the door", "version": version})
    assert stale.status_code == 409
    assert stale.json()["title"].startswith("The request cannot be processed due to a possible conflict")
    assert fresh.status_code == 200
    assert fresh.json()["customerMessage"] == "Leave at the door"
    assert fresh.json()["version"] == version + 1


@pytest.mark.anyio
async def test_items_update_and_remove() -> None:
    async with client(create_sandbox()) as http:
        cart = await new_checkout(http)
        mug = cart["lineItems"]["physicalItems"][0]["id"]
        ebook = cart["lineItems"]["digitalItems"][0]["id"]
        item = f"{API}/checkouts/{cart['id']}/carts/{cart['id']}/items"
        updated = await http.put(
            f"{item}/{mug}", json={"lineItem": {"productId": PRODUCT_MUG, "quantity": 5}}
        )
        removed = await http.delete(f"{item}/{ebook}")
        wrong_cart = await http.delete(f"{API}/checkouts/{cart['id']}/carts/not-this-one/items/{mug}")
        last = await http.delete(f"{item}/{mug}")
        gone = await http.get(f"{API}/checkouts/{cart['id']}")
    assert updated.json()["cart"]["lineItems"]["physicalItems"][0]["quantity"] == 5
    assert removed.json()["cart"]["lineItems"]["digitalItems"] == []
    assert wrong_cart.status_code == 404
    assert last.status_code == 204
    assert gone.status_code == 404


@pytest.mark.anyio
async def test_addresses_consignments_and_shipping_options() -> None:
    async with client(create_sandbox()) as http:
        checkout_id, consignment = await ready_checkout(http)
        checkout = f"{API}/checkouts/{checkout_id}"
        body = (await http.get(f"{checkout}?include=consignments.availableShippingOptions")).json()
        billing_id = body["billingAddress"]["id"]
        renamed = await http.put(
            f"{checkout}/billing-address/{billing_id}", json={**ADDRESS, "firstName": "Ann"}
        )
        options = await http.get(f"{checkout}/shipping-addresses/{consignment}/options")
        express = await http.put(
            f"{checkout}/consignments/{consignment}", json={"shippingOptionId": "us-express"}
        )
        bad_option = await http.put(
            f"{checkout}/consignments/{consignment}", json={"shippingOptionId": "nope"}
        )
        deleted = await http.delete(f"{checkout}/consignments/{consignment}")
    shipped = body["consignments"][0]
    assert body["billingAddress"]["countryCode"] == "US"
    assert shipped["selectedShippingOption"]["id"] == "us-standard"
    assert {o["id"] for o in shipped["availableShippingOptions"]} >= {"us-standard", "us-express"}
    assert Decimal(str(body["shippingCostTotal"])) == Decimal(str(shipped["selectedShippingOption"]["cost"]))
    assert renamed.json()["billingAddress"]["firstName"] == "Ann"
    listed = options.json()["data"]["shippingOptions"][consignment]
    assert [o["id"] for o in listed if o["selected"]] == ["us-standard"]
    assert express.json()["consignments"][0]["selectedShippingOption"]["id"] == "us-express"
    assert "availableShippingOptions" not in express.json()["consignments"][0]
    assert bad_option.status_code == 422
    assert deleted.json()["consignments"] == []


@pytest.mark.anyio
async def test_get_checkout_includes_the_shipping_options_unless_asked_otherwise() -> None:
    """checkouts.sf.yml: `include` defaults to consignments.availableShippingOptions."""
    async with client(create_sandbox()) as http:
        checkout_id, _ = await ready_checkout(http)
        default = (await http.get(f"{API}/checkouts/{checkout_id}")).json()
        other = (await http.get(f"{API}/checkouts/{checkout_id}", params={"include": "promotions"})).json()
    assert default["consignments"][0]["availableShippingOptions"]
    assert "availableShippingOptions" not in other["consignments"][0]


@pytest.mark.anyio
async def test_a_write_asking_for_an_unknown_include_is_refused_before_it_changes_anything() -> None:
    sandbox = create_sandbox()
    async with client(sandbox) as http:
        checkout_id, _ = await ready_checkout(http)
        before = sandbox.export()
        refused = await http.post(
            f"{API}/checkouts/{checkout_id}/coupons",
            params={"include": "nonsense"},
            json={"couponCode": COUPON_PERCENT},
        )
    assert refused.status_code == 400 and "nonsense" in refused.json()["title"]
    assert sandbox.export() == before


@pytest.mark.anyio
async def test_a_guest_address_needs_only_a_country_and_not_a_customer_s_email() -> None:
    """checkouts.sf.yml: the billing address requires countryCode; 403 when "the email trying to be
    set for the guest is associated with an account. The customer must sign in."."""
    async with client(create_sandbox()) as http:
        checkout = f"{API}/checkouts/{(await new_checkout(http))['id']}/billing-address"
        bare = await http.post(checkout, json={"countryCode": "US"})
        no_country = await http.post(checkout, json={"email": "ann@example.com"})
        registered = await http.post(checkout, json={**ADDRESS, "email": REGISTERED_EMAIL.upper()})
    assert bare.status_code == 200 and bare.json()["billingAddress"]["countryCode"] == "US"
    assert no_country.status_code == 422 and "country_code" in no_country.json()["errors"]
    assert registered.status_code == 403 and "must sign in" in registered.json()["title"]


@pytest.mark.anyio
async def test_coupons_gift_certificates_and_payments() -> None:
    sandbox = create_sandbox()
    async with client(sandbox) as http:
        checkout_id, _ = await ready_checkout(http)
        checkout = f"{API}/checkouts/{checkout_id}"
        before = decimal_json(await http.get(checkout))
        couponed = decimal_json(await http.post(f"{checkout}/coupons", json={"couponCode": COUPON_PERCENT}))
        paid = decimal_json(
            await http.post(
                f"{checkout}/gift-certificates", json={"giftCertificateCode": GIFT_CERTIFICATE_25}
            )
        )
        unknown = await http.post(f"{checkout}/coupons", json={"couponCode": "NOPE"})
        no_gift = decimal_json(await http.delete(f"{checkout}/gift-certificates/{GIFT_CERTIFICATE_25}"))
        no_coupon = decimal_json(await http.delete(f"{checkout}/coupons/{COUPON_PERCENT}"))
        payments = await http.get(f"{checkout}/payments")
    assert [c["code"] for c in couponed["coupons"]] == [COUPON_PERCENT]
    assert couponed["grandTotal"] < before["grandTotal"]
    assert paid["giftCertificates"][0]["code"] == GIFT_CERTIFICATE_25
    assert paid["outstandingBalance"] == paid["grandTotal"] - paid["giftCertificates"][0]["used"]
    assert unknown.status_code == 422
    assert no_gift["giftCertificates"] == []
    assert no_coupon["grandTotal"] == before["grandTotal"]
    methods = payments.json()["data"]["paymentMethods"]
    assert {m["id"] for m in methods} == {m.id for m in sandbox.store.payment_methods}


@pytest.mark.anyio
async def test_a_consignment_lists_only_the_free_shipping_coupon_as_its_discount() -> None:
    """A percentage coupon discounts the items, not the consignment: only free shipping is listed."""
    sandbox = create_sandbox()
    async with client(sandbox) as http:
        checkout_id, _ = await ready_checkout(http)
        checkout = f"{API}/checkouts/{checkout_id}"
        for code in (COUPON_PERCENT, COUPON_FREE_SHIPPING):
            assert (await http.post(f"{checkout}/coupons", json={"couponCode": code})).status_code == 200
        (consignment,) = decimal_json(await http.get(checkout))["consignments"]
    assert consignment["couponDiscounts"] == [
        {"code": COUPON_FREE_SHIPPING, "amount": consignment["shippingCostBeforeDiscount"]}
    ]
    assert consignment["shippingCost"] == 0


@pytest.mark.anyio
async def test_order_then_finalize_deletes_the_cart_and_only_once() -> None:
    sandbox = create_sandbox()
    async with client(sandbox) as http, client(sandbox) as stranger:
        checkout_id, _ = await ready_checkout(http)
        placed = await http.post(f"{API}/checkouts/{checkout_id}/order", json={"customerMessage": "Thanks"})
        order = placed.json()["data"]["order"]
        order_url = f"{API}/orders/{order['orderId']}"
        read = await http.get(order_url)
        foreign = await stranger.get(order_url)
        checkout = await http.get(f"{API}/checkouts/{checkout_id}")
        finalized = await http.put(order_url)
        again = await http.put(order_url)
        after = await http.get(order_url)
        cart_after = await http.get(f"{API}/checkouts/{checkout_id}")
    assert order["status"] == "ORDER_STATUS_INCOMPLETE"  # seed 004's spelling: only the seed has this call
    assert order["cartId"] == checkout_id
    assert order["customerMessage"] == "Thanks"
    assert read.json()["orderAmount"] == order["orderAmount"]
    assert foreign.status_code == 404
    assert checkout.json()["orderId"] == str(order["orderId"])
    assert finalized.status_code == 200
    assert finalized.json()["status"] == "ORDER_STATUS_AWAITING_FULFILLMENT"
    assert sandbox.store.orders[order["orderId"]].status_id == 11
    assert checkout_id not in sandbox.store.carts
    assert again.status_code == 422
    assert after.json()["status"] == "AWAITING_FULFILLMENT"  # orders.sf.yml's spelling
    assert cart_after.status_code == 404
    assert cart_after.json()["title"] == "Checkout not found"


@pytest.mark.anyio
async def test_invalid_bodies_are_bigcommerce_errors() -> None:
    async with client(create_sandbox()) as http:
        no_items = await http.post(f"{API}/carts", json={"lineItems": []})
        not_json = await http.post(f"{API}/carts", content=b"{", headers={"content-type": "application/json"})
        cart = await new_checkout(http)
        not_a_list = await http.post(f"{API}/checkouts/{cart['id']}/consignments", json={"address": ADDRESS})
    assert no_items.status_code == 422
    assert set(no_items.json()) == {"status", "title", "type", "errors"}
    assert not_json.status_code == 400
    assert not_a_list.status_code == 422
