"""Every sandbox route, fuzzed with hostile HTTP requests: clear refusals that change nothing.

Requests come from hypothesis: each route's method, its path with real ids of the right kind or
hostile ones (traversal, injection, invalid percent-encoded UTF-8), query parameters the official
spec lists, and a body shaped by the spec's request schema (the sandbox's own models where only
seed 004 documents it) as it is or made hostile (`bodies`), sent through httpx's ASGI
transport. Each answer must
- never be a 5xx (faults are off, so a 5xx is a crash) nor an exception out of the app;
- for a refusal, be a 4xx JSON body in BigCommerce's error shape whose status is the answer's
  (the shopper's browser pages answer HTML), no bigger than `MAX_ERROR_BYTES`;
- for a success, be valid JSON (or HTML for the browser pages, or no body);
and the store must stay consistent: a refusal or an API read changes nothing (the export before
and after are equal), the export always round-trips as UTF-8 JSON, and every cart or order a
success changed still renders on both surfaces.

`make test` runs a fast pass; `CHECKOUT_MCP_FUZZ_EXAMPLES=10000` (the long run) generates more.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from starlette.routing import Route

from checkout_mcp.sandbox import Sandbox, create_sandbox
from checkout_mcp.sandbox import operations as ops
from checkout_mcp.sandbox import seed as demo
from checkout_mcp.sandbox.admin import ClockAdvance, FaultRules
from checkout_mcp.sandbox.credentials import Credentials
from checkout_mcp.sandbox.payloads import Versioned
from checkout_mcp.sandbox.shopper import SESSION_COOKIE
from checkout_mcp.sandbox.state import StoreState
from checkout_mcp.sandbox.storefront.bodies import OrderBody
from checkout_mcp.sandbox.views import storefront_key
from tests.contract import specs
from tests.contract.operations import ROUTES, SEED
from tests.robustness.bodies import (
    HOSTILE_TEXT,
    bodies,
    from_example,
    from_schema,
    media_examples,
    resolve,
    scalars,
)

EXAMPLES = int(os.environ.get("CHECKOUT_MCP_FUZZ_EXAMPLES", "300"))
BASE_URL = "http://sandbox.test"
MAX_ERROR_BYTES = 64 * 2**10
BROWSER_PAGES = ("/cart.php", "/checkout", "/order-confirmation/")
PARAM = re.compile(r"{(\w+)(?::\w+)?}")
# Routes that only seed 004 or the sandbox itself documents: the model that reads their body.
MODEL_BODIES: dict[str, type[BaseModel]] = {
    "PUT /api/storefront/checkouts/{checkoutId}/shipping-addresses/{consignmentId}/options/{optionId}": (
        Versioned
    ),
    "POST /api/storefront/checkouts/{checkoutId}/order": OrderBody,
    "PUT /__sandbox/faults": FaultRules,
    "POST /__sandbox/clock": ClockAdvance,
}
STATE_ROUTE = "PUT /__sandbox/state"


@dataclass(frozen=True)
class Baseline:
    """The store every example starts from: the demo store with all its carts in one shopper session
    (so the storefront routes reach them too); for each cart, the ids of each kind that exist for
    it (its items, its consignments, ...), and values that exist for body members (`known`)."""

    state: dict[str, Any]
    credentials: Credentials
    session: str
    ids: dict[str, dict[str, st.SearchStrategy[str]]]
    known: dict[str, st.SearchStrategy[Any]]


@cache
def baseline() -> Baseline:
    """Built once: every example loads its state into a fresh sandbox."""
    sandbox = create_sandbox()
    store, now = sandbox.store, sandbox.clock.now()
    session: str | None = None
    for cart_id in list(store.carts):
        session = ops.attach_cart_to_session(store, session, cart_id)
    assert session is not None
    ops.apply_gift_certificate(store, now, store.demo_carts["ready"], demo.GIFT_CERTIFICATE_50)
    shared = {
        "store_hash": [sandbox.credentials.store_hash],
        "option": [method.id for method in store.shipping_methods],
        "product": [str(product_id) for product_id in store.products],
    }
    ids = {
        cart.id: {
            name: st.sampled_from(values)
            for name, values in {
                **shared,
                "cart": [cart.id],
                "item": [item.id for item in cart.line_items],
                "address": [cart.billing_address.id] if cart.billing_address else ["none"],
                "consignment": [c.id for c in cart.consignments] or ["none"],
                "code": [*cart.coupon_codes, *cart.gift_certificate_codes, *store.coupons],
                "order": [str(cart.order_id or min(store.orders))],
            }.items()
        }
        for cart in store.carts.values()
    }
    return Baseline(store.export(), sandbox.credentials, session, ids, known_values(store))


def known_values(store: StoreState) -> dict[str, st.SearchStrategy[Any]]:
    """Values of body members that exist in the store, in both spellings, so that a fuzzed body
    gets past "not found" to the logic behind it."""
    carts = list(store.carts.values())
    values = {
        "product_id": st.sampled_from([p.id for p in store.products.values() if not p.variants])
        | st.sampled_from(sorted(store.products)),
        "variant_id": st.sampled_from([v.id for p in store.products.values() for v in p.variants]),
        "item_id": st.sampled_from([item.id for cart in carts for item in cart.line_items]),
        "quantity": st.integers(1, 3) | st.sampled_from([0, 2**31]),
        "country_code": st.sampled_from(sorted({m.country_code for m in store.shipping_methods})),
        "coupon_code": st.sampled_from(sorted(store.coupons)),
        "gift_certificate_code": st.sampled_from(sorted(store.gift_certificates)),
        "shipping_option_id": st.sampled_from([m.id for m in store.shipping_methods]),
        "version": st.integers(0, 4),
        "email": st.sampled_from(["ann@example.com", demo.REGISTERED_EMAIL]),
        "status_id": st.integers(0, 15),
    }
    camel = {storefront_key(name): value for name, value in values.items()}
    return {**values, **camel}


ID_KINDS = {
    "store_hash": "store_hash",
    "cart_id": "cart",
    "cartId": "cart",
    "checkout_id": "cart",
    "checkoutId": "cart",
    "item_id": "item",
    "itemId": "item",
    "address_id": "address",
    "addressId": "address",
    "consignment_id": "consignment",
    "consignmentId": "consignment",
    "coupon_code": "code",
    "code": "code",
    "optionId": "option",
    "order_id": "order",
    "orderId": "order",
    "product_id": "product",
}
"""The kind of id each path parameter of the sandbox's routes names."""


def escaped(text: str) -> str:
    """Text percent-escaped as its bytes (a lone surrogate as bytes that are not UTF-8)."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


HOSTILE_SEGMENTS = st.one_of(
    (st.sampled_from(HOSTILE_TEXT) | st.text(max_size=12)).map(escaped),
    st.sampled_from(["%ff", "%c0%ae%c0%ae", "%2e%2e", "%00", "..%2f..%2fv2%2forders", "%", "-1", "1e3"]),
)
"""Path segments no id has: hostile text percent-escaped as it is, and escapes of bytes that are
not UTF-8 or that decode to traversal."""


@st.composite
def path_of(draw: st.DrawFn, template: str) -> str:
    """The route's path with ids of one cart (its items, its consignments, ...) mostly, and now and
    then an id of another kind or a hostile segment."""
    ids = baseline().ids
    related = ids[draw(st.sampled_from(sorted(ids)))]

    def segment(match: re.Match[str]) -> str:
        kind = ID_KINDS[match.group(1)]
        choice = draw(st.integers(0, 9))
        if choice == 8:
            return draw(related[draw(st.sampled_from(sorted(related)))])
        return draw(HOSTILE_SEGMENTS if choice == 9 else related[kind])

    return PARAM.sub(segment, template)


def route_key(route: Route, method: str) -> str:
    return f"{method} {route.path}"


def spec_operation(key: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The official spec (document, operation) that defines a route, if one does."""
    source = ROUTES.get(key)
    if source is None or source.spec == SEED:
        return None
    doc = specs.document(source.spec)
    return doc, doc["paths"][source.path][key.partition(" ")[0].lower()]


@cache
def valid_body(key: str) -> st.SearchStrategy[Any]:
    """Bodies the route's own document describes: its examples and its schema (anything small where
    there is no document)."""
    known = baseline().known
    if key == STATE_ROUTE:
        return st.just(baseline().state)
    if key in MODEL_BODIES:
        schema = MODEL_BODIES[key].model_json_schema()
        return from_schema(schema, schema, known)
    found = spec_operation(key)
    request_body = resolve(found[0], found[1].get("requestBody", {})) if found else {}
    media = request_body.get("content", {}).get("application/json", {})
    if found is None or "schema" not in media:
        return st.dictionaries(st.text(max_size=8), scalars, max_size=3)
    examples = [from_example(example, known) for example in media_examples(media)]
    return st.one_of(from_schema(found[0], media["schema"], known), *examples)


def query_value(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(query_value(part) for part in value)
    return json.dumps(value) if isinstance(value, bool) else str(value)


@cache
def query(key: str) -> st.SearchStrategy[list[tuple[str, str]]]:
    """Query parameters: those the spec lists for the route, with shaped or hostile values."""
    found = spec_operation(key)
    params = [resolve(found[0], p) for p in found[1].get("parameters", [])] if found else []
    shaped = {
        p["name"]: from_schema(found[0], p.get("schema", {})).map(query_value)  # type: ignore[index]
        for p in params
        if p.get("in") == "query"
    }
    names = sorted({*shaped, "include", "page", "limit", "action", "id", "token", "t"})
    pairs = st.sampled_from(names).flatmap(
        lambda name: st.tuples(
            st.just(name), shaped.get(name, st.text(max_size=8)) | st.sampled_from(HOSTILE_TEXT)
        )
    )
    return st.lists(pairs, max_size=4)


@dataclass(frozen=True)
class Call:
    """One generated request."""

    key: str  # the route it was made for, "METHOD template"
    method: str
    target: str  # path and query, percent-escaped
    headers: dict[str, str]
    body: bytes

    def __repr__(self) -> str:
        body = self.body if len(self.body) <= 300 else self.body[:300] + b"... (%d bytes)" % len(self.body)
        return f"Call({self.method} {self.target[:300]!r}, headers={self.headers!r}, body={body!r})"

    @property
    def browser_page(self) -> bool:
        return self.target.startswith(BROWSER_PAGES)


def encoded_query(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{escaped(name)}={escaped(value)}" for name, value in pairs)


@st.composite
def calls(draw: st.DrawFn) -> Call:
    route, method = draw(st.sampled_from(ROUTE_METHODS))
    key = route_key(route, method)
    path = draw(path_of(route.path))
    pairs = draw(query(key))
    credentials = baseline().credentials
    headers = {"Content-Type": draw(st.sampled_from(["application/json", "text/plain", "application/xml"]))}
    token = draw(st.sampled_from([credentials.access_token] * 8 + [credentials.read_only_token, "", "x\x7f"]))
    if token:
        headers["X-Auth-Token"] = token
    if draw(st.integers(0, 4)):
        headers["Cookie"] = f"{SESSION_COOKIE}={baseline().session}"
    body = b"" if method == "GET" else draw(route_bodies(key))
    target = f"{path}?{encoded_query(pairs)}" if pairs else path
    return Call(key, method, target, headers, body)


@cache
def route_bodies(key: str) -> st.SearchStrategy[bytes]:
    return bodies(valid_body(key))


def methods_of(route: Route) -> list[str]:
    return sorted((route.methods or set()) - {"HEAD"})


ROUTE_METHODS = [
    (route, method)
    for route in create_sandbox().api.routes
    if isinstance(route, Route)
    for method in methods_of(route)
]


@pytest.fixture(scope="module")
def portal() -> Iterator[BlockingPortal]:
    with start_blocking_portal("asyncio") as running:
        yield running


async def exchange(sandbox: Sandbox, call: Call) -> httpx.Response:
    """The call over httpx's ASGI transport; an exception in the app propagates (it is a crash)."""
    transport = httpx.ASGITransport(app=sandbox.app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, trust_env=False) as http:
        request = http.build_request(call.method, call.target, headers=call.headers, content=call.body)
        return await http.send(request)


def is_error_shape(body: Any, status: int) -> bool:
    """BigCommerce's error bodies (see sandbox/errors.py), carrying the answer's own status."""
    if isinstance(body, list):  # v2: [{"status", "message"}]
        return bool(body) and all(e.get("status") == status and e.get("message") for e in body)
    if not isinstance(body, dict):
        return False
    if set(body) == {"errors"} and isinstance(body["errors"], list):  # {"errors": [{...}]}
        return bool(body["errors"]) and all(
            e.get("status") == status and e.get("title") for e in body["errors"]
        )
    return (
        body.get("status") == status
        and isinstance(body.get("title"), str)
        and bool(body["title"])
        and isinstance(body.get("type"), str)
        and isinstance(body.get("errors"), dict)
    )


def check_answer(call: Call, response: httpx.Response) -> None:
    status, content = response.status_code, response.content
    media = response.headers.get("content-type", "")
    assert status < 500, f"{call.key} crashed: {status} {content[:300]!r}"
    if call.browser_page and media.startswith("text/html"):
        content.decode("utf-8")
        return
    if status >= 400:
        assert len(content) <= MAX_ERROR_BYTES, f"{call.key}: an error body of {len(content)} bytes"
        assert media.startswith("application/json"), f"{call.key}: a {status} as {media!r}"
        assert is_error_shape(json.loads(content), status), f"{call.key}: {status} {content[:300]!r}"
    elif content:
        json.loads(content.decode("utf-8"))


def check_store(sandbox: Sandbox, call: Call, status: int, before: dict[str, Any]) -> dict[str, Any]:
    """The store after the call: unchanged by a refusal or an API read, and always exportable."""
    after = sandbox.export()
    if status >= 400 or (call.method == "GET" and not call.browser_page):
        assert after == before, f"{call.key} answered {status} and changed the store"
    json.dumps(after, ensure_ascii=False).encode("utf-8")  # raises if the store holds text UTF-8 cannot
    assert StoreState.load(after).export() == after
    return after


def changed(before: dict[str, Any], after: dict[str, Any], kind: str) -> list[str]:
    return sorted(key for key, value in after[kind].items() if before[kind].get(key) != value)


def reads_after(sandbox: Sandbox, before: dict[str, Any], after: dict[str, Any]) -> list[Call]:
    """Reads of every cart and order a successful call changed, on both surfaces."""
    credentials = sandbox.credentials
    auth = {"X-Auth-Token": credentials.access_token}
    shopper = {"Cookie": f"{SESSION_COOKIE}={baseline().session}"}
    reads = [
        Call("read", "GET", f"/stores/{credentials.store_hash}/v3/checkouts/{cart_id}", auth, b"")
        for cart_id in changed(before, after, "carts")
    ]
    reads += [
        Call("read", "GET", f"/api/storefront/checkouts/{cart_id}", shopper, b"")
        for cart_id in changed(before, after, "carts")
        if cart_id in sandbox.store.sessions.get(baseline().session, [])
    ]
    for order_id in changed(before, after, "orders"):
        reads.append(Call("read", "GET", f"/stores/{credentials.store_hash}/v2/orders/{order_id}", auth, b""))
        reads.append(Call("read", "GET", f"/api/storefront/orders/{order_id}", shopper, b""))
    return reads


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(call=calls())
def test_every_route_refuses_hostile_requests_clearly_and_a_refusal_changes_nothing(
    portal: BlockingPortal, call: Call
) -> None:
    sandbox = create_sandbox(rate_limit_quota=10**9)
    sandbox.load(baseline().state)
    before = sandbox.export()
    response = portal.call(exchange, sandbox, call)
    check_answer(call, response)
    after = check_store(sandbox, call, response.status_code, before)
    if response.status_code < 400 and call.method != "GET":
        for read in reads_after(sandbox, before, after):
            answer = portal.call(exchange, sandbox, read)
            assert answer.status_code in (200, 404), f"after {call.key}: {read.target} {answer.text[:300]}"
