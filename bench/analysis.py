"""Benchmark: the analysis of a large generated model against bare numpy (the floor).

The model (at ``--scale 1``): 50 business units × 2,000 capabilities (100,000 assessments)
and 20,000 applications, made in memory by ``opmodel.generate`` (seed 1, the sizes of
bench/load.py; 200 initiatives, which the analysis does not read).

* floor — numpy computes the priority matrix from already-built (C, B) arrays::

      w = (ω_c·customer + ω_s·strategic)[:, None] + ω_p·pain/5;  w *= bu_weight;  p = w·gap/5

* score, built — ``opmodel.analysis.score(e)`` when the arrays are cached (the same
  Enterprise object scored before): ω from the model (AHP here), checks, the same numpy.
* score, first — ``score`` on a fresh Enterprise object: builds the arrays from 100,000
  Assessment objects first.
* full analysis — what the CLI commands compute: ω (AHP + consistency), the top 20 gaps,
  heat maps stage × unit and capability × unit (priority, max) and stage × unit (gap, mean),
  homogeneity with the top 20 consolidation candidates, TIME per application and unit, and
  rank stability of the top 10 over 500 ω draws. Timed on built arrays and from a fresh
  object (which also builds the application arrays from 20,000 Application objects).

Every time is the best of ``--repeats``. Goals: score (built) / floor ≤ 3, and the full
analysis under one second.

    .venv/bin/python bench/analysis.py              # the full-size model
    .venv/bin/python bench/analysis.py --scale 0.1  # a quick run (10 % of the capabilities)
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from opmodel.analysis import (
    heatmap,
    homogeneity,
    ranked_gaps,
    score,
    stability,
    time_classification,
    weights,
)
from opmodel.analysis.scoring import base
from opmodel.generate import generate
from opmodel.model import Enterprise

GOAL_RATIO = 3.0
GOAL_SECONDS = 1.0
FULL = {"business_units": 50, "capabilities": 2000, "applications": 20_000,
        "initiatives": 200}


def best_of(fn: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def floor_fn(arrays: dict[str, Any]) -> Callable[[], np.ndarray]:
    om, cust, strat, pain, gap, buw = (arrays[k] for k in ("omega", "customer", "strategic",
                                                           "pain", "gap", "bu_weight"))
    oc, os_, op = om["customer"], om["strategic"], om["pain"] / 5.0

    def floor() -> np.ndarray:
        w = (oc * cust + os_ * strat)[:, None] + op * pain
        w *= buw[None, :]
        p = w * gap
        p *= 0.2
        return p

    return floor


def full_analysis(e: Enterprise) -> dict[str, Any]:
    w = weights(e)
    s = score(e)
    out: dict[str, Any] = {"weights": w, "scores": s}
    out["gaps"] = ranked_gaps(e, 20, scores=s)
    out["stage"] = heatmap(e, "stage", "priority", "max", scores=s)
    out["capability"] = heatmap(e, "capability", "priority", "max", scores=s)
    out["stage_gap"] = heatmap(e, "stage", "gap", "mean", scores=s)
    h = homogeneity(e, scores=s)
    out["candidates"] = h.top_candidates(20)
    out["homogeneity"] = h
    t = time_classification(e)
    out["time"] = (t, t.counts())
    out["stability"] = stability(e, 10, 0.2, 500, 0, scores=s)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0,
                    help="fraction of the full capabilities and applications (units stay 50)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    if not 0 < args.scale <= 10:
        ap.error("--scale must be in (0, 10]")
    sizes = dict(FULL)
    for k in ("capabilities", "applications"):
        sizes[k] = max(1, round(FULL[k] * args.scale))
    print("generating the model …", flush=True)
    t = time.perf_counter()
    e = generate(seed=args.seed, **sizes)
    print(f"  {len(e.business_units)} units × {len(e.capabilities):,} capabilities = "
          f"{len(e.assessments):,} assessments, {len(e.applications):,} applications "
          f"({time.perf_counter() - t:.1f} s)")

    s = score(e)
    b = base(e)
    arrays = {"omega": s.omega, "customer": np.array(b.customer),
              "strategic": np.array(b.strategic), "pain": np.array(b.pain),
              "gap": np.nan_to_num(np.array(b.gap)), "bu_weight": np.array(b.bu_weight)}
    floor = floor_fn(arrays)
    np.testing.assert_allclose(floor(), np.nan_to_num(s.priority), atol=1e-12)

    reps = max(args.repeats, 1)
    t_floor = best_of(floor, reps * 40)
    t_score = best_of(lambda: score(e), reps * 40)
    t_first = best_of(lambda: score(e.model_copy()), reps)
    full_analysis(e)  # warm imports
    t_full = best_of(lambda: full_analysis(e), reps)
    t_full_first = best_of(lambda: full_analysis(e.model_copy()), reps)
    parts = {}
    for name, fn in (
        ("weights (AHP)", lambda: weights(e)),
        ("top 20 gaps", lambda: ranked_gaps(e, 20, scores=s)),
        ("heat map stage × unit", lambda: heatmap(e, scores=s)),
        ("heat map capability × unit", lambda: heatmap(e, "capability", scores=s)),
        ("homogeneity + top 20", lambda: homogeneity(e, scores=s).top_candidates(20)),
        ("TIME", lambda: time_classification(e).counts()),
        ("stability (500 draws)", lambda: stability(e, 10, 0.2, 500, 0, scores=s)),
    ):
        parts[name] = best_of(fn, reps)

    r_score = t_score / t_floor
    print(f"\nbest of {reps} (floor and score: best of {reps * 40}):")
    print(f"  floor: numpy priority from built arrays   {t_floor * 1e3:9.3f} ms")
    print(f"  score(e), arrays built (cached)          {t_score * 1e3:9.3f} ms   "
          f"× {r_score:.2f} the floor")
    print(f"  score(e), first (builds the arrays)      {t_first * 1e3:9.3f} ms   "
          f"× {t_first / t_floor:.0f} the floor")
    print(f"  full analysis, arrays built              {t_full * 1e3:9.3f} ms   "
          f"× {t_full / t_floor:.0f} the floor")
    print(f"  full analysis, first (fresh model)       {t_full_first * 1e3:9.3f} ms   "
          f"× {t_full_first / t_floor:.0f} the floor")
    print("  parts (arrays built):")
    for name, v in parts.items():
        print(f"    {name:<30} {v * 1e3:9.3f} ms")
    ok_ratio = r_score <= GOAL_RATIO
    ok_time = max(t_full, t_full_first) < GOAL_SECONDS
    print(f"\nratio score (built) / floor: {r_score:.2f}  (goal ≤ {GOAL_RATIO:g}: "
          f"{'met' if ok_ratio else 'NOT met'})")
    print(f"full analysis: {t_full:.3f} s built, {t_full_first:.3f} s first  (goal < "
          f"{GOAL_SECONDS:g} s: {'met' if ok_time else 'NOT met'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
