"""Tools for coupons and gift certificates on a checkout."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from checkout_mcp.bigcommerce.models import Checkout
from checkout_mcp.policy.effects import Effect
from checkout_mcp.tools.fields import CheckoutId, Code
from checkout_mcp.tools.registry import ToolArgs, ToolContext, ToolSpec
from checkout_mcp.tools.views import CheckoutView, checkout_view


class CouponCode(ToolArgs):
    checkout_id: CheckoutId
    code: Code


class GiftCertificateCode(ToolArgs):
    checkout_id: CheckoutId
    code: Code


def code_tool(
    name: str,
    title: str,
    description: str,
    effect: Effect,
    args: type[CouponCode] | type[GiftCertificateCode],
) -> ToolSpec[Any, CheckoutView]:
    """The four discount tools differ only in the binding operation they call and their effect."""

    async def handler(tools: ToolContext, call: CouponCode | GiftCertificateCode) -> CheckoutView:
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
