"""ArchiMate 3.1 exchange files: every export validates against the Open Group schemas,
export → import gives the same model, files from other tools import with warnings, and
hostile XML is refused with a located error and nothing written."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from lxml import etree
from typer.testing import CliRunner

import opmodel
from opmodel import api
from opmodel.cli import app
from opmodel.errors import ModelError
from opmodel.io.archimate import archimate_tree, read_archimate, write_archimate
from opmodel.io.archimate_view import GREY, NS, XSI, colour, priorities

from ..strategies import enterprises

DATA = Path(__file__).parents[1] / "data" / "interop"
# next to the checkout (/work/main → /work/shared), or two up from a worktree (/work/wt/x)
XSD_DIR = next((d for d in (Path(__file__).parents[2] / ".." / "shared" / "archimate-xsd",
                            Path(__file__).parents[2] / ".." / ".." / "shared" / "archimate-xsd")
                if (d / "archimate3_Diagram.xsd").exists()),
               Path(__file__).parents[2] / ".." / "shared" / "archimate-xsd")
WRAPPER = """<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:opmodel:tests">
  <xs:import namespace="http://www.opengroup.org/xsd/archimate/3.0/"
             schemaLocation="archimate3_Diagram.xsd"/>
  <xs:import namespace="http://purl.org/dc/elements/1.1/" schemaLocation="dc.xsd"/>
</xs:schema>
"""


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> etree.XMLSchema:
    """The Open Group's schemas, made to validate offline (see the folder's README)."""
    if not (XSD_DIR / "archimate3_Diagram.xsd").exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the ArchiMate schemas are missing from {XSD_DIR.resolve()}")
        pytest.skip(f"the ArchiMate schemas are not at {XSD_DIR.resolve()}")
    local = tmp_path_factory.mktemp("xsd")
    for f in XSD_DIR.glob("*.xsd"):
        text = f.read_text(encoding="utf-8")
        for remote in ("http://www.w3.org/2001/xml.xsd", "http://www.w3.org/2001/03/xml.xsd"):
            text = text.replace(f'schemaLocation="{remote}"', 'schemaLocation="xml.xsd"')
        (local / f.name).write_text(text, encoding="utf-8")
    (local / "wrapper.xsd").write_text(WRAPPER, encoding="utf-8")
    parser = etree.XMLParser(no_network=True)
    return etree.XMLSchema(etree.parse(str(local / "wrapper.xsd"), parser))


def assert_valid(schema: etree.XMLSchema, path: Path) -> None:
    doc = etree.parse(str(path), etree.XMLParser(no_network=True, resolve_entities=False))
    if not schema.validate(doc):
        errors = "\n".join(f"{e.line}: {e.message}" for e in list(schema.error_log)[:10])
        raise AssertionError(f"{path.name} does not validate:\n{errors}")


# -- export: schema and round trip ---------------------------------------------------------
def test_the_schema_check_catches_errors(schema: etree.XMLSchema, starter_path: Path,
                                         tmp_path: Path) -> None:
    path = write_archimate(opmodel.load(starter_path), tmp_path / "m.xml")
    text = path.read_text(encoding="utf-8").replace('type="number"', 'type="integer"', 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AssertionError, match="does not validate"):
        assert_valid(schema, path)


def test_bundled_models(schema: etree.XMLSchema, starter_path: Path, acme_path: Path,
                        tmp_path: Path) -> None:
    for src in (starter_path, acme_path):
        e = opmodel.load(src)
        path = write_archimate(e, tmp_path / f"{src.name}.xml")
        assert_valid(schema, path)
        back = read_archimate(path)
        # the quarterly cycle's records (decisions, actuals, assessment history) are not
        # architecture content: ArchiMate does not carry them (docs/cycle.md)
        cycle_free = e.model_copy(update={"decisions": (), "actuals": (),
                                          "assessment_history": ()})
        assert back.enterprise == cycle_free and back.warnings == []


@settings(max_examples=30, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(e=enterprises())
def test_round_trip(schema: etree.XMLSchema, e: opmodel.Enterprise) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_archimate(e, Path(tmp) / "m.xml")
        assert_valid(schema, path)
        assert read_archimate(path).enterprise == e


def test_numbers_have_property_definitions(starter_path: Path) -> None:
    root = archimate_tree(opmodel.load(starter_path)).getroot()
    defs = {d.get("identifier"): (d.findtext(f"{{{NS}}}name"), d.get("type"))
            for d in root.iter(f"{{{NS}}}propertyDefinition")}
    names = {n: t for n, t in defs.values()}
    for key in ("current", "target", "pain", "annual_run_cost", "functional_fit", "cost",
                "uplift", "weight", "importance", "strength", "horizon.quarters"):
        assert names[key] == "number", key
    assert names["date"] == "date" and names["mandatory"] == "boolean"
    refs = {p.get("propertyDefinitionRef") for p in root.iter(f"{{{NS}}}property")}
    assert refs <= set(defs)


def test_mapping(starter_path: Path) -> None:
    root = archimate_tree(opmodel.load(starter_path)).getroot()
    types = [el.get(f"{{{XSI}}}type") for el in root.iter(f"{{{NS}}}element")]
    for t in ("BusinessActor", "ValueStream", "Capability", "ApplicationComponent",
              "WorkPackage", "Goal", "Outcome"):
        assert t in types
    rels = {(r.get(f"{{{XSI}}}type"), r.get("source"), r.get("target"))
            for r in root.iter(f"{{{NS}}}relationship")}
    assert ("Composition", "id-capability-selling", "id-capability-quoting") in rels
    assert ("Serving", "id-capability-quoting", "id-stage-sell") in rels
    assert ("Realization", "id-application-crm-n", "id-capability-crm") in rels
    assert ("Serving", "id-application-crm-n", "id-bu-north") in rels
    assert ("Realization", "id-initiative-cpq", "id-capability-quoting") in rels
    assert ("Triggering", "id-initiative-cpq", "id-initiative-crm-upgrade") in rels
    assert ("Realization", "id-kpi-grow-revenue-revenue-growth", "id-objective-grow-revenue") \
        in rels


# -- the heat map view ---------------------------------------------------------------------
def test_heat_map_view(starter_path: Path) -> None:
    e = opmodel.load(starter_path)
    root = archimate_tree(e).getroot()
    (view,) = root.iter(f"{{{NS}}}view")
    assert view.findtext(f"{{{NS}}}name") == "Capability heat map"
    top = [n for n in view.findall(f"{{{NS}}}node") if n.get("elementRef")]
    assert [n.get("elementRef") for n in top] == [  # one column per stage, in stage order
        "id-stage-attract", "id-stage-sell", "id-stage-deliver", "id-stage-support"]
    xs = [int(n.get("x")) for n in top]
    assert xs == sorted(xs) and len(set(xs)) == 4
    sell = top[1]
    (selling,) = sell.findall(f"{{{NS}}}node")
    assert selling.get("elementRef") == "id-capability-selling"
    kids = [n.get("elementRef") for n in selling.findall(f"{{{NS}}}node")]
    assert kids == ["id-capability-quoting", "id-capability-crm"]  # nested in the parent
    inner = selling.findall(f"{{{NS}}}node")[0]
    assert int(inner.get("x")) > int(selling.get("x"))  # absolute coordinates, inside
    assert int(inner.get("y")) + int(inner.get("h")) <= int(selling.get("y")) + int(
        selling.get("h"))

    def fill(ref: str) -> tuple[int, int, int]:
        node = next(n for n in view.iter(f"{{{NS}}}node") if n.get("elementRef") == ref)
        c = node.find(f"{{{NS}}}style/{{{NS}}}fillColor")
        return int(c.get("r")), int(c.get("g")), int(c.get("b"))

    pri = priorities(e)
    hottest = max(pri, key=lambda c: pri[c])
    assert hottest == "quoting"  # pain 5, importance 5, strength 3: the top of the map
    assert fill("id-capability-quoting") == colour(1.0)
    assert sum(fill("id-capability-quoting")) < sum(fill("id-capability-marketing"))
    labels = " ".join(t.text or "" for t in view.iter(f"{{{NS}}}label"))
    assert "not assessed" in labels and "priority" in labels


def test_unassessed_capabilities_are_grey(starter_path: Path) -> None:
    e = opmodel.load(starter_path)
    e = e.model_copy(update={"assessments": tuple(
        a for a in e.assessments if a.capability != "service")})
    root = archimate_tree(e).getroot()
    node = next(n for n in root.iter(f"{{{NS}}}node")
                if n.get("elementRef") == "id-capability-service")
    c = node.find(f"{{{NS}}}style/{{{NS}}}fillColor")
    assert (int(c.get("r")), int(c.get("g")), int(c.get("b"))) == GREY


# -- files from other tools ----------------------------------------------------------------
def test_file_from_another_tool() -> None:
    result = read_archimate(DATA / "other-tool.xml")
    e = result.enterprise
    assert [c.id for c in e.capabilities] == [
        "customer-management", "customer-onboarding", "service-desk", "research"]
    assert e.capability("customer-onboarding").parent == "customer-management"
    assert e.capability("customer-onboarding").stage == "acquire-customers"
    assert e.capability("research").stage == "unplaced"
    rated = e.assessment("customer-management", "retail-division")
    assert (rated.current, rated.target) == (2, 4)
    bare = e.assessment("service-desk", "wholesale-division")
    assert bare is not None and not bare.assessed and bare.current is None  # not zero
    assert [a.id for a in e.applications] == ["dynamics-crm", "legacy-helpdesk"]
    assert e.applications[0].business_units == ("retail-division",)
    helpdesk = e.applications[1]  # no fit properties: imported, fit not assessed
    assert (helpdesk.functional_fit, helpdesk.technical_fit) == (None, None)
    assert helpdesk.capabilities == ("service-desk",)
    warnings = [str(w) for w in result.warnings]
    assert "other-tool.xml:53: W-SKIP 2 element(s) of type Node (not part of the opmodel " \
           "metamodel); left out" in warnings
    assert any("DataObject" in w for w in warnings)
    assert "other-tool.xml:50: W-FIT 1 application(s) without a functional_fit or " \
           "technical_fit property: imported with their fit not assessed (TIME 'not " \
           "assessed') (survey their fit (1–4) and add it in applications.csv)" in warnings
    assert any("W-SKIP 1 Flow relationship(s) from Capability to Capability" in w
               for w in warnings)
    assert any(w.startswith("other-tool.xml:30: W-STAGE") for w in warnings)
    assert any("W-DEFAULT" in w and "horizon" in w for w in warnings)


def test_import_writes_a_model_folder(tmp_path: Path) -> None:
    result, written = api.import_model(DATA / "other-tool.xml", tmp_path / "m")
    assert opmodel.load(tmp_path / "m") == result.enterprise
    assert opmodel.load(DATA / "other-tool.xml") == result.enterprise  # read() dispatches
    assert (tmp_path / "m" / "capabilities.yaml") in written


def test_errors_inside_the_file_are_located(starter_path: Path, tmp_path: Path) -> None:
    path = write_archimate(opmodel.load(starter_path), tmp_path / "m.xml")
    tree = etree.parse(str(path))
    root = tree.getroot()
    defs = {d.findtext(f"{{{NS}}}name"): d.get("identifier")
            for d in root.iter(f"{{{NS}}}propertyDefinition")}
    bad = next(p for p in root.iter(f"{{{NS}}}property")
               if p.get("propertyDefinitionRef") == defs["current"])
    bad.find(f"{{{NS}}}value").text = "high"
    tree.write(str(path))
    rel = next(r for r in etree.parse(str(path)).getroot().iter(f"{{{NS}}}relationship")
               if any(v.text == "high" for v in r.iter(f"{{{NS}}}value")))
    with pytest.raises(ModelError) as info:
        read_archimate(path)
    (issue,) = info.value.errors
    assert issue.code == "E-TYPE" and "'high' is not a number" in issue.message
    assert issue.location == f"m.xml:{rel.sourceline}"  # the assessment's relationship



def test_bad_id_and_quarter_are_located(starter_path: Path, tmp_path: Path) -> None:
    """An element's id property and a quarter that break the rules: E-ID and E-QUARTER
    with the folder's messages, at the element's line."""
    path = write_archimate(opmodel.load(starter_path), tmp_path / "m.xml")
    tree = etree.parse(str(path))
    root = tree.getroot()
    defs = {d.findtext(f"{{{NS}}}name"): d.get("identifier")
            for d in root.iter(f"{{{NS}}}propertyDefinition")}

    def value_of(ident: str, key: str) -> etree._Element:
        el = next(e for e in root.iter(f"{{{NS}}}element") if e.get("identifier") == ident)
        prop = next(p for p in el.iter(f"{{{NS}}}property")
                    if p.get("propertyDefinitionRef") == defs[key])
        return prop.find(f"{{{NS}}}value")

    value_of("id-capability-quoting", "id").text = " Quoting Tool "
    value_of("id-initiative-service-desk", "earliest_start").text = "2027Q5"
    tree.write(str(path))
    lines = {e.get("identifier"): e.sourceline
             for e in etree.parse(str(path)).getroot().iter(f"{{{NS}}}element")}
    with pytest.raises(ModelError) as info:
        read_archimate(path)
    got = {(i.code, i.message, i.location) for i in info.value.errors}
    assert ("E-ID", "'Quoting Tool' is not a valid id (lower-case letters, digits, '_', '.', "
            "'-'; starting with a letter or digit)",
            f"m.xml:{lines['id-capability-quoting']}") in got
    assert ("E-QUARTER", "'2027Q5' is not a quarter like 2027Q1",
            f"m.xml:{lines['id-initiative-service-desk']}") in got

# -- hostile and malformed input -----------------------------------------------------------
@pytest.mark.parametrize("name", ["billion-laughs.xml", "external-entity.xml"])
def test_entities_are_refused(name: str, tmp_path: Path) -> None:
    with pytest.raises(ModelError) as info:
        api.import_model(DATA / name, tmp_path / "out")
    (issue,) = info.value.errors
    assert issue.code == "E-XML" and issue.location == f"{name}:2"
    assert "DOCTYPE" in issue.message and "refused" in issue.message
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("encoding", ["utf-16-be", "utf-16-le"])
def test_entities_are_refused_in_utf16_without_a_bom(encoding: str, tmp_path: Path) -> None:
    """Without a byte-order mark the DOCTYPE was not seen: libxml2's amplification limit
    stopped the bomb, reported as malformed XML ("is the file complete?")."""
    text = (DATA / "billion-laughs.xml").read_text(encoding="utf-8")
    text = text[text.index("?>") + 2:].lstrip()
    path = tmp_path / "bomb.xml"
    path.write_bytes(f'<?xml version="1.0" encoding="{encoding.upper()}"?>\n{text}'.encode(
        encoding))
    with pytest.raises(ModelError) as info:
        api.import_model(path, tmp_path / "out")
    (issue,) = info.value.errors
    assert issue.location == "bomb.xml:2" and "DOCTYPE" in issue.message
    assert not (tmp_path / "out").exists()


def test_wrong_namespace(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as info:
        api.import_model(DATA / "archimate2.xml", tmp_path / "out")
    (issue,) = info.value.errors
    assert issue.location.startswith("archimate2.xml:") and issue.code == "E-XML"
    assert "http://www.opengroup.org/xsd/archimate'" in issue.message
    assert "2.x" in (issue.hint or "")
    assert not (tmp_path / "out").exists()


def test_truncated_file(starter_path: Path, tmp_path: Path) -> None:
    path = write_archimate(opmodel.load(starter_path), tmp_path / "m.xml")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(ModelError) as info:
        read_archimate(path)
    (issue,) = info.value.errors
    assert issue.code == "E-XML" and "not well-formed" in issue.message
    assert issue.location.startswith("m.xml:")


@pytest.mark.parametrize(("body", "located"), [
    ("<a>" * 300 + "</a>" * 300, "x.xml:1:"),  # deeper than libxml2's 256 levels
    ('<model a="' + "A" * 10_500_000 + '"/>', "x.xml:1:")])  # one 10 MB attribute
def test_a_file_beyond_the_parser_limits_says_so(body: str, located: str,
                                                 tmp_path: Path) -> None:
    """libxml2's message told the user to "use XML_PARSE_HUGE option" (lifting the limit
    that stops hostile files), with a stray newline and the hint of a truncated file."""
    path = tmp_path / "x.xml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ModelError) as info:
        read_archimate(path)
    (issue,) = info.value.errors
    assert issue.code == "E-XML" and issue.location.startswith(located)
    assert "safety limits" in issue.message
    assert "XML_PARSE_HUGE" not in str(issue) and "\n" not in str(issue)
    assert "complete" not in (issue.hint or "")


def test_cli_export_archimate(starter_path: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "model.xml"
    r = runner.invoke(app, ["export", str(starter_path), str(out), "--format", "archimate"],
                      env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert "Capability heat map" in r.output
    r = runner.invoke(app, ["import", str(DATA / "billion-laughs.xml"), str(tmp_path / "x")],
                      env={"COLUMNS": "200"})
    assert r.exit_code == 1 and "billion-laughs.xml:2: E-XML" in r.output


# -- the usage table -------------------------------------------------------------------------
USAGE_CSV = ("application,business_unit,capability,share\n"
             "crm-n,north,crm,0.7\ncrm-n,north,selling,\ndesk,south,service,0\n")


def test_usage_round_trips_folder_to_archimate_to_folder(
        schema: etree.XMLSchema, starter_copy: Path, tmp_path: Path) -> None:
    (starter_copy / "usage.csv").write_text(USAGE_CSV)
    e = opmodel.load(starter_copy)
    path = api.export_model(starter_copy, tmp_path / "m.xml")
    assert_valid(schema, path)
    rels = [r for r in archimate_tree(e).getroot().iter(f"{{{NS}}}relationship")
            if r.findtext(f"{{{NS}}}name") == "usage"]
    assert len(rels) == 3
    assert (rels[0].get(f"{{{XSI}}}type"), rels[0].get("source"), rels[0].get("target")) == \
        ("Association", "id-application-crm-n", "id-bu-north")
    api.import_model(path, tmp_path / "back")
    assert (tmp_path / "back" / "usage.csv").read_text() == USAGE_CSV
    assert opmodel.load(tmp_path / "back") == e


def test_a_bad_usage_relationship_is_located(starter_copy: Path, tmp_path: Path) -> None:
    (starter_copy / "usage.csv").write_text(USAGE_CSV)
    path = write_archimate(opmodel.load(starter_copy), tmp_path / "m.xml")
    tree = etree.parse(str(path))
    rel = next(r for r in tree.getroot().iter(f"{{{NS}}}relationship")
               if r.findtext(f"{{{NS}}}name") == "usage")
    value = next(v for v in rel.iter(f"{{{NS}}}value") if v.text == "crm")
    value.text = "crn"
    tree.write(str(path))
    rel = next(r for r in etree.parse(str(path)).getroot().iter(f"{{{NS}}}relationship")
               if any(v.text == "crn" for v in r.iter(f"{{{NS}}}value")))
    with pytest.raises(ModelError) as info:
        read_archimate(path)
    (issue,) = info.value.errors
    assert issue.code == "E-REF" and "usage names unknown capability 'crn'" in issue.message
    assert issue.hint == "did you mean 'crm'?"
    assert issue.location == f"m.xml:{rel.sourceline}"


def test_dry_run_accounts_for_usage(starter_copy: Path, tmp_path: Path) -> None:
    (starter_copy / "usage.csv").write_text(USAGE_CSV)
    path = write_archimate(opmodel.load(starter_copy), tmp_path / "m.xml")
    report = api.inspect_import(path)
    rows = {(r.archimate, r.becomes): r.count for r in report.rows}
    assert rows[("Association ApplicationComponent → BusinessActor",
                  "a unit's use of an application for a capability")] == 3
    assert report.counts["usage rows"] == 3
