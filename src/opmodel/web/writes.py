"""Write endpoints: each is one call of an action in :mod:`opmodel.actions` (the one write
path: it validates, checks the caller's rights and the version, writes and records the
change), plus the change history, decisions and users.

Versions: an item's ``ETag`` is its version (``"3"``). A write to an item that exists must
say which version it is based on — ``If-Match: "3"`` (or ``"version": 3`` in the body);
``If-Match: *`` overwrites whatever is stored. Without either the write is refused with 428
(nothing written). A write to an item that does not exist yet creates it (and fails with
409 if someone created it first). A stale version is refused with 409, naming each field
with ``yours`` and ``current``. ``why`` (in the body, or the ``X-Why`` header) goes into
the change log with the ``X-Request-Id`` (echoed; generated when absent).
"""

from __future__ import annotations

import contextlib
import contextvars
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import Body, Depends, FastAPI, Request
from fastapi.responses import Response

from .. import actions
from ..errors import (
    ConflictError,
    ExistsError,
    InputError,
    Issue,
    ModelError,
    OpmodelError,
    UnknownIdError,
)
from ..io.safefile import excerpt
from .auth import Principal, authenticate
from .bodies import body_object, shown, strict_types
from .bounds import check_ids, check_path
from .errors import ApiError, from_opmodel_error, issue_entry
from .jsonout import answer, dumps
from .resources import BY_PATH, KINDS, Kind, with_path_params

Auth = Depends(authenticate)

RESERVED = ("why", "version")
#: kinds with an action of their own; every other kind is written with set_entity
OWN = {"assessments", "initiatives", "budgets", "decisions", "actuals"}


# -- plumbing -------------------------------------------------------------------------------
_WRITE_LOCK: contextvars.ContextVar[Any] = contextvars.ContextVar("write_lock", default=None)


def writable(request: Request, who: Principal) -> Any:
    src = request.app.state.ctx.source
    if not src.writable or who.user is None:
        raise ApiError(403, "this server is read-only (a model folder); serve a store to "
                            "write", code="E-READ-ONLY")
    if request.method != "GET" and request.query_params.get("at"):
        raise ApiError(400, "?at= is time travel, which is read-only: a change is always "
                            "made to the model as it stands", code="E-INPUT",
                       errors=[{"code": "E-INPUT", "field": "query.at",
                                "message": "time travel is read-only; send the change "
                                           "without ?at"}])
    check_path(request.path_params)
    _WRITE_LOCK.set(getattr(src, "write_lock", None))
    return src.store


def precheck(who: Principal, action: str, units: tuple[str, ...] = ()) -> None:
    """Refuse with 403 before anything else is looked at (the action checks again)."""
    run("", lambda: actions.check_right(who.user, action, units), write=False)


def begin(request: Request, who: Principal, body: Any, action: str,
          units: tuple[str, ...] = ()) -> tuple[Any, dict[str, Any], str, str | None]:
    """What every write route starts with, in this order: a writable store, the caller's
    right to ``action`` (for ``units``), the JSON object sent, the request id and the why."""
    st = writable(request, who)
    precheck(who, action, units)
    b = body_object(body)
    return st, b, request_id(request), why_of(request, b)


def request_id(request: Request) -> str:
    rid = request.headers.get("x-request-id") or uuid.uuid4().hex
    request.state.request_id = rid[:200]
    return rid[:200]


def why_of(request: Request, body: dict[str, Any]) -> str | None:
    from ..store.store import text_problem

    why = body.pop("why", None)
    if why is not None and not isinstance(why, str):
        raise ApiError(422, "body.why: must be text", code="E-TYPE",
                       errors=[{"code": "E-TYPE", "field": "body.why",
                                "message": "must be text"}])
    problem = text_problem(why)
    if problem is not None:
        raise ApiError(422, f"body.why: why {problem}", code="E-VALUE",
                       errors=[{"code": "E-VALUE", "field": "body.why",
                                "message": f"why {problem}"}])
    return why or header_why(request)


def header_why(request: Request) -> str | None:
    """The ``X-Why`` header as the client wrote it. HTTP headers reach Starlette as Latin-1,
    so a UTF-8 "Begründung" arrived as "BegrÃ¼ndung" and went into the change history so:
    bytes that are valid UTF-8 are read as UTF-8, anything else as the Latin-1 it is."""
    raw = request.headers.get("x-why")
    if not raw:
        return None
    try:
        return raw.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return raw


def _version(request: Request, body: dict[str, Any],
             exists: bool | Callable[[], bool]) -> int | None:
    """The version the write is based on (see the module docstring); None = no check.
    ``exists`` (or a function answering it) is asked only when no version was given."""
    in_body = body.pop("version", None)
    header = request.headers.get("if-match")
    if header is not None:
        h = header.strip()
        if h == "*":
            return None
        h = h.removeprefix("W/").strip('"')
        if h.isascii() and h.isdigit() and len(h.lstrip("0")) <= 4000:  # int() fails on
            return int(h)  # '²' (a digit to isdigit) and on over 4,300 digits
        raise ApiError(412, f"If-Match: {excerpt(header)} is not a version of "
                       "this item", code="E-PRECONDITION",
                       errors=[{"code": "E-PRECONDITION", "field": "header.If-Match",
                                "message": "not a version of this item (use the ETag of "
                                           "a GET)"}])
    if in_body is not None:
        if isinstance(in_body, bool) or not isinstance(in_body, int) or in_body < 0:
            raise ApiError(422, "body.version: must be a whole number ≥ 0", code="E-TYPE",
                           errors=[{"code": "E-TYPE", "field": "body.version",
                                    "message": "must be a whole number ≥ 0"}])
        return in_body
    if request.app.state.ctx.require_if_match or (exists() if callable(exists) else exists):
        raise ApiError(428, "say which version you changed: send If-Match with the ETag "
                            "of your GET (or If-Match: * to overwrite)",
                       code="E-PRECONDITION",
                       errors=[{"code": "E-PRECONDITION", "field": "header.If-Match",
                                "message": "missing"}])
    return 0  # a new item: refused if someone created it meanwhile


def _fields(issue_path: tuple[Any, ...], kind: str) -> str:
    """``("assessments", "crm/storage", "current")`` → ``body.current``."""
    rest = list(issue_path)
    if rest[:1] == [kind]:
        rest = rest[2:]
    return ".".join(["body", *(str(p) for p in rest)])


def _map(exc: OpmodelError, kind: str) -> ApiError:
    """The action's error as HTTP, with every field named relative to the body."""
    if isinstance(exc, ConflictError):
        entries = [{"code": exc.code, "field": f"body.{c.field}", "yours": c.yours,
                    "current": c.current,
                    "message": f"{c.field} changed since version {exc.version}: yours "
                               f"{shown(c.yours)}, current {shown(c.current)}"}
                   for c in exc.conflicts] or [{"code": exc.code, "message": exc.message}]
        for e in entries:
            e["entity"] = exc.entity
            e["version"] = exc.version
            e["current_version"] = exc.current_version
        now = ("not there: removed, or never made" if exc.current_version is None
               else f"now at version {exc.current_version}")
        detail = "; ".join(f"{c.field}: yours {shown(c.yours)}, current {shown(c.current)}"
                           for c in exc.conflicts) or "it was changed or removed since"
        return ApiError(409, f"{exc.entity} changed since version {exc.version} ({now}): "
                             f"{detail}", code=exc.code, errors=entries)
    if type(exc).__name__ == "SurveyConflictError":
        entries = [issue_entry(i) for i in exc.issues]  # type: ignore[attr-defined]
        return ApiError(409, exc.message.splitlines()[0], code=exc.code, errors=entries)
    if isinstance(exc, ModelError):
        entries = []
        for i in exc.errors or exc.issues:
            entry = issue_entry(Issue(i.code, i.message, hint=i.hint, location=i.location))
            entry["field"] = _fields(i.path, kind) if i.path and i.path[0] == kind else (
                i.location or "body")
            entries.append(entry)
        first = entries[0]
        return ApiError(422, f"{first['field']}: {first['message']}", code=exc.code,
                        errors=entries)
    return from_opmodel_error(exc)


def run(kind: str, call: Callable[[], Any], unknown: str | None = None,
        write: bool = True) -> Any:
    """``call()`` (an action), its errors mapped to HTTP. ``unknown`` names where an id the
    action cannot find came from: ``path.id`` (404) or ``body.owner`` (422). On SQLite the
    server's writers queue on a lock of their own instead of SQLite's busy-wait (which
    sleeps and retries, so a few unlucky writers wait far longer than the rest)."""
    lock = _WRITE_LOCK.get() if write else None
    try:
        if lock is None:
            return call()
        with lock:
            return call()
    except UnknownIdError as exc:
        label = next((k.label for k in KINDS if k.entity == exc.kind), None)
        if label is not None:  # "no stages with id 'x'": the kind in words, as reads say it
            exc = UnknownIdError(label, exc.id, exc.hint)
        mapped = _map(exc, kind)
        if unknown is not None:
            mapped.errors[0]["field"] = unknown
            if unknown.startswith("body"):
                mapped.status = 422
        raise mapped from None
    except InputError as exc:
        mapped = _map(exc, kind)
        if getattr(exc, "field", None):  # an argument of the action: a field of the body
            mapped.status = 422
            mapped.errors[0]["field"] = f"body.{exc.field}"  # type: ignore[attr-defined]
            mapped.message = f"body.{exc.field}: {exc.message}"  # type: ignore[attr-defined]
        if isinstance(exc, ExistsError):
            mapped.status, mapped.code = 409, "E-EXISTS"
            mapped.errors[0].update(code="E-EXISTS", field="body.id" if kind != "users"
                                    else "body.name")
        raise mapped from None
    except OpmodelError as exc:
        raise _map(exc, kind) from None


@contextlib.contextmanager
def from_path(names: tuple[str, ...], body: dict[str, Any]) -> Iterator[None]:
    """A problem the action finds with a key it was given from the path (PUT
    /capabilities/Café: "body.id: 'Café' is not a valid id") is at ``path.NAME`` — the
    body may not even hold that field."""
    sent = set(body)
    try:
        yield
    except ApiError as exc:
        moved = {f"body.{n}": f"path.{n}" for n in names if n not in sent}
        for e in exc.errors:
            if e.get("field") in moved:
                e["field"] = moved[e["field"]]
        head = exc.message.partition(":")[0]
        if head in moved:
            exc.message = moved[head] + exc.message[len(head):]
        raise


def written(request: Request, w: Any, status: int = 200,
            warnings: list[dict[str, Any]] | None = None) -> Response:
    data = {"ok": True, "entity": w.entity, "kind": w.kind, "key": w.key,
            "version": w.version, "revision": w.revision, "data": w.data,
            "request_id": getattr(request.state, "request_id", None)}
    if warnings is not None:
        data["warnings"] = warnings
    headers = {"X-Model-Version": str(w.revision)}
    if w.version is not None:
        headers["ETag"] = f'"{w.version}"'
    return answer(request, dumps(data), status=status, headers=headers)


def actuals_warnings(request: Request, w: Any, initiative: str,
                     quarter: str) -> list[dict[str, Any]]:
    """The warnings the row written brings into the model, as ``opmodel actuals`` prints
    them for a file holding that one row (the same codes and texts: W-ACTUAL spend on work
    never approved, W-UNREPORTED work in flight in the quarter with no row, …), each at its
    field of the body (``body.spent``) or, for the quarter as a whole, ``path.quarter``."""
    from ..cycle.record import actuals_warnings as warnings_of

    e = _written_model(request, w).enterprise
    row = next((a for a in e.actuals if a.initiative == initiative and a.quarter == quarter),
               None)
    if row is None:
        return []
    out = []
    for i in warnings_of(e, [row]):
        entry: dict[str, Any] = {"code": i.code, "message": i.message,
                                 "field": ".".join(["body", *map(str, i.path[2:])])
                                 if len(i.path) > 2 else "path.quarter"}
        if i.hint:
            entry["hint"] = i.hint
        out.append(entry)
    return out


def _owner(request: Request, initiative: str) -> str | None:
    cur = request.app.state.ctx.source.store.current("initiatives", initiative)
    return None if cur is None else str(cur.data.get("owner", ""))


#: the enterprise settings PATCH /enterprise changes (GET /enterprise shows them)
SETTINGS_FIELDS = ("name", "description", "currency", "unit", "horizon", "fiscal_year_start",
                   "scoring")


def _written_model(request: Request, w: Any) -> Any:
    """The model snapshot a write made (the current one, unless another write has landed
    since)."""
    models = request.app.state.ctx.models
    snap = models.current()
    return snap if snap.version == str(w.revision) else models.at(f"r{w.revision}")


def _exists(request: Request, kind: Kind, key: tuple[str, ...]) -> bool:
    st = request.app.state.ctx.source.store
    return st.current(kind.entity, "/".join(key)) is not None


JsonBody = Body(..., description="The fields to write (JSON object); 'why' and 'version' "
                                 "are taken out as the reason and the base version.")


# -- routes -----------------------------------------------------------------------------------
def register(app: FastAPI) -> None:
    _assessments(app)
    _initiatives(app)
    _portfolio(app)
    for kind in KINDS:
        if kind.entity not in OWN and kind.path != "teams":
            _architecture(app, kind)


def _assessments(app: FastAPI) -> None:
    kind = BY_PATH["assessments"]

    def set_assessment(request: Request, capability: str, business_unit: str,
                       body: Any = JsonBody, who: Principal = Auth) -> Response:
        st, b, rid, why = begin(request, who, body, "set_assessment", (business_unit,))
        strict_types("assessments", b)
        version = _version(request, b, lambda: _exists(request, kind,
                                                       (capability, business_unit)))
        with from_path(("capability", "business_unit"), b):
            w = run("assessments", lambda: actions.set_assessment(
                st, who.user, capability, business_unit, b, version=version, why=why,
                request_id=rid))
        return written(request, w)

    for method in ("PUT", "PATCH"):
        app.add_api_route("/assessments/{capability}/{business_unit}", set_assessment,
                          methods=[method], tags=["assessments"],
                          name=f"set_assessment_{method.lower()}",
                          summary="Set an assessment (partial: the fields given; 'n/a' in "
                                  "current and target marks it not applicable)")


def _initiatives(app: FastAPI) -> None:
    kind = BY_PATH["initiatives"]

    @app.post("/initiatives", status_code=201, tags=["initiatives"],
              summary="Propose a new initiative (every field, id included)")
    def propose(request: Request, body: Any = JsonBody, who: Principal = Auth) -> Response:
        st, b, rid, why = begin(request, who, body, "propose_initiative")
        b.pop("version", None)
        strict_types("initiatives", b)
        w = run("initiatives", lambda: actions.propose_initiative(
            st, who.user, b, why=why, request_id=rid))
        r = written(request, w, status=201)
        r.headers["Location"] = f"/initiatives/{w.key}"
        return r

    @app.patch("/initiatives/{id}", tags=["initiatives"],
               summary="Change fields of an initiative (null resets a field)")
    def update(request: Request, id: str, body: Any = JsonBody, who: Principal = Auth) -> Response:
        st = writable(request, who)
        owner = _owner(request, id)
        precheck(who, "update_initiative", (owner,) if owner else ())
        b = body_object(body)
        rid = request_id(request)
        why = why_of(request, b)
        strict_types("initiatives", b)
        version = _version(request, b, True)
        w = run("initiatives", lambda: actions.update_initiative(
            st, who.user, id, b, version=version, why=why, request_id=rid), "path.id")
        return written(request, w)

    del kind


def _portfolio(app: FastAPI) -> None:
    budgets = BY_PATH["budgets"]

    @app.put("/budgets/{period}/{pool}", tags=["budgets"],
             summary="Set the budget of a pool in a period (created if new)")
    def set_budget(request: Request, period: str, pool: str, body: Any = JsonBody,
                   who: Principal = Auth) -> Response:
        st, b, rid, why = begin(request, who, body, "set_budget")
        strict_types("budgets", b)
        version = _version(request, b, lambda: _exists(request, budgets, (period, pool)))
        unknown = sorted(set(b) - {"amount", "period", "pool"})
        if unknown or "amount" not in b:
            errs = [{"code": "E-UNKNOWN", "field": f"body.{k}",
                     "message": f"unknown field '{k}'"} for k in unknown]
            if "amount" not in b:
                errs.append({"code": "E-MISSING", "field": "body.amount",
                             "message": "required field 'amount' is missing"})
            raise ApiError(422, f"{errs[0]['field']}: {errs[0]['message']}", code=errs[0][
                "code"], errors=errs)
        amount = b["amount"]
        with from_path(("period", "pool"), b):
            w = run("budgets", lambda: actions.set_budget(st, who.user, period, amount, pool,
                                                          version=version, why=why,
                                                          request_id=rid))
        return written(request, w)

    @app.patch("/policy", tags=["model"], summary="Change the portfolio policy")
    def set_policy(request: Request, body: Any = JsonBody, who: Principal = Auth) -> Response:
        st, b, rid, why = begin(request, who, body, "set_policy")
        strict_types("policy", b)
        version = _version(request, b, True)
        w = run("policy", lambda: actions.set_policy(st, who.user, b, version=version,
                                                     why=why, request_id=rid))
        return written(request, w)

    @app.patch("/enterprise", tags=["model"],
               summary="Change the enterprise settings (horizon, scoring, names)",
               description="A JSON merge patch (RFC 7396) of the settings GET /enterprise "
                           "shows: an object is merged field by field, null resets a field "
                           "to its default. Based on `settings_version` of GET /enterprise "
                           "(If-Match, or `version` in the body). Extending the horizon "
                           "needs the new quarters' budget lines (PUT /budgets/...): the "
                           "answer's warnings say which are missing (W-BUDGET).")
    def set_settings(request: Request, body: Any = JsonBody, who: Principal = Auth
                     ) -> Response:
        st, b, rid, why = begin(request, who, body, "set_settings")
        version = _version(request, b, True)
        unknown = sorted(set(b) - set(SETTINGS_FIELDS))
        if unknown:
            errs = [{"code": "E-UNKNOWN", "field": f"body.{k}",
                     "message": f"unknown field '{k}'",
                     "hint": f"the settings are: {', '.join(SETTINGS_FIELDS)}"}
                    for k in unknown]
            raise ApiError(422, f"{errs[0]['field']}: {errs[0]['message']}",
                           code="E-UNKNOWN", errors=errs)
        strict_types("enterprise", b)
        w = run("enterprise", lambda: actions.set_settings(st, who.user, b, version=version,
                                                           why=why, request_id=rid))
        # a horizon extended without its budget lines: as `opmodel validate` says it
        return written(request, w, warnings=[
            issue_entry(i) for i in _written_model(request, w).warnings
            if i.code == "W-BUDGET"])

    @app.post("/decisions", status_code=201, tags=["decisions"],
              summary="Record a portfolio-office decision on an initiative")
    def decide(request: Request, body: Any = JsonBody, who: Principal = Auth) -> Response:
        st, b, rid, why = begin(request, who, body, "decide")
        b.pop("version", None)
        missing = [k for k in ("initiative", "action", "cycle") if not b.get(k)]
        if missing:
            errs = [{"code": "E-MISSING", "field": f"body.{k}",
                     "message": f"required field '{k}' is missing"} for k in missing]
            raise ApiError(422, f"{errs[0]['field']}: {errs[0]['message']}",
                           code="E-MISSING", errors=errs)
        bad = [k for k in ("initiative", "action", "cycle") if not isinstance(b[k], str)]
        if bad:
            raise ApiError(422, f"body.{bad[0]}: must be text", code="E-TYPE", errors=[
                {"code": "E-TYPE", "field": f"body.{k}", "message": "must be text"}
                for k in bad])
        strict_types("decisions", b)
        check_ids(b, ("initiative", "action", "cycle"))  # they make the decision's id
        initiative, action, cycle = b.pop("initiative"), b.pop("action"), b.pop("cycle")
        rationale = b.pop("rationale", None)
        if "against" not in b:  # the plan decided against, as `opmodel decide` records it
            from .plans import decided_against

            e = request.app.state.ctx.models.current().enterprise
            b["against"] = decided_against(request, e, cycle, initiative)
        w = run("decisions", lambda: actions.decide(
            st, who.user, initiative, action, cycle=cycle, rationale=rationale, fields=b,
            why=why, request_id=rid), "body.initiative")
        r = written(request, w, status=201)
        r.headers["Location"] = f"/decisions/{w.key}"
        return r

    @app.put("/actuals/{initiative}/{quarter}", tags=["actuals"],
             summary="Record spend and progress of an initiative in a quarter")
    def record_actuals(request: Request, initiative: str, quarter: str,
                       body: Any = JsonBody, who: Principal = Auth) -> Response:
        st, b, rid, why = begin(request, who, body, "record_actuals")
        kind = BY_PATH.get("actuals")
        strict_types("actuals", b)
        version = _version(request, b, lambda: kind is not None and _exists(
            request, kind, (initiative, quarter)))
        with from_path(("initiative", "quarter"), b):
            w = run("actuals", lambda: actions.record_actuals(
                st, who.user, initiative, quarter, b, version=version, why=why,
                request_id=rid), "path.initiative")
        return written(request, w, warnings=actuals_warnings(request, w, initiative, quarter))


def _architecture(app: FastAPI, kind: Kind) -> None:
    params = "/".join("{" + k + "}" for k in kind.key)
    label = kind.entity.replace("_", " ")

    def put_entity(request: Request, body: Any = JsonBody, who: Principal = Auth,
                   **keys: str) -> Response:
        st = writable(request, who)
        precheck(who, "set_entity")
        key = tuple(keys[k] for k in kind.key)
        b = body_object(body)
        rid = request_id(request)
        why = why_of(request, b)
        strict_types(kind.entity, b)
        version = _version(request, b, lambda: _exists(request, kind, key))
        given = dict(b)
        for k, v in zip(kind.key, key, strict=True):
            b.setdefault(k, v)
        with from_path(kind.key, given):
            w = run(kind.entity, lambda: actions.set_entity(
                st, who.user, kind.entity, "/".join(key), b, version=version, why=why,
                request_id=rid))
        return written(request, w)

    def delete_entity(request: Request, who: Principal = Auth, **keys: str) -> Response:
        st = writable(request, who)
        precheck(who, "set_entity")
        key = tuple(keys[k] for k in kind.key)
        rid = request_id(request)
        why = header_why(request)
        version = _version(request, {}, lambda: _exists(request, kind, key))
        w = run(kind.entity, lambda: actions.set_entity(
            st, who.user, kind.entity, "/".join(key), None, version=version, why=why,
            request_id=rid), "path." + kind.key[-1])
        return written(request, w)

    name = kind.entity
    put_entity.__name__ = f"put_{name}"
    delete_entity.__name__ = f"delete_{name}"
    with_path_params(put_entity, kind.key)
    with_path_params(delete_entity, kind.key)
    app.add_api_route(f"/{kind.path}/{params}", put_entity, methods=["PUT"],
                      tags=[kind.path], summary=f"Create or replace a {label} (the whole "
                      "entity)")
    app.add_api_route(f"/{kind.path}/{params}", delete_entity, methods=["DELETE"],
                      tags=[kind.path], summary=f"Remove a {label}")
