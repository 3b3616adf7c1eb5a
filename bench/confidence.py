"""Benchmark: planning to a confidence against the plain plan, on the bundled Acme model.

Both are measured in the same run, on the same machine:

* **plain** — what ``opmodel plan examples/acme`` computes: :func:`optimize` (build, both
  baselines, HiGHS) and the Monte Carlo cost risk (10,000 draws);
* **confidence c** — :func:`plan_to_confidence` at each ``--confidence`` (the plain solve,
  then at most ``--max-solves`` solves with a reserve, each plan simulated with 10,000
  draws) and the same cost risk.

Printed per confidence: wall time, ratio to the plain plan, solves with a reserve, the
probability reached (and under an independent draw of 20,000 with another seed), the
reserve held and the value given up. The solver's time dominates; HiGHS runs on one thread
per solve (``--threads``) so that a shared machine disturbs the ratio less.

    .venv/bin/python bench/confidence.py
    .venv/bin/python bench/confidence.py --confidence 0.7 0.8 --max-solves 6
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import opmodel
from opmodel.optimize import SolveOptions, optimize
from opmodel.optimize.confidence import MAX_SOLVES, plan_to_confidence
from opmodel.optimize.risk import cost_risk, within_budget

ACME = Path(__file__).resolve().parents[1] / "examples" / "acme"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--confidence", type=float, nargs="+", default=[0.7, 0.8])
    ap.add_argument("--max-solves", type=int, default=MAX_SOLVES)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--time-limit", type=float, default=60.0)
    args = ap.parse_args()
    e = opmodel.load(ACME)
    opts = SolveOptions(time_limit=args.time_limit, threads=args.threads)
    try:
        load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - not on every platform
        load = "?"
    print(f"Acme ({len(e.initiatives)} initiatives, {e.horizon.quarters} quarters); "
          f"load average {load}")

    t0 = time.perf_counter()
    plain = optimize(e, opts)
    risk = cost_risk(plain, draws=10_000)
    base_t = time.perf_counter() - t0
    print(f"plain: {base_t:6.1f} s  value {plain.objective:,.0f} ({plain.status_text}), "
          f"P(within every fiscal-year line) {risk.within_budget:.1%}")
    for c in args.confidence:
        t0 = time.perf_counter()
        p = plan_to_confidence(e, c, opts, max_solves=args.max_solves)
        cost_risk(p, draws=10_000)
        dt = time.perf_counter() - t0
        cf = p.confidence
        assert cf is not None
        check = within_budget(p.instance, p.start, 20_000, seed=2024)[0]
        share = cf.value_given_up / cf.value_without if cf.value_without else 0.0
        print(f"c={c:.2f}: {dt:6.1f} s  ratio {dt / base_t:4.1f}×  {cf.solves} solve(s) with a "
              f"reserve; P {cf.achieved:.1%} (independent draw {check:.1%}), "
              f"{'certified' if cf.certified else 'NOT certified'}; reserve {cf.reserve:,.0f} "
              f"({cf.reserve / cf.budget:.1%} of the lines); value given up "
              f"{cf.value_given_up:,.0f} ({share:.1%})")
        for h in cf.history[1:]:
            what = ("no plan" if h.get("infeasible") else
                    f"value {h['value']:,.0f}, P {h['within_budget']:.1%}, {h['seconds']:.1f} s")
            print(f"    solve {h['solve']}: reserve {h['reserve']:,.0f} → {what}")


if __name__ == "__main__":
    main()
