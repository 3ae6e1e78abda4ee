"""The shell: app.py routes, the home page renders in both languages, text is complete."""

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from derivs.i18n import TEXT, language_from_locale, t

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
