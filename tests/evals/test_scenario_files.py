"""Scenario files: mistakes are named with the file and the key; references, the human's rules,
and pass^k behave as the README says."""

from __future__ import annotations

from pathlib import Path

import pytest

from checkout_mcp.cli import main
from checkout_mcp.evals.human import Human, Question
from checkout_mcp.evals.report import pass_hat
from checkout_mcp.evals.scenario import HumanPolicy, ScenarioError, UnknownReference, load_scenarios, resolve
from tests.evals.common import scenario

BAD = """
task = "Order ${carts.ready}."
[[agent.calls]]
tool = "create_ordr"
[judge]
max_call = 3
"""


def test_a_bad_scenario_names_the_file_and_each_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bad.toml").write_text(BAD)
    with pytest.raises(ScenarioError) as raised:
        load_scenarios([tmp_path])
    message = str(raised.value)
    assert f"{tmp_path / 'bad.toml'} is not a valid scenario" in message
    assert (
        "agent.calls.0.tool: Value error, unknown tool 'create_ordr'; the tools are search_products"
        in message
    )
    assert "judge.max_call: Extra inputs are not permitted" in message
    assert main(["eval", str(tmp_path)]) == 2
    assert "is not a valid scenario" in capsys.readouterr().err


def test_values_are_substituted_on_load_and_run_time_names_are_kept() -> None:
    loaded = scenario("change-shipping-address")
    update = next(step for step in loaded.agent.calls if step.tool == "update_shipping_address")
    assert update.arguments["address"]["city"] == "New York", "a whole-string reference is the value itself"
    assert update.arguments["consignment_id"] == "${consignment}", "saved names resolve while the agent runs"
    assert resolve("order ${order} of ${n}", {"order": 102, "n": 2}) == "order 102 of 2"
    with pytest.raises(UnknownReference):
        resolve({"checkout_id": "${checkout}"}, {})


def test_the_human_answers_by_the_first_matching_rule_and_remembers_each_question() -> None:
    human = Human(
        HumanPolicy.model_validate(
            {
                "answer": "decline",
                "rules": [
                    {"tool": "remove_cart_item", "answer": "accept"},
                    {"contains": "GIFT", "answer": "cancel"},
                ],
            }
        )
    )
    assert human.ask("Remove 1 x mug.\nConfirm to run remove_cart_item; decline to do nothing.") == "accept"
    assert human.ask("Remove GIFT-50. ... call remove_gift_certificate again with ...") == "cancel"
    assert human.ask("Create an order from checkout x. ...\nConfirm to run create_order; ...") == "decline"
    assert [question.tool for question in human.questions] == [
        "remove_cart_item",
        "remove_gift_certificate",
        "create_order",
    ]
    preview = "to order again on purpose, call with allow_duplicate=true). Confirm to run create_order; no"
    assert Question(preview, "accept").tool == "create_order", "the server's own phrase, not the preview's"


def test_pass_hat_is_the_chance_that_k_trials_all_pass() -> None:
    assert pass_hat(3, 3, 3) == 1.0
    assert pass_hat(2, 3, 1) == pytest.approx(2 / 3)
    assert pass_hat(2, 3, 3) == 0.0
    assert pass_hat(3, 4, 2) == pytest.approx(3 / 6)
