"""Coupons and gift certificates on a checkout."""

from __future__ import annotations

from datetime import datetime

from checkout_mcp.sandbox.errors import invalid, not_found
from checkout_mcp.sandbox.operations.common import touch, writable
from checkout_mcp.sandbox.state import Cart, StoreState
from checkout_mcp.sandbox.totals import compute_totals, coupon_applies, round_money

COUPON_CODE_MAX = 50


def apply_coupon(
    store: StoreState, now: datetime, cart_id: str, code: str, expected_version: int | None = None
) -> Cart:
    cart = writable(store, cart_id, expected_version)
    code = code.strip()
    coupon = store.coupons.get(code.upper()) if 0 < len(code) <= COUPON_CODE_MAX else None
    if coupon is None or not coupon.enabled:
        raise invalid(
            f"The coupon code '{code[:COUPON_CODE_MAX]}' is not valid.", {"coupon_code": "Unknown code."}
        )
    if coupon.expires is not None and coupon.expires <= now:
        raise invalid(f"The coupon code '{coupon.code}' has expired.", {"coupon_code": "Expired."})
    base = compute_totals(store, cart, now).base_amount
    if not coupon_applies(coupon, base, now):
        minimum = round_money(coupon.min_purchase, cart.currency)
        raise invalid(
            f"You must spend at least {minimum} {cart.currency} to use the coupon code '{coupon.code}'.",
            {"coupon_code": "Minimum spend not met."},
        )
    if coupon.code not in cart.coupon_codes:
        cart.coupon_codes.append(coupon.code)
    return touch(cart, now)


def remove_coupon(
    store: StoreState, now: datetime, cart_id: str, code: str, expected_version: int | None = None
) -> Cart:
    cart = writable(store, cart_id, expected_version)
    _remove_code(cart.coupon_codes, code, "Coupon")
    return touch(cart, now)


def apply_gift_certificate(
    store: StoreState, now: datetime, cart_id: str, code: str, expected_version: int | None = None
) -> Cart:
    cart = writable(store, cart_id, expected_version)
    certificate = store.gift_certificates.get(code.strip().upper())
    if certificate is None or certificate.status != "active":
        raise not_found("Gift certificate code")  # checkouts.sf.yml: 404 "Gift certificate code not found"
    if certificate.balance <= 0:
        raise invalid(
            "The gift certificate has no remaining balance.", {"gift_certificate_code": "No balance."}
        )
    if certificate.code not in cart.gift_certificate_codes:
        cart.gift_certificate_codes.append(certificate.code)
    return touch(cart, now)


def remove_gift_certificate(
    store: StoreState, now: datetime, cart_id: str, code: str, expected_version: int | None = None
) -> Cart:
    cart = writable(store, cart_id, expected_version)
    _remove_code(cart.gift_certificate_codes, code, "Gift certificate")
    return touch(cart, now)


def _remove_code(applied: list[str], code: str, what: str) -> None:
    """Take a code off a checkout, matched as codes are (ignoring case and surrounding blanks)."""
    match = next((c for c in applied if c.upper() == code.strip().upper()), None)
    if match is None:
        raise not_found(what)
    applied.remove(match)
