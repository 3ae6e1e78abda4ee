"""Backprop, node by node: one neuron as a graph of scalars, stepped forward and then backward,
every edge's local × upstream = contribution written on it, a node used twice summing its shares,
and each leaf's gradient against a central difference. All numbers come from
derivs.neuron_graph; this file reads widgets and renders.

The sidebar (inputs, activation, loss) reruns the page; the step controls and what they redraw
live in a fragment, so a step redraws only the graph and its tables."""

import streamlit as st

from derivs import ACTIVATIONS
from derivs.network import NEURON_LOSSES
from derivs_app import predict, ui
from derivs_app.figures import computation_graph_figure
from derivs_app.formatting import exact
from derivs_app.views.backprop import (
    NEURON_DEFAULT,
    NEURON_LATEX,
    GraphView,
    NeuronInputs,
    activation_link,
    graph_code,
    graph_drawing,
    graph_view,
    local_rule,
    loss_link,
    loss_page_gradient,
    neuron_activations,
    node_formula,
    page_link,
    pretty,
    short,
    substituted,
)

INPUT_RANGE = (-3.0, 3.0, 0.05)
TARGET_RANGES = {"mse": (-2.0, 2.0, 0.05), "binary_cross_entropy": (0.0, 1.0, 0.05)}


def controls() -> tuple[NeuronInputs, str, str]:
    with st.sidebar:
        st.header(ui.tr("common.controls"))
        loss = ui.select(ui.tr("bp.loss"), NEURON_LOSSES, key="bp_loss",
                         format_func=ui.labeller("loss.name"))
        options = neuron_activations(loss)
        activation = ui.select(ui.tr("bp.activation"), options, key="bp_act",
                               format_func=lambda n: ACTIVATIONS[n].label,
                               index=options.index("tanh") if "tanh" in options else 0)
        if len(options) == 1:
            st.caption(ui.tr("bp.bce_sigmoid"))
        low, high, step = INPUT_RANGE
        d = NEURON_DEFAULT
        x = tuple(ui.slider(f"x{pretty(str(i + 1))}", f"bp_x{i + 1}", low, high, v, step)
                  for i, v in enumerate(d.x))
        w = tuple(ui.slider(f"w{pretty(str(i + 1))}", f"bp_w{i + 1}", low, high, v, step)
                  for i, v in enumerate(d.w))
        b = ui.slider("b", "bp_b", low, high, d.b, step)
        t_low, t_high, t_step = TARGET_RANGES[loss]
        t = ui.slider(ui.tr("bp.target"), "bp_t", t_low, t_high, d.t, t_step)
        st.caption(ui.tr("common.share"))
    return NeuronInputs(x, w, b, t), activation, loss


def _go(index: int) -> None:
    st.session_state["bp_step"] = index


def step_label(view: GraphView, index: int) -> str:
    """The step slider's label, the same in both languages (AppTest formats a widget's options
    outside the page, in English): 0, → z (3/6), ← a (3/6)."""
    s = view.steps[index]
    if s.phase == "start":
        return "0"
    n = view.forward_steps
    k = index if s.phase == "forward" else index - n
    return f"{'→' if s.phase == 'forward' else '←'} {pretty(s.node)} ({k}/{n})"


def step_words(view: GraphView, index: int) -> str:
    s = view.steps[index]
    if s.phase == "start":
        return ui.tr("bp.step_start")
    n = view.forward_steps
    k = index if s.phase == "forward" else index - n
    return ui.tr(f"bp.step_{s.phase}", k=k, n=n, node=pretty(s.node))


def step_controls(view: GraphView) -> int:
    """Buttons (focusable: Tab, then Enter) and a step slider (arrow keys), both on bp_step."""
    buttons = st.columns([1, 1, 1, 1, 4], vertical_alignment="bottom")
    with buttons[-1]:  # drawn first: the buttons need the step it holds
        current = ui.select_slider(ui.tr("bp.step"), range(view.last + 1), "bp_step", 0,
                                   format_func=lambda i: step_label(view, i))
    moves = (("first", 0, current == 0, "first_page"),
             ("back", max(current - 1, 0), current == 0, "chevron_left"),
             ("next", min(current + 1, view.last), current == view.last, "chevron_right"),
             ("last", view.last, current == view.last, "last_page"))
    for column, (name, to, disabled, icon) in zip(buttons, moves, strict=False):
        column.button(ui.tr(f"bp.{name}"), key=f"bp_{name}", on_click=_go, args=(to,),
                      disabled=disabled, icon=f":material/{icon}:", width="stretch")
    return current


def explain(view: GraphView, state) -> None:
    g, s = view.graph, state.step
    if s.phase == "start":
        leaves = ", ".join(f"{pretty(k)} = {short(v, 4)}" for k, v in view.inputs.leaves().items())
        st.markdown(ui.tr("bp.explain_start", leaves=leaves))
        return
    if s.phase == "forward":
        node = g.node(s.node)
        st.markdown(ui.tr("bp.explain_forward", step=step_words(view, s.index),
                          formula=node_formula(g, s.node), numbers=substituted(g, s.node),
                          value=exact(node.value)))
        return
    grad = state.grads[s.node]
    key = "bp.explain_seed" if s.node == g.nodes[-1].name else "bp.explain_backward"
    st.markdown(ui.tr(key, step=step_words(view, s.index), node=pretty(s.node), grad=exact(grad)))
    rows = [{
        ui.tr("bp.col_edge"): f"{pretty(e.parent)} → {pretty(e.child)}",
        ui.tr("bp.col_rule"): local_rule(g, e.child, e.slot),
        ui.tr("bp.col_local"): exact(e.local),
        ui.tr("bp.col_upstream"): exact(e.upstream),
        ui.tr("bp.col_contribution"): exact(e.contribution),
    } for e in state.current]
    if rows:
        ui.table(rows)
    for parent in dict.fromkeys(e.parent for e in state.current):
        shares = state.shares[parent]
        if len(shares) > 1 and parent in state.complete:
            st.markdown(ui.tr("bp.fan_out", node=pretty(parent), count=len(shares),
                              shares=" + ".join(exact(c) for c in shares),
                              total=exact(state.grads[parent])))


def checks_table(view: GraphView, state) -> None:
    st.subheader(ui.tr("bp.checks_title"))
    st.markdown(ui.tr("bp.checks_intro"))
    rows = []
    for c in view.checks:
        done = c.name in state.complete
        rows.append({
            ui.tr("bp.col_leaf"): pretty(c.name),
            ui.tr("bp.col_value"): exact(c.value),
            ui.tr("bp.col_backprop"): exact(c.backprop) if done else "—",
            ui.tr("bp.col_central"): f"{exact(c.numerical)} (h = {c.h:.3g})",
            ui.tr("common.rel_error"): ui.band_text(c.rel_error, c.band) if done else
            ui.tr("bp.not_yet"),
        })
    ui.table(rows)


def same_numbers(view: GraphView) -> None:
    """f′(z) and ∂L/∂a are the numbers the Activations and Losses pages show."""
    g = view.graph
    z, a = g.node("z").value, g.node("a").value
    fprime, dl_da = g.node("a").local[0], g.node("a").grad
    st.subheader(ui.tr("bp.same_title"))
    st.markdown(ui.tr("bp.same_activation", act=ACTIVATIONS[view.activation].label, z=exact(z),
                      fprime=exact(fprime),
                      url=page_link("activations", activation_link(view.activation, z), ui.lang())))
    value, each = loss_page_gradient(view.loss, view.inputs.t, a)
    st.markdown(ui.tr("bp.same_loss", loss=ui.tr(f"loss.name.{view.loss}"), t=short(view.inputs.t, 4),
                      a=exact(a), value=exact(value), each=exact(each), dl_da=exact(dl_da),
                      url=page_link("losses", loss_link(view.loss, view.inputs.t, a), ui.lang())))


@ui.fragment
def walk(view: GraphView) -> None:
    index = step_controls(view)
    state = view.state(index)
    explain(view, state)
    nodes, edges = graph_drawing(view, state)
    ui.chart(computation_graph_figure(nodes, edges), "bp_graph",
             alt=ui.tr("bp.alt_graph", step=step_words(view, index)))
    st.caption(ui.tr("bp.legend"))
    checks_table(view, state)


def render() -> None:
    st.title(ui.tr("bp.title"))
    ui.prose("bp.intro")
    inputs, activation, loss = controls()
    ui.latex(NEURON_LATEX[loss])
    try:
        view = graph_view(inputs, activation, loss)
    except ValueError:  # the core refuses BCE where a rounds to 0 or 1
        st.warning(ui.tr("bp.saturated"), icon=":material/warning:")
        return
    walk(view)
    # after the key chart (it stays on a projector's first screen): the graph at a step does
    # not answer either question
    predict.ask("backprop")
    same_numbers(view)
    st.subheader(ui.tr("bp.source_title"))
    ui.prose("bp.source_intro")
    ui.show_source(*graph_code())


render()
