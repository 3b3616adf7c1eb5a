"""The library call behind the report: build_report on the small starter model, the tables it
writes, and the packing and escaping of what is inlined in the HTML."""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import pytest

import opmodel
from opmodel.errors import InputError
from opmodel.report.build import ReportOptions, build_report
from opmodel.report.findings import money
from opmodel.report.html import json_safe, pack_records, pack_spec, script_safe
from opmodel.report.tables import sheets

FAST = ReportOptions(time_limit=20, frontier_scales=(), charts=False, stability_draws=50,
                     risk_draws=500)


@pytest.fixture(scope="module")
def starter_report(tmp_path_factory: pytest.TempPathFactory) -> object:
    from tests.conftest import STARTER

    e = opmodel.load(STARTER)
    out = tmp_path_factory.mktemp("starter-report")
    return build_report(e, out_dir=out, options=FAST, source=STARTER)


def test_build_report_writes_html_and_every_table(starter_report: object) -> None:
    res = starter_report
    assert res.html.exists() and res.workbook.exists() and res.charts == ()
    wb = openpyxl.load_workbook(res.workbook)
    expected = [s.name for s in sheets(res.data)]
    assert wb.sheetnames == expected
    for sh in sheets(res.data):
        ws = wb[sh.name]
        assert [c.value for c in ws[1]] == [c.name for c in sh.columns]
        assert ws.max_row == len(sh.rows) + 1, sh.name
    assert "Frontier" not in wb.sheetnames  # no frontier asked for
    assert res.size < 5_000_000
    assert set(res.timings) >= {"analysis", "solve", "html", "workbook"}


def test_report_command_reproduces_the_report(starter_report: object) -> None:
    html = starter_report.html.read_text()
    m = re.search(r'<pre class="command" id="command">(.*?)</pre>', html)
    assert m and m.group(1).startswith("opmodel report ")
    assert "--frontier none" in m.group(1)


def test_output_that_is_a_file_is_refused_before_any_work(tmp_path: Path,
                                                          starter_path: Path) -> None:
    f = tmp_path / "x"
    f.write_text("keep me")
    with pytest.raises(InputError, match="is a file"):
        build_report(opmodel.load(starter_path), out_dir=f, options=FAST)
    assert f.read_text() == "keep me"


def test_a_folder_holding_other_things_is_refused_before_any_work(tmp_path: Path,
                                                                  starter_path: Path) -> None:
    """The library as the command line: a report rebuilds its whole folder, so a folder of
    someone else's files (no report.html) is refused, untouched."""
    d = tmp_path / "mine"
    d.mkdir()
    (d / "thesis.docx").write_text("keep me")
    inode = d.stat().st_ino
    with pytest.raises(InputError, match=r"already holds other files \(thesis.docx\) and no "
                       "report.html"):
        build_report(opmodel.load(starter_path), out_dir=d, options=FAST)
    assert d.stat().st_ino == inode and [p.name for p in d.iterdir()] == ["thesis.docx"]


def test_bad_options_are_input_errors() -> None:
    with pytest.raises(InputError):
        ReportOptions(frontier_scales=(0.5, -1.0))
    with pytest.raises(InputError):
        ReportOptions(risk_draws=0)


def test_pack_records_is_columnar_and_dictionary_encodes_repeated_strings() -> None:
    recs = [{"row": "a", "v": 1.0, "s": "x"}, {"row": "a", "v": None, "s": "y"},
            {"row": "a", "v": float("nan"), "s": "z"}, {"row": "b", "v": 2.5}]
    p = pack_records(recs)
    assert p["n"] == 4
    assert p["c"]["row"] == {"d": ["a", "b"], "i": [0, 0, 0, 1]}
    assert p["c"]["v"] == [1.0, None, None, 2.5]  # NaN is not JSON
    assert p["c"]["s"] == ["x", "y", "z", None]
    spec = pack_spec({"layer": [{"data": {"values": recs}}], "title": "t"})
    assert spec["layer"][0]["data"]["values"] == {"__packed": p}
    json.dumps(spec, allow_nan=False)


def test_inlined_text_cannot_close_its_script_element() -> None:
    js = 'a = "</script><script>alert(1)</script>"; b = /</g; // <!-- x'
    out = script_safe(js)
    assert "</script" not in out.lower() and "<!--" not in out
    assert "/</g" in out  # regular expressions are left alone
    data = json.dumps({"t": "</SCRIPT> <!-- x"})
    safe = json_safe(data)
    assert "</" not in safe and "<!--" not in safe
    assert json.loads(safe) == {"t": "</SCRIPT> <!-- x"}


@pytest.mark.parametrize(("x", "unit", "text"), [
    (35396.2, "thousands", "USD 35.4 M"), (912.5, "thousands", "USD 912 k"),
    (1320, "thousands", "USD 1.32 M"), (2.5e6, "thousands", "USD 2.50 bn"),
    (950, "units", "USD 950"), (12, "bushels", "12 USD bushels"), (None, "k", "–"),
])
def test_money_is_scaled_to_the_unit(x: float | None, unit: str, text: str) -> None:
    assert money(x, "USD", unit) == text


def test_every_section_has_its_partial_and_a_link_in_order(starter_report: object) -> None:
    from importlib import resources

    from opmodel.report.html import render_html
    from opmodel.report.sections import SECTIONS, Section

    folder = resources.files("opmodel.report") / "templates"
    for s in SECTIONS:
        text = (folder / s.template).read_text(encoding="utf-8")
        assert f'<section id="{s.id}">' in text, s.template
    res = starter_report
    html = res.html.read_text(encoding="utf-8")
    links = re.findall(r'<a href="#([a-z-]+)">', html)
    assert links == [s.id for s in SECTIONS if s.show(res.data)]  # no cycle: no "since"
    assert [m for m in re.findall(r'<section id="([a-z-]+)">', html)] == links
    # a section the model does not have is left out, link and all
    without = [s if s.id != "appendix" else Section(s.id, s.nav, s.context, lambda d: False)
               for s in SECTIONS]
    out = render_html(res.data, {}, res.findings, sections=without)
    assert 'id="appendix"' not in out and 'href="#appendix"' not in out
    assert '<section id="initiatives">' in out


def test_a_model_nobody_assessed_does_not_say_it_has_no_gap(starter_path: Path) -> None:
    """A repository imported from another tool has its cells unassessed: the report's
    headline said "No capability has a gap — every assessed capability is at or above its
    target", of a model with nothing assessed."""
    from opmodel.report.build import compute
    from opmodel.report.findings import findings

    e = opmodel.load(starter_path)
    blank = tuple(a.model_copy(update={"current": None, "target": None, "pain": None,
                                       "applicable": True}) for a in e.assessments)
    f = findings(compute(e.model_copy(update={"assessments": blank}), options=FAST))
    assert f.headline.title == "No capability is assessed yet"
    assert f.headline.tone == "warn" and f.headline in f.summary
    assert f.heatmap.title == "No capability is assessed yet"


def test_a_model_with_no_units_and_no_capabilities_still_reports(tmp_path: Path) -> None:
    """What an exchange file with nothing opmodel can map imports as: the report stopped
    with a traceback (numpy's zero-size max in homogeneity, then a KeyError packing the
    empty provenance columns)."""
    from opmodel.io.archimate import read_archimate

    bare = tmp_path / "bare.xml"
    bare.write_text('<?xml version="1.0"?><model xmlns="http://www.opengroup.org/xsd/'
                    'archimate/3.0/" identifier="m"><name>Bare</name></model>',
                    encoding="utf-8")
    e = read_archimate(bare).enterprise
    assert not e.business_units and not e.capabilities
    res = build_report(e, out_dir=tmp_path / "report", options=FAST, source=bare)
    assert res.html.exists() and res.workbook.exists()
    assert res.findings.headline.title == "No capability is assessed yet"
