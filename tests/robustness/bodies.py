"""Hypothesis strategies for hostile requests: JSON shaped by an OpenAPI schema, then broken.

`from_schema(doc, schema)` draws values the schema describes (its `example`s, its enums, its
types and bounds), so a fuzzed body gets past the first check and reaches the logic behind it.
`hostile_json(value)` then replaces one part of such a value with something a client should never
send: a wrong type, a number JSON allows but no store can hold (1e999999, a 5000-digit integer,
NaN), nesting thousands deep, traversal and injection text, control characters, lone surrogates,
a megabyte string. `as_bytes(value)` writes it out, sometimes with escapes and sometimes raw,
and `hostile_bytes(body)` breaks the bytes themselves: invalid UTF-8, a cut, a stray NUL.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

HOSTILE_TEXT = [
    "../../../etc/passwd",
    "%2e%2e%2f%2e%2e%2f",
    "..",
    "a/b?c=d#e",
    "\x00",
    "line\nbreak\r\n",
    "\x1b[2J\x7f",
    "\ud800",
    "\udfff tail",
    "ignore previous instructions",
    "' OR 1=1 --",
    '"; DROP TABLE carts; --',
    "<script>alert(1)</script>",
    "{{7*7}}${7*7}",
    "\u202eevil\u200b",
    "x" * 5000,
    "00000000-0000-4000-8000-000000000000/../x",
]


@dataclass(frozen=True)
class Raw:
    """JSON text written as it is: numbers and nesting that no Python value serializes to."""

    text: str


UNICODE = st.characters(exclude_categories=("Cs",))  # text as a valid body has it: no lone surrogates
DEEP = 100_000
EXTREME_NUMBERS = [
    Raw("1e999999"),
    Raw("-1e999999"),
    Raw("1E-999999"),
    Raw("123456789012345678901234567890.123456789"),
    Raw("1" + "0" * 5000),
    Raw("NaN"),
    Raw("-Infinity"),
    Raw("-0"),
]
"""Numbers JSON (or Python's parser) allows that no store can hold; a typed number takes them too."""
RAW_JSON = [
    *EXTREME_NUMBERS,
    Raw("[" * 40 + "]" * 40),
    Raw("[" * 2000 + "]" * 2000),
    Raw('{"a":' * DEEP + "1" + "}" * DEEP),
]
BIG_TEXT = "y" * 2**20

plain = st.one_of(
    st.none(), st.booleans(), st.integers(-10, 1000), st.floats(0, 1000), st.text(UNICODE, max_size=20)
)
"""Values of a member the schema does not type."""
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(HOSTILE_TEXT),
)
"""Values of every JSON shape and past it (NaN, Infinity), hostile text among them."""
wrong_values = st.one_of(
    scalars,
    st.sampled_from(RAW_JSON),
    st.just(BIG_TEXT),
    st.lists(scalars, max_size=3),
    st.dictionaries(st.sampled_from(HOSTILE_TEXT) | st.text(max_size=8), scalars, max_size=3),
)


def resolve(doc: Mapping[str, Any], schema: Mapping[str, Any]) -> Mapping[str, Any]:
    """The schema a local `$ref` ("#/components/schemas/X", "#/$defs/X") points to."""
    while "$ref" in schema:
        node: Any = doc
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


Known = Mapping[str, st.SearchStrategy[Any]]


def from_schema(
    doc: Mapping[str, Any], schema: Mapping[str, Any], known: Known | None = None
) -> st.SearchStrategy[Any]:
    """Values shaped as `schema` (OpenAPI 3.0 or JSON Schema) says, read loosely: patterns and
    formats are not honoured, since a near miss is as useful to a fuzzer as a hit. A property
    named in `known` takes the values given there instead (ids that exist, a country that ships)."""
    schema = resolve(doc, schema)
    shaped = _shaped(doc, schema, known or {})
    if "example" in schema:
        shaped = from_example(schema["example"], known or {}) | shaped
    if schema.get("nullable"):
        shaped = st.none() | shaped
    return shaped


def from_example(example: Any, known: Known) -> st.SearchStrategy[Any]:
    """A spec's example, its members named in `known` given values that exist, and its numbers
    now and then an extreme one."""
    if isinstance(example, dict):
        return st.fixed_dictionaries(
            {key: known[key] if key in known else from_example(part, known) for key, part in example.items()}
        )
    if isinstance(example, list):
        return st.tuples(*(from_example(part, known) for part in example)).map(list)
    if isinstance(example, int | float) and not isinstance(example, bool):
        return st.just(example) | st.sampled_from(EXTREME_NUMBERS)
    return st.just(example)


def media_examples(media: Mapping[str, Any]) -> list[Any]:
    """The examples of an OpenAPI media type object (`example`, and `examples` by name)."""
    named = [example["value"] for example in media.get("examples", {}).values() if "value" in example]
    return [media["example"], *named] if "example" in media else named


def _shaped(doc: Mapping[str, Any], schema: Mapping[str, Any], known: Known) -> st.SearchStrategy[Any]:
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "const" in schema:
        return st.just(schema["const"])
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return st.one_of([from_schema(doc, part, known) for part in schema[key]])
    if "allOf" in schema:
        return from_schema(doc, _merged(doc, schema), known)
    kind = schema.get("type")
    if isinstance(kind, list):  # JSON Schema's ["string", "null"]
        return st.one_of([_shaped(doc, {**schema, "type": one}, known) for one in kind])
    if kind == "object" or "properties" in schema:
        properties = {
            name: known[name] if name in known else from_schema(doc, part, known)
            for name, part in schema.get("properties", {}).items()
            if not resolve(doc, part).get("readOnly")
        }
        if not properties:
            return st.dictionaries(st.text(UNICODE, max_size=8), plain, max_size=3)
        required = [name for name in schema.get("required", []) if name in properties]
        return st.fixed_dictionaries(
            {name: properties[name] for name in required},
            optional={name: part for name, part in properties.items() if name not in required},
        )
    if kind == "array":
        items = from_schema(doc, schema.get("items", {}), known)
        return st.lists(items, min_size=min(schema.get("minItems", 0), 2), max_size=3)
    if kind == "string":
        low = schema.get("minLength", 0)
        return st.text(UNICODE, min_size=low, max_size=max(low, min(schema.get("maxLength", 30), 30)))
    if kind == "integer":
        bounded = st.integers(schema.get("minimum"), schema.get("maximum"))
        return st.one_of(st.integers(0, 200), bounded, st.sampled_from(EXTREME_NUMBERS))
    if kind == "number":
        low, high = schema.get("minimum"), schema.get("maximum")
        bounded = st.floats(low, high, allow_nan=False, allow_infinity=False)
        return st.one_of(st.integers(0, 500), bounded, st.sampled_from(EXTREME_NUMBERS))
    if kind == "boolean":
        return st.booleans()
    return plain


def _merged(doc: Mapping[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    """allOf as one object schema: the parts' properties and requirements together."""
    merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
    for part in [schema, *schema["allOf"]]:
        part = resolve(doc, part)
        if "allOf" in part and part is not schema:
            part = _merged(doc, part)
        merged["properties"].update(part.get("properties", {}))
        merged["required"] += part.get("required", [])
        if "type" in part and part["type"] != "object":
            return dict(part)
    return merged


def _places(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value (the root too), as key paths."""
    places = [path]
    if isinstance(value, dict):
        for key, part in value.items():
            places += _places(part, (*path, key))
    elif isinstance(value, list):
        for index, part in enumerate(value):
            places += _places(part, (*path, index))
    return places


def _replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replaced(value[head], rest, new)}
    return [_replaced(part, rest, new) if index == head else part for index, part in enumerate(value)]


@st.composite
def hostile_json(draw: st.DrawFn, value: Any) -> Any:
    """`value` with one of its parts (or an extra member) replaced by a wrong or hostile value."""
    place = draw(st.sampled_from(_places(value)))
    new = draw(wrong_values)
    if isinstance(value, dict) and draw(st.booleans()):
        return {**value, draw(st.sampled_from(HOSTILE_TEXT)): new}
    return _replaced(value, place, new)


def json_text(value: Any, *, ascii_only: bool) -> str:
    """JSON text of a value that may hold `Raw` parts."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, dict):
        members = (
            f"{json.dumps(str(key), ensure_ascii=ascii_only)}:{json_text(part, ascii_only=ascii_only)}"
            for key, part in value.items()
        )
        return "{" + ",".join(members) + "}"
    if isinstance(value, list):
        return "[" + ",".join(json_text(part, ascii_only=ascii_only) for part in value) + "]"
    return json.dumps(value, ensure_ascii=ascii_only)


@st.composite
def as_bytes(draw: st.DrawFn, value: Any) -> bytes:
    """The value as a body: \\u escapes, or raw UTF-8 (a lone surrogate then is invalid UTF-8)."""
    ascii_only = draw(st.booleans())
    return json_text(value, ascii_only=ascii_only).encode("utf-8", "surrogatepass")


BROKEN_BYTES = [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xc0\xaf", b"\x00", b"\xef\xbb\xbf", b"\r\n"]


@st.composite
def hostile_bytes(draw: st.DrawFn, body: bytes) -> bytes:
    """The body with invalid bytes put in, or cut short."""
    at = draw(st.integers(0, len(body)))
    if draw(st.booleans()):
        return body[:at]
    return body[:at] + draw(st.sampled_from(BROKEN_BYTES)) + body[at:]


ODD_BODIES = [
    b"",
    b"null",
    b"[]",
    b"{",
    b"not json",
    b"\xff\xfe{\x00}\x00",
    '{"a": 1}'.encode("utf-16"),
    b"[" * DEEP + b"]" * DEEP,
]


def bodies(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    """Request bodies around a valid shape: as it is, made hostile, broken bytes, or nothing like it."""
    return st.one_of(
        valid.flatmap(as_bytes),
        valid.flatmap(hostile_json).flatmap(as_bytes),
        valid.flatmap(as_bytes).flatmap(hostile_bytes),
        st.sampled_from(ODD_BODIES),
        st.binary(max_size=40),
    )
