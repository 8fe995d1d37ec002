"""A configured store: its API bindings, and which one serves each operation.

The management surface is preferred (server-side agents have no shopper cookie); the storefront
serves what management lacks, or everything when it is the only surface configured. With both
surfaces, the storefront binding adopts management-made carts into its session when a
storefront-only operation needs them (see `adoption`).
"""

from __future__ import annotations

import inspect
import random
import time
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

import anyio
import anyio.lowlevel
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from checkout_mcp.bigcommerce.adoption import AdoptingStorefrontBinding
from checkout_mcp.bigcommerce.binding import Binding, Surface
from checkout_mcp.bigcommerce.errors import OperationNotSupported
from checkout_mcp.bigcommerce.management import ManagementBinding
from checkout_mcp.bigcommerce.storefront import StorefrontBinding
from checkout_mcp.bigcommerce.transport import RetryPolicy, Sleep, Transport

if TYPE_CHECKING:
    import httpx

    from checkout_mcp.sandbox import Sandbox

SANDBOX_BASE_URL = "http://sandbox.test"

OPERATIONS: frozenset[str] = frozenset(
    name for name, member in vars(Binding).items() if inspect.iscoroutinefunction(member)
)


class ManagementSettings(BaseModel):
    """How to reach a store's Management API."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    api_url: str = "https://api.bigcommerce.com"
    store_hash: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    access_token: SecretStr


class StorefrontSettings(BaseModel):
    """How to reach a store's Storefront API (its public URL; the session cookie is the credential)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    storefront_url: str = Field(min_length=1)


class Store:
    """The bindings configured for one store; close it with `aclose()` (or `async with`)."""

    def __init__(
        self,
        *,
        management: ManagementBinding | None,
        storefront: StorefrontBinding | None,
        transports: list[Transport],
    ) -> None:
        if management is None and storefront is None:
            raise ValueError("A store needs at least one API surface (management or storefront)")
        self.management = management
        self.storefront = storefront
        self._transports = transports

    @classmethod
    def connect(
        cls,
        *,
        management: ManagementSettings | None = None,
        storefront: StorefrontSettings | None = None,
        timeout: httpx.Timeout | float | None = None,
        retry: RetryPolicy | None = None,
        sleep: Sleep = anyio.sleep,
        now: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> Store:
        """A store over real HTTP. Surfaces on the same base URL share one client (and its pacing).

        `timeout`: an httpx.Timeout, or seconds for each phase; None for `connection.DEFAULT_TIMEOUT`.
        """
        transports: dict[str, Transport] = {}

        def transport_for(base_url: str) -> Transport:
            key = base_url.rstrip("/")
            if key not in transports:
                transports[key] = Transport(key, timeout=timeout, retry=retry, sleep=sleep, now=now, rng=rng)
            return transports[key]

        management_binding = (
            ManagementBinding(
                transport_for(management.api_url), management.store_hash, management.access_token
            )
            if management
            else None
        )
        return cls(
            management=management_binding,
            storefront=storefront_binding(
                transport_for(storefront.storefront_url), storefront.storefront_url, management_binding
            )
            if storefront
            else None,
            transports=list(transports.values()),
        )

    @classmethod
    def for_sandbox(
        cls,
        sandbox: Sandbox,
        *,
        surfaces: Collection[Surface] = ("management", "storefront"),
        retry: RetryPolicy | None = None,
        rng: random.Random | None = None,
    ) -> Store:
        """The surfaces of an in-process sandbox, through httpx's ASGI transport (real HTTP semantics).

        Waiting (rate-limit pacing, retry backoff) advances the sandbox's clock instead of sleeping:
        the sandbox's time is the only time its rate limiter knows.
        """
        transport = Transport(
            SANDBOX_BASE_URL,
            app=sandbox.app,
            retry=retry,
            sleep=clock_sleep(sandbox),
            now=sandbox.clock.timestamp,
            rng=rng,
        )
        credentials = sandbox.credentials
        management = (
            ManagementBinding(transport, credentials.store_hash, credentials.access_token)
            if "management" in surfaces
            else None
        )
        return cls(
            management=management,
            storefront=storefront_binding(transport, SANDBOX_BASE_URL, management)
            if "storefront" in surfaces
            else None,
            transports=[transport],
        )

    def supports(self, operation: str) -> bool:
        return any(operation in _offered(binding) for binding in self._bindings())

    def binding_for(self, operation: str) -> Binding:
        """The binding that serves `operation`: management if it can, else the storefront."""
        if operation not in OPERATIONS:
            raise OperationNotSupported(
                operation, f"it is not a checkout operation (known: {sorted(OPERATIONS)})"
            )
        for binding in self._bindings():
            if operation in _offered(binding):
                return binding
        configured = " and ".join(binding.surface for binding in self._bindings())
        raise OperationNotSupported(
            operation, f"the configured {configured} API does not offer it; configure the other surface"
        )

    def _bindings(self) -> list[ManagementBinding | StorefrontBinding]:
        return [binding for binding in (self.management, self.storefront) if binding is not None]

    async def aclose(self) -> None:
        for transport in self._transports:
            await transport.aclose()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def storefront_binding(
    transport: Transport, storefront_url: str, management: ManagementBinding | None
) -> StorefrontBinding:
    """The storefront binding; one that can adopt management-made carts when management is there too."""
    if management is None:
        return StorefrontBinding(transport)
    return AdoptingStorefrontBinding(transport, storefront_url=storefront_url, management=management)


def _offered(binding: ManagementBinding | StorefrontBinding) -> frozenset[str]:
    return OPERATIONS - binding.lacks


def clock_sleep(sandbox: Sandbox) -> Sleep:
    """A `sleep` that advances the sandbox's clock by the requested time (and yields once)."""

    async def sleep(seconds: float) -> None:
        sandbox.clock.advance(max(0.0, seconds))
        await anyio.lowlevel.checkpoint()

    return sleep
