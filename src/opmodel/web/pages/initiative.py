"""The initiative form: every field of the model's initiative — the scalar fields, effects
(capability, units, uplift), the cost profile and range, dependencies, exclusions, the
applications it retires, team demand, mandatory / forbidden — saved through
:func:`opmodel.actions.update_initiative` / :func:`~opmodel.actions.propose_initiative`.

The form is plain HTML (keyboard and phone friendly): list fields are rows (one blank row
to fill, a *Remove* box per row, *Add* fetches one more blank row); id lists (depends on,
excludes, retires, an effect's units) are pickers — boxes to tick, with names and ids and a
filter box (``picker.html``) — that post the field once per id ticked (a comma-separated
value, as a hand-made post may send, is read the same way). The model's own
messages come back located (``initiatives[crm].effects[0].uplift: …``), each linked to its
field, which is marked invalid; what was typed is kept. A stale form is a conflict with
both values per field and the choice to keep yours or take the current ones.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ... import actions
from ...errors import ConflictError, ModelError, OpmodelError
from ..auth import Principal
from ..resources import snapshot
from ..source import Snapshot
from .common import PageError, can, check_csrf, no_travel, page_user, posted_ids, render, travelling
from .read import cached

Who = Depends(page_user)
Snap = Depends(snapshot)

SCALARS = ("name", "owner", "kind", "pool", "duration", "cost", "earliest_start",
           "latest_start", "deadline", "direct_value", "added_run_cost", "architecture_fit")
NUMBERS = {"duration", "cost", "direct_value", "added_run_cost", "architecture_fit"}
ID_LISTS = ("depends_on", "excludes", "retires")
FLAGS = ("mandatory", "forbidden")
ROWS = {"effects": ("capability", "business_units", "uplift"),
        "team_demand": ("team", "amount")}


# -- model → form -----------------------------------------------------------------------------
def _num(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def values_of(item: Any) -> dict[str, Any]:
    """The form's values (all text) of a stored initiative."""
    v: dict[str, Any] = {k: _num(getattr(item, k, None)) if k in NUMBERS else
                         (getattr(item, k, None) or "") for k in SCALARS}
    v["cost_profile"] = ", ".join(_num(x) for x in item.cost_profile or ())
    r = item.cost_range
    v["cost_range"] = {k: _num(getattr(r, k)) if r is not None else ""
                       for k in ("low", "likely", "high")}
    for k in ID_LISTS:
        v[k] = ", ".join(getattr(item, k))
    for k in FLAGS:
        v[k] = bool(getattr(item, k))
    v["effects"] = [{"capability": f.capability, "business_units": ", ".join(f.business_units),
                     "uplift": _num(f.uplift)} for f in item.effects]
    v["team_demand"] = [{"team": t.team, "amount": _num(t.amount)} for t in item.team_demand]
    return v


def blank(owner: str = "") -> dict[str, Any]:
    v: dict[str, Any] = {k: "" for k in SCALARS}
    v.update(owner=owner, kind="grow", duration="2", pool="enterprise", cost_profile="",
             cost_range={"low": "", "likely": "", "high": ""}, effects=[], team_demand=[])
    v.update({k: "" for k in ID_LISTS})
    v.update({k: False for k in FLAGS})
    return v


# -- form → model -----------------------------------------------------------------------------
def _text(form: dict[str, Any], key: str) -> str:
    v = form.get(key)
    if isinstance(v, list):
        v = v[-1] if v else ""
    return str(v or "").strip()


def _id_text(form: dict[str, Any], key: str) -> str:
    """An id list as posted (:func:`~.common.posted_ids`) as one comma-separated text."""
    return ", ".join(posted_ids(form, key))


def _number(t: str) -> Any:
    """A number when it reads as one; else the text (the model names it, located)."""
    if t == "":
        return None
    try:
        f = float(t)
    except ValueError:
        return t
    return int(f) if f.is_integer() else f


def _ids(t: str) -> list[str]:
    return [x for x in (p.strip() for p in re.split(r"[,\s]+", t)) if x]


def read_form(form: dict[str, Any], base: dict[str, Any]
              ) -> tuple[dict[str, Any], dict[str, Any]]:
    """(values to show again, fields for the action) of a posted initiative form.

    Only the fields the form carries are changed (``base``, the form's values before, fills
    in the rest for showing it again): a post that leaves out, say, the effects keeps them.
    Empty fields are None (the action then drops them: the model's default); blank rows and
    rows marked *Remove* are left out."""
    shown = dict(base)
    fields: dict[str, Any] = {}
    for k in SCALARS:
        if k in form:
            shown[k] = _text(form, k)
            fields[k] = _number(shown[k]) if k in NUMBERS else shown[k] or None
    if "cost_profile" in form:
        shown["cost_profile"] = _text(form, "cost_profile")
        fields["cost_profile"] = [_number(x) for x in _ids(shown["cost_profile"])] or None
    if any(f"cost_range_{k}" in form for k in ("low", "likely", "high")):
        rng = {k: _text(form, f"cost_range_{k}") for k in ("low", "likely", "high")}
        shown["cost_range"] = rng
        fields["cost_range"] = ({k: _number(x) for k, x in rng.items() if x}
                               if any(rng.values()) else None)
    for k in ID_LISTS:
        if k in form:
            shown[k] = _id_text(form, k)
            fields[k] = _ids(shown[k])
    for k in FLAGS:  # a hidden empty value before each box: the form always carries it
        if k in form:
            shown[k] = bool(_text(form, k))
            fields[k] = True if shown[k] else None
    order = _row_order(form)
    for name, cols in ROWS.items():
        if f"{name}_sent" not in form and not order[name]:
            continue
        rows, kept = [], []
        for i in order[name]:
            row = {c: _id_text(form, f"{name}-{i}-{c}") if c == "business_units"
                   else _text(form, f"{name}-{i}-{c}") for c in cols}
            if not any(row.values()) or _text(form, f"{name}-{i}-remove"):
                continue
            rows.append(row)
            item: dict[str, Any] = {}
            for c in cols:
                if c == "business_units":
                    item[c] = _ids(row[c])
                elif c in ("uplift", "amount"):
                    item[c] = _number(row[c])
                else:
                    item[c] = row[c] or None
            kept.append({c: x for c, x in item.items() if x is not None})
        shown[name] = rows
        fields[name] = kept
    return shown, fields


def _row_order(form: dict[str, Any]) -> dict[str, list[str]]:
    """The row keys of each list field in the order the form sent them (rows added in the
    browser carry keys of their own, so the order is the page's)."""
    out: dict[str, list[str]] = {name: [] for name in ROWS}
    for k in form:
        m = re.match(r"^(effects|team_demand)-(\d{1,12})-", k)
        if m and m.group(2) not in out[m.group(1)] and len(out[m.group(1)]) < 200:
            out[m.group(1)].append(m.group(2))
    return out


# -- messages located at their fields ------------------------------------------------------
def field_id(location: str | None) -> str | None:
    """``initiatives[crm].effects[0].uplift`` → ``f-effects-0-uplift`` (the input's id);
    an id list's entry → the list's field; None when it names no field of the form."""
    if not location:
        return None
    m = re.match(r"^initiatives\[[^\]]*\]\.?(.*)$", location)
    if not m or not m.group(1):
        return None
    parts = re.findall(r"[A-Za-z_]+|\d+", m.group(1))
    if not parts:
        return None
    if parts[0] in ID_LISTS or parts[0] == "cost_profile":
        return f"f-{parts[0]}"
    if parts[0] == "cost_range":
        return f"f-cost_range-{parts[1]}" if len(parts) > 1 else "f-cost_range-low"
    if parts[0] in ROWS and len(parts) >= 3:
        return f"f-{parts[0]}-{parts[1]}-{parts[2]}"
    if parts[0] in ROWS:
        return f"f-{parts[0]}-{parts[1]}-{ROWS[parts[0]][0]}" if len(parts) == 2 else None
    return f"f-{parts[0]}"


def located(exc: OpmodelError) -> list[dict[str, Any]]:
    """The messages of ``exc``, each with its location (as ``opmodel validate`` prints it)
    and the id of the field it is about."""
    if isinstance(exc, ModelError):
        out = []
        for i in exc.errors or exc.issues:
            text = f"{i.location or ''}: {i.message}".lstrip(": ")
            out.append({"text": text, "field": field_id(i.location)})
        return out
    return [{"text": exc.message, "field": None}]


def _short(v: Any) -> str:
    if v is None or v == []:
        return "(none)"
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)


def register(app: FastAPI) -> None:
    from .write import _act, _user

    @app.get("/initiatives/new", response_class=HTMLResponse, include_in_schema=False)
    def initiative_new(request: Request, me: Principal = Who, snap: Snapshot = Snap
                       ) -> Response:
        no_travel(request, "Proposing an initiative")
        _user(me)
        return page(request, snap, None, blank((me.units or ("",))[0]), 0, [])

    @app.get("/initiatives/{iid}", response_class=HTMLResponse, include_in_schema=False)
    def initiative_edit(request: Request, iid: str, me: Principal = Who,
                        snap: Snapshot = Snap) -> Response:
        item = _item(snap, iid)
        src = request.app.state.ctx.source
        version = src.versions("initiatives").get(iid, 0) if src.writable else 0
        return page(request, snap, item, values_of(item), version, [])

    @app.post("/initiatives", response_class=HTMLResponse, include_in_schema=False)
    @app.post("/initiatives/{iid}", response_class=HTMLResponse, include_in_schema=False)
    async def initiative_save(request: Request, iid: str | None = None, me: Principal = Who,
                              snap: Snapshot = Snap) -> Response:
        form = await check_csrf(request)
        user = _user(me)
        version = int(_text(form, "version")) if _text(form, "version").isdigit() else 0
        item = _item(snap, iid) if iid else None
        shown, fields = read_form(form, values_of(item) if item is not None else blank())
        why = _text(form, "why") or "web: initiative form"
        try:
            if iid is None:
                new_id = _text(form, "id")
                _act(request, actions.propose_initiative, user, {"id": new_id, **{
                    k: v for k, v in fields.items() if v not in (None, [])}}, why=why)
                iid = new_id
            else:
                _act(request, actions.update_initiative, user, iid, fields, version=version,
                     why=why)
        except ConflictError as exc:
            msgs = [{"text": f"{c.field} changed since you opened the form: yours "
                             f"{_short(c.yours)}, current {_short(c.current)}",
                     "field": field_id(f"initiatives[{iid}].{c.field}")}
                    for c in exc.conflicts] or [{"text": exc.message, "field": None}]
            return page(request, snap, item, shown, version, msgs, status=409,
                        conflict=exc)
        except OpmodelError as exc:
            return page(request, snap, item, shown, version, located(exc), status=422,
                        new_id=_text(form, "id"))
        return RedirectResponse(f"/ui/initiatives/{iid}?saved=1", 303)

    @app.get("/initiatives-row/{name}", response_class=HTMLResponse, include_in_schema=False)
    def initiative_row(request: Request, name: str, me: Principal = Who,
                       snap: Snapshot = Snap) -> Response:
        """One more blank row of effects or team demand (the form's *Add* buttons)."""
        if name not in ROWS:
            raise PageError(404, f"no list '{name}' on the initiative form")
        return render(request, "initiative_row.html", name=name, i=secrets.randbelow(10**9),
                      r={}, bad=set(), ro="", teams=snap.enterprise.policy.teams,
                      snap=snap, unit_options=choices(request, snap, "units"),
                      pick_limit=PICK_LIMIT)

    @app.get("/pick/{kind}", response_class=HTMLResponse, include_in_schema=False)
    def pick(request: Request, kind: str, q: str = Query("", max_length=200),
             name: str = Query("", max_length=120, pattern=r"^[A-Za-z0-9_-]*$"),
             id: str = Query("", max_length=160, pattern=r"^[A-Za-z0-9_-]*$"),
             me: Principal = Who, snap: Snapshot = Snap) -> Response:
        """The choices of a long picker matching ``q`` (name or id, any case): boxes to
        tick for the field ``name`` of the picker ``id`` (at most :data:`PICK_FOUND`)."""
        if kind not in KINDS:
            raise PageError(404, f"no choices of '{kind}' (one of {', '.join(KINDS)})")
        c = choices(request, snap, kind)
        return render(request, "picker_found.html", found=c.search(q), total=c.count,
                      q=q.strip(), name=name, id=id, more=PICK_FOUND)


PICK_LIMIT = 400
"""A picker lists at most this many choices; a longer one is searched (``/ui/pick``)."""
PICK_FOUND = 30
"""Matches a search answers at most."""
KINDS = ("initiatives", "applications", "units")


class Choices:
    """What a picker offers: (id, name, note) per choice, of one kind."""

    def __init__(self, kind: str, items: list[tuple[str, str, str]]) -> None:
        self.kind = kind
        self.items = items
        self.count = len(items)
        self.names = {k: n for k, n, _ in items}
        self._keys = [f"{n} {k}".lower() for k, n, _ in items]

    def without(self, own: str | None) -> Choices:
        """The same choices less ``own`` (an initiative does not depend on itself)."""
        if own is None or own not in self.names:
            return self
        return Choices(self.kind, [x for x in self.items if x[0] != own])

    def search(self, q: str) -> list[tuple[str, str, str]]:
        """Up to :data:`PICK_FOUND` choices whose name or id holds ``q`` (any case)."""
        q = q.strip().lower()
        if not q:
            return []
        return [x for x, key in zip(self.items, self._keys, strict=True)
                if q in key][:PICK_FOUND]


def choices(request: Request, snap: Snapshot, kind: str) -> Choices:
    """The model's initiatives (note: the owner), applications (note: a lifecycle other than
    active) or business units, once per model version."""
    def compute() -> Choices:
        e = snap.enterprise
        if kind == "initiatives":
            return Choices(kind, [(i.id, i.name, i.owner) for i in e.initiatives])
        if kind == "applications":
            return Choices(kind, [(a.id, a.name, a.lifecycle if a.lifecycle != "active"
                                   else "") for a in e.applications])
        return Choices(kind, [(u.id, u.name, "") for u in e.business_units])

    return cached(request, snap, "choices", (kind,), compute)


def options(request: Request, snap: Snapshot, item: Any = None) -> dict[str, Any]:
    """What the form's pickers offer: the other initiatives (depends on, excludes), the
    applications (retires) and the business units (an effect's units)."""
    own = item.id if item is not None else None
    return {"others": choices(request, snap, "initiatives").without(own),
            "applications": choices(request, snap, "applications"),
            "unit_options": choices(request, snap, "units"), "pick_limit": PICK_LIMIT}


def _item(snap: Snapshot, iid: str | None) -> Any:
    item = next((i for i in snap.enterprise.initiatives if i.id == iid), None)
    if item is None:
        raise PageError(404, f"no initiative '{iid}'")
    return item


def page(request: Request, snap: Snapshot, item: Any, values: dict[str, Any], version: int,
         messages: list[dict[str, Any]], status: int = 200, conflict: Any = None,
         new_id: str = "") -> Response:
    e = snap.enterprise
    bad: set[str] = set()
    for m in messages:
        f = m.get("field")
        while f:
            bad.add(f)
            f = f.rpartition("-")[0] if f.count("-") > 1 else None
    me = request.state.principal_page
    editable = not travelling(request) and (
        can(me, "update_initiative", (item.owner,)) if item is not None
        else can(me, "propose_initiative", me.units[:1] if me.units else ()))
    return render(request, "initiative.html", status=status, page="initiatives", snap=snap,
                  item=item, values=values, entity_version=version, messages=messages,
                  bad=bad, e=e, conflict=conflict, new_id=new_id, editable=editable,
                  ro="" if editable else " readonly",
                  teams=e.policy.teams, **options(request, snap, item))
