"""The initiative lifecycle, derived: replay the decisions in file order over the baseline
statuses of initiatives.yaml, with the clock advanced by the actuals.

::

    proposed ──approve/force-start──▶ approved ──(its start passes)──▶ in-flight ──▶ done
       │  ▲                              │                                  │
       │  └──────propose──── rejected ◀──┤ reject (not started)             │ cancel
       ├──reject──▶ rejected             ├──cancel──▶ cancelled ◀───────────┘
       └──defer──▶ deferred (until Q) ◀──┘ defer (not started)

The clock: an approved initiative whose start has passed is in flight from the first quarter
it spent money in — a quarter with reported actuals (any row in actuals.csv for that quarter)
and no spend on it means it has not started yet (it slips); a quarter without reported
actuals is assumed to have gone as planned. An in-flight initiative is done when an actuals
row says 100 % complete, or when its expected finish (the latest actuals row's ``finish``,
else start + duration − 1, later when a row at or after that quarter still reports work to
do) lies before the clock, or on a ``complete`` decision.

:func:`lifecycle` returns every state and every problem with its path
(``("decisions", 3, "action")``, ``("actuals", 7, "spent")``); :func:`opmodel.model.validate`
reports the problems. Codes:

============ ========================================================================
E-TRANSITION the action is not allowed from the initiative's status at that cycle
E-RATIONALE  a decision departs from the recommendation (or cancels) without a rationale
E-FUTURE     a decision's cycle lies after the quarter following its date
E-ORDER      decisions.yaml is append-only: a cycle or date earlier than the one before
E-SUPERSEDE  supersedes names no earlier decision on the same initiative, or one twice,
             or one under which the work had begun by its cycle (history stands)
E-ACTUAL     spend on a cancelled initiative after the cycle that cancelled it
W-ACTUAL     spend on an initiative that was never approved
W-HORIZON    actuals or a decision's cycle after the horizon: no re-plan can start there
============ ========================================================================
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import Issue, PathPart
from .decision import Actual, Decision
from .initiative import Initiative, Status
from .quarter import add_quarters, quarter_from_index, quarter_index

if TYPE_CHECKING:
    from .enterprise import Enterprise

Path = tuple[PathPart, ...]


@dataclass(frozen=True)
class InitiativeState:
    """Where one initiative stands at a quarter.

    ``start``: the decided start (approved) or the quarter work began (in-flight, done);
    ``planned_start``/``planned_finish``: what the plan of record said; ``finish``: the
    expected (in-flight) or actual (done) last quarter of work; ``until``: the first quarter a
    deferred initiative may start; ``since``: the cycle of the decision that set the status.
    """

    id: str
    status: Status = "proposed"
    start: str | None = None
    finish: str | None = None
    planned_start: str | None = None
    planned_finish: str | None = None
    until: str | None = None
    since: str | None = None
    decision: str | None = None
    cancelled_in: str | None = None

    @property
    def fixed(self) -> bool:
        """Approved or in flight: the plan must keep it."""
        return self.status in ("approved", "in-flight")

    @property
    def slip(self) -> int:
        """Quarters the (expected) finish lies after the planned finish (0 when unknown)."""
        if self.finish is None or self.planned_finish is None:
            return 0
        return quarter_index(self.finish) - quarter_index(self.planned_finish)

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "slip": self.slip}


@dataclass(frozen=True)
class Lifecycle:
    """Every initiative's state as of ``as_of`` (None: after every decision and actual)."""

    as_of: str | None
    states: dict[str, InitiativeState]
    issues: list[Issue] = field(default_factory=list)
    counted: tuple[int, ...] = ()
    """Positions in ``decisions`` of the decisions that count (up to ``as_of``, not
    superseded)."""

    def __getitem__(self, initiative: str) -> InitiativeState:
        return self.states[initiative]

    def with_status(self, *statuses: str) -> list[InitiativeState]:
        return [s for s in self.states.values() if s.status in statuses]


def quarter_of_date(d: dt.date) -> str:
    return f"{d.year}Q{(d.month - 1) // 3 + 1}"


class _Actuals:
    """actuals.csv indexed: rows per initiative (by quarter) and the quarters reported."""

    def __init__(self, rows: tuple[Actual, ...]) -> None:
        self.by_init: dict[str, list[Actual]] = {}
        self.reported: set[int] = set()
        for a in rows:
            self.by_init.setdefault(a.initiative, []).append(a)
            self.reported.add(quarter_index(a.quarter))
        for v in self.by_init.values():
            v.sort(key=lambda a: quarter_index(a.quarter))

    def rows(self, initiative: str, before: int) -> list[Actual]:
        return [a for a in self.by_init.get(initiative, ()) if quarter_index(a.quarter) < before]

    def spent_in(self, initiative: str, q: int) -> float:
        return sum(a.spent for a in self.by_init.get(initiative, ())
                   if quarter_index(a.quarter) == q)


def _baseline(it: Initiative) -> InitiativeState:
    finish = None
    planned_finish = None
    if it.start is not None:
        planned_finish = add_quarters(it.start, it.duration - 1)
        finish = it.finished if it.status == "done" and it.finished else planned_finish
    return InitiativeState(
        it.id, it.status, start=it.start, finish=finish,
        planned_start=it.start, planned_finish=planned_finish,
        until=it.deferred_until if it.status == "deferred" else None)


def advance(st: InitiativeState, it: Initiative, acts: _Actuals, clock: int) -> InitiativeState:
    """``st`` moved forward to the start of quarter ``clock`` (an index)."""
    if st.status == "approved" and st.start is not None:
        s = quarter_index(st.start)
        rows = acts.rows(it.id, clock)
        # work may begin early, but not before the meeting that approved it: spend before
        # that is an earlier run's (work cancelled or rejected, then proposed again)
        lo = quarter_index(st.since) if st.since is not None else None
        spent_q = [quarter_index(a.quarter) for a in rows
                   if a.spent > 0 and (lo is None or quarter_index(a.quarter) >= lo)]
        first = min([s, *spent_q])
        began = None
        for q in range(first, clock):
            if (q in acts.reported and acts.spent_in(it.id, q) > 0) or \
                    (q not in acts.reported and q >= s):
                began = q
                break
        if began is None:
            return st
        start = quarter_from_index(began)
        st = dataclasses.replace(st, status="in-flight", start=start,
                                 finish=add_quarters(start, it.duration - 1))
    if st.status == "in-flight" and st.start is not None:
        rows = acts.rows(it.id, clock)
        rows = [a for a in rows if quarter_index(a.quarter) >= quarter_index(st.start)]
        for a in rows:
            if a.percent_complete is not None and a.percent_complete >= 100:
                return dataclasses.replace(st, status="done", finish=a.quarter)
        ef = quarter_index(st.start) + it.duration - 1
        if rows:
            last = rows[-1]
            if last.finish is not None:
                ef = quarter_index(last.finish)
            work_left = ((last.percent_complete is not None and last.percent_complete < 100)
                         or (last.remaining is not None and last.remaining > 0))
            if quarter_index(last.quarter) >= ef and work_left:
                ef = quarter_index(last.quarter) + 1
        finish = quarter_from_index(ef)
        if ef < clock:
            return dataclasses.replace(st, status="done", finish=finish)
        return dataclasses.replace(st, finish=finish)
    return st


def is_override(d: Decision) -> bool | None:
    """Whether ``d`` departs from the plan it was taken against (None: no plan recorded)."""
    if d.action == "cancel":
        return True
    if d.action in ("complete", "propose"):
        return False
    a = d.against
    if a is None:
        return None
    if a.funded:
        if d.action in ("reject", "defer"):
            return True
        return d.start is not None and d.start != a.start
    return d.action in ("approve", "force-start")


def _needs_rationale(d: Decision) -> bool:
    o = is_override(d)
    if o is None:
        return d.action in ("reject", "defer", "force-start")
    return o


_ALLOWED: dict[str, tuple[str, ...]] = {
    "approve": ("proposed", "deferred"),
    "force-start": ("proposed", "deferred", "approved"),
    "defer": ("proposed", "deferred", "approved"),
    "reject": ("proposed", "deferred", "approved"),
    "cancel": ("approved", "in-flight"),
    "complete": ("in-flight",),
    "propose": ("rejected", "deferred", "cancelled"),
}
_WHY_NOT: dict[tuple[str, str], str] = {
    ("reject", "in-flight"): "an in-flight initiative cannot be rejected, only cancelled",
    ("approve", "approved"): "it is already approved; use force-start --start Q to move it",
    ("complete", "approved"): "it has not started: done needs a start",
    ("complete", "proposed"): "it was never started: done needs a start",
    ("cancel", "proposed"): "nothing to cancel: it was never approved; reject it instead",
    ("cancel", "deferred"): "nothing to cancel: it was never approved; reject it instead",
}


def transition_error(status: str, action: str) -> str | None:
    """Why ``action`` is not allowed from ``status`` (None when it is)."""
    if status in _ALLOWED[action]:
        return None
    why = _WHY_NOT.get((action, status))
    if why is None:
        allowed = [a for a, froms in _ALLOWED.items() if status in froms]
        why = (f"a {status} initiative allows "
               + (", ".join(allowed) if allowed else "no further decision"))
    return f"cannot {action} an initiative that is {status}: {why}"


PAST_HORIZON = ("a mistyped quarter? A re-plan starts inside the horizon; when the company "
                "has moved past it, extend the horizon: docs/cycle.md, 'A new horizon'")
"""The hint of every quarter outside the horizon in the cycle's records — W-HORIZON here,
E-HORIZON of a new decision, actuals row or archive (:mod:`opmodel.cycle.record`), a re-plan
as of a quarter outside it (:mod:`opmodel.cycle.roll`): one text, one place."""


def lifecycle(e: Enterprise, as_of: str | None = None,
              also_known: Mapping[str, set[str]] | None = None) -> Lifecycle:
    """Replay ``e.decisions`` (those of cycles up to ``as_of``) over the baseline statuses,
    advancing the clock with ``e.actuals``; collect every problem with its path."""
    issues: list[Issue] = []
    known_bad = set((also_known or {}).get("initiative", ()))

    def add(code: str, msg: str, path: Path, hint: str | None = None) -> None:
        issues.append(Issue(code, msg, path, hint=hint))

    inits = e.ids("initiative")
    acts = _Actuals(e.actuals)
    states = {it.id: _baseline(it) for it in e.initiatives}
    limit = quarter_index(as_of) if as_of is not None else None
    end = quarter_index(e.horizon.end)
    decisions = e.decisions

    # -- static checks and the supersede map -------------------------------------------
    pos_of: dict[str, int] = {}
    for k, d in enumerate(decisions):
        if d.id in pos_of:
            add("E-DUP", f"decision id '{d.id}' is used more than once", ("decisions", k, "id"))
        else:
            pos_of[d.id] = k
    superseded: dict[int, int] = {}
    history: set[int] = set()  # decisions that would re-decide work already begun
    for k, d in enumerate(decisions):
        if d.supersedes is None:
            continue
        j = pos_of.get(d.supersedes)
        if j is None or j >= k:
            add("E-SUPERSEDE", f"decision '{d.id}' supersedes '{d.supersedes}', which is not an "
                "earlier decision", ("decisions", k, "supersedes"))
        elif decisions[j].initiative != d.initiative:
            add("E-SUPERSEDE", f"decision '{d.id}' on '{d.initiative}' supersedes "
                f"'{d.supersedes}', a decision on '{decisions[j].initiative}'",
                ("decisions", k, "supersedes"))
        elif j in superseded:
            add("E-SUPERSEDE", f"decision '{d.supersedes}' is already superseded by "
                f"'{decisions[superseded[j]].id}'", ("decisions", k, "supersedes"))
        elif limit is None or quarter_index(d.cycle) <= limit:
            began = _began_under(e, k, d)
            if began is None:
                superseded[j] = k
            else:  # the superseded decision keeps counting; this one does not
                history.add(k)
                add("E-SUPERSEDE", f"decision '{d.id}' supersedes '{d.supersedes}', under "
                    f"which '{d.initiative}' {began}: that is history, not to be "
                    "re-decided", ("decisions", k, "supersedes"),
                    hint="cancel it (or complete it) with a decision of its own instead")

    # -- replay ------------------------------------------------------------------------
    counted: list[int] = []
    prev: Decision | None = None
    for k, d in enumerate(decisions):
        c = quarter_index(d.cycle)
        if quarter_index(d.cycle) > quarter_index(quarter_of_date(d.date)) + 1:
            add("E-FUTURE", f"cycle {d.cycle} lies in the future of the decision's date "
                f"{d.date.isoformat()}", ("decisions", k, "cycle"),
                hint="a meeting decides its own quarter's cycle (or the next one)")
        if prev is not None and (c < quarter_index(prev.cycle) or d.date < prev.date):
            add("E-ORDER", f"decision '{d.id}' ({d.cycle}, {d.date.isoformat()}) comes after "
                f"'{prev.id}' ({prev.cycle}, {prev.date.isoformat()}): decisions.yaml is "
                "append-only, in the order decided", ("decisions", k, "cycle"),
                hint="give the meeting's quarter and date: opmodel decide … --cycle Q "
                     "--date YYYY-MM-DD")
        prev = d
        if limit is None and c > end:
            add("W-HORIZON", f"decision '{d.id}' is of cycle {d.cycle}, after the horizon "
                f"{e.horizon.start}–{e.horizon.end}", ("decisions", k, "cycle"),
                hint=PAST_HORIZON)
        if limit is not None and c > limit:
            continue
        it = inits.get(d.initiative)
        if it is None:
            if d.initiative not in known_bad:
                add("E-REF", f"decision '{d.id}' names unknown initiative '{d.initiative}'",
                    ("decisions", k, "initiative"))
            continue
        if _needs_rationale(d) and not (d.rationale and d.rationale.strip()):
            what = ("cancels approved work" if d.action == "cancel"
                    else "departs from the recommendation" if is_override(d)
                    else f"is a {d.action} without a recorded plan")
            add("E-RATIONALE", f"decision '{d.id}' {what} and needs a rationale",
                ("decisions", k, "rationale"), hint="say why with --why")
        if k in superseded:
            continue
        if k in history:
            continue
        st = advance(states[it.id], it, acts, c)
        err = transition_error(st.status, d.action)
        if err is not None:
            add("E-TRANSITION", f"decision '{d.id}': {err} (as of {d.cycle})",
                ("decisions", k, "action"))
            continue
        new = _apply(st, it, d, k, add)
        if new is not None:
            states[it.id] = new
            counted.append(k)

    # -- the clock to as_of -------------------------------------------------------------
    if limit is not None:
        clock = limit
    else:
        marks = [quarter_index(d.cycle) for d in decisions]
        marks += [quarter_index(a.quarter) + 1 for a in e.actuals]
        clock = max(marks) if marks else None
    if clock is not None:
        for it in e.initiatives:
            states[it.id] = advance(states[it.id], it, acts, clock)

    # -- actuals --------------------------------------------------------------------------
    seen: set[tuple[str, str]] = set()
    for k, a in enumerate(e.actuals):
        key = (a.quarter, a.initiative)
        if key in seen:
            add("E-DUP", f"two actuals rows for '{a.initiative}' in {a.quarter}",
                ("actuals", k, "initiative"))
        seen.add(key)
        if limit is None and quarter_index(a.quarter) > end:
            add("W-HORIZON", f"actuals for '{a.initiative}' in {a.quarter}, after the horizon "
                f"{e.horizon.start}–{e.horizon.end}", ("actuals", k, "quarter"),
                hint=PAST_HORIZON)
        if a.initiative not in inits:
            if a.initiative not in known_bad:
                add("E-REF", f"actuals name unknown initiative '{a.initiative}'",
                    ("actuals", k, "initiative"))
            continue
        st = states[a.initiative]
        if limit is not None and quarter_index(a.quarter) >= limit:
            continue
        if a.spent > 0 and st.cancelled_in is not None and \
                quarter_index(a.quarter) > quarter_index(st.cancelled_in):
            add("E-ACTUAL", f"spend on '{a.initiative}' in {a.quarter}, after it was cancelled "
                f"in {st.cancelled_in}", ("actuals", k, "spent"))
        elif a.spent > 0 and st.status in ("proposed", "rejected", "deferred") \
                and st.planned_start is None:
            add("W-ACTUAL", f"spend on '{a.initiative}' in {a.quarter}, which was never "
                "approved", ("actuals", k, "spent"))
    return Lifecycle(as_of, states, issues, tuple(counted))


def _began_under(e: Enterprise, k: int, d: Decision) -> str | None:
    """How the work ``d`` (the ``k``-th decision, superseding an earlier one) would erase
    had already begun — "has been in flight since 2027Q1" — as the record before ``d``
    stands at its cycle; None when it had not begun (a decision not yet acted on may be
    superseded)."""
    before = lifecycle(e.model_copy(update={"decisions": e.decisions[:k]}), d.cycle)
    st = before.states.get(d.initiative)
    if st is None or st.status not in ("in-flight", "done"):
        return None
    return (f"has been in flight since {st.start}" if st.status == "in-flight"
            else f"was done in {st.finish}")


def _apply(st: InitiativeState, it: Initiative, d: Decision, k: int,
           add: Any) -> InitiativeState | None:
    a = d.action
    base = dict(since=d.cycle, decision=d.id)
    if a in ("approve", "force-start"):
        start = d.start if d.start is not None else (d.against.start if d.against else None)
        if start is None:
            add("E-MISSING", f"decision '{d.id}' approves '{it.id}' without a start quarter",
                ("decisions", k, "start"), hint="give --start Q")
            return None
        if quarter_index(start) < quarter_index(d.cycle):
            add("E-RANGE", f"decision '{d.id}' starts '{it.id}' in {start}, before its cycle "
                f"{d.cycle}", ("decisions", k, "start"))
            return None
        finish = add_quarters(start, it.duration - 1)
        return dataclasses.replace(st, status="approved", start=start, finish=finish,
                                   planned_start=start, planned_finish=finish, until=None,
                                   **base)
    if a == "defer":
        if d.until is None:
            add("E-MISSING", f"decision '{d.id}' defers '{it.id}' without --until",
                ("decisions", k, "until"), hint="give --until Q")
            return None
        if quarter_index(d.until) <= quarter_index(d.cycle):
            add("E-RANGE", f"decision '{d.id}' defers '{it.id}' until {d.until}, which is not "
                f"after its cycle {d.cycle}", ("decisions", k, "until"))
            return None
        return dataclasses.replace(st, status="deferred", until=d.until, start=None,
                                   finish=None, planned_start=None, planned_finish=None,
                                   **base)
    if a == "reject":
        return dataclasses.replace(st, status="rejected", start=None, finish=None,
                                   planned_start=None, planned_finish=None, until=None, **base)
    if a == "cancel":
        was_running = st.status == "in-flight"
        return dataclasses.replace(
            st, status="cancelled", cancelled_in=d.cycle,
            finish=add_quarters(d.cycle, -1) if was_running else None,
            start=st.start if was_running else None, **base)
    if a == "complete":
        finish = add_quarters(d.cycle, -1)
        if st.start is not None and quarter_index(finish) < quarter_index(st.start):
            finish = st.start
        return dataclasses.replace(st, status="done", finish=finish, **base)
    # propose
    return dataclasses.replace(st, status="proposed", start=None, finish=None, until=None,
                               planned_start=None, planned_finish=None, cancelled_in=None,
                               **base)
