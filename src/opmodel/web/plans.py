"""Planning endpoints: plans as background jobs, explain, diff.

``POST /plans`` starts a solve of the model (or of a named scenario, or of an inline
what-if) and answers ``202 Accepted`` with ``Location: /plans/{id}``. ``GET /plans/{id}``
reports the status and the solver's progress; once ``done``, ``GET /plans/{id}/result``
answers the ``opmodel.plan`` document, as ``opmodel plan --format json`` prints it and
``plan --dir`` writes it to plan.json (plan, baselines, explanations, roadmap, cost risk).
Explain and diff answer the ``opmodel.explain`` and ``opmodel.diff`` documents. Plans are
cached per model version and parameters, so ``/explain`` and ``/diff`` reuse a solve
already made.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Body, Depends, FastAPI, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..errors import OpmodelError, UnknownIdError
from ..model.base import Id
from ..optimize.scenario import BASE, Scenario
from . import errors as web_errors
from .analysis import cached
from .auth import Principal, authenticate
from .errors import ApiError, not_found
from .jobs import SOLVER_LOCK, Job
from .jsonout import answer, document, dumps, ok
from .resources import page, snapshot
from .source import Snapshot


class WhatIf(Scenario):
    """An inline scenario: the fields of a ``scenarios.yaml`` entry, id and name optional."""

    id: Id = "what-if"
    name: str = "what-if"


class PlanRequest(BaseModel):
    """What to plan and how hard to try."""

    model_config = ConfigDict(extra="forbid")

    scenario: str | WhatIf | None = Field(
        None, description="A scenario of the model by name ('base' = as it is), or an "
                          "inline what-if (budget_scale, budgets, weights, force_in, "
                          "force_out, horizon).")
    time_limit: float = Field(30.0, gt=0, le=600, description="Solver seconds.")
    gap: float = Field(1e-4, ge=0, lt=1, description="Relative gap at which to stop.")
    seed: int = Field(0, ge=0, le=2**31 - 1)
    draws: int = Field(2000, ge=0, le=100_000, description="Monte Carlo draws for cost "
                       "risk (0 skips it).")
    confidence: float | None = Field(
        None, ge=0, le=1, description="Plan so that every fiscal-year budget line holds at "
        "once with this probability (a management reserve); default: the model's "
        "policy.confidence; 0 plans on the estimates alone (as `opmodel plan --confidence`).")
    as_of: str | None = Field(
        None, pattern=r"^\d{4}Q[1-4]$", examples=["2027Q3"],
        description="Re-plan from this quarter, as `opmodel plan --as-of`: decisions bind, "
        "actuals count, sunk cost stays sunk; the answer's `cycle` says what changed "
        "against the plan of record.")

    @field_validator("scenario", mode="before")
    @classmethod
    def _what_if(cls, value: Any) -> Any:
        """An inline what-if's problems at its own fields (``body.scenario.budget_scale``),
        not beside an attempt to read it as a scenario's name (``body.scenario.str``)."""
        if value is None or isinstance(value, str | WhatIf):
            return value
        return WhatIf.model_validate(value)


def _scenario_model(request: Request, snap: Snapshot, scenario: str | WhatIf | None) -> Any:
    from ..optimize.scenario import apply

    e = snap.enterprise
    if scenario is None or scenario == BASE:
        return e
    if isinstance(scenario, str):
        found = request.app.state.ctx.source.scenarios(e).get(scenario)
        if found is None:
            raise ApiError(422, f"no scenario '{scenario}'", code="E-REF", errors=[
                {"code": "E-REF", "field": "body.scenario",
                 "message": f"no scenario '{scenario}'",
                 "hint": "name one of the model's scenarios, 'base', or give an inline "
                         "what-if object"}])
        return apply(e, found)
    from ..errors import ModelError
    from ..io.scenarios import _references

    issues = [i for i in _references([(0, scenario)], e) if i.severity == "error"]
    if issues:
        exc = web_errors.from_model_error(ModelError(issues, source="scenario"))
        for entry, issue in zip(exc.errors, issues, strict=True):
            entry["field"] = "body.scenario." + ".".join(str(p) for p in issue.path[2:])
        raise exc
    return apply(e, scenario)


def _scenario_key(scenario: str | WhatIf | None) -> str:
    if scenario is None:
        return BASE
    if isinstance(scenario, str):
        return scenario
    return json.dumps(scenario.model_dump(mode="json"), sort_keys=True)


def solve(request: Request, snap: Snapshot, req: PlanRequest,
          progress: Any = None, as_of: str | None = None, record: bool = False) -> Any:
    """The plan for ``req`` on ``snap`` (cached per version and parameters).

    With ``as_of`` the model is re-planned from that quarter as ``opmodel plan --as-of``
    does (:func:`opmodel.cycle.replan`: decisions bind, actuals count, in-flight work stays
    where it is; with ``record``, also compared with the plan of record, one more solve, as
    the command does), and the answer is the :class:`~opmodel.cycle.Replan` (its plan:
    ``.plan``)."""
    from ..optimize import SolveOptions
    from ..optimize.confidence import plan_to_confidence, require_certified

    ctx = request.app.state.ctx
    e = _scenario_model(request, snap, req.scenario)
    opts = SolveOptions(time_limit=req.time_limit, mip_gap=req.gap, seed=req.seed)
    key = ("plan", snap.version, _scenario_key(req.scenario), req.time_limit, req.gap,
           req.seed, req.confidence, record, as_of)  # as_of last: hints() reads it

    def optimizer(m: Any, o: Any) -> Any:  # as `opmodel plan`: to the confidence asked
        return require_certified(plan_to_confidence(
            m, req.confidence, o, progress=progress,
            draws=req.draws if req.draws > 0 else 10_000, seed=req.seed,
            hints=hints(ctx.plans, snap.version, as_of)))

    def run() -> Any:
        with SOLVER_LOCK:
            if as_of is None:
                return optimizer(e, opts)
            from ..cycle import replan

            return replan(e, as_of, opts, optimizer=optimizer, record=record)

    return ctx.plans.get_or_compute(key, run)


def hints(plans: Any, version: str, as_of: str | None = None
          ) -> list[dict[str, str | None]]:
    """The plans already made on this model version (newest first; re-planned from the same
    ``as_of``) as starting-plan hints for the next solve (:mod:`opmodel.optimize.warm`): a
    what-if after another starts from the best of them. They change where the search
    starts, not what the optimum is worth (tests/optimize/test_warm.py checks the plan found
    stays the same)."""
    out = []
    for key, plan in reversed(plans.items()):
        plan = getattr(plan, "plan", plan)  # a re-plan: its plan
        if isinstance(key, tuple) and key[:2] == ("plan", version) and \
                key[-1] == as_of and hasattr(plan, "selected"):
            out.append({k: plan.start_of(k) for k in plan.selected})
    return out


def plan_document(plan: Any, draws: int, seed: int, replanned: Any = None) -> bytes:
    """The plan as the ``opmodel.plan`` document: :func:`opmodel.api.plan_document` (what
    ``opmodel plan --format json`` prints and ``plan --dir`` writes to plan.json), with
    the plan's id and inputs digest (:func:`opmodel.api.plan_identity`) and, with
    ``draws``, the cost risk. For a re-plan (``replanned``, a
    :class:`~opmodel.cycle.Replan`) the id is of the model re-planned and its quarter,
    and ``cycle`` says what changed, as ``opmodel plan --as-of``."""
    from .. import api
    from ..optimize.risk import cost_risk

    risk = cost_risk(plan, draws=draws, seed=seed) if draws > 0 else None
    if replanned is None:
        identity = api.plan_identity(plan.instance.enterprise)
    else:
        rolled = replanned.rolled
        identity = {**api.plan_identity(rolled.source, rolled.as_of),
                    "cycle": replanned.to_dict()}
    return document("plan", api.plan_document(plan, risk, identity))


def plan_of(job: Job) -> Any:
    """The solved plan a finished job holds (an API job's value, or a page job's
    ``value["plan"]``), or None."""
    value = job.value
    if isinstance(value, dict):
        value = value.get("plan")
    return value if hasattr(value, "selected") else None


def _error_of(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, ApiError):
        e = exc
    elif isinstance(exc, OpmodelError):
        e = web_errors.from_opmodel_error(exc)
    else:
        web_errors.log.exception("plan job failed", exc_info=exc)
        e = ApiError(500, "the plan failed with an internal error (see the server log)")
    return web_errors.body(e.status, e.message, e.code, e.errors)


Auth = Depends(authenticate)
Snap = Depends(snapshot)


def register(app: FastAPI) -> None:
    @app.post("/plans", status_code=202, tags=["plans"],
              summary="Start a plan (background job); 202 with Location of its status")
    def start_plan(request: Request, req: PlanRequest = Body(default_factory=PlanRequest),
                   who: Principal = Auth, snap: Snapshot = Snap) -> Response:
        _scenario_model(request, snap, req.scenario)  # unknown/invalid scenario: now, not later

        def run(job: Job) -> tuple[bytes, Any]:
            def progress(p: Any) -> None:
                job.progress = {"time": round(p.time, 3), "incumbent": p.incumbent,
                                "bound": p.bound, "gap": p.gap}

            found = solve(request, snap, req, progress, as_of=req.as_of,
                          record=req.as_of is not None)
            plan = found.plan if req.as_of else found
            job.progress = {**job.progress, "time": round(plan.solve_time, 3),
                            "incumbent": plan.objective, "bound": plan.bound,
                            "gap": plan.gap, "done": True}
            return plan_document(plan, req.draws, req.seed,
                                 found if req.as_of else None), plan

        job = request.app.state.ctx.jobs.submit(
            "plan", req.model_dump(mode="json"), snap.version, who.name, run, _error_of)
        return answer(request, dumps(job.to_dict()), status=202,
                      headers={"Location": f"/plans/{job.id}", "Retry-After": "1"})

    def _job(request: Request, job_id: str) -> Job:
        job = request.app.state.ctx.jobs.get(job_id)
        if job is None:
            raise not_found("plan", job_id, field="path.plan_id")
        return job

    @app.get("/plans", tags=["plans"], summary="Plans started on this server, newest first")
    def list_plans(request: Request, limit: int = Query(100, ge=1, le=1000),
                   offset: int = Query(0, ge=0), who: Principal = Auth) -> Response:
        jobs = request.app.state.ctx.jobs.all()
        return answer(request, dumps(page(request, jobs, limit, offset,
                                          lambda j: j.to_dict())))

    @app.get("/plans/{plan_id}", tags=["plans"], summary="A plan's status and progress")
    def get_plan(request: Request, plan_id: str,
                 wait: float = Query(0.0, ge=0, le=30, description="Seconds to wait for the "
                                     "plan to finish before answering (a long poll)."),
                 who: Principal = Auth) -> Response:
        job = _job(request, plan_id)
        if wait > 0:
            job.wait(wait)
        return answer(request, dumps(job.to_dict()),
                      headers={} if job.status in ("done", "failed") else {"Retry-After": "1"})

    @app.get("/plans/{plan_id}/result", tags=["plans"], responses=ok("plan"),
             summary="A finished plan (as plan.json); 202 with the status while it runs")
    def plan_result(request: Request, plan_id: str, who: Principal = Auth) -> Response:
        job = _job(request, plan_id)
        if job.status == "failed":
            assert job.error is not None
            raise ApiError(job.error["status"], job.error["error"], code=job.error["code"],
                           errors=job.error["errors"])
        if job.status != "done" or job.result is None:
            return answer(request, dumps(job.to_dict()), status=202,
                          headers={"Retry-After": "1", "Location": f"/plans/{job.id}"})
        if not job.result:  # a job of the web pages keeps the plan, not its document
            plan = plan_of(job)
            if plan is None:
                raise not_found("plan", plan_id, field="path.plan_id")
            job.result = plan_document(plan, 0, int(job.params.get("seed") or 0))
        return answer(request, job.result)

    @app.get("/plans/{plan_id}/explain/{initiative}", tags=["plans"], responses=ok("explain"),
             summary="Why an initiative is in or out of a finished plan")
    def plan_explain(request: Request, plan_id: str, initiative: str,
                     replan: bool = Query(False, description="Also re-solve with it dropped "
                                          "or forced in (slower)."),
                     who: Principal = Auth) -> Response:
        from ..optimize.explain import explain

        job = _job(request, plan_id)
        if job.status != "done":
            raise ApiError(409, f"plan {plan_id} is {job.status}, not done",
                           code="E-NOT-READY")
        plan = plan_of(job)
        if plan is None:
            raise not_found("plan", plan_id, field="path.plan_id")
        _known_initiative(plan.instance.enterprise, initiative)
        with SOLVER_LOCK:
            x = explain(plan, initiative, replan=replan)
        return answer(request, document("explain", x.to_dict()))

    @app.get("/explain/{initiative}", tags=["plans"], responses=ok("explain"),
             summary="Why an initiative is funded or not (as `opmodel explain`)")
    def explain_initiative(request: Request, initiative: str,
                           scenario: str = Query(BASE), replan: bool = Query(True),
                           time_limit: float = Query(30.0, gt=0, le=600),
                           who: Principal = Auth, snap: Snapshot = Snap) -> Response:
        from ..optimize.explain import explain

        _known_initiative(snap.enterprise, initiative)
        try:
            _scenario_model(request, snap, scenario)
        except ApiError as exc:  # what the query names does not exist: 404 (a body's
            exc.errors[0]["field"] = "query.scenario"  # reference to nothing is a 422)
            exc.status = 404 if exc.code == "E-REF" and exc.status == 422 else exc.status
            raise
        req = PlanRequest(scenario=scenario, time_limit=time_limit)

        def compute() -> Any:
            plan = solve(request, snap, req)
            with SOLVER_LOCK:
                return explain(plan, initiative, replan=replan).to_dict()

        return cached(request, snap, "explain", {"id": initiative, "scenario": scenario,
                                                 "replan": replan, "t": time_limit}, compute)

    @app.get("/diff", tags=["plans"], responses=ok("diff"),
             summary="What changes between the plans of two scenarios (as `opmodel diff`)")
    def diff(request: Request, a: str = Query(BASE), b: str = Query(...),
             time_limit: float = Query(30.0, gt=0, le=600),
             who: Principal = Auth, snap: Snapshot = Snap) -> Response:
        from ..optimize.diff import diff as plan_diff

        for name, field in ((a, "a"), (b, "b")):
            try:
                _scenario_model(request, snap, name)
            except ApiError as exc:
                exc.errors[0]["field"] = f"query.{field}"
                exc.status = 404 if exc.code == "E-REF" and exc.status == 422 else exc.status
                raise

        def compute() -> Any:
            pa = solve(request, snap, PlanRequest(scenario=a, time_limit=time_limit))
            pb = solve(request, snap, PlanRequest(scenario=b, time_limit=time_limit))
            return plan_diff(pa, pb, a, b).to_dict()

        return cached(request, snap, "diff", {"a": a, "b": b, "t": time_limit}, compute)


def _known_initiative(e: Any, initiative: str) -> None:
    try:
        e.initiative(initiative)
    except UnknownIdError as exc:
        raise not_found("initiative", initiative, exc.hint, "path.initiative") from None


def decided_against(request: Request, e: Any, cycle: str, initiative: str
                    ) -> dict[str, Any] | None:
    """The plan the meeting of ``cycle`` decides ``initiative`` against, as ``opmodel
    decide`` records it (``against``: the plan id, the digest of the inputs it saw, and
    whether and when it funds the initiative, with the value at stake). One solve per
    cycle and inputs, cached: every decision of one meeting has the same plan. None when
    there is nothing to plan against (a bad cycle or initiative — the action names it —, or
    no feasible recommendation: the decision is then recorded without it, as the command
    line does)."""
    from ..cycle.pricing import before_cycle, recommendation, recommended_for
    from ..io.cycle_files import inputs_sha256, plan_id
    from ..model.quarter import quarter_index
    from ..optimize import SolveOptions

    try:
        quarter_index(cycle)
    except ValueError:
        return None
    if initiative not in e.ids("initiative"):
        return None
    digest = inputs_sha256(before_cycle(e, cycle))

    def compute() -> Any:
        with SOLVER_LOCK:
            return recommendation(e, cycle, SolveOptions(time_limit=60.0))

    try:
        rec = request.app.state.ctx.cache.get_or_compute(("recommendation", cycle, digest),
                                                         compute)
        said = recommended_for(rec, initiative)
    except (OpmodelError, KeyError, ValueError, IndexError):
        return None
    return {"plan": plan_id(cycle, digest), "inputs_sha256": digest, **said}
