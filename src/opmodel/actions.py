"""The one write path: every change to a stored model is one of these verb-named actions.

Each action is one transaction (one revision of the store) that

1. checks the actor's rights (:data:`RIGHTS`; a bu-lead only for their own units) —
   :class:`~opmodel.errors.PermissionDenied`, nothing changed;
2. checks the version the change was based on (``version=``; ``None`` skips the check) —
   :class:`~opmodel.errors.ConflictError` naming each field, your value and the current
   one, nothing changed;
3. validates the entity and the model it would make, with the model's own rules —
   :class:`~opmodel.errors.ModelError` whose issues are located by JSON field
   (``assessments[crm/storage].current``; ``issue.path`` is ``(kind, key, field, …)``);
4. writes the new entity version and appends one change record per changed field: who,
   when, entity, field, old → new, why, request id.

Every action takes the store (a :class:`~opmodel.store.Store` or its URL) and the acting
:class:`~opmodel.store.users.User` first, then the entity, then keyword-only ``version``,
``why`` and ``request_id``; it returns a :class:`Written` (the new version, the revision
and the stored data). ``fields`` mappings are partial updates: a key with value ``None``
resets that field to its default; fields not named are kept.

Rights (admin may do everything; viewer nothing):

==================  =====================================================
action              roles
==================  =====================================================
set_assessment      admin, architect, bu-lead (own units)
merge_survey        admin, architect, bu-lead (own units)
propose_initiative  admin, architect, portfolio, bu-lead (own units)
update_initiative   admin, architect, portfolio, bu-lead (own units)
decide              admin, portfolio
record_actuals      admin, portfolio
set_budget          admin, portfolio
set_policy          admin, portfolio
set_entity          admin, architect (the architecture: any other kind)
add_user, …         admin
==================  =====================================================
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from .errors import (
    ConflictError,
    FieldConflict,
    InputError,
    Issue,
    ModelError,
    PermissionDenied,
    UnknownIdError,
)
from .io.issues import pydantic_issues
from .model import Enterprise
from .model import validate as validate_model
from .store import rows as R
from .store.store import Current, Store, Transaction, json_location, open_store
from .store.users import ROLES, Role, User

__all__ = [
    "ACTIONS",
    "RIGHTS",
    "ROLES",
    "User",
    "Written",
    "add_token",
    "add_user",
    "allowed",
    "apply",
    "check_right",
    "decide",
    "disable_user",
    "first_admin",
    "merge_survey",
    "propose_initiative",
    "record_actuals",
    "set_assessment",
    "set_budget",
    "set_entity",
    "set_policy",
    "set_user",
    "update_initiative",
]

ALL: frozenset[Role] = frozenset(ROLES)
RIGHTS: dict[str, frozenset[Role]] = {
    "set_assessment": frozenset({"admin", "architect", "bu-lead"}),
    "merge_survey": frozenset({"admin", "architect", "bu-lead"}),
    "propose_initiative": frozenset({"admin", "architect", "portfolio", "bu-lead"}),
    "update_initiative": frozenset({"admin", "architect", "portfolio", "bu-lead"}),
    "decide": frozenset({"admin", "portfolio"}),
    "record_actuals": frozenset({"admin", "portfolio"}),
    "set_budget": frozenset({"admin", "portfolio"}),
    "set_policy": frozenset({"admin", "portfolio"}),
    "set_entity": frozenset({"admin", "architect"}),
    "archive_assessments": frozenset({"admin", "architect", "portfolio"}),
    "add_user": frozenset({"admin"}),
    "add_token": frozenset({"admin"}),
    "set_user": frozenset({"admin"}),
    "disable_user": frozenset({"admin"}),
}
#: actions a bu-lead may take only for the business units they answer for
UNIT_SCOPED = frozenset({"set_assessment", "merge_survey", "propose_initiative",
                         "update_initiative"})
ACTIONS = tuple(RIGHTS)


@dataclass(frozen=True)
class Written:
    """What an action stored: the entity, its new version (None when deleted), the
    revision (model version) it is part of, and the stored JSON data."""

    kind: str
    key: str
    version: int | None
    revision: int
    data: dict[str, Any] | None

    @property
    def entity(self) -> str:
        return f"{self.kind}:{self.key}"


# -- rights -------------------------------------------------------------------------------
def allowed(actor: User, action: str, units: Iterable[str] = ()) -> bool:
    """May ``actor`` take ``action`` on entities of the business ``units``?"""
    if actor.role not in RIGHTS.get(action, frozenset()):
        return False
    if actor.role == "bu-lead" and action in UNIT_SCOPED:
        return all(u in actor.units for u in units)
    return True


def check_right(actor: User, action: str, units: Iterable[str] = ()) -> None:
    """Raise :class:`PermissionDenied` unless ``actor`` may take ``action`` for ``units``."""
    units = tuple(units)
    if actor.role not in RIGHTS.get(action, frozenset()):
        who = ", ".join(sorted(RIGHTS.get(action, ()))) or "nobody"
        raise PermissionDenied(f"{actor.name} ({actor.role}) may not {action.replace('_', ' ')}",
                               user=actor.name, action=action,
                               hint=f"this needs the role {who}")
    if actor.role == "bu-lead" and action in UNIT_SCOPED:
        foreign = [u for u in units if u not in actor.units]
        if foreign:
            mine = ", ".join(actor.units) or "none"
            raise PermissionDenied(
                f"{actor.name} (bu-lead) may not {action.replace('_', ' ')} for business "
                f"unit {', '.join(foreign)}", user=actor.name, action=action,
                hint=f"a bu-lead acts for their own units only ({mine})")


# -- the shared write step ------------------------------------------------------------------
def _store(store: Store | str | os.PathLike[str]) -> Store:
    return store if isinstance(store, Store) else open_store(str(store))


def entity_location(kind: str, key: str, rest: tuple[Any, ...] = ()) -> str:
    """Where a field of an entity is, JSON style: ``initiatives[crm].effects[0].uplift``
    (``enterprise.horizon`` and ``policy.teams[0]`` for the single rows)."""
    head = kind if kind in (R.SETTINGS, *R.SEPARATE) else f"{kind}[{key}]"
    return head + (json_location(("x", *rest))[1:] if rest else "")


def _located(issues: list[Issue], kind: str, key: str) -> list[Issue]:
    """Issues of one entity's own validation, placed at ``kind[key].field``."""
    out = []
    for i in issues:
        rest = tuple(i.path[2:]) if i.path[:1] == (kind,) else tuple(i.path)
        out.append(Issue(i.code, i.message, (kind, key, *rest), hint=i.hint)
                   .at(entity_location(kind, key, rest)))
    return out


def _entity(kind: str, key: str, data: dict[str, Any]) -> Any:
    """The validated model object of ``data`` (a :class:`ModelError` located by field)."""
    cls = R.item_model(kind)
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        raise ModelError(_located(pydantic_issues(exc, prefix=(kind, 0)), kind, key),
                         source=f"{kind}:{key}") from None


def _leaf(kind: str) -> bool:
    """Kinds whose items have no id: nothing refers to them."""
    return "id" not in R.item_model(kind).model_fields


# key → position of every entity of a kind, per model object (kept with the model so that
# an id is never reused while its entry lives); carried over to the model a write makes
_KEYS: dict[tuple[int, str], tuple[Enterprise, dict[str, int]]] = {}
_KEYS_LOCK = threading.Lock()


def _positions(e: Enterprise, kind: str) -> dict[str, int]:
    with _KEYS_LOCK:
        found = _KEYS.get((id(e), kind))
    if found is None:
        index = {R.key_of(kind, it, n): n for n, it in enumerate(getattr(e, kind))}
        _remember(e, kind, index)
        return index
    return found[1]


def _remember(e: Enterprise, kind: str, index: dict[str, int]) -> None:
    with _KEYS_LOCK:
        while len(_KEYS) >= 16:
            del _KEYS[next(iter(_KEYS))]
        _KEYS[(id(e), kind)] = (e, index)


def _known_index(e: Enterprise, kind: str) -> dict[str, int] | None:
    with _KEYS_LOCK:
        found = _KEYS.get((id(e), kind))
    return None if found is None else found[1]


def _strings(value: Any, out: set[str]) -> set[str]:
    if isinstance(value, str):
        out.add(value)
    elif isinstance(value, dict):
        for v in value.values():
            _strings(v, out)
    elif isinstance(value, list | tuple):
        for v in value:
            _strings(v, out)
    return out


def _leaf_errors(e: Enterprise, kind: str, item: Any) -> list[Issue]:
    """Errors ``item`` of a kind nobody refers to would bring into ``e``: the model's rules
    run on a probe holding only the settings, the entities the item names and the item,
    against the same probe without it (whatever fails in both is not the item's doing)."""
    named = _strings(R.dump(item), set())
    slim: dict[str, Any] = {}
    for k in R.list_kinds():
        if _leaf(k):
            slim[k] = ()
        else:
            slim[k] = tuple(x for x in getattr(e, k) if x.id in named)
    base = e.model_copy(update=slim)
    probe = e.model_copy(update={**slim, kind: (item,)})
    before = {(i.code, i.message) for i in validate_model(base) if i.severity == "error"}
    return [i for i in validate_model(probe)
            if i.severity == "error" and (i.code, i.message) not in before]


def _check_model(e: Enterprise, kind: str, key: str, item: Any | None) -> Enterprise:
    """The model with ``kind:key`` replaced by ``item`` (removed when None), checked with the
    model's rules. A changed entity of a kind nobody refers to (assessments, budgets, …) is
    checked against the entities it names only, so such a write costs the same on a small
    and a large model; other kinds are checked with every entity that may refer to them."""
    if kind == R.SETTINGS:
        new_e = Enterprise.model_validate({**item.model_dump(), **{
            f: getattr(e, f) for f in (*R.list_kinds(), *R.SEPARATE)}})
        errors = [i for i in validate_model(new_e) if i.severity == "error"]
        probe = new_e
    elif kind in R.SEPARATE:
        new_e = e.model_copy(update={kind: item})
        errors = [i for i in validate_model(new_e) if i.severity == "error"]
        probe = new_e
    else:
        items = list(getattr(e, kind))
        index = _positions(e, kind)
        pos = index.get(key)
        if pos is None and item is not None:
            items.append(item)
            index = {**index, key: len(items) - 1}
        elif pos is not None and item is None:
            del items[pos]
            index = None  # type: ignore[assignment]
        elif pos is not None:
            items[pos] = item
        new_e = e.model_copy(update={kind: tuple(items)})
        if _leaf(kind) and item is not None:
            probe = e.model_copy(update={kind: (item,)})
            errors = [i for i in _leaf_errors(e, kind, item)]
        elif item is None:  # a removal: everything that may name it is checked
            probe = new_e
            errors = [i for i in validate_model(probe) if i.severity == "error"]
        else:  # kinds nothing refers to cannot be broken by a changed entity they name
            slim = {k: () for k in R.list_kinds() if _leaf(k) and k != kind}
            probe = new_e.model_copy(update=slim)
            errors = [i for i in validate_model(probe) if i.severity == "error"]
        if index is not None:
            for k in R.list_kinds():
                known = _known_index(e, k) if k != kind else None
                if known is not None:
                    _remember(new_e, k, known)
            _remember(new_e, kind, index)
    if errors:
        issues = [i.at(_locate(probe, i.path)) for i in errors]
        raise ModelError(issues, source=f"{kind}:{key}")
    return new_e


def _locate(e: Enterprise, path: tuple[Any, ...]) -> str:
    """``("initiatives", 3, "depends_on", 0)`` → ``initiatives[crm].depends_on[0]``."""
    if len(path) >= 2 and isinstance(path[1], int) and path[0] in R.list_kinds():
        items = getattr(e, str(path[0]))
        if path[1] < len(items):
            key = R.key_of(str(path[0]), items[path[1]], path[1])
            return entity_location(str(path[0]), key, tuple(path[2:]))
    return json_location(path)


def _conflict(tx: Transaction, kind: str, key: str, version: int | None,
              before: Current | None, fields: Mapping[str, Any] | None) -> None:
    """Refuse a write based on ``version`` when the stored version differs."""
    if version is None:
        return
    now = before.version if before is not None else None
    if (now or 0) == version:
        return
    base = tx.store.version_data(kind, key, version, tx.conn) if version else {}
    base = base or {}
    current = before.data if before is not None else {}
    asked = dict(fields or {})
    out = []
    changed = [f for f in dict.fromkeys([*base, *current]) if base.get(f) != current.get(f)]
    for f in (f for f in changed if f in asked) if any(f in asked for f in changed) else changed:
        out.append(FieldConflict(f, asked.get(f, base.get(f)), current.get(f)))
    raise ConflictError(f"{kind}:{key}", version, now, out)


def _merge(before: dict[str, Any] | None, fields: Mapping[str, Any]) -> dict[str, Any]:
    data = dict(before or {})
    for k, v in fields.items():
        if v is None:
            data.pop(k, None)
        else:
            data[k] = v
    return data


def _write(store: Store | str | os.PathLike[str], actor: User, action: str, kind: str,
           key: str, fields: Mapping[str, Any] | None, *, version: int | None,
           why: str | None, request_id: str | None, replace: bool = False,
           create_only: bool = False, units: Any = None) -> Written:
    """The one write step every action ends in (see the module docstring)."""
    st = _store(store)
    if kind not in R.kinds():
        raise InputError(f"this model has no '{kind}'",
                         hint=f"kinds: {', '.join(R.kinds())}")
    _check_key(kind, key)
    if fields is not None:
        _check_fields(kind, key, fields)
    with st.transaction(actor.name, action, why, request_id) as tx:
        before = tx.current(kind, key)
        if units is not None:  # rights that depend on what is stored (bu-lead's units)
            check_right(actor, action, units(before))
        if create_only and before is not None:
            raise InputError(f"{kind}:{key} already exists",
                             hint="choose another id, or update it instead")
        _conflict(tx, kind, key, version, before, fields)
        if fields is None:
            if before is None:
                raise UnknownIdError(kind, key)
            e = st.model_at_head(tx)
            tx.after = _check_model(e, kind, key, None)
            tx.delete(kind, key, before)
            return Written(kind, key, None, tx.revision, None)
        data = dict(fields) if replace else _merge(before.data if before else None, fields)
        item = _entity(kind, key, data)
        stored = R.dump(item)
        if R.key_of(kind, stored, 0) != key and kind not in (R.SETTINGS, *R.SEPARATE):
            raise ModelError([Issue("E-VALUE", f"the change would rename {kind}:{key} to "
                                    f"'{R.key_of(kind, stored, 0)}'", (kind, key),
                                    hint="create the new one and remove the old one"
                                    ).at(f"{kind}[{key}]")], source=f"{kind}:{key}")
        e = st.model_at_head(tx)
        new_e = _check_model(e, kind, key, item)
        new_version = tx.put(kind, key, stored, before=before)
        tx.after = new_e
        return Written(kind, key, new_version, tx.revision, stored)


def _check_key(kind: str, key: str) -> None:
    if not isinstance(key, str) or not key or len(key) > 400 or any(
            ord(c) < 32 for c in key):
        raise InputError(f"{kind}: {str(key)[:60]!r} cannot name an entity",
                         hint="ids are lower-case letters, digits, '_', '.' and '-'")


def _check_fields(kind: str, key: str, fields: Any) -> None:
    if not isinstance(fields, Mapping) or not all(isinstance(k, str) for k in fields):
        raise ModelError([Issue("E-TYPE", f"the fields of {kind}:{key} must be a mapping of "
                                "field names to values", (kind, key)).at(f"{kind}[{key}]")],
                         source=f"{kind}:{key}")


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
    key = str(data.get("id") or _next_id(st, "decisions", f"{cycle}-{initiative}".lower()))
    data["id"] = key
    return _write(st, actor, "decide", "decisions", key, data, version=None, why=why,
                  request_id=request_id, replace=True, create_only=True)


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
    return _write(st, actor, "record_actuals", "actuals", f"{initiative}/{quarter}", f,
                  version=version, why=why, request_id=request_id)


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
    from .store.store import resolve_kind

    kind = resolve_kind(kind)
    own = {"assessments": "set_assessment", "initiatives": "update_initiative",
           "budgets": "set_budget", "policy": "set_policy", "decisions": "decide",
           "actuals": "record_actuals"}
    if kind in own:
        raise InputError(f"{kind} are changed with {own[kind]}, not set_entity")
    check_right(actor, "set_entity")
    return _write(store, actor, "set_entity", kind, key, None if data is None else dict(data),
                  version=version, why=why, request_id=request_id, replace=True)


# -- model-wide changes ------------------------------------------------------------------------
def apply(store: Store | str, actor: User, action: str,
          transform: Callable[[Enterprise], Enterprise], kinds: Iterable[str], *,
          units: Iterable[str] = (), why: str | None = None,
          request_id: str | None = None) -> list[Written]:
    """Apply a pure model change (``transform``: the model as it stands → the new model,
    raising :class:`ModelError` to refuse) as one action: rights of ``action`` (for
    ``units``), the new model checked by every rule, and only the entities of ``kinds``
    that differ written and logged. For the quarterly cycle's bulk steps (merging a
    quarter's actuals, archiving the assessments before a new round)."""
    kinds = tuple(kinds)
    for k in kinds:
        if k not in R.list_kinds():
            raise InputError(f"this model has no '{k}'", hint=f"kinds: {', '.join(R.list_kinds())}")
    if actor.role == "bu-lead" and action in UNIT_SCOPED and not tuple(units):
        raise PermissionDenied(f"{actor.name} (bu-lead) may not {action.replace('_', ' ')} "
                               "for the whole model", user=actor.name, action=action)
    check_right(actor, action, units)
    st = _store(store)
    out: list[Written] = []
    with st.transaction(actor.name, action, why, request_id) as tx:
        e = st.model_at_head(tx)
        new_e = transform(e)
        errors = [i for i in validate_model(new_e) if i.severity == "error"]
        if errors:
            raise ModelError([i.at(_locate(new_e, i.path)) for i in errors],
                             source=action.replace("_", " "))
        for kind in kinds:
            old = {R.key_of(kind, it, n): R.dump(it) for n, it in enumerate(getattr(e, kind))}
            new = {R.key_of(kind, it, n): R.dump(it)
                   for n, it in enumerate(getattr(new_e, kind))}
            for key, data in new.items():
                if old.get(key) != data:
                    v = tx.put(kind, key, data)
                    out.append(Written(kind, key, v, tx.revision, data))
            for key in old.keys() - new.keys():
                cur = tx.current(kind, key)
                if cur is not None:
                    tx.delete(kind, key, cur)
                    out.append(Written(kind, key, None, tx.revision, None))
        tx.after = new_e
    return out


# -- surveys --------------------------------------------------------------------------------
def merge_survey(store: Store | str, actor: User, survey: str | os.PathLike[str], *,
                 force: bool = False, today: dt.date | None = None, why: str | None = None,
                 request_id: str | None = None) -> list[Written]:
    """Merge a returned survey workbook (``opmodel survey export``) into the stored model:
    every changed assessment in one transaction. Conflicts (cells changed in the store since
    the export that the survey would overwrite) refuse the merge unless ``force``."""
    from .io.survey import SurveyConflictError, plan_merge

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
        for cap in changed:
            a = plan.touched[cap]
            key = f"{cap}/{plan.business_unit}"
            v = tx.put("assessments", key, R.dump(a))
            out.append(Written("assessments", key, v, tx.revision, R.dump(a)))
        tx.after = e.model_copy(update={"assessments": plan.assessments})
    return out


# -- users ----------------------------------------------------------------------------------
def add_user(store: Store | str, actor: User, name: str, role: str,
             units: Iterable[str] = (), password: str | None = None, *,
             why: str | None = None, request_id: str | None = None) -> tuple[User, str]:
    """Add a user with ``role`` (a bu-lead with their business ``units``); returns the user
    and their first API token (shown once: only its hash is stored)."""
    from .store.schema import tokens, users
    from .store.users import hash_password, new_token, token_hash

    check_right(actor, "add_user")
    st = _store(store)
    name = name.strip()
    units = tuple(u.strip() for u in units if u.strip())
    if not name or any(c in name for c in ";:/\\\n\t") or len(name) > 200:
        raise InputError(f"'{name}' is not a usable user name",
                         hint="letters, digits, '.', '-', '_' and '@'")
    if role not in ROLES:
        from difflib import get_close_matches

        close = get_close_matches(role, ROLES, n=1)
        raise InputError(f"unknown role '{role}'", hint=(f"did you mean '{close[0]}'? "
                         if close else "") + f"roles: {', '.join(ROLES)}")
    if role == "bu-lead" and not units:
        raise InputError("a bu-lead needs their business units",
                         hint="pass --units unit-a,unit-b")
    if role != "bu-lead" and units:
        raise InputError(f"only a bu-lead has units (not a {role})")
    if units:
        e = st.read().enterprise
        for u in units:
            e.business_unit(u)  # UnknownIdError with a did-you-mean
    token = new_token()
    with st.transaction(actor.name, "add_user", why, request_id) as tx:
        if tx.conn.execute(users.select().where(users.c.name == name)).first() is not None:
            raise InputError(f"user '{name}' already exists")
        tx.conn.execute(users.insert().values(
            name=name, role=role, units=";".join(units), disabled=0,
            password_hash=hash_password(password) if password else None,
            created_rev=tx.revision))
        tx.conn.execute(tokens.insert().values(hash=token_hash(token), username=name,
                                               label="first", created_rev=tx.revision))
        from .store.schema import changes

        tx.conn.execute(changes.insert().values(
            rev=tx.revision, kind="users", key=name, field=None, old=None,
            new=json.dumps({"role": role, "units": list(units)})))
    return User(name, role, units), token  # type: ignore[arg-type]


def first_admin(store: Store | str, name: str, password: str | None = None
                ) -> tuple[User, str]:
    """Create the store's first user, an admin, when it has no users at all (bootstrapping
    a new store, as ``opmodel serve FOLDER`` does); returns the user and an API token.
    Refused with :class:`PermissionDenied` once the store has any user."""
    from .store.users import list_users

    st = _store(store)
    if list_users(st):
        raise PermissionDenied("the store already has users; an admin adds the others",
                               user=name, action="add_user")
    return add_user(st, User(name, "admin"), name, "admin", (), password,
                    why="first admin")


def add_token(store: Store | str, actor: User, name: str, label: str | None = None, *,
              why: str | None = None, request_id: str | None = None) -> str:
    """A new API token for user ``name`` (shown once)."""
    from .store.schema import changes, tokens, users
    from .store.users import new_token, token_hash

    check_right(actor, "add_token")
    st = _store(store)
    token = new_token()
    with st.transaction(actor.name, "add_token", why, request_id) as tx:
        if tx.conn.execute(users.select().where(users.c.name == name)).first() is None:
            raise UnknownIdError("user", name)
        tx.conn.execute(tokens.insert().values(hash=token_hash(token), username=name,
                                               label=label, created_rev=tx.revision))
        tx.conn.execute(changes.insert().values(rev=tx.revision, kind="users", key=name,
                                                field="token", old=None,
                                                new=json.dumps(label or "token")))
    return token


def set_user(store: Store | str, actor: User, name: str, *, role: str | None = None,
             units: Iterable[str] | None = None, password: str | None = None,
             why: str | None = None, request_id: str | None = None) -> User:
    """Change a user's role, business units or password (what is not given is kept)."""
    from .store.schema import changes, users
    from .store.users import get_user, hash_password

    check_right(actor, "set_user")
    st = _store(store)
    with st.transaction(actor.name, "set_user", why, request_id) as tx:
        old = get_user(st, name, tx.conn)
        if old is None:
            raise UnknownIdError("user", name)
        new_role = old.role if role is None else role
        new_units = old.units if units is None else tuple(u.strip() for u in units
                                                          if u.strip())
        if new_role not in ROLES:
            raise InputError(f"unknown role '{new_role}'", hint=f"roles: {', '.join(ROLES)}")
        if new_role == "bu-lead" and not new_units:
            raise InputError("a bu-lead needs their business units")
        if new_role != "bu-lead":
            new_units = ()
        if new_units:
            e = st.model_at_head(tx)
            for u in new_units:
                e.business_unit(u)
        values: dict[str, Any] = {"role": new_role, "units": ";".join(new_units)}
        if password is not None:
            values["password_hash"] = hash_password(password)
        tx.conn.execute(users.update().where(users.c.name == name).values(**values))
        log = [("role", old.role, new_role), ("units", list(old.units), list(new_units))]
        rows = [{"rev": tx.revision, "kind": "users", "key": name, "field": f,
                 "old": json.dumps(a), "new": json.dumps(b)} for f, a, b in log if a != b]
        if password is not None:
            rows.append({"rev": tx.revision, "kind": "users", "key": name,
                         "field": "password", "old": None, "new": json.dumps("changed")})
        if rows:
            tx.conn.execute(changes.insert(), rows)
    return User(name, new_role, new_units)  # type: ignore[arg-type]


def disable_user(store: Store | str, actor: User, name: str, *, why: str | None = None,
                 request_id: str | None = None) -> None:
    """Disable user ``name``: their password and tokens stop working."""
    from .store.schema import changes, users

    check_right(actor, "disable_user")
    st = _store(store)
    with st.transaction(actor.name, "disable_user", why, request_id) as tx:
        done = tx.conn.execute(users.update().where(users.c.name == name)
                               .values(disabled=1)).rowcount
        if not done:
            raise UnknownIdError("user", name)
        tx.conn.execute(changes.insert().values(rev=tx.revision, kind="users", key=name,
                                                field="disabled", old="false", new="true"))
