"""Shared CLI plumbing: the console, printing issues, turning errors into exit codes.

User text is data. The consoles never turn ``:name:`` into an emoji (``file.yaml:100:5``
stays as it is), every string that carries user text is passed through
:func:`~rich.markup.escape` before it meets markup, and :class:`Table` (use it instead of
rich's) shows plain strings in cells, headers, titles and captions literally: style a cell
with a :class:`~rich.text.Text` when it needs one.
"""

from __future__ import annotations

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

console = Console(highlight=False, soft_wrap=False, emoji=False,
                  width=int(os.environ.get("COLUMNS", "0")) or None)
err_console = Console(stderr=True, highlight=False, emoji=False)


def plain(value: Any) -> Any:
    """A plain string as literal :class:`Text` (no markup, no emoji); anything else as is."""
    return Text(value) if isinstance(value, str) else value


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

    def add_column(self, header: Any = "", *args: Any, **kwargs: Any) -> None:
        super().add_column(plain(header), *args, **kwargs)

    def add_row(self, *renderables: Any, **kwargs: Any) -> None:
        super().add_row(*(plain(r) for r in renderables), **kwargs)

F = TypeVar("F", bound=Callable[..., Any])

MODEL_HELP = ("Model folder, or a store's database URL (sqlite:///acme.db, "
              "postgresql://user@host/db).")
#: ``--at`` on every command that reads a model: time travel in a store
AtOpt = typer.Option(None, "--at", help="Read the model as it stood at this time (UTC, e.g. "
                     "2027-03-31T17:00) or revision (r42); for a model in a store.")


def print_issues(issues: Iterable[Issue], stream: Console | None = None) -> None:
    out = stream or err_console
    for i in issues:
        style = "red" if i.severity == "error" else "yellow"
        where = escape(i.location or "model")
        hint = f" [dim]({escape(i.hint)})[/]" if i.hint else ""
        out.print(f"{where}: [{style}]{i.code}[/] {escape(i.message)}{hint}", soft_wrap=True)


def handle_errors(fn: F) -> F:
    """Print library errors (with their locations) and exit 1 instead of a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ModelError as exc:
            print_issues(exc.issues)
            n = len(exc.errors)
            err_console.print(f"[red]✗[/] {n} error(s), {len(exc.warnings)} warning(s) in "
                              f"{escape(exc.source or 'the model')}; nothing was changed.")
            raise typer.Exit(1) from None
        except OpmodelError as exc:
            hint = f"\n  [dim]{escape(exc.hint)}[/]" if exc.hint else ""
            err_console.print(f"[red]error[/] {exc.code}: {escape(exc.message)}{hint}",
                              soft_wrap=True)
            raise typer.Exit(1) from None
        except MemoryError:
            err_console.print("[red]error[/] E-MEMORY: not enough memory for this input; "
                              "nothing was changed\n  [dim]a model this large needs a "
                              "bigger machine, or the input is not a model[/]")
            raise typer.Exit(1) from None
        except KeyboardInterrupt:  # pragma: no cover
            err_console.print("interrupted")
            sys.exit(130)

    return wrapper  # type: ignore[return-value]
