"""Loss functions and their gradients with respect to the prediction: one frozen record each.

Convention (the notes'): L is the mean over the n components of y and ŷ (``reduction="mean"``);
``reduction="sum"`` drops the 1/n. ``value(y, yhat)`` is a float; ``grad(y, yhat)`` is ∂L/∂ŷ,
a float64 array of ŷ's shape (y and ŷ: array_like of one shape, any number of dimensions).

At the edge of a domain: a term with weight 0 is identically 0 (0·log 0 = 0), in the value and
in the gradient, so cross-entropy's ∂L/∂ŷ_i is 0 where y_i = 0 and binary cross-entropy's is
∓1/n at ŷ_i = y_i ∈ {1, 0}; where a term with nonzero weight meets log 0 the gradient is ±inf.
Huber's gradient is continuous (its kink is in the second derivative): no convention needed.

The notes get two of these gradients wrong, and each record carries the notes' version
(``notes_grad``) so the app can show a gradient check failing on it:
- MSE L = (1/n)‖y − ŷ‖² has ∂L/∂ŷ_i = (2/n)(ŷ_i − y_i); the notes' (1/n)(ŷ_i − y_i) is the
  gradient of (1/2n)‖y − ŷ‖².
- Cross-entropy L = −(1/n) Σ y_i log ŷ_i has ∂L/∂ŷ_i = −y_i / (n ŷ_i); the notes drop the 1/n.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy as sp
from scipy import special

from derivs._stable import as_array, fold, sigmoid, sigmoid_complement, sigmoid_slope
from derivs.activations import Param
from derivs.softmax import (
    _sum_of_others,
    log_softmax,
    softmax,
    softmax_complement,
    softmax_jacobian,
)

# Display symbols: L = (1/n) Σ_i ℓ(y_i, ŷ_i), with the gradient taken per component i.
I, J = sp.symbols("i j", integer=True, positive=True)
N = sp.Symbol("n", integer=True, positive=True)
Y = sp.IndexedBase("y")
YHAT = sp.IndexedBase(r"\hat{y}")
Z = sp.IndexedBase("z")
DELTA = sp.Symbol("delta", positive=True)


@dataclass(frozen=True)
class Loss:
    """One loss: numpy value and gradient, their sympy formulas, and what the inputs must be.

    Attributes:
      name: the registry key.
      label: the name shown to people.
      value: ``value(y, yhat, reduction="mean", **params) -> float``.
      grad: ``grad(y, yhat, reduction="mean", **params)``: ∂L/∂ŷ, float64 of ŷ's shape.
      value_expr, grad_expr: L and ∂L/∂ŷ_i in sympy, in ``Y[i]``, ``YHAT[i]`` (``Z[i]`` for
        logits), ``N`` and the params' symbols: formulas on screen and the tests' oracle.
      prediction: what ŷ is: "values", "probabilities" or "logits".
      target: what y must be: "values", "distribution" or "binary".
      params: the tunable parameters with their defaults and ranges.
      notes_grad, notes_grad_expr: the notes' wrong gradient (MSE, cross-entropy), or None.

    Example:
      >>> mse = LOSSES["mse"]
      >>> float(mse.value([0.0, 1.0], [0.5, 0.5])), mse.grad([0.0, 1.0], [0.5, 0.5]).tolist()
      (0.25, [0.5, -0.5])
    """

    name: str
    label: str
    value: Callable  # value(y, yhat, reduction="mean", **params) -> float
    grad: Callable  # grad(y, yhat, reduction="mean", **params) -> array like yhat
    value_expr: sp.Expr  # in Y[i], YHAT[i] (or Z[i] for logits), N and params
    grad_expr: sp.Expr  # ∂L/∂ŷ_i (or ∂L/∂z_i), the same symbols
    prediction: str  # what ŷ is: "values", "probabilities" or "logits"
    target: str  # what y must be: "values", "distribution" or "binary"
    params: tuple[Param, ...] = ()
    notes_grad: Callable | None = None
    notes_grad_expr: sp.Expr | None = None

    @property
    def wrt(self) -> sp.IndexedBase:
        """The symbol the gradient is taken with respect to."""
        return Z if self.prediction == "logits" else YHAT

    def defaults(self) -> dict[str, float]:
        """{name: default} of the parameters."""
        return {p.name: p.default for p in self.params}

    def problems(self, y, yhat) -> tuple[str, ...]:
        """Keys of what is wrong with (y, yhat) for this loss; () when the input is valid.

        Keys: shape, not_finite, prediction_not_probability, target_not_binary,
        target_negative, target_not_normalised. The app turns them into sentences.

        Example:
          >>> LOSSES["cross_entropy"].problems([0.5, 0.5], [1.2, -0.2])
          ('prediction_not_probability',)
        """
        y, yhat = as_array(y), as_array(yhat)
        if y.shape != yhat.shape or y.size == 0:
            return ("shape",)
        if not (np.all(np.isfinite(y)) and np.all(np.isfinite(yhat))):
            return ("not_finite",)
        found = []
        if self.prediction == "probabilities":
            upper_ok = yhat <= 1 if self.target == "distribution" else yhat < 1
            inside = (yhat > 0) & upper_ok
            if self.target == "binary":  # ŷ = y ∈ {0, 1}: the term is 0, the gradient finite
                inside |= ((yhat == 0) | (yhat == 1)) & (y == yhat)
            if not np.all(inside):
                found.append("prediction_not_probability")
        if self.target == "binary" and not np.all((y >= 0) & (y <= 1)):
            found.append("target_not_binary")
        if self.target == "distribution":
            if np.any(y < 0):
                found.append("target_negative")
            elif not np.isclose(np.sum(y), 1.0, rtol=0, atol=1e-9):
                found.append("target_not_normalised")
        return tuple(found)


def _scale(n, reduction):
    if reduction == "mean":
        return 1.0 / n
    if reduction == "sum":
        return 1.0
    raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")


def _pair(y, yhat):
    y, yhat = as_array(y), as_array(yhat)
    if y.shape != yhat.shape:
        raise ValueError(f"y and yhat must have the same shape, got {y.shape} and {yhat.shape}")
    return y, yhat


# --- MSE -------------------------------------------------------------------------------------


def mse_value(y, yhat, reduction="mean"):
    """Mean squared error, L = (1/n) Σ (ŷ_i − y_i)².

    Smooth: no kink.

    Args:
      y: targets, array_like of any shape.
      yhat: predictions, array_like of y's shape.
      reduction: "mean" (the 1/n) or "sum".

    Returns:
      L as a float64 scalar.

    Example:
      >>> float(mse_value([0.0, 1.0], [0.5, 0.5]))
      0.25
    """
    y, yhat = _pair(y, yhat)
    r = yhat - y
    return np.sum(r * r) * _scale(r.size, reduction)


def mse_grad(y, yhat, reduction="mean"):
    """∂L/∂ŷ_i = (2/n)(ŷ_i − y_i) for the mean squared error.

    Smooth: no kink.

    Args:
      y: targets, array_like of any shape.
      yhat: predictions, array_like of y's shape.
      reduction: "mean" (the 1/n) or "sum".

    Returns:
      float64 array of ŷ's shape.

    Example:
      >>> mse_grad([0.0, 1.0], [0.5, 0.5]).tolist()
      [0.5, -0.5]
    """
    y, yhat = _pair(y, yhat)
    return 2.0 * (yhat - y) * _scale(y.size, reduction)


def mse_notes_grad(y, yhat, reduction="mean"):
    """The notes' (1/n)(ŷ_i − y_i): half the true gradient (it belongs to (1/2n)‖y − ŷ‖²).

    Args:
      y: targets, array_like of any shape.
      yhat: predictions, array_like of y's shape.
      reduction: "mean" (the 1/n) or "sum".

    Returns:
      float64 array of ŷ's shape.

    Example:
      >>> mse_notes_grad([0.0, 1.0], [0.5, 0.5]).tolist()
      [0.25, -0.25]
    """
    y, yhat = _pair(y, yhat)
    return (yhat - y) * _scale(y.size, reduction)


# --- cross-entropy on probabilities ------------------------------------------------------------


def cross_entropy_value(y, yhat, reduction="mean"):
    """Cross-entropy on probabilities, L = −(1/n) Σ y_i log ŷ_i, with 0·log 0 = 0 (xlogy).

    Smooth for ŷ > 0; +inf where some y_i > 0 has ŷ_i = 0.

    Args:
      y: target distribution, array_like of any shape.
      yhat: predicted probabilities, array_like of y's shape.
      reduction: "mean" (the 1/n) or "sum".

    Returns:
      L as a float64 scalar.

    Example:
      >>> round(float(cross_entropy_value([0.0, 1.0], [0.5, 0.5])), 6)
      0.346574
    """
    y, yhat = _pair(y, yhat)
    with np.errstate(divide="ignore"):
        return -np.sum(special.xlogy(y, yhat)) * _scale(y.size, reduction)


def cross_entropy_grad(y, yhat, reduction="mean"):
    """∂L/∂ŷ_i = −y_i / (n ŷ_i) for cross-entropy on probabilities.

    Where y_i = 0 the term is identically 0, so its gradient is 0 (also at ŷ_i = 0);
    −inf where y_i > 0 and ŷ_i = 0.

    Args:
      y: target distribution, array_like of any shape.
      yhat: predicted probabilities, array_like of y's shape.
      reduction: "mean" (the 1/n) or "sum".

    Returns:
      float64 array of ŷ's shape.

    Example:
      >>> cross_entropy_grad([0.0, 1.0], [0.5, 0.5]).tolist()
      [0.0, -1.0]
    """
    y, yhat = _pair(y, yhat)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(y == 0, 0.0, -y / yhat)
    return g * _scale(y.size, reduction)


def cross_entropy_notes_grad(y, yhat, reduction="mean"):
    """The notes' −y_i / ŷ_i: the 1/n of the mean is dropped.

    Args:
      y: target distribution, array_like of any shape.
      yhat: predicted probabilities, array_like of y's shape.
      reduction: ignored: the notes' form has no 1/n to drop.

    Returns:
      float64 array of ŷ's shape.

    Example:
      >>> cross_entropy_notes_grad([0.0, 1.0], [0.5, 0.5]).tolist()
      [0.0, -2.0]
    """
    y, yhat = _pair(y, yhat)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y == 0, 0.0, -y / yhat)


# --- binary cross-entropy on probabilities -----------------------------------------------------


def bce_value(y, yhat, reduction="mean"):
    """Binary cross-entropy, L = −(1/n) Σ [y_i log ŷ_i + (1 − y_i) log(1 − ŷ_i)].

    log(1 − ŷ) as log1p(−ŷ); a term with weight 0 is 0 (0·log 0 = 0), so L = 0 at ŷ = y ∈ {0, 1}
    and +inf where a term with nonzero weight meets log 0.

    Args:
      y: targets in [0, 1] (hard 0/1 or soft labels), array_like of any shape.
      yhat: predicted probabilities, array_like of y's shape.
      reduction: "mean" (the 1/n) or "sum".

    Returns:
      L as a float64 scalar.

    Example:
      >>> round(float(bce_value([1.0, 0.0], [0.8, 0.2])), 6)
      0.223144
    """
    y, yhat = _pair(y, yhat)
    with np.errstate(divide="ignore"):
        terms = special.xlogy(y, yhat) + special.xlog1py(1.0 - y, -yhat)
    return -np.sum(terms) * _scale(y.size, reduction)


def bce_grad(y, yhat, reduction="mean"):
    """∂L/∂ŷ_i = (ŷ_i − y_i) / (n ŷ_i (1 − ŷ_i)) for binary cross-entropy.

    At the edges ŷ_i ∈ {0, 1}: where ŷ_i = y_i the term with weight 0 is identically 0 and the
    gradient is the other term's, −1/n at y = ŷ = 1 and +1/n at y = ŷ = 0 (the formula's 0/0);
    otherwise a log 0 with nonzero weight: +inf at ŷ_i = 1, −inf at ŷ_i = 0 (the one-sided
    limits from inside (0, 1)).

    Args:
      y: targets in [0, 1] (hard 0/1 or soft labels), array_like of any shape.
      yhat: predicted probabilities in [0, 1], array_like of y's shape.
      reduction: "mean" (the 1/n) or "sum".

    Returns:
      float64 array of ŷ's shape.

    Example:
      >>> bce_grad([1.0, 0.0], [0.8, 0.2]).round(6).tolist()
      [-0.625, 0.625]
      >>> bce_grad([1.0, 0.0, 0.5, 0.5], [1.0, 0.0, 1.0, 0.0]).tolist()
      [-0.25, 0.25, inf, -inf]
    """
    y, yhat = _pair(y, yhat)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = (yhat - y) / (yhat * (1.0 - yhat))  # one fraction: no cancellation when ŷ ≈ y
    # ŷ = y ∈ {0, 1} gave 0/0: there −y/ŷ + (1 − y)/(1 − ŷ) has one term of weight 0, which is
    # identically 0, and the other is 1 − 2y
    settled = (yhat == y) & ((y == 0) | (y == 1))
    g = np.where(settled, 1.0 - 2.0 * y, g)
    return g * _scale(y.size, reduction)


# --- softmax + cross-entropy on logits ---------------------------------------------------------


def softmax_ce_value(y, z, reduction="mean"):
    """Softmax cross-entropy on logits, L = −(1/n) Σ y_i log softmax(z)_i.

    log-softmax computed stably (shifted by the max, through log1p). Smooth: no kink.

    Args:
      y: target distribution, array_like of any shape.
      z: logits, array_like of y's shape.
      reduction: "mean" (the 1/n) or "sum".

    Returns:
      L as a float64 scalar.

    Example:
      >>> round(float(softmax_ce_value([0.0, 1.0], [0.0, 0.0])), 6)
      0.346574
    """
    y, z = _pair(y, z)
    return -np.sum(np.where(y == 0, 0.0, y * log_softmax(z))) * _scale(y.size, reduction)


def softmax_ce_grad(y, z, reduction="mean"):
    """∂L/∂z_i = (s_i Σ_j y_j − y_i) / n, s = softmax(z).

    Written as s_i Σ_{j≠i} y_j − y_i (1 − s_i) with both "others" sums computed directly, so
    the target's entry s_k − 1 keeps its digits when s_k ≈ 1. Smooth: no kink.

    Args:
      y: target distribution, array_like of any shape.
      z: logits, array_like of y's shape.
      reduction: "mean" (the 1/n) or "sum".

    Returns:
      float64 array of z's shape.

    Example:
      >>> softmax_ce_grad([0.0, 1.0], [0.0, 0.0]).tolist()
      [0.25, -0.25]
    """
    y, z = _pair(y, z)
    s = softmax(z)
    g = s * _sum_of_others(y) - y * softmax_complement(z)
    return g * _scale(y.size, reduction)


# --- Huber -----------------------------------------------------------------------------------


def _check_delta(delta) -> float:
    """δ as a float, or ValueError: h is a loss only for a finite δ > 0 (δ ≤ 0 gives negative
    values, and clip(r, −δ, δ) an empty interval)."""
    d = np.asarray(delta)
    if d.ndim == 0 and d.dtype.kind in "iuf" and np.isfinite(d) and d > 0:
        return float(d)
    raise ValueError(f"huber: delta must be a finite number > 0, got {delta!r}")


def huber_value(y, yhat, reduction="mean", delta=1.0):
    """Huber loss, L = (1/n) Σ h(ŷ_i − y_i), h(r) = r²/2 if |r| ≤ δ else δ(|r| − δ/2).

    Continuous with a continuous gradient at |r| = δ (the kink is in the second derivative).

    Args:
      y: targets, array_like of any shape.
      yhat: predictions, array_like of y's shape.
      reduction: "mean" (the 1/n) or "sum".
      delta: where the quadratic part ends, a finite float > 0.

    Returns:
      L as a float64 scalar.

    Raises:
      ValueError: if delta is not a finite number > 0.

    Example:
      >>> float(huber_value([0.0, 0.0], [0.5, 3.0]))
      1.3125
    """
    delta = _check_delta(delta)
    y, yhat = _pair(y, yhat)
    a, _ = fold(yhat - y)  # |r| written as ±r, so the complex step still works
    h = np.where(a.real <= delta, 0.5 * a * a, delta * (a - 0.5 * delta))
    return np.sum(h) * _scale(y.size, reduction)


def huber_grad(y, yhat, reduction="mean", delta=1.0):
    """∂L/∂ŷ_i = clip(ŷ_i − y_i, −δ, δ) / n.

    Continuous at |r| = δ (both pieces give ±δ there): no kink convention needed.

    Args:
      y: targets, array_like of any shape.
      yhat: predictions, array_like of y's shape.
      reduction: "mean" (the 1/n) or "sum".
      delta: where the quadratic part ends, a finite float > 0.

    Returns:
      float64 array of ŷ's shape.

    Raises:
      ValueError: if delta is not a finite number > 0.

    Example:
      >>> huber_grad([0.0, 0.0], [0.5, 3.0]).tolist()
      [0.25, 0.5]
    """
    delta = _check_delta(delta)
    y, yhat = _pair(y, yhat)
    return np.clip(yhat - y, -delta, delta) * _scale(y.size, reduction)


# --- the registry ----------------------------------------------------------------------------

_i = I
_r = YHAT[_i] - Y[_i]
_softmax_i = sp.exp(Z[_i]) / sp.Sum(sp.exp(Z[J]), (J, 1, N))

#: Every loss by name. Adding one = its value, grad and one line here.
LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss(
            "mse", "Mean squared error", mse_value, mse_grad,
            value_expr=sp.Sum(_r**2, (_i, 1, N)) / N,  # (ŷ − y)² = (y − ŷ)², prints tidier
            grad_expr=sp.Mul(2 / N, _r, evaluate=False),  # shown as (2/n)(ŷ_i − y_i)
            prediction="values", target="values",
            notes_grad=mse_notes_grad, notes_grad_expr=_r / N,
        ),
        Loss(
            "cross_entropy", "Cross-entropy (on probabilities)",
            cross_entropy_value, cross_entropy_grad,
            value_expr=-sp.Sum(Y[_i] * sp.log(YHAT[_i]), (_i, 1, N)) / N,
            grad_expr=-Y[_i] / (N * YHAT[_i]),
            prediction="probabilities", target="distribution",
            notes_grad=cross_entropy_notes_grad, notes_grad_expr=-Y[_i] / YHAT[_i],
        ),
        Loss(
            "binary_cross_entropy", "Binary cross-entropy (on probabilities)",
            bce_value, bce_grad,
            value_expr=-sp.Sum(
                Y[_i] * sp.log(YHAT[_i]) + (1 - Y[_i]) * sp.log(1 - YHAT[_i]), (_i, 1, N)
            ) / N,
            grad_expr=_r / (N * YHAT[_i] * (1 - YHAT[_i])),
            prediction="probabilities", target="binary",
        ),
        Loss(
            "softmax_cross_entropy", "Softmax + cross-entropy (on logits)",
            softmax_ce_value, softmax_ce_grad,
            value_expr=-sp.Sum(Y[_i] * sp.log(_softmax_i), (_i, 1, N)) / N,
            grad_expr=(_softmax_i * sp.Sum(Y[J], (J, 1, N)) - Y[_i]) / N,
            prediction="logits", target="distribution",
        ),
        Loss(
            "huber", "Huber", huber_value, huber_grad,
            value_expr=sp.Sum(
                sp.Piecewise(
                    (_r**2 / 2, sp.Abs(_r) <= DELTA),
                    (DELTA * (sp.Abs(_r) - DELTA / 2), True),
                ),
                (_i, 1, N),
            ) / N,
            grad_expr=sp.Piecewise(
                (_r, sp.Abs(_r) <= DELTA), (DELTA * sp.sign(_r), True)
            ) / N,
            prediction="values", target="values",
            params=(Param("delta", 1.0, 0.1, 5.0, 0.1, DELTA),),
        ),
    )
}


@dataclass(frozen=True)
class SoftmaxChain:
    """∂L/∂z of softmax + cross-entropy two ways: the chain rule through the Jacobian, and the
    short form that LOSSES["softmax_cross_entropy"].grad returns. Arrays have z's shape (n,),
    the Jacobian (n, n). Built by ``softmax_ce_chain``."""

    s: np.ndarray  # softmax(z)
    jacobian: np.ndarray  # J[i, j] = ∂s_i/∂z_j
    grad_s: np.ndarray  # ∂L/∂s_i = −y_i / (n s_i): cross-entropy on the probabilities s
    via_jacobian: np.ndarray  # Jᵀ ∂L/∂s
    short_form: np.ndarray  # (s_i Σ_j y_j − y_i) / n
    max_difference: float  # max_i |Jᵀ ∂L/∂s − short form|


def softmax_ce_chain(y, z) -> SoftmaxChain:
    """Both routes to ∂L/∂z for L = −(1/n) Σ y_i log softmax(z)_i (mean reduction).

    The Jacobian route divides by s_i, so it needs every s_i with y_i > 0 to be a normal float
    (true for logits spread over less than about 700); the short form has no such limit.

    Args:
      y: target distribution, shape (n,).
      z: logits, shape (n,).

    Returns:
      A ``SoftmaxChain`` of the intermediate arrays and the largest difference of the routes.

    Example:
      >>> chain = softmax_ce_chain([0.0, 1.0], [0.0, 0.0])
      >>> chain.short_form.tolist(), chain.max_difference < 1e-15
      ([0.25, -0.25], True)
    """
    y, z = _pair(y, z)
    s = softmax(z)
    jacobian = softmax_jacobian(z)
    grad_s = cross_entropy_grad(y, s)
    via_jacobian = jacobian.T @ grad_s
    short_form = softmax_ce_grad(y, z)
    return SoftmaxChain(s, jacobian, grad_s, via_jacobian, short_form,
                        float(np.max(np.abs(via_jacobian - short_form))))


@dataclass(frozen=True)
class SigmoidOutputGradients:
    """dL/dz for one sigmoid output ŷ = σ(z) under two losses (n = 1), each of z's shape.
    Built by ``sigmoid_output_gradients``."""

    z: np.ndarray
    bce: np.ndarray  # BCE: σ(z) − y; no σ′ factor, so no stall when σ saturates
    mse: np.ndarray  # MSE (ŷ − y)²: 2(σ(z) − y) σ′(z); σ′ → 0 makes it vanish when saturated


def sigmoid_output_gradients(z, y: float = 1.0) -> SigmoidOutputGradients:
    """Why cross-entropy does not stall: dL/dz of BCE and of MSE through a sigmoid, over z.

    σ(z) − y is computed as (1 − y)σ(z) − y σ(−z), so for y = 1 the tail 1 − σ(z) keeps its
    digits instead of cancelling; σ′ is the stable e/(1 + e)².

    Args:
      z: logits, array_like of any shape.
      y: the target, a float in [0, 1].

    Returns:
      A ``SigmoidOutputGradients`` with arrays of z's shape.

    Example:
      >>> g = sigmoid_output_gradients([-10.0, 0.0], y=1.0)
      >>> g.bce.round(6).tolist(), g.mse.round(6).tolist()
      ([-0.999955, -0.5], [-9.1e-05, -0.25])
    """
    z = as_array(z)
    error = (1.0 - y) * sigmoid(z) - y * sigmoid_complement(z)
    return SigmoidOutputGradients(z, error, 2.0 * error * sigmoid_slope(z))
