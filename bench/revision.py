"""Another revision of the package, loaded beside this one, so that a bench can time both in the same
rounds (`--against REV` in client_cost.py and sandbox_cost.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def exported(ref: str, folder: Path) -> str:
    """`checkout_mcp` at `ref` as the package `checkout_mcp_<ref>` in `folder` (imports respelled)."""
    name = "checkout_mcp_" + re.sub(r"\W", "_", ref)
    folder.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "archive", ref, "checkout_mcp"], cwd=REPO, check=True, capture_output=True
    )
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    (folder / "checkout_mcp").rename(folder / name)
    for path in (folder / name).rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"\bcheckout_mcp(?=\.|\s+import)", name, text), encoding="utf-8")
    sys.path.insert(0, str(folder))
    return name
