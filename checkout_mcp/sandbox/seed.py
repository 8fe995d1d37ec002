"""The demo store: a catalog, promotions, shipping, tax and carts in every interesting state.

The same seed always gives the same store (ids come from a seeded `random.Random`; the demo carts
are built through the real operations, so they are valid). Codes for the README:

| code            | what it is                                                   |
| --------------- | ------------------------------------------------------------ |
| SAVE10          | coupon: 10 % off the items                                   |
| TAKE5           | coupon: 5.00 off the cart                                    |
| FREESHIP        | coupon: free shipping                                        |
| BIGSPENDER      | coupon: 15.00 off, minimum spend 100.00                      |
| EXPIRED20       | coupon: 20 % off, expired a day before the store was seeded  |
| GIFT-50-ALPHA   | gift certificate, balance 50.00                              |
| GIFT-25-BRAVO   | gift certificate, balance 25.00 (of 100.00)                  |
| GIFT-500-DELTA  | gift certificate, balance 500.00                             |
| GIFT-0-SPENT    | gift certificate, balance 0.00 (used up)                     |

Products 101-122 (see `CATALOG`): 101 Classic Tee and 102 Hoodie and 111 Mechanical Keyboard have
variants (the Hoodie in XL cannot be purchased), 107 Vintage Poster is out of stock, 108 and 122
are digital, 106 Limited Edition Print has a purchase limit of 2, 120 Travel Adapter is hidden
from the storefront (is_visible false). Every other product has a base variant.
Shipping to US, CA, GB, DE; tax in US-CA, US-NY, CA, GB, DE.
Demo carts (`StoreState.demo_carts`): no_billing, ready, with_coupon, abandoned, ordered, finalized
(the id of a paid checkout: its order is finalized and, as after a real payment, the cart is gone).
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from checkout_mcp.sandbox import operations as ops
from checkout_mcp.sandbox.state import (
    Coupon,
    GiftCertificate,
    OptionValue,
    PaymentMethod,
    Product,
    ProductOption,
    ShippingMethod,
    StoreState,
    TaxRate,
    Variant,
    VariantOptionValue,
)

COUPON_PERCENT = "SAVE10"
COUPON_FIXED = "TAKE5"
COUPON_FREE_SHIPPING = "FREESHIP"
COUPON_MINIMUM_SPEND = "BIGSPENDER"
COUPON_EXPIRED = "EXPIRED20"
GIFT_CERTIFICATE_50 = "GIFT-50-ALPHA"
GIFT_CERTIFICATE_25 = "GIFT-25-BRAVO"
GIFT_CERTIFICATE_500 = "GIFT-500-DELTA"
GIFT_CERTIFICATE_SPENT = "GIFT-0-SPENT"
REGISTERED_EMAIL = "registered@example.com"  # a customer account: guests may not check out with it

PRODUCT_TEE = 101
PRODUCT_HOODIE = 102
PRODUCT_MUG = 104
PRODUCT_LIMITED_PRINT = 106
PRODUCT_OUT_OF_STOCK = 107
PRODUCT_EBOOK = 108
PRODUCT_KEYBOARD = 111
PRODUCT_ADAPTER = 120
PRODUCT_STICKERS = 121
PRODUCT_HIDDEN = PRODUCT_ADAPTER

PURCHASE_LIMIT = 2
ABANDONED_AGE = timedelta(days=45)

# id, name, price, type, option sets (name -> labels) for products with variants
CATALOG: list[tuple[int, str, str, str, dict[str, list[str]]]] = [
    (101, "Classic Tee", "25.00", "physical", {"Size": ["S", "M", "L"], "Color": ["Black", "White"]}),
    (102, "Hoodie", "59.99", "physical", {"Size": ["S", "M", "L", "XL"]}),
    (103, "Canvas Tote Bag", "18.50", "physical", {}),
    (104, "Ceramic Mug", "12.99", "physical", {}),
    (105, "Steel Water Bottle", "24.95", "physical", {}),
    (106, "Limited Edition Print", "120.00", "physical", {}),
    (107, "Vintage Poster", "35.00", "physical", {}),
    (108, "E-book: Field Guide", "9.99", "digital", {}),
    (109, "Wireless Mouse", "29.99", "physical", {}),
    (110, "USB-C Cable", "9.49", "physical", {}),
    (111, "Mechanical Keyboard", "89.00", "physical", {"Switch": ["Red", "Brown", "Blue"]}),
    (112, "Notebook A5", "7.25", "physical", {}),
    (113, "Fountain Pen", "45.00", "physical", {}),
    (114, "Desk Lamp", "39.90", "physical", {}),
    (115, "Running Socks", "11.00", "physical", {}),
    (116, "Baseball Cap", "19.99", "physical", {}),
    (117, "Yoga Mat", "34.50", "physical", {}),
    (118, "Scented Candle", "16.75", "physical", {}),
    (119, "Coffee Beans 1kg", "22.40", "physical", {}),
    (120, "Travel Adapter", "27.30", "physical", {}),
    (121, "Sticker Sheet", "3.33", "physical", {}),
    (122, "Audio Album (Download)", "8.99", "digital", {}),
]

SHIPPING: list[tuple[str, str, str, str, str]] = [
    ("us-standard", "US", "Standard Shipping", "5.99", "3-5 business days"),
    ("us-express", "US", "Express Shipping", "14.99", "1-2 business days"),
    ("us-overnight", "US", "Overnight", "29.00", "next business day"),
    ("ca-standard", "CA", "Standard Shipping", "9.50", "5-8 business days"),
    ("ca-express", "CA", "Express Shipping", "19.00", "2-3 business days"),
    ("gb-standard", "GB", "Royal Mail 2nd Class", "4.95", "2-3 working days"),
    ("gb-express", "GB", "Next Day Delivery", "9.95", "next working day"),
    ("de-standard", "DE", "DHL Paket", "5.90", "2-4 Werktage"),
    ("de-express", "DE", "DHL Express", "12.90", "1 Werktag"),
]

TAX_RATES: list[tuple[str, str, str, str]] = [
    ("California Sales Tax", "US", "CA", "0.0725"),
    ("New York Sales Tax", "US", "NY", "0.08875"),
    ("GST", "CA", "", "0.05"),
    ("VAT", "GB", "", "0.20"),
    ("MwSt", "DE", "", "0.19"),
]

DEMO_ADDRESS = ops.AddressData(
    first_name="Jane",
    last_name="Doe",
    email="jane.doe@example.com",
    address1="123 Main Street",
    city="San Francisco",
    state_or_province="California",
    state_or_province_code="CA",
    country_code="US",
    postal_code="94105",
    phone="+14155550100",
)


def _products(rng: random.Random) -> dict[int, Product]:
    products: dict[int, Product] = {}
    next_option_id, next_value_id, next_variant_id = 1, 1, 1001
    for product_id, name, price, kind, option_sets in CATALOG:
        sku = f"SKU-{product_id}"
        options: list[ProductOption] = []
        for option_name, labels in option_sets.items():
            values = [OptionValue(id=next_value_id + i, label=label) for i, label in enumerate(labels)]
            next_value_id += len(labels)
            options.append(ProductOption(id=next_option_id, display_name=option_name, values=values))
            next_option_id += 1
        variants: list[Variant] = []
        for combination in _combinations(options):
            suffix = "-".join(v.label.upper() for v in combination)
            variants.append(
                Variant(
                    id=next_variant_id,
                    sku=f"{sku}-{suffix}",
                    inventory_level=rng.randint(3, 40),
                    option_values=combination,
                )
            )
            next_variant_id += 1
        tracked = kind == "physical" and not variants
        products[product_id] = Product(
            id=product_id,
            name=name,
            sku=sku,
            type="digital" if kind == "digital" else "physical",
            description=f"{name}, from the sandbox demo catalog.",
            price=Decimal(price),
            weight=Decimal("0") if kind == "digital" else Decimal("1"),
            inventory_level=rng.randint(5, 100) if tracked else None,
            base_variant_id=None if variants else next_variant_id,
            options=options,
            variants=variants,
        )
        next_variant_id += 0 if variants else 1
    products[PRODUCT_OUT_OF_STOCK].inventory_level = 0
    products[PRODUCT_LIMITED_PRINT].order_quantity_maximum = PURCHASE_LIMIT
    products[PRODUCT_LIMITED_PRINT].inventory_level = 10
    products[PRODUCT_HIDDEN].is_visible = False
    products[PRODUCT_HOODIE].variants[-1].purchasing_disabled = True  # XL
    return products


def _combinations(options: list[ProductOption]) -> list[list[VariantOptionValue]]:
    if not options:
        return []
    combos: list[list[VariantOptionValue]] = [[]]
    for option in options:
        combos = [
            [
                *combo,
                VariantOptionValue(
                    option_id=option.id, option_display_name=option.display_name, id=v.id, label=v.label
                ),
            ]
            for combo in combos
            for v in option.values
        ]
    return combos


def _promotions(now: datetime) -> tuple[dict[str, Coupon], dict[str, GiftCertificate]]:
    coupons = [
        Coupon(id=1, code=COUPON_PERCENT, name="10% off", type="percentage_discount", amount=Decimal("10")),
        Coupon(id=2, code=COUPON_FIXED, name="5 off", type="per_total_discount", amount=Decimal("5.00")),
        Coupon(id=3, code=COUPON_FREE_SHIPPING, name="Free shipping", type="free_shipping"),
        Coupon(
            id=4,
            code=COUPON_MINIMUM_SPEND,
            name="15 off orders over 100",
            type="per_total_discount",
            amount=Decimal("15.00"),
            min_purchase=Decimal("100.00"),
        ),
        Coupon(
            id=5,
            code=COUPON_EXPIRED,
            name="20% off (expired)",
            type="percentage_discount",
            amount=Decimal("20"),
            expires=now - timedelta(days=1),
        ),
    ]
    certificates = [
        GiftCertificate(code=GIFT_CERTIFICATE_50, amount=Decimal("50.00"), balance=Decimal("50.00")),
        GiftCertificate(code=GIFT_CERTIFICATE_25, amount=Decimal("100.00"), balance=Decimal("25.00")),
        GiftCertificate(code=GIFT_CERTIFICATE_500, amount=Decimal("500.00"), balance=Decimal("500.00")),
        GiftCertificate(code=GIFT_CERTIFICATE_SPENT, amount=Decimal("20.00"), balance=Decimal("0.00")),
    ]
    return {c.code: c for c in coupons}, {g.code: g for g in certificates}


def _ready_cart(store: StoreState, now: datetime, items: list[ops.ItemRequest]) -> str:
    """A cart with a billing address and one US consignment with Standard shipping selected."""
    cart = ops.create_cart(store, now, items)
    ops.add_billing_address(store, now, cart.id, DEMO_ADDRESS)
    physical = [
        ops.ConsignmentLine(item_id=i.id, quantity=i.quantity)
        for i in cart.line_items
        if i.type == "physical"
    ]
    ops.add_consignments(
        store, now, cart.id, [ops.ConsignmentRequest(address=DEMO_ADDRESS, line_items=physical)]
    )
    ops.select_shipping_option(store, now, cart.id, cart.consignments[0].id, "us-standard")
    return cart.id


def _demo_carts(store: StoreState, now: datetime) -> dict[str, str]:
    def item(product_id: int, quantity: int, variant_id: int | None = None) -> ops.ItemRequest:
        return ops.ItemRequest(product_id=product_id, variant_id=variant_id, quantity=quantity)

    tee_m_black = store.products[PRODUCT_TEE].variants[2].id
    carts = {
        "no_billing": ops.create_cart(store, now, [item(PRODUCT_MUG, 2), item(PRODUCT_EBOOK, 1)]).id,
        "ready": _ready_cart(store, now, [item(PRODUCT_TEE, 1, tee_m_black), item(PRODUCT_MUG, 1)]),
        "with_coupon": _ready_cart(
            store, now, [item(PRODUCT_KEYBOARD, 1, store.products[PRODUCT_KEYBOARD].variants[0].id)]
        ),
        "abandoned": ops.create_cart(store, now - ABANDONED_AGE, [item(PRODUCT_STICKERS, 3)]).id,
        "ordered": _ready_cart(store, now, [item(PRODUCT_MUG, 3)]),
        "finalized": _ready_cart(store, now, [item(PRODUCT_STICKERS, 2)]),
    }
    ops.apply_coupon(store, now, carts["with_coupon"], COUPON_PERCENT)
    ops.create_order(store, now, carts["ordered"])
    finalized = ops.create_order(store, now, carts["finalized"])
    ops.finalize_order(store, now, finalized.id, payment_method="Test Card Gateway")
    return carts


def build_demo_store(seed: int, now: datetime) -> StoreState:
    """The demo store for `seed`, as it is at `now` (the sandbox clock's start)."""
    rng = random.Random(seed)
    coupons, certificates = _promotions(now)
    store = StoreState(
        products=_products(rng),
        coupons=coupons,
        gift_certificates=certificates,
        shipping_methods=[
            ShippingMethod(id=i, country_code=c, description=d, cost=Decimal(cost), transit_time=t)
            for i, c, d, cost, t in SHIPPING
        ],
        tax_rates=[
            TaxRate(name=n, country_code=c, state_or_province_code=s, rate=Decimal(r))
            for n, c, s, r in TAX_RATES
        ],
        payment_methods=[
            PaymentMethod(
                id="testgateway.card",
                name="Test Card Gateway",
                type="PAYMENT_TYPE_API",
                supported_cards=["VISA", "MC", "AMEX"],
            ),
            PaymentMethod(id="cheque", name="Pay by Cheque", type="PAYMENT_TYPE_OFFLINE"),
            PaymentMethod(id="bankdeposit", name="Bank Deposit", type="PAYMENT_TYPE_OFFLINE"),
        ],
        id_namespace=str(uuid.UUID(int=rng.getrandbits(128))),
        customer_emails=[REGISTERED_EMAIL],
    )
    store.demo_carts = _demo_carts(store, now)
    return store
