"""Analysis commands: weights, gaps, heatmap, homogeneity, apps (TIME), stability.

Each is one library call (:mod:`opmodel.analysis`) and a view: the terminal form is built
by the ``*_view`` functions below (the heat map grid in :mod:`.heatmap_view`); json, csv
and the charts (png, svg, html, vega) go through the output contract of :mod:`._output`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape
from rich.text import Text

from .. import api
from ..errors import InputError
from ._app import app
from ._common import MODEL_HELP, AtOpt, Table, console, err_console, handle_errors, print_issues
from ._output import emit, format_option, machine, output_option
from .heatmap_view import _fmt, cell_style, heatmap_table, legend

if TYPE_CHECKING:  # numpy and the analysis load in the command that uses them
    from ..analysis.heatmap import CellExplanation
    from ..model import Enterprise

__all__ = ["cell_style", "heatmap_table", "legend"]  # the terminal heat map, for report/demo

# The choices of `heatmap` for its help text, without importing the analysis (a test checks
# they are those of opmodel.analysis.heatmap).
BYS = ("stage", "capability")
LAYERS = ("priority", "gap", "current", "target")
ROLLUPS = ("max", "mean", "weighted")

PathArg = typer.Argument(..., help=MODEL_HELP)
FormatOpt = format_option(charts=True)
OutOpt = output_option()


def _load(path: str, at: str | None = None) -> Enterprise:
    result = api.read(path, at)
    if result.warnings:
        err_console.print(f"[yellow]{len(result.warnings)} warning(s)[/]; see "
                          f"`opmodel validate {escape(str(path))}`")
    return result.enterprise


def _money(e: Enterprise) -> str:
    return f"{e.currency} {e.unit}"


def _chart(name: str, *args: Any, **kwargs: Any) -> Any:
    """A chart builder of :mod:`opmodel.report.charts`, called when a chart is asked for."""
    def build() -> Any:
        from ..report import charts

        return getattr(charts, name)(*args, **kwargs)

    return build


# -- commands -----------------------------------------------------------------------------
@app.command()
@handle_errors
def weights(path: str = PathArg, fmt: str | None = format_option(), out: Path | None = OutOpt,
            at: str | None = AtOpt) -> None:
    """Print the criteria weights ω and, for an AHP matrix, its consistency ratio."""
    from ..analysis import weights as weights_fn

    loaded = api.read(path, at)
    w = weights_fn(loaded.enterprise)
    ahp = [i for i in loaded.warnings if i.code == "W-AHP"]
    emit("weights", fmt, out, data=w.to_dict, rows=w.to_frame,
         table=lambda: weights_view(w))
    if ahp:
        print_issues(ahp, err_console if machine(fmt, out) or out else console)


def weights_view(w: Any) -> list[Any]:
    src = "given directly in enterprise.yaml" if w.source == "weights" else \
        "derived from the AHP matrix in enterprise.yaml (principal eigenvector)"
    out: list[Any] = [f"Criteria weights ω, {src}:"]
    t = Table()
    t.add_column("criterion")
    t.add_column("weight", justify="right")
    for k, v in w.omega.items():
        t.add_row(k, f"{v:.4f}")
    out.append(t)
    if w.source != "ahp" or w.matrix is None:
        return out
    out.append("Pairwise comparisons (how much more the row matters than the column, "
               "Saaty's 1–9 scale):")
    m = Table()
    m.add_column("")
    for c in w.criteria:
        m.add_column(c, justify="right")
    for c, row in zip(w.criteria, w.matrix, strict=True):
        m.add_row(c, *(_judgement(x) for x in row))
    out.append(m)
    assert w.cr is not None and w.ci is not None and w.lambda_max is not None
    verdict = "[green]consistent (≤ 0.1)[/]" if w.consistent else "[yellow]too inconsistent " \
        "(> 0.1)[/]"
    out.append(f"λmax = {w.lambda_max:.4f}   CI = (λmax − n)/(n − 1) = {w.ci:.4f}   "
               f"RI(n={len(w.criteria)}) = {w.ri:g}   CR = CI/RI = [bold]{w.cr:.3f}[/] "
               f"{verdict}")
    if not w.consistent and w.worst is not None and w.worst_given is not None \
            and w.worst_implied is not None:
        a, b = w.worst
        out.append(f"most inconsistent judgement: {a} vs {b} = {_judgement(w.worst_given)}"
                   f" (the weights imply {w.worst_implied:.2f}); revisit it")
    return out


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
    emit("gaps", fmt, out, data=g.to_dict, rows=g.to_frame, chart=_chart("gaps_chart", g),
         table=lambda: gaps_view(g, path))


def gaps_view(g: Any, path: str) -> list[Any]:
    t = Table(title=f"Top {len(g.rows)} gaps by priority", title_justify="left")
    for col, just in (("#", "right"), ("capability", "left"), ("stage", "left"),
                      ("unit", "left"), ("current → target", "center"), ("gap", "right"),
                      ("pain", "right"), ("w", "right"), ("priority", "center")):
        t.add_column(col, justify=just)  # type: ignore[arg-type]
    for r in g.rows:
        t.add_row(str(r.rank), r.capability_name, r.stage, r.business_unit,
                  f"{r.current:g} → {r.target:g}", f"{r.gap:g}", f"{r.pain:g}",
                  f"{r.weight:.3f}", Text(f" {r.priority:.3f} ",
                                          style=cell_style("priority", r.priority)))
    t.caption = (f"{g.with_gap} of {g.assessed} assessed cells have a gap; ω = "
                 + ", ".join(f"{k} {v:.2f}" for k, v in g.omega.items()))
    out: list[Any] = [t]
    if g.rows:
        r = g.rows[0]
        out.append(f"why? [bold]opmodel heatmap {escape(str(path))} --by capability "
                   f"--explain {escape(r.capability)}/{escape(r.business_unit)}[/]")
    return out


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
    from ..analysis import heatmap as heatmap_fn

    e = _load(path, at)
    if explain is not None and by == "stage" and explain.rsplit("/", 1)[0] not in \
            e.ids("stage") and explain.rsplit("/", 1)[0] in e.ids("capability"):
        by = "capability"  # --explain crm/north means the capability cell
    hm = heatmap_fn(e, by, layer, rollup, level=level, stage=stage)
    if explain is not None:
        x = hm.explain(*_split_cell(explain))
        emit("heatmap-cell", fmt, out, data=x.to_dict, rows=lambda: _children_rows(x),
             table=lambda: explanation_view(x))
        return
    emit("heatmap", fmt, out, data=hm.to_dict,  # csv: the values as the json has them
         rows=lambda: hm.to_frame().round({"value": 6}),
         chart=_chart("heatmap_chart", hm), table=lambda: heatmap_view(hm, path, by))


def heatmap_view(hm: Any, path: str, by: str) -> list[Any]:
    out: list[Any] = [heatmap_table(hm), legend(hm.layer)]
    hot = hm.hottest()
    if hot is not None:
        out.append(Text(f"why is a cell hot? opmodel heatmap {path} --by {by} --explain "
                        f"{hot[0]}/{hot[1]}", style="dim", no_wrap=True,
                        overflow="ignore"))  # one line to copy, however narrow
    return out


def _children_rows(x: CellExplanation) -> list[dict[str, Any]]:
    return [dict(c.__dict__) for c in x.children]


def explanation_view(x: CellExplanation) -> list[Any]:
    out: list[Any] = []
    v = "no value" if x.value is None else _fmt(x.layer, x.value)
    out.append(f"[bold]{escape(x.column_name)} / {escape(x.row_name)}[/] — {x.layer} = "
               f"[bold]{v}[/] ({x.state})")
    out.append(Text(f"rule: {x.rule}"))
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
        out.append(t)
    p = x.provenance
    if p is None:
        return out
    out.append(f"\n[bold]{escape(p.capability_name)}[/] ({escape(p.capability)}) in "
               f"[bold]{escape(p.business_unit_name)}[/] ({escape(p.business_unit)}): "
               f"{p.status}")
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
        out.append(f"  assessment (row {a.row} of assessments): {body}; {a.confidence}"
                   f"{who}{when}" + (f' — "{escape(a.notes)}"' if a.notes else ""))
    else:
        out.append("  assessment: none (nobody assessed this capability in this unit)")
    if p.expectations:
        for ex in p.expectations:
            out.append(f"  customer expectation {escape(ex.id)} ({escape(ex.segment)}, "
                       f"importance {ex.importance}): \"{escape(ex.statement)}\"")
    else:
        out.append("  customer expectations: none name this capability")
    if p.objectives:
        for o in p.objectives:
            out.append(f"  objective {escape(o.objective)} \"{escape(o.name)}\": weight "
                       f"{o.weight:g} × strength {o.strength} = {o.product:g}")
    else:
        out.append("  objectives: none link to this capability")
    out.append("  arithmetic:")
    for line in p.arithmetic():
        out.append(Text(f"    {line}"))
    return out


@app.command()
@handle_errors
def homogeneity(
    path: str = PathArg,
    at: str | None = AtOpt,
    by: str = typer.Option("capability", "--by", help="capability or stage."),
    top: int | None = typer.Option(
        None, "--top", "-n", show_default=False,
        help="How many consolidation candidates, in every format (default: all in json "
             "and csv, the first 20 in the table and the chart)."),
    fmt: str | None = FormatOpt,
    out: Path | None = OutOpt,
) -> None:
    """Applications per capability across units: homogeneity, spread, consolidation savings."""
    from ..analysis import homogeneity as homogeneity_fn

    if by not in ("capability", "stage"):
        raise InputError(f"unknown --by '{by}'", hint="use capability or stage")
    if top is not None and top < 1:  # (-n -1 showed all candidates but the last)
        raise InputError(f"--top must be at least 1 (got {top})")
    e = _load(path, at)
    h = homogeneity_fn(e)
    money = _money(e)
    shown = 20 if top is None else top

    def data() -> dict[str, Any]:  # -n 5: five candidates in the json too, as in the table
        d = h.to_dict()
        return d if top is None else {**d, "candidates": d["candidates"][:top]}

    def rows() -> Any:
        frame = h.to_frame("stage" if by == "stage" else "candidates")
        return frame if top is None or by == "stage" else frame.head(top)

    emit("homogeneity", fmt, out, data=data, rows=rows,
         chart=_chart("homogeneity_chart", h, by=by, top=shown, money=money),
         table=lambda: homogeneity_view(e, h, by, shown))


#: the headers' abbreviations, taken where a narrow terminal has no room for a whole word
#: over a column of short numbers (a header word is never folded: "homo/gene/ity")
SHORT = {"functional": "func.", "technical": "tech.", "capabilities": "capab.",
         "applications": "apps", "homogeneity": "homog.", "homogeneity (mean)": "homog. (mean)",
         "duplicated cost": "dupl. cost", "candidates": "cand."}


def homogeneity_view(e: Enterprise, h: Any, by: str, top: int) -> list[Any]:
    money = _money(e)
    if by == "stage":
        t = Table(title="Homogeneity by stage", title_justify="left")
        for col in ("stage", "capabilities", "units", "applications", "homogeneity (mean)",
                    "max spread", "duplicated cost", "candidates"):
            t.add_column(col, justify="left" if col == "stage" else "right",
                         short=SHORT.get(col))
        for s in h.stages:
            t.add_row(s.name, str(s.capabilities), str(s.business_units), str(s.distinct),
                      _opt(s.homogeneity, ".2f"), _opt(s.spread, "g"),
                      f"{s.duplicated_cost:,.0f}", str(s.candidates))
        t.caption = f"money in {money} a year; {h.source_note}"
        return [t]
    n_cand = h.n_candidates
    t = Table(title=f"Consolidation candidates (top {min(top, n_cand)} of {n_cand})",
              title_justify="left")
    for col in ("#", "capability", "units", "apps", "homogeneity", "spread", "keep (fit)",
                "retire (fit)", "savings"):
        t.add_column(col, justify="right" if col in ("#", "units", "apps", "homogeneity",
                                                     "spread", "savings") else "left",
                     short=SHORT.get(col))
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
    out: list[Any] = [t]
    lonely = [i for i, listed in enumerate(h.listed) if listed and h.without[i]]
    if lonely:
        bus = [b.id for b in e.business_units]
        eg = ", ".join(f"{h.capability_ids[i]} ({', '.join(bus[j] for j in h.without[i][:4])}"
                       f"{', …' if len(h.without[i]) > 4 else ''})" for i in lonely[:3])
        out.append(Text(f"{len(lonely)} capabilities are assessed by units where no "
                        "application serves them (nor any of their sub-capabilities), e.g. "
                        f"{eg}"))
    return out


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

    e = _load(path, at)
    r = time_classification(e)
    emit("apps", fmt, out, data=r.to_dict,
         rows=lambda: r.to_frame("unit" if by_unit else "application"),
         chart=_chart("time_chart", r), table=lambda: apps_view(e, r, by_unit))


def apps_view(e: Enterprise, r: Any, by_unit: bool) -> list[Any]:
    from ..analysis.time_model import HIGH, NOT_ASSESSED

    money = _money(e)
    t = Table(title=f"TIME by application (fit 1–4, ≥ {HIGH} is high)", title_justify="left")
    for col in ("application", "functional", "technical", "TIME", "run cost",
                "lifecycle", "units", "capabilities", "varies by unit"):
        t.add_column(col, justify="left" if col in ("application", "TIME", "lifecycle")
                     else "right", short=SHORT.get(col))
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
    out: list[Any] = [t]
    if r.not_assessed:
        out.append(Text(f"{r.not_assessed} application(s) not assessed: their functional and "
                        "technical fit (1–4) are missing, so they have no TIME quadrant yet; "
                        "add them in applications.csv (or survey the owners)",
                        style="yellow"))
    rows = [u for u in r.by_unit if by_unit or u.override]
    if rows:
        u_t = Table(title="per unit" + ("" if by_unit else " (where a unit has its own fit)"),
                    title_justify="left")
        for col in ("application", "unit", "functional", "technical", "TIME", "own fit"):
            u_t.add_column(col, short=SHORT.get(col))
        for u in rows:
            u_t.add_row(u.application, u.business_unit,
                        _fit(u.functional_fit).replace("not assessed", "–"),
                        _fit(u.technical_fit).replace("not assessed", "–"),
                        Text(u.quadrant.capitalize(), style=QUADRANT_STYLE[u.quadrant]),
                        "yes" if u.override else "")
        out.append(u_t)
    return out


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
    from ._common import MAX_DRAWS, MAX_SEED, check_count

    check_count("--draws", draws, 1, MAX_DRAWS)
    check_count("--seed", seed, 0, MAX_SEED)
    e = _load(path, at)
    r = stability_fn(e, top, spread, draws, seed)
    emit("stability", fmt, out, data=r.to_dict, rows=r.to_frame,
         chart=_chart("stability_chart", r), table=lambda: stability_view(r))


def stability_view(r: Any) -> list[Any]:
    t = Table(title=f"Rank stability of the top {r.top} (ω ± {r.spread:.0%}, {r.draws} draws, "
                    f"seed {r.seed})", title_justify="left")
    for col in ("#", "capability", "unit", "priority", "stays in top", "median rank",
                "worst rank"):
        t.add_column(col, justify="left" if col in ("capability", "unit") else "right")
    for c in r.cells:
        style = "green" if c.stay >= 0.9 else ("yellow" if c.stay >= 0.5 else "red")
        worst = f">{r.top}" if c.worst_rank > r.top else str(c.worst_rank)
        t.add_row(str(c.rank), c.capability, c.business_unit, f"{c.priority:.3f}",
                  Text(f"{c.stay:.0%}", style=style), str(c.median_rank), worst)
    t.caption = "ω ranges: " + ", ".join(f"{k} {lo:.2f}–{hi:.2f}"
                                         for k, (lo, hi) in r.omega_range.items())
    out: list[Any] = [t]
    if r.entrants:
        out.append(Text("cells that enter the top " + str(r.top) + ": " + ", ".join(
            f"{x.capability}/{x.business_unit} (rank {x.baseline_rank}, {x.share:.0%})"
            for x in r.entrants[:5])))
    return out
