"""What stands between a checkout and an order: one notion of readiness for every caller.

`blockers(checkout, catalog)` lists each missing piece with the tool that supplies it, in the order
to call them. The checkout's `next` steps, create_order's pre-check (nothing is put to a human that
the store would refuse) and the checkout's diagnosis all read this one function. With the catalog
(the products in the cart, where the management API is configured) it also checks stock,
purchasability and purchase limits, which the store enforces when the order is finalized.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from checkout_mcp.bigcommerce.models import Checkout, LineItem, Product, Variant


@dataclass(frozen=True)
class Blocker:
    """One thing missing: what it is, the tool that fixes it and the arguments that tool needs."""

    problem: str
    fix: str
    arguments: str = "checkout_id"

    def text(self) -> str:
        return f"{self.problem} (fix with {self.fix})"

    def step(self) -> str:
        """`tool(arguments): problem`, as diagnose_checkout lists it."""
        return f"{self.fix}({self.arguments}): {self.problem}"


def has_billing_address(checkout: Checkout) -> bool:
    billing = checkout.billing_address
    return billing is not None and bool(billing.address1 or billing.email)


def sellable(product: Product, variant: Variant | None) -> bool:
    return product.purchasable and (variant is None or variant.purchasable)


def stock_level(product: Product, variant: Variant | None) -> int | None:
    """What is in stock for this product (or variant); None where the store does not count it."""
    if product.inventory_tracking == "product":
        return product.inventory_level
    if product.inventory_tracking == "variant" and variant is not None:
        return variant.inventory_level
    return None


def stock_problem(line: LineItem, product: Product) -> str | None:
    """Why the store would not sell this line as it stands, or None."""
    variant = next((v for v in product.variants or [] if v.id == line.variant_id), None)
    if not sellable(product, variant):
        return "is not purchasable"
    stock = stock_level(product, variant)
    if stock is not None and line.quantity > stock:
        return f"has {stock} in stock, {line.quantity} wanted"
    if product.order_quantity_maximum and line.quantity > product.order_quantity_maximum:
        return f"is limited to {product.order_quantity_maximum} per order"
    if product.order_quantity_minimum and line.quantity < product.order_quantity_minimum:
        return f"needs at least {product.order_quantity_minimum} per order"
    return None


def fix_for_line(line: LineItem, problem: str) -> Blocker:
    """A line that cannot be sold at any quantity is removed; one over a limit or the stock, changed."""
    if problem == "is not purchasable" or problem.startswith("has 0 in stock"):
        return Blocker(f"item {line.id} {problem}", "remove_cart_item", f"checkout_id, item_id={line.id}")
    return Blocker(
        f"item {line.id} {problem}", "update_cart_item", f"checkout_id, item_id={line.id}, quantity"
    )


def blockers(checkout: Checkout, catalog: Mapping[int, Product] | None = None) -> list[Blocker]:
    """Everything that makes the order fail now; empty when the checkout is ready to order."""
    if checkout.order_id:
        return [
            Blocker(
                f"checkout already has order {checkout.order_id}",
                "get_order",
                f"order_id={checkout.order_id}",
            )
        ]
    if not checkout.cart.line_items:
        return [Blocker("the cart is empty", "create_cart", "items")]
    found: list[Blocker] = []
    products = catalog or {}
    for line in checkout.cart.line_items if products else ():  # no catalog: no stock to check
        product = products.get(line.product_id or 0)
        problem = stock_problem(line, product) if product is not None else None
        if problem is not None:
            found.append(fix_for_line(line, problem))
    billing = checkout.billing_address
    if not has_billing_address(checkout):
        found.append(Blocker("no billing address", "add_billing_address", "checkout_id, address with email"))
    elif billing is not None and not billing.email:
        found.append(
            Blocker(
                "the billing address has no email",
                "update_billing_address",
                f"checkout_id, address_id={billing.id}, address with email",
            )
        )
    shipped = {item_id for c in checkout.consignments for item_id in c.line_item_ids}
    unshipped = [
        line.id for line in checkout.cart.line_items if line.requires_shipping and line.id not in shipped
    ]
    if unshipped:
        found.append(
            Blocker(
                f"items {', '.join(unshipped)} have no shipping address",
                "add_shipping_address",
                "checkout_id, address",
            )
        )
    for consignment in checkout.consignments:
        if consignment.selected_shipping_option is None:
            found.append(
                Blocker(f"consignment {consignment.id} has no shipping option", "select_shipping_option")
            )
    return found
