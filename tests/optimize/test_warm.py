"""The speed-ups of the solve (warm.py, solve.SMALL_OPTIONS) change no plan.

Each model is solved twice: the reference path (``SolveOptions(fast=False)``: HiGHS's
default settings and the ranked list as the starting plan, as every solve ran before the
speed-ups) and the default one. Same funded initiatives, same start quarters, same value.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import opmodel
from opmodel.generate import generate
from opmodel.optimize import SolveOptions, build_instance, optimize
from opmodel.optimize.baselines import RANKED, baselines
from opmodel.optimize.formulation import build_milp
from opmodel.optimize.scenario import Scenario, apply
from opmodel.optimize.solve import SMALL_MODEL
from opmodel.optimize.value import evaluate, violations
from opmodel.optimize.warm import HINT, warm_start

ACME = Path(__file__).resolve().parents[2] / "examples" / "acme"


def _acme(scale: float) -> opmodel.Enterprise:
    return apply(opmodel.load(ACME), Scenario(id="w", name="w", budget_scale=scale))


MODELS = {
    "acme budget x 0.8 (the web what-if)": lambda: _acme(0.8),
    "generated 40 initiatives": lambda: generate(seed=1, initiatives=40),
    "generated 60 initiatives": lambda: generate(seed=2, initiatives=60),
}


@pytest.fixture(scope="module", params=list(MODELS))
def solved(request: pytest.FixtureRequest) -> tuple:
    e = MODELS[request.param]()
    opts = SolveOptions(time_limit=60.0, seed=0)
    ref = optimize(e, SolveOptions(time_limit=60.0, seed=0, fast=False))
    fast = optimize(e, opts)
    return e, ref, fast


def test_the_fast_path_finds_the_reference_plan(solved: tuple) -> None:
    _, ref, fast = solved
    assert ref.status == fast.status == "optimal"
    assert fast.selected == ref.selected
    assert np.array_equal(fast.start, ref.start)
    assert fast.objective == pytest.approx(ref.objective, rel=1e-9)
    assert ref.warm_start_source == RANKED
    assert fast.size["binaries"] <= SMALL_MODEL  # these are models the fast path changes


def test_the_starting_plan_is_feasible_and_no_worse_than_the_ranked_list(solved: tuple) -> None:
    fast = solved[2]
    milp = build_milp(fast.instance)
    ranked = baselines(milp)[RANKED]
    w = warm_start(milp, ranked, SolveOptions())
    assert w is not None
    assert not violations(fast.instance, w.start)
    assert w.value == pytest.approx(evaluate(fast.instance, w.start).total)
    assert w.value >= ranked.value - 1e-9
    assert w.value <= fast.objective + 1e-6 * abs(fast.objective)
    assert fast.warm_start == pytest.approx(w.value)
    # the column vector HiGHS gets is the same schedule
    assert np.array_equal(milp.starts_from_solution(w.x), w.start)


def test_an_earlier_plan_as_hint_starts_at_the_optimum_and_changes_nothing() -> None:
    e = MODELS["generated 40 initiatives"]()
    ref = optimize(e, SolveOptions(time_limit=60.0, seed=0, fast=False))
    hint = {k: ref.start_of(k) for k in ref.selected}
    again = optimize(e, SolveOptions(time_limit=60.0, seed=0), hints=[hint, {"no-such": None}])
    assert again.warm_start_source == HINT  # the plan itself: it keeps every rule
    assert again.warm_start == pytest.approx(ref.objective, rel=1e-9)
    assert again.selected == ref.selected
    assert again.objective == pytest.approx(ref.objective, rel=1e-9)


def test_reference_path_and_large_models_keep_the_ranked_list() -> None:
    e = _acme(1.0)
    milp = build_milp(build_instance(e))
    ranked = baselines(milp)[RANKED]
    w = warm_start(milp, ranked, SolveOptions(fast=False))
    assert w is not None and w.source == RANKED
    assert np.array_equal(w.start, ranked.start)
    assert warm_start(milp, None, SolveOptions(fast=False)) is None
