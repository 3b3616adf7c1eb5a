"""The quarterly roadmap of a plan: Gantt, spend against budget, mix against guardrails, and
the capability heat map as it will stand after each quarter (the TOGAF "plateaus")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..model.initiative import KINDS
from .value import evaluate

if TYPE_CHECKING:
    from .plan import Plan


@dataclass(frozen=True)
class Roadmap:
    """Roadmap tables of one plan (lists of plain rows, ready for JSON, CSV or charts)."""

    quarters: tuple[str, ...]
    gantt: list[dict[str, Any]]
    spend: list[dict[str, Any]]
    mix: list[dict[str, Any]]
    capabilities: tuple[str, ...]
    business_units: tuple[str, ...]
    current: np.ndarray
    """(C, B) maturity today (nan when not assessed)."""
    target: np.ndarray
    level: np.ndarray
    """(T, C, B) maturity after each quarter of the horizon (nan when not assessed)."""
    weight: np.ndarray

    def plateau_rows(self, changed_only: bool = True) -> list[dict[str, Any]]:
        """One row per assessed cell and quarter; ``changed_only`` keeps cells that move."""
        T = len(self.quarters)
        out = []
        for c, cap in enumerate(self.capabilities):
            for b, bu in enumerate(self.business_units):
                cur = self.current[c, b]
                if np.isnan(cur):
                    continue
                if changed_only and self.level[T - 1, c, b] <= cur + 1e-12:
                    continue
                tgt = self.target[c, b]
                for t, q in enumerate(self.quarters):
                    lv = float(self.level[t, c, b])
                    gap = max(0.0, float(tgt) - lv)
                    out.append({"capability": cap, "business_unit": bu, "quarter": q,
                                "current": float(cur), "level": lv, "target": float(tgt),
                                "gap": gap, "priority": float(self.weight[c, b]) * gap / 5.0})
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"quarters": list(self.quarters), "gantt": self.gantt, "spend": self.spend,
                "mix": self.mix, "plateaus": self.plateau_rows()}


def roadmap(plan: Plan) -> Roadmap:
    """The roadmap of ``plan``."""
    from ..analysis import score

    inst = plan.instance
    e = inst.enterprise
    Q = inst.quarters
    T = inst.T
    gantt = []
    for i, it in enumerate(e.initiatives):
        s = int(plan.start[i])
        if s < 0:
            continue
        end = s + int(inst.duration[i]) - 1
        gantt.append({"id": it.id, "name": it.name, "kind": it.kind, "owner": it.owner,
                      "pool": it.pool, "start": Q[s], "finish": Q[end], "start_index": s,
                      "end_index": end, "cost": float(inst.total_cost[i]),
                      "mandatory": it.mandatory})
    gantt.sort(key=lambda r: (r["start_index"], r["end_index"], r["id"]))

    mix = plan.mix_rows()
    for row in mix:
        rules = [g for g in e.policy.guardrails if g.kind == row["kind"]]
        row["min_share"] = max((g.min_share for g in rules if g.min_share is not None),
                               default=None)
        row["max_share"] = min((g.max_share for g in rules if g.max_share is not None),
                               default=None)
    assert all(r["kind"] in KINDS for r in mix)

    sc = score(e, inst.omega)
    current = np.asarray(sc.current, dtype=float)
    target = np.asarray(sc.target, dtype=float)
    assessed = np.asarray(sc.status) == 1
    cur = np.where(assessed, current, np.nan)
    tgt = np.where(assessed, target, np.nan)
    level = np.repeat(cur[None, :, :], T, axis=0)
    ev = evaluate(inst, plan.start)
    is_cell = inst.item_cell[:, 0] >= 0
    for k in np.nonzero(is_cell)[0]:
        c, b = inst.item_cell[k]
        # after quarter t the work finished in t has delivered: column t + 1 of item_level
        level[:, c, b] = cur[c, b] + ev.item_level[k, 1: T + 1]
    return Roadmap(Q, gantt, plan.spend_rows(), mix, tuple(sc.capabilities),
                   tuple(sc.business_units), cur, tgt, level, np.asarray(sc.weight))

