"""The one totals function: tax-exclusive and tax-inclusive stores, rounding, coupons, gift certificates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checkout_mcp.sandbox.state import (
    Address,
    Cart,
    Consignment,
    Coupon,
    GiftCertificate,
    LineItem,
    ShippingMethod,
    StoreSettings,
    StoreState,
    TaxRate,
)
from checkout_mcp.sandbox.totals import compute_totals, round_money

NOW = datetime(2026, 1, 1, tzinfo=UTC)
D = Decimal


def store(*, tax_included: bool = False, tax_shipping: bool = False) -> StoreState:
    return StoreState(
        settings=StoreSettings(tax_included=tax_included, tax_shipping=tax_shipping),
        coupons={
            "PCT10": Coupon(id=1, code="PCT10", name="10%", type="percentage_discount", amount=D("10")),
            "FIVE": Coupon(id=2, code="FIVE", name="5 off", type="per_total_discount", amount=D("5")),
            "HUGE": Coupon(id=3, code="HUGE", name="500 off", type="per_total_discount", amount=D("500")),
            "SHIPFREE": Coupon(id=4, code="SHIPFREE", name="free", type="free_shipping"),
            "MIN100": Coupon(
                id=5,
                code="MIN100",
                name="min",
                type="per_total_discount",
                amount=D("15"),
                min_purchase=D("100"),
            ),
            "OLD": Coupon(
                id=6,
                code="OLD",
                name="old",
                type="percentage_discount",
                amount=D("50"),
                expires=NOW - timedelta(seconds=1),
            ),
        },
        gift_certificates={
            "GC20": GiftCertificate(code="GC20", amount=D("20"), balance=D("20")),
            "GC500": GiftCertificate(code="GC500", amount=D("500"), balance=D("500")),
        },
        shipping_methods=[ShippingMethod(id="us-std", country_code="US", description="Std", cost=D("10.00"))],
        tax_rates=[
            TaxRate(name="CA Tax", country_code="US", state_or_province_code="CA", rate=D("0.0725")),
            TaxRate(name="US Tax", country_code="US", rate=D("0.05")),
            TaxRate(name="VAT", country_code="GB", rate=D("0.20")),
        ],
    )


def item(item_id: str, price: str, quantity: int = 1, *, taxable: bool = True) -> LineItem:
    return LineItem(
        id=item_id,
        product_id=1,
        name=item_id,
        sku=item_id,
        type="physical",
        quantity=quantity,
        list_price=D(price),
        is_taxable=taxable,
    )


def cart(
    items: list[LineItem],
    *,
    country: str = "US",
    state: str = "CA",
    coupons: tuple[str, ...] = (),
    certificates: tuple[str, ...] = (),
    shipping: bool = True,
) -> Cart:
    address = Address(id="a1", country_code=country, state_or_province_code=state, email="a@example.com")
    consignment = Consignment(
        id="c1",
        address=address,
        line_item_ids=[i.id for i in items],
        selected_shipping_option_id="us-std" if shipping else None,
    )
    return Cart(
        id="cart",
        currency="USD",
        line_items=items,
        consignments=[consignment] if country else [],
        coupon_codes=list(coupons),
        gift_certificate_codes=list(certificates),
        created_time=NOW,
        updated_time=NOW,
    )


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("0.125", "USD", "0.13"),
        ("0.135", "USD", "0.14"),
        ("2.675", "USD", "2.68"),
        ("-0.125", "USD", "-0.13"),
        ("0.1249", "USD", "0.12"),
        ("0.5", "JPY", "1"),
        ("2.5", "JPY", "3"),
        ("1234.4", "JPY", "1234"),
    ],
)
def test_round_money_is_half_up_to_the_currency_minor_unit(amount: str, currency: str, expected: str) -> None:
    rounded = round_money(D(amount), currency)
    assert rounded == D(expected)
    assert str(rounded) == expected


def test_tax_exclusive_store_adds_tax_per_line_on_top() -> None:
    # 19.99 x 3 = 59.97 -> 4.347825 -> 4.35 ; 0.07 -> 0.005075 -> 0.01 (half-up at the line)
    totals = compute_totals(store(), cart([item("a", "19.99", 3), item("b", "0.07")]), NOW)
    assert totals.subtotal_ex_tax == D("60.04")
    assert totals.lines["a"].tax == D("4.35")
    assert totals.lines["b"].tax == D("0.01")
    assert totals.tax_total == D("4.36")
    assert totals.shipping_cost_total_inc_tax == D("10.00")
    assert totals.grand_total == D("74.40")  # 60.04 + 10.00 + 4.36
    assert totals.outstanding_balance == totals.grand_total
    assert [(t.name, t.amount) for t in totals.taxes] == [("CA Tax", D("4.36"))]


def test_tax_inclusive_store_extracts_tax_from_prices() -> None:
    uk = store(tax_included=True)
    totals = compute_totals(uk, cart([item("a", "12.00")], country="GB", state="", shipping=False), NOW)
    assert totals.tax_total == D("2.00")  # 12 x 0.2 / 1.2
    assert totals.subtotal_inc_tax == D("12.00")
    assert totals.subtotal_ex_tax == D("10.00")
    assert totals.grand_total == D("12.00")  # tax is inside, not added


def test_shipping_is_taxed_only_when_the_store_says_so() -> None:
    taxed = compute_totals(store(tax_shipping=True), cart([item("a", "100.00")]), NOW)
    untaxed = compute_totals(store(), cart([item("a", "100.00")]), NOW)
    assert taxed.shipping_cost_total_inc_tax - taxed.shipping_cost_total_ex_tax == D("0.73")  # 10 x 7.25 %
    assert taxed.tax_total == D("7.98")  # 7.25 + 0.73
    assert untaxed.tax_total == D("7.25")


def test_state_rate_wins_over_the_country_rate_and_no_rate_means_no_tax() -> None:
    assert compute_totals(store(), cart([item("a", "100")], state="NV"), NOW).tax_total == D("5.00")
    assert compute_totals(store(), cart([item("a", "100")], state="CA"), NOW).tax_total == D("7.25")
    no_tax = compute_totals(store(), cart([item("a", "100")], country="DE", state=""), NOW)
    assert no_tax.tax_total == D("0") and no_tax.taxes == []


def test_untaxable_items_pay_no_tax() -> None:
    totals = compute_totals(store(), cart([item("a", "100", taxable=False)]), NOW)
    assert totals.tax_total == D("0")


def test_percentage_coupon_discounts_items_and_tax_is_on_the_discounted_amount() -> None:
    totals = compute_totals(store(), cart([item("a", "30.00"), item("b", "10.00")], coupons=("PCT10",)), NOW)
    assert totals.discount_amount == D("4.00")
    assert [c.discounted_amount for c in totals.coupons] == [D("4.00")]
    assert totals.coupons[0].display_name == "10% Off"
    assert totals.lines["a"].discount_amount == D("3.00")
    assert totals.lines["b"].discount_amount == D("1.00")
    assert totals.tax_total == D("2.61")  # 27 x 7.25 % = 1.9575 -> 1.96 ; 9 x 7.25 % = 0.6525 -> 0.65
    assert totals.grand_total == D("48.61")  # 36 + 10 + 2.61


def test_fixed_coupon_is_capped_at_the_items_total() -> None:
    small = compute_totals(store(), cart([item("a", "3.00")], coupons=("HUGE",)), NOW)
    assert small.discount_amount == D("3.00")
    assert small.cart_amount_ex_tax == D("0.00")
    assert small.grand_total == D("10.00")  # only shipping is left


def test_coupons_apply_in_order_on_what_is_left() -> None:
    totals = compute_totals(store(), cart([item("a", "100.00")], coupons=("FIVE", "PCT10")), NOW)
    assert [c.discounted_amount for c in totals.coupons] == [D("5.00"), D("9.50")]
    assert totals.discount_amount == D("14.50")


def test_free_shipping_coupon_zeroes_shipping() -> None:
    totals = compute_totals(store(), cart([item("a", "20.00")], coupons=("SHIPFREE",)), NOW)
    assert totals.shipping_cost_total_inc_tax == D("0")
    assert totals.consignments["c1"].coupon_discount == D("10.00")
    assert totals.discount_amount == D("0")


def test_coupon_below_minimum_spend_or_expired_gives_nothing() -> None:
    below = compute_totals(store(), cart([item("a", "99.99")], coupons=("MIN100",)), NOW)
    reached = compute_totals(store(), cart([item("a", "100.00")], coupons=("MIN100",)), NOW)
    expired = compute_totals(store(), cart([item("a", "100.00")], coupons=("OLD",)), NOW)
    assert below.discount_amount == D("0")
    assert reached.discount_amount == D("15.00")
    assert expired.discount_amount == D("0")


def test_gift_certificates_reduce_the_outstanding_balance_not_the_grand_total() -> None:
    totals = compute_totals(store(), cart([item("a", "50.00")], certificates=("GC20",)), NOW)
    assert totals.grand_total == D("63.63")  # 50 + 10 + 3.63
    assert totals.outstanding_balance == D("43.63")
    use = totals.gift_certificates[0]
    assert (use.balance, use.used, use.remaining) == (D("20"), D("20"), D("0"))


def test_gift_certificate_use_is_capped_at_the_balance_due() -> None:
    totals = compute_totals(store(), cart([item("a", "50.00")], certificates=("GC20", "GC500")), NOW)
    assert [u.used for u in totals.gift_certificates] == [D("20"), D("43.63")]
    assert totals.gift_certificates[1].remaining == D("456.37")
    assert totals.outstanding_balance == D("0.00")


def test_yen_store_rounds_to_whole_yen() -> None:
    yen = store()
    yen.settings.currency = "JPY"
    jpy_cart = cart([item("a", "1005")], country="GB", state="", shipping=False)
    jpy_cart.currency = "JPY"
    totals = compute_totals(yen, jpy_cart, NOW)
    assert totals.tax_total == D("201")  # 1005 x 0.2 = 201
    jpy_cart.coupon_codes = ["PCT10"]
    discounted = compute_totals(yen, jpy_cart, NOW)
    assert discounted.discount_amount == D("101")  # 100.5 rounds half-up
    assert discounted.tax_total == D("181")  # 904 x 0.2 = 180.8


@given(
    prices=st.lists(
        st.decimals(min_value=D("0.01"), max_value=D("999.99"), places=2), min_size=1, max_size=6
    ),
    coupon=st.sampled_from(["PCT10", "FIVE", "HUGE", "SHIPFREE"]),
    tax_included=st.booleans(),
)
def test_the_parts_always_add_up(prices: list[Decimal], coupon: str, tax_included: bool) -> None:
    items = [item(f"i{n}", str(p), quantity=n + 1) for n, p in enumerate(prices)]
    totals = compute_totals(store(tax_included=tax_included), cart(items, coupons=(coupon,)), NOW)
    assert sum((line.discount_amount for line in totals.lines.values()), D("0")) == totals.discount_amount
    assert totals.base_amount - totals.discount_amount == sum(
        (line.net for line in totals.lines.values()), D("0")
    )
    expected = totals.cart_amount_inc_tax + totals.shipping_cost_total_inc_tax
    assert totals.grand_total == expected
    assert (
        totals.cart_amount_inc_tax
        - totals.cart_amount_ex_tax
        + (totals.shipping_cost_total_inc_tax - totals.shipping_cost_total_ex_tax)
        == totals.tax_total
    )
    assert all(line.net >= 0 for line in totals.lines.values())
    assert totals.grand_total.as_tuple().exponent >= -2


@given(
    prices=st.lists(
        st.tuples(st.decimals(min_value=D("0"), max_value=D("999.99"), places=2), st.booleans()),
        min_size=1,
        max_size=6,
    ),
    coupons=st.lists(st.sampled_from(["PCT10", "FIVE", "HUGE", "SHIPFREE", "MIN100"]), max_size=3),
    tax_included=st.booleans(),
)
def test_the_subtotals_are_what_the_items_come_to_without_the_coupons(
    prices: list[tuple[Decimal, bool]], coupons: list[str], tax_included: bool
) -> None:
    items = [item(f"i{n}", str(p), quantity=n + 1, taxable=taxable) for n, (p, taxable) in enumerate(prices)]
    with_coupons = compute_totals(store(tax_included=tax_included), cart(items, coupons=tuple(coupons)), NOW)
    without = compute_totals(store(tax_included=tax_included), cart(items), NOW)
    assert (with_coupons.subtotal_ex_tax, with_coupons.subtotal_inc_tax) == (
        without.cart_amount_ex_tax,
        without.cart_amount_inc_tax,
    )
    assert str(with_coupons.subtotal_inc_tax) == str(without.cart_amount_inc_tax)  # the same digits too
