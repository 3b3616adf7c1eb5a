"""The planning workspace (a what-if solved in the background, with a progress bar) and
the decision meeting (recommended versus decided, record a decision, the roadmap of record).

A solve is the REST API's plan job (:mod:`opmodel.web.plans`: the same job queue, solver
lock and per-version plan cache); a decision is :func:`opmodel.actions.decide`."""

from __future__ import annotations

import contextlib
from typing import Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ... import actions
from ...errors import OpmodelError
from ..auth import Principal
from ..jobs import POLL_WAIT, SOLVER_LOCK, Job
from ..plans import PlanRequest, WhatIf, _error_of, _scenario_model, solve
from ..resources import snapshot
from ..source import Snapshot
from .common import PageError, check_csrf, page_user, render
from .read import cached, chart_specs
from .write import _act, _messages, _user

Who = Depends(page_user)
Snap = Depends(snapshot)


def _float(form: dict[str, Any], key: str, default: float | None = None) -> float | None:
    raw = str(form.get(key) or "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise PageError(422, f"{key}: '{raw}' is not a number") from None


def _list(form: dict[str, Any], key: str) -> list[str]:
    v = form.get(key) or []
    return [v] if isinstance(v, str) else [str(x) for x in v]


def plan_view(plan: Any, e: Any, base: Any | None = None) -> dict[str, Any]:
    """What the result panel shows: value, baselines, the funded list, why in or out (and,
    given ``base``, the difference against the plan of the model as it is)."""
    from ...optimize.explain import explain_all

    names = {i.id: i.name for i in e.initiatives}
    why = {x.id: x for x in explain_all(plan)}
    rows = []
    for iid in names:
        x = why.get(iid)
        rows.append({"id": iid, "name": names[iid], "in": iid in plan.selected,
                     "start": plan.start_of(iid) if iid in plan.selected else None,
                     "why": x.text if x is not None else ""})
    rows.sort(key=lambda r: (not r["in"], r["start"] or "", r["name"]))
    d = plan.to_dict()
    from ...report.report_charts import baselines_chart

    charts = chart_specs(baselines=lambda: baselines_chart(
        plan, money=f"{e.currency} {e.unit}", title="The what-if against the baselines"))
    diff = None
    if base is not None:
        a, b = set(base.selected), set(plan.selected)
        diff = {"added": sorted(b - a), "removed": sorted(a - b),
                "base_value": base.objective}
    c = getattr(plan, "confidence", None)
    conf = None if c is None else {"target": c.target, "achieved": c.achieved,
                                   "reserve": c.reserve, "given_up": c.value_without - c.value,
                                   "certified": c.certified}
    return {"objective": plan.objective, "status": d.get("status"), "gap": plan.gap,
            "confidence": conf, "money": f"{e.currency} {e.unit}",
            "baselines": d.get("baselines") or {}, "rows": rows, "diff": diff,
            "n": len(plan.selected), "selected": sorted(plan.selected), "charts": charts}


def diff_view(view: dict[str, Any], base: Any) -> dict[str, Any]:
    a, b = set(base.selected), set(view["selected"])
    return {"added": sorted(b - a), "removed": sorted(a - b), "base_value": base.objective}


def register(app: FastAPI) -> None:
    @app.get("/plan", response_class=HTMLResponse, include_in_schema=False)
    def workspace(request: Request, me: Principal = Who, snap: Snapshot = Snap) -> Response:
        e = snap.enterprise
        pools = sorted({b.pool for b in e.budgets})
        scenarios = request.app.state.ctx.source.scenarios(e)
        return render(request, "plan.html", page="plan", snap=snap, e=e, pools=pools,
                      w0=e.scoring.weights,
                      scenarios=[s.id for s in scenarios.scenarios],
                      jobs=[j for j in request.app.state.ctx.jobs.all()
                            if j.owner == me.name][:5])

    @app.post("/plan", response_class=HTMLResponse, include_in_schema=False)
    async def start(request: Request, me: Principal = Who, snap: Snapshot = Snap
                    ) -> Response:
        form = await check_csrf(request)
        e = snap.enterprise
        scale = _float(form, "budget_scale", 1.0)
        pools = [{"pool": p, "scale": s} for p in sorted({b.pool for b in e.budgets})
                 if (s := _float(form, f"pool_{p}")) is not None and s != 1.0]
        w = {k: v for k in ("customer", "strategic", "pain")
             if (v := _float(form, f"w_{k}")) is not None}
        w0 = e.scoring.weights
        if w0 is not None and w == {k: getattr(w0, k) for k in w}:
            w = {}  # the model's own weights: the same plan as without them
        spec: dict[str, Any] = {"budget_scale": scale, "force_in": _list(form, "force_in"),
                                "force_out": _list(form, "force_out")}
        if pools:
            spec["budgets"] = pools
        if w:
            spec["weights"] = w
        try:
            what_if = WhatIf(**spec)
            req = PlanRequest(scenario=what_if, time_limit=_float(form, "time_limit", 10.0)
                              or 10.0, draws=0, confidence=_float(form, "confidence"))
            _scenario_model(request, snap, what_if)
        except Exception as exc:  # pydantic or located model errors: shown, not raised
            msg = getattr(exc, "message", None) or str(exc)
            return render(request, "plan_status.html", status=422, job=None, error=msg)

        def run(job: Job) -> tuple[bytes, Any]:
            def progress(p: Any) -> None:
                job.progress = {"time": round(p.time, 3), "incumbent": p.incumbent,
                                "bound": p.bound, "gap": p.gap}

            plan = solve(request, snap, req, progress)
            return b"", plan_view(plan, e)  # the comparison follows (diff below)

        job = request.app.state.ctx.jobs.submit("plan", req.model_dump(mode="json"),
                                                snap.version, me.name, run, _error_of)
        return render(request, "plan_status.html", job=job, limit=req.time_limit)

    @app.get("/plan/jobs/{job_id}", response_class=HTMLResponse, include_in_schema=False)
    def status(request: Request, job_id: str, me: Principal = Who) -> Response:
        job = request.app.state.ctx.jobs.get(job_id)
        if job is None:
            raise PageError(404, "no such plan (jobs do not outlive the server)")
        job.wait(POLL_WAIT)  # a result is shown as soon as it exists, not at the next poll
        limit = float(job.params.get("time_limit") or 10)
        return render(request, "plan_status.html", job=job, limit=limit,
                      view=job.value if job.status == "done" else None)

    @app.get("/plan/jobs/{job_id}/diff", response_class=HTMLResponse,
             include_in_schema=False)
    def job_diff(request: Request, job_id: str, me: Principal = Who) -> Response:
        """The finished what-if against the plan of the model as it is (solved once per
        model version, then cached), loaded after the result is shown."""
        job = request.app.state.ctx.jobs.get(job_id)
        if job is None or job.status != "done":
            raise PageError(404, "no finished plan with that id")
        snap = request.app.state.ctx.models.current()
        if snap.version != job.model_version:
            return render(request, "plan_diff.html", diff=None, stale=True)
        base = solve(request, snap, PlanRequest(time_limit=float(job.params.get(
            "time_limit") or 10), draws=0, confidence=job.params.get("confidence")))
        return render(request, "plan_diff.html", diff=diff_view(job.value, base), stale=False)

    # -- the decision meeting -----------------------------------------------------------------
    @app.get("/decisions", response_class=HTMLResponse, include_in_schema=False)
    def decisions(request: Request, cycle: str = Query(""), me: Principal = Who,
                  snap: Snapshot = Snap) -> Response:
        from ...cycle.replan import next_quarter
        from ...model.decision import ACTIONS, VERDICTS

        e = snap.enterprise
        cycles = sorted({d.cycle for d in e.decisions})
        nq = next_quarter(e) or e.horizon.start
        cyc = cycle or nq
        pricing, error = None, None
        if any(d.cycle == cyc for d in e.decisions):
            def compute() -> Any:
                from ...cycle.pricing import price_decisions

                with SOLVER_LOCK:
                    return price_decisions(e, cyc, reoptimize=False)

            try:
                pricing = cached(request, snap, "pricing", (cyc,), compute)
            except OpmodelError as exc:
                error = exc.message
        decided = [d for d in e.decisions if d.cycle == cyc]
        return render(request, "decisions.html", page="decisions", snap=snap, e=e,
                      cycle=cyc, cycles=sorted(set(cycles) | {nq}), pricing=pricing,
                      decided=decided, error=error, actions_=ACTIONS[:4],
                      verdicts=VERDICTS, date=_meeting_date(cyc),
                      names={i.id: i.name for i in e.initiatives},
                      messages=[])

    @app.get("/decisions/roadmap", response_class=HTMLResponse, include_in_schema=False)
    def roadmap(request: Request, cycle: str = Query(...), me: Principal = Who,
                snap: Snapshot = Snap) -> Response:
        """The roadmap of record after the meeting of ``cycle``: the best plan keeping every
        decision taken up to it (as ``opmodel plan --as-of``), as the report draws it."""
        from ...cycle.replan import replan
        from ...model.quarter import quarter_index
        from ...report.plan_charts import gantt_chart, spend_chart

        e = snap.enterprise
        try:
            c = quarter_index(cycle)
        except Exception:
            raise PageError(400, f"cycle: '{cycle}' is not a quarter (2027Q3)") from None

        def compute() -> Any:
            upto = e.model_copy(update={"decisions": tuple(
                d for d in e.decisions if quarter_index(d.cycle) <= c)})
            with SOLVER_LOCK:
                plan = replan(upto, cycle).plan
            return chart_specs(
                gantt=lambda: gantt_chart(plan, title=f"The roadmap of record after {cycle}"),
                spend=lambda: spend_chart(plan, title="Spend against budget"))

        try:
            charts = cached(request, snap, "roadmap", (cycle,), compute)
        except OpmodelError as exc:
            return render(request, "charts_fragment.html", charts={}, error=exc.message)
        return render(request, "charts_fragment.html", charts=charts, error=None)

    @app.post("/decisions", response_class=HTMLResponse, include_in_schema=False)
    async def decide(request: Request, me: Principal = Who, snap: Snapshot = Snap
                     ) -> Response:
        form = await check_csrf(request)
        user = _user(me)
        cyc = str(form.get("cycle") or "")
        fields: dict[str, Any] = {"date": str(form.get("date") or "") or _meeting_date(cyc)}
        if form.get("start"):
            fields["start"] = str(form["start"])
        elif form.get("action") in ("approve", "force-start"):
            fields["start"] = cyc  # approved in the meeting: starts this quarter
        if form.get("until"):
            fields["until"] = str(form["until"])
        elif form.get("action") == "defer":
            from ...model.quarter import add_quarters

            with contextlib.suppress(Exception):  # a bad cycle: the action names it
                fields["until"] = add_quarters(cyc, 1)  # back on the table next quarter
        if form.get("verdict"):
            fields["review"] = {"reviewer": str(form.get("reviewer") or me.name),
                                "verdict": str(form["verdict"])}
        try:
            _act(request, actions.decide, user, str(form.get("initiative") or ""),
                 str(form.get("action") or ""), cycle=cyc,
                 rationale=str(form.get("rationale") or "") or None, fields=fields,
                 why=str(form.get("rationale") or "") or None)
        except OpmodelError as exc:
            raise PageError(422, "Not recorded: " + "; ".join(_messages(exc))) from None
        return RedirectResponse(f"/ui/decisions?cycle={cyc}&recorded=1", 303)


def _meeting_date(cycle: str) -> str:
    """Today, or the first day of ``cycle`` when the meeting is for a later quarter (a
    decision may not be dated before its cycle)."""
    import datetime as dt

    today = dt.date.today()
    try:
        year, q = int(cycle[:4]), int(cycle[-1])
        first = dt.date(year, 3 * (q - 1) + 1, 1)
    except (ValueError, IndexError):
        return today.isoformat()
    return max(today, first).isoformat()


