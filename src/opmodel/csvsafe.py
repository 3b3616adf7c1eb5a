"""Every CSV file opmodel writes, safe to open in a spreadsheet (docs/output.md).

A spreadsheet (Excel, LibreOffice Calc, Google Sheets) reads a cell that starts with ``=``,
``+``, ``-`` or ``@`` as a formula, and a leading tab or carriage return can hide one:
``=HYPERLINK("http://…", "Order capture")`` in a capability's name, or
``=cmd|' /C calc'!A0`` in an assessment's note returned by a survey, would run when the CIO
office opens ``gaps --format csv`` or ``assessments.csv``. OWASP's rule ("CSV Injection")
is applied here, once, for every CSV writer — the command line's ``--format csv``, the
tables of ``plan --dir``, and the tables of a model folder:

- a text cell that starts with one of those characters (after any spaces or quotes of its
  own) is written with a single quote in front, ``'=HYPERLINK(…)``: the spreadsheet shows
  it as text (the quote is its "this is text" mark), never as a formula;
- numbers stay numbers: a cell that is a number as written (``-120``, ``-0.25``,
  ``+3``, ``1e-05``) gets no quote, so a spreadsheet still sums it;
- a text cell that holds a separator (``;`` or a tab: the separator of Excel in many
  countries) followed by such a character is quoted, so it is not split into a second cell
  that starts a formula.

Reading a model folder's CSV undoes the quote (:func:`restore`): a name written as
``'=x`` reads back as ``=x``, and text that begins with a quote of its own keeps it (it
was written with one more). ``--format json`` carries every text exactly as it is.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

#: what a spreadsheet reads as the start of a formula (OWASP: = + - @ tab CR)
TRIGGERS = "=+-@\t\r"
_FORMULA = re.compile(r"[ ]*[=+\-@]|[\t\r]")
_QUOTED = re.compile(r"'*(?:[ ]*[=+\-@]|[\t\r])")  # the same after quotes of its own
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_SPLIT = re.compile(r"[;\t]")


def dangerous(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as a formula (a number is not one)."""
    return _FORMULA.match(text) is not None and _NUMBER.fullmatch(text) is None


def defuse(text: str) -> str:
    """``text`` as a cell that a spreadsheet shows as text: a quote in front where it
    would start a formula (and where it begins with quotes of its own before such a
    character, so that :func:`restore` gives it back whole); a number, or any other text,
    as it is."""
    if _QUOTED.match(text) and _NUMBER.fullmatch(text) is None:
        return "'" + text
    return text


def restore(text: str) -> str:
    """What :func:`defuse` wrote, read back: the quote it added taken off (only there)."""
    return text[1:] if text[:1] == "'" and _QUOTED.match(text) else text


def cell(value: Any) -> str:
    """A value as the text of a cell: numbers as the JSON writes them (all their digits;
    a whole number without ``.0``), not finite or None empty, lists joined by ``;``,
    mappings as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) or type(value).__name__.startswith("float"):
        v = float(value)
        if not math.isfinite(v):
            return ""
        return str(int(v)) if v.is_integer() and abs(v) < 1e16 else repr(v)
    if isinstance(value, list | tuple):
        return ";".join(cell(x) for x in value)
    if isinstance(value, Mapping):
        from .jsonable import default

        return json.dumps(value, default=default, ensure_ascii=False)
    if not isinstance(value, str):
        try:
            if value != value:  # a missing value of a table (NaT): empty, as pandas writes it
                return ""
        except (TypeError, ValueError):  # pandas' NA has no truth value: missing too
            return ""
    return str(value)


def _field(text: str) -> str:
    text = defuse(text)
    if any(c in text for c in ',"\n\r') or any(
            dangerous(part) for part in _SPLIT.split(text)[1:]):
        return '"' + text.replace('"', '""') + '"'
    return text


def line(cells: Iterable[str], ending: str = "\n") -> str:
    """One CSV row of text cells (RFC 4180 quoting, as Python's csv module writes it, and
    every cell defused)."""
    out = [_field(c) for c in cells]
    if out == [""]:
        out = ['""']  # a row of one empty cell is not a blank line
    return ",".join(out) + ending


def table(header: Iterable[str], rows: Iterable[Iterable[Any]], ending: str = "\n") -> str:
    """A whole CSV text: the header, then each row's values (:func:`cell`)."""
    return line(header, ending) + "".join(line((cell(v) for v in r), ending) for r in rows)


def records(rows: Iterable[Mapping[str, Any]], fields: list[str] | None = None) -> str:
    """Dicts as a CSV text: the columns ``fields`` (default: every key, in the order first
    met); a missing key is an empty cell. No rows and no fields: an empty text."""
    rows = list(rows)
    if fields is None:
        fields = []
        for r in rows:
            fields += [k for k in r if k not in fields]
    if not fields:
        return ""
    return table(fields, ([r.get(k) for k in fields] for r in rows))


__all__ = ["TRIGGERS", "cell", "dangerous", "defuse", "line", "records", "restore", "table"]
