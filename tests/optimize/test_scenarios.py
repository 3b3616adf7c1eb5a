"""Scenarios: applying overrides, reading scenarios.yaml with located errors, and diffs."""

from __future__ import annotations

from pathlib import Path

import pytest

import opmodel
from opmodel.errors import InputError, ModelError
from opmodel.io.scenarios import read_scenarios, scenario_model
from opmodel.model import Weights
from opmodel.optimize import optimize
from opmodel.optimize.diff import diff
from opmodel.optimize.scenario import BudgetOverride, Scenario, apply

from .tiny import ini, model, q


def tiny() -> opmodel.Enterprise:
    return model([ini("a", uplift={"c1": 3}), ini("b", uplift={"c2": 2}),
                  ini("c", uplift={"c3": 1})], budget=[200, 0, 0, 0])


def test_apply_scales_and_sets_budgets() -> None:
    s = Scenario(id="s", name="S", budget_scale=0.5,
                 budgets=(BudgetOverride(period=q(1), scale=10),
                          BudgetOverride(pool="enterprise", period=q(2), amount=70)))
    e = apply(tiny(), s)
    assert [b.amount for b in e.budgets] == [100, 0, 70, 0]


def test_apply_forces_and_reweights() -> None:
    s = Scenario(id="s", name="S", force_in=("c",), force_out=("a",),
                 weights=Weights(customer=0.5, strategic=0.5, pain=0))
    e = apply(tiny(), s)
    assert e.initiative("c").mandatory and e.initiative("a").forbidden
    assert e.scoring.weights == Weights(customer=0.5, strategic=0.5, pain=0)
    p = optimize(e)
    assert set(p.selected) == {"b", "c"}


def test_scenario_that_breaks_the_model_is_refused() -> None:
    s = Scenario(id="s", name="S", horizon={"start": "2030Q1"})  # type: ignore[arg-type]
    e = tiny().model_copy(update={"initiatives": (ini("a", earliest_start=q(1)),)})
    with pytest.raises(ModelError) as exc:
        apply(e, s)
    assert "E-HORIZON" in str(exc.value)


def write(folder: Path, text: str) -> Path:
    opmodel.save(tiny(), folder)
    (folder / "scenarios.yaml").write_text(text)
    return folder


def test_read_scenarios_reports_every_problem_located(tmp_path: Path) -> None:
    folder = write(tmp_path / "m", """scenarios:
  - id: lean
    name: Lean
    budget_scale: 0.5
    force_in: [zz]
  - id: typo
    name: Typo
    budgets:
      - {pol: enterprise, scale: 2}
  - id: lean
    name: Again
""")
    e = opmodel.load(folder)
    with pytest.raises(ModelError) as exc:
        read_scenarios(folder, e)
    text = str(exc.value)
    assert "scenarios.yaml:5:16: E-REF scenario names unknown initiative 'zz'" in text
    assert "scenarios.yaml:9:10: E-UNKNOWN unknown key 'pol' (did you mean 'pool'?)" in text
    assert "scenarios.yaml:10:5: E-DUP" in text


def test_scenario_model_and_diff(tmp_path: Path) -> None:
    folder = write(tmp_path / "m", """scenarios:
  - id: rich
    name: Rich
    budget_scale: 1.5
""")
    e = opmodel.load(folder)
    assert scenario_model(folder, e, "base") is e
    with pytest.raises(InputError, match="no scenario 'rch'") as exc:
        scenario_model(folder, e, "rch")
    assert "did you mean 'rich'" in str(exc.value)
    base = optimize(e)
    rich = optimize(scenario_model(folder, e, "rich"))
    d = diff(base, rich, "base", "rich")
    assert d.added == ["c"] and d.removed == [] and d.moved == []
    assert d.value_change == pytest.approx(7)
    assert {(r["quarter"], r["change"]) for r in d.spend if r["change"]} == {(q(0), 100.0)}
    assert d.cells == [{"capability": "c3", "business_unit": "bu", "level_a": 0.0,
                        "level_b": 1.0}]
