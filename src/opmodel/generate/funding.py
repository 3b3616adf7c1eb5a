"""Money and policy: budgets at about half the demand of each pool, guardrails only where
the portfolio can meet them, carry-over, and the delivery teams."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..model.quarter import quarter_index
from .draft import Draft
from .draw import quarter, round_to, total
from .words import POOLS


def guardrails_feasible(g: Draft, items: list[dict[str, Any]]) -> bool:
    """Whether a plan exists that meets the mix guardrails (transform ≥ 25 %, run ≤ 40 %
    at the strictest) as well as the mandatory work.

    Sufficient test: transformations needing nothing else (no dependencies, exclusions
    or team demand) can be scheduled within the transformation pool's quarterly budgets
    for a total of at least 1.5 × the mandatory spend M. Then mandatory + those is a
    plan: transform share ≥ 1.5M / 2.5M = 60 %, run share ≤ M / 2.5M = 40 %.
    """
    q, h0 = g.n.quarters, g.h0
    need = 1.5 * sum(total(it) for it in items if it.get("mandatory"))
    if need == 0:
        return True  # spending nothing meets every share rule
    excluded = {x for it in items for x in it.get("excludes", ())}
    spend = np.zeros(q)
    budget = g.budget[1]
    got = 0.0
    free = [it for it in items if it["kind"] == "transform" and not it.get("depends_on")
            and not it.get("excludes") and it["id"] not in excluded
            and not it.get("team_demand")]
    for it in sorted(free, key=total, reverse=True):
        d = it["duration"]
        prof = np.asarray(it.get("cost_profile") or [it["cost"] / d] * d)
        first = quarter_index(it["earliest_start"]) - h0 if "earliest_start" in it else 0
        last = quarter_index(it["latest_start"]) - h0 if "latest_start" in it else q - d
        if "deadline" in it:
            last = min(last, quarter_index(it["deadline"]) - h0 - d + 1)
        for s in range(first, min(last, q - d) + 1):
            if np.all(spend[s:s + d] + prof <= budget[s:s + d] + 1e-9):
                spend[s:s + d] += prof
                got += float(prof.sum())
                break
        if got >= need:
            return True
    return False


def quarterly_budgets(d: Draft, demand: np.ndarray) -> np.ndarray:
    """Per pool and quarter: about half the pool's demand, spread with some variation."""
    r, q = d.rng["money"], d.n.quarters
    out = np.zeros((2, q))
    for p in range(2):
        base = max(100.0, 0.5 * float(demand[p]) / q)
        step = 10.0 if base < 10_000 else 100.0
        out[p] = [round_to(base * r.uniform(0.85, 1.15), step) for _ in range(q)]
    return out


def funding(d: Draft) -> None:
    r, q = d.rng["money"], d.n.quarters
    d.data["budgets"] = [
        {"period": quarter(d.h0 + t), "pool": POOLS[p], "amount": float(d.budget[p, t])}
        for p in range(2) for t in range(q)]
    # guardrails only where the portfolio can meet them alongside the mandatory items
    min_t = float(r.choice([0.15, 0.2, 0.25]))
    max_r = float(r.choice([0.4, 0.45, 0.5]))
    guardrails: list[dict[str, Any]] = []
    if d.guardrails_ok:
        guardrails = [{"kind": "transform", "min_share": min_t},
                      {"kind": "run", "max_share": max_r}]
    policy: dict[str, Any] = {
        "carry_over": str(r.choice(["none", "fiscal-year", "horizon"])),
        "guardrails": guardrails,
        "teams": d.teams,
    }
    d.data["policy"] = policy




__all__ = ["funding", "guardrails_feasible", "quarterly_budgets"]
