"""Benchmark: explaining every initiative of a plan (``explain_all``, which ``opmodel plan``,
``opmodel report`` and the web planning page call) as the model grows.

Models: ``opmodel.generate(seed=1)`` at sizes k = 1, 2, 4, 8 (10 business units,
200·k capabilities, 1,000·k applications, 500·k initiatives), each planned once with a
3-second time limit (the plan itself is not timed).

* floor — pricing the plan once: ``evaluate(instance, start)``, the value model over every
  initiative, item and quarter (what explaining one funded initiative used to cost).
* explain_all — every explanation: each funded initiative's value if dropped (with what
  depends on it), each other one's binding reason.

Printed per size: seconds (CPU, best of ``--repeats``), explain_all / (initiatives × floor)
— below 1 when an explanation costs less than re-pricing the plan — and the growth of
explain_all from the size before (2 when linear, 4 when quadratic).

    .venv/bin/python bench/explain.py               # k = 1, 2, 4, 8
    .venv/bin/python bench/explain.py --sizes 1 2   # a quick run
    PYTHONPATH=OTHER/src .venv/bin/python bench/explain.py   # another checkout's code
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from opmodel.generate import generate
from opmodel.optimize import SolveOptions, evaluate, explain_all, optimize


def best(f: Callable[[], Any], repeats: int) -> float:
    out = float("inf")
    for _ in range(repeats):
        t = time.process_time()
        f()
        out = min(out, time.process_time() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1, 2, 4, 8])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    print(f"{'k':>2} {'initiatives':>11} {'funded':>6} {'floor s':>8} {'explain_all s':>13} "
          f"{'/ (n·floor)':>11} {'growth':>6}")
    before = None
    for k in args.sizes:
        e = generate(seed=1, business_units=10, capabilities=200 * k, applications=1000 * k,
                     initiatives=500 * k)
        plan = optimize(e, SolveOptions(time_limit=3, seed=0))
        inst = plan.instance
        floor = best(lambda: evaluate(inst, plan.start), max(5, args.repeats))  # noqa: B023
        ex = best(lambda: explain_all(plan), args.repeats)  # noqa: B023
        growth = f"{ex / before:6.2f}" if before else f"{'':6}"
        print(f"{k:>2} {inst.n:>11,} {int((plan.start >= 0).sum()):>6,} {floor:8.4f} "
              f"{ex:13.2f} {ex / (inst.n * floor):11.3f} {growth}", flush=True)
        before = ex


if __name__ == "__main__":
    main()
