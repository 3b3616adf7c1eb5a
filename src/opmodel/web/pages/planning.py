"""What the planning workspace shows beside a finished what-if: the difference from the plan
of record and the efficient frontier.

Both come after the plan is on screen, never inside the what-if's solve:

- the **plan of record** is the roadmap decided at the last cycle
  (:func:`opmodel.cycle.plan_of_record`: one solve per model version, cached); the what-if
  is compared with it initiative by initiative, and the plan of record is priced on the
  what-if's own instance (same evaluator, same assumptions), with the rules it breaks there;
- the **frontier** is a background job of its own (kind ``frontier``, in the pages' own
  one-worker pool so it never queues ahead of a what-if): the what-if's assumptions solved
  at the budget scales the workspace asks for (:class:`FrontierSettings`), one point at a
  time under the solver lock (a what-if clicked meanwhile waits for one point, not the
  whole frontier), each point re-planned from where the company stands as the what-if is,
  drawn with the report's spec (:func:`opmodel.report.plan_charts.frontier_chart`).

A what-if on a model with decisions or actuals is re-planned from the next quarter, as
``opmodel plan --as-of`` does (:func:`opmodel.cycle.replan`): decisions bind, actuals
count, in-flight work stays where it is; so its difference from the plan of record
(:meth:`opmodel.cycle.Replan.against`, the cycle's own comparison) shows real changes only.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from ..jobs import SOLVER_LOCK, Job, Jobs

FRONTIER_SCALES = (0.6, 0.8, 1.0, 1.2, 1.4)
"""Budget scales (× the model's budget) of the workspace's frontier unless it asks for
others; the what-if's own scale is its plan."""
FRONTIER_TIME_LIMIT = 3.0
FRONTIER_GAP = 0.02
FRONTIER_BOUNDS = {"frontier_from": (10, 300), "frontier_to": (10, 300),
                   "frontier_points": (2, 15), "frontier_seconds": (1, 30),
                   "frontier_gap": (0, 20)}
"""What the workspace's frontier controls accept (per cent of the budget, points, solver
seconds and gap per point)."""
FIELD_LABELS = {"frontier_from": "frontier from (% of the budget)",
                "frontier_to": "frontier to (% of the budget)",
                "frontier_points": "frontier points",
                "frontier_seconds": "frontier solver seconds per point",
                "frontier_gap": "frontier gap per point (%)"}


@dataclass(frozen=True)
class FrontierSettings:
    """The frontier a what-if asks for: evenly spaced budget scales (the what-if's own scale
    is its plan) and the solver's limits per point."""

    scales: tuple[float, ...] = FRONTIER_SCALES
    time_limit: float = FRONTIER_TIME_LIMIT
    gap: float = FRONTIER_GAP

    def to_dict(self) -> dict[str, Any]:
        return {"scales": list(self.scales), "time_limit": self.time_limit, "gap": self.gap}


class FormMessages(Exception):
    """Messages located at the workspace form's fields (``[{"field", "text"}]``)."""

    def __init__(self, messages: list[dict[str, str]]) -> None:
        super().__init__("; ".join(m["text"] for m in messages))
        self.messages = messages


def frontier_settings(form: Any) -> FrontierSettings:
    """The frontier controls of the workspace form (empty: the defaults, 60–140 % in 5
    points, 3 s and a 2 % gap each); every bad value is a message at its field."""
    defaults = {"frontier_from": FRONTIER_SCALES[0] * 100,
                "frontier_to": FRONTIER_SCALES[-1] * 100,
                "frontier_points": len(FRONTIER_SCALES),
                "frontier_seconds": FRONTIER_TIME_LIMIT, "frontier_gap": FRONTIER_GAP * 100}
    got: dict[str, float] = {}
    messages: list[dict[str, str]] = []
    for key, default in defaults.items():
        v = form.get(key)
        raw = str((v[-1] if v else "") if isinstance(v, list) else (v or "")).strip()
        lo, hi = FRONTIER_BOUNDS[key]
        label = FIELD_LABELS[key]
        if not raw:
            got[key] = float(default)
            continue
        try:
            x = float(raw)
        except ValueError:
            x = float("nan")
        if x != x or x in (float("inf"), float("-inf")):
            messages.append({"field": key, "text": f"{key}: '{raw[:40]}' is not a number "
                             f"({label}: {lo:g} to {hi:g})"})
        elif key == "frontier_points" and not x.is_integer():
            messages.append({"field": key, "text": f"{key}: '{raw[:40]}' is not a whole "
                             f"number ({label}: {lo:g} to {hi:g})"})
        elif not lo <= x <= hi:
            messages.append({"field": key, "text": f"{key}: {x:g} is outside {lo:g} to {hi:g} "
                             f"({label})"})
        else:
            got[key] = x
    lo_, hi_ = got.get("frontier_from"), got.get("frontier_to")
    if lo_ is not None and hi_ is not None and hi_ <= lo_:
        messages.append({"field": "frontier_to", "text": f"frontier_to: {hi_:g} % is not "
                         f"above frontier_from ({lo_:g} %): the frontier runs from a smaller "
                         "budget to a larger one"})
    if messages:
        raise FormMessages(messages)
    n = int(got["frontier_points"])
    a, b = got["frontier_from"] / 100, got["frontier_to"] / 100
    scales = tuple(round(a + (b - a) * k / (n - 1), 4) for k in range(n))
    return FrontierSettings(scales, got["frontier_seconds"], got["frontier_gap"] / 100)


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
    """``plan`` (of a model with nothing decided or reported: planned as it is) against
    another plan of it (``starts``: its start per initiative): added, dropped, moved; and
    the other plan priced on ``plan``'s instance."""
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
            added.append({**label, "start": f"from {now}"})
        elif now is None and r is not None:
            removed.append({**label, "start": f"from {r}"})
        elif now is not None and r is not None and now != r:
            moved.append({**label, "record": f"from {r}", "now": f"from {now}"})
    value_record = float(evaluate(inst, rec).total)
    return {"cycle": cycle, "added": added, "removed": removed, "moved": moved,
            "slipped": [], "as_of": None,
            "value_record": value_record, "value_plan": float(plan.objective),
            "change": float(plan.objective) - value_record,
            "breaks": violations(inst, rec)[:5]}


def base_diff(plan: Any, base: Any, names: dict[str, str]) -> dict[str, Any]:
    """``plan`` against ``base`` (the plan of the model as it is), for a model with nothing
    decided or reported yet."""
    starts = {iid: base.start_of(iid) for iid in base.instance.ids}
    out = record_diff(plan, None, starts, names)
    out["value_record"] = float(base.objective)
    out["change"] = float(plan.objective) - float(base.objective)
    out["breaks"] = []
    return out


def _span(start: str | None, finish: str | None) -> str:
    if start is None:
        return "—"
    return start if finish in (None, start) else f"{start}–{finish}"


def change_view(r: Any, cycle: str | None, record: dict[str, str | None],
                names: dict[str, str], base: Any = None) -> dict[str, Any]:
    """The re-planned what-if ``r`` (a :class:`~opmodel.cycle.Replan`) against the plan of
    record (``record``: its start per initiative, decided in ``cycle``), as the cycle
    compares them (:meth:`~opmodel.cycle.Replan.against`): added, dropped, moved, and the
    plan of record continued, priced under the what-if's assumptions with the rules it
    breaks there. In-flight work stays where it is in every what-if: where it runs late
    against the plan of record (the actuals say so), it is listed apart, not as moved.

    ``base`` (the re-plan of the model as it is) stands in for the plan of record when no
    cycle was decided yet (only actuals reported)."""
    from ...model.quarter import add_quarters

    ch = r.against(cycle, record)
    lc = r.rolled.lifecycle
    now = r.starts()
    src = r.rolled.source

    def label(iid: str) -> dict[str, str]:
        return {"id": iid, "name": names.get(iid, iid)}

    def finish(iid: str, start: str | None) -> str | None:
        return None if start is None else add_quarters(start, src.initiative(iid).duration - 1)

    added = [{**label(i), "start": _span(now.get(i), finish(i, now.get(i)))}
             for i in ch.added]
    removed = [{**label(x["id"]), "start": _span(record.get(x["id"]),
                                                   finish(x["id"], record.get(x["id"]))),
                "status": x["now"] if x["now"] not in ("proposed", None) else None}
               for x in ch.removed]
    moved, slipped = [], []
    for m in ch.moved:
        row = {**label(m["id"]), "record": _span(m["start_record"], m["finish_record"]),
               "now": _span(m["start_now"], m["finish_now"])}
        (slipped if lc[m["id"]].status == "in-flight" else moved).append(row)
    out = {"cycle": cycle, "as_of": r.as_of, "added": added, "removed": removed,
           "moved": moved, "slipped": slipped, "value_record": float(ch.value_record),
           "value_plan": float(ch.value_plan), "change": float(ch.value_change),
           "breaks": list(ch.record_breaks)[:5]}
    if base is not None:  # the model's own re-plan: its own value, no rules to break
        out["value_record"] = float(base.plan.objective)
        out["change"] = out["value_plan"] - out["value_record"]
        out["breaks"] = []
    return out


def pinned(e: Any, as_of: str, force_in: list[str], force_out: list[str]
           ) -> list[dict[str, str]]:
    """Messages for forcing in or out what the decisions already settled as of ``as_of``
    (the re-plan keeps in-flight and approved work, and never funds done, cancelled or
    rejected work): a what-if cannot change a decision, the decision meeting can; and for
    forcing in work whose latest start or deadline has passed by then."""
    from ...model import lifecycle
    from ...model.quarter import quarter_index

    lc = lifecycle(e, as_of)
    out = []
    for key, ids, settled in (("force_out", force_out, ("in-flight", "approved")),
                              ("force_in", force_in, ("done", "cancelled", "rejected"))):
        for k, iid in enumerate(ids):
            st = lc.states.get(iid)
            if st is None or st.status not in settled:
                continue
            since = f" since {st.start}" if st.status == "in-flight" and st.start else (
                f" to start {st.start}" if st.status == "approved" and st.start else "")
            status = st.status.replace("-", " ")
            out.append({"field": key, "text": f"{key}[{k}]: '{iid}' is {status}{since}; a "
                        f"what-if plans from {as_of}, where the decisions bind: record a "
                        f"decision in the decision meeting to change it"})
    clock = quarter_index(as_of)
    for k, iid in enumerate(force_in):
        st = lc.states.get(iid)
        if st is None or st.status not in ("proposed", "deferred"):
            continue
        it = e.initiative(iid)
        for what, q in (("latest start", it.latest_start), ("deadline", it.deadline)):
            if q is not None and quarter_index(q) < clock:
                out.append({"field": "force_in", "text": f"force_in[{k}]: '{iid}' cannot be "
                            f"planned from {as_of} any more: its {what} {q} has passed"})
                break
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
                  settings: FrontierSettings | None = None,
                  stop: threading.Event | None = None,
                  as_of: str | None = None) -> dict[str, Any]:
    """The frontier of ``base`` (the what-if's model at the model's own budget) at the
    budget scales of ``settings``, with ``plan`` as its point at ``scale``, as the report's
    chart spec (a dict). With ``as_of`` every point is re-planned from that quarter as the
    what-if was (each scale's model rolled, :func:`opmodel.cycle.roll`: the budget is
    scaled, then what was spent and committed is taken off as the cycle does)."""
    import dataclasses

    from ...optimize import SolveOptions
    from ...optimize.frontier import Frontier, FrontierPoint, _monotone, frontier, scaled

    fs = settings or FrontierSettings()
    opts = SolveOptions(time_limit=fs.time_limit, mip_gap=fs.gap)
    todo = [s for s in fs.scales if abs(s - scale) > 1e-9]
    total = float(sum(b.amount for b in base.budgets))
    points = []
    for k, s in enumerate(todo):
        if stop is not None and stop.is_set():
            raise RuntimeError("the server is stopping")
        if job is not None:
            job.progress = {"done": k, "total": len(todo)}
        with SOLVER_LOCK:  # one point at a time: a what-if waits for one solve at most
            if as_of is None:
                points.extend(frontier(base, (s,), opts, processes=1).points)
            else:
                from ...cycle import roll

                m = roll(scaled(base, s), as_of).enterprise
                p = frontier(m, (1.0,), opts, processes=1).points[0]
                points.append(dataclasses.replace(p, scale=s, budget=total * s))
    if job is not None:
        job.progress = {"done": len(todo), "total": len(todo)}
    own = plan if plan.confidence is None else (plan.confidence.plan_without or plan)
    points.append(FrontierPoint(scale, total * scale, own.objective, own.bound,
                                own.status_text, len(own.selected), own.total_spend,
                                tuple(int(s) for s in own.start)))
    points.sort(key=lambda p: p.scale)
    f = Frontier(tuple(_monotone(base, points)), current=scale)
    from ...report.plan_charts import frontier_chart
    from .read import chart_specs

    e = base
    mark = "today's budget" if abs(scale - 1.0) < 1e-9 else \
        f"this what-if (budget × {scale:g})"
    return chart_specs(frontier=lambda: frontier_chart(
        f, e.name, f"({e.currency} {e.unit})", marked=mark))
