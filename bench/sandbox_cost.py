"""The sandbox's answer to GET checkout alone: one ASGI call into the app, on a 1-line and a 100-line
checkout, for each surface.

`python bench/sandbox_cost.py [--against REF]`. With a git REF (say `main`), that commit's
`checkout_mcp` is exported beside this one as a second package, both sandboxes get the same
checkouts, and then:
1. every answer (status, headers and body) is compared byte for byte: the seeded demo carts and
   the bench carts (one with coupons, a gift certificate and a hostile customer message), both
   surfaces, with and without the shipping options, under each tax setting (exclusive or
   inclusive, shipping taxed or not);
2. the two are timed in the same interleaved rounds, so that the machine's noise hits both alike;
   each figure gets a `.before`, and each subject a `.ratio` (ours / theirs, the median of the
   rounds' ratios).
Without REF only this tree is timed. `measure()` gives this tree's figures, for bench/results.json.
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import anyio
from revision import exported
from subject import BENCH_PRODUCT_IDS, add_products
from timing import Samples, interleaved, ratio

ROUNDS = 15
CALLS = 100
LINES = (1, 100)
SESSION = "bench-session"
# A customer message that looks like a number in every encoding the writer might use.
HOSTILE_MESSAGE = '12.50 "12.50" \\"7\\" \u00001.5\u0000 \x01 9E+3 "},{"x":1'


async def asgi_get(app: Any, path: str, headers: list[tuple[bytes, bytes]], sent: list[Any]) -> int:
    """One GET straight into the ASGI app (`path` may have a query); its status, its messages into `sent`."""
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        sent.append(message)

    path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": headers,
        "server": ("sandbox.test", 80),
        "client": ("127.0.0.1", 123),
        "root_path": "",
    }
    await app(scope, receive, send)
    return status


class Subject:
    """One tree's sandbox with the bench carts, and the paths and headers to read them."""

    def __init__(self, package: str) -> None:
        app = importlib.import_module(f"{package}.sandbox.app")
        self.ops: ModuleType = importlib.import_module(f"{package}.sandbox.operations")
        self.seed: ModuleType = importlib.import_module(f"{package}.sandbox.seed")
        self.state: ModuleType = importlib.import_module(f"{package}.sandbox.state")
        self.sandbox = app.create_sandbox(seed=1, rate_limit_quota=10**9)
        self.store = self.sandbox.store
        self.now = self.sandbox.clock.now()
        add_products(self.store, self.state.Product)
        self.carts = {lines: self.cart(lines) for lines in LINES}
        self.carts["discounted"] = self.cart(100, discounted=True)
        self.store.sessions[SESSION] = list(self.store.carts)
        credentials = self.sandbox.credentials
        self.management = f"/stores/{credentials.store_hash}/v3"
        self.headers = [
            (b"x-auth-token", credentials.access_token.encode()),
            (b"host", b"sandbox.test"),
            (b"cookie", f"SHOP_SESSION_TOKEN={SESSION}".encode()),
        ]

    def cart(self, lines: int, *, discounted: bool = False) -> str:
        """What bench/subject.py's `cart_of` builds (billing and shipping address), through the operations."""
        ops, store, now = self.ops, self.store, self.now
        product_ids = [self.seed.PRODUCT_MUG] if lines == 1 else BENCH_PRODUCT_IDS[:lines]
        items = [ops.ItemRequest(product_id=p, quantity=1 + p % 3 * discounted) for p in product_ids]
        cart = ops.create_cart(store, now, items)
        address = self.seed.DEMO_ADDRESS
        ops.add_billing_address(store, now, cart.id, address)
        every_line = [ops.ConsignmentLine(item_id=i.id, quantity=i.quantity) for i in cart.line_items]
        ops.add_consignments(
            store, now, cart.id, [ops.ConsignmentRequest(address=address, line_items=every_line)]
        )
        if discounted:
            ops.select_shipping_option(store, now, cart.id, cart.consignments[0].id, "us-standard")
            for code in (self.seed.COUPON_PERCENT, self.seed.COUPON_FIXED, self.seed.COUPON_FREE_SHIPPING):
                ops.apply_coupon(store, now, cart.id, code)
            ops.apply_gift_certificate(store, now, cart.id, self.seed.GIFT_CERTIFICATE_25)
            ops.update_customer_message(store, now, cart.id, HOSTILE_MESSAGE)
        return str(cart.id)

    def paths(self, cart_id: str) -> list[str]:
        checkout = f"/api/storefront/checkouts/{cart_id}"
        return [
            f"{self.management}/checkouts/{cart_id}",
            f"{self.management}/checkouts/{cart_id}?include=consignments.available_shipping_options",
            f"{self.management}/carts/{cart_id}",
            checkout,
            f"{checkout}?include=",
        ]

    async def answer(self, path: str) -> list[Any]:
        """Every message of the answer: status and headers, then the body."""
        sent: list[Any] = []
        await asgi_get(self.sandbox.app, path, self.headers, sent)
        return sent

    def reader(self, path: str) -> Callable[[], Awaitable[None]]:
        async def read() -> None:
            assert await asgi_get(self.sandbox.app, path, self.headers, []) == 200

        return read

    def readers(self, label: str) -> dict[str, Callable[[], Awaitable[None]]]:
        """GET checkout, management (the first path) and storefront (the fourth), 1 and 100 lines."""
        return {
            f"{label}{surface}_{lines}": self.reader(self.paths(self.carts[lines])[index])
            for surface, index in (("checkout", 0), ("storefront", 3))
            for lines in LINES
        }


async def differences(ours: Subject, theirs: Subject) -> list[str]:
    """The answers in which the two trees differ (none, if the change kept them as they were)."""
    assert ours.carts == theirs.carts and ours.store.demo_carts == theirs.store.demo_carts
    cart_ids = [*ours.store.demo_carts.values(), *ours.carts.values()]
    found, compared = [], 0
    for included, taxed in itertools.product((False, True), repeat=2):
        for subject in (ours, theirs):
            subject.store.settings.tax_included, subject.store.settings.tax_shipping = included, taxed
        for path in (p for cart_id in cart_ids for p in ours.paths(cart_id)):
            mine, old = await ours.answer(path), await theirs.answer(path)
            compared += 1
            if mine != old:
                found.append(f"{path} (tax_included={included}, tax_shipping={taxed})")
    for subject in (ours, theirs):
        subject.store.settings.tax_included, subject.store.settings.tax_shipping = False, False
    print(f"compared {compared} answers, {len(found)} differ", file=sys.stderr)
    return found


def figures(samples: dict[str, Samples], label: str = "") -> dict[str, float]:
    """sandbox.<surface>_<lines>.us and sandbox.<surface>.us_per_line, for the subjects under `label`."""
    us = 1e6
    result = {}
    for surface in ("checkout", "storefront"):
        one, hundred = samples[f"{label}{surface}_1"].median, samples[f"{label}{surface}_100"].median
        result |= {
            f"sandbox.{surface}_1.us": one * us,
            f"sandbox.{surface}_100.us": hundred * us,
            f"sandbox.{surface}.us_per_line": (hundred - one) / 99 * us,
        }
    return result


async def run(against: str | None) -> dict[str, float]:
    ours = Subject("checkout_mcp")
    subjects = ours.readers("")
    if against is None:
        return figures(await interleaved(subjects, rounds=ROUNDS, calls=CALLS))
    with tempfile.TemporaryDirectory() as folder:
        theirs = Subject(exported(against, Path(folder)))
        different = await differences(ours, theirs)
        if different:
            raise SystemExit(f"answers differ from {against}:\n" + "\n".join(different))
        samples = await interleaved({**subjects, **theirs.readers("before.")}, rounds=ROUNDS, calls=CALLS)
    before = {f"{name}.before": value for name, value in figures(samples, "before.").items()}
    ratios = {
        f"sandbox.{subject}.ratio": ratio(samples[subject], samples[f"before.{subject}"])
        for subject in subjects
    }
    return {**figures(samples), **before, **ratios}


def measure() -> dict[str, float]:
    return anyio.run(run, None)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--against", metavar="REF", help="a git ref whose sandbox to compare and time beside")
    for name, value in anyio.run(run, parser.parse_args().against).items():
        print(f"{name:45s} {value:10.2f}")
