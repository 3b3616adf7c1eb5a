"""``opmodel import --force`` into a model folder keeps the files the imported file says
nothing of — the quarterly cycle's records (an exchange file never carries them; a workbook
without their sheet) and scenarios.yaml — and refuses, writing nothing, when they no
longer fit the imported model; and the dry run of a workbook counts those records."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

import opmodel
from opmodel import api
from opmodel.errors import ModelError

from .test_archimate import DATA

CYCLE = ("decisions.yaml", "actuals.csv", "assessment_history.csv")


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()
            if not p.name.startswith(".")}


def test_reimporting_an_exchange_file_keeps_the_cycle_records(acme_copy: Path,
                                                              tmp_path: Path) -> None:
    """The decision log, actuals and history were deleted: an exchange file does not carry
    them, and the import replaced the folder's model files with what the file held."""
    before = digests(acme_copy)
    e = opmodel.load(acme_copy)
    assert e.decisions and e.actuals and e.assessment_history  # the example has them
    xml = api.export_model(acme_copy, tmp_path / "acme.xml")
    result, written = api.import_model(xml, acme_copy, force=True)
    after = digests(acme_copy)
    assert {n: after.get(n) for n in CYCLE} == {n: before[n] for n in CYCLE}  # byte for byte
    assert not {acme_copy / n for n in CYCLE} & set(written)
    assert opmodel.load(acme_copy) == e
    assert not [w for w in result.warnings if w.location and w.location.startswith(CYCLE)]


def test_a_workbook_keeps_the_records_whose_sheet_it_lacks(acme_copy: Path,
                                                           tmp_path: Path) -> None:
    before = digests(acme_copy)
    decisions = opmodel.load(acme_copy).decisions
    book = api.export_model(acme_copy, tmp_path / "acme.xlsx")
    wb = load_workbook(book)
    del wb["Decisions"]  # says nothing of decisions
    ws = wb["AssessmentHistory"]
    ws.delete_rows(2, ws.max_row)  # says: there is no history
    wb.save(book)
    api.import_model(book, acme_copy, force=True)
    assert digests(acme_copy)["decisions.yaml"] == before["decisions.yaml"]
    assert not (acme_copy / "assessment_history.csv").exists()
    assert opmodel.load(acme_copy).decisions == decisions


def test_kept_records_that_no_longer_fit_refuse_the_import(acme_copy: Path) -> None:
    before = digests(acme_copy)
    with pytest.raises(ModelError) as info:  # another repository: none of Acme's initiatives
        api.import_model(DATA / "archisurance.xml", acme_copy, force=True)
    assert info.value.source == str(acme_copy)
    errors = info.value.errors
    files = {str(i).split(":")[0] for i in errors}
    assert files == set(CYCLE)
    first = next(i for i in errors if str(i).startswith("decisions.yaml:"))
    assert first.code == "E-REF" and "unknown initiative" in first.message
    assert "kept from" in (first.hint or "") and "carries no decisions" in (first.hint or "")
    assert digests(acme_copy) == before


def test_a_kept_scenarios_yaml_must_fit_the_imported_model(acme_path: Path,
                                                           tmp_path: Path) -> None:
    """scenarios.yaml was kept unchecked: the import said ✓ and `plan --scenario` failed."""
    folder = tmp_path / "m"
    folder.mkdir()
    shutil.copyfile(acme_path / "scenarios.yaml", folder / "scenarios.yaml")
    before = digests(folder)
    with pytest.raises(ModelError) as info:
        api.import_model(DATA / "archisurance.xml", folder, force=True)
    got = [str(i) for i in info.value.errors]
    assert got and all(s.startswith("scenarios.yaml:") for s in got)
    assert any("unknown initiative" in s for s in got)
    assert "carries no scenarios" in got[0]
    assert digests(folder) == before


def test_the_dry_run_of_a_workbook_counts_the_cycle_records(acme_path: Path,
                                                            tmp_path: Path) -> None:
    """It listed every kind but the cycle's records, so a user could not see that the
    Decisions sheet is read."""
    e = opmodel.load(acme_path)
    report = api.inspect_import(api.export_model(acme_path, tmp_path / "acme.xlsx"))
    assert {k: report.counts[k] for k in ("decisions", "actuals", "assessment history",
                                           "application fits")} == {
        "decisions": len(e.decisions), "actuals": len(e.actuals),
        "assessment history": len(e.assessment_history),
        "application fits": len(e.application_fits)}
    assert {r.archimate for r in report.mapped} >= {"decisions", "actuals"}


def test_the_dry_run_says_the_import_would_fail_on_kept_files(acme_copy: Path) -> None:
    """The dry run promises exit 1 when the import would fail; it said all was well while
    the import refused the folder's decisions.yaml."""
    from typer.testing import CliRunner

    from opmodel.cli import app

    before = digests(acme_copy)
    r = CliRunner().invoke(app, ["import", str(DATA / "archisurance.xml"), str(acme_copy),
                                 "--dry-run"], env={"COLUMNS": "200"})
    assert r.exit_code == 1, r.output
    assert "decisions.yaml:9:3: E-REF" in r.output and "the import would write nothing" \
        in r.output
    report = api.inspect_import(DATA / "archisurance.xml", directory=acme_copy)
    assert not report.ok and not report.counts
    assert api.inspect_import(DATA / "archisurance.xml").ok  # no folder: nothing kept
    assert digests(acme_copy) == before
