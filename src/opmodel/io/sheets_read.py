"""Reading the flat sheets back: rows of cell values → the raw data
:func:`~opmodel.io.assemble.assemble` validates, with every element's place remembered so
issues land at ``Sheet!C17`` (the inverse of :mod:`opmodel.io.sheets`).

Free of openpyxl: any source of rows (a workbook, a survey, a test) can use it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from difflib import get_close_matches
from typing import Any

from ..errors import Issue, PathPart
from .safefile import excerpt
from .sheets import (
    SETTING_BY_KEY,
    SETTINGS,
    SETTINGS_COLUMNS,
    SHEET_BY_NAME,
    SHEETS,
    TEXT_KINDS,
    Sheet,
)
from .tables import _fmt, cells_to_record, column_of

Cell = tuple[str, int, int]  # sheet, row (1-based), column (1-based; 0 = whole row)


def cell_name(sheet: str, row: int, col: int) -> str:
    letters = ""
    n = col
    while n > 0:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    quoted = f"'{sheet}'" if not sheet.replace("_", "").isalnum() else sheet
    return f"{quoted}!{letters or 'A'}{row}"


def excel_date(v: float) -> dt.date:
    """A spreadsheet serial day number (1900 date system) as a date."""
    return dt.date(1899, 12, 30) + dt.timedelta(days=int(v))


def as_text(v: Any) -> Any:
    """A cell value read where text is expected: numbers and dates become their text."""
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, int | float):
        return _fmt(float(v)) if isinstance(v, float) else str(v)
    return str(v)


def read_value(kind: str, v: Any) -> Any:
    """A typed cell value → what the model validates (pydantic reports what is wrong)."""
    if isinstance(v, str):
        v = v.strip()
        return None if v == "" else v
    if v is None:
        return None
    if kind in TEXT_KINDS:
        return as_text(v)
    if isinstance(v, bool) and kind != "bool":  # TRUE typed in a number: not 1
        return "TRUE" if v else "FALSE"
    if kind == "date":
        if isinstance(v, dt.datetime) and v.time() == dt.time():
            return v.date()
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
            try:
                return excel_date(v)
            except (OverflowError, ValueError):  # no day of years 1–9999: not a date
                return v
        return v
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()  # a date in a number column: pydantic says it is no number
    return v


@dataclass
class Collected:
    """Raw model data read from sheets, where each element came from, and issues so far."""

    data: dict[str, Any] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    places: dict[tuple[PathPart, ...], tuple[str, int]] = field(default_factory=dict)
    headers: dict[str, list[str]] = field(default_factory=dict)
    settings_rows: dict[str, int] = field(default_factory=dict)
    blocked: bool = False
    source: str = ""

    def add(self, sheet: str, row: int, col: int, code: str, msg: str,
            hint: str | None = None, block: bool = True) -> None:
        """A located issue; ``block``: a whole sheet or setting could not be used, so the
        cross-entity rules are skipped (they would report its ids as unknown)."""
        loc = cell_name(sheet, row, col)
        self.issues.append(Issue(code, msg, (), hint=hint).at(loc, (sheet, row, col)))
        if code.startswith("E-") and block:
            self.blocked = True

    def at_file(self, code: str, msg: str, hint: str | None = None) -> None:
        self.issues.append(Issue(code, msg, (), hint=hint).at(self.source, ("", 0, 0)))
        if code.startswith("E-"):
            self.blocked = True


def check_header(col: Collected, sheet: str, header: list[Any], known: tuple[str, ...],
                 required: tuple[str, ...], ignored: tuple[str, ...] = (),
                 optional: bool = True) -> bool:
    """Check a header row; report unknown, unnamed, repeated and missing columns — a
    missing optional column too (``optional``), as a warning: every row reads it as not
    given, which for a column deleted by hand (``notes``) empties it in the whole model."""
    ok = True
    suggested: set[str] = set()
    names = [as_text(h).strip() if h is not None else "" for h in header]
    while names and names[-1] == "":
        names.pop()
    first: dict[str, int] = {}
    for k, name in enumerate(names):
        first.setdefault(name, k)
        if name == "":
            col.add(sheet, 1, k + 1, "E-UNKNOWN", "column has no header",
                    hint=f"name it one of: {', '.join(known)}, or delete the column")
            ok = False
        elif name not in known and name not in ignored:
            close = get_close_matches(name, known, n=1, cutoff=0.6)
            suggested.update(close)
            col.add(sheet, 1, k + 1, "E-UNKNOWN", f"unknown column '{excerpt(name)}'",
                    hint=f"did you mean '{close[0]}'?" if close
                    else f"columns are: {', '.join(known)}")
            ok = False
        elif first[name] != k:
            col.add(sheet, 1, k + 1, "E-DUP", f"column '{excerpt(name)}' appears twice")
            ok = False
    for name in required:
        if name not in names and name not in suggested:  # else the did-you-mean says it
            col.add(sheet, 1, 1, "E-MISSING", f"required column '{name}' is missing",
                    hint=f"columns are: {', '.join(known)}")
            ok = False
    absent = [n for n in known if n not in names and n not in required and n not in suggested]
    if ok and optional and absent:
        col.add(sheet, 1, 1, "W-COLUMN", f"no column {', '.join(repr(n) for n in absent)}: "
                "read as not given in every row", hint="if the column was deleted by "
                "mistake, put it back (export a fresh workbook for its values)")
    col.headers[sheet] = names
    return ok


def data_rows(col: Collected, sheet: str, rows: list[tuple[int, list[Any]]],
              width: int) -> Iterator[tuple[int, list[Any]]]:
    """Non-empty rows, cut to the header's width; values beyond it are reported."""
    for line, cells in rows:
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells):
            continue
        for k in range(width, len(cells)):
            v = cells[k]
            if v is not None and not (isinstance(v, str) and not v.strip()):
                col.add(sheet, line, k + 1, "E-UNKNOWN",
                        "this cell has a value but its column has no header",
                        hint="add a header or clear the cell", block=False)
                break
        yield line, list(cells[:width]) + [None] * (width - len(cells))


def read_settings(col: Collected, rows: list[tuple[int, list[Any]]]) -> None:
    """The Settings sheet (key, value, help) → top-level data and ``policy.carry_over``."""
    if not rows:
        col.add(SETTINGS, 1, 1, "E-MISSING", "the Settings sheet is empty",
                hint="it needs the header key, value, help and one row per setting")
        return
    (_, header), body = rows[0], rows[1:]
    if not check_header(col, SETTINGS, header, SETTINGS_COLUMNS, ("key", "value"),
                        optional=False):
        return
    names = col.headers[SETTINGS]
    k_key, k_val = names.index("key"), names.index("value")
    data = col.data
    for line, cells in data_rows(col, SETTINGS, body, len(names)):
        key = as_text(cells[k_key])
        key = key.strip() if isinstance(key, str) else key
        value = cells[k_val]
        if not key:
            col.add(SETTINGS, line, k_key + 1, "E-MISSING", "setting without a key",
                    block=False)
            continue
        spec = SETTING_BY_KEY.get(key)
        if spec is None:
            close = get_close_matches(key, list(SETTING_BY_KEY), n=1, cutoff=0.6)
            col.add(SETTINGS, line, k_key + 1, "E-UNKNOWN", f"unknown setting '{excerpt(key)}'",
                    hint=f"did you mean '{close[0]}'?" if close
                    else f"settings are: {', '.join(SETTING_BY_KEY)}", block=False)
            continue
        if key in col.settings_rows:
            col.add(SETTINGS, line, k_key + 1, "E-DUP", f"setting '{excerpt(key)}' appears twice",
                    block=False)
            continue
        col.settings_rows[key] = line
        v = read_value(spec.kind, value)
        if v is None:
            continue
        if key == "scoring.ahp.criteria" and isinstance(v, str):
            v = [p.strip() for p in v.split(";") if p.strip()]
        elif key == "scoring.ahp.matrix" and isinstance(v, str):
            v = [row.split() for row in v.split(";") if row.strip()]
        node = data
        *parents, last = key.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = v
    for key, line in col.settings_rows.items():
        parts = key.split(".")
        for n in range(1, len(parts) + 1):
            col.places.setdefault(tuple(parts[:n]), (SETTINGS, line))


def read_sheet(col: Collected, sheet: Sheet, rows: list[tuple[int, list[Any]]]) -> None:
    """One data sheet's rows (header first) → records in ``col.data`` with their places."""
    if not rows:
        col.add(sheet.name, 1, 1, "E-MISSING", f"the {sheet.name} sheet has no header row",
                hint=f"columns are: {', '.join(sheet.columns)}")
        return
    (_, header), body = rows[0], rows[1:]
    if not check_header(col, sheet.name, header, sheet.columns, sheet.required):
        return
    names = col.headers[sheet.name]
    kinds = [sheet.col(n).kind for n in names]  # type: ignore[union-attr]
    records: list[tuple[int, dict[str, Any]]] = []
    for line, cells in data_rows(col, sheet.name, body, len(names)):
        values = [read_value(k, v) for k, v in zip(kinds, cells, strict=True)]
        if sheet.table is not None:
            records.append((line, cells_to_record(sheet.table, names, values)))
            continue
        rec: dict[str, Any] = {}
        for name, kind, v in zip(names, kinds, values, strict=True):
            if v is None:
                continue
            if kind in ("refs", "numbers") and isinstance(v, str):
                v = [p.strip() for p in v.split(";") if p.strip()]
            node = rec
            *parents, last = name.split(".")
            for p in parents:
                node = node.setdefault(p, {})
            node[last] = v
        records.append((line, rec))
    if sheet.parent is None:
        target: dict[str, Any] = col.data
        for part in sheet.path[:-1]:
            target = target.setdefault(part, {})
        target[sheet.path[-1]] = [r for _, r in records]
        for k, (line, _) in enumerate(records):
            col.places[(*sheet.path, k)] = (sheet.name, line)
        if sheet.path == ("policy", "guardrails"):
            col.places[sheet.path] = (sheet.name, 1)
        return
    _attach_children(col, sheet, records)


def _attach_children(col: Collected, sheet: Sheet, records: list[tuple[int, dict[str, Any]]]
                     ) -> None:
    parent = SHEET_BY_NAME[sheet.parent_sheet or ""]
    holder: Any = col.data
    for part in parent.path[:-1]:
        holder = holder.get(part, {}) if isinstance(holder, dict) else {}
    parents = holder.get(parent.path[-1]) if isinstance(holder, dict) else None
    if parents is None:
        if parent.name not in col.headers:
            for line, _ in records[:1]:
                col.add(sheet.name, line, 1, "E-MISSING", f"rows of {sheet.name} need the "
                        f"{parent.name} sheet", hint=f"add the {parent.name} sheet")
        return  # the parent sheet is broken; its issues are reported already
    index: dict[str, int] = {}
    for k, p in enumerate(parents):
        if isinstance(p.get("id"), str):
            index.setdefault(p["id"], k)
    k_parent = col.headers[sheet.name].index(sheet.parent or "") + 1
    child = sheet.path[-1]
    for line, rec in records:
        pid = rec.pop(sheet.parent or "", None)
        if pid not in index:
            close = get_close_matches(str(pid), list(index), n=1, cutoff=0.6)
            col.add(sheet.name, line, k_parent, "E-REF",
                    f"{sheet.parent} '{pid}' is not on the {parent.name} sheet"
                    if pid else f"{sheet.parent} is empty",
                    hint=f"did you mean '{close[0]}'?" if close else None, block=False)
            continue
        k = index[pid]
        kids = parents[k].setdefault(child, [])
        col.places[(*parent.path, k, child, len(kids))] = (sheet.name, line)
        kids.append(rec)


# -- placing issues ------------------------------------------------------------------------
def _column(sheet: Sheet | None, header: list[str], rest: tuple[PathPart, ...]) -> int:
    names = [p for p in rest if isinstance(p, str)]
    if sheet is None:  # Settings: the value column
        return header.index("value") + 1 if "value" in header else 2
    for n in range(len(names), 0, -1):
        name = ".".join(names[:n])
        if sheet.table is not None:
            name = column_of(sheet.table, name)
        if name in header:
            return header.index(name) + 1
        nested = [h for h in header if h.startswith(name + ".")]
        if nested:
            return header.index(nested[0]) + 1
    return 1


def place(col: Collected, issue: Issue) -> Issue:
    """Put an issue with an element path at the cell it came from (``Sheet!C17``)."""
    if issue.location is not None:
        return issue
    path = issue.path
    for n in range(len(path), 0, -1):
        hit = col.places.get(path[:n])
        if hit is not None:
            name, row = hit
            sheet = SHEET_BY_NAME.get(name)
            header = col.headers.get(name, [])
            c = _column(sheet, header, path[n:])
            if row == 1 and sheet is not None and path[n:] == ():
                c = 1
            return issue.at(cell_name(name, row, c), (name, row, c))
    if path and path[0] == "policy":
        return issue.at(cell_name(SETTINGS, 1, 1), (SETTINGS, 1, 1))
    if path and isinstance(path[0], str) and path[0] in {s.path[0] for s in SHEETS} \
            and path[0] != "policy":
        sheet = next(s for s in SHEETS if s.path[0] == path[0])
        return issue.at(cell_name(sheet.name, 1, 1), (sheet.name, 1, 1))
    row = col.settings_rows.get(".".join(str(p) for p in path if isinstance(p, str)), 1)
    return issue.at(cell_name(SETTINGS, row, 2 if row > 1 else 1), (SETTINGS, row, 2))
