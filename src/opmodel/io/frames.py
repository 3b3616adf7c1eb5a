"""pandas DataFrame views of a model's tables, for analysts in notebooks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..model import Enterprise

if TYPE_CHECKING:
    import pandas as pd

TABLE_NAMES = (
    "business_units", "stages", "capabilities", "objectives", "kpis", "objective_links",
    "segments", "expectations", "assessments", "applications", "application_fits", "usage",
    "initiatives", "effects", "dependencies", "budgets", "teams", "guardrails",
)


def _rows(e: Enterprise, table: str) -> list[dict[str, Any]]:
    dump = _flat
    if table == "kpis":
        return [{"objective": o.id, **dump(k)} for o in e.objectives for k in o.kpis]
    if table == "objective_links":
        return [{"objective": o.id, **dump(link)} for o in e.objectives for link in o.links]
    if table == "objectives":
        return [dump(o, exclude={"kpis", "links"}) for o in e.objectives]
    if table == "effects":
        return [{"initiative": i.id, **dump(f)} for i in e.initiatives for f in i.effects]
    if table == "dependencies":
        return [{"initiative": i.id, "depends_on": d} for i in e.initiatives
                for d in i.depends_on]
    if table == "initiatives":
        return [{**dump(i, exclude={"effects", "team_demand", "cost_range", "cost_profile"}),
                 "total_cost": i.total_cost,
                 "cost_low": i.cost_range.low if i.cost_range else None,
                 "cost_high": i.cost_range.high if i.cost_range else None}
                for i in e.initiatives]
    if table == "teams":
        return [dump(t, exclude={"by_quarter"}) for t in e.policy.teams]
    if table == "guardrails":
        return [dump(g) for g in e.policy.guardrails]
    if table not in TABLE_NAMES:
        raise KeyError(f"no table '{table}'; tables are: {', '.join(TABLE_NAMES)}")
    return [dump(x) for x in getattr(e, table)]


def _flat(obj: Any, exclude: set[str] | None = None) -> dict[str, Any]:
    row = obj.model_dump(exclude=exclude)
    return {k: (";".join(map(str, v)) if isinstance(v, tuple) and all(
        isinstance(x, str) for x in v) else v) for k, v in row.items()}


def frame(e: Enterprise, table: str) -> pd.DataFrame:
    """One table of ``e`` as a DataFrame (lists of ids joined with ';')."""
    import pandas as pd

    rows = _rows(e, table)
    return pd.DataFrame(rows)


def frames(e: Enterprise) -> dict[str, pd.DataFrame]:
    """Every table of ``e`` as a DataFrame, keyed by table name."""
    return {name: frame(e, name) for name in TABLE_NAMES}
