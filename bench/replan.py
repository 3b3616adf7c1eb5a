"""Benchmark: re-planning as of a quarter against a fresh plan of the same model.

The model is the generated 2,000 initiatives × 8 quarters (seed 1, 10 % dependencies, the
``std`` class of bench/optimize.py). 30 % of the initiatives (600, drawn with a fixed seed
among those that fit) are in flight since the horizon start (baseline status ``in-flight``,
as an imported portfolio would have them), with actuals for the first two quarters: on plan
for most, 30 % over for a tenth of them, and every in-flight initiative running past the
as-of quarter. 600 initiatives started at once overrun several budget lines and team
capacities, so committed work leaves new work nothing there; the generator's mandatory
items are made optional (in both runs) so that the re-plan stays feasible. Timed, with the
same solver options:

* **fresh** — :func:`opmodel.optimize.optimize` of the model as it is (the horizon from its
  start, nothing decided);
* **re-plan** — :func:`opmodel.cycle.replan` as of the third quarter without the plan-of-record
  comparison (roll + the same optimizer + variance);
* **re-plan + record** — the same with the plan of record (one more solve: the last cycle's
  recommendation), as ``opmodel plan --as-of`` runs it — here there is no decided cycle, so it
  costs nothing extra; reported for completeness.

Prints the times and the ratio re-plan / fresh (≤ 1: no slower).

    .venv/bin/python bench/replan.py [--time-limit 30] [--gap 0.001]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from opmodel.cycle import replan, roll
from opmodel.generate import generate
from opmodel.model import Actual, Enterprise
from opmodel.model.quarter import add_quarters
from opmodel.optimize import SolveOptions, optimize


def in_flight_model(e: Enterprise, share: float = 0.3, seed: int = 7) -> Enterprise:
    rng = np.random.default_rng(seed)
    start = e.horizon.start
    fits = [k for k, it in enumerate(e.initiatives)
            if 3 <= it.duration <= e.horizon.quarters and not it.forbidden]
    n = round(share * len(e.initiatives))
    pick = set(rng.choice(fits, size=min(n, len(fits)), replace=False).tolist())
    inits, actuals = [], []
    for k, it in enumerate(e.initiatives):
        if k not in pick:
            inits.append(it.model_copy(update={"mandatory": False}))
            continue
        inits.append(it.model_copy(update={"status": "in-flight", "start": start,
                                           "earliest_start": None, "latest_start": None,
                                           "deadline": None}))
        over = 1.3 if rng.random() < 0.1 else 1.0
        for q in range(2):
            spent = float(it.profile[q]) * over
            done = 100.0 * sum(it.profile[: q + 1]) / it.total_cost
            actuals.append(Actual(quarter=add_quarters(start, q), initiative=it.id,
                                  spent=spent, percent_complete=min(99.0, done)))
    return e.model_copy(update={"initiatives": tuple(inits), "actuals": tuple(actuals)})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--gap", type=float, default=1e-3)
    args = ap.parse_args()
    opts = SolveOptions(time_limit=args.time_limit, mip_gap=args.gap, seed=0)
    t = time.perf_counter()
    e = in_flight_model(generate(seed=1, initiatives=2000, quarters=8, dependency_density=0.1))
    print(f"model: {len(e.initiatives)} initiatives × {e.horizon.quarters} quarters, "
          f"{sum(it.status == 'in-flight' for it in e.initiatives)} in flight, "
          f"{len(e.actuals)} actuals rows (built in {time.perf_counter() - t:.1f} s)")
    as_of = add_quarters(e.horizon.start, 2)

    t = time.perf_counter()
    fresh = optimize(e, opts)
    t_fresh = time.perf_counter() - t
    print(f"fresh plan       {t_fresh:7.2f} s  value {fresh.objective:,.0f}  "
          f"{fresh.status_text}  {len(fresh.selected)} funded")

    t = time.perf_counter()
    rolled = roll(e, as_of)
    t_roll = time.perf_counter() - t
    t = time.perf_counter()
    r = replan(e, as_of, opts, record=False)
    t_replan = time.perf_counter() - t
    print(f"roll only        {t_roll:7.2f} s  ({len(rolled.fixed)} fixed, sunk "
          f"{rolled.sunk:,.0f})")
    print(f"re-plan as of {as_of} {t_replan:7.2f} s  value {r.plan.objective:,.0f}  "
          f"{r.plan.status_text}  {len(r.plan.selected)} funded or continued")
    t = time.perf_counter()
    replan(e, as_of, opts, record=True)
    t_rec = time.perf_counter() - t
    print(f"re-plan + record {t_rec:7.2f} s")
    print(f"ratio re-plan / fresh: {t_replan / t_fresh:.2f}  "
          f"(with record {t_rec / t_fresh:.2f})")


if __name__ == "__main__":
    main()
