"""What a tool is: validated arguments, one declared effect, a handler, and a compact output.

Each resource module (checkouts, carts, ...) lists its `ToolSpec`s in `TOOLS`; the package's
`catalogue()` gathers them in the order an agent walks a checkout. The server registers specs and
its gate runs them. Nothing else knows how a tool is put together.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar, get_args

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


Toolset = Literal["checkouts", "carts", "addresses", "shipping", "discounts", "payments", "orders"]
TOOLSETS: tuple[Toolset, ...] = get_args(Toolset)


@dataclass(frozen=True)
class ToolSpec(Generic[A, R]):
    """One tool. `operation` is the store operation it calls (`Store.supports`); by default its name."""

    name: str
    title: str
    description: str
    toolset: Toolset
    effect: Effect
    args: type[A]
    output: type[R]
    handler: Callable[[ToolContext, A], Awaitable[R]]
    preview: Callable[[ToolContext, A], Awaitable[Preview]] | None = None
    idempotent: bool = False
    operation: str = ""

    def __post_init__(self) -> None:
        if not self.operation:
            object.__setattr__(self, "operation", self.name)
