"""The output contract of every command that prints a result (docs/output.md).

``--format/-f table|json|csv`` (plus ``png|svg|html|vega`` where the result is a chart)
chooses the shape; ``-o/--output FILE`` writes exactly what would have been printed to FILE
instead of stdout, atomically (temporary file + rename). Without ``--format`` the format
comes from FILE's suffix (``.json``, ``.csv``, a chart suffix, anything else: the table as
plain text). With ``json`` or ``csv`` on stdout, stdout holds the result and nothing else:
notes and progress go to stderr.

JSON is an object carrying ``schema`` (``opmodel.<name>``) and ``version``; its shape is the
pydantic model of that name in :mod:`opmodel.outputs`, published as docs/schemas/<name>.json.
csv is offered only where the result is one table; asking for it elsewhere is a usage error
(exit 2). Exit codes: :data:`EXIT_CODES`.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import typer

from ._exit import (  # noqa: F401 - the exit codes are part of the output contract
    CONFLICT,
    EXIT_CODES,
    INTERRUPTED,
    INVALID,
    NO_PLAN,
    NOT_ALLOWED,
    OK,
    USAGE,
    UsageError,
    exit_code,
)

# -- the options --------------------------------------------------------------------------
DATA = ("table", "json", "csv")
CHARTS = ("png", "svg", "html", "vega")
FORMAT_HELP = ("Output format: table (default), json (docs/schemas) or csv (where the "
               "result is one table){charts}.")
OUTPUT_HELP = ("Write the result to this file (atomically) instead of printing it; the "
               "format comes from --format, else from the suffix; - is stdout.")


def format_option(*, csv: bool = True, charts: bool = False) -> Any:
    """``--format/-f``: the same name, help and choices everywhere (less csv or charts)."""
    choices = format_choices(csv=csv, charts=charts)

    def check(value: str | None) -> str | None:
        if value is not None and value.lower() not in choices:
            why = _not_offered(value.lower(), csv=csv, charts=charts)  # as -o x.csv says
            raise typer.BadParameter(f"'{value}' is not one of {', '.join(choices)}"
                                     + (f": {why}" if why else ""))
        return value.lower() if value is not None else None

    return typer.Option(None, "--format", "-f", help=format_help(csv=csv, charts=charts),
                        callback=check, metavar="[" + "|".join(choices) + "]",
                        show_default=False)


def _not_offered(fmt: str, *, csv: bool, charts: bool) -> str | None:
    """Why a known format is not offered by a command (None: offered, or not a format)."""
    if fmt == "csv" and not csv:
        return ("this command's result is not one table, so it has no csv form; use "
                "--format json (or table)")
    if fmt in CHARTS and not charts:
        return f"this command draws no chart; use --format table, json{' or csv' if csv else ''}"
    return None


def format_choices(*, csv: bool = True, charts: bool = False) -> tuple[str, ...]:
    return tuple(f for f in DATA if csv or f != "csv") + (CHARTS if charts else ())


def format_help(*, csv: bool = True, charts: bool = False) -> str:
    """The help of ``--format`` (one of three texts, the same wherever it applies)."""
    if not csv:
        return ("Output format: table (default) or json (docs/schemas); the result is not "
                "one table, so no csv.")
    extra = ", or a chart: png, svg, html, vega (Vega-Lite spec)" if charts else ""
    return FORMAT_HELP.format(charts=extra)


def output_option() -> Any:
    """``-o/--output FILE``: the formatted result to a file; ``-o -`` is stdout, as in most
    Unix tools (it wrote a file named ``-`` in the current folder)."""
    def stdout_dash(value: Path | None) -> Path | None:
        return None if value is not None and str(value) == "-" else value

    return typer.Option(None, "--output", "-o", help=OUTPUT_HELP, callback=stdout_dash)


# -- emitting -----------------------------------------------------------------------------
def resolve(fmt: str | None, out: Path | None, *, csv: bool = True,
            charts: bool = False) -> str:
    """The format asked: ``--format``, else ``-o``'s suffix, else ``table``. An ``-o`` that
    cannot be written is refused here, before the command does anything (a decision must
    not be recorded when its answer cannot be written)."""
    if out is not None:
        _writable(out)
    if fmt is not None:
        fmt = fmt.lower()
    elif out is not None:
        name = out.name.lower()
        suffix = out.suffix.lower().lstrip(".")
        if charts and name.endswith((".vl.json", ".vega.json")):
            fmt = "vega"
        elif suffix in ("json", "csv") or suffix in CHARTS:  # not offered: said below
            fmt = suffix
        elif suffix in ("", "txt", "text"):
            fmt = "table"
        else:
            known = ".json, " + (".csv, " if csv else "") + \
                (".png, .svg, .html, .vl.json, " if charts else "") + ".txt"
            raise UsageError(f"unknown output format: cannot tell the format of {out} "
                             f"from its suffix; name it {known}, or give --format")
    else:
        fmt = "table"
    why = _not_offered(fmt, csv=csv, charts=charts)
    if why:
        raise UsageError(why)
    return fmt


def machine(fmt: str | None, out: Path | None) -> bool:
    """Whether stdout is kept for the result alone (json or csv printed, not written)."""
    return out is None and fmt is not None and fmt.lower() in ("json", "csv")


def json_bytes(name: str, data: dict[str, Any]) -> bytes:
    """``data`` as the JSON document of output ``name`` (schema and version in front)."""
    from ..outputs import document

    return document(name, data)


def csv_bytes(rows: Any, name: str | None = None) -> bytes:
    """A DataFrame or a list of dicts as CSV, written by :mod:`opmodel.csvsafe` as every CSV
    of opmodel is: safe to open in a spreadsheet (a text that would start a formula gets a
    quote in front), numbers with all their digits, as the JSON has them. An empty list
    still gives the header row, taken from the rows of output ``name``'s published shape
    (a valid model's `validate --format csv` is a header and no issue, not an empty file)."""
    from ..csvsafe import records

    fields: list[str] | None = None
    if hasattr(rows, "to_csv"):  # a DataFrame: its columns, even without a row
        fields = [str(c) for c in rows.columns]
        rows = rows.to_dict("records")
    rows = list(rows)
    if not rows and name is not None and not fields:
        fields = _row_fields(name)
    return records(rows, fields).encode()


def _row_fields(name: str) -> list[str]:
    """The columns of output ``name``'s one table: the fields of its one list of objects."""
    import typing

    from pydantic import BaseModel

    from ..outputs import OUTPUTS

    found: list[list[str]] = []
    for f in OUTPUTS[name].model_fields.values() if name in OUTPUTS else ():
        args = typing.get_args(f.annotation)
        if typing.get_origin(f.annotation) is list and args and isinstance(args[0], type) \
                and issubclass(args[0], BaseModel):
            found.append(list(args[0].model_fields))
    return found[0] if len(found) == 1 else []


def text_bytes(renderables: Iterable[Any], width: int | None = None) -> bytes:
    """The table form rendered as plain text (no colour), as it would print."""
    from rich.console import Console

    from ._common import console

    buf = io.StringIO()
    c = Console(file=buf, width=width or console.width, color_system=None, highlight=False,
                emoji=False, soft_wrap=False, force_terminal=False)
    for r in renderables:
        c.print(r, soft_wrap=bool(getattr(r, "no_wrap", False)))
    return buf.getvalue().encode()


def write(out: Path | None, payload: bytes, what: str = "") -> None:
    """``payload`` to stdout, or to ``out`` in one step (a note on stderr)."""
    if out is None:
        from ._common import stdout_bytes

        stdout_bytes(payload)
        return
    from ..atomic import write_file
    from ._common import err_console

    if out.is_dir():
        raise UsageError(f"-o {out} is a folder; -o names a file")
    if _stream(out):  # /dev/null, a FIFO, /dev/stdout: written to, never replaced
        try:
            with open(out, "wb") as f:
                f.write(payload)
        except OSError as exc:
            from ..errors import InputError

            raise InputError(f"cannot write {out}: {exc.strerror or exc}") from None
        return
    from ..atomic import link_target

    _not_a_model_file(link_target(out))  # -o LINK writes the file the link leads to
    try:
        write_file(out, payload)
    except OSError as exc:  # no such folder, not writable, a file where a folder should be
        from ..errors import InputError

        raise InputError(f"cannot write {out}: {exc.strerror or exc}",
                         hint="nothing was written; -o names a file in an existing folder "
                              "you may write to") from None
    err_console.print(f"[green]✓[/] wrote {_esc(str(out))}" + (f" ({what})" if what else ""))


def _stream(out: Path) -> bool:
    """Whether ``-o`` names something other than a regular file or folder (following
    links): a device (``/dev/null``), a FIFO, ``/dev/stdout``, a process substitution.
    Such a thing is written to as it is; replacing it in one step (a temporary file
    renamed over it) replaced a device node with a regular file — as root, ``-o /dev/null``
    would have replaced the system's /dev/null."""
    import stat

    try:
        mode = os.stat(out).st_mode
    except (OSError, ValueError):
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _writable(out: Path) -> None:
    """Refuse an ``-o`` that is a folder, lies in no folder, or names a model's file."""
    from ..errors import InputError

    if out.is_dir():
        raise UsageError(f"-o {out} is a folder; -o names a file")
    if _stream(out):
        return
    from ..atomic import check_writable, link_target

    target = link_target(out)  # -o LINK: the file the link leads to is what is written
    up = target.parent
    while not up.exists() and up != up.parent:
        up = up.parent
    if up.exists() and not up.is_dir():
        raise InputError(f"cannot write {out}: {up} is a file, not a folder",
                         hint="nothing was done")
    if up != target.parent:
        raise InputError(f"cannot write {out}: there is no folder {target.parent}",
                         hint="nothing was done; -o names a file in an existing folder")
    _not_a_model_file(target)
    check_writable(target.parent, f"-o {out}")  # nothing can be written there: before the work


def _is_model_folder(folder: Path) -> bool:
    return (folder / "enterprise.yaml").is_file()


def _not_a_model_file(out: Path) -> None:
    """Refuse an ``-o`` that names a file of a model folder (``-o acme/assessments.csv``
    would replace the assessments with the result)."""
    from ..io.folder import known_files

    if out.name in known_files() and _is_model_folder(out.parent):
        from ..errors import InputError

        raise InputError(f"-o {out} would replace {out.name} of the model folder "
                         f"{out.parent}", hint="write the result somewhere else; nothing "
                                               "was written")


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def emit(name: str, fmt: str | None, out: Path | None, *,
         data: Callable[[], dict[str, Any]],
         table: Callable[[], Iterable[Any]] | None = None,
         rows: Callable[[], Any] | None = None,
         chart: Callable[[], Any] | None = None) -> str:
    """Print or write the result of command ``name`` in the format asked; returns it.

    ``data`` gives the JSON body (without schema/version), ``rows`` the one table of the
    csv form (None: no csv), ``table`` the renderables of the terminal form (None: the
    caller prints them itself when ``table`` is returned; a :class:`~rich.text.Text` with
    ``no_wrap`` is printed as one line, however narrow), ``chart`` an Altair chart."""
    fmt = resolve(fmt, out, csv=rows is not None, charts=chart is not None)
    if fmt == "json":
        write(out, json_bytes(name, data()), fmt)
    elif fmt == "csv":
        assert rows is not None
        write(out, csv_bytes(rows(), name), fmt)
    elif fmt in CHARTS:
        assert chart is not None
        if out is None and fmt in ("png", "svg", "html"):
            raise UsageError(f"a {fmt} chart needs a file: add -o chart.{fmt}")
        from ..report.charts import chart_bytes

        write(out, chart_bytes(chart(), "json" if fmt == "vega" else fmt), fmt)
    elif table is not None:
        if out is None:
            from ._common import console

            for r in table():
                console.print(r, soft_wrap=bool(getattr(r, "no_wrap", False)))
        else:
            write(out, text_bytes(table()), "table")
    return fmt


DIR_HELP = "Folder to write the result's set of files to (one step: all of them or none)."


def dir_option(what: str = "") -> Any:
    """``-d/--dir DIR``: where a command whose result is a set of files writes them."""
    return typer.Option(None, "--dir", "-d", help=DIR_HELP[:-1] + (f": {what}." if what
                                                                   else "."))


def file_or_folder(out: Path | None, folder: Path | None) -> tuple[Path | None, Path | None]:
    """``(-o FILE, --dir DIR)`` of a command that writes a set of files (plan, report).

    For compatibility an ``-o`` without a suffix, or naming an existing folder, is the
    folder (``opmodel plan -o plan`` as before --dir)."""
    if out is not None and (out.is_dir() or not out.suffix):
        if folder is not None:
            raise UsageError(f"-o {out} names a folder and --dir {folder} another; "
                             "give the folder once, with --dir")
        return None, out
    return out, folder


def check_folder(folder: Path | None, option: str = "--dir", *, mark: str = "") -> None:
    """Refuse a ``--dir`` that is a file, or a path under a file (``plan.json/out``), before
    any work is done; and, given ``mark`` (the file that says a folder holds this command's
    result: ``plan.json``), a folder that already holds other things and no such result —
    the result's files are written in one step by rebuilding the whole folder, which is
    right for a plan folder and wrong for ``/tmp`` or a home folder."""
    if folder is None:
        return
    from ..errors import InputError

    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder} is a file", hint=f"give a folder for {option}")
    if _is_model_folder(folder):  # a plan's budgets.csv would replace the model's
        raise InputError(f"{folder} is a model folder: its files would be mixed with (and "
                         "some replaced by) the results", hint=f"give {option} a folder of "
                                                               "its own")
    up = folder.parent
    while not up.exists() and up != up.parent:
        up = up.parent
    if up.exists() and not up.is_dir():
        raise InputError(f"cannot make the folder {folder}: {up} is a file",
                         hint=f"give a folder for {option}")
    from ..atomic import check_result_folder, check_writable, real_folder

    if mark:
        check_result_folder(folder, mark, option)
    # the set is made beside the folder and swapped in: its parent must take new entries
    check_writable(real_folder(folder).parent, f"{option} {folder}")
