"""Templates: the sandbox's answers that have a fixed shape, written without building them as dicts.

A `Template` is one JSON object whose keys never change, written by one %-format: the keys and the
constants are in the format already, and each field's writer writes its value (text always quoted
and escaped, amounts exact numbers, never through float). `write` gives a `jsonio.Fragment`, which
other templates and `jsonio.dumps` put in as it is. The bytes are the ones `dumps` writes for the
same values as a dict; a checkout with a hundred line items is written in half the time it takes
to build it as dicts and dump them, since no dict is built for its lines and no hook is called for
each of their seven amounts.
"""

from __future__ import annotations

import copy
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from json.encoder import encode_basestring
from keyword import iskeyword
from typing import Any

from checkout_mcp.sandbox.jsonio import Fragment, dumps

Writer = Callable[[Any], object]
"""How a template writes a field's value: what `dumps` writes for it (its JSON text, or an int, which
`%s` writes as JSON does), or TypeError (AttributeError) for a value of another kind; a template
then writes the whole object as `dumps` does, so that a value of the wrong kind goes out as it is,
for the contract tests to see, not as a failed request."""

text: Writer = encode_basestring
"""A string, quoted and escaped."""
fragment: Writer = operator.attrgetter("text")
"""A `Fragment` (another template's object), put in as it is."""


def integer(value: int) -> int:
    if value.__class__ is int:
        return value
    raise TypeError(f"{type(value).__name__} is not an int")


def boolean(value: bool) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    raise TypeError(f"{type(value).__name__} is not a bool")


def money(amount: Decimal) -> str:
    """A Decimal as a JSON number, exactly; NaN and infinities are refused, not written."""
    if amount.is_finite():
        return str(amount)
    raise ValueError(f"{amount} is not a JSON number")


def timestamp(when: datetime) -> str:
    if isinstance(when, datetime):
        return f'"{when.isoformat()}"'
    raise TypeError(f"{type(when).__name__} is not a datetime")


def fragments(items: Iterable[Fragment]) -> str:
    """A list of `Fragment`s, as a JSON array."""
    return "[]" if items == [] else "[" + ",".join(map(fragment, items)) + "]"


def texts(items: Iterable[str]) -> str:
    """A list of strings, as a JSON array."""
    return "[" + ",".join(map(text, items)) + "]"


def nullable(writer: Writer) -> Writer:
    """`writer`, or null for None."""
    return lambda value: "null" if value is None else writer(value)


@dataclass(frozen=True)
class Const:
    """A field whose value never changes: written into the template once, and given no value."""

    value: Any


@dataclass(frozen=True)
class Omitted:
    """A field left out of the object when its value is None (the specs type some fields as objects
    or strings that are never null: a value that does not exist is left out, not sent as null)."""

    writer: Writer


Field = Writer | Const | Omitted


class Template:
    """A JSON object whose keys never change: `Template(id=text, cost=money, image_url=Const(""))`.

    `write(**values)` takes the values by field name, `Const` fields excepted, and ignores names the
    template does not have: one call can feed the templates of both API surfaces, each taking its
    own fields. `respelled(key)` is the same template with every JSON key respelled by `key` (the
    field names stay): the storefront's camelCase.

    `write` is a function made for the template, as dataclasses makes `__init__`: a keyword
    parameter per field and one %-format of the writers' results. Applying the writers in a loop
    over the fields instead costs half as much again.
    """

    write: Callable[..., Fragment]

    def __init__(self, **fields: Field) -> None:
        if isinstance(next(iter(fields.values())), Omitted):
            raise ValueError("A template's first field cannot be left out (its comma would stay).")
        unfit = [
            name for name in fields if not name.isidentifier() or iskeyword(name) or name.startswith("_")
        ]
        if unfit:
            raise ValueError(f"Template fields must be public Python names, not {unfit}.")
        self.fields = fields
        self._keys = {name: name for name in fields}
        self.write = self._compiled()

    def respelled(self, key: Callable[[str], str]) -> Template:
        template = copy.copy(self)
        template._keys = {name: key(name) for name in self.fields}
        template.write = template._compiled()
        return template

    def _compiled(self) -> Callable[..., Fragment]:
        parts: list[str] = []
        names: list[str] = []
        namespace: dict[str, Any] = {"_Fragment": Fragment, "_as_dumps_writes": self._as_dumps_writes}
        for name, field in self.fields.items():  # the writers go in as _w_<field name>
            written_key = text(self._keys[name])
            if isinstance(field, Const):
                parts.append(f",{written_key}:{dumps(field.value)}".replace("%", "%%"))
                continue
            names.append(name)
            if isinstance(field, Omitted):
                parts.append("%s")
                namespace[f"_w_{name}"] = _omitted(written_key, field.writer)
            else:
                parts.append(",{}:%s".format(written_key.replace("%", "%%")))
                namespace[f"_w_{name}"] = field
        namespace["_FORMAT"] = "{" + "".join(parts)[1:] + "}"
        parameters = f"*, {', '.join(names)}, " if names else ""
        source = (
            f"def write({parameters}**_others):\n"
            "    try:\n"
            f"        return _Fragment(_FORMAT % ({''.join(f'_w_{name}({name}), ' for name in names)}))\n"
            "    except (TypeError, AttributeError, ValueError):\n"
            f"        return _as_dumps_writes({{{''.join(f'{name!r}: {name}, ' for name in names)}}})\n"
        )
        exec(source, namespace)  # the source holds field names only; the writers are in `namespace`
        write: Callable[..., Fragment] = namespace["write"]
        return write

    def _as_dumps_writes(self, values: dict[str, Any]) -> Fragment:
        """The object as `dumps` writes it: for values a writer does not take."""
        view = {}
        for name, field in self.fields.items():
            value = field.value if isinstance(field, Const) else values[name]
            if not (isinstance(field, Omitted) and value is None):
                view[self._keys[name]] = value
        return Fragment(dumps(view))


def _omitted(written_key: str, writer: Writer) -> Writer:
    return lambda value: "" if value is None else f",{written_key}:{writer(value)}"
