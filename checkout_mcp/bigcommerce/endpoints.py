"""The checkout endpoints both API surfaces have at the same paths, written once.

Under their own prefixes the management API and the storefront API read a checkout, change its
customer message, set billing and shipping addresses and apply or remove coupons at the same
relative paths with bodies of the same shape; only the key spelling differs (`Keys`). A binding
subclasses `SharedCheckoutEndpoints`, names its `keys`, and says where a path goes (`_target`),
what headers it carries (`_headers`) and where the resource sits in an answer (`_answer`,
`_checkout_json`); every request of both bindings goes out through the one `_call`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, ClassVar, TypeVar

from checkout_mcp.bigcommerce.mapping import Keys, address_body, checkout_from, consignment_body, with_version
from checkout_mcp.bigcommerce.models import AddressInput, Checkout, ConsignmentItem
from checkout_mcp.bigcommerce.transport import Transport, segment, uuid_segment

T = TypeVar("T")


def reconcile_order_hint(checkout_id: str) -> str:
    """How to find out whether an order was created when create_order's outcome is unknown."""
    return (
        f"To check, call get_checkout for checkout {checkout_id} and look at order_id: if it is set, "
        "the order exists and must not be created again; if it is empty, creating the order is safe."
    )


def checkout_path(checkout_id: str) -> str:
    return f"/checkouts/{uuid_segment(checkout_id, 'checkout id')}"


def consignment_path(checkout_id: str, consignment_id: str) -> str:
    return f"{checkout_path(checkout_id)}/consignments/{segment(consignment_id, 'consignment id')}"


class SharedCheckoutEndpoints(ABC):
    """The operations whose path and body differ between the surfaces only in key spelling."""

    keys: ClassVar[Keys]
    _transport: Transport

    @abstractmethod
    def _target(self, path: str, version: str) -> str:
        """The request path for `path`, relative to the surface's prefix (`version`: management's v2/v3)."""

    def _headers(self) -> Mapping[str, str] | None:
        return None

    def _answer(self, answer: Any) -> Any:
        """What `parse` receives of a decoded answer."""
        return answer

    @abstractmethod
    def _checkout_json(self, answer: Any) -> Any:
        """The checkout's JSON in an answer (after `_answer`)."""

    def _checkout_from(self, answer: Any, *, shipping_options: bool = True) -> Checkout:
        """The checkout in an answer; without `shipping_options`, its consignments' options are None."""
        return checkout_from(self.keys, self._checkout_json(answer), shipping_options=shipping_options)

    async def _call(
        self,
        method: str,
        path: str,
        operation: str,
        *,
        body: Any = None,
        params: dict[str, str] | None = None,
        if_ambiguous: str | None = None,
        version: str = "v3",
        parse: Callable[[Any], T],
    ) -> T:
        return await self._transport.request(
            method,
            self._target(path, version),
            operation=operation,
            parse=lambda answer: parse(self._answer(answer)),
            json_body=body,
            params=params,
            headers=self._headers(),
            if_ambiguous=if_ambiguous,
        )

    async def _checkout_call(
        self, method: str, path: str, operation: str, body: Any = None, params: dict[str, str] | None = None
    ) -> Checkout:
        """Send a request whose answer is a checkout."""
        return await self._call(method, path, operation, body=body, params=params, parse=self._checkout_from)

    def _with_shipping_options(self) -> dict[str, str]:
        """The `include` that makes an answer list each consignment's shipping options."""
        return {"include": f"consignments.{self.keys('available_shipping_options')}"}

    async def get_checkout(self, checkout_id: str, *, include_shipping_options: bool = False) -> Checkout:
        """The checkout; its consignments' shipping options only when asked for (None otherwise,
        though the storefront sends them by default, checkouts.sf.yml)."""
        params = self._with_shipping_options() if include_shipping_options else None
        return await self._call(
            "GET",
            checkout_path(checkout_id),
            "get_checkout",
            params=params,
            parse=partial(self._checkout_from, shipping_options=include_shipping_options),
        )

    async def update_customer_message(
        self, checkout_id: str, message: str, *, version: int | None = None
    ) -> Checkout:
        body = with_version({self.keys("customer_message"): message}, version)
        return await self._checkout_call("PUT", checkout_path(checkout_id), "update_customer_message", body)

    async def add_billing_address(
        self, checkout_id: str, address: AddressInput, *, version: int | None = None
    ) -> Checkout:
        path = f"{checkout_path(checkout_id)}/billing-address"
        body = with_version(address_body(self.keys, address), version)
        return await self._checkout_call("POST", path, "add_billing_address", body)

    async def update_billing_address(
        self, checkout_id: str, address_id: str, address: AddressInput, *, version: int | None = None
    ) -> Checkout:
        path = f"{checkout_path(checkout_id)}/billing-address/{segment(address_id, 'address id')}"
        body = with_version(address_body(self.keys, address), version)
        return await self._checkout_call("PUT", path, "update_billing_address", body)

    async def add_shipping_address(
        self, checkout_id: str, address: AddressInput, items: list[ConsignmentItem]
    ) -> Checkout:
        """The new consignment, with its shipping options in the same answer (the spec's include)."""
        body = [consignment_body(self.keys, address, items)]
        path = f"{checkout_path(checkout_id)}/consignments"
        params = self._with_shipping_options()
        return await self._checkout_call("POST", path, "add_shipping_address", body, params=params)

    async def update_shipping_address(
        self,
        checkout_id: str,
        consignment_id: str,
        address: AddressInput,
        items: list[ConsignmentItem],
        *,
        version: int | None = None,
    ) -> Checkout:
        path = consignment_path(checkout_id, consignment_id)
        body = with_version(consignment_body(self.keys, address, items), version)
        return await self._checkout_call("PUT", path, "update_shipping_address", body)

    async def apply_coupon(self, checkout_id: str, code: str, *, version: int | None = None) -> Checkout:
        path = f"{checkout_path(checkout_id)}/coupons"
        body = with_version({self.keys("coupon_code"): code}, version)
        return await self._checkout_call("POST", path, "apply_coupon", body)

    async def remove_coupon(self, checkout_id: str, code: str) -> Checkout:
        path = f"{checkout_path(checkout_id)}/coupons/{segment(code, 'coupon code')}"
        return await self._checkout_call("DELETE", path, "remove_coupon")
