"""Train a network: a small MLP on a 2-D toy dataset, trained by full-batch gradient descent with
the core's gradients; step, run N steps, reset; the loss curve, the decision regions and each
layer's gradient norm over the steps. All numbers come from derivs.network; this file reads
widgets and renders.

The configuration is in the URL (its controls, the buttons and the charts share one fragment,
so a change redraws only the run); the run itself lives in st.session_state as one frozen record
(bounded: at most MAX_STEPS steps). A rerun redraws the run it has and never trains without a
button press; a new network (another dataset, activation, size or seed) starts at step 0. The
URL also carries how many steps were taken (bpt_at), so a shared link replays them once when it
is opened: the same configuration, learning rate and steps give the same network."""

import streamlit as st

from derivs import ACTIVATIONS, DATASETS, train_step
from derivs_app import predict, ui
from derivs_app.figures import decision_regions_figure, training_curves_figure
from derivs_app.formatting import subscript
from derivs_app.views.backprop import (
    LEARNING_RATES,
    MAX_STEPS,
    POINTS,
    RUN_SIZES,
    TRAIN_WIDTHS,
    TrainConfig,
    TrainState,
    advance,
    regions,
    start_training,
    step,
)
from derivs_app.views.playground import plain_markdown

STATE = "bpt_run"  # session-state key of the TrainState
CURVES_HEIGHT = 460  # px: the curves chart's height, and its stand-in's at step 0
AT = "bpt_at"  # URL key: steps taken (a link replays them)


def controls() -> tuple[TrainConfig, float, int]:
    """In the page, not the sidebar: they live in the training fragment with the buttons, so a
    change redraws only the run (a new network is cheap to show; none is trained). Rows are
    horizontal containers, not columns: a column is one more element the fragment re-sends and
    the browser re-renders on every change (1.2-1.5 ms each in Chromium, like a widget: 35 -> 21
    elements per width move, 190 -> 176 ms with bench/latency.py), and a row wraps two by two
    on a phone instead of stacking one control per line."""
    with st.container(horizontal=True, key="bpt_network_row"):
        dataset = ui.select(ui.tr("bpt.dataset"), DATASETS, key="bpt_data",  # registry names
                            format_func=ui.labeller("bpt.data"))
        activation = ui.select(ui.tr("bpt.activation"), ACTIVATIONS, key="bpt_act",
                               format_func=lambda n: ACTIVATIONS[n].label,
                               index=list(ACTIVATIONS).index("tanh"))
        layers = ui.slider(ui.tr("bpt.layers"), "bpt_layers", 1, 3, 1, 1)
        width = ui.select_slider(ui.tr("bpt.width"), TRAIN_WIDTHS, "bpt_width", 16)
        seed = ui.number(ui.tr("bpt.seed"), "bpt_seed", 0, 0, 999, step=1)
    with st.container(horizontal=True, key="bpt_run_row"):
        lr = ui.select_slider(ui.tr("bpt.lr"), LEARNING_RATES, "bpt_lr", 0.5,
                              format_func=lambda v: f"{v:g}")
        run = ui.select_slider(ui.tr("bpt.run_size"), RUN_SIZES, "bpt_n", 100)
    return TrainConfig(dataset, activation, (int(width),) * int(layers), int(seed)), lr, int(run)


def _link_steps() -> int:
    """The steps a shared link asks to replay (bpt_at), 0 when it names none it can take."""
    ui.used_in_link(AT)
    raw = st.query_params.get(AT)
    if raw is None:
        return 0
    if not (raw.isdigit() and int(raw) <= MAX_STEPS):
        st.warning(ui.tr("common.bad_link", name=AT, value=plain_markdown(raw[:60])),
                   icon=":material/link_off:")
        return 0
    return int(raw)


def _remember(state: TrainState) -> TrainState:
    st.session_state[STATE] = state
    if state.steps:
        st.query_params[AT] = str(state.steps)
    else:
        st.query_params.pop(AT, None)
    return state


def current_run(config: TrainConfig, lr: float) -> TrainState:
    """The session's run when it is this network's; else a new one at step 0. Only a session's
    first run replays the steps its link names (that is the link asking)."""
    state = st.session_state.get(STATE)
    if state is not None and state.config == config:
        return _remember(state)  # back from another page, the URL says its steps again
    first = state is None
    replay = _link_steps() if first else 0
    state = start_training(config)
    if replay:
        state = advance(state, lr, replay)
        st.info(ui.tr("bpt.replayed", steps=replay, lr=f"{lr:g}"), icon=":material/replay:")
    return _remember(state)


@ui.fragment
def training() -> None:
    """The configuration, the buttons and all they redraw: a press or a change reruns only
    this."""
    config, lr, run = controls()
    state = current_run(config, lr)
    with st.container(horizontal=True, vertical_alignment="center", key="bpt_buttons"):
        pressed_step = st.button(ui.tr("bpt.step"), key="bpt_step", icon=":material/skip_next:",
                                 disabled=state.room == 0)
        pressed_run = st.button(ui.tr("bpt.run", n=run), key="bpt_run_n",
                                icon=":material/fast_forward:", disabled=state.room == 0)
        pressed_reset = st.button(ui.tr("bpt.reset"), key="bpt_reset",
                                  icon=":material/restart_alt:")
        if pressed_reset:
            state = _remember(start_training(config))
        elif pressed_step or pressed_run:
            state = _remember(advance(state, lr, 1 if pressed_step else run))
        st.markdown(ui.tr("bpt.status", steps=state.steps, loss=f"{state.losses[-1]:.4g}",
                          accuracy=f"{state.accuracy:.0%}"), width="content")
    if state.room == 0:
        st.info(ui.tr("bpt.full", max=MAX_STEPS), icon=":material/block:")
    if len({r for _, r in state.rates}) > 1:
        st.caption(ui.tr("bpt.mixed_rates", rates=", ".join(f"{r:g}" for _, r in state.rates)))
    left, right = st.columns(2)
    with left:
        r = regions(state)
        fig = decision_regions_figure(r.gx, r.gy, r.p1, state.x, state.labels,
                                      class_names=[ui.tr("bpt.class", k=k) for k in (0, 1)],
                                      p_name="P(1)", title=ui.tr("bpt.regions"))
        ui.chart(fig, "bpt_regions", alt=ui.tr("bpt.alt_regions", steps=state.steps))
    with right:
        if state.steps:
            layers = len(config.sizes) - 1
            names = [f"‖∂L/∂W{subscript(l, one_based=False)}‖" for l in range(1, layers + 1)]
            fig = training_curves_figure(state.losses, state.grad_norms, loss_name="L",
                                         layer_names=names, x=ui.tr("bpt.steps_axis"),
                                         grad_y="‖∂L/∂W<sub>l</sub>‖", height=CURVES_HEIGHT)
            ui.chart(fig, "bpt_curves", alt=ui.tr("bpt.alt_curves", steps=state.steps))
        else:
            # at step 0 the curves would be one loss point (the status line has it) and no
            # gradient yet: words instead, in a box the chart's height so nothing jumps when
            # it appears, and every change of the network draws one chart, not two
            with st.container(height=CURVES_HEIGHT, border=True, vertical_alignment="center"):
                st.markdown(ui.tr("bpt.curves_empty", loss=f"{state.losses[-1]:.4g}"))


def render() -> None:
    st.title(ui.tr("bpt.title"))
    ui.prose("bpt.intro")
    predict.ask("backprop_train")
    ui.used_in_link(AT)
    # the same for every run: outside the fragment, not re-sent on every change
    st.caption(ui.tr("bpt.setup", points=POINTS, max=MAX_STEPS))
    training()
    st.caption(ui.tr("bpt.curves_caption"))
    st.subheader(ui.tr("bpt.source_title"))
    ui.prose("bpt.source_intro")
    ui.show_source(step, train_step)
    st.caption(ui.tr("common.share"))


render()
