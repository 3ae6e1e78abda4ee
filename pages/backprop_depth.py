"""Vanishing and exploding gradients: ‖δ_l‖ layer by layer in a deep MLP, on a log axis, the mean
and the spread over five seeds, the sigmoid's 0.25-per-layer bound, the classic presets, and
what the chart shows said in words from the numbers. All numbers come from
derivs.gradient_norms; this file reads widgets and renders."""

import streamlit as st

from derivs import ACTIVATIONS
from derivs.network import INITS, depth_study_case, gradient_norms
from derivs_app import predict, ui
from derivs_app.figures import gradient_depth_figure
from derivs_app.views.backprop import (
    DEPTH_BATCH,
    DEPTH_LATEX,
    DEPTH_PRESETS,
    DEPTH_RANGE,
    DEPTH_SEEDS,
    INIT_LABELS,
    SIGMAS,
    WIDTHS,
    DepthView,
    depth_view,
)


def _apply(name: str) -> None:
    """A preset sets the controls it names; they stay the learner's to move afterwards."""
    p = DEPTH_PRESETS[name]
    st.session_state["bpd_act"], st.session_state["bpd_init"] = p.activation, p.init
    if p.sigma is not None:
        st.session_state["bpd_sigma"] = p.sigma


def presets() -> None:
    st.markdown(ui.tr("bpd.presets"))
    for column, name in zip(st.columns(len(DEPTH_PRESETS)), DEPTH_PRESETS, strict=True):
        column.button(ui.tr(f"bpd.preset.{name}"), key=f"bpd_preset_{name}", on_click=_apply,
                      args=(name,), width="stretch")


def controls() -> tuple[int, int, str, str, float | None]:
    """In the page, not the sidebar: they live in the study's fragment, so a move redraws only
    the chart and its words."""
    depth_box, width_box, act_box, init_box, sigma_box = st.columns([2, 1.4, 1.4, 1.4, 1.2])
    with depth_box:
        depth = ui.slider(ui.tr("bpd.depth"), "bpd_depth", *DEPTH_RANGE, 30, 1)
    with width_box:
        width = ui.select_slider(ui.tr("bpd.width"), WIDTHS, "bpd_width", 16)
    with act_box:
        activation = ui.select(ui.tr("bpd.activation"), ACTIVATIONS, key="bpd_act",
                               format_func=lambda n: ACTIVATIONS[n].label)
    with init_box:
        init = ui.select(ui.tr("bpd.init"), INITS, key="bpd_init", format_func=INIT_LABELS.get)
    sigma = None
    if init == "normal":
        with sigma_box:
            sigma = ui.select_slider("σ", SIGMAS, "bpd_sigma", 1.0, format_func=lambda s: f"{s:g}")
    return int(depth), int(width), activation, init, sigma


def words(view: DepthView) -> str:
    """What the chart shows, in a sentence or three, from the numbers."""
    n = view.norms
    if view.verdict == "single":
        return ui.tr("bpd.words.single")
    said = [ui.tr(f"bpd.words.{view.verdict}", L=n.depth, top=f"{n.mean[-1]:.3g}",
                  bottom=f"{n.mean[0]:.3g}", ratio=f"{view.ratio:.3g}",
                  inverse=f"{1 / view.ratio:.3g}" if view.ratio > 0 else "∞",
                  per_layer=f"{view.per_layer:.3g}")]
    said.append(ui.tr("bpd.words.spread", seeds=len(n.seeds), spread=f"{view.spread:.0%}"))
    if view.bound is not None:
        said.append(ui.tr("bpd.words.bound_above" if n.mean[0] > view.bound[0]
                          else "bpd.words.bound_below", bound=f"{view.bound[0]:.3g}"))
    return ("" if ui.lang() == "zh" else " ").join(said)  # no space between Chinese sentences


@ui.fragment
def study() -> None:
    """The controls and all they redraw: a move reruns only this (the presets above it are
    outside: a preset is a full rerun, a move re-renders fewer elements)."""
    depth, width, activation, init, sigma = controls()
    view = depth_view(depth, width, activation, init, sigma)
    n = view.norms
    fig = gradient_depth_figure(
        n.layers, n.delta_norms, n.mean, n.std, bound=view.bound,
        seed_name=ui.tr("bpd.seed_lines"), mean_name=ui.tr("bpd.mean_line"),
        bound_name=ui.tr("bpd.bound_line"), x=ui.tr("bpd.x"), y="‖δ<sub>l</sub>‖",
        title=ui.tr("bpd.chart", act=ACTIVATIONS[activation].label,
                    init=INIT_LABELS[init] + (f", σ = {sigma:g}" if sigma else ""),
                    L=depth, width=width))
    said = words(view)
    # its numbers are in the layer-by-layer table below: no second "show the data"
    ui.chart(fig, "bpd_chart", alt=ui.tr("bpd.alt_chart", L=depth) + " " + said,
             data_table=False)
    st.markdown(said)
    if section := ui.lazy_expander(ui.tr("bpd.table"), "bpd_table"):
        with section:
            ui.table([{"l": int(l), ui.tr("bpd.col_mean"): f"{m:.6g}",
                       ui.tr("bpd.col_std"): f"{s:.3g}", ui.tr("bpd.col_weights"): f"{w:.6g}"}
                      for l, m, s, w in zip(n.layers, n.mean, n.std, view.weight_mean,
                                            strict=True)])


def render() -> None:
    st.title(ui.tr("bpd.title"))
    ui.prose("bpd.intro")
    predict.ask("backprop_depth")
    ui.latex(DEPTH_LATEX)
    presets()
    study()
    # the same for every setting: outside the study's fragment, not re-sent on every move
    st.caption(ui.tr("bpd.setup", batch=DEPTH_BATCH, seeds=len(DEPTH_SEEDS)))
    st.subheader(ui.tr("bpd.source_title"))
    ui.show_source(gradient_norms, depth_study_case)
    st.caption(ui.tr("common.share"))


render()
