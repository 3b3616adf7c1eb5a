"""Roll a model forward to a quarter: the model the optimizer plans when re-planning as of
``as_of`` (DESIGN §5). Pure: an :class:`Enterprise` in, a derived :class:`Enterprise` out,
with the bookkeeping that explains every change.

What rolling does (docs/cycle.md):

- the horizon starts at ``as_of`` (same length unless given; longer, up to 12 quarters, when
  fixed work would not fit); budget lines before it are closed; fiscal-year lines keep only
  what the actual spend of their earlier quarters left (actual spend counts against its
  fiscal year), and quarterly lines under carry-over inherit what the closed quarters left;
- in-flight work is fixed to start at ``as_of`` with its remaining duration and its remaining
  cost (from actuals: ``remaining``, or ``percent_complete`` by earned value, else the
  estimate less the spend) — sunk cost is never counted again;
- approved work is fixed at its decided start (or ``as_of`` when that has passed unstarted);
- done work is out of the plan and its uplift counts as delivered maturity (unless the
  current assessment is dated after the delivery); applications it retired are retired;
- rejected and cancelled work is forbidden; deferred work cannot start before its quarter.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError, ModelError
from ..model import (
    Actual,
    Enterprise,
    Horizon,
    Initiative,
    InitiativeState,
    Lifecycle,
    lifecycle,
)
from ..model.funding import Budget, CapacityOverride
from ..model.initiative import CostRange
from ..model.lifecycle import PAST_HORIZON
from ..model.quarter import add_quarters, fiscal_year_of, quarter_index

MAX_QUARTERS = 12


@dataclass(frozen=True)
class Standing:
    """Money and time of one initiative as of the roll quarter (plan versus actual)."""

    id: str
    status: str
    start: str | None
    finish: str | None
    planned_start: str | None
    planned_finish: str | None
    planned_cost: float
    planned_to_date: float
    """What the plan of record meant to spend before ``as_of``."""
    spent: float
    """Spent before ``as_of``: reported actuals plus, for quarters nobody reported, the plan."""
    assumed: float
    """The part of ``spent`` taken from the plan because the quarter had no actuals."""
    remaining: float
    """Cost still to spend (in-flight, approved); 0 for work that will not continue."""

    @property
    def variance(self) -> float:
        """Spent minus planned to date (positive: spending faster or more than planned)."""
        return self.spent - self.planned_to_date

    @property
    def estimate_at_completion(self) -> float:
        return self.spent + self.remaining

    @property
    def overrun(self) -> float | None:
        """Estimate at completion over the planned cost, minus one (0.3 = 30 % over)."""
        if self.status not in ("in-flight", "done") or self.planned_cost <= 0:
            return None
        return self.estimate_at_completion / self.planned_cost - 1.0

    @property
    def slip(self) -> int:
        if self.finish is None or self.planned_finish is None or self.status in (
                "cancelled", "rejected"):
            return 0
        return quarter_index(self.finish) - quarter_index(self.planned_finish)

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "variance": self.variance,
                "estimate_at_completion": self.estimate_at_completion,
                "overrun": self.overrun, "slip": self.slip}


@dataclass(frozen=True)
class Rolled:
    """The model rolled to ``as_of``: ``enterprise`` is what the optimizer plans."""

    as_of: str
    source: Enterprise
    enterprise: Enterprise
    lifecycle: Lifecycle
    standings: dict[str, Standing]
    fixed: dict[str, str]
    """Initiative → the start quarter the decisions fix it at in the rolled model."""
    delivered: list[dict[str, Any]] = field(default_factory=list)
    budgets: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def sunk(self) -> float:
        """Spend before ``as_of`` on all work (never counted again)."""
        return sum(s.spent for s in self.standings.values())


def _profile_at(it: Initiative, k: int) -> float:
    prof = it.profile
    return float(prof[k]) if 0 <= k < len(prof) else 0.0


def _spend_by_quarter(it: Initiative, st: InitiativeState, rows: list[Actual], clock: int,
                      reported: set[int]) -> tuple[dict[int, float], float]:
    """Spend of ``it`` per quarter before ``clock`` (actuals, else the plan where nobody
    reported), and how much of it was assumed from the plan."""
    out: dict[int, float] = {}
    for a in rows:
        q = quarter_index(a.quarter)
        if q < clock:
            out[q] = out.get(q, 0.0) + a.spent
    assumed = 0.0
    if st.start is not None and st.status in ("in-flight", "done", "cancelled"):
        s = quarter_index(st.start)
        end = clock
        if st.status == "cancelled" and st.cancelled_in is not None:
            end = min(end, quarter_index(st.cancelled_in) + 1)
        if st.finish is not None and st.status == "done":
            end = min(end, quarter_index(st.finish) + 1)
        for q in range(s, min(end, s + it.duration)):
            if q not in reported:
                amt = _profile_at(it, q - s)
                out[q] = out.get(q, 0.0) + amt
                assumed += amt
    return out, assumed


def _remaining(it: Initiative, st: InitiativeState, rows: list[Actual],
               spent_q: dict[int, float], clock: int) -> float:
    if st.status == "approved":
        return it.total_cost
    if st.status != "in-flight":
        return 0.0
    # this run's rows and spend only: work restarted after a cancel begins anew
    begun = quarter_index(st.start) if st.start is not None else -1
    rows = [a for a in rows if begun <= quarter_index(a.quarter) < clock]
    spent_q = {q: v for q, v in spent_q.items() if q >= begun}
    spent = sum(spent_q.values())
    if not rows:
        return max(0.0, it.total_cost - spent)
    last = max(rows, key=lambda a: quarter_index(a.quarter))
    lq = quarter_index(last.quarter)
    after = sum(v for q, v in spent_q.items() if q > lq)
    if last.remaining is not None:
        return max(0.0, last.remaining - after)
    if last.percent_complete is not None and last.percent_complete > 0:
        at_row = spent - after
        eac = at_row / (last.percent_complete / 100.0)
        return max(0.0, eac - spent)
    return max(0.0, it.total_cost - spent)


def roll(e: Enterprise, as_of: str, quarters: int | None = None) -> Rolled:
    """``e`` rolled to start planning at ``as_of`` (see the module docstring)."""
    try:
        clock = quarter_index(as_of)
    except ValueError:
        raise InputError(f"'{as_of}' is not a quarter like 2027Q3") from None
    if quarters is not None and not 4 <= quarters <= MAX_QUARTERS:
        raise InputError(f"a horizon of {quarters} quarters: give 4 to {MAX_QUARTERS}",
                         hint="--quarters sets the re-plan's horizon length")
    h = e.horizon
    if not quarter_index(h.start) <= clock <= quarter_index(h.end):
        # outside the horizon there is no budget line: the plan would be empty ("optimal,
        # value 0") or need money from years the model does not plan
        raise InputError(f"as of {as_of}: the quarter is outside the horizon "
                         f"{h.start}–{h.end}",
                         hint=PAST_HORIZON)
    lc = lifecycle(e, as_of)
    errors = [i for i in lc.issues if i.severity == "error"]
    if errors:
        raise ModelError(errors, source=f"the decisions and actuals up to {as_of}")
    reported = {quarter_index(a.quarter) for a in e.actuals if quarter_index(a.quarter) < clock}
    notes: list[str] = []
    standings: dict[str, Standing] = {}
    fixed: dict[str, str] = {}
    spend_q: dict[str, dict[int, float]] = {}
    new_inits: list[Initiative] = []
    done_ids: set[str] = set()
    length = quarters or e.horizon.quarters
    by_init: dict[str, list[Actual]] = {}
    for a in e.actuals:
        by_init.setdefault(a.initiative, []).append(a)

    for it in e.initiatives:
        st = lc[it.id]
        mine = by_init.get(it.id, [])
        sq, assumed = _spend_by_quarter(it, st, mine, clock, reported)
        spend_q[it.id] = sq
        planned_to_date = 0.0
        if st.planned_start is not None:
            ps = quarter_index(st.planned_start)
            planned_to_date = sum(_profile_at(it, q - ps) for q in range(ps, clock))
        rem = _remaining(it, st, mine, sq, clock)
        finish = st.finish
        if st.status == "approved" and st.start is not None:
            begin = max(quarter_index(st.start), clock)
            finish = add_quarters(as_of, begin - clock + it.duration - 1)
        standings[it.id] = Standing(
            it.id, st.status, st.start, finish, st.planned_start, st.planned_finish,
            it.total_cost, planned_to_date, sum(sq.values()), assumed, rem)
        base = dict(status="proposed", start=None, finished=None, deferred_until=None)
        if st.status == "done":
            done_ids.add(it.id)
            new_inits.append(it.model_copy(update={**base, "forbidden": True,
                                                   "mandatory": False}))
        elif st.status in ("rejected", "cancelled"):
            new_inits.append(it.model_copy(update={**base, "forbidden": True,
                                                   "mandatory": False}))
        elif st.status == "in-flight":
            assert st.finish is not None
            r = max(1, quarter_index(st.finish) - clock + 1)
            fixed[it.id] = as_of
            new_inits.append(it.model_copy(update={
                **base, "duration": r, "cost": rem, "cost_profile": None,
                "cost_range": _scaled_range(it, rem), "earliest_start": as_of,
                "latest_start": as_of, "deadline": None, "mandatory": True,
                "forbidden": False, "depends_on": ()}))
        elif st.status == "approved" and st.start is not None and \
                quarter_index(st.start) - clock >= length:
            notes.append(f"{it.id}: approved to start {st.start}, after this horizon; "
                         "kept out of this plan")
            new_inits.append(it.model_copy(update={**base, "forbidden": True,
                                                   "mandatory": False}))
        elif st.status == "approved":
            assert st.start is not None
            start = st.start if quarter_index(st.start) >= clock else as_of
            if start != st.start:
                notes.append(f"{it.id}: approved to start {st.start} but has not started; "
                             f"fixed at {as_of}")
            fixed[it.id] = start
            new_inits.append(it.model_copy(update={
                **base, "earliest_start": start, "latest_start": start, "deadline": None,
                "mandatory": True, "forbidden": False, "depends_on": ()}))
        else:  # proposed or deferred
            upd: dict[str, Any] = dict(base)
            earliest = it.earliest_start
            if st.status == "deferred" and st.until is not None and (
                    earliest is None or quarter_index(st.until) > quarter_index(earliest)):
                earliest = st.until
            if earliest is not None and quarter_index(earliest) <= clock:
                earliest = None
            upd["earliest_start"] = earliest
            for key in ("latest_start", "deadline"):
                q = getattr(it, key)
                if q is not None and quarter_index(q) < clock:
                    upd["forbidden"] = True
                    upd["mandatory"] = False
                    notes.append(f"{it.id}: its {key.replace('_', ' ')} {q} has passed")
            new_inits.append(it.model_copy(update=upd))

    # dependencies on finished work are met; fixed work keeps no exclusions among itself
    cleaned = []
    for it in new_inits:
        deps = tuple(d for d in it.depends_on if d not in done_ids)
        excl = tuple(x for x in it.excludes
                     if not (it.id in fixed and x in fixed) and x not in done_ids)
        cleaned.append(it.model_copy(update={"depends_on": deps, "excludes": excl})
                       if deps != it.depends_on or excl != it.excludes else it)
    new_inits = cleaned

    need = max([quarter_index(fixed[it.id]) - clock + it.duration
                for it in new_inits if it.id in fixed], default=0)
    if need > length:
        if need > MAX_QUARTERS:
            raise _too_long(new_inits, fixed, lc, clock, as_of, need)
        notes.append(f"horizon lengthened to {need} quarters to hold the fixed work")
        length = need
    horizon = Horizon(start=as_of, quarters=length)

    assessments, delivered = _delivered(e, lc, done_ids)
    retired = {a for i in done_ids for a in e.initiative(i).retires}
    apps = tuple(a.model_copy(update={"lifecycle": "retired"}) if a.id in retired else a
                 for a in e.applications)
    budgets, budget_notes = _roll_budgets(e, horizon, clock, spend_q)
    new_inits, budgets = _commit(new_inits, budgets, fixed, horizon, e.fiscal_year_start,
                                 budget_notes)
    new_inits, policy = _commit_teams(new_inits, e.policy, fixed, horizon, notes)

    rolled = e.model_copy(update={
        "horizon": horizon, "initiatives": tuple(new_inits), "assessments": assessments,
        "applications": apps, "budgets": budgets, "policy": policy, "decisions": (),
        "actuals": ()})
    return Rolled(as_of, e, rolled, lc, standings, fixed, delivered, budget_notes, notes)


def _too_long(inits: list[Initiative], fixed: dict[str, str], lc: Lifecycle, clock: int,
              as_of: str, need: int) -> InputError:
    """The refusal of fixed work running past the longest horizon, naming that work and
    where its end comes from (an actuals row's ``finish``, or the decided start)."""
    over = []
    for it in inits:
        if it.id not in fixed:
            continue
        end = quarter_index(fixed[it.id]) - clock + it.duration
        if end > MAX_QUARTERS:
            st = lc[it.id]
            last = add_quarters(fixed[it.id], it.duration - 1)
            over.append(f"'{it.id}' ({st.status}, to finish {last}"
                        + (" as its latest actuals row says" if st.status == "in-flight"
                           else f", decided to start {st.start}") + ")")
    return InputError(
        f"fixed work runs {need} quarters from {as_of}, beyond the {MAX_QUARTERS}-quarter "
        f"limit of a horizon: {', '.join(over)}",
        hint="correct a mistyped finish in actuals.csv, move approved work with "
             "force-start, or cancel it")


def _committed_use(inits: list[Initiative], fixed: dict[str, str], h: Horizon
                   ) -> tuple[dict[tuple[str, int], float], dict[tuple[str, int], float]]:
    """Spend per (pool, quarter) and team demand per (team, quarter) of the fixed work."""
    h0 = quarter_index(h.start)
    spend: dict[tuple[str, int], float] = {}
    teams: dict[tuple[str, int], float] = {}
    for it in inits:
        if it.id not in fixed:
            continue
        s = quarter_index(fixed[it.id]) - h0
        for k, amt in enumerate(it.profile):
            spend[(it.pool, s + k)] = spend.get((it.pool, s + k), 0.0) + float(amt)
        for td in it.team_demand:
            for t in range(s, s + it.duration):
                teams[(td.team, t)] = teams.get((td.team, t), 0.0) + td.amount
    return spend, teams


def _commit(inits: list[Initiative], budgets: tuple[Budget, ...], fixed: dict[str, str],
            h: Horizon, fy0: int, notes: list[dict[str, Any]]
            ) -> tuple[list[Initiative], tuple[Budget, ...]]:
    """Fixed work is committed: a budget line its spend alone overruns is raised to hold it
    (new work then gets nothing there), and a quarter it spends in without any line gets a
    line of its size — noted, instead of making every re-plan infeasible. When fixed work
    fits its budget nothing changes."""
    used, _ = _committed_use(inits, fixed, h)
    h0 = quarter_index(h.start)
    lines = list(budgets)
    covered: set[tuple[str, int]] = set()
    for k, b in enumerate(lines):
        if b.is_fiscal_year:
            fy = int(b.period[2:])
            ts = [t for t in range(h.quarters)
                  if fiscal_year_of(add_quarters(h.start, t), fy0) == fy]
            covered.update((b.pool, t) for t in ts)
            c = sum(used.get((b.pool, t), 0.0) for t in ts)
        else:
            t = quarter_index(b.period) - h0
            covered.add((b.pool, t))
            c = used.get((b.pool, t), 0.0)
        if c > b.amount:
            notes.append({"period": b.period, "pool": b.pool, "amount": b.amount,
                          "spent": c, "left": b.amount - c,
                          "note": "committed work overruns this line: raised to hold it, "
                                  "new work gets nothing here"})
            lines[k] = b.model_copy(update={"amount": c})
    for (pool, t), v in sorted(used.items()):
        if 0 <= t < h.quarters and (pool, t) not in covered and v > 0:
            q = add_quarters(h.start, t)
            notes.append({"period": q, "pool": pool, "amount": 0.0, "spent": v, "left": -v,
                          "note": "committed work spends here without a budget line: a line "
                                  "of its size is assumed"})
            lines.append(Budget(period=q, pool=pool, amount=v))
    return inits, tuple(lines)


def _commit_teams(inits: list[Initiative], policy: Any, fixed: dict[str, str], h: Horizon,
                  notes: list[str]) -> tuple[list[Initiative], Any]:
    """Fixed work keeps its teams: where its demand alone exceeds a team's capacity, the
    capacity is raised to hold it (new work gets none there; noted)."""
    if not policy.teams:
        return inits, policy
    _, used = _committed_use(inits, fixed, h)
    if not used:
        return inits, policy
    teams = []
    for tm in policy.teams:
        overrides = {o.quarter: o for o in tm.by_quarter}
        for t in range(h.quarters):
            u = used.get((tm.id, t), 0.0)
            q = add_quarters(h.start, t)
            cap = tm.capacity_in(q)
            if u > cap:
                notes.append(f"team {tm.id} in {q}: committed work needs {u:g}, capacity "
                             f"{cap:g}; raised to hold it, no capacity left for new work")
                overrides[q] = CapacityOverride(quarter=q, capacity=u)
        teams.append(tm.model_copy(update={"by_quarter": tuple(
            overrides[q] for q in sorted(overrides, key=quarter_index))}))
    return inits, policy.model_copy(update={"teams": tuple(teams)})


def _scaled_range(it: Initiative, remaining: float) -> CostRange | None:
    r = it.cost_range
    if r is None or it.total_cost <= 0:
        return None
    f = remaining / it.total_cost
    likely = r.likely if r.likely is not None else r.low
    return CostRange(low=r.low * f, likely=likely * f, high=r.high * f)


def _delivered(e: Enterprise, lc: Lifecycle, done: set[str]
               ) -> tuple[tuple[Any, ...], list[dict[str, Any]]]:
    """Assessments with the uplift of finished work added, and what was added."""
    h0 = quarter_index(e.horizon.start)
    bus = [b.id for b in e.business_units]
    add: dict[tuple[str, str], tuple[float, list[str]]] = {}
    out: list[dict[str, Any]] = []
    order = {it.id: k for k, it in enumerate(e.initiatives)}
    for iid in sorted(done, key=order.__getitem__):
        it = e.initiative(iid)
        st = lc[iid]
        delivered_from = (quarter_index(st.finish) + 1) if st.finish else h0
        for eff in it.effects:
            for b in eff.business_units or bus:
                a = e.assessment(eff.capability, b)
                if a is None or not a.assessed:
                    continue
                seen = (quarter_index(f"{a.date.year}Q{(a.date.month - 1) // 3 + 1}")
                        if a.date else h0)
                if seen >= delivered_from:
                    out.append({"initiative": iid, "capability": eff.capability,
                                "business_unit": b, "uplift": 0.0,
                                "note": "the assessment already shows it"})
                    continue
                u, by = add.get((eff.capability, b), (0.0, []))
                add[(eff.capability, b)] = (u + eff.uplift, [*by, iid])
                out.append({"initiative": iid, "capability": eff.capability,
                            "business_unit": b, "uplift": eff.uplift, "note": ""})
    rows = []
    for a in e.assessments:
        key = (a.capability, a.business_unit)
        if key in add and a.current is not None:
            rows.append(a.model_copy(update={"current": min(5.0, a.current + add[key][0])}))
        else:
            rows.append(a)
    return tuple(rows), out


def _roll_budgets(e: Enterprise, h: Horizon, clock: int, spend_q: dict[str, dict[int, float]]
                  ) -> tuple[tuple[Budget, ...], list[dict[str, Any]]]:
    fy0 = e.fiscal_year_start
    pool_of = {it.id: it.pool for it in e.initiatives}
    past: dict[tuple[str, int], float] = {}  # (pool, quarter) → spend before the clock
    for iid, per_q in spend_q.items():
        for q, v in per_q.items():
            key = (pool_of[iid], q)
            past[key] = past.get(key, 0.0) + v
    first_fy = fiscal_year_of(h.start, fy0)
    last_fy = fiscal_year_of(h.end, fy0)
    h_first, h_last = quarter_index(h.start), quarter_index(h.end)
    carry = e.policy.carry_over
    out: list[Budget] = []
    notes: list[dict[str, Any]] = []
    leftover: dict[tuple[str, int], float] = {}  # (pool, fiscal year or 0) → unspent
    for b in e.budgets:
        if b.is_fiscal_year:
            fy = int(b.period[2:])
            if not first_fy <= fy <= last_fy:
                if fy < first_fy:
                    notes.append({"period": b.period, "pool": b.pool, "amount": b.amount,
                                  "spent": None, "left": None, "note": "closed"})
                continue
            spent = sum(v for (p, q), v in past.items()
                        if p == b.pool and q < clock
                        and fiscal_year_of(_q(q), fy0) == fy)
            left = max(0.0, b.amount - spent)
            out.append(b.model_copy(update={"amount": left}))
            if spent > 0:
                notes.append({"period": b.period, "pool": b.pool, "amount": b.amount,
                              "spent": spent, "left": left,
                              "note": "actual spend counted against the fiscal year"})
            continue
        q = quarter_index(b.period)
        if q < clock:
            spent = past.get((b.pool, q), 0.0)
            notes.append({"period": b.period, "pool": b.pool, "amount": b.amount,
                          "spent": spent, "left": b.amount - spent, "note": "closed"})
            key = (b.pool, fiscal_year_of(b.period, fy0) if carry == "fiscal-year" else 0)
            leftover[key] = leftover.get(key, 0.0) + b.amount - spent
        elif h_first <= q <= h_last:
            out.append(b)
    if carry != "none" and leftover:
        for k, b in enumerate(out):
            if b.is_fiscal_year or quarter_index(b.period) != h_first:
                continue
            key = (b.pool, fiscal_year_of(b.period, fy0) if carry == "fiscal-year" else 0)
            if key in leftover:
                amt = max(0.0, b.amount + leftover[key])
                out[k] = b.model_copy(update={"amount": amt})
                notes.append({"period": b.period, "pool": b.pool, "amount": b.amount,
                              "spent": None, "left": amt,
                              "note": f"carries over {leftover[key]:,.6g} from closed "
                                      "quarters"})
    return tuple(out), notes


def _q(index: int) -> str:
    return f"{index // 4}Q{index % 4 + 1}"
