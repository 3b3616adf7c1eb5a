"""Benchmark: the library solve behind a what-if, three paths measured in the same run, on
the same models, one after the other:

* reference: ``SolveOptions(fast=False)`` — the MILP as ``build_milp`` makes it, HiGHS's
  default settings and the ranked list as the starting plan (what every solve ran before
  the speed-ups);
* previous: the default path before the start columns and the single thread (this script
  turns ``solve.START_COLUMNS`` and ``solve.SMALL_THREADS`` off): ``solve.SMALL_OPTIONS``
  and the best of the ranked list and the LP-guided greedy plans as the starting plan;
* default: the library as it is — small models also solved in the form with start columns
  (``Milp.with_starts``) on one HiGHS thread (``solve.SMALL_THREADS``).

Models: Acme at budget scales 0.6, 0.8 (the web benchmark's what-if), 0.9, 1.0 and 1.2,
generated models of 40, 60 and 80 initiatives, and the web's second what-if: Acme × 0.9
given the × 0.8 plan and the model's own plan as hints (what the planning workspace
passes). For each: CPU seconds of ``optimize`` (``time.process_time`` of this process: HiGHS's
threads included; the machine is shared, so wall time says more about the neighbours than
about the solve; wall is printed too), whether every path found the reference plan (the same
start quarter for every initiative and the same value), and the ratios default / previous
and default / reference.

Branch and bound is chaotic: a different seed, thread count or a rounding difference in one
coefficient sends HiGHS down another tree, and one model's time at one seed can move by
2× either way. ``--seeds N`` solves every model with HiGHS seeds 0 … N−1 and reports the
geometric mean per model and over all.

    PYTHONPATH=src .venv/bin/python bench/whatif.py [--seeds 3]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src")]

import numpy as np  # noqa: E402

import opmodel  # noqa: E402
from opmodel.generate import generate  # noqa: E402
from opmodel.optimize import Plan, SolveOptions, optimize  # noqa: E402
from opmodel.optimize import solve as _solve  # noqa: E402
from opmodel.optimize.scenario import Scenario, apply  # noqa: E402
from opmodel.optimize.warm import Hint  # noqa: E402

ACME = ROOT / "examples" / "acme"
PATHS = ("reference", "previous", "default")


@contextmanager
def previous_path() -> Iterator[None]:
    """The default path as it was before the start columns and the single thread."""
    keep = _solve.START_COLUMNS, _solve.SMALL_THREADS
    _solve.START_COLUMNS = False
    _solve.SMALL_THREADS = None
    try:
        yield
    finally:
        _solve.START_COLUMNS, _solve.SMALL_THREADS = keep


def timed(run: Callable[[], Plan]) -> tuple[Plan, float, float]:
    t, c = time.perf_counter(), time.process_time()
    plan = run()
    return plan, time.perf_counter() - t, time.process_time() - c


def solve(path: str, e: opmodel.Enterprise, seed: int, hints: Sequence[Hint]
          ) -> tuple[Plan, float, float]:
    if path == "reference":
        return timed(lambda: optimize(e, SolveOptions(time_limit=60.0, seed=seed, fast=False)))
    opts = SolveOptions(time_limit=60.0, seed=seed)
    if path == "previous":
        with previous_path():
            return timed(lambda: optimize(e, opts, hints=hints))
    return timed(lambda: optimize(e, opts, hints=hints))


def geo(xs: Sequence[float]) -> float:
    return math.exp(sum(math.log(max(x, 1e-9)) for x in xs) / len(xs))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=1, help="HiGHS seeds per model (0 … N−1)")
    args = ap.parse_args(argv)
    acme = opmodel.load(ACME)

    def scaled(s: float) -> opmodel.Enterprise:
        return apply(acme, Scenario(id="w", name="w", budget_scale=s))

    base_opts = SolveOptions(time_limit=60.0, seed=0)
    web_hints = [{k: p.start_of(k) for k in p.selected}
                 for p in (optimize(scaled(0.8), base_opts), optimize(acme, base_opts))]
    models: list[tuple[str, opmodel.Enterprise, Sequence[Hint]]] = [
        (f"Acme × {s}", scaled(s), ()) for s in (0.6, 0.8, 0.9, 1.0, 1.2)]
    models.append(("Acme × 0.9, web hints", scaled(0.9), web_hints))
    models += [(f"generated, {n} initiatives", generate(seed=seed, initiatives=n), ())
               for seed, n in ((1, 40), (2, 60), (3, 80))]
    cpu: dict[str, list[float]] = {p: [] for p in PATHS}
    same_all = True
    print(f"{'model':<26} {'seed':>4}  " + "  ".join(f"{p + ' CPU / wall s':>24}" for p in PATHS)
          + f"  {'new/prev':>8} {'new/ref':>8}  plan")
    for name, e, hints in models:
        per: dict[str, list[float]] = {p: [] for p in PATHS}
        for seed in range(args.seeds):
            res = {p: solve(p, e, seed, hints) for p in PATHS}
            ref = res["reference"][0]
            same = all(np.array_equal(ref.start, r[0].start) and abs(ref.objective - r[0].objective)
                       <= 1e-9 * max(1.0, abs(ref.objective)) for r in res.values())
            same_all &= same
            for p in PATHS:
                per[p].append(res[p][2])
            print(f"{name:<26} {seed:>4}  " + "  ".join(
                f"{res[p][2]:>13.2f} / {res[p][1]:>8.2f}" for p in PATHS)
                + f"  {res['default'][2] / res['previous'][2]:>8.2f} "
                f"{res['default'][2] / res['reference'][2]:>8.2f}  "
                f"{'same' if same else 'DIFFERENT'} ({res['default'][0].warm_start_source})",
                flush=True)
        if args.seeds > 1:
            g = {p: geo(per[p]) for p in PATHS}
            cells = "  ".join(f"{g[p]:>13.2f}{'':>11}" for p in PATHS)
            print(f"{name + ', geo-mean':<32}  {cells}"
                  f"  {g['default'] / g['previous']:>8.2f} {g['default'] / g['reference']:>8.2f}")
        for p in PATHS:
            cpu[p] += per[p]
    g = {p: geo(cpu[p]) for p in PATHS}
    print(f"{'all, geo-mean CPU':<32}  " + "  ".join(f"{g[p]:>13.2f}{'':>11}" for p in PATHS)
          + f"  {g['default'] / g['previous']:>8.2f} {g['default'] / g['reference']:>8.2f}  "
          f"{'all the same' if same_all else 'SOME DIFFER'}")
    return 0 if same_all else 1


if __name__ == "__main__":
    raise SystemExit(main())
