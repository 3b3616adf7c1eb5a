"""A model at a glance (``opmodel show``): counts, the value chain with its mean gaps, the
business units with what they assessed, and the portfolio by kind against the budget."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ..model import Enterprise


@dataclass(frozen=True, slots=True)
class StageLine:
    stage: str
    name: str
    capabilities: int
    assessed: int  #: cells with a gap value (current and target given)
    mean_gap: float | None


@dataclass(frozen=True, slots=True)
class UnitLine:
    business_unit: str
    name: str
    weight: float | None
    assessed: int
    not_applicable: int
    applications: int


@dataclass(frozen=True, slots=True)
class KindLine:
    kind: str
    initiatives: int
    total_cost: float
    mandatory: int


@dataclass(frozen=True, slots=True)
class Overview:
    model: str
    description: str | None
    currency: str
    unit: str
    horizon: dict[str, Any]
    counts: dict[str, int]
    stages: tuple[StageLine, ...]
    business_units: tuple[UnitLine, ...]
    portfolio: tuple[KindLine, ...]
    budget: float
    pools: int
    demand: float

    def to_dict(self) -> dict[str, Any]:
        return {**{k: getattr(self, k) for k in ("model", "description", "currency", "unit",
                                                  "horizon", "counts", "budget", "pools",
                                                  "demand")},
                "stages": [asdict(s) for s in self.stages],
                "business_units": [asdict(b) for b in self.business_units],
                "portfolio": [asdict(k) for k in self.portfolio]}


def overview(e: Enterprise) -> Overview:
    """The readable summary of ``e`` as data."""
    caps_by_stage: dict[str, int] = {}
    for c in e.capabilities:
        caps_by_stage[c.stage] = caps_by_stage.get(c.stage, 0) + 1
    stage_of = {c.id: c.stage for c in e.capabilities}
    gaps: dict[str, list[float]] = {}
    assessed: dict[str, int] = {}
    na: dict[str, int] = {}
    for a in e.assessments:
        if a.gap is not None:
            gaps.setdefault(stage_of[a.capability], []).append(a.gap)
        if a.assessed:
            assessed[a.business_unit] = assessed.get(a.business_unit, 0) + 1
        elif not a.applicable:
            na[a.business_unit] = na.get(a.business_unit, 0) + 1
    apps: dict[str, int] = {}
    for app in e.applications:
        for b in app.business_units:
            apps[b] = apps.get(b, 0) + 1
    stages = tuple(
        StageLine(s.id, s.name, caps_by_stage.get(s.id, 0), len(gaps.get(s.id, [])),
                  sum(gaps[s.id]) / len(gaps[s.id]) if gaps.get(s.id) else None)
        for s in e.ordered_stages)
    units = tuple(UnitLine(b.id, b.name, b.weight, assessed.get(b.id, 0), na.get(b.id, 0),
                           apps.get(b.id, 0)) for b in e.business_units)
    kinds = []
    for kind in ("run", "grow", "transform"):
        its = [i for i in e.initiatives if i.kind == kind]
        kinds.append(KindLine(kind, len(its), float(sum(i.total_cost for i in its)),
                              sum(1 for i in its if i.mandatory)))
    h = e.horizon
    return Overview(
        e.name, e.description, e.currency, e.unit,
        {"start": h.start, "end": h.end, "quarters": h.quarters}, e.summary(), stages, units,
        tuple(kinds), float(sum(b.amount for b in e.budgets)), len(e.pools),
        float(sum(i.total_cost for i in e.initiatives)))
