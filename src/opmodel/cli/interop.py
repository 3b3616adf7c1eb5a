"""Interchange commands: export, import, and the licence-free assessment survey.

``opmodel export`` / ``opmodel import`` are :func:`opmodel.api.export_model` and
:func:`opmodel.api.import_model`; the ``survey`` group is :mod:`opmodel.io.survey`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape
from rich.text import Text

from .. import api
from ..errors import InputError
from ._app import app
from ._common import MODEL_HELP, AtOpt, Table, console, handle_errors, print_issues
from ._output import INVALID, emit, format_option, output_option, resolve

if TYPE_CHECKING:
    from ..io.archimate_map import ImportReport

survey_app = typer.Typer(
    help="Collect assessments from business-unit leads with plain Excel workbooks: no "
         "licences, no accounts.",
    no_args_is_help=True,
)
app.add_typer(survey_app, name="survey")


def _day(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{option} '{text}' is not a date", hint="write it as YYYY-MM-DD") \
            from None


def _quarter_day(text: str | None) -> dt.date | None:
    """The first day of a quarter written like 2027Q3 (`--as-of` means a quarter to `plan`),
    else None."""
    from ..model.quarter import quarter_index

    if text is None or "q" not in text.lower():
        return None
    try:
        year, q = divmod(quarter_index(text.upper()), 4)
    except ValueError:
        return None
    return dt.date(year, 3 * q + 1, 1)


@app.command("export")
@handle_errors
def export_cmd(
    path: str = typer.Argument(..., help=MODEL_HELP),
    out: Path = typer.Argument(..., help="File to write: *.xlsx or *.xml (ArchiMate)."),
    format: str | None = typer.Option(
        None, "--format", "-f", help="xlsx or archimate (default: from OUT's suffix)."),
    at: str | None = AtOpt,
) -> None:
    """Write a model as an Excel workbook or an ArchiMate 3.1 exchange file."""
    try:
        fmt = api.format_of(out, format)
    except InputError as exc:  # a usage error (exit 2), as `-o x.foo` or `-f png` anywhere
        from ._exit import UsageError

        raise UsageError(f"{exc.message}; {exc.hint}" if exc.hint else exc.message) from None
    if out.is_dir():  # before building the file (a failed write left noise from its writer)
        raise InputError(f"{out} is a folder", hint="give the file to write, e.g. model.xlsx")
    up = out.parent
    while not up.exists() and up != up.parent:
        up = up.parent
    if up.exists() and not up.is_dir():
        raise InputError(f"cannot write {out}: {up} is a file, not a folder")
    written = api.export_model(path, out, fmt, at=at)
    what = ("one sheet per table, with dropdowns; edit it and run `opmodel import`"
            if fmt == "xlsx" else "open it in Archi with File › Import › Open Exchange File; "
            "the view 'Capability heat map' shows the priorities")
    console.print(f"[green]✓[/] wrote [bold]{escape(str(written))}[/] ({fmt}): {what}")


@app.command("import")
@handle_errors
def import_cmd(
    file: Path = typer.Argument(..., help="An .xlsx workbook or an ArchiMate .xml file."),
    directory: Path = typer.Argument(..., help="Model folder to write."),
    force: bool = typer.Option(False, "--force", help="Replace the model files of a folder "
                               "that is not empty."),
    mapping: Path | None = typer.Option(
        None, "--map", help="ArchiMate: a mapping file saying which element types become "
        "stages, capabilities, business units and applications (see docs/interop.md); "
        "default: guessed for files other tools wrote."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what becomes what and what "
                                 "is left out, by type and count; write nothing."),
    fmt: str | None = format_option(csv=False),
    out: Path | None = output_option(),
) -> None:
    """Read a workbook or an ArchiMate exchange file into a model folder.

    Every problem is listed with its place (Sheet!C17 or file.xml:120); nothing is written
    until all errors are fixed. --format and -o apply to --dry-run (what becomes what).
    """
    if (fmt is not None or out is not None) and not dry_run:
        raise InputError("--format and -o apply to --dry-run", hint="add --dry-run")
    if dry_run:
        resolve(fmt, out, csv=False)
        report = api.inspect_import(file, mapping, directory)

        def view() -> list[Any]:
            lines = _report_view(report, directory)
            if directory.is_dir() and not force and any(directory.iterdir()):
                lines.append(f"[yellow]note[/]: {escape(str(directory))} is not empty; the "
                             "import would need --force (which replaces its model files)")
            return lines

        emit("import", fmt, out, data=report.to_dict, table=view)
        if not report.ok:
            raise typer.Exit(INVALID)
        return
    from ..atomic import check_writable, real_folder

    check_writable(real_folder(directory).parent, directory)  # before the file is read
    result, written = api.import_model(file, directory, force=force, mapping=mapping)
    print_issues(result.warnings)
    counts = result.enterprise.summary()
    n = len(result.warnings)
    console.print(f"[green]✓[/] {escape(str(file))} → [bold]{escape(str(directory))}[/]: "
                  f"{len(written)} files; {counts['capabilities']} capabilities, "
                  f"{counts['business units']} business units, {counts['applications']} "
                  f"applications, {counts['assessments']} assessments, "
                  f"{counts['initiatives']} initiatives"
                  + (f", {len(result.scenarios.scenarios)} scenario(s)"
                     if result.scenarios is not None and result.scenarios.scenarios else "")
                  + (f"; {n} warning(s)" if n else ""))


def _report_view(report: ImportReport, directory: Path) -> list[Any]:
    """The dry run as tables: the mapping, then what was mapped and what was left out."""
    out: list[Any] = [f"[bold]{escape(report.source)}[/] — mapping: "
                      f"{escape(report.mapping_source)}"]
    for note in report.notes:
        out.append(Text(f"  {note}"))
    for title, rows in (("Mapped", report.mapped), ("Left out", report.left_out)):
        if not rows:
            continue
        t = Table(title=title, title_justify="left")
        t.add_column("ArchiMate" if report.mapping_source != "workbook" else "sheet")
        t.add_column("count", justify="right")
        t.add_column("becomes" if title == "Mapped" else "why")
        t.add_column("first line", justify="right")
        for r in rows:
            t.add_row(r.archimate, str(r.count), r.reason or r.becomes,
                      str(r.line) if r.line else "")
        out.append(t)
    if report.mapping_source == "guessed":
        out.append(Text("to change what becomes what, save this as a file and pass --map "
                        "FILE (see docs/interop.md):"))
        out.append(Text(report.mapping.yaml_text().rstrip(), no_wrap=True))  # copied as is
    out += [Text(str(i), style="red" if i.severity == "error" else "yellow")
            for i in report.issues if i.code != "W-SKIP"]
    errors = sum(1 for i in report.issues if i.severity == "error")
    if report.ok:
        c = report.counts
        out.append(f"dry run: {escape(str(directory))} would hold {c['capabilities']} "
                   f"capabilities, {c['business units']} business units, "
                   f"{c['applications']} applications, {c['assessments']} assessments; "
                   "nothing was written")
    else:
        out.append(f"[red]✗[/] {errors} error(s); the import would write nothing")
    return out


@survey_app.command("export")
@handle_errors
def survey_export(
    path: str = typer.Argument(..., help=MODEL_HELP),
    business_unit: str = typer.Option(..., "--business-unit", "-b",
                                      help="Id of the business unit to survey."),
    out: Path | None = typer.Option(None, "--output", "--out", "-o",
                                    help="Workbook to write (default: survey-BU.xlsx)."),
    force: bool = typer.Option(False, "--force", help="Replace the workbook if it exists."),
) -> None:
    """Write the assessment survey of one business unit: a workbook its lead fills in."""
    from ..io import survey as surveys

    if out is not None:  # -o as everywhere: a file in a folder that exists (docs/output.md)
        from ._output import _writable

        _writable(out)
    target = out or Path(f"survey-{business_unit}.xlsx")
    model = api.load(path) if api.store_url(path) else path
    surveys.export_survey(model, business_unit, target, overwrite=force)
    console.print(f"[green]✓[/] wrote [bold]{escape(str(target))}[/] for business unit "
                  f"'{escape(business_unit)}'")
    console.print("  send it to the unit's lead; when it comes back run "
                  f"[bold]opmodel survey merge {escape(str(path))} {escape(str(target))}[/]")


@survey_app.command("merge")
@handle_errors
def survey_merge(
    path: str = typer.Argument(..., help=MODEL_HELP),
    survey: Path = typer.Argument(..., help="The returned survey workbook."),
    force: bool = typer.Option(False, "--force", help="Keep the survey's values where the "
                               "model changed since the survey was exported."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the changes; write nothing."),
    date: str | None = typer.Option(None, "--date", help="Date for answers the lead left "
                                    "undated (YYYY-MM-DD; default today)."),
) -> None:
    """Validate a returned survey, show its changes and merge them into assessments.csv."""
    from ..io import survey as surveys

    url = api.store_url(path)
    if url is None:
        plan = surveys.merge_survey(path, survey, force=force, dry_run=dry_run,
                                    today=_day(date, "--date"))
    else:  # a store: the merge is one action (rights, versions, change log)
        from .. import actions
        from .store import local_actor

        plan = surveys.plan_merge(api.load(url), survey, _day(date, "--date"))
        if plan.conflicts and not force:
            raise surveys.SurveyConflictError(plan.conflicts, source=str(plan.survey))
        if plan.changes and not dry_run:
            actions.merge_survey(url, local_actor(), survey, force=force,
                                 today=_day(date, "--date"), why=f"survey {survey.name}")
            plan.written = True
    print_issues(plan.warnings)
    if plan.conflicts:
        print_issues(plan.conflicts)
        console.print(f"[yellow]{len(plan.conflicts)} conflict(s) overridden by --force[/]")
    values = [c for c in plan.changes if c.field != "date"]
    dated = {c.capability for c in plan.changes if c.field == "date"}
    if values:
        t = Table(title=f"Changes for {plan.business_unit}", title_justify="left")
        for col in ("capability", "field", "old", "", "new", "cell"):
            t.add_column(col)
        for c in values:
            t.add_row(c.capability, c.field, c.old or "–", "→", c.new or "–", c.cell)
        console.print(t)
    if dated:
        console.print(f"{len(dated)} assessment(s) confirmed or dated anew")
    if plan.untouched_changes:
        console.print(f"{plan.untouched_changes} cell(s) changed in the model since the "
                      "export were kept (the survey left them as exported)")
    if not plan.changes:
        console.print("[green]✓[/] nothing to change: the survey matches the model")
    elif dry_run:
        console.print(f"dry run: {len(values)} value change(s) in {len(plan.changes)} changed "
                      "cell(s); nothing was written")
    else:
        console.print(f"[green]✓[/] merged {len(values)} value change(s) and {len(dated)} "
                      "confirmation(s) into [bold]"
                      f"{escape(url or str(Path(path) / 'assessments.csv'))}[/]")


@survey_app.command("status")
@handle_errors
def survey_status(
    path: str = typer.Argument(..., help=MODEL_HELP),
    as_of: str | None = typer.Option(None, "--as-of", help="Measure ages at this date "
                                     "(YYYY-MM-DD, or a quarter like 2027Q3 — its first "
                                     "day — as plan --as-of takes; default today)."),
    max_age: int = typer.Option(365, "--max-age", help="Answers older than this many days "
                                "are stale."),
    at: str | None = AtOpt,
    fmt: str | None = format_option(),
    out: Path | None = output_option(),
) -> None:
    """Which business units have returned their assessments, and how stale they are."""
    from ..io import survey as surveys
    from ..model.quarter import quarter_index

    resolve(fmt, out)
    e = api.read(path, at).enterprise
    try:
        day = _quarter_day(as_of) or _day(as_of, "--as-of") or dt.date.today()
    except InputError:
        raise InputError(f"--as-of '{as_of}' is neither a date nor a quarter",
                         hint="write it as YYYY-MM-DD, or 2027Q3 for its first day") from None
    rows = surveys.survey_status(e, as_of=day, max_age_days=max_age)
    year, q = divmod(quarter_index(e.horizon.start), 4)
    starts = dt.date(year, 3 * q + 1, 1)

    def units() -> list[dict[str, Any]]:
        return [{"business_unit": r.business_unit, "state": r.state,
                 "capabilities": r.capabilities, "assessed": r.assessed,
                 "not_applicable": r.not_applicable, "missing": r.missing, "stale": r.stale,
                 "undated": r.undated, "stale_at_start": r.stale_at_start,
                 "newest": r.newest.isoformat() if r.newest else None,
                 "median_age_days": r.median_age_days} for r in rows]

    def view() -> list[Any]:
        t = Table(title=f"Assessments as of {day.isoformat()}", title_justify="left",
                  caption=f"answered: assessed or n/a; stale: undated or older than {max_age} "
                          "days; age: median", caption_justify="left")
        cols = ["unit", "state", "answered", "n/a", "missing", "stale", "newest", "age"]
        if starts > day:
            cols.insert(6, f"stale by {e.horizon.start}")
        for col in cols:
            t.add_column(col, justify="left" if col in ("unit", "state") else "right",
                         no_wrap=True)
        style = {"returned": "green", "stale": "yellow", "partial": "yellow",
                 "not returned": "red"}
        for r in rows:
            t.add_row(r.business_unit, Text(r.state, style=style[r.state]),
                      f"{r.assessed + r.not_applicable}/{r.capabilities}",
                      str(r.not_applicable), str(r.missing), str(r.stale + r.undated),
                      *([str(r.stale_at_start + r.undated)] if starts > day else []),
                      r.newest.isoformat() if r.newest else "–",
                      "–" if r.median_age_days is None else f"{r.median_age_days} d")
        return [t, f"the plan starts {starts.isoformat()} ({e.horizon.start}); survey a unit "
                   f"with [bold]opmodel survey export {escape(str(path))} -b UNIT[/]"]

    emit("survey-status", fmt, out, data=lambda: {
        "as_of": day.isoformat(), "max_age_days": max_age, "plan_starts": starts.isoformat(),
        "units": units()}, rows=units, table=view)
