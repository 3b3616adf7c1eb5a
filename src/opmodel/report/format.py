"""How the report writes numbers: money scaled to k / M / bn from the model's ``unit``
("thousands" by default), and shares as percentages. Used by every part of the report
(findings, tables, HTML, workbook); imports nothing of the report."""

from __future__ import annotations

import math

UNIT_FACTOR = {"ones": 1.0, "units": 1.0, "unit": 1.0, "": 1.0, "thousands": 1e3,
               "thousand": 1e3, "k": 1e3, "millions": 1e6, "million": 1e6, "m": 1e6,
               "billions": 1e9, "billion": 1e9, "bn": 1e9}


def money(x: float | None, currency: str, unit: str) -> str:
    """``35396`` (thousands of USD) → ``USD 35.4 M``."""
    if x is None or not math.isfinite(x):
        return "–"
    f = UNIT_FACTOR.get(unit.strip().lower())
    if f is None:
        return f"{x:,.0f} {currency} {unit}"
    v = x * f
    sign = "−" if v < 0 else ""
    a = abs(v)
    for size, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if a >= size:
            n = a / size
            digits = 0 if n >= 100 else 1 if n >= 10 else 2
            return f"{sign}{currency} {n:,.{digits}f} {suffix}"
    return f"{sign}{currency} {a:,.0f}"


def pct(x: float | None, digits: int = 0) -> str:
    """A share (0.42) as ``42 %``."""
    if x is None or not math.isfinite(x):
        return "–"
    return f"{100 * x:.{digits}f} %"


__all__ = ["UNIT_FACTOR", "money", "pct"]
