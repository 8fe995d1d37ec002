"""Named store profiles: one `checkout-mcp serve --transport http` process serves several stores, each
at /stores/NAME/mcp with its own policy, state namespace and journal."""

from __future__ import annotations

import json
import re
import signal
from pathlib import Path

import anyio
import httpx
import pytest

from checkout_mcp.policy.effects import Effect
from checkout_mcp.sandbox import create_sandbox
from checkout_mcp.state.open import JOURNAL_FILE, namespace_slug
from checkout_mcp.tools import catalogue
from tests.common import text
from tests.sandbox_server import serving_here
from tests.server.process import WAIT, Stderr, message_starts, start_server
from tests.server.serving import connected

READ_TOOLS = {spec.name for spec in catalogue() if spec.effect is Effect.READ}


def profile(name: str, store_hash: str, url: str) -> str:
    return (
        f'[stores.{name}]\nkind = "live"\nstore_hash = "{store_hash}"\napi_url = "{url}"\n'
        f'access_token_env = "{name.upper()}_STORE_TOKEN"\n'
    )


@pytest.mark.anyio
async def test_each_store_profile_has_its_path_policy_state_and_journal(tmp_path: Path) -> None:
    north, south = create_sandbox(seed=1), create_sandbox(seed=2)
    north_checkout, south_checkout = (s.store.demo_carts["ready"] for s in (north, south))
    assert north_checkout != south_checkout
    stderr = Stderr()
    async with serving_here(north.app) as north_url, serving_here(south.app) as south_url:
        config = tmp_path / "stores.toml"
        config.write_text(
            profile("north", north.credentials.store_hash, north_url)
            + profile("south", south.credentials.store_hash, south_url)
            + f'[stores.south.policy]\nmode = "read-only"\njournal = "{tmp_path / "south.jsonl"}"\n'
        )
        process = await start_server(
            tmp_path,
            {
                "NORTH_STORE_TOKEN": north.credentials.access_token,
                "SOUTH_STORE_TOKEN": south.credentials.access_token,
                "CHECKOUT_MCP_STATE__DIR": str(tmp_path / "state"),
                "CHECKOUT_MCP_SERVER__LOG_FORMAT": "json",
            },
            "--config",
            str(config),
        )
        try:
            async with anyio.create_task_group() as group:
                assert process.stderr is not None
                group.start_soon(stderr.pump, process.stderr)
                urls = {}
                for name in ("north", "south"):
                    line = await stderr.until(lambda line, n=name: f"(store {n})" in line["message"])
                    urls[name] = re.search(r" at (\S+)", line["message"]).group(1)  # type: ignore[union-attr]
                top = await stderr.until(message_starts("MCP over streamable HTTP at "))
                assert urls == {
                    "north": top["message"].split()[-1].replace("/mcp", "/stores/north/mcp"),
                    "south": top["message"].split()[-1].replace("/mcp", "/stores/south/mcp"),
                }
                async with connected(urls["north"]) as client:
                    assert "update_customer_message" in {t.name for t in (await client.list_tools()).tools}
                    arguments = {"checkout_id": north_checkout, "message": "Ring twice"}
                    result = await client.call_tool("update_customer_message", arguments)
                    assert not result.is_error, text(result)
                async with connected(urls["south"]) as client:
                    assert {t.name for t in (await client.list_tools()).tools} <= READ_TOOLS
                    seen = await client.call_tool("get_checkout", {"checkout_id": south_checkout})
                    assert not seen.is_error and seen.structured_content is not None
                    assert seen.structured_content["checkout_id"] == south_checkout
                    other = await client.call_tool("get_checkout", {"checkout_id": north_checkout})
                    assert other.is_error  # north's checkout is not in south's store
                base = urls["north"].split("/stores/")[0]
                async with httpx.AsyncClient() as http:
                    assert (await http.get(f"{base}/readyz")).json() == {"status": "ready"}
                    missing = await http.post(f"{base}/stores/west/mcp", json={})
                    assert missing.status_code == 404
                process.send_signal(signal.SIGTERM)
                with anyio.fail_after(WAIT):
                    assert await process.wait() == 0
                group.cancel_scope.cancel()
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()

    assert north.store.carts[north_checkout].customer_message == "Ring twice"
    folder = tmp_path / "state" / namespace_slug(f"live:{north.credentials.store_hash}")
    north_journal = [json.loads(line) for line in (folder / JOURNAL_FILE).read_text().splitlines()]
    assert [(r["kind"], r.get("tool")) for r in north_journal] == [
        ("begin", "update_customer_message"),
        ("complete", None),
    ]
    for other in (tmp_path / "audit.jsonl", tmp_path / "south.jsonl"):
        assert not other.exists() or "update_customer_message" not in other.read_text()
