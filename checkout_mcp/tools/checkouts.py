"""Tools on the checkout itself: read it, list the shopper's, set the message, mint a token."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from checkout_mcp.bigcommerce.errors import NotFound
from checkout_mcp.bigcommerce.models import Checkout
from checkout_mcp.policy.effects import Effect
from checkout_mcp.tools.catalog import catalog_for
from checkout_mcp.tools.fields import CheckoutId, Version, ViewField
from checkout_mcp.tools.readiness import blockers
from checkout_mcp.tools.registry import Preview, ToolArgs, ToolContext, ToolOutput, ToolSpec
from checkout_mcp.tools.views import CheckoutView, checkout_view

MAX_TTL_SECONDS = 2_592_000


class GetCheckout(ToolArgs):
    checkout_id: CheckoutId
    shipping_options: bool = Field(default=False, description="include each consignment's options")
    view: ViewField = "compact"


async def get_checkout(tools: ToolContext, args: GetCheckout) -> CheckoutView:
    binding = tools.store.binding_for("get_checkout")
    checkout = await binding.get_checkout(
        str(args.checkout_id), include_shipping_options=args.shipping_options
    )
    return checkout_view(checkout, args.view)


class DiagnoseCheckout(ToolArgs):
    checkout_id: CheckoutId


class Diagnosis(ToolOutput):
    checkout_id: str
    ready: bool
    steps: list[str] = Field(description="tool(arguments): what is missing, in the order to call them")
    order_id: str | None = None

    def summary(self) -> str:
        if self.order_id:
            return f"Checkout {self.checkout_id} already has order {self.order_id}: get_order to see it."
        if self.ready:
            return f"Checkout {self.checkout_id} is ready: create_order."
        return f"Checkout {self.checkout_id} needs {len(self.steps)} step(s): " + "; ".join(self.steps) + "."


async def diagnose_checkout(tools: ToolContext, args: DiagnoseCheckout) -> Diagnosis:
    """The checkout and its products' stock, read once each; the one notion of readiness."""
    checkout_id = str(args.checkout_id)
    try:
        checkout = await tools.store.binding_for("get_checkout").get_checkout(checkout_id)
    except NotFound as gone:
        raise ToolError(
            f"Checkout {checkout_id} does not exist (any more): a finalized order deletes its cart. "
            "list_checkouts shows the ones there are."
        ) from gone
    found = blockers(checkout, await catalog_for(tools, checkout))
    return Diagnosis(
        checkout_id=checkout_id,
        ready=not found,
        steps=[blocker.step() for blocker in found] or ["create_order(checkout_id)"],
        order_id=checkout.order_id,
    )


class ListCheckouts(ToolArgs):
    pass


class CheckoutList(ToolOutput):
    checkouts: list[CheckoutView]

    def summary(self) -> str:
        if not self.checkouts:
            return "The shopper session has no checkouts."
        return "; ".join(c.summary() for c in self.checkouts)


LISTED = 10


async def list_checkouts(tools: ToolContext, args: ListCheckouts) -> CheckoutList:
    """The shopper session's checkouts (storefront), then those this server worked on, newest first."""
    checkouts = []
    if tools.store.supports("list_checkouts"):
        checkouts = await tools.store.binding_for("list_checkouts").list_checkouts()
    listed = {c.id for c in checkouts}
    reader = tools.store.binding_for("get_checkout")
    for checkout_id in tools.known.recent():
        if len(checkouts) >= LISTED:
            break
        if checkout_id in listed:
            continue
        try:
            checkouts.append(await reader.get_checkout(checkout_id))
        except NotFound:
            tools.known.forget(checkout_id)
    return CheckoutList(checkouts=[checkout_view(c) for c in checkouts])


class UpdateCustomerMessage(ToolArgs):
    checkout_id: CheckoutId
    message: Annotated[str, Field(max_length=2000, description="shopper's note to the store")]
    version: Version = None


async def update_customer_message(tools: ToolContext, args: UpdateCustomerMessage) -> CheckoutView:
    binding = tools.store.binding_for("update_customer_message")
    checkout = await binding.update_customer_message(
        str(args.checkout_id), args.message, version=args.version
    )
    return checkout_view(checkout)


class CreateCheckoutToken(ToolArgs):
    checkout_id: CheckoutId
    max_uses: Annotated[int, Field(ge=1, le=1000, description="times the token may be used")] = 1
    ttl_seconds: Annotated[int, Field(ge=1, le=MAX_TTL_SECONDS, description="lifetime in seconds")] = 3600


class CheckoutTokenView(ToolOutput):
    checkout_id: str
    checkout_token: str = Field(description="secret: give it only to the shopper's browser")
    max_uses: int
    ttl_seconds: int
    confirmation_url_path: str | None = Field(
        default=None, description="append ?t=<token> after the order exists"
    )

    def summary(self) -> str:
        return (
            f"Checkout token minted for {self.checkout_id}: {self.max_uses} use(s), "
            f"valid {self.ttl_seconds} s. It is in checkout_token; treat it as a secret."
        )

    def secrets(self) -> list[str]:
        return [self.checkout_token]


async def create_checkout_token(
    tools: ToolContext, args: CreateCheckoutToken, preview: Preview
) -> CheckoutTokenView:
    binding = tools.store.binding_for("create_checkout_token")
    checkout_id = str(args.checkout_id)
    checkout: Checkout = preview.state
    token = await binding.create_checkout_token(
        checkout_id, max_uses=args.max_uses, ttl_seconds=args.ttl_seconds
    )
    return CheckoutTokenView(
        checkout_id=checkout_id,
        checkout_token=token.token.get_secret_value(),
        max_uses=args.max_uses,
        ttl_seconds=args.ttl_seconds,
        confirmation_url_path=f"/order-confirmation/{checkout.order_id}" if checkout.order_id else None,
    )


async def preview_checkout_token(tools: ToolContext, args: CreateCheckoutToken) -> Preview:
    checkout = await tools.store.binding_for("get_checkout").get_checkout(str(args.checkout_id))
    return Preview(
        text=(
            f"Mint a checkout token for checkout {checkout.id} (order {checkout.order_id or 'none yet'}): "
            f"usable {args.max_uses} time(s) for {args.ttl_seconds} seconds. "
            "Anyone holding it can open the order confirmation page."
        ),
        details={
            "checkout_id": checkout.id,
            "order_id": checkout.order_id,
            "max_uses": args.max_uses,
            "ttl_seconds": args.ttl_seconds,
        },
        fingerprint={"version": checkout.version, "order_id": checkout.order_id},
        state=checkout,
    )


TOOLS = [
    ToolSpec(
        name="diagnose_checkout",
        title="Diagnose checkout",
        description="What stands between a checkout and an order, each with the tool that fixes it.",
        toolset="checkouts",
        effect=Effect.READ,
        args=DiagnoseCheckout,
        output=Diagnosis,
        handler=diagnose_checkout,
        operation="get_checkout",
    ),
    ToolSpec(
        name="get_checkout",
        title="Get checkout",
        description="Read a checkout: items, addresses, shipping, discounts, totals, next steps.",
        toolset="checkouts",
        effect=Effect.READ,
        args=GetCheckout,
        output=CheckoutView,
        handler=get_checkout,
    ),
    ToolSpec(
        name="list_checkouts",
        title="List checkouts",
        description="List the shopper session's checkouts and those this server worked on, newest first.",
        toolset="checkouts",
        effect=Effect.READ,
        args=ListCheckouts,
        output=CheckoutList,
        handler=list_checkouts,
        operation="get_checkout",
    ),
    ToolSpec(
        name="update_customer_message",
        title="Set customer message",
        description="Set the shopper's message on a checkout (max 2000 characters).",
        toolset="checkouts",
        effect=Effect.WRITE,
        args=UpdateCustomerMessage,
        output=CheckoutView,
        handler=update_customer_message,
        idempotent=True,
    ),
    ToolSpec(
        name="create_checkout_token",
        title="Create checkout token",
        description="Mint a token for a guest's order confirmation page. Secret credential.",
        toolset="checkouts",
        effect=Effect.IRREVERSIBLE,
        args=CreateCheckoutToken,
        output=CheckoutTokenView,
        handler=create_checkout_token,
        preview=preview_checkout_token,
    ),
]
