"""Two HTTP replicas sharing one Redis: what one replica did, the other knows.

The replicas are real `checkout-mcp serve --transport http` processes configured as a live store
that is one sandbox, served on loopback from this test's own event loop (so the test can hold a
request at the store with the sandbox's `hold` fault and see it held). Their confirmation ids,
order ledger and checkout locks live in a real redis-server; each keeps its own audit journal file.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import redis
from mcp.client.client import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult

from checkout_mcp.sandbox import Sandbox, create_sandbox, seed
from checkout_mcp.server.gate import CONFIRMATION_META
from tests.common import confirmation, text
from tests.interop.harness import checkout_mcp_command, free_port
from tests.redis_server import RedisServer, running_redis
from tests.sandbox_server import serving_here
from tests.tools.conftest import call, line_id

LEASE_SECONDS = 1.0
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
POLL = 0.05
PORT_ATTEMPTS = 3
SERVE = ["serve", "--transport", "http", "--host", "127.0.0.1"]
ORDER_READ_BACK = "GET /stores/*/v2/orders/*"
ORDER_POST = "POST /stores/*/v3/checkouts/*/orders"
ADDRESS = seed.DEMO_ADDRESS.model_dump(mode="json", exclude_defaults=True)

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"  # module-wide: the sandbox served on the loop outlives each test


@dataclass
class Replica:
    """One `checkout-mcp serve` process."""

    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    @property
    def mcp_url(self) -> str:
        return f"{self.base_url}/mcp"

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    async def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
        try:
            await anyio.to_thread.run_sync(self.process.wait, STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            await anyio.to_thread.run_sync(self.process.wait, STOP_TIMEOUT)


@dataclass
class Deployment:
    """The store, the Redis, and a way to start replicas of one server configuration."""

    sandbox: Sandbox
    redis: RedisServer
    store_url: str
    folder: Path

    def environment(self, name: str) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("CHECKOUT_MCP_")}
        credentials = self.sandbox.credentials
        return {
            **env,
            "BIGCOMMERCE_ACCESS_TOKEN": credentials.access_token,
            "CHECKOUT_MCP_STORE__KIND": "live",
            "CHECKOUT_MCP_STORE__STORE_HASH": credentials.store_hash,
            "CHECKOUT_MCP_STORE__API_URL": self.store_url,
            "CHECKOUT_MCP_STORE__STOREFRONT_URL": self.store_url,
            "CHECKOUT_MCP_STORE__MAX_ATTEMPTS": "1",
            "CHECKOUT_MCP_STATE__REDIS_URL": self.redis.url,
            "CHECKOUT_MCP_STATE__LOCK_LEASE_SECONDS": str(LEASE_SECONDS),
            "CHECKOUT_MCP_POLICY__MODE": "confirm",
            "CHECKOUT_MCP_POLICY__JOURNAL": str(self.folder / name / "audit.jsonl"),
            "CHECKOUT_MCP_SERVER__STATELESS": "true",
        }

    async def start(self, name: str) -> Replica:
        """A replica on a free port, once its /readyz says ready (a port taken meanwhile: another try)."""
        folder = self.folder / name
        folder.mkdir(parents=True, exist_ok=True)
        log = folder / "server.log"
        for _ in range(PORT_ATTEMPTS):
            port = free_port()
            with log.open("wb") as out:
                process = subprocess.Popen(  # noqa: ASYNC220 (starting it does not wait for it)
                    [str(checkout_mcp_command()), *SERVE, "--port", str(port)],
                    cwd=folder,
                    env=self.environment(name),
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=out,
                )
            replica = Replica(process, f"http://127.0.0.1:{port}", log)
            if await ready(replica):
                return replica
            if "address already in use" not in replica.log_tail().lower():
                break
        pytest.fail(f"replica {name} did not start:\n{replica.log_tail()}")


async def ready(replica: Replica) -> bool:
    """Polls /readyz until it answers 200 (True) or the process exits (False), within a deadline."""
    async with httpx.AsyncClient() as http:
        with anyio.fail_after(START_TIMEOUT):
            while replica.process.poll() is None:
                try:
                    if (await http.get(f"{replica.base_url}/readyz")).status_code == 200:
                        return True
                except httpx.TransportError:
                    pass
                await anyio.sleep(POLL)
    return False


@pytest.fixture(scope="module")
async def deployment(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Deployment]:
    folder = tmp_path_factory.mktemp("replicas")
    sandbox = create_sandbox(seed=1)
    with running_redis(folder / "redis", appendonly=True) as redis:
        async with serving_here(sandbox.app) as store_url:
            yield Deployment(sandbox, redis, store_url, folder)


@pytest.fixture(scope="module")
async def replicas(deployment: Deployment) -> AsyncIterator[tuple[Replica, Replica]]:
    started: dict[str, Replica] = {}

    async def start(name: str) -> None:
        started[name] = await deployment.start(name)

    try:
        async with anyio.create_task_group() as group:
            for name in ("a", "b"):
                group.start_soon(start, name)
        yield started["a"], started["b"]
    finally:
        for replica in started.values():
            await replica.stop()


@asynccontextmanager
async def connected(replica: Replica) -> AsyncIterator[Client]:
    async with Client(streamable_http_client(replica.mcp_url)) as client:
        yield client


async def ready_checkout(client: Client) -> str:
    """A guest checkout ready to order, made through tools."""
    cart = await call(client, "create_cart", items=[{"product_id": seed.PRODUCT_MUG, "quantity": 1}])
    checkout_id: str = cart["checkout_id"]
    await call(client, "add_billing_address", checkout_id=checkout_id, address=ADDRESS)
    checkout = await call(client, "add_shipping_address", checkout_id=checkout_id, address=ADDRESS)
    consignment_id = checkout["consignments"][0]["id"]
    options = await call(
        client, "list_shipping_options", checkout_id=checkout_id, consignment_id=consignment_id
    )
    option_id = line_id(options["options"][0])
    await call(
        client,
        "select_shipping_option",
        checkout_id=checkout_id,
        consignment_id=consignment_id,
        option_id=option_id,
    )
    return checkout_id


async def confirmation_id(client: Client, checkout_id: str) -> str:
    """The id a create_order call without one is answered with (this client cannot ask a human)."""
    asked = await client.call_tool("create_order", {"checkout_id": checkout_id})
    issued: str = confirmation(asked)["confirmation_id"]
    return issued


async def confirmed_order(client: Client, checkout_id: str) -> dict[str, Any]:
    """create_order as an agent makes it: confirmed with the id it asks for, if it asks for one."""
    asked = await client.call_tool("create_order", {"checkout_id": checkout_id})
    if not (asked.is_error and asked.meta and CONFIRMATION_META in asked.meta):
        assert not asked.is_error and asked.structured_content is not None, text(asked)
        return asked.structured_content
    issued = confirmation(asked)["confirmation_id"]
    return await call(client, "create_order", checkout_id=checkout_id, confirmation_id=issued)


@asynccontextmanager
async def killed_while_held(
    deployment: Deployment, name: str, checkout_id: str, match: str
) -> AsyncIterator[None]:
    """A replica `name` calls create_order until the store holds its request matching `match`; then
    it is SIGKILLed. The held request stays held while the block runs (the block may release it):
    the replica died with it outstanding. On the way out it is released and the replica reaped."""
    doomed = await deployment.start(name)

    async def ordering_on_the_doomed_replica() -> None:
        with contextlib.suppress(Exception):  # it dies mid-call: what its client makes of that
            async with connected(doomed) as on_doomed:
                await confirmed_order(on_doomed, checkout_id)

    faults = deployment.sandbox.faults
    try:
        faults.add({"match": match, "kind": "hold", "times": 1})
        async with anyio.create_task_group() as group:
            group.start_soon(ordering_on_the_doomed_replica)
            await faults.wait_until_held()
            doomed.process.send_signal(signal.SIGKILL)
            await anyio.to_thread.run_sync(doomed.process.wait)
            group.cancel_scope.cancel()
        yield
    finally:
        faults.release_held()
        await doomed.stop()


def orders_of(sandbox: Sandbox, checkout_id: str) -> list[int]:
    return sorted(order.id for order in sandbox.store.orders.values() if order.cart_id == checkout_id)


async def test_a_confirmation_id_from_one_replica_is_honoured_once_across_both(
    deployment: Deployment, replicas: tuple[Replica, Replica]
) -> None:
    """Minting a checkout token is irreversible and never harmless: each honoured id mints one."""
    a, b = replicas
    async with connected(a) as on_a, connected(b) as on_b:
        checkout_id = await ready_checkout(on_a)
        asked = await on_a.call_tool("create_checkout_token", {"checkout_id": checkout_id})
        arguments = {"checkout_id": checkout_id, "confirmation_id": confirmation(asked)["confirmation_id"]}
        results: list[CallToolResult] = []

        async def redeem(client: Client) -> None:
            results.append(await client.call_tool("create_checkout_token", arguments))

        async with anyio.create_task_group() as group:
            group.start_soon(redeem, on_a)
            group.start_soon(redeem, on_b)
    minted = [token for token in deployment.sandbox.store.checkout_tokens if token.checkout_id == checkout_id]
    refused = [result for result in results if result.is_error]
    assert len(minted) == len(refused) == 1, [text(result) for result in results]
    assert "unknown or has already been used" in text(refused[0])


async def test_create_order_retried_on_the_other_replica_gives_the_same_order(
    deployment: Deployment, replicas: tuple[Replica, Replica]
) -> None:
    a, b = replicas
    async with connected(a) as on_a, connected(b) as on_b:
        checkout_id = await ready_checkout(on_a)
        first = await confirmed_order(on_a, checkout_id)
        again = await confirmed_order(on_b, checkout_id)
    assert (first["how"], again["how"]) == ("created", "already_created")
    assert again["order_id"] == first["order_id"]
    assert orders_of(deployment.sandbox, checkout_id) == [first["order_id"]]


async def test_a_replica_killed_mid_create_order_leaves_one_order_once_its_lease_lapses(
    deployment: Deployment, replicas: tuple[Replica, Replica]
) -> None:
    _, b = replicas
    async with connected(b) as on_b:
        checkout_id = await ready_checkout(on_b)

        # The store makes the order; the doomed replica's read of it back is held, the lock still
        # its own, when it is killed: it never answers, and nothing frees its lock but the lease.
        async with killed_while_held(deployment, "doomed", checkout_id, ORDER_READ_BACK):
            deployment.sandbox.faults.release_held()
            (made,) = orders_of(deployment.sandbox, checkout_id)
            assert redis.Redis.from_url(deployment.redis.url).keys(f"*:lock:*:checkout:{checkout_id}"), (
                "the dead replica's lock outlives it"
            )
            with anyio.fail_after(START_TIMEOUT):
                retried = await confirmed_order(on_b, checkout_id)  # waits out the dead replica's lease
    assert (retried["order_id"], retried["how"]) == (made, "already_created")
    assert orders_of(deployment.sandbox, checkout_id) == [made]


async def test_a_replica_killed_while_its_order_post_is_at_the_store_never_makes_two(
    deployment: Deployment, replicas: tuple[Replica, Replica]
) -> None:
    """The lease frees the lock, but the dead replica's post is still at the store: the other
    replica does not take "no order yet" for "no order", and settles once the order lands."""
    _, b = replicas
    async with connected(b) as on_b:
        checkout_id = await ready_checkout(on_b)

        async with killed_while_held(deployment, "doomed-post", checkout_id, ORDER_POST):
            issued = await confirmation_id(on_b, checkout_id)
            with anyio.fail_after(START_TIMEOUT):  # waits out the dead replica's lease
                held_back = await on_b.call_tool(
                    "create_order", {"checkout_id": checkout_id, "confirmation_id": issued}
                )
            assert held_back.is_error and "may still reach the store" in text(held_back), text(held_back)
            assert orders_of(deployment.sandbox, checkout_id) == []
            deployment.sandbox.faults.release_held()  # the dead replica's post reaches the store after all
            with anyio.fail_after(START_TIMEOUT):
                while not orders_of(deployment.sandbox, checkout_id):  # noqa: ASYNC110 (the store's own record)
                    await anyio.sleep(POLL)
            (made,) = orders_of(deployment.sandbox, checkout_id)
            settled = await confirmed_order(on_b, checkout_id)
    assert (settled["order_id"], settled["how"]) == (made, "reconciled")
    assert orders_of(deployment.sandbox, checkout_id) == [made]


async def test_a_replica_is_unready_while_redis_is_down(
    deployment: Deployment, replicas: tuple[Replica, Replica]
) -> None:
    a, _ = replicas
    async with httpx.AsyncClient() as http:
        assert (await http.get(f"{a.base_url}/readyz")).status_code == 200
        deployment.redis.stop()
        try:
            down = await http.get(f"{a.base_url}/readyz")
        finally:
            deployment.redis.start()
        assert down.status_code == 503
        assert any("shared state" in problem for problem in down.json()["problems"]), down.text
        assert (await http.get(f"{a.base_url}/readyz")).status_code == 200
