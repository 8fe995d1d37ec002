"""Tools for the payment methods a checkout can use."""

from __future__ import annotations

from pydantic import BaseModel

from checkout_mcp.policy.effects import Effect
from checkout_mcp.tools.fields import CheckoutId
from checkout_mcp.tools.registry import ToolArgs, ToolContext, ToolOutput, ToolSpec


class ListPaymentMethods(ToolArgs):
    checkout_id: CheckoutId


class Method(BaseModel):
    id: str
    type: str | None = None
    cards: list[str]


class PaymentMethods(ToolOutput):
    checkout_id: str
    methods: list[Method]

    def summary(self) -> str:
        return f"{len(self.methods)} payment method(s): {', '.join(m.id for m in self.methods) or 'none'}."


async def list_payment_methods(tools: ToolContext, args: ListPaymentMethods) -> PaymentMethods:
    methods = await tools.store.binding_for("list_payment_methods").list_payment_methods(
        str(args.checkout_id)
    )
    return PaymentMethods(
        checkout_id=str(args.checkout_id),
        methods=[Method(id=m.id, type=m.type, cards=m.supported_cards) for m in methods],
    )


TOOLS = [
    ToolSpec(
        name="list_payment_methods",
        title="List payment methods",
        description="Payment methods available to a checkout.",
        toolset="payments",
        effect=Effect.READ,
        args=ListPaymentMethods,
        output=PaymentMethods,
        handler=list_payment_methods,
    ),
]
