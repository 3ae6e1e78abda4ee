"""The gradient-check lab page, run with AppTest (the page file alone, without app.py)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from derivs import CHECK_PRESETS, METHODS, numeric_derivative
from derivs_app.i18n import TEXT
from derivs_app.views.bugs import BUGS
from derivs_app.views.lab import ERROR_FLOOR, TARGETS
from tests.apptest_support import assert_clean, decode, markdown_tables, open_page
from tests.apptest_support import chart_specs as charts

PAYLOAD_LIMIT = 150_000  # bytes of plotly JSON per page (the brief's budget)


def run_page(lang: str = "en", **params) -> AppTest:
    return open_page("gradcheck", lang, **params)


def readouts(at: AppTest) -> list[str]:
    """Every bold number readout on the page, as shown."""
    found = [re.fullmatch(r"\*\*([^*]+)\*\*", m.value) for m in at.markdown]
    return [r.group(1) for r in found if r]


def readout(at: AppTest) -> tuple[float, float]:
    """(numerical, analytic) as displayed by the main check (the first two readouts)."""
    return tuple(float(v) if v != "—" else np.nan for v in readouts(at)[:2])


def table(at: AppTest, column: str):
    return next(frame for frame in markdown_tables(at) if column in frame.columns)


def shown(value: float) -> float:
    """A float as the page prints it (15 significant digits)."""
    return float(f"{value:.15g}")


# --- renders everywhere ----------------------------------------------------------------------


def test_default_view_renders_and_its_numbers_come_from_the_core():
    at = run_page()
    assert_clean(at)
    sigmoid = TARGETS["sigmoid"]
    numerical, analytic = readout(at)
    assert numerical == shown(numeric_derivative(sigmoid.f, np.array([0.5]), "central")[0])
    assert analytic == shown(sigmoid.df(np.array([0.5]))[0])
    assert any("Passes" in s.value for s in at.success)


@pytest.mark.parametrize("name", TARGETS)
def test_every_target_renders_with_core_numbers(name):
    target = TARGETS[name]
    at = run_page(gc_target=target.label)
    assert_clean(at)
    assert at.selectbox(key="gc_target").value == name
    numerical, analytic = readout(at)
    x = np.array([target.x_default])
    assert analytic == shown(target.df(x)[0])
    assert numerical == shown(numeric_derivative(target.f, x, "central")[0])


@pytest.mark.parametrize("method", METHODS)
def test_every_method_renders(method):
    at = run_page()
    at.selectbox(key="gc_method").set_value(method).run()
    assert_clean(at)
    numerical, _ = readout(at)
    sigmoid = TARGETS["sigmoid"]
    assert numerical == shown(numeric_derivative(sigmoid.f, np.array([0.5]), method)[0])
    assert at.selectbox(key="gc_preset").value == "custom"


@pytest.mark.parametrize("preset", CHECK_PRESETS)
def test_every_preset_sets_its_method_and_step(preset):
    p = CHECK_PRESETS[preset]
    at = run_page()
    at.selectbox(key="gc_preset").set_value(preset).run()
    assert_clean(at)
    assert at.selectbox(key="gc_method").value == p.method
    assert at.toggle(key="gc_hdef").value is False
    settings = next(m.value for m in at.markdown if m.value.startswith("Checking at"))
    assert f"h = {p.h:.3g}" in settings
    numerical, _ = readout(at)
    sigmoid = TARGETS["sigmoid"]
    assert numerical == shown(numeric_derivative(sigmoid.f, np.array([0.5]), p.method, h=p.h)[0])
    # touching the method afterwards makes the check the learner's own again
    at.selectbox(key="gc_method").set_value("five_point").run()
    assert at.selectbox(key="gc_preset").value == "custom"


def test_presets_table_lists_every_library():
    at = run_page()
    rows = table(at, "Passes if")
    assert list(rows["Settings"]) == [p.label for p in CHECK_PRESETS.values()]
    assert set(rows["Verdict"]) == {"✓ pass"}
    # a rule's own pipes (|a − n|) survive the markdown table as text, not as cell borders
    assert rows["Passes if"][0] == "|a − n| ≤ 1e-05 + 0.001·|n|"
    assert len(rows.columns) == 7


@pytest.mark.parametrize("log_h", [-16.0, 0.0])
@pytest.mark.parametrize("method", ["forward", "central"])
def test_step_slider_extremes(log_h, method):
    # at x = 2 the spacing of floats is 4.4e-16, so x ± 1e-16 rounds back to x
    at = run_page(gc_xe="2", gc_method=METHODS[method].label, gc_hdef="false",
                  gc_logh=str(log_h))
    assert_clean(at, errors_expected=True)
    assert at.slider(key="gc_logh").value == log_h
    if log_h == -16.0:  # x + h rounds back to x: the page says so rather than show nan
        assert any("lost to rounding" in w.value for w in at.warning)


@pytest.mark.parametrize("name", ["loss_cross_entropy", "loss_binary_cross_entropy", "relu6"])
def test_point_slider_extremes(name):
    target = TARGETS[name]
    for end in target.x_range:
        at = run_page(gc_target=target.label)
        at.slider(key="gc_x").set_value(end).run()
        assert_clean(at, errors_expected=True)
        _, analytic = readout(at)
        assert analytic == shown(target.df(np.array([end]))[0])


def test_leaving_the_domain_is_explained():
    bce = TARGETS["loss_binary_cross_entropy"]
    at = run_page(gc_target=bce.label, gc_x="0.95", gc_hdef="false", gc_logh="0.0")
    assert_clean(at, errors_expected=True)
    assert any("outside its domain" in w.value for w in at.warning)


def test_float32_on_and_off():
    at = run_page()
    at.toggle(key="gc_f32").set_value(True).run()
    assert_clean(at, errors_expected=True)
    assert any("float32" in m.value for m in at.markdown if m.value.startswith("Checking at"))
    names = {trace.get("name") for trace in charts(at)[0]["data"]}
    assert "complex step" not in names and "central" in names
    at.selectbox(key="gc_method").set_value("complex_step").run()
    assert_clean(at, errors_expected=True)
    assert any("float64 only" in w.value for w in at.warning)
    at.toggle(key="gc_f32").set_value(False).run()
    assert_clean(at)


def test_error_chart_is_log_log_with_floor_and_best_steps():
    at = run_page()
    fig = charts(at)[0]
    assert fig["layout"]["xaxis"]["type"] == "log" and fig["layout"]["yaxis"]["type"] == "log"
    lines = {t["name"]: t for t in fig["data"] if t.get("name")}
    assert set(lines) == {m.label for m in METHODS.values()}
    complex_step = decode(lines["complex step"]["y"])
    assert np.nanmin(complex_step) == pytest.approx(ERROR_FLOOR, rel=1e-6)  # zeros clipped
    (stars,) = [t for t in fig["data"] if t.get("marker", {}).get("symbol") == "star"]
    assert stars["customdata"] == list(lines)  # one star per method
    for name, h_best, err_best in zip(stars["customdata"], stars["x"], stars["y"], strict=True):
        # each star sits on its method's curve, at that curve's smallest error
        curve_h, curve_err = decode(lines[name]["x"]), decode(lines[name]["y"])
        at_best = np.nanargmin(curve_err)
        assert err_best == pytest.approx(float(curve_err[at_best]), rel=1e-6)
        assert h_best == pytest.approx(float(curve_h[at_best]), rel=1e-6)
    dotted = [t for t in fig["data"] if t.get("line", {}).get("dash") == "dot"]
    assert dotted, "theoretical slope guides are drawn"
    orders = {METHODS[m].label: METHODS[m].order for m in METHODS}
    for guide in dotted:
        # each segment (NaN-separated) rises on log-log axes with the slope its hover names
        h, err, slope = decode(guide["x"]), decode(guide["y"]), decode(guide["customdata"])
        ok = np.isfinite(h) & np.isfinite(err)
        seen = set()
        for i in np.flatnonzero(ok[:-1] & ok[1:]):
            measured = np.log10(err[i + 1] / err[i]) / np.log10(h[i + 1] / h[i])
            assert measured == pytest.approx(slope[i], abs=1e-3)
            seen.add(float(slope[i]))
        group = next(t["name"] for t in fig["data"]
                     if t.get("legendgroup") == guide["legendgroup"] and t.get("name"))
        assert orders[group] in seen  # the truncation slope is the method's order


def test_payload_stays_within_budget():
    at = run_page(gc_reveal="true")
    total = sum(len(c.proto.spec) for c in at.get("plotly_chart"))
    assert 0 < total <= PAYLOAD_LIMIT, total


# --- deep links, languages ---------------------------------------------------------------------


def test_deep_link_restores_the_view():
    bug = BUGS["tanh_no_square"]
    at = run_page(gc_target="ReLU", gc_xe="5e-07", gc_method="five-point (Richardson)",
                  gc_hdef="false", gc_logh="-4.0", gc_f32="true", gc_kink="Hardtanh",
                  gc_kprobe="k + 0.5h", gc_bug=bug.label, gc_bx="1", gc_bm="forward",
                  gc_reveal="true")
    assert_clean(at, errors_expected=True)
    assert at.selectbox(key="gc_target").value == "relu"
    assert at.number_input(key="gc_xe").value == 5e-7
    assert at.selectbox(key="gc_method").value == "five_point"
    assert at.toggle(key="gc_hdef").value is False and at.slider(key="gc_logh").value == -4.0
    assert at.toggle(key="gc_f32").value is True
    assert at.selectbox(key="gc_kink").value == "hardtanh"
    assert at.selectbox(key="gc_kprobe").value == "right_half"
    assert at.selectbox(key="gc_bug").value == bug.name
    assert at.number_input(key="gc_bx").value == 1.0
    assert at.selectbox(key="gc_bm").value == "forward"
    english = TEXT[bug.explanation_key][0]
    assert any(s.value == english for s in at.success)
    assert any("x = 5e-07" in m.value for m in at.markdown)


def test_chinese_renders_every_section():
    at = run_page("zh", gc_reveal="true")
    assert_clean(at)
    assert at.title[0].value == TEXT["nav.gradcheck"][1]
    headers = [h.value for h in at.header]
    for key in ("gc.check_title", "gc.step_title", "gc.kink_title", "gc.bug_title",
                "gc.export_title"):
        assert TEXT[key][1] in headers
    assert any(s.value == TEXT[BUGS["mse_half"].explanation_key][1] for s in at.success)


def test_a_chinese_link_opens_the_same_view_in_english():
    """Widget options are language-neutral, so the URL means the same in both languages."""
    zh = run_page("zh", gc_target="Softsign", gc_preset="JAX check_grads")
    en = run_page("en", gc_target="Softsign", gc_preset="JAX check_grads")
    assert_clean(zh)
    assert_clean(en)
    assert readout(zh) == readout(en)


# --- kink explorer, find the bug, export ------------------------------------------------------


def test_kink_explorer_shows_a_failing_check_and_says_why():
    at = run_page()
    rows = table(at, "Points and kink")
    assert list(rows["Where"]) == ["k", "k − 0.5h", "k + 0.5h", "k + 3h"]
    on_kink = rows.iloc[0]
    assert on_kink["numerical"] == "0.5" and on_kink["analytic"] == "0"
    assert on_kink["Verdict"] == "✗ fail" and on_kink["Points and kink"] == "straddles the kink"
    half_step = rows.iloc[2]
    assert half_step["numerical"] == "0.75" and half_step["Verdict"] == "✗ fail"
    assert rows.iloc[3]["Verdict"] == "✓ pass"
    assert any("reach across the kink" in m.value for m in at.markdown)


def test_bug_check_fails_on_screen_where_it_should():
    bug = BUGS["sigmoid_via_output"]
    at = run_page(gc_bug=bug.label, gc_bx="40", gc_bm="complex step")
    assert_clean(at, errors_expected=True)
    assert any(e.value.startswith("Fails") for e in at.error)
    values = readouts(at)
    assert float(values[2]) == shown(bug.correct_df(np.array([40.0]))[0])  # numerical
    assert float(values[3]) == 0.0  # the buggy analytic value
    assert not any(s.value == TEXT[bug.explanation_key][0] for s in at.success)
    at.toggle(key="gc_reveal").set_value(True).run()
    assert any(s.value == TEXT[bug.explanation_key][0] for s in at.success)
    at.selectbox(key="gc_bug").set_value("tanh_no_square").run()
    assert at.toggle(key="gc_reveal").value is False  # a new suspect starts unsolved


def test_export_shows_runnable_code_for_the_current_check():
    at = run_page(gc_target="tanh", gc_export="true")  # the export expander, opened by the link
    codes = [c.value for c in at.code]
    numpy_code = next(c for c in codes if "Gradient check: tanh" in c and "torch" not in c)
    compile(numpy_code, "check.py", "exec")
    assert "def tanh_df" in numpy_code
    assert any("torch.autograd.gradcheck(" in c for c in codes)


@pytest.mark.parametrize("exact", ["1e308", "-1e308", "1e-300", "0"])
def test_extreme_exact_points_give_messages_not_tracebacks(exact):
    at = run_page(gc_target="Softplus", gc_xe=exact)
    assert_clean(at, errors_expected=True)
    if abs(float(exact)) > 1e300:  # no step up to 1 survives x + h: those curves are missing
        infos = [i.value for i in at.info]
        assert any("every step from 1e-16 to 1 is lost" in i and "central" in i for i in infos)
    # the default step scales with |x|, so the main check still shows the core's numbers
    softplus = TARGETS["softplus"]
    x = np.array([float(exact)])
    assert readout(at) == (shown(numeric_derivative(softplus.f, x, "central")[0]),
                           shown(softplus.df(x)[0]))
