"""Benchmark: the planning report (``opmodel report``) on Acme and on a large generated model.

Each model is reported as ``opmodel report`` does it — :func:`opmodel.report.build.build_report`
with progress off — and the time is split into

* compute: analysis, the solve (bounded by the time limit), explanations, roadmap, frontier
  (Acme only) and the Monte Carlo cost risk;
* writing: report.html (chart specs, data, template), results.xlsx and the charts as PNG and
  SVG (rendered by two worker processes while the HTML and the workbook are written).

The floor, measured in the same run: the same results written without any presentation —
the plan's JSON and CSV files of ``opmodel plan -o`` and every scored cell as CSV. The ratio
writing / floor is what the presentation costs.

Models: Acme (the bundled example, with the demo's options: time limit 20 s, frontier at
0.6/0.8/1.2/1.4 × budget, 4 s each) and a generated model of 20 business units × 500
capabilities × 1,000 initiatives (seed 0; time limit ``--time-limit`` s, no frontier).
Goals for the generated model: the report ≤ 10 s and report.html ≤ 5 MB.

    .venv/bin/python bench/report.py              # both models
    .venv/bin/python bench/report.py --only big   # the generated model only
    .venv/bin/python bench/report.py --only big --no-charts --time-limit 2
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import opmodel
from opmodel.cli.plan import plan_files
from opmodel.generate import generate
from opmodel.report.build import DEMO_FRONTIER, ReportOptions, build_report

ROOT = Path(__file__).resolve().parents[1]
GOAL_SECONDS = 10.0
GOAL_BYTES = 5_000_000
COMPUTE = ("analysis", "solve", "explain", "roadmap", "frontier", "risk")
WRITING = ("html", "workbook", "charts")


def floor(result: Any, folder: Path) -> float:
    """Seconds to write the same results as plain JSON and CSV."""
    d = result.data
    t0 = time.perf_counter()
    for name, payload in plan_files(d.plan).items():
        (folder / name).write_bytes(payload)
    d.scores.to_frame().to_csv(folder / "cells.csv", index=False)
    return time.perf_counter() - t0


def run(name: str, e: opmodel.Enterprise, options: ReportOptions) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report"
        c0 = os.times()
        t0 = time.perf_counter()
        res = build_report(e, out_dir=out, options=options)
        total = time.perf_counter() - t0
        c1 = os.times()
        cpu = (c1.user - c0.user) + (c1.system - c0.system) + \
            (c1.children_user - c0.children_user) + (c1.children_system - c0.children_system)
        t = res.timings
        plain = Path(tmp) / "plain"
        plain.mkdir()
        f = floor(res, plain)
        writing = sum(t.get(k, 0.0) for k in WRITING)
        return {"model": name, "total": total, "cpu": cpu, "timings": t, "writing": writing,
                "floor": f, "size": res.size, "charts": len(res.charts),
                "status": res.data.plan.status_text}


def show(r: dict[str, Any]) -> None:
    t = r["timings"]
    print(f"\n{r['model']}: report in {r['total']:.1f} s ({r['cpu']:.1f} CPU-s in this "
          f"process and its workers), report.html "
          f"{r['size'] / 1e6:.2f} MB, {r['charts']} chart files; plan {r['status']}")
    print("  compute: " + ", ".join(f"{k} {t[k]:.2f} s" for k in COMPUTE if k in t))
    print("  writing: " + ", ".join(f"{k} {t[k]:.2f} s" for k in WRITING if k in t)
          + f" = {r['writing']:.2f} s")
    print(f"  floor (plan JSON/CSV + cells CSV): {r['floor']:.2f} s; writing / floor = "
          f"{r['writing'] / max(r['floor'], 1e-9):.1f}×")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=("acme", "big"))
    ap.add_argument("--time-limit", type=float, default=5.0,
                    help="solver time limit for the generated model")
    ap.add_argument("--no-charts", action="store_true",
                    help="generated model: skip the PNG/SVG files (report.html and "
                         "results.xlsx only)")
    args = ap.parse_args()
    print(f"load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"({os.cpu_count()} cores)")
    results = []
    if args.only in (None, "acme"):
        acme = opmodel.load(ROOT / "examples" / "acme")
        results.append(run("Acme (55 capabilities × 5 units, 48 initiatives)", acme,
                           ReportOptions(time_limit=20.0, frontier_scales=DEMO_FRONTIER,
                                         frontier_time_limit=4.0)))
        show(results[-1])
    if args.only in (None, "big"):
        t0 = time.perf_counter()
        big = generate(seed=0, business_units=20, capabilities=500, initiatives=1000)
        print(f"\ngenerated the large model in {time.perf_counter() - t0:.1f} s")
        results.append(run("generated (500 capabilities × 20 units, 1,000 initiatives)", big,
                           ReportOptions(time_limit=args.time_limit, frontier_scales=(),
                                         charts=not args.no_charts)))
        r = show(results[-1]) or results[-1]
        ok_t = r["total"] <= GOAL_SECONDS
        ok_s = r["size"] <= GOAL_BYTES
        print(f"  goals: report ≤ {GOAL_SECONDS:g} s: {'met' if ok_t else 'NOT met'} "
              f"({r['total']:.1f} s, of which the solver {r['timings']['solve']:.1f} s); "
              f"report.html ≤ 5 MB: {'met' if ok_s else 'NOT met'} "
              f"({r['size'] / 1e6:.2f} MB)")
    print(f"\nload average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
