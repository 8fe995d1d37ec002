"""Tools for coupons and gift certificates on a checkout."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from checkout_mcp.bigcommerce.models import Checkout
from checkout_mcp.policy.effects import Effect
from checkout_mcp.quoting import store
from checkout_mcp.tools.fields import CheckoutId, Code
from checkout_mcp.tools.registry import Preview, ToolArgs, ToolContext, ToolSpec
from checkout_mcp.tools.views import CheckoutView, checkout_view


class CouponCode(ToolArgs):
    checkout_id: CheckoutId
    code: Code


class GiftCertificateCode(ToolArgs):
    checkout_id: CheckoutId
    code: Code


def applied_codes(checkout: Checkout, args: CouponCode | GiftCertificateCode) -> list[str]:
    """The codes of the kind `args` names (coupons or gift certificates) on the checkout."""
    found = checkout.coupons if isinstance(args, CouponCode) else checkout.gift_certificates
    return [entry.code for entry in found]


async def preview_removal(tools: ToolContext, args: CouponCode | GiftCertificateCode) -> Preview:
    """Taking a code off: what the checkout loses; refused before asking if the code is not on it."""
    kind = "coupon" if isinstance(args, CouponCode) else "gift certificate"
    operation = "remove_coupon" if isinstance(args, CouponCode) else "remove_gift_certificate"
    # read through the surface that removes it: only the storefront shows gift certificates
    checkout = await tools.store.binding_for(operation).get_checkout(str(args.checkout_id))
    codes = applied_codes(checkout, args)
    applied = args.code.upper() in (code.upper() for code in codes)
    blockers = (
        () if applied else (f"the {kind} {store(args.code)} is not on this checkout (on it: {len(codes)})",)
    )
    view = checkout_view(checkout)
    return Preview(
        text=(
            f"Remove the {kind} {store(args.code)} from checkout {checkout.id} "
            f"(total now {view.totals.grand_total} {checkout.currency}; it rises by what the {kind} covered)."
        ),
        details={"code": args.code, "kind": kind, "grand_total_now": view.totals.grand_total},
        fingerprint={"version": checkout.version, "codes": codes, "totals": view.totals.model_dump()},
        blockers=blockers,
        state=checkout,
    )


def code_tool(
    name: str,
    title: str,
    description: str,
    effect: Effect,
    args: type[CouponCode] | type[GiftCertificateCode],
) -> ToolSpec[Any, CheckoutView]:
    """The four discount tools differ only in the binding operation they call and their effect.

    Removing a code is destructive, so it is previewed (and confirmed) first.
    """

    async def handler(
        tools: ToolContext, call: CouponCode | GiftCertificateCode, preview: Preview | None = None
    ) -> CheckoutView:
        operation: Callable[[str, str], Awaitable[Checkout]] = getattr(tools.store.binding_for(name), name)
        return checkout_view(await operation(str(call.checkout_id), call.code))

    return ToolSpec(
        name=name,
        title=title,
        description=description,
        toolset="discounts",
        effect=effect,
        args=args,
        output=CheckoutView,
        handler=handler,
        preview=preview_removal if effect is Effect.DESTRUCTIVE else None,
        idempotent=True,
    )


TOOLS = [
    code_tool("apply_coupon", "Apply coupon", "Apply a coupon code to a checkout.", Effect.WRITE, CouponCode),
    code_tool(
        "remove_coupon", "Remove coupon", "Remove a coupon from a checkout.", Effect.DESTRUCTIVE, CouponCode
    ),
    code_tool(
        "apply_gift_certificate",
        "Apply gift certificate",
        "Pay part of a checkout with a gift certificate code.",
        Effect.WRITE,
        GiftCertificateCode,
    ),
    code_tool(
        "remove_gift_certificate",
        "Remove gift certificate",
        "Take a gift certificate off a checkout.",
        Effect.DESTRUCTIVE,
        GiftCertificateCode,
    ),
]
