"""Quarters such as ``2027Q1``: parsing, arithmetic and the planning horizon.

Quarters stay plain strings in the model (they sort correctly and round-trip unchanged);
these helpers turn them into consecutive integers for arithmetic.
"""

from __future__ import annotations

import re

QUARTER_RE = re.compile(r"^(\d{4})Q([1-4])$")


def is_quarter(text: str) -> bool:
    return bool(QUARTER_RE.match(text))


def quarter_index(q: str) -> int:
    """``2027Q1`` → 8108 (year × 4 + quarter − 1); consecutive quarters differ by one."""
    m = QUARTER_RE.match(q)
    if not m:
        raise ValueError(f"'{q}' is not a quarter like 2027Q1")
    return int(m.group(1)) * 4 + int(m.group(2)) - 1


def quarter_from_index(i: int) -> str:
    return f"{i // 4}Q{i % 4 + 1}"


def add_quarters(q: str, n: int) -> str:
    return quarter_from_index(quarter_index(q) + n)


def quarters_between(a: str, b: str) -> int:
    """Number of quarters from ``a`` to ``b`` (``b`` − ``a``)."""
    return quarter_index(b) - quarter_index(a)


def fiscal_year_of(q: str, fiscal_year_start: int = 1) -> int:
    """The fiscal year a quarter belongs to, named after the calendar year it ends in.

    With ``fiscal_year_start=1`` the fiscal year is the calendar year; with 3 (July), 2027Q3
    belongs to FY2028.
    """
    idx = quarter_index(q)
    year, qn = divmod(idx, 4)
    return year if fiscal_year_start == 1 or qn + 1 < fiscal_year_start else year + 1
