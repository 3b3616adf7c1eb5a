"""The heat map in a terminal: colours on the charts' scale, a legend, and a grid that fits
the width without cutting ids (``opmodel heatmap``, ``opmodel demo``)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rich.text import Text

from ._common import Table, console

if TYPE_CHECKING:  # numpy and the analysis load when a heat map is drawn
    from ..analysis.heatmap import HeatMap

# -- colours ------------------------------------------------------------------------------
HOT = ("#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#bd0026",
       "#800026")
BLUES = ("#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5",
         "#08519c", "#08306b")


def _rgb(h: str) -> tuple[int, int, int]:
    return int(h[1:3], 16), int(h[3:5], 16), int(h[5:7], 16)


def _ramp(x: float, palette: tuple[str, ...]) -> tuple[int, int, int]:
    x = min(1.0, max(0.0, x)) * (len(palette) - 1)
    k = min(int(x), len(palette) - 2)
    f = x - k
    a, b = _rgb(palette[k]), _rgb(palette[k + 1])
    return tuple(round(a[i] + (b[i] - a[i]) * f) for i in range(3))  # type: ignore[return-value]


def cell_style(layer: str, v: float) -> str:
    """The rich style of a heat-map cell with value ``v`` (same scale as the charts)."""
    from ..analysis.heatmap import LAYER_DOMAIN

    lo, hi = LAYER_DOMAIN[layer]
    x = (v - lo) / (hi - lo)
    if layer == "priority":
        x = math.sqrt(max(0.0, x))
    r, g, b = _ramp(x, BLUES if layer in ("current", "target") else HOT)
    fg = "white" if (0.299 * r + 0.587 * g + 0.114 * b) < 140 else "black"
    return f"{fg} on rgb({r},{g},{b})"


def _fmt(layer: str, v: float) -> str:
    return f"{v:.2f}" if layer == "priority" else f"{v:.1f}"


NA_STYLE = "black on grey70"
MISSING_STYLE = "grey50 italic"


def _cell(layer: str, state: int, v: float, width: int = 6) -> Text:
    if state == 2:
        return Text(" n/a ".center(width), style=NA_STYLE)
    if state == 0 or math.isnan(v):
        return Text(" ? ".center(width), style=MISSING_STYLE)
    return Text(_fmt(layer, v).center(width), style=cell_style(layer, v))


def legend(layer: str, width: int | None = None) -> Text:
    """The colour scale and the two no-value marks; shorter below 80 columns."""
    from ..analysis.heatmap import LAYER_DOMAIN

    narrow = (width or console.width) < 80
    lo, hi = LAYER_DOMAIN[layer]
    t = Text(f"{layer}: {lo:g} ")
    n = 6 if narrow else 12
    for k in range(n):
        x = lo + (hi - lo) * (k / (n - 1)) ** (2 if layer == "priority" else 1)
        t.append("  ", style="on " + cell_style(layer, x).split(" on ", 1)[1])
    t.append(f" {hi:g}   ")
    t.append(" n/a ", style=NA_STYLE)
    t.append("  " if narrow else " not applicable   ")
    t.append(" ? ", style=MISSING_STYLE)
    t.append(" not assessed")
    return t


CELL_MIN = 5
"""The narrowest heat-map column: a value like 0.49 and a space of colour either side."""


def _wrap_words(text: str, width: int, max_lines: int | None = None) -> list[str]:
    """``text`` broken at spaces into lines of at most ``width``; a word longer than the
    width is cut with an ellipsis, and so is the last line when ``max_lines`` is exceeded."""
    lines: list[str] = []
    for word in text.split() or [text]:
        if len(word) > width:
            word = word[:width - 1] + "…"
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if max_lines is not None and len(lines) > max_lines:
        last = lines[max_lines - 1]
        lines = lines[:max_lines]
        lines[-1] = last[:width - 1] + "…" if len(last) >= width else last + "…"
    return lines


def _width_for(text: str, lines: int, low: int) -> int:
    """The narrowest width (at least ``low``) at which ``text`` wraps into at most ``lines``
    lines without cutting a word."""
    longest = max((len(w) for w in text.split()), default=len(text))
    for w in range(max(low, longest), max(low, len(text)) + 1):
        if len(_wrap_words(text, w)) <= lines:
            return w
    return max(low, len(text))


def _column_widths(heads: list[str], room: int, *, max_lines: int = 4,
                   cut: bool = True) -> tuple[list[int], int] | None:
    """Widths for columns headed ``heads`` in ``room`` characters (paddings excluded), with
    the fewest header lines; words are cut only when nothing else fits (``cut``). Returns
    (widths, header lines) or None when even :data:`CELL_MIN` per column is too wide."""
    if not heads:
        return [], 1
    for lines in range(1, max_lines + 1):
        ws = [_width_for(h, lines, CELL_MIN) for h in heads]
        if sum(ws) <= room:
            return _widen(heads, ws, room), lines
    if not cut or room < CELL_MIN * len(heads):
        return None
    share = room // len(heads)
    ws = [min(share, _width_for(h, max_lines, CELL_MIN)) for h in heads]
    return ws, 3


def _widen(heads: list[str], ws: list[int], room: int) -> list[int]:
    """Spend the room left on the headers that then need fewer lines, cheapest first."""
    ws = list(ws)
    while True:
        best: tuple[int, int, int] | None = None  # (extra, column, new width)
        for k, h in enumerate(heads):
            n = len(_wrap_words(h, ws[k]))
            if n > 1:
                w = _width_for(h, n - 1, ws[k])
                if best is None or w - ws[k] < best[0]:
                    best = (w - ws[k], k, w)
        if best is None or best[0] > room - sum(ws):
            return ws
        ws[best[1]] = best[2]


def _head(text: str, width: int, lines: int, bold: bool = True) -> Text:
    return Text("\n".join(_wrap_words(text, width, lines)), style="bold" if bold else "",
                justify="center")


def _table(title: str, width: int, gap: int) -> Table:
    """A borderless grid with ``gap`` spaces between columns (the cells pad their values
    themselves; headers of several words need 2 to be told apart)."""
    return Table(title=title, title_justify="left", show_lines=False, pad_edge=False,
                 padding=(0, 1, 0, 1) if gap == 2 else (0, 0, 0, gap), box=None,
                 min_width=min(len(title), width), caption_justify="left")


def heatmap_table(hm: HeatMap, width: int | None = None) -> Table:
    """The heat map as a rich table that fits ``width`` (default: the console's).

    Units are rows and stages (or capability ids) columns, each column a fixed width with
    its header wrapped at spaces into the fewest lines that keep words whole. When the
    columns do not fit that way (or, for capabilities, cannot keep their ids whole on one
    line) the grid turns: stages or capabilities become rows, grouped under their stage,
    with units as columns headed by their whole ids. When not every unit fits that way,
    stage headers with cut words are tried, and last the turned grid with the units that
    fit, the rightmost left out with a note saying how many."""
    width = max(width or console.width, 40)
    what = "stage" if hm.by == "stage" else "capability"
    title = f"{hm.layer} by business unit and {what}"
    if hm.by == "stage" or hm.level:
        title += f" — roll-up: {hm.rollup}"
    n_k = len(hm.columns)
    full_label = max((len(n) for n in hm.row_names), default=0)
    heads = list(hm.column_names if hm.by == "stage" else hm.columns)
    labels = dict.fromkeys((full_label, min(full_label, 20), min(full_label, 14)))

    def as_rows(cut: bool) -> Table | None:
        for label in labels:
            room = width - label - 2 * n_k
            fit = _column_widths(heads, room, cut=cut) if hm.by == "stage" else \
                _column_widths(heads, room, max_lines=1, cut=False)
            if fit is not None and n_k:
                return _units_as_rows(hm, title, width, label, *fit)
        return None

    # whole words with units as rows; else turned, if every unit fits with its whole id;
    # else stage names cut; else turned, with the units that fit
    t = as_rows(False)
    if t is not None:
        return t
    turned, complete = _units_as_columns(hm, title, width)
    if not complete:
        t = as_rows(True)
    return turned if t is None else t


def _units_as_rows(hm: HeatMap, title: str, width: int, label: int, widths: list[int],
                   lines: int) -> Table:
    from ..analysis.heatmap import ALL

    t = _table(title, width, 2)
    t.add_column("", width=label, no_wrap=True, overflow="ellipsis")
    heads = hm.column_names if hm.by == "stage" else hm.columns
    for head, w in zip(heads, widths, strict=True):
        t.add_column(_head(head, w, lines), justify="center", width=w, no_wrap=True,
                     overflow="ellipsis")
    for r in range(len(hm.rows)):
        t.add_row(Text(hm.row_names[r], style="bold" if hm.rows[r] == ALL else ""),
                  *(_cell(hm.layer, int(hm.state[r, k]), float(hm.values[r, k]), w)
                    for k, w in enumerate(widths)))
    return t


def _short_name(name: str, parent: str | None) -> str:
    """``name`` less a leading copy of its parent's name ("Sales: forecasting" under
    "Sales" → "forecasting"): the indented row sits under its parent anyway."""
    if parent and name.startswith(parent):
        rest = name[len(parent):]
        if rest[:1] in (":", "/", "–", "-", "—", ",") or rest[:2] in (" –", " -", " —"):
            rest = rest.lstrip(":/–—-, ")
            if rest:
                return rest
    return name


def _units_as_columns(hm: HeatMap, title: str, width: int) -> tuple[Table, bool]:
    """Stages or capabilities as rows (capabilities under a line naming their stage), and
    whether every unit is there with its whole id."""
    from ..analysis.heatmap import capability_levels

    n_r, n_k = hm.values.shape
    e = hm.enterprise
    stages = {s.id: s.name for s in e.stages}
    levels = capability_levels(e)
    labels: list[tuple[str, int | None]] = []  # (text, column) — None: a stage line
    if hm.by == "stage":
        labels = [(hm.column_names[k], k) for k in range(n_k)]
    else:
        name = {c.id: c.name for c in e.capabilities}
        parent = {c.id: name.get(c.parent or "") for c in e.capabilities}
        prev = None
        for k in range(n_k):
            st = hm.column_stages[k]
            if st != prev:
                labels.append((stages.get(st, st), None))
                prev = st
            cid = hm.columns[k]
            labels.append(("  " * levels.get(cid, 1) + _short_name(name[cid], parent[cid]), k))
    full_label = max((len(x) for x, _ in labels), default=8)
    units = list(range(n_r - 1))
    # whole unit ids (they are what --explain takes, and cut ones look alike) with labels of
    # up to 20 characters, for as many units as fit; ids cut only when not even one fits
    fit = shown = None
    cut = False
    for cut, label in ((False, min(full_label, 20)), (True, min(full_label, 16))):
        for m in range(len(units), -1, -1):
            shown = [*units[:m], n_r - 1]
            fit = _column_widths([hm.rows[r] for r in shown], width - label - len(shown),
                                 max_lines=1, cut=cut)
            if fit is not None:
                break
        if fit is not None:
            break
    assert shown is not None
    left_out = n_r - len(shown)
    note = (f"{left_out} of {n_r - 1} units not shown: widen the terminal, or write all of "
            "them with -f csv or -o heatmap.png") if left_out else ""
    widths = fit[0] if fit is not None else [CELL_MIN] * len(shown)
    label = min(full_label, max(8, width - sum(widths) - len(shown)))
    t = _table(title, width, 1)
    t.add_column("", width=label, no_wrap=True, overflow="ellipsis")
    for r, w in zip(shown, widths, strict=True):
        t.add_column(_head(hm.rows[r], w, 1, bold=True), justify="center", width=w,
                     no_wrap=True, overflow="ellipsis")
    for text, k in labels:
        if k is None:  # a stage line: wraps at spaces rather than being cut
            t.add_row(Text(text, style="bold", no_wrap=False, overflow="fold"),
                      *("" for _ in shown))
            continue
        t.add_row(text, *(_cell(hm.layer, int(hm.state[r, k]), float(hm.values[r, k]), w)
                          for r, w in zip(shown, widths, strict=True)))
    if note:
        t.caption = note
    return t, not left_out and not cut


