"""Appending to the record: one decision, or one batch of actuals. Each returns a new
:class:`Enterprise` or raises :class:`~opmodel.errors.ModelError` with every problem the
change would bring (nothing is changed: models are frozen; writing is the caller's job)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from ..errors import Issue, ModelError
from ..model import Actual, Against, Decision, Enterprise, Review, lifecycle
from ..model.lifecycle import PAST_HORIZON
from ..model.quarter import quarter_index


def _pydantic(exc: ValidationError, prefix: tuple[Any, ...]) -> list[Issue]:
    """Pydantic's errors on a decision in the words the model files use: a quarter or id
    that is not one (E-QUARTER, E-ID), an empty field (E-MISSING), a word that is not one of
    the allowed ones (E-VALUE, with "did you mean"); never a regular expression."""
    from difflib import get_close_matches

    from ..model.base import PATTERN_ISSUES

    out = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        etype = str(err["type"])
        where = ".".join(str(p) for p in loc) or "decision"
        value = err.get("input")
        ctx = err.get("ctx") or {}
        hint = None
        if etype.startswith(("E-", "W-")):
            code, msg = etype, f"{where}: {err['msg']}"
        elif etype == "string_pattern_mismatch" and ctx.get("pattern") in PATTERN_ISSUES:
            code, template = PATTERN_ISSUES[ctx["pattern"]]
            msg = f"{where}: " + template.replace("{value}", str(value)[:80])
        elif etype in ("string_too_short", "missing"):
            code, msg = "E-MISSING", f"{where}: must not be empty"
        elif etype == "literal_error":
            code = "E-VALUE"
            msg = f"{where}: '{str(value)[:80]}' is not one of {ctx.get('expected', '')}"
            options = [o.strip(" '") for o in str(ctx.get("expected", "")).replace(
                " or ", ", ").split(",")]
            close = get_close_matches(str(value), options, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else None
        else:
            code, msg = "E-VALUE", f"{where}: {err['msg']}"
        out.append(Issue(code, msg, (*prefix, *loc), hint=hint))
    return out


def next_decision_id(e: Enterprise, cycle: str, initiative: str) -> str:
    """``2027q3-crm-consolidation`` (with ``-2``, ``-3`` … when taken)."""
    base = f"{cycle.lower()}-{initiative}"
    taken = {d.id for d in e.decisions}
    if base not in taken:
        return base
    k = 2
    while f"{base}-{k}" in taken:
        k += 1
    return f"{base}-{k}"


def decision_horizon_issues(e: Enterprise, d: Decision, at: tuple[Any, ...]) -> list[Issue]:
    """E-HORIZON when the cycle of a new decision ``d`` lies outside the horizon of ``e``:
    no re-plan, recommendation or pricing can be made there (a mistyped year, most likely).
    The one rule every surface that records a decision applies (``at``: the decision's
    path, e.g. ``("decisions", 12)``)."""
    h = e.horizon
    if quarter_index(h.start) <= quarter_index(d.cycle) <= quarter_index(h.end):
        return []
    side = "before" if quarter_index(d.cycle) < quarter_index(h.start) else "after"
    return [Issue("E-HORIZON", f"decision '{d.id}' is of cycle {d.cycle}, {side} the horizon "
                  f"{h.start}–{h.end}", (*at, "cycle"), hint=PAST_HORIZON)]


def actual_horizon_issues(e: Enterprise, a: Actual, at: tuple[Any, ...]) -> list[Issue]:
    """E-HORIZON when a new actuals row ``a`` is of a quarter after the horizon of ``e`` (no
    re-plan could ever start after it); ``at`` is the row's path. Spend before the horizon
    is history and allowed."""
    h = e.horizon
    if quarter_index(a.quarter) <= quarter_index(h.end):
        return []
    return [Issue("E-HORIZON", f"actuals for '{a.initiative}' in {a.quarter}, after the "
                  f"horizon {h.start}–{h.end}", (*at, "quarter"), hint=PAST_HORIZON)]


def meeting(cycle: Any = None, date: Any = None, today: dt.date | None = None
            ) -> tuple[str, dt.date]:
    """The (cycle, date) of a decision from what was given: ``date`` a date or ISO text
    (default ``today``), ``cycle`` a quarter (default the quarter of the date). Either one
    that is not what it should be is refused as the decision's own field would be
    (:class:`ModelError`, paths ``("decision", "date")``/``("decision", "cycle")``)."""
    from ..model.lifecycle import quarter_of_date

    day = date if date is not None else (today or dt.date.today())
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        try:
            day = dt.date.fromisoformat(str(day)) if isinstance(day, str) else None
        except ValueError:
            day = None
        if day is None:
            raise ModelError([Issue("E-VALUE", f"date: '{str(date)[:40]}' is not a date like "
                                    "2027-07-14", ("decision", "date"))],
                             source="the decision")
    return (quarter_of_date(day) if cycle is None else cycle), day


def check_decision(initiative: str, action: str, **fields: Any) -> Decision:
    """The decision ``fields`` make, checked on its own (types, quarters, the action, empty
    names): :class:`ModelError` with paths ``("decision", field)``. ``id`` defaults to a
    placeholder; the rules that need the model are :func:`decide`'s."""
    data = {"id": "decision", **fields, "initiative": initiative, "action": action}
    try:
        return Decision.model_validate({k: v for k, v in data.items() if v is not None})
    except ValidationError as exc:
        raise ModelError(_pydantic(exc, ("decision",)), source="the decision") from None


def decide(e: Enterprise, initiative: str, action: str, *, by: str, role: str,
           cycle: str, date: dt.date, rationale: str | None = None, start: str | None = None,
           until: str | None = None, review: Review | dict[str, Any] | None = None,
           against: Against | dict[str, Any] | None = None, id: str | None = None,
           decision_makers: Sequence[str] = (), consulted: Sequence[str] = (),
           informed: Sequence[str] = (), supersedes: str | None = None
           ) -> tuple[Enterprise, Decision]:
    """``e`` with one more decision at the end of its record, and that decision.

    Refuses (``ModelError``; issue paths ``("decision", field)``) a decision that does not
    validate, names an unknown initiative, is not allowed from the initiative's status at
    ``cycle`` (E-TRANSITION), departs from the recommendation without a rationale, or breaks
    the append-only order.
    """
    fields = dict(date=date, cycle=cycle, start=start, until=until, by=by, role=role,
                  rationale=rationale, review=review, against=against,
                  decision_makers=tuple(decision_makers), consulted=tuple(consulted),
                  informed=tuple(informed), supersedes=supersedes)
    # checked before the default id is made of it: a cycle that is not a quarter (a number,
    # a typo) is refused as such, never a crash
    d = check_decision(initiative, action, **fields, **({"id": id} if id is not None else {}))
    if id is None:
        d = d.model_copy(update={"id": next_decision_id(e, d.cycle, initiative)})
    new = e.model_copy(update={"decisions": (*e.decisions, d)})
    k = len(e.decisions)
    issues = [i for i in lifecycle(new).issues if i.severity == "error"]
    issues += decision_horizon_issues(e, d, ("decisions", k))
    mine = [Issue(i.code, i.message, ("decision", *i.path[2:]), hint=i.hint)
            if i.path[:2] == ("decisions", k) else i for i in issues]
    if mine:
        raise ModelError(mine, source="the decision")
    return new, d


def merge_actuals(e: Enterprise, rows: Sequence[Actual]) -> Enterprise:
    """``e`` with ``rows`` merged into its actuals: a row replaces the row of the same quarter
    and initiative, others are added; sorted by quarter, then as given.

    Refuses (``ModelError``) rows that name unknown initiatives, repeat a quarter and
    initiative, or spend on an initiative after the cycle that cancelled it; issue paths
    ``("actuals", j, field)`` index ``rows``.
    """
    keys = {(a.quarter, a.initiative) for a in rows}
    kept = [a for a in e.actuals if (a.quarter, a.initiative) not in keys]
    merged = sorted([*kept, *rows], key=lambda a: quarter_index(a.quarter))
    new = e.model_copy(update={"actuals": tuple(merged)})
    where = {id(a): j for j, a in enumerate(rows)}
    issues = []
    for j, a in enumerate(rows):  # a typed 2099Q3: no re-plan could ever start after it
        issues += actual_horizon_issues(e, a, ("actuals", j))
    for i in lifecycle(new).issues:
        if i.severity != "error":
            continue
        if i.path[:1] == ("actuals",) and isinstance(i.path[1], int):
            row = merged[i.path[1]]
            if id(row) in where:
                issues.append(Issue(i.code, i.message, ("actuals", where[id(row)], *i.path[2:]),
                                    hint=i.hint))
                continue
            issues.append(Issue(i.code, i.message, ("model", *i.path), hint=i.hint))
            continue
        issues.append(i)
    if issues:
        raise ModelError(issues, source="the actuals")
    return new


def actuals_warnings(merged: Enterprise, rows: Sequence[Actual]) -> list[Issue]:
    """The warnings ``rows`` bring into ``merged`` (what :func:`merge_actuals` made of them):
    spend on an initiative never approved (W-ACTUAL), …; paths ``("actuals", j, field)``
    index ``rows``, as the refusals do."""
    where = {id(a): j for j, a in enumerate(rows)}
    out = _unreported(merged, rows)
    for i in lifecycle(merged).issues:
        if i.severity == "error" or i.path[:1] != ("actuals",) or not isinstance(
                i.path[1], int) or i.path[1] >= len(merged.actuals):
            continue
        j = where.get(id(merged.actuals[i.path[1]]))
        if j is not None:
            out.append(Issue(i.code, i.message, ("actuals", j, *i.path[2:]), hint=i.hint))
    return out


def _unreported(merged: Enterprise, rows: Sequence[Actual]) -> list[Issue]:
    """W-UNREPORTED per quarter of ``rows``: the work in flight (or due to start) in it that
    has no row for it. A reported quarter counts such work as spending nothing: in-flight
    work then finishes as planned on half its money, approved work slips — right when it
    did not spend, a quiet error when its row was forgotten. Path ``("actuals",)``: the
    file as a whole."""
    out = []
    for quarter in sorted({a.quarter for a in rows}, key=quarter_index):
        has_row = {a.initiative for a in merged.actuals if a.quarter == quarter}
        states = lifecycle(merged, quarter).states  # as the quarter began
        missing = [iid for iid, st in states.items() if iid not in has_row and (
            st.status == "in-flight" or (st.status == "approved" and st.start is not None
                                         and quarter_index(st.start) <= quarter_index(
                                             quarter)))]
        if missing:
            out.append(Issue(
                "W-UNREPORTED", f"{quarter} has no row for {len(missing)} initiative(s) in "
                f"flight or due to start in it: {', '.join(missing)}; a reported quarter "
                "counts them as spending nothing (in-flight work then finishes as planned, "
                "approved work slips)", ("actuals",),
                hint="add their rows (spent 0 when they did not spend) to say so"))
    return out


def archive_assessments(e: Enterprise, cycle: str) -> Enterprise:
    """``e`` with its current assessments kept in the history as they stand in ``cycle``
    (replacing history rows of that cycle) — call it before a new assessment round
    overwrites assessments.csv, so the heat-map trend keeps the old values."""
    from ..model import AssessmentRecord

    try:
        quarter_index(cycle)
    except ValueError:
        from ..errors import InputError

        raise InputError(f"'{cycle}' is not a quarter like 2027Q3") from None
    if quarter_index(cycle) > quarter_index(e.horizon.end):  # as decisions and actuals
        from ..errors import InputError

        raise InputError(f"cycle {cycle} is after the horizon {e.horizon.start}–"
                         f"{e.horizon.end}", hint=PAST_HORIZON)
    later = [a for a in e.assessments if a.date is not None
             and quarter_index(f"{a.date.year}Q{(a.date.month - 1) // 3 + 1}")
             > quarter_index(cycle)]
    if later:  # they did not stand so then: a new round was merged before the archive
        from ..errors import InputError

        newest = max(a.date for a in later if a.date is not None)
        raise InputError(
            f"the current assessments cannot be kept as they stood in {cycle}: {len(later)} "
            f"of them are dated after it (up to {newest.isoformat()}, e.g. "
            f"{later[0].capability} × {later[0].business_unit})",
            hint="archive a cycle before a new round (survey merge) replaces them; give the "
                 "cycle they stand for now, or restore that cycle's assessments first")
    kept = [r for r in e.assessment_history if r.cycle != cycle]
    new = [AssessmentRecord.model_validate({**a.model_dump(), "cycle": cycle})
           for a in e.assessments]
    order = sorted([*kept, *new], key=lambda r: quarter_index(r.cycle))
    return e.model_copy(update={"assessment_history": tuple(order)})
