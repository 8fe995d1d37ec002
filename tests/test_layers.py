"""The layers import one way: cli -> server -> config -> tools -> policy -> state -> bigcommerce -> sandbox.

A module may import its own layer and the layers below it, never one above: that keeps the gate
(server) above the tools it runs and the policy's parts free of the MCP SDK's server classes.
"""

from __future__ import annotations

import ast
from pathlib import Path

import checkout_mcp

ORDER = [
    "cli",
    "evals",
    "server",
    "config",
    "prompts",
    "tools",
    "policy",
    "state",
    "bigcommerce",
    "sandbox",
    "clock",
    "quoting",
    "order_status",
    "canonical",
]
"""Top to bottom; prompts sit just above the tools they name (only the server imports them).
The last four are leaves shared by every layer: time, quoting outside text, order statuses,
canonical JSON."""
PACKAGE = Path(checkout_mcp.__file__).parent


def layer_of(module: str) -> int | None:
    parts = module.removesuffix(".__init__").split(".")
    if parts[0] != "checkout_mcp" or len(parts) == 1:
        return None
    return ORDER.index(parts[1])


def imports_of(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return found


def test_every_module_imports_only_its_own_layer_or_below() -> None:
    violations = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(("checkout_mcp", *path.relative_to(PACKAGE).with_suffix("").parts))
        own = layer_of(module)
        if own is None:
            continue
        for imported in imports_of(path):
            other = layer_of(imported)
            if other is not None and other < own:
                violations.append(f"{module} imports {imported} ({ORDER[other]} is above {ORDER[own]})")
    assert violations == []


def test_the_policy_layer_does_not_depend_on_the_mcp_server_classes() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in (PACKAGE / "policy").rglob("*.py")
        if any(name.startswith(("mcp.server", "mcp.types")) for name in imports_of(path))
    ]
    assert offenders == []
