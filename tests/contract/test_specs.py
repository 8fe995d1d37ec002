"""The specs themselves: the patches are needed and suffice, and prose the specs state as tables
(order statuses) is what the sandbox and the client use."""

from __future__ import annotations

import re

import pytest
import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from checkout_mcp.order_status import ORDER_STATUS_NAMES
from checkout_mcp.sandbox import state
from tests.contract import specs

INVALID_UPSTREAM = ("checkouts.sf.yml", "orders.sf.yml")  # SOURCES.md: invalid as published


@pytest.mark.parametrize("name", INVALID_UPSTREAM)
def test_the_patches_make_the_invalid_specs_valid(name: str) -> None:
    published = yaml.load((specs.specs_dir() / name).read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    with pytest.raises(OpenAPIValidationError, match="exclusiveMaximum"):
        validate(published)
    validate(specs.document(name))


def test_every_patch_says_why() -> None:
    for patch in specs.PATCHES:
        assert (specs.specs_dir() / patch.spec).is_file(), patch
        assert len(patch.why) > 40, patch.apply.__name__


def test_order_statuses_are_the_spec_s_table() -> None:
    """orders.v2.oas2.yml, GET /order_statuses: "| 0 | Incomplete | ..." rows, ids 0 to 14."""
    description = specs.document("orders.v2.oas2.yml")["paths"]["/order_statuses"]["get"]["description"]
    rows = re.findall(r"^\| (\d+) \| ?([^|]+?) *\|", description, flags=re.MULTILINE)
    table = tuple(name for _, name in sorted(rows, key=lambda row: int(row[0])))
    assert [int(status_id) for status_id, _ in rows] == list(range(15))
    assert table == ORDER_STATUS_NAMES


def test_storefront_status_enum_is_the_same_list() -> None:
    """orders.sf.yml `Status` lists the v2 statuses in id order, upper-cased."""
    enum = specs.document("orders.sf.yml")["components"]["schemas"]["Status"]["enum"]
    assert enum == [state.storefront_status(i) for i in range(len(ORDER_STATUS_NAMES))]
