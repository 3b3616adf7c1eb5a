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

__all__ = ["OUTPUTS", "VERSIONS", "json_schema", "schemas"]


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


class Show(Output):
    """`opmodel show`: a model at a glance (analysis/overview.py)."""

    output_name: ClassVar[str] = "show"
    model: str
    description: str | None
    currency: str
    unit: str
    horizon: dict[str, Any]
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
    omega: dict[str, float]
    criteria: list[str] | None = None
    matrix: list[list[float]] | None = None
    lambda_max: Number = None
    ci: Number = None
    ri: Number = None
    cr: Number = None
    warnings: list[Any] = []


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


class Heatmap(Output):
    """`opmodel heatmap`: units × stages or capabilities, one layer, rolled up."""

    output_name: ClassVar[str] = "heatmap"
    by: Literal["stage", "capability"]
    layer: str
    rollup: str
    level: int | None
    domain: list[float]
    rows: list[dict[str, Any]]
    columns: list[dict[str, Any]]
    values: list[list[Number]] = Field(description="rows × columns; null: no value.")
    state: list[list[str]] = Field(description="Per cell: missing, assessed or n/a.")


class HeatmapCell(Output):
    """`opmodel heatmap --explain COLUMN/UNIT`: one cell, its rule, children and provenance."""

    output_name: ClassVar[str] = "heatmap-cell"
    layer: str
    value: Number


class Homogeneity(Output):
    """`opmodel homogeneity`: applications per capability across units, consolidation candidates."""

    output_name: ClassVar[str] = "homogeneity"
    capabilities: list[dict[str, Any]]
    stages: list[dict[str, Any]]
    candidates: list[dict[str, Any]]
    total_savings: float


class AppRow(_Open):
    application: str
    name: str
    functional_fit: Number
    technical_fit: Number
    quadrant: str
    annual_run_cost: float
    lifecycle: str


class Apps(Output):
    """`opmodel apps`: the TIME quadrant of every application (and per unit)."""

    output_name: ClassVar[str] = "apps"
    high_fit_threshold: float
    counts: dict[str, int]
    cost: dict[str, float]
    applications: list[AppRow]
    by_unit: list[dict[str, Any]]


class StabilityCell(_Open):
    rank: int
    capability: str
    business_unit: str
    priority: float
    stay: float
    median_rank: int
    worst_rank: int


class Stability(Output):
    """`opmodel stability`: how often the top cells stay on top when ω moves."""

    output_name: ClassVar[str] = "stability"
    top: int
    spread: float
    draws: int
    seed: int
    omega: dict[str, float]
    omega_range: dict[str, list[float]]
    cells: list[StabilityCell]
    entrants: list[dict[str, Any]]


# -- planning -----------------------------------------------------------------------------
class Plan(Output):
    """`opmodel plan` (plan.json of `plan --dir`): plan, baselines, explanations, risk."""

    output_name: ClassVar[str] = "plan"
    plan_id: str
    inputs_sha256: str
    model: str
    currency: str
    unit: str
    status: str = Field(description="optimal, feasible (with a gap) or time-limit.")
    status_text: str
    objective: Number
    bound: Number
    gap: Number
    value: dict[str, Any]
    baselines: dict[str, Any]
    total_spend: float
    schedule: list[dict[str, Any]]
    budgets: list[dict[str, Any]]
    spend: list[dict[str, Any]]
    mix: list[dict[str, Any]]
    teams: list[dict[str, Any]]
    confidence: dict[str, Any] | None
    explanations: list[dict[str, Any]]
    roadmap: dict[str, Any]
    risk: dict[str, Any] | None = None
    within_budget: dict[str, Any] | None = None
    cycle: dict[str, Any] | None = Field(None, description="plan --as-of: the re-plan.")


class Explain(Output):
    """`opmodel explain`: why one initiative is funded or left out."""

    output_name: ClassVar[str] = "explain"
    id: str
    funded: bool
    start: str | None
    reason: str
    text: str
    value_if_dropped: Number
    replanned: dict[str, Any] | None
    details: dict[str, Any]


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
    moved: list[dict[str, Any]]
    spend: list[dict[str, Any]]
    cells: list[dict[str, Any]]


class FrontierPoint(_Open):
    scale: float
    budget: float
    value: Number
    funded: int
    status: str
    current: bool


class Frontier(Output):
    """`opmodel frontier`: the best plan's value at each budget scale."""

    output_name: ClassVar[str] = "frontier"
    model: str
    currency: str
    unit: str
    points: list[FrontierPoint]


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
    decisions: list[dict[str, Any]]


class Decide(Output):
    """`opmodel decide`: the decision recorded (as in decisions.yaml) and where."""

    output_name: ClassVar[str] = "decide"
    decision: dict[str, Any]
    where: str


class Actuals(Output):
    """`opmodel actuals`: the actuals rows merged, and where."""

    output_name: ClassVar[str] = "actuals"
    where: str
    quarters: list[str]
    rows: list[dict[str, Any]]


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
    entity: str
    field: str | None
    old: Any = None
    new: Any = None
    why: str | None = None


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


class ImportDryRun(Output):
    """`opmodel import --dry-run`: what becomes what, and what is left out."""

    output_name: ClassVar[str] = "import"
    ok: bool
    source: str


class Report(Output):
    """`opmodel report`: what the report says and the files it wrote."""

    output_name: ClassVar[str] = "report"
    model: str
    out_dir: str
    html: str
    files: list[str]
    findings: list[dict[str, Any]]


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


OUTPUTS: dict[str, type[Output]] = {m.output_name: m for m in (
    Error, Validate, Show, Weights, Gaps, Heatmap, HeatmapCell, Homogeneity, Apps, Stability, Plan,
    Explain, Diff, Frontier, Decisions, Decide, Actuals, Archive, History, StoreInfo, Users,
    SurveyStatus, ImportDryRun, Report)}
"""Every result shape by the name it carries in ``schema`` (``opmodel.<name>``)."""

VERSIONS: dict[str, int] = {name: m.version_ for name, m in OUTPUTS.items()}


def json_schema(name: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of output ``name``."""
    model = OUTPUTS[name]
    s = model.model_json_schema(by_alias=True)
    props = s["properties"]
    props["schema"] = {"const": f"opmodel.{name}", "description": "opmodel.<command>",
                       "title": "Schema"}
    props["version"] = {"const": model.version_, "title": "Version",
                        "description": props["version"].get("description", "")}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://opmodel.dev/schemas/{name}.json", **s}


def schemas() -> dict[str, str]:
    """Every schema as the text of its file in docs/schemas/, by file name."""
    return {f"{name}.json": json.dumps(json_schema(name), indent=2, sort_keys=True) + "\n"
            for name in sorted(OUTPUTS)}


def document(name: str, data: dict[str, Any]) -> bytes:
    """``data`` as the JSON document of output ``name``: ``schema`` and ``version`` in
    front, strict JSON (no NaN), indented, UTF-8."""
    from .jsonable import clean, default

    doc = {"schema": f"opmodel.{name}", "version": VERSIONS[name], **data}
    return (json.dumps(clean(doc), indent=2, ensure_ascii=False, default=default)
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
