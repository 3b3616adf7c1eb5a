"""The report's machinery for large models: chart workers, PNG size, the workbook's fast
rows, and a model too big to draw whole (the capability map shows its hottest capabilities,
the drill-down keeps them all)."""

from __future__ import annotations

import json
import math
import os
import re
import struct
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from opmodel.errors import OpmodelError
from opmodel.report import _render
from opmodel.report.exports import ChartJobs, ChartSpec
from opmodel.report.tables import Column, Sheet

POINTS = {"data": {"values": [{"a": 1, "b": 2}, {"a": 2, "b": 3}]}, "mark": "point",
          "encoding": {"x": {"field": "a", "type": "quantitative"},
                       "y": {"field": "b", "type": "quantitative"},
                       "tooltip": [{"field": "a", "type": "quantitative"}]}}


def test_png_scale_keeps_2x_until_the_pixel_budget() -> None:
    small = '<svg class="marks" width="600" height="400" viewBox="0 0 600 400">'
    assert _render.png_scale(small) == _render.PNG_SCALE
    big = '<svg class="marks" width="2200" height="830" viewBox="0 0 2200 830">'
    s = _render.png_scale(big)
    assert 1.0 <= s < _render.PNG_SCALE
    assert 2200 * 830 * s * s <= _render.MAX_PNG_PIXELS * 1.01
    huge = '<svg class="marks" width="9000" height="9000">'
    assert _render.png_scale(huge) == 1.0
    assert _render.png_scale("<svg>") == _render.PNG_SCALE


def test_files_are_drawn_without_tooltips_but_with_all_data() -> None:
    spec = {**POINTS, "data": {"values": [{"tooltip": "a field, kept", "a": 1, "b": 1}]}}
    out = _render.for_files(spec)
    assert "tooltip" not in out["encoding"]
    assert out["data"]["values"] is spec["data"]["values"]
    assert out["config"]["aria"] is False
    assert "tooltip" in POINTS["encoding"]  # the report's own spec is left alone


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_chart_workers_draw_svg_and_png(tmp_path: Path) -> None:
    jobs = ChartJobs(tmp_path, processes=2, start=1)
    jobs.submit([ChartSpec("one", "", POINTS), ChartSpec("two", "", POINTS)])
    ticks: list[tuple[int, int]] = []
    paths = jobs.collect(lambda k, n: ticks.append((k, n)))
    assert [p.name for p in paths] == ["one.png", "one.svg", "two.png", "two.svg"]
    assert ticks[-1] == (2, 2)
    w, h = _png_size(tmp_path / "one.png")
    assert w > 100 and h > 100
    assert (tmp_path / "two.svg").read_text().startswith("<svg")
    assert set(jobs.seconds) == {"one", "two"}


# characters XML (so SVG) cannot hold; Word's line break is U+000B
UNDRAWABLE = "a\x0bb\x0cc\x07d\x1fe\ufffef\uffff"


def test_names_with_characters_svg_cannot_hold_are_drawn(tmp_path: Path) -> None:
    """vl-convert aborts its process (a Rust panic) on such text: the worker died and the
    report failed; the CLI's ``-f png`` killed opmodel itself."""
    spec = {**POINTS, "data": {"values": [{"a": 1, "b": 2, UNDRAWABLE: UNDRAWABLE}]},
            "title": UNDRAWABLE, "encoding": {**POINTS["encoding"], "color": {
                "field": UNDRAWABLE, "type": "nominal"}}}
    jobs = ChartJobs(tmp_path, processes=1, start=1)
    jobs.submit([ChartSpec("odd", "", spec)])
    paths = jobs.collect()
    assert [p.name for p in paths] == ["odd.png", "odd.svg"]
    svg = (tmp_path / "odd.svg").read_text()
    assert "abcdef" in svg and "\x0b" not in svg
    assert spec["title"] == UNDRAWABLE  # the report's own spec (report.html) is left alone


def test_chart_bytes_draws_names_svg_cannot_hold(tmp_path: Path) -> None:
    script = (  # in a process of its own: without the fix the panic aborts the process
        "import altair as alt, sys\n"
        "from opmodel.report.charts import chart_bytes\n"
        f"c = alt.Chart(alt.Data(values=[{{'a': {UNDRAWABLE!r}, 'b': 1}}]))"
        ".mark_bar().encode(x='a:N', y='b:Q')\n"
        "sys.stdout.buffer.write(chart_bytes(c, 'svg'))\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, env=env,
                          timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert b"abcdef" in done.stdout


def test_a_chart_that_cannot_be_drawn_is_named(tmp_path: Path) -> None:
    jobs = ChartJobs(tmp_path, processes=1)
    bad = {**POINTS, "mark": "no-such-mark"}
    jobs.submit([ChartSpec("fine", "", POINTS), ChartSpec("broken", "", bad)])
    with pytest.raises(OpmodelError, match="chart broken could not be drawn"):
        jobs.collect()


def test_workbook_rows_keep_types_formats_and_odd_text(tmp_path: Path) -> None:
    from openpyxl import Workbook

    from opmodel.report.workbook import _fill, write_sheet

    sheet = Sheet("Odd", (Column("text", "text", 70), Column("money", "money"),
                          Column("flag", "bool"), Column("share", "share")),
                  [["a < b & c > d", 1234.5678, True, 0.25],
                   [" padded ", float("nan"), False, None],
                   ["bell\x07 gone", 7, None, "n/a"],
                   ["", None, None, 1.0],
                   ["x" * 32760 + " a & b <c> " + "y" * 50, 1, None, None]])
    wb = Workbook(write_only=True)
    rows = write_sheet(wb, sheet)
    part, out = tmp_path / "part.xlsx", tmp_path / "out.xlsx"
    wb.save(part)
    _fill(part, out, {"Odd": rows}, {"Odd": "A1:D6"})
    ws = openpyxl.load_workbook(out)["Odd"]
    got = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    # a text over Excel's 32,767 characters is cut there, never inside an escaped "&amp;"
    assert got == [["a < b & c > d", 1234.5678, True, 0.25],
                   [" padded ", None, False, None],
                   ["bell gone", 7, None, "n/a"],
                   [None, None, None, 1],
                   [("x" * 32760 + " a & b <c> " + "y" * 50)[:32767], 1, None, None]]
    assert ws["B2"].number_format == "#,##0" and ws["D2"].number_format == "0%"
    assert ws["D4"].number_format == "General"  # text in a number column: no format
    assert ws["A2"].alignment.wrap_text  # a wide text column wraps
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:D6"
    streamed = openpyxl.load_workbook(out, read_only=True)["Odd"]
    assert (streamed.max_row, streamed.max_column) == (6, 4)


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A report of a model with 320 capabilities × 10 units (more than the capability chart
    shows, and more cells than the drill-down draws one by one), without the PNG/SVG files."""
    from opmodel.generate import generate
    from opmodel.report.build import ReportOptions, build_report

    e = generate(seed=1, business_units=10, capabilities=320, initiatives=60)
    res = build_report(e, out_dir=tmp_path_factory.mktemp("large"), options=ReportOptions(
        time_limit=5, frontier_scales=(), charts=False, stability_draws=20, risk_draws=200))
    html = res.html.read_text(encoding="utf-8")
    m = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html,
                  re.S)
    assert m
    return {"res": res, "html": html, "data": json.loads(m.group(1))}


def _unpack(packed: dict) -> list[dict]:
    p = packed["__packed"]
    cols = {f: c if isinstance(c, list) else [c["d"][i] for i in c["i"]]
            for f, c in p["c"].items()}
    return [{f: cols[f][k] for f in cols} for k in range(p["n"])]


def test_large_capability_map_shows_its_hottest_and_the_drill_keeps_all(large: dict) -> None:
    from opmodel.report.charts import MAX_COLUMNS

    d = large["data"]
    res = large["res"]
    cap = d["charts"]["heatmap-capability"]
    recs = _unpack(cap["data"]["values"])
    assert len({r["column"] for r in recs}) == MAX_COLUMNS
    assert cap["title"]["subtitle"].startswith(f"the {MAX_COLUMNS} hottest of 320 capabilities")
    assert "3,200 cells in results.xlsx" in cap["title"]["subtitle"]
    # the drill-down has its own map: every capability of the stage, rolled up to level 1
    # (the full map has more than 3,000 cells)
    assert d["drill"]["chart"] is None and d["drill"]["level"] == 1
    drill = _unpack(d["drill"]["spec"]["data"]["values"])
    level1 = {c.id for c in res.data.enterprise.capabilities if c.parent is None}
    assert {r["column"] for r in drill} == level1
    # the slider follows the chart's cells, and says how many capabilities it shows
    pl = d["plateau"]
    assert pl["note"] == f"the {MAX_COLUMNS} hottest of 320 capabilities"
    assert all(len(s["value"]) == len(recs) for s in pl["steps"])
    assert f"the {MAX_COLUMNS} hottest of the 320 capabilities" in large["html"]
    # the workbook has every cell
    ws = openpyxl.load_workbook(res.workbook, read_only=True)["Cells"]
    assert ws.max_row == 1 + 320 * 10
    assert res.size < 5_000_000


def test_large_report_numbers_are_finite(large: dict) -> None:
    def walk(x: object) -> None:
        if isinstance(x, float):
            assert math.isfinite(x)
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(large["data"])
