"""The result of :func:`opmodel.optimize.optimize`: a funded, scheduled portfolio."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..model.initiative import KINDS
from .baselines import Baseline
from .instance import Instance
from .solve import SolveOptions, Status
from .value import Evaluation, budget_use, spend, spend_by_kind, team_load

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Plan:
    """A funded portfolio with its start quarters, value, spend and solver evidence.

    ``objective`` is the plan's value in money (the model's currency unit), computed from
    the schedule by :func:`~opmodel.optimize.value.evaluate`; ``bound`` is the solver's
    proven upper bound on any plan's value; ``gap`` = (bound − objective) / objective.
    ``status`` is ``"optimal"`` only when the solver proved it.
    """

    instance: Instance
    start: np.ndarray
    status: Status
    objective: float
    bound: float
    gap: float
    evaluation: Evaluation
    baselines: dict[str, Baseline] = field(default_factory=dict)
    options: SolveOptions = field(default_factory=SolveOptions)
    solve_time: float = 0.0
    build_time: float = 0.0
    solver_status: str = ""
    size: dict[str, int] = field(default_factory=dict)
    nodes: int = 0
    warm_start: float | None = None
    """Value of the starting plan handed to the solver, if any."""
    warm_start_source: str = ""
    """Where that plan came from: the ranked list, the LP-guided greedy or an earlier plan
    (:mod:`~opmodel.optimize.warm`)."""
    solver_objective: float = 0.0
    """The MILP objective of the solver's plan before unneeded work is dropped (equal to
    ``objective`` up to tolerances; checked against what HiGHS itself reported)."""
    solver_note: str = ""
    """What the solve needed beyond one plain HiGHS run (e.g. a re-solve), empty if nothing."""
    confidence: Confidence | None = None
    """How the plan was planned to a confidence (None: on the estimates alone); see
    :func:`~opmodel.optimize.confidence.plan_to_confidence`."""

    # -- summaries -----------------------------------------------------------------------
    @property
    def reserve(self) -> float:
        """Money the plan was required to hold back as a management reserve (0 without a
        confidence, or when the plan met it without one)."""
        return self.confidence.required if self.confidence is not None else 0.0

    @property
    def status_text(self) -> str:
        if self.status == "optimal":
            # with a reserve the proof is for the budget less the reserve, not for every
            # plan that meets the confidence
            return "optimal for the budget less the reserve" if self.reserve > 0 else "optimal"
        if not np.isfinite(self.gap):
            return "feasible, no bound proven yet"
        return f"feasible, gap {self.gap:.2%}"

    @property
    def quarters(self) -> tuple[str, ...]:
        return self.instance.quarters

    @property
    def selected(self) -> tuple[str, ...]:
        """Ids of the funded initiatives, in model order."""
        return tuple(i for i, s in zip(self.instance.ids, self.start, strict=True) if s >= 0)

    def start_of(self, initiative_id: str) -> str | None:
        """Start quarter of an initiative (None when not funded)."""
        s = int(self.start[self.instance.index(initiative_id)])
        return self.quarters[s] if s >= 0 else None

    @property
    def spend(self) -> np.ndarray:
        """(pools, T) spend per pool and quarter."""
        return spend(self.instance, self.start)

    @property
    def spend_by_kind(self) -> np.ndarray:
        """(3, T) spend per kind (run, grow, transform) and quarter."""
        return spend_by_kind(self.instance, self.start)

    @property
    def total_spend(self) -> float:
        return float(self.spend.sum())

    def baseline_percent(self, name: str) -> float | None:
        """A baseline's value as a percentage of this plan's value."""
        b = self.baselines.get(name)
        if b is None or b.value is None:
            return None
        if self.objective <= 0:
            return 100.0 if b.value <= 0 else None
        return 100.0 * b.value / self.objective

    # -- tables --------------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """One row per initiative: funded?, start, finish, first quarter of value, cost."""
        import pandas as pd

        return pd.DataFrame(self.schedule_rows())

    def schedule_rows(self) -> list[dict[str, Any]]:
        inst, Q, T = self.instance, self.quarters, self.instance.T
        e = inst.enterprise
        rows = []
        for i, it in enumerate(e.initiatives):
            s = int(self.start[i])
            funded = s >= 0
            end = s + int(inst.duration[i]) - 1
            rows.append({
                "id": it.id, "name": it.name, "kind": it.kind, "owner": it.owner,
                "pool": it.pool, "funded": funded,
                "start": Q[s] if funded else None,
                "finish": Q[end] if funded else None,
                "delivers_from": (Q[end + 1] if end + 1 < T else "after the horizon")
                if funded else None,
                "duration": int(inst.duration[i]), "cost": float(inst.total_cost[i]),
                "mandatory": bool(inst.mandatory[i]),
            })
        return rows

    def budget_rows(self) -> list[dict[str, Any]]:
        """Every budget constraint with the spend counted against it."""
        used = budget_use(self.instance, self.start)
        return [{"constraint": b.label, "pool": self.instance.pools[b.pool],
                 "until": self.quarters[b.last], "budget": b.budget, "spend": float(u),
                 "use": (float(u) / b.budget) if b.budget > 0 else None,
                 **({"required_reserve": b.reserve} if self.confidence is not None else {})}
                for b, u in zip(self.instance.budget_rows, used, strict=True)]

    def spend_rows(self) -> list[dict[str, Any]]:
        """Spend per pool and quarter, beside the quarter's own budget line (if any)."""
        e = self.instance.enterprise
        lines = {(b.pool, b.period): b.amount for b in e.budgets if not b.is_fiscal_year}
        sp = self.spend
        out = []
        for p, pool in enumerate(self.instance.pools):
            for t, q in enumerate(self.quarters):
                out.append({"pool": pool, "quarter": q, "spend": float(sp[p, t]),
                            "budget": lines.get((pool, q))})
        return out

    def mix_rows(self) -> list[dict[str, Any]]:
        """Spend per kind and quarter with its share of the quarter's spend."""
        sk = self.spend_by_kind
        tot = sk.sum(axis=0)
        out = []
        for t, q in enumerate(self.quarters):
            for k, kind in enumerate(KINDS):
                out.append({"quarter": q, "kind": kind, "spend": float(sk[k, t]),
                            "share": float(sk[k, t] / tot[t]) if tot[t] > 0 else None})
        return out

    def team_rows(self) -> list[dict[str, Any]]:
        inst = self.instance
        load = team_load(inst, self.start)
        return [{"team": tm, "quarter": q, "demand": float(load[k, t]),
                 "capacity": float(inst.team_capacity[k, t])}
                for k, tm in enumerate(inst.teams) for t, q in enumerate(self.quarters)]

    def to_dict(self) -> dict[str, Any]:
        """Everything a report needs, as plain JSON-ready data."""
        e = self.instance.enterprise
        ev = self.evaluation

        def num(x: float) -> float | None:
            return float(x) if np.isfinite(x) else None

        return {
            "model": e.name, "currency": e.currency, "unit": e.unit,
            "horizon": list(self.quarters),
            "status": self.status, "status_text": self.status_text,
            "objective": num(self.objective), "bound": num(self.bound), "gap": num(self.gap),
            "solver": {"name": "highs", "status": self.solver_status, "nodes": self.nodes,
                       "solve_seconds": self.solve_time, "build_seconds": self.build_time,
                       "time_limit": self.options.time_limit, "mip_gap": self.options.mip_gap,
                       "seed": self.options.seed, "threads": self.options.threads,
                       "warm_start_value": self.warm_start,
                       "warm_start_from": self.warm_start_source or None,
                       "solver_objective": self.solver_objective, "note": self.solver_note,
                       **self.size},
            "value": {"total": ev.total, "capability": ev.capability, "savings": ev.savings,
                      "direct": ev.direct, "in_horizon": ev.in_horizon,
                      "end_state": ev.end_state, "end_quarters": self.instance.end_quarters,
                      "per_quarter": dict(zip(self.quarters, map(float, ev.per_quarter),
                                              strict=True))},
            "baselines": {name: {"feasible": b.feasible, "value": b.value,
                                 "percent_of_optimum": self.baseline_percent(name),
                                 "note": b.note,
                                 "funded": None if b.start is None else
                                 [i for i, s in zip(self.instance.ids, b.start, strict=True)
                                  if s >= 0]}
                          for name, b in self.baselines.items()},
            "total_spend": self.total_spend,
            "schedule": self.schedule_rows(),
            "budgets": self.budget_rows(),
            "spend": self.spend_rows(),
            "mix": self.mix_rows(),
            "teams": self.team_rows(),
            "confidence": None if self.confidence is None else self.confidence.to_dict(),
        }


@dataclass(frozen=True)
class Confidence:
    """How a plan was planned to a confidence, and what that cost."""

    target: float
    achieved: float
    """P(every fiscal-year line holds at once) of the plan, over ``draws`` seeded draws."""
    certified: bool
    """Whether ``achieved`` ≥ ``target``."""
    draws: int
    seed: int
    lines: list[dict[str, Any]]
    """Per fiscal-year line: budget, reserve, planned spend, P(the line holds)."""
    reserve: float
    """Money held back in all: budget less planned spend over the fiscal-year lines (nested
    cumulative lines counted once)."""
    required: float
    """The part of it the plan was required to hold (the reserve each line was reduced by;
    the rest is money no further work fitted into)."""
    budget: float
    """The budget of the same lines (so ``reserve / budget`` is the share held back)."""
    value: float
    value_without: float
    """Value of the best plan found without a reserve (at least ``value``)."""
    status_without: str
    achieved_without: float
    """P(every fiscal-year line holds) of the plan without a reserve."""
    within_all: float
    """P(no budget row overruns, the year-to-date rows included)."""
    solves: int
    """Solves with a reserve (the plan without one not counted)."""
    note: str = ""
    history: list[dict[str, Any]] = field(default_factory=list)
    plan_without: Plan | None = field(default=None, repr=False, compare=False)
    """The plan without a reserve (the reference for the value given up)."""

    @property
    def value_given_up(self) -> float:
        return self.value_without - self.value

    @property
    def se(self) -> float:
        """Standard error of ``achieved`` (binomial)."""
        p = self.achieved
        return math.sqrt(max(p * (1 - p), 0.0) / self.draws)

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "achieved": self.achieved, "achieved_se": self.se,
                "certified": self.certified, "joint": True, "draws": self.draws,
                "seed": self.seed, "reserve": self.reserve, "required": self.required,
                "budget": self.budget,
                "value": self.value, "value_without": self.value_without,
                "value_given_up": self.value_given_up, "status_without": self.status_without,
                "achieved_without": self.achieved_without, "within_all": self.within_all,
                "solves": self.solves, "note": self.note, "lines": self.lines,
                "history": self.history}
