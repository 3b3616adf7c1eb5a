from __future__ import annotations

from pathlib import Path

import pytest

import opmodel
from opmodel.io.frames import TABLE_NAMES


def test_every_table_is_a_frame(starter_path: Path) -> None:
    e = opmodel.load(starter_path)
    frames = opmodel.frames(e)
    assert set(frames) == set(TABLE_NAMES)
    assert len(frames["assessments"]) == 14
    assert len(frames["effects"]) == 3
    assert list(frames["dependencies"].itertuples(index=False, name=None)) == [
        ("crm-upgrade", "cpq")]
    apps = frames["applications"].set_index("id")
    assert apps.loc["quote-tool-s", "business_units"] == "south;north"
    inits = frames["initiatives"].set_index("id")
    assert inits.loc["crm-upgrade", "total_cost"] == 300
    assert inits.loc["cpq", "cost_high"] == 1300


def test_unknown_table(starter_path: Path) -> None:
    with pytest.raises(KeyError, match="tables are"):
        opmodel.frame(opmodel.load(starter_path), "nope")
