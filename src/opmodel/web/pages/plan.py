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
from .common import PageError, check_csrf, no_travel, page_user, posted_ids, render
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


SETTLED = ("done", "cancelled", "rejected")
"""What the decisions and actuals settled: out of a re-plan, shown as such."""


def plan_view(plan: Any, e: Any, replan: Any = None) -> dict[str, Any]:
    """What the result panel shows: value, baselines, the funded list, why in or out (the
    plan itself under ``plan``, for the comparison and the frontier that follow; the
    re-plan under ``replan`` when the what-if was planned from where the company stands:
    then in-flight work shows where it began, and settled work as the decisions left it)."""
    from ...optimize.explain import explain_all

    names = {i.id: i.name for i in e.initiatives}
    why = {x.id: x for x in explain_all(plan)}
    states = replan.rolled.lifecycle.states if replan is not None else {}
    starts = replan.starts() if replan is not None else {}
    rows = []
    for iid in names:
        x = why.get(iid)
        text = x.text if x is not None else ""
        st = states.get(iid)
        status = st.status if st is not None else None
        if status in SETTLED:
            rows.append({"id": iid, "name": names[iid], "in": False, "start": None,
                         "why": f"{status}" + (f" (started {st.start})" if st.start else "")
                         + ": settled by the decisions and actuals, not planned again",
                         "status": status})
            continue
        start = (starts.get(iid) if status == "in-flight" else
                 plan.start_of(iid) if iid in plan.selected else None)
        if status == "in-flight":
            text = (f"in flight since {st.start}, kept where it is (the decisions bind a "
                    f"re-plan). " + text)
        elif status == "approved":
            text = f"approved to start {st.start} (the decisions bind a re-plan). " + text
        rows.append({"id": iid, "name": names[iid], "in": iid in plan.selected,
                     "start": start, "why": text, "status": status})
    rows.sort(key=lambda r: (not r["in"], r["start"] or "", r["name"]))
    d = plan.to_dict()
    from ...report.report_charts import baselines_chart

    charts = chart_specs(baselines=lambda: baselines_chart(
        plan, money=f"{e.currency} {e.unit}", title="The what-if against the baselines"))
    c = getattr(plan, "confidence", None)
    conf = None if c is None else {"target": c.target, "achieved": c.achieved,
                                   "reserve": c.reserve, "given_up": c.value_without - c.value,
                                   "certified": c.certified}
    return {"objective": plan.objective, "status": d.get("status"), "gap": plan.gap,
            "confidence": conf, "money": f"{e.currency} {e.unit}",
            "currency": e.currency, "unit": e.unit,
            "baselines": d.get("baselines") or {}, "rows": rows, "plan": plan,
            "replan": replan, "as_of": replan.as_of if replan is not None else None,
            "n": len(plan.selected), "selected": sorted(plan.selected), "charts": charts}


def _force_options(e: Any, as_of: str | None) -> Any:
    """The initiatives to force in or out (a picker's choices); the note says where the
    decisions left each as of ``as_of`` (a what-if cannot move that)."""
    from .initiative import Choices

    states: dict[str, Any] = {}
    if as_of is not None:
        from ...model import lifecycle

        states = lifecycle(e, as_of).states
    out = []
    for i in e.initiatives:
        st = states.get(i.id)
        note = "" if st is None or st.status == "proposed" else (
            f"in flight since {st.start}" if st.status == "in-flight" and st.start else
            f"approved for {st.start}" if st.status == "approved" and st.start else
            f"deferred to {st.until}" if st.status == "deferred" and st.until else st.status)
        out.append((i.id, i.name, note))
    return Choices("initiatives", out)


def _form_messages(exc: Exception) -> list[dict[str, str]]:
    """The what-if's own checks (pydantic's, the model's located issues) as messages at the
    workspace form's fields."""
    from pydantic import ValidationError

    from ..errors import ApiError

    def field(path: list[str]) -> str | None:
        if not path:
            return None
        head = path[0]
        if head in ("budget_scale", "time_limit", "confidence", "force_in", "force_out"):
            return head
        if head == "weights":
            return f"w_{path[1]}" if len(path) > 1 and not path[1].isdigit() else "w_customer"
        return None

    out: list[dict[str, str]] = []
    if isinstance(exc, ValidationError):
        for err in exc.errors():
            loc = [str(x) for x in err.get("loc", ()) if str(x) not in ("WhatIf",)]
            if loc and loc[0] == "scenario":
                loc = loc[1:]
            f = field(loc)
            out.append({"field": f or "", "text": f"{f or '.'.join(loc) or 'what-if'}: "
                        f"{err.get('msg', 'invalid')}"})
    elif isinstance(exc, ApiError) and exc.errors:
        for err in exc.errors:
            path = str(err.get("field") or "").removeprefix("body.scenario.")
            parts = [p for p in path.replace("[", ".").replace("]", "").split(".") if p]
            f = field(parts)
            where = "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in parts).lstrip(".")
            out.append({"field": f or "", "text": f"{where or 'what-if'}: "
                        f"{err.get('message')}"})
    else:
        out.append({"field": "", "text": getattr(exc, "message", None) or str(exc)})
    return out


def _done(request: Request, job_id: str) -> Job:
    job = request.app.state.ctx.jobs.get(job_id)
    if job is None or job.status != "done" or not isinstance(job.value, dict) \
            or "plan" not in job.value:
        raise PageError(404, "no finished plan with that id (jobs do not outlive the server)")
    return job  # type: ignore[no-any-return]


def register(app: FastAPI) -> None:
    @app.get("/plan", response_class=HTMLResponse, include_in_schema=False)
    def workspace(request: Request, me: Principal = Who, snap: Snapshot = Snap) -> Response:
        from ...cycle import next_quarter
        from .initiative import PICK_LIMIT
        from .planning import FRONTIER_BOUNDS, FrontierSettings

        no_travel(request, "The planning workspace")
        e = snap.enterprise
        pools = sorted({b.pool for b in e.budgets})
        scenarios = request.app.state.ctx.source.scenarios(e)
        as_of = next_quarter(e)
        return render(request, "plan.html", page="plan", snap=snap, e=e, pools=pools,
                      w0=e.scoring.weights, as_of=as_of, force=_force_options(e, as_of),
                      bounds=FRONTIER_BOUNDS, defaults=FrontierSettings(),
                      pick_limit=PICK_LIMIT,
                      scenarios=[s.id for s in scenarios.scenarios],
                      jobs=[j for j in request.app.state.ctx.jobs.all()
                            if j.owner == me.name][:5])

    @app.post("/plan", response_class=HTMLResponse, include_in_schema=False)
    async def start(request: Request, me: Principal = Who, snap: Snapshot = Snap
                    ) -> Response:
        from ...cycle import next_quarter
        from .planning import FormMessages, frontier_settings, pinned

        form = await check_csrf(request)
        e = snap.enterprise
        messages: list[dict[str, str]] = []

        def num(key: str, default: float | None = None) -> float | None:
            try:
                return _float(form, key, default)
            except PageError as exc:
                messages.append({"field": key, "text": exc.message})
                return default

        scale = num("budget_scale", 1.0)
        pool_ids = sorted({b.pool for b in e.budgets})
        pools = [{"pool": p, "scale": s} for p in pool_ids
                 if (s := num(f"pool_{p}")) is not None and s != 1.0]
        w = {k: v for k in ("customer", "strategic", "pain")
             if (v := num(f"w_{k}")) is not None}
        w0 = e.scoring.weights
        if w0 is not None and w == {k: getattr(w0, k) for k in w}:
            w = {}  # the model's own weights: the same plan as without them
        time_limit = num("time_limit", 10.0)  # 0 is refused at its field (was taken as 10)
        confidence = num("confidence")
        try:
            fs = frontier_settings(form)
        except FormMessages as exc:
            messages += exc.messages
        force_in, force_out = posted_ids(form, "force_in"), posted_ids(form, "force_out")
        as_of = next_quarter(e)  # where the company stands: after every decision and actual
        if as_of is not None:
            messages += pinned(e, as_of, force_in, force_out)
        spec: dict[str, Any] = {"budget_scale": scale, "force_in": force_in,
                                "force_out": force_out}
        if pools:
            spec["budgets"] = pools
        if w:
            spec["weights"] = w
        if not messages:
            try:
                what_if = WhatIf(**spec)
                # no assumption changed: the model's own plan (shared with its comparison)
                req = PlanRequest(scenario=None if what_if == WhatIf() else what_if,
                                  time_limit=time_limit, draws=0, confidence=confidence)
                _scenario_model(request, snap, what_if)
            except Exception as exc:  # pydantic or located model errors: shown, not raised
                messages += _form_messages(exc)
        if messages:
            return render(request, "plan_status.html", status=422, job=None, error=None,
                          messages=messages)

        def run(job: Job) -> tuple[bytes, Any]:
            def progress(p: Any) -> None:
                job.progress = {"time": round(p.time, 3), "incumbent": p.incumbent,
                                "bound": p.bound, "gap": p.gap}

            # as `opmodel plan --as-of`: from where the company stands (a model with
            # nothing decided or reported yet is planned as it is)
            r = solve(request, snap, req, progress, as_of=as_of)
            plan = r if as_of is None else r.plan
            view = plan_view(plan, e, None if as_of is None else r)
            view["frontier"] = fs
            return b"", view  # the comparison and frontier follow

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
        """The finished what-if against the plan of record (the roadmap decided at the last
        cycle; solved once per model version, then cached), loaded after the result is
        shown, and against the re-plan with no assumption changed (what the what-if's own
        changes do). A model with no decision yet is compared with its own plan."""
        from .planning import base_diff, change_view, record_diff, record_of

        job = _done(request, job_id)
        snap = request.app.state.ctx.models.current()
        if snap.version != job.model_version:
            return render(request, "plan_diff.html", diff=None, stale=True)
        e = snap.enterprise
        names = {i.id: i.name for i in e.initiatives}
        plan, r = job.value["plan"], job.value.get("replan")
        base_req = PlanRequest(time_limit=float(job.params.get("time_limit") or 10),
                               draws=0, confidence=job.params.get("confidence"))
        try:
            cyc, starts = cached(request, snap, "plan-of-record", (), lambda: record_of(e))
            if r is None and cyc is not None:  # (a what-if planned as the model is)
                diff = record_diff(plan, cyc, starts, names)
            elif r is None:  # nothing decided or reported: the model's own plan
                diff = base_diff(plan, solve(request, snap, base_req), names)
            elif cyc is None:  # actuals but no decision yet: the model's own re-plan
                base = solve(request, snap, base_req, as_of=r.as_of)
                diff = change_view(r, None, base.starts(), names, base)
            else:
                diff = change_view(r, cyc, starts, names)
            own = None
            if r is not None and cyc is not None and job.params.get("scenario") is not None:
                # what the what-if's own changes do: against the re-plan with none of them
                base = solve(request, snap, base_req, as_of=r.as_of)
                own = change_view(r, None, base.starts(), names, base)
        except OpmodelError as exc:
            return render(request, "plan_diff.html", diff=None, stale=False,
                          error=exc.message)
        return render(request, "plan_diff.html", diff=diff, own=own, stale=False, error=None,
                      money=job.value["money"], currency=job.value["currency"],
                      unit=job.value["unit"])

    @app.get("/plan/jobs/{job_id}/frontier", response_class=HTMLResponse,
             include_in_schema=False)
    def job_frontier(request: Request, job_id: str, me: Principal = Who) -> Response:
        """The efficient frontier of a finished what-if: a background job of its own
        (started by the first request, then polled), drawn with the report's spec."""
        from .planning import frontier_spec, frontiers

        plan_job = _done(request, job_id)
        if request.app.state.ctx.models.current().version != plan_job.model_version:
            return render(request, "plan_frontier.html", job=None, error="the model changed "
                          "since this solve: solve again for its frontier")

        def start(pj: Job) -> Job:
            spec = dict(pj.params.get("scenario") or {})
            scale = float(spec.get("budget_scale") or 1.0)
            spec["budget_scale"] = 1.0
            snap = request.app.state.ctx.models.current()
            base = _scenario_model(request, snap, WhatIf(**spec))
            plan, fs, as_of = pj.value["plan"], pj.value.get("frontier"), pj.value.get("as_of")

            def run(job: Job) -> tuple[bytes, Any]:
                return b"", frontier_spec(base, plan, scale, job, settings=fs,
                                          stop=frontiers(request).stopping, as_of=as_of)

            params = {"plan": pj.id, "scale": scale, "as_of": as_of,
                      **(fs.to_dict() if fs is not None else {})}
            return frontiers(request).jobs.submit("frontier", params, pj.model_version,
                                                  me.name, run, _error_of)

        try:
            job = frontiers(request).for_plan(plan_job, start)
        except OpmodelError as exc:
            return render(request, "plan_frontier.html", job=None, error=exc.message)
        return render(request, "plan_frontier.html", job=job, plan_id=job_id, error=None,
                      settings=plan_job.value.get("frontier"))

    # -- the decision meeting -----------------------------------------------------------------
    @app.get("/decisions", response_class=HTMLResponse, include_in_schema=False)
    def decisions(request: Request, cycle: str = Query(""), me: Principal = Who,
                  snap: Snapshot = Snap) -> Response:
        from ...cycle.replan import next_quarter
        from ...model.decision import ACTIONS, VERDICTS
        from ...model.quarter import quarter_index

        e = snap.enterprise
        cycles = sorted({d.cycle for d in e.decisions})
        nq = next_quarter(e) or e.horizon.start
        cyc = cycle.strip() or nq
        try:
            quarter_index(cyc)
        except Exception:
            raise PageError(400, f"cycle: '{cyc}' is not a quarter (2027Q3)") from None
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
        h, k = e.horizon, quarter_index(cyc)  # outside it no decision (cycle.record's rule)
        side = ("before" if k < quarter_index(h.start) else
                "after" if k > quarter_index(h.end) else None)
        outside = side and (f"{cyc} is {side} the horizon {h.start}–{h.end}: no decision "
                            "can be recorded for it")
        return render(request, "decisions.html", page="decisions", snap=snap, e=e,
                      outside=outside,
                      cycle=cyc, cycles=sorted(set(cycles) | {nq}), pricing=pricing,
                      decided=decided, error=error, actions_=ACTIONS,
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
                spend=lambda: spend_chart(plan, title="Spend against budget"),
                plateaus=lambda: plateaus_chart(plan))

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
        initiative = str(form.get("initiative") or "")
        fields: dict[str, Any] = {"date": str(form.get("date") or "") or _meeting_date(cyc)}
        against = None
        if actions.allowed(user, "decide"):  # the plan decided against, as `opmodel decide`
            from starlette.concurrency import run_in_threadpool

            from ..plans import decided_against

            against = await run_in_threadpool(decided_against, request, snap.enterprise,
                                              cyc, initiative)
            fields["against"] = against
        if form.get("start"):
            fields["start"] = str(form["start"])
        elif form.get("action") in ("approve", "force-start"):
            # approved in the meeting: when the plan funds it, as it recommends; else now
            recommended = against.get("start") if against and against.get("funded") else None
            fields["start"] = recommended or cyc
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
            _act(request, actions.decide, user, initiative,
                 str(form.get("action") or ""), cycle=cyc,
                 rationale=str(form.get("rationale") or "") or None, fields=fields,
                 why=str(form.get("rationale") or "") or None)
        except OpmodelError as exc:
            raise PageError(422, "Not recorded: " + "; ".join(_messages(exc))) from None
        return RedirectResponse(f"/ui/decisions?cycle={cyc}&recorded=1", 303)


def plateaus_chart(plan: Any) -> Any:
    """The report's plateau chart of ``plan`` (the stage heat map today and after each
    quarter of its roadmap), on the model it was solved on (the rolled model, for a
    re-plan)."""
    from ...analysis import heatmap, score
    from ...optimize.roadmap import roadmap
    from ...report.report_charts import plateau_chart
    from ...report.views import maps_records, roadmap_maps

    e = plan.instance.enterprise
    s = score(e)
    hm = heatmap(e, "stage", "priority", "max", scores=s)
    steps, recs, rows, cols = maps_records(roadmap_maps(roadmap(plan), s, hm))
    return plateau_chart(recs, steps, rows, cols,
                         title="The heat map as the roadmap of record delivers")


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


