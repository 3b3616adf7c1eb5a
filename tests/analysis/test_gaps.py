"""The ranked gap list."""

from __future__ import annotations

import numpy as np
import pytest

from opmodel.analysis import ranked_gaps
from opmodel.analysis.gaps import ranked_cells
from opmodel.errors import InputError
from opmodel.model import Enterprise


def test_ranked(tiny_model: Enterprise) -> None:
    g = ranked_gaps(tiny_model, top=None)
    assert [(r.rank, r.capability, r.business_unit) for r in g.rows] == [
        (1, "c1", "b1"), (2, "c3", "b1"), (3, "c4", "b2"), (4, "c1", "b2")]
    r = g.rows[0]
    assert (r.current, r.target, r.gap, r.pain, r.stage) == (1, 4, 3, 5, "s1")
    assert r.priority == pytest.approx(0.5) and r.weight == pytest.approx(5 / 6)
    assert (g.cells, g.assessed, g.with_gap) == (8, 6, 4)
    assert [r.capability for r in ranked_gaps(tiny_model, top=2).rows] == ["c1", "c3"]
    assert len(g.to_frame()) == 4 and g.to_dict()["with_gap"] == 4


def test_ties_keep_model_order() -> None:
    p = np.array([[0.2, 0.1], [0.2, 0.2]])
    status = np.ones((2, 2), dtype=np.int8)
    assert ranked_cells(p, status).tolist() == [0, 2, 3, 1]
    assert ranked_cells(p, status, top=2).tolist() == [0, 2]
    status[0, 0] = 2
    assert ranked_cells(p, status, top=1).tolist() == [2]


def test_bad_top(tiny_model: Enterprise) -> None:
    with pytest.raises(InputError):
        ranked_gaps(tiny_model, top=0)
