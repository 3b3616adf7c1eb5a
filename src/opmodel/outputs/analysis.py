"""The analysis commands: weights, gaps, heatmap, homogeneity, apps, stability."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from ._base import Number, Output, _Open


class Weights(Output):
    """`opmodel weights`: the criteria weights ω and, for AHP, the consistency ratio."""
    mirrors_: ClassVar[str] = "opmodel.analysis.weights:WeightsResult"
    added_: ClassVar[tuple[str, ...]] = ("warnings",)
    dropped_: ClassVar[tuple[str, ...]] = ("warnings",)  # written as the Issues' messages

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
    mirrors_: ClassVar[str] = "opmodel.analysis.gaps:GapRow"
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
    mirrors_: ClassVar[str] = "opmodel.analysis.gaps:GapTable"

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
    mirrors_: ClassVar[str] = "opmodel.analysis.heatmap:Child"
    capability: str
    capability_name: str
    business_unit: str
    status: str = Field(description="assessed, n/a or missing.")
    value: Number


class AssessmentSource(_Open):
    mirrors_: ClassVar[str] = "opmodel.analysis.provenance:AssessmentSource"
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
    mirrors_: ClassVar[str] = "opmodel.analysis.provenance:ExpectationSource"
    id: str
    segment: str
    statement: str
    importance: int


class ObjectiveSource(_Open):
    mirrors_: ClassVar[str] = "opmodel.analysis.provenance:ObjectiveSource"
    objective: str
    name: str
    weight: float
    strength: int


class Provenance(_Open):
    """Everything behind priority(c, b): enough to recompute it by hand."""
    mirrors_: ClassVar[str] = "opmodel.analysis.provenance:CellProvenance"
    added_: ClassVar[tuple[str, ...]] = ("terms", "arithmetic")

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
    mirrors_: ClassVar[str] = "opmodel.analysis.heatmap:CellExplanation"
    added_: ClassVar[tuple[str, ...]] = ("rule",)

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
    mirrors_: ClassVar[str] = "opmodel.analysis.homogeneity:AppUse"
    application: str
    name: str
    business_units: list[str]
    fit: Number = Field(description="functional + technical fit (2–8); null: not assessed.")
    functional_fit: Number
    technical_fit: Number
    cost: float = Field(description="Run cost apportioned to this capability, a year.")
    lifecycle: str


class CapabilityHomogeneity(_Open):
    mirrors_: ClassVar[str] = "opmodel.analysis.homogeneity:CapabilityHomogeneity"
    added_: ClassVar[tuple[str, ...]] = ("distinct", "savings")
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
    mirrors_: ClassVar[str] = "opmodel.analysis.homogeneity:StageHomogeneity"
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
    mirrors_: ClassVar[str] = "opmodel.analysis.homogeneity:Candidate"
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
    mirrors_: ClassVar[str] = "opmodel.analysis.time_model:AppTime"
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
    mirrors_: ClassVar[str] = "opmodel.analysis.time_model:AppUnitTime"
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
    mirrors_: ClassVar[str] = "opmodel.analysis.sensitivity:StableCell"
    rank: int
    capability: str
    business_unit: str
    priority: float
    stay: float
    median_rank: int
    worst_rank: int


class Entrant(_Open):
    mirrors_: ClassVar[str] = "opmodel.analysis.sensitivity:Entrant"
    capability: str
    business_unit: str
    baseline_rank: int
    priority: float
    share: float = Field(description="Share of the draws in which it enters the top.")


class Stability(Output):
    """`opmodel stability`: how often the top cells stay on top when ω moves."""
    mirrors_: ClassVar[str] = "opmodel.analysis.sensitivity:StabilityResult"
    added_: ClassVar[tuple[str, ...]] = ("mean_stay",)

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
