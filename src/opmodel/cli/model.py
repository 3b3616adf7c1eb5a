"""Model commands: init, validate, show, demo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.text import Text

from .. import api
from ..errors import InputError, ModelError
from ._app import app
from ._common import MODEL_HELP, AtOpt, Table, console, handle_errors, print_issues
from ._output import INVALID, emit, format_option, output_option


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
    force: bool = typer.Option(False, "--force", help="Write into a folder that has files "
                               "(a model there is replaced; other files are kept)."),
) -> None:
    """Create a small, commented starter model in DIRECTORY."""
    if directory.exists() and any(directory.iterdir()) and not force:
        raise InputError(f"{directory} is not empty", hint="choose a new folder or pass --force")
    from ..io.atomic import replace_folder
    from ..io.folder import known_files

    src = bundled("starter")
    files = {f.name: f.read_bytes() for f in sorted(src.iterdir()) if f.is_file()}
    # the starter's files in one step; the model files of a model that was there before
    # go (its decisions.yaml or usage.csv would name what the starter does not have), any
    # other file of the folder is kept
    stale = [n for n in known_files() if not n.endswith("/") and n not in files
             and (directory / n).is_file()]
    replace_folder(directory, files, remove=stale, what="opmodel init")
    console.print(f"[green]✓[/] starter model written to [bold]{escape(str(directory))}[/]")
    if stale:
        console.print(f"  removed the earlier model's {', '.join(stale)}")
    console.print("  next: edit the files, then run "
                  f"[bold]opmodel validate {escape(str(directory))}[/]")


@app.command("validate")
@handle_errors
def validate_cmd(
    path: str = typer.Argument(..., help=MODEL_HELP),
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors."),
    at: str | None = AtOpt,
    fmt: str | None = format_option(),
    out: Path | None = output_option(),
) -> None:
    """Check a model; print every problem with its file:line:col, exit 1 on any error.

    With --format json (or csv) every issue comes as data — code, severity, file, line,
    column, message, hint — for editors and CI; the exit code is the same."""
    if fmt is None and out is None:
        _validate_table(path, strict, at)
        return
    from ..outputs import issue_out

    counts = None
    try:
        result = _read_checked(path, at)
        issues = list(result.warnings)
        counts = result.enterprise.summary()
    except ModelError as exc:
        issues = list(exc.issues)
    errors = sum(1 for i in issues if i.severity == "error")
    warnings = len(issues) - errors
    valid = errors == 0 and not (strict and warnings)
    rows = [issue_out(i) for i in issues]
    data = {"source": str(path), "valid": valid, "strict": strict, "errors": errors,
            "warnings": warnings, "issues": rows, "counts": counts}
    emit("validate", fmt, out, data=lambda: data, rows=lambda: rows,
         table=lambda: [*(str(i) for i in issues),
                        f"{'valid' if valid else 'not valid'}: {errors} error(s), "
                        f"{warnings} warning(s)"])
    if not valid:
        raise typer.Exit(INVALID)


def _read_checked(path: str, at: str | None) -> Any:
    """``api.read``, and the folder's scenarios.yaml checked against the model: validate
    reports a broken what-if too, not only `plan --scenario` (every problem at once)."""
    result = api.read(path, at)
    folder = Path(path)
    if at is None and "://" not in path and (folder / "scenarios.yaml").exists():
        from ..io.scenarios import read_scenarios

        try:
            read_scenarios(folder, result.enterprise)
        except ModelError as exc:
            raise ModelError([*result.warnings, *exc.issues], source=path) from None
    return result


def _validate_table(path: str, strict: bool, at: str | None) -> None:
    result = _read_checked(path, at)
    print_issues(result.warnings)
    n = len(result.warnings)
    if strict and n:
        console.print(f"[red]✗[/] {n} warning(s) with --strict")
        raise typer.Exit(INVALID)
    counts = result.enterprise.summary()
    console.print(f"[green]✓[/] {escape(str(path))} is valid: "
                  f"{counts['capabilities']} capabilities, {counts['business units']} business "
                  f"units, {counts['assessments']} assessments, {counts['initiatives']} "
                  f"initiatives" + (f"; {n} warning(s)" if n else ""))


def overview_tables(o: Any) -> list[Table]:
    counts = Table(title="Model", show_header=False, title_justify="left")
    for k, v in o.counts.items():
        counts.add_row(k, f"{v:,}")

    chain = Table(title="Value chain", title_justify="left")
    chain.add_column("stage")
    chain.add_column("capabilities", justify="right")
    chain.add_column("assessed cells", justify="right")
    chain.add_column("mean gap", justify="right")
    for s in o.stages:
        chain.add_row(s.name, str(s.capabilities), f"{s.assessed:,}",
                      "–" if s.mean_gap is None else f"{s.mean_gap:.2f}")

    units = Table(title="Business units", title_justify="left")
    for col in ("unit", "weight", "assessed", "n/a", "applications"):
        units.add_column(col, justify="left" if col == "unit" else "right")
    for b in o.business_units:
        units.add_row(b.name, "–" if b.weight is None else f"{b.weight:g}", str(b.assessed),
                      str(b.not_applicable), str(b.applications))

    portfolio = Table(title="Portfolio", title_justify="left")
    for col in ("kind", "initiatives", "total cost", "mandatory"):
        portfolio.add_column(col, justify="left" if col == "kind" else "right")
    for k in o.portfolio:
        portfolio.add_row(k.kind, str(k.initiatives), f"{k.total_cost:,.0f}", str(k.mandatory))
    portfolio.caption = (f"budget over the horizon: {o.budget:,.0f} {o.currency} {o.unit} "
                         f"in {o.pools} pool(s); demand: {o.demand:,.0f}")
    return [counts, chain, units, portfolio]


@app.command()
@handle_errors
def show(path: str = typer.Argument(..., help=MODEL_HELP), at: str | None = AtOpt,
         fmt: str | None = format_option(csv=False), out: Path | None = output_option()
         ) -> None:
    """Print a readable summary of a model: counts, value chain, units, portfolio."""
    from ..analysis.overview import overview

    result = api.read(path, at)
    o = overview(result.enterprise)
    n = len(result.warnings)

    def view() -> list[Any]:
        h = o.horizon
        lines: list[Any] = [
            f"[bold]{escape(o.model)}[/] — horizon {h['start']}–{h['end']} ({h['quarters']} "
            f"quarters), money in {escape(o.unit)} of {escape(o.currency)}"]
        if o.description:
            lines.append(Text(o.description))
        lines += overview_tables(o)
        if n:
            lines.append(f"[yellow]{n} warning(s)[/]; see `opmodel validate`")
        return lines

    emit("show", fmt, out, data=lambda: {**o.to_dict(), "warnings": n}, table=view)


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


@app.command("schema")
@handle_errors
def schema_cmd(
    name: str | None = typer.Argument(None, help="A result's name (gaps, plan, validate, …); "
                                      "none: list them."),
    write: Path | None = typer.Option(None, "--write", help="Write every schema to this "
                                      "folder (docs/schemas), one <name>.json each."),
    check: Path | None = typer.Option(None, "--check", help="Exit 1 when the schemas in this "
                                      "folder differ from the generated ones."),
) -> None:
    """The JSON Schema of a command's --format json result (docs/output.md)."""
    from ..atomic import write_file
    from ..outputs import OUTPUTS, SHAPES, json_schema, schemas

    if write is not None or check is not None:
        if name is not None:  # they work on every schema: a name would be ignored
            from ._exit import UsageError

            raise UsageError(f"--write and --check work on every schema; drop "
                             f"'{name}' (or drop them to print the one schema)")
        texts = schemas()
        if write is not None:
            write.mkdir(parents=True, exist_ok=True)
            for file, text in texts.items():
                write_file(write / file, text)
            console.print(f"[green]✓[/] wrote {len(texts)} schemas to {escape(str(write))}")
        if check is not None:
            stale = sorted(f for f, text in texts.items() if not (check / f).is_file()
                           or (check / f).read_text(encoding="utf-8") != text)
            if stale:
                raise InputError(f"{len(stale)} schema(s) in {check} differ from the "
                                 f"models: {', '.join(stale)}",
                                 hint=f"run `opmodel schema --write {check}`")
        return
    if name is None:
        for n, m in sorted(OUTPUTS.items()):
            about = " ".join((m.__doc__ or "").split())  # one line a schema
            console.print(Text(f"{n:<14} v{m.version_}  {about}"), soft_wrap=True)
        return
    if name not in OUTPUTS and name not in SHAPES:  # SHAPES: the REST API's error
        raise InputError(f"no result called '{name}'",
                         hint="one of: " + ", ".join([*OUTPUTS, *SHAPES]))
    import json
    import sys

    sys.stdout.write(json.dumps(json_schema(name), indent=2, sort_keys=True) + "\n")
