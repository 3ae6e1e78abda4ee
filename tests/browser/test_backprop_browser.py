"""The backprop pages in a real browser: each loads in both languages with no exception element
and draws its charts; a keyboard step (Enter on the Step button, arrow keys on the step slider)
moves the graph and the URL; Run trains in the browser. Screenshots at 1400×1000 (the whole
page) and 1280×720 (the first screen) land in artifacts/screenshots/<page>-<lang>-<size>.png."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from bench.browserlib import screenshot, wait_for_app_idle
from derivs_app.i18n import LANGUAGES, t
from tests.browser.test_app_browser import assert_no_exception, full_screenshot, open_page

LOAD_TIMEOUT = 90_000
CHANGE_TIMEOUT = 45_000
CHART = ".js-plotly-plot .main-svg"
#: page -> (title key, chart keys it must draw)
PAGES = {
    "backprop": ("bp.title", ("bp_graph",)),
    "backprop_network": ("bpn.title", ("bpn_diagram",)),
    "backprop_depth": ("bpd.title", ("bpd_chart",)),
    "backprop_train": ("bpt.title", ("bpt_regions",)),  # at step 0: the curves come with steps
}


def drawn(page, key: str) -> None:
    page.wait_for_selector(f".st-key-{key} {CHART}", timeout=LOAD_TIMEOUT)


def trace_js(key: str, meta: str, field: str) -> str:
    """JS: one field of the trace with this meta in the chart with this key (plotly keeps
    decoded typed arrays in _inputArray), or null while the chart is being swapped."""
    return f"""() => {{
      const gd = document.querySelector('.st-key-{key} .js-plotly-plot');
      if (!gd || !gd.data) return null;
      const tr = gd.data.find(d => d.meta === {json.dumps(meta)});
      if (!tr || tr.{field} === undefined) return null;
      const v = tr.{field};
      return Array.from(v._inputArray || v);
    }}"""


def labelled_edges(page) -> int:
    """How many edges of the graph carry local × upstream = contribution."""
    values = page.evaluate(trace_js("bp_graph", "edges", "x"))
    return -1 if values is None else len(values)


@pytest.mark.parametrize("lang", list(LANGUAGES))
@pytest.mark.parametrize("url_path", list(PAGES))
def test_page_loads_draws_its_charts_and_is_screenshotted(page, page_log, app_url, url_path,
                                                          lang):
    title_key, chart_keys = PAGES[url_path]
    page.set_viewport_size({"width": 1400, "height": 1000})
    query = f"?lang={quote(LANGUAGES[lang])}" if lang != "en" else ""
    open_page(page, f"{app_url}/{url_path}{query}")
    for key in chart_keys:
        drawn(page, key)
    wait_for_app_idle(page, timeout=LOAD_TIMEOUT)
    assert_no_exception(page)
    heading = page.locator("[data-testid=stMain] h1").first.inner_text().strip()
    assert heading == t(title_key, lang)
    assert full_screenshot(page, f"{url_path}-{lang}-1400x1000").stat().st_size > 5_000
    page.set_viewport_size({"width": 1280, "height": 720})
    page.wait_for_timeout(700)  # plotly redraws at the new width
    assert screenshot(page, f"{url_path}-{lang}-1280x720", full_page=False).stat().st_size > 5_000
    assert_no_exception(page)
    page_log.assert_clean()


#: The backprop pages' charts whose margins are set to fit (figures._drawn_once), so that
#: plotly draws them once per update instead of twice.
FITTED_CHARTS = {"backprop_network": ("bpn_diagram",), "backprop_depth": ("bpd_chart",),
                 "backprop_train": ("bpt_regions", "bpt_curves")}

#: JS: per chart, the margins the figure asked for and the ones plotly ended up drawing with
#: (_fullLayout._size: the asked ones grown by every axis label, legend and colour bar that
#: did not fit, each growth a second draw of the whole chart).
MARGINS_JS = """(key) => {
  const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
  if (!gd || !gd._fullLayout || !gd._fullLayout._size) return null;
  const m = gd.layout.margin, s = gd._fullLayout._size;
  return {asked: [m.l, m.r, m.t, m.b], drawn: [s.l, s.r, s.t, s.b]};
}"""


@pytest.mark.parametrize("lang", list(LANGUAGES))
@pytest.mark.parametrize("url_path", list(FITTED_CHARTS))
def test_fitted_charts_are_drawn_with_the_margins_they_ask_for(page, page_log, app_url,
                                                                url_path, lang):
    """A margin that grows costs a second draw of the chart on every update (Chromium profile:
    40 % of a training-page move). Fails when a chart's legend, colour bar or labels no longer
    fit the margins its figure sets, e.g. a legend moved back to container coordinates."""
    page.set_viewport_size({"width": 1400, "height": 1000})
    query = "?bpt_at=40" if url_path == "backprop_train" else ""
    query += ("&" if query else "?") + f"lang={quote(LANGUAGES[lang])}" if lang != "en" else ""
    open_page(page, f"{app_url}/{url_path}{query}")
    for key in FITTED_CHARTS[url_path]:
        drawn(page, key)
    wait_for_app_idle(page, timeout=LOAD_TIMEOUT)
    for key in FITTED_CHARTS[url_path]:
        margins = page.evaluate(MARGINS_JS, key)
        assert margins is not None, key
        grown = [d - a for a, d in zip(margins["asked"], margins["drawn"], strict=True)]
        assert max(grown) <= 1, (key, margins)
    assert_no_exception(page)
    page_log.assert_clean()


def test_keyboard_steps_move_the_graph_and_the_url(page, page_log, app_url):
    open_page(page, f"{app_url}/backprop?bp_step=6")  # the forward pass done, nothing back yet
    drawn(page, "bp_graph")
    assert labelled_edges(page) == 0
    # Enter on the focused Step button: backprop visits L, whose two edges to r get labelled
    page.locator(".st-key-bp_next button").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => location.search.includes('bp_step=7')", timeout=CHANGE_TIMEOUT)
    page.wait_for_function(f"() => ({trace_js('bp_graph', 'edges', 'x')})()?.length === 2",
                           timeout=CHANGE_TIMEOUT)
    # arrow keys on the step slider: one more node visited
    page.locator(".st-key-bp_step input[type=range]").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => location.search.includes('bp_step=8')", timeout=CHANGE_TIMEOUT)
    page.wait_for_function(f"() => ({trace_js('bp_graph', 'edges', 'x')})()?.length === 4",
                           timeout=CHANGE_TIMEOUT)
    page.keyboard.press("End")  # the whole backward pass: every edge labelled
    page.wait_for_function(f"() => ({trace_js('bp_graph', 'edges', 'x')})()?.length === 12",
                           timeout=CHANGE_TIMEOUT)
    wait_for_app_idle(page, timeout=LOAD_TIMEOUT)
    assert page.locator(".st-key-bp_next button").is_disabled()
    assert_no_exception(page)
    page_log.assert_clean()


def test_run_trains_in_the_browser_and_the_link_keeps_the_steps(page, page_log, app_url):
    open_page(page, f"{app_url}/backprop_train?bpt_data=circles&bpt_n=50")
    drawn(page, "bpt_regions")
    wait_for_app_idle(page, timeout=LOAD_TIMEOUT)
    assert page.locator(".st-key-bpt_curves").count() == 0  # step 0: words in its place
    page.locator(".st-key-bpt_run_n button").click()
    page.wait_for_function("() => location.search.includes('bpt_at=50')", timeout=CHANGE_TIMEOUT)
    page.wait_for_function(f"() => ({trace_js('bpt_curves', 'loss', 'y')})()?.length === 51",
                           timeout=CHANGE_TIMEOUT)
    losses = page.evaluate(trace_js("bpt_curves", "loss", "y"))
    assert losses[-1] < losses[0]
    assert_no_exception(page)
    page_log.assert_clean()


#: One slider per page, as bench/backprop_latency.py moves them. (The other pages' figures
#: still leave their margins to plotly, which grows them with a second draw.)
DRAWN_ONCE = {"backprop?bp_step=3": "bp_step", "backprop_network": "bpn_x1",
              "backprop_depth": "bpd_depth", "backprop_train": "bpt_width"}

#: JS: mark every plot element on the page; Streamlit replaces the element of a changed chart.
MARK_PLOTS_JS = "() => document.querySelectorAll('.js-plotly-plot').forEach(gd => gd.__seen = 1)"
NEW_PLOTS_JS = "() => [...document.querySelectorAll('.js-plotly-plot')].filter(gd => !gd.__seen).length"


def _draw_calls(coverage: list[dict]) -> int:
    """Calls of plotly's drawData (one per whole draw of a chart) in the precise coverage."""
    found = [fn["ranges"][0]["count"] for script in coverage if "PlotlyChart" in script["url"]
             for fn in script["functions"] if fn["functionName"].endswith(".drawData")]
    assert found, "plotly's drawData is not in Streamlit's PlotlyChart bundle: update this"
    return sum(found)


@pytest.mark.parametrize("url_path", list(DRAWN_ONCE))
def test_a_slider_move_draws_each_changed_chart_once(page, page_log, app_url, url_path):
    """figures.for_screen: with Streamlit's theme, typed arrays or no data revision, plotly drew
    every changed chart twice per move (the second a Plotly.react on Streamlit's restyled copy),
    and more where a margin grew. Counted with Chromium's precise coverage: calls of plotly's
    drawData against the charts Streamlit replaced."""
    page.set_viewport_size({"width": 1400, "height": 1000})
    open_page(page, f"{app_url}/{url_path}")
    page.wait_for_selector(CHART, timeout=LOAD_TIMEOUT)
    wait_for_app_idle(page, timeout=LOAD_TIMEOUT)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Profiler.enable")
    cdp.send("Profiler.startPreciseCoverage", {"callCount": True, "detailed": False})
    cdp.send("Profiler.takePreciseCoverage")  # counts from here on
    slider = page.locator(f".st-key-{DRAWN_ONCE[url_path]} input[type=range]").first
    for key in ("ArrowRight", "ArrowLeft"):  # a new value, then back
        page.evaluate(MARK_PLOTS_JS)
        slider.focus()
        page.keyboard.press(key)
        page.wait_for_function(NEW_PLOTS_JS.replace("length", "length > 0"),
                               timeout=CHANGE_TIMEOUT)
        wait_for_app_idle(page, timeout=LOAD_TIMEOUT)
        page.wait_for_timeout(300)  # a margin that grows redraws after the first draw
        replaced = page.evaluate(NEW_PLOTS_JS)
        draws = _draw_calls(cdp.send("Profiler.takePreciseCoverage")["result"])
        assert draws == replaced, (url_path, key, f"{draws} draws of {replaced} new charts")
    cdp.send("Profiler.stopPreciseCoverage")
    assert_no_exception(page)
    page_log.assert_clean()
