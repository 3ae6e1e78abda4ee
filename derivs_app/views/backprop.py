"""What the backprop pages show, computed once per view from derivs.network: the one-neuron graph
stepped forward and backward, a small network's δ and ∂L/∂W beside central differences, the
softmax output's Jᵀ ∂L/∂s step, the planted bugs against the gradient check, the depth study's
gradient norms in words, and a training run kept as a frozen record.

Nothing here imports streamlit or plotly: the pages read widgets and render, figures.py draws.
Words are i18n keys and numbers; the pages put them into sentences.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

from derivs import (
    ACTIVATIONS,
    BACKPROP_BUGS,
    LOSSES,
    METHODS,
    MLP,
    error_band,
    gradient_check,
    gradient_norms,
    make_dataset,
    neuron_graph,
    numeric_derivative,
    relative_error,
    softmax,
    softmax_jacobian,
)
from derivs.network import BackpropBug, NeuronGraph, backward, train_step
from derivs.snippets import called_functions

#: The gradient check's pass mark everywhere on these pages (gradient_check's own default).
TOLERANCE = 1e-6
#: Finite differences on these pages: central, with the core's default step ∛ε·max(1, |θ|).
METHOD = "central"

# --- 1. the chain rule, node by node -----------------------------------------------------------


@dataclass(frozen=True)
class NeuronInputs:
    """The leaves of the one-neuron graph: z = Σ w_i x_i + b, a = f(z), L = loss(t, a)."""

    x: tuple[float, ...]
    w: tuple[float, ...]
    b: float
    t: float

    def leaves(self) -> dict[str, float]:
        """{leaf name: value} in the graph's names (x1, w1, …, b, t)."""
        pairs = {}
        for i, (xi, wi) in enumerate(zip(self.x, self.w, strict=True), 1):
            pairs[f"x{i}"], pairs[f"w{i}"] = float(xi), float(wi)
        return pairs | {"b": float(self.b), "t": float(self.t)}

    def with_leaf(self, name: str, value: float) -> NeuronInputs:
        value = float(value)
        if name in ("b", "t"):
            return replace(self, **{name: value})
        i = int(name[1:]) - 1
        vector = list(getattr(self, name[0]))
        vector[i] = value
        return replace(self, **{name[0]: tuple(vector)})


#: The core's own docstring example: z = 0.5 − 0.5 + 0.1 = 0.1, every node a short number.
NEURON_DEFAULT = NeuronInputs(x=(1.0, 2.0), w=(0.5, -0.25), b=0.1, t=1.0)


def neuron_activations(loss: str) -> tuple[str, ...]:
    """The activations a neuron can have under this loss: binary cross-entropy takes log a and
    log(1 − a), so it needs 0 < a < 1 at every z, which of the registry only the sigmoid gives."""
    if loss == "binary_cross_entropy":
        return ("sigmoid",)
    return tuple(ACTIVATIONS)


@dataclass(frozen=True)
class Step:
    """One stop of the walk: "start" (the leaves), "forward" (node computed from its parents)
    or "backward" (node visited: it passes local × upstream to each parent)."""

    index: int
    phase: str
    node: str | None


@dataclass(frozen=True)
class LeafCheck:
    """Backprop's dL/d(leaf) against a central difference of L in that leaf alone."""

    name: str
    value: float
    backprop: float
    numerical: float
    h: float
    rel_error: float
    band: str

    @property
    def passed(self) -> bool:
        return self.rel_error <= TOLERANCE


@dataclass(frozen=True)
class StepState:
    """What is known after a step: values computed so far, gradients accumulated so far (a
    node with two children shows a partial sum until both have been visited)."""

    step: Step
    computed: frozenset  # nodes with a value on screen (the leaves always)
    passed: tuple  # Edge records whose contribution has been passed back, in backprop's order
    current: tuple  # the edges this step uses (forward: into the node; backward: out of it)
    grads: dict  # node -> dL/d(node) accumulated so far
    shares: dict  # node -> the contributions that made grads[node], in order
    complete: frozenset  # nodes whose gradient is final


@dataclass(frozen=True)
class GraphView:
    inputs: NeuronInputs
    activation: str
    loss: str
    graph: NeuronGraph
    steps: tuple
    positions: dict
    checks: tuple  # LeafCheck per leaf, in the graph's order

    @property
    def last(self) -> int:
        return len(self.steps) - 1

    @property
    def forward_steps(self) -> int:
        return sum(s.phase == "forward" for s in self.steps)

    def children(self, name: str) -> tuple:
        return self.graph.children(name)

    def state(self, index: int) -> StepState:
        index = min(max(int(index), 0), self.last)
        step = self.steps[index]
        g = self.graph
        leaves = {n.name for n in g.nodes if not n.parents}
        forward = [s.node for s in self.steps[1:index + 1] if s.phase == "forward"]
        visited = [s.node for s in self.steps[1:index + 1] if s.phase == "backward"]
        inner = {n.name for n in g.nodes if n.parents}
        computed = leaves | (inner if visited else set(forward))
        passed = tuple(e for e in g.edges if e.child in visited)
        grads, shares = {}, {}
        if visited:
            grads[g.nodes[-1].name], shares[g.nodes[-1].name] = 1.0, ()
        for e in passed:  # the core's order and its +: the final sums are its numbers exactly
            grads[e.parent] = grads.get(e.parent, 0.0) + e.contribution
            shares[e.parent] = shares.get(e.parent, ()) + (e.contribution,)
        complete = frozenset(
            n for n in grads
            if all(e in passed for e in g.children(n))
        )
        if step.phase == "forward":
            current = tuple(e for e in g.edges if e.child == step.node)[::-1]
        elif step.phase == "backward":
            current = tuple(e for e in g.edges if e.child == step.node)
        else:
            current = ()
        return StepState(step, frozenset(computed), passed, current, grads, shares, complete)


def _walk(g: NeuronGraph) -> tuple:
    inner = [n.name for n in g.nodes if n.parents]
    steps = [Step(0, "start", None)]
    steps += [Step(len(steps) + i, "forward", name) for i, name in enumerate(inner)]
    steps += [Step(len(steps) + i, "backward", name) for i, name in enumerate(reversed(inner))]
    return tuple(steps)


def _positions(k: int, loss: str) -> dict:
    """Where each node sits: leaves on the left, L on the right (data units of the figure).
    Columns are far enough apart for an edge's two-line label between two circles; the target
    t sits above the loss part, where no other edge passes."""
    pos = {}
    for i in range(1, k + 1):
        top = 4.0 - 2.0 * (i - 1)
        pos[f"w{i}"], pos[f"x{i}"] = (0.0, top), (0.0, top - 0.8)
        pos[f"p{i}"] = (2.0, top - 0.4)
    bottom = 4.0 - 2.0 * (k - 1) - 2.4
    pos["b"] = (0.0, bottom)
    mid = round(float(np.mean([pos[f"p{i}"][1] for i in range(1, k + 1)] + [bottom])), 3)
    pos["z"], pos["a"] = (3.4, mid), (4.7, mid)
    if loss == "mse":
        pos["t"], pos["r"], pos["L"] = (4.7, 3.6), (6.1, mid), (7.4, mid + 0.9)
    else:
        pos["u"], pos["v"] = (6.3, mid + 0.9), (6.3, mid - 0.9)
        pos["t"], pos["L"] = (7.7, 3.7), (7.7, mid)
    return pos


#: Where a node's value and gradient are written, where the default (below) meets an edge.
LABEL_SPOTS = {("binary_cross_entropy", "a"): "above_left", ("binary_cross_entropy", "u"): "above"}


def leaf_checks(inputs: NeuronInputs, activation: str, loss: str, graph: NeuronGraph) -> tuple:
    """Each leaf's backprop gradient (from graph, which may be a buggy one) against a central
    difference of the correct L with that leaf alone moved."""
    checks = []
    for name, value in inputs.leaves().items():
        def loss_at(v, name=name):
            moved = inputs.with_leaf(name, float(v))
            return neuron_graph(**_graph_args(moved), activation=activation, loss=loss).loss
        numerical = float(numeric_derivative(loss_at, value, METHOD))
        backprop = graph.node(name).grad
        rel = float(relative_error(backprop, numerical))
        checks.append(LeafCheck(name, value, backprop, numerical,
                                float(METHODS[METHOD].default_step(value)), rel, error_band(rel)))
    return tuple(checks)


def _graph_args(inputs: NeuronInputs) -> dict:
    return dict(x=list(inputs.x), w=list(inputs.w), b=inputs.b, t=inputs.t)


def graph_view(inputs: NeuronInputs, activation: str, loss: str) -> GraphView:
    g = neuron_graph(**_graph_args(inputs), activation=activation, loss=loss)
    return GraphView(inputs, activation, loss, g, _walk(g), _positions(len(inputs.x), loss),
                     leaf_checks(inputs, activation, loss, g))


#: ∂(child)/∂(parent) of each op and argument slot, as a formula in the graph's names.
LOCAL_RULES = {
    ("×", 0): "∂({child})/∂({parent}) = {other}",
    ("×", 1): "∂({child})/∂({parent}) = {other}",
    ("+", None): "∂({child})/∂({parent}) = 1",
    ("act", 0): "∂a/∂z = f′(z)",
    ("−", 0): "∂r/∂a = 1",
    ("−", 1): "∂r/∂t = −1",
    ("log", 0): "∂u/∂a = 1/a",
    ("log(1 − ·)", 0): "∂v/∂a = −1/(1 − a)",
    ("bce", 0): "∂L/∂t = v − u",
    ("bce", 1): "∂L/∂u = −t",
    ("bce", 2): "∂L/∂v = t − 1",
}


def pretty(name: str) -> str:
    """x1 → x₁ (the graph's names as they are written on paper)."""
    head, digits = name.rstrip("0123456789"), name[len(name.rstrip("0123456789")):]
    return head + digits.translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def local_rule(g: NeuronGraph, child: str, slot: int) -> str:
    node = g.node(child)
    op = node.op
    if op == "+":
        key = ("+", None)
    elif op in ("×", "−", "log", "log(1 − ·)", "bce"):
        key = (op, slot)
    else:
        key = ("act", 0)
    parent = node.parents[slot]
    other = node.parents[1 - slot] if op == "×" else ""
    return LOCAL_RULES[key].format(child=pretty(child), parent=pretty(parent),
                                   other=pretty(other))


def _right_side(op: str, args: list[str]) -> str:
    """A node's operation written out over its parents (their names, or their values)."""
    if op == "×":
        return f"{args[0]} · {args[1]}"
    if op == "+":
        return " + ".join(args)
    if op == "−":
        return f"{args[0]} − {args[1]}"
    if op == "log":
        return f"log {args[0]}"
    if op == "log(1 − ·)":
        return f"log(1 − {args[0]})"
    if op == "bce":
        return f"−({args[0]} · {args[1]} + (1 − {args[0]}) · {args[2]})"
    return f"{op}({args[0]})"


def node_formula(g: NeuronGraph, name: str) -> str:
    """How the node is computed from its parents, in the graph's names: z = p₁ + p₂ + b."""
    node = g.node(name)
    return f"{pretty(name)} = {_right_side(node.op, [pretty(q) for q in node.parents])}"


NEURON_LATEX = {
    "mse": r"z = \sum_i w_i x_i + b,\quad a = f(z),\quad r = a - t,\quad L = r \cdot r = (a - t)^2",
    "binary_cross_entropy": r"z = \sum_i w_i x_i + b,\quad a = \sigma(z),\quad u = \log a,\quad "
                            r"v = \log(1 - a),\quad L = -(t\,u + (1 - t)\,v)",
}
_SYMBOLS = {"log(1 − ·)": "log(1−·)", "bce": "BCE", "sigmoid": "σ", "leaky_relu": "LReLU",
            "gelu_tanh": "GELUₜ"}


def symbol(node) -> str:
    """What is written inside a node's circle: a leaf's name, an operation, an activation's
    short name (its label's first word; σ for the sigmoid)."""
    if not node.parents:
        return pretty(node.name)
    if node.op in _SYMBOLS:
        return _SYMBOLS[node.op]
    if node.op in ACTIVATIONS:
        return ACTIVATIONS[node.op].label.split()[0]
    return node.op


def short(value: float, digits: int = 3) -> str:
    """A number on the graph: a few digits, a real minus sign (and no −0)."""
    return f"{value + 0.0:.{digits}g}".replace("-", "−") if value != 0 else "0"


def substituted(g: NeuronGraph, name: str) -> str:
    """The node's formula with its parents' values put in: z = 0.5 + (−0.5) + 0.1."""
    node = g.node(name)
    values = [g.node(q).value for q in node.parents]
    return _right_side(node.op, [f"({short(v, 4)})" if v < 0 else short(v, 4) for v in values])


def _edge_geometry(view: GraphView) -> list:
    """(x0, y0, x1, y1) per edge of view.graph.edges: a pair used twice (r·r) is drawn as two
    parallel lines, so each of its two shares has its own arrow and label."""
    pos = view.positions
    seen = {}
    for e in view.graph.edges:
        seen[(e.parent, e.child)] = seen.get((e.parent, e.child), 0) + 1
    lines = []
    for e in view.graph.edges:
        (x0, y0), (x1, y1) = pos[e.parent], pos[e.child]
        if seen[(e.parent, e.child)] > 1:  # side by side, a little above and below
            off = 0.13 if e.slot == 0 else -0.13
            y0, y1 = y0 + off, y1 + off
        lines.append((x0, y0, x1, y1))
    return lines


def graph_drawing(view: GraphView, state: StepState) -> tuple[list, list]:
    """(nodes, edges) as computation_graph_figure takes them, for this step."""
    g = view.graph
    checks = {c.name: c for c in view.checks}
    nodes = []
    for n in g.nodes:
        x, y = view.positions[n.name]
        computed = n.name in state.computed
        lines = [f"{pretty(n.name)} = {short(n.value, 4)}" if computed else pretty(n.name)]
        hover = [f"{pretty(n.name)} = {n.value!r}" if computed else pretty(n.name)]
        if n.name in state.grads:
            grad, shares = state.grads[n.name], state.shares[n.name]
            text = f"∂L/∂{pretty(n.name)} = {short(grad, 4)}"
            if len(shares) > 1:  # the sum on its own line: the label stays narrow
                text = f"∂L/∂{pretty(n.name)} = " + " + ".join(short(c) for c in shares) \
                       + f"<br>= {short(grad, 4)}"
            if n.name not in state.complete:
                text += " …"
            lines.append(text)
            hover.append(f"∂L/∂{pretty(n.name)} = {grad!r}")
        band = checks[n.name].band if (n.name in checks and n.name in state.complete) else None
        label_at = ("left" if not n.parents else "right" if n is g.nodes[-1] else
                    LABEL_SPOTS.get((view.loss, n.name), "below"))
        nodes.append(dict(x=x, y=y, symbol=symbol(n), label="<br>".join(lines), label_at=label_at,
                          state="backward" if n.name in state.grads else
                          "forward" if computed else "pending",
                          current=state.step.node == n.name, band=band,
                          hover="<br>".join(hover)))
    passed, current = set(state.passed), set(state.current)
    pairs = [(e.parent, e.child) for e in g.edges]
    twice = {pair: pairs.count(pair) > 1 for pair in pairs}
    edges = []
    for e, (x0, y0, x1, y1) in zip(g.edges, _edge_geometry(view), strict=True):
        back = e in passed
        edges.append(dict(
            x0=x0, y0=y0, x1=x1, y1=y1,
            state="backward" if back else "forward" if e.child in state.computed else "pending",
            current=e in current,
            label=(f"{short(e.local)} × {short(e.upstream)}<br>= {short(e.contribution)}"
                   if back else ""),
            at=(0.3 if e.slot == 0 else 0.7) if twice[(e.parent, e.child)] else 0.5,
            numbers=[e.local, e.upstream, e.contribution] if back else None,
            hover=f"{pretty(e.parent)} → {pretty(e.child)}: {local_rule(g, e.child, e.slot)}"))
    return nodes, edges


def graph_code() -> tuple:
    """The code that builds and backpropagates the graph, as it runs."""
    return tuple(f for f in called_functions(neuron_graph) if f.__name__ not in _HELPERS)


# --- links to the pages that show the same numbers ---------------------------------------------


def page_link(page: str, values: dict, lang: str) -> str:
    """A relative link to another page of the app with these URL values (and the language:
    a link opens a new session, so ?lang=zh must travel with it)."""
    values = values | ({"lang": lang} if lang != "en" else {})
    return page + "?" + "&".join(f"{k}={v}" for k, v in values.items())


def activation_link(activation: str, z: float) -> dict:
    """The Activations page's URL values for f′ at this z (its exact-x₀ box, any z)."""
    return {"act": activation, "act_exact": "true", "act_x0n": repr(float(z))}


def loss_link(loss: str, t: float, a: float) -> dict:
    """The Losses page's URL values for this neuron's loss. That page averages over n ≥ 2
    components, so the neuron's (t, a) is given twice: L is the same, and the gradient with
    respect to a is the sum of the two components' gradients (a used twice: fan-out)."""
    record = LOSSES[loss]
    target = {"values": "loss_y", "binary": "loss_b", "distribution": "loss_d"}[record.target]
    prediction = {"values": "loss_p", "probabilities": "loss_q",
                  "logits": "loss_z"}[record.prediction]
    values = {"loss": loss, "loss_n": "2"}
    for i in (0, 1):
        values[f"{target}{i}"], values[f"{prediction}{i}"] = repr(float(t)), repr(float(a))
    return values


def loss_page_gradient(loss: str, t: float, a: float) -> tuple[float, float]:
    """(L, ∂L/∂ŷ₀) as the Losses page computes them for loss_link's two equal components."""
    record = LOSSES[loss]
    y, yhat = np.array([t, t]), np.array([a, a])
    return float(record.value(y, yhat)), float(record.grad(y, yhat)[0])


def softmax_link(z, v=None) -> dict:
    """The Softmax page's URL values for logits z (its custom sliders, −10…10), and, when v
    fits its sliders (−5…5), the upstream gradient of its VJP section, opened."""
    z = [float(u) for u in np.ravel(z)]
    values = {"smx_n": str(len(z))} | {f"smx_z{k}": repr(u) for k, u in enumerate(z)}
    if v is not None and all(abs(float(u)) <= 5.0 for u in np.ravel(v)):
        values["smx_vjp"] = "true"
        values |= {f"smx_v{k}": repr(float(u)) for k, u in enumerate(np.ravel(v))}
    return values


def fits_softmax_page(z) -> bool:
    return len(np.ravel(z)) <= 10 and all(abs(float(u)) <= 10.0 for u in np.ravel(z))


# --- 2. a small network ------------------------------------------------------------------------

NETWORK_LOSSES = ("cross_entropy", "softmax_cross_entropy", "mse")
NETWORK_LATEX = (
    r"z_l = W_l\, a_{l-1} + b_l,\quad a_l = f(z_l),\quad \hat y = \mathrm{out}(z_L),"
    r"\quad \ell = \mathrm{loss}(y, \hat y)",
    r"\delta_L = \Big(\frac{\partial \hat y}{\partial z_L}\Big)^{\!\top}"
    r" \frac{\partial \ell}{\partial \hat y},\quad"
    r" \delta_l = \big(W_{l+1}^{\top} \delta_{l+1}\big) \odot f'(z_l),\quad"
    r" \frac{\partial L}{\partial W_l} = \delta_l\, a_{l-1}^{\top},\quad"
    r" \frac{\partial L}{\partial b_l} = \delta_l",
)
SOFTMAX_STEP_LATEX = (r"\delta_L = J^{\top} \frac{\partial \ell}{\partial s},\quad"
                      r" J = \mathrm{diag}(s) - s s^{\top},\quad"
                      r" \frac{\partial \ell}{\partial s_i} = -\frac{y_i}{n\, s_i}")
NETWORK_OUTPUTS = 3
NETWORK_INIT = "xavier"


@dataclass(frozen=True)
class NetworkSettings:
    hidden: tuple[int, ...]
    activation: str
    loss: str
    seed: int
    x: tuple[float, float]
    label: int

    @property
    def sizes(self) -> tuple[int, ...]:
        return (2, *self.hidden, NETWORK_OUTPUTS)


@dataclass(frozen=True)
class GradientRow:
    parameter: str  # "W2"
    index: tuple  # (i, j) zero-based, or (i,)
    backprop: float
    numerical: float
    rel_error: float
    band: str


@dataclass(frozen=True)
class SoftmaxStep:
    """δ_L from ∂ℓ/∂s through the softmax written out: Jᵀ ∂ℓ/∂s with J = diag(s) − s sᵀ.

    fused is the trace's own δ_L (softmax_vjp for cross_entropy, (s − y)/n for the fused
    softmax_cross_entropy); explicit is the full matrix product."""

    z: np.ndarray
    s: np.ndarray
    y: np.ndarray
    dloss_ds: np.ndarray  # ∂ℓ/∂s of cross-entropy on s, one example
    jacobian: np.ndarray
    explicit: np.ndarray  # Jᵀ ∂ℓ/∂s
    fused: np.ndarray  # the trace's δ_L
    shortcut: np.ndarray  # (s − y)/n
    max_difference: float


@dataclass(frozen=True)
class NetworkView:
    settings: NetworkSettings
    net: MLP
    trace: object  # derivs.network.Trace
    check: object  # derivs.network.NetworkCheck
    rows: tuple  # GradientRow per parameter entry
    softmax_step: SoftmaxStep | None

    def worst_by_parameter(self) -> dict[str, float]:
        return {k: float(np.max(v)) for k, v in self.check.relative_error.items()}


def network_case(settings: NetworkSettings):
    """(net, x, label) for the settings: one example, labels one-hot over 3 classes."""
    net = MLP(settings.sizes, settings.activation, settings.loss, NETWORK_INIT, settings.seed)
    return net, np.array(settings.x, dtype=np.float64), int(settings.label)


def gradient_rows(check) -> tuple:
    rows = []
    for name in check.analytical:
        for idx in np.ndindex(check.analytical[name].shape):
            rel = float(check.relative_error[name][idx])
            rows.append(GradientRow(name, idx, float(check.analytical[name][idx]),
                                    float(check.numerical[name][idx]), rel, error_band(rel)))
    return tuple(rows)


def softmax_step(trace, loss: str) -> SoftmaxStep | None:
    if loss not in ("cross_entropy", "softmax_cross_entropy"):
        return None
    last = trace.layers[-1]
    z, y = last.z[0], trace.y[0]
    s = softmax(z)
    n = len(z)
    # ∂ℓ/∂s of ℓ = −(1/n) Σ y_i log s_i: the cross-entropy record's gradient of the plain sum / n
    dloss_ds = LOSSES["cross_entropy"].grad(y, s, reduction="sum") / n
    jac = softmax_jacobian(z)
    explicit = jac.T @ dloss_ds
    fused = last.delta[0]
    shortcut = (s - y) / n
    return SoftmaxStep(z, s, y, dloss_ds, jac, explicit, fused, shortcut,
                       float(np.max(np.abs(explicit - fused))))


def network_view(settings: NetworkSettings) -> NetworkView:
    net, x, label = network_case(settings)
    trace = net.trace(x, label)
    check = gradient_check(net, x, label, method=METHOD, tolerance=TOLERANCE)
    return NetworkView(settings, net, trace, check, gradient_rows(check),
                       softmax_step(trace, settings.loss))


@dataclass(frozen=True)
class Diagram:
    """The network drawn as neurons in columns: (layer, unit) -> position, δ and x values, and
    one entry per weight with its gradient."""

    neurons: tuple  # (layer, unit, x, y, value, is_delta)
    weights: tuple  # (layer, i, j, x0, y0, x1, y1, dW)


def diagram(view: NetworkView) -> Diagram:
    sizes = view.settings.sizes
    pos = {}
    for l, n in enumerate(sizes):
        for u in range(n):
            pos[(l, u)] = (float(l), (n - 1) / 2.0 - u)
    neurons = []
    for u in range(sizes[0]):
        neurons.append((0, u, *pos[(0, u)], float(view.trace.x[0, u]), False))
    for layer in view.trace.layers:
        for u in range(sizes[layer.l]):
            neurons.append((layer.l, u, *pos[(layer.l, u)], float(layer.delta[0, u]), True))
    weights = []
    for layer in view.trace.layers:
        for i in range(sizes[layer.l]):
            for j in range(sizes[layer.l - 1]):
                weights.append((layer.l, i, j, *pos[(layer.l - 1, j)], *pos[(layer.l, i)],
                                float(layer.dW[i, j])))
    return Diagram(tuple(neurons), tuple(weights))


# --- the planted bugs --------------------------------------------------------------------------

#: The correct code each kind of bug is a copy of, shown beside the flawed one.
CORRECT_CODE = {"backward": (backward,), "trainer": (train_step,),
                "neuron_graph": (neuron_graph,)}
_HELPERS = ("_choose", "_params_for", "_needs_hidden_layer", "as_array")


@dataclass(frozen=True)
class Verdict:
    """A gradient check's outcome in one shape for networks and the neuron: the worst relative
    error per parameter (or leaf) and whether all pass."""

    worst: dict  # name -> max relative error
    passed: bool

    @property
    def max_rel_error(self) -> float:
        return max(self.worst.values())


@dataclass(frozen=True)
class BugCase:
    bug: BackpropBug
    sizes: tuple | None  # the network (None: the neuron graph)
    correct: Verdict
    buggy: Verdict
    changed_lines: tuple  # the lines marked "# BUG" in the running source
    buggy_code: tuple  # the functions that run the flawed version
    correct_code: tuple


def _verdict(check) -> Verdict:
    return Verdict({k: float(np.max(v)) for k, v in check.relative_error.items()}, check.passed)


def _leaf_verdict(checks) -> Verdict:
    worst = {c.name: c.rel_error for c in checks}
    return Verdict(worst, all(c.passed for c in checks))


def bug_code(bug: BackpropBug) -> tuple:
    return tuple(f for f in called_functions(bug.wrong)
                 if f.__module__ == "derivs.network" and f.__name__ not in _HELPERS)


@lru_cache(maxsize=64)
def changed_lines(functions: tuple) -> tuple:
    """The lines marked "# BUG" in the functions' running source; a marker on a comment line
    of its own comes with the code line below it."""
    found = []
    for f in functions:
        lines = [line.strip() for line in inspect.getsource(f).splitlines()]
        for i, line in enumerate(lines):
            if "# BUG" in line:
                found.append(line)
                if line.startswith("#"):
                    found.append(next(c for c in lines[i + 1:] if c and not c.startswith("#")))
    return tuple(found)


def bug_sizes(width: int) -> tuple:
    """The network the backward bugs are shown on: two hidden layers of the same width, so W₂
    is square and the W-for-Wᵀ slip type-checks (the shapes alone catch it elsewhere)."""
    return (2, width, width, NETWORK_OUTPUTS)


def bug_case(name: str, activation: str, loss: str, seed: int, width: int, x,
             label: int, differences: dict | None = None) -> BugCase:
    """differences: finite differences already taken, by the network's parameters (bytes):
    the bugs of the backward pass are checked at the same network, so the numerical side is
    computed once for them (it does not depend on the bug, only the analytical side does)."""
    bug = BACKPROP_BUGS[name]
    code = bug_code(bug)
    if bug.kind == "neuron_graph":
        inputs, neuron_loss, act = NEURON_DEFAULT, "mse", activation
        correct = graph_view(inputs, act, neuron_loss)
        wrong = bug.wrong(**_graph_args(inputs), activation=act, loss=neuron_loss)
        return BugCase(bug, None, _leaf_verdict(correct.checks),
                       _leaf_verdict(leaf_checks(inputs, act, neuron_loss, wrong)),
                       changed_lines(code), code, CORRECT_CODE[bug.kind])
    sizes = bug_sizes(width)
    net = MLP(sizes, activation, loss, NETWORK_INIT, seed)
    x = np.array(x, dtype=np.float64)
    at, grads = bug.wrong(net, x, label)
    differences = {} if differences is None else differences
    where = b"".join(at.params[k].tobytes() for k in sorted(at.params))
    correct = gradient_check(at, x, label, method=METHOD, tolerance=TOLERANCE,
                             numerical=differences.get(where))
    differences[where] = correct.numerical
    buggy = gradient_check(at, x, label, grads, method=METHOD, tolerance=TOLERANCE,
                           numerical=correct.numerical)
    return BugCase(bug, sizes, _verdict(correct), _verdict(buggy), changed_lines(code), code,
                   CORRECT_CODE[bug.kind])


#: The example the bugs are checked on (x, class index): fixed, so that moving the page's x
#: does not check every bug again (whether a bug is caught does not hinge on the example).
BUG_EXAMPLE = ((0.5, -1.0), 0)


@lru_cache(maxsize=32)
def bug_cases(activation: str, loss: str, seed: int, width: int) -> dict:
    """Every bug's case for these settings, on BUG_EXAMPLE (cached: a move of the page's x, or
    a bug picked in the fragment, checks nothing again). Treat the dict as read-only."""
    differences: dict = {}
    x, label = BUG_EXAMPLE
    return {name: bug_case(name, activation, loss, seed, width, x, label, differences)
            for name in BACKPROP_BUGS}


# --- 3. vanishing and exploding gradients ------------------------------------------------------

DEPTH_RANGE = (1, 50)
WIDTHS = (4, 8, 16, 32, 64)
SIGMAS = (0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0)
DEPTH_SEEDS = (0, 1, 2, 3, 4)
DEPTH_BATCH = 64
#: Why depth multiplies: each step back is a factor Wᵀ and a factor f′, so (operator norms)
DEPTH_LATEX = (r"\delta_l = \big(W_{l+1}^{\top} \delta_{l+1}\big) \odot f'(z_l)"
               r"\quad\Rightarrow\quad \|\delta_1\| \le \|\delta_L\| \prod_{l=1}^{L-1}"
               r" \|W_{l+1}\|_2 \, \max_i |f'(z_{l,i})|")
#: The initialisations as the chooser shows them: the same words in both languages.
INIT_LABELS = {"normal": "normal N(0, σ²)", "xavier": "Xavier (Glorot)", "he": "He (Kaiming)",
               "lecun": "LeCun"}
VANISH, EXPLODE = 1e-2, 1e2  # how far ‖δ₁‖/‖δ_L‖ must move to earn the word


@dataclass(frozen=True)
class DepthPreset:
    name: str
    activation: str
    init: str
    sigma: float | None
    expect: str  # the verdict the preset is known for (checked by the tests)


DEPTH_PRESETS = {
    p.name: p
    for p in (
        DepthPreset("sigmoid_normal", "sigmoid", "normal", 1.0, "vanishes"),
        DepthPreset("relu_he", "relu", "he", None, "holds"),
        DepthPreset("tanh_large", "tanh", "normal", 2.0, "explodes"),
        DepthPreset("selu_lecun", "selu", "lecun", None, "holds"),
    )
}


@dataclass(frozen=True)
class DepthView:
    norms: object  # derivs.network.GradientNorms
    bound: np.ndarray | None  # ‖δ_L‖ · 0.25^(L − l): the sigmoid's σ′ ≤ 1/4 alone, per layer
    ratio: float  # mean ‖δ₁‖ / mean ‖δ_L‖
    per_layer: float  # ratio^(1/(L − 1)): the average factor per layer
    verdict: str  # "single", "vanishes", "explodes", "holds"
    spread: float  # std/mean at layer 1 over the seeds
    lowest: tuple  # (layer, mean) where the mean is smallest
    highest: tuple

    @property
    def weight_mean(self) -> np.ndarray:
        """‖∂L/∂W_l‖ per layer, the mean over the seeds."""
        return self.norms.weight_grad_norms.mean(axis=0)


@lru_cache(maxsize=64)
def _norms(depth, width, activation, init, sigma):
    return gradient_norms(depth, width, activation, init, sigma, batch=DEPTH_BATCH,
                          seeds=DEPTH_SEEDS)


def depth_view(depth: int, width: int, activation: str, init: str,
               sigma: float | None) -> DepthView:
    sigma = sigma if init == "normal" else None
    norms = _norms(int(depth), int(width), activation, init, sigma)
    mean = norms.mean
    top = float(mean[-1])
    bound = None
    if activation == "sigmoid":  # σ′ ≤ 1/4: the slopes alone shrink δ by 4 per layer
        bound = top * 0.25 ** (depth - norms.layers.astype(np.float64))
    ratio = float(mean[0] / top) if top > 0 else math.nan
    if depth == 1:
        verdict, per_layer = "single", 1.0
    else:
        per_layer = ratio ** (1.0 / (depth - 1)) if ratio > 0 else 0.0
        verdict = ("vanishes" if not ratio >= VANISH else "explodes" if ratio > EXPLODE
                   else "holds")
    spread = float(norms.std[0] / mean[0]) if mean[0] > 0 else math.nan
    lo, hi = int(np.argmin(mean)), int(np.argmax(mean))
    return DepthView(norms, bound, ratio, float(per_layer), verdict, spread,
                     (lo + 1, float(mean[lo])), (hi + 1, float(mean[hi])))


# --- 4. train it -------------------------------------------------------------------------------

POINTS, NOISE, DATA_SEED = 200, 0.1, 0
MAX_STEPS = 3000  # a run stops here: the history stays bounded, so does a link's replay
RUN_SIZES = (10, 50, 100, 500)
LEARNING_RATES = (0.01, 0.03, 0.1, 0.3, 0.5, 1.0, 2.0, 3.0)
TRAIN_WIDTHS = (2, 4, 8, 16, 32)
TRAIN_LOSS = "softmax_cross_entropy"
TRAIN_INIT = "xavier"
GRID = 60  # the decision regions are drawn on GRID × GRID points


@dataclass(frozen=True)
class TrainConfig:
    """What makes a network: a change here is a new network (its step 0), not more training."""

    dataset: str
    activation: str
    hidden: tuple[int, ...]
    seed: int

    @property
    def sizes(self) -> tuple[int, ...]:
        return (2, *self.hidden, 2)


@dataclass(frozen=True)
class TrainState:
    """One training run, frozen: advancing it returns a new record on a copy of the network.

    losses[k] is L after k steps (k = 0 … steps); grad_norms[k] holds ‖∂L/∂W_l‖ per layer of
    the gradient taken at step k (k = 0 … steps − 1); rates holds (first step, lr) each time
    the learning rate changed."""

    config: TrainConfig
    net: MLP
    x: np.ndarray = field(repr=False)
    labels: np.ndarray = field(repr=False)
    losses: np.ndarray = field(repr=False)
    grad_norms: np.ndarray = field(repr=False)
    rates: tuple = ()

    @property
    def steps(self) -> int:
        return len(self.losses) - 1

    @property
    def room(self) -> int:
        return MAX_STEPS - self.steps

    @property
    def accuracy(self) -> float:
        predicted = np.argmax(self.net.forward(self.x), axis=1)
        return float(np.mean(predicted == self.labels))


def start_training(config: TrainConfig) -> TrainState:
    x, labels = make_dataset(config.dataset, POINTS, DATA_SEED, NOISE)
    net = MLP(config.sizes, config.activation, TRAIN_LOSS, TRAIN_INIT, config.seed)
    return TrainState(config, net, x, labels, np.array([net.loss(x, labels)]),
                      np.zeros((0, len(config.sizes) - 1)))


def step(net: MLP, x, labels, lr: float):
    """train_step's θ ← θ − lr·∂L/∂θ from the same trace, also keeping the per-layer ‖∂L/∂W_l‖
    (train_step returns the loss alone; tests pin that both give the same parameters)."""
    t = net.trace(x, labels)
    for name, g in t.gradients.items():
        net.params[name] -= lr * g
    return t.loss, [float(np.linalg.norm(layer.dW)) for layer in t.layers]


def advance(state: TrainState, lr: float, steps: int) -> TrainState:
    steps = max(0, min(int(steps), state.room))
    if steps == 0:
        return state
    net = state.net.copy()
    losses, norms = [], []
    for _ in range(steps):
        loss, layer_norms = step(net, state.x, state.labels, lr)
        losses.append(loss)
        norms.append(layer_norms)
    rates = state.rates
    if not rates or rates[-1][1] != lr:
        rates = (*rates, (state.steps, float(lr)))
    final = net.loss(state.x, state.labels)
    return TrainState(state.config, net, state.x, state.labels,
                      np.concatenate([state.losses[:-1], losses, [final]]),
                      np.vstack([state.grad_norms, norms]), rates)


@dataclass(frozen=True)
class Regions:
    gx: np.ndarray
    gy: np.ndarray
    p1: np.ndarray  # P(class 1) on the grid, shape (GRID, GRID): rows follow gy


def regions(state: TrainState) -> Regions:
    lo, hi = state.x.min(axis=0) - 0.3, state.x.max(axis=0) + 0.3
    gx, gy = np.linspace(lo[0], hi[0], GRID), np.linspace(lo[1], hi[1], GRID)
    mesh = np.column_stack([np.tile(gx, GRID), np.repeat(gy, GRID)])
    p = softmax(state.net.forward(mesh))[:, 1]
    return Regions(gx, gy, p.reshape(GRID, GRID))
