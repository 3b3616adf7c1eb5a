"""The report's charts: one Vega-Lite spec each, shown in report.html and written beside it as
PNG and SVG by vl-convert in worker processes (:class:`ChartJobs`), in the background: the
analysis charts while the optimizer solves, the plan's while the HTML and workbook are
written.

Each spec is built once — Altair without its per-object validation, inline data passed
through (:func:`.charts.inline`) — turned into a dict once, and that dict is shared by the
HTML and the files."""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import altair as alt

from ..errors import OpmodelError

if TYPE_CHECKING:
    from .build import Analysis, ReportData


@dataclass(frozen=True)
class ChartSpec:
    name: str
    """File stem and element id (``heatmap-stage`` → charts/heatmap-stage.png)."""
    caption: str
    spec: dict[str, Any]


def _spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    return chart.to_dict(validate=False)


ORDER = ("heatmap-stage", "heatmap-capability", "top-gaps", "value-vs-baselines",
         "value-over-time", "roadmap-gantt", "spend-vs-budget", "mix-per-quarter", "plateaus",
         "frontier", "risk-spend", "risk-overrun", "consolidation", "homogeneity-stages",
         "time-quadrant", "rank-stability")
"""Every chart of the report, in reading order (the ones a model has)."""


class _Specs:
    """Collects chart specs: each chart is built once (Altair without its per-object
    validation) and turned into a dict once; the HTML and the files share that dict."""

    def __init__(self, skip: Iterable[str] = ()) -> None:
        self.out: dict[str, ChartSpec] = {}
        self.skip = set(skip)

    def add(self, name: str, caption: str, chart: Callable[[], alt.TopLevelMixin]) -> None:
        if name in self.skip:
            return
        with alt.utils.schemapi.debug_mode(False):
            self.out[name] = ChartSpec(name, caption, _spec(chart()))


def analysis_chart_specs(a: Analysis | ReportData) -> dict[str, ChartSpec]:
    """The charts that need only the analysis (heat maps, gaps, consolidation, TIME,
    stability): drawn while the optimizer solves."""
    from ..analysis import ranked_gaps
    from . import charts as C
    from . import report_charts as R
    from .findings import analysis_findings
    from .tables import candidate_rows

    e = a.enterprise
    f = analysis_findings(a)
    mu = f"{e.currency} {e.unit}"
    cm = a.capability_map
    n_cells = cm.values.size - len(cm.columns)  # without the "All units" row
    s = _Specs()
    s.add("heatmap-stage", "Priority by business unit and value-chain stage",
          lambda: C.heatmap_chart(a.stage_map, title=f.headline.title))
    s.add("heatmap-capability", "Priority by business unit and capability",
          lambda: C.heatmap_chart(cm, title="Priority by business unit and capability",
                                  note=f"all {n_cells:,} cells in results.xlsx"))
    s.add("top-gaps", "The hottest capability × unit cells",
          lambda: C.gaps_chart(ranked_gaps(e, 15, scores=a.scores),
                               title="The 15 hottest gaps"))
    s.add("consolidation",
          "Consolidation candidates: savings a year and the application to keep",
          lambda: R.consolidation_chart(candidate_rows(a, 15), a.homogeneity.total_savings,
                                        mu, title=_short(f.consolidation.title)))
    s.add("homogeneity-stages", "Duplicated run cost by stage",
          lambda: C.homogeneity_chart(a.homogeneity, by="stage", money=mu))
    s.add("time-quadrant", "TIME quadrant of the applications",
          lambda: C.time_chart(a.time, title=_short(f.applications.title)))
    s.add("rank-stability", "Rank stability of the top 10 cells",
          lambda: C.stability_chart(a.stability))
    return s.out


def plan_chart_specs(d: ReportData, skip: Iterable[str] = ()) -> dict[str, ChartSpec]:
    """The charts of the plan: baselines, roadmap, spend, mix, plateaus, frontier, risk
    (but the ``skip`` ones)."""
    from . import report_charts as R
    from .plan_charts import frontier_chart, spend_chart

    e = d.enterprise
    f = d.findings()
    money = d.money_unit
    s = _Specs(skip)
    s.add("value-vs-baselines", "The plan against the status-quo baselines",
          lambda: R.baselines_chart(d.plan, money, title=_short(f.value.title)))
    s.add("value-over-time", "Value delivered per quarter",
          lambda: R.value_over_time_chart(d.plan, money))
    road = d.roadmap
    if road is not None:
        worth = {x.id: x.value_if_dropped or 0.0 for x in d.explanations if x.funded}
        s.add("roadmap-gantt", "Funded roadmap by quarter, coloured by kind",
              lambda: R.gantt_chart(road.gantt, d.plan.quarters, worth,
                                    title=f.roadmap.title))
    s.add("spend-vs-budget", "Spend against budget per quarter and pool",
          lambda: spend_chart(d.plan, title="Spend against budget per quarter and pool"))
    if road is not None:
        s.add("mix-per-quarter", "Investment mix per quarter against the guardrails",
              lambda: R.mix_chart(road.mix, d.plan.quarters, guardrail_lines(d),
                                  title=f.mix.title))
        steps, recs, rows, cols = plateau_records(d, d.stage_map)
        s.add("plateaus", "The stage heat map after each quarter",
              lambda: R.plateau_chart(recs, steps, rows, cols))
    front = d.frontier
    if front is not None:
        s.add("frontier", "Efficient frontier: value against budget",
              lambda: frontier_chart(front, e.name, money))
    risk = d.risk
    if risk is not None:
        budgets = {(b.pool, b.period): b.amount for b in e.budgets if not b.is_fiscal_year}
        s.add("risk-spend", "Cost risk: P50 and P80 spend per quarter and pool",
              lambda: R.risk_spend_chart(risk, d.plan.quarters, budgets, money))
        s.add("risk-overrun", "Overrun probability per pool and quarter",
              lambda: R.overrun_chart(risk, d.plan.quarters))
    return s.out


def chart_specs(d: ReportData, early: dict[str, ChartSpec] | None = None
                ) -> dict[str, ChartSpec]:
    """Every chart of the report, by name, in reading order; ``early`` are the charts built
    already: the analysis charts (:func:`analysis_chart_specs`) and maybe some of the
    plan's."""
    done = early if early is not None else analysis_chart_specs(d)
    both = {**done, **plan_chart_specs(d, skip=done)}
    return {name: both[name] for name in ORDER if name in both}


def _short(title: str, limit: int = 90) -> str:
    return title if len(title) <= limit else title.split(":")[0]


def capability_view(d: ReportData) -> Any:
    """The capability heat map at a size that stays readable: every capability up to
    :data:`MAX_CELLS` cells, else rolled up to level-1 capabilities."""
    from ..analysis import heatmap

    hm = d.capability_map
    if hm.values.size <= MAX_CELLS:
        return hm
    return heatmap(d.enterprise, "capability", "priority", "max", level=1, scores=d.scores)


MAX_CELLS = 3000


def guardrail_lines(d: ReportData) -> list[dict[str, Any]]:
    out = []
    for g in d.enterprise.policy.guardrails:
        scope = " each quarter" if g.scope == "quarter" else " over the horizon"
        if g.min_share is not None:
            out.append({"kind": g.kind, "limit": g.min_share,
                        "label": f"≥ {g.min_share:.0%}{scope}"})
        if g.max_share is not None:
            out.append({"kind": g.kind, "limit": g.max_share,
                        "label": f"≤ {g.max_share:.0%}{scope}"})
    return out


def plateau_maps(d: ReportData, hm: Any) -> list[tuple[str, Any]]:
    """``hm`` (a priority heat map) today and after each quarter of the plan, as
    (label, HeatMap) pairs: the cells' priorities come from the roadmap, rolled up by the
    heat map's own rule and tree."""
    import numpy as np

    road = d.roadmap
    if road is None:
        return [("today", hm)]
    s = d.scores
    cap_pos, bu_pos = s.base.cap_pos, s.base.bu_pos
    per_q = np.repeat(np.array(s.priority, dtype=float)[None], len(road.quarters), axis=0)
    q_pos = {q: t for t, q in enumerate(road.quarters)}
    for r in road.plateau_rows(changed_only=True):
        per_q[q_pos[r["quarter"]], cap_pos[r["capability"]], bu_pos[r["business_unit"]]] = \
            r["priority"]
    out = [("today", hm)]
    for t, q in enumerate(road.quarters):
        out.append((f"after {q}", hm.with_values(per_q[t])))
    return out


def plateau_records(d: ReportData, hm: Any) -> tuple[list[str], list[dict[str, Any]],
                                                      list[str], list[str]]:
    """Small-multiple records (step, row_name, column_name, value) of :func:`plateau_maps`."""
    from .charts import heatmap_records

    steps, recs = [], []
    rows: list[str] = []
    cols: list[str] = []
    for label, m in plateau_maps(d, hm):
        steps.append(label)
        for r in heatmap_records(m):
            if r["row"] == "all":
                continue
            recs.append({"step": label, "row_name": r["row_name"],
                         "column_name": r["column_name"], "value": r["value"]})
            if r["row_name"] not in rows:
                rows.append(r["row_name"])
            if r["column_name"] not in cols:
                cols.append(r["column_name"])
    return steps, recs, rows, cols


# -- rendering ---------------------------------------------------------------------------------
def _vl_version() -> str:
    return alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0]


def render_one(name: str, spec: dict[str, Any], folder: str) -> list[str]:
    """Write ``folder/name.svg`` and ``folder/name.png``; returns the paths."""
    from ._render import render_one as run

    return run(name, spec, folder, _vl_version())


def _cost(c: ChartSpec) -> int:
    """A rough cost of drawing a chart: its inline records (every mark and label costs
    vl-convert time)."""
    n = 0
    stack: list[Any] = [c.spec]
    while stack:
        x = stack.pop()
        if isinstance(x, dict):
            v = x.get("values")
            if isinstance(v, list):
                n += len(v)
            stack.extend(v for k, v in x.items() if k != "values")
        elif isinstance(x, list):
            stack.extend(x)
    return n


class _Worker:
    """One worker process (``_render.py`` run as a script) and the thread that feeds it:
    the thread takes the next chart from the shared queue when the worker is free, and
    puts what the worker answers on the results queue."""

    def __init__(self, tasks: queue.Queue[Any], results: queue.Queue[Any]) -> None:
        from . import _render

        # the worker's stderr, for a crash report; closed by stop()
        self.log = tempfile.TemporaryFile()  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-P", _render.__file__, _vl_version()],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log)
        self.tasks, self.results = tasks, results
        self.thread = threading.Thread(target=self._feed, daemon=True)
        self.thread.start()

    def _feed(self) -> None:
        from ._render import receive, send

        assert self.proc.stdin is not None and self.proc.stdout is not None
        while True:
            task = self.tasks.get()
            if task is None:
                return
            try:
                send(self.proc.stdin, task)
                answer = receive(self.proc.stdout)
            except (OSError, ValueError):
                answer = None
            if answer is None:
                self.results.put((task[0], [], f"the chart worker stopped: {self._why()}",
                                  0.0))
                return
            self.results.put(answer)

    def _why(self) -> str:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=2)
        with contextlib.suppress(OSError):
            self.log.seek(0)
            tail = self.log.read()[-2000:].decode("utf-8", "replace").strip()
            if tail:
                return f"exit code {self.proc.returncode}: {tail.splitlines()[-1]}"
        return f"exit code {self.proc.returncode}"

    def stop(self) -> None:
        """End the worker at once (a chart it is drawing is dropped), then its thread."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.thread.join(timeout=5)  # it sees the end of the worker's output
        for stream in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError):
                if stream is not None:
                    stream.close()
        self.log.close()


class ChartJobs:
    """Charts drawn to PNG and SVG in ``folder`` by worker processes, in the background:
    :meth:`submit` specs as soon as they exist (the analysis charts while the optimizer is
    solving), :meth:`collect` the files at the end.

    A worker takes the next chart when it is free, largest first, so the work stays
    balanced. Each worker costs about a second to start (vl-convert's engine), so only as
    many start as there are cores beside the main process (``start``, at most
    ``processes``); :meth:`collect` starts the rest when many charts are still waiting and
    the main process has nothing else to do.
    """

    WAITING = 3
    """:meth:`collect` starts more workers when more charts than this are waiting: the main
    process has nothing else to do then, and a new worker (half a second to start) takes
    half of the rest."""

    def __init__(self, folder: Path, processes: int = 2, start: int | None = None) -> None:
        self.folder = folder
        self.processes = max(1, processes)
        self._tasks: queue.Queue[Any] = queue.Queue()
        self._results: queue.Queue[Any] = queue.Queue()
        self._workers: list[_Worker] = []
        self.names: list[str] = []
        self.seconds: dict[str, float] = {}
        """CPU seconds each chart took its worker (filled by :meth:`collect`)."""
        self.add_workers(spare_cores() if start is None else start)

    def add_workers(self, n: int | None = None) -> None:
        """Have ``n`` workers in all (default: ``processes``)."""
        want = min(self.processes, self.processes if n is None else max(1, n))
        while len(self._workers) < want:
            self._workers.append(_Worker(self._tasks, self._results))

    def submit(self, specs: Iterable[ChartSpec]) -> None:
        """Queue charts to draw (the largest first)."""
        for c in sorted(specs, key=_cost, reverse=True):
            self.names.append(c.name)
            self._tasks.put((c.name, c.spec, str(self.folder)))

    def collect(self, progress: Callable[[int, int], None] | None = None) -> list[Path]:
        """Wait for every submitted chart; the paths of the files written."""
        tick = progress or (lambda k, n: None)
        n = len(self.names)
        if self._tasks.qsize() > self.WAITING:
            self.add_workers()
        written: list[str] = []
        try:
            tick(0, n)
            for k in range(1, n + 1):
                name, paths, error, seconds = self._next()
                self.seconds[name] = seconds
                if error is not None:
                    raise OpmodelError(f"chart {name} could not be drawn: "
                                       f"{error.splitlines()[0]}",
                                       hint="--no-charts writes the report without the "
                                            "PNG/SVG files")
                written += paths
                tick(k, n)
        finally:
            self.close()
        return sorted(Path(p) for p in written)

    def _next(self) -> tuple[str, list[str], str | None, float]:
        while True:
            try:
                return self._results.get(timeout=1.0)  # type: ignore[no-any-return]
            except queue.Empty:
                if not any(w.thread.is_alive() for w in self._workers):
                    raise OpmodelError("the chart workers stopped",
                                       hint="--no-charts writes the report without the "
                                            "PNG/SVG files") from None

    def close(self) -> None:
        """Stop the workers (at once: charts still queued are dropped)."""
        for _ in self._workers:
            self._tasks.put(None)
        for w in self._workers:
            w.stop()
        self._workers = []


def spare_cores() -> int:
    """Cores beside the main process (at least 1)."""
    return max(1, (os.cpu_count() or 2) - 1)


def render_charts(specs: dict[str, ChartSpec], folder: Path, processes: int = 2,
                  progress: Callable[[int, int], None] | None = None) -> list[Path]:
    """Render every chart to PNG and SVG in ``folder`` (``processes`` workers)."""
    jobs = ChartJobs(folder, processes)
    jobs.submit(specs.values())
    return jobs.collect(progress)


__all__ = ["MAX_CELLS", "ORDER", "ChartJobs", "ChartSpec", "analysis_chart_specs",
           "capability_view", "chart_specs", "guardrail_lines", "plan_chart_specs",
           "plateau_maps", "plateau_records", "render_charts", "render_one", "spare_cores"]
