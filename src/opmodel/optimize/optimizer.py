""":func:`optimize`: the funded portfolio of a model, with both baselines beside it."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence

import numpy as np

from ..errors import InfeasibleError, SolverError
from ..model import Enterprise
from .baselines import RANKED, Baseline, baselines
from .diagnose import check_mandatory, diagnose
from .formulation import build_milp
from .instance import END_QUARTERS, Instance, build_instance
from .plan import Plan
from .solve import Progress, SolveOptions, relative_gap, run_highs
from .value import evaluate, marginal_values, violations
from .warm import Hint, warm_start


def optimize(e: Enterprise | Instance, options: SolveOptions | None = None, *,
             progress: Callable[[Progress], None] | None = None,
             end_quarters: int = END_QUARTERS, omega: dict[str, float] | None = None,
             with_baselines: bool = True, hints: Sequence[Hint] = ()) -> Plan:
    """The value-maximizing funded schedule of ``e`` (DESIGN §3, docs/optimize.md).

    Raises :class:`~opmodel.errors.InfeasibleError` naming the conflicting rules when no
    plan exists, and :class:`~opmodel.errors.SolverError` when HiGHS stops without a plan.
    ``progress`` is called about four times a second with the incumbent, bound and gap.
    ``omega`` overrides the scoring weights (as in :func:`opmodel.analysis.score`).
    ``hints`` are earlier plans (``{initiative id: start quarter}``) worth trying as the
    solver's starting plan (:mod:`~opmodel.optimize.warm`); they change where the search
    starts, never what the optimum is worth.
    """
    opts = options or SolveOptions()
    t0 = time.perf_counter()
    if isinstance(e, Instance):
        inst = e
    else:
        scores = None
        if omega is not None:
            from ..analysis import score

            scores = score(e, omega)
        inst = build_instance(e, scores, end_quarters)
    check_mandatory(inst)
    milp = build_milp(inst)
    build_time = time.perf_counter() - t0

    base: dict[str, Baseline] = baselines(milp) if with_baselines else {}
    warm = None
    warm_value = None
    warm_source = ""
    if opts.warm_start:
        ranked = base.get(RANKED)
        if ranked is None and not with_baselines:
            from .baselines import ranked_list

            ranked = ranked_list(milp)
        chosen = warm_start(milp, ranked, opts, hints)
        if chosen is not None:
            warm, warm_value, warm_source = chosen.x, chosen.value, chosen.source
    # the time limit covers the whole call: HiGHS gets what building and baselines left
    left = max(0.1, opts.time_limit - (time.perf_counter() - t0))
    try:
        run = run_highs(milp, dataclasses.replace(opts, time_limit=left), warm, progress)
    except InfeasibleError:
        raise diagnose(inst, opts) from None
    start = _prune(inst, milp.starts_from_solution(run.x))
    broken = violations(inst, start)
    if broken:
        # HiGHS works to a feasibility tolerance: with amounts of very different sizes
        # (1e13 beside 1e-3) it can return a plan that is over a line by less than that
        # tolerance when no plan exists at all. The elastic model says which rules collide.
        err = diagnose(inst, opts)
        if err.conflicts:
            raise err from None
        if not violations(inst, start, tol=_noise(inst)):
            raise InfeasibleError(
                "no plan keeps every rule exactly: the solver's best is outside them by a "
                "rounding margin (" + "; ".join(broken[:3]) + ")",
                hint="amounts in this model differ by more than the solver's precision (about "
                     "1 in 10⁷ of the largest amount); round very small amounts to 0, or check "
                     "budgets that just match the required spend") from None
        raise SolverError("the solver's plan breaks rules of the model: " + "; ".join(broken[:5]),
                          hint="report this as a bug, with the model folder")
    ev = evaluate(inst, start)
    objective = ev.total
    bound = objective if run.solver_status == "kModelEmpty" else max(run.bound, objective)
    gap = relative_gap(objective, bound)
    status = run.status  # the solver's own verdict; the evaluator can only narrow the gap
    return Plan(
        instance=inst, start=start, status=status, objective=objective, bound=bound, gap=gap,
        evaluation=ev, baselines=base, options=opts, solve_time=run.time,
        build_time=build_time, solver_status=run.solver_status,
        size={"rows": milp.n_rows, "columns": milp.n_cols, "nonzeros": milp.nnz,
              "binaries": milp.n_z},
        nodes=run.nodes, warm_start=warm_value, warm_start_source=warm_source,
        solver_objective=run.objective,
        solver_note=run.note,
    )


def _prune(inst: Instance, start: np.ndarray, limit: int = 200) -> np.ndarray:
    """Drop funded initiatives that add no value (the solver may keep them: equal value).

    Only optional ones that nothing funded depends on, one at a time, and only while the
    plan keeps its value and every rule.
    """
    mv = marginal_values(inst, start)
    total = evaluate(inst, start).total
    tol = 1e-9 * max(1.0, abs(total))
    needed = {int(a) for a, b in inst.deps if start[b] >= 0}
    cand = [int(i) for i in np.nonzero((start >= 0) & (mv <= tol) & ~inst.mandatory)[0]
            if int(i) not in needed]
    cand.sort(key=lambda i: (-inst.total_cost[i], inst.ids[i]))
    for i in cand[:limit]:
        trial = start.copy()
        trial[i] = -1
        if evaluate(inst, trial).total >= total - tol and not violations(inst, trial):
            start = trial
    return start


def evaluate_starts(inst: Instance, starts: dict[str, str | None]) -> float:
    """Value of a hand-written schedule ``{initiative id: start quarter or None}``."""
    s = np.full(inst.n, -1, dtype=np.int64)
    for k, q in starts.items():
        if q is not None:
            s[inst.index(k)] = inst.quarters.index(q)
    return evaluate(inst, s).total


def _noise(inst: Instance) -> float:
    """The violation (relative to a line of at least 1) that HiGHS's feasibility tolerance
    can leave in a model whose largest amount is what it is: 10⁻⁹ of that amount."""
    amounts = [abs(r.amount) for r in inst.budget_rows]
    if inst.total_cost.size:
        amounts.append(float(np.abs(inst.total_cost).max()))
    return max(1e-9 * max(amounts, default=1.0), 1e-9)
