"""report.html on a phone (390 px) and on a desktop (1440 px), in real headless Chromium with
the network blocked: the page never scrolls sideways, no chart is wider than its box, and under
600 px the tables are cards (each value under its column's name). Turning the window from one
width to the other fits the charts again.

Screenshots of both widths are written for people to look at: to ``$OPMODEL_SCREENSHOTS`` when
set, else to ``screenshots/`` in the test run's temporary folder (its path is printed; pytest
keeps the last few runs). Like the other browser tests these skip without Playwright or
Chromium, and fail instead under CI=true.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .test_report_browser import Page

PHONE = (390, 844)
DESKTOP = (1440, 900)

LAYOUT_JS = """() => {
  const W = window.innerWidth, box = e => e.getBoundingClientRect();
  const charts = Array.from(document.querySelectorAll('[data-chart], #plateau-chart, #drill-chart'))
    .filter(el => el.offsetParent !== null)
    .map(el => {
      const svg = el.querySelector('svg'), b = box(el), s = svg ? box(svg) : null;
      return {name: el.dataset.chart || el.id, fit: el.dataset.fit || '',
              rendered: el.dataset.rendered || '', box: [b.left, b.right],
              svg: s ? [s.left, s.right, s.width] : null};
    });
  // elements that reach past the right edge of the window (what would scroll sideways)
  const past = Array.from(document.querySelectorAll('body *'))
    .filter(el => el.getClientRects().length && box(el).right > W + 0.5)
    .filter(el => {
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        if (getComputedStyle(p).overflowX !== 'visible') return box(p).right > W + 0.5;
      }
      return true; })
    .slice(0, 10).map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (typeof el.className === 'string' && el.className ? '.' + el.className.split(' ')[0] : ''));
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: W, charts, past};
}"""


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("OPMODEL_SCREENSHOTS")
                  or tmp_path_factory.getbasetemp() / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots of report.html: {folder}")
    return folder


@pytest.fixture(scope="module", params=[PHONE, DESKTOP], ids=["phone-390", "desktop-1440"])
def page(request: pytest.FixtureRequest, browser: Any, report_dir: Path) -> Iterator[Page]:
    width, height = request.param
    p = Page(browser, report_dir / "report.html", width, height)
    yield p
    p.page.close()


def check_layout(page: Page) -> dict[str, Any]:
    """No sideways scroll, and every chart drawn inside its box, which is inside the window."""
    lay = page.js(LAYOUT_JS)
    w = lay["innerWidth"]
    assert lay["scrollWidth"] <= w, (
        f"the page is {lay['scrollWidth']} px wide in a {w} px window: {lay['past']}")
    assert lay["past"] == []
    assert lay["charts"], "no chart on the page"
    for c in lay["charts"]:
        assert c["rendered"] == "1" and c["svg"] is not None, c
        left, right = c["box"]
        assert left >= 0 and right <= w + 0.5, f"{c['name']} box reaches past the window: {c}"
        s_left, s_right, s_width = c["svg"]
        assert s_width > 100, c
        assert s_left >= left - 0.5 and s_right <= right + 0.5, (
            f"{c['name']} is {s_width:.0f} px wide in a box of {right - left:.0f} px")
    return lay


def test_page_never_scrolls_sideways_and_charts_fit(page: Page, shots: Path) -> None:
    assert page.requests == [] and page.errors == []
    lay = check_layout(page)
    w = lay["innerWidth"]
    shot = shots / f"report-{w}px.png"
    page.page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000
    if w < 600:
        # Acme fits without scaling text down: each chart is drawn for the width
        assert {c["fit"] for c in lay["charts"]} <= {"as-is", "fitted"}, lay["charts"]
        assert any(c["fit"] == "fitted" for c in lay["charts"])


def test_tables_are_cards_on_a_phone_and_tables_on_a_desktop(page: Page) -> None:
    info = page.js("""() => {
      const t = document.querySelector('#init-table'), td = t.tBodies[0].rows[0].cells[1];
      const label = getComputedStyle(td, '::before').content;
      const rows = Array.from(document.querySelectorAll('table.stack')).map(x => [
        getComputedStyle(x.tHead || x, null).display, x.getBoundingClientRect().right]);
      return {head: getComputedStyle(t.tHead).display,
              row: getComputedStyle(t.tBodies[0].rows[0]).display,
              label, labelled: td.dataset.label, w: window.innerWidth, rows};
    }""")
    assert info["labelled"] == "Kind"
    if info["w"] < 600:
        assert info["head"] == "none" and info["row"] != "table-row"
        assert info["label"] == '"Kind"'  # each value under its column's name
    else:
        assert info["head"] == "table-header-group" and info["row"] == "table-row"
        assert info["label"] in ("none", "normal")
    assert all(right <= info["w"] + 0.5 for _, right in info["rows"])


def test_filtered_rows_stay_hidden_as_cards(page: Page) -> None:
    page.page.select_option("#f-kind", "transform")
    try:
        shown = page.js("""Array.from(document.querySelectorAll('#init-table tbody tr'))
            .filter(r => r.getClientRects().length > 0).map(r => r.dataset.kind)""")
        assert shown and set(shown) == {"transform"}
    finally:
        page.page.select_option("#f-kind", "")


def test_drill_down_fits_too(page: Page, shots: Path) -> None:
    label = page.page.locator("[data-chart='heatmap-stage'] g.mark-text.role-mark text",
                              has_text="0.49").first
    label.click()
    page.page.wait_for_selector("#drill-chart[data-rendered='1']", state="attached")
    page.page.wait_for_selector("#prov:not([hidden])", state="attached")
    check_layout(page)
    w = page.js("window.innerWidth")
    page.page.locator("#drill").screenshot(path=str(shots / f"drill-down-{w}px.png"))
    assert page.errors == []


def test_charts_fit_again_when_the_window_turns(browser: Any, report_dir: Path,
                                                shots: Path) -> None:
    p = Page(browser, report_dir / "report.html", *DESKTOP)
    try:
        wide = {c["name"]: c["svg"][2] for c in check_layout(p)["charts"]}
        p.page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
        # every chart drawn again for the new width (report.js marks the round's end)
        p.page.wait_for_selector(f"body[data-fitted='{PHONE[0]}']", state="attached",
                                 timeout=60_000)
        narrow = {c["name"]: c["svg"][2] for c in check_layout(p)["charts"]}
        assert narrow["heatmap-stage"] < wide["heatmap-stage"]
        p.page.screenshot(path=str(shots / "report-turned-to-390px.png"))
        assert p.errors == []
    finally:
        p.page.close()


def test_a_menu_sorts_the_cards_on_a_phone(page: Page) -> None:
    visible = page.js("getComputedStyle(document.querySelector('#f-sort')).display")
    if page.js("window.innerWidth") >= 600:
        assert visible == "none"  # the column headers sort
        return
    assert visible != "none"
    page.page.select_option("#f-sort", "3 descending")  # cost, high to low
    costs = page.js("""Array.from(document.querySelectorAll('#init-table tbody tr'))
        .map(r => Number(r.cells[3].dataset.v))""")
    assert costs == sorted(costs, reverse=True)
    page.page.select_option("#f-sort", "")  # back to the plan's order: funded work first
    first = page.js("document.querySelector('#init-table tbody tr').dataset.decision")
    assert first == "funded"


def test_long_names_without_spaces_wrap_instead_of_widening_the_page(
        browser: Any, starter_path: Path, tmp_path: Path, shots: Path) -> None:
    """A unit, capability or initiative named without spaces (an id, a URL, a code) made the
    findings list as wide as the name: the page scrolled sideways at 390 px and at 1440 px."""
    import opmodel
    from opmodel.report.build import ReportOptions, build_report

    e = opmodel.load(starter_path)
    bu, cap, ini = e.business_units[0], e.capabilities[0], e.initiatives[0]
    e = e.model_copy(update={
        "business_units": (bu.model_copy(update={"name": "NorthRegion" * 25}),
                           *e.business_units[1:]),
        "capabilities": (cap.model_copy(update={"name": "Capability_" * 25}),
                         *e.capabilities[1:]),
        "initiatives": (ini.model_copy(update={"name": "https://example.com/" + "x" * 200}),
                        *e.initiatives[1:])})
    res = build_report(e, out_dir=tmp_path / "long", options=ReportOptions(
        time_limit=20, frontier_scales=(), charts=False, stability_draws=50, risk_draws=500))
    for width, height in (PHONE, DESKTOP):
        p = Page(browser, res.html, width, height)
        try:
            check_layout(p)
            p.page.screenshot(path=str(shots / f"long-names-{width}px.png"))
            assert p.errors == []
        finally:
            p.page.close()
