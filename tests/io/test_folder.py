"""Model folders: writing and reading back gives the same model; writes are atomic."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

import opmodel
from opmodel.errors import InputError, ModelError
from opmodel.io.folder import write_folder

from ..strategies import enterprises


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(enterprises())
def test_folder_round_trip(e: opmodel.Enterprise) -> None:
    assert [i for i in opmodel.validate(e) if i.severity == "error"] == []
    with tempfile.TemporaryDirectory() as tmp:
        opmodel.save(e, tmp)
        back = opmodel.load(tmp)
    assert back == e


def test_starter_round_trip(starter_path: Path, tmp_path: Path) -> None:
    e = opmodel.load(starter_path)
    opmodel.save(e, tmp_path / "copy")
    assert opmodel.load(tmp_path / "copy") == e
    # writing again over an existing folder replaces the model files, nothing else
    (tmp_path / "copy" / "README.txt").write_text("mine")
    opmodel.save(e, tmp_path / "copy")
    assert (tmp_path / "copy" / "README.txt").read_text() == "mine"
    assert not any(p.name.startswith(".opmodel-write") for p in (tmp_path / "copy").iterdir())


def test_save_removes_model_files_the_model_no_longer_needs(
    starter_path: Path, tmp_path: Path
) -> None:
    e = opmodel.load(starter_path)
    opmodel.save(e, tmp_path / "m")
    assert (tmp_path / "m" / "customers.yaml").exists()
    opmodel.save(e.model_copy(update={"segments": (), "expectations": ()}), tmp_path / "m")
    assert not (tmp_path / "m" / "customers.yaml").exists()
    assert opmodel.load(tmp_path / "m").segments == ()


def test_model_copy_rebuilds_indexes(starter_path: Path) -> None:
    e = opmodel.load(starter_path)
    assert e.application("crm-n").name == "CRM North"
    smaller = e.model_copy(update={"applications": e.applications[1:]})
    with pytest.raises(KeyError):
        smaller.application("crm-n")
    assert any(i.code == "E-REF" for i in opmodel.validate(
        e.model_copy(update={"applications": ()})))


def test_written_files_say_what_they_hold(starter_path: Path, tmp_path: Path) -> None:
    opmodel.save(opmodel.load(starter_path), tmp_path)
    head = (tmp_path / "initiatives.yaml").read_text().splitlines()[0]
    assert head.startswith("# initiatives.yaml: ")


def test_load_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such folder"):
        opmodel.load(tmp_path / "nope")


def test_load_a_file_instead_of_a_folder(tmp_path: Path) -> None:
    f = tmp_path / "x.txt"
    f.write_text("hi")
    with pytest.raises(InputError, match="not a folder"):
        opmodel.load(f)


def test_empty_folder_names_every_required_file(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as info:
        opmodel.load(tmp_path)
    missing = sorted(i.location for i in info.value.errors)
    assert missing == ["assessments.csv:1", "capabilities.yaml:1", "enterprise.yaml:1",
                       "stages.yaml:1"]


def test_not_utf8(starter_copy: Path) -> None:
    (starter_copy / "budgets.csv").write_bytes("period,pool,amount\n2027Q1,é,3\n".encode("latin-1"))
    with pytest.raises(ModelError) as info:
        opmodel.load(starter_copy)
    assert info.value.errors[0].code == "E-FILE"
    assert "UTF-8" in info.value.errors[0].message


def test_write_into_a_file_path_is_refused(starter_path: Path, tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_text("x")
    with pytest.raises(InputError):
        write_folder(opmodel.load(starter_path), f)


def test_applications_without_fit_columns_load_not_assessed(starter_copy: Path) -> None:
    """An applications.csv with no fit columns (not surveyed yet) loads; fits are None,
    never 0, and survive the round trip as empty cells."""
    import csv

    path = starter_copy / "applications.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    cols = [c for c in rows[0] if c not in ("functional_fit", "technical_fit")]
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, cols, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    result = opmodel.read(starter_copy)
    assert result.warnings == []
    apps = result.enterprise.applications
    assert apps and all(a.functional_fit is None and a.technical_fit is None for a in apps)
    write_folder(result.enterprise, starter_copy)
    assert opmodel.load(starter_copy) == result.enterprise
    assert "crm-n,CRM North,Salesforce,north,crm;selling,120,,,active" in path.read_text(
        encoding="utf-8")
