"""The analysis commands as a user runs them: weights, gaps, heatmap, homogeneity, apps,
stability — terminal output, --explain, and every --format."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from opmodel import load
from opmodel.analysis import heatmap as heatmap_fn
from opmodel.cli import app
from opmodel.cli.analysis import heatmap_table
from opmodel.generate import generate

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
    assert code == 2 and "-o chart.png" in out  # usage errors exit 2 (docs/output.md)
    code, out = run("heatmap", str(starter_path), "-o", "x.docx")
    assert code == 2 and "unknown output format" in out


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


# -- the terminal grid at any width ------------------------------------------------------
ACME_STAGES = ["Market and generate demand", "Sell and quote", "Order to cash",
               "Deliver and deploy", "Support and service", "Renew and expand"]


def _cli(*args: str, columns: int | None) -> list[str]:
    """`opmodel …` as a user runs it, stdout a pipe; COLUMNS as given (None: unset)."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    if columns is not None:
        env["COLUMNS"] = str(columns)
    done = subprocess.run([sys.executable, "-m", "opmodel", *args], capture_output=True,
                          stdin=subprocess.DEVNULL, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def _grid(lines: list[str]) -> list[str]:
    """The table's lines: from the title up to the colour legend."""
    end = next(k for k, ln in enumerate(lines) if ln.startswith("priority: "))
    return lines[:end]


@pytest.mark.parametrize("columns", [None, 80])
def test_heatmap_fits_80_columns(acme_path: Path, columns: int | None) -> None:
    """A pipe (rich assumes 80) and an 80-column terminal: one line per unit, whole stage
    words in the headers, nothing wider than the terminal."""
    lines = _cli("heatmap", str(acme_path), columns=columns)
    grid = _grid(lines)
    assert max(len(ln) for ln in lines if not ln.startswith("why")) <= 80
    units = ["Acme Servers", "Acme Storage", "Acme Networking", "Acme Technology Services",
             "Acme Financial Services", "All units"]
    rows = [ln for ln in grid if re.search(r"\d\.\d\d|n/a", ln)]
    assert [next(u for u in units if ln.startswith(u)) for ln in rows] == units
    head = grid[1:len(grid) - len(rows)]
    assert 1 <= len(head) <= 4 and "…" not in "".join(head)
    assert set(" ".join(head).split()) == {w for n in ACME_STAGES for w in n.split()}
    assert rows[-2].split()[-3] == "n/a"  # Financial Services × Deliver and deploy
    hint = lines[-1]
    assert hint.startswith("why is a cell hot?") and hint.endswith("order-to-cash/storage")


def test_heatmap_wide_terminal_keeps_headers_on_one_line(acme_path: Path) -> None:
    grid = _grid(_cli("heatmap", str(acme_path), columns=200))
    names = ACME_STAGES
    head = grid[1]
    assert all(n in head for n in names)
    assert [head.index(n) for n in names] == sorted(head.index(n) for n in names)
    assert len(grid) == 2 + 6


@pytest.mark.parametrize("columns", [80, 200])
def test_heatmap_by_capability_one_line_per_capability(acme_path: Path, columns: int) -> None:
    lines = _cli("heatmap", str(acme_path), "--by", "capability", columns=columns)
    grid = _grid(lines)
    assert max(len(ln) for ln in grid) <= columns
    valued = [ln for ln in grid if re.search(r"(\d\.\d\d|n/a|\?)\s*$", ln)]
    assert len(valued) == 55  # every capability on one line, under its stage's line
    assert grid[1].split() == ["servers", "storage", "networking", "services", "financing",
                               "all"]
    demand = next(ln for ln in valued if "Demand generation" in ln)
    assert "?" not in demand  # no assessment rows: rolled up from its four leaves


@pytest.mark.parametrize("width", [40, 56, 64, 80, 100, 132, 200])
@pytest.mark.parametrize("by", ["stage", "capability"])
def test_heatmap_table_never_exceeds_the_width(acme_path: Path, width: int, by: str) -> None:
    hm = heatmap_fn(load(acme_path), by=by)
    lines = _render(heatmap_table(hm, width=width), width)
    assert max(len(ln) for ln in lines) <= width
    assert sum(bool(re.search(r"\d\.\d\d", ln)) for ln in lines) >= 6


def test_heatmap_table_leaves_out_units_with_a_note() -> None:
    e = generate(seed=3, business_units=24, capabilities=30, applications=10, initiatives=2)
    # by stage, 24 units are 24 rows: all there
    lines = _render(heatmap_table(heatmap_fn(e), width=80), 80)
    assert max(len(ln) for ln in lines) <= 80 and "not shown" not in " ".join(lines)
    assert sum(ln.startswith(b.name[:10]) for b in e.business_units for ln in lines) >= 24
    # by capability, units are columns: the first ones that fit, the All column, a note
    hm = heatmap_fn(e, by="capability")
    lines = _render(heatmap_table(hm, width=80), 80)
    assert max(len(ln) for ln in lines) <= 80
    head = lines[1].split()  # whole ids, in model order
    assert head[:-1] == [b.id for b in e.business_units[:len(head) - 1]]
    assert head[-1] == "all" and 3 <= len(head) < 25
    text = " ".join(lines)
    assert f"{25 - len(head)} of 24 units not shown" in text and "-f csv" in text


def _render(table: object, width: int) -> list[str]:
    buf = io.StringIO()
    Console(file=buf, width=width, color_system=None, soft_wrap=False).print(table)
    return [ln.rstrip() for ln in buf.getvalue().splitlines()]


def test_homogeneity_leaves_parents_to_their_sub_capabilities(acme_path: Path) -> None:
    code, out = run("homogeneity", str(acme_path), "-f", "json")
    assert code == 0
    listed = [c["capability"] for c in json.loads(out)["capabilities"]]
    assert len(listed) == 41 and "sales-mgmt" not in listed  # 55 capabilities, 14 parents
    code, out = run("homogeneity", str(acme_path))
    assert code == 0
    note = next(ln for ln in out.splitlines() if "no application serves them" in ln)
    assert "sales-mgmt" not in note and "customer-data (networking, services)" in note


def test_stability_shows_whole_ids_in_80_columns(acme_path: Path) -> None:
    """Ids are never cut mid-word ("order-cap…"): the numbers' headers wrap instead."""
    import opmodel
    from opmodel.analysis import stability

    lines = _cli("stability", str(acme_path), columns=80)
    table = [ln for ln in lines if ln.startswith(("┃", "│", "┏", "└", "┡"))]
    assert table and max(len(ln) for ln in table) <= 80
    assert "…" not in "\n".join(table)
    cells = stability(opmodel.load(acme_path), top=10, draws=500, seed=0).cells
    rows = [ln for ln in table if ln.startswith("│")]
    for c, row in zip(cells, rows, strict=True):
        parts = [p.strip() for p in row.strip("│").split("│")]
        assert parts[1:3] == [c.capability, c.business_unit], row


def test_stability_draws_and_seed_are_bounded(starter_path: Path) -> None:
    """`stability --draws 1000000000` ran for hours; `--seed -1` reached numpy."""
    for args, expect in ((("--draws", "1000000000"), "--draws is 1,000,000,000; give a whole "
                          "number from 1 to 1,000,000"),
                         (("--seed", "-1"), "--seed is -1; give a whole number from 0")):
        code, out = run("stability", str(starter_path), *args)
        assert code == 1 and f"E-INPUT: {expect}" in out, out


def test_heatmap_explain_typo_gets_did_you_mean() -> None:
    """`heatmap --explain sell/nort` answered "no business unit with id 'nort'" with the
    list "rows are: north, south, all" where every other unknown id says "did you mean
    'north'?"."""
    from pathlib import Path

    from typer.testing import CliRunner

    from opmodel.cli import app

    starter = str(Path(__file__).resolve().parents[2] / "src" / "opmodel" / "starter")
    for cell, said in (("sell/nort", "did you mean 'north'?"),
                       ("sel/north", "did you mean 'sell'?"),
                       ("sell/zzz", "rows are: north, south, all")):
        r = CliRunner().invoke(app, ["heatmap", starter, "--explain", cell])
        assert r.exit_code == 1 and said in r.output, (cell, r.output)
