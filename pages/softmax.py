"""Softmax Jacobian: move the logits, watch J = (diag(s) − s sᵀ)/T live, check its properties and
a finite-difference J against it, and see why backprop never builds it.

The sidebar (preset, n, seed, temperature) reruns the page; the logits and everything drawn from
them live in a fragment, so moving one logit redraws only that part, and the upstream-gradient
sliders of the VJP section in a nested one. The decomposition, the numerical check, backprop and
the notes' formula are lazy expanders (open/closed is in the URL): a logit move redraws only the
figures on screen.
"""

import streamlit as st

from derivs import METHODS, error_band
from derivs.softmax import (
    jacobian_properties,
    softmax,
    softmax_jacobian,
    softmax_jacobian_check,
    softmax_jacobian_notes,
    softmax_jacobian_terms,
    softmax_vjp_check,
)
from derivs.symbolic import softmax_latex
from derivs_app import figures, predict, ui
from derivs_app.formatting import listed, subscript
from derivs_app.views.softmax import (
    CUSTOM_LOGITS,
    LOGIT_PRESETS,
    LOGIT_RANGE,
    N_RANGE,
    TEMPERATURES,
    VJP_RANGE,
    preset_logits,
)

CUSTOM = "custom"
PRESETS = (CUSTOM, *LOGIT_PRESETS)  # the URL keeps the key; the label is translated
VALUES_IN_CELLS_UP_TO = 6  # beyond this the numbers no longer fit in the cells
MARK = {True: ":green[✓]", False: ":red[✗]", None: ":orange[⚠]"}


_numbers = listed


def preset_label(name: str) -> str:
    return ui.tr(f"preset.{name}")


def _temperature_label(t: float) -> str:
    return f"{t:g}"


def sidebar_controls():
    """Preset, n, seed and temperature: they reshape everything, so they rerun the page."""
    with st.sidebar:
        st.header(ui.tr("common.controls"))
        preset = ui.select(ui.tr("smx.preset"), PRESETS, key="smx_preset",
                           format_func=ui.labeller("preset"))
        fixed_size = None if preset == CUSTOM else LOGIT_PRESETS[preset].size
        n = ui.slider(ui.tr("smx.n"), "smx_n", N_RANGE[0], N_RANGE[1], 4, 1,
                      disabled=fixed_size is not None)
        if fixed_size is not None:
            st.caption(ui.tr("smx.fixed_size", n=fixed_size))
        seed = ui.number(ui.tr("smx.seed"), "smx_seed", 0, 0, 9999, step=1) \
            if preset == "random" else 0
        temperature = ui.select_slider(ui.tr("smx.temperature"), TEMPERATURES, "smx_T", 1.0,
                                       format_func=_temperature_label)
        st.caption(ui.tr("smx.temperature_help"))
        st.caption(ui.tr("common.share"))
    return preset, fixed_size or n, int(seed), temperature


def logits_input(preset: str, n: int, seed: int):
    """The custom sliders, or a preset's logits shown read-only."""
    st.subheader(ui.tr("smx.logits"))
    if preset != CUSTOM:
        z = preset_logits(preset, n, seed)
        st.markdown(ui.tr("smx.preset_values", preset=preset_label(preset)))
        st.markdown(f"z = [{_numbers(z)}]")
        st.caption(ui.tr("smx.preset_hint"))
        return z
    low, high, step = LOGIT_RANGE
    # plain text, not LaTeX: the label is the slider's accessible name ("z₁", not "$z_{1}$")
    return [ui.slider(f"z{subscript(k)}", f"smx_z{k}", low, high, CUSTOM_LOGITS[k], step)
            for k in range(n)]


def properties_table(props, n: int, symbol: str, rank_shortfall_is_rounding: bool) -> str:
    """The live checks as a markdown table: property, what was measured, verdict.

    For J a rank below n − 1 can only come from rounding (exactly, J has rank n − 1 while every
    s_i > 0), so it gets ⚠ and a note rather than ✗."""
    if props.rank_is_n_minus_1:
        rank_ok = True
    else:
        rank_ok = None if rank_shortfall_is_rounding and props.rank < n - 1 else False
    rows = [
        (ui.tr("smx.prop_symmetric", m=symbol),
         ui.tr("smx.measured_asym", m=symbol, value=props.max_asymmetry), props.symmetric),
        (ui.tr("smx.prop_rows", m=symbol),
         ui.tr("smx.measured_rows", m=symbol, value=props.max_row_sum), props.rows_sum_to_zero),
        (ui.tr("smx.prop_psd", m=symbol),
         ui.tr("smx.measured_psd", m=symbol, value=props.min_symmetric_eigenvalue), props.psd),
        (ui.tr("smx.prop_rank", expected=n - 1), ui.tr("smx.measured_rank", rank=props.rank),
         rank_ok),
    ]
    table = ui.markdown_table([{ui.tr("smx.col_property"): name, ui.tr("smx.col_measured"): measured,
                                "": MARK[ok]} for name, measured, ok in rows])
    eig = ui.tr("smx.eigenvalues", m=symbol, values=_numbers(props.eigenvalues_to_tolerance()))
    return table + "\n\n" + eig


def properties_section(jac, n: int) -> None:
    st.header(ui.tr("smx.properties"))
    props = jacobian_properties(jac)
    st.markdown(properties_table(props, n, "J", rank_shortfall_is_rounding=True))
    st.caption(ui.tr("smx.tolerance", tol=props.tolerance))
    if props.rank < n - 1:
        st.info(ui.tr("smx.rank_note", rank=props.rank, expected=n - 1), icon="ℹ️")


def decomposition_section(z, temperature: float, jac, show_values: bool) -> None:
    diag_term, outer_term = softmax_jacobian_terms(z, temperature)
    fig = figures.matrix_row_figure(
        [diag_term, outer_term, jac], titles=["diag(s) / T", "s sᵀ / T", "J = diag(s)/T − s sᵀ/T"],
        show_values=show_values)
    ui.chart(fig, key="smx_terms_chart")
    st.caption(ui.tr("smx.decomposition_help"))


def numerical_section(z, temperature: float, show_values: bool) -> None:
    method = ui.select(ui.tr("common.method"), METHODS, key="smx_method",
                       format_func=ui.labeller("method"), index=list(METHODS).index("central"),
                       width=320)
    check = softmax_jacobian_check(z, temperature, method)
    i, j = check.worst_entry
    fig = figures.matrix_row_figure(
        [check.analytical, check.numerical, check.abs_difference],
        titles=[ui.tr("smx.analytic_J"), ui.tr("smx.numerical_J"), ui.tr("smx.abs_difference")],
        show_values=show_values, difference_last=True, height=440)
    ui.chart(fig, key="smx_check_chart")
    st.markdown(ui.tr("smx.max_rel_error") + " " + ui.band_text(check.max_relative_error))
    st.caption(ui.tr("smx.worst_entry", i=i + 1, j=j + 1, a=check.analytical[i, j],
                     n=check.numerical[i, j]))
    st.markdown(ui.tr("smx.normwise_error") + " " + ui.band_text(check.normwise_error))
    st.caption(ui.tr("smx.step", h=check.largest_step, scaled=check.largest_scaled_step))
    if check.unresolved_entries:
        st.info(ui.tr("smx.unresolved", count=check.unresolved_entries), icon="ℹ️")
    elif error_band(check.max_relative_error) != error_band(check.normwise_error):
        st.info(ui.tr("smx.tiny_entries"), icon="ℹ️")


def notes_section(z, temperature: float, s, jac, show_values: bool) -> None:
    latex = softmax_latex()
    ui.prose("smx.notes_intro")
    left, right = st.columns(2)
    left.latex(latex["notes_matrix"] + r"\;\Rightarrow\;" + latex["notes_entry"])
    right.latex(latex["jacobian_matrix"])
    notes = softmax_jacobian_notes(z, temperature)
    # each on its own colour scale: M can be 10⁸ times larger than J (small T)
    left, right = st.columns(2)
    with left:
        ui.chart(figures.matrix_heatmap(notes, show_values=show_values,
                                      title=ui.tr("smx.notes_M")), key="smx_notes_chart")
    with right:
        ui.chart(figures.jacobian_heatmap(jac, s, temperature, show_values=show_values,
                                        title="J", height=400), key="smx_notes_jacobian_chart")
    st.markdown(properties_table(jacobian_properties(notes), len(z), "M",
                                 rank_shortfall_is_rounding=False))


@ui.fragment
def vjp_section(z, temperature: float) -> None:
    """Its own fragment: moving v redraws only the products."""
    ui.prose("smx.vjp_intro")
    ui.latex(softmax_latex()["vjp"])
    sliders, chart = st.columns([1, 3])
    low, high, step = VJP_RANGE
    with sliders:
        v = [ui.slider(f"$v_{{{k + 1}}}$", f"smx_v{k}", low, high, 1.0 if k == 0 else 0.0, step)
             for k in range(len(z))]
    check = softmax_vjp_check(z, v, temperature)
    with chart:
        st.subheader(ui.tr("smx.vjp_chart"))
        fig = figures.vjp_bars(check.fast, check.explicit, fast_name=ui.tr("smx.vjp_fast"),
                             explicit_name=ui.tr("smx.vjp_explicit"), y="Jᵀv")
        ui.chart(fig, key="smx_vjp_chart")
        st.markdown(ui.tr("smx.vjp_difference", diff=check.max_abs_difference,
                          scale=check.roundoff_scale) + " " + MARK[check.agree])
        st.caption(ui.tr("smx.vjp_values", fast=_numbers(check.fast),
                         explicit=_numbers(check.explicit)))


@ui.fragment
def live_view(preset: str, n: int, seed: int, temperature: float) -> None:
    """Logits and every figure drawn from them: one logit moved reruns only this."""
    # on a projector the heatmap gets the full width, so its cells hold their numbers
    if ui.presenting():
        (controls, bars), heatmap = st.columns([1, 1.2]), st.container()
    else:
        controls, bars, heatmap = st.columns([1, 1.2, 1.8])
    with controls:
        z = logits_input(preset, n, seed)
    s = softmax(z, temperature)
    jac = softmax_jacobian(z, temperature)
    # numbers in the cells only where they fit: few logits, and not on a phone (which also has
    # no hover: there the caption says tap)
    touch = ui.touch_screen()
    show_values = len(z) <= VALUES_IN_CELLS_UP_TO and not touch
    with bars:
        st.subheader(ui.tr("smx.probabilities"))
        ui.chart(figures.probability_bars(s, y="s"), key="smx_probabilities_chart")
    with heatmap:
        st.subheader(ui.tr("smx.jacobian"))
        ui.chart(figures.jacobian_heatmap(jac, s, temperature, show_values=show_values),
                 key="smx_jacobian_chart")
        st.caption(ui.tr("smx.tap_hint" if touch else "smx.hover_hint"))
    if preset == "overflow":
        st.info(ui.tr("smx.overflow_note"), icon="ℹ️")

    properties_section(jac, len(z))

    st.header(ui.tr("smx.more"))
    st.caption(ui.tr("smx.more_help"))
    if section := ui.lazy_expander(ui.tr("smx.decomposition"), "smx_terms"):
        with section:
            decomposition_section(z, temperature, jac, show_values)
    if section := ui.lazy_expander(ui.tr("smx.numerical"), "smx_check"):
        with section:
            numerical_section(z, temperature, show_values)
    if section := ui.lazy_expander(ui.tr("smx.vjp"), "smx_vjp"):
        with section:
            vjp_section(z, temperature)
    if section := ui.lazy_expander(ui.tr("smx.notes_title"), "smx_notes"):
        with section:
            notes_section(z, temperature, s, jac, show_values)


def render() -> None:
    preset, n, seed, temperature = sidebar_controls()
    st.title(ui.tr("smx.title"))
    ui.prose("smx.intro")
    latex = softmax_latex()
    formulas = st.columns(3)
    for column, key in zip(formulas, ("softmax", "jacobian_entry", "jacobian_matrix"), strict=True):
        column.latex(latex[key])
    live_view(preset, n, seed, temperature)
    predict.ask("softmax")  # after the key charts: they stay on a projector's first screen


render()
