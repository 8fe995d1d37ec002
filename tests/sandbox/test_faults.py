"""Fault switches: every kind, counted and probabilistic rules, in-process and over real HTTP."""

from __future__ import annotations

import json

import httpx
import pytest

from checkout_mcp.sandbox import Sandbox, create_sandbox
from checkout_mcp.sandbox.faults import AnswerTooLate, ConnectionDropped, FaultRule
from checkout_mcp.sandbox.seed import PRODUCT_MUG
from tests.sandbox_server import running_sandbox

CREATE_CART = "POST /api/storefront/carts"
CART_BODY = {"lineItems": [{"productId": PRODUCT_MUG, "quantity": 1}]}


def client(sandbox: Sandbox) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox.app), base_url="http://sandbox.test")


def cart_count(sandbox: Sandbox) -> int:
    return len(sandbox.store.carts)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("kind", "title"),
    [
        ("429", "Too many requests"),
        ("500", "Internal Server Error"),
        ("502", "Bad Gateway"),
        ("503", "Service Unavailable"),
    ],
)
async def test_status_fault_answers_once_and_does_not_process(kind: str, title: str) -> None:
    sandbox = create_sandbox()
    before = cart_count(sandbox)
    async with client(sandbox) as http:
        put = await http.put("/__sandbox/faults", json=[{"match": CREATE_CART, "kind": kind, "times": 1}])
        faulted = await http.post("/api/storefront/carts", json=CART_BODY)
        after_fault = cart_count(sandbox)
        normal = await http.post("/api/storefront/carts", json=CART_BODY)
    assert put.json()[0]["remaining"] == 1
    assert faulted.status_code == int(kind)
    assert faulted.json() == {
        "status": int(kind),
        "title": title,
        "type": faulted.json()["type"],
        "errors": {},
    }
    assert after_fault == before
    assert normal.status_code == 200
    assert cart_count(sandbox) == before + 1


@pytest.mark.anyio
async def test_429_fault_carries_retry_after() -> None:
    sandbox = create_sandbox()
    sandbox.faults.add({"match": "GET /api/storefront/**", "kind": 429, "retry_after_seconds": 3})
    async with client(sandbox) as http:
        response = await http.get("/api/storefront/checkouts")
    assert response.status_code == 429
    assert response.headers["X-Retry-After"] == "3"


RATE_LIMIT_HEADERS = (
    "X-Rate-Limit-Requests-Left",
    "X-Rate-Limit-Requests-Quota",
    "X-Rate-Limit-Time-Reset-Ms",
    "X-Rate-Limit-Time-Window-Ms",
)


@pytest.mark.anyio
async def test_faulted_answers_carry_the_rate_limit_headers_and_count() -> None:
    sandbox = create_sandbox(rate_limit_quota=10)
    checkouts = "GET /api/storefront/checkouts"
    sandbox.faults.replace(
        [
            {"match": checkouts, "kind": kind, "times": 1}
            for kind in ["503", "429", "malformed", "drop_before", "drop_after"]
        ]
    )
    async with client(sandbox) as http:
        answered = [await http.get("/api/storefront/checkouts") for _ in range(3)]
        for _ in range(2):
            with pytest.raises(ConnectionDropped):
                await http.get("/api/storefront/checkouts")
        normal = await http.get("/api/storefront/checkouts")
    assert [r.status_code for r in answered] == [503, 429, 200]
    for response in [*answered, normal]:
        assert all(name in response.headers for name in RATE_LIMIT_HEADERS), response.headers
    assert answered[1].headers["X-Retry-After"] == "0"  # the fault's own, not the quota's
    # 503, 429, malformed and drop_after reached the store (and count); drop_before did not
    assert [r.headers["X-Rate-Limit-Requests-Left"] for r in [*answered, normal]] == ["9", "8", "7", "5"]


@pytest.mark.anyio
async def test_past_the_quota_the_limiter_answers_before_a_status_fault() -> None:
    sandbox = create_sandbox(rate_limit_quota=1)
    sandbox.faults.add({"match": "GET /api/storefront/checkouts", "kind": "503"})
    async with client(sandbox) as http:
        first = await http.get("/api/storefront/checkouts")
        second = await http.get("/api/storefront/checkouts")
    assert (first.status_code, first.headers["X-Rate-Limit-Requests-Left"]) == (503, "0")
    assert (second.status_code, second.json()["title"]) == (429, "Too many requests")
    assert int(second.headers["X-Retry-After"]) >= 1


@pytest.mark.anyio
async def test_get_lists_rules_with_remaining_and_fired_counts() -> None:
    sandbox = create_sandbox()
    async with client(sandbox) as http:
        await http.put("/__sandbox/faults", json=[{"match": CREATE_CART, "kind": "503", "times": 2}])
        await http.post("/api/storefront/carts", json=CART_BODY)
        listed = (await http.get("/__sandbox/faults")).json()
        await http.post("/api/storefront/carts", json=CART_BODY)
        exhausted = (await http.get("/__sandbox/faults")).json()
    assert listed == [
        {
            "match": CREATE_CART,
            "kind": "503",
            "times": 2,
            "probability": None,
            "delay_seconds": 0.0,
            "retry_after_seconds": 0,
            "remaining": 1,
            "fired": 1,
        }
    ]
    assert exhausted == []


@pytest.mark.anyio
async def test_probabilistic_faults_replay_with_the_same_seed() -> None:
    async def statuses(seed: int) -> list[int]:
        sandbox = create_sandbox(seed=seed)
        sandbox.faults.replace(
            [{"match": "GET /api/storefront/checkouts", "kind": "503", "probability": 0.5}]
        )
        async with client(sandbox) as http:
            return [(await http.get("/api/storefront/checkouts")).status_code for _ in range(24)]

    first, again = await statuses(3), await statuses(3)
    assert first == again
    assert set(first) == {200, 503}


@pytest.mark.anyio
async def test_unlimited_rule_holds_until_cleared_and_matches_by_segment() -> None:
    sandbox = create_sandbox()
    sandbox.faults.add(FaultRule(match="GET /api/*/checkouts", kind="500"))
    async with client(sandbox) as http:
        hit = [(await http.get("/api/storefront/checkouts")).status_code for _ in range(3)]
        miss = await http.get("/api/storefront/checkouts/abc")
        sandbox.faults.clear()
        cleared = await http.get("/api/storefront/checkouts")
    assert hit == [500, 500, 500]
    assert miss.status_code == 404
    assert cleared.status_code == 200


@pytest.mark.anyio
async def test_regex_rule_and_admin_never_faulted() -> None:
    sandbox = create_sandbox()
    sandbox.faults.add({"match": "re:.*", "kind": "503"})
    async with client(sandbox) as http:
        api = await http.get("/api/storefront/checkouts")
        admin = await http.get("/__sandbox/info")
    assert api.status_code == 503
    assert admin.status_code == 200


@pytest.mark.anyio
async def test_malformed_is_a_200_with_broken_json_and_no_processing() -> None:
    sandbox = create_sandbox()
    before = cart_count(sandbox)
    sandbox.faults.add({"match": CREATE_CART, "kind": "malformed", "times": 1})
    async with client(sandbox) as http:
        response = await http.post("/api/storefront/carts", json=CART_BODY)
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        response.json()
    assert cart_count(sandbox) == before


@pytest.mark.anyio
async def test_slow_in_process_answers_after_the_delay() -> None:
    sandbox = create_sandbox()
    sandbox.faults.add({"match": CREATE_CART, "kind": "slow", "delay_seconds": 0.01, "times": 1})
    async with client(sandbox) as http:
        response = await http.post("/api/storefront/carts", json=CART_BODY)
    assert response.status_code == 200
    assert response.json()["id"] in sandbox.store.carts


@pytest.mark.anyio
@pytest.mark.parametrize(("kind", "processed"), [("drop_before", False), ("drop_after", True)])
async def test_drops_in_process_raise_connection_dropped(kind: str, processed: bool) -> None:
    sandbox = create_sandbox()
    before = cart_count(sandbox)
    sandbox.faults.add({"match": CREATE_CART, "kind": kind, "times": 1})
    async with client(sandbox) as http:
        with pytest.raises(ConnectionDropped):
            await http.post("/api/storefront/carts", json=CART_BODY)
    assert cart_count(sandbox) == before + processed


@pytest.mark.parametrize(("kind", "processed"), [("drop_before", False), ("drop_after", True)])
def test_drops_over_http_close_the_connection(kind: str, processed: bool) -> None:
    sandbox = create_sandbox()
    before = cart_count(sandbox)
    sandbox.faults.add({"match": CREATE_CART, "kind": kind, "times": 1})
    with running_sandbox(sandbox) as base_url, httpx.Client(base_url=base_url) as http:
        with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
            http.post("/api/storefront/carts", json=CART_BODY)
        after_drop = cart_count(sandbox)
        assert http.post("/api/storefront/carts", json=CART_BODY).status_code == 200
    assert after_drop == before + processed


@pytest.mark.anyio
async def test_late_in_process_processes_then_raises_answer_too_late() -> None:
    sandbox = create_sandbox()
    before = cart_count(sandbox)
    sandbox.faults.add({"match": CREATE_CART, "kind": "late", "times": 1})
    async with client(sandbox) as http:
        with pytest.raises(AnswerTooLate):
            await http.post("/api/storefront/carts", json=CART_BODY)
        after_late = cart_count(sandbox)
        assert (await http.post("/api/storefront/carts", json=CART_BODY)).status_code == 200
    assert after_late == before + 1


def test_late_over_http_processes_then_outwaits_the_client_timeout() -> None:
    sandbox = create_sandbox()
    before = cart_count(sandbox)
    sandbox.faults.add({"match": CREATE_CART, "kind": "late", "times": 1})
    with (
        running_sandbox(sandbox) as base_url,
        httpx.Client(base_url=base_url, timeout=0.2) as http,
        pytest.raises(httpx.ReadTimeout),
    ):
        http.post("/api/storefront/carts", json=CART_BODY)
    # The server has stopped in time, so the held answer ended when the client left; the cart exists.
    assert cart_count(sandbox) == before + 1


def test_slow_over_http_times_the_client_out_and_ends_when_it_leaves() -> None:
    sandbox = create_sandbox()
    before = cart_count(sandbox)
    sandbox.faults.add({"match": CREATE_CART, "kind": "slow", "delay_seconds": 30, "times": 1})
    with (
        running_sandbox(sandbox) as base_url,
        httpx.Client(base_url=base_url, timeout=0.2) as http,
        pytest.raises(httpx.ReadTimeout),
    ):
        http.post("/api/storefront/carts", json=CART_BODY)
    # The server has stopped, so the slow request is over: it ended when the client left, unprocessed.
    assert cart_count(sandbox) == before


@pytest.mark.anyio
@pytest.mark.parametrize(
    "rule",
    [
        {"match": "FETCH /x", "kind": "503"},
        {"match": "GET x", "kind": "503"},
        {"match": "re:(", "kind": "503"},
        {"match": "GET /x", "kind": "teapot"},
        {"match": "GET /x", "kind": "slow"},
        {"match": "GET /x", "kind": "503", "delay_seconds": 1},
        {"match": "GET /x", "kind": "503", "probability": 1.5},
        {"match": "GET /x", "kind": "503", "times": 0},
        {"match": "GET /x", "kind": "500", "retry_after_seconds": 2},
    ],
)
async def test_invalid_rules_are_refused_and_change_nothing(rule: dict[str, object]) -> None:
    sandbox = create_sandbox()
    sandbox.faults.add({"match": "GET /y", "kind": "503"})
    async with client(sandbox) as http:
        response = await http.put("/__sandbox/faults", json=[rule])
    assert response.status_code == 422
    assert response.json()["errors"]
    assert [r["match"] for r in sandbox.faults.active()] == ["GET /y"]
