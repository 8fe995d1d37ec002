"""The storefront surface under /api/storefront: camelCase JSON, a shopper session, no API token.

Shapes follow checkouts.sf.yml, carts.sf.yml and orders.sf.yml; operations only the early-access
seed (004) documents keep its paths and `{"data": ...}` envelopes (GET /checkouts, payments,
shipping options, POST .../order, PUT /orders/{id}). A shopper reaches only the carts its session
holds (cookie SHOP_SESSION_TOKEN): any other checkout or order is 404, as on a real storefront.
POST /carts starts a session if the request has none; a redirect-URL visit (shopper.py) attaches a
server-made cart. Write operations take the spec's optional `version` (409 on a mismatch).

Modules: `routes` (the shopper's request and the handlers), `bodies` (requests), `views`
(answers, respelling the shared snake_case views of `sandbox.views`), as `sandbox.management`.
"""

from checkout_mcp.sandbox.storefront.routes import PREFIX, routes

__all__ = ["PREFIX", "routes"]
