"""Checking one sandbox answer against the document that defines its operation.

`check(route, request, response)` finds the route's operation (`operations.ROUTES`): an official
spec, validated with openapi-core (status documented, content type, body schema), or a seed-004
operation, validated with jsonschema against the seed's models. `check_request` does the same for
what a client sends (official specs only: the seed documents its request bodies loosely). A violation is a
`ContractViolation` whose message names the operation, each offending field and the rule it
breaks, e.g. "getCheckout (checkouts.v3.yml GET /checkouts/{checkoutId}) answered 200:
data.grand_total: type (None is not of type 'number')".
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import httpx
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from openapi_core.exceptions import OpenAPIError
from openapi_core.testing import MockRequest, MockResponse
from openapi_core.validation.request.exceptions import ParameterValidationError

from tests.contract import seed004, specs
from tests.contract.operations import ROUTES, SEED, SF

# The hosts of the specs' servers; requests are checked as if sent there.
MANAGEMENT_HOST = "https://api.bigcommerce.com"
STOREFRONT_HOST = "https://store.example.com"  # servers: https://{store_domain}/api/storefront


class ContractViolation(AssertionError):
    """A sandbox answer that its operation's document does not allow."""


def check(route: str, request: httpx.Request, response: httpx.Response) -> None:
    source = ROUTES[route]
    method = route.partition(" ")[0]
    if source.spec == SEED:
        seed_operation = seed004.OPERATIONS[source.path]
        where = f"{seed_operation.operation_id} (seed 004 {source.path})"
        _check_seed(where, seed_operation, response)
        return
    operation = specs.document(source.spec)["paths"][source.path][method.lower()]
    where = f"{operation.get('operationId', '?')} ({source.spec} {method} {source.path})"
    mock_request = MockRequest(_host(request), method, request.url.path, args=dict(request.url.params))
    mock_response = MockResponse(
        response.content,
        status_code=response.status_code,
        headers=dict(response.headers),
        content_type=response.headers.get("content-type", ""),
    )
    try:
        specs.api(source.spec).validate_response(mock_request, mock_response)
    except OpenAPIError as exc:
        raise ContractViolation(f"{where} answered {response.status_code}: {describe(exc)}") from None


def check_request(route: str, request: httpx.Request, body: bytes) -> None:
    """What our client sends, against the spec's parameters and request body."""
    source = ROUTES[route]
    if source.spec == SEED:
        return
    method = route.partition(" ")[0]
    operation = specs.document(source.spec)["paths"][source.path][method.lower()]
    where = f"{operation.get('operationId', '?')} ({source.spec} {method} {source.path})"
    mock_request = MockRequest(
        _host(request),
        method,
        request.url.path,
        args=dict(request.url.params),
        headers=dict(request.headers),
        data=body,
        content_type=request.headers.get("content-type", "application/json"),
    )
    try:
        specs.api(source.spec).validate_request(mock_request)
    except OpenAPIError as exc:
        raise ContractViolation(f"{where} was sent a request the spec refuses: {describe(exc)}") from None


def _host(request: httpx.Request) -> str:
    return STOREFRONT_HOST if request.url.path.startswith(SF) else MANAGEMENT_HOST


def _check_seed(where: str, operation: seed004.SeedOperation, response: httpx.Response) -> None:
    schema = operation.responses.get(response.status_code)
    if schema is None:
        documented = sorted(operation.responses)
        raise ContractViolation(
            f"{where} answered {response.status_code}: status: not documented ({documented})"
        )
    errors = list(Draft202012Validator(schema).iter_errors(json.loads(response.content or b"null")))
    if errors:
        raise ContractViolation(f"{where} answered {response.status_code}: {field_errors(errors)}")


def describe(exc: BaseException) -> str:
    """What openapi-core found, as "field: rule (message)" per offending field (a parameter is named
    as "query parameter sort")."""
    cause: Any = exc.__cause__ or exc
    errors = list(getattr(cause, "schema_errors", ()) or ())
    parameter = (
        f"{exc.location} parameter {exc.name}" if isinstance(exc, ParameterValidationError) else "body"
    )
    return field_errors(errors, parameter) if errors else f"{type(exc).__name__}: {exc}"


def field_errors(errors: Iterable[ValidationError], root: str = "body") -> str:
    """One line per field (the first rule it breaks), in document order."""
    seen: dict[str, str] = {}
    for error in errors:
        field = ".".join(str(part) for part in error.absolute_path) or root
        seen.setdefault(field, f"{field}: {error.validator} ({error.message[:160]})")
    return "; ".join(seen.values())
