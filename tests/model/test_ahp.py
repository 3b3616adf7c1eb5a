"""model/ahp.py: the plain-Python consistency ratio (what validation uses, without numpy)
agrees with numpy's eigen-decomposition (what scoring and `opmodel weights` use)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opmodel.model.ahp import ahp_weights, consistency_ratio
from opmodel.model.validate import CONSISTENT

SAATY = [1 / 9, 1 / 7, 1 / 5, 1 / 3, 1 / 2, 1, 2, 3, 5, 7, 9]


@st.composite
def reciprocal(draw: st.DrawFn) -> list[list[float]]:
    n = draw(st.integers(1, 8))
    judgement = st.sampled_from(SAATY) | st.floats(1e-6, 1e6)
    a = [[1.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            a[i][j] = draw(judgement)
            a[j][i] = 1 / a[i][j]
    return a


@settings(max_examples=300, deadline=None)
@given(reciprocal())
def test_consistency_ratio_agrees_with_numpy(a: list[list[float]]) -> None:
    cr, exact = consistency_ratio(a), ahp_weights(a).cr
    assert cr >= exact - 1e-9  # an upper bound: "consistent" is never said wrongly
    if exact < 1:  # nearly consistent, where the answer matters: the same number
        assert cr == pytest.approx(exact, rel=1e-6, abs=1e-9)
    if cr < CONSISTENT:  # what validation relies on to skip numpy
        assert exact <= 0.1


def test_consistent_and_inconsistent() -> None:
    assert consistency_ratio([[1, 2, 4], [1 / 2, 1, 2], [1 / 4, 1 / 2, 1]]) == \
        pytest.approx(0.0, abs=1e-12)
    inconsistent = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]
    assert consistency_ratio(inconsistent) > 1 and ahp_weights(inconsistent).cr > 1
    assert consistency_ratio([[1.0]]) == 0.0
