"""Assessment surveys: one workbook per business unit, validated and merged back into
assessments.csv without touching anything else; conflicts are named; writes are atomic."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

import opmodel
from opmodel.cli import app
from opmodel.errors import InputError, ModelError, UnknownIdError
from opmodel.io.csvpatch import patched_csv
from opmodel.io.survey import (
    SurveyConflictError,
    export_survey,
    merge_survey,
    plan_merge,
    survey_status,
)
from opmodel.io.xlsx import write_xlsx
from opmodel.model import Assessment

EXPORTED = dt.date(2027, 1, 10)
MERGED = dt.date(2027, 2, 1)


@pytest.fixture
def survey(starter_copy: Path, tmp_path: Path) -> Path:
    return export_survey(starter_copy, "south", tmp_path / "south.xlsx", today=EXPORTED)


def answer(path: Path, change: Callable[[Any], None]) -> Path:
    """What the BU lead does: open the workbook, type, save."""
    wb = load_workbook(path)
    change(wb["Assessments"])
    wb.save(path)
    return path


def row_of(ws: Any, capability: str) -> int:
    return next(c.row for c in ws["A"] if c.value == capability)


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


# -- the workbook --------------------------------------------------------------------------
def test_survey_workbook(survey: Path, starter_copy: Path) -> None:
    wb = load_workbook(survey)
    assert wb.sheetnames[0] == "Instructions"
    assert wb["_survey"].sheet_state == "hidden" and wb["_baseline"].sheet_state == "hidden"
    ws = wb["Assessments"]
    e = opmodel.load(starter_copy)
    assert [c.value for c in ws["A"][1:]] == [  # every capability, by stage, children after
        "marketing", "campaigns", "selling", "quoting", "crm", "fulfilment", "service"]
    assert {c.value for c in ws["D"][1:]} == {"south"}
    assert ws.protection.sheet  # ids locked …
    r = row_of(ws, "quoting")
    assert ws[f"A{r}"].protection.locked and ws[f"B{r}"].value.strip() == "Quoting and pricing"
    for letter in "EFGHIJK":  # … the answers not
        assert not ws[f"{letter}{r}"].protection.locked
    assert (ws[f"E{r}"].value, ws[f"F{r}"].value, ws[f"G{r}"].value) == (2, 4, 4)
    assert ws[f"J{r}"].value is None  # the date is filled in when it is merged
    assert ws[row_of(ws, "campaigns") and f"E{row_of(ws, 'campaigns')}"].value == "n/a"
    dv = {str(d.sqref).split(":")[0].rstrip("0123456789"): d
          for d in ws.data_validations.dataValidation}
    assert "n/a" in dv["E"].formula1 and dv["H"].formula1 == '"stated,inferred"'
    meta = {r[0]: r[1] for r in wb["_survey"].iter_rows(values_only=True)}
    assert meta["business_unit"] == "south" and len(meta["fingerprint"]) == 64
    text = " ".join(str(c.value) for row in wb["Instructions"].iter_rows() for c in row
                    if c.value)
    assert "optimized" in text and "n/a" in text and e.business_unit("south").name in text


def test_export_never_replaces_a_file_by_accident(survey: Path, starter_copy: Path) -> None:
    answer(survey, lambda ws: ws.__setitem__("E8", 2))  # a returned survey
    kept = survey.read_bytes()
    with pytest.raises(InputError, match="already exists"):
        export_survey(starter_copy, "south", survey)
    assert survey.read_bytes() == kept
    export_survey(starter_copy, "south", survey, overwrite=True)
    assert survey.read_bytes() != kept


def test_unknown_business_unit(starter_copy: Path, tmp_path: Path) -> None:
    with pytest.raises(UnknownIdError, match="did you mean 'south'"):
        export_survey(starter_copy, "sout", tmp_path / "s.xlsx")
    with pytest.raises(UnknownIdError, match="business units: north, south"):
        export_survey(starter_copy, "retail", tmp_path / "s.xlsx")  # nothing close: the list
    assert not (tmp_path / "s.xlsx").exists()


# -- merging -------------------------------------------------------------------------------
def test_merge_changes_only_the_units_lines(survey: Path, starter_copy: Path) -> None:
    before = digests(starter_copy)
    old_lines = (starter_copy / "assessments.csv").read_text().splitlines()

    def lead(ws: Any) -> None:
        ws[f"E{row_of(ws, 'service')}"] = 2
        ws[f"K{row_of(ws, 'crm')}"] = "new CRM rolled out in Q4"
        for letter in "EF":  # cleared: not answered, left as it is
            ws[f"{letter}{row_of(ws, 'fulfilment')}"] = None
    answer(survey, lead)
    plan = merge_survey(starter_copy, survey, today=MERGED)
    assert plan.written and not plan.conflicts
    values = {(c.capability, c.field, c.old, c.new, c.cell) for c in plan.changes
              if c.field != "date"}
    assert values == {("service", "current", "1", "2", "Assessments!E8"),
                      ("crm", "notes", "", "new CRM rolled out in Q4", "Assessments!K6")}
    after = digests(starter_copy)
    assert {k for k in before if before[k] != after[k]} == {"assessments.csv"}
    new_lines = (starter_copy / "assessments.csv").read_text().splitlines()
    changed = {n for n, (a, b) in enumerate(zip(old_lines, new_lines, strict=True)) if a != b}
    assert all(",south," in old_lines[n] for n in changed)
    assert "fulfilment,south,3,4,2,stated,r.diaz,2026-10-03," in new_lines  # untouched
    assert "service,south,2,4,5,stated,r.diaz,2027-02-01," in new_lines
    e = opmodel.load(starter_copy)
    assert e.assessment("crm", "south").notes == "new CRM rolled out in Q4"
    assert e.assessment("crm", "north") == opmodel.load(
        Path(opmodel.__file__).parent / "starter").assessment("crm", "north")


def test_dry_run_writes_nothing(survey: Path, starter_copy: Path) -> None:
    before = digests(starter_copy)
    answer(survey, lambda ws: ws.__setitem__(f"E{row_of(ws, 'service')}", 3))
    plan = merge_survey(starter_copy, survey, dry_run=True, today=MERGED)
    assert any(c.field == "current" for c in plan.changes) and not plan.written
    assert digests(starter_copy) == before


def test_errors_are_located_and_nothing_is_written(survey: Path, starter_copy: Path) -> None:
    before = digests(starter_copy)

    def lead(ws: Any) -> None:
        ws[f"E{row_of(ws, 'service')}"] = "three"
        ws[f"E{row_of(ws, 'campaigns')}"] = 2  # target stays n/a
        ws[f"G{row_of(ws, 'crm')}"] = 7
        ws[f"F{row_of(ws, 'quoting')}"] = None  # current without a target
    answer(survey, lead)
    with pytest.raises(ModelError) as info:
        merge_survey(starter_copy, survey)
    assert [str(i).split(" ")[0:2] for i in info.value.errors] == [
        ["Assessments!E3:", "E-VALUE"], ["Assessments!F5:", "E-MISSING"],
        ["Assessments!G6:", "E-RANGE"], ["Assessments!E8:", "E-TYPE"]]
    assert digests(starter_copy) == before


def test_an_uncalculated_formula_is_an_error_of_the_survey_file(survey: Path,
                                                                starter_copy: Path) -> None:
    """The summary named "sheet Assessments" instead of the survey's file."""
    answer(survey, lambda ws: ws.__setitem__(f"E{row_of(ws, 'service')}", "=1+1"))
    with pytest.raises(ModelError) as info:
        merge_survey(starter_copy, survey)
    assert info.value.source == str(survey)
    assert [i.code for i in info.value.errors] == ["E-FORMULA"]
    assert str(info.value.errors[0]).startswith("Assessments!E")


def test_a_model_workbook_is_not_a_survey(starter_copy: Path, tmp_path: Path) -> None:
    book = write_xlsx(opmodel.load(starter_copy), tmp_path / "model.xlsx")
    with pytest.raises(ModelError, match="not an opmodel survey"):
        plan_merge(starter_copy, book)


def test_conflicts_are_named_and_force_keeps_the_survey(survey: Path,
                                                        starter_copy: Path) -> None:
    answer(survey, lambda ws: ws.__setitem__(f"E{row_of(ws, 'service')}", 2))
    csv_path = starter_copy / "assessments.csv"
    text = csv_path.read_text()  # meanwhile an architect edits the model
    csv_path.write_text(text.replace("service,south,1,4,5", "service,south,3,4,5")
                            .replace("fulfilment,south,3,4,2", "fulfilment,south,3,4,1"))
    edited = csv_path.read_bytes()
    with pytest.raises(SurveyConflictError) as info:
        merge_survey(starter_copy, survey, today=MERGED)
    (issue,) = info.value.issues
    assert issue.location == "Assessments!E8" and issue.code == "E-CONFLICT"
    assert "(1 → 3)" in issue.message and "survey says 2" in issue.message
    assert csv_path.read_bytes() == edited
    plan = merge_survey(starter_copy, survey, force=True, today=MERGED)
    assert plan.untouched_changes == 1  # fulfilment pain: the model's newer value is kept
    e = opmodel.load(starter_copy)
    assert e.assessment("service", "south").current == 2
    assert e.assessment("fulfilment", "south").pain == 1


def test_a_crash_mid_write_leaves_the_model_as_it_was(
    survey: Path, starter_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = digests(starter_copy)
    answer(survey, lambda ws: ws.__setitem__(f"E{row_of(ws, 'service')}", 2))

    def crash(src: Any, dst: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        merge_survey(starter_copy, survey)
    assert digests(starter_copy) == before  # no half file, no temp file left behind


def test_patch_keeps_other_lines_byte_for_byte() -> None:
    text = ('capability,business_unit,current,target,notes\r\n'
            'crm,north,2,3,"two\r\nlines, quoted"\r\n'
            'crm,south,1,4,\r\n'
            'erp,north,3,3,ok\r\n')
    new = Assessment(capability="crm", business_unit="south", current=2, target=4)
    added = Assessment(capability="erp", business_unit="south", current=1, target=2)
    out = patched_csv(text, "south", {"crm": new, "erp": added}, (new, added))
    assert out == ('capability,business_unit,current,target,notes\r\n'
                   'crm,north,2,3,"two\r\nlines, quoted"\r\n'
                   'crm,south,2,4,\r\n'
                   'erp,south,1,2,\r\n'
                   'erp,north,3,3,ok\r\n')


def test_merge_keeps_a_spreadsheet_bom(survey: Path, starter_copy: Path) -> None:
    csv_path = starter_copy / "assessments.csv"
    csv_path.write_bytes(b"\xef\xbb\xbf" + csv_path.read_bytes())
    answer(survey, lambda ws: ws.__setitem__(f"E{row_of(ws, 'service')}", 2))
    merge_survey(starter_copy, survey, today=MERGED)
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbfcapability,")
    assert opmodel.load(starter_copy).assessment("service", "south").current == 2


# -- status --------------------------------------------------------------------------------
def test_status(starter_copy: Path, survey: Path) -> None:
    e = opmodel.load(starter_copy)
    north, south = survey_status(e, as_of=dt.date(2027, 1, 15))
    assert (north.state, north.assessed, north.missing, north.stale) == ("returned", 7, 0, 0)
    assert (south.assessed, south.not_applicable) == (6, 1)
    assert south.newest == dt.date(2026, 10, 3) and south.median_age_days == 104
    north, south = survey_status(e, as_of=dt.date(2026, 11, 20), max_age_days=90)
    assert (north.stale, north.stale_at_start) == (0, 7)  # 92 days old when 2027Q1 starts
    assert (south.stale, south.stale_at_start) == (0, 0)  # exactly 90
    (north, south) = survey_status(e, as_of=dt.date(2028, 1, 15))
    assert north.state == "stale" and north.stale == 7
    answer(survey, lambda ws: None)
    merge_survey(starter_copy, survey, today=dt.date(2028, 1, 10))
    north, south = survey_status(opmodel.load(starter_copy), as_of=dt.date(2028, 1, 15))
    assert (north.state, south.state) == ("stale", "returned")  # returning confirms answers
    e2 = e.model_copy(update={"assessments": tuple(
        a for a in e.assessments if a.business_unit == "north")})
    assert survey_status(e2)[1].state == "not returned"


def test_status_refuses_a_negative_max_age(starter_copy: Path) -> None:
    """--max-age -5 was taken: every answer stale, "older than -5 days"."""
    with pytest.raises(InputError, match="negative"):
        survey_status(opmodel.load(starter_copy), max_age_days=-5)
    r = CliRunner().invoke(app, ["survey", "status", str(starter_copy), "--max-age", "-5"])
    assert r.exit_code == 1 and "negative" in r.output


# -- the command line ----------------------------------------------------------------------
def test_cli_survey_round(starter_copy: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"COLUMNS": "200"}
    out = tmp_path / "north.xlsx"
    r = runner.invoke(app, ["survey", "export", str(starter_copy), "-b", "north", "-o",
                            str(out)], env=env)
    assert r.exit_code == 0, r.output
    answer(out, lambda ws: ws.__setitem__(f"F{row_of(ws, 'marketing')}", 4))
    r = runner.invoke(app, ["survey", "merge", str(starter_copy), str(out), "--dry-run",
                            "--date", "2027-02-01"], env=env)
    assert r.exit_code == 0, r.output
    assert "marketing" in r.output and "3" in r.output and "→" in r.output
    assert "nothing was written" in r.output
    r = runner.invoke(app, ["survey", "merge", str(starter_copy), str(out)], env=env)
    assert r.exit_code == 0 and "merged" in r.output
    assert opmodel.load(starter_copy).assessment("marketing", "north").target == 4
    r = runner.invoke(app, ["survey", "status", str(starter_copy), "--as-of", "2027-03-01"],
                      env=env)
    assert r.exit_code == 0 and "north" in r.output and "returned" in r.output
    r = runner.invoke(app, ["survey", "merge", str(starter_copy), str(tmp_path / "x.xlsx")],
                      env=env)
    assert r.exit_code == 1 and "no such file" in r.output


def test_an_answer_dated_after_the_merge_day_is_warned_at_its_cell(tmp_path: Path) -> None:
    """An answer dated 2031-01-01 (for 2021? 2026?) merged as "confirmed" without a word; a
    re-plan then took every initiative done before 2031 as already in that assessment."""
    import shutil

    import openpyxl

    from opmodel.io.survey import export_survey, plan_merge

    root = Path(__file__).resolve().parents[2]
    model = tmp_path / "acme"
    shutil.copytree(root / "examples" / "acme", model)
    day = dt.date(2027, 7, 12)
    out = tmp_path / "s.xlsx"
    export_survey(model, "storage", out, today=day)
    wb = openpyxl.load_workbook(out)
    ws = wb["Assessments"]
    date_col = [c.value for c in ws[1]].index("date") + 1
    ws.cell(2, date_col).value = "2031-01-01"
    ws.cell(3, date_col).value = "2027-07-01"
    wb.save(out)
    plan = plan_merge(model, out, today=day)
    dated = [i for i in plan.warnings if i.code == "W-DATE"]
    assert len(dated) == 1 and "dated 2031-01-01, after the merge's day 2027-07-12" \
        in dated[0].message
    assert dated[0].location == f"Assessments!{openpyxl.utils.get_column_letter(date_col)}2"
