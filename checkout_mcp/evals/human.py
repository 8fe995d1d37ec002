"""The human an agent must ask before anything destructive or irreversible, played by the harness.

Every question reaches the same `Human`, whichever way it is put: the server's elicitation (an
in-process scripted agent's client answers with `elicit`), a confirmation_required result the
agent shows its user (the scripted agent calls `ask`), or, for an external agent, its own client's
elicitation handler or its confirmation-id path, which POST the question to `endpoint` on the
server under test (`{"question": "<the server's text>"}`, answered like an MCP ElicitResult:
`{"action": "accept", "content": {"confirm": true}}` or `{"action": "decline"}`).

The answer follows the scenario's policy, never the agent; each question is remembered with its
answer, so the judge can hold every confirmed call in the journal against a yes from the human.
What a question is about is read from the server's own wording ("Confirm to run X;" in an
elicitation, "call X again" in a confirmation_required result; create_order's preview names its
checkout), so agents must pass the server's text on as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mcp import types
from starlette.requests import Request
from starlette.responses import JSONResponse

from checkout_mcp.evals.scenario import Answer, HumanPolicy

HUMAN_PATH = "/human"
ABOUT_TOOL = re.compile(r"(?:Confirm to run|call) ([a-z_]+)(?:;| again)")
ABOUT_CHECKOUT = re.compile(r"checkout ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")


@dataclass(frozen=True)
class Question:
    text: str
    answer: Answer

    @property
    def tool(self) -> str | None:
        """The tool the server asked about (the last such phrase: previews may say "call" too)."""
        found = ABOUT_TOOL.findall(self.text)
        return found[-1] if found else None

    @property
    def checkout(self) -> str | None:
        found = ABOUT_CHECKOUT.search(self.text)
        return found.group(1) if found else None


def elicit_result(answer: Answer) -> types.ElicitResult:
    """An answer in the shape of MCP elicitation: a yes is exactly `{"confirm": true}`."""
    return types.ElicitResult(action=answer, content={"confirm": True} if answer == "accept" else None)


class Human:
    """The scenario's human: answers by its policy and remembers every question."""

    def __init__(self, policy: HumanPolicy) -> None:
        self.policy = policy
        self.questions: list[Question] = []

    def ask(self, text: str) -> Answer:
        question = Question(text, self.policy.answer)
        for rule in self.policy.rules:
            if (rule.tool is None or rule.tool == question.tool) and (
                rule.contains is None or rule.contains in text
            ):
                question = Question(text, rule.answer)
                break
        self.questions.append(question)
        return question.answer

    async def elicit(self, context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        """An MCP client's elicitation callback that puts the server's question to this human."""
        return elicit_result(self.ask(params.message))

    async def endpoint(self, request: Request) -> JSONResponse:
        """POST {"question": text}: the same human, over HTTP, for external agents."""
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("question"), str):
            return JSONResponse({"error": 'send {"question": "<the server\'s text>"}'}, status_code=400)
        return JSONResponse(elicit_result(self.ask(body["question"])).model_dump(exclude_none=True))
