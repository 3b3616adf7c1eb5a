"""Shared CLI plumbing: the console, printing issues, turning errors into exit codes.

User text is data. The consoles never turn ``:name:`` into an emoji (``file.yaml:100:5``
stays as it is), every string that carries user text is passed through
:func:`~rich.markup.escape` before it meets markup, and :class:`Table` (use it instead of
rich's) shows plain strings in cells, headers, titles and captions literally: style a cell
with a :class:`~rich.text.Text` when it needs one.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import typer
from rich import table as _rich_table
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from ..errors import Issue, ModelError, OpmodelError
from ._exit import UsageError, exit_code


class _NoStatus:
    """What :meth:`_Console.status` gives where no status line can be shown."""

    def __enter__(self) -> _NoStatus:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, *args: Any, **kwargs: Any) -> None:
        return None


class _Console(Console):
    def status(self, status: Any, **kwargs: Any) -> Any:
        """rich's live status line (a spinner while the solver works) on a terminal. Where
        the output goes to a pipe or a file rich shows nothing for it (it is transient), so
        there it is not started: rich's live display need not load (≈ 3 ms of start-up)."""
        if self.is_terminal or self.is_jupyter:
            return super().status(status, **kwargs)
        return _NoStatus()


def _tolerant(stream: Any) -> None:
    """A terminal or pipe whose encoding cannot hold every character (``LANG=C`` without
    UTF-8, ``PYTHONIOENCODING=ascii``, a Windows code page) shows ``?`` for the ones it
    lacks instead of stopping the command with a UnicodeEncodeError traceback ('ω' in a
    stability table, '–' in a name). JSON and CSV are written as UTF-8 bytes (stdout_bytes),
    whatever the encoding."""
    enc = (getattr(stream, "encoding", None) or "utf-8").lower().replace("-", "")
    if enc not in ("utf8", "utf_8") and hasattr(stream, "reconfigure"):
        with contextlib.suppress(ValueError, OSError):  # a stream that cannot change
            stream.reconfigure(errors="replace")


_tolerant(sys.stdout)
_tolerant(sys.stderr)


def stdout_bytes(payload: bytes) -> None:
    """``payload`` (a UTF-8 document: JSON, CSV) to stdout byte for byte: the document
    stays UTF-8 on a terminal or pipe of another encoding."""
    buf = getattr(sys.stdout, "buffer", None)
    sys.stdout.flush()
    if buf is None:
        sys.stdout.write(payload.decode())
    else:
        buf.write(payload)
        buf.flush()
    sys.stdout.flush()


def _console_options() -> dict[str, Any]:
    return {"highlight": False, "soft_wrap": False, "emoji": False,
            "width": int(os.environ.get("COLUMNS", "0")) or None}


_ERR_OPTIONS: dict[str, Any] = {"stderr": True, "highlight": False, "emoji": False}
console = _Console(**_console_options())
err_console = Console(**_ERR_OPTIONS)


def reset_consoles() -> None:
    """Make the consoles anew for this process's streams and environment, as importing this
    module made them: for a command forked from the warm command server (opmodel.daemon),
    which imported it with other streams (a terminal's colours and width are found when a
    console is made)."""
    _tolerant(sys.stdout)
    _tolerant(sys.stderr)
    console.__init__(**_console_options())  # type: ignore[misc]
    err_console.__init__(**_ERR_OPTIONS)  # type: ignore[misc]


def visible(text: str) -> str:
    """``text`` with its control characters (other than tab and line breaks) shown as
    ``\\x1b``: user text from a store or a workbook never reaches the terminal as an escape
    sequence it would obey (a model folder refuses them: E-TEXT)."""
    from ..io.safefile import _CONTROL

    if _CONTROL.search(text) is None:
        return text
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def plain(value: Any) -> Any:
    """A plain string as literal :class:`Text` (no markup, no emoji, control characters
    shown, not obeyed); anything else as is."""
    return Text(visible(value)) if isinstance(value, str) else value


class Table(_rich_table.Table):
    """A rich table whose plain strings are data: cells, column headers, title and caption
    are shown literally, never read as markup (``[bold]``) or emoji (``:smile:``)."""

    def __init__(self, *headers: Any, **kwargs: Any) -> None:
        for key in ("title", "caption"):
            if key in kwargs:
                kwargs[key] = plain(kwargs[key])
        super().__init__(*headers, **kwargs)  # string headers come through add_column

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("title", "caption"):
            value = plain(value)
        super().__setattr__(name, value)

    def add_column(self, header: Any = "", *args: Any, short: str | None = None,
                   **kwargs: Any) -> None:
        """A column; ``short``: its header abbreviated ("homog."), shown instead only where
        the table would not fit with the whole header's words."""
        # a word too long for its column is folded onto the next line, never cut with "…"
        # (ids are what people copy into the next command)
        kwargs.setdefault("overflow", "fold")
        if short is not None:
            self.__dict__.setdefault("_short", {})[len(self.columns)] = plain(short)
        super().add_column(plain(header), *args, **kwargs)

    def __rich_console__(self, console: Console, options: Any) -> Any:
        """Fit the width keeping words whole: every column gets its longest word, header
        or cell (ids are what people copy into the next command), and the room left goes to
        the columns that can use it. Where even that does not fit (an 80-column terminal),
        the vertical rules go first, then the headers given a ``short`` form take it; where
        the words still do not fit side by side, each row is shown as a record, one
        ``header  value`` line per column (as the report's tables become cards on a phone):
        no word, header or cell, is ever folded or cut."""
        if not self.columns or any(c.width is not None for c in self.columns):
            yield from super().__rich_console__(console, options)
            return
        # the fit is for this width only: the same table printed again (-o, another
        # console) is fitted afresh
        kept = (self.box, self.show_edge, self.pad_edge, self.padding,
                [c.header for c in self.columns])
        try:
            if self._fit(console, options):
                yield from super().__rich_console__(console, options)
            else:
                yield from self._records()
        finally:
            self.box, self.show_edge, self.pad_edge, self.padding = kept[:4]
            for c, head in zip(self.columns, kept[4], strict=True):
                c.header, c.width = head, None

    def _records(self) -> Iterable[Any]:
        """The rows one after another, each a two-column grid: the column's header (on one
        line), its value (wrapped at spaces)."""
        heads = [" ".join((c.header.plain if isinstance(c.header, Text) else str(c.header))
                          .split()) for c in self.columns]
        if self.title is not None:
            yield Text(self.title.plain if isinstance(self.title, Text) else str(self.title),
                       style="table.title")
        for n in range(self.row_count):
            grid = _rich_table.Table.grid(padding=(0, 2))
            grid.add_column(no_wrap=True, style="bold")
            grid.add_column(overflow="fold")
            for head, column in zip(heads, self.columns, strict=True):
                grid.add_row(Text(head), column._cells[n])
            yield grid
            if n < self.row_count - 1:
                yield Text("")
        if self.caption is not None:
            yield Text(self.caption.plain if isinstance(self.caption, Text)
                       else str(self.caption), style="table.caption")

    def _fit(self, console: Console, options: Any) -> bool:
        """Set the columns' widths to fit; False where the words of the headers and cells
        cannot fit side by side (the table is then shown as records).

        A column's narrowest is its longest word, header or cell (rich's minimum): a header
        wraps at its spaces ("stays in top" over three lines), never inside a word
        ("homo/gene/ity" over a column of 0.25s), and neither does a cell. To make room,
        the vertical rules go (two spaces between columns), the headers that have a
        ``short`` form take it (the one that saves most first), then one space is left
        between columns."""
        from rich.measure import Measurement

        width = options.max_width

        def measure() -> list[Measurement]:
            return [self._measure_column(console, options, c) for c in self.columns]

        def fits(ms: list[Measurement], least: bool) -> bool:
            return sum(m.minimum if least else m.maximum for m in ms) \
                + self._extra_width <= width

        ms = measure()
        if fits(ms, least=False):
            return True
        compact = not fits(ms, least=True) and self.box is not None and self.show_edge
        if compact:
            from rich import box

            self.box = box.SIMPLE_HEAD  # a blank rule between columns, a line under heads
            self.show_edge = self.pad_edge = False
            self.padding = (0, 1, 0, 0)  # two spaces apart (one of them the blank rule)
            ms = measure()
        short: dict[int, Any] = dict(self.__dict__.get("_short", {}))
        whole = {k: self.columns[k].header for k in short}

        def saved(k: int) -> int:
            head, self.columns[k].header = self.columns[k].header, short[k]
            new = self._measure_column(console, options, self.columns[k]).minimum
            self.columns[k].header = head
            return ms[k].minimum - new

        while short and not fits(ms, least=True):
            k = max(short, key=saved)
            if saved(k) <= 0:
                break
            self.columns[k].header = short.pop(k)
            ms = measure()
        if compact and not fits(ms, least=True):
            self.padding = (0, 0, 0, 0)  # one space apart
            ms = measure()
        if not fits(ms, least=True):  # a word would be folded: records (there, the whole
            for k, head in whole.items():  # header has room), unless there is one column
                self.columns[k].header = head
            return len(self.columns) == 1
        if fits(ms, least=False):
            return True
        # the room left: first to the cells that wrap (a name on fewer lines), then to the
        # headers (a header on fewer lines); the columns that need least are made whole
        # first ("fund from 2027Q1" on one line beside a long "why"), the rest share
        pads = [self._get_padding_width(k) for k in range(len(self.columns))]
        cells = [max((Measurement.get(console, options, cell).maximum for cell in c._cells),
                     default=0) + pad for c, pad in zip(self.columns, pads, strict=True)]
        widths = [m.minimum for m in ms]
        room = width - self._extra_width - sum(widths)
        for goal in ([max(m.minimum, min(c, m.maximum)) for m, c in zip(ms, cells,
                                                                         strict=True)],
                     [m.maximum for m in ms]):
            want = [g - w for g, w in zip(goal, widths, strict=True)]
            for k in sorted(range(len(want)), key=lambda j: want[j]):
                if 0 < want[k] <= room:
                    widths[k] += want[k]
                    room -= want[k]
                    want[k] = 0
            total = sum(want)
            if room <= 0 or total <= 0:
                continue
            give = [min(room, total) * n // total for n in want]
            widths = [w + g for w, g in zip(widths, give, strict=True)]
            room -= sum(give)
        for c, w, pad in zip(self.columns, widths, pads, strict=True):
            c.width = max(1, w - pad)
        return True

    def add_row(self, *renderables: Any, **kwargs: Any) -> None:
        super().add_row(*(plain(r) for r in renderables), **kwargs)

F = TypeVar("F", bound=Callable[..., Any])

MODEL_HELP = ("Model folder, or a store's database URL (sqlite:///acme.db, "
              "postgresql://user@host/db).")
#: ``--at`` on every command that reads a model: time travel in a store
AtOpt = typer.Option(None, "--at", help="Read the model as it stood at this time (UTC, e.g. "
                     "2027-03-31T17:00) or revision (r42); for a model in a store.")


#: the most Monte Carlo draws a command takes (a million: seconds; a billion ran for hours or
#: out of memory), the most budget scales of a frontier (each one is a solve), the seeds
MAX_DRAWS = 1_000_000
MAX_STEPS = 101
MAX_SEED = 2**63 - 1


def check_count(option: str, value: int, low: int, high: int, hint: str = "") -> None:
    """Refuse an option's count outside ``low``–``high`` (E-INPUT, before any work)."""
    if not low <= value <= high:
        from ..errors import InputError

        raise InputError(f"{option} is {value:,}; give a whole number from {low:,} to "
                         f"{high:,}", hint=hint or None)


def print_issues(issues: Iterable[Issue], stream: Console | None = None) -> None:
    out = stream or err_console
    for i in issues:
        style = "red" if i.severity == "error" else "yellow"
        where = escape(visible(i.location or "model"))
        hint = f" [dim]({escape(visible(i.hint))})[/]" if i.hint else ""
        out.print(f"{where}: [{style}]{i.code}[/] {escape(visible(i.message))}{hint}",
                  soft_wrap=True)


def handle_errors(fn: F) -> F:
    """Print library errors (with their locations) instead of a traceback and exit with the
    code of their kind (1 invalid, 3 no plan, 4 conflict, 5 not allowed: cli/_exit.py)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        as_json = _json_asked(kwargs.get("fmt"), kwargs.get("out"))
        try:
            return fn(*args, **kwargs)
        except ModelError as exc:
            print_issues(exc.issues)
            n = len(exc.errors)
            err_console.print(f"[red]✗[/] {n} error(s), {len(exc.warnings)} warning(s) in "
                              f"{escape(exc.source or 'the model')}; nothing was changed.")
            if as_json:
                _error_document(exit_code(exc), exc.code,
                                f"{n} error(s) in {exc.source or 'the model'}", None,
                                exc.issues)
            raise typer.Exit(exit_code(exc)) from None
        except OpmodelError as exc:
            _print_error(exc, as_json)
            raise typer.Exit(exit_code(exc)) from None
        except OSError as exc:  # a path the command reads or writes cannot be used
            if isinstance(exc, BrokenPipeError):  # `opmodel … | head`: the reader left
                raise
            err = _os_error(exc)
            _print_error(err, as_json)
            raise typer.Exit(exit_code(err)) from None
        except UsageError as exc:  # raised by a command body: the same as click's
            err_console.print(f"[red]usage error[/]: {escape(exc.format_message())}",
                              soft_wrap=True)
            if as_json:
                _error_document(2, "E-USAGE", exc.format_message(), None, [])
            raise typer.Exit(2) from None
        except MemoryError:
            err_console.print("[red]error[/] E-MEMORY: not enough memory for this input; "
                              "nothing was changed\n  [dim]a model this large needs a "
                              "bigger machine, or the input is not a model[/]")
            raise typer.Exit(1) from None
        except KeyboardInterrupt:  # pragma: no cover
            err_console.print("interrupted")
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def _print_error(exc: OpmodelError, as_json: bool) -> None:
    hint = f"\n  [dim]{escape(exc.hint)}[/]" if exc.hint else ""
    err_console.print(f"[red]error[/] {exc.code}: {escape(exc.message)}{hint}",
                      soft_wrap=True)
    if as_json:
        _error_document(exit_code(exc), exc.code, exc.message, exc.hint, [])


def _os_error(exc: OSError) -> OpmodelError:
    """An operating-system error (a folder that is a file, a path that cannot be created or
    written) as the E-INPUT it is, naming the path: never a traceback."""
    from ..errors import InputError

    where = exc.filename if exc.filename is not None else None
    if where is not None:  # a one-step write's temporary file: name the file being written
        import re

        head, _, name = str(where).rpartition("/")
        m = re.fullmatch(r"\.(.+)\.[0-9a-z_]{8}\.tmp", name)
        where = f"{head}/{m[1]}" if m and head else m[1] if m else where
    what = exc.strerror or str(exc) or type(exc).__name__
    if isinstance(exc, FileExistsError | NotADirectoryError) and where is not None:
        from pathlib import Path

        p = Path(where)
        for up in (p, *p.parents):  # the file standing where a folder is needed
            if up.is_file():
                what = f"{up} is a file, not a folder"
                break
    message = f"cannot use {where}: {what}" if where is not None else what
    return InputError(message, hint="check the path: its folder must exist and be writable, "
                                    "and a file must not stand where a folder is needed")


def _json_asked(fmt: Any, out: Any) -> bool:
    """Whether the command was asked for JSON (``--format json``, or ``-o`` a .json file)."""
    if isinstance(fmt, str):
        return fmt.lower() == "json"
    return fmt is None and out is not None and str(out).lower().endswith(".json")


def _error_document(code: int, error: str, message: str, hint: str | None,
                    issues: Iterable[Issue]) -> None:
    """The failure as data on stdout (schema ``opmodel.error``), for scripts that asked for
    JSON: they read stdout and never scrape the text on stderr. ``-o``'s file is left
    untouched (nothing is written when a command fails)."""
    from ..outputs import document, issue_out

    data = {"ok": False, "exit": code,
            "error": {"code": error, "message": message, "hint": hint},
            "issues": [issue_out(i) for i in issues]}
    stdout_bytes(document("error", data))
