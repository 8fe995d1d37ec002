"""The resources both API surfaces show, written once in the management API's snake_case; the
storefront respells them (`storefront_key`), the way the client's `Keys` reads both.

Each resource is a `Template` per surface, and a view writes its values once for both: each
surface's template takes the fields it has. What really differs between the surfaces is data here,
not a second copy of a view:
- a storefront address also names its `country`;
- a management line item counts its coupon share in `discount_amount` and lists it in `discounts`
  and `coupons` (carts.v3.yml: "This includes coupons"); a storefront one does not ("excluding
  coupon"), and names its `type`;
- the storefront says `isShippingRequired` where management says `is_require_shipping`
  (`STOREFRONT_RENAMES`);
- the storefront checkout's coupon type is an integer code (`COUPON_TYPE_CODES`).
Carts and checkouts themselves stay per surface: their amounts are split by tax on one only.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from checkout_mcp.sandbox.jsonio import Fragment
from checkout_mcp.sandbox.state import Address, LineItem, ShippingMethod
from checkout_mcp.sandbox.templates import (
    Const,
    Field,
    Template,
    boolean,
    fragments,
    integer,
    money,
    nullable,
    text,
)
from checkout_mcp.sandbox.totals import CURRENCY_EXPONENTS, CouponDiscount, LineTotals

Surface = Literal["management", "storefront"]
STOREFRONT_RENAMES = {"is_require_shipping": "isShippingRequired"}
COUPON_TYPE_CODES = {"percentage_discount": 1, "per_total_discount": 2, "free_shipping": 4}
COUNTRIES = {"US": "United States", "CA": "Canada", "GB": "United Kingdom", "DE": "Germany", "FR": "France"}


def storefront_key(key: str) -> str:
    """A snake_case key in the storefront's spelling."""
    head, *rest = key.split("_")
    return STOREFRONT_RENAMES.get(key) or head + "".join(part.title() for part in rest)


def per_surface(template: Template, **storefront_only: Field) -> dict[Surface, Template]:
    """The management template, and the storefront's: respelled, with its own fields added."""
    storefront = Template(**template.fields, **storefront_only) if storefront_only else template
    return {"management": template, "storefront": storefront.respelled(storefront_key)}


ADDRESSES = per_surface(
    Template(**dict.fromkeys(Address.model_fields, text), custom_fields=Const([])), country=text
)
SHIPPING_OPTIONS = per_surface(
    Template(
        id=text,
        type=text,
        description=text,
        image_url=Const(""),
        cost=money,
        transit_time=text,
        additional_description=Const(""),
    )
)
OPTIONS = per_surface(Template(name=text, name_id=integer, value=text, value_id=integer))
COUPON_SHARE = Template(id=Const("coupon"), discounted_amount=money)
_LINE_ITEM = dict(
    id=text,
    variant_id=nullable(integer),
    product_id=integer,
    sku=text,
    name=text,
    url=text,
    quantity=integer,
    is_taxable=boolean,
    image_url=Const(""),
    coupon_amount=money,
    original_price=money,
    list_price=money,
    sale_price=money,
    extended_list_price=money,
    extended_sale_price=money,
    is_require_shipping=boolean,
    is_mutable=Const(True),
    options=fragments,
)
LINE_ITEMS: dict[Surface, Template] = {
    "management": Template(**_LINE_ITEM, discounts=fragments, coupons=fragments, discount_amount=money),
    "storefront": Template(
        **_LINE_ITEM,
        type=text,
        added_by_promotion=Const(False),
        discounts=Const([]),
        discount_amount=Const(Decimal("0")),
    ).respelled(storefront_key),
}
LINE_ITEM_GROUPS = per_surface(
    Template(
        physical_items=fragments, digital_items=fragments, gift_certificates=Const([]), custom_items=Const([])
    )
)
COUPONS = per_surface(
    Template(id=integer, code=text, coupon_type=text, display_name=text, discounted_amount=money)
)
CODED_COUPON = Template(**{**COUPONS["management"].fields, "coupon_type": integer}).respelled(storefront_key)
"""A coupon in the storefront checkout, whose `couponType` is a code (`COUPON_TYPE_CODES`)."""
TAX = Template(name=text, amount=money)
COUPON_DISCOUNT = Template(code=text, amount=money)
"""A consignment's discount from a coupon (the same keys on both surfaces)."""


def coupon_discounts(coupons: list[CouponDiscount], shipping_discount: Decimal) -> list[Fragment]:
    """A consignment's `coupon_discounts`: what a free-shipping coupon took off its shipping (the
    only coupon that discounts a consignment; the others discount line items)."""
    if not shipping_discount:
        return []
    return [
        COUPON_DISCOUNT.write(code=c.code, amount=shipping_discount)
        for c in coupons
        if c.coupon_type == "free_shipping"
    ]


CURRENCIES = per_surface(Template(code=text), name=text, symbol=text, decimal_places=integer)
"""A cart's currency: its code on management; named, with its symbol and places, on the storefront."""
CURRENCY_NAMES = {"USD": ("US Dollars", "$"), "EUR": ("Euro", "€"), "GBP": ("British Pound", "£")}


def currency_view(code: str, surface: Surface = "management") -> Fragment:
    name, symbol = CURRENCY_NAMES.get(code, (code, code))
    places = CURRENCY_EXPONENTS.get(code, 2)
    return CURRENCIES[surface].write(code=code, name=name, symbol=symbol, decimal_places=places)


def address_view(address: Address, surface: Surface = "management") -> Fragment:
    country = COUNTRIES.get(address.country_code, address.country_code)
    return ADDRESSES[surface].write(**vars(address), country=country)


def shipping_option_view(method: ShippingMethod, surface: Surface = "management") -> Fragment:
    return SHIPPING_OPTIONS[surface].write(**vars(method))


def line_item_view(item: LineItem, line: LineTotals, surface: Surface = "management") -> Fragment:
    share = line.discount_amount
    shares = [COUPON_SHARE.write(discounted_amount=share)] if share else []
    options = OPTIONS[surface]
    return LINE_ITEMS[surface].write(
        id=item.id,
        variant_id=item.variant_id,
        product_id=item.product_id,
        sku=item.sku,
        name=item.name,
        url=f"/products/{item.product_id}/",
        quantity=item.quantity,
        is_taxable=item.is_taxable,
        coupon_amount=share,
        original_price=item.list_price,
        list_price=item.list_price,
        sale_price=item.list_price,
        extended_list_price=line.extended_list_price,
        extended_sale_price=line.extended_list_price,
        is_require_shipping=item.type == "physical",
        options=[
            options.write(name=o.option_display_name, name_id=o.option_id, value=o.label, value_id=o.id)
            for o in item.options
        ],
        discounts=shares,
        coupons=shares,
        discount_amount=share,
        type=item.type,
    )


def line_item_groups(items: list[LineItem], lines: dict[str, LineTotals], surface: Surface) -> Fragment:
    """A cart's `line_items`: its physical and its digital items (no gift certificates or custom items)."""
    views: dict[str, list[Fragment]] = {"physical": [], "digital": []}
    for item in items:
        views[item.type].append(line_item_view(item, lines[item.id], surface))
    return LINE_ITEM_GROUPS[surface].write(physical_items=views["physical"], digital_items=views["digital"])


def coupon_view(
    coupon: CouponDiscount, surface: Surface = "management", *, type_code: bool = False
) -> Fragment:
    """A coupon applied to a cart or checkout; the storefront checkout gives its type as a code."""
    template = CODED_COUPON if type_code else COUPONS[surface]
    return template.write(
        id=coupon.coupon_id,
        code=coupon.code,
        coupon_type=COUPON_TYPE_CODES.get(coupon.coupon_type, 0) if type_code else coupon.coupon_type,
        display_name=coupon.display_name,
        discounted_amount=coupon.discounted_amount,
    )
