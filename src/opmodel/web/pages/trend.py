"""A capability's assessments over the quarters, per business unit: the archived cycles
(``assessment_history``), the changes on the store's record, and the assessments now —
the records of :func:`opmodel.report.report_charts.assessment_trend_chart`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from ...model.quarter import add_quarters, quarter_index

MEASURES = ("current", "target")


def quarter_of(when: str | dt.date) -> str:
    """``2026-12-06T…`` → ``2026Q4``."""
    d = when if isinstance(when, dt.date) else dt.date.fromisoformat(str(when)[:10])
    return f"{d.year}Q{(d.month - 1) // 3 + 1}"


def trend(e: Any, capability: str, changes: Iterable[Any] = (), today: dt.date | None = None
          ) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """(records, quarters, unit names) of ``capability``'s trend.

    Each archived cycle is a point; a change on record (``changes``: the store's change
    log of assessments, oldest first) is a point in the quarter it was made, the last of a
    quarter winning; the assessments as they stand are the point of *now*: today's quarter,
    or the quarter after the last archived cycle when that is later (an archive is taken
    before the round that replaces it). Changes up to the last archived cycle are covered
    by it; cells marked n/a have no point."""
    names = {u.id: u.name for u in e.business_units}
    points: dict[tuple[str, str, str], tuple[float, str]] = {}
    hist = [h for h in e.assessment_history if h.capability == capability]
    last = max((h.cycle for h in hist), key=quarter_index, default=None)
    now = quarter_of(today or dt.date.today())
    if last is not None and quarter_index(now) <= quarter_index(last):
        now = add_quarters(last, 1)
    for h in hist:
        for m in MEASURES:
            v = getattr(h, m)
            if h.applicable and v is not None:
                points[(h.business_unit, h.cycle, m)] = (float(v), f"archived in {h.cycle}")
    for c in changes:
        cap, _, unit = str(c.key).partition("/")
        if cap != capability or c.field not in MEASURES or not isinstance(
                c.new, int | float) or isinstance(c.new, bool):
            continue
        q = quarter_of(c.at)
        if last is not None and quarter_index(q) <= quarter_index(last):
            continue
        if quarter_index(q) >= quarter_index(now):
            continue  # now's point holds it
        points[(unit, q, c.field)] = (float(c.new), f"r{c.revision} by {c.who}")
    for a in e.assessments:
        if a.capability != capability or not a.applicable:
            continue
        for m in MEASURES:
            v = getattr(a, m)
            if v is not None:
                points[(a.business_unit, now, m)] = (float(v), "now")
    quarters = sorted({q for _, q, _ in points}, key=quarter_index)
    units = [u.id for u in e.business_units if any(k[0] == u.id for k in points)]
    records = [{"unit": names.get(u, u), "quarter": q + (" (now)" if q == now else ""),
                "measure": m, "value": v, "source": src}
               for (u, q, m), (v, src) in sorted(points.items(), key=lambda kv: (
                   kv[0][0], quarter_index(kv[0][1]), kv[0][2]))]
    labels = [q + (" (now)" if q == now else "") for q in quarters]
    return records, labels, [names.get(u, u) for u in units]
