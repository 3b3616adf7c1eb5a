from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opmodel.model.enterprise import Horizon
from opmodel.model.quarter import (
    add_quarters,
    fiscal_year_of,
    quarter_from_index,
    quarter_index,
    quarters_between,
)


def test_arithmetic() -> None:
    assert add_quarters("2027Q4", 1) == "2028Q1"
    assert add_quarters("2027Q1", -1) == "2026Q4"
    assert quarters_between("2027Q1", "2028Q3") == 6


@given(st.integers(1000 * 4, 9999 * 4 + 3))
def test_index_round_trip(i: int) -> None:
    assert quarter_index(quarter_from_index(i)) == i


def test_rejects_bad_quarters() -> None:
    for bad in ("2027Q0", "2027Q5", "27Q1", "2027-Q1", "Q1 2027"):
        with pytest.raises(ValueError):
            quarter_index(bad)


def test_fiscal_year() -> None:
    assert fiscal_year_of("2027Q2") == 2027
    assert fiscal_year_of("2027Q2", fiscal_year_start=3) == 2027
    assert fiscal_year_of("2027Q3", fiscal_year_start=3) == 2028


def test_horizon() -> None:
    h = Horizon(start="2027Q3", quarters=6)
    assert h.labels == ("2027Q3", "2027Q4", "2028Q1", "2028Q2", "2028Q3", "2028Q4")
    assert h.end == "2028Q4"
    assert h.contains("2028Q4") and not h.contains("2029Q1") and not h.contains("2027Q2")
    assert h.index("2028Q1") == 2
