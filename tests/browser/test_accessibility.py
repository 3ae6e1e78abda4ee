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
