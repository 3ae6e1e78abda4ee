"""The gradient-check lab's second edition in a real browser: the lab opens on the sin-at-1e6
example with every new section drawn (Richardson's tableau, the error estimates on the step
chart, f″ beside f′, the random-direction picture), in both languages, with no exception
element; planting a wrong entry makes the random-direction check fail for every seed.
Screenshots at 1400×1000 (the whole page) and 1280×720 (the first screen) land in
artifacts/screenshots/lab-<lang>-<size>.png."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from bench.browserlib import screenshot, wait_for_app_idle
from derivs_app.i18n import LANGUAGES, t
from tests.browser.test_app_browser import assert_no_exception, full_screenshot

LOAD_TIMEOUT = 120_000
CHANGE_TIMEOUT = 60_000
CHART = ".js-plotly-plot .main-svg"
#: The example with every new section showing something: the 2-input loss for the picture.
QUERY = "gc_example=sin_1e6&gc_d2=true&gc_dir=loss"
CHARTS = ("gc_chart_step", "gc_chart_tableau", "gc_chart_second", "gc_chart_direction")
SECTIONS = ("gc.rich_title", "gc.d2_title", "gc.dir_title")


def open_lab(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    wait_for_app_idle(page, timeout=LOAD_TIMEOUT)
    for key in CHARTS:
        page.wait_for_selector(f".st-key-{key} {CHART}", timeout=LOAD_TIMEOUT)
    wait_for_app_idle(page, timeout=LOAD_TIMEOUT)


def text_of(page, key: str) -> str:
    return page.locator(f".st-key-{key}").inner_text()


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_lab_loads_with_the_new_sections_and_is_screenshotted(page, page_log, app_url, lang):
    page.set_viewport_size({"width": 1400, "height": 1000})
    query = QUERY + (f"&lang={quote(LANGUAGES[lang])}" if lang != "en" else "")
    open_lab(page, f"{app_url}/gradcheck?{query}")
    assert_no_exception(page)
    headings = page.locator("[data-testid=stMain] h2").all_inner_texts()
    for key in SECTIONS:
        assert t(key, lang) in [h.strip() for h in headings], headings
    # the example's story, with the numbers of this run
    story = t("gc.story.sin_1e6", lang).split("**")[1]
    assert page.get_by_text(story, exact=False).count() >= 1
    # every chart has a text alternative, the tableau's written from its numbers
    tableau = page.locator(".st-key-gc_chart_tableau [role=figure]")
    assert tableau.get_attribute("aria-label").startswith(
        "Richardson tableau for sin" if lang == "en" else "sin 在 x = 1000000 处的 Richardson 表")
    assert full_screenshot(page, f"lab-{lang}-1400x1000").stat().st_size > 5_000
    page.set_viewport_size({"width": 1280, "height": 720})
    page.wait_for_timeout(800)  # plotly redraws at the new width
    assert screenshot(page, f"lab-{lang}-1280x720", full_page=False).stat().st_size > 5_000
    assert_no_exception(page)
    page_log.assert_clean()


def test_planting_a_wrong_entry_fails_every_seed_in_the_browser(page, page_log, app_url):
    page.set_viewport_size({"width": 1400, "height": 1000})
    open_lab(page, f"{app_url}/gradcheck?{QUERY}")
    section = page.locator("[data-testid=stMain]")
    assert "100 of 100" in section.inner_text()
    toggle = page.locator(".st-key-gc_plant input[type=checkbox]")
    toggle.scroll_into_view_if_needed()
    toggle.focus()
    page.keyboard.press("Space")
    page.wait_for_function("() => location.search.includes('gc_plant=true')",
                           timeout=CHANGE_TIMEOUT)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=stMain]').innerText.includes('0 of 100')",
        timeout=CHANGE_TIMEOUT)
    wait_for_app_idle(page, timeout=LOAD_TIMEOUT)
    assert page.get_by_text("Fails: a direction", exact=False).count() == 1
    assert_no_exception(page)
    page_log.assert_clean()
