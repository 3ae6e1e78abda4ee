"""Losses: each gradient beside finite differences, one component swept, the notes' errata failing
a gradient check, softmax + cross-entropy through its Jacobian, and why cross-entropy does not
stall. All numbers come from derivs; this file reads widgets and renders.

The loss, n and the loss's parameters rerun the page; the component sliders and everything drawn
from them live in a fragment, so moving one reruns only that part (the static sigmoid figure
below it is built once per language)."""

import contextlib
import math
from functools import lru_cache

import streamlit as st

from derivs import LOSSES, error_band, gradcheck
from derivs.losses import sigmoid_output_gradients, softmax_ce_chain
from derivs.symbolic import loss_latex
from derivs_app import predict, ui
from derivs_app.figures import gradient_bars, loss_sweep_figure, sigmoid_loss_gradients_figure
from derivs_app.formatting import subscript
from derivs_app.i18n import LANGUAGES, check_report, t
from derivs_app.views.losses import INPUT_RANGES, loss_sweep, sweep_grid

PRESET = "pytorch"  # the check whose verdict the page shows
N_MIN, N_MAX, N_DEFAULT = 2, 6, 3
# Where the sliders start, per kind of input and component (up to N_MAX): every default view is
# valid, and no Huber residual sits exactly on δ.
TARGET_DEFAULTS = {
    "values": (1.0, -0.5, 2.0, 0.5, -1.5, 1.0),
    "distribution": (1.0, 0.0, 0.0, 0.0, 0.0, 0.0),
    "binary": (1.0, 0.0, 1.0, 1.0, 0.0, 1.0),
}
PREDICTION_DEFAULTS = {
    "values": (0.5, 0.0, 3.5, -1.5, 0.0, 1.5),
    "probabilities": (0.7, 0.2, 0.1, 0.6, 0.3, 0.8),
    "logits": (2.0, 1.0, -1.0, 0.5, -2.0, 0.0),
}
STEPS = {"values": 0.1, "logits": 0.1, "probabilities": 0.01, "distribution": 0.01,
         "binary": 0.01}
PREDICTION_SYMBOL = {"values": "ŷ", "probabilities": "ŷ", "logits": "z"}
# URL keys per kind of input (+ component index): a key always means the same range, so values
# carry over only between losses that read them alike (MSE ↔ Huber, the two distribution
# targets) and a link never feeds one loss's numbers to another's sliders.
TARGET_KEYS = {"values": "loss_y", "distribution": "loss_d", "binary": "loss_b"}
PREDICTION_KEYS = {"values": "loss_p", "probabilities": "loss_q", "logits": "loss_z"}


def symbol(base: str, i: int) -> str:
    return base + subscript(i, one_based=False)


def component_sliders(kind: str, base: str, key_prefix: str, defaults, n: int) -> list[float]:
    low, high = INPUT_RANGES[kind]
    # side by side on a projector (one row per vector), stacked otherwise
    spots = st.columns(n) if ui.presenting() else [st.container() for _ in range(n)]
    values = []
    for i, spot in enumerate(spots):
        with spot:
            values.append(ui.slider(symbol(base, i), f"{key_prefix}{i}", low, high, defaults[i],
                                    STEPS[kind]))
    return values


def setup():
    """The loss, the number of components and the loss's parameters: they reshape everything."""
    if not ui.presenting():  # on a projector the controls speak for themselves
        st.header(ui.tr("loss.inputs"))
    choice, size, parameters = st.columns([1.3, 1, 1], gap="large")
    with choice:
        name = ui.select(ui.tr("loss.choose"), LOSSES, "loss",
                         format_func=ui.labeller("loss.name"))
    loss = LOSSES[name]
    with size:
        n = ui.slider(ui.tr("loss.n"), "loss_n", N_MIN, N_MAX, N_DEFAULT, 1)
    with parameters:
        params = {p.name: ui.slider(ui.tr(f"loss.param.{p.name}"), f"loss_{p.name}", p.low,
                                    p.high, p.default, p.step)
                  for p in loss.params}
    return loss, n, params


def components(loss, n: int):
    """The targets y and the input (ŷ or logits), one slider per component."""
    st.header(ui.tr("loss.components"))
    targets, predictions = ((st.container(), st.container()) if ui.presenting()
                            else st.columns(2, gap="large"))
    with targets:
        if not ui.presenting():  # there the slider names (y₀, ŷ₀) say it
            st.markdown(f"**{ui.tr('loss.target.' + loss.target)}**")
        y = component_sliders(loss.target, "y", TARGET_KEYS[loss.target],
                              TARGET_DEFAULTS[loss.target], n)
    with predictions:
        if not ui.presenting():
            st.markdown(f"**{ui.tr('loss.prediction.' + loss.prediction)}**")
        yhat = component_sliders(loss.prediction, PREDICTION_SYMBOL[loss.prediction],
                                 PREDICTION_KEYS[loss.prediction],
                                 PREDICTION_DEFAULTS[loss.prediction], n)
    return y, yhat


def formulas(loss) -> bool:
    """The loss and its gradient in LaTeX, the notes' gradient beside it; True when the learner
    switches to the notes' gradient."""
    st.header(ui.tr("loss.formulas"))
    tex = loss_latex(loss.name)
    d_dinput = rf"\frac{{\partial L}}{{\partial {tex['wrt']}}} = "
    ui.latex("L = " + tex["value"])
    if loss.notes_grad is None:
        ui.latex(d_dinput + tex["grad"])
        st.info(ui.tr("loss.no_notes"))
        return False
    notes, correct = st.columns(2)
    notes.markdown(f"**{ui.tr('loss.col_notes')}**")
    notes.latex(d_dinput + tex["notes_grad"])
    correct.markdown(f"**{ui.tr('loss.col_correct')}**")
    correct.latex(d_dinput + tex["grad"])
    return ui.toggle(ui.tr("loss.use_notes"), "loss_notes", help=ui.tr("loss.use_notes_help"))


def gradient_table(names, result, use_notes) -> list[dict]:
    """Per component: analytic (or the notes') and numerical gradient, their relative error
    coloured by its band."""
    analytic = ui.tr("loss.col_notes_grad" if use_notes else "loss.col_analytic")
    return [{
        ui.tr("loss.col_component"): name,
        analytic: f"{a:.10g}",
        ui.tr("loss.col_numerical"): f"{n:.10g}",
        ui.tr("loss.col_rel_error"): f":{ui.band_colour(e)}[**{e:.2e}**]",
        ui.tr("loss.col_band"): f":{ui.band_colour(e)}[{ui.tr('band.' + error_band(e))}]",
    } for name, a, n, e in zip(names, result.analytical, result.numerical, result.rel_error,
                               strict=True)]


def check(loss, y, yhat, params, use_notes) -> None:
    """The loss value, and the analytic (or the notes') gradient under a gradient check."""
    st.header(ui.tr("loss.check"))
    analytical = loss.notes_grad(y, yhat) if use_notes else loss.grad(y, yhat, **params)
    # probabilities live in [0, 1]: an entry at 0 or 1 (BCE with ŷ = y there) is differenced
    # one-sided into the interval, not across its edge
    domain = (0.0, 1.0) if loss.prediction == "probabilities" else None
    result = gradcheck(lambda v: loss.value(y, v, **params), analytical, yhat, preset=PRESET,
                       domain=domain)
    def verdict() -> None:
        value_col, verdict_col = st.columns([1, 3])
        # the whole value, as a readout: st.metric cut it to "0.916666…" on a projector
        value_col.caption(ui.tr("loss.value"))
        value_col.markdown(f"**{loss.value(y, yhat, **params):.10g}**")
        with verdict_col:
            if result.ok:
                st.success(ui.tr("loss.check_pass", preset=result.preset.label),
                           icon=":material/check_circle:")
            else:
                st.error(ui.tr("loss.check_fail", preset=result.preset.label),
                         icon=":material/cancel:")
            st.caption(ui.tr("loss.check_source", source=result.preset.source))
            st.code(check_report(result, ui.lang()), language=None, wrap_lines=True)
        if use_notes and not result.ok:
            st.markdown(ui.tr(f"loss.why.{loss.name}"))

    def gradients() -> None:
        base = PREDICTION_SYMBOL[loss.prediction]
        names = [symbol(base, i) for i in range(len(yhat))]
        bars, table = st.columns([2, 3])
        with bars:
            analytic_name = ui.tr("loss.notes_name" if use_notes else "common.analytic")
            ui.chart(gradient_bars(names, result.analytical, result.numerical,
                                   analytic_name=analytic_name,
                                   numerical_name=ui.tr("common.numerical"),
                                   y=ui.tr("loss.bars_y"), notes=use_notes), key="loss_bars")
        with table:
            ui.table(gradient_table(names, result, use_notes))
        true_grad = loss.grad(y, yhat, **params)  # the core's, whichever side is checked
        for (k,), side in result.one_sided:
            st.caption(ui.tr(f"loss.one_sided.{side}", name=names[k], value=f"{yhat[k]:g}",
                             grad=f"{true_grad[k]:.10g}", n=len(yhat)))

    for part in (gradients, verdict) if ui.presenting() else (verdict, gradients):
        part()  # on a projector the chart comes first
    ui.show_source(loss.value, loss.notes_grad if use_notes else loss.grad)


@ui.fragment
def sweep(loss, y, yhat, params) -> None:
    """The loss and its derivative along one component: only this part reruns when k changes."""
    st.header(ui.tr("loss.sweep"))
    ui.prose("loss.sweep_intro")
    with st.columns(3)[0]:
        k = ui.select(ui.tr("loss.sweep_k"), range(len(yhat)), "loss_k")
    grid = sweep_grid(loss.prediction)
    values, slopes = loss_sweep(loss, y, yhat, k, grid, **params)
    moved = symbol(PREDICTION_SYMBOL[loss.prediction], k)
    fig = loss_sweep_figure(grid, values, slopes, at=yhat[k],
                            value_at=loss.value(y, yhat, **params),
                            slope_at=loss.grad(y, yhat, **params)[k],
                            x=moved, value_name="L", slope_name=f"∂L/∂{moved}")
    ui.chart(fig, key="loss_sweep")


def softmax_chain(y, z) -> None:
    """∂L/∂z through the softmax Jacobian beside the short form, equal to rounding."""
    st.header(ui.tr("loss.chain"))
    ui.prose("loss.chain_intro")
    chain = softmax_ce_chain(y, z)
    columns = {ui.tr("loss.chain_s"): chain.s, ui.tr("loss.chain_grad_s"): chain.grad_s,
               ui.tr("loss.chain_via"): chain.via_jacobian,
               ui.tr("loss.chain_short"): chain.short_form}
    ui.table([{ui.tr("loss.col_component"): symbol("z", i), "y": f"{y[i]:.4g}",
               **{name: f"{values[i]:.10g}" for name, values in columns.items()}}
              for i in range(len(z))])
    st.markdown(ui.tr("loss.chain_max", diff=chain.max_difference))
    with st.expander(ui.tr("loss.chain_jacobian")):
        ui.table([{"": symbol("s", i), **{symbol("z", j): f"{chain.jacobian[i, j]:.6g}"
                                          for j in range(len(z))}}
                  for i in range(len(z))])


@lru_cache(maxsize=len(LANGUAGES))  # it depends on nothing but the language
def _sigmoid_figure(lang: str):
    curves = sigmoid_output_gradients(sweep_grid("logits", 401), y=1.0)
    return sigmoid_loss_gradients_figure(
        curves.z, curves.bce, curves.mse, bce_name=t("loss.sigmoid_bce", lang),
        mse_name=t("loss.sigmoid_mse", lang), title=t("loss.sigmoid_title", lang), x="z",
        y="dL/dz", stall_label=t("loss.sigmoid_stall", lang))


def sigmoid_stall() -> None:
    """BCE against MSE through a sigmoid output: the gradient that does not vanish."""
    st.header(ui.tr("loss.sigmoid"))
    ui.prose("loss.sigmoid_intro")
    ui.chart(_sigmoid_figure(ui.lang()), key="loss_sigmoid")


@ui.fragment
def live_view(loss, n: int, params, use_notes: bool) -> None:
    """The component sliders and everything drawn from them: moving one reruns only this (the
    formulas above do not depend on the components, so they are not redrawn)."""
    y, yhat = components(loss, n)
    problems = loss.problems(y, yhat)
    ui.show_problems(problems, total=math.fsum(y))
    if problems:
        st.info(ui.tr("loss.invalid"))
    else:
        check(loss, y, yhat, params, use_notes)
        sweep(loss, y, yhat, params)
        if loss.name == "softmax_cross_entropy":
            softmax_chain(y, yhat)


def render() -> None:
    st.title(ui.tr("loss.title"))
    ui.prose("loss.intro")
    loss, n, params = setup()
    # on a projector the formulas fold into one line, so the live chart is on the first screen
    with st.expander(ui.tr("loss.formulas")) if ui.presenting() else contextlib.nullcontext():
        use_notes = formulas(loss)
    live_view(loss, n, params, use_notes)
    predict.ask("losses")  # after the key chart: it stays on a projector's first screen
    sigmoid_stall()
    st.caption(ui.tr("common.share"))


render()
