"""Model commands: init, validate, show, demo."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from .. import api
from ..errors import InputError
from . import app
from ._common import MODEL_HELP, AtOpt, Table, console, handle_errors, print_issues

if TYPE_CHECKING:
    from ..model import Enterprise


def bundled(name: str) -> Path:
    """Path of a model folder shipped with opmodel (``starter`` or ``examples/acme``)."""
    from importlib import resources

    path = Path(str(resources.files("opmodel") / name))
    if not path.is_dir():
        raise InputError(f"bundled model '{name}' is missing from this installation",
                         hint="reinstall opmodel")
    return path


@app.command()
@handle_errors
def init(
    directory: Path = typer.Argument(..., help="Folder to create the starter model in."),
    force: bool = typer.Option(False, "--force", help="Write into a folder that has files."),
) -> None:
    """Create a small, commented starter model in DIRECTORY."""
    if directory.exists() and any(directory.iterdir()) and not force:
        raise InputError(f"{directory} is not empty", hint="choose a new folder or pass --force")
    from ..io.atomic import replace_folder

    src = bundled("starter")
    # the starter's files in one step (other files of the folder are kept)
    replace_folder(directory, {f.name: f.read_bytes() for f in sorted(src.iterdir())
                               if f.is_file()}, what="opmodel init")
    console.print(f"[green]✓[/] starter model written to [bold]{escape(str(directory))}[/]")
    console.print("  next: edit the files, then run "
                  f"[bold]opmodel validate {escape(str(directory))}[/]")


@app.command("validate")
@handle_errors
def validate_cmd(
    path: str = typer.Argument(..., help=MODEL_HELP),
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors."),
    at: str | None = AtOpt,
) -> None:
    """Check a model; print every problem with its file:line:col, exit 1 on any error."""
    result = api.read(path, at)
    print_issues(result.warnings)
    n = len(result.warnings)
    if strict and n:
        console.print(f"[red]✗[/] {n} warning(s) with --strict")
        raise typer.Exit(1)
    counts = result.enterprise.summary()
    console.print(f"[green]✓[/] {escape(str(path))} is valid: "
                  f"{counts['capabilities']} capabilities, {counts['business units']} business "
                  f"units, {counts['assessments']} assessments, {counts['initiatives']} "
                  f"initiatives" + (f"; {n} warning(s)" if n else ""))


def summary_tables(e: Enterprise) -> list[Table]:
    """The readable summary of a model: counts, value chain, business units, portfolio."""
    counts = Table(title="Model", show_header=False, title_justify="left")
    for k, v in e.summary().items():
        counts.add_row(k, f"{v:,}")

    chain = Table(title="Value chain", title_justify="left")
    chain.add_column("stage")
    chain.add_column("capabilities", justify="right")
    chain.add_column("assessed cells", justify="right")
    chain.add_column("mean gap", justify="right")
    caps_by_stage: dict[str, list[str]] = {}
    for c in e.capabilities:
        caps_by_stage.setdefault(c.stage, []).append(c.id)
    gaps: dict[str, list[float]] = {}
    for a in e.assessments:
        if a.gap is not None:
            stage = e.capability(a.capability).stage
            gaps.setdefault(stage, []).append(a.gap)
    for s in e.ordered_stages:
        g = gaps.get(s.id, [])
        chain.add_row(s.name, str(len(caps_by_stage.get(s.id, []))), f"{len(g):,}",
                      f"{sum(g) / len(g):.2f}" if g else "–")

    units = Table(title="Business units", title_justify="left")
    for col in ("unit", "weight", "assessed", "n/a", "applications"):
        units.add_column(col, justify="left" if col == "unit" else "right")
    assessed: dict[str, int] = {}
    na: dict[str, int] = {}
    for a in e.assessments:
        if a.assessed:
            assessed[a.business_unit] = assessed.get(a.business_unit, 0) + 1
        elif not a.applicable:
            na[a.business_unit] = na.get(a.business_unit, 0) + 1
    apps: dict[str, int] = {}
    for app_ in e.applications:
        for b in app_.business_units:
            apps[b] = apps.get(b, 0) + 1
    for b in e.business_units:
        units.add_row(b.name, "–" if b.weight is None else f"{b.weight:g}",
                      str(assessed.get(b.id, 0)), str(na.get(b.id, 0)), str(apps.get(b.id, 0)))

    portfolio = Table(title="Portfolio", title_justify="left")
    for col in ("kind", "initiatives", "total cost", "mandatory"):
        portfolio.add_column(col, justify="left" if col == "kind" else "right")
    for kind in ("run", "grow", "transform"):
        its = [i for i in e.initiatives if i.kind == kind]
        portfolio.add_row(kind, str(len(its)), f"{sum(i.total_cost for i in its):,.0f}",
                          str(sum(i.mandatory for i in its)))
    budget = sum(b.amount for b in e.budgets)
    portfolio.caption = (f"budget over the horizon: {budget:,.0f} {e.currency} {e.unit} "
                         f"in {len(e.pools)} pool(s); demand: "
                         f"{sum(i.total_cost for i in e.initiatives):,.0f}")
    return [counts, chain, units, portfolio]


@app.command()
@handle_errors
def show(path: str = typer.Argument(..., help=MODEL_HELP), at: str | None = AtOpt) -> None:
    """Print a readable summary of a model: counts, value chain, units, portfolio."""
    result = api.read(path, at)
    e = result.enterprise
    console.print(f"[bold]{escape(e.name)}[/] — horizon {e.horizon.start}–{e.horizon.end} "
                  f"({e.horizon.quarters} quarters), money in {escape(e.unit)} of "
                  f"{escape(e.currency)}")
    if e.description:
        console.print(escape(e.description))
    for t in summary_tables(e):
        console.print(t)
    if result.warnings:
        console.print(f"[yellow]{len(result.warnings)} warning(s)[/]; see `opmodel validate`")


@app.command()
@handle_errors
def demo(
    directory: Path = typer.Option(Path("opmodel-demo"), "--dir", "-d",
                                   help="Working folder for the demo."),
) -> None:
    """Run the main job on the bundled Acme example (copied to --dir when absent):
    validate, analyse, plan against the baselines, frontier and cost risk, and write the
    report (report.html, results.xlsx, charts)."""
    from ..report.build import DEMO_FRONTIER, ReportOptions
    from .report import files_line, run_report, summary_renderables

    model_dir = directory / "acme"
    if not model_dir.exists():
        from ..io.atomic import replace_folder

        src = bundled("examples/acme")  # copied in one step: a kill leaves no half model
        replace_folder(model_dir, {f.name: f.read_bytes() for f in sorted(src.iterdir())
                                   if f.is_file()}, what="opmodel demo")
        console.print(f"copied the Acme example to [bold]{escape(str(model_dir))}[/]")
    result = api.read(model_dir)
    print_issues(result.warnings, console)
    e = result.enterprise
    console.print(f"[green]✓[/] [bold]{escape(e.name)}[/] is valid — {len(e.capabilities)} "
                  f"capabilities × {len(e.business_units)} units, {len(e.initiatives)} "
                  f"initiatives, horizon {e.horizon.start}–{e.horizon.end}")
    options = ReportOptions(time_limit=20.0, frontier_scales=DEMO_FRONTIER,
                            frontier_time_limit=4.0, frontier_gap=0.01)
    res = run_report(e, directory / "report", options, model_dir)
    for r in summary_renderables(res):
        console.print(r)
    console.print(files_line(res))
    from .cycle import demo_replan

    demo_replan(e, getattr(res.data, "since", None))  # the cycle: re-plan from where Acme is
    console.print(f"report: [bold]{escape(str(res.html.resolve()))}[/]", soft_wrap=True)
