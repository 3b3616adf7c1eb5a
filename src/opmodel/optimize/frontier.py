"""The efficient frontier: the best plan's value as the budget is scaled (parallel solves).

Every budget line is multiplied by the scale; everything else stays. Scales are solved in
separate processes (one HiGHS thread each). A plan that fits a smaller budget also fits a
larger one, so when a time-limited solve at a larger scale finds less than a smaller scale
did, the smaller scale's plan is carried up (marked ``carried``): the frontier never goes
down with the budget, and every point is a real, feasible plan.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InfeasibleError, InputError, OptimizationError
from ..model import Enterprise
from .solve import SolveOptions

DEFAULT_SCALES = tuple(round(0.5 + 0.1 * k, 2) for k in range(11))


@dataclass(frozen=True)
class FrontierPoint:
    scale: float
    budget: float
    value: float | None
    bound: float | None
    status: str
    """"optimal", "feasible, gap …", "infeasible: …" or "no plan: …"."""
    funded: int
    spend: float
    start: tuple[int, ...] | None
    carried: bool = False


@dataclass(frozen=True)
class Frontier:
    points: tuple[FrontierPoint, ...]
    current: float = 1.0
    """The scale of today's budget (marked on charts)."""

    def to_rows(self) -> list[dict[str, Any]]:
        return [{"scale": p.scale, "budget": p.budget, "value": p.value, "bound": p.bound,
                 "status": p.status, "funded": p.funded, "spend": p.spend,
                 "carried": p.carried, "current": abs(p.scale - self.current) < 1e-9}
                for p in self.points]


def scaled(e: Enterprise, scale: float) -> Enterprise:
    """``e`` with every budget line multiplied by ``scale``."""
    budgets = tuple(b.model_copy(update={"amount": b.amount * scale}) for b in e.budgets)
    return e.model_copy(update={"budgets": budgets})


def _solve(args: tuple[Enterprise, float, SolveOptions]) -> FrontierPoint:
    from .optimizer import optimize

    e, scale, opts = args
    budget = float(sum(b.amount for b in e.budgets)) * scale
    try:
        p = optimize(scaled(e, scale), opts, with_baselines=False)
    except InfeasibleError as exc:
        return FrontierPoint(scale, budget, None, None, "infeasible: "
                             + exc.message.split("\n")[-1].strip(" -"), 0, 0.0, None)
    except OptimizationError as exc:
        return FrontierPoint(scale, budget, None, None, f"no plan: {exc.message}", 0, 0.0, None)
    return FrontierPoint(scale, budget, p.objective, p.bound, p.status_text, len(p.selected),
                         p.total_spend, tuple(int(s) for s in p.start))


def frontier(e: Enterprise, scales: tuple[float, ...] | list[float] = DEFAULT_SCALES,
             options: SolveOptions | None = None, processes: int = 2) -> Frontier:
    """Value of the best plan at each budget ``scale`` (1.0 = today's budget)."""
    if not scales:
        raise InputError("no budget scales given", hint="e.g. 0.5 to 1.5")
    if any(s < 0 for s in scales):
        raise InputError("budget scales must not be negative")
    opts = options or SolveOptions(time_limit=30.0)
    ordered = sorted(set(float(s) for s in scales))
    if processes > 1 and len(ordered) > 1:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        opts1 = dataclasses.replace(opts, threads=1)
        ctx = mp.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(processes, len(ordered)), mp_context=ctx) as ex:
            points = list(ex.map(_solve, [(e, s, opts1) for s in ordered]))
    else:
        points = [_solve((e, s, opts)) for s in ordered]
    return Frontier(tuple(_monotone(e, points)))


def _monotone(e: Enterprise, points: list[FrontierPoint]) -> list[FrontierPoint]:
    """Carry a smaller budget's plan up where a larger budget's solve found less."""
    out: list[FrontierPoint] = []
    best: FrontierPoint | None = None
    for p in points:
        if best is not None and best.value is not None and \
                (p.value is None or p.value < best.value - 1e-9):
            if p.status.startswith("infeasible"):  # cannot happen: smaller budget was feasible
                out.append(p)
                continue
            p = dataclasses.replace(p, value=best.value, funded=best.funded, spend=best.spend,
                                    start=best.start, carried=True,
                                    status=f"{p.status}; plan of scale {best.scale:g} kept")
        out.append(p)
        if p.value is not None and (best is None or best.value is None
                                    or p.value >= best.value):
            best = p
    assert all(np.isfinite(p.budget) for p in out)
    return out
