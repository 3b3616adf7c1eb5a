"""The speed-ups of the solve (warm.py, solve.SMALL_OPTIONS and SMALL_THREADS, the start
columns of Milp.with_starts) change no plan.

Each model is solved twice: the reference path (``SolveOptions(fast=False)``: the MILP as
build_milp makes it, HiGHS's default settings and the ranked list as the starting plan, as
every solve ran before the speed-ups) and the default one. Same funded initiatives, same
start quarters, same value.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest

import opmodel
from opmodel.generate import generate
from opmodel.optimize import Plan, SolveOptions, build_instance, optimize
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
    "acme budget x 0.9 (the web's second what-if)": lambda: _acme(0.9),
    "generated 40 initiatives": lambda: generate(seed=1, initiatives=40),
    "generated 60 initiatives": lambda: generate(seed=2, initiatives=60),
}


@functools.cache
def _solve(name: str, fast: bool) -> Plan:
    return optimize(MODELS[name](), SolveOptions(time_limit=60.0, seed=0, fast=fast))


@pytest.fixture(scope="module", params=list(MODELS))
def solved(request: pytest.FixtureRequest) -> tuple:
    return None, _solve(request.param, False), _solve(request.param, True)


def test_the_fast_path_finds_the_reference_plan(solved: tuple) -> None:
    _, ref, fast = solved
    assert ref.status == fast.status == "optimal"
    assert fast.selected == ref.selected
    assert np.array_equal(fast.start, ref.start)
    assert fast.objective == pytest.approx(ref.objective, rel=1e-9)
    assert ref.warm_start_source == RANKED
    assert fast.size["binaries"] <= SMALL_MODEL  # these are models the fast path changes


def test_the_second_what_if_with_earlier_plans_as_hints_finds_the_reference_plan() -> None:
    """The web's second what-if: × 0.9 with the × 0.8 plan and the model's own as hints."""
    opts = SolveOptions(time_limit=60.0, seed=0)
    earlier = (_solve("acme budget x 0.8 (the web what-if)", True), optimize(_acme(1.0), opts))
    hints = [{k: p.start_of(k) for k in p.selected} for p in earlier]
    ref = _solve("acme budget x 0.9 (the web's second what-if)", False)
    fast = optimize(_acme(0.9), opts, hints=hints)
    assert fast.warm_start_source == HINT
    assert np.array_equal(fast.start, ref.start)
    assert fast.objective == pytest.approx(ref.objective, rel=1e-9)


@pytest.mark.parametrize("name", ["acme budget x 0.9 (the web's second what-if)",
                                  "generated 40 initiatives"])
def test_the_start_form_is_the_same_milp(name: str) -> None:
    """Milp.with_starts: the same LP relaxation, and a plan's row activities are the same."""
    from opmodel.optimize.solve import relaxation

    milp = build_milp(build_instance(MODELS[name]()))
    form = milp.with_starts()
    assert form.n_cols == milp.n_cols + milp.n_z
    assert form.n_z == milp.n_z and form.n_start == milp.n_z
    lp, lp_form = relaxation(milp, SolveOptions()), relaxation(form, SolveOptions())
    assert lp is not None and lp_form is not None
    assert float(form.cost @ lp_form) == pytest.approx(float(milp.cost @ lp), rel=1e-9)
    for plan in baselines(milp).values():
        if plan.start is None:
            continue
        x = milp.solution_from_starts(plan.start)
        lifted = form.lift(x)
        assert np.array_equal(lifted[: milp.n_cols], x)
        act, act_form = _activity(milp, x), _activity(form, lifted)
        assert np.allclose(act_form[: milp.n_rows], act, atol=1e-6)
        # the start rows hold, every start column is 0/1, at most one per initiative
        assert np.allclose(act_form[milp.n_rows:], np.clip(act_form[milp.n_rows:],
                                                           form.row_lower[milp.n_rows:],
                                                           form.row_upper[milp.n_rows:]))
        assert set(np.unique(lifted[milp.n_cols:])) <= {0.0, 1.0}
        assert np.array_equal(form.starts_from_solution(lifted), plan.start)
    # budget and capacity rows have no z column left, and nonnegative coefficients
    for b in form.blocks:
        if b.family in ("budget", "capacity"):
            lo, hi = form.start[b.first], form.start[b.first + b.count]
            assert (form.index[lo:hi] >= milp.n_cols).all()
            assert (form.value[lo:hi] >= 0).all()


def _activity(m, x: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    rows = np.repeat(np.arange(m.n_rows), np.diff(m.start))
    return np.bincount(rows, weights=m.value * x[m.index], minlength=m.n_rows)


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
