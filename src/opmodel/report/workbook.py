"""results.xlsx: every table of the report, one sheet each (openpyxl).

Headers are bold on a tinted band and frozen, columns have widths and number formats (money
``#,##0``, shares ``0 %``, priorities ``0.000``), and heat-map columns carry a conditional
colour scale with a fixed range, so the same colour means the same priority on every sheet
and in the charts (yellow → orange → red, square-root-like midpoint).
"""

from __future__ import annotations

import os
from copy import copy
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .tables import Sheet, sheets

if TYPE_CHECKING:
    from .build import ReportData

FORMATS = {"money": "#,##0", "share": "0%", "priority": "0.000", "number": "0.0#",
           "int": "0", "bool": "General", "text": "@"}
HEADER_FILL = "1F3B57"
HOT = ("FFFFCC", "FD8D3C", "800026")
GREEN = ("D73027", "FEE08B", "1A9850")
MAX_WIDTH = 60


def _letter(k: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(k))


def write_sheet(wb: Any, sheet: Sheet) -> None:
    """Append ``sheet`` to the write-only workbook ``wb``."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.formatting.rule import ColorScaleRule
    from openpyxl.styles import Alignment, Font, PatternFill

    ws = wb.create_sheet(sheet.name[:31])
    n = len(sheet.rows)
    ncol = len(sheet.columns)
    for k, col in enumerate(sheet.columns, start=1):
        ws.column_dimensions[_letter(k)].width = col.width or _width(col, sheet.rows, k - 1)
    ws.freeze_panes = f"{_letter(sheet.freeze_columns + 1)}2"
    if n:
        ws.auto_filter.ref = f"A1:{_letter(ncol)}{n + 1}"
    lo, hi = sheet.heat_range
    colours = HOT if sheet.heat_palette == "hot" else GREEN
    mid = lo + (hi - lo) * (0.25 if sheet.heat_palette == "hot" else 0.5)
    names = [c.name for c in sheet.columns]
    for h in sheet.heat:
        if h not in names or not n:
            continue
        letter = _letter(names.index(h) + 1)
        ws.conditional_formatting.add(
            f"{letter}2:{letter}{n + 1}",
            ColorScaleRule(start_type="num", start_value=lo, start_color=colours[0],
                           mid_type="num", mid_value=mid, mid_color=colours[1],
                           end_type="num", end_value=hi, end_color=colours[2]))

    head_font = Font(bold=True, color="FFFFFF")
    head_fill = PatternFill("solid", fgColor=HEADER_FILL)
    head_align = Alignment(vertical="center", wrap_text=True)
    header = []
    for k, c in enumerate(sheet.columns):
        cell = WriteOnlyCell(ws, value=c.name)
        cell.font, cell.fill, cell.alignment = head_font, head_fill, head_align
        if k == 0 and sheet.note:
            cell.comment = _comment(sheet.note)
        header.append(cell)
    ws.append(header)

    # one style per column, built once and copied into each cell (setting number_format
    # cell by cell costs openpyxl a registry lookup each time)
    fmts = [FORMATS[c.fmt] if c.fmt not in ("text", "bool") else None for c in sheet.columns]
    wrap = [bool(c.width and c.width >= 60) for c in sheet.columns]
    wrap_align = Alignment(wrap_text=True, vertical="top")
    protos: dict[int, Any] = {}
    for k in range(ncol):
        if fmts[k] or wrap[k]:
            proto = WriteOnlyCell(ws)
            if fmts[k]:
                proto.number_format = fmts[k]
            if wrap[k]:
                proto.alignment = wrap_align
            protos[k] = proto._style
    for row in sheet.rows:
        out = [_value(v) for v in row]
        for k, style in protos.items():
            v = out[k]
            if v is None or (fmts[k] and not isinstance(v, int | float)):
                continue
            cell = WriteOnlyCell(ws, value=v)
            cell._style = copy(style)
            out[k] = cell
        ws.append(out)


def _comment(text: str) -> Any:
    from openpyxl.comments import Comment

    return Comment(text, "opmodel")


def _value(v: Any) -> Any:
    if isinstance(v, float):
        return round(v, 6)
    if isinstance(v, tuple | list):
        return "; ".join(str(x) for x in v)
    if isinstance(v, dict):
        return "; ".join(f"{k}={x}" for k, x in v.items())
    return v


def _width(col: Any, rows: list[list[Any]], k: int) -> float:
    longest = len(col.name)
    for r in rows[:200]:
        v = r[k]
        if v is None:
            continue
        text = f"{v:,.2f}" if isinstance(v, float) else str(v)
        longest = max(longest, len(text))
    return float(min(MAX_WIDTH, max(8, longest + 2)))


def write_workbook(d: ReportData, path: str | os.PathLike[str]) -> Path:
    """Write results.xlsx for the report data ``d`` (the file is replaced whole)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for sh in sheets(d):
        write_sheet(wb, sh)
    wb.properties.title = f"{d.enterprise.name} — planning results"
    wb.properties.creator = f"opmodel {d.version}"
    p = Path(path)
    tmp = p.with_name(f".{p.name}.tmp")
    wb.save(tmp)
    os.replace(tmp, p)
    return p


__all__ = ["write_sheet", "write_workbook"]
