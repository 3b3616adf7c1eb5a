"""The analysis commands as a user runs them: weights, gaps, heatmap, homogeneity, apps,
stability — terminal output, --explain, and every --format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from opmodel.cli import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "160"})
    return result.exit_code, result.output


def test_weights_direct(starter_path: Path) -> None:
    code, out = run("weights", str(starter_path))
    assert code == 0
    assert "given directly" in out and "0.5000" in out and "CR" not in out


def _ahp(folder: Path, matrix: str) -> None:
    p = folder / "enterprise.yaml"
    p.write_text(p.read_text().replace(
        "  weights: {customer: 0.5, strategic: 0.3, pain: 0.2}",
        f"  ahp:\n    criteria: [customer, strategic, pain]\n    matrix: {matrix}"))


def test_weights_ahp_consistent(starter_copy: Path) -> None:
    _ahp(starter_copy, "[[1, 2, 4], [1/2, 1, 2], [1/4, 1/2, 1]]")
    code, out = run("weights", str(starter_copy))
    assert code == 0
    assert "0.5714" in out and "0.2857" in out and "0.1429" in out  # 4/7, 2/7, 1/7
    assert "CR = CI/RI = 0.000" in out and "consistent" in out and "W-AHP" not in out
    code, out = run("weights", str(starter_copy), "--format", "json")
    d = json.loads(out)
    assert d["source"] == "ahp" and d["cr"] == pytest.approx(0, abs=1e-9)


def test_weights_ahp_inconsistent_warns_with_the_comparison(starter_copy: Path) -> None:
    _ahp(starter_copy, "[[1, 3, 1/5], [1/3, 1, 3], [5, 1/3, 1]]")
    code, out = run("weights", str(starter_copy))
    assert code == 0
    assert "too inconsistent" in out and "most inconsistent judgement" in out
    assert "enterprise.yaml:" in out and "W-AHP" in out


def test_weights_malformed_matrix_is_a_located_error(starter_copy: Path) -> None:
    _ahp(starter_copy, "[[1, 2, 4], [1/2, 1, 3], [1/4, 3]]")
    code, out = run("weights", str(starter_copy))
    assert code == 1
    assert "enterprise.yaml:" in out and "E-AHP" in out and "3×3" in out


def test_gaps(starter_path: Path) -> None:
    code, out = run("gaps", str(starter_path), "--top", "3")
    assert code == 0
    lines = [ln for ln in out.splitlines() if ln.startswith("│")]
    assert len(lines) == 3 and "Quoting and pricing" in lines[0] and "0.600" in lines[0]
    assert "--explain quoting/north" in out


def test_gaps_csv_and_json(starter_path: Path, tmp_path: Path) -> None:
    code, out = run("gaps", str(starter_path), "-n", "2", "-f", "csv")
    assert code == 0
    assert out.splitlines()[0].startswith("rank,capability,")
    assert out.splitlines()[1].startswith("1,quoting,")
    f = tmp_path / "gaps.json"
    code, out = run("gaps", str(starter_path), "-o", str(f))
    assert code == 0 and "wrote" in out
    assert json.loads(f.read_text())["rows"][0]["capability"] == "quoting"


def test_heatmap_terminal(starter_path: Path) -> None:
    code, out = run("heatmap", str(starter_path))
    assert code == 0
    head = next(ln for ln in out.splitlines() if "Attract customers" in ln)
    assert head.index("Attract") < head.index("Sell") < head.index("Deliver") \
        < head.index("Support")
    assert "North Region" in out and "All units" in out and "0.60" in out
    assert "roll-up: max" in out and "not applicable" in out and "not assessed" in out


def test_heatmap_capability_shows_na(starter_path: Path) -> None:
    code, out = run("heatmap", str(starter_path), "--by", "capability", "--layer", "gap")
    assert code == 0
    south = next(ln for ln in out.splitlines() if ln.startswith("South Region"))
    assert "n/a" in south


def test_heatmap_missing_differs_from_zero(starter_copy: Path) -> None:
    csv = starter_copy / "assessments.csv"
    csv.write_text("".join(ln for ln in csv.read_text().splitlines(keepends=True)
                           if not ln.startswith("fulfilment,south")))
    code, out = run("heatmap", str(starter_copy), "--by", "capability", "--layer", "gap")
    assert code == 0
    south = next(ln for ln in out.splitlines() if ln.startswith("South Region"))
    north = next(ln for ln in out.splitlines() if ln.startswith("North Region"))
    assert "?" in south and "0.0" in north  # fulfilment: missing in south, gap 0 in north


@pytest.mark.parametrize("rollup", ["max", "mean", "weighted"])
def test_heatmap_rollups(starter_path: Path, rollup: str) -> None:
    code, out = run("heatmap", str(starter_path), "--rollup", rollup, "-f", "json")
    assert code == 0
    d = json.loads(out)
    assert d["rollup"] == rollup and d["columns"][0]["id"] == "attract"


def test_heatmap_explain(starter_path: Path) -> None:
    code, out = run("heatmap", str(starter_path), "--explain", "sell/north")
    assert code == 0
    assert "the largest of 3 assessed cell(s)" in out and "◀ drives the cell" in out
    assert "Quotes take three days" in out and "fast-quote" in out and "grow-revenue" in out
    assert "priority = w × gap / 5 = 1 × 3 / 5 = 0.6" in out
    # a capability id switches to the capability view by itself
    code, out = run("heatmap", str(starter_path), "--explain", "crm/south")
    assert code == 0 and "a single cell" in out and "0.2187" in out
    code, out = run("heatmap", str(starter_path), "--explain", "sell/all", "-f", "json")
    assert code == 0 and json.loads(out)["driver"]["business_unit"] == "north"


def test_heatmap_bad_input(starter_path: Path) -> None:
    code, out = run("heatmap", str(starter_path), "--layer", "pain")
    assert code == 1 and "unknown layer 'pain'" in out
    code, out = run("heatmap", str(starter_path), "--explain", "sell")
    assert code == 1 and "COLUMN/UNIT" in out
    code, out = run("heatmap", str(starter_path), "--explain", "sel/north")
    assert code == 1 and "E-REF" in out
    code, out = run("heatmap", str(starter_path), "-f", "png")
    assert code == 1 and "-o chart.png" in out
    code, out = run("heatmap", str(starter_path), "-o", "x.docx")
    assert code == 1 and "unknown output format" in out


def test_heatmap_png_and_vega(starter_path: Path, tmp_path: Path) -> None:
    png = tmp_path / "heat.png"
    code, _ = run("heatmap", str(starter_path), "-o", str(png))
    assert code == 0 and png.read_bytes()[:4] == b"\x89PNG"
    vl = tmp_path / "heat.vl.json"
    code, _ = run("heatmap", str(starter_path), "--by", "capability", "-o", str(vl))
    assert code == 0 and "vega-lite" in json.loads(vl.read_text())["$schema"]


def test_homogeneity(starter_path: Path) -> None:
    code, out = run("homogeneity", str(starter_path))
    assert code == 0
    assert "CRM North (6)" in out and "CRM South (4)" in out and "90 EUR thousands" in out
    code, out = run("homogeneity", str(starter_path), "--by", "stage")
    assert code == 0 and "Sell" in out and "0.33" in out
    code, out = run("homogeneity", str(starter_path), "-f", "csv")
    assert code == 0 and out.splitlines()[1].startswith("1,crm,")
    code, out = run("homogeneity", str(starter_path), "--by", "app")
    assert code == 1


def test_apps(starter_path: Path) -> None:
    code, out = run("apps", str(starter_path))
    assert code == 0
    assert "Invest" in out and "Eliminate" in out and "CRM South" in out
    code, out = run("apps", str(starter_path), "--by-unit", "-f", "csv")
    assert code == 0 and out.splitlines()[0].startswith("application,business_unit,")


def test_stability(starter_path: Path) -> None:
    code, out = run("stability", str(starter_path), "--top", "3", "--draws", "50")
    assert code == 0 and "100%" in out and "quoting" in out
    code, out = run("stability", str(starter_path), "--spread", "2")
    assert code == 1 and "--spread" in out
    code, a = run("stability", str(starter_path), "-f", "json", "--seed", "4", "--spread", "0.9")
    code, b = run("stability", str(starter_path), "-f", "json", "--seed", "4", "--spread", "0.9")
    assert json.loads(a) == json.loads(b)


def test_missing_model_is_an_error(tmp_path: Path) -> None:
    code, out = run("gaps", str(tmp_path / "nope"))
    assert code == 1 and "no such folder" in out
