"""What reaches a shopper's browser: checkout tokens, redirect URLs, sessions."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from checkout_mcp.sandbox.errors import SandboxError, invalid, not_found
from checkout_mcp.sandbox.operations.common import get_cart
from checkout_mcp.sandbox.state import Cart, CheckoutToken, Order, RedirectUrl, StoreState, digest

TOKEN_TTL_MAX = 2_592_000


DEFAULT_TOKEN_TTL = 86_400


DEFAULT_TOKEN_MAX_USES = 1


REDIRECT_URL_LIFETIME = timedelta(days=30)


@dataclass(frozen=True)
class RedirectUrlSet:
    cart_url: str
    checkout_url: str
    embedded_checkout_url: str


def create_checkout_token(
    store: StoreState, now: datetime, cart_id: str, max_uses: int | None = None, ttl: int | None = None
) -> str:
    """Mint a token for /order-confirmation/{orderId}?t=...; only its digest is stored.

    Defaults (a sandbox choice, the spec gives none): single use, valid one day.
    """
    cart = get_cart(store, cart_id)
    uses = DEFAULT_TOKEN_MAX_USES if max_uses is None else max_uses
    lifetime = DEFAULT_TOKEN_TTL if ttl is None else ttl
    if uses < 1:
        raise invalid("maxUses must be at least 1.", {"maxUses": "Must be at least 1."})
    if not 1 <= lifetime <= TOKEN_TTL_MAX:
        raise invalid(f"ttl must be between 1 and {TOKEN_TTL_MAX}.", {"ttl": f"Must be 1..{TOKEN_TTL_MAX}."})
    token = secrets.token_hex(32)
    store.checkout_tokens.append(
        CheckoutToken(
            token_digest=digest(token),
            checkout_id=cart.id,
            max_uses=uses,
            expires_at=now + timedelta(seconds=lifetime),
        )
    )
    return token


def check_confirmation_token(store: StoreState, now: datetime, order_id: int, token: str) -> Order:
    """Use one of a checkout token's uses to show an order's confirmation page; 403 if not allowed."""
    refused = SandboxError(403, "The order confirmation link is not valid.")
    record = next((t for t in store.checkout_tokens if t.token_digest == digest(token)), None)
    order = store.orders.get(order_id)
    if record is None or order is None or order.cart_id != record.checkout_id:
        raise refused
    if now >= record.expires_at or record.uses >= record.max_uses:
        raise refused
    record.uses += 1
    return order


def create_redirect_urls(
    store: StoreState, now: datetime, cart_id: str, base_url: str, query_params: dict[str, str] | None = None
) -> RedirectUrlSet:
    """Single-use links (valid 30 days) that restore a management-API cart in a shopper's browser."""
    cart = get_cart(store, cart_id)
    if cart.source != "management":
        raise invalid("Redirect URLs can only be generated from carts created with the REST Management API.")
    token = secrets.token_hex(32)
    params = dict(query_params or {})
    store.redirect_urls.append(
        RedirectUrl(
            token_digest=digest(token),
            cart_id=cart.id,
            expires_at=now + REDIRECT_URL_LIFETIME,
            query_params=params,
        )
    )
    root = base_url.rstrip("/")

    def url(*pairs: tuple[str, str]) -> str:
        return f"{root}/cart.php?{urlencode([*pairs, ('id', cart.id), ('token', token), *params.items()])}"

    return RedirectUrlSet(
        cart_url=url(("action", "load")),
        checkout_url=url(("action", "loadInCheckout")),
        embedded_checkout_url=url(("embedded", "1"), ("action", "loadInCheckout")),
    )


def visit_redirect_url(store: StoreState, now: datetime, cart_id: str, token: str) -> Cart:
    """Spend a redirect URL: the first visit within 30 days gets the cart, any later one is refused (410)."""
    record = next((r for r in store.redirect_urls if r.token_digest == digest(token)), None)
    if record is None or record.cart_id != cart_id or record.used or now >= record.expires_at:
        raise SandboxError(410, "This cart link has already been used or has expired.")
    cart = get_cart(store, cart_id)
    record.used = True
    return cart


def attach_cart_to_session(store: StoreState, session_token: str | None, cart_id: str) -> str:
    """Put a cart in a shopper session (a new one if the token is unknown); returns the session token."""
    get_cart(store, cart_id)
    if session_token is None or session_token not in store.sessions:
        session_token = secrets.token_urlsafe(32)
        store.sessions[session_token] = []
    if cart_id not in store.sessions[session_token]:
        store.sessions[session_token].append(cart_id)
    return session_token


def session_carts(store: StoreState, session_token: str | None) -> list[Cart]:
    cart_ids = store.sessions.get(session_token or "", [])
    return [store.carts[cart_id] for cart_id in cart_ids if cart_id in store.carts]


def session_cart(store: StoreState, session_token: str | None, cart_id: str) -> Cart:
    """A checkout the shopper's session holds; any other (or a deleted one) is "Checkout not found"."""
    cart = store.carts.get(cart_id) if cart_id in store.sessions.get(session_token or "", []) else None
    if cart is None:
        raise not_found("Checkout")
    return cart
