"""Backprop in a network: a 2–3 layer MLP on one example, δ on every neuron and ∂L/∂W on every
weight, the gradients beside central differences, the softmax output's Jᵀ ∂ℓ/∂s written out,
and the planted bugs of derivs.BACKPROP_BUGS failing the same check. All numbers come from
derivs.network; this file reads widgets and renders.

The example's controls and all they drive live in a fragment (the formulas, questions, the
network's shape, the bugs and the source stay put: the bugs are checked on a fixed example, so
a move of x changes none of them); the bug picker in a fragment of its own (every bug's check
is computed once per settings for the summary, and cached, so picking another only redraws its
detail)."""

from typing import NamedTuple

import streamlit as st

from derivs import ACTIVATIONS
from derivs.network import MLP, backward
from derivs_app import predict, ui
from derivs_app.figures import matrix_heatmap, network_diagram_figure
from derivs_app.formatting import exact, subscript
from derivs_app.views.backprop import (
    BUG_EXAMPLE,
    NETWORK_LATEX,
    NETWORK_LOSSES,
    NETWORK_OUTPUTS,
    SOFTMAX_STEP_LATEX,
    TOLERANCE,
    BugCase,
    NetworkSettings,
    NetworkView,
    bug_cases,
    diagram,
    fits_softmax_page,
    network_view,
    page_link,
    pretty,
    softmax_link,
)

X_RANGE = (-2.0, 2.0, 0.1)
DEFAULT_X = (0.5, -1.0)


def verdict(passed: bool) -> str:
    return ui.tr("bpn.pass") if passed else ui.tr("bpn.fail")


class Shape(NamedTuple):
    """What the page-wide controls choose: the network and its weights, not the example."""
    layers: int
    width: int
    activation: str
    loss: str
    seed: int


def shape_controls() -> Shape:
    """The network's shape, activation, loss and weight seed: outside the fragment (a change
    reruns the page, and is rare; the bugs below depend on them), so that a move of x
    re-renders five widgets fewer."""
    top = st.columns(5)
    with top[0]:
        layers = ui.slider(ui.tr("bpn.layers"), "bpn_layers", 1, 2, 1, 1)
    with top[1]:
        width = ui.slider(ui.tr("bpn.width"), "bpn_width", 2, 4, 3, 1)
    with top[2]:
        activation = ui.select(ui.tr("bpn.activation"), ACTIVATIONS, key="bpn_act",
                               format_func=lambda n: ACTIVATIONS[n].label,
                               index=list(ACTIVATIONS).index("tanh"))
    with top[3]:
        loss = ui.select(ui.tr("bpn.loss"), NETWORK_LOSSES, key="bpn_loss",
                         format_func=ui.labeller("loss.name"))
    with top[4]:
        seed = ui.number(ui.tr("bpn.seed"), "bpn_seed", 0, 0, 999, step=1)
    st.caption(ui.tr(f"bpn.output.{loss}"))
    return Shape(int(layers), int(width), activation, loss, int(seed))


def controls(shape: Shape) -> NetworkSettings:
    """The example: in the network's fragment, so a move redraws only what depends on it (not
    the formulas, the questions, the bugs or the source)."""
    bottom = st.columns(3)
    low, high, step = X_RANGE
    x = []
    for i, v in enumerate(DEFAULT_X):
        with bottom[i]:
            x.append(ui.slider(f"x{subscript(i)}", f"bpn_x{i + 1}", low, high, v, step))
    with bottom[2]:
        # classes 1…3 on screen and in the link; label = class − 1 for the one-hot target
        label = ui.select(ui.tr("bpn.class"), range(1, NETWORK_OUTPUTS + 1), key="bpn_class") - 1
    return NetworkSettings((shape.width,) * shape.layers, shape.activation, shape.loss,
                           shape.seed, tuple(x), int(label))


def parameter_name(name: str) -> str:
    """W2 → W₂."""
    return name[0] + subscript(int(name[1:]), one_based=False)


def entry_name(name: str, index: tuple) -> str:
    where = ", ".join(str(i + 1) for i in index)
    return f"{parameter_name(name)}[{where}]"


def diagram_section(view: NetworkView) -> None:
    d = diagram(view)
    L = len(view.settings.sizes) - 1
    names = [ui.tr("bpn.layer_input")] + [
        ui.tr("bpn.layer_output" if l == L else "bpn.layer_hidden",
              l=subscript(l, one_based=False)) for l in range(1, L + 1)]
    left, right = st.columns([3, 2])
    with left:
        fig = network_diagram_figure(d.neurons, d.weights, delta_name="δ", weight_name="∂L/∂W",
                                     input_name="x", layer_names=names)
        sizes = " → ".join(map(str, view.settings.sizes))
        ui.chart(fig, "bpn_diagram", alt=ui.tr("bpn.alt_diagram", sizes=sizes))
        st.caption(ui.tr("bpn.diagram_caption"))
    with right:
        c = view.check
        rows = [{ui.tr("bpn.col_param"): f"∂L/∂{parameter_name(name)}",
                 ui.tr("bpn.col_shape"): " × ".join(map(str, view.net.params[name].shape)),
                 ui.tr("bpn.col_worst"): ui.band_text(worst)}
                for name, worst in view.worst_by_parameter().items()]
        name, index = c.worst
        # one element, not four: each is re-rendered on every move of x
        st.markdown("\n\n".join([
            f"### {ui.tr('bpn.check_title')}", ui.markdown_table(rows),
            ui.tr("bpn.check_verdict", verdict=verdict(c.passed), tol=f"{TOLERANCE:g}",
                  worst=entry_name(name, index)),
            ui.tr("bpn.loss_value", loss=exact(view.trace.loss))]))
    if section := ui.lazy_expander(ui.tr("bpn.entries"), "bpn_entries"):
        with section:
            ui.table([{ui.tr("bpn.col_entry"): entry_name(r.parameter, r.index),
                       ui.tr("bpn.col_backprop"): exact(r.backprop),
                       ui.tr("bpn.col_central"): exact(r.numerical),
                       ui.tr("common.rel_error"): ui.band_text(r.rel_error, r.band)}
                      for r in view.rows])


def softmax_section(view: NetworkView) -> None:
    step = view.softmax_step
    title = f"## {ui.tr('bpn.softmax_title')}"
    if step is None:
        st.markdown(f"{title}\n\n{ui.tr('bpn.softmax_none')}")
        return
    st.markdown(f"{title}\n\n{ui.tr(f'bpn.softmax_intro.{view.settings.loss}')}")
    ui.latex(SOFTMAX_STEP_LATEX)
    quantities = (("z_L", step.z), ("s = softmax(z_L)", step.s), ("y", step.y),
                  ("∂ℓ/∂s", step.dloss_ds), ("Jᵀ ∂ℓ/∂s", step.explicit),
                  (ui.tr("bpn.col_fused"), step.fused), ("(s − y)/n", step.shortcut))
    said = [ui.markdown_table([{ui.tr("bpn.col_quantity"): name,
                                **{f"i = {i + 1}": f"{v:g}" if name == "y" else exact(v)
                                   for i, v in enumerate(values)}}
                               for name, values in quantities]),
            ui.tr("bpn.softmax_agree", diff=f"{step.max_difference:.2e}")]
    if fits_softmax_page(step.z):
        values = softmax_link(step.z, step.dloss_ds)
        key = "bpn.softmax_link" if "smx_vjp" in values else "bpn.softmax_link_z"
        said.append(ui.tr(key, url=page_link("softmax", values, ui.lang())))
    st.markdown("\n\n".join(said))  # one element: re-rendered on every move of x
    # folded: the table above has J's product already, and a chart less to redraw on every
    # move of x (the Softmax page draws J live)
    if section := ui.lazy_expander(ui.tr("bpn.jacobian_open"), "bpn_jacobian_open"):
        with section:
            ui.chart(matrix_heatmap(step.jacobian, show_values=True, title="J = diag(s) − s sᵀ",
                                    height=320), "bpn_jacobian", alt=ui.tr("bpn.alt_jacobian"))


def bug_summary(cases: dict[str, BugCase]) -> None:
    rows = []
    for name, case in cases.items():
        rows.append({
            ui.tr("bpn.col_bug"): ui.tr(f"bpn.bug.{name}"),
            ui.tr("bpn.col_where"): ui.tr(f"bpn.kind.{case.bug.kind}"),
            ui.tr("bpn.col_correct"): f"{ui.band_text(case.correct.max_rel_error)} · "
                                      f"{verdict(case.correct.passed)}",
            ui.tr("bpn.col_buggy"): f"{ui.band_text(case.buggy.max_rel_error)} · "
                                    f"{verdict(case.buggy.passed)}",
        })
    ui.table(rows)


@ui.fragment
def bug_detail(cases: dict[str, BugCase]) -> None:
    name = ui.select(ui.tr("bpn.bug_pick"), list(cases), key="bpn_bug",  # registry name in URL
                     format_func=ui.labeller("bpn.bug"))
    case = cases[name]
    st.markdown(ui.tr("bpn.rule_broken"))
    st.info(ui.tr(f"bpn.rule.{name}"), icon=":material/rule:")
    where = (ui.tr("bpn.on_network", sizes=" → ".join(map(str, case.sizes))) if case.sizes
             else ui.tr("bpn.on_neuron"))
    st.markdown(where)
    st.markdown(ui.tr("bpn.changed_line"))
    st.code("\n".join(case.changed_lines), language="python")
    names = list(case.correct.worst)
    ui.table([{ui.tr("bpn.col_param"): pretty(n),
               ui.tr("bpn.col_correct"): ui.band_text(case.correct.worst[n]),
               ui.tr("bpn.col_buggy"): ui.band_text(case.buggy.worst[n])} for n in names])
    if case.buggy.passed:
        st.warning(ui.tr("bpn.bug_hidden"), icon=":material/visibility_off:")
    else:
        st.success(ui.tr("bpn.bug_caught", rel=f"{case.buggy.max_rel_error:.2e}"),
                   icon=":material/bug_report:")
    correct, buggy = st.columns(2)
    with correct:
        st.markdown(ui.tr("bpn.code_correct"))
        ui.show_source(*case.correct_code)
    with buggy:
        st.markdown(ui.tr("bpn.code_buggy"))
        ui.show_source(*case.buggy_code)


def bugs_section(shape: Shape) -> None:
    st.header(ui.tr("bpn.bugs_title"))
    st.markdown(ui.tr("bpn.bugs_intro", width=shape.width,
                      x=", ".join(f"{v:g}" for v in BUG_EXAMPLE[0]), k=BUG_EXAMPLE[1] + 1))
    cases = bug_cases(shape.activation, shape.loss, shape.seed, shape.width)
    bug_summary(cases)
    bug_detail(cases)


@ui.fragment
def network(shape: Shape) -> None:
    """The example's controls and everything the network drives: a move reruns only this."""
    settings = controls(shape)
    view = network_view(settings)
    diagram_section(view)
    softmax_section(view)


def render() -> None:
    st.title(ui.tr("bpn.title"))
    ui.prose("bpn.intro")
    predict.ask("backprop_network")
    for tex in NETWORK_LATEX:
        ui.latex(tex)
    shape = shape_controls()
    network(shape)
    bugs_section(shape)
    st.subheader(ui.tr("bpn.source_title"))
    ui.show_source(MLP._run, backward)
    st.caption(ui.tr("common.share"))


render()
