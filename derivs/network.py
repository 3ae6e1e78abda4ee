"""A small multilayer perceptron whose backward pass is the chain rule written out by hand.

Conventions (column vectors, as on paper; a batch is a stack of rows):

    z_l = W_l a_{l−1} + b_l,   a_0 = x,   W_l: (n_l, n_{l−1}),   b_l: (n_l,)
    a_l = f(z_l)               hidden layers, f any name in ``ACTIVATIONS``
    ŷ = out(z_L)               the output map the loss expects (``output_map_for``)
    ℓ = loss(y, ŷ)             one example: the mean over its n_L components (``LOSSES``)
    L = (1/B) Σ_b ℓ_b          a batch of B examples: the mean of the per-example losses

Backward (``backward``), per example:

    δ_L = (∂ŷ/∂z_L)ᵀ ∂ℓ/∂ŷ                   through the output map
    δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ f′(z_l)         l = L−1, …, 1
    ∂L/∂W_l = (1/B) Σ_b δ_l a_{l−1}ᵀ,   ∂L/∂b_l = (1/B) Σ_b δ_l

so δ_l = ∂ℓ_b/∂z_l is each example's own gradient (its size does not depend on B), and the
1/B of the batch mean enters once, in dW and db. In the code a batch is an array of rows, so
W a + b is ``a @ W.T + b`` and Wᵀ δ is ``δ @ W``.

Beside the network: the same chain rule on one neuron as a scalar graph (``neuron_graph``),
planted backprop bugs (``BACKPROP_BUGS``), SGD helpers, toy 2-D datasets (``DATASETS``) and a
depth study of vanishing and exploding gradients (``gradient_norms``). numpy only.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from derivs._stable import as_array, sigmoid, sigmoid_slope
from derivs.activations import ACTIVATIONS, Activation
from derivs.losses import LOSSES, Loss
from derivs.numeric import get_method, relative_error
from derivs.softmax import softmax, softmax_jacobian, softmax_vjp

__all__ = [
    "BACKPROP_BUGS", "DATASETS", "INITS", "NEURON_LOSSES", "OUTPUT_MAPS",
    "BackpropBug", "Dataset", "Edge", "GradientNorms", "Init", "LayerTrace", "MLP",
    "NetworkCheck", "NeuronGraph", "Node", "OutputMap", "Trace",
    "backprop_graph", "backward", "depth_study_case", "gradient_check", "gradient_norms", "make_dataset",
    "neuron_graph", "one_hot", "output_map_for", "train", "train_step",
]


def _choose(registry: dict, name, kind: str):
    if name not in registry:
        raise ValueError(f"unknown {kind} {name!r}; choose one of {', '.join(registry)}")
    return registry[name]


def _params_for(record, given, kind: str) -> dict[str, float]:
    """The record's defaults overridden by ``given``; unknown names are an error, not ignored."""
    given = dict(given or {})
    known = {p.name: p.default for p in record.params}
    unknown = sorted(set(given) - set(known))
    if unknown:
        offered = ", ".join(known) or "none"
        raise ValueError(f"{kind} {record.name!r} has no parameter {', '.join(unknown)} "
                         f"(its parameters: {offered})")
    return known | {k: float(v) for k, v in given.items()}


# --- output maps: what the last layer hands to the loss ----------------------------------------


@dataclass(frozen=True)
class OutputMap:
    """ŷ = f(z_L), row by row over a batch, and its vector-Jacobian product for δ_L.

    ``vjp(z, v)`` is (∂ŷ/∂z)ᵀ v for each row; ``jacobian(z)`` is the full (n, n) matrix
    ∂ŷ_i/∂z_j for one example (the O(n²) form ``vjp`` avoids; for display and tests).
    """

    name: str
    rule: str
    f: Callable
    vjp: Callable
    jacobian: Callable


OUTPUT_MAPS: dict[str, OutputMap] = {
    m.name: m
    for m in (
        OutputMap("identity", "ŷ = z (linear output: values, or logits the loss takes itself)",
                  lambda z: z, lambda z, v: v, lambda z: np.eye(np.shape(z)[-1])),
        # softmax_vjp shifts v by its entry at argmax(s), so 1 − s_k never cancels
        OutputMap("softmax", "ŷ = softmax(z), one probability distribution per example",
                  softmax, softmax_vjp, softmax_jacobian),
        # σ′ as e/(1+e)², not σ(1 − σ): the latter is 0 once σ rounds to 1
        OutputMap("sigmoid", "ŷ_i = σ(z_i), independent probabilities",
                  sigmoid, lambda z, v: v * sigmoid_slope(z),
                  lambda z: np.diag(sigmoid_slope(as_array(z)))),
    )
}


def output_map_for(loss: Loss) -> OutputMap:
    """The output map a loss expects, read from the record: linear for values ("mse",
    "huber") and for logits ("softmax_cross_entropy", which applies softmax itself), softmax
    for a distribution ("cross_entropy"), sigmoid for binary targets ("binary_cross_entropy").

    >>> output_map_for(LOSSES["cross_entropy"]).name
    'softmax'
    """
    if loss.prediction in ("values", "logits"):
        return OUTPUT_MAPS["identity"]
    if loss.prediction == "probabilities":
        return OUTPUT_MAPS["softmax" if loss.target == "distribution" else "sigmoid"]
    raise ValueError(f"no output map for a loss on {loss.prediction!r}")


# --- initialisation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Init:
    """W_l ~ N(0, std²) entrywise (a plain normal, not truncated), b_l = 0."""

    name: str
    rule: str
    std: Callable  # std(fan_in, fan_out, sigma) -> float


INITS: dict[str, Init] = {
    i.name: i
    for i in (
        Init("normal", "W ~ N(0, σ²) with the σ given (default 1)", lambda n_in, n_out, s: s),
        Init("xavier", "Glorot normal: W ~ N(0, 2/(fan_in + fan_out))",
             lambda n_in, n_out, s: math.sqrt(2.0 / (n_in + n_out))),
        Init("he", "He (Kaiming) normal, fan_in mode: W ~ N(0, 2/fan_in), for ReLU-like f",
             lambda n_in, n_out, s: math.sqrt(2.0 / n_in)),
        Init("lecun", "LeCun normal: W ~ N(0, 1/fan_in), for SELU and tanh",
             lambda n_in, n_out, s: math.sqrt(1.0 / n_in)),
    )
}


# --- the trace: every intermediate of one forward and backward pass ------------------------------


@dataclass(frozen=True)
class LayerTrace:
    """Layer l of one pass over a batch of B examples (a single x is a batch of one).

    Shapes: a_in (B, n_{l−1}), z / a / fprime / delta (B, n_l), dW (n_l, n_{l−1}), db (n_l,).
    """

    l: int  # 1-based, as in the formulas
    W: np.ndarray  # a copy of W_l as it was for this pass
    b: np.ndarray
    a_in: np.ndarray  # a_{l−1} (a_0 = x)
    z: np.ndarray  # z_l = W_l a_{l−1} + b_l
    a: np.ndarray  # a_l = f(z_l), or ŷ = out(z_L) on the last layer
    fprime: np.ndarray | None  # f′(z_l); None on the last layer (its map need not be elementwise)
    delta: np.ndarray  # δ_l = ∂ℓ/∂z_l for each example
    dW: np.ndarray  # ∂L/∂W_l = (1/B) Σ_b δ_l a_{l−1}ᵀ
    db: np.ndarray  # ∂L/∂b_l = (1/B) Σ_b δ_l


@dataclass(frozen=True)
class Trace:
    """Everything ``MLP.trace`` computed. ``y`` is the target as used (integer labels become
    one-hot rows), shape (B, n_L); ``dloss`` is ∂ℓ/∂ŷ for each example, shape (B, n_L)."""

    x: np.ndarray
    y: np.ndarray
    layers: tuple[LayerTrace, ...]
    output: str  # the name of the output map (OUTPUT_MAPS)
    yhat: np.ndarray  # ŷ = out(z_L), (B, n_L)
    loss: float  # L, the batch mean
    dloss: np.ndarray

    @property
    def gradients(self) -> dict[str, np.ndarray]:
        return {k: v for t in self.layers for k, v in ((f"W{t.l}", t.dW), (f"b{t.l}", t.db))}


def backward(W, z, a, fprime, delta_out):
    """The chain rule, layer by layer, from δ_L down to δ_1.

    W, z, a are lists indexed by the layer l as in the formulas (W[0] and z[0] unused, a[0]
    the input); fprime(z) is the activation's f′; delta_out is δ_L. Rows are examples.

        δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ f′(z_l),  dW_l = (1/B) Σ_b δ_l a_{l−1}ᵀ,  db_l = (1/B) Σ_b δ_l

    Returns the lists (delta, slope, dW, db), indexed by l, slope[L] = None.
    """
    L, B = len(z) - 1, len(a[0])
    delta, slope, dW, db = [None] * (L + 1), [None] * (L + 1), [None] * (L + 1), [None] * (L + 1)
    delta[L] = delta_out
    for l in range(L, 0, -1):
        if l < L:
            slope[l] = fprime(z[l])
            delta[l] = (delta[l + 1] @ W[l + 1]) * slope[l]  # rows: Wᵀδ is δ @ W
        dW[l] = delta[l].T @ a[l - 1] / B  # Σ_b δ a_{l−1}ᵀ: one outer product per example
        db[l] = delta[l].sum(axis=0) / B
    return delta, slope, dW, db


# --- the network ---------------------------------------------------------------------------------


class MLP:
    """A fully connected network trained by backpropagation, in float64.

    sizes: (n_0, n_1, …, n_L), the input width first. activation: a name in ACTIVATIONS for
    the hidden layers. loss: a name in LOSSES; the output layer follows it (``output_map_for``).
    init: a name in INITS (``sigma`` for "normal" only); biases start at 0; weights are drawn
    layer by layer from ``numpy.random.default_rng(seed)``. activation_params / loss_params
    override the records' defaults (e.g. {"alpha": 0.2} for leaky_relu, {"delta": 0.5} for huber).

    ``params`` maps "W1", "b1", …, "WL", "bL" to float64 arrays of shapes (n_l, n_{l−1}) and
    (n_l,); training updates them in place.

    x: (n_0,) for one example or (B, n_0) for a batch. y: the targets, shaped like the output,
    (n_L,) or (B, n_L); or integer class labels, () or (B,), which become one-hot rows (for
    n_L = 1: the label itself, 0 or 1). The loss is not validated beyond shape and finiteness:
    the formulas (and their gradients) hold for any real target.

    >>> net = MLP((2, 3, 2), activation="tanh", loss="softmax_cross_entropy", seed=0)
    >>> {k: v.shape for k, v in net.params.items()}
    {'W1': (3, 2), 'b1': (3,), 'W2': (2, 3), 'b2': (2,)}
    >>> x, labels = np.array([[0.5, -1.0], [1.0, 2.0]]), np.array([0, 1])
    >>> g = net.gradients(x, labels)
    >>> [g[k].shape == p.shape for k, p in net.params.items()]
    [True, True, True, True]
    >>> bool(gradient_check(net, x, labels).max_relative_error < 1e-6)
    True
    """

    def __init__(self, sizes, activation="tanh", loss="softmax_cross_entropy", init="xavier",
                 seed=0, *, activation_params=None, loss_params=None, sigma=None):
        sizes = tuple(sizes)
        if len(sizes) < 2 or not all(isinstance(n, (int, np.integer)) and n > 0 for n in sizes):
            raise ValueError(f"sizes must be at least two positive integers (input width first, "
                             f"output width last), got {sizes!r}")
        self.sizes = tuple(int(n) for n in sizes)
        self.activation: Activation = _choose(ACTIVATIONS, activation, "activation")
        self.loss_fn: Loss = _choose(LOSSES, loss, "loss")
        self.output: OutputMap = output_map_for(self.loss_fn)
        self.init: Init = _choose(INITS, init, "init")
        self.activation_params = _params_for(self.activation, activation_params, "activation")
        self.loss_params = _params_for(self.loss_fn, loss_params, "loss")
        if self.output.name == "softmax" or self.loss_fn.name == "softmax_cross_entropy":
            if self.sizes[-1] < 2:
                raise ValueError(f"{loss} needs at least 2 outputs: a softmax over one is "
                                 "always 1, and the loss would not depend on the weights")
        if sigma is not None and init != "normal":
            raise ValueError(f"sigma applies to init='normal' only, not to init={init!r}")
        sigma = 1.0 if sigma is None else float(sigma)
        if not (math.isfinite(sigma) and sigma > 0):
            raise ValueError(f"sigma must be a positive number, got {sigma!r}")
        self.sigma, self.seed = sigma, seed
        rng = np.random.default_rng(seed)
        self.params: dict[str, np.ndarray] = {}
        for l, (n_in, n_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:], strict=True), 1):
            self.params[f"W{l}"] = rng.standard_normal((n_out, n_in)) * self.init.std(n_in, n_out, sigma)
            self.params[f"b{l}"] = np.zeros(n_out)

    def __repr__(self):
        return (f"MLP(sizes={self.sizes}, activation={self.activation.name!r}, "
                f"loss={self.loss_fn.name!r}, init={self.init.name!r}, seed={self.seed!r})")

    @property
    def depth(self) -> int:
        """L, the number of weight layers."""
        return len(self.sizes) - 1

    def copy(self) -> MLP:
        """The same network with its own copies of the parameters."""
        other = object.__new__(MLP)
        other.__dict__.update(self.__dict__)
        other.params = {k: v.copy() for k, v in self.params.items()}
        other.activation_params, other.loss_params = dict(self.activation_params), dict(self.loss_params)
        return other

    # --- inputs ---

    def _inputs(self, x):
        x = np.asarray(x)
        if x.dtype == object or not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
            raise ValueError(f"x must be numeric, got dtype {x.dtype}")
        x = as_array(x)
        n = self.sizes[0]
        if not (x.ndim in (1, 2) and x.shape[-1] == n and x.size > 0):
            raise ValueError(f"x must have shape ({n},) for one example or (batch, {n}), "
                             f"got {x.shape}")
        if np.iscomplexobj(x) or not np.all(np.isfinite(x)):
            raise ValueError("x must be real and finite")
        return np.array(x, ndmin=2), x.ndim == 1  # a copy: the trace must not change with x

    def _targets(self, y, batch: int, single: bool):
        y = np.asarray(y)
        n = self.sizes[-1]
        shape, label_shape = ((n,), ()) if single else ((batch, n), (batch,))
        if y.shape == shape and (np.issubdtype(y.dtype, np.number) or y.dtype == bool):
            y = as_array(y).reshape(batch, n)
            if np.iscomplexobj(y) or not np.all(np.isfinite(y)):
                raise ValueError("y must be real and finite")
            return y
        if y.shape == label_shape and np.issubdtype(y.dtype, np.integer):
            return one_hot(y.reshape(batch), n)
        raise ValueError(f"y must have shape {shape} (targets) or {label_shape} (integer class "
                         f"labels) for x of this shape, got {y.shape} of dtype {y.dtype}")

    # --- forward, loss, backward ---

    def _forward(self, X):
        """Lists z, a indexed by the layer l (z[0] = None, a[0] = X)."""
        f, p = self.activation.f, self.activation_params
        z, a = [None], [X]
        for l in range(1, self.depth + 1):
            z.append(a[-1] @ self.params[f"W{l}"].T + self.params[f"b{l}"])
            a.append(f(z[-1], **p) if l < self.depth else self.output.f(z[-1]))
        return z, a

    def forward(self, x) -> np.ndarray:
        """ŷ, shape (n_L,) or (B, n_L) like x: values, probabilities or logits as the loss takes.

        >>> net = MLP((2, 2), loss="mse")
        >>> net.params["W1"][:] = [[1.0, 0.0], [1.0, 1.0]]
        >>> net.forward([2.0, 3.0]).tolist()
        [2.0, 5.0]
        """
        X, single = self._inputs(x)
        yhat = self._forward(X)[1][-1]
        return yhat[0] if single else yhat

    def loss(self, x, y) -> float:
        """L = (1/B) Σ_b ℓ(y_b, ŷ_b), ℓ the loss record's mean over the n_L components.

        The record reduces over every entry of the (B, n_L) arrays, which is the same number:
        each example has n_L components, so the mean of all B·n_L terms is the mean of the B
        per-example means.

        >>> net = MLP((2, 1), loss="mse")
        >>> net.params["W1"][:] = [[1.0, 1.0]]
        >>> net.loss([[1.0, 2.0], [0.0, 0.0]], [[2.0], [1.0]])  # ((3 − 2)² + (0 − 1)²) / 2
        1.0
        """
        X, single = self._inputs(x)
        return self._loss(X, self._targets(y, len(X), single))

    def _loss(self, X, Y) -> float:
        """The loss of inputs and targets already checked and shaped (a gradient check calls
        this thousands of times on the same x and y)."""
        return float(self.loss_fn.value(Y, self._forward(X)[1][-1], **self.loss_params))

    def _run(self, x, y, backward_fn) -> Trace:
        X, single = self._inputs(x)
        Y = self._targets(y, len(X), single)
        z, a = self._forward(X)
        yhat, n = a[-1], self.sizes[-1]
        loss = float(self.loss_fn.value(Y, yhat, **self.loss_params))
        # ∂ℓ/∂ŷ per example: the record's gradient of the plain sum, over one example's n terms
        dloss = self.loss_fn.grad(Y, yhat, reduction="sum", **self.loss_params) / n
        delta_out = self.output.vjp(z[-1], dloss)
        W = [None] + [self.params[f"W{l}"] for l in range(1, self.depth + 1)]
        act, p = self.activation, self.activation_params
        delta, slope, dW, db = backward_fn(W, z, a, lambda u: act.df(u, **p), delta_out)
        layers = tuple(
            LayerTrace(l, W[l].copy(), self.params[f"b{l}"].copy(), a[l - 1], z[l], a[l],
                       slope[l], delta[l], dW[l], db[l])
            for l in range(1, self.depth + 1)
        )
        return Trace(X, Y, layers, self.output.name, yhat, loss, dloss)

    def trace(self, x, y) -> Trace:
        """Every intermediate of one forward and backward pass (see ``Trace``, ``LayerTrace``).

        >>> net = MLP((2, 3, 2), loss="softmax_cross_entropy", seed=0)
        >>> t = net.trace([0.5, -1.0], 1)
        >>> [(s.l, s.z.shape, s.delta.shape) for s in t.layers]
        [(1, (1, 3), (1, 3)), (2, (1, 2), (1, 2))]
        >>> # logits out, so δ_L = (softmax(z_L) − y)/n with n = 2 (the loss is a mean over n)
        >>> bool(np.allclose(t.layers[1].delta, (softmax(t.yhat) - t.y) / 2))
        True
        """
        return self._run(x, y, backward)

    def gradients(self, x, y) -> dict[str, np.ndarray]:
        """{name: ∂L/∂param}, each shaped like ``params[name]``, by ``backward``."""
        return self.trace(x, y).gradients


def one_hot(labels, n: int) -> np.ndarray:
    """(B, n) float rows with a 1 at each label; for n = 1 the label itself as a (B, 1) column.

    >>> one_hot([2, 0], 3).tolist()
    [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be a 1-D integer array, got {labels.dtype} {labels.shape}")
    top = 2 if n == 1 else n
    if labels.size and (labels.min() < 0 or labels.max() >= top):
        raise ValueError(f"labels must lie in 0..{top - 1} for {n} output(s), "
                         f"got {labels.min()}..{labels.max()}")
    if n == 1:
        return labels.astype(np.float64)[:, None]
    return (labels[:, None] == np.arange(n)).astype(np.float64)


# --- gradient check for a network --------------------------------------------------------------


@dataclass(frozen=True)
class NetworkCheck:
    """Analytical against numerical gradients of ``net.loss``, entry by entry (CS231n's
    relative error |a − n| / max(|a|, |n|), 0 where both are 0)."""

    method: str
    analytical: dict[str, np.ndarray]
    numerical: dict[str, np.ndarray]
    relative_error: dict[str, np.ndarray]
    max_relative_error: float
    worst: tuple[str, tuple[int, ...]]  # the parameter and index where the maximum is reached
    tolerance: float
    passed: bool


def gradient_check(net: MLP, x, y, gradients=None, *, method="central", h=None,
                   tolerance=1e-6, numerical=None) -> NetworkCheck:
    """Compare ``gradients`` (default: ``net.gradients(x, y)``) with finite differences of
    ``net.loss(x, y)`` in each parameter entry, the others held fixed.

    method: "central", "five_point", "forward" or "backward" (the complex step is not offered:
    the network writes into float64 arrays). h: absolute step; None takes the method's default,
    e.g. ∛ε·max(1, |θ|) for central. The parameters are restored exactly afterwards.

    Near a kink of the activation the numerical side straddles two slopes and the check can
    fail on a correct gradient (CS231n: up to 1e-4 is expected there).

    numerical: the finite differences of another check of the same net, x, y, method and h
    (its ``.numerical``), to compare a second set of gradients without differencing again.

    >>> net = MLP((2, 4, 3), activation="tanh", loss="cross_entropy", seed=1)
    >>> check = gradient_check(net, [[0.2, -0.4]], [[0.0, 1.0, 0.0]])
    >>> check.passed, check.worst[0] in net.params
    (True, True)
    """
    m = get_method(method)
    if m.name == "complex_step":
        raise ValueError("the complex step is not offered for networks: use central or five_point")
    analytical = net.gradients(x, y) if gradients is None else gradients
    if numerical is None:
        numerical = _finite_differences(net, x, y, m, h)
    errors = {name: relative_error(analytical[name], numerical[name]) for name in net.params}
    worst_name = max(errors, key=lambda k: float(np.max(errors[k])))
    worst_index = np.unravel_index(int(np.argmax(errors[worst_name])), errors[worst_name].shape)
    worst = float(errors[worst_name][worst_index])
    return NetworkCheck(m.name, {k: np.asarray(v) for k, v in analytical.items()}, numerical,
                        errors, worst, (worst_name, tuple(int(i) for i in worst_index)),
                        tolerance, bool(worst <= tolerance))


def _finite_differences(net: MLP, x, y, m, h) -> dict[str, np.ndarray]:
    """∂L/∂θ of every parameter entry by the method m, the others held fixed."""
    X, single = net._inputs(x)
    Y = net._targets(y, len(X), single)
    numerical = {}
    for name, p in net.params.items():
        num = np.empty_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]

            def loss_at(t, idx=idx, p=p):
                p[idx] = t
                return net._loss(X, Y)

            step = m.default_step(old) if h is None else h
            try:
                num[idx] = m.estimate(loss_at, old, step)
            finally:
                p[idx] = old
        numerical[name] = num
    return numerical


# --- training ------------------------------------------------------------------------------------


def train_step(net: MLP, x, y, lr: float) -> float:
    """One step of gradient descent, θ ← θ − lr·∂L/∂θ, in place; returns L before the step
    (the loss the gradient was taken at).

    >>> net = MLP((2, 1), loss="mse")
    >>> before = train_step(net, [[1.0, 0.0]], [[1.0]], lr=0.1)
    >>> bool(net.loss([[1.0, 0.0]], [[1.0]]) < before)
    True
    """
    t = net.trace(x, y)
    for name, g in t.gradients.items():
        net.params[name] -= lr * g
    return t.loss


def train(net: MLP, x, y, lr: float = 0.1, steps: int = 100) -> np.ndarray:
    """``steps`` full-batch gradient-descent steps of ``train_step`` (params updated in place).

    Returns the loss before each step, shape (steps,).

    >>> x, labels = make_dataset("xor", n=64, seed=0)
    >>> net = MLP((2, 8, 2), activation="tanh", loss="softmax_cross_entropy", seed=0)
    >>> history = train(net, x, labels, lr=1.0, steps=200)
    >>> bool(history[-1] < history[0])
    True
    """
    return np.array([train_step(net, x, y, lr) for _ in range(steps)])


# --- planted backprop bugs -----------------------------------------------------------------------
# Each buggy backward is a copy of ``backward`` with one line changed, so that the two can be
# shown side by side and the difference is the whole lesson.


def backward_forgets_fprime(W, z, a, fprime, delta_out):
    L, B = len(z) - 1, len(a[0])
    delta, slope, dW, db = [None] * (L + 1), [None] * (L + 1), [None] * (L + 1), [None] * (L + 1)
    delta[L] = delta_out
    for l in range(L, 0, -1):
        if l < L:
            slope[l] = fprime(z[l])
            delta[l] = delta[l + 1] @ W[l + 1]  # BUG: ⊙ f′(z_l) is missing
        dW[l] = delta[l].T @ a[l - 1] / B
        db[l] = delta[l].sum(axis=0) / B
    return delta, slope, dW, db


def backward_uses_W_not_transposed(W, z, a, fprime, delta_out):
    L, B = len(z) - 1, len(a[0])
    delta, slope, dW, db = [None] * (L + 1), [None] * (L + 1), [None] * (L + 1), [None] * (L + 1)
    delta[L] = delta_out
    for l in range(L, 0, -1):
        if l < L:
            slope[l] = fprime(z[l])
            square = W[l + 1].shape[0] == W[l + 1].shape[1]
            # BUG: W_{l+1} δ (rows: δ @ Wᵀ) where Wᵀ δ belongs; only a square W lets it through
            M = W[l + 1].T if square else W[l + 1]
            delta[l] = (delta[l + 1] @ M) * slope[l]
        dW[l] = delta[l].T @ a[l - 1] / B
        db[l] = delta[l].sum(axis=0) / B
    return delta, slope, dW, db


def _needs_hidden_layer(net: MLP):
    if net.depth < 2:
        raise ValueError("this bug lives in the step through a hidden layer: use a network "
                         "with at least one hidden layer")


def _forgets_fprime(net: MLP, x, y):
    _needs_hidden_layer(net)
    return net, net._run(x, y, backward_forgets_fprime).gradients


def _w_not_transposed(net: MLP, x, y):
    _needs_hidden_layer(net)
    if not any(net.sizes[l] == net.sizes[l + 1] for l in range(1, net.depth)):
        raise ValueError(
            f"W in place of Wᵀ only type-checks where W_(l+1) is square (n_l = n_(l+1) for some "
            f"hidden layer l); sizes {net.sizes} have none, so the shapes alone catch this slip"
        )
    return net, net._run(x, y, backward_uses_W_not_transposed).gradients


def _never_zeroes(net: MLP, x, y, lr: float = 0.1):
    at = net.copy()
    buffer = {k: np.zeros_like(p) for k, p in at.params.items()}
    for step in (1, 2):
        for k, g in at.gradients(x, y).items():
            buffer[k] += g  # BUG: buffer[k][...] = 0 belongs before this, once per step
        if step == 1:
            for k, p in at.params.items():
                p -= lr * buffer[k]
    return at, buffer


@dataclass(frozen=True)
class BackpropBug:
    """A planted backprop mistake: the rule it breaks, in plain English, and code that makes it.

    kind "backward" and "trainer": ``wrong(net, x, y)`` returns (net_at, gradients), the
    gradients the flawed code reports for ``net_at.loss(x, y)`` (net_at is ``net`` itself for
    a backward bug; for the trainer, a copy after its first step). Check them with
    ``gradient_check(net_at, x, y, gradients)``.
    kind "neuron_graph": ``wrong`` takes ``neuron_graph``'s arguments and returns a
    ``NeuronGraph`` whose gradients are wrong.
    """

    name: str
    kind: str
    rule: str
    wrong: Callable


# --- one neuron as a scalar graph (micrograd-style) ----------------------------------------------


@dataclass(frozen=True)
class Node:
    """One scalar in the graph: its value, ∂(this)/∂(parent) for each parent, and dL/d(this)."""

    name: str
    op: str  # "input", "×", "+", the activation's name, "−", "log", "log(1 − ·)", "bce"
    value: float
    parents: tuple[str, ...]  # the nodes this one is computed from, in argument order
    local: tuple[float, ...]  # ∂(this)/∂(parent), one per parent
    grad: float  # dL/d(this) = Σ of the contributions on the edges to its children


@dataclass(frozen=True)
class Edge:
    """parent → child: the child is computed from the parent (in argument ``slot``).

    contribution = local × upstream is this edge's share of dL/d(parent); a node with several
    outgoing edges (fan-out: r in r·r, a in both logs of BCE) gets the sum of their shares.
    """

    parent: str
    child: str
    slot: int
    local: float  # ∂child/∂parent
    upstream: float  # dL/d(child)
    contribution: float


@dataclass(frozen=True)
class NeuronGraph:
    """z = Σ_i w_i x_i + b, a = f(z), L = loss(t, a), with every node and edge of backprop.

    Nodes are in topological order (inputs first, L last); edges in the order backprop
    visits them (from L back towards the inputs).
    """

    activation: str
    loss_name: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]

    def node(self, name: str) -> Node:
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(name)

    def children(self, name: str) -> tuple[Edge, ...]:
        """The edges out of ``name``: its grad is the sum of their contributions."""
        return tuple(e for e in self.edges if e.parent == name)

    @property
    def loss(self) -> float:
        return self.nodes[-1].value

    def _grads(self, prefix: str) -> np.ndarray:
        return np.array([n.grad for n in self.nodes if n.op == "input" and n.name[:1] == prefix
                         and n.name[1:].isdigit()])

    @property
    def dw(self) -> np.ndarray:
        """dL/dw_i, shape (k,)."""
        return self._grads("w")

    @property
    def dx(self) -> np.ndarray:
        """dL/dx_i, shape (k,)."""
        return self._grads("x")

    @property
    def db(self) -> float:
        return self.node("b").grad


NEURON_LOSSES = ("mse", "binary_cross_entropy")


def backprop_graph(nodes, combine=lambda grad, contribution: grad + contribution):
    """Reverse-mode over (name, op, value, parents, local) tuples in topological order.

    Visiting the nodes from L backwards, each child's grad is complete before its parents are
    reached; every edge passes local × upstream to its parent, and ``combine`` adds it to what
    the parent already holds (fan-out: the shares sum).
    """
    grad = {n[0]: 0.0 for n in nodes}
    grad[nodes[-1][0]] = 1.0  # dL/dL
    edges = []
    for name, _, _, parents, local in reversed(nodes):
        for slot, (parent, d) in enumerate(zip(parents, local, strict=True)):
            contribution = d * grad[name]
            edges.append(Edge(parent, name, slot, d, grad[name], contribution))
            grad[parent] = combine(grad[parent], contribution)
    return grad, tuple(edges)


def _neuron(x, w, b, t, activation, loss, activation_params, combine) -> NeuronGraph:
    x, w = as_array(x), as_array(w)
    if x.ndim != 1 or x.shape != w.shape or x.size == 0:
        raise ValueError(f"x and w must be 1-D of the same length k ≥ 1, got {x.shape} and {w.shape}")
    b, t = float(b), float(t)
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(w)) and math.isfinite(b)
            and math.isfinite(t)):
        raise ValueError("x, w, b and t must be finite")
    act = _choose(ACTIVATIONS, activation, "activation")
    p = _params_for(act, activation_params, "activation")
    if loss not in NEURON_LOSSES:
        raise ValueError(f"unknown neuron loss {loss!r}; choose one of {', '.join(NEURON_LOSSES)}")
    k = x.size
    nodes = []  # (name, op, value, parents, local)
    for i in range(1, k + 1):
        nodes += [(f"x{i}", "input", float(x[i - 1]), (), ()),
                  (f"w{i}", "input", float(w[i - 1]), (), ())]
    nodes += [("b", "input", b, (), ()), ("t", "input", t, (), ())]
    for i in range(1, k + 1):
        xi, wi = float(x[i - 1]), float(w[i - 1])
        nodes.append((f"p{i}", "×", wi * xi, (f"w{i}", f"x{i}"), (xi, wi)))
    z = math.fsum([wi * xi for wi, xi in zip(w.tolist(), x.tolist(), strict=True)] + [b])
    nodes.append(("z", "+", z, tuple(f"p{i}" for i in range(1, k + 1)) + ("b",), (1.0,) * (k + 1)))
    a = float(act.f(z, **p))
    nodes.append(("a", act.name, a, ("z",), (float(act.df(z, **p)),)))
    if loss == "mse":  # L = (a − t)², as r·r: r feeds both slots of the product
        r = a - t
        nodes += [("r", "−", r, ("a", "t"), (1.0, -1.0)), ("L", "×", r * r, ("r", "r"), (r, r))]
    else:  # L = −(t log a + (1 − t) log(1 − a)): a feeds both logs
        if not 0.0 < a < 1.0:
            raise ValueError(f"binary cross-entropy needs 0 < a < 1, got a = {a!r}: "
                             "use activation='sigmoid'")
        u, v = math.log(a), math.log1p(-a)
        nodes += [("u", "log", u, ("a",), (1.0 / a,)),
                  ("v", "log(1 − ·)", v, ("a",), (-1.0 / (1.0 - a),)),
                  ("L", "bce", -(t * u + (1.0 - t) * v), ("t", "u", "v"), (v - u, -t, t - 1.0))]
    grad, edges = backprop_graph(nodes, combine)
    return NeuronGraph(act.name, loss, tuple(Node(n, op, val, ps, loc, grad[n])
                                             for n, op, val, ps, loc in nodes), edges)


def neuron_graph(x, w, b, t, activation="tanh", loss="mse", activation_params=None) -> NeuronGraph:
    """One neuron, z = Σ_i w_i x_i + b, a = f(z), and its loss against the target t, as a
    graph of scalar nodes with backprop's every step recorded (``Node``, ``Edge``).

    x, w: 1-D of length k; b, t: numbers. loss: "mse", L = (a − t)² written as r·r with
    r = a − t, or "binary_cross_entropy", L = −(t log a + (1 − t) log(1 − a)) (needs
    0 < a < 1: a sigmoid neuron). Both are the LOSSES records' values for n = 1.

    dL/dw_i = (dL/da)·f′(z)·x_i; in the graph, every node's grad is the sum over its
    outgoing edges of local × upstream, which is where fan-out is counted.

    >>> g = neuron_graph([1.0, 2.0], [0.5, -0.25], 0.1, 1.0, activation="relu")
    >>> g.node("z").value, g.loss  # z = 0.5 − 0.5 + 0.1; L = (0.1 − 1)²
    (0.1, 0.81)
    >>> [round(e.contribution, 6) for e in g.children("r")]  # r·r: two shares of r each
    [-0.9, -0.9]
    >>> round(g.node("r").grad, 6), np.round(g.dw, 6).tolist()  # 2r; 2r·relu′(z)·x_i
    (-1.8, [-1.8, -3.6])
    """
    return _neuron(x, w, b, t, activation, loss, activation_params, lambda g, c: g + c)


def _neuron_overwrites(x, w, b, t, activation="tanh", loss="mse", activation_params=None):
    # BUG: grad = contribution instead of grad += contribution (micrograd's `=` for `+=`)
    return _neuron(x, w, b, t, activation, loss, activation_params, lambda g, c: c)


BACKPROP_BUGS: dict[str, BackpropBug] = {
    bug.name: bug
    for bug in (
        BackpropBug(
            "forgets_fprime", "backward",
            "Going back through a hidden layer, δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ f′(z_l): the "
            "activation's slope must multiply in. Leaving out f′(z_l) treats the activation as "
            "the identity; the gradients are right only where f′ happens to be 1.",
            _forgets_fprime,
        ),
        BackpropBug(
            "w_not_transposed", "backward",
            "The error flows back through the transpose: δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ f′(z_l). "
            "Using W_{l+1} itself only has matching shapes when W_{l+1} is square, so in a "
            "square layer nothing but a gradient check catches it (elsewhere the shapes "
            "refuse it, and this version keeps Wᵀ there). It needs a hidden layer l with "
            "n_l = n_(l+1).",
            _w_not_transposed,
        ),
        BackpropBug(
            "never_zeroes", "trainer",
            "Gradients of one step must not carry into the next: a trainer that adds each "
            "step's gradient to a buffer without zeroing it reports g1 + g2 at step 2, where "
            "the gradient at the current parameters is g2 alone.",
            _never_zeroes,
        ),
        BackpropBug(
            "fan_out_overwritten", "neuron_graph",
            "A node used by several others (r in r·r, a in both logs of binary cross-entropy) "
            "gets the sum of the gradients flowing back along all its uses. Assigning each "
            "contribution instead of adding it keeps only the last one.",
            _neuron_overwrites,
        ),
    )
}


# --- toy 2-D datasets ----------------------------------------------------------------------------


def _halves(n: int) -> tuple[int, int]:
    return n - n // 2, n // 2


def _moons(rng, n):
    n0, n1 = _halves(n)
    t0, t1 = np.pi * rng.uniform(size=n0), np.pi * rng.uniform(size=n1)
    upper = np.column_stack([np.cos(t0), np.sin(t0)])
    lower = np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)])
    return np.vstack([upper, lower]), np.repeat([0, 1], [n0, n1])


def _circles(rng, n):
    n0, n1 = _halves(n)
    t = 2.0 * np.pi * rng.uniform(size=n)
    r = np.repeat([1.0, 0.5], [n0, n1])
    return np.column_stack([r * np.cos(t), r * np.sin(t)]), np.repeat([0, 1], [n0, n1])


def _spirals(rng, n):
    n0, n1 = _halves(n)
    s = np.sqrt(rng.uniform(size=n))  # √u: even density along the arm, not piled at the centre
    label = np.repeat([0, 1], [n0, n1])
    angle = 3.0 * np.pi * s + np.pi * label  # 1.5 turns; the second arm is the first turned by π
    return np.column_stack([s * np.cos(angle), s * np.sin(angle)]), label


def _xor(rng, n):
    x = rng.uniform(-1.0, 1.0, size=(n, 2))
    return x, (x[:, 0] * x[:, 1] < 0).astype(np.int64)


@dataclass(frozen=True)
class Dataset:
    """Two classes of points in the plane; ``sample(rng, n)`` -> (x (n, 2), labels (n,))
    before noise and shuffling."""

    name: str
    rule: str
    sample: Callable


DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset("moons", "two interleaving half circles of radius 1", _moons),
        Dataset("circles", "a circle of radius 0.5 (class 1) inside one of radius 1 (class 0)",
                _circles),
        Dataset("spirals", "two spiral arms of 1.5 turns, one the other turned by π", _spirals),
        Dataset("xor", "uniform on [−1, 1]²; class 1 where x₁·x₂ < 0 (2nd and 4th quadrants)",
                _xor),
    )
}


def make_dataset(name: str, n: int = 200, seed=0, noise: float = 0.1):
    """(x, labels): x (n, 2) float64, labels (n,) int64 in {0, 1}, shuffled.

    Points follow ``DATASETS[name].rule``; then Gaussian noise of standard deviation ``noise``
    is added to x (the labels keep the noiseless geometry). Class sizes are ⌈n/2⌉ and ⌊n/2⌋
    (xor: as they fall). Same (name, n, seed, noise), same data.

    >>> x, labels = make_dataset("circles", 6, seed=0, noise=0.0)
    >>> x.shape, labels.dtype.name, sorted(np.round(np.hypot(*x.T), 12).tolist())
    ((6, 2), 'int64', [0.5, 0.5, 0.5, 1.0, 1.0, 1.0])
    """
    ds = _choose(DATASETS, name, "dataset")
    if not (isinstance(n, (int, np.integer)) and n >= 2):
        raise ValueError(f"n must be an integer ≥ 2, got {n!r}")
    if not (math.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be ≥ 0, got {noise!r}")
    rng = np.random.default_rng(seed)
    x, labels = ds.sample(rng, int(n))
    x = x + noise * rng.standard_normal(x.shape)
    order = rng.permutation(int(n))
    return x[order], labels[order].astype(np.int64)


# --- depth study: vanishing and exploding gradients ----------------------------------------------


def depth_study_case(depth: int, width: int, activation: str, init: str, sigma=None,
                     batch: int = 64, seed: int = 0):
    """(net, x, y) for one seed of ``gradient_norms``: a net of ``depth`` weight layers, all
    ``width`` wide (sizes (width,)·(depth + 1)), MSE on a linear output, x and y ~ N(0, 1)
    of shape (batch, width). The weights come from default_rng(seed), the data from
    default_rng([seed, 1]), so the data do not change with the init."""
    if not (isinstance(depth, (int, np.integer)) and depth >= 1):
        raise ValueError(f"depth must be an integer ≥ 1, got {depth!r}")
    net = MLP((width,) * (depth + 1), activation, "mse", init, seed, sigma=sigma)
    rng = np.random.default_rng([seed, 1])
    return net, rng.standard_normal((batch, width)), rng.standard_normal((batch, width))


@dataclass(frozen=True)
class GradientNorms:
    """Per-layer gradient sizes of ``depth_study_case`` nets over several seeds.

    delta_norms[s, l−1] = ‖δ_l‖_F / √B, the root mean square over the batch of each
    example's ‖δ_l‖₂ (seed s); weight_grad_norms[s, l−1] = ‖∂L/∂W_l‖_F. mean and std are
    over the seeds (std with ddof = 0), shape (depth,). Layer 1 is next to the input.
    """

    depth: int
    width: int
    activation: str
    init: str
    sigma: float | None
    batch: int
    seeds: tuple[int, ...]
    layers: np.ndarray  # 1, …, depth
    delta_norms: np.ndarray  # (len(seeds), depth)
    weight_grad_norms: np.ndarray  # (len(seeds), depth)
    mean: np.ndarray
    std: np.ndarray


def gradient_norms(depth: int, width: int, activation: str, init: str, sigma=None,
                   batch: int = 64, seeds=(0, 1, 2, 3, 4)) -> GradientNorms:
    """How the size of δ_l changes from the output (l = depth) back to the input (l = 1).

    Each δ_l picks up a factor W_{l+1}ᵀ and f′(z_l) on the way down: with σ′ ≤ 1/4 the
    sigmoid's δ shrinks geometrically (vanishing), with large weights it grows (exploding).
    The numbers are read from ``net.trace``, so they are the trace's own.

    >>> study = gradient_norms(8, 16, "sigmoid", "xavier", seeds=(0, 1))
    >>> study.delta_norms.shape, bool(study.mean[0] < study.mean[-1] / 100)
    ((2, 8), True)
    """
    seeds = tuple(int(s) for s in seeds)
    if not seeds:
        raise ValueError("seeds must name at least one seed")
    deltas, weights = [], []
    for seed in seeds:
        net, x, y = depth_study_case(depth, width, activation, init, sigma, batch, seed)
        layers = net.trace(x, y).layers
        deltas.append([np.linalg.norm(t.delta) / math.sqrt(batch) for t in layers])
        weights.append([np.linalg.norm(t.dW) for t in layers])
    deltas, weights = np.array(deltas), np.array(weights)
    return GradientNorms(int(depth), int(width), activation, init, sigma, int(batch), seeds,
                         np.arange(1, depth + 1), deltas, weights,
                         deltas.mean(axis=0), deltas.std(axis=0))
