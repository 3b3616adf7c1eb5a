"""The files of the Acme report: one self-contained HTML file, every chart as a valid PNG and
SVG, and results.xlsx with every table formatted."""

from __future__ import annotations

import json
import re
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import openpyxl
import pytest

CHARTS = ("heatmap-stage", "heatmap-capability", "top-gaps", "value-vs-baselines",
          "value-over-time", "roadmap-gantt", "spend-vs-budget", "mix-per-quarter", "plateaus",
          "frontier", "risk-spend", "risk-overrun", "consolidation", "homogeneity-stages",
          "time-quadrant", "rank-stability")
SHEETS = ("Summary", "Stage heat map", "Capability heat map", "Cells", "Homogeneity",
          "Consolidation", "Stage homogeneity", "TIME", "TIME by unit", "Initiatives",
          "Baselines", "Spend", "Budgets", "Mix", "Teams", "Gantt", "Plateaus", "Frontier",
          "Risk lines", "Risk spend", "Weights", "Stability", "Solver", "Inputs")


@pytest.fixture(scope="module")
def html(report_dir: Path) -> str:
    return (report_dir / "report.html").read_text(encoding="utf-8")


def payload(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html,
                  re.S)
    assert m, "the report data block is missing"
    return json.loads(m.group(1))


def test_report_is_one_self_contained_file(html: str, report_dir: Path) -> None:
    # nothing loaded from elsewhere: no external scripts, styles, images or fonts
    assert not re.search(r'<script[^>]+src=', html)
    assert not re.search(r'<link[^>]+rel="?stylesheet', html)
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "@import" not in html and "url(http" not in html
    # the Vega runtime is inlined exactly once
    assert html.count("window.vegaEmbed=") == 1
    assert (report_dir / "report.html").stat().st_size <= 5_000_000


def test_report_embeds_every_chart_and_the_drill_down(html: str) -> None:
    data = payload(html)
    assert set(data["charts"]) == set(CHARTS)
    for name in CHARTS:  # the capability map is drawn by the drill-down and the slider
        assert f'data-chart="{name}"' in html or name == "heatmap-capability", name
    assert data["drill"]["chart"] == "heatmap-capability"
    assert data["drill"]["drivers"]["order-to-cash|storage"] == ["order-capture", "storage"]
    prov = data["prov"]
    assert len(prov["status"]) == len(prov["caps"]) * len(prov["bus"])
    k = prov["caps"].index("order-capture") * prov["nb"] + prov["bus"].index("storage")
    assert prov["priority"][k] == pytest.approx(0.4875)
    assert len(data["plateau"]["steps"]) == 9  # today and after each of 8 quarters


def test_report_states_its_findings(html: str) -> None:
    assert "Order to cash in Acme Storage is the hottest gap" in html
    assert "more than the ranked list" in html and "funding by business unit" in html
    assert "opmodel report" in html  # the command that reproduces it
    assert "Consistency ratio CR = 0.008" in html


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("name", CHARTS)
def test_every_chart_is_a_valid_png_and_svg(report_dir: Path, name: str) -> None:
    w, h = _png_size((report_dir / "charts" / f"{name}.png").read_bytes())
    assert w > 200 and h > 100
    root = ET.parse(report_dir / "charts" / f"{name}.svg").getroot()
    assert root.tag.endswith("svg")
    assert float(root.get("width", "0")) > 100
    assert len(list(root.iter())) > 20  # marks, not an empty canvas


def test_workbook_holds_every_table_formatted(report_dir: Path) -> None:
    wb = openpyxl.load_workbook(report_dir / "results.xlsx")
    assert tuple(wb.sheetnames) == SHEETS
    for ws in wb.worksheets:
        assert ws.freeze_panes is not None and ws.freeze_panes.endswith("2"), ws.title
        assert all(c.font.b for c in ws[1] if c.value is not None), ws.title
        assert ws.max_row >= 2, f"{ws.title} is empty"
    init = wb["Initiatives"]
    head = [c.value for c in init[1]]
    assert init.max_row == 49  # 48 initiatives
    cost = head.index(next(h for h in head if h.startswith("cost")))
    assert init.cell(row=2, column=cost + 1).number_format == "#,##0"
    decisions = {init.cell(row=r, column=head.index("decision") + 1).value
                 for r in range(2, 50)}
    assert decisions == {"funded", "not funded"}
    cells = wb["Cells"]
    assert cells.max_row == 1 + 55 * 5
    assert cells["O2"].number_format == "0.000"
    # heat maps are conditional colour scales over a fixed range
    for name in ("Stage heat map", "Capability heat map", "Cells"):
        rules = [r for cf in wb[name].conditional_formatting for r in cf.rules]
        assert rules and all(r.type == "colorScale" for r in rules), name
    stage = wb["Stage heat map"]
    assert stage["A7"].value == "All units"
    assert max(v for row in stage.iter_rows(min_row=2, min_col=2, values_only=True)
               for v in row if v is not None) == pytest.approx(0.4875)
