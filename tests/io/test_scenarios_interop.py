"""scenarios.yaml carried through both round trips: folder → workbook → folder and
folder → ArchiMate → folder keep every scenario (a Hypothesis property), errors in the
carried scenarios are located (Sheet!C17, file.xml:LINE) and nothing is written, and a
file that says nothing of scenarios leaves a folder's scenarios.yaml alone."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from openpyxl import load_workbook

import opmodel
from opmodel import api
from opmodel.errors import ModelError
from opmodel.io.archimate import read_archimate, write_archimate
from opmodel.io.scenarios import read_scenarios, write_scenarios
from opmodel.io.xlsx import read_xlsx, write_xlsx
from opmodel.model import Enterprise, Weights
from opmodel.optimize.scenario import BudgetOverride, HorizonOverride, Scenario, Scenarios

from ..strategies import enterprises

WEIGHTS = [Weights(customer=0.5, strategic=0.3, pain=0.2),
           Weights(customer=0.6, strategic=0.25, pain=0.15), Weights(customer=1, strategic=0,
                                                                     pain=0)]


@st.composite
def model_and_scenarios(draw: st.DrawFn) -> tuple[Enterprise, Scenarios]:
    e = draw(enterprises())
    inits = [i.id for i in e.initiatives]
    pools = sorted(set(e.pools))
    periods = sorted({b.period for b in e.budgets})
    text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                   min_size=1, max_size=20).map(str.strip).filter(bool)
    scale = st.floats(0, 3, allow_nan=False, allow_infinity=False)
    out = []
    for k in range(draw(st.integers(0, 3))):
        rules = []
        for _ in range(draw(st.integers(0, 2))):
            if pools and periods and draw(st.booleans()):
                rules.append(BudgetOverride(pool=draw(st.sampled_from(pools)),
                                            period=draw(st.sampled_from(periods)),
                                            amount=draw(scale)))
            else:
                rules.append(BudgetOverride(
                    pool=draw(st.none() | st.sampled_from(pools)) if pools else None,
                    period=draw(st.none() | st.sampled_from(periods)) if periods else None,
                    scale=draw(scale)))
        forced = draw(st.lists(st.sampled_from(inits), unique=True, max_size=3)) \
            if inits else []
        cut = draw(st.integers(0, len(forced)))
        out.append(Scenario(
            id=f"sc-{k}", name=draw(text), description=draw(st.none() | text),
            budget_scale=draw(scale), budgets=tuple(rules),
            weights=draw(st.none() | st.sampled_from(WEIGHTS)),
            force_in=tuple(forced[:cut]), force_out=tuple(forced[cut:]),
            # (an empty horizon override means nothing: the flat forms hold it as none)
            horizon=draw(st.none() | st.builds(
                HorizonOverride, quarters=st.none() | st.integers(4, 12),
                start=st.none() | st.sampled_from(list(e.horizon.labels))).filter(
                lambda h: h.quarters is not None or h.start is not None)),
            confidence=draw(st.none() | st.floats(0, 1, allow_nan=False))))
    return e, Scenarios(scenarios=tuple(out))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model_and_scenarios())
def test_round_trips_keep_the_scenarios(pair: tuple[Enterprise, Scenarios]) -> None:
    e, sc = pair
    with tempfile.TemporaryDirectory() as tmp:
        book = read_xlsx(write_xlsx(e, Path(tmp) / "m.xlsx", sc))
        assert book.enterprise == e and book.scenarios == sc
        xml = read_archimate(write_archimate(e, Path(tmp) / "m.xml", sc))
        assert xml.enterprise == e and xml.scenarios == sc
        folder = Path(tmp) / "f"
        folder.mkdir()
        write_scenarios(folder, sc)
        assert (folder / "scenarios.yaml").exists() == bool(sc.scenarios)
        assert read_scenarios(folder, e) == sc


@pytest.mark.parametrize("suffix", ["xlsx", "xml"])
def test_export_and_import_carry_scenarios_yaml(acme_path: Path, tmp_path: Path,
                                                suffix: str) -> None:
    e = opmodel.load(acme_path)
    before = read_scenarios(acme_path, e)
    assert len(before.scenarios) >= 3  # the example has some to lose
    out = api.export_model(acme_path, tmp_path / f"acme.{suffix}")
    result, written = api.import_model(out, tmp_path / "back")
    assert result.scenarios == before
    assert tmp_path / "back" / "scenarios.yaml" in written
    assert read_scenarios(tmp_path / "back", opmodel.load(tmp_path / "back")) == before
    if suffix == "xml":  # ArchiMate does not carry the quarterly cycle's records
        e = e.model_copy(update={"decisions": (), "actuals": (), "assessment_history": ()})
    assert opmodel.load(tmp_path / "back") == e


def test_a_file_silent_on_scenarios_leaves_them_alone(acme_path: Path,
                                                      tmp_path: Path) -> None:
    e = opmodel.load(acme_path)
    folder = tmp_path / "m"
    opmodel.save(e, folder)
    write_scenarios(folder, read_scenarios(acme_path, e))
    text = (folder / "scenarios.yaml").read_text(encoding="utf-8")
    plain = write_archimate(e, tmp_path / "plain.xml")  # no scenarios given: none said
    result, _ = api.import_model(plain, folder, force=True)
    assert result.scenarios is None
    assert (folder / "scenarios.yaml").read_text(encoding="utf-8") == text
    empty = write_xlsx(e, tmp_path / "empty.xlsx", Scenarios())  # says: there are none
    api.import_model(empty, folder, force=True)
    assert not (folder / "scenarios.yaml").exists()


def test_scenario_errors_in_a_workbook_are_located(acme_path: Path, tmp_path: Path) -> None:
    path = api.export_model(acme_path, tmp_path / "m.xlsx")
    wb = load_workbook(path)
    ws = wb["Scenarios"]
    header = [c.value for c in ws[1]]
    ws.cell(2, header.index("force_in") + 1, "crm-dynamcs")
    ws.cell(3, header.index("weights.customer") + 1, 0.9)  # the other two are missing
    wb.save(path)
    with pytest.raises(ModelError) as info:
        api.import_model(path, tmp_path / "out")
    got = {(i.location, i.code) for i in info.value.errors}
    col = chr(ord("A") + header.index("force_in"))
    assert (f"Scenarios!{col}2", "E-REF") in got
    assert any(loc.startswith("Scenarios!") and loc.endswith("3") for loc, _ in got)
    assert not (tmp_path / "out").exists()
    wb["ScenarioBudgets"].cell(2, 1, "leen")  # a rule of a scenario the sheet lacks
    wb.save(path)
    with pytest.raises(ModelError) as info:
        api.import_model(path, tmp_path / "out")
    got = {(i.location, i.code) for i in info.value.errors}
    assert ("ScenarioBudgets!A2", "E-REF") in got  # with the scenarios' own errors
    assert any(loc.startswith("Scenarios!") and loc.endswith("3") for loc, _ in got)
    assert not (tmp_path / "out").exists()


def test_scenario_errors_in_an_exchange_file_are_located(acme_path: Path,
                                                         tmp_path: Path) -> None:
    path = api.export_model(acme_path, tmp_path / "m.xml")
    tree = etree.parse(str(path))
    root = tree.getroot()
    ns = "{http://www.opengroup.org/xsd/archimate/3.0/}"
    defs = {d.findtext(f"{ns}name"): d.get("identifier")
            for d in root.iter(f"{ns}propertyDefinition")}
    prop = next(p for p in root.find(f"{ns}properties")
                if p.get("propertyDefinitionRef") == defs["scenario:2:force_in"])
    prop.find(f"{ns}value").text = "crm-dynamcs"
    tree.write(str(path))
    line = next(p.sourceline for p in etree.parse(str(path)).getroot().find(
        f"{ns}properties") if p.get("propertyDefinitionRef") == defs["scenario:2:force_in"])
    with pytest.raises(ModelError) as info:
        api.import_model(path, tmp_path / "out")
    (issue,) = info.value.errors
    assert issue.code == "E-REF" and issue.location == f"m.xml:{line}"
    assert issue.message.startswith("scenario:2:force_in: ") and "crm-dynamcs" in \
        issue.message
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("suffix", ["xlsx", "xml"])
def test_cli_export_and_import_carry_scenarios(acme_path: Path, tmp_path: Path,
                                               suffix: str) -> None:
    """The commands, not only the library: `opmodel export` then `opmodel import`."""
    from typer.testing import CliRunner

    from opmodel.cli import app

    runner = CliRunner()
    out = tmp_path / f"acme.{suffix}"
    r = runner.invoke(app, ["export", str(acme_path), str(out)], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["import", str(out), str(tmp_path / "back")],
                      env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    e = opmodel.load(acme_path)
    assert f"{len(read_scenarios(acme_path, e).scenarios)} scenario(s)" in r.output
    assert read_scenarios(tmp_path / "back", opmodel.load(tmp_path / "back")) == \
        read_scenarios(acme_path, e)


def test_scenario_sheets_have_dropdowns_and_help(acme_path: Path, tmp_path: Path) -> None:
    wb = load_workbook(api.export_model(acme_path, tmp_path / "m.xlsx"))
    rules = {str(dv.sqref).split(":")[0].rstrip("0123456789"): dv
             for dv in wb["ScenarioBudgets"].data_validations.dataValidation}
    assert rules["A"].type == "list" and rules["A"].formula1.startswith("'Scenarios'!$A$2")
    assert rules["B"].type == "list"  # pools
    scen = {str(dv.sqref).split(":")[0].rstrip("0123456789"): dv
            for dv in wb["Scenarios"].data_validations.dataValidation}
    header = [c.value for c in wb["Scenarios"][1]]
    quarters = chr(ord("A") + header.index("horizon.quarters"))
    assert scen[quarters].type == "whole" and (scen[quarters].formula1,
                                               scen[quarters].formula2) == ("4", "12")
    texts = [c.value for row in wb["Instructions"].iter_rows() for c in row if c.value]
    assert "ScenarioBudgets" in texts and "Scenarios" in texts
