"""Excel workbooks: export → import gives the same model; every problem is located at
``Sheet!C17``; a real spreadsheet program (LibreOffice) can re-save the file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from openpyxl import load_workbook
from typer.testing import CliRunner

import opmodel
from opmodel import api
from opmodel.cli import app
from opmodel.errors import InputError, ModelError
from opmodel.io.sheets import SCENARIO_SHEETS, SHEETS
from opmodel.io.tables import ASSESSMENTS
from opmodel.io.xlsx import read_xlsx, write_xlsx

from ..strategies import enterprises


@pytest.fixture
def starter(starter_path: Path) -> opmodel.Enterprise:
    return opmodel.load(starter_path)


@pytest.fixture
def book(starter: opmodel.Enterprise, tmp_path: Path) -> Path:
    return write_xlsx(starter, tmp_path / "model.xlsx")


def edit(path: Path, change: Callable[[Any], None]) -> Path:
    wb = load_workbook(path)
    change(wb)
    wb.save(path)
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ModelError) as info:
        read_xlsx(path)
    return [str(i) for i in info.value.errors]


# -- round trips ---------------------------------------------------------------------------
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(enterprises())
def test_round_trip(e: opmodel.Enterprise) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_xlsx(e, Path(tmp) / "m.xlsx")
        assert read_xlsx(path).enterprise == e


def test_bundled_models_round_trip(starter_path: Path, acme_path: Path, tmp_path: Path) -> None:
    for src in (starter_path, acme_path):
        e = opmodel.load(src)
        back = opmodel.load(write_xlsx(e, tmp_path / f"{src.name}.xlsx"))
        assert back == e


def test_awkward_values_survive(starter: opmodel.Enterprise, tmp_path: Path) -> None:
    bu = starter.business_units[0].model_copy(update={
        "name": "=SUM(A1:A9)", "description": "line one\nline two", "weight": 0.1 + 0.2})
    e = starter.model_copy(update={"business_units": (bu, *starter.business_units[1:])})
    back = read_xlsx(write_xlsx(e, tmp_path / "m.xlsx")).enterprise
    assert back.business_units[0] == bu  # text that looks like a formula stays text


def test_text_xml_cannot_hold_is_dropped_not_a_traceback(starter: opmodel.Enterprise,
                                                        tmp_path: Path) -> None:
    """U+FFFE/U+FFFF and control characters are valid in YAML but not in a workbook's XML:
    export and survey export stopped with a ValueError traceback from lxml."""
    from opmodel.io.survey import export_survey

    bu = starter.business_units[0].model_copy(update={
        "name": "North\ufffe\uffff\x0b\x07 Region\tA"})
    e = starter.model_copy(update={"business_units": (bu, *starter.business_units[1:])})
    back = read_xlsx(write_xlsx(e, tmp_path / "m.xlsx")).enterprise
    assert back.business_units[0].name == "North Region\tA"
    cap = starter.capabilities[0].model_copy(update={"name": "Sell\uffff\x0c"})
    e = starter.model_copy(update={"capabilities": (cap, *starter.capabilities[1:])})
    export_survey(e, starter.business_units[0].id, tmp_path / "s.xlsx")
    names = [r[1] for r in load_workbook(tmp_path / "s.xlsx")["Assessments"].iter_rows(
        values_only=True)]
    assert any(str(n).strip() == "Sell" for n in names)


# -- what the workbook looks like ----------------------------------------------------------
def test_layout(book: Path) -> None:
    wb = load_workbook(book)
    assert wb.sheetnames[0] == "Instructions"
    assert wb.sheetnames[1:-1] == ["Settings", *(s.name for s in SHEETS),
                                   *(s.name for s in SCENARIO_SHEETS)]
    assert wb["Lists"].sheet_state == "hidden"
    ws = wb["Assessments"]
    assert [c.value for c in ws[1]] == list(ASSESSMENTS.columns)  # same columns as the CSV
    assert all(c.font.b for c in ws[1])
    assert ws.freeze_panes == "C2"
    assert ws.column_dimensions["A"].width >= 15
    assert ws["H2"].number_format == "yyyy-mm-dd"
    caps = wb["Capabilities"]
    assert caps.freeze_panes == "B2" and caps["A2"].data_type == "s"
    assert caps.column_dimensions["A"].number_format == "@"  # ids typed in stay text
    assert wb["Guardrails"]["B2"].number_format == "0%"


def validations(ws: Any) -> dict[str, Any]:
    return {str(dv.sqref).split(":")[0].rstrip("0123456789"): dv
            for dv in ws.data_validations.dataValidation}


def test_dropdowns(book: Path) -> None:
    wb = load_workbook(book)
    kinds = validations(wb["Initiatives"])["D"]
    assert kinds.type == "list" and kinds.formula1 == '"run,grow,transform"'
    owner = validations(wb["Initiatives"])["C"]
    assert owner.type == "list" and owner.formula1.startswith("'BusinessUnits'!$A$2:$A$")
    stage = validations(wb["Capabilities"])["C"]
    assert stage.formula1.startswith("'Stages'!$A$2")
    maturity = validations(wb["Assessments"])["C"]
    assert "n/a" in maturity.formula1 and maturity.errorStyle == "warning"
    assert validations(wb["Assessments"])["F"].formula1 == '"stated,inferred"'
    fit = validations(wb["Applications"])["G"]
    assert (fit.type, fit.formula1, fit.formula2) == ("whole", "1", "4")
    quarter = validations(wb["Initiatives"])["L"]
    assert quarter.formula1.startswith("'Lists'!$")
    assert validations(wb["Capabilities"])["A"].prompt  # every column explains itself


def test_instructions_explain_every_column(book: Path) -> None:
    text = " ".join(str(c.value) for row in load_workbook(book)["Instructions"].iter_rows()
                    for c in row if c.value)
    for s in SHEETS:
        assert s.name in text
    assert "n/a" in text and "Sheet!C17" in text


# -- located errors ------------------------------------------------------------------------
def test_text_in_a_number_cell(book: Path) -> None:
    edit(book, lambda wb: wb["Assessments"].__setitem__("C5", "three"))
    assert problems(book) == ["Assessments!C5: E-TYPE current: 'three' is not a number"]


def test_true_in_a_number_cell_is_not_one(book: Path) -> None:
    """Excel's TRUE in a maturity or money cell was read as 1 (FALSE as 0), silently."""
    def change(wb: Any) -> None:
        wb["Assessments"]["C5"] = True
        wb["Budgets"]["C2"] = False
    edit(book, change)
    assert problems(book) == ["Assessments!C5: E-TYPE current: 'TRUE' is not a number",
                              "Budgets!C2: E-TYPE amount: 'FALSE' is not a number"]


def test_a_cell_formatted_far_below_the_data_is_no_row(book: Path,
                                                       starter: opmodel.Enterprise) -> None:
    """A fill on the sheet's last row (1,048,576) refused the workbook: "the sheet has more
    than 500,000 rows"."""
    from openpyxl.styles import PatternFill

    def change(wb: Any) -> None:
        wb["Capabilities"].cell(row=1_048_576, column=2).fill = PatternFill(
            "solid", start_color="FFFF00")
        wb["Stages"]["C3"] = "=1+1"  # formulas are still found on their row
    edit(book, change)
    (found,) = problems(book)
    assert found.startswith("Stages!C3: E-FORMULA formula =1+1 has no calculated value")
    edit(book, lambda wb: wb["Stages"].__setitem__("C3", 2))
    assert read_xlsx(book).enterprise == starter


def test_a_number_no_date_can_be_in_a_date_cell(book: Path) -> None:
    """3,000,000 (an amount typed in the wrong column) in a date cell stopped the import
    with an OverflowError traceback; formatted as a date, openpyxl warned on stderr."""
    import warnings

    def change(wb: Any) -> None:
        wb["Assessments"]["H2"] = 3_000_000  # General: a serial day number far too big
        wb["Assessments"]["H3"] = 10 ** 20
        wb["Assessments"]["H4"] = 3_000_000
        wb["Assessments"]["H4"].number_format = "yyyy-mm-dd"
    edit(book, change)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        found = problems(book)
    assert [f.split(" ")[0:2] for f in found] == [["Assessments!H2:", "E-TYPE"],
                                                  ["Assessments!H3:", "E-TYPE"],
                                                  ["Assessments!H4:", "E-TYPE"]]
    assert not [w for w in said if "openpyxl" in w.filename], [str(w.message) for w in said]


def test_every_problem_at_once_sorted(book: Path) -> None:
    def change(wb: Any) -> None:
        wb["Stages"]["C3"] = "second"
        wb["Capabilities"]["C4"] = "sel"
        wb["Applications"]["G2"] = 9
        wb["KPIs"]["A2"] = "grow-revenu"
    edit(book, change)
    found = problems(book)
    assert [f.split(":")[0] for f in found] == [
        "Applications!G2", "Capabilities!C4", "KPIs!A2", "Stages!C3"]
    assert "E-RANGE" in found[0]
    assert "E-REF" in found[1] and "'sel'" in found[1]
    assert "did you mean 'grow-revenue'" in found[2]


def test_unknown_column(book: Path) -> None:
    edit(book, lambda wb: wb["Capabilities"].__setitem__("C1", "stag"))
    found = problems(book)
    assert found[0].startswith("Capabilities!C1: E-UNKNOWN unknown column 'stag'")
    assert "did you mean 'stage'?" in found[0]


def test_value_under_no_header(book: Path) -> None:
    edit(book, lambda wb: wb["Stages"].__setitem__("H3", "stray"))
    assert problems(book) == [
        "Stages!H3: E-UNKNOWN this cell has a value but its column has no header "
        "(add a header or clear the cell)"]


def test_wrong_sheet_name(book: Path) -> None:
    edit(book, lambda wb: setattr(wb["Capabilities"], "title", "Capabilites"))
    found = problems(book)
    assert "Capabilites!A1: E-SHEET unknown sheet 'Capabilites' (did you mean " \
           "'Capabilities'?)" in found
    assert any(f.startswith("model.xlsx: E-SHEET required sheet 'Capabilities' is missing")
               for f in found)


def test_unknown_setting(book: Path) -> None:
    def change(wb: Any) -> None:
        ws = wb["Settings"]
        ws["A3"] = "curency"
    edit(book, change)
    found = problems(book)
    assert found[0].startswith("Settings!A3: E-UNKNOWN unknown setting 'curency'")


def test_broken_setting_is_located(book: Path) -> None:
    def change(wb: Any) -> None:
        ws = wb["Settings"]
        row = next(r for r in ws.iter_rows() if r[0].value == "horizon.quarters")
        row[1].value = 20
    edit(book, change)
    (found,) = problems(book)
    assert found.startswith("Settings!B7: E-RANGE")


def test_an_ahp_judgement_too_big_for_a_float_is_located(book: Path) -> None:
    """'1e999' in the AHP matrix stopped the import with an OverflowError traceback."""
    def change(wb: Any) -> None:
        for row in wb["Settings"].iter_rows(min_row=2):
            key = str(row[0].value)
            if key.startswith("scoring.weights."):
                row[1].value = None
            elif key == "scoring.ahp.matrix":
                row[1].value = "1e999 2 4; 1/2 1 3; 1/4 1/3 1"
            elif key == "scoring.ahp.criteria":
                row[1].value = "customer;strategic;pain"
    edit(book, change)
    found = problems(book)
    assert any("is not a number or a fraction like 1/3" in f and f.startswith("Settings!B")
               for f in found), found


@pytest.mark.parametrize("damage", ["truncated", "not a zip", "zip without a workbook",
                                    "encrypted", "strict"])
def test_unreadable_file_writes_nothing(book: Path, tmp_path: Path, damage: str) -> None:
    data = book.read_bytes()
    if damage == "strict":  # Excel's "Strict Open XML Spreadsheet": its sheets looked absent
        with zipfile.ZipFile(tmp_path / "x.xlsx", "w") as out, zipfile.ZipFile(book) as z:
            for name in z.namelist():
                out.writestr(name, z.read(name).replace(
                    b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                    b"http://purl.oclc.org/ooxml/spreadsheetml/main"))
        shutil.move(tmp_path / "x.xlsx", book)
    elif damage == "encrypted":  # Excel's "Encrypt with Password" (and .xls) is an OLE2 file
        book.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    elif damage == "truncated":
        book.write_bytes(data[: len(data) // 2])
    elif damage == "not a zip":
        book.write_text("capability,business_unit\ncrm,north\n")
    else:
        book.unlink()
        with zipfile.ZipFile(book, "w") as z:
            z.writestr("hello.txt", "hi")
    with pytest.raises(ModelError) as info:
        api.import_model(book, tmp_path / "out")
    (issue,) = info.value.errors
    assert issue.location == "model.xlsx" and issue.code == "E-XLSX"
    assert ("password" in issue.message) == (damage == "encrypted")  # was "not a zip…"
    assert ("Strict" in issue.message) == (damage == "strict")  # was 4 missing sheets
    assert not (tmp_path / "out").exists()


def test_a_survey_or_a_report_workbook_is_named_as_such(starter_path: Path,
                                                        tmp_path: Path) -> None:
    """Importing a survey (or results.xlsx) listed a dozen missing sheets and columns."""
    from openpyxl import Workbook

    from opmodel.io.survey import export_survey

    survey = export_survey(starter_path, "north", tmp_path / "survey.xlsx")
    results = tmp_path / "results.xlsx"
    wb = Workbook()
    for name in ("Summary", "Cells", "Solver"):
        wb.create_sheet(name)
    wb.save(results)
    for path, what in ((survey, "opmodel survey merge"), (results, "opmodel export")):
        with pytest.raises(ModelError) as info:
            api.import_model(path, tmp_path / "out")
        (issue,) = info.value.issues
        assert issue.code == "E-SHEET" and "not a model workbook" in issue.message
        assert what in (issue.hint or "")
        assert not (tmp_path / "out").exists()


def test_import_refuses_a_folder_with_files(book: Path, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    with pytest.raises(InputError):
        api.import_model(book, tmp_path / "out")
    result, _ = api.import_model(book, tmp_path / "out", force=True)
    assert (tmp_path / "out" / "notes.txt").read_text() == "mine"
    assert opmodel.load(tmp_path / "out") == result.enterprise


def test_read_dispatches_on_suffix(book: Path, starter: opmodel.Enterprise) -> None:
    assert opmodel.load(book) == starter


def test_a_file_without_a_known_suffix_gets_advice_import_can_follow(
        book: Path, tmp_path: Path) -> None:
    """The hint said "or pass --format xlsx|archimate", which `import` refuses (its
    --format is the dry run's table|json)."""
    odd = book.rename(tmp_path / "model.dat")
    for args in (["import", str(odd), str(tmp_path / "out")],
                 ["import", str(odd), str(tmp_path / "out"), "--dry-run"]):
        r = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
        assert r.exit_code == 1 and "rename it to *.xlsx" in r.output, r.output
        assert "--format" not in r.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("suffix", ["xlsx", "xml"])
def test_export_to_a_folder_or_under_a_file_is_refused(starter_path: Path, tmp_path: Path,
                                                        suffix: str,
                                                        capfd: pytest.CaptureFixture[str]
                                                        ) -> None:
    """An exchange file written onto a folder stopped with an IsADirectoryError traceback;
    a workbook, with openpyxl's half-written sheets complaining on stderr."""
    from opmodel.io.survey import export_survey

    folder = tmp_path / f"out.{suffix}"
    folder.mkdir()
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    for target, says in ((folder, "it is a folder"), (blocker / f"m.{suffix}", "is a file")):
        with pytest.raises(InputError, match=says):
            api.export_model(starter_path, target)
    if suffix == "xlsx":
        with pytest.raises(InputError, match="it is a folder"):
            export_survey(starter_path, "north", folder, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", f"out.{suffix}"]
    assert list(folder.iterdir()) == []
    assert "Traceback" not in capfd.readouterr().err


# -- the command line ----------------------------------------------------------------------
def test_cli_export_and_import(starter_path: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "m.xlsx"
    r = runner.invoke(app, ["export", str(starter_path), str(out)], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert "wrote" in r.output and out.exists()
    r = runner.invoke(app, ["import", str(out), str(tmp_path / "back")],
                      env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert opmodel.load(tmp_path / "back") == opmodel.load(starter_path)
    edit(out, lambda wb: wb["Assessments"].__setitem__("D3", "high"))
    r = runner.invoke(app, ["import", str(out), str(tmp_path / "again")],
                      env={"COLUMNS": "200"})
    assert r.exit_code == 1
    assert "Assessments!D3: E-TYPE" in r.output and "nothing was changed" in r.output
    assert not (tmp_path / "again").exists()
    r = runner.invoke(app, ["export", str(starter_path), str(tmp_path / "m.txt")],
                      env={"COLUMNS": "200"})
    assert r.exit_code == 2 and "--format" in r.output  # usage, as `-o x.foo` (output.md)


# -- LibreOffice as a real client ----------------------------------------------------------
def _soffice() -> str | None:
    found = shutil.which("libreoffice") or shutil.which("soffice")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice is required under CI (Debian: libreoffice-calc-nogui)")
        pytest.skip("LibreOffice is not installed")
    return found


@pytest.mark.slow
def test_libreoffice_resave_imports_to_the_same_model(acme_path: Path, tmp_path: Path) -> None:
    soffice = _soffice()
    e = opmodel.load(acme_path)
    src = write_xlsx(e, tmp_path / "acme.xlsx")
    out = tmp_path / "resaved"
    profile = (tmp_path / "lo-profile").as_uri()
    proc = subprocess.run(
        [str(soffice), f"-env:UserInstallation={profile}", "--headless", "--convert-to",
         "xlsx", "--outdir", str(out), str(src)],
        capture_output=True, text=True, timeout=240)
    resaved = out / "acme.xlsx"
    assert resaved.exists(), proc.stdout + proc.stderr
    assert resaved.read_bytes() != src.read_bytes()  # really written by LibreOffice
    assert read_xlsx(resaved).enterprise == e


# -- the usage table -------------------------------------------------------------------------
USAGE_CSV = ("application,business_unit,capability,share\n"
             "crm-n,north,crm,0.7\ncrm-n,north,selling,\ndesk,south,service,0\n")


def test_usage_round_trips_folder_to_workbook_to_folder(starter_copy: Path,
                                                        tmp_path: Path) -> None:
    (starter_copy / "usage.csv").write_text(USAGE_CSV)
    e = opmodel.load(starter_copy)
    book = api.export_model(starter_copy, tmp_path / "m.xlsx")
    ws = load_workbook(book)["Usage"]
    assert [c.value for c in ws[1]] == ["application", "business_unit", "capability", "share"]
    assert [c.value for c in ws[2]] == ["crm-n", "north", "crm", 0.7]
    api.import_model(book, tmp_path / "back")
    assert (tmp_path / "back" / "usage.csv").read_text() == USAGE_CSV
    assert opmodel.load(tmp_path / "back") == e


def test_a_bad_usage_row_is_located_in_its_sheet(starter_copy: Path, tmp_path: Path) -> None:
    (starter_copy / "usage.csv").write_text(USAGE_CSV)
    book = write_xlsx(opmodel.load(starter_copy), tmp_path / "m.xlsx")

    def change(wb: Any) -> None:
        wb["Usage"]["B3"] = "south"  # crm-n does not serve south
        wb["Usage"]["D4"] = 1.5

    assert problems(edit(book, change)) == [
        "Usage!B3: E-REF usage: application 'crm-n' does not serve business unit 'south' "
        "(add 'south' to the business_units of 'crm-n' in applications.csv, or fix the row)",
        "Usage!D4: E-RANGE share: 1.5 must be at most 1"]


def test_text_longer_than_an_excel_cell_is_refused_whole(starter_path: Path,
                                                          tmp_path: Path) -> None:
    """openpyxl cuts a text at Excel's 32,767 characters without a word (and Excel and
    LibreOffice do when they save): the export refuses it, at its cell, writing nothing —
    the model and the survey alike."""
    from opmodel.io.survey import export_survey

    e = opmodel.load(starter_path)
    cap = e.capabilities[1]
    long_e = e.model_copy(update={"capabilities": (
        e.capabilities[0], cap.model_copy(update={"description": "d" * 40_000}),
        *e.capabilities[2:])})
    out = tmp_path / "long.xlsx"
    with pytest.raises(InputError, match=rf"Capabilities!\w+3 \(id '{cap.id}', description\): "
                       r"40,000 characters; an Excel cell holds 32,767") as exc:
        write_xlsx(long_e, out)
    assert "ArchiMate" in (exc.value.hint or "")
    assert not out.exists() and list(tmp_path.iterdir()) == []
    folder = tmp_path / "long"  # as a user runs it: the message, and nothing else
    opmodel.save(long_e, folder)
    done = subprocess.run([sys.executable, "-m", "opmodel", "export", str(folder), str(out)],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 1 and done.stderr.startswith("error E-INPUT: Capabilities!")
    assert "Exception ignored" not in done.stderr and "Traceback" not in done.stderr, \
        done.stderr  # (a half-begun write-only sheet printed lxml's complaints at exit)
    assert not out.exists()
    shutil.rmtree(folder)
    write_xlsx(e.model_copy(update={"capabilities": (  # at the limit: whole, both ways
        e.capabilities[0], cap.model_copy(update={"description": "d" * 32_767}),
        *e.capabilities[2:])}), out)
    back = read_xlsx(out).enterprise
    assert back.capability(cap.id).description == "d" * 32_767
    a = e.assessments[0]
    noted = e.model_copy(update={"assessments": (a.model_copy(update={"notes": "n" * 33_000}),
                                                 *e.assessments[1:])})
    with pytest.raises(InputError, match=r"Assessments!.*33,000 characters"):
        export_survey(noted, a.business_unit, tmp_path / "survey.xlsx")
    assert not (tmp_path / "survey.xlsx").exists()


def test_a_deleted_optional_column_is_said(book: Path, starter: opmodel.Enterprise,
                                           tmp_path: Path) -> None:
    """Deleting the notes column by hand emptied every assessment's notes without a word."""
    assert any(a.notes for a in starter.assessments)
    assert not [w for w in read_xlsx(book).warnings if w.code == "W-COLUMN"]  # ours: whole

    def drop_notes(wb: Any) -> None:
        ws = wb["Assessments"]
        k = next(c.column for c in ws[1] if c.value == "notes")
        ws.delete_cols(k)

    res = read_xlsx(edit(book, drop_notes))
    (w,) = [w for w in res.warnings if w.code == "W-COLUMN"]
    assert w.location == "Assessments!A1" and "'notes'" in w.message, w
    assert not any(a.notes for a in res.enterprise.assessments)  # read as not given
    r = CliRunner().invoke(app, ["import", str(book), str(tmp_path / "m")],
                           env={"COLUMNS": "200"})
    assert r.exit_code == 0 and "W-COLUMN no column 'notes'" in r.output, r.output
