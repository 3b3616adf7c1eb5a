"""`opmodel plan` and `opmodel explain` as a user runs them."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import opmodel
from opmodel.cli import app
from tests.optimize.tiny import ini, model

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.output


@pytest.fixture
def tiny_path(tmp_path: Path) -> Path:
    e = model([ini("a", uplift={"c1": 3}, excludes=["b"]), ini("b", uplift={"c2": 2}),
               ini("c", uplift={"c3": 1}, cost=500), ini("d", uplift={"c4": 2})], budget=200)
    path = tmp_path / "tiny"
    opmodel.save(e, path)
    return path


def test_plan_prints_the_summary(starter_path: Path) -> None:
    code, out = run("plan", str(starter_path), "--time-limit", "20")
    assert code == 0, out
    assert "plan optimal" in out
    assert "ranked list" in out and "funding-driven" in out
    assert "% of optimum" in out
    assert "Spend against budget" in out and "Investment mix" in out
    assert "Top decisions" in out
    assert "Running HiGHS" not in out  # the solver's banner stays quiet


def test_plan_writes_json_and_csv(tiny_path: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    code, out = run("plan", str(tiny_path), "-o", str(out_dir))
    assert code == 0, out
    data = json.loads((out_dir / "plan.json").read_text())
    assert data["status"] == "optimal"
    assert data["objective"] == pytest.approx(3 * 7 + 2 * 7)  # a and d in Q1
    funded = {r["id"]: r["start"] for r in data["schedule"] if r["funded"]}
    assert funded == {"a": "2027Q1", "d": "2027Q1"}
    assert set(data["baselines"]) == {"ranked list", "funding-driven"}
    with (out_dir / "schedule.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert [r["id"] for r in rows] == ["a", "b", "c", "d"]
    reasons = {x["id"]: x["reason"] for x in data["explanations"]}
    assert reasons == {"a": "funded", "b": "conflict", "c": "budget", "d": "funded"}
    for name in ("spend.csv", "budgets.csv", "mix.csv", "explanations.csv"):
        assert (out_dir / name).stat().st_size > 0


def test_explain_funded_and_not_funded(tiny_path: Path) -> None:
    code, out = run("explain", str(tiny_path), "a")
    assert code == 0, out
    assert "funded" in out and "dropping it loses 21" in out
    code, out = run("explain", str(tiny_path), "c")
    assert code == 0, out
    assert "not funded" in out and "budget" in out
    assert "needs 300 more" in out
    code, out = run("explain", str(tiny_path), "b", "--no-replan")
    assert code == 0, out
    assert "excludes 'a'" in out


def test_explain_unknown_initiative(tiny_path: Path) -> None:
    code, out = run("explain", str(tiny_path), "zz")
    assert code == 1
    assert "no initiative with id 'zz'" in out


def test_infeasible_plan_names_the_conflict(tmp_path: Path) -> None:
    e = model([ini("m", mandatory=True, cost=500, earliest_start="2027Q1",
                   latest_start="2027Q1")], budget=200)
    opmodel.save(e, tmp_path / "bad")
    code, out = run("plan", str(tmp_path / "bad"))
    assert code == 3  # no feasible plan (docs/output.md)
    assert "E-INFEASIBLE" in out
    assert "budget enterprise 2027Q1" in out and "300 short" in out


@pytest.mark.parametrize(("args", "expect"), [
    (("--time-limit", "0"), "E-INPUT: time limit must be positive"),
    (("--gap", "-1"), "E-INPUT: gap must be in [0, 1)"),
    (("--threads", "0"), "E-INPUT: threads must be at least 1"),
    (("--draws", "-5"), "E-INPUT: --draws is -5; give a whole number from 0 to 1,000,000"),
    (("--draws", "1000000000"), "E-INPUT: --draws is 1,000,000,000; give a whole number"),
    (("--seed", "-1"), "E-INPUT: --seed is -1; give a whole number from 0"),
    (("--as-of", "2027Q2", "--quarters", "99"), "E-INPUT: a horizon of 99 quarters"),
])
def test_bad_option_is_a_clear_error(tiny_path: Path, args: tuple[str, ...],
                                     expect: str) -> None:
    """A bad option is a bad input (exit 1, as `gaps --top 0`): it was E-SOLVER with exit 3,
    "no feasible plan", for a time limit, gap or thread count; `--draws -5` was taken as 0
    and a billion ran out of memory; `--seed -1` and `--quarters 99` with --as-of were
    tracebacks."""
    code, out = run("plan", str(tiny_path), *args)
    assert code == 1, out
    assert expect in out and "Traceback" not in out


@pytest.fixture
def scenario_path(tiny_path: Path) -> Path:
    (tiny_path / "scenarios.yaml").write_text(
        "scenarios:\n  - id: rich\n    name: Rich\n    budget_scale: 3.5\n")
    return tiny_path


def test_plan_a_scenario_and_diff(scenario_path: Path, tmp_path: Path) -> None:
    code, out = run("plan", str(scenario_path), "--scenario", "rich", "--draws", "0")
    assert code == 0, out
    assert "scenario rich" in out and "3 of 4 initiatives funded" in out
    code, out = run("diff", str(scenario_path), "base", "rich", "-o", str(tmp_path / "d.json"))
    assert code == 0, out
    assert "in" in out and "c" in out
    data = json.loads((tmp_path / "d.json").read_text())
    assert data["added"] == ["c"] and data["removed"] == []
    code, out = run("plan", str(scenario_path), "--scenario", "poor")
    assert code == 1 and "no scenario 'poor'" in out


def test_frontier_command(tiny_path: Path, tmp_path: Path) -> None:
    code, out = run("frontier", str(tiny_path), "--from", "0.5", "--to", "1.5", "--steps", "3",
                    "-p", "1", "-o", str(tmp_path / "f.csv"))
    assert code == 0, out
    assert "wrote" in out and "today" not in out  # -o writes the result instead of printing
    rows = list(csv.DictReader((tmp_path / "f.csv").open()))
    assert [r["scale"] for r in rows] == ["0.5", "1", "1.5"]
    values = [float(r["value"]) for r in rows]
    assert values == sorted(values)


def test_plan_writes_charts_and_risk(starter_path: Path, tmp_path: Path) -> None:
    code, out = run("plan", str(starter_path), "-o", str(tmp_path / "o"), "--draws", "2000")
    assert code == 0, out
    assert "Cost risk (2,000 draws" in out
    for name in ("gantt.png", "spend.png", "risk.csv", "plateaus.csv", "gantt.csv"):
        assert (tmp_path / "o" / name).stat().st_size > 0
    assert (tmp_path / "o" / "gantt.png").read_bytes()[:4] == b"\x89PNG"


# -- planning to a confidence ----------------------------------------------------------------
@pytest.fixture
def risky_path(tmp_path: Path) -> Path:
    """a (worth 21, 100 but 80–200) and b (worth 7, 40 for sure) share 150 in one quarter:
    both hold with 32.5 %, a alone with 79.2 % (tests/optimize/test_confidence.py)."""
    from opmodel.model import CostRange

    e = model([ini("a", uplift={"c1": 3}, cost_range=CostRange(low=80, likely=100, high=200)),
               ini("b", uplift={"c2": 1}, cost=40)], budget=[150, 0, 0, 0])
    path = tmp_path / "risky"
    opmodel.save(e, path)
    return path


def test_plan_states_the_probability_of_staying_within_budget(risky_path: Path,
                                                               tmp_path: Path) -> None:
    code, out = run("plan", str(risky_path), "-o", str(tmp_path / "o"), "--no-charts")
    assert code == 0, out
    assert "Within budget: 32." in out and "every fiscal-year budget line" in out
    assert "--confidence 0.8" in out  # how to hold a reserve
    data = json.loads((tmp_path / "o" / "plan.json").read_text())
    assert data["within_budget"]["probability"] == pytest.approx(0.325, abs=0.015)
    assert data["within_budget"]["joint"] is True
    assert data["confidence"] is None


def test_plan_to_a_confidence(risky_path: Path, tmp_path: Path) -> None:
    code, out = run("plan", str(risky_path), "--confidence", "0.5", "-o", str(tmp_path / "o"),
                    "--no-charts")
    assert code == 0, out
    assert "Management reserve for 50% confidence" in out
    assert "value given up" in out and "reserve 50" in out and "[bold]" not in out
    assert "optimal for the budget less the reserve" in out
    data = json.loads((tmp_path / "o" / "plan.json").read_text())
    cf = data["confidence"]
    assert cf["certified"] and cf["target"] == 0.5 and cf["joint"] is True
    assert cf["value_given_up"] == pytest.approx(7) and cf["reserve"] == pytest.approx(50)
    assert [r["id"] for r in data["schedule"] if r["funded"]] == ["a"]
    assert data["within_budget"]["probability"] == pytest.approx(cf["achieved"])
    assert data["budgets"][0]["budget"] == 150 and "required_reserve" in data["budgets"][0]


def test_policy_confidence_and_an_unreachable_one(risky_path: Path, tmp_path: Path) -> None:
    (risky_path / "policy.yaml").write_text("confidence: 0.9\n")  # the model has no policy
    code, out = run("plan", str(risky_path), "--draws", "2000")
    assert code == 0, out
    assert "Management reserve for 90% confidence" in out  # b alone: certain
    code, out = run("plan", str(risky_path), "--confidence", "0")
    assert code == 0, out
    assert "Management reserve" not in out and "2 of 2 initiatives funded" in out
    e = opmodel.load(risky_path)
    forced = e.model_copy(update={"initiatives": tuple(
        i.model_copy(update={"mandatory": True}) if i.id == "a" else i for i in e.initiatives)})
    opmodel.save(forced, tmp_path / "forced")
    code, out = run("plan", str(tmp_path / "forced"), "--confidence", "0.95", "-o",
                    str(tmp_path / "never"))
    assert code == 3
    assert "E-CONFIDENCE" in out and "79." in out and "--confidence 0.79" in out
    assert not (tmp_path / "never").exists()
    code, out = run("plan", str(risky_path), "--confidence", "1.5")
    assert code == 1 and "between 0 and 1" in out


def test_a_scenario_sets_the_confidence(risky_path: Path) -> None:
    sc = risky_path / "scenarios.yaml"
    sc.write_text("scenarios:\n  - id: prudent\n    name: Prudent\n    confidence: 0.5\n")
    code, out = run("plan", str(risky_path), "--scenario", "prudent", "--draws", "0")
    assert code == 0, out
    assert "Management reserve for 50% confidence" in out and "Within budget" not in out
    sc.write_text(sc.read_text().replace("0.5", "2"))
    code, out = run("plan", str(risky_path), "--scenario", "prudent")
    assert code == 1 and "scenarios.yaml:4:5: E-RANGE confidence" in out


def test_money_never_prints_minus_zero() -> None:
    """A plan with nothing funded printed "(proven bound -0)": the solver's bound is -0.0
    or a hair below zero."""
    from opmodel.cli import cycle, plan, report

    for fmt in (plan._money, cycle._money, report._money):
        assert fmt(-0.0) == fmt(-1e-9) == "0"
        assert fmt(-0.6) == "-1" and fmt(1234.4) == "1,234"


@pytest.mark.parametrize(("args", "expect"), [
    (("--steps", "1000000"), "E-INPUT: --steps is 1,000,000; give a whole number from 1 to 101"),
    (("--processes", "0"), "E-INPUT: --processes is 0; give a whole number from 1 to 64"),
])
def test_frontier_counts_are_bounded(tiny_path: Path, args: tuple[str, ...],
                                     expect: str) -> None:
    """`frontier --steps 1000000` started a million solves (it hung)."""
    code, out = run("frontier", str(tiny_path), *args)
    assert code == 1 and expect in out, out
