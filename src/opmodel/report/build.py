"""The planning report: :func:`build_report` runs the main job on a model and writes
``report.html`` (one self-contained file), ``results.xlsx`` and every chart as PNG and SVG.

The data flows one way: :func:`compute` builds the :class:`~.data.ReportData` (holding the
:class:`~.data.Analysis`), :func:`.findings.findings` states it in words, and the renderers
— :mod:`.html` (one partial per section of :mod:`.sections`), :mod:`.workbook` and
:mod:`.specs` (charts, drawn to files by :mod:`.exports`) — each take the data and the
findings; none imports another. This module is the only one that calls them all.

The job is the planning loop of DESIGN.md, each step one library call:

1. analysis — scores, weights (AHP), heat maps with provenance, ranked gaps, homogeneity,
   TIME, rank stability (:mod:`opmodel.analysis`)
2. the plan — the optimal funded portfolio beside the ranked-list and funding-driven
   baselines, every decision explained (:mod:`opmodel.optimize`)
3. around the plan — the roadmap (Gantt, spend, mix, plateaus), the Monte Carlo cost risk
   and the efficient frontier
4. the files — HTML, workbook and charts, written through a temporary folder so a failure
   never leaves a half-written report behind. The charts are drawn to PNG and SVG in the
   background as soon as their data exist (:class:`.exports.ChartJobs`): the analysis
   charts while the optimizer solves, the plan's before its decisions are explained.

Progress is reported through a callback ``progress(step, done, total)`` (``total`` None
when the length of the step is not known), so the CLI can draw progress bars.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..analysis import (
    heatmap,
    homogeneity,
    ranked_gaps,
    score,
    stability,
    time_classification,
    weights,
)
from ..errors import InputError
from ..model import Enterprise
from ..optimize import Plan, SolveOptions
from ..optimize.confidence import plan_to_confidence, require_certified
from ..optimize.explain import explain_all
from .data import DEMO_FRONTIER, Analysis, ProgressFn, ReportData, ReportOptions
from .findings import Findings, findings

if TYPE_CHECKING:
    from ..optimize.frontier import Frontier
    from ..optimize.risk import CostRisk
    from ..optimize.roadmap import Roadmap
    from ..optimize.scenario import Scenario
    from .charts import ChartSpec


@dataclass(frozen=True)
class ReportResult:
    """What :func:`build_report` wrote, and the data behind it."""

    out_dir: Path
    html: Path
    workbook: Path
    charts: tuple[Path, ...]
    data: ReportData
    findings: Findings
    """What the report says (stated once from ``data``, shown by every part)."""
    timings: dict[str, float]
    chart_seconds: dict[str, float] = field(default_factory=dict)
    """CPU seconds each chart took its worker process."""

    @property
    def size(self) -> int:
        """Size of report.html in bytes."""
        return self.html.stat().st_size


def _noop(step: str, done: float, total: float | None) -> None:
    return None


def default_command(source: str | os.PathLike[str] | None, out_dir: Path | None,
                    scenario: str | None, options: ReportOptions) -> str:
    """The ``opmodel report`` command line that rebuilds the same report."""
    if options.command:
        return options.command
    parts = ["opmodel", "report", str(source) if source is not None else "MODEL"]
    if scenario:
        parts += ["--scenario", scenario]
    parts += ["-o", str(out_dir) if out_dir is not None else "DIR"]
    defaults = ReportOptions()
    if options.time_limit != defaults.time_limit:
        parts += ["--time-limit", f"{options.time_limit:g}"]
    if options.mip_gap != defaults.mip_gap:
        parts += ["--gap", f"{options.mip_gap:g}"]
    if options.seed != defaults.seed:
        parts += ["--seed", str(options.seed)]
    if options.frontier_scales != defaults.frontier_scales:
        parts += ["--frontier", ",".join(f"{s:g}" for s in options.frontier_scales) or "none"]
    if options.frontier_scales and options.frontier_time_limit != defaults.frontier_time_limit:
        parts += ["--frontier-time-limit", f"{options.frontier_time_limit:g}"]
    if options.frontier_scales and options.frontier_gap != defaults.frontier_gap:
        parts += ["--frontier-gap", f"{options.frontier_gap:g}"]
    if not options.charts:
        parts += ["--no-charts"]
    return " ".join(parts)


def compute(e: Enterprise, *, scenario: Scenario | None = None,
            options: ReportOptions | None = None, progress: ProgressFn | None = None,
            source: str | os.PathLike[str] | None = None,
            out_dir: Path | None = None,
            on_analysis: Callable[[Analysis], None] | None = None,
            on_plan: Callable[[ReportData], None] | None = None) -> ReportData:
    """Run analysis, plan, roadmap, cost risk, explanations and frontier for the report (no
    files written).

    The report draws its charts while the rest is computed: ``on_analysis`` is called with
    the analysis before the optimizer starts, ``on_plan`` with the report data so far
    (no explanations or frontier yet) as soon as the plan, its roadmap and cost risk are
    known."""
    from .. import __version__

    opts = options or ReportOptions()
    step = progress or _noop
    timings: dict[str, float] = {}
    name = None
    if scenario is not None:
        from ..optimize.scenario import apply

        e = apply(e, scenario)
        name = scenario.id

    t0 = time.perf_counter()
    step("analysis", 0, 1)
    s = score(e)
    w = weights(e)
    stage_map = heatmap(e, "stage", "priority", "max", scores=s)
    cap_map = heatmap(e, "capability", "priority", "max", scores=s)
    gaps = ranked_gaps(e, None, scores=s)
    homog = homogeneity(e, scores=s)
    tc = time_classification(e)
    stab = stability(e, top=10, draws=opts.stability_draws, seed=opts.seed, scores=s)
    step("analysis", 1, 1)
    timings["analysis"] = time.perf_counter() - t0
    analysis = Analysis(e, s, w, stage_map, cap_map, gaps, homog, tc, stab)
    if on_analysis is not None:
        on_analysis(analysis)

    t0 = time.perf_counter()
    solve_opts = opts.solve_options()
    step("solving", 0, solve_opts.time_limit)

    def solving(p: Any) -> None:
        step("solving", min(p.time, solve_opts.time_limit), solve_opts.time_limit)

    # policy.confidence (if any) plans to it: a management reserve (optimize/confidence.py)
    plan = require_certified(plan_to_confidence(e, None, solve_opts, progress=solving,
                                                draws=opts.risk_draws, seed=opts.seed))
    step("solving", plan.solve_time, plan.solve_time)
    timings["solve"] = time.perf_counter() - t0

    road = _roadmap(plan, step, timings)
    risk = _risk(plan, opts, step, timings)
    since = _since(e, name, solve_opts, step, timings)
    data = ReportData(
        analysis=analysis, scenario=name, options=opts,
        plan=plan, explanations=(), roadmap=road, frontier=None, risk=risk,
        generated=dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z").strip(),
        command=default_command(source, out_dir, name, opts), version=__version__,
        timings=timings, since=since)
    if on_plan is not None:
        on_plan(data)

    t0 = time.perf_counter()
    step("explaining decisions", 0, 1)
    expl = tuple(explain_all(plan))
    step("explaining decisions", 1, 1)
    timings["explain"] = time.perf_counter() - t0

    front = _frontier(e, opts, step, timings)
    if front is not None:  # the frontier holds no reserve: today's point is the plain plan
        front = with_plan(front, plan if plan.confidence is None else
                          plan.confidence.plan_without or plan, e)
    return dataclasses.replace(data, explanations=expl, frontier=front)


def _since(e: Enterprise, scenario: str | None, opts: SolveOptions, step: ProgressFn,
           timings: dict[str, float]) -> dict[str, Any] | None:
    """The re-plan as of the quarter after the last cycle, as the section's plain data."""
    if scenario is not None or not (e.decisions or e.actuals):
        return None
    from ..cycle import next_quarter, replan, trend
    from ..errors import OptimizationError
    from .cycle_section import since_last_quarter

    as_of = next_quarter(e)
    if as_of is None:
        return None
    t0 = time.perf_counter()
    step(f"re-planning as of {as_of}", 0, 1)
    try:
        r = replan(e, as_of, opts)
    except OptimizationError:
        return None
    step(f"re-planning as of {as_of}", 1, 1)
    timings["replan"] = time.perf_counter() - t0
    return since_last_quarter(r, trend(e))


def _roadmap(plan: Plan, step: ProgressFn, timings: dict[str, float]) -> Roadmap | None:
    try:
        from ..optimize.roadmap import roadmap
    except ImportError:  # pragma: no cover - the optimizer ships it
        return None
    t0 = time.perf_counter()
    step("roadmap", 0, 1)
    out = roadmap(plan)
    step("roadmap", 1, 1)
    timings["roadmap"] = time.perf_counter() - t0
    return out


def _frontier(e: Enterprise, opts: ReportOptions, step: ProgressFn,
              timings: dict[str, float]) -> Frontier | None:
    scales = tuple(s for s in opts.frontier_scales if abs(s - 1.0) > 1e-9)
    if not scales:
        return None
    try:
        from ..optimize.frontier import frontier
    except ImportError:  # pragma: no cover - the optimizer ships it
        return None
    t0 = time.perf_counter()
    step("efficient frontier", 0, None)
    out = frontier(e, scales, SolveOptions(time_limit=opts.frontier_time_limit,
                                           mip_gap=opts.frontier_gap, seed=opts.seed),
                   processes=opts.processes)
    step("efficient frontier", 1, 1)
    timings["frontier"] = time.perf_counter() - t0
    return out


def with_plan(f: Frontier, plan: Plan, e: Enterprise) -> Frontier:
    """The frontier with ``plan`` as its point at today's budget (scale 1)."""
    from ..optimize.frontier import Frontier, FrontierPoint

    here = FrontierPoint(1.0, float(sum(b.amount for b in e.budgets)), plan.objective,
                         plan.bound, plan.status_text, len(plan.selected), plan.total_spend,
                         tuple(int(s) for s in plan.start))
    points = sorted([p for p in f.points if abs(p.scale - 1.0) > 1e-9] + [here],
                    key=lambda p: p.scale)
    return Frontier(tuple(points), current=1.0)


def _risk(plan: Plan, opts: ReportOptions, step: ProgressFn,
          timings: dict[str, float]) -> CostRisk | None:
    try:
        from ..optimize.risk import cost_risk
    except ImportError:  # pragma: no cover - the optimizer ships it
        return None
    t0 = time.perf_counter()
    step("cost risk", 0, 1)
    out = cost_risk(plan, draws=opts.risk_draws, seed=opts.seed)
    step("cost risk", 1, 1)
    timings["risk"] = time.perf_counter() - t0
    return out


# -- writing ---------------------------------------------------------------------------------
class _Staging:
    """The temporary folder inside ``out`` the files are written to, and the chart workers
    writing into it. :meth:`close` removes it (and ``out`` itself if it was made for a
    report that failed and is still empty)."""

    def __init__(self, out: Path, charts: bool, processes: int,
                 start: int | None = None) -> None:
        from ..atomic import folder_lock
        from .exports import ChartJobs

        self.out = out
        self.made = not out.exists()
        # held until close(): another report into ``out`` waits; leftovers are cleaned up
        self.lock = contextlib.ExitStack()
        out.parent.mkdir(parents=True, exist_ok=True)
        self.lock.enter_context(folder_lock(out, "opmodel report"))
        self.jobs: ChartJobs | None = None
        try:
            out.mkdir(parents=True, exist_ok=True)
            self.tmp = Path(tempfile.mkdtemp(prefix=".report-", dir=out))
            if charts:
                (self.tmp / "charts").mkdir()
                self.jobs = ChartJobs(self.tmp / "charts", processes=processes, start=start)
        except BaseException:
            self.close(failed=True)
            raise

    def close(self, failed: bool) -> None:
        try:
            if self.jobs is not None:
                self.jobs.close()
            if hasattr(self, "tmp"):
                shutil.rmtree(self.tmp, ignore_errors=True)
            if failed and self.made:
                with contextlib.suppress(OSError):
                    self.out.rmdir()  # only when empty
        finally:
            self.lock.close()


def build_report(e: Enterprise, *, scenario: Scenario | None = None,
                 out_dir: str | os.PathLike[str], options: ReportOptions | None = None,
                 progress: ProgressFn | None = None,
                 source: str | os.PathLike[str] | None = None) -> ReportResult:
    """Compute the report of ``e`` (under ``scenario``) and write it to ``out_dir``:
    ``report.html``, ``results.xlsx`` and ``charts/*.png|svg``.

    ``source`` (the model's path) is only used to print the command that reproduces the
    report. Files are written to a temporary folder first and moved into place at the end,
    so an error never leaves a half-written report. The charts of the analysis are drawn by
    a worker process while the optimizer solves (it uses one core).
    """
    from .specs import analysis_chart_specs, plan_chart_specs

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} is a file", hint="give a folder for -o")
    from ..atomic import check_result_folder

    check_result_folder(out, "report.html", "out_dir")  # before any work
    opts = options or ReportOptions()
    step = progress or _noop
    early: dict[str, Any] = {}
    staging: list[_Staging] = []

    def on_analysis(a: Analysis) -> None:
        t0 = time.perf_counter()
        specs = analysis_chart_specs(a)
        early["specs"], early["time"] = specs, time.perf_counter() - t0
        if opts.charts:
            st = _Staging(out, True, opts.processes, start=1)
            staging.append(st)
            assert st.jobs is not None
            st.jobs.submit(specs.values())

    def on_plan(d: ReportData) -> None:
        # the plan's charts that need neither explanations (the Gantt) nor the frontier
        t0 = time.perf_counter()
        specs = plan_chart_specs(d, findings(d), skip=("roadmap-gantt", "frontier"))
        early["specs"] = {**early["specs"], **specs}
        early["time"] += time.perf_counter() - t0
        if staging and staging[0].jobs is not None:
            staging[0].jobs.submit(specs.values())

    try:
        data = compute(e, scenario=scenario, options=opts, progress=step, source=source,
                       out_dir=out, on_analysis=on_analysis, on_plan=on_plan)
        if "time" in early:
            data.timings["specs"] = early["time"]
    except BaseException:
        for st in staging:
            st.close(failed=True)
        raise
    return _write(data, out, step, staging[0] if staging else None, early.get("specs"))


def write_report(data: ReportData, out_dir: str | os.PathLike[str],
                 progress: ProgressFn | None = None) -> ReportResult:
    """Write the files of a computed report to ``out_dir`` (created when absent)."""
    return _write(data, Path(out_dir), progress or _noop, None, None)


def _write(data: ReportData, out: Path, step: ProgressFn, staging: _Staging | None,
           early: dict[str, ChartSpec] | None) -> ReportResult:
    """Write the report's files through ``staging`` (made here when None), whose chart
    workers already draw the ``early`` charts."""
    from .exports import spare_cores
    from .html import render_html
    from .specs import chart_specs
    from .workbook import write_workbook

    timings = dict(data.timings)
    if staging is None:
        staging = _Staging(out, data.options.charts, data.options.processes)
    tmp, jobs = staging.tmp, staging.jobs
    failed = True
    try:
        t0 = time.perf_counter()
        step("writing report.html", 0, 1)
        said = findings(data)
        specs = chart_specs(data, said, early)
        timings["specs"] = timings.get("specs", 0.0) + time.perf_counter() - t0
        if jobs is not None:  # drawn by the workers while the files are written
            jobs.add_workers(spare_cores())
            jobs.submit(c for name, c in specs.items() if early is None or name not in early)
        t1 = time.perf_counter()
        html = render_html(data, specs, said)
        (tmp / "report.html").write_text(html, encoding="utf-8")
        step("writing report.html", 1, 1)
        timings["html"] = time.perf_counter() - t1

        t0 = time.perf_counter()
        step("writing results.xlsx", 0, 1)
        write_workbook(data, tmp / "results.xlsx", said)
        step("writing results.xlsx", 1, 1)
        timings["workbook"] = time.perf_counter() - t0

        charts: list[Path] = []
        seconds: dict[str, float] = {}
        if jobs is not None:
            t0 = time.perf_counter()
            written = jobs.collect(lambda k, n: step("charts (PNG, SVG)", k, n))
            charts = [out / "charts" / p.name for p in written]
            seconds = dict(jobs.seconds)
            timings["charts"] = time.perf_counter() - t0

        _install(out, tmp, jobs is not None)
        failed = False
    finally:
        staging.close(failed)
    data = dataclasses.replace(data, timings=timings)
    return ReportResult(out, out / "report.html", out / "results.xlsx", tuple(charts), data,
                        said, timings, seconds)


def _install(out: Path, tmp: Path, charts: bool) -> None:
    """Move the finished set (report.html, results.xlsx, charts/) from the staging folder
    ``tmp`` into ``out`` in one step: a reader, or a run killed at any point, sees the whole
    old report or the whole new one. Other files in ``out`` are kept; an old charts/ goes
    with a report written without charts."""
    from ..atomic import replace_folder

    files: dict[str, Path] = {n: tmp / n for n in ("report.html", "results.xlsx")}
    if charts:
        files["charts"] = tmp / "charts"
    replace_folder(out, files, remove=("charts",), what="opmodel report")


__all__ = ["DEMO_FRONTIER", "Analysis", "ProgressFn", "ReportData", "ReportOptions",
           "ReportResult", "build_report", "compute", "default_command", "write_report"]
