"""axe-core on every page, in both languages, with every expander open: no serious or critical
violation. Also: every chart is a figure with a text alternative, and the keyboard reaches
every control without wading through chart toolbars."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from bench.browserlib import wait_for_app_idle
from derivs_app.i18n import LANGUAGES
from tests.browser.test_app_browser import LOAD_TIMEOUT, PAGES, assert_no_exception

_AXE = Axe()


def _open_with_every_expander(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    wait_for_app_idle(page, timeout=LOAD_TIMEOUT)
    summaries = page.locator("[data-testid=stExpander] summary")
    for i in range(summaries.count()):  # opening one may add more below it: count as we go
        summary = page.locator("[data-testid=stExpander] summary").nth(i)
        if summary.get_attribute("aria-expanded") != "true":
            summary.click()
            wait_for_app_idle(page, timeout=LOAD_TIMEOUT)


@pytest.mark.parametrize("lang", list(LANGUAGES))
@pytest.mark.parametrize(("url_path", "page_file"), PAGES, ids=[u for u, _ in PAGES])
def test_no_serious_accessibility_violation(page, page_log, app_url, url_path, page_file, lang):
    path = "" if url_path == "home" else url_path
    _open_with_every_expander(page, f"{app_url}/{path}?lang={lang}")
    result = _AXE.run(page)
    bad = [v for v in result.response["violations"] if v["impact"] in ("serious", "critical")]
    report = [(v["id"], v["impact"], [n["target"] for n in v["nodes"][:3]]) for v in bad]
    assert not bad, report
    for figure in page.locator("[role=figure]").all():
        assert len(figure.get_attribute("aria-label") or "") > 20
    assert_no_exception(page)
    page_log.assert_clean()


def test_every_chart_is_a_described_figure_and_toolbars_add_one_tab_stop(page, app_url):
    page.goto(f"{app_url}/activations", wait_until="domcontentloaded")
    wait_for_app_idle(page, timeout=LOAD_TIMEOUT)
    charts = page.locator(".js-plotly-plot").count()
    labelled = page.locator("[role=figure][aria-label]")
    assert charts >= 2 and labelled.count() >= charts
    assert "f′ peaks at" in labelled.first.get_attribute("aria-label")
    buttons = page.locator(".modebar-btn").count()
    assert buttons <= charts  # the PNG download alone, not eight buttons a chart


@pytest.mark.parametrize("url_path", [u for u, _ in PAGES if u != "home"])
def test_presenter_mode_puts_the_key_chart_on_the_first_screen(browser, app_url, url_path):
    """At 1280x720 the page's first chart starts on the first screen, the sidebar is folded,
    and on the dark page every text has contrast (buttons, pills, alerts and code boxes keep
    their light-theme backgrounds unless the presenter style repaints them)."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        page = context.new_page()
        page.goto(f"{app_url}/{url_path}?present=true", wait_until="domcontentloaded")
        wait_for_app_idle(page, timeout=LOAD_TIMEOUT)
        page.wait_for_selector(".js-plotly-plot", timeout=LOAD_TIMEOUT)
        top = page.evaluate("() => document.querySelector('.js-plotly-plot')"
                            ".getBoundingClientRect().top")
        assert top < 720, f"{url_path}: the first chart starts at y = {top:.0f}"
        assert page.locator("[data-testid=stSidebar][aria-expanded=false]").count() or \
            not page.locator("[data-testid=stSidebar]").is_visible()
        contrast = _AXE.run(page, options={"runOnly": ["color-contrast"]})
        bad = [(n["target"], n.get("any", [{}])[0].get("message", "")[:120])
               for v in contrast.response["violations"] for n in v["nodes"][:4]]
        assert not bad, bad
        assert_no_exception(page)
    finally:
        context.close()


def test_no_table_cell_wraps_inside_a_number_on_a_phone(browser, app_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)
    try:
        page = context.new_page()
        page.goto(f"{app_url}/gradcheck", wait_until="domcontentloaded")
        wait_for_app_idle(page, timeout=LOAD_TIMEOUT)
        cells = page.locator("[data-testid=stMarkdownContainer] td")
        assert cells.count() > 5
        styles = cells.evaluate_all("(tds) => tds.map((td) => getComputedStyle(td).whiteSpace)")
        assert set(styles) == {"nowrap"}
        heights = cells.evaluate_all("(tds) => tds.map((td) => td.getBoundingClientRect().height)")
        assert max(heights) < 2.2 * min(heights)  # one line each, none broken in two
    finally:
        context.close()
