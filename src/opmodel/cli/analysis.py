"""Analysis commands: weights, gaps, heatmap, homogeneity, apps (TIME), stability.

Each is one library call (:mod:`opmodel.analysis`) plus printing. ``--format`` / ``-o``
write json or csv (the data), png / svg / html (the chart) or vega (the chart's Vega-Lite
spec); the format is taken from the file suffix when ``--format`` is not given.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape
from rich.text import Text

from .. import api
from ..errors import InputError
from . import app
from ._common import MODEL_HELP, AtOpt, Table, console, err_console, handle_errors, print_issues

if TYPE_CHECKING:  # numpy and the analysis load in the command that uses them
    from ..analysis.heatmap import CellExplanation, HeatMap
    from ..model import Enterprise

# The choices of `heatmap` for its help text, without importing the analysis (a test checks
# they are those of opmodel.analysis.heatmap).
BYS = ("stage", "capability")
LAYERS = ("priority", "gap", "current", "target")
ROLLUPS = ("max", "mean", "weighted")

DATA_FORMATS = ("json", "csv")
CHART_FORMATS = ("png", "svg", "html", "vega")
FORMAT_HELP = "Output format: json, csv, png, svg, html or vega (Vega-Lite spec)."
OUT_HELP = "File to write (format from its suffix unless --format is given)."

PathArg = typer.Argument(..., help=MODEL_HELP)
FormatOpt = typer.Option(None, "--format", "-f", help=FORMAT_HELP)
OutOpt = typer.Option(None, "--output", "-o", help=OUT_HELP)


# -- loading and writing ------------------------------------------------------------------
def _load(path: str, at: str | None = None) -> Enterprise:
    result = api.read(path, at)
    if result.warnings:
        err_console.print(f"[yellow]{len(result.warnings)} warning(s)[/]; see "
                          f"`opmodel validate {escape(str(path))}`")
    return result.enterprise


def _money(e: Enterprise) -> str:
    return f"{e.currency} {e.unit}"


def _emit(fmt: str | None, out: Path | None, *, data: Callable[[], dict[str, Any]],
          frame: Callable[[], Any], chart: Callable[[], Any] | None) -> bool:
    """Write the result as asked; False when nothing was asked (print to the terminal)."""
    if fmt is None and out is None:
        return False
    if fmt is None:
        assert out is not None
        suffix = out.suffix.lower().lstrip(".")
        fmt = "vega" if out.name.lower().endswith((".vl.json", ".vega.json")) else suffix
    fmt = fmt.lower()
    allowed = DATA_FORMATS + (CHART_FORMATS if chart is not None else ())
    if fmt not in allowed:
        raise InputError(f"unknown output format '{fmt}'",
                         hint=f"use --format with one of: {', '.join(allowed)}")
    from ..report.charts import chart_bytes, write_atomic

    if fmt == "json":
        payload = (json.dumps(data(), indent=2, default=_json_default) + "\n").encode()
    elif fmt == "csv":
        payload = frame().to_csv(index=False, float_format="%.6g").encode()
    else:
        assert chart is not None
        if out is None and fmt in ("png", "svg", "html"):
            raise InputError(f"a {fmt} chart needs a file", hint=f"add -o chart.{fmt}")
        payload = chart_bytes(chart(), "json" if fmt == "vega" else fmt)
    if out is None:
        sys.stdout.write(payload.decode())
        sys.stdout.flush()
    else:
        write_atomic(out, payload)
        console.print(f"[green]✓[/] wrote {escape(str(out))} ({fmt})")
    return True


def _json_default(o: Any) -> Any:
    if isinstance(o, float) and math.isnan(o):
        return None
    if hasattr(o, "item"):
        return o.item()
    return str(o)


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


# -- commands -----------------------------------------------------------------------------
@app.command()
@handle_errors
def weights(path: str = PathArg, fmt: str | None = FormatOpt, out: Path | None = OutOpt,
            at: str | None = AtOpt) -> None:
    """Print the criteria weights ω and, for an AHP matrix, its consistency ratio."""
    from ..analysis import weights as weights_fn

    loaded = api.read(path, at)
    w = weights_fn(loaded.enterprise)
    if _emit(fmt, out, data=w.to_dict, frame=w.to_frame, chart=None):
        print_issues([i for i in loaded.warnings if i.code == "W-AHP"])
        return
    src = "given directly in enterprise.yaml" if w.source == "weights" else \
        "derived from the AHP matrix in enterprise.yaml (principal eigenvector)"
    console.print(f"Criteria weights ω, {src}:")
    t = Table()
    t.add_column("criterion")
    t.add_column("weight", justify="right")
    for k, v in w.omega.items():
        t.add_row(k, f"{v:.4f}")
    console.print(t)
    if w.source != "ahp" or w.matrix is None:
        return
    console.print("Pairwise comparisons (how much more the row matters than the column, "
                  "Saaty's 1–9 scale):")
    m = Table()
    m.add_column("")
    for c in w.criteria:
        m.add_column(c, justify="right")
    for c, row in zip(w.criteria, w.matrix, strict=True):
        m.add_row(c, *(_judgement(x) for x in row))
    console.print(m)
    assert w.cr is not None and w.ci is not None and w.lambda_max is not None
    verdict = "[green]consistent (≤ 0.1)[/]" if w.consistent else "[yellow]too inconsistent " \
        "(> 0.1)[/]"
    console.print(f"λmax = {w.lambda_max:.4f}   CI = (λmax − n)/(n − 1) = {w.ci:.4f}   "
                  f"RI(n={len(w.criteria)}) = {w.ri:g}   CR = CI/RI = [bold]{w.cr:.3f}[/] "
                  f"{verdict}")
    if not w.consistent and w.worst is not None and w.worst_given is not None \
            and w.worst_implied is not None:
        a, b = w.worst
        console.print(f"most inconsistent judgement: {a} vs {b} = {_judgement(w.worst_given)}"
                      f" (the weights imply {w.worst_implied:.2f}); revisit it")
    print_issues([i for i in loaded.warnings if i.code == "W-AHP"], console)


def _judgement(x: float) -> str:
    if x >= 1 or x <= 0:
        return f"{x:g}"
    inv = 1 / x
    return f"1/{round(inv)}" if abs(inv - round(inv)) < 0.02 else f"{x:.3g}"


@app.command()
@handle_errors
def gaps(
    path: str = PathArg,
    at: str | None = AtOpt,
    top: int = typer.Option(20, "--top", "-n", help="How many cells to list."),
    fmt: str | None = FormatOpt,
    out: Path | None = OutOpt,
) -> None:
    """List the biggest gaps by priority = w × gap / 5 (capability × business unit)."""
    from ..analysis import ranked_gaps

    e = _load(path, at)
    g = ranked_gaps(e, top)

    def chart() -> Any:
        from ..report.charts import gaps_chart

        return gaps_chart(g)

    if _emit(fmt, out, data=g.to_dict, frame=g.to_frame, chart=chart):
        return
    t = Table(title=f"Top {len(g.rows)} gaps by priority", title_justify="left")
    for col, just in (("#", "right"), ("capability", "left"), ("stage", "left"),
                      ("unit", "left"), ("current→target", "center"), ("gap", "right"),
                      ("pain", "right"), ("w", "right"), ("priority", "center")):
        t.add_column(col, justify=just)  # type: ignore[arg-type]
    for r in g.rows:
        t.add_row(str(r.rank), r.capability_name, r.stage, r.business_unit,
                  f"{r.current:g} → {r.target:g}", f"{r.gap:g}", f"{r.pain:g}",
                  f"{r.weight:.3f}", Text(f" {r.priority:.3f} ",
                                          style=cell_style("priority", r.priority)))
    t.caption = (f"{g.with_gap} of {g.assessed} assessed cells have a gap; ω = "
                 + ", ".join(f"{k} {v:.2f}" for k, v in g.omega.items()))
    console.print(t)
    if g.rows:
        r = g.rows[0]
        console.print(f"why? [bold]opmodel heatmap {escape(str(path))} --by capability "
                      f"--explain {r.capability}/{r.business_unit}[/]")


def _split_cell(text: str) -> tuple[str, str]:
    if "/" not in text:
        raise InputError(f"--explain needs COLUMN/UNIT (got '{text}')",
                         hint="e.g. --explain sell/north, or --explain sell/all")
    col, row = text.rsplit("/", 1)
    return col.strip(), row.strip()


@app.command()
@handle_errors
def heatmap(
    path: str = PathArg,
    at: str | None = AtOpt,
    by: str = typer.Option("stage", "--by", help=f"Columns: {' or '.join(BYS)}."),
    layer: str = typer.Option("priority", "--layer", help=f"Value: {', '.join(LAYERS)}."),
    rollup: str = typer.Option("max", "--rollup",
                               help=f"Roll-up rule: {', '.join(ROLLUPS)} (unit-weighted)."),
    level: int | None = typer.Option(None, "--level",
                                     help="Capabilities: roll deeper levels up to this one."),
    stage: str | None = typer.Option(None, "--stage", help="Capabilities of one stage only."),
    explain: str | None = typer.Option(None, "--explain",
                                       help="Explain one cell: STAGE/UNIT or CAPABILITY/UNIT "
                                            "(UNIT may be 'all')."),
    fmt: str | None = FormatOpt,
    out: Path | None = OutOpt,
) -> None:
    """Colour heat map of business units × stages or capabilities, with provenance."""
    import numpy as np

    from ..analysis import heatmap as heatmap_fn

    e = _load(path, at)
    if explain is not None and by == "stage" and explain.rsplit("/", 1)[0] not in \
            e.ids("stage") and explain.rsplit("/", 1)[0] in e.ids("capability"):
        by = "capability"  # --explain crm/north means the capability cell
    hm = heatmap_fn(e, by, layer, rollup, level=level, stage=stage)
    if explain is not None:
        x = hm.explain(*_split_cell(explain))
        if _emit(fmt, out, data=x.to_dict, frame=lambda: _children_frame(x), chart=None):
            return
        print_explanation(x)
        return

    def chart() -> Any:
        from ..report.charts import heatmap_chart

        return heatmap_chart(hm)

    if _emit(fmt, out, data=hm.to_dict, frame=hm.to_frame, chart=chart):
        return
    console.print(heatmap_table(hm))
    console.print(legend(layer))
    units = hm.values[:-1]
    if hm.columns and np.isfinite(units).any():
        r, k = np.unravel_index(int(np.nanargmax(np.where(np.isfinite(units), units, -1))),
                                units.shape)
        console.print(f"[dim]why is a cell hot? opmodel heatmap {escape(str(path))} --by {by}"
                      f" --explain {hm.columns[k]}/{hm.rows[r]}[/]", soft_wrap=True)


def _children_frame(x: CellExplanation) -> Any:
    import pandas as pd

    return pd.DataFrame([c.__dict__ for c in x.children])


def print_explanation(x: CellExplanation) -> None:
    v = "no value" if x.value is None else _fmt(x.layer, x.value)
    console.print(f"[bold]{escape(x.column_name)} / {escape(x.row_name)}[/] — {x.layer} = "
                  f"[bold]{v}[/] ({x.state})")
    console.print(f"rule: {x.rule}")
    if len(x.children) > 1:
        t = Table(title="children", title_justify="left", box=None)
        for col in ("capability", "unit", "status", x.layer, ""):
            t.add_column(col)
        shown = x.children[:25]
        for c in shown:
            mark = "◀ drives the cell" if c == x.driver else ""
            val = "–" if c.value is None else _fmt(x.layer, c.value)
            t.add_row(c.capability_name, c.business_unit, c.status, val, mark)
        if len(x.children) > len(shown):
            t.caption = f"… and {len(x.children) - len(shown)} more"
        console.print(t)
    p = x.provenance
    if p is None:
        return
    console.print(f"\n[bold]{escape(p.capability_name)}[/] ({p.capability}) in "
                  f"[bold]{escape(p.business_unit_name)}[/] ({p.business_unit}): {p.status}")
    a = p.assessment
    if a is not None:
        who = f" by {escape(a.assessor)}" if a.assessor else ""
        when = f" on {a.date}" if a.date else ""
        if a.applicable:
            body = f"current {a.current:g}, target {a.target:g}, pain " + \
                ("–" if a.pain is None else f"{a.pain:g}") if a.current is not None \
                else "no maturity given"
        else:
            body = "n/a"
        console.print(f"  assessment (row {a.row} of assessments): {body}; {a.confidence}"
                      f"{who}{when}" + (f' — "{escape(a.notes)}"' if a.notes else ""))
    else:
        console.print("  assessment: none (nobody assessed this capability in this unit)")
    if p.expectations:
        for ex in p.expectations:
            console.print(f"  customer expectation {ex.id} ({ex.segment}, importance "
                          f"{ex.importance}): \"{escape(ex.statement)}\"")
    else:
        console.print("  customer expectations: none name this capability")
    if p.objectives:
        for o in p.objectives:
            console.print(f"  objective {o.objective} \"{escape(o.name)}\": weight {o.weight:g}"
                          f" × strength {o.strength} = {o.product:g}")
    else:
        console.print("  objectives: none link to this capability")
    console.print("  arithmetic:")
    for line in p.arithmetic():
        console.print(f"    {escape(line)}")


@app.command()
@handle_errors
def homogeneity(
    path: str = PathArg,
    at: str | None = AtOpt,
    by: str = typer.Option("capability", "--by", help="capability or stage."),
    top: int = typer.Option(20, "--top", "-n", help="How many consolidation candidates."),
    fmt: str | None = FormatOpt,
    out: Path | None = OutOpt,
) -> None:
    """Applications per capability across units: homogeneity, spread, consolidation savings."""
    import numpy as np

    from ..analysis import homogeneity as homogeneity_fn

    if by not in ("capability", "stage"):
        raise InputError(f"unknown --by '{by}'", hint="use capability or stage")
    e = _load(path, at)
    h = homogeneity_fn(e)
    money = _money(e)

    def chart() -> Any:
        from ..report.charts import homogeneity_chart

        return homogeneity_chart(h, by=by, top=top, money=money)

    frame_by = "stage" if by == "stage" else "candidates"
    if _emit(fmt, out, data=h.to_dict, frame=lambda: h.to_frame(frame_by), chart=chart):
        return
    if by == "stage":
        t = Table(title="Homogeneity by stage", title_justify="left")
        for col in ("stage", "capabilities", "units", "applications", "homogeneity (mean)",
                    "max spread", "duplicated cost", "candidates"):
            t.add_column(col, justify="left" if col == "stage" else "right")
        for s in h.stages:
            t.add_row(s.name, str(s.capabilities), str(s.business_units), str(s.distinct),
                      _opt(s.homogeneity, ".2f"), _opt(s.spread, "g"),
                      f"{s.duplicated_cost:,.0f}", str(s.candidates))
        t.caption = f"money in {money} a year; {h.source_note}"
        console.print(t)
        return
    n_cand = h.n_candidates
    t = Table(title=f"Consolidation candidates (top {min(top, n_cand)} of {n_cand})",
              title_justify="left")
    for col in ("#", "capability", "units", "apps", "homogeneity", "spread", "keep (fit)",
                "retire (fit)", "savings"):
        t.add_column(col, justify="right" if col in ("#", "units", "apps", "homogeneity",
                                                     "spread", "savings") else "left")
    for c in h.top_candidates(top):
        t.add_row(str(c.rank), c.name, str(len(c.business_units)), str(len(c.retire) + 1),
                  _opt(c.homogeneity, ".2f"), _opt(c.spread, "g"),
                  f"{c.keep.name} ({_fit(c.keep.fit)})",
                  ", ".join(f"{a.name} ({_fit(a.fit)})" for a in c.retire),
                  f"{c.savings:,.0f}")
    t.caption = (f"estimated savings of all {n_cand} candidates: "
                 f"{h.total_savings:,.0f} {money} a year (run cost apportioned equally over "
                 "each application's capabilities); fit = functional + technical (2–8); "
                 f"{h.source_note}")
    console.print(t)
    lonely = [i for i in np.nonzero(h.listed)[0].tolist() if h.without[i]]
    if lonely:
        bus = [b.id for b in e.business_units]
        eg = ", ".join(f"{h.capability_ids[i]} ({', '.join(bus[j] for j in h.without[i][:4])}"
                       f"{', …' if len(h.without[i]) > 4 else ''})" for i in lonely[:3])
        console.print(f"{len(lonely)} capabilities are assessed by units where no application "
                      f"serves them (nor any of their sub-capabilities), e.g. {eg}",
                      soft_wrap=True)


def _opt(v: float | None, spec: str) -> str:
    return "–" if v is None else format(v, spec)


QUADRANT_STYLE = {"invest": "bold green", "migrate": "bold blue", "tolerate": "bold yellow",
                  "eliminate": "bold red", "not assessed": "dim italic"}


def _fit(v: float | None) -> str:
    """A fit for a table: the number, or "not assessed" (never a zero)."""
    return "not assessed" if v is None else f"{v:g}"


@app.command()
@handle_errors
def apps(
    path: str = PathArg,
    at: str | None = AtOpt,
    by_unit: bool = typer.Option(False, "--by-unit",
                                 help="Also list every application × unit (csv/json: rows "
                                      "per unit)."),
    fmt: str | None = FormatOpt,
    out: Path | None = OutOpt,
) -> None:
    """TIME classification (Tolerate/Invest/Migrate/Eliminate) per application and unit."""
    from ..analysis import time_classification
    from ..analysis.time_model import HIGH, NOT_ASSESSED

    e = _load(path, at)
    r = time_classification(e)

    def chart() -> Any:
        from ..report.charts import time_chart

        return time_chart(r)

    if _emit(fmt, out, data=r.to_dict,
             frame=lambda: r.to_frame("unit" if by_unit else "application"), chart=chart):
        return
    money = _money(e)
    t = Table(title=f"TIME by application (fit 1–4, ≥ {HIGH} is high)", title_justify="left")
    for col in ("application", "functional", "technical", "TIME", "run cost",
                "lifecycle", "units", "capabilities", "varies by unit"):
        t.add_column(col, justify="left" if col in ("application", "TIME", "lifecycle")
                     else "right")
    for a in r.applications:
        t.add_row(a.name, _fit(a.functional_fit).replace("not assessed", "–"),
                  _fit(a.technical_fit).replace("not assessed", "–"),
                  Text(a.quadrant.capitalize(), style=QUADRANT_STYLE[a.quadrant]),
                  f"{a.annual_run_cost:,.0f}", a.lifecycle, str(a.business_units),
                  str(a.capabilities), "yes" if a.varies else "")
    counts, cost = r.counts(), r.cost()
    t.caption = "; ".join(f"{q.capitalize()} {counts[q]} ({cost[q]:,.0f})" for q in counts
                          if q != NOT_ASSESSED or counts[q]) \
        + f" — run cost in {money} a year"
    console.print(t)
    if r.not_assessed:
        console.print(f"{r.not_assessed} application(s) not assessed: their functional and "
                      "technical fit (1–4) are missing, so they have no TIME quadrant yet; "
                      "add them in applications.csv (or survey the owners)", style="yellow")
    rows = [u for u in r.by_unit if by_unit or u.override]
    if rows:
        u_t = Table(title="per unit" + ("" if by_unit else " (where a unit has its own fit)"),
                    title_justify="left")
        for col in ("application", "unit", "functional", "technical", "TIME", "own fit"):
            u_t.add_column(col)
        for u in rows:
            u_t.add_row(u.application, u.business_unit,
                        _fit(u.functional_fit).replace("not assessed", "–"),
                        _fit(u.technical_fit).replace("not assessed", "–"),
                        Text(u.quadrant.capitalize(), style=QUADRANT_STYLE[u.quadrant]),
                        "yes" if u.override else "")
        console.print(u_t)


@app.command()
@handle_errors
def stability(
    path: str = PathArg,
    at: str | None = AtOpt,
    top: int = typer.Option(10, "--top", "-n", help="Size of the top list."),
    spread: float = typer.Option(0.2, "--spread", help="Perturb each ω by up to ± this share."),
    draws: int = typer.Option(500, "--draws", help="Number of random ω draws."),
    seed: int = typer.Option(0, "--seed", help="Random seed (same seed, same result)."),
    fmt: str | None = FormatOpt,
    out: Path | None = OutOpt,
) -> None:
    """Rank stability: how often each top-N gap stays in the top N when ω is perturbed."""
    from ..analysis import stability as stability_fn

    e = _load(path, at)
    r = stability_fn(e, top, spread, draws, seed)

    def chart() -> Any:
        from ..report.charts import stability_chart

        return stability_chart(r)

    if _emit(fmt, out, data=r.to_dict, frame=r.to_frame, chart=chart):
        return
    t = Table(title=f"Rank stability of the top {r.top} (ω ± {r.spread:.0%}, {r.draws} draws, "
                    f"seed {r.seed})", title_justify="left")
    # ids are never cut (an 80-column terminal used to show "order-cap…"): the id columns
    # are as wide as their longest id, the numbers' headers wrap instead
    longest = {"capability": max((len(c.capability) for c in r.cells), default=10),
               "unit": max((len(c.business_unit) for c in r.cells), default=4)}
    for col in ("#", "capability", "unit", "priority", "stays in top", "median rank",
                "worst rank"):
        if col in longest:
            t.add_column(col, min_width=longest[col], overflow="fold")
        else:
            t.add_column(col, justify="right", max_width=8 if col == "priority" else 6)
    for c in r.cells:
        style = "green" if c.stay >= 0.9 else ("yellow" if c.stay >= 0.5 else "red")
        worst = f">{r.top}" if c.worst_rank > r.top else str(c.worst_rank)
        t.add_row(str(c.rank), c.capability, c.business_unit, f"{c.priority:.3f}",
                  Text(f"{c.stay:.0%}", style=style), str(c.median_rank), worst)
    t.caption = "ω ranges: " + ", ".join(f"{k} {lo:.2f}–{hi:.2f}"
                                         for k, (lo, hi) in r.omega_range.items())
    console.print(t)
    if r.entrants:
        console.print("cells that enter the top " + str(r.top) + ": " + ", ".join(
            f"{x.capability}/{x.business_unit} (rank {x.baseline_rank}, {x.share:.0%})"
            for x in r.entrants[:5]))
