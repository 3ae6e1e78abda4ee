"""The real app in a real browser: every page in both languages, a keyboard slider move, deep
links (also as the first request a fresh server gets), the language switch, blocked foreign hosts.

Screenshots of every page land in artifacts/screenshots/<page>-<lang>.png (full content). Every
wait is for the expected change, with generous timeouts: CI machines are small and busy.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from urllib.parse import quote, unquote

import numpy as np
import pytest

from bench.browserlib import StreamlitServer, screenshot, wait_for_app_idle
from derivs.softmax import softmax
from derivs_app.i18n import LANGUAGES, t
from derivs_app.views.softmax import CUSTOM_LOGITS

ROOT = Path(__file__).resolve().parents[2]
CHART = ".js-plotly-plot .main-svg"
LOAD_TIMEOUT = 90_000  # a first run on a busy 2-core machine imports numpy, scipy, sympy, plotly
CHANGE_TIMEOUT = 45_000
TITLES = {"home": "app.title", "softmax": "smx.title", "losses": "loss.title"}


def _pages() -> list[tuple[str, str]]:
    """(url path, page file) for each entry of app.py's PAGES, read without running app.py."""
    tree = ast.parse((ROOT / "app.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "PAGES":
            return [(url, path) for path, _, url, _ in ast.literal_eval(node.value)]
    raise AssertionError("app.py has no PAGES list")


PAGES = _pages()


def _draws_charts(page_file: str) -> bool:
    """A page whose source draws a chart (through ui.chart or st.plotly_chart) must show one."""
    source = (ROOT / page_file).read_text()
    return bool(re.search(r"\bui\.chart\(|plotly_chart\(", source))


def chart_values(key: str, axis: str = "y", trace: int = 0) -> str:
    """JS: the values of one trace of the chart with this key (plotly keeps decoded base64
    arrays in _inputArray)."""
    return f"""() => {{
      const gd = document.querySelector('.st-key-{key} .js-plotly-plot');
      if (!gd || !gd.data || !gd.data[{trace}]) return null;
      const v = gd.data[{trace}].{axis};
      return Array.from(v._inputArray || v);
    }}"""


def shown_chart(page, key: str, timeout: float = LOAD_TIMEOUT) -> np.ndarray:
    """The values of the chart with this key once it is drawn (while Streamlit swaps the chart
    element during a redraw, there is none to read)."""
    page.wait_for_function(f"() => ({chart_values(key)})() !== null", timeout=timeout)
    return np.array(page.evaluate(chart_values(key)))


def open_page(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    wait_for_app_idle(page, timeout=LOAD_TIMEOUT)


def wait_for_charts(page, count: int = 1) -> None:
    page.wait_for_function(
        f"() => document.querySelectorAll('{CHART}').length >= {count}", timeout=LOAD_TIMEOUT
    )


def full_screenshot(page, name: str) -> Path:
    """The whole page: it scrolls inside stMain, so grow the viewport to its content first."""
    size = page.viewport_size
    height = page.evaluate(
        "() => document.querySelector('[data-testid=stMain]').scrollHeight"
    )
    page.set_viewport_size({"width": size["width"], "height": min(max(height, 600), 20_000)})
    page.wait_for_timeout(500)  # let the layout (and plotly's resize) settle
    try:
        return screenshot(page, name, full_page=False)
    finally:
        page.set_viewport_size(size)


def assert_no_exception(page) -> None:
    """No exception element, and no apology (ui.guarded's stand-in for one)."""
    exceptions = page.locator("[data-testid=stException]")
    assert exceptions.count() == 0, exceptions.first.inner_text()
    apologies = page.locator("[data-testid=stAlert]", has_text=re.compile("error id|错误编号"))
    assert apologies.count() == 0, apologies.first.inner_text()


def slider(key: str) -> str:
    return f".st-key-{key} input[type=range]"


def title(page) -> str:
    return page.locator("[data-testid=stMain] h1").first.inner_text().strip()


# --- every page, both languages ---------------------------------------------------------------


@pytest.mark.parametrize("lang", list(LANGUAGES))
@pytest.mark.parametrize(("url_path", "page_file"), PAGES, ids=[u for u, _ in PAGES])
def test_page_loads_draws_and_is_screenshotted(page, page_log, app_url, url_path, page_file,
                                               lang):
    query = f"?lang={quote(LANGUAGES[lang])}" if lang != "en" else ""
    path = "" if url_path == "home" else url_path
    open_page(page, f"{app_url}/{path}{query}")
    if _draws_charts(page_file):
        wait_for_charts(page)
        wait_for_app_idle(page, timeout=LOAD_TIMEOUT)
        assert page.locator(CHART).count() >= 1
    assert_no_exception(page)
    if url_path in TITLES:
        assert title(page) == t(TITLES[url_path], lang)
    shot = full_screenshot(page, f"{url_path}-{lang}")
    assert shot.stat().st_size > 5_000
    page_log.assert_clean()


# --- interaction ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url_path", "slider_key", "chart_key", "param"),
    [
        ("softmax", "smx_z0", "smx_probabilities_chart", "smx_z0=2.1"),
        ("losses", "loss_p0", "loss_bars", "loss_p0=0.6"),
    ],
)
def test_keyboard_slider_redraws_chart_and_updates_url(page, page_log, app_url, url_path,
                                                       slider_key, chart_key, param):
    open_page(page, f"{app_url}/{url_path}")
    before = shown_chart(page, chart_key).tolist()
    page.locator(slider(slider_key)).focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        f"(before) => {{ const now = ({chart_values(chart_key)})();"
        " return now !== null && JSON.stringify(now) !== JSON.stringify(before); }",
        arg=before, timeout=CHANGE_TIMEOUT,
    )
    page.wait_for_function(f"() => location.search.includes('{param}')", timeout=CHANGE_TIMEOUT)
    assert_no_exception(page)
    page_log.assert_clean()


def test_deep_link_restores_softmax_view(page, page_log, app_url):
    open_page(page, f"{app_url}/softmax?smx_n=5&smx_z0=3")
    shown = shown_chart(page, "smx_probabilities_chart")
    assert page.locator(slider("smx_z0")).input_value() == "3"
    assert page.locator("[data-testid=stSlider] input[type=range]").count() >= 5
    expected = softmax([3.0, *CUSTOM_LOGITS[1:5]])
    np.testing.assert_allclose(shown, expected, rtol=1e-12)
    assert "smx_z0=3" in page.url and "smx_n=5" in page.url
    assert_no_exception(page)
    page_log.assert_clean()


def test_custom_logits_survive_a_look_at_a_preset(page, page_log, app_url):
    """A learner sets a logit, peeks at a preset, and comes back: the logit is still theirs."""
    open_page(page, f"{app_url}/softmax?smx_z1=-3.5")
    assert page.locator(slider("smx_z1")).input_value() == "-3.5"

    def choose_preset(label: str) -> None:
        page.locator(".st-key-smx_preset input").first.click()
        page.get_by_role("option", name=label, exact=True).click()
        page.wait_for_function(f"() => location.search.includes('smx_preset={label}') "
                               f"|| '{label}' === 'custom'", timeout=CHANGE_TIMEOUT)
        wait_for_app_idle(page, timeout=LOAD_TIMEOUT)

    choose_preset("uniform")
    assert page.locator(slider("smx_z1")).count() == 0  # a preset shows its own logits
    choose_preset("custom")
    page.wait_for_selector(slider("smx_z1"), timeout=CHANGE_TIMEOUT)
    assert page.locator(slider("smx_z1")).input_value() == "-3.5"
    page.wait_for_function("() => location.search.includes('smx_z1=-3.5')",
                           timeout=CHANGE_TIMEOUT)
    wait_for_app_idle(page, timeout=LOAD_TIMEOUT)
    shown = shown_chart(page, "smx_probabilities_chart", CHANGE_TIMEOUT)
    np.testing.assert_allclose(shown, softmax([CUSTOM_LOGITS[0], -3.5, *CUSTOM_LOGITS[2:4]]),
                               rtol=1e-12)
    assert_no_exception(page)
    page_log.assert_clean()


def test_a_bad_link_is_reported_and_a_later_move_is_not(page, page_log, app_url):
    """Streamlit drops act=Nope and x0=abc silently; the page says so, once. A slider move
    afterwards (when the URL lags one run behind the widget) reports nothing."""
    open_page(page, f"{app_url}/activations?act=Nope&act_x0=abc")
    alerts = page.locator("[data-testid=stAlert]", has_text=t("common.bad_link", "en",
                                                              name="x", value="y")[:14])
    alerts.first.wait_for(timeout=LOAD_TIMEOUT)
    texts = sorted(alerts.all_inner_texts())
    assert len(texts) == 2 and "act = Nope" in texts[0] and "act_x0 = abc" in texts[1]
    page.locator(slider("act_x0")).focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => location.search.includes('act_x0=1.01')",
                           timeout=CHANGE_TIMEOUT)
    wait_for_app_idle(page, timeout=LOAD_TIMEOUT)
    # the probe's own report is gone with its rerun; the sidebar's stays until the page reruns
    assert not [x for x in alerts.all_inner_texts() if "act_x0" in x]
    assert_no_exception(page)
    page_log.assert_clean()


def test_switching_language_keeps_the_view(page, page_log, app_url):
    open_page(page, f"{app_url}/softmax?smx_z0=2.5")
    shown_chart(page, "smx_probabilities_chart")
    assert title(page) == t("smx.title", "en")
    page.locator("[data-testid=stSidebar] [data-testid=stRadio] label", has_text="中文").click()
    zh_title = t("smx.title", "zh")
    page.wait_for_function(
        "(want) => { const h = document.querySelector('[data-testid=stMain] h1');"
        " return h && h.innerText.trim() === want; }",
        arg=zh_title, timeout=CHANGE_TIMEOUT,
    )
    page.wait_for_function("() => location.search.includes('lang=zh')", timeout=CHANGE_TIMEOUT)
    wait_for_app_idle(page, timeout=LOAD_TIMEOUT)
    assert "smx_z0=2.5" in unquote(page.url)
    assert page.locator(slider("smx_z0")).input_value() == "2.5"
    assert_no_exception(page)
    page_log.assert_clean()


def test_foreign_requests_are_blocked(page, page_log, app_url):
    open_page(page, f"{app_url}/softmax")
    assert page_log.blocked == []  # the app asks for nothing outside this machine
    outcome = page.evaluate(
        "() => fetch('https://cdn.example.org/lib.js').then(() => 'loaded', e => 'failed')"
    )
    assert outcome == "failed"
    assert page_log.blocked_hosts == {"cdn.example.org"}
    page_log.assert_clean()


# --- a deep link as the very first request of a fresh server ---------------------------------


@pytest.fixture
def fresh_app_url():
    """A server of its own that has served nothing yet (Community Cloud after a wake-up)."""
    server = StreamlitServer(ROOT / "app.py", log_path=ROOT / "artifacts" / "logs" /
                             "streamlit-app-fresh.log")
    server.start(timeout=120)
    try:
        yield server.url
    finally:
        server.stop()


def test_deep_link_as_first_request_on_fresh_server(page, page_log, fresh_app_url):
    open_page(page, f"{fresh_app_url}/losses?lang={quote('中文')}&loss_p0=1.5")
    shown_chart(page, "loss_bars")
    # the run went through app.py: the sidebar's language picker and navigation are there
    picker = page.locator("[data-testid=stSidebar] [data-testid=stRadio]")
    assert picker.count() == 1 and "中文" in picker.inner_text()
    assert page.locator("[data-testid=stSidebarNav] a").count() == len(PAGES)
    assert title(page) == t("loss.title", "zh")
    assert page.locator(slider("loss_p0")).input_value() == "1.5"
    assert_no_exception(page)
    page_log.assert_clean()


def test_an_uncaught_error_shows_no_file_path_or_source_line(streamlit_server, page):
    """Guarded errors become an apology with an error id; an unguarded one gets Streamlit's bare
    notice (client.showErrorDetails = "none"). Neither shows a path, a line or the message."""
    url = streamlit_server(Path(__file__).parent / "apps" / "failing_app.py")
    page.goto(url)
    wait_for_app_idle(page)
    text = page.locator("[data-testid=stApp]").inner_text()
    assert text.count("error id") == 2, text
    for leak in ("failing_app.py", "/work", "Traceback", "line ", "inside a fragment",
                 "at the top level", "unguarded", "KeyError", "RuntimeError", "ValueError"):
        assert leak not in text, (leak, text)


def test_a_chinese_link_keeps_its_language_in_the_address_bar(page, page_log, app_url):
    """The copied link must open in Chinese for the next person too."""
    open_page(page, f"{app_url}/softmax?lang=zh&smx_n=6")
    assert title(page) == t("smx.title", "zh")
    page.wait_for_timeout(1500)  # the old bug: lang left the address bar within a second
    assert "lang=zh" in page.url and "smx_n=6" in page.url
    page.locator("[data-testid=stSidebar] [data-testid=stRadio] label", has_text="English").click()
    page.wait_for_function("() => !location.search.includes('lang=')", timeout=CHANGE_TIMEOUT)
    wait_for_app_idle(page, timeout=LOAD_TIMEOUT)
    assert title(page) == t("smx.title", "en") and "smx_n=6" in page.url
    assert_no_exception(page)
    page_log.assert_clean()


def test_a_refused_value_takes_its_companions_with_it(page, page_log, app_url):
    """?act=nope&act_alpha=0.5: the page shows Sigmoid (and says why); Sigmoid has no α, so the
    α leaves the link instead of lingering in every copy of it."""
    open_page(page, f"{app_url}/activations?act=nope&act_alpha=0.5&act_x0=2")
    page.locator("[data-testid=stAlert]", has_text="act = nope").first.wait_for(
        timeout=LOAD_TIMEOUT)
    page.wait_for_function("() => !location.search.includes('act_alpha')", timeout=CHANGE_TIMEOUT)
    assert "act_x0=2" in page.url and "act=" not in page.url.split("act_x0")[0]
    assert_no_exception(page)
    page_log.assert_clean()


# --- the walk that crashed the last release ---------------------------------------------------

WALK_OPTIONS = 5  # options tried per select box: the first, the last and some between


def _walk_selectbox(page, index: int) -> None:
    """Choose up to WALK_OPTIONS options of the index-th select box, one after another."""
    box = page.locator("[data-testid=stSelectbox]").nth(index)
    box.locator("input").first.click()
    options = page.get_by_role("option")
    count = options.count()
    picks = sorted({round(i * (count - 1) / max(WALK_OPTIONS - 1, 1)) for i in range(WALK_OPTIONS)})
    page.keyboard.press("Escape")
    for pick in picks:
        box = page.locator("[data-testid=stSelectbox]").nth(index)
        if not box.count():
            break
        box.locator("input").first.click()
        page.get_by_role("option").nth(pick).click()
        wait_for_app_idle(page, timeout=LOAD_TIMEOUT)
        assert_no_exception(page)


@pytest.mark.parametrize(("url_path", "page_file"), PAGES, ids=[u for u, _ in PAGES])
def test_sliders_at_their_end_then_every_chooser(page, page_log, app_url, url_path, page_file):
    """In the real browser: End on every slider, then walk each select box; then Home on every
    slider and walk again. Before the fix the lab raised StreamlitValueAboveMaxError here."""
    open_page(page, f"{app_url}/{'' if url_path == 'home' else url_path}")
    for key in ("End", "Home"):
        for i in range(page.locator("[data-testid=stSlider] [role=slider]").count()):
            handle = page.locator("[data-testid=stSlider] [role=slider]").nth(i)
            if not handle.count() or handle.get_attribute("aria-disabled") == "true":
                continue
            handle.focus()
            page.keyboard.press(key)
            wait_for_app_idle(page, timeout=LOAD_TIMEOUT)
            assert_no_exception(page)
        for i in range(page.locator("[data-testid=stSelectbox]").count()):
            _walk_selectbox(page, i)
    assert not page.locator("[data-testid=stAlert]", has_text="error id").count()
    page_log.assert_clean()
