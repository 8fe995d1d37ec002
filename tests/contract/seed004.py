"""The storefront operations only seed 004 documents, with its object models as JSON Schema.

Seed 004 (shared/seeds/004_77d64b7a5d60533f.txt) is the early-access Storefront Checkout/Orders
API. The official specs have no GET /checkouts, payments, shipping options, POST .../order or
PUT /orders/{id}; the sandbox serves them as the seed documents, and they are checked against the
seed's models below (its "Schemas/Object Models" section; every field there is optional unless
its table says "true"). Each operation lists the statuses the seed documents for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Schema = dict[str, Any]

STRING: Schema = {"type": "string"}
NUMBER: Schema = {"type": "number"}
BOOLEAN: Schema = {"type": "boolean"}


def obj(required: tuple[str, ...] = (), **properties: Schema) -> Schema:
    return {"type": "object", "properties": properties, "required": list(required)}


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


CURRENCY = obj(name=STRING, code=STRING, symbol=STRING)  # "Currency"
META = obj(geoCountryCode=STRING, sessionHash=STRING, deviceSessionId=STRING)  # "Meta"
ADDRESS = obj(  # "Address": id and country are required
    ("id", "country"),
    id=STRING,
    firstName=STRING,
    lastName=STRING,
    phone=STRING,
    email=STRING,
    region=STRING,
    country=STRING,
    postalCode=STRING,
    street1=STRING,
    street2=STRING,
    customFields=array(obj(fieldId=STRING)),
)
APPLIED_COUPON = obj(
    ("code",), id=STRING, code=STRING, name=STRING, couponType=STRING, discountedAmount=NUMBER
)
APPLIED_DISCOUNT = obj(id=NUMBER, discountedAmount=NUMBER)
CHECKOUT = obj(  # "Checkout"
    id=STRING,
    cart={"type": "object"},
    billingAddress={"type": "object"},
    orderId=STRING,
    shippingCostTotal=NUMBER,
    taxTotal=NUMBER,
    grandTotal=NUMBER,
    storeCredit=NUMBER,
    balanceDue=NUMBER,
    createdTime=STRING,
    updatedTime=STRING,
    consignments=array({"type": "object"}),
    taxes=array({"type": "object"}),
    giftCertificates=array({"type": "object"}),
)
# "Order": its `status` enumeration.
ORDER_STATUSES = [
    "PAYMENT_STATUS_INITIALIZE",
    "PAYMENT_STATUS_ACKNOWLEDGE",
    "PAYMENT_STATUS_FINALIZE",
    "ORDER_STATUS_INCOMPLETE",
    "ORDER_STATUS_PENDING",
    "ORDER_STATUS_SHIPPED",
    "ORDER_STATUS_PARTIALLY_SHIPPED",
    "ORDER_STATUS_REFUNDED",
    "ORDER_STATUS_CANCELLED",
    "ORDER_STATUS_DECLINED",
    "ORDER_STATUS_AWAITING_PAYMENT",
    "ORDER_STATUS_AWAITING_PICKUP",
    "ORDER_STATUS_AWAITING_SHIPMENT",
    "ORDER_STATUS_COMPLETED",
    "ORDER_STATUS_AWAITING_FULFILLMENT",
    "ORDER_STATUS_HELD_REVIEW",
    "ORDER_STATUS_DISPUTED",
]
ORDER = obj(  # "Order"
    id=STRING,
    currency=CURRENCY,
    isTaxIncluded=BOOLEAN,
    baseAmount=NUMBER,
    discountAmount=NUMBER,
    taxAmount=NUMBER,
    cartAmount=NUMBER,
    createdTime=STRING,
    updatedTime=STRING,
    orderId=NUMBER,
    customerId=STRING,
    token=STRING,
    billingAddress=ADDRESS,
    payment=obj(id=STRING, redirectUrl=STRING, returnUrl=STRING, status=STRING, helpText=STRING),
    status={"type": "string", "enum": ORDER_STATUSES},
    customerCreated=BOOLEAN,
    hasDigitalItems=BOOLEAN,
    isDownloadable=BOOLEAN,
    isComplete=BOOLEAN,
    callbackUrl=STRING,
    coupons=array(APPLIED_COUPON),
    discounts=array(APPLIED_DISCOUNT),
    lineItems=array({"type": "object"}),
    socialData=array({"type": "object"}),
)
SHIPPING_OPTION = obj(  # "ShippingOptionEntity": formattedPrice is "number(string)", a numeric string
    description=STRING,
    formattedPrice={"type": "string", "pattern": r"^-?\d+(\.\d+)?$"},
    id=STRING,
    imageUrl=STRING,
    price=NUMBER,
    selected=BOOLEAN,
    transitTime=STRING,
)
SHIPPING_OPTIONS = obj(  # "ResponseShippingOptions": options by address (consignment) id
    meta=META, data=obj(shippingOptions={"type": "object", "additionalProperties": array(SHIPPING_OPTION)})
)
PAYMENT_METHOD = obj(  # "PaymentMethod": id is required
    ("id",),
    id=STRING,
    logoUrl=STRING,
    method=STRING,
    supportedCards=array(STRING),
    type={"type": "string", "enum": ["PAYMENT_TYPE_OFFLINE", "PAYMENT_TYPE_HOSTED", "PAYMENT_TYPE_API"]},
    nonce=STRING,
    clientToken=STRING,
)


@dataclass(frozen=True)
class SeedOperation:
    operation_id: str  # the seed names none; these are ours, for messages
    responses: dict[int, Schema]


OPTIONS = "/checkouts/{checkoutId}/shipping-addresses/{shippingAddressId}/options"
OPERATIONS: dict[str, SeedOperation] = {
    # "Returns a collection of Checkout Objects" (the example: {"data": [Checkout...], "meta": Meta})
    "GET /checkouts": SeedOperation("listCheckouts", {200: obj(meta=META, data=array(CHECKOUT))}),
    f"GET {OPTIONS}": SeedOperation("getShippingOptions", {200: SHIPPING_OPTIONS}),
    f"PUT {OPTIONS}/{{shippingOptionId}}": SeedOperation("selectShippingOption", {200: SHIPPING_OPTIONS}),
    "GET /checkouts/{checkoutId}/payments": SeedOperation(
        "getPaymentMethods",
        {200: obj(meta={"type": "object"}, data=obj(paymentMethods=array(PAYMENT_METHOD)))},
    ),
    # "201 Created: Returns a subset of Order Object" (ResponseOrderData)
    "POST /checkouts/{checkoutId}/order": SeedOperation(
        "createOrder", {201: obj(meta={"type": "object"}, data=obj(("order",), order=ORDER))}
    ),
    # "Finalizes the order - applicable only to hosted payments": 200, Order
    "PUT /orders/{orderId}": SeedOperation("finalizeOrder", {200: ORDER}),
}
