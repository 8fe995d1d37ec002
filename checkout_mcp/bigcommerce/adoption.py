"""Cart adoption: a cart made through the management API, brought into the storefront session.

A storefront call only sees the checkouts of its shopper session, so on a store with both surfaces
the storefront-only operations (gift certificates, payment methods, finalize_order) answer 404 for
the carts an agent creates through the management API, and for the orders placed from them.
BigCommerce's documented bridge is a cart redirect URL: visiting its single-use `cart_url` loads the
cart into the visitor's session and sets the session cookie. `AdoptingStorefrontBinding` does that
visit itself (`Transport.visit`: HTML or an empty 302, never JSON, never repeated once it may have
reached the store), with the storefront's own HTTP client (so the cookie lands in the jar the
storefront calls use), the first time such an operation finds the checkout outside the session, and
then performs the operation once more.

Why a storefront binding rather than a wrapper around it: tools reach every operation through
`Store.binding_for`, which returns `store.storefront` for the storefront-only ones. Making that very
binding the adopting one keeps the tools, the `Binding` protocol and `binding_for` unchanged, and
keeps the plain `StorefrontBinding` exactly what a shopper's browser sees.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from functools import partial
from typing import NamedTuple, TypeVar
from urllib.parse import urlsplit

import anyio

from checkout_mcp.bigcommerce.errors import NotFound, OperationNotSupported, Unprocessable
from checkout_mcp.bigcommerce.management import ManagementBinding
from checkout_mcp.bigcommerce.models import Checkout, Order, PaymentMethod, RedirectUrls
from checkout_mcp.bigcommerce.storefront import StorefrontBinding
from checkout_mcp.bigcommerce.transport import Transport

T = TypeVar("T")
ADOPT_OPERATION = "load_cart_into_storefront_session"
DEFAULT_PORTS = {"http": 80, "https": 443}
_TOKEN_PARAMETER = re.compile(r"([?&]token=)[^&\s\"']+")


class _CartLinkTokenFilter(logging.Filter):
    """httpx logs every request URL at INFO; the `token` of a cart link in it is a credential."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "token=" in message:
            record.msg, record.args = _TOKEN_PARAMETER.sub(r"\1[redacted]", message), None
        return True


_LINK_TOKEN_FILTER = _CartLinkTokenFilter()


class AdoptingStorefrontBinding(StorefrontBinding):
    """A storefront binding that adopts management-made carts into its session when it must.

    Only the storefront-only operations adopt (the overrides below): those that name a checkout, and
    finalize_order, which finds the checkout through the order management reports. Each checkout is
    adopted at most once per binding (so once per Store): a second 404 after adopting is the store's
    real answer. Everything else, create_order included, behaves as the plain binding.
    """

    def __init__(self, transport: Transport, *, storefront_url: str, management: ManagementBinding) -> None:
        super().__init__(transport)
        self._origin = Origin.of(storefront_url)
        self._management = management
        self._adopted: set[str] = set()
        self._adopting = anyio.Lock()

    async def apply_gift_certificate(self, checkout_id: str, code: str) -> Checkout:
        return await self._in_session(checkout_id, partial(super().apply_gift_certificate, checkout_id, code))

    async def remove_gift_certificate(self, checkout_id: str, code: str) -> Checkout:
        return await self._in_session(
            checkout_id, partial(super().remove_gift_certificate, checkout_id, code)
        )

    async def list_payment_methods(self, checkout_id: str) -> list[PaymentMethod]:
        return await self._in_session(checkout_id, partial(super().list_payment_methods, checkout_id))

    async def finalize_order(self, order_id: int) -> Order:
        """Finalize; an order the session cannot see is looked up through management for its cart.

        The storefront only shows orders placed from the session's carts, so an order created from a
        management-made checkout is a 404 until that cart (the order's `cart_id`) is adopted.
        """
        try:
            return await super().finalize_order(order_id)
        except NotFound:
            cart_id = await self._cart_of(order_id)
            if cart_id is None or not await self._adopt_once(cart_id):
                raise
        return await super().finalize_order(order_id)

    async def _cart_of(self, order_id: int) -> str | None:
        """The cart an order was placed from, as management reports it; None for an unknown order."""
        try:
            order = await self._management.get_order(order_id)
        except NotFound:
            return None
        return order.cart_id

    async def adopt(self, checkout_id: str, redirect_urls: RedirectUrls) -> None:
        """Load the cart into this session by visiting its single-use `cart_url`, as a browser would.

        Only a link on the configured storefront's own origin is visited (its cookie must land in
        this session's jar, and the link's token goes nowhere else); the 302 it answers is not
        followed. The link is never logged nor put into an error.
        """
        link = Origin.of(redirect_urls.cart_url)
        if link != self._origin:
            raise OperationNotSupported(
                "loading a management-API cart into the storefront session",
                f"the store's cart link for checkout {checkout_id} points at {link.text}, not at the "
                f"configured storefront {self._origin.text}, so its session cookie could not reach this "
                "client; open the cart in the shopper's browser (create_cart_redirect_urls gives the "
                "link) and continue there",
            )
        logging.getLogger("httpx").addFilter(_LINK_TOKEN_FILTER)
        await self._transport.visit(redirect_urls.cart_url, operation=ADOPT_OPERATION)

    async def _in_session(self, checkout_id: str, call: Callable[[], Awaitable[T]]) -> T:
        """`call()`; if the session does not hold the checkout, adopt it (once) and call again."""
        try:
            return await call()
        except NotFound:
            if not await self._adopt_once(checkout_id):
                raise
        return await call()

    async def _adopt_once(self, checkout_id: str) -> bool:
        """Whether the checkout is now adopted (by this call or an earlier one) and worth a retry.

        A checkout the management API cannot mint a link for (unknown, or a cart a shopper made on
        the storefront) is not adoptable: the caller re-raises the storefront's own 404.
        """
        key = checkout_id.lower()
        async with self._adopting:
            if key in self._adopted:
                return True
            try:
                redirect_urls = await self._management.create_cart_redirect_urls(checkout_id)
            except (NotFound, Unprocessable):
                return False
            await self.adopt(checkout_id, redirect_urls)
            self._adopted.add(key)
        return True


class Origin(NamedTuple):
    """Scheme, host and port: where a URL's cookies and credentials go."""

    scheme: str
    host: str
    port: int | None

    @classmethod
    def of(cls, url: str) -> Origin:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        return cls(scheme, (parts.hostname or "").lower(), parts.port or DEFAULT_PORTS.get(scheme))

    @property
    def text(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"
