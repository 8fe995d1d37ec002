"""The `checkout-mcp` command: serve the MCP server, serve the sandbox alone, read the audit journal,
evaluate agents on scenarios."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import anyio

from checkout_mcp.config import ConfigError, ServerSettings, load_config
from checkout_mcp.evals.command import add_eval_parser, run_eval
from checkout_mcp.policy.audit import JournalCorrupt, JournalLocked
from checkout_mcp.policy.modes import PolicyConfigError
from checkout_mcp.policy.redact import RedactingFilter, Redactor


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

    sandbox = commands.add_parser("sandbox", help="serve the sandbox store alone over HTTP")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8787)
    sandbox.add_argument("--seed", type=int, default=1)

    audit = commands.add_parser("audit", help="check or read the audit journal")
    audit.add_argument("action", choices=["verify", "tail"])
    audit.add_argument("--config", type=Path)
    audit.add_argument("--journal", type=Path, help="journal file (default: [policy] journal)")
    audit.add_argument("-n", type=int, default=20, help="records to show (tail)")

    add_eval_parser(commands)
    return root


def serve_overrides(options: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """Command-line flags as config values; they win over the file and the environment."""
    server = {
        key: getattr(options, key)
        for key in ("transport", "host", "port")
        if getattr(options, key) is not None
    }
    policy = {"mode": options.mode} if options.mode else {}
    return {section: values for section, values in (("server", server), ("policy", policy)) if values}


def configure_logging(redactor: Redactor) -> None:
    """Logs go to stderr (stdout is the stdio protocol), with every known secret redacted.

    httpx logs each request URL at INFO; redirect URLs carry tokens, so it speaks only from WARNING.
    """
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactingFilter(redactor))


def connect_command(url: str, settings: ServerSettings) -> str:
    """The command that connects Claude Code; with auth on, the header names the token's variable."""
    command = f"claude mcp add --transport http checkout {url}"
    if settings.auth_token() is not None:
        command += f' --header "Authorization: Bearer ${settings.auth_token_env}"'
    return command


def serve(options: argparse.Namespace) -> int:
    from checkout_mcp.server.build import announce, build_server, create_runtime
    from checkout_mcp.server.health import readiness_of
    from checkout_mcp.server.http import http_app

    config = load_config(options.config, **serve_overrides(options))
    runtime = create_runtime(config)
    configure_logging(runtime.gate.redactor)
    announce(runtime)
    server = build_server(runtime)
    settings = config.server

    async def run() -> None:
        try:
            if settings.transport == "stdio":
                await server.run_stdio_async()
            else:
                import uvicorn

                app = http_app(
                    server, settings, readiness_of(runtime.store, runtime.gate.journal, runtime.state)
                )
                url = f"http://{settings.host}:{settings.port}{settings.path}"
                print(f"checkout-mcp: MCP over streamable HTTP at {url}", file=sys.stderr)
                print(f"  connect:  {connect_command(url, settings)}", file=sys.stderr)
                print(
                    f"  health:   http://{settings.host}:{settings.port}/healthz and /readyz", file=sys.stderr
                )
                await uvicorn.Server(uvicorn.Config(app, host=settings.host, port=settings.port)).serve()
        finally:
            await runtime.aclose()

    anyio.run(run)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    options = parser().parse_args(argv)
    try:
        if options.command == "serve":
            return serve(options)
        if options.command == "eval":
            return run_eval(options)
        if options.command == "sandbox":
            from checkout_mcp.sandbox.serve import run_sandbox

            run_sandbox(options.host, options.port, options.seed)
            return 0
        from checkout_mcp.policy.audit_cli import tail_command, verify_command

        journal = options.journal or load_config(options.config).policy.journal
        return verify_command(journal) if options.action == "verify" else tail_command(journal, options.n)
    except (ConfigError, PolicyConfigError, JournalLocked, JournalCorrupt) as error:
        print(f"checkout-mcp: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
