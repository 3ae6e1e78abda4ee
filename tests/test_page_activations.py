"""The Activations page (AppTest) and the small core helpers it draws from.

The page is run on its own (app.py's sidebar is not needed): widgets are set through the URL
before the first run, as a shared link would set them. Every number the page shows is read back
and compared with the core: the page may only display, never compute.
"""

from __future__ import annotations

import json
import math
import re
from functools import partial

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from derivs import ACTIVATIONS, METHODS, numeric_derivative
from derivs.activations import df_from_output, one_sided_slopes, output_form_collapse
from derivs.numeric import finite_difference_trouble
from derivs.symbolic import derivative_at_kink, slope_is_exactly_zero
from derivs_app.i18n import t
from derivs_app.views.activations import (
    activation_grid,
    flat_zones,
    peak,
    plot_grid,
    tangent_segment,
)
from tests.apptest_support import assert_clean, decode, open_page

KINKS = [(name, k.at) for name, act in ACTIVATIONS.items() for k in act.kinks]
WITH_PARAMS = [name for name, act in ACTIVATIONS.items() if act.params]


# --- helpers ----------------------------------------------------------------------------------


def run_page(query: dict | None = None, lang: str | None = None) -> AppTest:
    at = open_page("activations", lang or "en", **(query or {}))
    assert_clean(at)
    return at


def label(name: str) -> str:
    """A bound selectbox holds its formatted label in the URL."""
    return ACTIVATIONS[name].label


def charts(at: AppTest) -> dict[str, dict]:
    """Plotly specs by chart key (the element id ends with the key)."""
    return {c.proto.id.rsplit("-", 1)[-1]: json.loads(c.proto.spec)
            for c in at.get("plotly_chart")}


def trace(spec: dict, meta: str) -> dict:
    return next(t for t in spec["data"] if t.get("meta") == meta)


def table_values(at: AppTest, first_row: str) -> list[str]:
    """The backticked cells of the markdown table that contains first_row, in order."""
    text = next(m.value for m in at.markdown if first_row in m.value)
    return re.findall(r"\| `([^`]*)` \|", text)


def readout(at: AppTest) -> tuple[float, float, float | None]:
    """(f(x₀), analytic f′(x₀), numerical f′(x₀) or None when the page says it is not a number)."""
    cells = table_values(at, "| f(x₀) |")
    numerical = float(cells[2]) if len(cells) == 3 else None
    return float(cells[0]), float(cells[1]), numerical


def exact_probe(name: str, x0: float, **extra) -> dict:
    return {"act": label(name), "act_exact": "true", "act_x0n": repr(x0), **extra}


def assert_readout_is_core(at: AppTest, name: str, x0: float, method="central", h=None,
                           **params) -> None:
    act = ACTIVATIONS[name]
    value, analytic, numerical = readout(at)
    assert value == float(act.f(x0, **params))
    assert analytic == float(act.df(x0, **params))
    expected = float(numeric_derivative(partial(act.f, **params), x0, method, h))
    if math.isfinite(expected):
        assert numerical == expected
    else:  # no silent NaN: the cell says so and a note explains why
        assert numerical is None
        assert any(w.value == t("act.step_lost", h=f"{h:.3g}", x0=f"{x0:g}") for w in at.warning)


# --- every activation, plotted as the core computes it -----------------------------------------


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_page_plots_the_core_curves(name):
    act = ACTIVATIONS[name]
    at = run_page({"act": label(name)})
    x = activation_grid(act)
    specs = charts(at)
    fig = specs["act_fig"]
    # f on the left subplot, f′ on the right one, both over the core's grid
    for meta, axis, expected in (("f", "x", act.f(x)), ("df", "x2", act.df(x))):
        curve = trace(fig, meta)
        assert curve.get("xaxis", "x") == axis
        np.testing.assert_allclose(decode(curve["x"]), x, rtol=1e-7, atol=1e-7)
        scale = max(1.0, float(np.max(np.abs(expected))))
        np.testing.assert_allclose(decode(curve["y"]), expected, rtol=1e-6, atol=1e-7 * scale)
    assert fig["layout"]["xaxis2"]["matches"] == "x"  # the two panels zoom together
    # the kinks are drawn where the record puts them, on both subplots
    for axis in ("x", "x2"):
        lines = [s["x0"] for s in fig["layout"].get("shapes", [])
                 if s.get("line", {}).get("dash") == "dot" and s["xref"] == axis]
        assert lines == [k.at for k in act.kinks]
    assert_readout_is_core(at, name, 1.0)


def test_flat_zones_are_shaded_where_the_core_says():
    at = run_page({"act": label("relu")})
    act = ACTIVATIONS["relu"]
    x = activation_grid(act)
    bands = [(s["x0"], s["x1"]) for s in charts(at)["act_fig"]["layout"]["shapes"]
             if s["type"] == "rect" and s["xref"] == "x2"]
    assert bands == flat_zones(x, act.df(x), 0.01) == [(-3.0, 0.0)]


# --- every slider at its ends -------------------------------------------------------------------


@pytest.mark.parametrize("end", ["low", "high"])
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_every_slider_at_its_ends(name, end):
    """x₀ at the slider's end (with the range widened ×1 or ×10), h at 1e-16 or 1, parameters
    at their low or high end: the page renders and its numbers are the core's."""
    act = ACTIVATIONS[name]
    widen, h = (1, 1e-16) if end == "low" else (10, 1.0)
    x = activation_grid(act, widen)
    x0 = float(x[0] if end == "low" else x[-1])
    params = {p.name: (p.low if end == "low" else p.high) for p in act.params}
    query = {"act": label(name), "act_zoom": f"×{widen}", "act_x0": repr(x0),
             "act_hset": "true", "act_h": f"{h:g}"}
    query |= {f"act_{k}": repr(v) for k, v in params.items()}
    at = run_page(query)
    assert at.slider(key="act_x0").value == x0
    assert at.select_slider(key="act_h").value == h
    assert_readout_is_core(at, name, x0, "central", h, **params)


# --- far out and at the kinks -------------------------------------------------------------------


@pytest.mark.parametrize("x0", [-1000.0, 1000.0])
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_exact_x0_at_1000_gives_finite_numbers(name, x0):
    at = run_page(exact_probe(name, x0))
    value, analytic, numerical = readout(at)
    assert all(math.isfinite(v) for v in (value, analytic, numerical))
    assert_readout_is_core(at, name, x0)
    x = activation_grid(ACTIVATIONS[name])
    outside = t("act.outside", x0=f"{x0:g}", lo=f"{x[0]:g}", hi=f"{x[-1]:g}")
    assert any(i.value == outside + " " + t("act.too_far") for i in at.info)
    underflow_note = any(i.value == t("act.underflow") for i in at.info)
    truly_zero = slope_is_exactly_zero(name, x0, **ACTIVATIONS[name].defaults())
    assert underflow_note == (analytic == 0 and not truly_zero)


def test_underflow_is_explained_and_a_dead_relu_is_not():
    assert any(i.value == t("act.underflow") for i in run_page(exact_probe("sigmoid", 1000.0)).info)
    assert not any(i.value == t("act.underflow")
                   for i in run_page(exact_probe("relu", -1000.0)).info)


@pytest.mark.parametrize(("name", "at_x"), KINKS)
def test_kink_shows_both_slopes_and_the_conventions(name, at_x):
    act = ACTIVATIONS[name]
    at = run_page(exact_probe(name, at_x))
    kink = next(k for k in act.kinks if k.at == at_x)
    assert_readout_is_core(at, name, at_x)
    assert any(t("act.side_" + kink.side) in w.value for w in at.warning)  # the "at a kink" note

    expander = next(e for e in at.expander if e.label == t("act.kink_at", at=f"{at_x:g}"))
    assert expander.proto.expanded
    libraries = next(m.value for m in expander.markdown if t("act.slope_left") in m.value)
    left, right = one_sided_slopes(act, at_x)
    cells = re.findall(r"\| `([^`]*)` \|", libraries)
    assert [float(c) for c in cells] == [left, right, float(act.df(at_x)),
                                         derivative_at_kink(name, at_x)]
    for library, value in kink.elsewhere:
        assert f"| {library} | {value} |" in libraries
    differences = next(m.value for m in expander.markdown if "central" in m.value)
    assert [float(c) for c in re.findall(r"\| `([^`]*)` \|", differences)] == [
        float(numeric_derivative(act.f, at_x, m)) for m in ("backward", "central", "forward")]


def test_central_difference_at_relu_kink_is_one_half_on_screen():
    at = run_page(exact_probe("relu", 0.0))
    assert readout(at)[1:] == (0.0, 0.5)
    assert any("**0.5**" in m.value for m in at.markdown)


# --- URL, language, readouts --------------------------------------------------------------------


def test_a_link_restores_the_view():
    at = run_page({"act": label("elu"), "act_x0": "-1.5", "act_alpha": "2.0",
                   "act_method": METHODS["five_point"].label, "act_overlay": "true",
                   "act_compare": [label("gelu"), label("mish")]})
    assert at.selectbox(key="act").value == "elu"
    assert at.slider(key="act_x0").value == -1.5
    assert at.slider(key="act_alpha").value == 2.0
    assert at.selectbox(key="act_method").value == "five_point"
    assert at.toggle(key="act_overlay").value
    assert at.multiselect(key="act_compare").value == ["gelu", "mish"]
    assert set(charts(at)) == {"act_fig", "act_fig_compare"}
    assert len(charts(at)["act_fig"]["layout"].get("annotations", [])) == 0  # one panel
    assert_readout_is_core(at, "elu", -1.5, "five_point", alpha=2.0)


@pytest.mark.parametrize("overlay", [False, True])
def test_probe_and_tangent_sit_on_the_curves(overlay):
    """The probe's markers are (x₀, f(x₀)) and (x₀, f′(x₀)) on their own subplots, and the
    tangent on f has slope f′(x₀) through the probe point."""
    act, x0 = ACTIVATIONS["softplus"], 1.7
    query = {"act": label("softplus"), "act_x0": str(x0)}
    fig = charts(run_page({**query, "act_overlay": "true"} if overlay else query))["act_fig"]
    f0, df0 = float(act.f(x0)), float(act.df(x0))
    for meta, value, axis in (("probe_f", f0, "x"), ("probe_df", df0, "x" if overlay else "x2")):
        marker = trace(fig, meta)
        assert marker["x"] == [x0] and marker["y"] == [value]
        assert marker.get("xaxis", "x") == axis
    tangent = trace(fig, "tangent")
    assert tangent.get("xaxis", "x") == "x"
    xs, ys = decode(tangent["x"]), decode(tangent["y"])
    assert (ys[1] - ys[0]) / (xs[1] - xs[0]) == pytest.approx(df0, rel=1e-12)
    assert ys[0] + df0 * (x0 - xs[0]) == pytest.approx(f0, rel=1e-12)


def test_chinese_renders():
    at = run_page({"act": label("relu"), "act_x0": "0.0"}, lang="zh")
    assert at.title[0].value == t("act.title", "zh") == "激活函数及其导数"
    assert any(e.label == t("act.kink_at", "zh", at="0") for e in at.expander)
    assert_readout_is_core(at, "relu", 0.0)
    # sympy's Piecewise speaks English; the Chinese page shows its conditions in Chinese
    formulas = [m.value for m in at.latex]
    df_shown = next(f for f in formulas if "f'(x) =" in f)
    assert r"\text{当}" in df_shown and r"\text{其他}" in df_shown
    assert "for" not in df_shown and "otherwise" not in df_shown


@pytest.mark.parametrize("method", METHODS)
def test_readout_for_every_method(method):
    at = run_page({"act": label("tanh"), "act_x0": "0.5", "act_method": METHODS[method].label})
    assert_readout_is_core(at, "tanh", 0.5, method)


def test_notes_form_collapses_at_40_on_screen():
    act = ACTIVATIONS["sigmoid"]
    at = run_page(exact_probe("sigmoid", 40.0))
    stable, notes = (float(v) for v in re.findall(
        r"`([^`]*)`", " ".join(m.value for m in at.markdown if m.value.startswith("at x₀ = 40"))))
    assert stable == float(act.df(40.0)) > 0
    assert notes == float(df_from_output(act, 40.0)) == 0.0
    spec = charts(at)["act_fig_via"]
    assert spec["layout"]["yaxis"]["type"] == "log"
    x = plot_grid(0.0, 60.0)
    np.testing.assert_array_equal(decode(trace(spec, "stable")["y"]), act.df(x))
    np.testing.assert_array_equal(decode(trace(spec, "notes")["y"]), df_from_output(act, x))
    # the finite difference is flat out there, and the page says so
    assert any(w.value.startswith(t("act.flat", h="0")[:20]) for w in at.warning)


def test_notes_form_chart_does_not_depend_on_the_probe():
    """It is drawn outside the probe's fragment, so a probe move must not be able to change it:
    the values at x₀ are written above it instead."""
    near, far = (charts(run_page(exact_probe("sigmoid", x0)))["act_fig_via"] for x0 in (1.0, 40.0))
    assert near == far


def test_compare_mode_plots_each_derivative():
    chosen = ["sigmoid", "tanh", "gelu", "relu6"]
    at = run_page({"act_compare": [label(n) for n in chosen]})
    spec = charts(at)["act_fig_compare"]
    for name in chosen:
        act = ACTIVATIONS[name]
        curve = trace(spec, act.label)
        x = decode(curve["x"]).astype(np.float64)
        np.testing.assert_allclose(decode(curve["y"]), act.df(x), rtol=1e-6, atol=1e-7)
    peaks = {t_["y"][0] for t_ in spec["data"] if t_.get("mode") == "markers+text"}
    assert {0.25, 1.0} <= peaks


def test_page_payload_stays_small():
    """Everything heavy at once: overlay off, notes' chart, every activation in compare mode."""
    at = run_page({"act_compare": [label(n) for n in ACTIVATIONS]})
    assert sum(len(c.proto.spec) for c in at.get("plotly_chart")) <= 150_000


def test_source_shown_is_the_code_that_runs():
    import inspect

    at = run_page({"act": label("silu")})
    shown = [c.value for c in at.code]
    act = ACTIVATIONS["silu"]
    assert shown[:2] == [inspect.getsource(act.df).rstrip(), inspect.getsource(act.f).rstrip()]


# --- the core helpers the page draws from ---------------------------------------------------------


def test_plot_grid_contains_the_kinks():
    x = plot_grid(-2.0, 8.0, [0.0, 6.0, 9.0], n=7)
    assert 0.0 in x and 6.0 in x and x.max() == 8.0 and np.all(np.diff(x) > 0)
    assert activation_grid(ACTIVATIONS["relu6"], 2)[[0, -1]].tolist() == [-4.0, 16.0]


def test_flat_zones():
    x = np.linspace(-8, 8, 601)
    sig = ACTIVATIONS["sigmoid"]
    zones = flat_zones(x, sig.df(x))
    assert len(zones) == 2 and zones[0][0] == -8.0 and zones[1][1] == 8.0
    # σ′ < 0.0025 exactly where |x| > 5.99…: the zones start on the first grid point past it
    assert -6.1 < zones[0][1] < -5.9 and 5.9 < zones[1][0] < 6.1
    assert flat_zones(x, np.zeros_like(x)) == []
    assert flat_zones(x, np.ones_like(x)) == []
    # a single grid point where the slope crosses 0 is not a zone
    assert flat_zones([0, 1, 2], [1.0, 0.0, 1.0]) == []


def test_one_sided_slopes():
    assert one_sided_slopes(ACTIVATIONS["relu"], 0.0) == (0.0, 1.0)
    assert one_sided_slopes(ACTIVATIONS["leaky_relu"], 0.0, alpha=0.2) == (0.2, 1.0)
    assert one_sided_slopes(ACTIVATIONS["hardtanh"], 1.0) == (1.0, 0.0)
    left, right = one_sided_slopes(ACTIVATIONS["elu"], 0.0, alpha=2.0)
    assert (left, right) == (2.0, 1.0)


def test_tangent_segment_touches_f_with_slope_df():
    xs, ys = tangent_segment(1.0, 2.0, 0.5, -4.0, 6.0)
    assert xs.tolist() == [-0.5, 2.5] and ys.tolist() == [1.25, 2.75]


def test_peak():
    x = np.linspace(-5, 5, 301)
    assert peak(x, ACTIVATIONS["sigmoid"].df(x)) == (0.0, 0.25)
    assert peak(x, ACTIVATIONS["tanh"].df(x)) == (0.0, 1.0)


def test_output_form_collapse():
    x = plot_grid(0.0, 60.0)
    sig_at = output_form_collapse(ACTIVATIONS["sigmoid"], x)
    tanh_at = output_form_collapse(ACTIVATIONS["tanh"], x)
    assert 36.5 < sig_at < 37.0 and 18.9 < tanh_at < 19.2
    assert output_form_collapse(ACTIVATIONS["sigmoid"], np.linspace(-60, 30, 91)) is None
    with pytest.raises(ValueError):
        df_from_output(ACTIVATIONS["relu"], 1.0)


def test_finite_difference_trouble():
    sig = ACTIVATIONS["sigmoid"].f
    assert finite_difference_trouble(sig, 1.0) is None
    assert finite_difference_trouble(sig, 40.0) == "flat"
    assert finite_difference_trouble(sig, 1000.0, "central", 1e-16) == "step_lost"
    assert finite_difference_trouble(sig, 1.0, "forward", 1e-17) == "step_lost"
    assert finite_difference_trouble(sig, 40.0, "complex_step") is None


def test_slope_is_exactly_zero_tells_dead_from_underflow():
    assert slope_is_exactly_zero("relu", -1000.0)
    assert slope_is_exactly_zero("relu", 0.0)  # the kink takes the left branch, as df does
    assert slope_is_exactly_zero("leaky_relu", -3.0, alpha=0.0)
    assert not slope_is_exactly_zero("leaky_relu", -3.0, alpha=0.01)
    assert not slope_is_exactly_zero("sigmoid", 1000.0)
    assert not slope_is_exactly_zero("selu", -1000.0)
    assert slope_is_exactly_zero("hardtanh", 5.0) and not slope_is_exactly_zero("hardtanh", 0.5)


@pytest.mark.parametrize(("name", "at_x"), KINKS)
def test_sympy_value_at_each_kink_is_the_numpy_convention(name, at_x):
    act = ACTIVATIONS[name]
    assert derivative_at_kink(name, at_x, **act.defaults()) == pytest.approx(
        float(act.df(at_x, **act.defaults())), rel=1e-15)
