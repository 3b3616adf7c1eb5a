"""The pages that change things: sign in and out, the assessment form, admin (the
initiative form is :mod:`.initiative`, the planning workspace and the decision meeting
:mod:`.plan`).

Every change is one call of :mod:`opmodel.actions`, which checks the user's rights and the
version the form was based on: a viewer (or a bu-lead on another unit) is refused with 403,
and a stale form is a conflict shown with both values, never silently overwritten."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ... import actions
from ...errors import (
    AuthenticationError,
    ConflictError,
    ModelError,
    OpmodelError,
    PermissionDenied,
)
from ..auth import Principal
from ..resources import snapshot
from ..source import Snapshot
from .common import PageError, check_csrf, no_travel, page_user, render

Who = Depends(page_user)
Snap = Depends(snapshot)

ASSESS_FIELDS = ("current", "target", "pain", "confidence", "notes")


def _store(request: Request) -> Any:
    src = request.app.state.ctx.source
    if not src.writable:
        raise PageError(403, "This server is read-only (a model folder): nothing can be "
                             "changed here.")
    return src


def _act(request: Request, fn: Any, *args: Any, **kw: Any) -> Any:
    """Run one action under the server's write lock; a refusal becomes a 403 page."""
    src = _store(request)
    _bounded(fn.__name__, args, kw)
    lock = getattr(src, "write_lock", None)
    kw.setdefault("request_id", uuid.uuid4().hex)
    try:
        if lock is None:
            return fn(src.store, *args, **kw)
        with lock:
            return fn(src.store, *args, **kw)
    except PermissionDenied as exc:
        raise PageError(403, exc.message) from None


def _bounded(action: str, args: tuple[Any, ...], kw: dict[str, Any]) -> None:
    """The REST API's bounds on text (``opmodel.web.bounds``) for a form's change: a name
    at most 200 characters, any other text at most an Excel cell's 32,767 — refused with
    the model's located messages (``initiatives[crm].description: …``), nothing written."""
    from ...errors import ModelError
    from ..bounds import form_issues

    fields = next((a for a in (*args, kw.get("fields")) if isinstance(a, dict)), {})
    where = {"set_assessment": lambda: f"assessments[{args[1]}/{args[2]}]",
             "update_initiative": lambda: f"initiatives[{args[1]}]",
             "propose_initiative": lambda: f"initiatives[{fields.get('id')}]",
             "decide": lambda: "decision"}.get(action, lambda: "")()
    texts = {k: kw[k] for k in ("rationale", "why") if isinstance(kw.get(k), str)}
    if texts.get("why") is not None and texts.get("why") == texts.get("rationale"):
        del texts["why"]  # the decision form records its rationale as the why too
    issues = form_issues(where, fields, **texts)
    if issues:
        raise ModelError(issues, source=where or action)


def _user(me: Principal) -> Any:
    if me.user is None:
        raise PageError(403, "Sign in to change anything.")
    return me.user


def _number(text: Any) -> Any:
    t = str(text or "").strip()
    if t == "":
        return None
    if t.lower() in ("n/a", "na"):
        return "n/a"
    try:
        f = float(t)
    except ValueError:
        return t  # the action names it: a located message, not a crash
    return int(f) if f.is_integer() else f


def _messages(exc: OpmodelError) -> list[str]:
    if isinstance(exc, ModelError):
        return [f"{i.location or ''}: {i.message}".lstrip(": ")
                for i in (exc.errors or exc.issues)]
    return [exc.message]


def register(app: FastAPI) -> None:
    # -- signing in and out ---------------------------------------------------------------
    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form(request: Request, next: str = Query("/ui/")) -> Response:
        return render(request, "login.html", next=_safe_next(next), error=None)

    @app.post("/login", response_class=HTMLResponse, include_in_schema=False)
    async def login(request: Request) -> Response:
        form = await check_csrf(request)
        src = request.app.state.ctx.source
        nxt = _safe_next(str(form.get("next") or "/ui/"))
        if not src.writable:
            return RedirectResponse(nxt, 303)
        from ...store.users import authenticate

        try:
            user = authenticate(src.store, str(form.get("username") or ""),
                                str(form.get("password") or ""))
        except AuthenticationError:
            return render(request, "login.html", status=401, next=nxt,
                          error="Unknown user or wrong password.")
        request.session.clear()  # a fresh session (and CSRF token) for the signed-in user
        request.session["user"] = user.name
        return RedirectResponse(nxt, 303)

    @app.post("/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        await check_csrf(request)
        request.session.clear()
        return RedirectResponse("/ui/login", 303)

    # -- assessments ------------------------------------------------------------------------
    @app.get("/assess/{unit}", response_class=HTMLResponse, include_in_schema=False)
    def assess_form(request: Request, unit: str, me: Principal = Who,
                    snap: Snapshot = Snap) -> Response:
        no_travel(request, "The assessment form")
        return _assess_page(request, me, snap, unit)

    @app.post("/assess/{unit}/{cap}", response_class=HTMLResponse, include_in_schema=False)
    async def assess_save(request: Request, unit: str, cap: str, me: Principal = Who,
                          snap: Snapshot = Snap) -> Response:
        form = await check_csrf(request)
        user = _user(me)
        fields = {k: _number(form.get(k)) if k in ("current", "target", "pain")
                  else (str(form.get(k) or "").strip() or None) for k in ASSESS_FIELDS}
        fields = {k: v for k, v in fields.items() if v is not None or k == "notes"}
        if fields.get("current") == "n/a" or fields.get("target") == "n/a":
            fields["current"] = fields["target"] = "n/a"
        v = str(form.get("version") or "").strip()
        version = int(v) if v.isdigit() else 0  # not a version: checked as a new one
        if form.get("choice") == "theirs":
            return RedirectResponse(f"/ui/assess/{unit}#{cap}", 303)
        try:
            _act(request, actions.set_assessment, user, cap, unit, fields, version=version,
                 why=str(form.get("why") or "") or "web: assessment form")
        except ConflictError as exc:
            return _assess_page(request, me, snap, unit, status=409,
                                conflict={"cap": cap, "exc": exc, "fields": fields})
        except OpmodelError as exc:
            return _assess_page(request, me, snap, unit, status=422,
                                invalid={"cap": cap, "messages": _messages(exc),
                                         "fields": fields})
        return RedirectResponse(f"/ui/assess/{unit}?saved={cap}#{cap}", 303)

    def _assess_page(request: Request, me: Principal, snap: Snapshot, unit: str,
                     status: int = 200, **extra: Any) -> Response:
        e = snap.enterprise
        bu = next((u for u in e.business_units if u.id == unit), None)
        if bu is None:
            raise PageError(404, f"no business unit '{unit}'")
        user = _user(me)
        if not actions.allowed(user, "set_assessment", (unit,)):
            raise PageError(403, f"{me.name} ({me.role}) may not assess {bu.name}.")
        src = _store(request)
        versions = src.versions("assessments")
        have = {a.capability: a for a in e.assessments if a.business_unit == unit}
        rows = [{"cap": c, "a": have.get(c.id), "version": versions.get(f"{c.id}/{unit}", 0)}
                for c in e.capabilities if c.id in have or not any(
                    p.parent == c.id for p in e.capabilities)]
        return render(request, "assess.html", status=status, page="heatmap", snap=snap,
                      unit=bu, rows=rows, saved=request.query_params.get("saved"), **extra)

    # -- admin -----------------------------------------------------------------------------
    @app.get("/admin", response_class=HTMLResponse, include_in_schema=False)
    def admin(request: Request, me: Principal = Who, snap: Snapshot = Snap) -> Response:
        from ...store.users import ROLES, list_users

        no_travel(request, "Managing users")
        src = _store(request)
        if me.role != "admin":
            raise PageError(403, "Only an admin manages users.")
        return render(request, "admin.html", page="admin", snap=snap,
                      users=list_users(src.store), roles=ROLES, units=snap.enterprise.
                      business_units, message=request.query_params.get("made"))

    @app.post("/admin/users", response_class=HTMLResponse, include_in_schema=False)
    async def admin_add(request: Request, me: Principal = Who) -> Response:
        form = await check_csrf(request)
        units = form.get("units") or []
        units = [units] if isinstance(units, str) else list(units)
        try:
            _act(request, actions.add_user, _user(me), str(form.get("name") or ""),
                 str(form.get("role") or "viewer"), units=units,
                 password=str(form.get("password") or "") or None)
        except OpmodelError as exc:
            raise PageError(422, "; ".join(_messages(exc))) from None
        return RedirectResponse(f"/ui/admin?made={form.get('name')}", 303)

    _register_user_changes(app)


def _register_user_changes(app: FastAPI) -> None:
    @app.post("/admin/users/{name}", response_class=HTMLResponse, include_in_schema=False)
    async def admin_change(request: Request, name: str, me: Principal = Who) -> Response:
        """Change a user's role and units (``set_user``) or disable them (``disable_user``)."""
        form = await check_csrf(request)
        user = _user(me)
        try:
            if form.get("disable"):
                _act(request, actions.disable_user, user, name, why="web: admin page")
            else:
                units = form.get("units") or []
                units = [units] if isinstance(units, str) else list(units)
                role = str(form.get("role") or "")
                _act(request, actions.set_user, user, name, role=role or None,
                     units=units if role == "bu-lead" else [], why="web: admin page")
        except OpmodelError as exc:
            raise PageError(422, "; ".join(_messages(exc))) from None
        return RedirectResponse(f"/ui/admin?made={name}", 303)


def _safe_next(url: str) -> str:
    """Only a path on this site (never //other.example or https://…)."""
    return url if url.startswith("/") and not url.startswith("//") and "\\" not in url \
        else "/ui/"
