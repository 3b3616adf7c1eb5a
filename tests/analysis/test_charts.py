"""Chart specs (report/charts.py): one Vega-Lite spec per chart, rendered with vl-convert.

(Kept with the analysis tests: the charts are the analysis results' pictures.)
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
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


# -- large maps, data handling, text that fits -------------------------------------------------
@pytest.fixture(scope="module")
def wide_model() -> Enterprise:
    from opmodel.generate import generate

    return generate(seed=3, business_units=4, capabilities=90, initiatives=10)


def _records(spec: dict) -> list[dict]:
    return spec["data"]["values"]


def test_capability_map_shows_the_hottest_capabilities_and_says_so(
        wide_model: Enterprise) -> None:
    hm = heatmap(wide_model, by="capability")
    assert len(hm.columns) > charts.MAX_COLUMNS
    spec = charts.heatmap_chart(hm, note="all cells in the workbook").to_dict()
    shown = list(dict.fromkeys(r["column"] for r in _records(spec)))
    assert len(shown) == charts.MAX_COLUMNS
    # the hottest by their hottest unit, drawn in the map's own order (stage, then tree)
    hottest = np.nanmax(np.where(hm.state[:-1] == 1, hm.values[:-1], np.nan), axis=0)
    hottest = np.nan_to_num(hottest, nan=-1.0)
    cut = sorted(hottest, reverse=True)[charts.MAX_COLUMNS - 1]
    assert all(hottest[hm.columns.index(c)] >= cut for c in shown)
    assert shown == [c for c in hm.columns if c in set(shown)]
    sub = spec["title"]["subtitle"]
    assert sub.startswith(f"the {charts.MAX_COLUMNS} hottest of {len(hm.columns)} capabilities"
                          " (all cells in the workbook)")
    # every row of every shown column, and no facet (one x scale for all stages)
    assert len(_records(spec)) == charts.MAX_COLUMNS * len(hm.rows)
    assert "facet" not in spec
    names = [layer.get("name") for layer in spec["layer"]]
    assert names[-3:] == ["stage-lines", "stage-separators", "stage-names"]
    # 300 cells: each with its number
    assert [layer["mark"]["type"] for layer in spec["layer"][:3]] == ["rect", "rect", "text"]


def test_a_map_of_a_thousand_cells_shows_colours_only() -> None:
    from opmodel.generate import generate

    e = generate(seed=3, business_units=14, capabilities=70, initiatives=5)
    spec = charts.heatmap_chart(heatmap(e, by="capability")).to_dict()
    assert len(_records(spec)) > charts.MAX_LABELLED_CELLS
    assert [layer["mark"]["type"] for layer in spec["layer"][:3]] == ["rect", "rect", "rule"]


def test_capability_map_without_a_limit_keeps_every_capability(wide_model: Enterprise) -> None:
    hm = heatmap(wide_model, by="capability")
    spec = charts.heatmap_chart(hm, limit=None).to_dict()
    assert len({r["column"] for r in _records(spec)}) == len(hm.columns)
    assert "hottest" not in spec["title"]["subtitle"]
    assert charts.top_columns(hm, None) is None
    assert charts.top_columns(heatmap(wide_model), 2) is None  # stage maps are never cut


def test_top_columns_of_maturity_layers_are_the_least_mature(wide_model: Enterprise) -> None:
    hm = heatmap(wide_model, by="capability", layer="current")
    keep = charts.top_columns(hm, 5)
    assert keep is not None and keep == sorted(keep) and len(keep) == 5
    low = np.where(hm.state[:-1] == 1, hm.values[:-1], np.inf).min(axis=0)
    assert max(low[keep]) <= min(np.delete(low, keep))


def test_stage_names_sit_under_their_columns(tiny_model: Enterprise) -> None:
    spec = charts.heatmap_chart(heatmap(tiny_model, by="capability")).to_dict()
    recs = _records(spec)
    firsts = [(r["stage"], r["column_name"]) for r in recs if r["first"] and r["row"] == "all"]
    assert firsts == [("Stage one", "Cap one"), ("Stage two", "Cap three")]
    assert [r["sep"] for r in recs if r["first"] and r["row"] == "all"] == [False, True]
    assert {r["n_stage"] for r in recs if r["stage"] == "Stage one"} == {2}


def test_inline_data_is_passed_through_without_copies() -> None:
    import altair as alt

    recs = [{"a": k, "b": f"x{k}"} for k in range(5)]
    chart = alt.Chart(charts.inline(recs)).mark_point().encode(x="a:Q")
    moved = chart.properties(width=100).configure(**charts.CONFIG)  # copies the chart
    spec = moved.to_dict()
    assert spec["data"]["values"] is recs
    plain = alt.Chart(alt.Data(values=recs)).mark_point().encode(x="a:Q").properties(
        width=100).configure(**charts.CONFIG).to_dict()
    assert spec == plain


def test_keep_and_retire_notes_are_cut_to_their_panel(starter_path: Path) -> None:
    h = homogeneity(load(starter_path))
    spec = charts.homogeneity_chart(h).to_dict()
    right = spec["hconcat"][1]
    marks = [layer["mark"] for layer in right["layer"]]
    assert [m["type"] for m in marks] == ["text", "text"]  # keep, then retire
    assert all(m["limit"] == right["width"] for m in marks)
    recs = _records(spec)
    assert all(r["note"].startswith("keep ") and r["retire"].startswith("retire ")
               for r in recs)
    stage = charts.homogeneity_chart(h, by="stage").to_dict()
    assert [layer["mark"]["limit"] for layer in stage["hconcat"][1]["layer"]] == \
        [stage["hconcat"][1]["width"]]


def test_plan_gantt_shows_the_most_valuable_bars(starter_path: Path) -> None:
    from opmodel.optimize import SolveOptions, optimize
    from opmodel.optimize.value import marginal_values
    from opmodel.report.plan_charts import gantt_chart

    plan = optimize(load(starter_path), SolveOptions(time_limit=20))
    funded = int((plan.start >= 0).sum())
    assert funded > 2
    spec = gantt_chart(plan, limit=2).to_dict()
    shown = {r["id"] for r in _records(spec)}
    worth = marginal_values(plan.instance, plan.start)
    ids = [it.id for it in plan.instance.enterprise.initiatives]
    best = sorted((i for i in range(len(ids)) if plan.start[i] >= 0),
                  key=lambda i: (-worth[i], ids[i]))[:2]
    assert shown == {ids[i] for i in best}
    assert spec["title"]["subtitle"].startswith(f"the 2 most valuable of {funded} funded")
    assert "most valuable" not in gantt_chart(plan).to_dict()["title"]["subtitle"]
