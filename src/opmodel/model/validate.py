"""Cross-entity validation rules: everything a single entity cannot check about itself.

:func:`validate` returns every issue at once, each with the element path it concerns
(``("capabilities", 13, "stage")``). Adapters turn paths into file locations. Codes:

========== ==========================================================================
E-DUP      an id (or a capability/unit pair, a budget period/pool, a usage row) is used
           twice
E-REF      a reference names nothing of that kind (an initiative's pool: no budget line;
           each unknown id is reported once, with the number of places naming it); a usage
           row naming a unit or capability its application does not list
E-HORIZON  a quarter outside the planning horizon
E-RANGE    bounds in the wrong order (latest start before earliest, …); usage shares of
           one unit and capability adding up to more than 1
E-DEADLINE the deadline cannot be met even when starting at the earliest start
E-PROFILE  a cost profile whose length is not the duration
E-CYCLE    initiatives that depend on each other in a circle
E-HIERARCHY capabilities that are each other's ancestors
E-CONFLICT mandatory and forbidden; an exclusion that can never hold, named from either
           side (both ends needed by mandatory work, one end depending on the other, a
           third depending on both); mandatory work depending on forbidden work
E-AHP      an AHP matrix that is not square, positive and reciprocal
W-NA       an effect on a capability the business unit marked n/a
W-AHP      an AHP matrix with consistency ratio above 0.1
W-STAGE    a child capability placed on another stage than its parent
W-DUP      an initiative listing the same id twice in depends_on, excludes or retires
W-BUDGET   a pool with no budget line for some quarters of the horizon (nothing to spend then)
========== ==========================================================================
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from difflib import get_close_matches
from typing import Any

from ..errors import Issue, PathPart
from .ahp import ahp_weights, consistency_ratio
from .enterprise import Enterprise
from .funding import FISCAL_YEAR_RE
from .quarter import fiscal_year_of, quarter_from_index, quarter_index
from .relations import exclusion_issues

Path = tuple[PathPart, ...]


class _Collector:
    """Collects issues. A reference to an unknown id is reported once per id, at its first
    place, with the number of other places naming it: an id whose definition was removed
    is one problem, not one per row that names it."""

    def __init__(self, also_known: Mapping[str, set[str]] | None = None) -> None:
        self.issues: list[Issue] = []
        self.also_known = also_known or {}
        self.unknown: dict[tuple[str, str], list[int]] = {}  # → [issue index, count]

    def add(self, code: str, message: str, path: Path, hint: str | None = None) -> None:
        self.issues.append(Issue(code, message, path, hint=hint))

    def ref(self, kind: str, value: str, known: dict[str, Any] | set[str], path: Path,
            owner: str) -> None:
        if value in known or value in self.also_known.get(kind, ()):
            return
        seen = self.unknown.get((kind, value))
        if seen is not None:
            seen[1] += 1
            return
        close = get_close_matches(value, list(known), n=1, cutoff=0.6)
        self.unknown[(kind, value)] = [len(self.issues), 1]
        self.add("E-REF", f"{owner} names unknown {kind} '{value}'", path,
                 hint=f"did you mean '{close[0]}'?" if close else None)

    def finish(self) -> list[Issue]:
        """The issues, each repeated unknown reference saying how often it recurs."""
        for (kind, value), (k, count) in self.unknown.items():
            if count > 1:
                i = self.issues[k]
                more = "place" if count == 2 else "places"
                self.issues[k] = Issue(
                    i.code, f"{i.message}; {count - 1} more {more} name it (listed once)",
                    i.path, hint=i.hint or f"define {kind} '{value}' or fix the references")
        return self.issues


def _duplicates(c: _Collector, table: str, kind: str, items: Iterable[Any]) -> None:
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item.id in seen:
            c.add("E-DUP", f"{kind} id '{item.id}' is used more than once", (table, i, "id"))
        seen.add(item.id)


def _find_cycle(graph: dict[str, Sequence[str]]) -> list[list[str]]:
    """Every elementary cycle reachable in ``graph``, one per strongly connected component
    (iterative; safe for deep chains). Each cycle starts at its smallest member."""
    color: dict[str, int] = {}
    cycles: list[list[str]] = []
    reported: set[frozenset[str]] = set()
    for root in graph:
        if color.get(root):
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        path: list[str] = [root]
        on_path = {root: 0}
        color[root] = 1
        while stack:
            node, k = stack[-1]
            succ = graph.get(node, ())
            if k < len(succ):
                stack[-1] = (node, k + 1)
                nxt = succ[k]
                if nxt not in graph:
                    continue
                if nxt in on_path:
                    cyc = path[on_path[nxt]:]
                    key = frozenset(cyc)
                    if key not in reported:
                        reported.add(key)
                        m = cyc.index(min(cyc))
                        cycles.append(cyc[m:] + cyc[:m])
                elif not color.get(nxt):
                    color[nxt] = 1
                    on_path[nxt] = len(path)
                    path.append(nxt)
                    stack.append((nxt, 0))
            else:
                stack.pop()
                path.pop()
                del on_path[node]
                color[node] = 2
    return cycles


def validate(e: Enterprise, also_known: Mapping[str, set[str]] | None = None) -> list[Issue]:
    """Every cross-entity problem of ``e`` (errors and warnings), unsorted, with paths.

    ``also_known`` names ids (by kind, e.g. ``{"initiative": {"x"}}``) that exist in the
    source but were left out because they are invalid: references to them are not reported.
    """
    c = _Collector(also_known)
    bus = e.ids("business unit")
    stages = e.ids("stage")
    caps = e.ids("capability")
    apps = e.ids("application")
    inits = e.ids("initiative")
    teams = e.ids("team")
    segments = e.ids("segment")
    h = e.horizon
    h0 = quarter_index(h.start)

    def in_horizon(q: str | None, path: Path, what: str) -> bool:
        if q is None:
            return True
        if not h.contains(q):
            c.add("E-HORIZON", f"{what} {q} is outside the horizon {h.start}–{h.end}", path,
                  hint="move it inside the horizon or widen horizon in enterprise.yaml")
            return False
        return True

    # -- unique ids --------------------------------------------------------------------
    _duplicates(c, "business_units", "business unit", e.business_units)
    _duplicates(c, "stages", "stage", e.stages)
    _duplicates(c, "capabilities", "capability", e.capabilities)
    _duplicates(c, "objectives", "objective", e.objectives)
    _duplicates(c, "segments", "segment", e.segments)
    _duplicates(c, "expectations", "expectation", e.expectations)
    _duplicates(c, "applications", "application", e.applications)
    _duplicates(c, "initiatives", "initiative", e.initiatives)
    seen_team: set[str] = set()
    for i, t in enumerate(e.policy.teams):
        if t.id in seen_team:
            c.add("E-DUP", f"team id '{t.id}' is used more than once",
                  ("policy", "teams", i, "id"))
        seen_team.add(t.id)
    seen_stage_order: dict[int, str] = {}
    for i, s in enumerate(e.stages):
        if s.order in seen_stage_order:
            c.add("E-DUP", f"stage '{s.id}' has the same order {s.order} as stage "
                  f"'{seen_stage_order[s.order]}'", ("stages", i, "order"))
        seen_stage_order.setdefault(s.order, s.id)

    # -- capabilities ------------------------------------------------------------------
    for i, cap in enumerate(e.capabilities):
        c.ref("stage", cap.stage, stages, ("capabilities", i, "stage"), f"capability '{cap.id}'")
        if cap.parent is not None:
            if cap.parent == cap.id:
                c.add("E-HIERARCHY", f"capability '{cap.id}' is its own parent",
                      ("capabilities", i, "parent"))
            elif cap.parent not in caps:
                c.ref("capability", cap.parent, caps, ("capabilities", i, "parent"),
                      f"capability '{cap.id}'")
            elif caps[cap.parent].stage != cap.stage and cap.stage in stages:
                c.add("W-STAGE", f"capability '{cap.id}' is on stage '{cap.stage}' but its "
                      f"parent '{cap.parent}' is on '{caps[cap.parent].stage}'",
                      ("capabilities", i, "stage"))
    parent_graph = {cap.id: [cap.parent] for cap in e.capabilities
                    if cap.parent is not None and cap.parent != cap.id}
    cap_pos = {cap.id: i for i, cap in reversed(list(enumerate(e.capabilities)))}
    for cyc in _find_cycle(parent_graph):
        c.add("E-HIERARCHY", "capability hierarchy has a cycle: "
              + " → ".join([*cyc, cyc[0]]), ("capabilities", cap_pos[cyc[0]], "parent"))

    # -- strategy and customers --------------------------------------------------------
    for i, o in enumerate(e.objectives):
        seen_kpi: set[str] = set()
        for k, kpi in enumerate(o.kpis):
            if kpi.id in seen_kpi:
                c.add("E-DUP", f"KPI id '{kpi.id}' is used twice in objective '{o.id}'",
                      ("objectives", i, "kpis", k, "id"))
            seen_kpi.add(kpi.id)
        for k, link in enumerate(o.links):
            c.ref("capability", link.capability, caps, ("objectives", i, "links", k,
                  "capability"), f"objective '{o.id}'")
    for i, x in enumerate(e.expectations):
        owner = f"expectation '{x.id}'"
        c.ref("segment", x.segment, segments, ("expectations", i, "segment"), owner)
        c.ref("stage", x.stage, stages, ("expectations", i, "stage"), owner)
        for k, cap_id in enumerate(x.capabilities):
            c.ref("capability", cap_id, caps, ("expectations", i, "capabilities", k), owner)

    # -- assessments -------------------------------------------------------------------
    seen_pair: set[tuple[str, str]] = set()
    na: set[tuple[str, str]] = set()
    for i, a in enumerate(e.assessments):
        owner = "assessment"
        c.ref("capability", a.capability, caps, ("assessments", i, "capability"), owner)
        c.ref("business unit", a.business_unit, bus, ("assessments", i, "business_unit"), owner)
        pair = (a.capability, a.business_unit)
        if pair in seen_pair:
            c.add("E-DUP", f"capability '{a.capability}' is assessed twice for business unit "
                  f"'{a.business_unit}'", ("assessments", i, "capability"))
        seen_pair.add(pair)
        if not a.applicable:
            na.add(pair)

    # -- applications ------------------------------------------------------------------
    for i, app in enumerate(e.applications):
        owner = f"application '{app.id}'"
        for k, b in enumerate(app.business_units):
            c.ref("business unit", b, bus, ("applications", i, "business_units", k), owner)
        for k, cap_id in enumerate(app.capabilities):
            c.ref("capability", cap_id, caps, ("applications", i, "capabilities", k), owner)
        if (app.functional_fit is None) != (app.technical_fit is None):
            have, lack = (("functional", "technical") if app.technical_fit is None
                          else ("technical", "functional"))
            c.add("W-FIT", f"{owner} has a {have} fit but no {lack} fit: its TIME class "
                  "stays 'not assessed'", ("applications", i, f"{lack}_fit"),
                  hint="give both fits (1–4), or neither until they are surveyed")
        dates = [(f, getattr(app, f)) for f in ("active_from", "phase_out_from", "retire_by")]
        given = [(f, q) for f, q in dates if q is not None]
        for (f1, q1), (f2, q2) in itertools.pairwise(given):
            if quarter_index(q2) < quarter_index(q1):
                c.add("E-RANGE", f"{owner}: {f2} {q2} is before {f1} {q1}",
                      ("applications", i, f2))
    seen_fit: set[tuple[str, str]] = set()
    for i, fit in enumerate(e.application_fits):
        c.ref("application", fit.application, apps, ("application_fits", i, "application"),
              "application fit")
        c.ref("business unit", fit.business_unit, bus,
              ("application_fits", i, "business_unit"), "application fit")
        key = (fit.application, fit.business_unit)
        if key in seen_fit:
            c.add("E-DUP", f"application '{fit.application}' has two fit rows for business "
                  f"unit '{fit.business_unit}'", ("application_fits", i, "application"))
        seen_fit.add(key)

    _validate_usage(c, e, apps, bus, caps)

    # -- budgets and policy ------------------------------------------------------------
    seen_budget: set[tuple[str, str]] = set()
    years = {(h0 + k) // 4 for k in range(h.quarters)}
    for i, b in enumerate(e.budgets):
        key = (b.period, b.pool)
        if key in seen_budget:
            c.add("E-DUP", f"two budget lines for pool '{b.pool}' in {b.period}",
                  ("budgets", i, "period"))
        seen_budget.add(key)
        m = FISCAL_YEAR_RE.match(b.period)
        if m:
            if int(m.group(1)) not in years and int(m.group(1)) - 1 not in years:
                c.add("E-HORIZON", f"budget period {b.period} does not overlap the horizon "
                      f"{h.start}–{h.end}", ("budgets", i, "period"))
        else:
            in_horizon(b.period, ("budgets", i, "period"), "budget quarter")
    _budget_gaps(c, e, h0, h.quarters)
    for i, t in enumerate(e.policy.teams):
        for k, o in enumerate(t.by_quarter):
            in_horizon(o.quarter, ("policy", "teams", i, "by_quarter", k, "quarter"),
                       f"capacity of team '{t.id}' in")
    mins = sum(g.min_share or 0 for g in e.policy.guardrails if g.scope == "horizon")
    if mins > 1 + 1e-9:
        c.add("E-RANGE", f"guardrail minimum shares add up to {mins:.0%}, above 100 %",
              ("policy", "guardrails"))
    pools = set(e.pools)

    # -- initiatives -------------------------------------------------------------------
    for i, it in enumerate(e.initiatives):
        owner = f"initiative '{it.id}'"
        p: Path = ("initiatives", i)
        c.ref("business unit", it.owner, bus, (*p, "owner"), owner)
        if it.pool not in pools and it.total_cost > 0 and not it.forbidden:
            close = get_close_matches(it.pool, list(pools), n=1, cutoff=0.6)
            c.add("E-REF", f"{owner} draws on pool '{it.pool}', which has no budget lines",
                  (*p, "pool"), hint=f"did you mean '{close[0]}'?" if close else
                  "add budget lines for it in budgets.csv or change the pool")
        for k, eff in enumerate(it.effects):
            c.ref("capability", eff.capability, caps, (*p, "effects", k, "capability"), owner)
            for m_, b in enumerate(eff.business_units):
                c.ref("business unit", b, bus, (*p, "effects", k, "business_units", m_), owner)
            targets = eff.business_units or tuple(bus)
            for b in targets:
                if (eff.capability, b) in na:
                    c.add("W-NA", f"{owner} raises capability '{eff.capability}' in business "
                          f"unit '{b}', which marked it n/a", (*p, "effects", k, "capability"))
        for key in ("depends_on", "excludes", "retires"):
            seen: set[str] = set()
            for k, x in enumerate(getattr(it, key)):
                if x in seen:
                    c.add("W-DUP", f"{owner} lists '{x}' twice in {key}", (*p, key, k),
                          hint="once is enough: the second is ignored")
                seen.add(x)
        for k, app_id in enumerate(it.retires):
            c.ref("application", app_id, apps, (*p, "retires", k), owner)
        for k, d in enumerate(it.depends_on):
            if d == it.id:
                c.add("E-CYCLE", f"{owner} depends on itself", (*p, "depends_on", k))
            else:
                c.ref("initiative", d, inits, (*p, "depends_on", k), owner)
        for k, x in enumerate(it.excludes):
            if x == it.id:
                c.add("E-CONFLICT", f"{owner} excludes itself", (*p, "excludes", k))
            else:
                c.ref("initiative", x, inits, (*p, "excludes", k), owner)
        for k, td in enumerate(it.team_demand):
            c.ref("team", td.team, teams, (*p, "team_demand", k, "team"), owner)
        if it.cost_profile is not None and len(it.cost_profile) != it.duration:
            c.add("E-PROFILE", f"{owner} has a cost profile of {len(it.cost_profile)} "
                  f"quarter(s) but a duration of {it.duration}", (*p, "cost_profile"),
                  hint="give one amount per quarter of the duration")
        if it.cost_profile is not None and it.cost is not None and \
                abs(sum(it.cost_profile) - it.cost) > 1e-6 * max(1.0, it.cost):
            c.add("E-PROFILE", f"{owner}: cost {it.cost:g} differs from the sum of its cost "
                  f"profile {sum(it.cost_profile):g}", (*p, "cost"),
                  hint="give only one of them")
        ok = [in_horizon(it.earliest_start, (*p, "earliest_start"), "earliest start"),
              in_horizon(it.latest_start, (*p, "latest_start"), "latest start"),
              in_horizon(it.deadline, (*p, "deadline"), "deadline")]
        if all(ok):
            earliest = quarter_index(it.earliest_start or h.start)
            if it.latest_start is not None and quarter_index(it.latest_start) < earliest:
                c.add("E-RANGE", f"{owner}: latest start {it.latest_start} is before earliest "
                      f"start {it.earliest_start}", (*p, "latest_start"))
            if it.deadline is not None and earliest + it.duration - 1 > quarter_index(it.deadline):
                c.add("E-DEADLINE", f"{owner} cannot meet its deadline {it.deadline}: starting "
                      f"at {it.earliest_start or h.start} its {it.duration} quarter(s) run to "
                      f"{_q(earliest + it.duration - 1)}", (*p, "deadline"),
                      hint="start earlier, shorten it or move the deadline")
        if it.mandatory and it.forbidden:
            c.add("E-CONFLICT", f"{owner} is both mandatory and forbidden", (*p, "forbidden"))

    # relations between initiatives: exclusions checked from both sides (the optimizer
    # treats 'a excludes b' and 'b excludes a' alike), through chains of dependencies
    pos = {it.id: i for i, it in reversed(list(enumerate(e.initiatives)))}
    c.issues.extend(exclusion_issues(e, pos))
    dep_graph = {it.id: [d for d in it.depends_on if d != it.id] for it in e.initiatives}
    for cyc in _find_cycle(dep_graph):
        i = pos[cyc[0]]
        k = e.initiatives[i].depends_on.index(cyc[1]) if len(cyc) > 1 else 0
        c.add("E-CYCLE", "initiatives depend on each other in a cycle: "
              + " → ".join([*cyc, cyc[0]]), ("initiatives", i, "depends_on", k))

    _validate_scoring(c, e)
    _validate_cycle(c, e, bus, caps)
    return c.finish()


def _validate_usage(c: _Collector, e: Enterprise, apps: dict[str, Any],
                    bus: dict[str, Any], caps: dict[str, Any]) -> None:
    """Usage rows: known ids, an application used where it serves (its own units and
    capabilities), one row per application, unit and capability, and the shares of one
    unit and capability adding up to at most 1."""
    seen: set[tuple[str, str, str]] = set()
    shares: dict[tuple[str, str], float] = {}
    for i, u in enumerate(e.usage):
        owner = "usage"
        c.ref("application", u.application, apps, ("usage", i, "application"), owner)
        c.ref("business unit", u.business_unit, bus, ("usage", i, "business_unit"), owner)
        c.ref("capability", u.capability, caps, ("usage", i, "capability"), owner)
        app = apps.get(u.application)
        if app is not None:
            if u.business_unit in bus and u.business_unit not in app.business_units:
                c.add("E-REF", f"usage: application '{app.id}' does not serve business unit "
                      f"'{u.business_unit}'", ("usage", i, "business_unit"),
                      hint=f"add '{u.business_unit}' to the business_units of '{app.id}' "
                      "in applications.csv, or fix the row")
            if u.capability in caps and u.capability not in app.capabilities:
                c.add("E-REF", f"usage: application '{app.id}' does not support capability "
                      f"'{u.capability}'", ("usage", i, "capability"),
                      hint=f"add '{u.capability}' to the capabilities of '{app.id}' in "
                      "applications.csv, or fix the row")
        key = (u.application, u.business_unit, u.capability)
        if key in seen:
            c.add("E-DUP", f"usage of application '{u.application}' by business unit "
                  f"'{u.business_unit}' for capability '{u.capability}' is listed twice",
                  ("usage", i, "application"), hint="keep one row")
        seen.add(key)
        if u.share is not None:
            pair = (u.business_unit, u.capability)
            before = shares.get(pair, 0.0)
            shares[pair] = before + u.share
            if before <= 1 + 1e-9 < shares[pair]:  # reported once, where it goes over
                c.add("E-RANGE", f"usage shares of capability '{u.capability}' in business "
                      f"unit '{u.business_unit}' add up to {shares[pair]:.0%} here, above "
                      "100 %", ("usage", i, "share"),
                      hint="a share is the part of the unit's work on the capability the "
                      "application carries; lower the shares")


def _validate_cycle(c: _Collector, e: Enterprise, bus: dict[str, Any],
                    caps: dict[str, Any]) -> None:
    """Decisions, actuals (the lifecycle rules of :mod:`.lifecycle`) and the history."""
    if e.decisions or e.actuals:
        from .lifecycle import lifecycle  # loaded only for a model with a record to check

        c.issues.extend(lifecycle(e, also_known=c.also_known).issues)
    seen: set[tuple[str, str, str]] = set()
    for i, a in enumerate(e.assessment_history):
        c.ref("capability", a.capability, caps, ("assessment_history", i, "capability"),
              "assessment history")
        c.ref("business unit", a.business_unit, bus, ("assessment_history", i,
              "business_unit"), "assessment history")
        key = (a.capability, a.business_unit, a.cycle)
        if key in seen:
            c.add("E-DUP", f"two history rows for {a.capability} × {a.business_unit} in "
                  f"{a.cycle}", ("assessment_history", i, "cycle"))
        seen.add(key)


def validate_scoring(e: Enterprise) -> list[Issue]:
    """Only the scoring rules (E-AHP, W-AHP) of :func:`validate`."""
    c = _Collector()
    _validate_scoring(c, e)
    return c.issues


def _q(index: int) -> str:
    return f"{index // 4}Q{index % 4 + 1}"


CONSISTENT = 0.1 - 1e-6
"""A consistency ratio below this (in plain Python) is below 0.1 by numpy's too."""


def _validate_scoring(c: _Collector, e: Enterprise) -> None:
    ahp = e.scoring.ahp
    if ahp is None:
        return
    p: Path = ("scoring", "ahp", "matrix")
    n = len(ahp.criteria)
    if len(set(ahp.criteria)) != n:
        c.add("E-AHP", "AHP criteria are repeated", ("scoring", "ahp", "criteria"))
        return
    rows = ahp.matrix
    if len(rows) != n or any(len(r) != n for r in rows):
        shape = f"{len(rows)}×" + "/".join(str(len(r)) for r in rows)
        c.add("E-AHP", f"AHP matrix must be {n}×{n} for criteria {', '.join(ahp.criteria)}"
              f" (it is {shape})", p)
        return
    a = [[float(x) for x in row] for row in rows]
    bad = False
    for i in range(n):
        for j in range(n):
            if a[i][j] <= 0:
                c.add("E-AHP", f"AHP judgement {ahp.criteria[i]} vs {ahp.criteria[j]} is "
                      f"{a[i][j]:g}; judgements must be positive", (*p, i, j))
                bad = True
            elif i == j and abs(a[i][j] - 1) > 1e-9:
                c.add("E-AHP", f"AHP diagonal entry for {ahp.criteria[i]} must be 1", (*p, i, j))
                bad = True
            elif i < j and a[j][i] > 0 and abs(a[i][j] * a[j][i] - 1) > 0.02:
                c.add("E-AHP", f"AHP matrix is not reciprocal: {ahp.criteria[i]} vs "
                      f"{ahp.criteria[j]} is {a[i][j]:g} but the reverse is {a[j][i]:g} "
                      f"(expected {1 / a[i][j]:.3g})", (*p, j, i))
                bad = True
    if bad:
        return
    if consistency_ratio(a) < CONSISTENT:
        return  # consistent, decided without numpy; near or above 0.1, numpy's numbers:
    res = ahp_weights(a)
    if res.cr > 0.1:
        hint = None
        if res.worst is not None:
            i, j = res.worst
            hint = (f"the most inconsistent judgement is {ahp.criteria[i]} vs "
                    f"{ahp.criteria[j]} = {a[i][j]:g}")
        c.add("W-AHP", f"AHP consistency ratio is {res.cr:.3f}, above 0.1", p, hint=hint)


def _budget_gaps(c: Any, e: Enterprise, h0: int, quarters: int) -> None:
    """W-BUDGET: a pool with no budget line (of its quarter or its fiscal year) for some
    quarters of the horizon has nothing to spend then but what carries over, which is what
    a horizon extended without new lines silently plans (docs/cycle.md, A new horizon)."""
    horizon = [quarter_from_index(h0 + k) for k in range(quarters)]
    lines: dict[str, list[int]] = {}
    for i, b in enumerate(e.budgets):
        lines.setdefault(b.pool, []).append(i)
    for pool, rows in lines.items():
        covered: set[str] = set()
        for i in rows:
            m = FISCAL_YEAR_RE.match(e.budgets[i].period)
            if m:
                covered.update(q for q in horizon
                               if fiscal_year_of(q, e.fiscal_year_start) == int(m.group(1)))
            else:
                covered.add(e.budgets[i].period)
        missing = [q for q in horizon if q not in covered]
        if missing:
            shown = ", ".join(missing[:4]) + (f" and {len(missing) - 4} more"
                                              if len(missing) > 4 else "")
            c.add("W-BUDGET", f"pool '{pool}' has no budget line for {shown} of the horizon: "
                  "nothing can be spent from it then but what carries over",
                  ("budgets", rows[-1], "period"),
                  hint="add those quarters' lines to budgets.csv (an amount of 0 says it is "
                  "meant)")
