"""A table as a terminal of a given width shows it (plain text, no colour, no emoji)."""

from __future__ import annotations

from rich.console import Console

from opmodel.cli._common import Table


def shown(table: Table, width: int) -> str:
    c = Console(width=width, color_system=None, highlight=False, emoji=False)
    with c.capture() as cap:
        c.print(table)
    return cap.get()
