"""``opmodel.optimize.risk.quantile`` is ``np.quantile(a, q, axis=0)`` to the last bit (it
exists so that cost risk does not import numpy.ma at start-up; bench/startup.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from opmodel.optimize.risk import quantile

QS = (0.0, 0.5, 0.8, 1.0)


def same(a: np.ndarray, q: float) -> None:
    got, want = quantile(a, q), np.quantile(a, q, axis=0)
    assert type(got) is type(want)
    assert np.shape(got) == np.shape(want)
    assert np.asarray(got).tobytes() == np.asarray(want).tobytes(), (got, want)


@settings(max_examples=300, deadline=None, database=None)
@given(a=hnp.arrays(np.float64, st.tuples(st.integers(1, 60), st.integers(1, 4)),
                    elements=st.floats(-1e6, 1e6, allow_nan=False, width=64)),
       q=st.one_of(st.sampled_from(QS), st.floats(0, 1)), flat=st.booleans())
def test_quantile_is_numpys(a: np.ndarray, q: float, flat: bool) -> None:
    same(a[:, 0] if flat else a, q)


@pytest.mark.parametrize("n", [1, 2, 3, 9_999, 10_000, 10_001])
def test_quantile_is_numpys_on_draws(n: int) -> None:
    a = np.random.default_rng(n).triangular(100, 180, 400, size=(n, 5))
    for q in (*QS, 0.25, 0.95):
        same(a, q)
        same(a.sum(axis=1), q)


def test_quantile_leaves_nan_and_empty_to_numpy() -> None:
    a = np.array([[1.0, np.nan], [2.0, 3.0], [5.0, 4.0]])
    same(a, 0.8)
    for f in (quantile, lambda a, q: np.quantile(a, q, axis=0)):
        with pytest.raises(IndexError):  # numpy's own answer to an empty sample
            f(np.zeros(0), 0.5)
