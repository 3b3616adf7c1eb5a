"""Chart specs (report/charts.py): one Vega-Lite spec per chart, rendered with vl-convert.

(Kept with the analysis tests: the charts are the analysis results' pictures.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opmodel import load
from opmodel.analysis import heatmap, homogeneity, ranked_gaps, stability, time_classification
from opmodel.errors import InputError
from opmodel.model import Enterprise
from opmodel.report import charts


def _layers(spec: dict) -> list[dict]:
    inner = spec.get("spec", spec)
    return inner["layer"]


def test_heatmap_spec_orders_and_scales(tiny_model: Enterprise) -> None:
    spec = charts.heatmap_chart(heatmap(tiny_model)).to_dict()
    valued, empty, text = _layers(spec)
    assert valued["encoding"]["x"]["sort"] == ["Stage one", "Stage two"]
    assert valued["encoding"]["y"]["sort"] == ["Unit one", "Unit two", "All units"]
    scale = valued["encoding"]["color"]["scale"]
    assert scale["domain"] == [0.0, 1.0] and scale["type"] == "sqrt"
    # n/a and not-assessed cells have their own legend, never the value scale
    fill = empty["encoding"]["fill"]["scale"]
    assert fill["domain"] == [charts.NA_LABEL, charts.MISSING_LABEL]
    assert text["encoding"]["text"]["field"] == "label"


def test_heatmap_records_mark_na_and_missing(tiny_model: Enterprise) -> None:
    recs = {(r["row"], r["column"]): r for r in
            charts.heatmap_records(heatmap(tiny_model, by="capability", layer="gap"))}
    assert recs[("b2", "c2")]["state"] == charts.NA_LABEL and recs[("b2", "c2")]["label"] == "n/a"
    assert recs[("b1", "c4")]["state"] == charts.MISSING_LABEL
    assert recs[("b1", "c4")]["value"] is None
    assert recs[("b1", "c2")]["value"] == 0 and recs[("b1", "c2")]["state"] == "value"


def test_same_layer_same_colours(tiny_model: Enterprise) -> None:
    a = charts.heatmap_chart(heatmap(tiny_model, layer="gap")).to_dict()
    b = charts.heatmap_chart(heatmap(tiny_model, by="capability", layer="gap")).to_dict()
    assert _layers(a)[0]["encoding"]["color"]["scale"] == \
        _layers(b)[0]["encoding"]["color"]["scale"]


def test_every_chart_builds(starter_path: Path) -> None:
    e = load(starter_path)
    for chart in (charts.gaps_chart(ranked_gaps(e, 5)), charts.time_chart(time_classification(e)),
                  charts.homogeneity_chart(homogeneity(e)),
                  charts.homogeneity_chart(homogeneity(e), by="stage"),
                  charts.stability_chart(stability(e, 3, draws=20)),
                  charts.heatmap_chart(heatmap(e, by="capability", level=1))):
        spec = chart.to_dict()
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")


def test_save_png_svg_html_json(tmp_path: Path, tiny_model: Enterprise) -> None:
    chart = charts.heatmap_chart(heatmap(tiny_model))
    png = charts.save_chart(chart, tmp_path / "h.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (charts.save_chart(chart, tmp_path / "h.svg").read_text()).startswith("<svg")
    html = charts.save_chart(chart, tmp_path / "h.html").read_text()
    assert "<html" in html and "vega" in html
    spec = json.loads(charts.save_chart(chart, tmp_path / "h.json").read_text())
    assert "layer" in spec
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.html", "h.json", "h.png", "h.svg"]


def test_save_refuses_unknown_suffix_and_writes_nothing(tmp_path: Path,
                                                        tiny_model: Enterprise) -> None:
    chart = charts.heatmap_chart(heatmap(tiny_model))
    with pytest.raises(InputError):
        charts.save_chart(chart, tmp_path / "h.pdf")
    with pytest.raises(InputError):
        charts.save_chart(chart, tmp_path / "missing" / "h.png")
    assert list(tmp_path.iterdir()) == []


def test_heatmap_chart_says_when_a_parent_is_rolled_up() -> None:
    from .conftest import tiny

    # c1 (parent of c2) has no assessment in b1: its cell shows c2's value, and says so
    e = tiny(assessments=tuple(a for a in tiny().assessments
                               if (a.capability, a.business_unit) != ("c1", "b1")))
    hm = heatmap(e, by="capability")
    recs = {(r["row"], r["column"]): r for r in charts.heatmap_records(hm)}
    assert recs[("b1", "c1")]["rolled_up"] == 1 and recs[("b1", "c1")]["value"] == 0
    assert recs[("b2", "c1")]["rolled_up"] == 0
    sub = charts.heatmap_chart(hm).to_dict()["title"]["subtitle"]
    assert "did not assess shows its sub-capabilities rolled up" in sub
    plain = charts.heatmap_chart(heatmap(tiny(), by="capability")).to_dict()
    assert "rolled up" not in plain["title"]["subtitle"]
