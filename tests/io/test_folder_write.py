"""Writing a model folder replaces it in one step and keeps the files that are not the
model's (see tests/crash for the same under kill -9)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import opmodel
from opmodel.cli import app
from opmodel.errors import InputError


def test_save_swaps_the_folder_and_keeps_other_files(starter_path: Path,
                                                     tmp_path: Path) -> None:
    m = tmp_path / "m"
    opmodel.save(opmodel.load(starter_path), m)
    (m / "notes.txt").write_text("mine")
    (m / "drafts").mkdir()
    (m / "drafts" / "idea.yaml").write_text("x: 1")
    inode = m.stat().st_ino
    e = opmodel.load(m)
    opmodel.save(e.model_copy(update={"name": "Renamed Co"}), m)
    assert m.stat().st_ino != inode  # a new folder, swapped in whole
    assert opmodel.load(m).name == "Renamed Co"
    assert (m / "notes.txt").read_text() == "mine"
    assert (m / "drafts" / "idea.yaml").read_text() == "x: 1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]  # no lock, no staging left


def test_import_force_keeps_other_files_and_refuses_without_it(
        starter_path: Path, tmp_path: Path) -> None:
    xlsx = opmodel.api.export_model(starter_path, tmp_path / "s.xlsx")
    m = tmp_path / "m"
    m.mkdir()
    (m / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="not empty"):
        opmodel.api.import_model(xlsx, m)
    _, written = opmodel.api.import_model(xlsx, m, force=True)
    assert {p.name for p in written} <= {p.name for p in m.iterdir()}
    assert (m / "notes.txt").read_text() == "mine"
    assert opmodel.load(m).name == opmodel.load(starter_path).name


def test_import_into_a_folder_holding_only_leftovers(starter_path: Path,
                                                     tmp_path: Path) -> None:
    """What a killed import left is cleaned up first: the folder counts as empty."""
    xlsx = opmodel.api.export_model(starter_path, tmp_path / "s.xlsx")
    m = tmp_path / "m"
    (m / ".import-abc").mkdir(parents=True)
    (tmp_path / ".m.new-1-abc").mkdir()
    opmodel.api.import_model(xlsx, m)
    assert not (m / ".import-abc").exists() and not (tmp_path / ".m.new-1-abc").exists()
    opmodel.load(m)


def test_init_force_keeps_other_files(tmp_path: Path) -> None:
    m = tmp_path / "m"
    m.mkdir()
    (m / "notes.txt").write_text("mine")
    res = CliRunner().invoke(app, ["init", str(m), "--force"])
    assert res.exit_code == 0, res.output
    assert (m / "notes.txt").read_text() == "mine"
    opmodel.load(m)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


def test_bad_input_creates_no_folder(starter_path: Path, tmp_path: Path) -> None:
    from opmodel.io.survey import export_survey, merge_survey

    survey = export_survey(starter_path, "south", tmp_path / "s.xlsx")
    with pytest.raises(InputError, match="no such folder"):
        merge_survey(tmp_path / "typo" / "model", survey)
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    with pytest.raises(opmodel.errors.OpmodelError):
        opmodel.api.import_model(bad, tmp_path / "new" / "model")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.xlsx", "s.xlsx"]


def test_extra_files_go_in_the_same_step(starter_path: Path, tmp_path: Path) -> None:
    m = tmp_path / "m"
    e = opmodel.load(starter_path)
    from opmodel.io.folder import write_folder

    write_folder(e, m, extra={"scenarios.yaml": "scenarios: []\n"})
    assert (m / "scenarios.yaml").read_text() == "scenarios: []\n"
    write_folder(e, m, remove=("scenarios.yaml",))
    assert not (m / "scenarios.yaml").exists()
