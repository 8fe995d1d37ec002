"""The route table against the documents: every route served is contract-tested with its success and
each documented error, and every operation the client (so every tool) uses is served."""

from __future__ import annotations

import pytest
from starlette.routing import Route

from checkout_mcp.bigcommerce.management import ManagementBinding
from checkout_mcp.bigcommerce.store import OPERATIONS
from checkout_mcp.bigcommerce.storefront import StorefrontBinding
from checkout_mcp.sandbox import create_sandbox
from checkout_mcp.tools import catalogue
from tests.contract import seed004, specs, test_management, test_storefront
from tests.contract.harness import COVERED, route_key
from tests.contract.operations import CLIENT_ROUTES, NOT_API_PREFIXES, ROUTES, SEED

CONTRACT_MODULES = (test_management, test_storefront)  # importing them fills COVERED
ERROR_STATUSES = frozenset({401, 403, 404, 409, 422, 429})


def served_routes() -> set[str]:
    routes = [r for r in create_sandbox().api.routes if isinstance(r, Route)]
    return {
        route_key(route, method)
        for route in routes
        if not route.path.startswith(NOT_API_PREFIXES)
        for method in sorted(set(route.methods or ()) - {"HEAD"})
    }


def documented_statuses(route: str) -> set[int]:
    source = ROUTES[route]
    if source.spec == SEED:
        return set(seed004.OPERATIONS[source.path].responses)
    method = route.partition(" ")[0].lower()
    responses = specs.document(source.spec)["paths"][source.path][method]["responses"]
    return {int(status) for status in responses}


def test_every_served_route_has_its_document() -> None:
    assert served_routes() == set(ROUTES)


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_each_route_is_tested_for_its_success_and_documented_errors(route: str) -> None:
    declared = COVERED[route]
    documented = documented_statuses(route)
    assert any(200 <= status < 300 for status in declared), f"{route}: no success is contract-tested"
    missing = sorted((documented & ERROR_STATUSES) - declared)
    assert not missing, f"{route}: documented errors {missing} are not contract-tested"


@pytest.mark.parametrize(
    ("surface", "binding"), [("management", ManagementBinding), ("storefront", StorefrontBinding)]
)
def test_every_client_operation_is_served(
    surface: str, binding: type[ManagementBinding | StorefrontBinding]
) -> None:
    """Tools reach the store only through `Binding` operations: each offered one has served routes."""
    assert set(CLIENT_ROUTES[surface]) == OPERATIONS - binding.lacks
    served = served_routes()
    for operation, routes in CLIENT_ROUTES[surface].items():
        assert routes and set(routes) <= served, (surface, operation)


def test_every_tool_operation_is_a_served_client_operation() -> None:
    """Each tool names the store operation it calls; some surface sends it, to served routes."""
    for spec in catalogue():
        assert spec.operation in OPERATIONS, spec.name
        assert any(spec.operation in routes for routes in CLIENT_ROUTES.values()), spec.name
