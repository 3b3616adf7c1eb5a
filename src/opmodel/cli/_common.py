"""Shared CLI plumbing: the console, printing issues, turning errors into exit codes."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from ..errors import Issue, ModelError, OpmodelError

console = Console(highlight=False, soft_wrap=False,
                  width=int(os.environ.get("COLUMNS", "0")) or None)
err_console = Console(stderr=True, highlight=False)

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
        except KeyboardInterrupt:  # pragma: no cover
            err_console.print("interrupted")
            sys.exit(130)

    return wrapper  # type: ignore[return-value]
