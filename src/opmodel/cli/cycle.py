"""The quarterly cycle: decide, decisions, actuals (``plan --as-of`` lives in cli/plan.py).

Each command is one library call (:mod:`opmodel.io.cycle_files`, :mod:`opmodel.cycle`) plus
parsing and formatting.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.text import Text

from .. import api
from ..errors import InputError
from ._app import app
from ._common import MODEL_HELP, AtOpt, Table, console, err_console, handle_errors
from ._output import emit, format_option, output_option, resolve

PathArg = typer.Argument(..., help=MODEL_HELP)


def _date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--date '{text}' is not a date like 2027-07-14") from None


def _where(path: str, file: str) -> str:
    """Where a change went: the store's URL, or the file in the model folder."""
    return path if api.store_url(path) is not None else f"{path}/{file}"


def _money(x: float | None) -> str:
    return "–" if x is None else f"{x:z,.0f}"  # "z": never "-0"


@app.command()
@handle_errors
def decide(
    path: str = PathArg,
    initiative: str = typer.Argument(..., help="Id of the initiative decided on."),
    action: str = typer.Argument(..., help="approve, defer, reject, cancel, complete, "
                                 "force-start or propose."),
    by: str = typer.Option(..., "--by", help="Who decided (name)."),
    role: str = typer.Option(..., "--role", help="Their role, e.g. portfolio."),
    why: str | None = typer.Option(None, "--why", help="Rationale (required when departing "
                                   "from the recommendation, and to cancel)."),
    until: str | None = typer.Option(None, "--until", help="defer: first quarter it may "
                                     "start."),
    start: str | None = typer.Option(None, "--start", help="approve/force-start: the start "
                                     "quarter (approve defaults to the recommended one)."),
    cycle: str | None = typer.Option(None, "--cycle", help="The cycle (quarter) whose "
                                     "meeting decided; default: the quarter of --date."),
    date: str | None = typer.Option(None, "--date", help="Date of the decision "
                                    "(YYYY-MM-DD; default today)."),
    review_by: str | None = typer.Option(None, "--review-by", help="The reviewing "
                                         "architect."),
    verdict: str | None = typer.Option(None, "--verdict", help="Architecture review: "
                                       "conform, conditional or non-conform."),
    review_note: str | None = typer.Option(None, "--review-note", help="The review's note."),
    makers: str | None = typer.Option(None, "--decision-makers", help="Names separated "
                                      "by ';'."),
    consulted: str | None = typer.Option(None, "--consulted", help="Names separated by ';'."),
    informed: str | None = typer.Option(None, "--informed", help="Units or names separated "
                                        "by ';'."),
    supersedes: str | None = typer.Option(None, "--supersedes", help="Id of the earlier "
                                          "decision this one replaces."),
    plan: bool = typer.Option(True, "--plan/--no-plan", help="Record the plan the decision "
                              "is taken against (solves the cycle's recommendation)."),
    time_limit: float = typer.Option(60.0, "--time-limit", "-t", help="Solver time limit "
                                     "for the recommendation."),
    fmt: str | None = format_option(csv=False),
    out: Path | None = output_option(),
) -> None:
    """Record a portfolio decision on an initiative (appended to decisions.yaml; refused,
    with nothing written, when the transition is not allowed)."""
    resolve(fmt, out, csv=False)
    from ..optimize import SolveOptions

    review = None
    if review_by or verdict or review_note:
        review = {"reviewer": review_by or "", "verdict": verdict, "note": review_note}

    def split(text: str | None) -> tuple[str, ...]:
        return tuple(p.strip() for p in (text or "").split(";") if p.strip())

    def no_plan(exc: Any) -> None:
        err_console.print(f"[yellow]no recommendation to record[/] ({escape(exc.message)})"
                          "; the decision is recorded without the plan", soft_wrap=True)

    d = api.decide(path, initiative, action, by=by, role=role, cycle=cycle, date=_date(date),
                   plan=plan, options=SolveOptions(time_limit=time_limit),
                   on_plan=lambda cyc: console.status(f"planning the {cyc} recommendation…"),
                   on_no_plan=no_plan, rationale=why, start=start, until=until,
                   review=review, decision_makers=split(makers), consulted=split(consulted),
                   informed=split(informed), supersedes=supersedes)
    rec = ""
    if d.against is not None:
        a = d.against
        rec = (f"; the plan {a.plan} recommended "
               + (f"starting {a.start}" if a.funded else "not funding it")
               + f" (value at stake {_money(a.value_at_stake)})")
    line = Text.assemble(("✓", "green"), " decision ", (d.id, "bold"),
                         f": {d.action} {d.initiative} in cycle {d.cycle}{rec}")
    emit("decide", fmt, out, data=lambda: {"decision": d.model_dump(mode="json"),
                                           "where": _where(path, "decisions.yaml")},
         table=lambda: [line])


@app.command()
@handle_errors
def decisions(
    path: str = PathArg,
    cycle: str | None = typer.Option(None, "--cycle", help="The cycle to show (default: "
                                     "the latest with decisions)."),
    fmt: str | None = format_option(),
    out: Path | None = output_option(),
    time_limit: float = typer.Option(60.0, "--time-limit", "-t", help="Solver time limit."),
    at: str | None = AtOpt,
) -> None:
    """Recommended versus decided for one cycle, with the overrides priced: the value the
    portfolio gave up (or gained) by departing from the recommendation."""
    from ..cycle import price_decisions
    from ..optimize import SolveOptions

    resolve(fmt, out)
    e = api.read(path, at).enterprise
    with console.status("pricing the decisions…"):
        p = price_decisions(e, cycle, SolveOptions(time_limit=time_limit))
    emit("decisions", fmt, out, data=p.to_dict, rows=lambda: [_flat(r.to_dict()) for r in p.rows],
         table=lambda: decisions_view(p, f"{e.currency} {e.unit}"))


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    """A decision's CSV row: what it moves as two columns of ``;``-joined ids (as the other
    CSVs write lists), not one cell of JSON text."""
    moves = row.pop("moves", None) or {}
    return {**row, **{f"moves_{k}": ";".join(v) for k, v in moves.items()}}


def decisions_view(p: Any, unit: str) -> list[Any]:
    t = Table(title=f"Decisions of cycle {p.cycle}: recommended versus decided",
              title_justify="left")
    for col in ("decision", "initiative", "recommended", "decided", "override",
                "value change", "by", "review", "rationale"):
        t.add_column(col, justify="right" if col == "value change" else "left")
    for r in p.rows:
        recd = f"start {r.recommended_start}" if r.recommended_funded else "not funded"
        dec = r.action + (f" {r.decided_start}" if r.decided_start else "")
        t.add_row(r.id, r.initiative, recd, dec, "yes" if r.override else "",
                  _money(r.value_change), f"{r.by} ({r.role})",
                  r.verdict or "", r.rationale or "")
    out: list[Any] = [t]
    out.append(f"recommended plan {_money(p.recommended_value)} {escape(unit)}; decided as is "
               f"{_money(p.decided_value)}; re-optimized around the decisions "
               f"{_money(p.reoptimized_value)}; value given up by the overrides "
               f"[bold]{_money(p.given_up)}[/]")
    if p.breaks:
        out.append(Text.assemble(("as decided, with nothing else moved, the portfolio "
                                  "breaks: ", "yellow"), "; ".join(p.breaks)))
    if p.undecided:
        out.append(Text("recommended to start this cycle but not decided: "
                        + ", ".join(p.undecided)))
    return out


@app.command()
@handle_errors
def actuals(
    path: str = PathArg,
    file: Path = typer.Argument(..., help="CSV with quarter, initiative, spent and "
                                "optionally percent_complete, remaining, finish, note."),
    fmt: str | None = format_option(),
    out: Path | None = output_option(),
) -> None:
    """Check a quarter's actuals and merge them into the model's actuals.csv (atomic: all
    rows or none)."""
    resolve(fmt, out)
    warned: list[Any] = []

    def warn(i: Any) -> None:  # the rows' own warnings, where they are in the file
        warned.append(i)
        err_console.print(Text.assemble((f"{i.location}: {i.code}", "yellow"), f" {i.message}",
                                        f" ({i.hint})" if i.hint else ""), soft_wrap=True)

    rows = api.record_actuals(path, file, on_warning=warn)  # a store: all rows in one action
    quarters = sorted({r.quarter for r in rows})
    where = _where(path, "actuals.csv")
    merged = [r.model_dump(mode="json") for r in rows]
    emit("actuals", fmt, out, data=lambda: {"where": where, "quarters": quarters,
                                            "rows": merged}, rows=lambda: merged,
         table=lambda: [Text.assemble(("✓", "green"), f" merged {len(rows)} actuals row(s) "
                                      f"for {', '.join(quarters)} into {where}"
                                      + (f" ({len(warned)} warning(s))" if warned else ""))])


def what_changed(r: Any) -> list[Any]:
    """Rich renderables for ``plan --as-of``: fixed and sunk work, what changed against the
    plan of record, plan versus actual."""
    e = r.rolled.source
    unit = f"{e.currency} {e.unit}"
    ch = r.change
    out: list[Any] = []
    lc = r.rolled.lifecycle
    counts: dict[str, int] = {}
    for s in lc.states.values():
        counts[s.status] = counts.get(s.status, 0) + 1
    out.append(f"[bold]As of {r.as_of}[/]: " + ", ".join(
        f"{n} {k}" for k, n in sorted(counts.items())) + f"; sunk {_money(r.rolled.sunk)} "
        f"{unit} (never counted again)")
    if ch.record_cycle is None:
        out.append("no plan of record yet (no decisions before this quarter)")
    else:
        out.append(
            f"against the plan of record of {ch.record_cycle}: value "
            f"{_money(ch.value_record)} → {_money(ch.value_plan)} "
            f"({ch.value_change:+,.0f}); in: {escape(', '.join(ch.added) or '–')}; out: "
            + escape(", ".join(f"{x['id']} ({x['now']})" for x in ch.removed) or "–"))
        if ch.record_breaks:
            out.append("[yellow]the plan of record, continued as decided, would now break "
                       f"{len(ch.record_breaks)} rule(s)[/]: "
                       + escape("; ".join(ch.record_breaks[:3]))
                       + (" …" if len(ch.record_breaks) > 3 else ""))
        if ch.moved:
            t = Table(title="Moved against the plan of record", title_justify="left")
            for col in ("initiative", "start (record)", "start (now)", "finish (record)",
                        "finish (now)"):
                t.add_column(col)
            for m in ch.moved:
                t.add_row(m["id"], m["start_record"] or "–", m["start_now"] or "–",
                          m["finish_record"] or "–", m["finish_now"] or "–")
            out.append(t)
    if r.variance:
        t = Table(title="Plan versus actual", title_justify="left")
        for col in ("initiative", "status", "planned to date", "spent", "variance",
                    "estimate at completion", "overrun", "slip"):
            t.add_column(col, justify="left" if col in ("initiative", "status") else "right")
        for v in r.variance:
            t.add_row(v["id"], v["status"], _money(v["planned_to_date"]),
                      _money(v["spent"]) + ("*" if v["assumed"] else ""),
                      f"{v['variance']:+,.0f}", _money(v["estimate_at_completion"]),
                      "–" if v["overrun"] is None else f"{v['overrun']:+.0%}",
                      f"{v['slip']:+d} q" if v["slip"] else "")
        t.caption = f"{unit}; * includes planned spend of quarters without actuals"
        out.append(t)
    for note in r.rolled.notes:
        out.append(f"[dim]note:[/] {escape(note)}")
    return out


def since_renderables(s: dict[str, Any]) -> list[Any]:
    """The report's "Since last quarter" data (report/cycle_section.py) for the terminal."""
    unit = f"{s['currency']} {s['unit']}"
    ch = s["change"]
    out: list[Any] = [
        f"re-planned value {_money(s['value'])} {unit}; "
        + ", ".join(f"{n} {k}" for k, n in sorted(s["statuses"].items()))
        + f"; sunk {_money(s['sunk'])} (never counted again)"]
    if ch["record_cycle"]:
        out.append(f"against the plan of record of {ch['record_cycle']}: value "
                   f"{_money(ch['value_record'])} → {_money(ch['value_plan'])}; in: "
                   + escape(", ".join(x["id"] for x in ch["added"]) or "–") + "; out: "
                   + escape(", ".join(f"{x['id']} ({x['now']})" for x in ch["removed"])
                            or "–"))
    t = Table(title="Plan versus actual", title_justify="left")
    for col in ("initiative", "status", "spent", "estimate at completion", "overrun", "slip"):
        t.add_column(col, justify="left" if col in ("initiative", "status") else "right")
    for v in s["variance"]:
        t.add_row(v["id"], v["status"], _money(v["spent"]),
                  _money(v["estimate_at_completion"]),
                  "–" if v["overrun"] is None else f"{v['overrun']:+.0%}",
                  f"{v['slip']:+d} q" if v["slip"] else "")
    t.caption = unit
    out.append(t)
    return out


def demo_replan(e: Any, since: dict[str, Any] | None = None) -> None:
    """The end of ``opmodel demo``: the re-plan as of the quarter after the last cycle
    (``since``: the report already computed it)."""
    from ..cycle import next_quarter, replan
    from ..optimize import SolveOptions

    as_of = next_quarter(e)
    if as_of is None:
        return
    console.rule(f"The quarterly cycle: re-plan as of {as_of}")
    if since is not None:
        for x in since_renderables(since):
            console.print(x)
        console.print(f"`opmodel plan PATH --as-of {as_of}` for the full plan; the report's "
                      "section Since last quarter")
        return
    with console.status(f"re-planning as of {as_of}…"):
        r = replan(e, as_of, SolveOptions(time_limit=20.0))
    console.print(f"re-planned value {_money(r.plan.objective)} {e.currency} {e.unit}, "
                  f"{len(r.plan.selected)} initiatives funded or continued; "
                  f"`opmodel plan PATH --as-of {as_of}` for the full plan")
    for x in what_changed(r):
        console.print(x)


@app.command()
@handle_errors
def archive(
    path: str = PathArg,
    cycle: str = typer.Option(..., "--cycle", help="The cycle (quarter) the current "
                              "assessments stand for, e.g. 2027Q2."),
    fmt: str | None = format_option(csv=False),
    out: Path | None = output_option(),
) -> None:
    """Keep the current assessments in assessment_history.csv as they stand in a cycle,
    before a new assessment round replaces them (the heat-map trend)."""
    resolve(fmt, out, csv=False)
    n = api.archive(path, cycle)  # a store: one action
    where = _where(path, "assessment_history.csv")
    emit("archive", fmt, out, data=lambda: {"cycle": cycle, "kept": n, "where": where},
         table=lambda: [Text.assemble(("✓", "green"), f" kept {n} assessment(s) as they "
                                      f"stand in {cycle} in {where}")])
