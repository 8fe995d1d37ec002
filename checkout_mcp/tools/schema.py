"""Input schemas as a model reads them: pydantic's JSON schema minus what costs tokens and says nothing.

Dropped: generated titles (the names say it), `default: null` / `default: ""` and `anyOf [X, null]`
wrappers (`required` already says what may be left out), developer docstrings on nested models,
`minLength: 1`, and length bounds of 100 or more (no sensible value comes near them). Every
constraint is still enforced: arguments are validated against the full pydantic model before
anything leaves the process.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel

GENEROUS_LENGTH = 100


def _is_null(node: Any) -> bool:
    return node == {"type": "null"}


def _compact(node: Any, *, is_name_map: bool = False) -> Any:
    if isinstance(node, list):
        return [_compact(value) for value in node]
    if not isinstance(node, dict):
        return node
    if is_name_map:
        return {name: _compact(value) for name, value in node.items()}
    options = node.get("anyOf")
    if isinstance(options, list) and len(options) == 2 and any(_is_null(o) for o in options):
        kept = next(o for o in options if not _is_null(o))
        node = {**{k: v for k, v in node.items() if k != "anyOf"}, **kept}
    compacted: dict[str, Any] = {}
    for key, value in node.items():
        if key == "title" or (key == "default" and value in (None, "")):
            continue
        if (key == "maxLength" and value >= GENEROUS_LENGTH) or (key == "minLength" and value == 1):
            continue
        compacted[key] = _compact(value, is_name_map=key in ("properties", "$defs"))
    return compacted


def compact_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema, compacted as the module docstring says."""
    schema = _compact(model.model_json_schema())
    for definition in schema.get("$defs", {}).values():
        definition.pop("description", None)
    return schema


@cache
def output_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema, whole (results are data, not instructions): made once per model,
    since many tools share a view (eleven return a checkout)."""
    return model.model_json_schema()
