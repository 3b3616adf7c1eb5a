"""Reading a model pauses Python's cyclic garbage collector (a third of the CPU time of a large
load) and always restores it, on success and on error."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from opmodel.errors import ModelError
from opmodel.io._gcpause import gc_paused
from opmodel.io.folder import read_folder


def test_the_collector_is_paused_while_a_folder_is_read(acme_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from opmodel.io import folder

    seen: list[bool] = []
    read_csv = folder._read_csv

    def spy(*args: object) -> None:  # every table is read with the collector off
        seen.append(gc.isenabled())
        read_csv(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(folder, "_read_csv", spy)
    e = read_folder(acme_path).enterprise
    assert seen and not any(seen) and len(e.assessments) > 0
    assert gc.isenabled()


def test_the_collector_is_back_after_an_error(tmp_path: Path) -> None:
    (tmp_path / "enterprise.yaml").write_text("name: [unclosed\n")
    with pytest.raises(ModelError):
        read_folder(tmp_path)
    assert gc.isenabled()


def test_a_paused_collector_stays_paused() -> None:
    gc.disable()
    try:
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_collector_is_paused_while_a_workbook_is_read(
        starter_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from opmodel import load
    from opmodel.io import xlsx

    book = xlsx.write_xlsx(load(starter_path), tmp_path / "m.xlsx")
    seen: list[bool] = []
    read_sheet = xlsx.read_sheet

    def spy(*args: object) -> None:  # every sheet is read with the collector off
        seen.append(gc.isenabled())
        read_sheet(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(xlsx, "read_sheet", spy)
    assert xlsx.read_xlsx(book).enterprise == load(starter_path)
    assert seen and not any(seen)
    assert gc.isenabled()
