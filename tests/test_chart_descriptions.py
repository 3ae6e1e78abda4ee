"""Charts that speak: every chart carries a text alternative written from its current data, in
the page's language, and it changes when the state does."""

from __future__ import annotations

import re

import numpy as np
import pytest

from derivs import ACTIVATIONS
from tests.apptest_support import open_page
from tests.widget_walk import PAGES


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("page", [p for p in PAGES if p != "home"])
def test_every_chart_has_a_description(page, lang):
    at = open_page(page, lang)
    charts = at.get("plotly_chart")
    assert charts or page == "playground"
    for chart in charts:
        assert len(chart.proto.alt) > 20, (page, chart.proto.alt)
        assert "<sub>" not in chart.proto.alt
        if lang == "zh":
            assert re.search(r"[\u4e00-\u9fff]", chart.proto.alt), chart.proto.alt


def test_the_activation_chart_says_its_numbers_and_follows_the_probe():
    at = open_page("activations", act="tanh", act_x0="1")
    alt = at.get("plotly_chart")[0].proto.alt
    assert "f′ peaks at 1 at x = 0" in alt
    value, slope = float(ACTIVATIONS["tanh"].f(1.0)), float(ACTIVATIONS["tanh"].df(1.0))
    assert f"f(x₀) = {value:.4g}, f′(x₀) = {slope:.4g}" in alt
    # tanh′ < 1% of its peak where sech² x < 0.01: |x| > arcsech(0.1) ≈ 2.99
    edge = float(np.arccosh(1 / np.sqrt(0.01)))
    beyond = float(re.search(r"\|x\| > (\d+(?:\.\d+)?)", alt).group(1))
    assert beyond == pytest.approx(edge, abs=0.02)
    at.slider(key="act_x0").set_value(-2.0).run()
    moved = at.get("plotly_chart")[0].proto.alt
    assert moved != alt and "Probe x₀ = -2" in moved


def test_a_softmax_chart_description_changes_with_the_logits():
    at = open_page("softmax")
    before = [c.proto.alt for c in at.get("plotly_chart")]
    at.slider(key="smx_z0").set_value(6.0).run()
    after = [c.proto.alt for c in at.get("plotly_chart")]
    assert before != after


@pytest.mark.parametrize(("page", "key"), [("backprop_train", "bpt_regions"),
                                           ("softmax", "smx_jacobian_chart"),
                                           ("activations", "act_fig")])
def test_show_the_data_renders_for_heatmaps_and_curves_alike(page, key):
    """A heatmap beside a scatter once broke the table (rows with different columns)."""
    at = open_page(page, **{f"{key}_data": "true"})
    assert not at.exception and not at.error, [e.value for e in at.error]
    tables = [m.value for m in at.markdown if m.value.startswith("| series")]
    assert tables, "the data table is shown"
