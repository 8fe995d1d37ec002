"""The operator API under /__sandbox/: info, reset, state export/load, clock, faults."""

from __future__ import annotations

import httpx
import pytest

from checkout_mcp.sandbox import Sandbox, create_sandbox
from checkout_mcp.sandbox.seed import PRODUCT_MUG


def client(sandbox: Sandbox) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox.app), base_url="http://sandbox.test")


@pytest.mark.anyio
async def test_info_names_the_store_and_its_urls_but_no_credentials() -> None:
    sandbox = create_sandbox(seed=4)
    async with client(sandbox) as http:
        info = (await http.get("/__sandbox/info")).json()
    store_hash = sandbox.credentials.store_hash
    assert info == {
        "store_hash": store_hash,
        "seed": 4,
        "management_url": f"http://sandbox.test/stores/{store_hash}/v3",
        "storefront_url": "http://sandbox.test/api/storefront",
        "admin_url": "http://sandbox.test/__sandbox/",
        "rate_limit": {"quota": 150, "window_ms": 30_000},
    }
    assert sandbox.credentials.access_token not in str(info)


@pytest.mark.anyio
async def test_state_export_load_and_reset() -> None:
    sandbox = create_sandbox()
    async with client(sandbox) as http:
        seeded = (await http.get("/__sandbox/state")).json()
        await http.post(
            "/api/storefront/carts", json={"lineItems": [{"productId": PRODUCT_MUG, "quantity": 1}]}
        )
        changed = (await http.get("/__sandbox/state")).json()
        loaded = await http.put("/__sandbox/state", json=seeded)
        after_load = (await http.get("/__sandbox/state")).json()
        await http.put("/__sandbox/state", json=changed)
        sandbox.faults.add({"match": "GET /x", "kind": "503"})
        reset = await http.post("/__sandbox/reset")
        after_reset = (await http.get("/__sandbox/state")).json()
    assert len(changed["carts"]) == len(seeded["carts"]) + 1
    assert loaded.status_code == 204
    assert after_load == seeded
    assert reset.status_code == 200
    assert reset.json()["seed"] == 1
    assert after_reset == seeded
    assert sandbox.faults.active() == []


@pytest.mark.anyio
async def test_invalid_state_is_refused_and_the_store_kept() -> None:
    sandbox = create_sandbox()
    before = sandbox.export()
    async with client(sandbox) as http:
        not_json = await http.put("/__sandbox/state", content=b"{nope")
        wrong = await http.put("/__sandbox/state", json={"carts": "many"})
    assert not_json.status_code == 400
    assert wrong.status_code == 422
    assert "carts" in wrong.json()["errors"]
    assert sandbox.export() == before


@pytest.mark.anyio
async def test_clock_reads_and_advances() -> None:
    sandbox = create_sandbox()
    async with client(sandbox) as http:
        start = (await http.get("/__sandbox/clock")).json()
        moved = await http.post("/__sandbox/clock", json={"advance_seconds": 90.5})
        backwards = await http.post("/__sandbox/clock", json={"advance_seconds": -1})
    assert start == {"now": "2026-01-01T00:00:00+00:00", "frozen": True}
    assert moved.json() == {"now": "2026-01-01T00:01:30.500000+00:00", "frozen": True}
    assert backwards.status_code == 422
    assert sandbox.clock.now().isoformat() == "2026-01-01T00:01:30.500000+00:00"


@pytest.mark.anyio
async def test_faults_put_get_delete() -> None:
    sandbox = create_sandbox()
    rules = [
        {"match": "GET /api/storefront/checkouts", "kind": "503", "probability": 0.25},
        {"match": "POST /stores/*/v3/checkouts/*/orders", "kind": "drop_after", "times": 1},
    ]
    async with client(sandbox) as http:
        put = await http.put("/__sandbox/faults", json=rules)
        listed = await http.get("/__sandbox/faults")
        deleted = await http.delete("/__sandbox/faults")
        empty = await http.get("/__sandbox/faults")
    assert put.status_code == 200
    assert [(r["kind"], r["remaining"], r["probability"]) for r in listed.json()] == [
        ("503", None, 0.25),
        ("drop_after", 1, None),
    ]
    assert deleted.status_code == 204
    assert empty.json() == []


@pytest.mark.anyio
async def test_faults_must_be_a_list() -> None:
    async with client(create_sandbox()) as http:
        response = await http.put("/__sandbox/faults", json={"match": "GET /x", "kind": "503"})
    assert response.status_code == 422
