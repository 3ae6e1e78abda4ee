"""The browser harness itself, against bench/bare_app.py (slider ``a`` -> sin(a x), 1000 points).

If these fail, the browser tests of the real app cannot be trusted either way.
"""

from __future__ import annotations

import math

import pytest

from bench import browserlib
from bench.browserlib import screenshot, wait_for_app_idle

SLIDER = "[data-testid=stSlider] input[type=range]"
X0 = -5.0  # bare_app.py plots sin(a x) for x = linspace(-5, 5, 1000)

# Plotly keeps base64 arrays as {dtype, bdata, _inputArray}; read the decoded values.
# null while Streamlit swaps the chart element during a redraw.
CHART_Y = """() => {
  const gd = document.querySelector('.js-plotly-plot');
  if (!gd || !gd.data || !gd.data[0]) return null;
  const y = gd.data[0].y;
  return Array.from(y._inputArray || y);
}"""


def chart_y(page) -> list[float]:
    page.wait_for_function(f"() => ({CHART_Y})() !== null", timeout=20_000)
    return page.evaluate(CHART_Y)


def open_bare(page, url: str, query: str = ""):
    page.goto(f"{url}/{query}", wait_until="domcontentloaded")
    wait_for_app_idle(page)
    page.wait_for_selector(".js-plotly-plot .main-svg", state="attached")


def test_page_loads_and_chart_draws(page, page_log, bare_app_url):
    open_bare(page, bare_app_url)
    assert page.locator("[data-testid=stException]").count() == 0
    assert page.locator("[data-testid=stPlotlyChart]").count() == 1
    assert page.locator("[data-testid=stPlotlyChart] .js-plotly-plot svg.main-svg").count() >= 1
    # a line was drawn, not just an empty frame
    assert page.locator(".js-plotly-plot .scatterlayer path.js-line").count() == 1
    y = chart_y(page)
    assert len(y) == 1000
    assert y[0] == pytest.approx(math.sin(1.0 * X0), abs=1e-12)
    path = screenshot(page, "harness-bare-page")
    assert path.is_file() and path.stat().st_size > 1000
    page_log.assert_clean()


def test_keyboard_moves_slider_and_redraws_chart(page, page_log, bare_app_url):
    open_bare(page, bare_app_url)
    before = chart_y(page)
    page.locator(SLIDER).focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        f"(y0) => {{ const y = ({CHART_Y})(); return y !== null && y[0] !== y0; }}",
        arg=before[0],
        timeout=20_000,
    )
    wait_for_app_idle(page)
    after = chart_y(page)
    assert after[0] == pytest.approx(math.sin(1.1 * X0), abs=1e-12)
    assert page.locator(SLIDER).get_attribute("aria-valuetext") == "1.10"
    # bind="query-params": the new value is in the URL, ready to share
    page.wait_for_function("() => location.search.includes('a=1.1')", timeout=10_000)
    page_log.assert_clean()


def test_deep_link_restores_slider(page, page_log, bare_app_url):
    open_bare(page, bare_app_url, "?a=2.5")
    assert page.locator(SLIDER).input_value() == "2.5"
    y = chart_y(page)
    assert y[0] == pytest.approx(math.sin(2.5 * X0), abs=1e-12)
    assert "a=2.5" in page.url
    page_log.assert_clean()


def test_foreign_requests_are_blocked_and_recorded(page, page_log, bare_app_url):
    open_bare(page, bare_app_url)
    assert page_log.blocked == []  # the app itself asks for nothing outside this machine
    outcome = page.evaluate(
        "() => fetch('http://example.com/x.js').then(() => 'loaded', e => 'failed: ' + e)"
    )
    assert outcome.startswith("failed")
    assert page_log.blocked_hosts == {"example.com"}
    assert page_log.blocked == ["http://example.com/x.js"]
    # the console error that the aborted request causes is not held against the page
    page_log.assert_clean()


def test_missing_chromium_is_a_clear_failure(monkeypatch):
    monkeypatch.setattr(browserlib, "CHROMIUM", "/nonexistent/chromium")
    problem = browserlib.chromium_problem()
    assert problem is not None
    assert "apt-get install -y chromium" in problem
