"""What a tool is: validated arguments, one declared effect, a handler, and a compact output.

Each resource module (checkouts, carts, ...) lists its `ToolSpec`s in `TOOLS`; the package's
`catalogue()` gathers them in the order an agent walks a checkout. The server registers specs and
its gate runs them. Nothing else knows how a tool is put together.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, Literal, Self, TypeVar, get_args

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, ConfigDict

from checkout_mcp.bigcommerce.store import Store
from checkout_mcp.policy.audit import AuditJournal
from checkout_mcp.policy.effects import Effect
from checkout_mcp.policy.ledger import OrderLedger
from checkout_mcp.tools.known import KnownCheckouts


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

    def offered_only(self, tools: frozenset[str]) -> Self:
        """This result as said by a server that offers only `tools` (a read-only one, say): it
        points to no tool the agent cannot call there."""
        return self


A = TypeVar("A", bound=ToolArgs)
R = TypeVar("R", bound=ToolOutput)


@dataclass(frozen=True)
class ToolContext:
    """What a handler may use: the store, the order ledger that keeps create_order single, the journal."""

    store: Store
    ledger: OrderLedger
    store_identity: str
    journal: AuditJournal
    known: KnownCheckouts = field(default_factory=KnownCheckouts)
    settle_after_seconds: float = 30.0
    """How long a post from a server that died may still reach the store (twice its timeout)."""


@dataclass(frozen=True)
class Preview:
    """What a destructive or irreversible call will do, read from the store just now.

    `text` is shown to whoever confirms it (outside parties' text quoted, see tools/quoting.py);
    `details` is the same as data. `fingerprint` is everything that was approved (version, items,
    totals, addresses, shipping): the call runs only while the store still matches it. `blockers`
    are what would make the call fail (then nobody is asked); `harmless` means nothing irreversible
    will happen (an existing order is returned), so nobody needs to be asked. `grand_total` and
    `quantities` are what the store owner's limits look at; `state` is the object read, handed to
    the handler so it acts on exactly what was checked.
    """

    text: str
    details: dict[str, Any]
    fingerprint: dict[str, Any]
    blockers: tuple[str, ...] = ()
    harmless: bool = False
    grand_total: Decimal | None = None
    quantities: tuple[int, ...] = ()
    state: Any = None


class OutcomeUnknown(ToolError):
    """Whether the call took effect on the store is not known; it is journaled as ambiguous."""


class OrderCancelled(ToolError):
    """An order was made but differed from what was confirmed, so it was cancelled on the store."""

    def __init__(self, message: str, order_id: int) -> None:
        super().__init__(message)
        self.order_id = order_id


Toolset = Literal["catalog", "checkouts", "carts", "addresses", "shipping", "discounts", "payments", "orders"]
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
    handler: Callable[[ToolContext, A], Awaitable[R]] | Callable[[ToolContext, A, Preview], Awaitable[R]]
    """`(tools, args)`; a tool with a `preview` gets `(tools, args, preview)`, the preview checked now."""
    preview: Callable[[ToolContext, A], Awaitable[Preview]] | None = None
    idempotent: bool = False
    operation: str = ""

    def __post_init__(self) -> None:
        if not self.operation:
            object.__setattr__(self, "operation", self.name)
