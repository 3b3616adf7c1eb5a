"""Ids and quarters are checked by pydantic's own pattern matching; their errors must still
read as opmodel's E-ID and E-QUARTER issues, word for word, at the place of the bad value."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

import opmodel
from opmodel.errors import Issue, ModelError
from opmodel.io.issues import pydantic_issues
from opmodel.io.safefile import excerpt
from opmodel.model import Capability, Horizon
from opmodel.model.base import SLUG_RE, Frozen
from opmodel.model.quarter import is_quarter

ID_RULE = ("is not a valid id (lower-case letters, digits, '_', '.', '-'; starting with a "
           "letter or digit)")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, text: str, col_of: str | None = None) -> str:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if text in line:
            return f"{path.name}:{n}" + (f":{line.index(col_of) + 1}" if col_of else "")
    raise AssertionError(f"{text!r} not in {path}")


def errors_of(model: Path) -> list[Issue]:
    with pytest.raises(ModelError) as info:
        opmodel.load(model)
    return info.value.errors


def test_bad_id_in_yaml(starter_copy: Path) -> None:
    f = starter_copy / "capabilities.yaml"
    edit(f, "{id: quoting,", "{id: Quoting Tool,")
    issue, = [i for i in errors_of(starter_copy) if i.code == "E-ID"]
    assert issue.message == f"'Quoting Tool' {ID_RULE}"
    assert issue.location == line_of(f, "id: Quoting Tool", "id")


def test_number_as_id(starter_copy: Path) -> None:
    f = starter_copy / "stages.yaml"
    edit(f, "{id: sell,", "{id: -5,")
    issue = next(i for i in errors_of(starter_copy) if i.code == "E-ID")
    assert issue.message == f"'-5' {ID_RULE}"  # YAML's number, as the text it was read as
    assert issue.location == line_of(f, "id: -5", "id")


def test_bad_id_in_a_csv_list_is_stripped(starter_copy: Path) -> None:
    f = starter_copy / "applications.csv"
    edit(f, "north,crm;selling,", "north,crm; Selling ,")
    issue, = [i for i in errors_of(starter_copy) if i.code == "E-ID"]
    assert issue.message == f"'Selling' {ID_RULE}"
    assert issue.path[-2:] == ("capabilities", 1)
    assert issue.location == line_of(f, "crm; Selling ") + ":5"


def test_bad_quarter(starter_copy: Path) -> None:
    f = starter_copy / "initiatives.yaml"
    edit(f, "earliest_start: 2027Q2", "earliest_start: 2027Q5")
    issue, = [i for i in errors_of(starter_copy) if i.code == "E-QUARTER"]
    assert issue.message == "'2027Q5' is not a quarter like 2027Q1"
    assert issue.location == line_of(f, "earliest_start: 2027Q5", "earliest_start")


def test_bad_horizon_start(starter_copy: Path) -> None:
    f = starter_copy / "enterprise.yaml"
    edit(f, "start: 2027Q1", "start: ' 2027q1 '")
    issue, = errors_of(starter_copy)
    assert (issue.code, issue.message) == ("E-QUARTER", "'2027q1' is not a quarter like 2027Q1")
    assert issue.path == ("horizon", "start")
    assert issue.location == line_of(f, "start: ' 2027q1 '", "start")


class _Plain(Frozen):
    """A field without the id rule, to see the text pydantic checks (stripped, numbers
    as text)."""

    value: str


@given(value=st.one_of(st.text(max_size=12), st.integers(), st.floats(allow_nan=False)))
def test_the_message_shows_the_checked_text(value: str | int | float) -> None:
    """What the message quotes is what the rule was applied to (control characters
    escaped, cut at 80 characters)."""
    checked = _Plain(value=value).value  # type: ignore[arg-type]
    try:
        Capability(id=value, name="x", stage="s")  # type: ignore[arg-type]
    except ValidationError as exc:
        (issue,) = pydantic_issues(exc)
    else:
        assert SLUG_RE.match(checked)
        return
    assert not SLUG_RE.match(checked)
    assert (issue.code, issue.message, issue.path) == (
        "E-ID", f"'{excerpt(checked)}' {ID_RULE}", ("id",))


@pytest.mark.parametrize("value", ["\x1cab", "\u3000Ab\u00a0", "A\x85", "2027Q1\t"])
def test_stripped_like_pydantic(value: str) -> None:
    """pydantic strips Unicode white space but not the separators \\x1c-\\x1f."""
    with pytest.raises(ValidationError) as info:
        Capability(id=value, name="x", stage="s", parent="Bad")
    ids = [i.message for i in pydantic_issues(info.value)]
    assert ids == [f"'{excerpt(_Plain(value=value).value)}' {ID_RULE}", f"'Bad' {ID_RULE}"]


@given(text=st.from_regex(r"\A\s?[0-9]{4}[Qq][0-6]\s?\Z") | st.text(max_size=8))
def test_quarters_are_checked_as_before(text: str) -> None:
    stripped = _Plain(value=text).value
    try:
        Horizon(start=text, quarters=4)
    except ValidationError as exc:
        (issue,) = pydantic_issues(exc)
        assert not is_quarter(stripped)
        assert issue.message == f"'{excerpt(stripped)}' is not a quarter like 2027Q1"
        assert (issue.code, issue.path) == ("E-QUARTER", ("start",))
    else:
        assert is_quarter(stripped)
