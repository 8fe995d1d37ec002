"""The official OpenAPI specs, read from ../shared/bigcommerce-specs and patched in memory, once.

Nothing of the specs is copied into the repository: they are read from the folder beside the
clone (where CI lays `shared/`). Where a spec is itself wrong, `PATCHES` corrects it, and this list
is the only place that does; each entry says where and why. A patch that no longer finds what it
fixes fails loudly, so a corrected upstream spec shows up here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from openapi_core import Config, OpenAPI

SPECS_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "bigcommerce-specs"
PHONE_PATTERN = r"^\+?[1-9]\d{1,14}(x\d{1-5})?$"

Doc = dict[str, Any]


@dataclass(frozen=True)
class Patch:
    """One correction of one spec file; `apply` changes the document and returns how many places it
    changed, and its docstring says what is wrong there."""

    spec: str
    apply: Callable[[Doc], int]

    @property
    def why(self) -> str:
        return " ".join((self.apply.__doc__ or "").split())


def nodes(doc: Any) -> Iterator[dict[str, Any]]:
    """Every mapping in a document, depth first."""
    if isinstance(doc, dict):
        yield doc
        for value in doc.values():
            yield from nodes(value)
    elif isinstance(doc, list):
        for value in doc:
            yield from nodes(value)


def at(doc: Doc, *path: str) -> dict[str, Any]:
    node: Any = doc
    for key in path:
        node = node[key]
    return node


def drop_lonely_exclusive_bounds(doc: Doc) -> int:
    """`exclusiveMaximum: false` with no `maximum` (same for minimum) is invalid OpenAPI 3.0."""
    changed = 0
    for node in nodes(doc):
        for flag, bound in (("exclusiveMaximum", "maximum"), ("exclusiveMinimum", "minimum")):
            if flag in node and bound not in node:
                del node[flag]
                changed += 1
    return changed


def fix_phone_pattern(doc: Doc) -> int:
    """`\\d{1-5}` is not a quantifier (it matches the text "{1-5}"); `\\d{1,5}` is what was meant."""
    changed = 0
    for node in nodes(doc):
        if node.get("pattern") == PHONE_PATTERN:
            node["pattern"] = PHONE_PATTERN.replace("{1-5}", "{1,5}")
            changed += 1
    return changed


def integer_token_error_status(doc: Doc) -> int:
    """POST /checkouts/{id}/token 422: `status` is typed string (example '422', format int32),
    while every BigCommerce error body, this spec's 401 beside it included, has an integer status."""
    schema = at(doc, "paths", "/checkouts/{checkoutId}/token", "post", "responses", "422", "content")
    status = schema["application/json"]["schema"]["properties"]["status"]
    status["type"] = "integer"
    return 1


def nullable_base_variant_id(doc: Doc) -> int:
    """product_Full.base_variant_id: its description says "This value is `null` for complex
    products", but the schema does not allow null."""
    changed = 0
    for node in nodes(at(doc, "components", "schemas", "product_Full")):
        properties = node.get("properties", {})
        if "base_variant_id" in properties:
            properties["base_variant_id"]["nullable"] = True
            changed += 1
    return changed


def empty_order_list_is_204(doc: Doc) -> int:
    """GET /orders documents only 200, but v2 collections answer 204 with no body when nothing
    matches (the client handles it; a store with no orders answers so)."""
    responses = at(doc, "paths", "/orders", "get", "responses")
    responses["204"] = {"description": "No orders match the filters (no body)."}
    return 1


def order_tax_amounts_are_numbers(doc: Doc) -> int:
    """Order.taxTotal and Order.taxes[].amount are typed integer; they are money, a number like every
    other amount in the spec (7.79)."""
    order = at(doc, "components", "schemas", "Order", "properties")
    order["taxTotal"]["type"] = "number"
    order["taxes"]["items"]["properties"]["amount"]["type"] = "number"
    return 2


def physical_item_discounts_are_a_list(doc: Doc) -> int:
    """ItemPhysical.discounts is typed object, while its description says "If no discount applied,
    empty array is returned" and the digital and gift items type it as an array of AppliedDiscount."""
    discounts = at(doc, "components", "schemas", "ItemPhysical", "properties", "discounts")
    discounts.clear()
    discounts.update({"type": "array", "items": {"$ref": "#/components/schemas/AppliedDiscount"}})
    return 1


def billing_refusals_have_a_body(doc: Doc) -> int:
    """The billing address's 403 and 429 are documented with empty content, yet BigCommerce's
    errors carry its JSON error body, as the 409 beside them documents."""
    changed = 0
    for path in (
        "/checkouts/{checkoutId}/billing-address",
        "/checkouts/{checkoutId}/billing-address/{addressId}",
    ):
        for operation in at(doc, "paths", path).values():
            for status in ("403", "429"):
                response = operation.get("responses", {}).get(status) if isinstance(operation, dict) else None
                if response is not None and not response.get("content"):
                    response["content"] = {"application/json": {"schema": {"type": "object"}}}
                    changed += 1
    return changed


def address_id_is_a_string(doc: Doc) -> int:
    """The billing address's `addressId` path parameter is typed as a number, while the addresses
    it names have string ids ("5d484d668e5aa" in the spec's own examples)."""
    changed = 0
    for node in nodes(doc):
        if node.get("name") == "addressId" and node.get("in") == "path":
            node["schema"] = {"type": "string"}
            changed += 1
    return changed


def cart_item_update_is_any_of(doc: Doc) -> int:
    """PUT /carts/{id}/items/{item}: `line_item` is oneOf an item with a variant or with a modifier,
    but the two overlap (neither forbids the other's fields), so the plain {quantity, product_id}
    that both allow matches twice and oneOf refuses it; anyOf is what the schema means."""
    line_item = at(doc, "components", "schemas", "Cart_Line_Item_Update_Put", "properties", "line_item")
    line_item["anyOf"] = line_item.pop("oneOf")
    return 1


def order_sort_takes_a_direction(doc: Doc) -> int:
    """GET /orders `sort`: "add `:asc` or `:desc` to the end ... e.g., `sort=date_created:desc`",
    says its description, but its enum lists the bare field names only."""
    sort = at(doc, "components", "parameters", "sort", "schema")
    fields = "|".join(sort.pop("enum"))
    sort["pattern"] = f"^({fields})(:(asc|desc))?$"
    return 1


PATCHES: tuple[Patch, ...] = (
    Patch("checkouts.sf.yml", drop_lonely_exclusive_bounds),
    Patch("orders.sf.yml", drop_lonely_exclusive_bounds),
    Patch("checkouts.v3.yml", fix_phone_pattern),
    Patch("checkouts.sf.yml", fix_phone_pattern),
    Patch("orders.sf.yml", fix_phone_pattern),
    Patch("checkouts.sf.yml", billing_refusals_have_a_body),
    Patch("checkouts.v3.yml", address_id_is_a_string),
    Patch("checkouts.sf.yml", address_id_is_a_string),
    Patch("carts.v3.yml", cart_item_update_is_any_of),
    Patch("checkouts.v3.yml", integer_token_error_status),
    Patch("orders.sf.yml", order_tax_amounts_are_numbers),
    Patch("orders.sf.yml", physical_item_discounts_are_a_list),
    Patch("orders.v2.oas2.yml", empty_order_list_is_204),
    Patch("orders.v2.oas2.yml", order_sort_takes_a_direction),
    Patch("products_catalog.v3.yml", nullable_base_variant_id),
)


def specs_dir() -> Path:
    if not SPECS_DIR.is_dir():
        raise FileNotFoundError(
            f"The official specs are not at {SPECS_DIR}: the contract tests read them from "
            "shared/bigcommerce-specs beside the clone."
        )
    return SPECS_DIR


@cache
def document(name: str) -> Doc:
    """A spec as data, with its patches applied."""
    doc: Doc = yaml.load((specs_dir() / name).read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    for patch in PATCHES:
        if patch.spec == name and patch.apply(doc) == 0:
            raise AssertionError(
                f"Patch {patch.apply.__name__} of {name} found nothing to fix: is the spec fixed?"
            )
    return doc


@cache
def api(name: str) -> OpenAPI:
    """The patched spec, ready to validate answers. The spec itself is not validated here (that
    takes seconds for the large ones); `test_specs` validates the ones that needed patching."""
    return OpenAPI.from_dict(document(name), config=Config(spec_validator_cls=None))
