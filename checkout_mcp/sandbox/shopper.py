"""The pages a shopper's browser opens: cart redirect links and the order confirmation page.

A redirect link (`/cart.php?action=load|loadInCheckout&id=..&token=..`) works once, within 30
days: it puts the cart into the browser's storefront session (cookie SHOP_SESSION_TOKEN) and
redirects (302) to the cart page or the checkout. The confirmation page
(`/order-confirmation/{orderId}?t={checkoutToken}`) spends one use of a checkout token.
Failures are small HTML pages with the status (410 for a spent link, 403 for a refused token).
"""

from __future__ import annotations

from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from checkout_mcp.sandbox import operations as ops
from checkout_mcp.sandbox.errors import SandboxError
from checkout_mcp.sandbox.runtime import sandbox_of

SESSION_COOKIE = "SHOP_SESSION_TOKEN"
SESSION_MAX_AGE = 30 * 24 * 3600
LOAD_TARGETS = {"load": "/cart.php", "loadInCheckout": "/checkout"}


def page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = f"<!doctype html><html><head><title>{escape(title)}</title></head><body>{body}</body></html>"
    return HTMLResponse(html, status_code=status)


def session_page(request: Request, title: str) -> Response:
    """The cart or checkout page: the session's carts, listed."""
    sandbox = sandbox_of(request)
    carts = ops.session_carts(sandbox.store, request.cookies.get(SESSION_COOKIE))
    items = "".join(
        f"<li>{escape(item.name)} x {item.quantity}</li>" for cart in carts for item in cart.line_items
    )
    return page(
        title,
        f"<h1>{escape(title)}</h1><ul>{items}</ul>" if items else f"<h1>{escape(title)}</h1><p>Empty.</p>",
    )


async def cart_page(request: Request) -> Response:
    action = request.query_params.get("action")
    if action is None:
        return session_page(request, "Your cart")
    target = LOAD_TARGETS.get(action)
    cart_id, token = request.query_params.get("id", ""), request.query_params.get("token", "")
    if target is None:
        return page("Not found", "<p>Unknown cart action.</p>", 404)
    sandbox = sandbox_of(request)
    try:
        cart = ops.visit_redirect_url(sandbox.store, sandbox.clock.now(), cart_id, token)
    except SandboxError as exc:
        return page("Link not valid", f"<p>{escape(exc.title)}</p>", exc.status)
    session = ops.attach_cart_to_session(sandbox.store, request.cookies.get(SESSION_COOKIE), cart.id)
    response = RedirectResponse(target, status_code=302)
    response.set_cookie(SESSION_COOKIE, session, max_age=SESSION_MAX_AGE, httponly=True, samesite="lax")
    return response


async def checkout_page(request: Request) -> Response:
    return session_page(request, "Checkout")


async def order_confirmation(request: Request) -> Response:
    sandbox = sandbox_of(request)
    order_id = request.path_params["order_id"]
    try:
        order = ops.check_confirmation_token(
            sandbox.store, sandbox.clock.now(), order_id, request.query_params.get("t", "")
        )
    except SandboxError as exc:
        return page("Forbidden", f"<p>{escape(exc.title)}</p>", 403)
    total = f"{order.total_inc_tax} {escape(order.currency)}"
    return page("Order confirmation", f"<h1>Thank you for your order #{order.id}</h1><p>Total: {total}</p>")


def routes() -> list[BaseRoute]:
    return [
        Route("/cart.php", cart_page, methods=["GET"]),
        Route("/checkout", checkout_page, methods=["GET"]),
        Route("/order-confirmation/{order_id:int}", order_confirmation, methods=["GET"]),
    ]
