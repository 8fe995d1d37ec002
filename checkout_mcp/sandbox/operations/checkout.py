"""The checkout: the shopper's message, the billing address, consignments and their shipping."""

from __future__ import annotations

import re
from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from checkout_mcp.sandbox.errors import invalid, not_found
from checkout_mcp.sandbox.operations.common import get_cart, touch, writable
from checkout_mcp.sandbox.state import Address, Cart, Consignment, PostalAddress, ShippingMethod, StoreState

CUSTOMER_MESSAGE_MAX = 2000


NON_EMPTY_FIELDS = frozenset({"country_code", "email"})


PHONE_PATTERN = re.compile(r"^\+?[1-9]\d{1,14}(x\d{1,5})?$")  # the specs' E.164 pattern (its {1-5} fixed)


class AddressData(PostalAddress):
    """An address as a request gives it (snake_case); unknown fields such as custom_fields are ignored.

    `REQUIRED` are the fields the request must name (the spec's `required`); a surface whose spec
    requires more subclasses it. `country_code` and `email`, when required, must not be empty.
    """

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    REQUIRED: ClassVar[tuple[str, ...]] = ("country_code",)


class ConsignmentLine(BaseModel):
    model_config = ConfigDict(extra="ignore")

    item_id: str
    quantity: int = Field(ge=1)


class ConsignmentRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    address: AddressData
    line_items: list[ConsignmentLine] = Field(default_factory=list)


def available_shipping_options(store: StoreState, cart_id: str, consignment_id: str) -> list[ShippingMethod]:
    """The methods offered for the consignment's country (empty where the store does not ship)."""
    consignment = _consignment(get_cart(store, cart_id), consignment_id)
    return _methods_for(store, consignment.address.country_code)


def update_customer_message(
    store: StoreState, now: datetime, cart_id: str, message: str, expected_version: int | None = None
) -> Cart:
    cart = writable(store, cart_id, expected_version)
    if len(message) > CUSTOMER_MESSAGE_MAX:
        raise invalid(
            f"The customer message must be at most {CUSTOMER_MESSAGE_MAX} characters.",
            {"customer_message": f"Maximum length is {CUSTOMER_MESSAGE_MAX} characters."},
        )
    cart.customer_message = message
    return touch(cart, now)


def add_billing_address(
    store: StoreState, now: datetime, cart_id: str, address: AddressData, expected_version: int | None = None
) -> Cart:
    cart = writable(store, cart_id, expected_version)
    _check_address(address)
    cart.billing_address = Address(id=store.new_short_id(), **_normalized(address))
    if address.email:
        cart.email = address.email
    return touch(cart, now)


def update_billing_address(
    store: StoreState,
    now: datetime,
    cart_id: str,
    address_id: str,
    address: AddressData,
    expected_version: int | None = None,
) -> Cart:
    cart = writable(store, cart_id, expected_version)
    if cart.billing_address is None or cart.billing_address.id != address_id:
        raise not_found("Billing address")
    _check_address(address)
    cart.billing_address = Address(id=address_id, **_normalized(address))
    if address.email:
        cart.email = address.email
    return touch(cart, now)


def add_consignments(
    store: StoreState,
    now: datetime,
    cart_id: str,
    requests: list[ConsignmentRequest],
    expected_version: int | None = None,
) -> Cart:
    """Create consignments; each physical line item ends up in exactly one (assigning moves it).

    A line item is always shipped whole: the quantity given must be between 1 and the line's
    quantity, and the sandbox does not split a line over two consignments.
    """
    cart = writable(store, cart_id, expected_version)
    if not requests:
        raise invalid("At least one consignment is required.")
    for request in requests:
        _check_address(request.address)
        _check_consignment_lines(cart, request.line_items)
    for request in requests:
        consignment = Consignment(
            id=store.new_short_id(), address=Address(id=store.new_short_id(), **_normalized(request.address))
        )
        cart.consignments.append(consignment)
        _assign(cart, consignment, request.line_items)
    return touch(cart, now)


def update_consignment(
    store: StoreState,
    now: datetime,
    cart_id: str,
    consignment_id: str,
    *,
    address: AddressData | None = None,
    line_items: list[ConsignmentLine] | None = None,
    shipping_option_id: str | None = None,
    expected_version: int | None = None,
) -> Cart:
    """Change a consignment's address and/or lines, or (in a separate request) select its shipping option."""
    cart = writable(store, cart_id, expected_version)
    consignment = _consignment(cart, consignment_id)
    if address is None and line_items is None and shipping_option_id is None:
        raise invalid("One of address, line_items or shipping_option_id is required.")
    if shipping_option_id is not None and (address is not None or line_items is not None):
        raise invalid("shipping_option_id must be updated in a separate request from address and line_items.")
    if shipping_option_id is not None:
        _select_option(store, consignment, shipping_option_id)
        return touch(cart, now)
    if address is not None:
        _check_address(address)
    if line_items is not None:
        _check_consignment_lines(cart, line_items)
    if address is not None:
        consignment.address = Address(id=consignment.address.id, **_normalized(address))
    if line_items is not None:
        consignment.line_item_ids = []
        _assign(cart, consignment, line_items)
    offered = {m.id for m in _methods_for(store, consignment.address.country_code)}
    if consignment.selected_shipping_option_id not in offered:
        consignment.selected_shipping_option_id = None
    return touch(cart, now)


def select_shipping_option(
    store: StoreState,
    now: datetime,
    cart_id: str,
    consignment_id: str,
    option_id: str,
    expected_version: int | None = None,
) -> Cart:
    return update_consignment(
        store, now, cart_id, consignment_id, shipping_option_id=option_id, expected_version=expected_version
    )


def delete_consignment(
    store: StoreState, now: datetime, cart_id: str, consignment_id: str, expected_version: int | None = None
) -> Cart:
    cart = writable(store, cart_id, expected_version)
    cart.consignments.remove(_consignment(cart, consignment_id))
    return touch(cart, now)


def _normalized(address: AddressData) -> dict[str, str]:
    data = address.model_dump(include=set(PostalAddress.model_fields))  # not a subclass's extra fields
    data["country_code"] = address.country_code.upper()
    return data


def _check_address(address: AddressData) -> None:
    errors: dict[str, str] = {
        field: "Required."
        for field in address.REQUIRED
        if field not in address.model_fields_set
        or (field in NON_EMPTY_FIELDS and not getattr(address, field))
    }
    if len(address.country_code) != 2 or not address.country_code.isalpha():
        errors["country_code"] = "A two-letter ISO 3166-1 country code is required."
    if address.phone and not PHONE_PATTERN.match(address.phone):
        errors["phone"] = "A phone number in E.164 form (+14155550100, optionally x123) is required."
    if address.email and ("@" not in address.email or address.email.startswith("@")):
        errors["email"] = "The email address is not valid."
    if errors:
        raise invalid("The address is not valid.", errors)


def _consignment(cart: Cart, consignment_id: str) -> Consignment:
    consignment = next((c for c in cart.consignments if c.id == consignment_id), None)
    if consignment is None:
        raise not_found("Consignment")
    return consignment


def _check_consignment_lines(cart: Cart, lines: list[ConsignmentLine]) -> None:
    for line in lines:
        item = next((i for i in cart.line_items if i.id == line.item_id), None)
        if item is None:
            raise invalid(f"Line item {line.item_id[:64]} is not in this checkout.", {"item_id": "Unknown."})
        if item.type != "physical":
            raise invalid(
                f"{item.name} is not a physical item and cannot be shipped.", {"item_id": "Not physical."}
            )
        if line.quantity > item.quantity:
            raise invalid(
                f"The quantity for {item.name} is more than the checkout holds.", {"quantity": "Too many."}
            )


def _assign(cart: Cart, target: Consignment, lines: list[ConsignmentLine]) -> None:
    for line in lines:
        for consignment in cart.consignments:
            if line.item_id in consignment.line_item_ids:
                consignment.line_item_ids.remove(line.item_id)
        target.line_item_ids.append(line.item_id)


def _methods_for(store: StoreState, country_code: str) -> list[ShippingMethod]:
    return [m for m in store.shipping_methods if m.country_code == country_code.upper()]


def _select_option(store: StoreState, consignment: Consignment, option_id: str) -> None:
    if option_id not in {m.id for m in _methods_for(store, consignment.address.country_code)}:
        raise invalid(
            "The shipping option is not available for this consignment.",
            {"shipping_option_id": "Unavailable."},
        )
    consignment.selected_shipping_option_id = option_id
