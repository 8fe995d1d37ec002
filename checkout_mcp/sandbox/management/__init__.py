"""The Management API surface: /stores/{store_hash}/v3 carts, checkouts and catalog; v2 orders.

Each handler authenticates (X-Auth-Token: 401 unknown, 403 read-only token on a write, 404
unknown store hash), parses the snake_case body with Decimal numbers (`bodies`), calls one domain
operation and renders the official spec's snake_case shape (`views`). Money goes out as JSON
numbers (v3) or as the v2 API's 4-place decimal strings.

The catalog reads follow products_catalog.v3.yml (product_Full, metaCollection_Full) and
product-variants_catalog.v3.yml (productVariant_Full), served from the store the carts use, so a
listed stock level, price or purchase limit is the one a cart then enforces (`sandbox.catalog`).
Images are one placeholder per product; `include` honours `variants` and `images`.

Modules: `routes` (authentication and handlers), `bodies` (requests), `views` (answers), the same
shape as `sandbox.storefront`.
"""

from checkout_mcp.sandbox.management.routes import V2, V3, routes

__all__ = ["V2", "V3", "routes"]
