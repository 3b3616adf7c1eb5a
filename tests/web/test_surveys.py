"""Surveys over HTTP: a unit's workbook out, the returned workbook merged in (through the
merge_survey action: a bu-lead for their own unit only; conflicts refused with 409)."""

from __future__ import annotations

import io
import json
from typing import Any

from openpyxl import load_workbook

from opmodel.store import open_store

from .conftest import assert_error_shape

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _fill(data: bytes, capability: str, current: Any, column: str = "current") -> bytes:
    """The survey with ``current`` answered for ``capability`` (as a unit lead would), or
    another ``column``."""
    wb = load_workbook(io.BytesIO(data))
    ws = next(w for w in wb.worksheets if w.sheet_state == "visible"
              and any(c.value == "current" for c in w[1]))
    head = [c.value for c in ws[1]]
    col = head.index(column) + 1
    for row in ws.iter_rows(min_row=2):
        if row[0].value == capability:
            ws.cell(row=row[0].row, column=col, value=current)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_survey_round_trip_through_the_api(clients: Any, store_url: str) -> None:
    lead = clients["stella"]
    r = lead.get("/surveys/storage")
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    filled = _fill(r.content, "order-capture", 3)
    # another unit's lead may not merge it; nothing changes
    st = open_store(store_url)
    rev = st.revision()
    assert_error_shape(clients["nick"].post("/surveys", content=filled,
                                            headers={"content-type": XLSX}), 403)
    assert_error_shape(clients["vera"].post("/surveys", content=filled,
                                            headers={"content-type": XLSX}), 403)
    assert st.revision() == rev
    done = lead.post("/surveys", content=filled, headers={"content-type": XLSX})
    assert done.status_code == 200, done.text
    written = {w["entity"]: w for w in done.json()["written"]}
    assert written["assessments:order-capture/storage"]["data"]["current"] == 3
    assert lead.get("/assessments/order-capture/storage").json()["current"] == 3
    # the same survey again, after someone else changed that cell: a conflict, 409
    lead.patch("/assessments/order-capture/storage", json={"current": 2.5},
               headers={"If-Match": "*"})
    rev = st.revision()
    again = _fill(r.content, "order-capture", 2)
    body = assert_error_shape(lead.post("/surveys", content=again,
                                        headers={"content-type": XLSX}), 409)
    assert body["errors"] and st.revision() == rev
    forced = lead.post("/surveys?force=true", content=again, headers={"content-type": XLSX})
    assert forced.status_code == 200, forced.text


def test_bad_surveys_are_refused(clients: Any, store_url: str) -> None:
    lead = clients["stella"]
    st = open_store(store_url)
    rev = st.revision()
    r = lead.get("/surveys/storage")
    bad = _fill(r.content, "order-capture", 9)
    body = assert_error_shape(lead.post("/surveys", content=bad,
                                        headers={"content-type": XLSX}), 422)
    assert any("order-capture" in (e.get("location") or "") or "9" in e["message"]
               for e in body["errors"]), body
    assert_error_shape(lead.post("/surveys", content=b"PK\x03\x04 not really a zip",
                                 headers={"content-type": XLSX}))
    assert_error_shape(lead.post("/surveys", content=b"hello"), 422)
    assert st.revision() == rev
    body = assert_error_shape(lead.get("/surveys/nowhere"), 404)
    assert body["errors"][0]["field"] == "path.business_unit"


def test_a_merge_answers_the_warnings_the_command_prints(clients: Any, store_url: str,
                                                        tmp_path: Any) -> None:
    """POST /surveys answered no warnings where `opmodel survey merge` printed them (W-DATE:
    an answer dated after the merge, a mistyped year): the same codes, texts and cells."""
    import datetime as dt

    from opmodel import api
    from opmodel.io.survey import plan_merge

    lead = clients["stella"]
    exported = lead.get("/surveys/storage").content
    dated = _fill(_fill(exported, "order-capture", 3), "order-capture",
                  dt.datetime(2099, 1, 5), "date")
    (tmp_path / "s.xlsx").write_bytes(dated)
    expected = [(i.code, i.message, i.location)
                for i in plan_merge(api.load(store_url), tmp_path / "s.xlsx").warnings]
    assert [c for c, *_ in expected] == ["W-DATE"]
    done = lead.post("/surveys", content=dated, headers={"content-type": XLSX})
    assert done.status_code == 200, done.text
    got = done.json()["warnings"]
    assert [(w["code"], w["message"], w["location"]) for w in got] == expected
    assert got[0]["location"].startswith("Assessments!") and got[0]["field"] == "body"
    # a survey without any answers none
    quiet = lead.post("/surveys", content=lead.get("/surveys/storage").content,
                      headers={"content-type": XLSX})
    assert quiet.status_code == 200 and quiet.json()["warnings"] == []


def test_a_workbook_that_is_no_survey_is_refused_at_the_body(clients: Any) -> None:
    """Its problems were at "survey.xlsx", the name of the server's temporary file."""
    from openpyxl import Workbook

    other = io.BytesIO()
    wb = Workbook()
    wb.active["A1"] = "hello"
    wb.save(other)
    lead = clients["stella"]
    for data in (other.getvalue(), b"PK\x03\x04 not really a zip"):
        err = assert_error_shape(lead.post("/surveys", content=data,
                                           headers={"content-type": XLSX}), 422)
        assert [e["field"] for e in err["errors"]] == ["body"], err
        assert "survey.xlsx" not in json.dumps(err), err
    err = assert_error_shape(lead.post("/surveys", content=other.getvalue(),
                                       headers={"content-type": XLSX}), 422)
    assert err["errors"][0]["hint"].startswith("export one with GET /surveys/")
    # a bad cell keeps its place in the workbook
    bad = _fill(lead.get("/surveys/storage").content, "order-capture", 9)
    err = assert_error_shape(lead.post("/surveys", content=bad,
                                       headers={"content-type": XLSX}), 422)
    assert err["errors"][0]["field"] == "body"
    assert err["errors"][0]["location"].startswith("Assessments!")


def test_a_merge_dates_undated_answers_with_the_day_given(clients: Any) -> None:
    """`opmodel survey merge --date` had no counterpart: the API dated them today."""
    lead = clients["stella"]
    filled = _fill(lead.get("/surveys/storage").content, "order-capture", 3)
    done = lead.post("/surveys?date=2027-01-05", content=filled,
                     headers={"content-type": XLSX})
    assert done.status_code == 200, done.text
    assert lead.get("/assessments/order-capture/storage").json()["date"] == "2027-01-05"
    err = assert_error_shape(lead.post("/surveys?date=tomorrow", content=filled,
                                       headers={"content-type": XLSX}), 422)
    assert err["errors"][0]["field"] == "query.date"
