"""The HiGHS choke point (solve.py): what HiGHS says is checked against what it returns."""

from __future__ import annotations

import numpy as np
import pytest

from opmodel.optimize import SolveOptions, build_instance
from opmodel.optimize.baselines import RANKED, baselines
from opmodel.optimize.formulation import build_milp
from opmodel.optimize.solve import SolverRun, _reconcile, run_highs

from .tiny import ini, model


def overrated_start_model():  # the model of test_conformance's warm-start test
    return model([ini("big", cost=200, uplift={"c1": 2}),
                  ini("quick", cost=100, uplift={"c2": 3}, value=1),
                  ini("twin", cost=100, uplift={"c2": 3})],
                 budget=[300, 100, 100, 100], gap=2)


def test_objective_is_that_of_the_vector_returned() -> None:
    milp = build_milp(build_instance(overrated_start_model()))
    ranked = baselines(milp)[RANKED]
    assert ranked.value == pytest.approx(21)
    run = run_highs(milp, SolveOptions(time_limit=20, seed=0),
                    milp.solution_from_starts(ranked.start))
    assert run.objective == pytest.approx(float(milp.cost @ run.x) + milp.offset)
    assert run.objective == pytest.approx(35)
    assert run.status == "optimal"
    assert run.bound == pytest.approx(35)
    assert list(milp.starts_from_solution(run.x)[:2]) == [0, 0]  # big and quick at once


def _run(objective: float, bound: float, *, consistent: bool, status: str = "kOptimal",
         note: str = "") -> SolverRun:
    return SolverRun("feasible", status, np.array([objective]), objective, bound, 0.0, 0.1, 1,
                     note, consistent)


def test_an_unchecked_claim_is_never_called_optimal() -> None:
    """No retry possible: the plan keeps its own value, the gap to HiGHS's bound shows."""
    first = _run(21, 35, consistent=False, note="HiGHS reported 35 for a plan worth 21")
    out = _reconcile(first, None, minimize=False, elapsed=0.2)
    assert out.status == "feasible"
    assert out.objective == 21
    assert out.bound == 35
    assert out.gap == pytest.approx(14 / 21)
    assert "reported 35" in out.note
    assert not out.consistent


def test_the_better_vector_and_the_proven_bound_are_kept() -> None:
    first = _run(21, 35, consistent=False, note="HiGHS reported 35 for a plan worth 21")
    retry = _run(35, 35, consistent=True)
    out = _reconcile(first, retry, minimize=False, elapsed=0.3)
    assert out.status == "optimal"
    assert out.objective == 35
    assert out.x[0] == 35
    assert out.nodes == 2
    assert "solved again without the starting plan" in out.note
    # a time-limited retry that finds less: the first vector stays, the retry's bound proves
    worse = _run(20, 21, consistent=True, status="kTimeLimit")
    out = _reconcile(first, worse, minimize=False, elapsed=0.3)
    assert out.objective == 21
    assert out.bound == 21
    assert out.status == "optimal"
