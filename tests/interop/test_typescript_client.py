"""The server driven by a client we did not write: the official MCP TypeScript SDK, pinned.

Each test runs over stdio (the TS client starts `checkout-mcp serve`) and over streamable HTTP (a
real `checkout-mcp serve --transport http` process), on the embedded sandbox in policy mode
`confirm`. The assertions read the TS client's report (every call, what it returned or what the
SDK threw) and the store's state: the orders, read back through the tools after every step by the
TS client, and over HTTP once more by our own Python client.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from checkout_mcp.policy.effects import Effect
from checkout_mcp.tools import catalogue
from tests.interop.conftest import ELICITATION_ANSWERS, Runs
from tests.interop.harness import pinned_sdk_version

CONFIRMATION_META = "io.checkout-mcp/confirmation"
PROTOCOL = "2025-11-25"  # the pinned SDK's latest: a server request (elicitation) may come mid-call


def call(report: dict[str, Any], label: str) -> dict[str, Any]:
    """The result of the call with this label; fails with what the SDK threw, if it threw."""
    [entry] = [entry for entry in report["calls"] if entry["label"] == label]
    assert "error" not in entry, f"the TS SDK threw on {label}: {entry['error']}"
    return dict(entry["result"])


def succeeded(report: dict[str, Any]) -> dict[str, Any]:
    """The report of a scenario that ran to its end; its error (e.g. what the SDK threw) otherwise."""
    assert report["error"] is None, f"{report['scenario']} over {report['transport']}: {report['error']}"
    assert report["sdk"] == pinned_sdk_version()
    assert report["protocol_version"] == PROTOCOL
    return report


def new_orders(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """Orders in the store `after` that were not there `before`; nothing may have disappeared."""
    assert before["orders"] == after["orders"][: len(before["orders"])]
    return list(after["orders"][len(before["orders"]) :])


def assert_python_agrees(runs: Runs, report: dict[str, Any], last: dict[str, Any]) -> None:
    """Over HTTP, our own client reads the same store the TS client last saw."""
    if runs.url is not None:
        assert report["python_view"] == last


def test_lists_every_tool_with_input_and_output_schemas(runs: Runs) -> None:
    report = succeeded(runs.report("reads"))  # every scenario lists the tools first
    tools = {tool["name"]: tool for tool in report["tools"]}
    specs = catalogue()
    assert list(tools) == [spec.name for spec in specs]
    for spec in specs:
        tool = tools[spec.name]
        assert tool["inputSchema"]["type"] == "object" and "properties" in tool["inputSchema"], spec.name
        assert tool["outputSchema"]["type"] == "object" and tool["outputSchema"]["properties"], spec.name
        assert tool["annotations"].get("readOnlyHint", False) is (spec.effect is Effect.READ), spec.name
        takes_id = "confirmation_id" in tool["inputSchema"]["properties"]
        assert takes_id is spec.effect.needs_confirmation, f"{spec.name}: confirm mode gates it"


def test_calls_every_read_tool_on_the_demo_carts(runs: Runs) -> None:
    report = succeeded(runs.report("reads"))
    read_tools = {spec.name for spec in catalogue() if spec.effect is Effect.READ}
    answered = {entry["tool"] for entry in report["calls"] if not entry["result"]["isError"]}
    assert read_tools <= answered, f"read tools never called successfully: {read_tools - answered}"
    for state, checkout_id in runs.data["demo_carts"].items():
        result = report["checkouts"][state]
        if state == "finalized":  # paid: the cart is gone, as after a real payment
            assert result["isError"] and "404" in result["text"]
            assert result["structuredContent"] is None, "an error result carries no structured content"
        else:
            assert not result["isError"], f"{state}: {result['text']}"
            assert result["structuredContent"]["checkout_id"] == checkout_id
    assert report["checkouts"]["ready"]["structuredContent"]["next"] == ["create_order"]
    assert report["checkouts"]["ordered"]["structuredContent"]["order_id"]
    assert report["diagnoses"]["ready"]["ready"] is True
    assert report["diagnoses"]["no_billing"]["ready"] is False
    assert report["search"]["products"], "the demo catalog has a mug"
    assert report["product"]["product_id"] == runs.data["product_id"] and report["product"]["variants"]


def test_guest_checkout_confirmed_by_confirmation_id(runs: Runs) -> None:
    report = succeeded(runs.report("confirmation_id"))
    checkout_id = report["checkout_id"]
    assert report["before"]["checkout_order_id"] is None

    asked = call(report, "create_order (asks)")
    assert asked["isError"], "nothing is ordered before the confirmation"
    assert asked["structuredContent"] is None
    confirmation = asked["meta"][CONFIRMATION_META]
    assert confirmation["status"] == "confirmation_required"
    assert f"confirmation_id={confirmation['confirmation_id']}" in asked["text"]
    assert datetime.fromisoformat(confirmation["expires_at"]).tzinfo is not None
    assert confirmation["preview"], "the preview shows what will happen"
    assert new_orders(report["before"], report["after_asking"]) == []
    assert report["after_asking"]["checkout_order_id"] is None

    confirmed = call(report, "create_order (confirmed)")
    assert not confirmed["isError"], confirmed["text"]
    order = confirmed["structuredContent"]
    assert order["checkout_id"] == checkout_id and order["how"] == "created"
    assert new_orders(report["before"], report["after"]) == [
        {"order_id": order["order_id"], "checkout_id": checkout_id}
    ], "exactly one order"
    assert report["after"]["checkout_order_id"] == str(order["order_id"])

    replayed = call(report, "create_order (id replayed)")
    assert replayed["isError"] or replayed["structuredContent"]["order_id"] == order["order_id"]
    assert report["after_replay"] == report["after"], "a spent confirmation id orders nothing more"
    assert_python_agrees(runs, report, report["after_replay"])


def elicitation_report(runs: Runs) -> dict[str, Any]:
    """create_order on one checkout, answered decline, cancel, accept: each answer was asked for."""
    report = succeeded(runs.report("elicitation"))
    assert [step["answer"] for step in report["steps"]] == ELICITATION_ANSWERS
    assert [asked["answer"] for asked in report["elicitations"]] == ELICITATION_ANSWERS, "asked each time"
    for asked in report["elicitations"]:
        assert asked["mode"] == "form"
        assert "create_order" in asked["message"] and report["checkout_id"] in asked["message"]
        assert asked["requestedSchema"]["properties"]["confirm"]["type"] == "boolean"
    return report


def test_elicitation_decline_and_cancel_create_no_order(runs: Runs) -> None:
    report = elicitation_report(runs)
    for step in report["steps"][:2]:
        answer = step["answer"]
        result = call(report, f"create_order ({answer})")
        assert result["isError"] and "declined" in result["text"], result["text"]
        assert result["structuredContent"] is None
        assert new_orders(report["before"], step["after"]) == [], f"{answer} creates no order"
        assert step["after"]["checkout_order_id"] is None


def test_elicitation_accept_creates_exactly_one_order(runs: Runs) -> None:
    report = elicitation_report(runs)
    checkout_id = report["checkout_id"]
    accepted = call(report, "create_order (accept)")
    assert not accepted["isError"], accepted["text"]
    order = accepted["structuredContent"]
    assert order["checkout_id"] == checkout_id and order["how"] == "created"
    after = report["steps"][-1]["after"]
    assert new_orders(report["before"], after) == [
        {"order_id": order["order_id"], "checkout_id": checkout_id}
    ]
    assert after["checkout_order_id"] == str(order["order_id"])
    assert_python_agrees(runs, report, after)
