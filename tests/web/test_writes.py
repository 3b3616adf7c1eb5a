"""Write receipts and refusals as a script author meets them: the warnings a write brings
(the command line's, same codes and texts), located wording for every wrong type, one
status for one kind of mistake, bounded text."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from opmodel.store import open_store

from .conftest import assert_error_shape

ANY = {"If-Match": "*"}


def _state(url: str) -> tuple[int, Any]:
    store = open_store(url)
    last = store.history(limit=1)
    return store.revision(), last[-1] if last else None


def cli_warnings(template: Path, tmp_path: Path, row: str) -> list[tuple[str, str]]:
    """(code, message) of each warning ``opmodel actuals`` gives for a file of ``row``, on
    another copy of the same store."""
    from opmodel import api

    db = tmp_path / "cli.db"
    shutil.copyfile(template, db)
    csv = tmp_path / "actuals.csv"
    csv.write_text("quarter,initiative,spent\n" + row + "\n")
    got: list[Any] = []
    api.record_actuals(f"sqlite:///{db}", csv, on_warning=got.append)
    return [(i.code, i.message) for i in got]


@pytest.mark.parametrize("initiative,quarter,codes", [
    ("genai-sales", "2027Q2", {"W-ACTUAL"}),          # never approved
    ("crm-salesforce", "2027Q3", {"W-UNREPORTED"}),   # others in flight have no row yet
])
def test_put_actuals_answers_the_warnings_the_command_prints(
        clients: Any, acme_store_template: tuple[Path, dict[str, str]], tmp_path: Path,
        initiative: str, quarter: str, codes: set[str]) -> None:
    """PUT /actuals answered no warnings where `opmodel actuals` printed W-ACTUAL and
    W-UNREPORTED: a script learnt nothing of spend on work never approved."""
    r = clients["pat"].put(f"/actuals/{initiative}/{quarter}", json={"spent": 100},
                           headers=ANY)
    assert r.status_code == 200, r.text
    warnings = r.json()["warnings"]
    assert {w["code"] for w in warnings} == codes
    expected = cli_warnings(acme_store_template[0], tmp_path, f"{quarter},{initiative},100")
    assert [(w["code"], w["message"]) for w in warnings] == expected
    for w in warnings:
        assert w["field"] == ("body.spent" if w["code"] == "W-ACTUAL" else "path.quarter")
    # a row that brings none answers an empty list
    quiet = clients["pat"].put("/actuals/genai-sales/2027Q2", json={"spent": 0}, headers=ANY)
    assert quiet.status_code == 200 and "W-ACTUAL" not in {
        w["code"] for w in quiet.json()["warnings"]}


DECISION = {"initiative": "genai-sales", "action": "reject", "cycle": "2027Q3",
            "date": "2027-07-10", "rationale": "not now"}


@pytest.mark.parametrize("method,path,body,field,message", [
    # read as seconds since 1970: "Datetimes provided to dates should have zero time"
    ("POST", "/decisions", {**DECISION, "date": 20270101}, "body.date",
     "date: 20270101 is not a date (YYYY-MM-DD)"),
    ("PATCH", "/assessments/order-capture/storage", {"date": 1}, "body.date",
     "date: 1 is not a date (YYYY-MM-DD)"),
    # a number where text belongs was stored as text ("by": "5")
    ("POST", "/decisions", {**DECISION, "by": 5}, "body.by", "by: 5 is not text"),
    ("POST", "/decisions", {**DECISION, "rationale": 1.5}, "body.rationale",
     "rationale: 1.5 is not text"),
    ("PATCH", "/assessments/order-capture/storage", {"notes": 3}, "body.notes",
     "notes: 3 is not text"),
    ("PATCH", "/initiatives/eu-data-act", {"depends_on": 3}, "body.depends_on",
     "depends_on: 3 is not a list"),
    ("PATCH", "/initiatives/eu-data-act", {"mandatory": 1}, "body.mandatory",
     "mandatory: 1 is not true or false"),
    ("PATCH", "/assessments/order-capture/storage", {"target": True}, "body.target",
     "target: true is not a number"),
])
def test_a_wrong_json_type_is_said_in_our_words_at_its_field(
        clients: Any, store_url: str, method: str, path: str, body: dict[str, Any],
        field: str, message: str) -> None:
    before = _state(store_url)
    r = clients["ada"].request(method, path, json=body, headers=ANY)
    err = assert_error_shape(r, 422)
    assert err["code"] == "E-TYPE"
    assert err["errors"] == [{"code": "E-TYPE", "field": field, "message": message}]
    assert err["error"] == f"{field}: {message}"
    assert _state(store_url) == before
    # the same value as the type the field wants goes through
    fixed = {k: ("2027-07-10" if k == "date" else "x" if isinstance(v, int | float)
                 and not isinstance(v, bool) and k not in ("depends_on", "mandatory")
                 else v) for k, v in body.items()}
    if field in ("body.date", "body.by"):
        ok = clients["ada"].request(method, path, json=fixed, headers=ANY)
        assert ok.status_code in (200, 201), ok.text


LONG_ID = "x" * 201


@pytest.mark.parametrize("method,path,body,field", [
    ("PUT", f"/capabilities/{LONG_ID}", {"name": "X", "stage": "sell"}, "path.id"),
    ("PUT", f"/capabilities/{'y' * 1000}", {"name": "X", "stage": "sell"}, "path.id"),
    ("DELETE", f"/capabilities/{'y' * 1000}", None, "path.id"),
    ("PUT", f"/budgets/2027Q1/{'p' * 500}", {"amount": 1}, "path.pool"),
    ("PUT", f"/assessments/{'c' * 450}/storage", {"current": 1, "target": 2},
     "path.capability"),
    ("PUT", f"/actuals/{'i' * 450}/2027Q1", {"spent": 1}, "path.initiative"),
    ("PATCH", f"/initiatives/{'i' * 450}", {"name": "x"}, "path.id"),
    ("POST", "/initiatives", {"id": LONG_ID, "name": "X", "owner": "storage", "kind": "grow",
                              "duration": 1, "cost": 1}, "body.id"),
    ("POST", "/decisions", {**DECISION, "id": LONG_ID}, "body.id"),
    # the cycle and the initiative make a decision's id: over 400 together was a 400
    ("POST", "/decisions", {**DECISION, "cycle": "2027Q3" * 100}, "body.cycle"),
    ("POST", "/decisions", {**DECISION, "initiative": LONG_ID}, "body.initiative"),
    ("PATCH", f"/users/{'u' * 450}", {"role": "viewer"}, "path.name"),
    # three ids of 150 characters each: 452 together, over the store's 400 for a key
    ("PUT", f"/usage/{'a' * 150}/{'b' * 150}/{'c' * 150}", {}, "path.capability"),
    ("PUT", f"/assessments/{'c' * 200}/{'s' * 200}", {"current": 1, "target": 2},
     "path.business_unit"),
])
def test_an_over_long_id_is_a_422_at_its_field(clients: Any, store_url: str, method: str,
                                                path: str, body: Any, field: str) -> None:
    """An id of more than 400 characters was a 400 with no field (the store's key check),
    one of 201–400 characters was stored (an id no page, file or workbook handles well):
    now 422 at its field, as every other invalid input, and nothing written."""
    before = _state(store_url)
    r = clients["ada"].request(method, path, json=body, headers=ANY)
    err = assert_error_shape(r, 422)
    assert [e["field"] for e in err["errors"]] == [field]
    assert err["errors"][0]["code"] == "E-LENGTH"
    assert len(err["error"]) < 300  # the id is quoted, not echoed whole
    assert _state(store_url) == before


def test_an_id_at_the_bound_is_taken_and_a_long_unknown_one_is_a_short_404(
        clients: Any) -> None:
    at_bound = "z" * 200
    r = clients["ada"].put(f"/capabilities/{at_bound}", json={"name": "Z", "stage": "sell"})
    assert r.status_code == 200, r.text[:300]
    r = clients["ada"].get(f"/capabilities/{'q' * 20000}")
    err = assert_error_shape(r, 404)
    assert len(err["error"]) < 200 and err["errors"][0]["field"] == "path.id"


def test_a_control_character_in_a_path_id_is_a_422(clients: Any, store_url: str) -> None:
    before = _state(store_url)
    r = clients["ada"].put("/capabilities/a%0Ab", json={"name": "X", "stage": "sell"})
    err = assert_error_shape(r, 422)
    assert err["errors"][0]["field"] == "path.id" and "\\n" in err["error"]
    assert _state(store_url) == before


@pytest.mark.parametrize("method,path,body,field", [
    ("PUT", "/capabilities/new-cap", {"name": "n" * 201, "stage": "sell"}, "body.name"),
    ("PUT", "/capabilities/new-cap", {"name": "N", "stage": "sell",
                                      "description": "d" * 32768}, "body.description"),
    ("POST", "/decisions", {**DECISION, "rationale": "r" * 32768}, "body.rationale"),
    ("POST", "/decisions", {**DECISION, "decision_makers": ["ok", "m" * 32768]},
     "body.decision_makers.1"),
    ("PATCH", "/assessments/order-capture/storage", {"notes": "n" * 32768}, "body.notes"),
    ("PATCH", "/assessments/order-capture/storage", {"current": 2, "why": "w" * 32768},
     "body.why"),
    ("PUT", "/actuals/eu-data-act/2027Q1", {"spent": 1, "note": "n" * 32768}, "body.note"),
    ("PATCH", "/policy", {"teams": [{"id": "t", "name": "t" * 201, "capacity": 1}]},
     "body.teams.0.name"),
    ("PATCH", "/initiatives/eu-data-act", {"name": "i" * 201,
                                           "description": "d" * 40000},
     "body.name body.description"),
    ("POST", "/users", {"name": "u" * 201, "role": "viewer"}, "body.name"),
])
def test_text_over_its_bound_is_a_located_422(clients: Any, store_url: str, method: str,
                                              path: str, body: Any, field: str) -> None:
    """No text had a bound: a 1 MB rationale was stored, and a 40,000-character
    description then made `opmodel export … .xlsx` refuse the model (an Excel cell holds
    32,767). Names at most 200, any other text at most 32,767: every one at its field."""
    before = _state(store_url)
    r = clients["ada"].request(method, path, json=body, headers=ANY)
    err = assert_error_shape(r, 422)
    assert [e["field"] for e in err["errors"]] == field.split()
    assert {e["code"] for e in err["errors"]} == {"E-LENGTH"}
    assert len(err["error"]) < 300
    assert _state(store_url) == before


def test_text_at_its_bound_is_stored_and_exports_to_a_workbook(
        clients: Any, store_url: str, tmp_path: Path) -> None:
    from opmodel import api

    r = clients["ada"].put("/capabilities/new-cap", json={
        "name": "n" * 200, "stage": "sell", "description": "d" * 32767})
    assert r.status_code == 200, r.text[:300]
    r = clients["ada"].patch("/assessments/order-capture/storage",
                             json={"notes": "é" * 32767, "why": "w" * 32767}, headers=ANY)
    assert r.status_code == 200, r.text[:300]
    api.export_model(store_url, tmp_path / "model.xlsx")  # the workbook takes what the API took
    assert (tmp_path / "model.xlsx").stat().st_size > 0


def test_the_bound_is_an_excel_cell() -> None:
    from opmodel.io.xlsx import EXCEL_CELL
    from opmodel.web.bounds import MAX_TEXT

    assert MAX_TEXT == EXCEL_CELL


def test_an_unknown_id_is_worded_alike_for_a_read_and_a_write(clients: Any) -> None:
    """DELETE said "no stages with id 'nope'" where GET says "no stage with id 'nope'"."""
    c = clients["ada"]
    read = assert_error_shape(c.get("/stages/nope"), 404)
    delete = assert_error_shape(c.delete("/stages/nope", headers=ANY), 404)
    assert read["error"] == delete["error"] == "no stage with id 'nope'"
    fits = assert_error_shape(c.delete("/application-fits/nope/storage", headers=ANY), 404)
    assert fits["error"].startswith("no application fit with id")


def test_a_version_of_an_entity_never_made_is_stale_and_says_so(clients: Any,
                                                                store_url: str) -> None:
    before = _state(store_url)
    r = clients["ada"].put("/stages/brand-new", json={"name": "B", "order": 9},
                           headers={"If-Match": '"1"'})
    err = assert_error_shape(r, 409)
    assert "(not there: removed, or never made)" in err["error"], err  # was "(removed)"
    assert _state(store_url) == before


def test_the_policy_is_changed_with_the_etag_of_its_get(clients: Any) -> None:
    """GET /policy answered a hash as its ETag, which PATCH /policy then refused (412 "not a
    version of this item (use the ETag of a GET)"): its ETag is its version now."""
    c = clients["pat"]
    tag = c.get("/policy").headers["etag"]
    r = c.patch("/policy", json={"confidence": 0.6}, headers={"If-Match": tag})
    assert r.status_code == 200, r.text[:300]
    assert r.headers["etag"] == c.get("/policy").headers["etag"] != tag
    assert_error_shape(c.patch("/policy", json={"confidence": 0.7},
                               headers={"If-Match": tag}), 409)  # stale: said so
    assert c.get("/policy", headers={"If-None-Match": r.headers["etag"]}).status_code == 304


def test_the_librarys_hints_are_said_as_a_request_says_them(clients: Any,
                                                           store_url: str) -> None:
    """A refused decision hinted "say why with --why" and "give --until Q": the command's
    flags, where a request writes "rationale" and "until"."""
    before = _state(store_url)
    c = clients["pat"]
    body = {k: v for k, v in DECISION.items() if k != "rationale"}
    err = assert_error_shape(c.post("/decisions", json=body), 422)
    why = next(e for e in err["errors"] if e["code"] == "E-RATIONALE")
    assert why["field"] == "body.rationale" and why["hint"] == 'say why in "rationale"'
    err = assert_error_shape(c.post("/decisions", json={**DECISION, "action": "defer"}), 422)
    until = next(e for e in err["errors"] if e["field"] == "body.until")
    assert "--" not in until["message"] + until["hint"] + err["error"], until
    assert until["hint"] == 'give "until": "Q"'
    assert _state(store_url) == before  # nothing refused was written
    first = {**DECISION, "initiative": "partner-portal", "action": "approve", "start": "2028Q1"}
    assert c.post("/decisions", json=first).status_code == 201
    err = assert_error_shape(c.post("/decisions", json=first), 422)
    # approved already: was "use force-start --start Q to move it"
    assert "--" not in json.dumps(err) and 'decide "force-start"' in err["error"], err


def test_the_horizon_is_extended_over_rest(clients: Any, store_url: str) -> None:
    """The enterprise settings (horizon, scoring) could not be changed over REST at all: a
    team on a store had no way to move its planning horizon forward."""
    c = clients["archie"]
    got = c.get("/enterprise").json()
    assert got["horizon"] == {"start": "2027Q1", "quarters": 8}
    v = got["settings_version"]
    r = c.patch("/enterprise", json={"horizon": {"quarters": 10}, "why": "two more quarters"},
                headers={"If-Match": f'"{v}"'})
    assert r.status_code == 200, r.text[:500]
    doc = r.json()
    assert doc["data"]["horizon"] == {"start": "2027Q1", "quarters": 10}  # merged, not replaced
    assert doc["version"] == v + 1 and r.headers["etag"] == f'"{v + 1}"'
    # the new quarters have no budget lines yet: the answer says so, for each pool
    pools = {w["message"].split("'")[1] for w in doc["warnings"]}
    assert pools == {"enterprise", "transformation"}
    assert all(w["code"] == "W-BUDGET" and "2029Q1, 2029Q2" in w["message"]
               for w in doc["warnings"])
    after = c.get("/enterprise").json()
    assert after["horizon"]["quarters"] == 10 and after["settings_version"] == v + 1
    assert {w["code"] for w in after["warnings"]} >= {"W-BUDGET"}
    # on record, with the why
    last = open_store(store_url).history(limit=1)[-1]
    assert (last.who, last.why, last.kind) == ("archie", "two more quarters", "enterprise")
    # the portfolio office adds the budget lines, and the warnings go
    for pool, amount in (("enterprise", 2000), ("transformation", 1200)):
        for q in ("2029Q1", "2029Q2"):
            r = clients["pat"].put(f"/budgets/{q}/{pool}", json={"amount": amount})
            assert r.status_code in (200, 201), r.text[:300]
    assert not [w for w in c.get("/enterprise").json()["warnings"]
                if w["code"] == "W-BUDGET"]


@pytest.mark.parametrize("body,headers,status,field", [
    ({"horizon": {"quarters": 20}}, ANY, 422, "body.horizon.quarters"),   # 4 to 12
    ({"horizon": {"start": "2027-Q3"}}, ANY, 422, "body.horizon.start"),
    ({"horizons": {"quarters": 10}}, ANY, 422, "body.horizons"),          # unknown field
    ({"name": 5}, ANY, 422, "body.name"),                                 # a number for text
    ({"description": "x"}, {"If-Match": '"99"'}, 409, None),              # stale
    ({"description": "x"}, {}, 428, "header.If-Match"),                   # say which version
])
def test_a_bad_settings_change_is_refused_and_changes_nothing(
        clients: Any, store_url: str, body: dict[str, Any], headers: dict[str, str],
        status: int, field: str | None) -> None:
    before = _state(store_url)
    err = assert_error_shape(clients["ada"].patch("/enterprise", json=body, headers=headers),
                             status)
    if field is not None:
        assert field in {e.get("field") for e in err["errors"]}, err
    assert _state(store_url) == before
