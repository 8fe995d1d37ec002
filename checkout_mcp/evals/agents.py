"""The agents a trial can run: the scenario's scripted calls, or any external command.

Both talk MCP to a server built for the trial alone. The scripted agent connects in-process with
the SDK's `Client`; its client asks the human by elicitation (or, with `elicitation = false`, gets
confirmation ids and asks the human before redeeming one). An external agent is a command: it
gets the server's streamable HTTP URL, a bearer token, the task and the human's URL in its
environment, and its standard output is its reply to the human.

    CHECKOUT_MCP_URL        http://127.0.0.1:PORT/mcp
    CHECKOUT_MCP_TOKEN      send as "Authorization: Bearer <token>" (to the URL and the human)
    CHECKOUT_MCP_TASK       the task, in words
    CHECKOUT_MCP_HUMAN_URL  POST {"question": ...} here to ask the human (see `human.py`)
"""

from __future__ import annotations

import os
import secrets
import shlex
import subprocess
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import anyio
import uvicorn
from anyio.abc import ByteReceiveStream
from mcp import types
from mcp.client.client import Client
from mcp.server.mcpserver import MCPServer
from mcp.shared.exceptions import MCPError
from starlette.types import ASGIApp

from checkout_mcp.evals.calls import text_of
from checkout_mcp.evals.human import HUMAN_PATH, Human, elicit_result
from checkout_mcp.evals.scenario import ScriptedAgent, UnknownReference, resolve
from checkout_mcp.server.build import Runtime
from checkout_mcp.server.gate import CONFIRMATION_META
from checkout_mcp.server.http import http_app

BEARER_ENV = "CHECKOUT_MCP_EVAL_BEARER"  # where the trial's server reads its bearer token
URL_ENV = "CHECKOUT_MCP_URL"
TOKEN_ENV = "CHECKOUT_MCP_TOKEN"
TASK_ENV = "CHECKOUT_MCP_TASK"
HUMAN_URL_ENV = "CHECKOUT_MCP_HUMAN_URL"
LOOPBACK = "127.0.0.1"


class AgentFailed(Exception):
    """The agent did not finish its work (a script step went wrong, the command failed or hung)."""


@dataclass
class Session:
    """What an agent works with: the trial's server, its runtime, the human, the task."""

    server: MCPServer[Any]
    runtime: Runtime
    human: Human
    task: str
    references: dict[str, Any] = field(default_factory=dict)


class Agent(Protocol):
    async def run(self, session: Session) -> str:
        """Do the task; return the reply to the human. Raises AgentFailed."""
        ...


def pick(value: Any, path: str) -> Any:
    """The value at a dotted path (`consignments.0.id`); `id` of a compact line is its text before ': '."""
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, str) and part == "id" and ": " in value:
            value = value.split(": ", 1)[0]
        else:
            raise KeyError(part)
    return value


async def _answer_yes(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
    """The client of an agent that answers for its human (`confirms_itself`: wrong, for tests)."""
    return elicit_result("accept")


@dataclass(frozen=True)
class Script:
    """The scenario's own agent: each call in order, names saved from results, then the reply."""

    spec: ScriptedAgent

    async def run(self, session: Session) -> str:
        spec = self.spec
        callback = (
            (_answer_yes if spec.confirms_itself else session.human.elicit) if spec.elicitation else None
        )
        names = dict(session.references)
        async with Client(session.server, elicitation_callback=callback) as client:
            failure = await self._calls(client, session.human, names)
        if failure is not None:  # raised out here: inside the client's task group it would be wrapped
            raise AgentFailed(failure)
        reply: str = _resolved(spec.reply, names, "the reply")
        return reply

    async def _calls(self, client: Client, human: Human, names: dict[str, Any]) -> str | None:
        """Make the calls in order, saving names from their results; why the script stopped, if it did."""
        spec = self.spec
        for number, step in enumerate(spec.calls, 1):
            where = f"call {number} ({step.tool})"
            try:
                arguments = _resolved(step.arguments, names, where)
            except AgentFailed as failed:
                return str(failed)
            result = await _call_tool(client, step.tool, arguments)
            confirmation_id = (result.meta or {}).get(CONFIRMATION_META, {}).get("confirmation_id")
            if confirmation_id and (spec.confirms_itself or human.ask(text_of(result)) == "accept"):
                confirmed = {**arguments, "confirmation_id": confirmation_id}
                result = await _call_tool(client, step.tool, confirmed)
            for name, path in step.save.items():
                try:
                    names[name] = pick(result.structured_content, path)
                except KeyError as missing:
                    return (
                        f"{where}: nothing at {path!r} to save as {name!r} (no {missing}); "
                        f"the result was: {text_of(result)}"
                    )
        return None


async def _call_tool(client: Client, tool: str, arguments: dict[str, Any]) -> types.CallToolResult:
    """The call's result, a protocol error included (an unknown tool, a capability the client lacks).

    Clients show such an error to their model as the call's error; the script reads it the same way.
    """
    try:
        return await client.call_tool(tool, arguments)
    except MCPError as error:
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=error.error.message)], is_error=True
        )


def _resolved(value: Any, names: Mapping[str, Any], where: str) -> Any:
    try:
        return resolve(value, names)
    except UnknownReference as unknown:
        raise AgentFailed(
            f"{where}: ${{{unknown.args[0]}}} is not known here (known: {', '.join(sorted(names))})"
        ) from None


class _Server(uvicorn.Server):
    """uvicorn, saying when it listens (so nothing has to poll for it)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = anyio.Event()

    async def startup(self, sockets: Any = None) -> None:
        try:
            await super().startup(sockets)
        finally:
            self.ready.set()


@asynccontextmanager
async def served(app: ASGIApp) -> AsyncIterator[str]:
    """Serve `app` on a free loopback port in this event loop; yield its base URL.

    Nothing may raise out of the body: inside the task group it would come out wrapped.
    """
    config = uvicorn.Config(app, host=LOOPBACK, port=0, lifespan="on", log_config=None, access_log=False)
    sock = config.bind_socket()
    server = _Server(config)
    try:
        async with anyio.create_task_group() as group:
            group.start_soon(server.serve, [sock])
            await server.ready.wait()
            try:
                yield f"http://{LOOPBACK}:{sock.getsockname()[1]}"
            finally:
                server.should_exit = True
    finally:
        sock.close()


@dataclass(frozen=True)
class ExternalAgent:
    """An agent program: `command` (split like a shell would, run without one), `timeout_seconds` each."""

    command: str
    timeout_seconds: float

    async def run(self, session: Session) -> str:
        token = secrets.token_urlsafe(24)
        os.environ[BEARER_ENV] = token  # this worker process serves one trial at a time
        session.server.custom_route(HUMAN_PATH, methods=["POST"])(session.human.endpoint)
        settings = session.runtime.config.server
        failure: AgentFailed | None = None
        async with served(http_app(session.server, settings)) as base_url:
            environment = {
                **os.environ,
                URL_ENV: f"{base_url}{settings.path}",
                TOKEN_ENV: token,
                TASK_ENV: session.task,
                HUMAN_URL_ENV: f"{base_url}{HUMAN_PATH}",
            }
            environment.pop(BEARER_ENV)
            try:
                reply = await self._run_command(environment)
            except AgentFailed as failed:
                failure = failed
        if failure is not None:
            raise failure
        return reply

    async def _run_command(self, environment: dict[str, str]) -> str:
        argv = shlex.split(self.command)
        out, err = bytearray(), bytearray()

        async def drain(stream: ByteReceiveStream | None, into: bytearray) -> None:
            if stream is not None:
                async for chunk in stream:
                    into.extend(chunk)

        try:
            process = await anyio.open_process(argv, env=environment, stdin=subprocess.DEVNULL)
        except OSError as error:
            raise AgentFailed(f"cannot start {argv[0]!r}: {error}") from error
        async with process:
            with anyio.move_on_after(self.timeout_seconds) as waited:
                async with anyio.create_task_group() as group:
                    group.start_soon(drain, process.stdout, out)
                    group.start_soon(drain, process.stderr, err)
                    await process.wait()
            if waited.cancelled_caught:
                process.kill()
                raise AgentFailed(f"the agent did not finish within {self.timeout_seconds:g} s")
        if process.returncode != 0:
            last = err.decode(errors="replace").strip().splitlines()[-1:] or ["no output on stderr"]
            raise AgentFailed(f"the agent exited with status {process.returncode}: {last[0]}")
        return out.decode(errors="replace").strip()
