"""The usage table: every rule of model/validate.py's usage part, located in usage.csv."""

from __future__ import annotations

from pathlib import Path

import pytest

import opmodel
from opmodel.model import Usage

from .test_validate import issues_of

HEADER = "application,business_unit,capability,share\n"
GOOD = "crm-n,north,crm,0.7\ncrm-n,north,selling,\ncrm-s,south,crm,1\n"


def write_usage(model: Path, rows: str) -> Path:
    f = model / "usage.csv"
    f.write_text(HEADER + rows)
    return f


def test_a_usage_table_loads(starter_copy: Path) -> None:
    write_usage(starter_copy, GOOD)
    e = opmodel.load(starter_copy)
    assert e.usage == (Usage(application="crm-n", business_unit="north", capability="crm",
                             share=0.7),
                       Usage(application="crm-n", business_unit="north", capability="selling"),
                       Usage(application="crm-s", business_unit="south", capability="crm",
                             share=1.0))
    assert e.summary()["usage rows"] == 3


@pytest.mark.parametrize(("row", "code", "column", "words", "hint"), [
    ("crm-nn,north,crm,", "E-REF", 1, "usage names unknown application 'crm-nn'",
     "did you mean 'crm-n'?"),
    ("crm-n,nort,crm,", "E-REF", 2, "usage names unknown business unit 'nort'",
     "did you mean 'north'?"),
    ("crm-n,north,crn,", "E-REF", 3, "usage names unknown capability 'crn'",
     "did you mean 'crm'?"),
    ("crm-n,south,crm,", "E-REF", 2,
     "usage: application 'crm-n' does not serve business unit 'south'",
     "add 'south' to the business_units of 'crm-n' in applications.csv, or fix the row"),
    ("crm-n,north,quoting,", "E-REF", 3,
     "usage: application 'crm-n' does not support capability 'quoting'",
     "add 'quoting' to the capabilities of 'crm-n' in applications.csv, or fix the row"),
    ("crm-n,north,crm,", "E-DUP", 1, "usage of application 'crm-n' by business unit 'north' "
     "for capability 'crm' is listed twice", "keep one row"),
    ("crm-n,north,selling,1.5", "E-RANGE", 4, "1", None),
    ("crm-n,north,selling,-0.1", "E-RANGE", 4, "0", None),
    ("crm-n,north,selling,lots", "E-TYPE", 4, "lots", None),
], ids=["app", "unit", "capability", "unit-not-served", "capability-not-supported",
        "duplicate", "share-above-1", "share-below-0", "share-not-a-number"])
def test_a_bad_row_is_located(starter_copy: Path, row: str, code: str, column: int,
                              words: str, hint: str | None) -> None:
    f = write_usage(starter_copy, GOOD + row + "\n")
    issues = issues_of(starter_copy)
    assert [i.code for i in issues] == [code], [str(i) for i in issues]
    issue = issues[0]
    assert issue.location == f"usage.csv:5:{column}"
    assert words in issue.message
    if hint is not None:
        assert issue.hint == hint
    assert f.read_text().splitlines()[4] == row  # line 5 is the bad row


def test_shares_of_one_unit_and_capability_add_up_to_at_most_one(starter_copy: Path) -> None:
    write_usage(starter_copy, "crm-n,north,crm,0.7\nquote-tool-s,north,quoting,0.4\n"
                "crm-n,north,selling,0.5\ncrm-s,south,crm,1\n")
    assert opmodel.load(starter_copy).usage[1].share == 0.4  # different cells: fine
    f = starter_copy / "applications.csv"
    f.write_text(f.read_text().replace("north,crm;selling,120", "north,crm;selling;quoting,120"))
    write_usage(starter_copy, "crm-n,north,quoting,0.7\nquote-tool-s,north,quoting,0.4\n"
                "crm-s,south,crm,1\n")
    issues = issues_of(starter_copy)
    assert [(i.code, i.location) for i in issues] == [("E-RANGE", "usage.csv:3:4")]
    assert issues[0].message == ("usage shares of capability 'quoting' in business unit "
                                 "'north' add up to 110% here, above 100 %")


def test_share_zero_and_empty_share_are_fine(starter_copy: Path) -> None:
    write_usage(starter_copy, "crm-n,north,crm,0\ncrm-s,south,crm,\n")
    e = opmodel.load(starter_copy)
    assert [u.share for u in e.usage] == [0.0, None]


def test_validate_reports_every_problem_at_once(starter_copy: Path) -> None:
    write_usage(starter_copy, "crm-x,north,crm,\ncrm-n,south,crm,\ncrm-n,north,crm,2\n")
    issues = issues_of(starter_copy)
    assert [i.location for i in issues] == ["usage.csv:2:1", "usage.csv:3:2",
                                            "usage.csv:4:4"]
