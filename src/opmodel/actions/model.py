"""The actions on the model: assessments, initiatives, the portfolio office's budgets,
policy, decisions and actuals, the architecture, surveys."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from typing import Any

from ..errors import (
    ExistsError,
    InputError,
    Issue,
    ModelError,
    UnknownIdError,
)
from ..store import rows as R
from ..store.store import Current, Store
from ..store.users import User
from ._write import Written, _check_fields, _check_key, _store, _write, check_right


# -- assessments --------------------------------------------------------------------------
def set_assessment(store: Store | str, actor: User, capability: str, business_unit: str,
                   fields: Mapping[str, Any], *, version: int | None = None,
                   why: str | None = None, request_id: str | None = None) -> Written:
    """Create or change the assessment of ``capability`` in ``business_unit``.

    ``fields``: any of current, target, pain, confidence, assessor, date, notes (``"n/a"``
    in current and target marks the capability not applicable). ``version``: the version
    the change is based on (0 or None for a new assessment; None skips the check)."""
    check_right(actor, "set_assessment", (business_unit,))
    _check_key("assessments", f"{capability}/{business_unit}")
    _check_fields("assessments", f"{capability}/{business_unit}", fields)
    f = dict(fields)
    for k in ("capability", "business_unit"):
        if k in f and f[k] != locals()[k]:
            raise ModelError([Issue("E-VALUE", f"{k} cannot be changed", ("assessments", k))
                              .at(f"assessments[{capability}/{business_unit}].{k}")])
    cur, tgt = f.get("current"), f.get("target")
    if (isinstance(cur, str) and cur.strip().lower() in ("n/a", "na")) or \
            (isinstance(tgt, str) and tgt.strip().lower() in ("n/a", "na")):
        f.update(applicable=False, current=None, target=None)
    elif "current" in f or "target" in f:
        f.setdefault("applicable", None)  # back to the default (applicable)
    f.update(capability=capability, business_unit=business_unit)
    return _write(store, actor, "set_assessment", "assessments",
                  f"{capability}/{business_unit}", f, version=version, why=why,
                  request_id=request_id)


# -- initiatives --------------------------------------------------------------------------
def propose_initiative(store: Store | str, actor: User, initiative: Mapping[str, Any], *,
                       why: str | None = None, request_id: str | None = None) -> Written:
    """Add a new initiative (all its fields, ``id`` included); a bu-lead only for a unit
    of theirs as ``owner``."""
    _check_fields("initiatives", "new", initiative)
    data = {k: v for k, v in initiative.items() if v is not None}
    check_right(actor, "propose_initiative", (str(data.get("owner", "")),))
    key = str(data.get("id", ""))
    if not key:
        raise ModelError([Issue("E-MISSING", "required field 'id' is missing",
                                ("initiatives", "", "id")).at("initiatives[].id")])
    return _write(store, actor, "propose_initiative", "initiatives", key, data,
                  version=None, why=why, request_id=request_id, replace=True,
                  create_only=True)


def update_initiative(store: Store | str, actor: User, id: str, fields: Mapping[str, Any],
                      *, version: int | None = None, why: str | None = None,
                      request_id: str | None = None) -> Written:
    """Change fields of initiative ``id``; a bu-lead only for an initiative their unit owns
    (and may not hand it to another unit)."""
    check_right(actor, "update_initiative")
    new_owner = fields.get("owner")

    def units(before: Current | None) -> tuple[str, ...]:
        if before is None:
            raise UnknownIdError("initiative", id)
        return tuple(dict.fromkeys([str(before.data.get("owner", "")),
                                    *([str(new_owner)] if new_owner else [])]))

    return _write(store, actor, "update_initiative", "initiatives", id, fields,
                  version=version, why=why, request_id=request_id, units=units)


# -- the portfolio office --------------------------------------------------------------------
def set_budget(store: Store | str, actor: User, period: str, amount: float,
               pool: str = "enterprise", *, version: int | None = None,
               why: str | None = None, request_id: str | None = None) -> Written:
    """Set the budget of ``pool`` in ``period`` (a quarter or FY2027); created if new."""
    check_right(actor, "set_budget")
    data = {"period": period, "amount": amount}
    if pool != "enterprise":
        data["pool"] = pool
    return _write(store, actor, "set_budget", "budgets", f"{period}/{pool}", data,
                  version=version, why=why, request_id=request_id, replace=True)


def set_policy(store: Store | str, actor: User, fields: Mapping[str, Any], *,
               version: int | None = None, why: str | None = None,
               request_id: str | None = None) -> Written:
    """Change the portfolio policy (carry_over, guardrails, teams)."""
    check_right(actor, "set_policy")
    return _write(store, actor, "set_policy", "policy", "policy", fields, version=version,
                  why=why, request_id=request_id)


def set_settings(store: Store | str, actor: User, fields: Mapping[str, Any], *,
                 version: int | None = None, why: str | None = None,
                 request_id: str | None = None) -> Written:
    """Change the enterprise settings (name, description, currency, unit, horizon,
    fiscal_year_start, scoring): a partial update, ``{"horizon": {"quarters": 10}}``
    extending the horizon and keeping its start."""
    check_right(actor, "set_settings")
    return _write(store, actor, "set_settings", R.SETTINGS, R.SETTINGS, fields,
                  version=version, why=why, request_id=request_id)


def _next_id(store: Store, kind: str, stem: str) -> str:
    taken = store.versions(kind)
    n, key = 1, stem
    while key in taken:
        n += 1
        key = f"{stem}-{n}"
    return key


def decide(store: Store | str, actor: User, initiative: str, action: str, *,
           cycle: str, rationale: str | None = None, fields: Mapping[str, Any] | None = None,
           why: str | None = None, request_id: str | None = None) -> Written:
    """Record one portfolio-office decision on ``initiative`` in the meeting of ``cycle``
    (approve, defer, reject, cancel, …). ``fields`` carries the rest of the decision record
    (start, until, review, against, …); ``by``, ``role`` and ``date`` are the actor's and
    today's unless given. Decisions are never edited: a new one may supersede an old one."""
    check_right(actor, "decide")
    st = _store(store)
    if "decisions" not in R.list_kinds():
        raise InputError("this version of opmodel has no decision records yet",
                         hint="the quarterly cycle (decisions.yaml) is needed for decide")
    st.current("initiatives", initiative) or _missing("initiative", initiative)
    data: dict[str, Any] = {"date": dt.date.today().isoformat(), "cycle": cycle,
                            "initiative": initiative, "action": action, "by": actor.name,
                            "role": actor.role}
    if rationale:
        data["rationale"] = rationale
    data.update({k: v for k, v in (fields or {}).items() if v is not None})
    from ..cycle.record import decision_horizon_issues

    def refuse(e: Any, d: Any) -> list[Any]:  # the rules of opmodel.cycle.decide
        return decision_horizon_issues(e, d, ("decisions", len(e.decisions)))

    if data.get("id"):
        return _write(st, actor, "decide", "decisions", str(data["id"]), data, version=None,
                      why=why, request_id=request_id, replace=True, create_only=True,
                      refuse=refuse)
    for attempt in range(3):  # the id is ours: taken meanwhile by a decision made at the
        key = _next_id(st, "decisions", f"{cycle}-{initiative}".lower())  # same time, the
        data["id"] = key  # next one is (as if made after it; its rules are checked so)
        try:
            return _write(st, actor, "decide", "decisions", key, data, version=None, why=why,
                          request_id=request_id, replace=True, create_only=True,
                          refuse=refuse)
        except ExistsError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def record_actuals(store: Store | str, actor: User, initiative: str, quarter: str,
                   fields: Mapping[str, Any], *, version: int | None = None,
                   why: str | None = None, request_id: str | None = None) -> Written:
    """Record spend and progress of ``initiative`` in ``quarter`` (spent, percent_complete,
    remaining, finish, note); created if new, else updated."""
    check_right(actor, "record_actuals")
    st = _store(store)
    if "actuals" not in R.list_kinds():
        raise InputError("this version of opmodel has no actuals yet",
                         hint="the quarterly cycle (actuals.csv) is needed for record_actuals")
    st.current("initiatives", initiative) or _missing("initiative", initiative)
    f = {**fields, "initiative": initiative, "quarter": quarter}
    from ..cycle.record import actual_horizon_issues

    return _write(st, actor, "record_actuals", "actuals", f"{initiative}/{quarter}", f,
                  version=version, why=why, request_id=request_id,
                  refuse=lambda e, a: actual_horizon_issues(e, a, ("actuals", 0)))


def _missing(kind: str, key: str) -> Any:
    raise UnknownIdError(kind, key)


# -- the architecture ------------------------------------------------------------------------
def set_entity(store: Store | str, actor: User, kind: str, key: str,
               data: Mapping[str, Any] | None, *, version: int | None = None,
               why: str | None = None, request_id: str | None = None) -> Written:
    """Create, replace (``data`` is the whole entity) or remove (``data=None``) any entity
    of the architecture: capabilities, stages, business units, applications, objectives,
    segments, expectations, application fits, the enterprise settings. The portfolio's own
    kinds go through their actions."""
    from ..store.store import resolve_kind

    kind = resolve_kind(kind)
    own = {"assessments": "set_assessment", "initiatives": "update_initiative",
           "budgets": "set_budget", "policy": "set_policy", "decisions": "decide",
           "actuals": "record_actuals"}
    if kind in own:
        raise InputError(f"{kind} are changed with {own[kind]}, not set_entity")
    check_right(actor, "set_entity")
    return _write(store, actor, "set_entity", kind, key, None if data is None else dict(data),
                  version=version, why=why, request_id=request_id, replace=True)


# -- surveys --------------------------------------------------------------------------------
def merge_survey(store: Store | str, actor: User, survey: str | os.PathLike[str], *,
                 force: bool = False, today: dt.date | None = None, why: str | None = None,
                 request_id: str | None = None) -> list[Written]:
    """Merge a returned survey workbook (``opmodel survey export``) into the stored model:
    every changed assessment in one transaction. Conflicts (cells changed in the store since
    the export that the survey would overwrite) refuse the merge unless ``force``."""
    from ..io.survey import SurveyConflictError, plan_merge

    check_right(actor, "merge_survey")
    st = _store(store)
    out: list[Written] = []
    with st.transaction(actor.name, "merge_survey", why, request_id) as tx:
        e = st.model_at_head(tx)
        plan = plan_merge(e, survey, today)
        check_right(actor, "merge_survey", (plan.business_unit,))
        if plan.conflicts and not force:
            raise SurveyConflictError(plan.conflicts, source=str(plan.survey))
        changed = {c.capability for c in plan.changes}
        for cap, a in plan.touched.items():  # in model order: new ones added in that order
            if cap not in changed:
                continue
            key = f"{cap}/{plan.business_unit}"
            v = tx.put("assessments", key, R.dump(a))
            out.append(Written("assessments", key, v, tx.revision, R.dump(a)))
        tx.after = e.model_copy(update={"assessments": plan.assessments})
    return out
