"""The flat tables of a model (CSV files, spreadsheet sheets): their columns and the
conversion between text cells and model fields, shared by every tabular adapter."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

NA = frozenset({"n/a", "na", "N/A", "NA", "n.a."})


@dataclass(frozen=True)
class Table:
    key: str  # field of Enterprise
    file: str  # file name in a model folder
    sheet: str  # sheet name in a workbook
    columns: tuple[str, ...]
    required: tuple[str, ...]
    lists: tuple[str, ...] = ()  # columns holding ';'-separated ids
    required_file: bool = False


ASSESSMENTS = Table(
    "assessments", "assessments.csv", "Assessments",
    ("capability", "business_unit", "current", "target", "pain", "confidence", "assessor",
     "date", "notes"),
    ("capability", "business_unit", "current", "target"),
    required_file=True,
)
APPLICATIONS = Table(
    "applications", "applications.csv", "Applications",
    ("id", "name", "vendor", "business_units", "capabilities", "annual_run_cost",
     "functional_fit", "technical_fit", "lifecycle", "active_from", "phase_out_from",
     "retire_by", "description"),
    ("id", "name"),
    lists=("business_units", "capabilities"),
)
APPLICATION_FITS = Table(
    "application_fits", "application_fit.csv", "ApplicationFit",
    ("application", "business_unit", "functional_fit", "technical_fit"),
    ("application", "business_unit"),
)
USAGE = Table(
    "usage", "usage.csv", "Usage", ("application", "business_unit", "capability", "share"),
    ("application", "business_unit", "capability"),
)
BUDGETS = Table(
    "budgets", "budgets.csv", "Budgets", ("period", "pool", "amount"), ("period", "amount")
)
ACTUALS = Table(
    "actuals", "actuals.csv", "Actuals",
    ("quarter", "initiative", "spent", "percent_complete", "remaining", "finish", "note"),
    ("quarter", "initiative", "spent"),
)
ASSESSMENT_HISTORY = Table(
    "assessment_history", "assessment_history.csv", "AssessmentHistory",
    ("cycle", *ASSESSMENTS.columns), ("cycle", *ASSESSMENTS.required),
)
TABLES: tuple[Table, ...] = (ASSESSMENTS, APPLICATIONS, APPLICATION_FITS, USAGE, BUDGETS,
                             ACTUALS, ASSESSMENT_HISTORY)
_MATURITY_TABLES = ("assessments", "assessment_history")
TABLE_BY_KEY = {t.key: t for t in TABLES}


def cells_to_record(table: Table, header: list[str], cells: list[str]) -> dict[str, Any]:
    """One row of text cells → the dict the model validates. Empty cells are omitted (the
    field's default applies); ``n/a`` in an assessment's current/target marks it
    not applicable."""
    rec: dict[str, Any] = {}
    for col, raw in zip(header, cells, strict=False):
        text = raw.strip() if isinstance(raw, str) else raw
        if text == "" or text is None:
            continue
        rec[col] = text
    if table.key in _MATURITY_TABLES:
        cur, tgt = rec.get("current"), rec.get("target")
        if cur in NA or tgt in NA:  # a number beside one n/a stays, to be refused
            rec["applicable"] = False
            if cur in NA:
                del rec["current"]
            if tgt in NA:
                del rec["target"]
    if table is APPLICATIONS:
        for col in table.lists:
            if isinstance(rec.get(col), str):
                rec[col] = tuple(p.strip() for p in rec[col].split(";") if p.strip())
    return rec


def _fmt(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if math.isfinite(v) and v == int(v) and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    if isinstance(v, tuple | list):
        return ";".join(str(x) for x in v)
    return str(v)


def record_to_cells(table: Table, item: Any) -> list[str]:
    """A model object → the text cells of its row, in ``table.columns`` order."""
    if table.key in _MATURITY_TABLES and not item.applicable:
        values = {"current": "n/a", "target": "n/a"}
    else:
        values = {}
    out = []
    for col in table.columns:
        if col in values:
            out.append(values[col])
        else:
            out.append(_fmt(getattr(item, col)))
    return out


def column_of(table: Table, field: str) -> str:
    """The column a model field is read from (``applicable`` lives in ``current``)."""
    return "current" if field == "applicable" else field
