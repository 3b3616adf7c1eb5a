"""The quarterly cycle: a re-plan's history (`plan --as-of`), decisions, actuals, archive."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from ._base import Number, Output, _Open


class InitiativeStatus(_Open):
    mirrors_: ClassVar[str] = "opmodel.model.lifecycle:InitiativeState"
    added_: ClassVar[tuple[str, ...]] = ("slip",)
    id: str
    status: str
    start: str | None
    finish: str | None
    planned_start: str | None
    planned_finish: str | None
    until: str | None
    since: str | None
    decision: str | None
    cancelled_in: str | None
    slip: int


class Delivered(_Open):
    initiative: str
    capability: str
    business_unit: str
    uplift: float
    note: str


class BudgetClosed(_Open):
    period: str
    pool: str
    amount: float
    spent: Number
    left: Number
    note: str


class Removed(_Open):
    id: str
    now: str
    decision: str | None


class Moved(_Open):
    id: str
    start_record: str | None
    start_now: str | None
    finish_record: str | None
    finish_now: str | None


class RecordSpend(_Open):
    pool: str
    quarter: str
    record: float
    plan: float
    change: float


class WhatChanged(_Open):
    mirrors_: ClassVar[str] = "opmodel.cycle.replan:Change"
    added_: ClassVar[tuple[str, ...]] = ("value_change",)
    record_cycle: str | None
    added: list[str]
    removed: list[Removed]
    moved: list[Moved]
    value_record: Number
    value_plan: Number
    value_change: Number
    record_breaks: list[str]
    spend: list[RecordSpend]


class Variance(_Open):
    mirrors_: ClassVar[str] = "opmodel.cycle.roll:Standing"
    added_: ClassVar[tuple[str, ...]] = ("estimate_at_completion", "overrun", "slip", "variance")
    id: str
    status: str
    planned_start: str | None
    start: str | None
    planned_finish: str | None
    finish: str | None
    slip: int
    planned_cost: float
    planned_to_date: float
    spent: float
    assumed: float
    variance: float
    remaining: float
    estimate_at_completion: float
    overrun: Number


class Cycle(_Open):
    """`plan --as-of`: the model rolled to a quarter and re-planned."""

    as_of: str
    statuses: dict[str, InitiativeStatus] = Field(description="initiative → its state.")
    fixed: dict[str, str] = Field(description="initiative → the start the plan must keep.")
    sunk: float = Field(description="Money already spent (stays sunk).")
    delivered: list[Delivered]
    budgets_closed: list[BudgetClosed]
    notes: list[str]
    what_changed: WhatChanged
    variance: list[Variance]




class DecisionMoves(_Open):
    cells: list[str] = Field(description="capability × business unit cells.")
    objectives: list[str]


class DecisionRow(_Open):
    mirrors_: ClassVar[str] = "opmodel.cycle.pricing:DecisionRow"
    id: str
    initiative: str
    action: str
    decided_start: str | None
    recommended_funded: bool
    recommended_start: str | None
    override: bool
    value_change: float
    by: str
    role: str
    rationale: str | None
    verdict: str | None
    moves: DecisionMoves = Field(description="What the initiative moves (traceability).")


class Decisions(Output):
    """`opmodel decisions`: recommended versus decided in one cycle, overrides priced."""
    mirrors_: ClassVar[str] = "opmodel.cycle.pricing:Pricing"
    added_: ClassVar[tuple[str, ...]] = ("decisions", "given_up")
    dropped_: ClassVar[tuple[str, ...]] = ("rows",)

    output_name: ClassVar[str] = "decisions"
    cycle: str
    recommended_value: Number
    decided_value: Number
    reoptimized_value: Number
    given_up: Number
    breaks: list[str]
    undecided: list[str]
    decisions: list[DecisionRow]


class DecisionReview(_Open):
    reviewer: str
    verdict: Literal["conform", "conditional", "non-conform"]
    note: str | None


class DecisionAgainst(_Open):
    """The plan a decision was taken against."""

    plan: str
    inputs_sha256: str | None
    funded: bool
    start: str | None
    value_at_stake: Number


class DecisionOut(_Open):
    id: str
    date: str
    cycle: str
    initiative: str
    action: str
    start: str | None
    until: str | None
    by: str
    role: str
    rationale: str | None
    review: DecisionReview | None = Field(description="The architecture review's verdict.")
    against: DecisionAgainst | None = Field(description="The recommendation it departs "
                                                        "from, when known.")
    decision_makers: list[str]
    consulted: list[str]
    informed: list[str]
    supersedes: str | None


class Decide(Output):
    """`opmodel decide`: the decision recorded (as in decisions.yaml) and where."""

    output_name: ClassVar[str] = "decide"
    decision: DecisionOut
    where: str


class ActualRow(_Open):
    quarter: str
    initiative: str
    spent: float
    percent_complete: Number
    remaining: Number
    finish: str | None
    note: str | None


class Actuals(Output):
    """`opmodel actuals`: the actuals rows merged, and where."""

    output_name: ClassVar[str] = "actuals"
    where: str
    quarters: list[str]
    rows: list[ActualRow]


class Archive(Output):
    """`opmodel archive`: how many assessments were kept for the cycle, and where."""

    output_name: ClassVar[str] = "archive"
    cycle: str
    kept: int
    where: str
