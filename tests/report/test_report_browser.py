"""report.html opened from disk in real headless Chromium with the network blocked: no console
errors, every chart drawn, the drill-down, provenance, filters, sorting, the plateau slider and
the Gantt → table link all work when clicked. A full-page screenshot is saved.

Needs Playwright and Debian's chromium (the ``browser`` fixture of conftest.py). Without them
the tests skip — except under CI=true, where they fail (the browser is part of the test
machine there).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import opmodel
from opmodel.analysis import heatmap, score


class Page:
    """The report open in a tab, with the console errors and network attempts recorded."""

    def __init__(self, browser: Any, path: Path, width: int = 1440, height: int = 900) -> None:
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error"
                     else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

        def route(r: Any) -> None:
            if r.request.url.startswith("file:"):
                r.continue_()
            else:
                self.requests.append(r.request.url)
                r.abort()

        self.page.route("**/*", route)
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_selector("body[data-ready='1']", state="attached", timeout=60_000)

    def js(self, expr: str) -> Any:
        return self.page.evaluate(expr)


@pytest.fixture(scope="module")
def page(browser: Any, report_dir: Path) -> Iterator[Page]:
    p = Page(browser, report_dir / "report.html")
    yield p
    p.page.close()


def visible_rows(page: Page) -> list[dict[str, str]]:
    return page.js("""Array.from(document.querySelectorAll('#init-table tbody tr'))
        .filter(r => !r.hidden).map(r => ({id: r.dataset.id, kind: r.dataset.kind,
        decision: r.dataset.decision, text: r.textContent.toLowerCase()}))""")


def test_opens_offline_without_errors_and_draws_every_chart(page: Page,
                                                            tmp_path: Path) -> None:
    assert page.requests == [], f"the report tried the network: {page.requests}"
    assert page.errors == []
    charts = page.js("""Array.from(document.querySelectorAll('[data-chart]')).map(e => [
        e.dataset.chart, e.dataset.rendered || '', e.querySelectorAll('svg .mark-rect,'
        + ' svg .mark-symbol, svg .mark-line, svg .mark-text, svg .mark-rule').length,
        e.querySelector('svg') ? e.querySelector('svg').getBoundingClientRect().width : 0])""")
    # every chart of the report is drawn; the capability heat map is drawn by the plateau
    # slider and the drill-down
    from .test_report_files import CHARTS

    assert {c[0] for c in charts} == set(CHARTS) - {"heatmap-capability"}
    for name, rendered, marks, width in charts:
        assert rendered == "1" and marks > 0 and width > 100, (name, rendered, marks, width)
    assert page.js("document.querySelector('#plateau-chart svg') !== null")
    shot = tmp_path / "report-full-page.png"
    page.page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 100_000


def test_heat_map_cell_drills_down_to_capabilities_and_provenance(page: Page,
                                                                  acme_path: Path) -> None:
    e = opmodel.load(acme_path)
    hm = heatmap(e, "stage", scores=score(e))
    x = hm.explain("order-to-cash", "storage")
    assert x.driver is not None and x.provenance is not None
    assert page.js("document.querySelector('#drill').hidden")
    # the cell's label in the stage heat map, then a click on it
    label = f"{x.value:.2f}"
    page.page.locator("[data-chart='heatmap-stage'] g.mark-text.role-mark text",
                      has_text=label).first.click()
    page.page.wait_for_selector("#drill-chart[data-rendered='1']", state="attached")
    assert not page.js("document.querySelector('#drill').hidden")
    assert page.js("document.querySelector('#drill-title').textContent").startswith(
        "Order to cash")
    # only the capabilities of the clicked stage are drawn
    cols = page.js("""Array.from(document.querySelectorAll('#drill-chart g.mark-text.role-mark'
        + ' text')).length""")
    n_caps = sum(1 for c in e.capabilities if c.stage == "order-to-cash")
    assert cols == n_caps * (len(e.business_units) + 1)
    # the provenance of the driving cell, with the analysis's own numbers
    assert page.js("document.querySelector('#prov').dataset.cell") == \
        f"{x.driver.capability}|{x.driver.business_unit}"
    assert page.js("document.querySelector('#prov-priority').textContent") == \
        f"{x.provenance.priority:.4g}"
    text = page.js("document.querySelector('#prov').textContent")
    for src in x.provenance.expectations:
        assert src.statement in text
    assert "priority = w × gap / 5" in text
    # clicking another capability cell shows that cell's provenance
    page.page.locator("#drill-chart g.mark-text.role-mark text").nth(2).click()
    cell = page.js("document.querySelector('#prov').dataset.cell")
    assert cell != f"{x.driver.capability}|{x.driver.business_unit}"
    cap, bu = cell.split("|")
    assert e.capability(cap).stage == "order-to-cash"
    assert bu in {b.id for b in e.business_units}
    page.page.click("#prov .close")
    assert page.js("document.querySelector('#prov').hidden")


def test_initiative_table_filters_and_sorts(page: Page, report_dir: Path,
                                            acme_path: Path) -> None:
    e = opmodel.load(acme_path)
    assert len(visible_rows(page)) == len(e.initiatives)
    page.page.fill("#f-text", "crm")
    rows = visible_rows(page)
    assert 0 < len(rows) < len(e.initiatives)
    assert all("crm" in r["text"] for r in rows)
    page.page.fill("#f-text", "")
    page.page.select_option("#f-kind", "transform")
    rows = visible_rows(page)
    assert {r["kind"] for r in rows} == {"transform"}
    assert len(rows) == sum(i.kind == "transform" for i in e.initiatives)
    page.page.select_option("#f-kind", "")
    # the decisions agree with results.xlsx
    ws = openpyxl.load_workbook(report_dir / "results.xlsx")["Initiatives"]
    head = [c.value for c in ws[1]]
    left = {r[0] for r in ws.iter_rows(min_row=2, values_only=True)
            if r[head.index("decision")] == "not funded"}
    page.page.select_option("#f-decision", "not funded")
    rows = visible_rows(page)
    assert {r["id"] for r in rows} == left
    assert "showing" in page.js("document.querySelector('#f-count').textContent")
    page.page.select_option("#f-decision", "")
    # sort by cost, then the other way
    page.page.click("#init-table th:nth-child(4)")
    costs = page.js("""Array.from(document.querySelectorAll('#init-table tbody tr'))
        .map(r => Number(r.cells[3].dataset.v))""")
    assert costs == sorted(costs)
    page.page.click("#init-table th:nth-child(4)")
    costs = page.js("""Array.from(document.querySelectorAll('#init-table tbody tr'))
        .map(r => Number(r.cells[3].dataset.v))""")
    assert costs == sorted(costs, reverse=True)


def test_gantt_bar_finds_the_initiative_in_the_table(page: Page) -> None:
    page.page.locator("[data-chart='roadmap-gantt'] g.mark-rect.role-mark path").first.click(
        force=True)
    page.page.wait_for_selector("#init-table tr.flash", state="attached")
    flashed = page.js("document.querySelector('#init-table tr.flash').dataset.decision")
    assert flashed == "funded"


def test_plateau_slider_shows_the_heat_map_after_each_quarter(page: Page) -> None:
    before = page.js("document.querySelector('#plateau-label').textContent")
    assert before.startswith("today")
    page.js("""(() => { const s = document.querySelector('#plateau-step');
        s.value = s.max; s.dispatchEvent(new Event('input')); })()""")
    page.page.wait_for_function(
        "document.querySelector('#plateau-label').textContent.startsWith('after 2028Q4')")
    page.page.wait_for_function(
        "Array.from(document.querySelectorAll('#plateau-chart .role-title-text text'))"
        ".some(t => t.textContent.includes('after 2028Q4'))")
    assert page.errors == []


UNPACK_JS = """
  function column(col, n) {
    if (Array.isArray(col)) return col;
    const out = new Array(n);
    for (let k = 0; k < n; k++) out[k] = col.d[col.i[k]];
    return out;
  }
  function unpack(x) {
    if (Array.isArray(x)) return x.map(unpack);
    if (x && typeof x === 'object') {
      if (x.__packed) {
        const p = x.__packed, names = Object.keys(p.c), cols = {};
        names.forEach(f => { cols[f] = column(p.c[f], p.n); });
        return Array.from({length: p.n},
                          (_, k) => Object.fromEntries(names.map(f => [f, cols[f][k]])));
      }
      return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, unpack(v)]));
    }
    return x;
  }
"""


def test_every_chart_compiles_without_vega_lite_warnings(page: Page) -> None:
    # each chart of the report (and the drill-down's own map, if any) drawn again with
    # Vega's warnings on: Vega-Lite may not complain about any of them
    messages: list[str] = []

    def keep(m: Any) -> None:
        if m.type in ("warning", "error"):
            messages.append(m.text)

    page.page.on("console", keep)
    try:
        names = page.js("(async () => {" + UNPACK_JS + """
          const DATA = JSON.parse(document.getElementById('report-data').textContent);
          const specs = Object.entries(DATA.charts);
          if (DATA.drill.spec) specs.push(['drill', DATA.drill.spec]);
          for (const [name, spec] of specs) {
            const el = document.createElement('div');
            document.body.appendChild(el);
            const res = await vegaEmbed(el, unpack(spec), {renderer: 'svg', actions: false,
                                                           logLevel: 2});
            res.view.finalize();
            el.remove();
          }
          return specs.map(s => s[0]);
        })()""")
    finally:
        page.page.remove_listener("console", keep)
    assert "heatmap-capability" in names
    assert messages == []
