"""`make bench`: every measurement in one table (Markdown, for the README), written to results.json.

Each module here with a `measure() -> dict[str, float]` gives figures, and its optional `TARGETS`
(`{figure: (operator, bound)}`) says which must hold. The modules in MODULES run first, in that
order, then any `*_cost.py` module beside them, by name.

`python bench/run.py [--baseline OLD.json] [--out FILE] [module ...]` runs a subset, and with a
baseline adds its values as a "before" column.
"""

from __future__ import annotations

import argparse
import importlib
import json
import operator
import os
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
MODULES = ["in_process", "wire", "redaction", "tool_tokens", "agent_walk"]
CHECKS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
}


def discovered() -> list[str]:
    extra = sorted(path.stem for path in BENCH.glob("*_cost.py") if path.stem not in MODULES)
    return [*MODULES, *extra]


def run(names: list[str]) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for name in names:
        module = importlib.import_module(name)
        targets: dict[str, tuple[str, float]] = getattr(module, "TARGETS", {})
        started = time.perf_counter()
        for figure, value in module.measure().items():
            entry: dict[str, Any] = {"value": value}
            if figure in targets:
                check, bound = targets[figure]
                entry |= {"target": f"{check} {bound:g}", "met": CHECKS[check](value, bound)}
            figures[figure] = entry
        print(f"bench: {name} took {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return figures


def shown(value: float) -> str:
    if value == int(value) or abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}" if abs(value) >= 1 else f"{value:.3f}"


def table(figures: dict[str, Any], baseline: dict[str, Any] | None) -> str:
    head = ["figure", *(["before"] if baseline else []), "value", "target", ""]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for figure, entry in figures.items():
        before = (baseline.get(figure) or {}).get("value") if baseline else None
        cells = [f"`{figure}`"]
        if baseline is not None:
            cells.append(shown(before) if before is not None else "")
        met = entry.get("met")
        cells += [
            shown(entry["value"]),
            entry.get("target", ""),
            {True: "met", False: "**missed**"}.get(met, ""),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main(argv: list[str]) -> int:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("modules", nargs="*", help="modules to run (default: all)")
    options.add_argument("--baseline", type=Path, help="an earlier results.json, shown as 'before'")
    options.add_argument("--out", type=Path, default=BENCH / "results.json")
    args = options.parse_args(argv)
    started = time.perf_counter()
    figures = run(args.modules or discovered())
    baseline = json.loads(args.baseline.read_text())["figures"] if args.baseline else None
    machine = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_1min": os.getloadavg()[0],
        "seconds": round(time.perf_counter() - started),
    }
    results = {"measured_at": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine}
    args.out.write_text(json.dumps({**results, "figures": figures}, indent=2) + "\n")
    print(table(figures, baseline))
    print(f"\n{machine}; written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
