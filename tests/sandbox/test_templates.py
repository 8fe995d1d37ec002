"""Templates write the bytes `dumps` writes for the same object as a dict, whatever the values."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checkout_mcp.sandbox.jsonio import Fragment, dumps
from checkout_mcp.sandbox.templates import (
    Const,
    Omitted,
    Template,
    boolean,
    fragment,
    fragments,
    integer,
    money,
    nullable,
    text,
    texts,
    timestamp,
)

INNER = Template(code=text, amount=money)
ITEM = Template(
    id=text,
    quantity=integer,
    price=money,
    taxable=boolean,
    variant_id=nullable(integer),
    image_url=Const(""),
    mutable=Const(True),
    discount=Const(Decimal("0")),
    ids=texts,
    inner=fragment,
    inners=fragments,
    selected=Omitted(fragment),
    created=timestamp,
    note=Omitted(text),
)
"""One field of every kind the views use."""

amounts = st.decimals(allow_nan=False, allow_infinity=False)
texts_anywhere = st.text()  # any text a shopper could send, quotes, backslashes and control characters too
times = st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5))]))


def inner_pair(code: str, amount: Decimal) -> tuple[Fragment, dict[str, Any]]:
    return INNER.write(code=code, amount=amount), {"code": code, "amount": amount}


@given(
    item_id=texts_anywhere,
    quantity=st.integers(),
    price=amounts,
    taxable=st.booleans(),
    variant_id=st.none() | st.integers(),
    ids=st.lists(texts_anywhere, max_size=3),
    inners=st.lists(st.tuples(texts_anywhere, amounts), max_size=3),
    selected=st.none() | st.tuples(texts_anywhere, amounts),
    created=times,
    note=st.none() | texts_anywhere,
)
def test_a_template_writes_what_dumps_writes_for_the_dict(
    item_id: str,
    quantity: int,
    price: Decimal,
    taxable: bool,
    variant_id: int | None,
    ids: list[str],
    inners: list[tuple[str, Decimal]],
    selected: tuple[str, Decimal] | None,
    created: datetime,
    note: str | None,
) -> None:
    pairs = [inner_pair(*pair) for pair in inners]
    chosen = inner_pair(*selected) if selected else None
    written = ITEM.write(
        id=item_id,
        quantity=quantity,
        price=price,
        taxable=taxable,
        variant_id=variant_id,
        ids=ids,
        inner=INNER.write(code=item_id, amount=price),
        inners=[written for written, _ in pairs],
        selected=chosen[0] if chosen else None,
        created=created,
        note=note,
    )
    as_dict = {
        "id": item_id,
        "quantity": quantity,
        "price": price,
        "taxable": taxable,
        "variant_id": variant_id,
        "image_url": "",
        "mutable": True,
        "discount": Decimal("0"),
        "ids": ids,
        "inner": {"code": item_id, "amount": price},
        "inners": [as_dict for _, as_dict in pairs],
        **({"selected": chosen[1]} if chosen else {}),
        "created": created,
        **({"note": note} if note is not None else {}),
    }
    assert written.text == dumps(as_dict)
    assert dumps({"data": [written], "meta": {}}) == dumps({"data": [as_dict], "meta": {}})


def test_text_that_looks_like_a_number_or_json_stays_text() -> None:
    hostile = '12.50 "12.50" \\"7\\" \x001.5\x00 9E+3 "},{"x":1 %s %(id)s {}'
    written = INNER.write(code=hostile, amount=Decimal("1.10"))
    assert json.loads(written.text, parse_float=Decimal) == {"code": hostile, "amount": Decimal("1.10")}
    assert json.loads(dumps({"message": hostile, "view": written}))["message"] == hostile


def test_values_of_another_kind_go_out_as_dumps_writes_them() -> None:
    """A state that is wrong (a bug) shows in the answer, for the contract tests to catch."""
    written = Template(sku=text, quantity=integer, price=money, taxable=boolean).write(
        sku=None, quantity=True, price="4.25", taxable=1
    )
    assert written.text == '{"sku":null,"quantity":true,"price":"4.25","taxable":1}'


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-Infinity", "sNaN"])
def test_an_amount_that_is_not_a_number_is_refused(amount: str) -> None:
    with pytest.raises(ValueError, match="not a JSON number"):
        INNER.write(code="x", amount=Decimal(amount))


def test_respelled_keys_take_the_same_field_names() -> None:
    template = Template(cart_id=text, line_item_ids=texts, is_mutable=Const(True))
    camel = template.respelled(lambda name: name.title().replace("_", ""))
    assert (
        camel.write(cart_id="c", line_item_ids=["a"]).text
        == '{"CartId":"c","LineItemIds":["a"],"IsMutable":true}'
    )
    assert (
        template.write(cart_id="c", line_item_ids=[]).text
        == '{"cart_id":"c","line_item_ids":[],"is_mutable":true}'
    )


def test_percent_signs_and_quotes_in_keys_and_constants_are_written_as_they_are() -> None:
    """Keys and constants are the only text in a template's format that no value brings."""
    template = Template(rate=text, note=Const('50% off, "%s" kept'))
    odd = template.respelled(lambda name: f'{name}%d"')
    values = {"rate": "%s%%"}
    assert template.write(**values).text == dumps({"rate": "%s%%", "note": '50% off, "%s" kept'})
    assert odd.write(**values).text == dumps({'rate%d"': "%s%%", 'note%d"': '50% off, "%s" kept'})


def test_names_the_template_does_not_have_are_ignored_and_a_missing_one_is_an_error() -> None:
    assert INNER.write(code="x", amount=Decimal("1"), surface_only=5).text == '{"code":"x","amount":1}'
    with pytest.raises(TypeError, match="amount"):
        INNER.write(code="x")


@pytest.mark.parametrize("fields", [{"first": Omitted(text)}, {"_private": text}, {"class": text}])
def test_a_template_refuses_fields_it_cannot_write(fields: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"first field|public Python names"):
        Template(**fields, last=text)
