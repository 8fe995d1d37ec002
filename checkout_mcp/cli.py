"""The `checkout-mcp` command: serve the MCP server, serve the sandbox alone, read the audit journal,
evaluate agents on scenarios, make bearer tokens."""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import anyio

from checkout_mcp.config import Config, ConfigError, ServerSettings, load_config
from checkout_mcp.evals.command import add_eval_parser, run_eval
from checkout_mcp.policy.modes import PolicyConfigError
from checkout_mcp.state.chain import JournalCorrupt


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="checkout-mcp", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)

    serve = commands.add_parser(
        "serve", help="run the MCP server (embedded sandbox unless a live store is set)"
    )
    serve.add_argument("--config", type=Path, help="TOML file (see config.example.toml)")
    serve.add_argument("--transport", choices=["stdio", "http"])
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--mode", choices=["read-only", "confirm", "auto"], help="policy mode")
    serve.add_argument("--store", help="serve only this store profile ([stores.NAME]), at [server] path")

    sandbox = commands.add_parser("sandbox", help="serve the sandbox store alone over HTTP")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8787)
    sandbox.add_argument("--seed", type=int, default=1)

    audit = commands.add_parser("audit", help="check or read the audit journal")
    audit.add_argument("action", choices=["verify", "tail"])
    audit.add_argument("--config", type=Path)
    audit.add_argument("--store", help="a store profile's journal ([stores.NAME]; default: [store])")
    audit.add_argument(
        "--journal", type=Path, help="journal file (default: [policy] journal, else the store's own)"
    )
    audit.add_argument("-n", type=int, default=20, help="records to show (tail)")

    token = commands.add_parser("token", help="make a bearer token for [server] tokens_file")
    token.add_argument("action", choices=["new"])
    token.add_argument(
        "--name", required=True, type=token_name, help="the principal: journaled with each of its calls"
    )
    token.add_argument("--scope", choices=["read", "write"], required=True, help="read: read tools only")
    token.add_argument("--json", action="store_true", help="print the entry for a JSON tokens file")

    add_eval_parser(commands)
    return root


def token_name(value: str) -> str:
    from checkout_mcp.server.tokens import TOKEN_NAME

    if re.fullmatch(TOKEN_NAME, value) is None:
        raise argparse.ArgumentTypeError(
            f"{value!r}: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
    return value


def serve_overrides(options: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """Command-line flags as config values; they win over the file and the environment."""
    server = {
        key: getattr(options, key)
        for key in ("transport", "host", "port")
        if getattr(options, key) is not None
    }
    policy = {"mode": options.mode} if options.mode else {}
    return {section: values for section, values in (("server", server), ("policy", policy)) if values}


def connect_command(url: str, settings: ServerSettings) -> str:
    """The command that connects Claude Code; with auth on, the header names the token's variable
    (or, with only a tokens file, stands for the client's own token)."""
    command = f"claude mcp add --transport http checkout {url}"
    if settings.auth_token() is not None:
        command += f' --header "Authorization: Bearer ${settings.auth_token_env}"'
    elif settings.tokens_file is not None:
        command += ' --header "Authorization: Bearer <the client\'s token>"'
    return command


def served_stores(config: Config, store: str | None) -> list[str | None]:
    """The stores one server serves: `--store NAME` alone; over HTTP the top-level `[store]` and
    every `[stores.NAME]` profile; on stdio the top-level `[store]`."""
    if store is not None:
        config.for_store(store)  # a ConfigError names the profiles there are
        return [store]
    return [None, *config.stores] if config.server.transport == "http" else [None]


def serve(options: argparse.Namespace) -> int:
    from checkout_mcp.policy.redact import Redactor
    from checkout_mcp.server.build import Runtime, announce, build_server, create_runtime
    from checkout_mcp.server.logs import configure_logging

    config = load_config(options.config, **serve_overrides(options))
    settings = config.server
    if settings.transport == "stdio":
        from checkout_mcp.server.stdio import run_stdio
    if settings.transport == "http":  # uvicorn and the HTTP stack only where they serve (cold start)
        from checkout_mcp.server.health import readiness_of, readiness_of_stores
        from checkout_mcp.server.http import Endpoint, http_app, serve_http, store_path
    redactor = Redactor()
    configure_logging(redactor, settings)
    runtimes: dict[str | None, Runtime] = {}
    logger = logging.getLogger(__name__)

    def path_of(name: str | None) -> str:
        return settings.path if name is None or options.store else store_path(name, settings)

    def listening(base: str) -> None:
        for name in runtimes:
            url = f"{base}{path_of(name)}"
            logger.info("MCP over streamable HTTP at %s%s", url, f" (store {name})" if name else "")
            logger.info("connect: %s", connect_command(url, settings))
        logger.info("health: %s/healthz and %s/readyz", base, base)

    async def run() -> None:
        try:
            for name in served_stores(config, options.store):
                runtimes[name] = create_runtime(config.for_store(name), redactor=redactor)
                announce(runtimes[name])
            if settings.transport == "stdio":
                (runtime,) = runtimes.values()
                await run_stdio(build_server(runtime))
                return
            readiness = {
                name or "store": readiness_of(each.store, each.gate.journal, each.state)
                for name, each in runtimes.items()
            }
            first, *others = [
                Endpoint(path_of(name), build_server(each), build_server(each, read_only=True))
                for name, each in runtimes.items()
            ]
            app = http_app(
                first.server,
                settings,
                readiness_of_stores(readiness),
                read_server=first.read_server,
                redactor=redactor,
                stores=others,
            )
            await serve_http(app, settings, listening)
        finally:
            for each in runtimes.values():
                await each.aclose()

    anyio.run(run)
    return 0


def token_command(options: argparse.Namespace) -> int:
    """Prints a new token once, and the entry (its hash) to add to the tokens file."""
    from checkout_mcp.server.tokens import new_token, toml_entry

    token, entry = new_token(options.name, options.scope)
    line = json.dumps(entry.model_dump()) if options.json else toml_entry(entry)
    where = 'the "tokens" list of the JSON tokens file' if options.json else "the tokens file"
    print(f"Bearer token for {entry.name!r} (scope {entry.scope}); shown only now, give it to that client:")
    print(f"\n  {token}\n")
    print(f"Add this entry to {where} ([server] tokens_file) and restart the server:\n")
    print(line.rstrip("\n"))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    options = parser().parse_args(argv)
    try:
        if options.command == "serve":
            return serve(options)
        if options.command == "eval":
            return run_eval(options)
        if options.command == "token":
            return token_command(options)
        if options.command == "sandbox":
            from checkout_mcp.sandbox.serve import run_sandbox

            run_sandbox(options.host, options.port, options.seed)
            return 0
        from checkout_mcp.policy.audit_cli import tail_command, verify_command
        from checkout_mcp.server.build import store_identity
        from checkout_mcp.state.open import journal_for

        config = load_config(options.config).for_store(options.store)
        path = options.journal or config.policy.journal
        journal, where = journal_for(config.state, store_identity(config), path)
        return (
            verify_command(journal, where)
            if options.action == "verify"
            else tail_command(journal, where, options.n)
        )
    except (ConfigError, PolicyConfigError, JournalCorrupt) as error:
        print(f"checkout-mcp: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
