"""Report command: ``opmodel report PATH [--scenario NAME] -o DIR``.

One call to :func:`opmodel.report.build.build_report` (analysis, plan with baselines,
roadmap, frontier, cost risk, then report.html, results.xlsx and charts), with a progress
bar for every step, then a short summary of what the report says.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape
from rich.text import Text

from .. import api
from ..errors import InputError
from ._app import app
from ._common import MODEL_HELP, AtOpt, Table, console, err_console, handle_errors
from ._output import (
    check_folder,
    dir_option,
    emit,
    file_or_folder,
    format_option,
    machine,
    output_option,
    resolve,
)

if TYPE_CHECKING:
    from rich.progress import TaskID

    from ..model import Enterprise

FRONTIER_HELP = ("Budget scales solved for the efficient frontier besides today's, comma-"
                 "separated (e.g. 0.6,0.8,1.2,1.4); 'none' skips the frontier.")


def parse_scales(text: str) -> tuple[float, ...]:
    """``"0.6,0.8,1.2"`` → (0.6, 0.8, 1.2); ``"none"`` or ``""`` → ()."""
    t = text.strip().lower()
    if t in ("", "none", "off", "no"):
        return ()
    try:
        out = tuple(float(x) for x in t.replace(";", ",").split(",") if x.strip())
    except ValueError:
        raise InputError(f"--frontier '{text}' is not a list of numbers",
                         hint="e.g. --frontier 0.6,0.8,1.2,1.4, or --frontier none") from None
    if any(not math.isfinite(x) or x <= 0 for x in out):
        raise InputError(f"--frontier '{text}': budget scales must be positive",
                         hint="1.2 means today's budget plus 20 %")
    return out


class StepBars:
    """A rich progress display fed by :data:`opmodel.report.build.ProgressFn` calls: one bar
    per step, a pulsing bar while the length of a step is unknown."""

    def __init__(self, stream: Any = None) -> None:
        from rich.progress import (
            BarColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self.progress = Progress(
            SpinnerColumn(), TextColumn("{task.description:<24}"), BarColumn(bar_width=30),
            TextColumn("{task.fields[note]}"), TimeElapsedColumn(), console=stream or console,
            transient=False)
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> StepBars:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        for tid in self.tasks.values():
            task = self.progress.tasks[tid]
            if not task.finished and exc[0] is None:
                self.progress.update(tid, completed=task.total or 1, total=task.total or 1)
        self.progress.__exit__(*exc)

    def __call__(self, step: str, done: float, total: float | None) -> None:
        tid = self.tasks.get(step)
        if tid is None:
            for other in self.tasks.values():  # a new step: earlier ones are done
                t = self.progress.tasks[other]
                if not t.finished:
                    self.progress.update(other, total=t.total or 1, completed=t.total or 1,
                                         note="")
            tid = self.tasks[step] = self.progress.add_task(step, total=total, note="")
        note = ""
        if step == "solving" and total and done < total:
            note = f"{done:4.0f} of ≤ {total:g} s"
        elif step.startswith("charts") and total:
            note = f"{done:g} of {total:g}"
        self.progress.update(tid, completed=done, total=total, note=note)


def load_model(path: str | Path, at: str | None = None) -> Enterprise:
    result = api.read(path, at)
    if result.warnings:
        err_console.print(f"[yellow]{len(result.warnings)} warning(s)[/]; see "
                          f"`opmodel validate {escape(str(path))}`")
    return result.enterprise


def scenario_of(path: str | Path, e: Enterprise, name: str | None,
                at: str | None = None) -> Any:
    """The :class:`~opmodel.optimize.scenario.Scenario` called ``name`` in PATH's
    scenarios.yaml (None for no scenario or ``base``)."""
    if name is None:
        return None
    from ..io.scenarios import read_scenarios
    from ..optimize.scenario import BASE

    if name == BASE:
        return None
    with api.side_files(path, at) as folder:
        found = read_scenarios(folder, e).get(name) if folder.is_dir() else None
        if found is None:
            from ..io.scenarios import scenario_model

            scenario_model(folder, e, name)  # raises the error with a "did you mean" hint
            raise InputError(f"no scenario '{name}'")  # pragma: no cover
    return found


# -- the terminal summary -------------------------------------------------------------------------
def _money(x: float | None) -> str:
    return "–" if x is None or not math.isfinite(x) else f"{x:z,.0f}"


def top_priorities_table(d: Any, n: int = 10) -> Table:
    from .analysis import cell_style

    bus = {b.id: b.name for b in d.enterprise.business_units}
    t = Table(title=f"Top {n} priorities", title_justify="left")
    for col, just in (("#", "right"), ("capability", "left"), ("unit", "left"),
                      ("current→target", "center"), ("pain", "right"), ("priority", "center")):
        t.add_column(col, justify=just)  # type: ignore[arg-type]
    for r in d.analysis.gaps.rows[:n]:
        t.add_row(str(r.rank), r.capability_name, bus.get(r.business_unit, r.business_unit),
                  f"{r.current:g} → {r.target:g}", f"{r.pain:g}",
                  Text(f" {r.priority:.2f} ", style=cell_style("priority", r.priority)))
    return t


def baselines_table(d: Any) -> Table:
    plan = d.plan
    e = d.enterprise
    t = Table(title="The plan against its baselines", title_justify="left")
    for col in ("plan", "value", "% of optimum", "funded", "note"):
        t.add_column(col, justify="left" if col in ("plan", "note") else "right")
    t.add_row("optimized plan", _money(plan.objective), "100.0 %", str(len(plan.selected)),
              plan.status_text, style="bold")
    for name, b in plan.baselines.items():
        p = plan.baseline_percent(name)
        funded = "–" if b.start is None else str(int((b.start >= 0).sum()))
        note = b.note + (" — breaks the rules" if b.breaks and "break" not in b.note else "")
        t.add_row(name, _money(b.value), "–" if p is None else f"{p:.1f} %", funded, note)
    t.caption = f"value in {e.currency} {e.unit}, over the horizon and the year after it"
    return t


def summary_renderables(res: Any) -> list[Any]:
    """What ``opmodel demo`` prints: the heat map, the top ten, the plan against baselines."""
    from .analysis import heatmap_table, legend

    d, f = res.data, res.findings
    out: list[Any] = [
        Text(f.headline.title, style="bold red"),
        heatmap_table(d.analysis.stage_map),
        legend("priority"),
        top_priorities_table(d),
        Text(f.value.title, style="bold green"),
        baselines_table(d),
        Text(f.value.detail),
        Text(f"{f.budget.title}. {f.mix.title}."),
    ]
    if f.risk is not None:
        out.append(Text(f.risk.title + "."))
    return out


def findings_renderables(res: Any) -> list[Any]:
    """What ``opmodel report`` prints: the findings of the executive summary."""
    d, f = res.data, res.findings
    out: list[Any] = [Text(f"{d.enterprise.name} — what the report says:", style="bold")]
    for k, x in enumerate(f.summary, start=1):
        style = {"good": "green", "bad": "red", "warn": "yellow"}.get(x.tone, "")
        out.append(Text.assemble(f"{k:>2}. ", (x.title, f"bold {style}".strip())))
    out.append(baselines_table(d))
    return out


def files_line(res: Any) -> str:
    size = res.size / 1e6
    charts = len(res.charts)
    parts = [f"report.html ({size:.1f} MB)", "results.xlsx"]
    if charts:
        parts.append(f"{charts} chart files in charts/")
    return f"[green]✓[/] wrote {', '.join(parts)} to {escape(str(res.out_dir))}"



def run_report(e: Enterprise, out_dir: Path, options: Any, source: Path | None,
               scenario: Any = None, quiet: bool = False) -> Any:
    """:func:`build_report` with progress bars (on stderr when ``quiet``: stdout is kept for
    the result)."""
    from ..report.build import build_report

    with StepBars(err_console if quiet else None) as bars:
        return build_report(e, scenario=scenario, out_dir=out_dir, options=options,
                            progress=bars, source=source)


@app.command()
@handle_errors
def report(
    path: str = typer.Argument(..., help=MODEL_HELP),
    folder: Path | None = dir_option("report.html, results.xlsx and charts/ (default: "
                                     "report; -o DIR, without a suffix, still works)"),
    scenario: str | None = typer.Option(None, "--scenario", "-s",
                                        help="Plan under this scenario of scenarios.yaml."),
    time_limit: float = typer.Option(60.0, "--time-limit", "-t",
                                     help="Stop the main solve after this many seconds (the "
                                          "best plan so far is reported with its gap)."),
    gap: float = typer.Option(1e-4, "--gap", help="Relative optimality gap at which to stop."),
    seed: int = typer.Option(0, "--seed", help="Seed of the solver, risk and stability draws."),
    frontier: str = typer.Option("0.6,0.8,1.2,1.4", "--frontier", help=FRONTIER_HELP),
    frontier_time_limit: float = typer.Option(10.0, "--frontier-time-limit",
                                              help="Seconds per frontier point."),
    frontier_gap: float = typer.Option(0.01, "--frontier-gap",
                                       help="Relative gap at which a frontier point stops."),
    charts: bool = typer.Option(True, "--charts/--no-charts",
                                help="Also write every chart as PNG and SVG."),
    at: str | None = AtOpt,
    fmt: str | None = format_option(csv=False),
    output: Path | None = output_option(),
) -> None:
    """Write the planning report: report.html (one self-contained file), results.xlsx and
    every chart as PNG and SVG; prints what the report says."""
    from ..report.build import ReportOptions

    output, folder = file_or_folder(output, folder)
    resolve(fmt, output, csv=False)
    folder = folder or Path("report")
    check_folder(folder)
    e = load_model(path, at)
    sc = scenario_of(path, e, scenario, at)
    opts = ReportOptions(time_limit=time_limit, mip_gap=gap, seed=seed,
                         frontier_scales=parse_scales(frontier),
                         frontier_time_limit=frontier_time_limit, frontier_gap=frontier_gap,
                         charts=charts)
    res = run_report(e, folder, opts, path, sc, quiet=machine(fmt, output))

    def data() -> dict[str, Any]:
        return {"model": e.name, "out_dir": str(res.out_dir), "html": str(res.html),
                "files": [str(p.relative_to(res.out_dir)) for p in
                          (res.html, res.workbook, *res.charts)],
                "findings": [{"title": x.title, "detail": x.detail, "tone": x.tone}
                             for x in res.findings.summary]}

    emit("report", fmt, output, data=data, table=lambda: [
        *findings_renderables(res), files_line(res),
        f"open [bold]{escape(str(res.html.resolve()))}[/]"])
