"""A model folder's CSV files shaped to take minutes: a header of 200,000 columns (1.9 MB)
was checked column by column, each unknown one with a did-you-mean and each known one looked
up from the start of the header (quadratic): `validate` ran past two minutes. A header wider
than MAX_COLUMNS is now one message at the first column over."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from opmodel.errors import ModelError
from opmodel.io import folder
from opmodel.io.folder import MAX_COLUMNS, read_folder


def _with_header(src: Path, tmp_path: Path, header: list[str]) -> Path:
    m = tmp_path / "m"
    shutil.copytree(src, m)
    lines = (m / "assessments.csv").read_text().splitlines()
    (m / "assessments.csv").write_text(",".join(header) + "\n" + "\n".join(lines[1:]) + "\n")
    return m


def test_a_header_wider_than_the_limit_is_one_message(starter_path: Path, tmp_path: Path
                                                      ) -> None:
    wide = ["capability", "business_unit", "current", "target"]
    wide += [f"extra{k}" for k in range(MAX_COLUMNS + 50 - len(wide))]
    with pytest.raises(ModelError) as e:
        read_folder(_with_header(starter_path, tmp_path, wide))
    issues = [i for i in e.value.issues if i.location.startswith("assessments.csv")]
    assert [(i.code, i.location) for i in issues] == [
        ("E-CSV", f"assessments.csv:1:{MAX_COLUMNS + 1}")], issues
    assert f"{MAX_COLUMNS + 50:,} columns" in issues[0].message


def test_repeated_columns_are_each_reported_once(starter_path: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(folder, "MAX_COLUMNS", 10_000)
    header = ["capability", "business_unit", "current", "target"] + ["notes"] * 3
    with pytest.raises(ModelError) as e:
        read_folder(_with_header(starter_path, tmp_path, header))
    dups = [i.location for i in e.value.issues if i.code == "E-DUP"]
    assert dups == ["assessments.csv:1:6", "assessments.csv:1:7"]
