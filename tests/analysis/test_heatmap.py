"""Heat maps: roll-ups, states (n/a and missing are not zero), ordering, provenance."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opmodel import load
from opmodel.analysis import heatmap, score
from opmodel.analysis.heatmap import ALL, capability_levels, capability_order
from opmodel.errors import InputError, UnknownIdError
from opmodel.model import Assessment, Capability, Enterprise

from .conftest import tiny

NAN = np.nan
# tiny priorities (conftest): c1 (.5, .063333), c2 (0, n/a), c3 (.3, 0), c4 (missing, .175)


def test_stage_columns_in_order_units_as_rows(tiny_model: Enterprise) -> None:
    hm = heatmap(tiny_model)
    assert hm.columns == ("s1", "s2")  # stages are listed s2, s1 in the model; order wins
    assert hm.column_names == ("Stage one", "Stage two")
    assert hm.rows == ("b1", "b2", ALL)
    assert hm.row_names[-1] == "All units"


def test_stage_max(tiny_model: Enterprise) -> None:
    hm = heatmap(tiny_model, rollup="max")
    np.testing.assert_allclose(hm.values, [[0.5, 0.3], [0.063333, 0.175], [0.5, 0.3]],
                               atol=1e-6)


def test_stage_mean(tiny_model: Enterprise) -> None:
    hm = heatmap(tiny_model, rollup="mean")
    # s1/b1: (.5 + 0)/2; s2/b1: c3 only (c4 missing); all/s1: (.5 + 0 + .063333)/3
    np.testing.assert_allclose(hm.values, [[0.25, 0.3], [0.063333, 0.0875],
                                           [0.563333 / 3, 0.475 / 3]], atol=1e-6)


def test_stage_weighted(tiny_model: Enterprise) -> None:
    hm = heatmap(tiny_model, rollup="weighted")
    # inside one unit it is the mean; across units each child counts by bu_weight (1, ½)
    np.testing.assert_allclose(hm.values[:2], heatmap(tiny_model, rollup="mean").values[:2])
    s1 = (1 * (0.5 + 0.0) + 0.5 * 0.063333) / (1 * 2 + 0.5 * 1)
    s2 = (1 * 0.3 + 0.5 * (0.0 + 0.175)) / (1 * 1 + 0.5 * 2)
    np.testing.assert_allclose(hm.values[2], [s1, s2], atol=1e-6)


def test_capability_layers_and_states(tiny_model: Enterprise) -> None:
    hm = heatmap(tiny_model, by="capability", layer="gap")
    assert hm.columns == ("c1", "c2", "c3", "c4")
    np.testing.assert_array_equal(hm.values[:2], [[3, 0, 3, NAN], [1, NAN, 0, 5]])
    # 1 value, 2 n/a, 0 missing: a zero gap (c2/b1) is a value, unlike n/a and missing
    assert hm.state[:2].tolist() == [[1, 1, 1, 0], [1, 2, 1, 1]]
    assert hm.value("c2", "b1") == 0.0
    assert hm.value("c2", "b2") is None and hm.value("c4", "b1") is None
    cur = heatmap(tiny_model, by="capability", layer="current")
    tgt = heatmap(tiny_model, by="capability", layer="target")
    assert cur.value("c3", "b2") == 4 and tgt.value("c3", "b2") == 2


def test_all_na_cell_is_na_and_missing_wins_over_na() -> None:
    e = tiny(assessments=(
        Assessment(capability="c1", business_unit="b1", current=1, target=2),
        Assessment(capability="c3", business_unit="b2", applicable=False),
        Assessment(capability="c4", business_unit="b2", applicable=False),
        Assessment(capability="c1", business_unit="b2", applicable=False),
    ))
    hm = heatmap(e)
    # s2/b2: both children n/a → n/a; s1/b2: c1 n/a, c2 missing → missing; s2/b1 → missing
    assert hm.state.tolist() == [[1, 0], [0, 2], [1, 0]]
    assert np.isnan(hm.values[1]).all()
    assert hm.n_na[1].tolist() == [1, 2] and hm.n_missing[1].tolist() == [1, 0]


def test_level_rolls_children_into_parents(tiny_model: Enterprise) -> None:
    assert capability_levels(tiny_model) == {"c1": 1, "c2": 2, "c3": 1, "c4": 1}
    hm = heatmap(tiny_model, by="capability", level=1, rollup="mean")
    assert hm.columns == ("c1", "c3", "c4")
    assert hm.groups[0] == (0, 1)
    assert hm.value("c1", "b1") == pytest.approx(0.25)  # mean of c1 .5 and c2 0
    assert hm.value("c1", "b2") == pytest.approx(0.063333, abs=1e-6)  # c2 is n/a there


def test_stage_filter_and_order() -> None:
    e = tiny(capabilities=(Capability(id="c3", name="C3", stage="s2"),
                           Capability(id="c2", name="C2", stage="s1", parent="c1"),
                           Capability(id="c4", name="C4", stage="s2"),
                           Capability(id="c1", name="C1", stage="s1")))
    assert capability_order(e) == ["c1", "c2", "c3", "c4"]
    hm = heatmap(e, by="capability", stage="s2")
    assert hm.columns == ("c3", "c4")
    with pytest.raises(UnknownIdError):
        heatmap(e, by="capability", stage="nope")


@pytest.mark.parametrize("kw", [{"by": "unit"}, {"layer": "pain"}, {"rollup": "median"},
                                {"by": "capability", "level": 0}])
def test_bad_options(tiny_model: Enterprise, kw: dict) -> None:
    with pytest.raises(InputError):
        heatmap(tiny_model, **kw)


def test_explain_stage_cell_names_driver_and_arithmetic(tiny_model: Enterprise) -> None:
    x = heatmap(tiny_model).explain("s1", "b1")
    assert x.value == pytest.approx(0.5)
    assert x.rule == "the largest of 2 assessed cell(s)"
    assert x.driver is not None and x.driver.capability == "c1"
    assert [c.capability for c in x.children] == ["c1", "c2"]
    p = x.provenance
    assert p is not None and p.capability == "c1" and p.business_unit == "b1"
    assert p.assessment is not None and p.assessment.row == 1
    assert p.assessment.assessor == "tester" and p.assessment.confidence == "stated"
    assert [e.id for e in p.expectations] == ["x1"]
    assert [(o.objective, o.weight, o.strength) for o in p.objectives] == [("o1", 2, 3)]
    assert p.customer_raw == 4 and p.customer_max == 6
    assert p.strategic_raw == 6 and p.strategic_max == 6
    assert p.bu_weight_raw == 2 and p.bu_weight_max == 2
    text = "\n".join(p.arithmetic())
    assert "customer(c)  = (4) / 6 = 0.6667" in text
    assert "priority = w × gap / 5 = 0.8333 × 3 / 5 = 0.5" in text
    d = x.to_dict()
    assert d["provenance"]["terms"]["pain"] == pytest.approx(0.2)


def test_explain_all_row_and_na_and_missing(tiny_model: Enterprise) -> None:
    x = heatmap(tiny_model, rollup="mean").explain("s2", ALL)
    assert x.rule == "the mean of 3 assessed cell(s) (1 not assessed left out)"
    assert {(c.capability, c.business_unit) for c in x.children} == {
        ("c3", "b1"), ("c3", "b2"), ("c4", "b1"), ("c4", "b2")}
    assert x.driver is not None and (x.driver.capability, x.driver.business_unit) == ("c3", "b1")
    na = heatmap(tiny_model, by="capability").explain("c2", "b2")
    assert na.state == "n/a" and na.value is None and na.provenance is not None
    assert na.provenance.status == "n/a" and na.provenance.priority is None
    assert "n/a" in na.provenance.arithmetic()[-1]
    miss = heatmap(tiny_model, by="capability").explain("c4", "b1")
    assert miss.state == "missing" and miss.provenance is not None
    assert miss.provenance.assessment is None
    with pytest.raises(UnknownIdError):
        heatmap(tiny_model).explain("c1", "b1")  # a capability in a stage heat map
    with pytest.raises(UnknownIdError):
        heatmap(tiny_model).explain("s1", "zz")


def test_provenance_recomputes_every_starter_priority(starter_path) -> None:
    """A finance partner's check: each priority from the explained inputs alone."""
    e = load(starter_path)
    s = score(e)
    hm = heatmap(e, by="capability", scores=s)
    n = 0
    for cap in hm.columns:
        for bu in s.business_units:
            p = hm.explain(cap, bu).provenance
            assert p is not None
            if p.priority is None:
                continue
            om = p.omega
            cust = sum(x.importance for x in p.expectations) / p.customer_max
            strat = sum(o.weight * o.strength for o in p.objectives) / p.strategic_max
            bw = 1.0 if p.bu_weight_raw is None else p.bu_weight_raw / p.bu_weight_max
            a = p.assessment
            assert a is not None and a.current is not None and a.target is not None
            w = (om["customer"] * cust + om["strategic"] * strat
                 + om["pain"] * (a.pain or 0) / 5) * bw
            assert w * max(0.0, a.target - a.current) / 5 == pytest.approx(
                s.priority[s.cap_index(cap), s.bu_index(bu)])
            n += 1
    assert n == 13


def test_frames(tiny_model: Enterprise) -> None:
    hm = heatmap(tiny_model)
    df = hm.to_frame()
    assert len(df) == 6 and set(df.state) == {"assessed"}
    assert hm.to_grid().loc["b1", "s1"] == pytest.approx(0.5)
    d = heatmap(tiny_model, by="capability").to_dict()
    assert d["values"][1][1] is None and d["state"][1][1] == "n/a"
    assert d["state"][0][3] == "missing"


# -- property: a roll-up lies between its children --------------------------------------
maturity = st.sampled_from([0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
cell = st.one_of(st.just(None), st.just("na"), st.tuples(maturity, maturity, maturity))


@settings(max_examples=60, deadline=None)
@given(st.lists(cell, min_size=8, max_size=8), st.sampled_from(["max", "mean", "weighted"]),
       st.sampled_from(["priority", "gap", "current", "target"]))
def test_rollups_are_bounded_by_their_children(cells, rollup, layer) -> None:
    pairs = [(c, b) for c in ("c1", "c2", "c3", "c4") for b in ("b1", "b2")]
    rows = []
    for (c, b), v in zip(pairs, cells, strict=True):
        if v == "na":
            rows.append(Assessment(capability=c, business_unit=b, applicable=False))
        elif v is not None:
            rows.append(Assessment(capability=c, business_unit=b, current=v[0], target=v[1],
                                   pain=v[2]))
    e = tiny(assessments=tuple(rows))
    for by in ("stage", "capability"):
        hm = heatmap(e, by=by, layer=layer, rollup=rollup)
        for r in range(len(hm.rows)):
            for k in range(len(hm.columns)):
                x = hm.explain(hm.columns[k], hm.rows[r])
                vals = [c.value for c in x.children if c.value is not None]
                v = hm.values[r, k]
                if not vals:
                    assert np.isnan(v) and hm.state[r, k] != 1
                    continue
                assert min(vals) - 1e-9 <= v <= max(vals) + 1e-9
                if rollup == "max":
                    assert v == pytest.approx(max(vals))


# -- up the capability tree: a parent without its own assessment --------------------------
# tiny: c1 (s1) is the parent of c2 (s1); c2 is n/a in b2 and a 3 → 3 (priority 0) in b1.
def _without(*pairs: tuple[str, str], extra: tuple[Assessment, ...] = (),
             **kw: object) -> Enterprise:
    rows = tuple(a for a in tiny().assessments
                 if (a.capability, a.business_unit) not in pairs)
    return tiny(assessments=rows + extra, **kw)


def test_parent_without_assessment_and_na_children_is_na_not_missing() -> None:
    """The user's report: every leaf of a stage n/a in a unit, one parent with no row."""
    e = _without(("c1", "b2"))
    hm = heatmap(e)
    assert hm.state[1, 0] == 2  # s1/b2: c2 n/a, c1 stands in for it → n/a, not "?"
    assert (hm.n_na[1, 0], hm.n_missing[1, 0], hm.n_rolled_up[1, 0]) == (1, 0, 1)
    cap = heatmap(e, by="capability")
    assert cap.state[1, 0] == 2 and cap.value("c1", "b2") is None  # c1/b2 is n/a too
    assert cap.state[0, 0] == 1 and cap.value("c1", "b1") == pytest.approx(0.5)  # own row


def test_parent_without_assessment_takes_its_childrens_value() -> None:
    e = _without(("c1", "b1"))
    cap = heatmap(e, by="capability", layer="gap")
    assert cap.state[0, 0] == 1 and cap.value("c1", "b1") == 0.0  # c2/b1's gap
    hm = heatmap(e, rollup="mean")
    assert hm.n_assessed[0, 0] == 1 and hm.n_missing[0, 0] == 0  # c2 only, no "missing" c1
    # with no child assessed and one missing, the parent is missing
    e2 = _without(("c1", "b1"), ("c2", "b1"))
    assert heatmap(e2, by="capability").state[0, 0] == 0
    assert heatmap(e2).state[0, 0] == 0


def _deep(rows: tuple[Assessment, ...]) -> Enterprise:
    """c1 → c2 → c5 (all on s1), c1 → c6."""
    caps = (*tiny().capabilities,
            Capability(id="c5", name="Cap five", stage="s1", parent="c2"),
            Capability(id="c6", name="Cap six", stage="s1", parent="c1"))
    return tiny(capabilities=caps, assessments=rows)


def test_subtree_rolls_up_once_and_own_assessments_count() -> None:
    def g(c: str, b: str, cur: float, tgt: float) -> Assessment:
        return Assessment(capability=c, business_unit=b, current=cur, target=tgt)

    # b1: c1 none; c2 own gap 1 (a parent with its own assessment); c5 gap 3; c6 gap 4
    # b2: c1 own gap 2; c2 none (stands in for c5); c5 gap 5; c6 n/a
    e = _deep((g("c2", "b1", 2, 3), g("c5", "b1", 1, 4), g("c6", "b1", 0, 4),
               g("c1", "b2", 1, 3), g("c5", "b2", 0, 5),
               Assessment(capability="c6", business_unit="b2", applicable=False)))
    cap = heatmap(e, by="capability", layer="gap", rollup="mean")
    assert cap.columns == ("c1", "c2", "c5", "c6", "c3", "c4")
    assert cap.value("c1", "b1") == pytest.approx((1 + 3 + 4) / 3)  # c2 counts, once
    assert cap.value("c2", "b1") == 1  # its own assessment
    assert cap.value("c1", "b2") == 2  # its own assessment
    assert cap.value("c2", "b2") == 5  # from c5
    # the All row rolls up the same cells: c1 → b1's c2, c5, c6 and b2's own c1
    assert cap.value("c1", ALL) == pytest.approx((1 + 3 + 4 + 2) / 4)
    # the level-1 column and the stage column agree with the parent column in b1
    lvl = heatmap(e, by="capability", layer="gap", rollup="mean", level=1)
    assert lvl.value("c1", "b1") == pytest.approx((1 + 3 + 4) / 3)
    st = heatmap(e, layer="gap", rollup="mean")
    assert st.value("s1", "b1") == pytest.approx((1 + 3 + 4) / 3)
    assert st.value("s1", "b2") == pytest.approx((2 + 5) / 2)  # c2 stands in, c6 n/a
    assert (st.n_assessed[1, 0], st.n_na[1, 0], st.n_rolled_up[1, 0]) == (2, 1, 1)
    mx = heatmap(e, by="capability", layer="gap", rollup="max")
    assert (mx.value("c1", "b1"), mx.value("c2", "b2")) == (4, 5)


def test_explain_names_the_parent_rolled_up_from_its_children() -> None:
    e = _without(("c1", "b1"))
    x = heatmap(e, by="capability").explain("c1", "b1")
    assert [c.capability for c in x.children] == ["c2"]
    assert [(c.capability, c.status) for c in x.stand_ins] == [("c1", "missing")]
    assert "no assessment of its own (c1) is represented by its sub-capabilities" in x.rule
    assert "all n/a ⇒ n/a, any assessed ⇒ the rolled-up value" in x.rule
    assert x.driver is not None and x.driver.capability == "c2"
    assert x.to_dict()["stand_ins"][0]["capability"] == "c1"
    na = heatmap(_without(("c1", "b2"))).explain("s1", "b2")
    assert na.state == "n/a" and "1 n/a left out" in na.rule and "(c1)" in na.rule
    # the parent's own provenance says that it is rolled up, and from what
    from opmodel.analysis import cell_provenance

    p = cell_provenance(e, score(e), "c1", "b1")
    assert p.sub_capabilities == ("c2",)
    assert "rolled up from its sub-capabilities c2" in p.arithmetic()[-1]


def test_score_keeps_raw_per_capability_cells() -> None:
    """The optimizer reads score(): the roll-up must not leak into it."""
    e = _without(("c1", "b1"))
    s = score(e)
    i, j = s.cap_index("c1"), s.bu_index("b1")
    assert s.status[i, j] == 0 and np.isnan(s.priority[i, j]) and np.isnan(s.gap[i, j])
    heatmap(e, by="capability")
    assert s.status[i, j] == 0 and np.isnan(score(e).priority[i, j])


def test_with_values_rolls_up_other_values_the_same_way() -> None:
    e = _without(("c1", "b1"))
    for by in ("stage", "capability"):
        hm = heatmap(e, by=by, rollup="mean")
        same = hm.with_values(hm.scores.priority)
        np.testing.assert_array_equal(same.values, hm.values)
        np.testing.assert_array_equal(same.state, hm.state)
        doubled = hm.with_values(hm.scores.priority * 2)
        np.testing.assert_allclose(doubled.values, hm.values * 2)


def test_acme_parent_with_no_row_is_na_when_its_leaves_are(acme_copy) -> None:
    """examples/acme: Financial Services marks every Deliver capability n/a; without the
    n/a row of the level-1 parent `logistics` the stage must still be n/a, not "?"."""
    csv = acme_copy / "assessments.csv"
    lines = csv.read_text().splitlines(keepends=True)
    drop = ("logistics,financing,", "supply-chain,financing,", "deployment,financing,")
    csv.write_text("".join(ln for ln in lines if not ln.startswith(drop)))
    e = load(acme_copy)
    hm = heatmap(e)
    assert hm.explain("deliver", "financing").state == "n/a"
    cap = heatmap(e, by="capability")
    assert cap.explain("logistics", "financing").state == "n/a"
    # demand-gen has no assessment row at all: its column rolls up its four leaves
    lvl = heatmap(e, by="capability", level=1)
    for b in (*score(e).business_units, ALL):
        assert cap.value("demand-gen", b) is not None
        assert cap.value("demand-gen", b) == lvl.value("demand-gen", b)


@settings(max_examples=60, deadline=None)
@given(st.lists(cell, min_size=8, max_size=8), st.sampled_from(["max", "mean", "weighted"]))
def test_parent_column_is_its_own_cell_or_its_subtree(cells, rollup) -> None:
    """c1 (parent of c2): its column shows its own cell where assessed or n/a, else the
    level-1 roll-up of its subtree; a stage is n/a exactly when every counted cell is."""
    pairs = [(c, b) for c in ("c1", "c2", "c3", "c4") for b in ("b1", "b2")]
    rows = []
    for (c, b), v in zip(pairs, cells, strict=True):
        if v == "na":
            rows.append(Assessment(capability=c, business_unit=b, applicable=False))
        elif v is not None:
            rows.append(Assessment(capability=c, business_unit=b, current=v[0], target=v[1],
                                   pain=v[2]))
    e = tiny(assessments=tuple(rows))
    s = score(e)
    cap = heatmap(e, by="capability", layer="gap", rollup=rollup)
    lvl = heatmap(e, by="capability", layer="gap", rollup=rollup, level=1)
    stage = heatmap(e, layer="gap", rollup=rollup)
    for j in range(len(s.business_units)):
        own = int(s.status[0, j])
        if own == 0:  # no assessment of its own: the subtree {c2} stands in
            assert cap.state[j, 0] == lvl.state[j, 0] == s.status[1, j]
            np.testing.assert_equal(cap.values[j, 0], lvl.values[j, 0])
        else:
            assert cap.state[j, 0] == own
            np.testing.assert_equal(cap.values[j, 0], s.gap[0, j] if own == 1 else np.nan)
        counted = [int(s.status[i, j]) for i in (0, 1) if not (i == 0 and own == 0)]
        assert (stage.state[j, 0] == 2) == all(x == 2 for x in counted)
