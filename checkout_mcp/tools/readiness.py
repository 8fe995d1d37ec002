"""What stands between a checkout and an order: one notion of readiness for every caller.

`blockers(checkout)` lists each missing piece with the tool that supplies it, in the order to call
them. The checkout's `next` steps, create_order's pre-check (nothing is put to a human that the
store would refuse) and the checkout's diagnosis all read this one function.
"""

from __future__ import annotations

from dataclasses import dataclass

from checkout_mcp.bigcommerce.models import Checkout


@dataclass(frozen=True)
class Blocker:
    """One thing missing: what it is and the tool that fixes it."""

    problem: str
    fix: str

    def text(self) -> str:
        return f"{self.problem} (fix with {self.fix})"


def has_billing_address(checkout: Checkout) -> bool:
    billing = checkout.billing_address
    return billing is not None and bool(billing.address1 or billing.email)


def blockers(checkout: Checkout) -> list[Blocker]:
    """Everything that makes create_order fail now; empty when the checkout is ready to order."""
    if checkout.order_id:
        return [Blocker(f"checkout already has order {checkout.order_id}", "get_order")]
    if not checkout.cart.line_items:
        return [Blocker("the cart is empty", "create_cart")]
    found: list[Blocker] = []
    billing = checkout.billing_address
    if not has_billing_address(checkout):
        found.append(Blocker("no billing address", "add_billing_address"))
    elif billing is not None and not billing.email:
        found.append(Blocker("the billing address has no email", "update_billing_address"))
    shipped = {item_id for c in checkout.consignments for item_id in c.line_item_ids}
    unshipped = [
        line.id for line in checkout.cart.line_items if line.requires_shipping and line.id not in shipped
    ]
    if unshipped:
        found.append(
            Blocker(f"items {', '.join(unshipped)} have no shipping address", "add_shipping_address")
        )
    for consignment in checkout.consignments:
        if consignment.selected_shipping_option is None:
            found.append(
                Blocker(f"consignment {consignment.id} has no shipping option", "select_shipping_option")
            )
    return found
