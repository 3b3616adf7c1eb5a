"""Write receipts and refusals as a script author meets them: the warnings a write brings
(the command line's, same codes and texts), located wording for every wrong type, one
status for one kind of mistake, bounded text."""

from __future__ import annotations

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
