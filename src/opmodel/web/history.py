"""The change log: who changed what, when and why (``GET /history``)."""

from __future__ import annotations

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import Response

from ..errors import OpmodelError
from .auth import OWN_QUERY, Principal, authenticate
from .errors import ApiError, from_opmodel_error
from .jsonout import answer, dumps
from .resources import page

Auth = Depends(authenticate)
BIG = 2**53
"""Largest revision number or offset asked for: a database integer holds it (a larger one
was a 500 from SQLite's or PostgreSQL's integer overflow)."""


def register(app: FastAPI) -> None:
    @app.get("/history", tags=["history"],
             summary="The change log, newest first: who, when, entity, field, old → new")
    def history(request: Request,
                entity: str | None = Query(None, description="kind:key (initiative:crm) or "
                                           "a whole kind (assessments)."),
                since: int | None = Query(None, ge=0, le=BIG, description="Only revisions "
                                          "after this one."),
                who: str | None = Query(None, description="Only the changes made by this "
                                        "user."),
                action: str | None = Query(None, description="Only the changes made by this "
                                           "action (set_assessment, decide, …)."),
                limit: int = Query(100, ge=1, le=1000),
                offset: int = Query(0, ge=0, le=BIG),
                caller: Principal = Auth) -> Response:
        known = ("entity", "since", "who", "action", "limit", "offset")
        bad = [{"code": "E-UNKNOWN", "field": f"query.{k}",
                "message": f"'{k}' is not a filter of the history",
                "hint": "filter on one of: " + ", ".join(known)}
               for k in request.query_params if k not in known]
        if bad:  # never answer the whole log to a filter that was not applied
            raise ApiError(400, bad[0]["message"], code="E-UNKNOWN", errors=bad)
        src = request.app.state.ctx.source
        if not src.writable:
            return answer(request, dumps(page(request, [], limit, offset)))
        try:  # the newest offset + limit + 1 changes: enough to page, without the whole log
            changes = src.store.history(entity, since=since, limit=offset + limit + 1,
                                        who=who or None, action=action or None)
        except OpmodelError as exc:
            e = from_opmodel_error(exc)
            for x in e.errors:
                x["field"] = "query.entity"
            raise e from None
        changes.reverse()
        data = page(request, changes, limit, offset, lambda c: c.as_dict())
        data["total"] = None  # not counted: the log of a large model is long
        return answer(request, dumps(data))

    setattr(history, OWN_QUERY, True)  # says which filters it has itself
