"""A checkout's money, computed in one place so both API surfaces and orders agree to the cent.

`compute_totals(store, cart, now)` is the only place amounts are derived. The steps, in order:

1. Items: each line's extended price is unit price x quantity. Unit prices are in the store's
   mode: tax-exclusive stores price without tax, tax-inclusive stores with it included.
2. Coupons, in the order they were applied, on the item total left by the coupons before them:
   `percentage_discount` takes `amount` percent, `per_total_discount` takes `amount` (at most
   what is left), `free_shipping` makes every consignment's shipping free. A coupon that is
   expired at `now` or whose minimum spend the items no longer reach gives nothing. Each item
   discount is shared over the lines in proportion to their extended price (the last line takes
   the rounding remainder), so that tax is charged on what the shopper actually pays.
3. Shipping: each consignment's selected option's cost (zero without a selection or with a free
   shipping coupon); handling is zero in the sandbox.
4. Tax: one rate, found from the first consignment's address (else the billing address) by
   country and state, a state-specific rate winning over the country's. It is computed per line
   and rounded per line, and on shipping when the store taxes shipping. Tax-exclusive:
   tax = net x rate, added on top. Tax-inclusive: tax = net x rate / (1 + rate), already inside.
5. Grand total: items after discounts + shipping + handling (+ tax when tax-exclusive).
6. Gift certificates, in the order they were applied, pay the grand total down: each uses at most
   its balance and at most what is still outstanding. They reduce the outstanding balance, never
   the grand total.

Rounding: every amount is rounded half-up to the currency's minor unit (USD 2 places, JPY 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from checkout_mcp.sandbox.state import Address, Cart, Coupon, LineItem, StoreState, TaxRate

ZERO = Decimal("0")
CURRENCY_EXPONENTS: dict[str, int] = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "HUF": 2}


@cache
def minor_unit(currency: str) -> Decimal:
    """The currency's smallest amount: 0.01 unless the currency has another exponent."""
    return Decimal(1).scaleb(-CURRENCY_EXPONENTS.get(currency.upper(), 2))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round half-up to the currency's minor unit."""
    return amount.quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


@dataclass(slots=True)  # not frozen: a frozen dataclass sets each field through object.__setattr__
class LineTotals:
    item_id: str
    extended_list_price: Decimal
    discount_amount: Decimal  # this line's share of the coupons' item discounts
    net: Decimal  # what the shopper pays for the line, in the store's tax mode
    tax: Decimal
    net_ex_tax: Decimal
    net_inc_tax: Decimal


@dataclass(frozen=True)
class CouponDiscount:
    code: str
    coupon_id: int
    coupon_type: str
    display_name: str
    discounted_amount: Decimal


@dataclass(frozen=True)
class ConsignmentTotals:
    consignment_id: str
    shipping_cost_ex_tax: Decimal
    shipping_cost_inc_tax: Decimal
    handling_cost_ex_tax: Decimal
    handling_cost_inc_tax: Decimal
    coupon_discount: Decimal  # shipping a free-shipping coupon took off


@dataclass(frozen=True)
class GiftCertificateUse:
    code: str
    balance: Decimal
    used: Decimal
    remaining: Decimal


@dataclass(frozen=True)
class TaxLine:
    name: str
    amount: Decimal


@dataclass(slots=True)  # not frozen, as LineTotals
class Totals:
    currency: str
    tax_included: bool
    lines: dict[str, LineTotals]
    base_amount: Decimal  # items before discounts, in the store's tax mode
    discount_amount: Decimal  # item discounts from coupons
    cart_amount_ex_tax: Decimal
    cart_amount_inc_tax: Decimal
    subtotal_ex_tax: Decimal  # items before discounts
    subtotal_inc_tax: Decimal
    coupons: list[CouponDiscount]
    consignments: dict[str, ConsignmentTotals]
    shipping_cost_total_ex_tax: Decimal
    shipping_cost_total_inc_tax: Decimal
    handling_cost_total_ex_tax: Decimal
    handling_cost_total_inc_tax: Decimal
    taxes: list[TaxLine]
    tax_total: Decimal
    grand_total: Decimal
    gift_certificates: list[GiftCertificateUse]
    outstanding_balance: Decimal


def coupon_display_name(coupon: Coupon, currency: str) -> str:
    if coupon.type == "percentage_discount":
        return f"{coupon.amount.normalize():f}% Off"
    if coupon.type == "per_total_discount":
        return f"{round_money(coupon.amount, currency)} {currency} Off"
    return "Free Shipping"


def coupon_applies(coupon: Coupon, items_total: Decimal, now: datetime) -> bool:
    """Whether a coupon gives anything now: enabled, not expired, minimum spend reached."""
    expired = coupon.expires is not None and coupon.expires <= now
    return coupon.enabled and not expired and items_total >= coupon.min_purchase


def tax_rate_for(store: StoreState, address: Address | None) -> TaxRate | None:
    """The rate for an address: a state-specific rate wins over the country's; None means no tax."""
    if address is None or not address.country_code:
        return None
    candidates = [r for r in store.tax_rates if r.country_code == address.country_code.upper()]
    state = address.state_or_province_code.upper()
    specific = [r for r in candidates if r.state_or_province_code and r.state_or_province_code == state]
    general = [r for r in candidates if not r.state_or_province_code]
    return (specific or general or [None])[0]


def tax_address(cart: Cart) -> Address | None:
    return cart.consignments[0].address if cart.consignments else cart.billing_address


def _share(total: Decimal, weights: list[Decimal], unit: Decimal) -> list[Decimal]:
    """Split `total` over `weights` proportionally; the last share takes the rounding remainder."""
    weight_sum = sum(weights, ZERO)
    if not weights or weight_sum == ZERO:
        return [ZERO for _ in weights]
    shares = [(total * w / weight_sum).quantize(unit, ROUND_HALF_UP) for w in weights[:-1]]
    return [*shares, total - sum(shares, ZERO)]


def _tax_on(amount: Decimal, rate: Decimal, tax_included: bool, unit: Decimal) -> Decimal:
    tax = amount * rate / (1 + rate) if tax_included else amount * rate
    return tax.quantize(unit, ROUND_HALF_UP)


def _item_discounts(
    store: StoreState, cart: Cart, base: Decimal, now: datetime
) -> tuple[list[CouponDiscount], Decimal, bool]:
    """The applied coupons' item discounts, their sum, and whether shipping is free."""
    currency = cart.currency
    remaining = base
    applied: list[CouponDiscount] = []
    free_shipping = False
    for code in cart.coupon_codes:
        coupon = store.coupons.get(code.upper())
        if coupon is None:
            continue
        amount = ZERO
        if coupon_applies(coupon, base, now):
            if coupon.type == "percentage_discount":
                amount = min(remaining, round_money(remaining * coupon.amount / 100, currency))
            elif coupon.type == "per_total_discount":
                amount = min(remaining, round_money(coupon.amount, currency))
            else:
                free_shipping = True
        remaining -= amount
        applied.append(
            CouponDiscount(coupon.code, coupon.id, coupon.type, coupon_display_name(coupon, currency), amount)
        )
    return applied, base - remaining, free_shipping


@dataclass(slots=True)
class _ItemSums:
    """What the lines add up to: after the discounts, and before them (the subtotals)."""

    ex_tax: Decimal = ZERO
    inc_tax: Decimal = ZERO
    undiscounted_ex_tax: Decimal = ZERO
    undiscounted_inc_tax: Decimal = ZERO


def _ex_inc(amount: Decimal, tax: Decimal, tax_included: bool) -> tuple[Decimal, Decimal]:
    """`amount` without and with its `tax`, whichever of the two it is."""
    return (amount - tax, amount) if tax_included else (amount, amount + tax)


def _line_totals(
    lines: list[LineItem],
    extended: list[Decimal],
    discount: Decimal,
    rate: Decimal,
    tax_included: bool,
    unit: Decimal,
) -> tuple[dict[str, LineTotals], _ItemSums]:
    """Every line's amounts and their sums, in one pass; the tax is rounded per line (half-up)."""
    shares = _share(discount, extended, unit)
    result: dict[str, LineTotals] = {}
    sums = _ItemSums()
    for item, ext, share in zip(lines, extended, shares, strict=True):
        net = ext - share
        tax = _tax_on(net, rate, tax_included, unit) if item.is_taxable else ZERO
        ex_tax, inc_tax = _ex_inc(net, tax, tax_included)
        result[item.id] = LineTotals(item.id, ext, share, net, tax, ex_tax, inc_tax)
        sums.ex_tax += ex_tax
        sums.inc_tax += inc_tax
        if discount:  # before the discounts, a line's net is its extended price
            tax = _tax_on(ext, rate, tax_included, unit) if item.is_taxable else ZERO
            undiscounted_ex_tax, undiscounted_inc_tax = _ex_inc(ext, tax, tax_included)
            sums.undiscounted_ex_tax += undiscounted_ex_tax
            sums.undiscounted_inc_tax += undiscounted_inc_tax
    if not discount:
        sums.undiscounted_ex_tax, sums.undiscounted_inc_tax = sums.ex_tax, sums.inc_tax
    return result, sums


def _consignment_totals(
    store: StoreState, cart: Cart, free_shipping: bool, rate: Decimal, unit: Decimal
) -> dict[str, ConsignmentTotals]:
    methods = {m.id: m for m in store.shipping_methods}
    tax_included = store.settings.tax_included
    result: dict[str, ConsignmentTotals] = {}
    for consignment in cart.consignments:
        method = methods.get(consignment.selected_shipping_option_id or "")
        listed = round_money(method.cost, cart.currency) if method else ZERO
        cost = ZERO if free_shipping else listed
        tax = _tax_on(cost, rate, tax_included, unit) if store.settings.tax_shipping else ZERO
        ex_tax, inc_tax = _ex_inc(cost, tax, tax_included)
        result[consignment.id] = ConsignmentTotals(consignment.id, ex_tax, inc_tax, ZERO, ZERO, listed - cost)
    return result


def _gift_certificate_uses(store: StoreState, cart: Cart, grand_total: Decimal) -> list[GiftCertificateUse]:
    outstanding = grand_total
    uses: list[GiftCertificateUse] = []
    for code in cart.gift_certificate_codes:
        certificate = store.gift_certificates.get(code.upper())
        if certificate is None:
            continue
        used = max(ZERO, min(certificate.balance, outstanding))
        outstanding -= used
        uses.append(
            GiftCertificateUse(certificate.code, certificate.balance, used, certificate.balance - used)
        )
    return uses


def compute_totals(store: StoreState, cart: Cart, now: datetime) -> Totals:
    """Every amount of a checkout, by the steps in this module's docstring."""
    currency, tax_included = cart.currency, store.settings.tax_included
    rate_record = tax_rate_for(store, tax_address(cart))
    rate = rate_record.rate if rate_record else ZERO

    unit = minor_unit(currency)
    extended = [(item.list_price * item.quantity).quantize(unit, ROUND_HALF_UP) for item in cart.line_items]
    base = sum(extended, ZERO)
    coupons, discount, free_shipping = _item_discounts(store, cart, base, now)
    lines, items = _line_totals(cart.line_items, extended, discount, rate, tax_included, unit)
    consignments = _consignment_totals(store, cart, free_shipping, rate, unit)

    shipping_ex = sum((c.shipping_cost_ex_tax for c in consignments.values()), ZERO)
    shipping_inc = sum((c.shipping_cost_inc_tax for c in consignments.values()), ZERO)
    tax_total = (items.inc_tax - items.ex_tax) + (shipping_inc - shipping_ex)
    grand_total = items.inc_tax + shipping_inc
    taxes = [TaxLine(rate_record.name, tax_total)] if rate_record else []

    gift_certificates = _gift_certificate_uses(store, cart, grand_total)
    paid_by_certificates = sum((use.used for use in gift_certificates), ZERO)
    return Totals(
        currency=currency,
        tax_included=tax_included,
        lines=lines,
        base_amount=base,
        discount_amount=discount,
        cart_amount_ex_tax=items.ex_tax,
        cart_amount_inc_tax=items.inc_tax,
        subtotal_ex_tax=items.undiscounted_ex_tax,
        subtotal_inc_tax=items.undiscounted_inc_tax,
        coupons=coupons,
        consignments=consignments,
        shipping_cost_total_ex_tax=shipping_ex,
        shipping_cost_total_inc_tax=shipping_inc,
        handling_cost_total_ex_tax=ZERO,
        handling_cost_total_inc_tax=ZERO,
        taxes=taxes,
        tax_total=tax_total,
        grand_total=grand_total,
        gift_certificates=gift_certificates,
        outstanding_balance=grand_total - paid_by_certificates,
    )
