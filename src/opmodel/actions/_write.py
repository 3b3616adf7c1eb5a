"""Rights and the write step every action ends in (see :mod:`opmodel.actions`)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ..errors import (
    ConflictError,
    ExistsError,
    FieldConflict,
    InputError,
    Issue,
    ModelError,
    PermissionDenied,
    UnknownIdError,
)
from ..io.issues import pydantic_issues
from ..model import Enterprise
from ..model import validate as validate_model
from ..store import rows as R
from ..store.store import Current, Store, Transaction, json_location, open_store
from ..store.users import ROLES, Role, User

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
    "set_settings": frozenset({"admin", "architect"}),
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
    """Kinds no rule about another kind looks at (:data:`opmodel.store.rows.UNREFERENCED`)."""
    return kind in R.UNREFERENCED


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
        if _leaf(k) or "id" not in R.item_model(k).model_fields:
            slim[k] = ()  # the same in both probes: nothing the item's rules look at
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
    # a version the entity never had (past its current one) has no data to compare; asking
    # the database for it could overflow its integers
    base = (tx.store.version_data(kind, key, version, tx.conn)
            if 0 < version <= (now or 0) else {})
    base = base or {}
    current = before.data if before is not None else {}
    asked = dict(fields or {})
    if version > (now or 0):  # a version it never had: what you send against what is stored,
        # only where they differ (the ids you name and values you did not change are no
        # conflict: `version=3` of a new store's assessment listed them all)
        raise ConflictError(f"{kind}:{key}", version, now, [
            FieldConflict(f, v, current.get(f)) for f, v in asked.items()
            if v != current.get(f)])
    out = []
    changed = [f for f in dict.fromkeys([*base, *current]) if base.get(f) != current.get(f)]
    for f in (f for f in changed if f in asked) if any(f in asked for f in changed) else changed:
        out.append(FieldConflict(f, asked.get(f, base.get(f)), current.get(f)))
    raise ConflictError(f"{kind}:{key}", version, now, out)


def _merge(before: dict[str, Any] | None, fields: Mapping[str, Any]) -> dict[str, Any]:
    """``before`` with the partial update ``fields``: a JSON merge patch (RFC 7396). A field
    set to None goes back to its default, an object is merged field by field (``{"horizon":
    {"quarters": 10}}`` keeps the horizon's start), anything else replaces the value."""
    data = dict(before or {})
    for k, v in fields.items():
        if v is None:
            data.pop(k, None)
        elif isinstance(v, Mapping) and isinstance(data.get(k), dict):
            data[k] = _merge(data[k], v)
        else:
            data[k] = v
    return data


def _write(store: Store | str | os.PathLike[str], actor: User, action: str, kind: str,
           key: str, fields: Mapping[str, Any] | None, *, version: int | None,
           why: str | None, request_id: str | None, replace: bool = False,
           create_only: bool = False, units: Any = None,
           refuse: Callable[[Enterprise, Any], list[Issue]] | None = None) -> Written:
    """The one write step every action ends in (see the module docstring). ``refuse(model,
    item)``: the rules of an action beyond the model's own (issues with the path
    ``(kind, position, field…)``), checked on the model as it stands in the transaction."""
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
            raise ExistsError(f"{kind}:{key} already exists",
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
        refused = _located(refuse(e, item), kind, key) if refuse is not None else []
        try:
            new_e = _check_model(e, kind, key, item)
        except ModelError as exc:  # every problem at once
            raise ModelError([*refused, *exc.issues], source=exc.source) from None
        if refused:
            raise ModelError(refused, source=f"{kind}:{key}")
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
            # the store keeps entities in place and adds new ones at the end: the model it
            # will load has that order, so the one kept in memory must have it too
            stored = [k for k in old if k in new] + [k for k in new if k not in old]
            if stored != list(new):
                by_key = dict(zip(new, getattr(new_e, kind), strict=True))
                new_e = new_e.model_copy(update={kind: tuple(by_key[k] for k in stored)})
        tx.after = new_e
    return out
