"""The app builds its figures without plotly's property check (figures.VALIDATE = False, for
speed); every test builds them with it (conftest). Here: the check is really on in tests, and
skipping it changes nothing a browser receives, on every page."""

from __future__ import annotations

import json

import numpy as np
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


# --- figures.for_screen: what the browser gets, drawn once per change -----------------------


def _sent(fig) -> dict:
    """The figure JSON as st.plotly_chart sends it (Streamlit: to_dict, then plotly.io.to_json)."""
    import plotly.io as pio

    return json.loads(pio.to_json(fig.to_dict(), validate=False))


def _regions(p1, points=None):
    rng = np.random.default_rng(0)
    points = rng.normal(size=(40, 2)) if points is None else points
    return figures.decision_regions_figure(
        np.linspace(-1, 1, p1.shape[1]), np.linspace(-2, 2, p1.shape[0]), p1, points,
        np.arange(len(points)) % 2, class_names=["a", "b"], p_name="P", title="T")


def test_for_screen_sends_plain_lists_no_template_and_the_same_numbers():
    p1 = np.random.default_rng(1).uniform(size=(30, 20))
    fig = _regions(p1)
    spec = _sent(figures.for_screen(fig))
    assert "template" not in spec["layout"]
    heatmap = next(t for t in spec["data"] if t["type"] == "heatmap")
    # lists, not base64 typed arrays: plotly.js compares typed arrays as always changed
    assert isinstance(heatmap["z"], list) and isinstance(heatmap["z"][0], list)
    # the numbers are the figure's own (float32: 8 significant digits kept of its ~7)
    np.testing.assert_allclose(np.array(heatmap["z"]), p1, rtol=2e-7, atol=0)
    np.testing.assert_allclose(heatmap["x"], np.linspace(-1, 1, 20), rtol=2e-7, atol=1e-7)
    points = [t for t in spec["data"] if t["type"] == "scatter"]
    assert all(isinstance(t["x"], list) for t in points)


def test_the_data_revision_follows_the_data_and_nothing_else():
    p1 = np.random.default_rng(2).uniform(size=(10, 10))
    revision = _sent(figures.for_screen(_regions(p1)))["layout"]["datarevision"]
    assert _sent(figures.for_screen(_regions(p1.copy())))["layout"]["datarevision"] == revision
    moved = p1.copy()
    moved[3, 4] = np.nextafter(np.float32(moved[3, 4]), np.float32(2))  # one float32 step
    assert _sent(figures.for_screen(_regions(moved)))["layout"]["datarevision"] != revision
    points = np.random.default_rng(0).normal(size=(40, 2))
    points[0, 0] += 0.5  # another trace's data
    assert _sent(figures.for_screen(_regions(p1, points)))["layout"]["datarevision"] != revision


def test_the_screen_style_fills_in_only_what_a_figure_leaves_unsaid():
    fig = figures.training_curves_figure(np.linspace(1, 0.1, 12), np.ones((12, 2)),
                                         loss_name="L", layer_names=["a", "b"], x="step",
                                         grad_y="g")
    own = fig.layout.to_plotly_json()
    layout = _sent(figures.for_screen(fig))["layout"]
    axes = [key for key in layout if key[1:5] == "axis"]
    assert {"xaxis", "xaxis2", "yaxis", "yaxis2"} <= set(axes)  # subplots: every axis styled
    for key in axes:
        assert layout[key]["automargin"] is True and layout[key]["ticks"] == ""
        for prop, value in own.get(key, {}).items():  # the figure's own settings win
            if not isinstance(value, dict):
                assert layout[key][prop] == value, (key, prop)
    assert layout["font"]["size"] == own["font"]["size"] and layout["font"]["family"]
    assert layout["margin"]["l"] == own["margin"]["l"] and layout["margin"]["pad"] == 8.5
    assert layout["title"]["font"]["weight"] == 700  # bold, as Streamlit's theme sets it


def test_a_large_figure_keeps_base64_arrays_to_stay_within_the_payload_budget():
    n = figures.LISTED_VALUES_MAX // 2 + 1  # x and y: just over the limit
    fig = figures._figure([dict(type="scatter", x=np.arange(n, dtype=np.float32),
                                y=np.ones(n, dtype=np.float32))], figures._layout())
    spec = _sent(figures.for_screen(fig))
    assert "bdata" in spec["data"][0]["x"] and "datarevision" not in spec["layout"]
    assert "template" not in spec["layout"] and spec["layout"]["xaxis"]["automargin"] is True
