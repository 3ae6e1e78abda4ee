"""Predict, then reveal: one frozen record per question, in one registry.

A question names the page it sits on, its options as ASCII keys, and a function that computes
the answer from the core when (and only when) the learner has committed a choice: the right
option's key, the numbers the answer text quotes, and what to draw. The words live in
``derivs_app/i18n/questions.py`` under ``q.<id>.*``; adding a question is one record here and
its text there (``predict.ask(page)`` on the page picks it up, the tests too).

Nothing here knows the answer in advance: every ``correct`` key is read off a number computed
by ``derivs`` (the view classifies it), so a change in the core that changes a number changes
the verdict too, and the tests compare it with their own independent computation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import sympy

from derivs import (
    ACTIVATIONS,
    LOSSES,
    MLP,
    gradcheck,
    gradient_norms,
    make_dataset,
    neuron_graph,
    numeric_derivative,
    relative_error,
    softmax,
    softmax_jacobian,
    train,
)
from derivs.activations import df_from_output, one_sided_slopes
from derivs.expression import parse_expression, to_numpy
from derivs_app.formatting import listed, subscript

# --- what a revealed answer draws (predict.py turns each into a figures.py builder) -----------


@dataclass(frozen=True)
class Curves:
    """Lines over a shared x, tops marked where given. Names are language-neutral symbols."""

    x: np.ndarray
    curves: tuple[tuple[str, np.ndarray], ...]
    peaks: tuple[tuple[str, float, float], ...] = ()  # (name, x, y) of each curve's top
    x_title: str = "x"
    y_title: str = ""


@dataclass(frozen=True)
class Bars:
    """One bar per label; ``highlight`` is the bar of the right answer. ``label_keys``: the
    labels are option keys of the question (shown in the reader's language)."""

    labels: tuple[str, ...]
    values: np.ndarray
    y_title: str = ""
    log_y: bool = False
    highlight: int | None = None
    label_keys: bool = False


@dataclass(frozen=True)
class Heatmap:
    """The softmax Jacobian at logits z (the softmax page's own heatmap)."""

    jacobian: np.ndarray
    s: np.ndarray


@dataclass(frozen=True)
class GradientBars:
    """A gradient beside its finite-difference estimate, component by component."""

    components: tuple[str, ...]
    analytical: np.ndarray
    numerical: np.ndarray
    notes: bool = False


Chart = Curves | Bars | Heatmap | GradientBars


@dataclass(frozen=True)
class Reveal:
    """A question's answer, computed from the core: the right option, the numbers its text
    quotes (already written as text, placeholders of ``q.<id>.answer``), and a chart or None."""

    correct: str
    values: dict[str, str]
    chart: Chart | None = None


@dataclass(frozen=True)
class Question:
    """One "predict, then reveal" question.

    id: ASCII, unique; the URL's ``q=<id>`` and the text keys ``q.<id>.title`` (the collapsed
    line), ``q.<id>.prompt`` (the question: the radio's label, plain text), ``q.<id>.opt.<key>``
    (each option), ``q.<id>.answer`` (with ``reveal().values`` filled in), ``q.<id>.why``.
    page: the url path of the page it is asked on (pages/<page>.py).
    options: the choices' ASCII keys, in the order shown.
    reveal: computes the answer from the core; called only once the answer is to be shown.
    """

    id: str
    page: str
    options: tuple[str, ...]
    reveal: Callable[[], Reveal] = field(repr=False, compare=False)

    def key(self, part: str) -> str:
        return f"q.{self.id}.{part}"

    def option_key(self, option: str) -> str:
        return f"q.{self.id}.opt.{option}"


# --- small helpers -----------------------------------------------------------------------------


def g4(value: float) -> str:
    """A number as the answers quote it: 4 significant digits (%g), -0 written as 0."""
    value = float(value)
    return f"{value + 0.0:.4g}"


def e1(value: float) -> str:
    """A relative error as the answers quote it: 1.9e-07 (0 stays 0)."""
    value = float(value)
    return "0" if value == 0 else f"{value:.1e}"


def _nearest(candidates: dict[str, float], value: float) -> str:
    """The key of the candidate closest to value (for options that name a number)."""
    return min(candidates, key=lambda k: abs(candidates[k] - value))


def _ratio_verdict(ratio: float, *, small: str, large: str, same: str) -> str:
    """small below 1/10, large above 10, else same."""
    if ratio < 0.1:
        return small
    if ratio > 10.0:
        return large
    return same


# --- activations -------------------------------------------------------------------------------

PEAK_GRID = np.linspace(-5.0, 5.0, 1001)  # contains x = 0, where both peak


def _act_peak() -> Reveal:
    x = PEAK_GRID
    sig, tanh = ACTIVATIONS["sigmoid"].df(x), ACTIVATIONS["tanh"].df(x)
    top_sig, top_tanh = float(sig.max()), float(tanh.max())
    if np.isclose(top_sig, top_tanh, rtol=1e-9):
        correct = "same"
    else:
        correct = "tanh" if top_tanh > top_sig else "sigmoid"
    return Reveal(correct,
                  {"sigmoid": g4(top_sig), "tanh": g4(top_tanh),
                   "at_sigmoid": g4(x[int(np.argmax(sig))]),
                   "at_tanh": g4(x[int(np.argmax(tanh))]), "ratio": g4(top_tanh / top_sig)},
                  Curves(x, (("σ′(x)", sig), ("tanh′(x)", tanh)),
                         (("σ′(x)", float(x[int(np.argmax(sig))]), top_sig),
                          ("tanh′(x)", float(x[int(np.argmax(tanh))]), top_tanh)),
                         y_title="f′(x)"))


def _act_relu0() -> Reveal:
    relu = ACTIVATIONS["relu"]
    value = float(relu.df(0.0))
    left, right = one_sided_slopes(relu, 0.0)
    correct = {0.0: "zero", 0.5: "half", 1.0: "one"}.get(value, "nan")
    autograd = dict(relu.kinks[0].elsewhere).get("HIPS autograd (np.maximum)", "?")
    return Reveal(correct, {"value": g4(value), "left": g4(left), "right": g4(right),
                            "autograd": autograd})


SATURATE_X = 40.0


def _act_saturate() -> Reveal:
    sigmoid = ACTIVATIONS["sigmoid"]
    notes = float(df_from_output(sigmoid, SATURATE_X))
    stable = float(sigmoid.df(SATURATE_X))
    if np.isnan(notes):
        correct = "nan"
    elif notes == 0.0:
        correct = "zero"
    else:
        correct = "tiny"
    return Reveal(correct, {"x": g4(SATURATE_X), "notes": repr(notes), "stable": g4(stable),
                            "sigma": repr(float(sigmoid.f(SATURATE_X)))})


# --- softmax -----------------------------------------------------------------------------------

ROWS_LOGITS = (2.0, 1.0, -1.0, 0.5)
ONEHOT_LOGITS = (10.0, 0.0, 0.0)


def _smx_rows() -> Reveal:
    z = np.array(ROWS_LOGITS)
    jac, s = softmax_jacobian(z), softmax(z)
    sums = jac.sum(axis=1)
    if np.allclose(sums, 0.0, atol=1e-12):
        correct = "zero"
    elif np.allclose(sums, 1.0):
        correct = "one"
    elif np.allclose(sums, s):
        correct = "s_i"
    else:
        correct = "depends"
    return Reveal(correct, {"z": listed(z), "worst": e1(np.abs(sums).max()), "s": listed(s)},
                  Heatmap(jac, s))


def _smx_onehot() -> Reveal:
    z = np.array(ONEHOT_LOGITS)
    jac, s = softmax_jacobian(z), softmax(z)
    diag = np.diag(jac)
    if diag.max() < 1e-2:
        correct = "near_zero"
    elif np.allclose(diag, 0.25, atol=1e-2):
        correct = "quarter"
    elif np.allclose(diag, s, atol=1e-2):
        correct = "s"
    else:
        correct = "one_zero"
    return Reveal(correct, {"z": listed(z), "s": listed(s), "diag": listed(diag, 3),
                            "largest": e1(np.abs(jac).max())},
                  Heatmap(jac, s))


# --- losses ------------------------------------------------------------------------------------

MSE_Y, MSE_YHAT = (1.0, -0.5, 2.0), (0.5, 0.0, 3.5)
CE_Y, CE_YHAT = (1.0, 0.0, 0.0), (0.7, 0.2, 0.1)


def _loss_notes_mse() -> Reveal:
    mse = LOSSES["mse"]
    y, yhat = np.array(MSE_Y), np.array(MSE_YHAT)
    result = gradcheck(lambda v: mse.value(y, v), mse.notes_grad(y, yhat), yhat, "pytorch")
    names = tuple("ŷ" + subscript(i, one_based=False) for i in range(len(yhat)))
    factor = float(np.median(result.numerical / result.analytical))
    return Reveal("pass" if result.ok else "fail",
                  {"preset": result.preset.label, "rel": g4(result.rel_error.max()),
                   "factor": g4(factor), "y": listed(y), "yhat": listed(yhat)},
                  GradientBars(names, result.analytical, result.numerical, notes=True))


def _loss_ce_n() -> Reveal:
    ce = LOSSES["cross_entropy"]
    y, yhat = np.array(CE_Y), np.array(CE_YHAT)
    grad = float(ce.grad(y, yhat)[0])
    notes = float(ce.notes_grad(y, yhat)[0])
    n = len(y)
    candidates = {"notes": -y[0] / yhat[0], "mean": -y[0] / (n * yhat[0]),
                  "residual": yhat[0] - y[0]}
    result = gradcheck(lambda v: ce.value(y, v), ce.notes_grad(y, yhat), yhat, "pytorch")
    return Reveal(_nearest(candidates, grad),
                  {"grad": g4(grad), "notes": g4(notes), "n": str(n),
                   "rel": g4(result.rel_error[0])})


# --- gradient-check lab ------------------------------------------------------------------------

ROUND_H, ROUND_X = 1e-10, 1.0
ROUND_METHODS = ("forward", "central", "complex_step")


def _gc_round() -> Reveal:
    exact = float(np.cos(ROUND_X))
    errors = np.array([float(relative_error(
        numeric_derivative(np.sin, ROUND_X, method=m, h=ROUND_H), exact)) for m in ROUND_METHODS])
    best = int(np.argmin(errors))
    return Reveal(ROUND_METHODS[best],
                  {m: e1(err) for m, err in zip(ROUND_METHODS, errors, strict=True)}
                  | {"h": f"{ROUND_H:g}"},
                  Bars(ROUND_METHODS, errors, y_title="|error| / |cos 1|", log_y=True,
                       highlight=best, label_keys=True))


def _gc_kink() -> Reveal:
    relu = ACTIVATIONS["relu"]
    numerical = float(numeric_derivative(relu.f, 0.0, method="central"))
    analytical = float(relu.df(0.0))
    correct = _nearest({"zero": 0.0, "half": 0.5, "one": 1.0}, numerical)
    h = float(np.cbrt(np.finfo(np.float64).eps))
    return Reveal(correct, {"numerical": g4(numerical), "analytical": g4(analytical),
                            "rel": g4(relative_error(analytical, numerical)), "h": f"{h:.3g}"})


# --- your own function -------------------------------------------------------------------------

ABS_TEXT = "abs(x)"
OVERFLOW_TEXT = "exp(x)/(1 + exp(x))"
OVERFLOW_X = 1000.0


def _fn_abs0() -> Reveal:
    expr = parse_expression(ABS_TEXT)
    (x,) = expr.free_symbols
    df = sympy.diff(expr, x)
    at0 = float(df.subs(x, 0))
    f = to_numpy(expr)
    zero = np.array([0.0])
    central = float(numeric_derivative(f, zero, method="central")[0])
    left = float(numeric_derivative(f, zero, method="backward")[0])
    right = float(numeric_derivative(f, zero, method="forward")[0])
    correct = _nearest({"minus_one": -1.0, "zero": 0.0, "one": 1.0}, at0) \
        if np.isfinite(at0) else "undefined"
    return Reveal(correct, {"df": str(df), "at0": g4(at0), "central": g4(central),
                            "left": g4(left), "right": g4(right)})


def _fn_overflow() -> Reveal:
    f = to_numpy(parse_expression(OVERFLOW_TEXT))
    with np.errstate(over="ignore", invalid="ignore"):
        value = float(f(np.array([OVERFLOW_X]))[0])
        big = float(np.exp(OVERFLOW_X))
    if np.isnan(value):
        correct = "nan"
    elif np.isinf(value):
        correct = "inf"
    else:
        correct = _nearest({"one": 1.0, "zero": 0.0}, value)
    return Reveal(correct, {"value": repr(value), "exp": repr(big),
                            "stable": repr(float(ACTIVATIONS["sigmoid"].f(OVERFLOW_X)))})


# --- backprop, node by node --------------------------------------------------------------------

FANOUT_NEURON = dict(x=(1.0, 2.0), w=(0.5, -0.25), b=0.1, t=1.0, activation="relu")
ZERO_INPUT_NEURON = dict(x=(0.0, 1.5), w=(0.8, -0.5), b=0.1, t=1.0, activation="tanh")


def _bp_fanout() -> Reveal:
    g = neuron_graph(**FANOUT_NEURON)
    r = g.node("r")
    shares = [e.contribution for e in g.children("r")]
    correct = _nearest({"r": r.value, "two_r": 2 * r.value, "r_squared": r.value ** 2}, r.grad)
    return Reveal(correct, {"r": g4(r.value), "shares": " + ".join(f"({g4(c)})" for c in shares),
                            "grad": g4(r.grad)})


def _bp_zero_input() -> Reveal:
    g = neuron_graph(**ZERO_INPUT_NEURON)
    dw1, db = float(g.dw[0]), float(g.db)
    if dw1 == 0.0:
        correct = "zero"
    elif np.isclose(dw1, db):
        correct = "same_as_b"
    else:
        correct = "depends_w"
    return Reveal(correct, {"dw1": g4(dw1), "dw2": g4(g.dw[1]), "db": g4(db),
                            "dz": g4(g.node("z").grad)})


# --- backprop in a network ---------------------------------------------------------------------

DEAD_NET = dict(sizes=(2, 4, 2), activation="relu", loss="softmax_cross_entropy", seed=0)
DELTA_NET = dict(sizes=(2, 3, 3), activation="tanh", loss="softmax_cross_entropy", seed=0)
ONE_X, ONE_LABEL = (0.5, -1.0), 1


def _bpn_dead() -> Reveal:
    net = MLP(**DEAD_NET)
    first = net.trace(np.array(ONE_X), np.array(ONE_LABEL)).layers[0]
    z, dW = first.z[0], first.dW
    dead, live = int(np.argmin(z)), int(np.argmax(z))
    row = dW[dead]
    if np.all(row == 0.0):
        correct = "zero"
    elif np.abs(row).max() < 0.1 * np.abs(dW[live]).max():
        correct = "small"
    else:
        correct = "same"
    return Reveal(correct, {"neuron": str(dead + 1), "z": g4(z[dead]), "row": listed(row),
                            "live": str(live + 1), "live_row": listed(dW[live])})


def _bpn_output_delta() -> Reveal:
    net = MLP(**DELTA_NET)
    trace = net.trace(np.array(ONE_X), np.array(ONE_LABEL))
    delta, y = trace.layers[-1].delta[0], trace.y[0]
    s = softmax(trace.layers[-1].z[0])
    n = len(s)
    candidates = {"s_minus_y": s - y, "over_n": (s - y) / n, "y_minus_s": y - s,
                  "over_s": -y / s}
    correct = min(candidates, key=lambda k: float(np.abs(candidates[k] - delta).max()))
    return Reveal(correct, {"delta": listed(delta), "s": listed(s), "y": listed(y),
                            "n": str(n)})


# --- vanishing and exploding gradients -----------------------------------------------------------

DEPTH, DEPTH_WIDTH, DEPTH_SEEDS = 10, 16, (0, 1, 2)
TOP = subscript(DEPTH - 1)  # δ₁₀: the top layer's index as written in the answers


def _depth_bars(mean: np.ndarray, highlight: int) -> Bars:
    return Bars(tuple(f"δ{subscript(l)}" for l in range(len(mean))), mean, y_title="‖δ_l‖",
                log_y=True, highlight=highlight)


def _bpd_first() -> Reveal:
    mean = gradient_norms(DEPTH, DEPTH_WIDTH, "sigmoid", "xavier", seeds=DEPTH_SEEDS).mean
    smallest = int(np.argmin(mean))
    if mean.max() < 2 * mean.min():
        correct = "same"
    elif smallest == 0:
        correct = "first"
    elif smallest == len(mean) - 1:
        correct = "last"
    else:
        correct = "middle"
    return Reveal(correct, {"top": TOP, "first": g4(mean[0]), "last": g4(mean[-1]),
                            "ratio": g4(mean[-1] / mean[0]), "smallest": str(smallest + 1)},
                  _depth_bars(mean, smallest))


def _bpd_relu_he() -> Reveal:
    mean = gradient_norms(DEPTH, DEPTH_WIDTH, "relu", "he", seeds=DEPTH_SEEDS).mean
    ratio = float(mean[0] / mean[-1])
    return Reveal(_ratio_verdict(ratio, small="vanish", large="explode", same="flat"),
                  {"top": TOP, "first": g4(mean[0]), "last": g4(mean[-1]),
                   "ratio": g4(ratio)},
                  _depth_bars(mean, int(np.argmin(mean))))


# --- training ----------------------------------------------------------------------------------

ZERO_INIT_NET = dict(sizes=(2, 4, 2), activation="tanh", loss="softmax_cross_entropy", seed=0)
BIG_LR, BIG_LR_STEPS = 50.0, 50
BIG_LR_NET = dict(sizes=(2, 8, 2), activation="tanh", loss="softmax_cross_entropy", seed=0)
DATA = dict(name="xor", n=200, seed=0)


def _bpt_zero_init() -> Reveal:
    net = MLP(**ZERO_INIT_NET)
    for p in net.params.values():
        p[...] = 0.0
    x, labels = make_dataset(**DATA)
    g = net.gradients(x, labels)
    dW1 = g["W1"]
    if np.all(dW1 == 0.0):
        correct = "zero"
    elif np.allclose(dW1, dW1[:1]):
        correct = "same_rows"
    else:
        correct = "random"
    return Reveal(correct, {"dW1": g4(np.abs(dW1).max()), "dW2": g4(np.abs(g["W2"]).max()),
                            "db2": g4(np.abs(g["b2"]).max())})


def _bpt_big_lr() -> Reveal:
    net = MLP(**BIG_LR_NET)
    x, labels = make_dataset(**DATA)
    history = train(net, x, labels, lr=BIG_LR, steps=BIG_LR_STEPS)
    after = float(net.loss(x, labels))
    ratio = after / float(history[0])
    correct = "higher" if ratio > 1.05 else "lower" if ratio < 0.95 else "same"
    losses = np.append(history, after)
    return Reveal(correct, {"lr": g4(BIG_LR), "steps": str(BIG_LR_STEPS),
                            "start": g4(history[0]), "end": g4(after),
                            "top": g4(losses.max())},
                  Curves(np.arange(len(losses)), (("L", losses),), x_title="step", y_title="L"))


# --- the registry ------------------------------------------------------------------------------

QUESTIONS: dict[str, Question] = {
    q.id: q
    for q in (
        Question("act_peak", "activations", ("sigmoid", "tanh", "same"), _act_peak),
        Question("act_relu0", "activations", ("zero", "half", "one", "nan"), _act_relu0),
        Question("act_saturate", "activations", ("tiny", "zero", "nan"), _act_saturate),
        Question("smx_rows", "softmax", ("zero", "one", "s_i", "depends"), _smx_rows),
        Question("smx_onehot", "softmax", ("near_zero", "one_zero", "s", "quarter"),
                 _smx_onehot),
        Question("loss_notes_mse", "losses", ("pass", "fail"), _loss_notes_mse),
        Question("loss_ce_n", "losses", ("notes", "mean", "residual"), _loss_ce_n),
        Question("gc_round", "gradcheck", ROUND_METHODS, _gc_round),
        Question("gc_kink", "gradcheck", ("zero", "half", "one"), _gc_kink),
        Question("fn_abs0", "playground", ("minus_one", "zero", "one", "undefined"), _fn_abs0),
        Question("fn_overflow", "playground", ("one", "inf", "nan", "zero"), _fn_overflow),
        Question("bp_fanout", "backprop", ("r", "two_r", "r_squared"), _bp_fanout),
        Question("bp_zero_input", "backprop", ("zero", "same_as_b", "depends_w"),
                 _bp_zero_input),
        Question("bpn_dead", "backprop_network", ("zero", "small", "same"), _bpn_dead),
        Question("bpn_output_delta", "backprop_network",
                 ("s_minus_y", "over_n", "y_minus_s", "over_s"), _bpn_output_delta),
        Question("bpd_first", "backprop_depth", ("first", "middle", "last", "same"),
                 _bpd_first),
        Question("bpd_relu_he", "backprop_depth", ("vanish", "explode", "flat"), _bpd_relu_he),
        Question("bpt_zero_init", "backprop_train", ("zero", "same_rows", "random"),
                 _bpt_zero_init),
        Question("bpt_big_lr", "backprop_train", ("lower", "higher", "same"), _bpt_big_lr),
    )
}


def questions_on(page: str) -> list[Question]:
    """The questions asked on a page, in registry order."""
    return [q for q in QUESTIONS.values() if q.page == page]


def linked_first(questions: list[Question], linked: str | None) -> list[Question]:
    """The questions with the one a link names (q=<id>) moved to the front."""
    return sorted(questions, key=lambda q: q.id != linked)


@lru_cache(maxsize=len(QUESTIONS))  # one entry per question: the answers depend on nothing else
def answer(qid: str) -> Reveal:
    """The question's Reveal, computed once per process."""
    return QUESTIONS[qid].reveal()
