"""The checkout JSON of both API surfaces, mapped into the domain model by one set of functions.

The management API (snake_case) and the storefront API (camelCase) send checkouts, carts, line
items, coupons, consignments and addresses of the same shape; they differ in how keys are spelled,
in a few renamed keys, and in whether amounts come split by tax (`name_inc_tax` / `name_ex_tax`) or
as one value. `Keys` holds exactly those differences, so each mapping is written once. Keys are
named below by their management spelling; `Keys.__call__` gives a surface's spelling.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from checkout_mcp.bigcommerce.models import (
    Address,
    AddressInput,
    Cart,
    Checkout,
    ConsignmentItem,
    ItemKind,
    NewLineItem,
    ShippingOption,
)
from checkout_mcp.bigcommerce.transport import amount_from

ITEM_GROUPS: dict[str, ItemKind] = {
    "physical_items": "physical",
    "digital_items": "digital",
    "gift_certificates": "gift_certificate",
    "custom_items": "custom",
}
ADDRESS_FIELDS = tuple(name for name in Address.model_fields if name != "id")
# The storefront's CheckoutCoupon.couponType is an integer code (checkouts.sf.yml).
COUPON_TYPES = (
    "per_item_discount",
    "percentage_discount",
    "per_total_discount",
    "shipping_discount",
    "free_shipping",
    "promotion",
)


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@dataclass(frozen=True)
class Keys:
    """How one surface spells the checkout JSON: case, the keys it renames, and tax-split amounts."""

    camel_case: bool
    is_require_shipping: str
    tax_included: str
    amounts_split_by_tax: bool
    _spelled: dict[str, str] = field(default_factory=dict, init=False, compare=False, repr=False)
    """Each name's spelling, worked out once: mapping a 100-item cart asks for them a thousand times."""

    def __call__(self, name: str) -> str:
        """The surface's key for `name`, given in its management (snake_case) spelling."""
        spelled = self._spelled.get(name)
        if spelled is None:
            renamed = {"is_require_shipping": self.is_require_shipping, "tax_included": self.tax_included}
            spelled = self._spelled[name] = renamed.get(name) or (camel(name) if self.camel_case else name)
        return spelled

    @cached_property
    def line_item_keys(self) -> tuple[str, ...]:
        """The spellings of LINE_ITEM_KEYS, in that order."""
        return tuple(self(name) for name in LINE_ITEM_KEYS)

    @cached_property
    def address_keys(self) -> tuple[tuple[str, str], ...]:
        """Each of ADDRESS_FIELDS with its spelling."""
        return tuple((name, self(name)) for name in ADDRESS_FIELDS)

    def amount(self, data: dict[str, Any], name: str, tax_included: bool) -> Any:
        """The amount `name`, as the store displays prices when the surface splits it by tax."""
        if self.amounts_split_by_tax:
            name = f"{name}_inc_tax" if tax_included else f"{name}_ex_tax"
        return data.get(self(name))

    def spelled(self, data: dict[str, Any]) -> dict[str, Any]:
        """A request body built with snake_case keys, spelled the surface's way."""
        return {self(key): value for key, value in data.items()}


MANAGEMENT_KEYS = Keys(
    camel_case=False,
    is_require_shipping="is_require_shipping",
    tax_included="tax_included",
    amounts_split_by_tax=True,
)
STOREFRONT_KEYS = Keys(
    camel_case=True,
    is_require_shipping="isShippingRequired",
    tax_included="isTaxIncluded",
    amounts_split_by_tax=False,
)


# --- request bodies -----------------------------------------------------------------------------------


def address_body(keys: Keys, address: AddressInput) -> dict[str, Any]:
    return keys.spelled(address.model_dump(exclude_none=True))


def consignment_body(keys: Keys, address: AddressInput, items: list[ConsignmentItem]) -> dict[str, Any]:
    line_items = [keys.spelled(item.model_dump()) for item in items]
    return {"address": address_body(keys, address), keys("line_items"): line_items}


def cart_body(keys: Keys, items: list[NewLineItem]) -> dict[str, Any]:
    return {keys("line_items"): [keys.spelled(item.model_dump(exclude_none=True)) for item in items]}


def with_version(body: dict[str, Any], version: int | None) -> dict[str, Any]:
    """The body with the spec's optional `version` (same key on both surfaces) when one is expected."""
    return body if version is None else {**body, "version": version}


def cart_item_body(keys: Keys, *, quantity: int, product_id: int, variant_id: int | None) -> dict[str, Any]:
    line_item: dict[str, Any] = {"quantity": quantity, "product_id": product_id}
    if variant_id is not None:
        line_item["variant_id"] = variant_id
    return {keys("line_item"): keys.spelled(line_item)}


# --- responses -> domain ------------------------------------------------------------------------------
# Each `*_fields` reads one object of an answer into the fields of its model, and the model of a whole
# answer is validated once, with everything in it (one pydantic call, not one per line item): a value
# of the wrong type anywhere in the tree fails that validation, so an answer of a shape this client
# does not know is still an UnexpectedResponse, never a wrong value.

Fields = dict[str, Any]


def address_fields(keys: Keys, data: dict[str, Any] | None) -> Fields | None:
    if not data:
        return None
    fields = {name: data[key] for name, key in keys.address_keys if data.get(key) is not None}
    fields["id"] = str(data["id"]) if data.get("id") is not None else None
    return fields


def address_from(keys: Keys, data: dict[str, Any] | None) -> Address | None:
    fields = address_fields(keys, data)
    return None if fields is None else Address.model_validate(fields)


def coupon_fields(keys: Keys, data: dict[str, Any]) -> Fields:
    coupon_type = data.get(keys("coupon_type"))
    if isinstance(coupon_type, int) and 0 <= coupon_type < len(COUPON_TYPES):
        coupon_type = COUPON_TYPES[coupon_type]
    return {
        "code": data["code"],
        "id": str(data["id"]) if data.get("id") is not None else None,
        "coupon_type": None if coupon_type is None else str(coupon_type),
        "discounted_amount": amount_from(data.get(keys("discounted_amount"))),
    }


LINE_ITEM_KEYS = (
    "list_price",
    "sale_price",
    "product_id",
    "variant_id",
    "extended_sale_price",
    "discount_amount",
    "coupon_amount",
    "is_require_shipping",
)


def line_item_fields(keys: Keys, data: dict[str, Any], kind: ItemKind) -> Fields:
    """Called for every line of every answer: the keys' spellings are looked up once, together."""
    list_key, sale_key, product_key, variant_key, extended_key, discount_key, coupon_key, shipping_key = (
        keys.line_item_keys
    )
    quantity = int(data.get("quantity", 1))
    list_price = amount_from(data.get(list_key, data.get("amount")))
    sale_price = amount_from(data.get(sale_key, list_price))
    return {
        "id": str(data["id"]),
        "kind": kind,
        "name": data.get("name", ""),
        "quantity": quantity,
        "product_id": data.get(product_key),
        "variant_id": data.get(variant_key),
        "sku": data.get("sku"),
        "list_price": list_price,
        "sale_price": sale_price,
        "extended_sale_price": amount_from(data.get(extended_key, sale_price * quantity)),
        "discount_amount": amount_from(data.get(discount_key)),
        "coupon_amount": amount_from(data.get(coupon_key)),
        "requires_shipping": bool(data.get(shipping_key, kind == "physical")),
    }


def cart_fields(keys: Keys, data: dict[str, Any]) -> Fields:
    groups = data.get(keys("line_items")) or {}
    return {
        "id": data["id"],
        "currency": data["currency"]["code"],
        "customer_id": data.get(keys("customer_id")) or 0,
        "email": data.get("email") or None,
        "is_tax_included": bool(data.get(keys("tax_included"), False)),
        "base_amount": amount_from(data.get(keys("base_amount"))),
        "discount_amount": amount_from(data.get(keys("discount_amount"))),
        "cart_amount": amount_from(data.get(keys("cart_amount"), data.get(keys("cart_amount_inc_tax")))),
        "line_items": [
            line_item_fields(keys, item, kind)
            for group, kind in ITEM_GROUPS.items()
            for item in groups.get(keys(group)) or []
        ],
        "coupons": [coupon_fields(keys, coupon) for coupon in data.get("coupons") or []],
        "version": data.get("version"),
        "raw": data,
    }


def cart_from(keys: Keys, data: dict[str, Any]) -> Cart:
    return Cart.model_validate(cart_fields(keys, data))


def shipping_option_fields(keys: Keys, data: dict[str, Any]) -> Fields:
    """Consignment options carry `cost`; the storefront seed's options endpoint calls it `price`."""
    return {
        "id": str(data["id"]),
        "description": data.get("description", ""),
        "cost": amount_from(data.get("cost", data.get("price"))),
        "type": data.get("type"),
        "transit_time": data.get(keys("transit_time")) or None,
    }


def shipping_option_from(keys: Keys, data: dict[str, Any]) -> ShippingOption:
    return ShippingOption.model_validate(shipping_option_fields(keys, data))


def consignment_fields(
    keys: Keys, data: dict[str, Any], tax_included: bool, shipping_options: bool
) -> Fields:
    available = data.get(keys("available_shipping_options")) if shipping_options else None
    selected = data.get(keys("selected_shipping_option"))
    return {
        "id": str(data["id"]),
        "address": address_fields(keys, data.get("address")) or {},
        "line_item_ids": [str(item_id) for item_id in data.get(keys("line_item_ids")) or []],
        "available_shipping_options": None
        if available is None
        else [shipping_option_fields(keys, option) for option in available],
        "selected_shipping_option": shipping_option_fields(keys, selected) if selected else None,
        "shipping_cost": amount_from(keys.amount(data, "shipping_cost", tax_included)),
        "handling_cost": amount_from(keys.amount(data, "handling_cost", tax_included)),
    }


def gift_certificate_fields(data: dict[str, Any]) -> Fields:
    return {
        "code": data["code"],
        "balance": amount_from(data.get("balance")),
        "used": amount_from(data.get("used")),
        "remaining": amount_from(data.get("remaining")),
    }


def checkout_from(keys: Keys, data: dict[str, Any], *, shipping_options: bool = True) -> Checkout:
    """The checkout; without `shipping_options` its consignments' available options are left unread
    (None), as when they were not asked for."""
    cart = cart_fields(keys, data["cart"])
    tax_included: bool = cart["is_tax_included"]
    grand_total = amount_from(data.get(keys("grand_total")))
    order_id = data.get(keys("order_id"))
    consignments = data.get("consignments") or []
    return Checkout.model_validate(
        {
            "id": data["id"],
            "cart": cart,
            "currency": cart["currency"],
            "billing_address": address_fields(keys, data.get(keys("billing_address"))),
            "consignments": [
                consignment_fields(keys, item, tax_included, shipping_options) for item in consignments
            ],
            "coupons": [coupon_fields(keys, coupon) for coupon in data.get("coupons") or []],
            "gift_certificates": [
                gift_certificate_fields(item) for item in data.get(keys("gift_certificates")) or []
            ],
            "taxes": [
                {"name": tax["name"], "amount": amount_from(tax.get("amount"))}
                for tax in data.get("taxes") or []
            ],
            "subtotal": amount_from(keys.amount(data, "subtotal", tax_included)),
            "shipping_total": amount_from(keys.amount(data, "shipping_cost_total", tax_included)),
            "handling_total": amount_from(keys.amount(data, "handling_cost_total", tax_included)),
            "tax_total": amount_from(data.get(keys("tax_total"))),
            "grand_total": grand_total,
            "outstanding_balance": amount_from(data.get(keys("outstanding_balance"), grand_total)),
            "order_id": str(order_id) if order_id not in (None, "") else None,
            "customer_message": data.get(keys("customer_message")) or "",
            "version": data.get("version"),
            "raw": data,
        }
    )
