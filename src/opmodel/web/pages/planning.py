"""What the planning workspace shows beside a finished what-if: the difference from the plan
of record and the efficient frontier.

Both come after the plan is on screen, never inside the what-if's solve:

- the **plan of record** is the roadmap decided at the last cycle
  (:func:`opmodel.cycle.plan_of_record`: one solve per model version, cached); the what-if
  is compared with it initiative by initiative, and the plan of record is priced on the
  what-if's own instance (same evaluator, same assumptions), with the rules it breaks there;
- the **frontier** is a background job of its own (kind ``frontier``, in the pages' own
  one-worker pool so it never queues ahead of a what-if): the what-if's assumptions solved
  at a few budget scales, one point at a time under the solver lock (a what-if clicked
  meanwhile waits for one point, not the whole frontier), drawn with the report's spec
  (:func:`opmodel.report.plan_charts.frontier_chart`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from fastapi import Request

from ..jobs import SOLVER_LOCK, Job, Jobs

FRONTIER_SCALES = (0.6, 0.8, 1.0, 1.2, 1.4)
"""Budget scales (× the model's budget) of the workspace's frontier; the what-if's own scale
is its plan."""
FRONTIER_TIME_LIMIT = 3.0
FRONTIER_GAP = 0.02


# -- the plan of record ----------------------------------------------------------------------
def record_of(e: Any) -> tuple[str | None, dict[str, str | None]]:
    """(cycle, start per initiative) of the plan of record: the roadmap decided at the last
    cycle before the quarter to re-plan from next; (None, {}) before any decision."""
    from ...cycle.replan import next_quarter, plan_of_record

    as_of = next_quarter(e)
    if as_of is None or not e.decisions:
        return None, {}
    with SOLVER_LOCK:
        return plan_of_record(e, as_of)


def record_diff(plan: Any, cycle: str | None, starts: dict[str, str | None],
                names: dict[str, str]) -> dict[str, Any]:
    """``plan`` against the plan of record (``starts``: its start per initiative): added,
    dropped, moved; and the plan of record priced on the plan's instance."""
    import numpy as np

    from ...model.quarter import quarter_index
    from ...optimize.value import evaluate, violations

    inst = plan.instance
    q0 = quarter_index(inst.quarters[0])
    rec = np.full(inst.n, -1, dtype=np.int64)
    added, removed, moved = [], [], []
    for i, iid in enumerate(inst.ids):
        r = starts.get(iid)
        now = plan.start_of(iid)
        if r is not None:
            t = max(0, quarter_index(r) - q0)
            rec[i] = t if t + int(inst.duration[i]) <= inst.T else -1
        label = {"id": iid, "name": names.get(iid, iid)}
        if now is not None and r is None:
            added.append({**label, "start": now})
        elif now is None and r is not None:
            removed.append({**label, "start": r})
        elif now is not None and r is not None and now != r:
            moved.append({**label, "record": r, "now": now})
    value_record = float(evaluate(inst, rec).total)
    return {"cycle": cycle, "added": added, "removed": removed, "moved": moved,
            "value_record": value_record, "value_plan": float(plan.objective),
            "change": float(plan.objective) - value_record,
            "breaks": violations(inst, rec)[:5]}


def base_diff(plan: Any, base: Any, names: dict[str, str]) -> dict[str, Any]:
    """``plan`` against ``base`` (the plan of the model as it is), for a model with no
    decision on record yet."""
    starts = {iid: base.start_of(iid) for iid in base.instance.ids}
    out = record_diff(plan, None, starts, names)
    out["value_record"] = float(base.objective)
    out["change"] = float(plan.objective) - float(base.objective)
    out["breaks"] = []
    return out


# -- the frontier ----------------------------------------------------------------------------
class Frontiers:
    """The pages' background pool (one worker) and which frontier job belongs to which
    what-if job."""

    def __init__(self) -> None:
        self.jobs = Jobs(workers=1)
        self.stopping = threading.Event()
        self._of: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def shutdown(self) -> None:
        """Stop between two points (the server is stopping) and drop queued frontiers."""
        self.stopping.set()
        self.jobs.shutdown()

    def for_plan(self, plan_job: Job, start: Any) -> Job:
        """The frontier job of ``plan_job``, started (``start(plan_job) -> Job``) once."""
        with self._lock:
            fid = self._of.get(plan_job.id)
            job = self.jobs.get(fid) if fid else None
            if job is None:
                job = start(plan_job)
                self._of[plan_job.id] = job.id
                while len(self._of) > 200:
                    self._of.popitem(last=False)
            return job


def frontiers(request: Request) -> Frontiers:
    return request.app.state.frontiers  # type: ignore[no-any-return]


def frontier_spec(base: Any, plan: Any, scale: float, job: Job | None = None,
                  scales: tuple[float, ...] | None = None,
                  stop: threading.Event | None = None) -> dict[str, Any]:
    """The frontier of ``base`` (the what-if's model at the model's own budget) with
    ``plan`` as its point at ``scale``, as the report's chart spec (a dict)."""
    from ...optimize import SolveOptions
    from ...optimize.frontier import Frontier, FrontierPoint, _monotone, frontier

    opts = SolveOptions(time_limit=FRONTIER_TIME_LIMIT, mip_gap=FRONTIER_GAP)
    todo = [s for s in (FRONTIER_SCALES if scales is None else scales)
            if abs(s - scale) > 1e-9]
    points = []
    for k, s in enumerate(todo):
        if stop is not None and stop.is_set():
            raise RuntimeError("the server is stopping")
        if job is not None:
            job.progress = {"done": k, "total": len(todo)}
        with SOLVER_LOCK:  # one point at a time: a what-if waits for one solve at most
            points.extend(frontier(base, (s,), opts, processes=1).points)
    if job is not None:
        job.progress = {"done": len(todo), "total": len(todo)}
    own = plan if plan.confidence is None else (plan.confidence.plan_without or plan)
    points.append(FrontierPoint(scale, float(sum(b.amount for b in base.budgets)) * scale,
                                own.objective, own.bound, own.status_text, len(own.selected),
                                own.total_spend, tuple(int(s) for s in own.start)))
    points.sort(key=lambda p: p.scale)
    f = Frontier(tuple(_monotone(base, points)), current=scale)
    from ...report.plan_charts import frontier_chart
    from .read import chart_specs

    e = base
    mark = "today's budget" if abs(scale - 1.0) < 1e-9 else \
        f"this what-if (budget × {scale:g})"
    return chart_specs(frontier=lambda: frontier_chart(
        f, e.name, f"({e.currency} {e.unit})", marked=mark))
