"""Why no plan exists: the rules that collide, named, with the amounts.

Two steps. First the cheap, exact checks: a mandatory initiative that cannot be scheduled at
all (its window is empty — deadline against duration, dependencies, the horizon end — or it
depends on something forbidden). Then an *elastic* solve: the same MILP with a slack on
every budget, capacity, guardrail and exclusion row, minimizing the (scaled) total slack
while the mandatory work stays mandatory. The rows left with slack are the conflict, and the
slack is how much would have to give (extra budget, capacity, share).
"""

from __future__ import annotations

import numpy as np

from ..errors import InfeasibleError, OptimizationError
from ..model.initiative import KINDS
from .formulation import build_milp
from .instance import Instance
from .solve import SolveOptions, run_highs
from .value import spend_by_initiative

HINT = "make one of the named initiatives optional, or give more budget or capacity where named"


def impossible_mandatory(inst: Instance) -> list[str]:
    return [f"mandatory initiative '{inst.ids[i]}' cannot be scheduled: {why}"
            for i, why in sorted(inst.impossible.items()) if inst.mandatory[i]]


def check_mandatory(inst: Instance) -> None:
    """Raise :class:`InfeasibleError` when a mandatory initiative has no allowed start."""
    reasons = impossible_mandatory(inst)
    if reasons:
        raise InfeasibleError(_message(reasons), hint=HINT)


def diagnose(inst: Instance, options: SolveOptions | None = None) -> InfeasibleError:
    """The error to raise for an infeasible model, naming the conflicting rules."""
    reasons = impossible_mandatory(inst)
    if reasons:
        return InfeasibleError(_message(reasons), hint=HINT)
    opts = options or SolveOptions()
    m = build_milp(inst, elastic=True)
    try:
        run = run_highs(m, SolveOptions(time_limit=min(opts.time_limit, 30.0), mip_gap=1e-6,
                                        threads=opts.threads, seed=opts.seed))
    except OptimizationError:
        return InfeasibleError("no plan satisfies every rule of the model, and the conflicting "
                               "rules could not be isolated in time", hint=HINT)
    slack = run.x[m.n_cols - m.n_slack:] if m.n_slack else np.zeros(0)
    start = m.starts_from_solution(run.x)
    needed = [(int(r), float(s)) for r, s in zip(m.slack_row, slack, strict=True) if s > 1e-6]
    ids = inst.ids
    i_, t_, amt = spend_by_initiative(inst, start)
    for r, s in needed:
        block, k = m.block_of(r)
        if block.family == "budget":
            row = inst.budget_rows[k]
            qs = {t for a, b in row.pieces for t in range(a, b + 1)}
            who = sorted({ids[i] for i, t, a in zip(i_, t_, amt, strict=True)
                          if t in qs and inst.pool[i] == row.pool and a > 0})
            reasons.append(f"{row.rule}: the required work ({_names(who)}) needs "
                           f"{row.amount + s:,.6g} but the budget is {row.amount:,.6g} "
                           f"({s:,.6g} short)")
        elif block.family == "capacity":
            cap = float(block.data["amount"][k])
            reasons.append(f"{block.describe(k)}: the required work needs {cap + s:g} but the "
                           f"capacity is {cap:g} ({s:g} short)")
        elif block.family == "guardrail":
            g = inst.guardrail_rows[k]
            kind = KINDS[g.kind]
            how = (f"{kind} spend falls {s:,.6g} short of the minimum" if g.sense > 0
                   else f"{kind} spend is {s:,.6g} above the maximum")
            reasons.append(f"{g.label} cannot be met with the required work: {how}")
        elif block.family == "exclusion":
            a, b = int(block.data["a"][k]), int(block.data["b"][k])
            reasons.append(f"'{ids[a]}' and '{ids[b]}' exclude each other but both are "
                           "required (mandatory, or needed by mandatory work)")
        else:  # pragma: no cover - only the families above are elastic
            reasons.append(block.describe(k))
    if not reasons:
        return InfeasibleError("no plan satisfies every rule of the model (the conflict is "
                               "numerically tiny; check budgets that exactly match the "
                               "mandatory spend)", hint=HINT)
    err = InfeasibleError(_message(reasons), hint=HINT)
    err.conflicts = reasons
    return err


def _names(ids: list[str], limit: int = 4) -> str:
    shown = ", ".join(f"'{x}'" for x in ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def _message(reasons: list[str]) -> str:
    head = "no plan satisfies every rule; these rules conflict:"
    return head + "".join(f"\n  - {r}" for r in reasons)
