"""A scenario file: the store to start from, the task, the policy and the human, faults, the agent's
own calls, the gold solution, and what the judge checks. The format is in the README ("Agent
evaluations"); every key is validated here, so a typo is an error that names the file and the key.

References: a string `${name}` anywhere in the task, the calls, the gold or the reply stands for a
value. `[values]` (and the built-in `demo_address`) are substituted when the file is loaded;
`carts.<label>` (the id of a start cart, seeded or the scenario's own) and names a call saved
(`save = { checkout = "checkout_id" }`) are substituted while the agent runs. A string that is
exactly one reference becomes the value itself (a number stays a number, a table a table).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from checkout_mcp.policy.audit import AuditDecision
from checkout_mcp.policy.modes import PolicySettings
from checkout_mcp.sandbox.faults import FaultRule
from checkout_mcp.sandbox.seed import DEMO_ADDRESS
from checkout_mcp.sandbox.state import Coupon, PostalAddress
from checkout_mcp.tools import catalogue

REFERENCE = re.compile(r"\$\{([A-Za-z_][\w.-]*)\}")
BUILT_IN_VALUES: dict[str, Any] = {
    "demo_address": DEMO_ADDRESS.model_dump(mode="json", exclude_defaults=True)
}
STOCK_KEY = re.compile(r"^(\d+)(?:/(\d+))?$")

Answer = Literal["accept", "decline", "cancel"]


class ScenarioError(Exception):
    """A scenario file cannot be used; the message names the file and what is wrong."""


class UnknownReference(KeyError):
    """A `${name}` that nothing defines (yet)."""


@cache
def tool_names() -> tuple[str, ...]:
    return tuple(spec.name for spec in catalogue())


def resolve(value: Any, names: Mapping[str, Any], *, partial: bool = False) -> Any:
    """`value` with its `${name}` references replaced; `partial` leaves unknown names in place."""
    if isinstance(value, str):
        whole = REFERENCE.fullmatch(value)
        if whole is not None:
            return _lookup(whole.group(1), names, partial, value)
        return REFERENCE.sub(
            lambda match: str(_lookup(match.group(1), names, partial, match.group(0))), value
        )
    if isinstance(value, Mapping):
        return {key: resolve(item, names, partial=partial) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, names, partial=partial) for item in value]
    return value


def _lookup(name: str, names: Mapping[str, Any], partial: bool, original: str) -> Any:
    if name in names:
        return names[name]
    if partial:
        return original
    raise UnknownReference(name)


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HumanRule(Model):
    """Answer `answer` to a question about `tool` and/or one whose text contains `contains`."""

    tool: str | None = None
    contains: str | None = None
    answer: Answer

    @model_validator(mode="after")
    def _says_when(self) -> HumanRule:
        if self.tool is None and self.contains is None:
            raise ValueError("a rule needs tool, contains or both")
        return self


class HumanPolicy(Model):
    """How the human answers a confirmation: the first rule that matches, else `answer`."""

    answer: Answer = "accept"
    rules: list[HumanRule] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _one_word(cls, data: Any) -> Any:
        """`human = "decline"` is short for `human = { answer = "decline" }`."""
        return {"answer": data} if isinstance(data, str) else data


class Policy(PolicySettings):
    """The server's `[policy]` for the trial (the journal is the harness's), plus the human."""

    human: HumanPolicy = Field(default_factory=HumanPolicy)

    def settings(self, journal: Path) -> dict[str, Any]:
        """The `[policy]` configuration values, the journal in the trial's own folder."""
        return {**self.model_dump(mode="json", exclude={"human"}), "journal": str(journal)}


class StartAddress(Model, PostalAddress):
    """An address for a start cart (the fields of the store's addresses, nothing else)."""


class StartItem(Model):
    product_id: int
    variant_id: int | None = None
    quantity: int = Field(ge=1)


class StartCart(Model):
    """A cart the store already has when the agent starts; `ordered`: it has an incomplete order."""

    label: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    items: list[StartItem] = Field(min_length=1)
    billing: StartAddress | None = None
    shipping: StartAddress | None = None
    shipping_option: str | None = None
    coupons: list[str] = Field(default_factory=list)
    gift_certificates: list[str] = Field(default_factory=list)
    customer_message: str = ""
    ordered: bool = False


class Start(Model):
    """The seeded store, then: coupons added or replaced, carts made, stock set, the clock moved on."""

    seed: int = 1
    coupons: list[Coupon] = Field(default_factory=list)
    carts: list[StartCart] = Field(default_factory=list)
    stock: dict[str, int] = Field(default_factory=dict)
    advance_clock_seconds: float = Field(default=0, ge=0)

    @field_validator("stock")
    @classmethod
    def _stock_keys(cls, stock: dict[str, int]) -> dict[str, int]:
        for key, level in stock.items():
            if STOCK_KEY.match(key) is None or level < 0:
                raise ValueError(f'{key!r} = {level}: use "product" or "product/variant" = a level >= 0')
        return stock


class Step(Model):
    """One tool call; `save` names values of its structured result (paths like `consignments.0.id`)."""

    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    save: dict[str, str] = Field(default_factory=dict)

    @field_validator("tool")
    @classmethod
    def _known_tool(cls, tool: str) -> str:
        if tool not in tool_names():
            raise ValueError(f"unknown tool {tool!r}; the tools are {', '.join(tool_names())}")
        return tool


class ScriptedAgent(Model):
    """The scenario's own agent: its calls in order, then its reply to the human.

    `elicitation`: its client can put a question to the human (else it gets confirmation ids).
    `confirms_itself`: it answers for the human instead of asking (a wrong agent, for tests).
    """

    calls: list[Step] = Field(default_factory=list)
    reply: str = ""
    elicitation: bool = True
    confirms_itself: bool = False


class Judge(Model):
    """Checks beyond the state comparison and the invariants every trial is held to."""

    max_calls: int | None = Field(default=None, ge=0)
    confirmations: int | None = Field(default=None, ge=0)
    decisions: dict[AuditDecision, int] = Field(default_factory=dict)
    results_include: list[str] = Field(default_factory=list)
    results_exclude: list[str] = Field(default_factory=list)
    reply_include: list[str] = Field(default_factory=list)
    reply_exclude: list[str] = Field(default_factory=list)


class Scenario(Model):
    name: str
    file: str
    task: str
    start: Start = Field(default_factory=Start)
    policy: Policy = Field(default_factory=Policy)
    faults: list[FaultRule] = Field(default_factory=list)
    agent: ScriptedAgent = Field(default_factory=ScriptedAgent)
    gold: list[Step] = Field(default_factory=list)
    judge: Judge = Field(default_factory=Judge)


def describe(error: ValidationError) -> str:
    return "\n".join(
        f"  {'.'.join(str(part) for part in problem['loc']) or '(top)'}: {problem['msg']}"
        for problem in error.errors()
    )


def load_scenario(path: Path) -> Scenario:
    """One scenario file; its name is the file's stem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ScenarioError(f"{path}: {error}") from error
    values = {**BUILT_IN_VALUES, **data.pop("values", {})}
    try:
        return Scenario.model_validate(
            {**resolve(data, values, partial=True), "name": path.stem, "file": str(path)}
        )
    except ValidationError as error:
        raise ScenarioError(f"{path} is not a valid scenario:\n{describe(error)}") from error


def load_scenarios(paths: Sequence[Path]) -> list[Scenario]:
    """The scenarios in these files and directories (a directory: its *.toml files, sorted)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(path.glob("*.toml")))
        elif path.is_file():
            files.append(path)
        else:
            raise ScenarioError(f"{path}: no such scenario file or directory")
    if not files:
        raise ScenarioError(f"no scenario files (*.toml) in {', '.join(map(str, paths))}")
    scenarios = [load_scenario(file) for file in files]
    names = [scenario.name for scenario in scenarios]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ScenarioError(f"two scenario files share a name: {', '.join(duplicates)}")
    return scenarios
