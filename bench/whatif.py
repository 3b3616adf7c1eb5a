"""Benchmark: the library solve behind a what-if, the default path against the reference
path measured in the same run, on the same models, one after the other.

* reference: ``SolveOptions(fast=False)`` — HiGHS's default settings and the ranked list as
  the starting plan (what every solve ran before the speed-ups);
* default: small models get ``solve.SMALL_OPTIONS`` and the best of the ranked list and the
  LP-guided greedy plans as the starting plan (``optimize/warm.py``).

Models: Acme at budget scales 0.6, 0.8 (the web benchmark's what-if), 1.0 and 1.2, and
generated models of 40, 60 and 80 initiatives. For each: wall and CPU seconds of
``optimize`` (this process), whether both found the same plan (the same start quarter for
every initiative), and the ratio default / reference. Also the web's second what-if: Acme
× 0.9 given the × 0.8 plan as a hint (what the planning workspace passes).

    PYTHONPATH=src .venv/bin/python bench/whatif.py
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src")]

import numpy as np  # noqa: E402

import opmodel  # noqa: E402
from opmodel.generate import generate  # noqa: E402
from opmodel.optimize import Plan, SolveOptions, optimize  # noqa: E402
from opmodel.optimize.scenario import Scenario, apply  # noqa: E402

ACME = ROOT / "examples" / "acme"


def timed(run: Callable[[], Plan]) -> tuple[Plan, float, float]:
    t, c = time.perf_counter(), time.process_time()
    plan = run()
    return plan, time.perf_counter() - t, time.process_time() - c


def main() -> int:
    acme = opmodel.load(ACME)

    def scaled(s: float) -> opmodel.Enterprise:
        return apply(acme, Scenario(id="w", name="w", budget_scale=s))

    models: list[tuple[str, opmodel.Enterprise]] = [
        (f"Acme × {s}", scaled(s)) for s in (0.6, 0.8, 1.0, 1.2)]
    models += [(f"generated, {n} initiatives", generate(seed=seed, initiatives=n))
               for seed, n in ((1, 40), (2, 60), (3, 80))]
    ref_opts = SolveOptions(time_limit=60.0, seed=0, fast=False)
    opts = SolveOptions(time_limit=60.0, seed=0)
    tot = np.zeros(4)
    same_all = True
    print(f"{'model':<28} {'reference wall / CPU s':>24} {'default wall / CPU s':>22} "
          f"{'CPU ratio':>9}  plan")
    for name, e in models:
        ref, rw, rc = timed(lambda e=e: optimize(e, ref_opts))
        new, nw, nc = timed(lambda e=e: optimize(e, opts))
        same = bool(np.array_equal(ref.start, new.start)) and \
            abs(ref.objective - new.objective) <= 1e-9 * max(1.0, abs(ref.objective))
        same_all &= same
        tot += (rw, rc, nw, nc)
        print(f"{name:<28} {rw:>12.2f} / {rc:>6.2f}   {nw:>10.2f} / {nc:>6.2f}   "
              f"{nc / rc:>8.2f}  {'same' if same else 'DIFFERENT'} ({new.warm_start_source})")
    print(f"{'all':<28} {tot[0]:>12.2f} / {tot[1]:>6.2f}   {tot[2]:>10.2f} / {tot[3]:>6.2f}   "
          f"{tot[3] / tot[1]:>8.2f}  {'all the same' if same_all else 'SOME DIFFER'}")
    # the web's second what-if: × 0.9 after × 0.8, with the × 0.8 plan as a hint
    first = optimize(scaled(0.8), opts)
    hint = {k: first.start_of(k) for k in first.selected}
    ref, rw, rc = timed(lambda: optimize(scaled(0.9), ref_opts))
    new, nw, nc = timed(lambda: optimize(scaled(0.9), opts, hints=[hint]))
    same = bool(np.array_equal(ref.start, new.start))
    print(f"{'Acme × 0.9, × 0.8 as hint':<28} {rw:>12.2f} / {rc:>6.2f}   {nw:>10.2f} / "
          f"{nc:>6.2f}   {nc / rc:>8.2f}  {'same' if same else 'DIFFERENT'} "
          f"({new.warm_start_source})")
    return 0 if same_all and same else 1


if __name__ == "__main__":
    raise SystemExit(main())
