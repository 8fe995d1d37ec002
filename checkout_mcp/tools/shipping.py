"""Tools for a consignment's shipping options: list them and pick one."""

from __future__ import annotations

from pydantic import Field

from checkout_mcp.policy.effects import Effect
from checkout_mcp.tools.fields import CheckoutId, ConsignmentId, OptionId, Version
from checkout_mcp.tools.registry import ToolArgs, ToolContext, ToolOutput, ToolSpec
from checkout_mcp.tools.views import OPTION_FORMAT, CheckoutView, checkout_view, option


class ListShippingOptions(ToolArgs):
    checkout_id: CheckoutId
    consignment_id: ConsignmentId


class ShippingOptions(ToolOutput):
    consignment_id: str
    options: list[str] = Field(description=OPTION_FORMAT)

    def summary(self) -> str:
        if not self.options:
            return f"No shipping option for consignment {self.consignment_id}: check its address."
        ids = ", ".join(line.split(": ", 1)[0] for line in self.options)
        return f"{len(self.options)} shipping option(s) for consignment {self.consignment_id}: {ids}."


async def list_shipping_options(tools: ToolContext, args: ListShippingOptions) -> ShippingOptions:
    binding = tools.store.binding_for("list_shipping_options")
    options = await binding.list_shipping_options(str(args.checkout_id), args.consignment_id)
    return ShippingOptions(consignment_id=args.consignment_id, options=[option(o) for o in options])


class SelectShippingOption(ToolArgs):
    checkout_id: CheckoutId
    consignment_id: ConsignmentId
    option_id: OptionId
    version: Version = None


async def select_shipping_option(tools: ToolContext, args: SelectShippingOption) -> CheckoutView:
    binding = tools.store.binding_for("select_shipping_option")
    checkout = await binding.select_shipping_option(
        str(args.checkout_id), args.consignment_id, args.option_id, version=args.version
    )
    return checkout_view(checkout)


TOOLS = [
    ToolSpec(
        name="list_shipping_options",
        title="List shipping options",
        description="Shipping options (id, cost) available to a consignment.",
        toolset="shipping",
        effect=Effect.READ,
        args=ListShippingOptions,
        output=ShippingOptions,
        handler=list_shipping_options,
    ),
    ToolSpec(
        name="select_shipping_option",
        title="Select shipping option",
        description="Choose a consignment's shipping option.",
        toolset="shipping",
        effect=Effect.WRITE,
        args=SelectShippingOption,
        output=CheckoutView,
        handler=select_shipping_option,
        idempotent=True,
    ),
]
