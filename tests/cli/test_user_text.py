"""User text is data: the CLI never reads it as Rich markup or emoji codes."""

from __future__ import annotations

import re
from pathlib import Path

from rich.console import Console

from opmodel.cli._common import Table, console, err_console

from .render import shown as _shown

CLI = Path(__file__).resolve().parents[2] / "src" / "opmodel" / "cli"


def test_consoles_have_no_emoji() -> None:
    for c in (console, err_console):
        with c.capture() as cap:
            c.print("initiatives.yaml:100:5: :smile:")
        assert cap.get().strip() == "initiatives.yaml:100:5: :smile:"


def test_table_shows_plain_strings_literally() -> None:
    t = Table("[b]pos[/]", title="[bold]T :smile:[/]", caption="[red]c[/]")
    t.add_column("[i]head[/]")
    t.add_row("1", "[bold]x :thumbs_up: [/]")
    t.caption = "[red]cap :x:[/]"
    c = Console(width=120, emoji=True, markup=True, color_system=None)
    with c.capture() as cap:
        c.print(t)
    out = cap.get()
    for text in ("[bold]T :smile:[/]", "[b]pos[/]", "[i]head[/]", "[bold]x :thumbs_up: [/]",
                 "[red]cap :x:[/]"):
        assert text in out


def test_cli_modules_use_the_safe_table() -> None:
    offenders = [p.name for p in CLI.glob("*.py")
                 if re.search(r"^from rich\.table import .*\bTable\b", p.read_text(), re.M)]
    assert offenders == [], f"use opmodel.cli._common.Table in {offenders}"


def test_control_characters_are_shown_not_obeyed() -> None:
    """A name with an escape sequence (a store written through the REST API, a workbook)
    reached the terminal raw: ESC [2J clears the screen, ESC ] 0; sets the window title."""
    from opmodel.cli._common import print_issues
    from opmodel.errors import Issue

    t = Table("name", title="\x1b]0;title\x07T")
    t.add_row("Sell\x1b[2J\x00")
    c = Console(width=120, color_system="truecolor", force_terminal=True, highlight=False)
    with c.capture() as cap:
        c.print(t)
        print_issues([Issue("E-REF", "unknown stage 'x\x1b[31m'", hint="\x1b[0m")], c)
    out = cap.get()
    assert "\x1b[2J" not in out and "\x1b]0" not in out and "\x00" not in out
    assert "\x1b[31m'" not in out and "\x1b[0m)" not in out
    assert "Sell\\x1b[2J\\x00" in out and "\\x1b]0;title\\x07T" in out
    assert "unknown stage 'x\\x1b[31m'" in out


def test_a_table_too_narrow_for_its_words_becomes_records() -> None:
    """Side by side only while every cell keeps its words whole; narrower, each row is a
    record of ``header  value`` lines — an id is never folded mid-word."""
    t = Table("decision", "initiative", "why", title="Decisions [bold]")
    ids = ("2027q2-service-platform-replacement", "customer-data-platform-consolidation")
    t.add_row(*ids, "the vendor ends the product")
    t.add_row("2027q3-x", "y", "[red]kept[/] as written")
    wide = _shown(t, 160)
    assert wide.count("\n") <= 8 and all(i in wide for i in ids)  # a table: one line a row
    narrow = _shown(t, 60)
    lines = narrow.splitlines()
    assert lines[0].rstrip() == "Decisions [bold]"
    assert max(len(ln) for ln in lines) <= 60
    assert re.search(rf"^decision +{ids[0]} *$", narrow, re.M), narrow
    assert re.search(rf"^initiative +{ids[1]} *$", narrow, re.M), narrow
    assert re.search(r"^why +\[red\]kept\[/\] as written *$", narrow, re.M), narrow
    assert "" in [ln.strip() for ln in lines]  # records apart
