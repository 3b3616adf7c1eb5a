"""The JSON shapes of the commands' results (``--format json``), as pydantic models.

Each top-level model is the output of one command and names itself in every document it
describes: ``{"schema": "opmodel.gaps", "version": 1, …}``. docs/schemas/<name>.json are
generated from these models (``opmodel schema --write docs/schemas``; a test fails when the
committed files differ). A field is added in a backwards-compatible way (readers ignore
what they do not know: every object allows more fields); a field that changes meaning or
goes away raises the version. See docs/output.md.

No heavy libraries here: pydantic only (the model layer uses it already).
"""

from __future__ import annotations

import json
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["OUTPUTS", "SHAPES", "VERSIONS", "document", "head", "inline_schema", "json_schema",
           "schemas"]


class _Open(BaseModel):
    """An object that may carry more fields than listed (added later, or detail)."""

    model_config = ConfigDict(extra="allow")


class Output(_Open):
    """The head every result document starts with."""

    output_name: ClassVar[str] = ""
    version_: ClassVar[int] = 1
    schema_: str = Field(alias="schema", description="opmodel.<command>")
    version: int = Field(description="Version of this shape; raised on any breaking change.")


Number = float | None
"""A number; null where it is not a number (NaN, an unbounded value)."""


# -- validate, show -----------------------------------------------------------------------
class IssueOut(_Open):
    code: str = Field(description="Stable code: E-… errors block loading, W-… warnings do not.")
    severity: Literal["error", "warning"]
    message: str
    file: str | None = Field(description="File or sheet the issue is in, when known.")
    line: int | None = None
    column: int | None = None
    location: str | None = Field(description="As printed: file:line:col or Sheet!C17.")
    path: list[str | int] = Field(description="Where in the model: (\"capabilities\", 13, "
                                               "\"stage\").")
    hint: str | None = None


class Validate(Output):
    """`opmodel validate`: every issue of a model, located, and whether it is valid."""

    output_name: ClassVar[str] = "validate"
    source: str
    valid: bool = Field(description="No errors (and, with --strict, no warnings).")
    strict: bool
    errors: int
    warnings: int
    issues: list[IssueOut]
    counts: dict[str, int] | None = Field(description="What the model holds; null when it "
                                                      "does not load.")


class StageSummary(_Open):
    stage: str
    name: str
    capabilities: int
    assessed: int
    mean_gap: Number


class UnitSummary(_Open):
    business_unit: str
    name: str
    weight: Number
    assessed: int
    not_applicable: int
    applications: int


class KindSummary(_Open):
    kind: str
    initiatives: int
    total_cost: float
    mandatory: int


class ShowHorizon(_Open):
    start: str
    end: str
    quarters: int


class Show(Output):
    """`opmodel show`: a model at a glance (analysis/overview.py)."""

    output_name: ClassVar[str] = "show"
    model: str
    description: str | None
    currency: str
    unit: str
    horizon: ShowHorizon
    counts: dict[str, int]
    stages: list[StageSummary]
    business_units: list[UnitSummary]
    portfolio: list[KindSummary]
    budget: float
    pools: int
    demand: float
    warnings: int


# -- analysis -----------------------------------------------------------------------------
class Weights(Output):
    """`opmodel weights`: the criteria weights ω and, for AHP, the consistency ratio."""

    output_name: ClassVar[str] = "weights"
    source: Literal["weights", "ahp"]
    omega: dict[str, float] = Field(description="ω by criterion (customer, strategic, pain).")
    criteria: list[str] = Field(description="AHP: the matrix's criteria, in order; else [].")
    matrix: list[list[float]] | None = Field(description="AHP: the pairwise comparisons.")
    lambda_max: Number
    ci: Number
    ri: Number
    cr: Number = Field(description="Consistency ratio; > 0.1 is too inconsistent.")
    worst: list[str] | None = Field(description="AHP: the most inconsistent pair (row, "
                                                "column).")
    worst_given: Number
    worst_implied: Number
    warnings: list[str]


class GapRow(_Open):
    rank: int
    capability: str
    capability_name: str
    stage: str
    business_unit: str
    current: float
    target: float
    gap: float
    pain: Number
    customer: float = Field(description="customer(c), 0–1.")
    strategic: float = Field(description="strategic(c), 0–1.")
    bu_weight: float = Field(description="bu_weight(b), 0–1.")
    weight: float
    priority: float


class Gaps(Output):
    """`opmodel gaps`: the cells with a gap, by priority = w × gap / 5."""

    output_name: ClassVar[str] = "gaps"
    omega: dict[str, float]
    cells: int
    assessed: int
    with_gap: int
    rows: list[GapRow]


class HeatmapRow(_Open):
    id: str = Field(description="A business unit's id, or 'all'.")
    name: str


class HeatmapColumn(_Open):
    id: str = Field(description="A stage's or a capability's id.")
    name: str
    stage: str


CellState = Literal["missing", "assessed", "n/a"]


class Heatmap(Output):
    """`opmodel heatmap`: units × stages or capabilities, one layer, rolled up."""

    output_name: ClassVar[str] = "heatmap"
    by: Literal["stage", "capability"]
    layer: str
    rollup: str
    level: int | None
    domain: list[float] = Field(description="The layer's colour scale: [low, high].")
    rows: list[HeatmapRow]
    columns: list[HeatmapColumn]
    values: list[list[Number]] = Field(description="rows × columns; null: no value.")
    state: list[list[CellState]] = Field(description="Per cell: missing, assessed or n/a.")


class CellChild(_Open):
    capability: str
    capability_name: str
    business_unit: str
    status: str = Field(description="assessed, n/a or missing.")
    value: Number


class AssessmentSource(_Open):
    row: int = Field(description="1-based data row of the assessments table.")
    current: Number
    target: Number
    pain: Number
    applicable: bool
    confidence: str
    assessor: str | None
    date: str | None
    notes: str | None


class ExpectationSource(_Open):
    id: str
    segment: str
    statement: str
    importance: int


class ObjectiveSource(_Open):
    objective: str
    name: str
    weight: float
    strength: int


class Provenance(_Open):
    """Everything behind priority(c, b): enough to recompute it by hand."""

    capability: str
    capability_name: str
    stage: str
    business_unit: str
    business_unit_name: str
    status: str
    assessment: AssessmentSource | None
    expectations: list[ExpectationSource]
    customer_raw: float
    customer_max: float
    customer: float
    objectives: list[ObjectiveSource]
    strategic_raw: float
    strategic_max: float
    strategic: float
    pain: float
    bu_weight_raw: Number
    bu_weight_max: float
    bu_weight: float
    omega: dict[str, float]
    weight: float
    gap: Number
    priority: Number
    sub_capabilities: list[str]
    terms: dict[str, float] = Field(description="The three ω terms before the unit weight.")
    arithmetic: list[str] = Field(description="The calculation, one step a line.")


class HeatmapCell(Output):
    """`opmodel heatmap --explain COLUMN/UNIT`: one cell, its rule, children and provenance."""

    output_name: ClassVar[str] = "heatmap-cell"
    by: Literal["stage", "capability"]
    layer: str
    rollup: str
    column: str
    column_name: str
    row: str
    row_name: str
    value: Number
    state: CellState
    rule: str
    children: list[CellChild]
    driver: CellChild | None = Field(description="The child that sets the cell's value.")
    provenance: Provenance | None = Field(description="The driving cell's provenance.")
    stand_ins: list[CellChild] = Field(description="Parents with no assessment of their "
                                                   "own, represented by their subtrees.")


class AppUse(_Open):
    application: str
    name: str
    business_units: list[str]
    fit: Number = Field(description="functional + technical fit (2–8); null: not assessed.")
    functional_fit: Number
    technical_fit: Number
    cost: float = Field(description="Run cost apportioned to this capability, a year.")
    lifecycle: str


class CapabilityHomogeneity(_Open):
    capability: str
    name: str
    stage: str
    business_units: list[str]
    applications: list[AppUse]
    homogeneity: Number
    spread: Number
    duplicated_cost: float
    without_application: list[str] = Field(description="Units that assess it with no "
                                                       "application serving it.")
    represented_by_children: bool
    source: Literal["usage", "inferred"]
    distinct: int
    savings: float


class StageHomogeneity(_Open):
    stage: str
    name: str
    capabilities: int
    business_units: int
    distinct: int
    homogeneity: Number
    spread: Number
    duplicated_cost: float
    candidates: int


class Candidate(_Open):
    rank: int
    capability: str
    name: str
    stage: str
    business_units: list[str]
    keep: AppUse
    retire: list[AppUse]
    savings: float
    homogeneity: Number
    spread: Number


class Homogeneity(Output):
    """`opmodel homogeneity`: applications per capability across units, consolidation candidates."""

    output_name: ClassVar[str] = "homogeneity"
    capabilities: list[CapabilityHomogeneity]
    stages: list[StageHomogeneity]
    candidates: list[Candidate]
    total_savings: float
    source: str = Field(description="Where usage comes from: the usage table, inferred, "
                                    "or both.")
    source_note: str


class AppRow(_Open):
    application: str
    name: str
    functional_fit: Number
    technical_fit: Number
    quadrant: str = Field(description="tolerate, invest, migrate, eliminate or not assessed.")
    annual_run_cost: float
    lifecycle: str
    vendor: str | None
    business_units: int
    capabilities: int
    varies: bool = Field(description="Some unit's own fit puts it in another quadrant.")


class AppUnitRow(_Open):
    application: str
    business_unit: str
    functional_fit: Number
    technical_fit: Number
    quadrant: str
    override: bool = Field(description="The unit has its own fit for it.")


class Apps(Output):
    """`opmodel apps`: the TIME quadrant of every application (and per unit)."""

    output_name: ClassVar[str] = "apps"
    high_fit_threshold: float
    counts: dict[str, int]
    cost: dict[str, float]
    applications: list[AppRow]
    by_unit: list[AppUnitRow]


class StabilityCell(_Open):
    rank: int
    capability: str
    business_unit: str
    priority: float
    stay: float
    median_rank: int
    worst_rank: int


class Entrant(_Open):
    capability: str
    business_unit: str
    baseline_rank: int
    priority: float
    share: float = Field(description="Share of the draws in which it enters the top.")


class Stability(Output):
    """`opmodel stability`: how often the top cells stay on top when ω moves."""

    output_name: ClassVar[str] = "stability"
    top: int
    spread: float
    draws: int
    seed: int
    omega: dict[str, float]
    omega_range: dict[str, list[float]] = Field(description="criterion → [low, high].")
    mean_stay: Number
    cells: list[StabilityCell]
    entrants: list[Entrant]


# -- planning -----------------------------------------------------------------------------
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


class InitiativeStatus(_Open):
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


class DecisionRow(_Open):
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
    moves: dict[str, list[str]] = Field(description="cells and objectives it moves.")


class Decisions(Output):
    """`opmodel decisions`: recommended versus decided in one cycle, overrides priced."""

    output_name: ClassVar[str] = "decisions"
    cycle: str
    recommended_value: Number
    decided_value: Number
    reoptimized_value: Number
    given_up: Number
    breaks: list[str]
    undecided: list[str]
    decisions: list[DecisionRow]


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
    review: str | None
    against: Any = Field(description="The recommendation it departs from, when known.")
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


# -- store, interop -----------------------------------------------------------------------
class HistoryChange(_Open):
    revision: int
    at: str
    who: str
    action: str
    entity: str = Field(description="kind:key, e.g. initiative:crm-salesforce.")
    field: str | None
    old: Any = Field(None, description="The value (or the whole entity) before; "
                                       "null: created.")
    new: Any = Field(None, description="The value (or the whole entity) after; "
                                       "null: removed.")
    why: str | None = None
    request_id: str | None = None


class History(Output):
    """`opmodel history`: the change log of a stored model."""

    output_name: ClassVar[str] = "history"
    store: str
    entity: str | None
    changes: list[HistoryChange]


class StoreInfo(Output):
    """`opmodel store info`: the store's revision, schema and users."""

    output_name: ClassVar[str] = "store-info"
    store: str
    revision: int
    schema_revision: str | None
    users: int


class UserOut(_Open):
    name: str
    role: str
    units: list[str]


class Users(Output):
    """`opmodel user list`: the users of a store."""

    output_name: ClassVar[str] = "users"
    store: str
    users: list[UserOut]


class SurveyUnit(_Open):
    business_unit: str
    state: str
    capabilities: int
    assessed: int
    not_applicable: int
    missing: int
    stale: int
    stale_at_start: int
    undated: int
    newest: str | None
    median_age_days: int | None


class SurveyStatus(Output):
    """`opmodel survey status`: which units returned their assessments."""

    output_name: ClassVar[str] = "survey-status"
    as_of: str
    max_age_days: int
    plan_starts: str
    units: list[SurveyUnit]


class UnitRule(_Open):
    types: list[str]
    folder: str | None
    property: str | None
    value: str | None
    exclude: list[str]
    exclude_matching: str | None
    skip_groups: bool


class ImportMapping(_Open):
    source: str = Field(description="opmodel, guessed, or the mapping file.")
    stages: list[str] = Field(description="ArchiMate element types that become stages.")
    capabilities: list[str]
    applications: list[str]
    business_units: UnitRule
    default_stage: str


class ImportRow(_Open):
    section: str
    archimate: str
    becomes: str
    count: int
    line: int
    reason: str | None = Field(None, description="Left out: why.")


class ImportIssue(_Open):
    code: str
    severity: Literal["error", "warning"]
    location: str | None
    message: str
    hint: str | None


class ImportDryRun(Output):
    """`opmodel import --dry-run`: what becomes what, and what is left out."""

    output_name: ClassVar[str] = "import"
    source: str
    ok: bool
    mapping: ImportMapping
    notes: list[str]
    mapped: list[ImportRow]
    left_out: list[ImportRow]
    model: dict[str, int] = Field(description="What the model holds, by kind.")
    issues: list[ImportIssue]


class Finding(_Open):
    title: str
    detail: str
    tone: str


class Report(Output):
    """`opmodel report`: what the report says and the files it wrote."""

    output_name: ClassVar[str] = "report"
    model: str
    out_dir: str
    html: str
    files: list[str]
    findings: list[Finding]


class ErrorOut(_Open):
    code: str = Field(description="Stable code, e.g. E-INFEASIBLE, E-STALE, E-USAGE.")
    message: str
    hint: str | None = None


class Error(Output):
    """What any command prints on stdout instead of its result when it fails and
    ``--format json`` (or ``-o x.json``) was asked: the exit code, the error and, for an
    invalid model, every issue located as `opmodel validate` gives them."""

    output_name: ClassVar[str] = "error"
    ok: Literal[False] = False
    exit: int = Field(description="The process's exit code (docs/output.md).")
    error: ErrorOut
    issues: list[IssueOut] = Field(description="An invalid model's issues; else empty.")


# -- the REST API's error (docs/api.md) ---------------------------------------------------
class ApiErrorEntry(_Open):
    """One problem of an error answer; a stale write (409) adds ``yours``, ``current``,
    ``entity``, ``version`` and ``current_version``."""

    code: str = Field(description="Stable code of this problem, e.g. E-RANGE, E-REF.")
    message: str
    field: str = Field(None, description="What it is about: body.x, query.x, path.x or "
                                         "header.x (absent when nothing in particular).")
    hint: str = Field(None, description="What to do next (absent when there is none).")
    location: str = Field(None, description="Where in the model: file:line:col, an "
                                            "entity's path.")
    yours: Any = Field(None, description="409 E-STALE: the value sent.")
    current: Any = Field(None, description="409 E-STALE: the value stored.")


class ApiErrorDoc(BaseModel):
    """Every error the REST API answers, whatever its status or source (a refused action,
    an invalid model, an unknown route, a wrong method, a malformed request, a bug): one
    shape. The command line's counterpart is ``opmodel.error`` (docs/output.md): the same
    ``code`` values, an exit code instead of the HTTP status."""

    model_config = ConfigDict(extra="forbid")
    ok: Literal[False]
    error: str = Field(description="What went wrong, in one sentence.")
    errors: list[ApiErrorEntry] = Field(min_length=1, description="Every problem found.")
    status: int = Field(description="The HTTP status, as answered.")
    code: str = Field(description="A stable code, e.g. E-STALE, E-NOT-FOUND.")


SHAPES: dict[str, type[BaseModel]] = {"api-error": ApiErrorDoc}
"""Published shapes that are not a command's result (no ``schema``/``version`` head)."""

OUTPUTS: dict[str, type[Output]] = {m.output_name: m for m in (
    Error, Validate, Show, Weights, Gaps, Heatmap, HeatmapCell, Homogeneity, Apps, Stability, Plan,
    Explain, Diff, Frontier, Decisions, Decide, Actuals, Archive, History, StoreInfo, Users,
    SurveyStatus, ImportDryRun, Report)}
"""Every result shape by the name it carries in ``schema`` (``opmodel.<name>``)."""

VERSIONS: dict[str, int] = {name: m.version_ for name, m in OUTPUTS.items()}


def json_schema(name: str, *, closed: bool = False) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of output ``name``.

    ``closed``: every object that lists its fields allows no others (maps keep their
    typed values). The published schemas are open, so that readers ignore fields added
    later; the test suite validates opmodel's own output against the closed form, so
    that every field it writes is described here."""
    if name in SHAPES:
        out = {"$schema": "https://json-schema.org/draft/2020-12/schema",
               "$id": f"https://opmodel.dev/schemas/{name}.json",
               **SHAPES[name].model_json_schema(by_alias=True)}
        return _closed(out) if closed else out
    model = OUTPUTS[name]
    s = model.model_json_schema(by_alias=True)
    props = s["properties"]
    props["schema"] = {"const": f"opmodel.{name}", "description": "opmodel.<command>",
                       "title": "Schema"}
    props["version"] = {"const": model.version_, "title": "Version",
                        "description": props["version"].get("description", "")}
    out = {"$schema": "https://json-schema.org/draft/2020-12/schema",
           "$id": f"https://opmodel.dev/schemas/{name}.json", **s}
    return _closed(out) if closed else out


def inline_schema(name: str) -> dict[str, Any]:
    """The schema of ``name`` with every ``$ref`` replaced by what it names, and without
    ``$schema``/``$id``: to embed in another document (the OpenAPI of the REST API)."""
    s = json_schema(name)
    defs = s.pop("$defs", {})
    for key in ("$schema", "$id"):
        s.pop(key, None)

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return walk(defs[node["$ref"].rsplit("/", 1)[-1]])
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(s)  # type: ignore[no-any-return]


def _closed(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _closed(v) for k, v in node.items()}
        if "properties" in out:
            out["additionalProperties"] = False
        return out
    if isinstance(node, list):
        return [_closed(v) for v in node]
    return node


def schemas() -> dict[str, str]:
    """Every schema as the text of its file in docs/schemas/, by file name."""
    return {f"{name}.json": json.dumps(json_schema(name), indent=2, sort_keys=True) + "\n"
            for name in sorted([*OUTPUTS, *SHAPES])}


def head(name: str, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` as the document of output ``name``: ``schema`` and ``version`` in front,
    strict JSON values (no NaN, plain numbers). The command line (``--format json``) and
    the REST API answer with this same document for the same result."""
    from .jsonable import clean

    return clean({"schema": f"opmodel.{name}", "version": VERSIONS[name], **data})


def document(name: str, data: dict[str, Any]) -> bytes:
    """``data`` as the JSON document of output ``name`` (:func:`head`), indented, UTF-8."""
    from .jsonable import default

    return (json.dumps(head(name, data), indent=2, ensure_ascii=False, default=default)
            + "\n").encode()


def issue_out(issue: Any) -> dict[str, Any]:
    """An :class:`~opmodel.errors.Issue` as :class:`IssueOut` data: its location split into
    file, line and column (``capabilities.yaml:14:5``; ``Sheet!C17`` keeps the sheet as the
    file and the cell as the location)."""
    loc = issue.location
    file = line = column = None
    if loc:
        parts = loc.rsplit(":", 2)
        if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
            file, line, column = parts[0], int(parts[1]), int(parts[2])
        elif len(parts) >= 2 and parts[-1].isdigit():
            file, line = loc.rsplit(":", 1)[0], int(parts[-1])
        else:
            file = loc.split("!", 1)[0]
    return {"code": issue.code, "severity": issue.severity, "message": issue.message,
            "file": file, "line": line, "column": column, "location": loc,
            "path": list(issue.path), "hint": issue.hint}
