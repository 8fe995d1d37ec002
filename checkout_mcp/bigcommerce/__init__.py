"""The upstream: one async httpx client per store, two API bindings, one domain model."""

from checkout_mcp.bigcommerce.errors import (
    BadRequest,
    BigCommerceError,
    ClientError,
    Conflict,
    InvalidIdentifier,
    NotFound,
    OperationNotSupported,
    RateLimited,
    ServerError,
    Unauthorized,
    UnexpectedResponse,
    Unprocessable,
    UpstreamError,
    UpstreamUnavailable,
)
from checkout_mcp.bigcommerce.management import ManagementBinding
from checkout_mcp.bigcommerce.store import ManagementSettings, Store, StorefrontSettings
from checkout_mcp.bigcommerce.storefront import StorefrontBinding
from checkout_mcp.bigcommerce.transport import RetryPolicy, Transport

__all__ = [
    "BadRequest",
    "BigCommerceError",
    "ClientError",
    "Conflict",
    "InvalidIdentifier",
    "ManagementBinding",
    "ManagementSettings",
    "NotFound",
    "OperationNotSupported",
    "RateLimited",
    "RetryPolicy",
    "ServerError",
    "Store",
    "StorefrontBinding",
    "StorefrontSettings",
    "Transport",
    "Unauthorized",
    "UnexpectedResponse",
    "Unprocessable",
    "UpstreamError",
    "UpstreamUnavailable",
]
