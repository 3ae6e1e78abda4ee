"""The app builds its figures without plotly's property check (figures.VALIDATE = False, for
speed); every test builds them with it (conftest). Here: the check is really on in tests, and
skipping it changes nothing a browser receives, on every page."""

from __future__ import annotations

import json

import plotly.graph_objects as go
import pytest
from apptest_support import ROOT, assert_clean, chart_specs
from streamlit.testing.v1 import AppTest

import derivs_app.figures as figures
from derivs_app import ui

PAGES = ["activations", "softmax", "losses", "gradcheck", "backprop", "backprop_network",
         "backprop_depth", "backprop_train", "playground"]


def test_the_suite_validates_figures_and_catches_a_wrong_property():
    assert figures.VALIDATE is True
    with pytest.raises(ValueError, match="colour"):
        figures._figure([dict(type="scatter", x=[0], y=[0], colour="red")], {})


def test_the_app_skips_the_check(monkeypatch):
    monkeypatch.setattr(figures, "VALIDATE", False)
    # no check: a wrong property passes through (which is why the suite validates every figure)
    fig = figures._figure([dict(type="scatter", x=[0], y=[0], colour="red")], {})
    assert isinstance(fig, go.Figure)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("lang, present", [("en", False), ("zh", False), ("en", True)])
def test_unvalidated_figures_send_the_same_charts(page, lang, present, monkeypatch):
    validated = run(page, lang, present)
    assert_clean(validated)
    monkeypatch.setattr(figures, "VALIDATE", False)
    fast = run(page, lang, present)
    assert_clean(fast)
    specs, fast_specs = chart_specs(validated), chart_specs(fast)
    assert specs, f"{page} drew no chart"
    assert [canonical(s) for s in fast_specs] == [canonical(s) for s in specs]


def run(page: str, lang: str, present: bool) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state[ui.PRESENT] = present  # as app.py's toggle would (dark, 18 px charts)
    return at.run()


def canonical(spec: dict) -> str:
    """The spec as plotly.js reads it: key order aside, an empty list of shapes or annotations
    is none (the check drops empty shapes), and a template of type stubs is no template."""
    layout = {k: v for k, v in spec["layout"].items() if v != []}
    template = layout.get("template", {})
    stubs = all(t == {"type": kind} for kind, ts in template.get("data", {}).items() for t in ts)
    if not template.get("layout") and stubs:  # the check writes {"scatter": [{"type": ...}]}
        layout["template"] = {}
    return json.dumps({**spec, "layout": layout}, sort_keys=True)
