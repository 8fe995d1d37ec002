"""The resources both API surfaces show, written once in the management API's snake_case; the
storefront respells them (`camel_keys`), the way the client's `Keys` reads both.

What really differs between the surfaces is data here, not a second copy of a view:
- a storefront address also names its `country`;
- a management line item counts its coupon share in `discount_amount` and lists it in `discounts`
  and `coupons` (carts.v3.yml: "This includes coupons"); a storefront one does not ("excluding
  coupon"), and names its `type` (`LINE_ITEM_FACTS`);
- the storefront says `isShippingRequired` where management says `is_require_shipping`
  (`STOREFRONT_RENAMES`);
- the storefront checkout's coupon type is an integer code (`COUPON_TYPE_CODES`).
Carts and checkouts themselves stay per surface: their amounts are split by tax on one only.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from checkout_mcp.sandbox.state import Address, LineItem, ShippingMethod
from checkout_mcp.sandbox.totals import CouponDiscount, Totals

Json = dict[str, Any]
Surface = Literal["management", "storefront"]
STOREFRONT_RENAMES = {"is_require_shipping": "isShippingRequired"}
COUPON_TYPE_CODES = {"percentage_discount": 1, "per_total_discount": 2, "free_shipping": 4}
COUNTRIES = {"US": "United States", "CA": "Canada", "GB": "United Kingdom", "DE": "Germany", "FR": "France"}


def camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.title() for part in rest)


def camel_keys(value: Any) -> Any:
    """A snake_case view in the storefront's spelling, all the way down."""
    if isinstance(value, dict):
        return {STOREFRONT_RENAMES.get(k) or camel(k): camel_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [camel_keys(v) for v in value]
    return value


def address_view(address: Address, surface: Surface = "management") -> Json:
    view = {**address.model_dump(), "custom_fields": []}
    if surface == "storefront":
        view["country"] = COUNTRIES.get(address.country_code, address.country_code)
    return view


def shipping_option_view(method: ShippingMethod) -> Json:
    return {
        "id": method.id,
        "type": method.type,
        "description": method.description,
        "image_url": "",
        "cost": method.cost,
        "transit_time": method.transit_time,
        "additional_description": "",
    }


def line_item_view(item: LineItem, totals: Totals, surface: Surface = "management") -> Json:
    line = totals.lines[item.id]
    view: Json = {
        "id": item.id,
        "variant_id": item.variant_id,
        "product_id": item.product_id,
        "sku": item.sku,
        "name": item.name,
        "url": f"/products/{item.product_id}/",
        "quantity": item.quantity,
        "is_taxable": item.is_taxable,
        "image_url": "",
        "coupon_amount": line.discount_amount,
        "original_price": item.list_price,
        "list_price": item.list_price,
        "sale_price": item.list_price,
        "extended_list_price": line.extended_list_price,
        "extended_sale_price": line.extended_list_price,
        "is_require_shipping": item.type == "physical",
        "is_mutable": True,
        "options": [
            {"name": o.option_display_name, "name_id": o.option_id, "value": o.label, "value_id": o.id}
            for o in item.options
        ],
    }
    if surface == "management":
        share = [{"id": "coupon", "discounted_amount": line.discount_amount}] if line.discount_amount else []
        view.update(discounts=share, coupons=share, discount_amount=line.discount_amount)
    else:
        view.update(type=item.type, added_by_promotion=False, discounts=[], discount_amount=Decimal("0"))
    return view


def coupon_view(coupon: CouponDiscount, *, type_code: bool = False) -> Json:
    """A coupon applied to a cart or checkout; the storefront checkout gives its type as a code."""
    return {
        "id": coupon.coupon_id,
        "code": coupon.code,
        "coupon_type": COUPON_TYPE_CODES.get(coupon.coupon_type, 0) if type_code else coupon.coupon_type,
        "display_name": coupon.display_name,
        "discounted_amount": coupon.discounted_amount,
    }
