"""ArchiMate repositories not written by opmodel: the sample exchange files (an
Archisurance-like model, an older repository with a business function map, a capability map
with value streams) validate against the Open Group's schemas and import with a mapping —
given or guessed — that reports by type what became what and what was left out."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from lxml import etree
from typer.testing import CliRunner

import opmodel
from opmodel import api
from opmodel.analysis import time_classification
from opmodel.cli import app
from opmodel.errors import ModelError
from opmodel.io.archimate import read_archimate, write_archimate
from opmodel.io.archimate_map import EXTERNAL_WORDS, Mapping, UnitRule, load_mapping
from opmodel.io.archimate_read import inspect
from opmodel.model import BusinessUnit

from ..strategies import enterprises
from .test_archimate import DATA, assert_valid, schema  # noqa: F401 (a fixture)

SAMPLES = ("archisurance.xml", "legacy-functions.xml", "capability-map.xml", "other-tool.xml")


def _rows(report: object) -> dict[tuple[str, str], int]:
    """(ArchiMate type, what it became or why it was left out) → count."""
    return {(r.archimate, r.reason or r.becomes): r.count for r in report.rows}  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", SAMPLES)
def test_samples_validate_against_the_schemas(schema: etree.XMLSchema,  # noqa: F811
                                              name: str) -> None:
    assert_valid(schema, DATA / name)


@pytest.mark.parametrize("name", SAMPLES)
def test_every_element_and_relationship_is_accounted_for(name: str) -> None:
    """The report's counts add up to what the file holds, type by type."""
    root = etree.parse(str(DATA / name)).getroot()
    ns = "{http://www.opengroup.org/xsd/archimate/3.0/}"
    xsi = "{http://www.w3.org/2001/XMLSchema-instance}type"
    report = inspect(DATA / name)
    assert report.ok, report.issues
    by_type: dict[str, int] = {}
    for el in root.iter(f"{ns}element"):
        by_type[el.get(xsi)] = by_type.get(el.get(xsi), 0) + 1
    counted: dict[str, int] = {}
    for r in report.rows:
        if r.section == "element":
            counted[r.archimate] = counted.get(r.archimate, 0) + r.count
    assert counted == by_type
    n_rel = sum(1 for _ in root.iter(f"{ns}relationship"))
    direct = sum(r.count for r in report.rows
                 if r.section == "relationship" and not r.archimate.startswith("via "))
    assert direct == n_rel


def test_archisurance_like_model() -> None:
    """17 BusinessActors: 6 outside the company and the company itself are left out, its 10
    departments are the units; BusinessFunctions are the capabilities; the 10 applications
    without properties are imported, their fit not assessed."""
    report = inspect(DATA / "archisurance.xml")
    assert report.mapping_source == "guessed"
    assert report.mapping.capabilities == ("BusinessFunction",)
    rows = _rows(report)
    assert rows[("BusinessActor", "business unit")] == 10
    assert rows[("BusinessActor", "not a business unit: name says it is outside the company "
                 "(customer, intermediary…)")] == 6
    assert sum(n for (t, why), n in rows.items()
               if t == "BusinessActor" and "composes other units" in why) == 1
    assert rows[("BusinessFunction", "capability")] == 9
    assert rows[("ApplicationComponent", "application (fit not assessed)")] == 10
    assert rows[("BusinessProcess", "not part of the opmodel metamodel")] == 6
    assert rows[("Assignment BusinessActor → BusinessFunction",
                 "unit using a capability (unassessed)")] == 23
    assert rows[("via ApplicationService ApplicationComponent → BusinessFunction",
                 "capability of an application")] == 3
    assert rows[("via BusinessProcess ApplicationComponent → BusinessActor",
                 "unit using an application")] == 1
    assert rows[("Serving ApplicationComponent → BusinessProcess",
                 "link through BusinessProcess (see the 'via' rows)")] == 1
    assert report.counts["business units"] == 10 and report.counts["applications"] == 10

    e = read_archimate(DATA / "archisurance.xml").enterprise
    units = {b.name for b in e.business_units}
    assert "Customer" not in units and "Intermediary" not in units
    assert "ArchiSurance" not in units and "Back Office" in units
    claims = e.capability("claims-handling")
    assert e.capability("claim-payment").parent == claims.id  # Composition wins (first)
    assert claims.stage == "unplaced"
    crm = next(a for a in e.applications if a.name == "CRM System")
    assert set(crm.capabilities) == {"customer-relations", "customer-acquisition"}
    assert crm.business_units == ("front-office",)
    fin = next(a for a in e.applications if a.name == "Financial Application")
    assert fin.capabilities == ("claim-payment",)  # through the Payment Service
    assert (fin.functional_fit, fin.technical_fit) == (None, None)
    portal = next(a for a in e.applications if a.name == "Web Portal")
    # not the customers it serves; the travel department through the process it performs
    assert portal.business_units == ("front-office", "travel-insurance-dept")
    # and Contracting, which the process it serves is part of
    assert portal.capabilities == ("customer-acquisition", "contracting")
    bare = e.assessment("claims-handling", "back-office")
    assert bare is not None and not bare.assessed  # a unit that uses it, not yet assessed
    t = time_classification(e)
    assert t.counts()["not assessed"] == 10 and t.not_assessed == 10


def test_legacy_repository_guess_and_explicit_mapping(tmp_path: Path) -> None:
    guessed = read_archimate(DATA / "legacy-functions.xml").enterprise
    assert sorted(b.name for b in guessed.business_units) == [
        "Logistics", "Online Shop", "Retail", "Wholesale"]
    assert guessed.capability("supplier-management").parent == "sourcing"
    assert guessed.capability("sourcing").parent == "buy"
    erp = next(a for a in guessed.applications if a.name == "SAP ECC")
    assert "supplier-management" in erp.capabilities
    mapping = load_mapping(DATA / "legacy-functions.map.yaml")
    assert mapping.business_units.folder == "Organisation"
    explicit = read_archimate(DATA / "legacy-functions.xml", mapping).enterprise
    assert [b.id for b in explicit.business_units] == [b.id for b in guessed.business_units]
    assert {c.stage for c in explicit.capabilities} == {"core"}
    assert [s.id for s in explicit.stages] == ["core"]
    report = inspect(DATA / "legacy-functions.xml", mapping, "legacy-functions.map.yaml")
    assert report.mapping_source == "legacy-functions.map.yaml" and not report.notes
    assert _rows(report)[("BusinessActor", "not a business unit: name says it is outside the "
                          "company (customer, intermediary…)")] == 4


def test_capability_map_with_value_streams() -> None:
    report = inspect(DATA / "capability-map.xml")
    assert any("Grouping 'Business Units'" in n for n in report.notes)
    rows = _rows(report)
    assert rows[("BusinessActor", "not a business unit: not in the folder or Grouping "
                 "'Business Units'")] == 2
    assert rows[("Composition ValueStream → Capability", "capability on a stage")] == 2
    e = read_archimate(DATA / "capability-map.xml").enterprise
    assert [b.id for b in e.business_units] == ["retail-banking", "business-banking",
                                                "private-banking"]
    assert e.capability("party-management").stage == "onboard-customer"
    assert e.capability("identity-verification").stage == "onboard-customer"  # its parent's
    assert e.capability("identity-verification").parent == "know-your-customer"
    assert e.capability("complaint-handling").stage == "service-customer"
    assert e.capability("risk-reporting").stage == "unplaced"
    core = next(a for a in e.applications if a.name == "Core Banking")
    assert core.business_units == ("retail-banking", "business-banking", "private-banking")
    warnings = [str(w) for w in read_archimate(DATA / "capability-map.xml").warnings]
    assert any("W-STAGE 2 capabilities serve no value stream" in w for w in warnings)


def test_default_stage_can_be_an_existing_stage() -> None:
    m = Mapping(default_stage="service-customer")
    e = read_archimate(DATA / "capability-map.xml", m).enterprise
    assert e.capability("risk-reporting").stage == "service-customer"
    assert "unplaced" not in e.ids("stage")
    # the given mapping takes every BusinessActor: no guess
    assert len(e.business_units) == 5


def test_files_opmodel_wrote_keep_every_unit(starter_path: Path, tmp_path: Path) -> None:
    """No guessing for opmodel's own files: a unit named like a customer stays a unit."""
    e = opmodel.load(starter_path)
    e = e.model_copy(update={"business_units": (
        *e.business_units, BusinessUnit(id="customer-service", name="Customer Service"))})
    back = read_archimate(write_archimate(e, tmp_path / "m.xml"))
    assert back.enterprise == e
    assert inspect(tmp_path / "m.xml").mapping_source == "opmodel"


def test_unit_rule() -> None:
    rule = UnitRule(property="kind", value="Business Unit", exclude=("Ops",))
    assert rule.decide("Sales", "x", {"Kind": "business unit"}, ()) is None
    assert rule.decide("Ops", "x", {"kind": "business unit"}, ()) is not None
    assert rule.decide("Sales", "x", {"kind": "team"}, ()) is not None
    flag = UnitRule(property="business unit")
    assert flag.decide("A", "a", {"business unit": "yes"}, ()) is None
    assert flag.decide("A", "a", {"business unit": "no"}, ()) is not None
    assert UnitRule(folder="units").decide("A", "a", {}, ("Business", "Units")) is None


def test_mapping_file_errors_are_located(tmp_path: Path) -> None:
    bad = tmp_path / "map.yaml"
    bad.write_text("capabilities: [BusinessFunction]\nbusiness_units:\n  folders: Units\n"
                   "  exclude_matching: '(unclosed'\ndefault_stage: Not A Slug\n",
                   encoding="utf-8")
    with pytest.raises(ModelError) as info:
        load_mapping(bad)
    got = {(i.location, i.code) for i in info.value.errors}
    assert ("map.yaml:3:3", "E-UNKNOWN") in got
    assert any(loc == "map.yaml:4:3" for loc, _ in got)
    assert any(loc == "map.yaml:5:1" for loc, _ in got)


def test_an_unnamed_element_of_another_tool_is_named_after_its_identifier(
        tmp_path: Path) -> None:
    """An element without a name (allowed by Archi and others) refused the whole file with
    'E-MISSING name: string should have at least 1 character'."""
    text = (DATA / "archisurance.xml").read_text(encoding="utf-8")
    named = '<name xml:lang="en">Car Insurance Dept</name>'
    line = text[:text.index(named)].count("\n")  # the element's own line
    path = tmp_path / "unnamed.xml"
    path.write_text(text.replace(named, "", 1), encoding="utf-8")
    result = read_archimate(path)
    (w,) = [i for i in result.warnings if i.code == "W-NAME"]
    assert w.location == f"unnamed.xml:{line}" and w.message.startswith("1 element(s)")
    unit = next(b for b in result.enterprise.business_units if b.id == "id-actor-car")
    assert unit.name == "id-actor-car"


def test_a_file_where_nothing_becomes_a_capability_or_unit_says_so(tmp_path: Path) -> None:
    """It imported with a plain ✓ as an empty model (and the report then failed on it)."""
    path = tmp_path / "bare.xml"
    path.write_text('<?xml version="1.0"?><model xmlns="http://www.opengroup.org/xsd/'
                    'archimate/3.0/" identifier="m"><name>Bare</name></model>',
                    encoding="utf-8")
    got = [i.message for i in read_archimate(path).warnings if i.code == "W-EMPTY"]
    assert got == ["nothing in the file became capabilities (the mapping takes Capability)",
                   "nothing in the file became business units (the mapping takes "
                   "BusinessActor)"]
    for name in SAMPLES:
        assert not [i for i in read_archimate(DATA / name).warnings if i.code == "W-EMPTY"]


def test_mapping_file_element_types_are_checked(tmp_path: Path) -> None:
    """A misspelt or fixed element type mapped nothing, silently (0 capabilities)."""
    bad = tmp_path / "map.yaml"
    bad.write_text("capabilities: [BuisnessFunction]\nstages: [ValueStream, Goal]\n"
                   "business_units: {types: [Bogus]}\n", encoding="utf-8")
    with pytest.raises(ModelError) as info:
        load_mapping(bad)
    got = {(i.location, i.code): i.message for i in info.value.errors}
    assert "did you mean 'BusinessFunction'" in got["map.yaml:1:16", "E-VALUE"]
    assert "fixed meaning" in got["map.yaml:2:23", "E-VALUE"]
    assert "'Bogus' is not an ArchiMate element type" in got["map.yaml:3:26", "E-VALUE"]
    bad.write_text("capabilities: [BusinessFunction]\napplications: [BusinessFunction]\n",
                   encoding="utf-8")
    with pytest.raises(ModelError, match="named in capabilities and in applications"):
        load_mapping(bad)


def test_cli_dry_run_writes_nothing(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "model"
    r = runner.invoke(app, ["import", str(DATA / "archisurance.xml"), str(out), "--dry-run"],
                      env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert not out.exists()
    assert "Left out" in r.output and "BusinessProcess" in r.output
    assert "application (fit not assessed)" in r.output and "nothing was written" in r.output
    assert "not empty" not in r.output
    full = tmp_path / "full"
    full.mkdir()
    (full / "notes.txt").write_text("mine", encoding="utf-8")
    r = runner.invoke(app, ["import", str(DATA / "archisurance.xml"), str(full), "--dry-run"],
                      env={"COLUMNS": "200"})
    assert r.exit_code == 0 and "is not empty; the import would need --force" in r.output
    assert [p.name for p in full.iterdir()] == ["notes.txt"]
    r = runner.invoke(app, ["import", str(DATA / "archisurance.xml"), str(out), "--dry-run",
                            "--format", "json"], env={"COLUMNS": "200"})
    assert r.exit_code == 0
    doc = json.loads(r.stdout)
    assert doc["ok"] and doc["mapping"]["source"] == "guessed"
    assert doc["mapping"]["capabilities"] == ["BusinessFunction"]
    assert {"archimate": "ApplicationComponent", "becomes": "application (fit not assessed)",
            "count": 10} .items() <= next(
        x for x in doc["mapped"] if x["archimate"] == "ApplicationComponent").items()
    assert any(x["archimate"] == "BusinessProcess" for x in doc["left_out"])
    assert doc["model"]["business units"] == 10
    assert not out.exists()


def test_cli_import_with_a_mapping_and_apps(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "model"
    r = runner.invoke(app, ["import", str(DATA / "legacy-functions.xml"), str(out), "--map",
                            str(DATA / "legacy-functions.map.yaml")], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    said = " ".join(r.output.split())  # the ✓ line names the temporary path: it may fold
    assert "4 business units, 6 applications" in said
    assert "W-FIT 6 application(s)" in said
    r = runner.invoke(app, ["apps", str(out)], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert "Not assessed" in r.output and "6 application(s) not assessed" in r.output
    r = runner.invoke(app, ["apps", str(out), "--format", "json"], env={"COLUMNS": "200"})
    assert json.loads(r.stdout)["counts"]["not assessed"] == 6
    r = runner.invoke(app, ["homogeneity", str(out)], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output


def test_cli_refusals(tmp_path: Path, starter_path: Path) -> None:
    runner = CliRunner()
    book = api.export_model(starter_path, tmp_path / "m.xlsx")
    r = runner.invoke(app, ["import", str(book), str(tmp_path / "x"), "--map",
                            str(DATA / "legacy-functions.map.yaml")])
    assert r.exit_code == 1 and "ArchiMate exchange files only" in r.output
    r = runner.invoke(app, ["import", str(book), str(tmp_path / "x"), "--format", "json"])
    assert r.exit_code == 1 and "--dry-run" in r.output
    r = runner.invoke(app, ["import", str(book), str(tmp_path / "x"), "--dry-run"],
                      env={"COLUMNS": "200"})
    assert r.exit_code == 0 and "workbook" in r.output and not (tmp_path / "x").exists()


def test_dry_run_of_a_broken_file_lists_its_errors(tmp_path: Path, starter_path: Path) -> None:
    from openpyxl import load_workbook

    book = api.export_model(starter_path, tmp_path / "m.xlsx")
    wb = load_workbook(book)
    wb["Assessments"]["C2"] = "three"
    wb.save(book)
    report = api.inspect_import(book)
    assert not report.ok and any(i.location == "Assessments!C2" for i in report.issues)
    r = CliRunner().invoke(app, ["import", str(book), str(tmp_path / "x"), "--dry-run"],
                           env={"COLUMNS": "200"})
    assert r.exit_code == 1 and "Assessments!C2: E-TYPE" in r.output
    assert not (tmp_path / "x").exists()


def test_left_out_units_are_warned_once_per_reason() -> None:
    warnings = [str(w) for w in read_archimate(DATA / "archisurance.xml").warnings]
    assert "archisurance.xml:10: W-SKIP 6 BusinessActor element(s) not taken as business " \
           "units (name says it is outside the company (customer, intermediary…)); left out" \
           in warnings


def test_another_tools_own_ids_become_slugs(tmp_path: Path) -> None:
    """A tool that keeps its own 'id' property (APP-001) does not break the import: the id
    is made a slug; a valid one is kept."""
    text = (DATA / "other-tool.xml").read_text(encoding="utf-8")
    text = text.replace('''<name xml:lang="en">Dynamics CRM</name>
      <properties>''', '''<name xml:lang="en">Dynamics CRM</name>
      <properties>
        <property propertyDefinitionRef="pd-id">
          <value xml:lang="en">APP-001</value>
        </property>''').replace('''<name xml:lang="en">Research</name>''',
                                '''<name xml:lang="en">Research</name>
      <properties>
        <property propertyDefinitionRef="pd-id">
          <value xml:lang="en">rnd</value>
        </property>
      </properties>''').replace('''  <propertyDefinitions>''', '''  <propertyDefinitions>
    <propertyDefinition identifier="pd-id" type="string">
      <name xml:lang="en">id</name>
    </propertyDefinition>''')
    path = tmp_path / "ids.xml"
    path.write_text(text, encoding="utf-8")
    e = read_archimate(path).enterprise
    assert [a.id for a in e.applications] == ["app-001", "legacy-helpdesk"]
    assert "rnd" in e.ids("capability")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(e=enterprises())
def test_the_account_of_any_export_adds_up(e: opmodel.Enterprise) -> None:
    """For any model opmodel writes, the import's account has every element and
    relationship of the file in exactly one row, nothing left out, and the counts of the
    model read back."""
    with tempfile.TemporaryDirectory() as tmp:
        path = write_archimate(e, Path(tmp) / "m.xml")
        root = etree.parse(str(path)).getroot()
        report = inspect(path)
    ns = "{http://www.opengroup.org/xsd/archimate/3.0/}"
    assert report.ok and report.mapping_source == "opmodel" and not report.left_out
    assert sum(r.count for r in report.rows if r.section == "element") == sum(
        1 for _ in root.iter(f"{ns}element"))
    assert sum(r.count for r in report.rows if r.section == "relationship") == sum(
        1 for _ in root.iter(f"{ns}relationship"))
    assert report.counts == e.summary()


@pytest.mark.parametrize("name", SAMPLES)
def test_the_guess_printed_is_a_mapping_file_that_reads_the_same(name: str,
                                                                 tmp_path: Path) -> None:
    guessed = inspect(DATA / name)
    path = tmp_path / "mapping.yaml"
    path.write_text(guessed.mapping.yaml_text(), encoding="utf-8")
    assert load_mapping(path) == guessed.mapping
    given = read_archimate(DATA / name, load_mapping(path)).enterprise
    assert given == read_archimate(DATA / name).enterprise


def test_the_guess_printed_by_the_dry_run_can_be_saved_as_it_is(tmp_path: Path) -> None:
    """The mapping the dry run prints is to be saved as a file: it was wrapped at the
    terminal's width (80 columns when piped), which broke the YAML and its regex."""
    r = CliRunner().invoke(app, ["import", str(DATA / "archisurance.xml"),
                                 str(tmp_path / "x"), "--dry-run"], env={"COLUMNS": "80"})
    assert r.exit_code == 0, r.output
    text = r.output.split("docs/interop.md):\n", 1)[1]
    lines = []
    for line in text.splitlines():
        if line.startswith("archisurance.xml:"):
            break
        lines.append(line)
    assert max(len(x) for x in lines) > 80  # the regex, on one line
    path = tmp_path / "mapping.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert load_mapping(path) == inspect(DATA / "archisurance.xml").mapping


@pytest.mark.parametrize(("name", "unit"), [
    ("Customer", False), ("Insurance Broker", False), ("Intermediary", False),
    ("Retail Customer", False), ("Reinsurance Partner", False), ("Policyholder", False),
    ("Customer Service", True), ("Client Services Dept", True), ("Vendor Management", True),
    ("Partner Sales Office", True), ("Back Office", True), ("Home & Away Dept", True),
    ("Management Agency", True)])
def test_the_guess_tells_outsiders_by_name(name: str, unit: bool) -> None:
    rule = UnitRule(exclude_matching=EXTERNAL_WORDS)
    assert (rule.decide(name, "x", {}, ()) is None) == unit


def test_associations_from_other_tools_link_applications(tmp_path: Path) -> None:
    """Other tools often draw a plain Association for 'used by' and 'supports'."""
    text = (DATA / "other-tool.xml").read_text(encoding="utf-8").replace(
        '''<relationship identifier="id-r11" source="id-c1" target="id-c3" xsi:type="Flow" />''',
        '''<relationship identifier="id-r11" source="id-c1" target="id-c3" xsi:type="Flow" />
    <relationship identifier="id-r12" source="id-a2" target="id-app2" xsi:type="Association" />
    <relationship identifier="id-r13" source="id-c4" target="id-app2" xsi:type="Association" />''')
    path = tmp_path / "assoc.xml"
    path.write_text(text, encoding="utf-8")
    e = read_archimate(path).enterprise
    helpdesk = next(a for a in e.applications if a.id == "legacy-helpdesk")
    assert helpdesk.business_units == ("wholesale-division",)
    assert helpdesk.capabilities == ("service-desk", "research")


def test_a_grouping_marks_units_like_a_folder(tmp_path: Path) -> None:
    """Archi users often draw a Grouping "Business Units" aggregating the units."""
    text = (DATA / "other-tool.xml").read_text(encoding="utf-8").replace(
        '''    <element identifier="id-n1" xsi:type="Node">''',
        '''    <element identifier="id-g1" xsi:type="Grouping">
      <name xml:lang="en">Business Units</name>
    </element>
    <element identifier="id-a3" xsi:type="BusinessActor">
      <name xml:lang="en">Head Office</name>
    </element>
    <element identifier="id-n1" xsi:type="Node">''').replace(
        '''<relationship identifier="id-r11" source="id-c1" target="id-c3" xsi:type="Flow" />''',
        '''<relationship identifier="id-r11" source="id-c1" target="id-c3" xsi:type="Flow" />
    <relationship identifier="id-r12" source="id-g1" target="id-a1" xsi:type="Aggregation" />
    <relationship identifier="id-r13" source="id-g1" target="id-a2" xsi:type="Aggregation" />''')
    path = tmp_path / "grouped.xml"
    path.write_text(text, encoding="utf-8")
    report = inspect(path)
    assert any("Grouping 'Business Units'" in n for n in report.notes)
    e = read_archimate(path).enterprise
    assert [b.name for b in e.business_units] == ["Retail Division", "Wholesale Division"]


def test_a_hostile_mapping_file_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("a: &a [x, x]\nb: &b [*a, *a]\ncapabilities: *b\n", encoding="utf-8")
    with pytest.raises(ModelError) as info:
        load_mapping(bomb)
    assert info.value.errors and info.value.errors[0].location.startswith("bomb.yaml")
