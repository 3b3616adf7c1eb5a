"""One JSON error shape for every error the API answers (STYLE.md §7)::

    {"ok": false, "error": "what went wrong", "errors": [{...}, ...], "status": 409,
     "code": "E-CONFLICT"}

``error`` is one sentence for a person; ``errors`` lists every problem found, each with its
own ``code`` and ``message`` and, where there is one, the ``field`` it is about (a dotted
path such as ``body.current`` or ``query.limit``) and a ``hint``. A stale write (409) adds
``yours`` and ``current`` to the entry of each field in conflict.

:class:`ApiError` is what route code raises; :func:`install` registers the handlers that
turn it, opmodel's own errors, FastAPI's request validation, Starlette's 404/405 and any
unhandled exception into that shape.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import InputError, Issue, ModelError, OpmodelError, UnknownIdError

log = logging.getLogger("opmodel.web")

#: the code of each HTTP status the API uses, when no more precise code is known
STATUS_CODES = {
    400: "E-INPUT", 401: "E-AUTH", 403: "E-FORBIDDEN", 404: "E-NOT-FOUND",
    405: "E-METHOD", 406: "E-ACCEPT", 409: "E-CONFLICT", 413: "E-TOO-LARGE",
    415: "E-MEDIA-TYPE", 422: "E-INVALID", 428: "E-PRECONDITION", 429: "E-BUSY",
    500: "E-INTERNAL", 503: "E-UNAVAILABLE",
}


class ApiError(Exception):
    """An error answer: ``status``, a one-line ``message``, a stable ``code`` and the list
    of problems (each a dict with at least ``code`` and ``message``)."""

    def __init__(self, status: int, message: str, *, code: str | None = None,
                 errors: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or STATUS_CODES.get(status, "E-HTTP")
        self.errors = errors if errors is not None else [
            {"code": self.code, "message": message}]
        self.headers = headers


def body(status: int, message: str, code: str, errors: list[dict[str, Any]]) -> dict[str, Any]:
    for e in errors:
        if isinstance(e.get("hint"), str):
            e["hint"] = for_the_api(e["hint"])
        if isinstance(e.get("message"), str):
            e["message"] = _said(e["message"])
    return {"ok": False, "error": _said(message), "errors": errors, "status": status,
            "code": code}


#: the command line's flags in the library's messages, as a request says them
_IN_MESSAGES = (
    (" without --until", " without until"),
    ("use force-start --start Q to move it", 'decide "force-start" with a "start" to move it'),
)


def _said(message: str) -> str:
    for cli, api in _IN_MESSAGES:
        message = message.replace(cli, api)
    return message


#: the command line's flags in the library's hints, as a request says them
_AS_REQUESTED = (
    ("opmodel decide … --cycle Q --date YYYY-MM-DD", '"cycle": "Q" and "date": "YYYY-MM-DD"'),
    ("say why with --why", 'say why in "rationale"'),
    ("give --start Q", 'give "start": "Q"'),
    ("give --until Q", 'give "until": "Q"'),
    ("pass --units unit-a,unit-b", 'give "units": ["unit-a", "unit-b"]'),
    ("merge with --force", "merge with ?force=true"),
    ("or merge with --date of the day answered", "or merge with ?date= of the day answered"),
    ("--confidence ", '"confidence": '),
    ("--time-limit", '"time_limit"'),
    ("--gap", '"gap"'),
    ("`opmodel survey export`", "GET /surveys/{business_unit}"),
)


def for_the_api(hint: str) -> str:
    """A hint of the library written for the command line ("say why with --why") as a
    request says it ('say why in "rationale"'); others unchanged."""
    for cli, api in _AS_REQUESTED:
        hint = hint.replace(cli, api)
    return hint


class _ErrorJSON(JSONResponse):
    """An error body that always renders: strict JSON (NaN and infinities as null) and
    text echoed from the request that UTF-8 cannot carry (a lone surrogate sent as
    ``"\\ud800"``) kept as a JSON escape instead of failing with a 500."""

    def render(self, content: Any) -> bytes:
        from ..jsonable import clean, default

        data = clean(content)
        try:
            return json.dumps(data, ensure_ascii=False, allow_nan=False,
                              separators=(",", ":"), default=default).encode("utf-8")
        except UnicodeEncodeError:
            return json.dumps(data, ensure_ascii=True, allow_nan=False,
                              separators=(",", ":"), default=default).encode("ascii")


def response(exc: ApiError) -> JSONResponse:
    return _ErrorJSON(body(exc.status, exc.message, exc.code, exc.errors),
                      status_code=exc.status, headers=exc.headers)


def not_found(kind: str, id_: str, hint: str | None = None,
              field: str | None = None) -> ApiError:
    from ..io.safefile import excerpt  # an id of 20,000 characters was echoed whole

    entry: dict[str, Any] = {"code": "E-REF", "message": f"no {kind} with id '{excerpt(id_)}'"}
    if field:
        entry["field"] = field
    if hint:
        entry["hint"] = hint
    return ApiError(404, entry["message"], code="E-REF", errors=[entry])


# -- turning other errors into ApiError ---------------------------------------------------
def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(p) for p in loc)


def issue_entry(i: Issue, prefix: str = "") -> dict[str, Any]:
    entry: dict[str, Any] = {"code": i.code, "message": i.message}
    if i.path:
        entry["field"] = (prefix + "." if prefix else "") + _field(i.path)
    elif prefix:
        entry["field"] = prefix
    if i.location:
        entry["location"] = i.location
    if i.hint:
        entry["hint"] = i.hint
    return entry


def from_model_error(exc: ModelError, prefix: str = "") -> ApiError:
    errors = exc.errors or exc.issues
    entries = [issue_entry(i, prefix) for i in errors]
    first = entries[0]["message"] if entries else str(exc)
    msg = first if len(entries) == 1 else f"{len(entries)} problems: {first}; …"
    return ApiError(422, msg, code=exc.code, errors=entries)


def from_opmodel_error(exc: OpmodelError) -> ApiError:
    """Map the library's error tree (and the store's, by duck typing) to HTTP."""
    if isinstance(exc, ModelError):
        return from_model_error(exc)
    entry: dict[str, Any] = {"code": exc.code, "message": exc.message}
    if exc.hint:
        entry["hint"] = exc.hint
    for attr in ("field", "yours", "current", "entity"):
        if hasattr(exc, attr):
            entry[attr] = getattr(exc, attr)
    status = getattr(exc, "http_status", None)
    if status is None:
        if isinstance(exc, UnknownIdError):
            status = 404
        elif isinstance(exc, InputError):
            status = 400
        else:
            status = _status_by_name(exc)
    return ApiError(status, exc.message, code=exc.code, errors=[entry])


def _status_by_name(exc: Exception) -> int:
    """Statuses for the store's errors, by the names of their classes (the store's tree
    hangs under :class:`OpmodelError`; this keeps the web layer free of its imports)."""
    names = {c.__name__ for c in type(exc).__mro__}
    for name, status in (("ConflictError", 409), ("StaleError", 409),
                         ("PermissionDenied", 403), ("ForbiddenError", 403),
                         ("RightsError", 403), ("AuthError", 401),
                         ("AuthenticationError", 401), ("NotFoundError", 404),
                         ("OptimizationError", 422)):
        if name in names:
            return status
    return 400


def from_validation(exc: RequestValidationError,
                    body_fields: list[str] | None = None) -> ApiError:
    """FastAPI's request validation in our words, each problem at its field: ``query.limit:
    limit: 'abc' is not a whole number`` (was pydantic's "Input should be a valid integer,
    unable to parse string as an integer"), ``body: not JSON: Expecting ',' delimiter (line
    1, column 9)`` (was "JSON decode error" at ``body.8``, the character's position)."""
    from ..io.issues import pydantic_issues

    entries = []
    for e in exc.errors():
        loc = tuple(e.get("loc", ()))
        typ = str(e.get("type", ""))
        if typ == "json_invalid":
            at = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None
            reason = str((e.get("ctx") or {}).get("error") or "it could not be read")
            entries.append({"code": "E-JSON", "field": "body", "message": f"not JSON: {reason}"
                            + (f" (at character {at + 1})" if at is not None else "")})
            continue
        if typ == "missing" and loc == ("body",):
            entries.append({"code": "E-MISSING", "field": "body",
                            "message": "no body: send a JSON object"})
            continue
        if typ.startswith(("greater", "less")) and isinstance(e.get("input"), str):
            e = {**e, "input": _number(e["input"])}  # ?limit=0: "limit: 0 must be …"
        issue = pydantic_issues(_Errors([e]))[0]  # type: ignore[arg-type]
        entry = {"code": issue.code, "field": _field(loc),
                 "message": issue.message.replace(" is not a bool", " is not true or false")}
        if issue.code == "E-UNKNOWN":  # its hint named the model's keys, not the body's
            from difflib import get_close_matches

            close = get_close_matches(str(loc[-1]), body_fields or [], n=1, cutoff=0.6)
            hint = (f"did you mean '{close[0]}'?" if close else
                    f"known keys: {', '.join(body_fields)}" if body_fields else None)
        else:
            hint = issue.hint
        if hint:
            entry["hint"] = hint
        entries.append(entry)
    first = entries[0] if entries else {"field": "body", "message": "invalid request"}
    msg = f"{first.get('field')}: {first['message']}"
    if len(entries) > 1:
        msg += f" (and {len(entries) - 1} more)"
    return ApiError(422, msg, code="E-INVALID", errors=entries)


def _number(text: str) -> Any:
    """A query's number as the number it says (``"0"`` → 0), else the text."""
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


class _Errors:
    """One error of FastAPI's list, shaped as :func:`opmodel.io.issues.pydantic_issues`
    reads a ``ValidationError``."""

    def __init__(self, errors: list[Any]) -> None:
        self._errors = errors

    def errors(self, include_url: bool = False) -> list[Any]:
        return self._errors


def _body_fields(request: Request) -> list[str] | None:
    """The fields of the route's body model (``POST /plans``: scenario, confidence, …)."""
    dependant = getattr(request.scope.get("route"), "dependant", None)
    for f in getattr(dependant, "body_params", ()):
        fields = getattr(getattr(f, "field_info", None), "annotation", None)
        if hasattr(fields, "model_fields"):
            return list(fields.model_fields)
    return None


def install(app: FastAPI) -> None:
    """Register the handlers that give every error the one shape."""

    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> JSONResponse:
        return response(exc)

    @app.exception_handler(OpmodelError)
    async def _opmodel(request: Request, exc: OpmodelError) -> JSONResponse:
        return response(from_opmodel_error(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return response(from_validation(exc, _body_fields(request)))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        status = exc.status_code
        message = str(exc.detail) if exc.detail else "error"
        if status == 404 and message == "Not Found":
            message = f"no route {request.method} {request.url.path}"
        elif status == 405:
            message = f"{request.method} is not allowed on {request.url.path}"
        headers = dict(exc.headers) if exc.headers else None
        if status == 400 and "parsing the body" in message:  # FastAPI's: JSON nested too
            # deep to decode (RecursionError), or an integer Python will not convert
            said = ("not JSON this server can read: nested too deep, or a number of more "
                    "than 4,300 digits")
            return response(ApiError(status, f"body: {said}", code="E-INPUT", headers=headers,
                                     errors=[{"code": "E-INPUT", "field": "body",
                                              "message": said}]))
        return response(ApiError(status, message, headers=headers))

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return response(ApiError(500, "internal error; the request changed nothing it did "
                                      "not report (see the server log)"))
