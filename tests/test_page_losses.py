"""The Losses page (AppTest) and the core helpers it added to derivs/losses.py."""

import json
import string

import mpmath
import numpy as np
import pytest
from scipy import special
from streamlit.testing.v1 import AppTest

from derivs import LOSSES, gradcheck, numeric_derivative, numeric_jacobian
from derivs.losses import sigmoid_output_gradients, softmax_ce_chain
from derivs_app.i18n import TEXT, check_report, t
from derivs_app.views.losses import INPUT_RANGES, loss_sweep, sweep_grid
from tests.apptest_support import assert_clean, decode, markdown_tables, open_page

NOTES_LOSSES = [name for name, loss in LOSSES.items() if loss.notes_grad is not None]
# The page's URL keys (+ component index) per kind of input: part of the link format.
TARGET_KEYS = {"values": "loss_y", "distribution": "loss_d", "binary": "loss_b"}
PREDICTION_KEYS = {"values": "loss_p", "probabilities": "loss_q", "logits": "loss_z"}


# --- core helpers ----------------------------------------------------------------------------


def test_every_kind_of_input_has_a_range():
    kinds = {kind for loss in LOSSES.values() for kind in (loss.prediction, loss.target)}
    assert kinds <= set(INPUT_RANGES)


@pytest.mark.parametrize("kind", sorted(INPUT_RANGES))
def test_sweep_grid_stays_in_range_and_leaves_out_log_zero(kind):
    grid = sweep_grid(kind, 51)
    low, high = INPUT_RANGES[kind]
    assert grid.shape == (51,) and np.all(np.diff(grid) > 0)
    assert low <= grid[0] and grid[-1] <= high
    if kind == "probabilities":
        assert 0 < grid[0] and grid[-1] < 1


@pytest.mark.parametrize("name", LOSSES)
def test_loss_sweep_is_the_loss_along_one_component(name):
    loss = LOSSES[name]
    # y_1 = -0.45 keeps Huber's |residual| = δ off the grid (a kink in the second derivative)
    y = {"values": [1.0, -0.45, 2.0], "distribution": [0.2, 0.5, 0.3],
         "binary": [1.0, 0.0, 0.5]}[loss.target]
    yhat = {"values": [0.5, 0.0, 3.5], "probabilities": [0.7, 0.2, 0.1],
            "logits": [2.0, 1.0, -1.0]}[loss.prediction]
    grid = sweep_grid(loss.prediction, 41)
    values, slopes = loss_sweep(loss, y, yhat, 1, grid, **loss.defaults())
    for i in (0, 17, 40):
        moved = np.array(yhat)
        moved[1] = grid[i]
        assert values[i] == loss.value(y, moved, **loss.defaults())
        assert slopes[i] == loss.grad(y, moved, **loss.defaults())[1]
    # the slope curve is the derivative of the value curve (an independent finite difference)
    def along(t):
        return np.array([loss.value(y, [yhat[0], ti, yhat[2]], **loss.defaults()) for ti in t])

    inner = grid[5:-5]
    np.testing.assert_allclose(numeric_derivative(along, inner), slopes[5:-5],
                               rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("z", [[2.0, 1.0, -1.0], [10.0, -10.0, 0.0, 3.0], [-10.0, 10.0]])
def test_softmax_chain_through_the_jacobian_equals_the_short_form(z):
    y = np.zeros(len(z))
    y[0] = 1.0
    chain = softmax_ce_chain(y, z)
    np.testing.assert_allclose(chain.short_form, LOSSES["softmax_cross_entropy"].grad(y, z),
                               rtol=0, atol=0)
    np.testing.assert_allclose(chain.via_jacobian, chain.short_form, rtol=1e-12, atol=1e-15)
    assert chain.max_difference <= 1e-15
    np.testing.assert_allclose(chain.jacobian.sum(axis=0), 0, atol=1e-15)
    numeric = numeric_jacobian(lambda v: LOSSES["softmax_cross_entropy"].value(y, v), z)
    np.testing.assert_allclose(chain.via_jacobian, numeric, rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("y", [1.0, 0.0, 0.3])
def test_sigmoid_output_gradients_against_finite_differences(y):
    # oracles written independently, through scipy's log_expit and expit
    def bce(z):
        return -(y * special.log_expit(z) + (1 - y) * special.log_expit(-z))

    def mse(z):
        return (special.expit(z) - y) ** 2

    z = sweep_grid("logits", 101)
    curves = sigmoid_output_gradients(z, y)
    np.testing.assert_array_equal(curves.z, z)
    np.testing.assert_allclose(curves.bce, numeric_derivative(bce, z), rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(curves.mse, numeric_derivative(mse, z), rtol=1e-6, atol=1e-12)


def test_sigmoid_output_gradients_keep_their_tails():
    mpmath.mp.dps = 50
    curves = sigmoid_output_gradients(np.array([40.0, -40.0]), 1.0)
    sigma = [1 / (1 + mpmath.exp(-z)) for z in (40, -40)]
    for i, s in enumerate(sigma):
        exact_bce = s - 1
        exact_mse = 2 * (s - 1) * s * (1 - s)
        assert abs(curves.bce[i] - float(exact_bce)) <= 1e-12 * abs(float(exact_bce))
        assert abs(curves.mse[i] - float(exact_mse)) <= 1e-12 * abs(float(exact_mse))
    assert curves.bce[0] != 0  # 1 − σ(40) ≈ 4e-18, not a cancelled 0
    # the lesson: saturated and wrong, MSE's gradient has all but vanished, BCE's has not
    wrong = sigmoid_output_gradients(np.array([-10.0]), 1.0)
    assert abs(wrong.mse[0]) < 1e-3 < 0.99 < abs(wrong.bce[0])


# --- text ------------------------------------------------------------------------------------


def test_page_text_complete():
    for name in NOTES_LOSSES:
        assert f"loss.why.{name}" in TEXT
    for loss in LOSSES.values():
        assert f"loss.target.{loss.target}" in TEXT
        assert f"loss.prediction.{loss.prediction}" in TEXT
        for p in loss.params:
            assert f"loss.param.{p.name}" in TEXT
    fields = string.Formatter()
    for key, (en, zh) in TEXT.items():
        if key.startswith("loss."):
            assert zh and en
            assert {f[1] for f in fields.parse(en)} == {f[1] for f in fields.parse(zh)}, key


# --- the page --------------------------------------------------------------------------------


def page(lang="en", **params) -> AppTest:
    return open_page("losses", lang, **params)


def inputs(at):
    """(y, ŷ or z) as the sliders hold them, told apart by their labels y₀…, ŷ₀… or z₀…"""
    y = [s.value for s in at.slider if s.label[0] == "y"]
    yhat = [s.value for s in at.slider if s.label[0] in "ŷz"]
    return y, yhat


def shown(values) -> list[str]:
    """Numbers as the gradient tables print them (10 significant digits)."""
    return [f"{v:.10g}" for v in values]


def shown_gradient(at, lang="en") -> list[float]:
    frame = markdown_tables(at)[0]
    return [float(v) for v in frame[t("loss.col_analytic", lang)]]


def plotly_data(at, key):
    charts = [c for c in at.get("plotly_chart") if c.proto.id.endswith(key)]
    return json.loads(charts[0].proto.spec)["data"]


@pytest.mark.parametrize("name", LOSSES)
def test_renders_every_loss_with_numbers_from_the_core(name):
    loss = LOSSES[name]
    at = page(loss=loss.label)
    assert_clean(at)
    assert not at.warning and at.success
    y, yhat = inputs(at)
    assert len(y) == len(yhat) == 3
    frame = markdown_tables(at)[0]
    assert list(frame[t("loss.col_analytic")]) == shown(loss.grad(y, yhat, **loss.defaults()))
    assert list(frame[t("loss.col_numerical")]) == shown(
        numeric_jacobian(lambda v: loss.value(y, v), yhat, h=1e-6))
    assert f"**{loss.value(y, yhat, **loss.defaults()):.10g}**" in [m.value for m in at.markdown]
    # the sweep's marker sits on the current point, at the core's value
    marker = [trace for trace in plotly_data(at, "loss_sweep") if trace["mode"] == "markers"]
    assert decode(marker[0]["x"])[0] == yhat[0]
    assert decode(marker[0]["y"])[0] == pytest.approx(loss.value(y, yhat, **loss.defaults()))


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("corner", ["low", "high"])
def test_slider_extremes_render_with_a_message_or_finite_numbers(name, corner):
    loss = LOSSES[name]
    n = 2 if corner == "low" else 6
    params = {"loss": loss.label, "loss_n": n}
    for kind, prefix in ((loss.target, TARGET_KEYS[loss.target]),
                         (loss.prediction, PREDICTION_KEYS[loss.prediction])):
        end = INPUT_RANGES[kind][0 if corner == "low" else 1]
        params.update({f"{prefix}{i}": end for i in range(n)})
    for p in loss.params:
        params[f"loss_{p.name}"] = p.low if corner == "low" else p.high
    at = page(**params)
    assert not at.exception, at.exception
    y, yhat = inputs(at)
    assert len(y) == len(yhat) == n
    assert all(v == INPUT_RANGES[loss.prediction][corner == "high"] for v in yhat)
    if loss.problems(y, yhat):
        assert at.warning and not markdown_tables(at)
    else:
        assert_clean(at)
        assert np.all(np.isfinite(shown_gradient(at)))


@pytest.mark.parametrize("name", NOTES_LOSSES)
def test_the_notes_gradient_fails_the_check_on_screen(name):
    loss = LOSSES[name]
    off = page(loss=loss.label)
    assert_clean(off)
    assert t("loss.check_pass", preset="PyTorch gradcheck") in [s.value for s in off.success]

    on = off.toggle(key="loss_notes").set_value(True).run()
    assert not on.exception
    assert [e.value for e in on.error] == [t("loss.check_fail", preset="PyTorch gradcheck")]
    assert "mismatch" in on.code[0].value
    assert any(m.value == t(f"loss.why.{name}") for m in on.markdown)
    y, yhat = inputs(on)
    on_screen = list(markdown_tables(on)[0][t("loss.col_notes_grad")])
    assert on_screen == shown(loss.notes_grad(y, yhat))


def test_the_failing_check_is_reported_in_chinese_too():
    zh = page("zh", loss=LOSSES["mse"].label, loss_notes="True")
    assert not zh.exception
    assert [e.value for e in zh.error] == [t("loss.check_fail", "zh", preset="PyTorch gradcheck")]
    report = zh.code[0].value
    y, yhat = inputs(zh)
    expected = gradcheck(lambda v: LOSSES["mse"].value(y, v), LOSSES["mse"].notes_grad(y, yhat),
                         yhat, preset="pytorch")
    assert not expected.ok
    # the same report as the core's, in Chinese: entry count and each entry's numbers
    assert report == check_report(expected, "zh")
    assert "不一致" in report and "mismatch" not in report
    assert f"{expected.numerical[0]:.10g}" in report


def test_notes_toggle_only_where_the_notes_have_a_formula():
    for name, loss in LOSSES.items():
        at = page(loss=loss.label)
        has_toggle = any(tg.key == "loss_notes" for tg in at.toggle)
        assert has_toggle == (name in NOTES_LOSSES)
        if not has_toggle:
            assert t("loss.no_notes") in [i.value for i in at.info]


@pytest.mark.parametrize("name, params, problem", [
    ("cross_entropy", {"loss_q0": 0.0}, "prediction_not_probability"),
    ("binary_cross_entropy", {"loss_q1": 1.0}, "prediction_not_probability"),
    ("cross_entropy", {"loss_d1": 0.5}, "target_not_normalised"),
    ("softmax_cross_entropy", {"loss_d0": 0.0}, "target_not_normalised"),
])
def test_bad_inputs_give_a_clear_message_and_no_numbers(name, params, problem):
    at = page(loss=LOSSES[name].label, **params)
    assert not at.exception, at.exception
    total = sum(inputs(at)[0])
    assert t(f"problem.{problem}", total=total) in [w.value for w in at.warning]
    assert t("loss.invalid") in [i.value for i in at.info]
    assert not markdown_tables(at)
    assert t("loss.value") not in [c.value for c in at.caption]  # no loss value is shown
    assert plotly_data(at, "loss_sigmoid")  # the input-free lesson still renders


def test_deep_link_restores_the_view():
    loss = LOSSES["softmax_cross_entropy"]
    at = page(loss=loss.label, loss_n=5, loss_z3=7.5, loss_d0=0.0, loss_d3=1.0, loss_k=3)
    assert_clean(at)
    assert at.selectbox(key="loss").value == "softmax_cross_entropy"
    y, z = inputs(at)
    assert len(z) == 5 and z[3] == 7.5
    assert y == [0.0, 0.0, 0.0, 1.0, 0.0]
    assert at.selectbox(key="loss_k").value == 3
    marker = [trace for trace in plotly_data(at, "loss_sweep") if trace["mode"] == "markers"]
    assert decode(marker[0]["x"])[0] == 7.5


def test_deep_link_with_the_notes_on_and_huber_delta():
    at = page(loss=LOSSES["mse"].label, loss_notes="true")
    assert at.toggle(key="loss_notes").value is True and at.error
    huber = LOSSES["huber"]
    at = page(loss=huber.label, loss_delta=0.3)
    assert_clean(at)
    y, yhat = inputs(at)
    assert [f"{v:.10g}" for v in shown_gradient(at)] == shown(huber.grad(y, yhat, delta=0.3))


def test_switching_loss_keeps_inputs_only_where_they_mean_the_same():
    at = page(loss=LOSSES["huber"].label, loss_p0=2.0)
    at.selectbox(key="loss").set_value("mse").run()
    assert_clean(at)
    assert inputs(at)[1][0] == 2.0  # MSE reads ŷ as Huber does
    at.selectbox(key="loss").set_value("softmax_cross_entropy").run()
    assert_clean(at)
    assert inputs(at) == ([1.0, 0.0, 0.0], [2.0, 1.0, -1.0])  # its own valid defaults
    assert not at.warning


def test_moving_the_swept_component_reruns_the_view():
    at = page()
    at.selectbox(key="loss_k").set_value(2).run()
    assert_clean(at)
    marker = [trace for trace in plotly_data(at, "loss_sweep") if trace["mode"] == "markers"]
    assert decode(marker[0]["x"])[0] == inputs(at)[1][2]


def test_components_survive_a_smaller_n():
    at = page(loss=LOSSES["mse"].label, loss_n=4)
    at.slider(key="loss_p3").set_value(-2.0).run()
    at.slider(key="loss_n").set_value(2).run()
    assert len(inputs(at)[1]) == 2
    at.slider(key="loss_n").set_value(4).run()
    assert_clean(at)
    y, yhat = inputs(at)
    assert yhat[3] == -2.0
    assert shown_gradient(at) == [float(v) for v in shown(LOSSES["mse"].grad(y, yhat))]


def test_softmax_chain_on_screen_agrees_with_the_core():
    loss = LOSSES["softmax_cross_entropy"]
    at = page(loss=loss.label, loss_n=4)
    assert_clean(at)
    y, z = inputs(at)
    gradients, chain, jacobian = markdown_tables(at)
    assert list(chain[t("loss.chain_short")]) == shown(loss.grad(y, z))
    via = np.array([float(v) for v in chain[t("loss.chain_via")]])
    np.testing.assert_allclose(via, loss.grad(y, z), rtol=1e-9, atol=1e-16)
    assert jacobian.shape == (4, 5)  # row labels, then the 4×4 Jacobian
    expected = softmax_ce_chain(y, z).jacobian
    assert [list(row[1:]) for row in jacobian.itertuples(index=False)] == [
        [f"{v:.6g}" for v in row] for row in expected]


def test_sigmoid_chart_plots_the_core_curves():
    data = plotly_data(page(), "loss_sigmoid")
    curves = sigmoid_output_gradients(sweep_grid("logits", 401), 1.0)
    np.testing.assert_allclose(decode(data[0]["y"]), curves.bce, rtol=1e-6)
    np.testing.assert_allclose(decode(data[1]["y"]), curves.mse, rtol=1e-6, atol=1e-12)


def test_chinese_renders_and_keeps_the_lesson():
    at = page("zh", loss=LOSSES["cross_entropy"].label, loss_notes="true")
    assert not at.exception
    assert at.title[0].value == t("loss.title", "zh")
    assert [e.value for e in at.error] == [t("loss.check_fail", "zh", preset="PyTorch gradcheck")]
    assert t("loss.col_notes_grad", "zh") in markdown_tables(at)[0].columns


def test_plotly_payload_stays_small():
    at = page(loss=LOSSES["softmax_cross_entropy"].label, loss_n=6)
    total = sum(len(c.proto.spec) for c in at.get("plotly_chart"))
    assert total <= 150_000, total


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_bce_at_the_boundary_shows_its_finite_gradient_checked_one_sided(lang):
    """ŷ = y = 1 and ŷ = y = 0: the term is 0 and the gradient the other term's, −1/n and +1/n
    (the core's, pinned against sympy's one-sided limits in test_core_losses); the check differences
    those entries into [0, 1] and passes, and the page says which side it took."""
    at = page(lang, loss="binary_cross_entropy", loss_n=3, loss_b0=1.0, loss_q0=1.0,
              loss_b1=0.0, loss_q1=0.0, loss_b2=1.0, loss_q2=0.3)
    assert_clean(at)
    y, yhat = inputs(at)
    assert (y, yhat) == ([1.0, 0.0, 1.0], [1.0, 0.0, 0.3])
    gradient = shown_gradient(at, lang)
    assert gradient[:2] == [float(f"{-1 / 3:.10g}"), float(f"{1 / 3:.10g}")]
    numerical = [float(v) for v in markdown_tables(at)[0][t("loss.col_numerical", lang)]]
    np.testing.assert_allclose(numerical[:2], [-1 / 3, 1 / 3], rtol=1e-6)
    assert t("loss.check_pass", lang, preset="PyTorch").split("{")[0][:12] in \
        " ".join(s.value for s in at.success)
    captions = [c.value for c in at.caption]
    for side, k in (("backward", 0), ("forward", 1)):
        expected = t(f"loss.one_sided.{side}", lang, name=f"ŷ{'₀₁'[k]}", value=f"{yhat[k]:g}",
                     grad=f"{(-1 / 3, 1 / 3)[k]:.10g}", n=3)
        assert expected in captions
    # where the target differs, ŷ = 1 is still refused: the loss is infinite there
    at = page(lang, loss="binary_cross_entropy", loss_n=2, loss_b0=0.0, loss_q0=1.0)
    assert t("problem.prediction_not_probability", lang) in [w.value for w in at.warning]
