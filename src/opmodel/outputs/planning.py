"""Planning: plan (plan.json), explain, diff, frontier."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from ._base import Number, Output, _Open
from .cycle import Cycle


class SolverInfo(_Open):
    name: str
    status: str
    nodes: int | None
    solve_seconds: float
    build_seconds: float
    time_limit: float
    mip_gap: float
    seed: int
    threads: int | None
    warm_start_value: Number
    warm_start_from: str | None
    solver_objective: Number
    note: str | None
    rows: int | None = None
    columns: int | None = None
    nonzeros: int | None = None
    binaries: int | None = None


class PlanValue(_Open):
    mirrors_: ClassVar[str] = "opmodel.optimize.value:Evaluation"
    added_: ClassVar[tuple[str, ...]] = ("end_quarters", "per_quarter")
    # per_quarter: an array in the result, written as a mapping quarter → value
    dropped_: ClassVar[tuple[str, ...]] = ("item_level", "per_quarter")
    total: float
    capability: float
    savings: float
    direct: float
    in_horizon: float
    end_state: float
    end_quarters: int
    per_quarter: dict[str, float] = Field(description="quarter → value delivered.")


class Baseline(_Open):
    feasible: bool
    value: Number
    percent_of_optimum: Number
    note: str
    funded: list[str] | None


class ScheduleRow(_Open):
    id: str
    name: str
    kind: str
    owner: str | None
    pool: str
    funded: bool
    start: str | None
    finish: str | None
    delivers_from: str | None
    duration: int
    cost: float
    mandatory: bool


class BudgetUse(_Open):
    constraint: str
    pool: str
    until: str
    budget: float
    spend: float
    use: Number
    required_reserve: float | None = Field(None, description="Planned to a confidence: the "
                                           "reserve this line must hold.")


class SpendRow(_Open):
    pool: str
    quarter: str
    spend: float
    budget: Number


class MixRow(_Open):
    quarter: str
    kind: str
    spend: float
    share: Number
    min_share: Number = None
    max_share: Number = None


class TeamRow(_Open):
    team: str
    quarter: str
    demand: float
    capacity: float


class ConfidenceLine(_Open):
    line: str
    pool: str
    until: str
    budget: float
    planned: float
    reserve: float
    required: float
    within_probability: float
    counted_in_total: bool


class ConfidenceStep(_Open):
    solve: int
    reserve: float
    value: Number
    within_budget: Number
    status: str | None = None
    seconds: float | None = None
    infeasible: bool | None = None


class PlanConfidence(_Open):
    mirrors_: ClassVar[str] = "opmodel.optimize.plan:Confidence"
    added_: ClassVar[tuple[str, ...]] = ("achieved_se", "joint", "value_given_up")
    dropped_: ClassVar[tuple[str, ...]] = ("plan_without",)
    target: float
    achieved: float
    achieved_se: float
    certified: bool
    joint: bool
    draws: int
    seed: int
    reserve: float
    required: float
    budget: float
    value: Number
    value_without: Number
    value_given_up: Number
    status_without: str
    achieved_without: float
    within_all: float
    solves: int
    note: str
    lines: list[ConfidenceLine]
    history: list[ConfidenceStep]


class BudgetShort(_Open):
    line: str
    short: float


class ExplainDetails(_Open):
    """What backs the reason; which fields appear depends on it."""

    dependents: list[str] | None = Field(None, description="funded: what depends on it.")
    missing: list[str] | None = Field(None, description="dependency: unfunded predecessors.")
    conflicts: list[str] | None = Field(None, description="conflict: funded exclusions.")
    gain: float | None = Field(None, description="no value: what it would add.")
    row: str | None = Field(None, description="capacity or guardrail: the binding row.")
    amount: float | None = Field(None, description="capacity or guardrail: by how much.")
    start: str | None = Field(None, description="budget: the cheapest start.")
    extra: float | None = Field(None, description="budget: the money it lacks there.")
    lines: list[BudgetShort] | None = Field(None, description="budget: every line short.")


Reason = Literal["funded", "mandatory", "forbidden", "impossible", "dependency", "conflict",
                 "capacity", "guardrail", "budget", "no value"]


class Explanation(_Open):
    mirrors_: ClassVar[str] = "opmodel.optimize.explain:Explanation"
    id: str
    name: str
    funded: bool
    start: str | None
    reason: Reason
    text: str
    value_if_dropped: Number
    replanned: Number = Field(description="With re-planning: value lost if dropped "
                                          "(funded) or if forced in (not funded).")
    details: ExplainDetails


class GanttRow(_Open):
    id: str
    name: str
    kind: str
    owner: str | None
    pool: str
    start: str
    finish: str
    start_index: int
    end_index: int
    cost: float
    mandatory: bool


class PlateauRow(_Open):
    capability: str
    business_unit: str
    quarter: str
    current: float
    level: float
    target: float
    gap: float
    priority: float


class Roadmap(_Open):
    quarters: list[str]
    gantt: list[GanttRow]
    spend: list[SpendRow]
    mix: list[MixRow]
    plateaus: list[PlateauRow]


class RiskLine(_Open):
    line: str
    pool: str
    until: str
    budget: float
    reserve: float
    planned: float
    p50: float
    p80: float
    overrun_probability: float
    year_line: bool


class RiskSpend(_Open):
    pool: str
    quarter: str
    planned: float
    p50: float
    p80: float


class Risk(_Open):
    mirrors_: ClassVar[str] = "opmodel.optimize.risk:CostRisk"
    added_: ClassVar[tuple[str, ...]] = ("within_budget_se",)
    draws: int
    seed: int
    overrun_any: float
    within_budget: float
    within_budget_se: float
    value_at_risk: float
    cut_at_p80: list[str]
    planned_total: float
    total_p50: float
    total_p80: float
    lines: list[RiskLine]
    spend: list[RiskSpend]


class WithinBudget(_Open):
    probability: float
    se: float
    joint: bool
    draws: int
    seed: int




class Plan(Output):
    """`opmodel plan` (plan.json of `plan --dir`; `GET /plans/{id}/result`): plan,
    baselines, explanations, roadmap, risk."""

    output_name: ClassVar[str] = "plan"
    plan_id: str
    inputs_sha256: str
    model: str
    currency: str
    unit: str
    horizon: list[str] = Field(description="The quarters planned.")
    status: str = Field(description="optimal, feasible (with a gap) or time-limit.")
    status_text: str
    objective: Number
    bound: Number
    gap: Number
    solver: SolverInfo
    value: PlanValue
    baselines: dict[str, Baseline] = Field(description="'ranked list' and "
                                                       "'funding-driven'.")
    total_spend: float
    schedule: list[ScheduleRow]
    budgets: list[BudgetUse]
    spend: list[SpendRow]
    mix: list[MixRow]
    teams: list[TeamRow]
    confidence: PlanConfidence | None
    explanations: list[Explanation]
    roadmap: Roadmap
    risk: Risk | None = None
    within_budget: WithinBudget | None = None
    cycle: Cycle | None = Field(None, description="plan --as-of: the re-plan.")


class Explain(Output):
    """`opmodel explain`: why one initiative is funded or left out."""
    mirrors_: ClassVar[str] = "opmodel.optimize.explain:Explanation"

    output_name: ClassVar[str] = "explain"
    id: str
    name: str
    funded: bool
    start: str | None
    reason: Reason
    text: str
    value_if_dropped: Number
    replanned: Number
    details: ExplainDetails


class DiffMove(_Open):
    id: str
    start_a: str
    start_b: str


class DiffSpend(_Open):
    pool: str
    quarter: str
    a: float
    b: float
    change: float


class DiffCell(_Open):
    capability: str
    business_unit: str
    level_a: Number
    level_b: Number


class Diff(Output):
    """`opmodel diff`: what changes between the plans of two scenarios."""
    mirrors_: ClassVar[str] = "opmodel.optimize.diff:PlanDiff"
    added_: ClassVar[tuple[str, ...]] = ("value_change",)

    output_name: ClassVar[str] = "diff"
    a: str
    b: str
    value_a: Number
    value_b: Number
    value_change: Number
    status_a: str
    status_b: str
    added: list[str]
    removed: list[str]
    moved: list[DiffMove]
    spend: list[DiffSpend]
    cells: list[DiffCell] = Field(description="Capability cells that end the horizon at "
                                              "another level.")


class FrontierPoint(_Open):
    mirrors_: ClassVar[str] = "opmodel.optimize.frontier:FrontierPoint"
    added_: ClassVar[tuple[str, ...]] = ("current",)
    dropped_: ClassVar[tuple[str, ...]] = ("start",)
    scale: float
    budget: float
    value: Number
    bound: Number
    funded: int
    status: str
    spend: Number
    carried: bool = Field(description="Unspent budget carried over.")
    current: bool


class Frontier(Output):
    """`opmodel frontier`: the best plan's value at each budget scale."""

    output_name: ClassVar[str] = "frontier"
    model: str
    currency: str
    unit: str
    points: list[FrontierPoint]
