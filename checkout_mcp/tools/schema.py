"""Input schemas as a model reads them: pydantic's JSON schema minus what costs tokens and says nothing."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


def _without_titles(node: Any, *, is_property_map: bool = False) -> Any:
    """Drop generated `title` keys; in a `properties` map every key is a field name and stays."""
    if isinstance(node, dict):
        return {
            key: _without_titles(value, is_property_map=key in ("properties", "$defs"))
            for key, value in node.items()
            if is_property_map or key != "title"
        }
    if isinstance(node, list):
        return [_without_titles(value) for value in node]
    return node


def compact_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema without generated titles (the names already say it)."""
    return _without_titles(model.model_json_schema())
