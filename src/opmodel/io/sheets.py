"""The model as flat sheets: one row per entity, child tables with a parent id column.

The layout shared by every spreadsheet adapter (``io/xlsx.py``, ``io/survey.py``). The big
tables (assessments, applications, application fits, usage, budgets, …) use the columns and cell
conversions of :mod:`opmodel.io.tables`, so a sheet and its CSV file are interchangeable.
The YAML kinds get one sheet each, with the YAML keys as column names (``cost_range.low``
for a nested key); child lists (KPIs, objective links, effects, team demand, team capacity)
get their own sheet whose first column names the parent.

This module knows nothing about openpyxl: it turns an :class:`Enterprise` into rows of typed
values and rows of values back into the raw data :func:`~opmodel.io.assemble.assemble`
validates, remembering where every element came from so issues can be placed at
``Sheet!C17``.
"""

from __future__ import annotations

import datetime as dt
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..model import (
    Application,
    Assessment,
    Decision,
    Enterprise,
    Guardrail,
    Initiative,
    Kpi,
    Policy,
    Review,
)
from ..model.quarter import add_quarters, quarter_index
from .tables import (
    ACTUALS,
    APPLICATION_FITS,
    APPLICATIONS,
    ASSESSMENT_HISTORY,
    ASSESSMENTS,
    BUDGETS,
    NA,
    USAGE,
    Table,
    _fmt,
    record_to_cells,
)


def _choices(cls: Any, name: str) -> tuple[str, ...]:
    return typing.get_args(cls.model_fields[name].annotation)


KINDS = _choices(Initiative, "kind")
LIFECYCLES = _choices(Application, "lifecycle")
CONFIDENCES = _choices(Assessment, "confidence")
DIRECTIONS = _choices(Kpi, "direction")
SCOPES = _choices(Guardrail, "scope")
CARRY_OVER = _choices(Policy, "carry_over")
MATURITY_HELP = ("0 absent, 1 ad hoc, 2 repeatable, 3 defined, 4 measured, 5 optimized; "
                 "n/a when the capability does not apply")


@dataclass(frozen=True)
class Col:
    """One column. ``kind`` drives the cell type, number format and dropdown:

    id, text, long (wrapped text), ref (one id of ``ref``'s sheet), refs (ids joined by
    ';'), number, money, share (0–1, shown as %), int, maturity (0–5 or n/a), level (0–5),
    score (whole number lo–hi), date, bool, enum (``choices``), quarter, period, numbers
    (numbers joined by ';').
    """

    name: str
    kind: str = "text"
    help: str = ""
    ref: str | None = None
    choices: tuple[str, ...] = ()
    lo: float | None = None
    hi: float | None = None

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS


NUMERIC_KINDS = frozenset({"number", "money", "share", "int", "maturity", "level", "score"})
TEXT_KINDS = frozenset({"id", "text", "long", "ref", "refs", "enum", "quarter", "period",
                        "numbers"})


@dataclass(frozen=True)
class Sheet:
    """One sheet: where its rows live in the model (``path``) and its columns.

    ``parent`` names the column holding the parent's id for child sheets; the rows then go
    to ``path[-1]`` of the entity in ``parent_sheet`` with that id.
    """

    name: str
    path: tuple[str, ...]
    cols: tuple[Col, ...]
    blurb: str
    required: tuple[str, ...] = ()
    table: Table | None = None
    parent: str | None = None
    parent_sheet: str | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.cols)

    def col(self, name: str) -> Col | None:
        return next((c for c in self.cols if c.name == name), None)


def _id(what: str) -> Col:
    return Col("id", "id", f"stable id of the {what}: lower-case letters, digits, '_', '.', "
               "'-'; other sheets refer to it")


NAME = Col("name", "text", "display name")
DESCRIPTION = Col("description", "long", "optional free text")

SETTINGS = "Settings"
LISTS = "Lists"
INSTRUCTIONS = "Instructions"

SHEETS: tuple[Sheet, ...] = (
    Sheet("BusinessUnits", ("business_units",), (
        _id("business unit"), NAME,
        Col("weight", "number", "optional, e.g. revenue share; scales the unit's gaps "
            "(the largest counts fully)", lo=0),
        DESCRIPTION), "business units serving customers through the same value chain",
        required=("id", "name")),
    Sheet("Stages", ("stages",), (
        _id("stage"), NAME,
        Col("order", "int", "position in the value chain, left to right"), DESCRIPTION),
        "the business value chain, ordered left to right", required=("id", "name", "order")),
    Sheet("Capabilities", ("capabilities",), (
        _id("capability"), NAME,
        Col("stage", "ref", "the value-chain stage it sits on", ref="Stages"),
        Col("parent", "ref", "optional parent capability (builds levels 1–3)",
            ref="Capabilities"),
        DESCRIPTION), "capabilities placed on stages; parent builds the hierarchy",
        required=("id", "name", "stage")),
    Sheet("Objectives", ("objectives",), (
        _id("objective"), NAME,
        Col("weight", "number", "relative importance of the objective", lo=0), DESCRIPTION),
        "strategic objectives (weight = relative importance)",
        required=("id", "name", "weight")),
    Sheet("KPIs", ("objectives", "kpis"), (
        Col("objective", "ref", "the objective this KPI measures", ref="Objectives"),
        Col("id", "id", "KPI id, unique within its objective"), NAME,
        Col("unit", "text", "unit of measure, e.g. %"),
        Col("baseline", "number", "value today"), Col("target", "number", "value wanted"),
        Col("direction", "enum", "up: higher is better; down: lower is better",
            choices=DIRECTIONS),
        DESCRIPTION), "key performance indicators of the objectives",
        required=("objective", "id", "name"), parent="objective", parent_sheet="Objectives"),
    Sheet("ObjectiveLinks", ("objectives", "links"), (
        Col("objective", "ref", "the objective", ref="Objectives"),
        Col("capability", "ref", "a capability that moves the objective", ref="Capabilities"),
        Col("strength", "score", "1 weak, 2 medium, 3 strong", lo=1, hi=3)),
        "which capabilities move which objective",
        required=("objective", "capability", "strength"), parent="objective",
        parent_sheet="Objectives"),
    Sheet("Segments", ("segments",), (_id("customer segment"), NAME, DESCRIPTION),
          "customer segments", required=("id", "name")),
    Sheet("Expectations", ("expectations",), (
        _id("expectation"),
        Col("segment", "ref", "the customer segment that expects it", ref="Segments"),
        Col("statement", "long", "what the customer expects, in their words"),
        Col("importance", "score", "1 (nice to have) to 5 (decisive)", lo=1, hi=5),
        Col("stage", "ref", "the value-chain stage where it is met", ref="Stages"),
        Col("capabilities", "refs", "leverage points: capability ids separated by ';'",
            ref="Capabilities")),
        "what customer segments expect (importance 1–5)",
        required=("id", "segment", "statement", "importance", "stage")),
    Sheet(ASSESSMENTS.sheet, ("assessments",), (
        Col("capability", "ref", "the capability assessed", ref="Capabilities"),
        Col("business_unit", "ref", "the business unit it is assessed for",
            ref="BusinessUnits"),
        Col("current", "maturity", "maturity today: " + MATURITY_HELP, lo=0, hi=5),
        Col("target", "maturity", "maturity wanted: " + MATURITY_HELP, lo=0, hi=5),
        Col("pain", "level", "optional: how much the gap hurts, 0 (not at all) to 5",
            lo=0, hi=5),
        Col("confidence", "enum", "stated by the unit, or inferred by the architects",
            choices=CONFIDENCES),
        Col("assessor", "text", "who assessed it"),
        Col("date", "date", "when it was assessed (YYYY-MM-DD)"),
        Col("notes", "long", "free text")),
        "current and target maturity (0–5) per capability and business unit",
        required=ASSESSMENTS.required, table=ASSESSMENTS),
    Sheet(APPLICATIONS.sheet, ("applications",), (
        _id("application"), NAME, Col("vendor", "text", "who supplies it"),
        Col("business_units", "refs", "units using it: ids separated by ';'",
            ref="BusinessUnits"),
        Col("capabilities", "refs", "capabilities it supports: ids separated by ';'",
            ref="Capabilities"),
        Col("annual_run_cost", "money", "yearly cost to run it", lo=0),
        Col("functional_fit", "score", "1 poor to 4 excellent", lo=1, hi=4),
        Col("technical_fit", "score", "1 poor to 4 excellent", lo=1, hi=4),
        Col("lifecycle", "enum", "where it is in its life", choices=LIFECYCLES),
        Col("active_from", "quarter", "optional quarter, e.g. 2027Q1"),
        Col("phase_out_from", "quarter", "optional quarter"),
        Col("retire_by", "quarter", "optional quarter"), DESCRIPTION),
        "applications, where they are used and how well they fit",
        required=APPLICATIONS.required, table=APPLICATIONS),
    Sheet(APPLICATION_FITS.sheet, ("application_fits",), (
        Col("application", "ref", "the application", ref="Applications"),
        Col("business_unit", "ref", "the unit whose fit differs", ref="BusinessUnits"),
        Col("functional_fit", "score", "1 poor to 4 excellent; empty: the application's",
            lo=1, hi=4),
        Col("technical_fit", "score", "1 poor to 4 excellent; empty: the application's",
            lo=1, hi=4)),
        "per-business-unit fit where it differs from the application's own",
        required=APPLICATION_FITS.required, table=APPLICATION_FITS),
    Sheet(USAGE.sheet, ("usage",), (
        Col("application", "ref", "the application used", ref="Applications"),
        Col("business_unit", "ref", "the unit using it", ref="BusinessUnits"),
        Col("capability", "ref", "the capability it is used for", ref="Capabilities"),
        Col("share", "share", "optional: the part of the unit's work on the capability it "
            "carries, 0 to 1 (a unit's shares for one capability add up to at most 1)",
            lo=0, hi=1)),
        "which business unit uses which application for which capability",
        required=USAGE.required, table=USAGE),
    Sheet("Initiatives", ("initiatives",), (
        _id("initiative"), NAME,
        Col("owner", "ref", "the business unit that owns it", ref="BusinessUnits"),
        Col("kind", "enum", "run, grow or transform", choices=KINDS),
        Col("pool", "ref", "budget pool it draws on (default enterprise)", ref="pools"),
        Col("duration", "int", "quarters it takes", lo=1, hi=40),
        Col("cost", "money", "total cost, spread evenly (or give cost_profile)", lo=0),
        Col("cost_profile", "numbers", "cost per quarter of the duration, separated by ';'"),
        Col("cost_range.low", "money", "optional three-point estimate: low", lo=0),
        Col("cost_range.likely", "money", "optional three-point estimate: likely", lo=0),
        Col("cost_range.high", "money", "optional three-point estimate: high", lo=0),
        Col("earliest_start", "quarter", "optional first quarter it may start"),
        Col("latest_start", "quarter", "optional last quarter it may start"),
        Col("deadline", "quarter", "optional last quarter it may run in"),
        Col("direct_value", "money", "yearly benefit not captured by capability gaps", lo=0),
        Col("retires", "refs", "applications it retires: ids separated by ';'",
            ref="Applications"),
        Col("depends_on", "refs", "initiatives that must finish first: ids separated by ';'",
            ref="Initiatives"),
        Col("excludes", "refs", "initiatives it cannot run with: ids separated by ';'",
            ref="Initiatives"),
        Col("mandatory", "bool", "TRUE: must be funded"),
        Col("forbidden", "bool", "TRUE: must not be funded"),
        Col("architecture_fit", "share", "optional, 0 to 1", lo=0, hi=1),
        Col("status", "enum", "baseline status before any decision (default proposed)",
            choices=_choices(Initiative, "status")),
        Col("start", "quarter", "approved: decided start; in-flight/done: when it began"),
        Col("finished", "quarter", "done: the last quarter of work"),
        Col("deferred_until", "quarter", "deferred: the first quarter it may start"),
        DESCRIPTION),
        "investment proposals: cost, timing and constraints",
        required=("id", "name", "owner", "kind", "duration")),
    Sheet("Effects", ("initiatives", "effects"), (
        Col("initiative", "ref", "the initiative", ref="Initiatives"),
        Col("capability", "ref", "the capability it raises", ref="Capabilities"),
        Col("business_units", "refs", "units it raises it in, separated by ';' "
            "(empty: all)", ref="BusinessUnits"),
        Col("uplift", "number", "maturity points gained (above 0, at most 5)", lo=0, hi=5)),
        "what each initiative does to capability maturity",
        required=("initiative", "capability", "uplift"), parent="initiative",
        parent_sheet="Initiatives"),
    Sheet("TeamDemand", ("initiatives", "team_demand"), (
        Col("initiative", "ref", "the initiative", ref="Initiatives"),
        Col("team", "ref", "the team it needs", ref="Teams"),
        Col("amount", "number", "capacity taken in each quarter it runs", lo=0)),
        "team capacity each initiative takes while it runs",
        required=("initiative", "team", "amount"), parent="initiative",
        parent_sheet="Initiatives"),
    Sheet(BUDGETS.sheet, ("budgets",), (
        Col("period", "period", "a quarter (2027Q1) or a fiscal year (FY2027)"),
        Col("pool", "ref", "budget pool (default enterprise)", ref="pools"),
        Col("amount", "money", "money available", lo=0)),
        "money available per quarter (or fiscal year) and pool",
        required=BUDGETS.required, table=BUDGETS),
    Sheet("Guardrails", ("policy", "guardrails"), (
        Col("kind", "enum", "run, grow or transform", choices=KINDS),
        Col("min_share", "share", "optional lowest share of spend", lo=0, hi=1),
        Col("max_share", "share", "optional highest share of spend", lo=0, hi=1),
        Col("scope", "enum", "over the whole horizon or in every quarter", choices=SCOPES)),
        "investment-mix guardrails", required=("kind",)),
    Sheet("Teams", ("policy", "teams"), (
        _id("team"), Col("name", "text", "optional display name"),
        Col("capacity", "number", "capacity per quarter, e.g. FTE", lo=0)),
        "delivery teams and their capacity per quarter", required=("id", "capacity")),
    Sheet("TeamCapacity", ("policy", "teams", "by_quarter"), (
        Col("team", "ref", "the team", ref="Teams"),
        Col("quarter", "quarter", "the quarter where capacity differs"),
        Col("capacity", "number", "capacity in that quarter", lo=0)),
        "team capacity in quarters where it differs from the usual",
        required=("team", "quarter", "capacity"), parent="team", parent_sheet="Teams"),
    Sheet("Decisions", ("decisions",), (
        Col("id", "id", "stable id of the decision"),
        Col("date", "date", "when it was decided"),
        Col("cycle", "quarter", "the quarter whose meeting decided"),
        Col("initiative", "ref", "the initiative decided on", ref="Initiatives"),
        Col("action", "enum", "what was decided", choices=_choices(Decision, "action")),
        Col("start", "quarter", "approve/force-start: the start quarter"),
        Col("until", "quarter", "defer: the first quarter it may start"),
        Col("by", "text", "who decided"), Col("role", "text", "their role"),
        Col("rationale", "long", "why (required when departing from the recommendation)"),
        Col("review.reviewer", "text", "the reviewing architect"),
        Col("review.verdict", "enum", "conform, conditional or non-conform",
            choices=_choices(Review, "verdict")),
        Col("review.note", "long", "the review's note"),
        Col("against.plan", "text", "id of the plan decided against"),
        Col("against.inputs_sha256", "text", "sha256 of the model inputs that plan saw"),
        Col("against.funded", "bool", "TRUE: the plan funded it"),
        Col("against.start", "quarter", "the start the plan recommended"),
        Col("against.value_at_stake", "money", "value lost if dropped / gained if added"),
        Col("decision_makers", "refs", "names separated by ';'"),
        Col("consulted", "refs", "names separated by ';'"),
        Col("informed", "refs", "units or names separated by ';'"),
        Col("supersedes", "text", "id of the earlier decision this one replaces")),
        "the portfolio office's decisions, oldest first (append-only)",
        required=("id", "date", "cycle", "initiative", "action", "by", "role")),
    Sheet(ACTUALS.sheet, ("actuals",), (
        Col("quarter", "quarter", "the quarter"),
        Col("initiative", "ref", "the initiative", ref="Initiatives"),
        Col("spent", "money", "money spent in the quarter", lo=0),
        Col("percent_complete", "number", "optional progress 0–100 (100: finished)",
            lo=0, hi=100),
        Col("remaining", "money", "optional cost still to spend", lo=0),
        Col("finish", "quarter", "optional quarter it is now expected to finish"),
        Col("note", "long", "optional note")),
        "spend and progress per quarter and initiative", required=ACTUALS.required,
        table=ACTUALS),
    Sheet(ASSESSMENT_HISTORY.sheet, ("assessment_history",), (
        Col("cycle", "quarter", "the cycle the assessment stood in"),
        Col("capability", "ref", "the capability", ref="Capabilities"),
        Col("business_unit", "ref", "the unit", ref="BusinessUnits"),
        Col("current", "maturity", MATURITY_HELP, lo=0, hi=5),
        Col("target", "maturity", MATURITY_HELP, lo=0, hi=5),
        Col("pain", "level", "optional 0–5", lo=0, hi=5),
        Col("confidence", "enum", "stated or inferred", choices=CONFIDENCES),
        Col("assessor", "text", "who assessed"), Col("date", "date", "when"),
        Col("notes", "long", "optional notes")),
        "assessments as they stood in earlier cycles (the heat-map trend)",
        required=ASSESSMENT_HISTORY.required, table=ASSESSMENT_HISTORY),
)
SCENARIO_SHEETS: tuple[Sheet, ...] = (
    Sheet("Scenarios", ("scenarios",), (
        _id("scenario"), NAME, DESCRIPTION,
        Col("budget_scale", "number", "every budget line × this (default 1)", lo=0),
        Col("weights.customer", "number", "optional scoring weights for this scenario "
            "(the three sum to 1)", lo=0, hi=1),
        Col("weights.strategic", "number", "optional weight of strategic value", lo=0, hi=1),
        Col("weights.pain", "number", "optional weight of the unit's own pain", lo=0, hi=1),
        Col("force_in", "refs", "initiatives forced into the plan: ids separated by ';'",
            ref="Initiatives"),
        Col("force_out", "refs", "initiatives kept out of the plan: ids separated by ';'",
            ref="Initiatives"),
        Col("horizon.start", "quarter", "optional other first quarter"),
        Col("horizon.quarters", "int", "optional other number of quarters (4–12)", lo=4,
            hi=12),
        Col("confidence", "number", "optional: plan to this confidence, 0–1 (replaces "
            "policy.confidence; 0: none)", lo=0, hi=1)),
        "what-if scenarios (scenarios.yaml): opmodel plan --scenario ID",
        required=("id", "name")),
    Sheet("ScenarioBudgets", ("scenarios", "budgets"), (
        Col("scenario", "ref", "the scenario", ref="Scenarios"),
        Col("pool", "ref", "budget pool whose lines change (empty: every pool)", ref="pools"),
        Col("period", "period", "quarter or fiscal year whose lines change (empty: all)"),
        Col("scale", "number", "multiply those lines by this (or give amount)", lo=0),
        Col("amount", "money", "set the line of this pool and period to this", lo=0)),
        "a scenario's budget changes, applied in order after budget_scale",
        required=("scenario",), parent="scenario", parent_sheet="Scenarios"),
)
"""The what-if scenarios of the model folder's scenarios.yaml: not part of the model
itself, so read and written beside it (:mod:`opmodel.io.xlsx`)."""
SHEET_BY_NAME = {s.name: s for s in (*SHEETS, *SCENARIO_SHEETS)}
REQUIRED_SHEETS = (SETTINGS, "Stages", "Capabilities", ASSESSMENTS.sheet)


@dataclass(frozen=True)
class Setting:
    key: str  # dotted path in the model, e.g. horizon.start
    kind: str
    help: str
    choices: tuple[str, ...] = ()


SETTINGS_ROWS: tuple[Setting, ...] = (
    Setting("name", "text", "name of the enterprise"),
    Setting("description", "long", "optional free text"),
    Setting("currency", "text", "currency of all money, e.g. EUR"),
    Setting("unit", "text", "unit of all money, e.g. thousands"),
    Setting("horizon.start", "quarter", "first quarter of the plan, e.g. 2027Q1"),
    Setting("horizon.quarters", "int", "number of quarters planned (4–12)"),
    Setting("fiscal_year_start", "int", "quarter of the calendar year the fiscal year starts "
            "in (1–4)"),
    Setting("scoring.weights.customer", "number", "weight of customer value (weights sum to "
            "1; leave the three empty when you give an AHP matrix)"),
    Setting("scoring.weights.strategic", "number", "weight of strategic value"),
    Setting("scoring.weights.pain", "number", "weight of the unit's own pain"),
    Setting("scoring.ahp.criteria", "text", "AHP criteria separated by ';' (default "
            "customer;strategic;pain)"),
    Setting("scoring.ahp.matrix", "text", "AHP pairwise matrix: rows separated by ';', "
            "judgements by spaces, e.g. 1 2 4; 1/2 1 3; 1/4 1/3 1"),
    Setting("scoring.point_value", "money", "what closing one fully weighted maturity point "
            "is worth per year"),
    Setting("policy.carry_over", "enum", "where unspent budget may be used later",
            CARRY_OVER),
    Setting("policy.confidence", "number", "optional: plan so that every fiscal-year budget "
            "line holds with this probability under the cost ranges, e.g. 0.8"),
)
SETTING_BY_KEY = {s.key: s for s in SETTINGS_ROWS}
SETTINGS_COLUMNS = ("key", "value", "help")


# -- model → rows ------------------------------------------------------------------------
def _typed(kind: str, text: str) -> Any:
    """A cell's text (as the CSV would hold it) → the typed value a spreadsheet shows."""
    if text == "":
        return None
    if kind in NUMERIC_KINDS:
        if kind == "maturity" and text in NA:
            return text
        try:
            v = float(text)
        except ValueError:
            return text
        return int(v) if v.is_integer() and abs(v) < 2**53 else v
    if kind == "date":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return text
    if kind == "bool":
        return text == "true"
    return text


def _value(obj: Any, name: str) -> Any:
    for part in name.split("."):
        obj = getattr(obj, part, None) if obj is not None else None
    return obj


def entity_row(sheet: Sheet, item: Any, parent_id: str | None = None) -> list[Any]:
    """The typed cells of one entity's row, in ``sheet.cols`` order."""
    if sheet.table is not None:
        texts = record_to_cells(sheet.table, item)
        return [_typed(c.kind, t) for c, t in zip(sheet.cols, texts, strict=True)]
    out: list[Any] = []
    for c in sheet.cols:
        if c.name == sheet.parent:
            out.append(parent_id)
            continue
        v = _value(item, c.name)
        if isinstance(v, bool):
            out.append(v)
        elif c.kind == "numbers" and isinstance(v, tuple):
            out.append(";".join(_fmt(float(x)) for x in v) or None)
        else:
            out.append(_typed(c.kind, _fmt(v)))
    return out


def _items(e: Enterprise, sheet: Sheet) -> Iterator[tuple[str | None, Any]]:
    if sheet.parent is None:
        node: Any = e
        for part in sheet.path:
            node = getattr(node, part)
        for item in node:
            yield None, item
        return
    parent = SHEET_BY_NAME[sheet.parent_sheet or ""]
    for p_id, p in _items(e, parent):
        assert p_id is None
        for item in getattr(p, sheet.path[-1]):
            yield p.id, item


def sheet_rows(e: Enterprise, sheet: Sheet) -> Iterator[list[Any]]:
    """Data rows (no header) of ``sheet`` for ``e``."""
    for parent_id, item in _items(e, sheet):
        yield entity_row(sheet, item, parent_id)


def settings_rows(e: Enterprise) -> list[list[Any]]:
    """Rows (key, value, help) of the Settings sheet."""
    rows: list[list[Any]] = []
    for s in SETTINGS_ROWS:
        if s.key == "scoring.ahp.criteria":
            v = ";".join(e.scoring.ahp.criteria) if e.scoring.ahp else None
        elif s.key == "scoring.ahp.matrix":
            v = "; ".join(" ".join(_fmt(x) for x in row) for row in e.scoring.ahp.matrix) \
                if e.scoring.ahp else None
        else:
            raw = _value(e, s.key)
            v = _typed(s.kind, _fmt(raw)) if raw is not None else None
        rows.append([s.key, v, s.help])
    return rows


def reference_ids(e: Enterprise) -> dict[str, list[str]]:
    """Values for the dropdowns that are not a sheet's id column (pools, quarters)."""
    quarters = list(e.horizon.labels)
    first = quarter_index(e.horizon.start) // 4
    last = quarter_index(e.horizon.end) // 4
    years = [f"FY{y}" for y in range(first, last + 2)]
    before = [add_quarters(e.horizon.start, -k) for k in range(4, 0, -1)]
    pools = list(dict.fromkeys(["enterprise", *e.pools, *(b.id for b in e.business_units)]))
    return {"quarters": before + quarters, "periods": quarters + years, "pools": pools}
