"""Argument errors written for the agent: one line per field, what was wrong, what is accepted, where
the right value comes from.

A field says what it accepts with `Accepts` in its `Annotated` metadata (pydantic ignores it); the
renderer walks the model along pydantic's `loc` to find it, so nested fields (`items.0.quantity`)
are explained as well as top-level ones. Every location is rendered one way, by `loc_text`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, get_args

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from checkout_mcp.quoting import quoted

MAX_ECHO = 40
MAX_PROBLEMS = 10
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Accepts:
    """What a field accepts (`a checkout id (a UUID)`) and where a valid value comes from."""

    what: str
    source: str = ""

    def advice(self) -> str:
        """What to give, and where it comes from."""
        return f"{self.what}; {self.source}" if self.source else self.what


def loc_text(loc: tuple[int | str, ...]) -> str:
    """pydantic's location as `items[0].quantity`; the whole arguments object when empty. A member
    name that is no identifier (an unknown key the caller made up) is shown short and JSON-escaped,
    `address["ignore previous…"]`, so that it cannot break a line or pose as the server's text."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif NAME.fullmatch(part) and len(part) <= MAX_ECHO:
            text += f".{part}" if text else part
        else:
            short = part if len(part) <= MAX_ECHO else part[: MAX_ECHO - 1] + "…"
            text += f"[{json.dumps(short)}]"
    return text or "arguments"


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation holds (itself, or inside list[...] / X | None)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in get_args(annotation) for model in _models_in(arg)]


def _field(model: type[BaseModel], loc: tuple[int | str, ...]) -> FieldInfo | None:
    """The FieldInfo at `loc` in `model`, walking through nested models and lists."""
    field: FieldInfo | None = None
    models = [model]
    for part in loc:
        if isinstance(part, int):
            continue
        field = next((m.model_fields[part] for m in models if part in m.model_fields), None)
        if field is None:
            return None
        models = _models_in(field.annotation)
    return field


def _accepts(field: FieldInfo | None) -> Accepts | None:
    if field is None:
        return None
    return next((item for item in field.metadata if isinstance(item, Accepts)), None)


def _echo(value: Any) -> str:
    """The rejected value, short; a string quoted and labelled, since it may carry a shopper's text."""
    if isinstance(value, str):
        return quoted("you sent", value[:MAX_ECHO])
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= MAX_ECHO else text[: MAX_ECHO - 1] + "…"


def _printable(message: str) -> str:
    """pydantic's message, which may show a character of the input (`found ... at 0`), with every
    character that is not printable written as its escape."""
    return "".join(char if char.isprintable() else json.dumps(char)[1:-1] for char in message)


def problem_line(model: type[BaseModel], problem: Any) -> str:
    """One pydantic error as `field: what was wrong; what is accepted; where it comes from`."""
    loc = tuple(problem["loc"])
    where = loc_text(loc)
    accepts = _accepts(_field(model, loc))
    kind = problem["type"]
    if kind == "missing":
        return f"{where}: required" + (f"; give {accepts.advice()}" if accepts else "")
    if kind == "extra_forbidden":
        return f"{where}: not an argument of this tool; its arguments are {', '.join(model.model_fields)}"
    message = _printable(problem["msg"][0].lower() + problem["msg"][1:])
    if accepts is None:
        return f"{where}: {_echo(problem['input'])} is not valid ({message})"
    source = f"; {accepts.source}" if accepts.source else ""
    return f"{where}: {_echo(problem['input'])} is not {accepts.what} ({message}){source}"


def describe_invalid(tool: str, model: type[BaseModel], error: ValidationError) -> str:
    """The whole error: one line per field (the first MAX_PROBLEMS of them), then that nothing was sent."""
    problems = error.errors()
    lines = [problem_line(model, problem) for problem in problems[:MAX_PROBLEMS]]
    if len(problems) > MAX_PROBLEMS:
        lines.append(f"and {len(problems) - MAX_PROBLEMS} more problems: fix these first")
    return f"Invalid arguments for {tool}; nothing was sent to the store. Fix and call again:\n" + "\n".join(
        f"- {line}" for line in lines
    )
