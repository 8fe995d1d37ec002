"""What a tool is: validated arguments, one declared effect, a handler, and a compact output.

Each resource module (checkouts, carts, ...) lists its `ToolSpec`s in `TOOLS`; `catalogue()`
gathers them in the order an agent walks a checkout. The server registers specs; the policy gate
runs them. Nothing else knows how a tool is put together.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from mcp.types import ToolAnnotations
from pydantic import BaseModel, ConfigDict

from checkout_mcp.bigcommerce.store import Store
from checkout_mcp.policy.effects import Effect
from checkout_mcp.policy.ledger import OrderLedger


class ToolArgs(BaseModel):
    """Base of every tool's arguments: unknown keys are an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ToolOutput(BaseModel):
    """Base of every tool's compact result; `summary()` is the short text rendering."""

    def summary(self) -> str:
        raise NotImplementedError

    def secrets(self) -> list[str]:
        """Credentials in this result; the gate registers them so no journal or log shows them."""
        return []


A = TypeVar("A", bound=ToolArgs)
R = TypeVar("R", bound=ToolOutput)


@dataclass(frozen=True)
class ToolContext:
    """What a handler may use: the store, and the order ledger that keeps create_order single."""

    store: Store
    ledger: OrderLedger
    store_identity: str


@dataclass(frozen=True)
class Preview:
    """What a destructive or irreversible call will do, shown to whoever confirms it.

    `fingerprint` is the state the preview was computed from (version, grand total); a
    confirmation given for one fingerprint does not hold once the checkout has changed.
    """

    text: str
    details: dict[str, Any]
    fingerprint: dict[str, Any]


@dataclass(frozen=True)
class ToolSpec(Generic[A, R]):
    name: str
    title: str
    description: str
    toolset: str
    effect: Effect
    operation: str
    args: type[A]
    output: type[R]
    handler: Callable[[ToolContext, A], Awaitable[R]]
    preview: Callable[[ToolContext, A], Awaitable[Preview]] | None = None
    idempotent: bool = False

    def annotations(self) -> ToolAnnotations:
        return self.effect.annotations(idempotent=self.idempotent)


def catalogue() -> list[ToolSpec[Any, Any]]:
    """Every tool, in the order of a checkout: look, fill the cart, address, ship, discount, order."""
    from checkout_mcp.tools import addresses, carts, checkouts, discounts, orders, payments, shipping

    specs = [
        *checkouts.TOOLS,
        *carts.TOOLS,
        *addresses.TOOLS,
        *shipping.TOOLS,
        *discounts.TOOLS,
        *payments.TOOLS,
        *orders.TOOLS,
    ]
    names = [spec.name for spec in specs]
    duplicates = {name for name in names if names.count(name) > 1}
    if duplicates:
        raise RuntimeError(f"tool names must be unique; repeated: {sorted(duplicates)}")
    return specs


TOOLSETS = ("checkouts", "carts", "addresses", "shipping", "discounts", "payments", "orders")
