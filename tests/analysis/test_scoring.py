"""Scoring formulas (DESIGN §2) against the hand-computed tiny model (see conftest.py)."""

from __future__ import annotations

import gc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opmodel import load
from opmodel.analysis import omega, score
from opmodel.analysis import scoring as scoring_mod
from opmodel.errors import InputError, UnknownIdError
from opmodel.model import Assessment, BusinessUnit, Enterprise, Weights

from .conftest import OMEGA, tiny

NAN = np.nan


def test_customer_and_strategic(tiny_model: Enterprise) -> None:
    s = score(tiny_model)
    assert s.capabilities == ("c1", "c2", "c3", "c4")
    assert s.business_units == ("b1", "b2")
    np.testing.assert_allclose(s.customer, [2 / 3, 0, 1, 0])
    np.testing.assert_allclose(s.strategic, [1, 2 / 3, 0, 0.5])
    np.testing.assert_allclose(s.bu_weight, [1, 0.5])
    assert s.omega == OMEGA


def test_status_current_target_pain_gap(tiny_model: Enterprise) -> None:
    s = score(tiny_model)
    assert s.status.tolist() == [[1, 1], [1, 2], [1, 1], [0, 1]]
    np.testing.assert_array_equal(s.current, [[1, 2], [3, NAN], [2, 4], [NAN, 0]])
    np.testing.assert_array_equal(s.target, [[4, 3], [3, NAN], [5, 2], [NAN, 5]])
    np.testing.assert_array_equal(s.pain, [[5, 0], [2, 0], [0, 1], [0, 5]])
    # target below current is no gap; n/a and missing have none (nan, not 0)
    np.testing.assert_array_equal(s.gap, [[3, 1], [0, NAN], [3, 0], [NAN, 5]])


def test_weight_and_priority(tiny_model: Enterprise) -> None:
    s = score(tiny_model)
    np.testing.assert_allclose(s.weight, [[0.833333, 0.316667], [0.28, 0.1], [0.5, 0.27],
                                          [0.15, 0.175]], atol=1e-6)
    np.testing.assert_allclose(s.priority, [[0.5, 0.0633333], [0, NAN], [0.3, 0],
                                            [NAN, 0.175]], atol=1e-6)


def test_index_lookups(tiny_model: Enterprise) -> None:
    s = score(tiny_model)
    assert s.priority[s.cap_index("c3"), s.bu_index("b1")] == pytest.approx(0.3)
    with pytest.raises(UnknownIdError):
        s.cap_index("nope")
    with pytest.raises(UnknownIdError):
        s.bu_index("nope")


def test_omega_override_and_check(tiny_model: Enterprise) -> None:
    s = score(tiny_model, {"customer": 1.0, "strategic": 0.0, "pain": 0.0})
    # w = customer(c) · bu_weight
    np.testing.assert_allclose(s.weight[:, 0], [2 / 3, 0, 1, 0])
    with pytest.raises(InputError):
        score(tiny_model, {"customer": 0.5, "strategic": 0.2, "pain": 0.2})
    with pytest.raises(InputError):
        score(tiny_model, {"customer": 0.5, "money": 0.5})
    assert omega(tiny_model) == OMEGA


def test_unit_without_weight_counts_as_largest() -> None:
    e = tiny(business_units=(BusinessUnit(id="b1", name="One", weight=4),
                             BusinessUnit(id="b2", name="Two")))
    np.testing.assert_allclose(score(e).bu_weight, [1, 1])
    e = tiny(business_units=(BusinessUnit(id="b1", name="One"),
                             BusinessUnit(id="b2", name="Two")))
    np.testing.assert_allclose(score(e).bu_weight, [1, 1])


def test_no_expectations_or_objectives_gives_zero_not_nan() -> None:
    s = score(tiny(expectations=(), objectives=()))
    assert not np.isnan(s.customer).any() and not s.customer.any()
    assert not s.strategic.any()


def test_arrays_are_read_only(tiny_model: Enterprise) -> None:
    s = score(tiny_model)
    with pytest.raises(ValueError):
        s.priority[0, 0] = 1.0
    with pytest.raises(ValueError):
        s.gap[0, 0] = 1.0


def test_base_is_cached_per_object_and_released() -> None:
    e = tiny()
    b1 = scoring_mod.base(e)
    assert scoring_mod.base(e) is b1
    key = id(e)
    assert key in scoring_mod._CACHE
    del e, b1
    gc.collect()
    assert key not in scoring_mod._CACHE


def test_to_frame(tiny_model: Enterprise) -> None:
    df = score(tiny_model).to_frame()
    assert len(df) == 8
    row = df[(df.capability == "c2") & (df.business_unit == "b2")].iloc[0]
    assert row.status == "n/a" and np.isnan(row.priority)
    row = df[(df.capability == "c4") & (df.business_unit == "b1")].iloc[0]
    assert row.status == "missing"
    assert df.priority.max() == pytest.approx(0.5)


def test_starter_scores(starter_path) -> None:
    e = load(starter_path)
    s = score(e)
    # quoting/north: current 1 target 4 pain 5; customer(quoting) = 5/9 (quoting 5, crm 5,
    # service 4 → max 5 → quoting 1); strategic(quoting) = 3·3 = 9 (max) → 1
    i, j = s.cap_index("quoting"), s.bu_index("north")
    assert s.customer[i] == pytest.approx(1.0)
    assert s.strategic[i] == pytest.approx(1.0)
    assert s.priority[i, j] == pytest.approx((0.5 + 0.3 + 0.2) * 1.0 * 3 / 5)
    assert s.status[s.cap_index("campaigns"), s.bu_index("south")] == scoring_mod.NA


# -- properties -------------------------------------------------------------------------
maturity = st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0])
omegas = st.tuples(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1)).filter(
    lambda t: sum(t) > 1e-3).map(lambda t: dict(zip(("customer", "strategic", "pain"),
                                                    (x / sum(t) for x in t), strict=True)))
cells = st.lists(st.tuples(maturity, maturity, st.one_of(st.none(), maturity)),
                 min_size=8, max_size=8)


def _with_cells(values: list[tuple[float, float, float | None]]) -> Enterprise:
    pairs = [(c, b) for c in ("c1", "c2", "c3", "c4") for b in ("b1", "b2")]
    return tiny(assessments=tuple(
        Assessment(capability=c, business_unit=b, current=cur, target=tgt, pain=p)
        for (c, b), (cur, tgt, p) in zip(pairs, values, strict=True)))


@settings(max_examples=60, deadline=None)
@given(cells, omegas)
def test_priority_in_unit_interval_and_zero_gap_zero_priority(values, om) -> None:
    s = score(_with_cells(values), om)
    assert np.all((s.priority >= 0) & (s.priority <= 1 + 1e-12))
    assert np.all((s.weight >= 0) & (s.weight <= 1 + 1e-12))
    assert np.all(s.priority[s.gap == 0] == 0)


@settings(max_examples=60, deadline=None)
@given(cells, omegas, st.integers(0, 7), st.sampled_from([0.5, 1.0, 2.0, 5.0]))
def test_raising_a_target_never_lowers_priority(values, om, k, raise_by) -> None:
    before = score(_with_cells(values), om)
    cur, tgt, p = values[k]
    raised = list(values)
    raised[k] = (cur, min(5.0, tgt + raise_by), p)
    after = score(_with_cells(raised), om)
    i, j = divmod(k, 2)
    assert after.priority[i, j] >= before.priority[i, j] - 1e-12


def test_weights_model_rejects_bad_sum() -> None:
    with pytest.raises(ValueError):
        Weights(customer=0.5, strategic=0.5, pain=0.5)
