"""``opmodel demo`` and ``opmodel report`` as a user runs them."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from opmodel.cli import app
from tests.report.demo_run import demo_run, shared_base

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "160"})
    return result.exit_code, result.output


def test_demo_runs_the_main_job_end_to_end(tmp_path_factory: pytest.TempPathFactory) -> None:
    demo = demo_run(shared_base(tmp_path_factory))
    assert demo.exit_code == 0, demo.output
    out = demo.output
    # the example was copied, validated and reported on
    assert (demo.folder / "acme" / "enterprise.yaml").exists()
    assert "is valid" in out
    for name in ("report.html", "results.xlsx"):
        assert (demo.report / name).stat().st_size > 10_000, name
    assert len(list((demo.report / "charts").glob("*.png"))) == 16
    assert len(list((demo.report / "charts").glob("*.svg"))) == 16
    assert not list(demo.report.glob(".report-*")), "a temporary folder was left behind"
    # the terminal summary: heat map, top ten, the plan against both baselines
    assert "priority by business unit and stage" in out
    assert "Top 10 priorities" in out
    assert "The plan against its baselines" in out
    for baseline in ("optimized plan", "ranked list", "funding-driven"):
        assert baseline in out
    assert "Order to cash in Acme Storage is the hottest gap" in out
    # every step of the job had its progress line
    for step in ("analysis", "solving", "efficient frontier", "cost risk",
                 "writing report.html", "writing results.xlsx", "charts (PNG, SVG)"):
        assert step in out, step
    # the quarterly cycle: the re-plan from where Acme stands (docs/cycle.md)
    assert "re-plan as of 2027Q3" in out and "Plan versus actual" in out
    assert "plan of record of 2027Q2" in out and "+30%" in out
    html = (demo.report / "report.html").read_text()
    assert 'id="since"' in html and "Since last quarter" in html
    # it ends with the path of report.html
    last = [ln for ln in out.splitlines() if ln.strip()][-1]
    assert last.startswith("report: ") and last.rstrip().endswith("report.html")
    assert Path(last.split("report: ", 1)[1].strip()).resolve() == \
        (demo.report / "report.html").resolve()


def test_demo_again_keeps_the_copied_model(tmp_path_factory: pytest.TempPathFactory) -> None:
    demo = demo_run(shared_base(tmp_path_factory))
    marker = demo.folder / "acme" / "enterprise.yaml"
    assert marker.exists()
    assert "copied the Acme example" in demo.output


def test_report_writes_the_files_under_a_scenario(starter_copy: Path, tmp_path: Path) -> None:
    (starter_copy / "scenarios.yaml").write_text(
        "scenarios:\n  - id: bold\n    name: Bold year\n    budget_scale: 1.3\n")
    out = tmp_path / "out"
    code, text = run("report", str(starter_copy), "--scenario", "bold", "-o", str(out),
                     "--frontier", "none", "--no-charts", "--time-limit", "20")
    assert code == 0, text
    html = (out / "report.html").read_text()
    assert "scenario <b>bold</b>" in html
    assert "--scenario bold" in html  # the command that reproduces it
    assert (out / "results.xlsx").exists() and not (out / "charts").exists()
    assert "The plan against its baselines" in text and "ranked list" in text
    assert "report.html" in text


def test_report_infeasible_scenario_names_the_conflict(starter_copy: Path,
                                                      tmp_path: Path) -> None:
    (starter_copy / "scenarios.yaml").write_text(
        "scenarios:\n  - id: lean\n    name: Lean year\n    budget_scale: 0.5\n")
    code, text = run("report", str(starter_copy), "--scenario", "lean", "-o",
                     str(tmp_path / "out"), "--frontier", "none", "--no-charts")
    assert code == 3  # no feasible plan
    assert "E-INFEASIBLE" in text and "short" in text
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_report_unknown_scenario_is_a_clear_error(starter_copy: Path, tmp_path: Path) -> None:
    code, text = run("report", str(starter_copy), "--scenario", "nope", "-o",
                     str(tmp_path / "out"), "--no-charts", "--frontier", "none")
    assert code == 1
    assert "no scenario 'nope'" in text
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("bad", ["0.5,abc", "-1", "0"])
def test_report_rejects_bad_frontier_scales(starter_path: Path, tmp_path: Path,
                                            bad: str) -> None:
    code, text = run("report", str(starter_path), "-o", str(tmp_path / "o"), "--frontier", bad)
    assert code == 1 and "--frontier" in text
    assert not (tmp_path / "o").exists()


def test_report_refuses_a_file_as_output(starter_path: Path, tmp_path: Path) -> None:
    f = tmp_path / "file.txt"
    f.write_text("x")
    code, text = run("report", str(starter_path), "--dir", str(f), "--frontier", "none",
                     "--no-charts")
    assert code == 1 and "is a file" in text
    assert f.read_text() == "x"
