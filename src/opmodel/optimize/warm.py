"""The starting plan handed to HiGHS (``setSolution``): the best of a few cheap plans.

HiGHS prunes its tree with the best plan it knows, so a better starting plan shortens the
search; it never changes what the optimum is. The candidates, each a feasible schedule made
by the baselines' greedy scheduler (every rule of the MILP checked, each initiative as
early as the rules allow) and priced by the evaluator:

- the **ranked list** (the baseline itself);
- for small models (``SolveOptions.fast``, at most :data:`~opmodel.optimize.solve.SMALL_MODEL`
  binaries), two **LP-guided** orders: the initiatives by how much of each the LP
  relaxation funds (then how early), ties broken by the ranked list's order;
- for small models, **hints**: earlier plans of the same model (``{id: start quarter}``,
  e.g. the what-ifs already solved in the planning workspace): the plan itself when it
  keeps every rule of this model, else the greedy scheduler with its funded initiatives
  first, in the order they started.

On Acme (budget × 0.8) the LP-guided plan is worth 26,421 against the ranked list's 23,853
(the optimum 28,277), found in about 15 ms.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .baselines import RANKED, Baseline, _ratio_order, _run
from .formulation import Milp
from .solve import SMALL_MODEL, SolveOptions, relaxation
from .value import evaluate, violations

LP_GUIDED = "LP-guided greedy"
HINT = "an earlier plan"
MAX_HINTS = 4
"""Hints tried at most (the first ones given): each costs a rule check and a greedy run."""

Hint = Mapping[str, str | None]
"""An earlier plan: initiative id → start quarter (None or absent: not funded)."""


@dataclass(frozen=True)
class WarmStart:
    """The starting plan chosen: its schedule, column vector, value and where it came from."""

    start: np.ndarray
    x: np.ndarray
    value: float
    source: str


def warm_start(milp: Milp, ranked: Baseline | None, options: SolveOptions,
               hints: Sequence[Hint] = ()) -> WarmStart | None:
    """The most valuable candidate (see the module notes); None when there is none.

    Without ``options.fast`` (or on a large model) this is the ranked list alone, as
    before these candidates existed.
    """
    cands: list[tuple[np.ndarray, float, str]] = []
    if ranked is not None and ranked.start is not None and ranked.value is not None:
        cands.append((ranked.start, ranked.value, RANKED))
    if options.fast and 0 < milp.n_z <= SMALL_MODEL:
        inst = milp.inst
        rank = _ratio_order(inst.money_per_start, inst.total_cost, inst.ids)
        orders = [(o, LP_GUIDED) for o in _lp_orders(milp, options, rank)]
        hints = list(hints)[:MAX_HINTS]
        for start in _hint_plans(milp, hints):  # as they are, where they keep every rule
            cands.append((start, evaluate(inst, start).total, HINT))
        orders += [(o, HINT) for o in _hint_orders(milp, hints, rank)]
        for order, source in orders:
            b = _run(milp, order, None, None, source)
            if b.feasible and b.value is not None:
                cands.append((b.start, b.value, source))  # type: ignore[arg-type]
    if not cands:
        return None
    # the first of equally good candidates (the ranked list before the others)
    best = max(range(len(cands)), key=lambda k: (cands[k][1], -k))
    start, value, source = cands[best]
    return WarmStart(start, milp.solution_from_starts(start), value, source)


def _lp_orders(milp: Milp, options: SolveOptions, rank: list[int]) -> list[list[int]]:
    x = relaxation(milp, options)
    if x is None:
        return []
    inst = milp.inst
    z = x[: milp.n_z]
    has = milp.zoff >= 0
    funded = np.zeros(inst.n)
    last = milp.zoff + inst.latest - inst.earliest
    funded[has] = z[last[has]]
    early = np.zeros(inst.n)  # Σ_τ z[i,τ]: larger when started earlier
    np.add.at(early, milp.col_init, z)
    pos = {i: k for k, i in enumerate(rank)}
    ids = range(inst.n)
    return [sorted(ids, key=lambda i: (-round(float(funded[i]), 6), pos[i])),
            sorted(ids, key=lambda i: (-round(float(funded[i]), 3), -float(early[i]), pos[i]))]


def _hint_plans(milp: Milp, hints: Sequence[Hint]) -> list[np.ndarray]:
    inst = milp.inst
    index = {k: i for i, k in enumerate(inst.ids)}
    qpos = {q: t for t, q in enumerate(inst.quarters)}
    out: list[np.ndarray] = []
    for hint in hints:
        start = np.full(inst.n, -1, dtype=np.int64)
        fits = True
        for k, q in hint.items():
            if q is None:
                continue
            if k not in index or q not in qpos:
                fits = False
                break
            start[index[k]] = qpos[q]
        on = start >= 0
        if fits and on.any() and inst.schedulable[on].all() and (milp.zoff[on] >= 0).all() \
                and not violations(inst, start):
            out.append(start)
    return out


def _hint_orders(milp: Milp, hints: Sequence[Hint], rank: list[int]) -> list[list[int]]:
    inst = milp.inst
    index = {k: i for i, k in enumerate(inst.ids)}
    qpos = {q: t for t, q in enumerate(inst.quarters)}
    pos = {i: k for k, i in enumerate(rank)}
    out: list[list[int]] = []
    seen: set[tuple[int, ...]] = set()
    for hint in hints:
        first = sorted((qpos.get(q, len(qpos)), pos[index[k]], index[k]) for k, q in hint.items()
                       if q is not None and k in index)
        head = [i for _, _, i in first]
        if not head:
            continue
        taken = set(head)
        order = head + [i for i in rank if i not in taken]
        if tuple(order) not in seen:
            seen.add(tuple(order))
            out.append(order)
    return out
