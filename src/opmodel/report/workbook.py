"""results.xlsx: every table of the report, one sheet each (openpyxl).

Headers are bold on a tinted band and frozen, columns have widths and number formats (money
``#,##0``, shares ``0 %``, priorities ``0.000``), and heat-map columns carry a conditional
colour scale with a fixed range, so the same colour means the same priority on every sheet
and in the charts (yellow → orange → red, square-root-like midpoint).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .tables import Sheet, sheets

if TYPE_CHECKING:
    from .data import ReportData
    from .findings import Findings

FORMATS = {"money": "#,##0", "share": "0%", "priority": "0.000", "number": "0.0#",
           "int": "0", "bool": "General", "text": "@"}
HEADER_FILL = "1F3B57"
HOT = ("FFFFCC", "FD8D3C", "800026")
GREEN = ("D73027", "FEE08B", "1A9850")
MAX_WIDTH = 60


def _letter(k: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(k))


def write_sheet(wb: Any, sheet: Sheet) -> bytes:
    """Append ``sheet`` to the write-only workbook ``wb``: its header and settings; returns
    the XML of its data rows (see :func:`write_workbook`)."""
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

    # one style per column (a number format, a wrapped text column), registered once
    fmts = [FORMATS[c.fmt] if c.fmt not in ("text", "bool") else None for c in sheet.columns]
    wrap = [bool(c.width and c.width >= 60) for c in sheet.columns]
    wrap_align = Alignment(wrap_text=True, vertical="top")
    styles: list[int | None] = []
    for k in range(ncol):
        if fmts[k] or wrap[k]:
            proto = WriteOnlyCell(ws)
            if fmts[k]:
                proto.number_format = fmts[k]
            if wrap[k]:
                proto.alignment = wrap_align
            styles.append(proto.style_id)
        else:
            styles.append(None)
    return rows_xml(sheet.rows, styles, [f is not None for f in fmts])


_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SPECIAL = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(v: str) -> str:
    """An inline string's ``<is>`` element (cut at Excel's 32,767 characters for a cell:
    the text's own characters, before escaping, so no ``&amp;`` is cut in two)."""
    if _SPECIAL.search(v):
        v = _ILLEGAL.sub("", v)[:32767]  # characters XML cannot hold
        v = v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    else:
        v = v[:32767]
    space = ' xml:space="preserve"' if v[:1].isspace() or v[-1:].isspace() else ""
    return f"<is><t{space}>{v}</t></is>"


def rows_xml(rows: list[list[Any]], styles: list[int | None], numeric: list[bool],
             first: int = 2) -> bytes:
    """The ``<row>`` elements of a sheet's data, from row ``first`` on: what openpyxl's
    write-only mode writes (numbers, booleans, inline strings; empty cells left out), at
    a small part of its cost per cell. ``styles`` is each column's style id; a column with
    a number format (``numeric``) styles only its numbers."""
    letters = [_letter(k + 1) for k in range(len(styles))]
    s_num = [f' s="{s}"' if s else "" for s in styles]
    s_str = [f' s="{s}"' if s and not numeric[k] else "" for k, s in enumerate(styles)]
    texts: dict[str, str] = {}  # strings repeat a lot (stages, units, statuses)
    out: list[str] = []
    add = out.append
    for r, row in enumerate(rows, start=first):
        add(f'<row r="{r}">')
        for k, v in enumerate(row):
            if v is None:
                continue
            t = type(v)
            if t is not float and t is not str and t is not int and t is not bool:
                v = _plain(v)
                if v is None:
                    continue
                t = type(v)
            if t is float:
                if v != v or v == math.inf or v == -math.inf:
                    continue
                add(f'<c r="{letters[k]}{r}"{s_num[k]} t="n"><v>{round(v, 6):.16g}</v></c>')
            elif t is str:
                if not v:
                    add(f'<c r="{letters[k]}{r}"{s_str[k]} t="inlineStr"></c>')
                    continue
                x = texts.get(v)
                if x is None:
                    x = texts[v] = _text(v)
                add(f'<c r="{letters[k]}{r}"{s_str[k]} t="inlineStr">{x}</c>')
            elif t is bool:
                add(f'<c r="{letters[k]}{r}"{s_num[k]} t="b"><v>{int(v)}</v></c>')
            else:  # int
                add(f'<c r="{letters[k]}{r}"{s_num[k]} t="n"><v>{v}</v></c>')
        add("</row>")
    return "".join(out).encode("utf-8")


def _plain(v: Any) -> Any:
    """A value as float, int, bool or str (None: leave the cell empty)."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, str):  # a str enum: its value, as a plain str
        return str.__str__(v)
    for kind in (bool, int, float):  # subclasses as the plain type
        if isinstance(v, kind):
            return kind(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    return _value(v)


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


def write_workbook(d: ReportData, path: str | os.PathLike[str],
                   f: Findings | None = None) -> Path:
    """Write results.xlsx for the report data ``d`` and its findings ``f`` (stated again when
    not given); the file is replaced whole.

    openpyxl writes every sheet's header, widths, frozen panes, filters, colour scales,
    notes and the styles; the data rows (10,000 cells × 15 columns on a large model) are
    written as XML by :func:`rows_xml` and put into the sheets afterwards."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    rows: dict[str, bytes] = {}
    dims: dict[str, str] = {}
    for sh in sheets(d, f):
        rows[sh.name[:31]] = write_sheet(wb, sh)
        dims[sh.name[:31]] = f"A1:{_letter(max(1, len(sh.columns)))}{len(sh.rows) + 1}"
    wb.properties.title = f"{d.enterprise.name} — planning results"
    wb.properties.creator = f"opmodel {d.version}"
    p = Path(path)
    tmp = p.with_name(f".{p.name}.tmp")
    part = p.with_name(f".{p.name}.part")
    try:
        wb.save(part)
        _fill(part, tmp, rows, dims)
        os.replace(tmp, p)
    finally:
        part.unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)
    return p


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet title → the zip member of its XML."""
    import xml.etree.ElementTree as ET  # our own file, just written by openpyxl

    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): (r.get("Target") or "") for r in rels.iter(f"{_PKG}Relationship")}
    book = ET.fromstring(z.read("xl/workbook.xml"))
    out = {}
    for sh in book.iter(f"{_MAIN}sheet"):
        t = target.get(sh.get(f"{_REL}id"), "")
        out[sh.get("name") or ""] = t.lstrip("/") if t.startswith("/") else f"xl/{t}"
    return out


def _fill(src: Path, dst: Path, rows: dict[str, bytes],
          dims: dict[str, str] | None = None) -> None:
    """Copy the workbook ``src`` to ``dst`` with each sheet's data rows put after its
    header row, and its used range (``dims``, e.g. ``A1:O10001``) declared, as readers that
    stream a sheet expect."""
    dims = dims or {}
    with zipfile.ZipFile(src) as zin, \
            zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        parts = {part: name for name, part in _sheet_parts(zin).items()}
        for item in zin.infolist():
            data = zin.read(item)
            name = parts.get(item.filename)
            if name is not None:
                extra = rows.get(name)
                if extra:
                    i = data.rindex(b"</sheetData>")
                    data = data[:i] + extra + data[i:]
                ref = dims.get(name)
                i = data.find(b"<sheetViews")
                if ref and i >= 0 and b"<dimension" not in data[:i]:
                    data = data[:i] + f'<dimension ref="{ref}"/>'.encode() + data[i:]
            # fast compression for the large sheets: 3× quicker, the file 30 % larger
            zout.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED,
                          compresslevel=1 if len(data) > 1_000_000 else 6)


__all__ = ["rows_xml", "write_sheet", "write_workbook"]
