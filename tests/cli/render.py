"""Shared helpers of the command-line tests: a table as a terminal of a given width shows it
(plain text, no colour, no emoji), and a command run in a given working folder."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from rich.console import Console
from typer.testing import CliRunner

from opmodel.cli import app
from opmodel.cli._common import Table


def invoke(*args: str, cwd: Path | None = None) -> Any:
    """``opmodel args…`` run in ``cwd`` (relative paths as a user in that folder types
    them), at 200 columns."""
    old = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    finally:
        os.chdir(old)


def shown(table: Table, width: int) -> str:
    c = Console(width=width, color_system=None, highlight=False, emoji=False)
    with c.capture() as cap:
        c.print(table)
    return cap.get()
