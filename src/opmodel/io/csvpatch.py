"""Rewriting some rows of ``assessments.csv`` and nothing else.

A survey merge changes one business unit's rows. :func:`patched_csv` replaces exactly those
lines (and adds new rows after them), keeping every other line byte for byte — quoting, line
endings, column order — so the git diff shows only what changed. :func:`write_text_atomic`
puts the result in place through a temporary file and ``os.replace``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pydantic import ValidationError

from ..csvsafe import line, restore
from ..model import Assessment
from .tables import ASSESSMENTS, cells_to_record, record_to_cells


def _csv_line(cells: list[str], ending: str) -> str:
    return line(cells, ending)  # as every CSV of opmodel: safe to open in a spreadsheet


def full_text(assessments: tuple[Assessment, ...]) -> str:
    """The whole file, written afresh with the canonical columns."""
    return "".join(_csv_line(r, "\n") for r in (
        list(ASSESSMENTS.columns), *(record_to_cells(ASSESSMENTS, a) for a in assessments)))


def patched_csv(text: str, business_unit: str, touched: dict[str, Assessment],
                assessments: tuple[Assessment, ...]) -> str:
    """``assessments.csv`` with the unit's rows replaced and new rows added after them;
    every other line is kept byte for byte. Falls back to a full rewrite when the file's
    header lacks a column the new rows need."""
    lines = list(io.StringIO(text, newline=""))
    reader = csv.reader(iter(lines))
    try:
        header = [h.strip() for h in next(reader)]
    except (StopIteration, csv.Error):
        return full_text(assessments)
    ending = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    if not {"capability", "business_unit"} <= set(header) or any(
            _in_header(a, header) != a for a in touched.values()):
        return full_text(assessments)  # the file lacks a column the new rows need
    k_cap, k_bu = header.index("capability"), header.index("business_unit")
    out = lines[:reader.line_num]
    pos = reader.line_num
    pending = dict(touched)
    last_unit_at: int | None = None
    for cells in reader:
        chunk = "".join(lines[pos:reader.line_num])
        pos = reader.line_num
        if len(cells) > max(k_cap, k_bu) and cells[k_bu].strip() == business_unit and \
                cells[k_cap].strip() in pending:
            a = pending.pop(cells[k_cap].strip())
            row = dict(zip(ASSESSMENTS.columns, record_to_cells(ASSESSMENTS, a), strict=True))
            out.append(_csv_line([row.get(h, "") for h in header], ending))
            last_unit_at = len(out)
        else:
            if len(cells) > max(k_cap, k_bu) and cells[k_bu].strip() == business_unit:
                last_unit_at = len(out) + 1
            out.append(chunk)
    if out and not out[-1].endswith(("\n", "\r")):
        out[-1] += ending
    added = []
    for a in pending.values():
        row = dict(zip(ASSESSMENTS.columns, record_to_cells(ASSESSMENTS, a), strict=True))
        added.append(_csv_line([row.get(h, "") for h in header], ending))
    at = last_unit_at if last_unit_at is not None else len(out)
    return "".join(out[:at] + added + out[at:])


def _in_header(a: Assessment, header: list[str]) -> Assessment | None:
    """``a`` as it reads back from a row with only the columns of ``header``."""
    row = dict(zip(ASSESSMENTS.columns, record_to_cells(ASSESSMENTS, a), strict=True))
    try:
        return Assessment.model_validate(
            cells_to_record(ASSESSMENTS, header, [row.get(h, "") for h in header]))
    except ValidationError:
        return None


def check_csv(text: str, assessments: tuple[Assessment, ...]) -> bool:
    """Does ``text`` read back as exactly ``assessments``? (The safety net of a patch.)"""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header = [h.strip() for h in rows[0]]
    got = [Assessment.model_validate(cells_to_record(ASSESSMENTS, header,
                                                     [restore(c.strip()) for c in r]))
           for r in rows[1:] if r and any(c.strip() for c in r)]
    return tuple(got) == assessments


def write_text_atomic(path: Path, text: str) -> None:
    """Replace ``path`` by ``text`` in one step (:func:`opmodel.io.atomic.write_file`)."""
    from .atomic import write_file

    write_file(path, text)
