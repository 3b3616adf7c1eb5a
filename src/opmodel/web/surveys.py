"""Assessment surveys over HTTP: a unit's workbook out, a returned one merged in."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import Response

from .. import actions
from ..errors import UnknownIdError
from .auth import Principal, authenticate
from .errors import ApiError, from_opmodel_error
from .jsonout import answer, dumps
from .writes import header_why, precheck, request_id, run, writable

Auth = Depends(authenticate)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def register(app: FastAPI) -> None:
    @app.get("/surveys/{business_unit}", tags=["surveys"],
             summary="The assessment survey of a unit (.xlsx), as `opmodel survey export`",
             response_class=Response, responses={200: {"content": {XLSX: {}}}})
    def export(request: Request, business_unit: str, who: Principal = Auth) -> Response:
        import datetime as dt
        import io

        from ..io.survey import survey_workbook
        from .resources import snapshot

        e = snapshot(request, request.query_params.get("at")).enterprise
        try:
            wb = survey_workbook(e, business_unit, dt.date.today())
        except UnknownIdError as exc:
            mapped = from_opmodel_error(exc)
            mapped.errors[0]["field"] = "path.business_unit"
            raise mapped from None
        buf = io.BytesIO()
        wb.save(buf)
        return Response(buf.getvalue(), media_type=XLSX, headers={
            "Content-Disposition": f'attachment; filename="survey-{business_unit}.xlsx"'})

    @app.post("/surveys", tags=["surveys"],
              summary="Merge a returned survey workbook (the request body, .xlsx) into the "
                      "assessments, as `opmodel survey merge`",
              openapi_extra={"requestBody": {"required": True,
                                             "content": {XLSX: {"schema": {
                                                 "type": "string", "format": "binary"}}}}})
    async def merge(request: Request, force: bool = Query(
            False, description="Keep the survey's values where the store changed since the "
                               "survey was exported."),
            date: str | None = Query(None, description="The day the answers the lead left "
                                     "undated are dated (YYYY-MM-DD; default today), as "
                                     "`opmodel survey merge --date`."),
            who: Principal = Auth) -> Response:
        from starlette.concurrency import run_in_threadpool

        day = _day(date)
        data = await request.body()
        return await run_in_threadpool(_merge_survey, request, who, data, force, day)


def _day(text: str | None) -> Any:
    """``?date=``: a day (YYYY-MM-DD), or None (today)."""
    import datetime as dt

    if text is None or not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        from ..io.safefile import excerpt

        msg = f"date: '{excerpt(text, 40)}' is not a day like 2027-03-31"
        raise ApiError(422, f"query.{msg}", code="E-TYPE", errors=[
            {"code": "E-TYPE", "field": "query.date", "message": msg}]) from None


def _merge_survey(request: Request, who: Principal, data: bytes, force: bool,
                  day: Any = None) -> Response:
    import tempfile
    from pathlib import Path

    st = writable(request, who)
    precheck(who, "merge_survey")
    if not data.startswith(b"PK"):
        raise ApiError(422, "body: not an .xlsx workbook", code="E-TYPE", errors=[
            {"code": "E-TYPE", "field": "body", "message": "not an .xlsx workbook (send the "
             "returned survey file as the request body)"}])
    rid = request_id(request)
    why = header_why(request) or "survey merged through the API"
    with tempfile.TemporaryDirectory(prefix="opmodel-survey-") as tmp, _in_the_body():
        path = Path(tmp) / "survey.xlsx"
        path.write_bytes(data)
        warned = run("assessments", lambda: _warnings(request, path, day), write=False)
        done = run("assessments", lambda: actions.merge_survey(
            st, who.user, path, force=force, today=day, why=why, request_id=rid))
    out = [{"entity": w.entity, "version": w.version, "revision": w.revision, "data": w.data}
           for w in done]
    return answer(request, dumps({"ok": True, "changed": len(out), "written": out,
                                  "warnings": warned, "request_id": rid}))


@contextlib.contextmanager
def _in_the_body() -> Iterator[None]:
    """A problem of the workbook sent is at ``body`` (its cell, ``Assessments!E7``, in
    ``location``), not at the name of the file it was written to on the server
    (``survey.xlsx``, which the client never named)."""
    try:
        yield
    except ApiError as exc:
        for e in exc.errors:
            if not str(e.get("field", "body")).startswith("body"):
                e["field"] = "body"
            if str(e.get("location", "")).startswith("survey.xlsx"):
                del e["location"]
        if exc.message.startswith("survey.xlsx"):
            exc.message = "body" + exc.message[len("survey.xlsx"):]
        raise


def _warnings(request: Request, path: Any, day: Any = None) -> list[dict[str, Any]]:
    """The warnings `opmodel survey merge` prints for this survey (W-DATE an answer dated
    after today, W-MODEL exported from another model, …), each at its cell (``location``),
    read as the command reads them: the survey planned against the model as it stands."""
    from ..io.survey import plan_merge

    plan = plan_merge(request.app.state.ctx.models.current().enterprise, path, day)
    out = []
    for i in plan.warnings:
        entry: dict[str, Any] = {"code": i.code, "message": i.message, "field": "body"}
        if i.location:
            entry["location"] = i.location
        if i.hint:
            entry["hint"] = i.hint
        out.append(entry)
    return out
