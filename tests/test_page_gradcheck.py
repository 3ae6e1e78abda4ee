"""The gradient-check lab page, run with AppTest (the page file alone, without app.py)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from derivs import (
    CHECK_PRESETS,
    METHODS,
    directional_check,
    numeric_derivative,
    richardson_tableau,
)
from derivs_app.i18n import TEXT
from derivs_app.views.bugs import BUGS
from derivs_app.views.lab import DIRECTION_SUBJECTS, ERROR_FLOOR, TARGETS
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


def readouts_after(at: AppTest, start: int) -> list[str]:
    """The bold number readouts among the markdown elements after index start."""
    found = [re.fullmatch(r"\*\*([^*]+)\*\*", m.value) for m in list(at.markdown)[start + 1:]]
    return [r.group(1) for r in found if r]


#: Traces of the error-vs-step chart that are not a method's error line.
EXTRAS = ("band", "richardson", "richardson_value")


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
    lines = {t["name"]: t for t in fig["data"] if t.get("name") and t.get("meta") not in EXTRAS}
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
                "gc.export_title", *NEW_SECTIONS):
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
    # the bug's readouts are the two after "Your check:" (the lab's come first)
    start = next(i for i, m in enumerate(at.markdown) if m.value.startswith("Your check:"))
    values = [None, None, *readouts_after(at, start)[:2]]
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


# --- second edition: Richardson, the sin example, estimates, random directions, f″, fast mode --

NEW_SECTIONS = ("gc.rich_title", "gc.d2_title", "gc.dir_title")


def chart_with(at: AppTest, meta: str) -> dict:
    """The chart that has a trace with this meta."""
    return next(fig for fig in charts(at) if any(t.get("meta") == meta for t in fig["data"]))


def trace_with(fig: dict, meta: str) -> dict:
    return next(t for t in fig["data"] if t.get("meta") == meta)


def cells(trace: dict, field: str) -> np.ndarray:
    """A typed array with its shape (plotly sends shape as "r, c, k")."""
    raw = trace[field]
    values = decode(raw)
    shape = raw.get("shape") if isinstance(raw, dict) else None
    return values.reshape([int(n) for n in shape.split(",")]) if shape else values


def row_of(frame, column: str, value: str):
    return frame[frame[column] == value].iloc[0]


def test_new_sections_render_in_english_with_their_charts():
    at = run_page()
    assert_clean(at)
    headers = [h.value for h in at.header]
    for key in NEW_SECTIONS:
        assert TEXT[key][0] in headers
    for meta in ("tableau", "df", "band", "richardson"):
        chart_with(at, meta)  # each is drawn
    alts = [c.proto.alt for c in at.get("plotly_chart")]
    assert any(a.startswith("Richardson tableau for Sigmoid σ at x = 0.5") for a in alts)


@pytest.mark.parametrize("x", [0.5, 1e6])
def test_tableau_is_the_cores_and_its_best_entry_is_the_true_derivative(x):
    """The heatmap's cells are derivs.richardson_tableau's entries (every digit, in customdata);
    the framed entry is the core's choice, and it matches cos x to 50-digit mpmath."""
    import mpmath

    at = run_page(gc_target="sin", gc_xe=f"{x:g}")
    assert_clean(at, errors_expected=x > 1e3)  # central fails at 1e6 (the example below)
    sin = TARGETS["sin"]
    tab = richardson_tableau(sin.f, x)
    trace = trace_with(chart_with(at, "tableau"), "tableau")
    data = cells(trace, "customdata")
    rows, cols = data.shape[:2]
    np.testing.assert_array_equal(data[..., 0], tab.tableau[:rows, :cols])
    assert np.all(np.isnan(tab.tableau[rows:])) and np.all(np.isnan(tab.tableau[:, cols:]))
    np.testing.assert_array_equal(data[..., 2], tab.errors[:rows, :cols])
    (frame,) = chart_with(at, "tableau")["layout"]["shapes"]
    assert (frame["x0"] + 0.5, frame["y0"] + 0.5) == (tab.column, tab.row)
    with mpmath.workdps(50):
        truth = mpmath.cos(mpmath.mpf(x))
    best = data[tab.row, tab.column, 0]
    assert abs(mpmath.mpf(best) - truth) / abs(truth) <= 1e-12
    # the error colour is measured against the analytic derivative
    np.testing.assert_allclose(data[tab.row, tab.column, 1],
                               max(abs(best - np.cos(x)) / abs(np.cos(x)), ERROR_FLOOR))
    # beside it: value ± estimate and the analytic value
    assert any(m.value.startswith(f"**{shown(tab.value)}** ±") for m in at.markdown)
    # and on the error-vs-step chart: the steps the chosen entry extrapolates
    rungs = trace_with(charts(at)[0], "richardson")
    np.testing.assert_array_equal(decode(rungs["x"]), tab.steps[tab.row - tab.column:tab.row + 1])


def _sin_example_numbers(at: AppTest) -> dict:
    rows = table(at, "Estimate ≥ error")
    return {name: float(row_of(rows, "Method", name)["relative error"])
            for name in ("central", "Richardson (adaptive)", "complex step", "forward")}


def test_sin_at_1e6_example_shows_fixed_steps_failing_and_richardson_not():
    at = run_page(gc_example="sin_1e6")  # a link with the example alone fills in the rest
    assert_clean(at, errors_expected=True)
    assert at.selectbox(key="gc_target").value == "sin"
    assert at.number_input(key="gc_xe").value == 1e6
    assert at.selectbox(key="gc_method").value == "central"
    rel = _sin_example_numbers(at)
    assert 0.9 < rel["central"] < 1.2  # h = 6.06: almost a period
    assert rel["Richardson (adaptive)"] <= 1e-8 and rel["complex step"] <= 1e-8
    central = METHODS["central"].default_step(1e6)
    assert central == pytest.approx(6.0554544523933425) and central > 0.95 * 2 * np.pi
    story = next(i.value for i in at.info if i.value.startswith("**sin at x = 1e6.**"))
    assert "6.06" in story and "0.96 of a period" in story
    # the main check is central at its default step, and it fails
    numerical, analytic = readout(at)
    assert analytic == shown(np.cos(1e6))
    assert numerical == shown(numeric_derivative(np.sin, np.array([1e6]), "central")[0])
    assert any(e.value.startswith("Fails") for e in at.error)
    # central's own estimate is fooled too: it does not cover the error
    rows = table(at, "Estimate ≥ error")
    assert row_of(rows, "Method", "central")["Estimate ≥ error"] == "✗ no"
    assert row_of(rows, "Method", "Richardson (adaptive)")["Estimate ≥ error"] == "✓ yes"


def test_choosing_the_example_sets_the_controls_and_moving_x_leaves_it():
    at = run_page()
    at.selectbox(key="gc_example").set_value("sin_1e6").run()
    assert_clean(at, errors_expected=True)
    assert at.selectbox(key="gc_target").value == "sin"
    assert at.query_params["gc_example"] == "sin_1e6"
    assert _sin_example_numbers(at)["Richardson (adaptive)"] <= 1e-8
    at.number_input(key="gc_xe").set_value(2.0).run()
    assert at.selectbox(key="gc_example").value == "none"


def test_the_chinese_sin_example_has_the_same_numbers():
    at = run_page("zh", gc_example="sin_1e6")
    assert_clean(at, errors_expected=True)
    assert any(i.value.startswith("**x = 1e6 处的 sin。**") for i in at.info)
    headers = [h.value for h in at.header]
    assert all(TEXT[key][1] in headers for key in NEW_SECTIONS)


def test_estimate_bands_are_the_cores_full_output():
    at = run_page()
    fig = charts(at)[0]
    bands = [t for t in fig["data"] if t.get("meta") == "band"]
    assert [b["customdata"] for b in bands] == [["central"]]  # your method's band by default
    sigmoid = TARGETS["sigmoid"]
    _, est = numeric_derivative(sigmoid.f, np.full(161, 0.5), "central", h=np.logspace(-16, 0, 161),
                                full_output=True)
    upper = decode(bands[0]["y"])[:161]
    expected = np.clip(est / abs(sigmoid.df(0.5)), ERROR_FLOOR, 1e30)
    np.testing.assert_allclose(upper, expected, rtol=1e-6)  # float32 on the wire
    every = run_page(gc_bands="all")
    names = [t["customdata"][0] for t in charts(every)[0]["data"] if t.get("meta") == "band"]
    assert names == list(METHODS)
    none = run_page(gc_bands="none")
    assert not [t for t in charts(none)[0]["data"] if t.get("meta") == "band"]


@pytest.mark.parametrize("name", list(DIRECTION_SUBJECTS))
def test_random_direction_check_passes_the_cores_jacobian_and_catches_a_planted_entry(name):
    subject = DIRECTION_SUBJECTS[name]
    jac = np.atleast_2d(subject.jacobian(subject.x))
    at = run_page(gc_dir=name, gc_dseed="7")
    assert_clean(at)
    core = directional_check(subject.f, jac, subject.x, seed=7)
    assert core.passed
    rows = table(at, "vᵀJu")
    assert float(rows["vᵀJu"][0]) == shown(core.analytical[0])
    assert float(rows["vᵀ(f(x+hu) − f(x−hu))/2h"][0]) == shown(core.numerical[0])
    assert any(s.value.startswith("Passes: all 1 direction") for s in at.success)
    assert any("**100 of 100** pass" in m.value for m in at.markdown)
    assert any(f"**2** evaluations of f for 1 direction(s), against **{2 * subject.x.size}**"
               in m.value for m in at.markdown)
    # flip the largest entry's sign: every seed now fails
    wrong = jac.copy()
    at_max = np.unravel_index(np.argmax(np.abs(jac)), jac.shape)
    wrong[at_max] *= -1
    at.toggle(key="gc_plant").set_value(True).run()
    assert_clean(at, errors_expected=True)
    planted = directional_check(subject.f, wrong, subject.x, seed=7)
    assert not planted.passed
    assert float(table(at, "vᵀJu")["vᵀJu"][0]) == shown(planted.analytical[0])
    assert any(e.value.startswith("Fails: a direction") for e in at.error)
    assert any("**0 of 100** pass" in m.value for m in at.markdown)
    assert any(m.value.startswith("Planted: ∂") for m in at.markdown)


def test_random_direction_geometry_for_the_two_input_loss():
    at = run_page(gc_dir="loss", gc_plant="true", gc_dn="3")
    assert_clean(at, errors_expected=True)
    fig = chart_with(at, "probes")
    subject = DIRECTION_SUBJECTS["loss"]
    check = directional_check(subject.f, subject.jacobian(subject.x), subject.x, n_directions=3)
    probes = trace_with(fig, "probes")
    x, u = subject.x, check.u[0]
    spread = np.array([decode(probes["x"]), decode(probes["y"])]).T
    # both probes on the line x ± t·u, symmetric about x
    np.testing.assert_allclose(spread.mean(axis=0), x, atol=1e-12)
    along_u = spread[0] - x
    assert abs(along_u[0] * u[1] - along_u[1] * u[0]) < 1e-12
    gradient = trace_with(fig, "gradient")  # the planted gradient leaves the contours' normal
    true = trace_with(fig, "true_gradient")
    assert decode(gradient["x"])[1] != decode(true["x"])[1]
    alt = next(c.proto.alt for c in at.get("plotly_chart") if c.proto.alt.startswith("Contours"))
    assert "(-0.7, 0.6)" in alt and "(0.7, 0.6)" in alt
    assert len(table(at, "vᵀJu")) == 3


def test_second_derivative_beside_the_first_and_the_gradgradcheck():
    gelu = TARGETS["gelu"]
    at = run_page(gc_target="gelu", gc_d2="true")
    assert_clean(at)
    fig = chart_with(at, "d2f")
    trace = trace_with(fig, "d2f")
    grid = decode(trace["x"])
    np.testing.assert_allclose(decode(trace["y"]), gelu.d2f(grid), rtol=1e-6, atol=1e-7)
    assert trace["xaxis"] == "x2"  # beside f′
    at = run_page(gc_target="gelu", gc_gg="true")
    assert_clean(at)
    numerical, analytic = readout(at)
    assert analytic == shown(gelu.d2f(np.array([0.5]))[0])
    assert numerical == shown(numeric_derivative(gelu.df, np.array([0.5]), "central")[0])
    assert any("gradgradcheck" in c.value for c in at.caption)
    # the complex step is refused (f′ is real code), never a traceback
    at.selectbox(key="gc_method").set_value("complex_step").run()
    assert_clean(at, errors_expected=True)
    assert any("complex input" in w.value for w in at.warning)


def test_gradgrad_example_and_targets_without_second_derivative():
    at = run_page(gc_example="gradgrad")
    assert_clean(at)
    assert at.selectbox(key="gc_target").value == "gelu" and at.toggle(key="gc_gg").value
    assert any(i.value.startswith("**gradgradcheck.**") for i in at.info)
    loss = run_page(gc_target=TARGETS["loss_mse"].label)
    assert_clean(loss)
    assert loss.toggle(key="gc_gg").disabled
    assert any("no hand-written f″" in c.value for c in loss.caption)


def test_fast_mode_appears_in_the_torch_export_when_toggled():
    at = run_page(gc_export="true")
    torch_code = next(c.value for c in at.code if "torch.autograd.gradcheck(" in c.value)
    assert "fast_mode" not in torch_code
    at.toggle(key="gc_dl_check_fast").set_value(True).run()
    assert_clean(at)
    torch_code = next(c.value for c in at.code if "torch.autograd.gradcheck(" in c.value)
    assert "fast_mode=True" in torch_code
    compile(torch_code, "check.py", "exec")
    linked = run_page(gc_export="true", gc_dl_check_fast="true")  # and a link keeps it
    assert any("fast_mode=True" in c.value for c in linked.code)


def test_on_a_projector_the_step_chart_comes_first_and_the_new_sections_follow():
    at = AppTest.from_file("../pages/gradcheck.py", default_timeout=60)
    at.session_state["present"] = True
    at.run()
    assert_clean(at)
    headers = [h.value for h in at.header]
    order = [headers.index(TEXT[k][0]) for k in ("gc.step_title", "gc.rich_title", "gc.d2_title")]
    assert order == sorted(order)
    assert any(t.get("meta") == "band" for t in charts(at)[0]["data"])  # the first chart
