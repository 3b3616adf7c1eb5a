"""Workbooks shaped to exhaust memory: openpyxl's read-only rows are padded with empty cells
up to each row's last cell, so one value in column XFD made every row 16,384 values wide
(a 230 KB workbook of 20,000 such rows needed over 2 GB). Rows are now built at most
MAX_COLUMNS wide, kept without trailing empty cells, and a sheet is refused past MAX_CELLS,
each at its cell."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from openpyxl.styles import Font

from opmodel.errors import ModelError
from opmodel.io import xlsx
from opmodel.io.xlsx import open_workbook, sheet_values

XFD = 16_384  # Excel's last column


def _book(tmp_path: Path, rows: list[dict[int, object]], bold: tuple[int, int] | None = None
          ) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet"
    for r, cells in enumerate(rows, start=1):
        for c, v in cells.items():
            ws.cell(row=r, column=c, value=v)
    if bold is not None:  # a formatted cell without a value
        ws.cell(row=bold[0], column=bold[1]).font = Font(bold=True)
    p = tmp_path / "wide.xlsx"
    wb.save(p)
    return p


def _read(p: Path) -> list[tuple[int, list[object]]]:
    wb = open_workbook(p)
    try:
        return sheet_values(wb["Sheet"])
    finally:
        wb.close()


def test_a_value_far_right_is_refused_at_its_cell(tmp_path: Path) -> None:
    p = _book(tmp_path, [{1: "id", 2: "name"}, {1: "a", 2: "A"}, {1: "b", XFD: 7}])
    with pytest.raises(ModelError) as e:
        _read(p)
    (issue,) = e.value.issues
    assert issue.code == "E-XLSX" and issue.location == "Sheet!XFD3", issue


def test_formatting_far_right_is_no_row_width(tmp_path: Path) -> None:
    p = _book(tmp_path, [{1: "id", 2: "name"}, {1: "a", 2: "A"}, {1: "b"}], bold=(3, XFD))
    rows = _read(p)
    assert rows == [(1, ["id", "name"]), (2, ["a", "A"]), (3, ["b"])]


def test_a_sheet_past_the_cell_limit_is_refused_at_the_row(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Counted up to each row's last value: the empty cells between are held too."""
    monkeypatch.setattr(xlsx, "MAX_CELLS", 40)  # the sheet has 7 <c> elements: scan passes
    p = _book(tmp_path, [{1: "h"}] + [{1: k, 30: k} for k in range(3)])
    with pytest.raises(ModelError) as e:
        _read(p)
    (issue,) = e.value.issues
    assert issue.code == "E-XLSX" and issue.location == "Sheet!AD3", issue
    assert "40 cells" in issue.message


def test_formulas_far_right_are_refused_at_their_cell(tmp_path: Path) -> None:
    """Formulas without a calculated value are looked for in a second pass over the sheet,
    which padded its rows the same way."""
    p = _book(tmp_path, [{1: "id"}, {1: "a", XFD: "=1+1"}, {1: "b", XFD: "=2+2"}])
    with pytest.raises(ModelError) as e:
        _read(p)
    assert [i.location for i in e.value.issues] == ["Sheet!XFD2"]



def _padded(p: Path, part: str, extra: bytes, before: bytes) -> None:
    """Rewrite the workbook at ``p`` with ``extra`` inserted before ``before`` in ``part``
    (a new shared-strings part when ``part`` is absent)."""
    with zipfile.ZipFile(p) as z:
        members = {n: z.read(n) for n in z.namelist()}
    if part not in members:
        members[part] = (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                         b'main"></sst>')
        members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
            b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    members[part] = members[part].replace(before, extra + before)
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in members.items():
            z.writestr(n, data)


@pytest.mark.parametrize("limit, part, extra, before", [
    ("MAX_SHARED_STRINGS", "xl/sharedStrings.xml", b"<si><t>x</t></si>" * 30, b"</sst>"),
    ("MAX_PART_ELEMENTS", "xl/styles.xml", b'<xf numFmtId="0" fontId="0"/>' * 2000,
     b"</cellXfs>")])
def test_parts_read_whole_are_bounded_before_reading(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: str, part: str,
        extra: bytes, before: bytes) -> None:
    """openpyxl reads the shared strings and the styles whole, before any row: a 1.4 MB
    survey with 20,000,000 shared strings ran past 5 minutes, a 75 KB one with 200,000
    cell styles took 10 s and 700 MB. Both are now counted while the archive is checked."""
    p = _book(tmp_path, [{1: "id"}, {1: "a"}])
    _padded(p, part, extra, before)
    open_workbook(p).close()  # within the limits
    monkeypatch.setattr(xlsx, limit, 1000 if limit == "MAX_PART_ELEMENTS" else 20)
    with pytest.raises(ModelError) as e:
        open_workbook(p)
    (issue,) = e.value.issues
    assert issue.code == "E-XLSX" and issue.message.startswith(part + " "), issue


@pytest.mark.parametrize("chunk", [1 << 20, 5, 7])
def test_cells_are_counted_before_the_sheet_is_parsed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    """Empty, formatted cells cost openpyxl as much time as full ones and are no row: a
    sheet of them is counted in the archive scan (whatever the chunks it is read in)."""
    p = _book(tmp_path, [{1: "id"}] + [{1: f"r{k}"} for k in range(9)], bold=(3, 5))
    monkeypatch.setattr(xlsx, "_CHUNK", chunk)
    monkeypatch.setattr(xlsx, "MAX_CELLS", 11)  # the sheet has 11 <c> elements
    open_workbook(p).close()
    monkeypatch.setattr(xlsx, "MAX_CELLS", 10)
    with pytest.raises(ModelError) as e:
        open_workbook(p)
    (issue,) = e.value.issues
    assert issue.message.startswith("xl/worksheets/sheet1.xml ") and "10 cells" in issue.message
