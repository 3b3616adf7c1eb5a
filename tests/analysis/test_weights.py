"""ω from the model: given directly or by AHP (model/ahp.py), and the located AHP checks."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from opmodel import read
from opmodel.analysis import score, weights
from opmodel.analysis.weights import ahp_issues
from opmodel.errors import ModelError
from opmodel.model import Ahp, Scoring
from opmodel.model.ahp import RANDOM_INDEX, ahp_weights

from .conftest import tiny


def _m(text: str) -> list[list[float]]:
    return [[float(Fraction(x)) for x in line.split()] for line in text.strip().splitlines()]


# T. L. Saaty, "How to make a decision: The Analytic Hierarchy Process", European Journal of
# Operational Research 48 (1990) 9–26, the house-buying example: eight criteria (size,
# transportation, neighbourhood, age, yard, modern facilities, condition, financing).
# Published: priorities .173 .054 .188 .018 .031 .036 .167 .333; λmax = 9.669,
# C.I. = 0.238, C.R. = 0.169.
SAATY_1990_HOUSE = _m("""
1   5   3   7   6   6   1/3 1/4
1/5 1   1/3 5   3   3   1/5 1/7
1/3 3   1   6   3   4   6   1/5
1/7 1/5 1/6 1   1/3 1/4 1/7 1/8
1/6 1/3 1/3 3   1   1/2 1/5 1/6
1/6 1/3 1/4 4   2   1   1/5 1/6
3   5   1/6 7   5   5   1   1/2
4   7   5   8   6   6   2   1
""")

# The "relative wealth of nations" example (Saaty & Khouja 1976), reproduced in T. L. Saaty,
# "The Analytic Hierarchy Process" (McGraw-Hill 1980), ch. 2: US, USSR, China, France, UK,
# Japan, W. Germany. Published: .427 .230 .021 .052 .052 .123 .094; λmax = 7.61, C.R. = 0.08.
SAATY_WEALTH = _m("""
1   4   9 6   6   5   5
1/4 1   7 5   5   3   4
1/9 1/7 1 1/5 1/5 1/7 1/5
1/6 1/5 5 1   1   1/3 1/3
1/6 1/5 5 1   1   1/3 1/3
1/5 1/3 7 3   3   1   2
1/5 1/4 5 3   3   1/2 1
""")


def test_saaty_1990_house_example() -> None:
    r = ahp_weights(SAATY_1990_HOUSE)
    np.testing.assert_allclose(r.weights, [.173, .054, .188, .018, .031, .036, .167, .333],
                               atol=5e-4)
    assert r.lambda_max == pytest.approx(9.669, abs=5e-4)
    assert r.ci == pytest.approx(0.238, abs=5e-4)
    assert r.cr == pytest.approx(0.169, abs=5e-4)


def test_saaty_wealth_of_nations_example() -> None:
    r = ahp_weights(SAATY_WEALTH)
    np.testing.assert_allclose(r.weights, [.427, .230, .021, .052, .052, .123, .094],
                               atol=5e-4)
    assert r.lambda_max == pytest.approx(7.61, abs=5e-3)
    assert r.cr == pytest.approx(0.08, abs=5e-3)


def test_random_index_table() -> None:
    # Saaty's RI for n = 3..10: 0.58 0.90 1.12 1.24 1.32 1.41 1.45 1.49 (index = n)
    assert RANDOM_INDEX[3:11] == (0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49)
    assert RANDOM_INDEX[1] == RANDOM_INDEX[2] == 0.0


def test_consistent_matrix_has_exact_weights_and_zero_cr() -> None:
    r = ahp_weights([[1, 2, 4], [1 / 2, 1, 2], [1 / 4, 1 / 2, 1]])
    np.testing.assert_allclose(r.weights, [4 / 7, 2 / 7, 1 / 7])
    assert r.lambda_max == pytest.approx(3.0)
    assert r.cr == pytest.approx(0.0, abs=1e-9)
    assert r.worst is None


def test_worst_comparison_is_the_perturbed_one() -> None:
    ones = np.ones((5, 5))
    ones[2, 4], ones[4, 2] = 9, 1 / 9
    r = ahp_weights(ones)
    assert r.cr > 0.1
    assert r.worst == (2, 4)


def test_direct_weights(tiny_model) -> None:
    w = weights(tiny_model)
    assert w.source == "weights"
    assert w.omega == {"customer": 0.5, "strategic": 0.3, "pain": 0.2}
    assert w.cr is None and w.consistent and not w.warnings


def _ahp(matrix, criteria=("customer", "strategic", "pain")):
    return tiny(scoring=Scoring(ahp=Ahp(criteria=criteria, matrix=matrix)))


def test_ahp_weights_feed_scoring() -> None:
    e = _ahp([[1, 2, 4], ["1/2", 1, 2], ["1/4", "1/2", 1]])
    w = weights(e)
    assert w.source == "ahp"
    assert w.omega == pytest.approx({"customer": 4 / 7, "strategic": 2 / 7, "pain": 1 / 7})
    assert w.cr == pytest.approx(0.0, abs=1e-9) and w.ri == 0.58
    # the criteria order of the matrix is respected
    e2 = _ahp([[1, 2, 4], ["1/2", 1, 2], ["1/4", "1/2", 1]],
              criteria=("pain", "customer", "strategic"))
    assert weights(e2).omega == pytest.approx(
        {"pain": 4 / 7, "customer": 2 / 7, "strategic": 1 / 7})
    s = score(e)
    assert s.omega == pytest.approx(w.omega)


def test_inconsistent_ahp_is_a_warning_naming_the_comparison() -> None:
    e = _ahp([[1, 3, "1/5"], ["1/3", 1, 3], [5, "1/3", 1]])
    w = weights(e)
    assert w.cr is not None and w.cr > 0.1 and not w.consistent
    assert [i.code for i in w.warnings] == ["W-AHP"]
    assert w.worst is not None
    a, b = w.worst
    assert f"{a} vs {b}" in (w.warnings[0].hint or "")
    assert w.worst_given is not None and w.worst_implied is not None


@pytest.mark.parametrize(("matrix", "path", "text"), [
    ([[1, 2], [0.5, 1]], ("scoring", "ahp", "matrix"), "must be 3×3"),
    ([[1, 2, 3], [0.5, 1, 2], [1 / 3, 0.5]], ("scoring", "ahp", "matrix"), "must be 3×3"),
    ([[1, -2, 3], [-0.5, 1, 2], [1 / 3, 0.5, 1]], ("scoring", "ahp", "matrix", 0, 1),
     "must be positive"),
    ([[1, 2, 3], [0.5, 1, 2], [1 / 3, 0.25, 1]], ("scoring", "ahp", "matrix", 2, 1),
     "not reciprocal"),
    ([[2, 2, 3], [0.5, 1, 2], [1 / 3, 0.5, 1]], ("scoring", "ahp", "matrix", 0, 0),
     "diagonal"),
])
def test_malformed_ahp_is_a_located_error(matrix, path, text) -> None:
    e = _ahp(matrix)
    with pytest.raises(ModelError) as info:
        weights(e)
    assert info.value.errors
    first = info.value.errors[0]
    assert first.code == "E-AHP" and text in first.message
    assert any(i.path == path for i in info.value.errors)
    with pytest.raises(ModelError):
        score(e)


def test_reciprocal_within_rounding_is_accepted() -> None:
    # 1/3 written as 0.33 is fine (rounding), 0.3 is not
    assert not [i for i in ahp_issues(_ahp([[1, 3, 5], [0.33, 1, 2], [0.2, 0.5, 1]]))
                if i.severity == "error"]
    assert [i.code for i in ahp_issues(_ahp([[1, 3, 5], [0.3, 1, 2], [0.2, 0.5, 1]]))] \
        == ["E-AHP"]


def test_malformed_ahp_in_a_folder_points_at_enterprise_yaml(starter_copy: Path) -> None:
    p = starter_copy / "enterprise.yaml"
    text = p.read_text()
    text = text.replace("  weights: {customer: 0.5, strategic: 0.3, pain: 0.2}",
                        "  ahp:\n    criteria: [customer, strategic, pain]\n"
                        "    matrix: [[1, 2, 4], [1/2, 1, 3], [1/4, 3, 1]]")
    p.write_text(text)
    with pytest.raises(ModelError) as info:
        read(starter_copy)
    errs = [i for i in info.value.errors if i.code == "E-AHP"]
    assert errs and errs[0].location is not None
    assert errs[0].location.startswith("enterprise.yaml:")
