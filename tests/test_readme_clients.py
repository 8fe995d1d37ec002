"""The README's four client snippets work as pasted, together, on one machine.

Each snippet's command (with /abs/path pointing at this clone) is started the way its client
starts it: all four at once, each in a working folder of its own, the same home folder. They
share one state folder and one journal, and each serves its tools.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
from mcp.client.client import Client
from mcp.client.stdio import StdioServerParameters

from checkout_mcp.policy.audit import verify
from checkout_mcp.sandbox import create_sandbox
from checkout_mcp.state.journal_file import FileJournal

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CLIENTS = ["Claude Desktop", "Claude Code", "VS Code", "Cursor"]
READY = create_sandbox().store.demo_carts["ready"]  # each server's own sandbox has this checkout


def snippet(client: str) -> str:
    """The code block right after the line that names `client` in the "Connect" section."""
    section = README.split("## Connect an MCP client", 1)[1].split("\n## ", 1)[0]
    match = re.search(rf"^{re.escape(client)}[^\n]*:\n\n```\w*\n(.*?)```", section, re.S | re.M)
    assert match, f"no snippet for {client}"
    return match.group(1).replace("/abs/path/checkout-mcp", str(ROOT))


def command_of(client: str) -> list[str]:
    """The command line the client would run, from its snippet."""
    text = snippet(client)
    if client == "Claude Code":
        return shlex.split(text.strip().split(" -- ", 1)[1])
    document = json.loads(text)
    (entry,) = (document.get("mcpServers") or document["servers"]).values()
    assert "env" not in entry, "the snippet needs no environment of its own"
    return [entry["command"], *entry["args"]]


@pytest.mark.anyio
async def test_the_four_client_snippets_run_together(tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CHECKOUT_MCP_")}
    environment |= {"HOME": str(tmp_path / "home")}
    environment.pop("XDG_STATE_HOME", None)
    async with AsyncExitStack() as stack:
        clients = []
        for number, client in enumerate(CLIENTS):
            folder = tmp_path / f"client-{number}"
            folder.mkdir()
            command, *arguments = command_of(client)
            parameters = StdioServerParameters(command=command, args=arguments, env=environment, cwd=folder)
            clients.append(await stack.enter_async_context(Client(parameters)))
        for client in clients:
            names = {tool.name for tool in (await client.list_tools()).tools}
            assert {"get_checkout", "create_order"} <= names
            arguments = {"checkout_id": READY, "message": "hello"}
            result = await client.call_tool("update_customer_message", arguments)
            assert not result.is_error, result.content
    check_one_state_and_one_journal(tmp_path)


def check_one_state_and_one_journal(tmp_path: Path) -> None:
    state = tmp_path / "home" / ".local" / "state" / "checkout-mcp"
    (folder,) = state.iterdir()
    records = [json.loads(line) for line in (folder / "audit.jsonl").read_text().splitlines()]
    begun = [r for r in records if r["kind"] == "begin" and r["tool"] == "update_customer_message"]
    assert len(begun) == len(CLIENTS)
    assert verify(FileJournal(folder / "audit.jsonl")).chain.ok  # one chain, four writers
    assert not any(path.name.endswith(".jsonl") for path in tmp_path.glob("client-*/*"))
