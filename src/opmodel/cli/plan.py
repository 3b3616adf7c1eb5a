"""Funding commands: plan, explain.

``opmodel plan`` solves the portfolio (one call to :func:`opmodel.optimize.optimize`), shows
a live progress line while HiGHS works, prints the summary and, with ``-o DIR``, writes the
plan as JSON and CSV tables. ``opmodel explain`` says why one initiative is in or out.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape
from rich.text import Text

from .. import api
from ..errors import InputError
from ._app import app
from ._common import MODEL_HELP, AtOpt, Table, console, err_console, handle_errors
from ._output import (
    dir_option,
    emit,
    file_or_folder,
    format_option,
    json_bytes,
    machine,
    output_option,
    resolve,
)

if TYPE_CHECKING:
    from ..model import Enterprise

PathArg = typer.Argument(..., help=MODEL_HELP)
TimeOpt = typer.Option(60.0, "--time-limit", "-t", help="Stop the solver after this many "
                       "seconds (the best plan so far is reported with its gap).")
GapOpt = typer.Option(1e-4, "--gap", help="Relative optimality gap at which to stop "
                      "(0.01 = 1 %); a plan within it but not proven is reported as feasible.")
ThreadsOpt = typer.Option(None, "--threads", help="Solver threads (default: HiGHS decides).")
SeedOpt = typer.Option(0, "--seed", help="Solver random seed (same seed, same plan).")


def _load(path: str, scenario: str | None = None, at: str | None = None) -> Enterprise:
    result = api.read(path, at)
    if result.warnings:
        err_console.print(f"[yellow]{len(result.warnings)} warning(s)[/]; see "
                          f"`opmodel validate {escape(str(path))}`")
    if scenario is None:
        return result.enterprise
    from ..io.scenarios import scenario_model

    with api.side_files(path, at) as folder:
        return scenario_model(folder, result.enterprise, scenario)


ScenarioOpt = typer.Option(None, "--scenario", "-s", help="Plan a scenario from the model's "
                           "scenarios.yaml instead of the model as it is ('base').")


def _money(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "–"
    return f"{x:z,.0f}"  # "z": never "-0"


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{x:.1f} %"


def solve_with_progress(e: Enterprise, options: Any, confidence: float | None = None,
                        draws: int = 10_000) -> Any:
    """:func:`optimize` with a live line: elapsed time, incumbent, bound and gap; with a
    ``confidence`` (None: the model's policy) :func:`plan_to_confidence`."""
    from ..optimize import Progress
    from ..optimize.confidence import plan_to_confidence, require_certified

    with console.status("building the model…") as status:
        stage = [""]

        def solve_no(k: int, reserve: float) -> None:
            stage[0] = f"reserve {_money(reserve)} (solve {k}) · "

        def show(p: Progress) -> None:
            parts = [f"{stage[0]}solving {p.time:5.1f} s"]
            if p.incumbent is not None:
                parts.append(f"best plan {_money(p.incumbent)}")
            if p.bound is not None:
                parts.append(f"bound {_money(p.bound)}")
            if p.gap is not None and math.isfinite(p.gap):
                parts.append(f"gap {p.gap:.2%}")
            status.update(" · ".join(parts))

        return require_certified(plan_to_confidence(
            e, confidence, options, progress=show, draws=draws if draws > 0 else 10_000,
            seed=options.seed, on_solve=solve_no))


# -- summary --------------------------------------------------------------------------------
def summary(plan: Any, risk: Any = None, decided: frozenset[str] = frozenset()) -> list[Any]:
    """Rich renderables: headline, value vs baselines, budget use, mix, top decisions
    (``decided``: initiatives a re-plan leaves out by decision — done, rejected, cancelled —
    are not listed as left out)."""
    from ..model.initiative import KINDS
    from ..optimize.explain import explain_all

    inst = plan.instance
    e: Enterprise = inst.enterprise
    unit = f"{e.currency} {e.unit}"
    out: list[Any] = []
    colour = "green" if plan.status == "optimal" else "yellow"
    out.append(
        f"[bold]{escape(e.name)}[/] — plan [{colour}]{plan.status_text}[/]: value "
        f"[bold]{_money(plan.objective)}[/] {escape(unit)} (proven bound {_money(plan.bound)}); "
        f"{len(plan.selected)} of {inst.n} initiatives funded, spend "
        f"{_money(plan.total_spend)}; solved in {plan.solve_time:.1f} s "
        f"(model built in {plan.build_time:.2f} s)")

    t = Table(title="Value against the status quo", title_justify="left")
    for col in ("plan", "value", "% of optimum", "note"):
        t.add_column(col, justify="left" if col in ("plan", "note") else "right")
    t.add_row("optimized", _money(plan.objective), "100.0 %", plan.status_text)
    for name, b in plan.baselines.items():
        note = b.note + (f" — breaks {len(b.breaks)} rule(s)" if b.breaks else "")
        t.add_row(name, _money(b.value), _pct(plan.baseline_percent(name)), note)
    ev = plan.evaluation
    t.caption = (f"value = capability gaps closed {_money(ev.capability)} + run cost saved "
                 f"{_money(ev.savings)} + direct {_money(ev.direct)}; "
                 f"{_money(ev.in_horizon)} inside the horizon, {_money(ev.end_state)} for the "
                 f"{inst.end_quarters} quarters after it")
    out.append(t)

    sp = plan.spend
    b = Table(title="Spend against budget per quarter", title_justify="left")
    b.add_column("pool")
    for q in inst.quarters:
        b.add_column(q, justify="right")
    lines = {(x.pool, x.period): x.amount for x in e.budgets if not x.is_fiscal_year}
    for p, pool in enumerate(inst.pools):
        cells = []
        for k, q in enumerate(inst.quarters):
            have = lines.get((pool, q))
            cells.append(f"{sp[p, k]:,.0f}" + (f"/{have:,.0f}" if have is not None else ""))
        b.add_row(pool, *cells)
    b.caption = f"spend/budget line, {unit}; carry-over: {e.policy.carry_over}"
    out.append(b)

    sk = plan.spend_by_kind
    total = sk.sum()
    m = Table(title="Investment mix", title_justify="left")
    for col in ("kind", "spend", "share", "guardrail"):
        m.add_column(col, justify="left" if col in ("kind", "guardrail") else "right")
    for k, kind in enumerate(KINDS):
        rules = [g for g in e.policy.guardrails if g.kind == kind]
        text = "; ".join(
            (f"≥ {g.min_share:.0%}" if g.min_share is not None else "")
            + (" " if g.min_share is not None and g.max_share is not None else "")
            + (f"≤ {g.max_share:.0%}" if g.max_share is not None else "")
            + (" per quarter" if g.scope == "quarter" else "") for g in rules)
        m.add_row(kind, _money(float(sk[k].sum())),
                  f"{sk[k].sum() / total:.0%}" if total > 0 else "–", text or "–")
    out.append(m)

    if plan.confidence is not None:
        out.append(confidence_table(plan))
    if risk is not None:
        p = risk.within_budget
        how = (f"± {risk.within_budget_se:.1%}, {risk.draws:,} draws" if 0 < p < 1 else
               f"{'no' if p == 0 else 'every'} draw of {risk.draws:,}")
        out.append(
            f"[bold]Within budget[/]: {p:.1%} probability that every fiscal-year budget line "
            f"holds at once ({how})"
            + ("" if plan.confidence is not None else "; plan with --confidence 0.8 to hold "
               "a management reserve"))
        out.append(
            f"[bold]Cost risk[/] ({risk.draws:,} draws, triangular low/likely/high): "
            f"P(some budget row overruns, year-to-date rows included) "
            f"{risk.overrun_any:.0%}; total spend P50 "
            f"{_money(risk.total_p50)} / P80 {_money(risk.total_p80)} against "
            f"{_money(risk.planned_total)} planned; value at risk (P80) "
            f"{_money(risk.value_at_risk)}"
            + (f" — cutting {', '.join(risk.cut_at_p80[:4])}"
               + (" …" if len(risk.cut_at_p80) > 4 else "") if risk.cut_at_p80 else ""))

    ex = explain_all(plan)
    funded = sorted((x for x in ex if x.funded), key=lambda x: -(x.value_if_dropped or 0))
    left = [x for x in ex if not x.funded and x.id not in decided]
    d = Table(title="Top decisions", title_justify="left", show_lines=False)
    d.add_column("initiative")
    d.add_column("decision")
    d.add_column("why", overflow="fold")
    for x in funded[:5]:
        d.add_row(x.id, f"fund from {x.start}",
                  f"worth {_money(x.value_if_dropped)} (value lost if dropped)")
    for x in left[:5]:
        d.add_row(x.id, "leave out", x.text.split(": ", 1)[-1])
    if len(left) > 5:
        d.caption = f"{len(left) - 5} more left out; `opmodel explain PATH ID` for any of them"
    out.append(d)
    return out


def confidence_table(plan: Any) -> Table:
    """The management reserve per fiscal-year line, with what the confidence cost."""
    cf = plan.confidence
    t = Table(title=f"Management reserve for {cf.target:.0%} confidence", title_justify="left")
    for col in ("budget line", "budget", "planned", "reserve", "P(holds)"):
        t.add_column(col, justify="left" if col == "budget line" else "right")
    for ln in cf.lines:  # cells are shown literally (cli/_common.Table)
        t.add_row(ln["line"].removeprefix("budget "), _money(ln["budget"]),
                  _money(ln["planned"]), _money(ln["reserve"]),
                  f"{ln['within_probability']:.1%}")
    t.add_row("all lines at once", _money(cf.budget), _money(cf.budget - cf.reserve),
              _money(cf.reserve), f"{cf.achieved:.1%}", style="bold")
    share = cf.value_given_up / cf.value_without if cf.value_without > 0 else 0.0
    t.caption = (f"reserve {_money(cf.reserve)} ({cf.reserve / cf.budget:.1%} of these lines; "
                 f"{_money(cf.required)} required, the rest unplaced); value given up "
                 f"{_money(cf.value_given_up)} ({share:.1%}) against the plan without a reserve "
                 f"({_money(cf.value_without)}, {cf.status_without}, holds with "
                 f"{cf.achieved_without:.1%}); {cf.solves} solve(s) with a reserve "
                 f"({sum(h.get('seconds') or 0.0 for h in cf.history):.1f} s with the first), "
                 f"{cf.draws:,} draws (seed {cf.seed})"
                 + (f"; {cf.note}" if cf.note else "")) if cf.budget > 0 else None
    return t


# -- files ----------------------------------------------------------------------------------
def _csv(rows: list[dict[str, Any]]) -> bytes:
    """A table of the plan's folder, as every CSV of opmodel is written (opmodel.csvsafe)."""
    from ..csvsafe import records

    return records(rows).encode()


def plan_data(plan: Any, risk: Any = None, extra: dict[str, Any] | None = None
              ) -> dict[str, Any]:
    """The plan as data: :func:`opmodel.api.plan_document`."""
    return api.plan_document(plan, risk, extra)


def plan_files(plan: Any, risk: Any = None, charts: bool = True,
               extra: dict[str, Any] | None = None) -> dict[str, bytes]:
    """Every output file of ``opmodel plan -o DIR``, by name (nothing written yet);
    ``extra`` is merged into plan.json (plan id, inputs digest, the cycle's changes)."""
    from ..optimize.roadmap import roadmap

    data = plan_data(plan, risk, extra)
    ex = data["explanations"]
    road = roadmap(plan)
    files = {
        "plan.json": json_bytes("plan", data),
        "schedule.csv": _csv(data["schedule"]),
        "spend.csv": _csv(data["spend"]),
        "budgets.csv": _csv(data["budgets"]),
        "mix.csv": _csv(data["mix"]),
        "explanations.csv": _csv([{k: v for k, v in x.items() if k != "details"} for x in ex]),
    }
    if data["teams"]:
        files["teams.csv"] = _csv(data["teams"])
    files["gantt.csv"] = _csv(road.gantt)
    files["plateaus.csv"] = _csv(road.plateau_rows())
    if risk is not None:
        files["risk.csv"] = _csv(risk.lines)
    if extra and "cycle" in extra:
        files["variance.csv"] = _csv(extra["cycle"]["variance"])
    if charts:
        from ..report.charts import chart_bytes
        from ..report.plan_charts import gantt_chart, spend_chart

        if road.gantt:
            files["gantt.png"] = chart_bytes(gantt_chart(plan), "png")
        files["spend.png"] = chart_bytes(spend_chart(plan), "png")
    return files


PLAN_FILES = ("plan.json", "schedule.csv", "spend.csv", "budgets.csv", "mix.csv",
              "explanations.csv", "teams.csv", "gantt.csv", "plateaus.csv", "risk.csv",
              "gantt.png", "spend.png")
"""Every file ``plan -o`` may write: those a new plan does not write are removed, so the
folder always holds one plan's set."""


def check_folder(out: Path | None) -> None:
    """Refuse a ``--dir`` folder that cannot be one, before any work is done."""
    from ._output import check_folder as check

    check(out, mark="plan.json")


def check_file(out: Path | None, formats: tuple[str, ...] = ()) -> None:
    """Refuse an ``-o`` file that cannot be written, before any work is done."""
    if out is None:
        return
    if out.is_dir():
        raise InputError(f"{out} is a folder", hint="give a file name for -o")
    if formats and out.suffix.lower().lstrip(".") not in formats:
        raise InputError(f"cannot tell the format of {out}",
                         hint="end the file name with "
                              + ", ".join(f".{f}" for f in formats[:-1]) + f" or .{formats[-1]}")


def write_files(out: Path, files: dict[str, bytes], quiet: bool = False) -> None:
    """Write the plan's files to ``out`` as one set, in one step (other files are kept)."""
    from ..io.atomic import replace_folder

    if out.exists() and not out.is_dir():
        raise InputError(f"{out} is a file", hint="give a folder for --dir")
    replace_folder(out, files, remove=[n for n in PLAN_FILES if n not in files],
                   what="opmodel plan")
    (err_console if quiet else console).print(
        f"[green]✓[/] wrote {len(files)} files to {escape(str(out))}: " + ", ".join(files))


def _options(time_limit: float, gap: float, threads: int | None, seed: int) -> Any:
    from ..optimize import SolveOptions
    from ._common import MAX_SEED, check_count

    check_count("--seed", seed, 0, MAX_SEED)

    return SolveOptions(time_limit=time_limit, mip_gap=gap, threads=threads, seed=seed)


@app.command()
@handle_errors
def plan(
    path: str = PathArg,
    at: str | None = AtOpt,
    scenario: str | None = ScenarioOpt,
    time_limit: float = TimeOpt,
    gap: float = GapOpt,
    threads: int | None = ThreadsOpt,
    seed: int = SeedOpt,
    draws: int = typer.Option(10_000, "--draws", help="Monte Carlo draws for cost risk "
                              "(0 skips it)."),
    confidence: float | None = typer.Option(
        None, "--confidence", help="Plan so that every fiscal-year budget line holds at once "
        "with this probability under the cost ranges (a management reserve), e.g. 0.8; "
        "default: policy.confidence; 0 plans on the estimates alone."),
    charts: bool = typer.Option(True, "--charts/--no-charts",
                                help="Also write gantt.png and spend.png with --dir."),
    fmt: str | None = format_option(csv=False),
    output: Path | None = output_option(),
    folder: Path | None = dir_option("plan.json, CSV tables and PNG charts (-o DIR, "
                                     "without a suffix, still works)"),
    as_of: str | None = typer.Option(None, "--as-of", help="Re-plan from this quarter: "
                                     "decisions bind, actuals count, sunk cost stays sunk; "
                                     "says what changed against the plan of record."),
    quarters: int | None = typer.Option(None, "--quarters", help="With --as-of: horizon "
                                        "length (default: the model's)."),
) -> None:
    """Fund the portfolio: the value-maximizing plan beside the ranked-list and
    funding-driven baselines, with budget use, mix, cost risk and the top decisions."""
    from ..optimize.risk import cost_risk

    output, folder = file_or_folder(output, folder)
    check_folder(folder)
    resolve(fmt, output, csv=False)  # a format the command does not offer: before solving
    from ._common import MAX_DRAWS, check_count

    check_count("--draws", draws, 0, MAX_DRAWS, hint="0 skips the cost risk")
    e = _load(path, scenario, at)
    opts = _options(time_limit, gap, threads, seed)
    extra: dict[str, Any] = api.plan_identity(e, as_of)
    digest = extra["inputs_sha256"]
    again = None
    if as_of is not None:
        from ..cycle import replan

        again = replan(e, as_of, opts, quarters=quarters,
                       optimizer=lambda m, o: solve_with_progress(m, o, confidence, draws))
        result = again.plan
        extra["cycle"] = again.to_dict()
    else:
        result = solve_with_progress(e, opts, confidence, draws)
    risk = cost_risk(result, draws=draws, seed=seed) if draws > 0 else None
    data = plan_data(result, risk, extra)
    files = plan_files(result, risk, charts, extra) if folder is not None else None

    def view() -> list[Any]:
        out: list[Any] = []
        if scenario is not None:
            out.append(f"scenario [bold]{escape(scenario)}[/]")
        out.append(f"plan [bold]{extra['plan_id']}[/] (inputs sha256 {digest[:12]}…)")
        decided = frozenset() if again is None else frozenset(
            k for k, st in again.rolled.lifecycle.states.items()
            if st.status in ("done", "rejected", "cancelled"))
        out += summary(result, risk, decided)
        if again is not None:
            from .cycle import what_changed

            out += what_changed(again)
        return out

    emit("plan", fmt, output, data=lambda: data, table=view)
    if folder is not None and files is not None:
        write_files(folder, files, quiet=machine(fmt, output))


@app.command()
@handle_errors
def explain(
    path: str = PathArg,
    at: str | None = AtOpt,
    initiative: str = typer.Argument(..., help="Id of the initiative to explain."),
    scenario: str | None = ScenarioOpt,
    time_limit: float = TimeOpt,
    gap: float = GapOpt,
    seed: int = SeedOpt,
    replan: bool = typer.Option(True, "--replan/--no-replan",
                                help="Also re-plan with it dropped or forced in."),
    fmt: str | None = format_option(csv=False),
    out: Path | None = output_option(),
) -> None:
    """Why an initiative is funded (and what dropping it costs) or not (the binding rule)."""
    from ..optimize.explain import explain as explain_one

    resolve(fmt, out, csv=False)
    e = _load(path, scenario, at)
    e.initiative(initiative)  # unknown id: a clear error before solving
    opts = _options(time_limit, gap, None, seed)
    result = solve_with_progress(e, opts)
    with console.status("re-planning…" if replan else "explaining…"):
        x = explain_one(result, initiative, replan=replan, options=opts)
    mark = "[green]funded[/]" if x.funded else "[yellow]not funded[/]"
    emit("explain", fmt, out, data=x.to_dict, table=lambda: [
        f"[bold]{escape(x.id)}[/] — {escape(x.name)}: {mark} ({escape(x.reason)})",
        Text(x.text)])


@app.command()
@handle_errors
def diff(
    path: str = PathArg,
    at: str | None = AtOpt,
    a: str = typer.Argument(..., help="First scenario ('base' = the model as it is)."),
    b: str = typer.Argument(..., help="Second scenario."),
    time_limit: float = TimeOpt,
    gap: float = GapOpt,
    seed: int = SeedOpt,
    fmt: str | None = format_option(csv=False),
    output: Path | None = output_option(),
) -> None:
    """What changes between the plans of two scenarios: initiatives in, out and moved,
    value, spend per quarter, and the capability cells that end at another level."""
    from ..optimize.diff import diff as plan_diff

    check_file(output)
    resolve(fmt, output, csv=False)
    models = [_load(path, name, at) for name in (a, b)]  # both scenarios checked before solving
    plans = []
    for name, e in zip((a, b), models, strict=True):
        err_console.print(f"planning [bold]{escape(name)}[/]…")
        plans.append(solve_with_progress(e, _options(time_limit, gap, None, seed)))
    d = plan_diff(plans[0], plans[1], a, b)
    e0 = plans[0].instance.enterprise
    emit("diff", fmt, output, data=d.to_dict,
         table=lambda: diff_view(d, a, b, f"{e0.currency} {e0.unit}"))


def diff_view(d: Any, a: str, b: str, unit: str) -> list[Any]:
    out: list[Any] = []
    sign = "+" if d.value_change >= 0 else "−"
    out.append(f"value: {escape(a)} {_money(d.value_a)} ({d.status_a}) → {escape(b)} "
               f"{_money(d.value_b)} ({d.status_b}): {sign}{_money(abs(d.value_change))} "
               f"{escape(unit)}")
    t = Table(title=f"Initiatives ({a} → {b})", title_justify="left")
    t.add_column("change")
    t.add_column("initiatives", overflow="fold")
    t.add_row("in", ", ".join(d.added) or "–")
    t.add_row("out", ", ".join(d.removed) or "–")
    t.add_row("moved", ", ".join(f"{m['id']} {m['start_a']}→{m['start_b']}" for m in d.moved)
              or "–")
    out.append(t)
    changed = [r for r in d.spend if abs(r["change"]) > 1e-9]
    if changed:
        s_ = Table(title="Spend that changes", title_justify="left")
        for col in ("pool", "quarter", a, b, "change"):
            s_.add_column(col, justify="left" if col in ("pool", "quarter") else "right")
        for r in changed:
            s_.add_row(r["pool"], r["quarter"], _money(r["a"]), _money(r["b"]),
                       f"{r['change']:+,.0f}")
        out.append(s_)
    if d.cells:
        c = Table(title="Capability cells at the end of the horizon", title_justify="left")
        for col in ("capability", "business unit", a, b):
            c.add_column(col, justify="left" if col in ("capability", "business unit")
                         else "right")
        for r in d.cells[:25]:
            c.add_row(r["capability"], r["business_unit"],
                      "–" if r["level_a"] is None else f"{r['level_a']:.1f}",
                      "–" if r["level_b"] is None else f"{r['level_b']:.1f}")
        if len(d.cells) > 25:
            c.caption = f"{len(d.cells) - 25} more cells change; --format json for all"
        out.append(c)
    return out


@app.command()
@handle_errors
def frontier(
    path: str = PathArg,
    at: str | None = AtOpt,
    scenario: str | None = ScenarioOpt,
    low: float = typer.Option(0.5, "--from", help="Smallest budget scale (× today)."),
    high: float = typer.Option(1.5, "--to", help="Largest budget scale (× today)."),
    steps: int = typer.Option(11, "--steps", help="Number of budget scales."),
    time_limit: float = typer.Option(30.0, "--time-limit", "-t",
                                     help="Seconds per budget scale."),
    gap: float = GapOpt,
    processes: int = typer.Option(2, "--processes", "-p", help="Parallel solver processes."),
    fmt: str | None = format_option(charts=True),
    output: Path | None = output_option(),
) -> None:
    """The efficient frontier: the best plan's value as every budget line is scaled."""
    from ..optimize.frontier import frontier as solve_frontier

    if steps < 1 or high < low or low < 0:
        raise InputError("need 0 ≤ --from ≤ --to and --steps ≥ 1")
    from ._common import MAX_STEPS, check_count

    check_count("--steps", steps, 1, MAX_STEPS, hint="each budget scale is one solve")
    check_count("--processes", processes, 1, 64)
    grid = {round(low + (high - low) * k / max(1, steps - 1), 6) for k in range(steps)}
    if low <= 1 <= high:
        grid.add(1.0)  # today's budget is always on the frontier
    scales = sorted(grid)
    check_file(output)
    resolve(fmt, output, charts=True)
    e = _load(path, scenario, at)
    with console.status(f"solving {len(scales)} budget scales in {processes} process(es)…"):
        f = solve_frontier(e, scales, _options(time_limit, gap, None, 0), processes)
    rows = f.to_rows()

    def chart() -> Any:
        from ..report.plan_charts import frontier_chart

        return frontier_chart(f, e.name, f"({e.currency} {e.unit})")

    def view() -> list[Any]:
        t = Table(title=f"Efficient frontier — {e.name}", title_justify="left")
        for col in ("budget", "scale", "value", "funded", "status"):
            t.add_column(col, justify="left" if col == "status" else "right")
        for r in rows:
            mark = " ◀ today" if r["current"] else ""
            t.add_row(_money(r["budget"]), f"{r['scale']:.0%}{mark}", _money(r["value"]),
                      str(r["funded"]), r["status"])
        return [t]

    emit("frontier", fmt, output, data=lambda: {"model": e.name, "currency": e.currency,
                                                "unit": e.unit, "points": rows},
         rows=lambda: rows, chart=chart, table=view)
