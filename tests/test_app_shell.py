"""The shell: app.py routes, the home page renders in both languages, text is complete."""

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from derivs import ACTIVATIONS
from derivs.symbolic import activation_latex
from derivs_app.i18n import TEXT, language_from_locale, localized_latex, t
from derivs_app.views.playground import plain_markdown
from tests.apptest_support import BAD_LINK_PREFIXES, assert_clean, open_page

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{(\w+)")


def run_app(**query):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def test_app_renders_home_in_english_by_default():
    at = run_app()
    assert not at.exception
    assert at.title[0].value == t("app.title", "en")
    assert at.radio(key="lang").value == "en"
    # the corrected formulas come from the symbolic layer: MSE's 2/n is on screen
    assert any(r"\frac{2}{n} \left({\hat{y}}_{i} - {y}_{i}\right)" in latex.value
               for latex in at.latex)


def test_language_deep_link_opens_chinese():
    at = run_app(lang="中文")
    assert not at.exception
    assert at.radio(key="lang").value == "zh"
    assert at.title[0].value == t("app.title", "zh")


def test_language_code_in_a_link_works_too():
    at = run_app(lang="zh")
    assert_clean(at)
    assert at.radio(key="lang").value == "zh"
    assert at.title[0].value == t("app.title", "zh")


def refused(at) -> list[str]:
    return [w.value for w in at.warning if w.value.startswith(BAD_LINK_PREFIXES)]


def test_an_unknown_language_in_a_link_is_reported():
    at = run_app(lang="klingon")
    assert not at.exception
    assert at.radio(key="lang").value == "en"
    assert refused(at) == [t("common.bad_link", "en", name="lang", value="klingon")]


# One bad value per kind of URL-bound widget: Streamlit drops each silently; the page must say so.
BAD_LINKS = [
    ("activations", "act", "Nope"),  # selectbox: not an option
    ("activations", "act_x0", "abc"),  # slider: not a number
    ("activations", "act_x0", "1e9"),  # slider: out of range
    ("activations", "act_overlay", "maybe"),  # toggle
    ("activations", "act_compare", ["ReLU", "Nope"]),  # multiselect: one of two unknown
    ("softmax", "smx_T", "6"),  # select_slider: not one of its steps
    ("gradcheck", "gc_xe", "abc"),  # number input
    ("playground", "fn_hi", "1e9"),  # number input: out of range
]


@pytest.mark.parametrize(("page", "key", "value"), BAD_LINKS)
def test_a_link_value_the_page_cannot_use_is_reported(page, key, value):
    at = open_page(page, **{key: value})
    assert not at.exception
    shown = " & ".join(value) if isinstance(value, list) else value
    expected = t("common.bad_link", "en", name=key, value=plain_markdown(shown))
    assert refused(at) == [expected]
    # the same in Chinese
    zh = open_page(page, "zh", **{key: value})
    assert refused(zh) == [t("common.bad_link", "zh", name=key, value=plain_markdown(shown))]


def test_markdown_in_a_refused_link_value_is_shown_not_rendered():
    at = open_page("activations", act="[click](http://evil.example)")
    (warning,) = refused(at)
    assert r"\[click\]\(http\:\/\/evil\.example\)" in warning


def test_a_good_link_and_later_changes_raise_no_report():
    """Once a widget has state, the URL lags behind the user's own change for one run: that is
    not a refused link."""
    at = open_page("activations", act="ReLU", act_x0="2.5", act_overlay="true",
                   act_compare=[ACTIVATIONS["tanh"].label, ACTIVATIONS["gelu"].label])
    assert_clean(at)
    at.selectbox(key="act").set_value("tanh").run()
    at.slider(key="act_x0").set_value(-1.0).run()
    assert_clean(at)
    assert at.selectbox(key="act").value == "tanh"


def test_switching_language_rerenders_in_chinese():
    at = run_app()
    at.radio(key="lang").set_value("zh").run()
    assert not at.exception
    assert at.title[0].value == t("app.title", "zh")


def test_every_page_file_listed_in_app_exists():
    source = (ROOT / "app.py").read_text()
    listed = set(re.findall(r'"(pages/\w+\.py)"', source))
    on_disk = {f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py") if not p.name.startswith("_")}
    assert listed == on_disk


@pytest.mark.parametrize("key", sorted(TEXT))
def test_every_text_has_both_languages_with_the_same_placeholders(key):
    english, chinese = TEXT[key]
    assert english.strip() and chinese.strip()
    assert set(PLACEHOLDER.findall(english)) == set(PLACEHOLDER.findall(chinese))


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("zh-CN", "zh"), ("zh-TW", "zh"), ("ZH", "zh"), ("en-US", "en"), ("fr", "en"), (None, "en")],
)
def test_language_from_browser_locale(locale, expected):
    assert language_from_locale(locale) == expected


def test_unknown_text_key_is_visible_not_silent():
    assert t("no.such.key") == "⟦no.such.key⟧"


def test_piecewise_words_are_localized_and_nothing_else_changes():
    df = activation_latex("relu6")["df"]
    zh = localized_latex(df, "zh")
    assert zh.count(r"\text{当}") == df.count(r"\text{for}") == 2
    assert zh.count(r"\text{其他}") == df.count(r"\text{otherwise}") == 1
    # translating back gives the original: only the words changed, not the maths
    back = zh.replace(r"\text{当}", r"\text{for}").replace(r"\text{其他}", r"\text{otherwise}")
    assert back == df
    assert localized_latex(df, "en") == df


def test_an_unexpected_error_becomes_an_apology_with_the_id_the_server_logs(caplog):
    script = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from derivs_app import ui

@ui.fragment
def part():
    raise ValueError("secret in a fragment")

ui.guarded(lambda: 1 / 0)()
part()
"""
    at = AppTest.from_string(script, default_timeout=60).run()
    assert not at.exception
    shown = [e.value for e in at.error]
    assert len(shown) == 2 and all(s.startswith("Sorry: something went wrong") for s in shown)
    ids = [re.search(r"error id (\w+)", s).group(1) for s in shown]
    assert len(set(ids)) == 2 and not any("secret" in s or "division" in s for s in shown)
    logged = " ".join(r.getMessage() for r in caplog.records if r.name == "derivs_app")
    assert all(i in logged for i in ids) and "ZeroDivisionError" in logged and "secret" in logged
