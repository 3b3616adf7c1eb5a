"""`opmodel validate` and `opmodel show`."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from ._base import Number, Output, _Open


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
    mirrors_: ClassVar[str] = "opmodel.analysis.overview:StageLine"
    stage: str
    name: str
    capabilities: int
    assessed: int
    mean_gap: Number


class UnitSummary(_Open):
    mirrors_: ClassVar[str] = "opmodel.analysis.overview:UnitLine"
    business_unit: str
    name: str
    weight: Number
    assessed: int
    not_applicable: int
    applications: int


class KindSummary(_Open):
    mirrors_: ClassVar[str] = "opmodel.analysis.overview:KindLine"
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
    mirrors_: ClassVar[str] = "opmodel.analysis.overview:Overview"
    added_: ClassVar[tuple[str, ...]] = ("warnings",)

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
