"""Benchmark: the planning report (``opmodel report``) on Acme and on a large generated model.

Each model is reported as ``opmodel report`` does it — :func:`opmodel.report.build.build_report`
with progress off — and every step is timed (wall seconds, in the order they run):

* analysis; the chart specs (the analysis charts go to a worker process, which draws them
  while the optimizer solves); the solve (bounded by the time limit); explanations, roadmap,
  frontier (Acme only) and the Monte Carlo cost risk;
* report.html, results.xlsx, and the wait for the chart workers (PNG and SVG of every chart)
  at the end; their CPU seconds per chart are listed too.

The floor, measured in the same run: the same results written without any presentation —
the plan, its explanations, roadmap and risk as the JSON and CSV files of ``opmodel plan -o``
(from the results already computed) and every scored cell as CSV. The ratio writing / floor
is what the presentation costs.

Models: Acme (the bundled example, with the demo's options: time limit 20 s, frontier at
0.6/0.8/1.2/1.4 × budget, 4 s each) and a generated model of 20 business units × 500
capabilities × 1,000 initiatives (seed 0; time limit ``--time-limit`` s, no frontier).
Goals for the generated model: the report ≤ 10 s with the PNG/SVG files, report.html ≤ 5 MB.

    .venv/bin/python bench/report.py              # both models
    .venv/bin/python bench/report.py --only big   # the generated model only
    .venv/bin/python bench/report.py --only big --no-charts --time-limit 2
    .venv/bin/python bench/report.py --only big --profile 30   # + cProfile of the main process
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import tempfile
import time
from pathlib import Path
from typing import Any

import opmodel
from opmodel.cli.plan import _clean, _csv, _json_default
from opmodel.generate import generate
from opmodel.report.build import DEMO_FRONTIER, ReportOptions, build_report

ROOT = Path(__file__).resolve().parents[1]
GOAL_SECONDS = 10.0
GOAL_BYTES = 5_000_000
STEPS = (("analysis", "analysis"), ("specs", "chart specs (analysis + plan)"),
         ("solve", "solve"), ("explain", "explain decisions"), ("roadmap", "roadmap"),
         ("frontier", "frontier"), ("risk", "cost risk"), ("html", "report.html"),
         ("workbook", "results.xlsx"), ("charts", "wait for the chart workers"))
WRITING = ("specs", "html", "workbook", "charts")


def floor(result: Any, folder: Path) -> float:
    """Seconds to write the same results as plain JSON and CSV (no presentation)."""
    d = result.data
    t0 = time.perf_counter()
    data = d.plan.to_dict()
    data["explanations"] = [x.to_dict() for x in d.explanations]
    if d.roadmap is not None:
        data["roadmap"] = d.roadmap.to_dict()
    if d.risk is not None:
        data["risk"] = d.risk.to_dict()
    (folder / "plan.json").write_text(
        json.dumps(_clean(data), indent=2, default=_json_default) + "\n")
    for name in ("schedule", "spend", "budgets", "mix"):
        (folder / f"{name}.csv").write_bytes(_csv(data[name]))
    (folder / "explanations.csv").write_bytes(_csv(
        [{k: v for k, v in x.items() if k != "details"} for x in data["explanations"]]))
    if d.roadmap is not None:
        (folder / "gantt.csv").write_bytes(_csv(d.roadmap.gantt))
        (folder / "plateaus.csv").write_bytes(_csv(d.roadmap.plateau_rows()))
    d.scores.to_frame().to_csv(folder / "cells.csv", index=False)
    return time.perf_counter() - t0


def run(name: str, e: opmodel.Enterprise, options: ReportOptions,
        profile: int = 0) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report"
        c0 = os.times()
        t0 = time.perf_counter()
        prof = cProfile.Profile() if profile else None
        if prof is not None:
            prof.enable()
        res = build_report(e, out_dir=out, options=options)
        if prof is not None:
            prof.disable()
        total = time.perf_counter() - t0
        c1 = os.times()
        main_cpu = (c1.user - c0.user) + (c1.system - c0.system)
        child_cpu = (c1.children_user - c0.children_user) + \
            (c1.children_system - c0.children_system)
        plain = Path(tmp) / "plain"
        plain.mkdir()
        f = floor(res, plain)
        t = res.timings
        return {"model": name, "total": total, "main_cpu": main_cpu, "child_cpu": child_cpu,
                "timings": t, "writing": sum(t.get(k, 0.0) for k in WRITING), "floor": f,
                "size": res.size, "charts": len(res.charts), "status": res.data.plan.status_text,
                "chart_seconds": res.chart_seconds, "workbook_size": res.workbook.stat().st_size,
                "profile": prof}


def show(r: dict[str, Any], profile: int = 0) -> None:
    t = r["timings"]
    print(f"\n{r['model']}: report in {r['total']:.1f} s; report.html {r['size'] / 1e6:.2f} MB, "
          f"results.xlsx {r['workbook_size'] / 1e6:.2f} MB, {r['charts']} chart files; "
          f"plan {r['status']}")
    print(f"  {'step':<30} {'wall s':>7}")
    for key, label in STEPS:
        if key in t:
            print(f"  {label:<30} {t[key]:7.2f}")
    rest = r["total"] - sum(t.get(k, 0.0) for k, _ in STEPS)
    print(f"  {'other (moving files, …)':<30} {rest:7.2f}")
    print(f"  {'total':<30} {r['total']:7.2f}")
    print(f"  CPU: {r['main_cpu']:.1f} s in the main process, {r['child_cpu']:.1f} s in worker "
          "processes (chart workers, frontier solves)")
    if r["chart_seconds"]:
        cs = sorted(r["chart_seconds"].items(), key=lambda x: -x[1])
        print(f"  chart workers, CPU s per chart (sum {sum(v for _, v in cs):.1f}): "
              + ", ".join(f"{k} {v:.2f}" for k, v in cs))
    print(f"  floor (plan JSON/CSV + cells CSV): {r['floor']:.2f} s; writing (specs, HTML, "
          f"workbook, chart wait) {r['writing']:.2f} s = {r['writing'] / max(r['floor'], 1e-9):.1f}"
          "× the floor")
    if profile and r["profile"] is not None:
        print(f"\n  cProfile of the main process, top {profile} by cumulative time:")
        pstats.Stats(r["profile"]).sort_stats("cumulative").print_stats(profile)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=("acme", "big"))
    ap.add_argument("--time-limit", type=float, default=5.0,
                    help="solver time limit for the generated model")
    ap.add_argument("--no-charts", action="store_true",
                    help="generated model: skip the PNG/SVG files (report.html and "
                         "results.xlsx only)")
    ap.add_argument("--profile", type=int, default=0, metavar="N",
                    help="print the N most expensive functions of the main process")
    args = ap.parse_args()
    print(f"load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"({os.cpu_count()} cores)")
    if args.only in (None, "acme"):
        acme = opmodel.load(ROOT / "examples" / "acme")
        r = run("Acme (55 capabilities × 5 units, 48 initiatives)", acme,
                ReportOptions(time_limit=20.0, frontier_scales=DEMO_FRONTIER,
                              frontier_time_limit=4.0), args.profile)
        show(r, args.profile)
    if args.only in (None, "big"):
        t0 = time.perf_counter()
        big = generate(seed=0, business_units=20, capabilities=500, initiatives=1000)
        print(f"\ngenerated the large model in {time.perf_counter() - t0:.1f} s")
        r = run("generated (500 capabilities × 20 units, 1,000 initiatives)", big,
                ReportOptions(time_limit=args.time_limit, frontier_scales=(),
                              charts=not args.no_charts), args.profile)
        show(r, args.profile)
        ok_t = r["total"] <= GOAL_SECONDS
        ok_s = r["size"] <= GOAL_BYTES
        print(f"  goals: report ≤ {GOAL_SECONDS:g} s: {'met' if ok_t else 'NOT met'} "
              f"({r['total']:.1f} s, of which the solver {r['timings']['solve']:.1f} s); "
              f"report.html ≤ 5 MB: {'met' if ok_s else 'NOT met'} "
              f"({r['size'] / 1e6:.2f} MB)")
    print(f"\nload average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
