"""Assessment collection without licences: one workbook per business unit.

:func:`export_survey` writes a workbook for one BU lead with every capability to assess
(ids locked by sheet protection, the answer columns unlocked, scales explained, dropdowns).
Two hidden sheets remember the model's assessments of that unit at export time: a
fingerprint (``_survey``) and the rows themselves (``_baseline``).

:func:`plan_merge` reads a returned survey, validates every cell (``Assessments!E7: CODE
…``), lists the changes (old → new per cell) and the conflicts: cells someone changed in the
model since the export that the survey would overwrite. :func:`merge_survey` then rewrites
only the unit's lines of ``assessments.csv`` (other lines stay byte for byte, the other files
are not touched) through a temporary file and a rename, so a crash leaves the model as it
was; the folder's lock and a changed-since-read check keep concurrent merges from losing
each other's changes (:mod:`opmodel.io.atomic`). :func:`survey_status` says which units
have answered and how old their answers are.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.workbook.protection import WorkbookProtection
from pydantic import ValidationError

from .. import __version__
from ..errors import InputError, Issue, ModelError, UnknownIdError
from ..model import Assessment, Capability, Enterprise
from ..model import validate as validate_model
from ..model.quarter import quarter_index
from . import atomic
from .atomic import check_unchanged, folder_lock, pause, write_file
from .csvpatch import check_csv, full_text, patched_csv
from .folder import read_folder
from .issues import pydantic_issues
from .sheets import CONFIDENCES, MATURITY_HELP, Col
from .sheets_read import Collected, as_text, cell_name, check_header, data_rows, read_value
from .tables import ASSESSMENTS, NA, cells_to_record, column_of, record_to_cells
from .xlsx import (
    Lists,
    check_cells,
    check_target,
    open_workbook,
    save_workbook,
    sheet_values,
    write_lines,
    write_table,
)

SHEET = "Assessments"
META = "_survey"
BASELINE = "_baseline"
FORMAT = "opmodel-survey/1"
ANSWERS = ("current", "target", "pain", "confidence", "assessor", "date", "notes")
COMPARED = ("current", "target", "pain", "confidence", "assessor", "notes")
COLUMNS: tuple[Col, ...] = (
    Col("capability", "ref", "the capability (locked)"),
    Col("capability_name", "text", "its name, indented by level (locked)"),
    Col("stage", "text", "the value-chain stage it sits on (locked)"),
    Col("business_unit", "ref", "your business unit (locked)"),
    Col("current", "maturity", "maturity today: " + MATURITY_HELP, lo=0, hi=5),
    Col("target", "maturity", "maturity you need in two years: " + MATURITY_HELP, lo=0,
        hi=5),
    Col("pain", "level", "how much the gap hurts today: 0 not at all … 5 it stops us",
        lo=0, hi=5),
    Col("confidence", "enum", "stated: you know it; inferred: your best guess",
        choices=CONFIDENCES),
    Col("assessor", "text", "who answered"),
    Col("date", "date", "when you assessed it (YYYY-MM-DD); empty: the day it is merged"),
    Col("notes", "long", "anything the architects should know"),
)
INFO = ("capability_name", "stage")
NAMES = tuple(c.name for c in COLUMNS)


class SurveyConflictError(ModelError):
    """The model changed since the survey was exported, in cells the survey changes too."""

    code = "E-CONFLICT"

    def __init__(self, issues: list[Issue], source: str | None = None) -> None:
        super().__init__(issues, source)
        body = "\n".join(str(i) for i in self.issues)
        self.hint = "merge with --force to keep the survey's values, or export a fresh survey"
        self.message = f"{len(self.issues)} conflict(s) in {source}:\n{body}"
        self.args = (self.message,)


# -- fingerprint -------------------------------------------------------------------------
def unit_rows(e: Enterprise, business_unit: str) -> list[list[str]]:
    """The unit's assessment rows as CSV cells, sorted by capability."""
    rows = [record_to_cells(ASSESSMENTS, a) for a in e.assessments
            if a.business_unit == business_unit]
    return sorted(rows, key=lambda r: r[0])


def fingerprint(rows: list[list[str]]) -> str:
    """A stable hash of assessment rows (order-insensitive)."""
    h = hashlib.sha256()
    for r in sorted(rows):
        h.update("\x1f".join(r).encode("utf-8") + b"\x1e")
    return h.hexdigest()


# -- export --------------------------------------------------------------------------------
def _ordered_capabilities(e: Enterprise) -> Iterator[tuple[Capability, int]]:
    """Capabilities by stage order, each followed by its children (depth first)."""
    kids: dict[str | None, list[Capability]] = {}
    ids = {c.id for c in e.capabilities}
    for c in e.capabilities:
        kids.setdefault(c.parent if c.parent in ids else None, []).append(c)
    seen: set[str] = set()

    def walk(c: Capability, level: int) -> Iterator[tuple[Capability, int]]:
        if c.id in seen:
            return
        seen.add(c.id)
        yield c, level
        for k in kids.get(c.id, []):
            yield from walk(k, level + 1)

    for s in e.ordered_stages:
        for c in kids.get(None, []):
            if c.stage == s.id:
                yield from walk(c, 1)
    for c in e.capabilities:  # anything left (a stage without an order match)
        yield from walk(c, 1)


def _instructions(e: Enterprise, bu: Any, exported: dt.date) -> Iterator[list[Any]]:
    yield [f"Capability assessment — {bu.name}"]
    yield [f"For the {bu.name} ({bu.id}) lead, from the {e.name} operating model; exported "
           f"{exported.isoformat()} by opmodel {__version__}."]
    yield []
    yield ["**What to do**"]
    for text in (
        f"On the sheet '{SHEET}', each row is one capability. Fill in the white columns; the "
        "grey ones (capability, name, stage, unit) are locked.",
        "Rows show your unit's answers from last time where there are any: change what is no "
        "longer true. Returning a row confirms it as of its date.",
        "Write n/a in current and target when your unit does not need the capability at all.",
        "Leave current and target empty to skip a capability; it is left as it is.",
        "Save the file as .xlsx (keep its name and sheets) and send it back to the "
        "architecture team; they merge it with `opmodel survey merge`.",
    ):
        yield ["", text]
    yield []
    yield ["**Maturity (current, target)**", "**Meaning**"]
    for level, text in (
        ("0", "absent: we cannot do this"),
        ("1", "ad hoc: done sometimes, by heroes, differently each time"),
        ("2", "repeatable: done the same way by the team, mostly by hand"),
        ("3", "defined: a documented, shared process with tool support"),
        ("4", "measured: managed with numbers, targets and feedback"),
        ("5", "optimized: continuously improved, largely automated"),
        ("n/a", "my unit does not need this capability"),
    ):
        yield [level, text]
    yield ["", "Half points (2.5) are fine."]
    yield []
    yield ["**Pain**", "0 the gap does not hurt … 5 it stops us serving customers"]
    yield ["**Confidence**", "stated: you know it; inferred: your best guess"]


def survey_workbook(e: Enterprise, business_unit: str, exported: dt.date) -> Workbook:
    """The survey workbook of one unit (write-only; save it once)."""
    bu = e.business_unit(business_unit)
    stage_name = {s.id: s.name for s in e.stages}
    rows: list[list[Any]] = []
    for cap, level in _ordered_capabilities(e):
        a = e.assessment(cap.id, bu.id)
        if a is None:
            cells: dict[str, Any] = {}
        else:
            texts = dict(zip(ASSESSMENTS.columns, record_to_cells(ASSESSMENTS, a),
                             strict=True))
            cells = {k: texts[k] for k in ANSWERS if k != "date"}
            for k in ("current", "target", "pain"):
                if cells[k] and cells[k] not in NA:
                    v = float(cells[k])
                    cells[k] = int(v) if v.is_integer() else v
        rows.append([cap.id, "   " * (level - 1) + cap.name, stage_name.get(cap.stage, cap.stage),
                     bu.id, *(cells.get(k) or None for k in ANSWERS)])
    check_cells(SHEET, COLUMNS, rows)  # before the workbook is begun
    wb = Workbook(write_only=True)
    wb.properties.creator = f"opmodel {__version__}"
    wb.security = WorkbookProtection(lockStructure=True)
    write_lines(wb.create_sheet("Instructions"), _instructions(e, bu, exported), (24, 100))
    ws = wb.create_sheet(SHEET)
    write_table(ws, COLUMNS, rows, Lists({}, {}), len(rows), freeze="E2",
                unlocked=ANSWERS)
    ws.column_dimensions["B"].width = 40
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.autoFilter = False
    ws.protection.sort = False
    meta = wb.create_sheet(META)
    meta.sheet_state = "hidden"
    base = unit_rows(e, bu.id)
    for row in (("key", "value"), ("format", FORMAT), ("model", e.name),
                ("business_unit", bu.id), ("exported", exported.isoformat()),
                ("fingerprint", fingerprint(base)), ("capabilities", len(rows))):
        meta.append(list(row))
    baseline = wb.create_sheet(BASELINE)
    baseline.sheet_state = "hidden"
    baseline.append(list(ASSESSMENTS.columns))
    for r in base:
        baseline.append(r)
    return wb


def export_survey(model: str | os.PathLike[str] | Enterprise, business_unit: str,
                  out: str | os.PathLike[str], today: dt.date | None = None,
                  overwrite: bool = False) -> Path:
    """Write the survey workbook of ``business_unit`` for the model folder ``model``.

    Refuses to replace an existing file unless ``overwrite``: it may be a returned survey.
    """
    e = model if isinstance(model, Enterprise) else read_folder(model).enterprise
    try:
        e.business_unit(business_unit)
    except UnknownIdError as exc:  # with its did-you-mean, else the units there are
        ids = [b.id for b in e.business_units]
        raise UnknownIdError("business unit", business_unit, hint=exc.hint or (
            f"the model's business units: {', '.join(ids[:12])}"
            + (f" and {len(ids) - 12} more" if len(ids) > 12 else "")
            if ids else "the model has no business units")) from None
    path = Path(out)
    if path.suffix.lower() != ".xlsx":
        raise InputError(f"{path}: a survey is an .xlsx workbook", hint="name it *.xlsx")
    if path.exists() and not overwrite:
        raise InputError(f"{path} already exists (it may be a returned survey)",
                         hint="choose another name with -o, or pass --force to replace it")
    check_target(path)
    save_workbook(survey_workbook(e, business_unit, today or dt.date.today()), path)
    return path


# -- reading a returned survey -------------------------------------------------------------
@dataclass(frozen=True)
class Change:
    """One cell the merge changes: ``field`` of ``capability`` goes from ``old`` to ``new``."""

    capability: str
    field: str
    old: str
    new: str
    cell: str


@dataclass
class MergePlan:
    """What merging a survey would do."""

    business_unit: str
    survey: Path
    changes: list[Change] = field(default_factory=list)
    conflicts: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    assessments: tuple[Assessment, ...] = ()
    touched: dict[str, Assessment] = field(default_factory=dict)
    untouched_changes: int = 0
    """Cells the model changed since the export that the survey leaves alone."""
    written: bool = False


@dataclass
class _Returned:
    meta: dict[str, str]
    baseline: dict[str, dict[str, str]]
    rows: dict[str, tuple[int, dict[str, Any]]]  # capability → (row, record)
    header: list[str]


def _fail(path: Path, msg: str, hint: str) -> ModelError:
    return ModelError([Issue("E-SURVEY", msg, (), hint=hint).at(path.name)], source=str(path))


def _read_returned(path: Path, col: Collected) -> _Returned:
    try:
        return _read_workbook(path, col)
    except ModelError as exc:  # a sheet's own error (E-FORMULA, E-XLSX): name the file
        if exc.source == str(path):
            raise
        raise ModelError(exc.issues, source=str(path)) from None


def _read_workbook(path: Path, col: Collected) -> _Returned:
    wb = open_workbook(path)
    try:
        names = list(wb.sheetnames)
        if META not in names or SHEET not in names:
            raise _fail(path, "not an opmodel survey (its hidden _survey sheet or its "
                        f"'{SHEET}' sheet is missing)",
                        "export one with `opmodel survey export`; sheets must keep their names")
        meta: dict[str, str] = {}
        for _, cells in sheet_values(wb[META])[1:]:
            if len(cells) >= 2 and cells[0] is not None:
                meta[str(as_text(cells[0]))] = str(as_text(cells[1]) or "")
        if meta.get("format") != FORMAT:
            raise _fail(path, f"unknown survey format '{meta.get('format')}'",
                        "export a fresh survey with this version of opmodel")
        baseline: dict[str, dict[str, str]] = {}
        if BASELINE in names:
            base_rows = sheet_values(wb[BASELINE])
            if base_rows:
                head = [str(as_text(h) or "") for h in base_rows[0][1]]
                for _, cells in base_rows[1:]:
                    texts = [str(as_text(v) or "") for v in cells]
                    rec = dict(zip(head, texts, strict=False))
                    if rec.get("capability"):
                        baseline[rec["capability"]] = rec
        rows = sheet_values(wb[SHEET])
    finally:
        wb.close()
    out = _Returned(meta, baseline, {}, [])
    if not rows or not check_header(col, SHEET, rows[0][1], NAMES,
                                    ("capability", "business_unit", "current", "target")):
        return out
    out.header = col.headers[SHEET]
    kinds = {c.name: c.kind for c in COLUMNS}
    bu = meta.get("business_unit", "")
    for line, cells in data_rows(col, SHEET, rows[1:], len(out.header)):
        values = {n: read_value(kinds[n], v) for n, v in zip(out.header, cells, strict=True)}
        cap = values.get("capability")
        k_cap = out.header.index("capability") + 1
        if not cap:
            col.add(SHEET, line, k_cap, "E-MISSING", "the capability id is empty",
                    hint="do not clear the locked columns; export a fresh survey")
            continue
        if cap in out.rows:
            col.add(SHEET, line, k_cap, "E-DUP", f"capability '{cap}' appears twice "
                    f"(first on row {out.rows[cap][0]})")
            continue
        if values.get("business_unit") != bu:
            col.add(SHEET, line, out.header.index("business_unit") + 1, "E-VALUE",
                    f"business_unit is '{values.get('business_unit')}' but this survey is "
                    f"for '{bu}'", hint="do not edit the locked columns")
            continue
        names = [n for n in out.header if n not in INFO]
        rec = cells_to_record(ASSESSMENTS, names, [values[n] for n in names])
        out.rows[cap] = (line, rec)
    return out


def _text(a: Assessment | None, name: str) -> str:
    if a is None:
        return ""
    cells = dict(zip(ASSESSMENTS.columns, record_to_cells(ASSESSMENTS, a), strict=True))
    return cells[name]


def plan_merge(model: str | os.PathLike[str] | Enterprise, survey: str | os.PathLike[str],
               today: dt.date | None = None) -> MergePlan:
    """Validate a returned survey against the model folder (or a model already read, e.g.
    from a store) and say what merging would do.

    Raises :class:`ModelError` (issues at ``Assessments!E7``) when the survey has errors.
    Conflicts are returned, not raised: :func:`merge_survey` refuses them unless forced.
    """
    e = model if isinstance(model, Enterprise) else read_folder(model).enterprise
    path = Path(survey)
    col = Collected(source=path.name)
    ret = _read_returned(path, col)
    bu = ret.meta.get("business_unit", "")
    if bu not in e.ids("business unit"):
        raise _fail(path, f"the survey is for business unit '{bu}', which is not in the model",
                    "merge it into the model it was exported from")
    plan = MergePlan(bu, path)
    if ret.meta.get("model") not in (None, "", e.name):
        plan.warnings.append(Issue(
            "W-MODEL", f"the survey was exported from model '{ret.meta.get('model')}', not "
            f"'{e.name}'", ()).at(path.name))
    day = today or dt.date.today()
    caps = e.ids("capability")
    col_of = {n: k + 1 for k, n in enumerate(ret.header)}
    new_rows: dict[str, Assessment] = {}
    for cap, (line, rec) in ret.rows.items():
        if cap not in caps:
            col.add(SHEET, line, col_of["capability"], "E-REF",
                    f"capability '{cap}' is not in the model",
                    hint="clear its current and target to skip it, or export a fresh survey")
            continue
        if "current" not in rec and "target" not in rec and rec.get("applicable", True):
            continue  # not answered: leave the model's row as it is
        if (rec.get("current") in NA) != (rec.get("target") in NA) or (
                not rec.get("applicable", True) and ("current" in rec or "target" in rec)):
            col.add(SHEET, line, col_of["current"], "E-VALUE", "current and target must both "
                    "be n/a, or both be maturities", hint="write n/a in both when the "
                    "capability does not apply to your unit")
            continue
        if ("current" in rec) != ("target" in rec) and rec.get("applicable", True):
            empty = "target" if "current" in rec else "current"
            col.add(SHEET, line, col_of[empty], "E-MISSING", f"{empty} is empty",
                    hint="give both current and target, or clear both to skip the row")
            continue
        rec.setdefault("date", day)
        try:
            new_rows[cap] = Assessment.model_validate(rec)
            when = new_rows[cap].date
            if when is not None and when > day:  # answered in the future: a typed year?
                col.add(SHEET, line, col_of.get("date", 1), "W-DATE",
                        f"{cap}: dated {when.isoformat()}, after the merge's day "
                        f"{day.isoformat()}: a mistyped year? A re-plan counts work done "
                        "before an assessment's date as already in it",
                        hint="correct the date, or merge with --date of the day answered")
        except ValidationError as exc:
            for issue in pydantic_issues(exc):
                name = next((p for p in issue.path if isinstance(p, str)), "current")
                c = col_of.get(column_of(ASSESSMENTS, name), col_of.get("current", 1))
                col.issues.append(issue.at(cell_name(SHEET, line, c), (SHEET, line, c)))
    errors = [i for i in col.issues if i.severity == "error"]
    if errors:
        raise ModelError(col.issues, source=str(path))
    plan.warnings += col.issues
    if fingerprint(unit_rows(e, bu)) != ret.meta.get("fingerprint", ""):
        _three_way(plan, e, ret, new_rows, col_of)
    # changes, in model order, then the newly assessed capabilities
    merged: list[Assessment] = []
    for a in e.assessments:
        if a.business_unit == bu and a.capability in new_rows:
            merged.append(new_rows.pop(a.capability))
            _diff(plan, a, merged[-1], ret.rows[a.capability][0], col_of)
        else:
            merged.append(a)
    for cap, a in new_rows.items():
        merged.append(a)
        _diff(plan, None, a, ret.rows[cap][0], col_of)
    plan.assessments = tuple(merged)
    plan.touched = {a.capability: a for a in merged if a.business_unit == bu}
    new_e = _with_assessments(e, plan.assessments)
    issues = validate_model(new_e)
    before = {(i.code, i.message) for i in validate_model(e)}
    fresh = [i for i in issues if (i.code, i.message) not in before]
    bad = [i for i in fresh if i.severity == "error"]
    if bad:  # pragma: no cover - every rule an assessment can break is checked above
        raise ModelError([i.at(path.name) for i in bad], source=str(path))
    plan.warnings += [i.at(f"{Path(model).name}/assessments.csv") for i in fresh]
    return plan


def _three_way(plan: MergePlan, e: Enterprise, ret: _Returned,
               new_rows: dict[str, Assessment], col_of: dict[str, int]) -> None:
    """The model changed since the export: merge cell by cell against the export's baseline.

    A cell the lead left as exported keeps the model's (newer) value; a cell only the lead
    changed takes the survey's; a cell both changed differently is a conflict (the survey's
    value wins only with --force).
    """
    for cap, row in list(new_rows.items()):
        base = ret.baseline.get(cap, {})
        model = dict(zip(ASSESSMENTS.columns, record_to_cells(
            ASSESSMENTS, e.assessment(cap, plan.business_unit)), strict=True)) \
            if e.assessment(cap, plan.business_unit) else {}
        mine = dict(zip(ASSESSMENTS.columns, record_to_cells(ASSESSMENTS, row), strict=True))
        merged = dict(mine)
        line = ret.rows[cap][0]
        for name in COMPARED:
            b, m, s = base.get(name, ""), model.get(name, ""), mine[name]
            if m == b or s == m:
                continue
            if s == b:
                merged[name] = m
                plan.untouched_changes += 1
                continue
            c = col_of.get(column_of(ASSESSMENTS, name), 1)
            plan.conflicts.append(Issue(
                "E-CONFLICT", f"{cap} {name}: the model changed it since the export "
                f"({b or 'empty'} → {m or 'empty'}) and the survey says {s or 'empty'}", (),
                hint="merge with --force to keep the survey's value, or export a fresh "
                     "survey").at(cell_name(SHEET, line, c), (SHEET, line, c)))
        if merged != mine:
            rec = cells_to_record(ASSESSMENTS, list(ASSESSMENTS.columns),
                                  [merged[k] for k in ASSESSMENTS.columns])
            try:
                new_rows[cap] = Assessment.model_validate(rec)
            except ValidationError:
                plan.conflicts.append(Issue(
                    "E-CONFLICT", f"{cap}: the model's newer values and the survey's do not "
                    "combine into a valid assessment", (),
                    hint="merge with --force to keep the survey's row").at(
                        cell_name(SHEET, line, 1), (SHEET, line, 1)))


def _diff(plan: MergePlan, old: Assessment | None, new: Assessment, line: int,
          col_of: dict[str, int]) -> None:
    for name in ASSESSMENTS.columns[2:]:
        a, b = _text(old, name), _text(new, name)
        if a != b:
            c = col_of.get(column_of(ASSESSMENTS, name), 1)
            plan.changes.append(Change(new.capability, name, a, b, cell_name(SHEET, line, c)))


def _with_assessments(e: Enterprise, assessments: tuple[Assessment, ...]) -> Enterprise:
    fields = {f: getattr(e, f) for f in Enterprise.model_fields}
    fields["assessments"] = assessments
    return Enterprise(**fields)


def merge_survey(model: str | os.PathLike[str], survey: str | os.PathLike[str], *,
                 force: bool = False, dry_run: bool = False,
                 today: dt.date | None = None) -> MergePlan:
    """Merge a returned survey into the model folder's ``assessments.csv``.

    Raises :class:`ModelError` for errors in the survey, and for conflicts unless ``force``.
    With ``dry_run`` nothing is written. Only ``assessments.csv`` is rewritten, in one step.
    The read, the merge and the write hold the folder's lock (another merge waits, then
    gives up with :class:`~opmodel.io.atomic.FolderLockedError`); if a program that ignores
    the lock changed the folder meanwhile, nothing is written
    (:class:`~opmodel.io.atomic.FolderChangedError`).
    """
    if dry_run:  # reads only: no lock (a read-only model can be checked)
        plan = plan_merge(model, survey, today)
        if plan.conflicts and not force:
            raise SurveyConflictError(plan.conflicts, source=str(plan.survey))
        return plan
    if not Path(model).is_dir():
        read_folder(model)  # says what is wrong with the path; nothing is created
    with folder_lock(model, "opmodel survey merge") as lock:
        before = atomic.fingerprint(lock.folder, deep=False)  # the model files, as read
        plan = plan_merge(model, survey, today)
        if plan.conflicts and not force:
            raise SurveyConflictError(plan.conflicts, source=str(plan.survey))
        if not plan.changes:
            return plan
        path = lock.folder / ASSESSMENTS.file
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        bom = "\ufeff" if text.startswith("\ufeff") else ""  # keep a spreadsheet's BOM
        new_text = patched_csv(text[len(bom):], plan.business_unit, plan.touched,
                               plan.assessments)
        if not check_csv(new_text, plan.assessments):  # pragma: no cover - a safety net
            new_text = full_text(plan.assessments)
        pause("survey-merge")
        check_unchanged(lock.folder, before)  # a writer that ignores the lock: refuse
        write_file(path, bom + new_text)
        plan.written = True
        return plan


# -- status --------------------------------------------------------------------------------
@dataclass(frozen=True)
class UnitStatus:
    """How far one business unit's assessments are: answered, missing, and how old."""

    business_unit: str
    name: str
    capabilities: int
    assessed: int
    not_applicable: int
    missing: int
    undated: int
    stale: int
    newest: dt.date | None
    oldest: dt.date | None
    median_age_days: int | None
    stale_at_start: int = 0
    """Answers that will be older than the limit on the first day of the plan's horizon."""

    @property
    def state(self) -> str:
        answered = self.assessed + self.not_applicable
        if answered == 0:
            return "not returned"
        if self.missing:
            return "partial"
        if self.stale or self.undated:
            return "stale"
        return "returned"


def survey_status(e: Enterprise, as_of: dt.date | None = None,
                  max_age_days: int = 365) -> list[UnitStatus]:
    """Per business unit: capabilities answered (assessed or n/a), missing, and the age of
    the answers at ``as_of`` (default today); older than ``max_age_days`` is stale. Ages are
    also taken on the first day of the planning horizon, when that is later: answers stale
    by then are counted in ``stale_at_start``."""
    if max_age_days < 0:
        raise InputError(f"--max-age {max_age_days} is negative",
                         hint="give the age in days after which an answer is stale, e.g. 365")
    day = as_of or dt.date.today()
    year, q = divmod(quarter_index(e.horizon.start), 4)
    start = max(day, dt.date(year, 3 * q + 1, 1))
    caps = {c.id for c in e.capabilities}
    out = []
    for b in e.business_units:
        rows = [a for a in e.assessments if a.business_unit == b.id and a.capability in caps]
        answered = [a for a in rows if a.assessed or not a.applicable]
        dates = sorted(a.date for a in answered if a.date is not None)
        ages = [(day - d).days for d in dates]
        out.append(UnitStatus(
            b.id, b.name, len(caps), sum(a.assessed for a in rows),
            sum(not a.applicable for a in rows), len(caps) - len(answered),
            sum(a.date is None for a in answered), sum(x > max_age_days for x in ages),
            dates[-1] if dates else None, dates[0] if dates else None,
            sorted(ages)[len(ages) // 2] if ages else None,
            sum((start - d).days > max_age_days for d in dates)))
    return out
