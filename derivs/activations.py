"""Activation functions, their first and second derivatives: one frozen record each.

Conventions, the same for every record (each one pinned by tests/test_core_activations.py):

- Shapes: ``f``, ``df`` and ``d2f`` take array_like of any shape (Python numbers and integer
  arrays too) and return float64 of that shape. ``f`` also takes complex input (branches test
  ``z.real``), so the complex-step derivative works through it.
- Kinks: at a kink ``df`` returns PyTorch's value; each ``Kink`` records which one-sided slope
  that is and what other libraries return there. ``d2f`` takes f″ from the same side: 0 for the
  piecewise-linear kinks, α for ELU and λα for SELU at 0 (the jump of f′ there, a Dirac delta
  in f″, is not represented). Softsign's f″ jumps from +2 to −2 at 0 while f′ is smooth; its
  ``d2f(0)`` is −2, the x ≥ 0 piece, as the displayed Piecewise formula gives.
- NaN in, NaN out, for f, df and d2f alike.
- ±inf: the limits (sigmoid(−inf) = 0, silu(−inf) = 0, elu(−inf) = −α, softsign(inf) = 1,
  gelu′(inf) = 1, every f″(±inf) = 0, ...; each function's docstring lists its own), returned
  without a warning. Where x·g(x) would be inf·0, the argument is clamped at a point beyond
  which the computed result no longer changes (it is the limit, or a subnormal rounded to 0),
  so the clamp changes no finite result.
- Accuracy: f and df within 1e-12 relative of a 50-digit mpmath reference, d2f within 1e-10,
  wherever the true value is a normal float64 (near a root, within the ε·κ no float64 code can
  beat; see tests/reference.py).

The sympy ``expr`` is for display and for tests; it is never lambdified into the numpy code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy as sp
from scipy import special

from derivs._stable import (
    _real_buffer,
    as_array,
    fold,
    sigmoid,
    sigmoid_complement,
    sigmoid_curvature,
    sigmoid_slope,
    softplus,
    tanh_slope,
)

X = sp.Symbol("x", real=True)
#: Stands for the activation's own output in the notes' derivative forms like σ(1 − σ).
F = sp.Symbol("f", real=True)
ALPHA = sp.Symbol("alpha", positive=True)


@dataclass(frozen=True)
class Param:
    """A tunable parameter of an activation or a loss.

    Attributes:
      name: the keyword the functions take (``alpha``, ``delta``).
      default: the value used when the keyword is not given.
      low, high, step: the range and step a UI slider offers; every value in it is valid.
      symbol: the sympy symbol standing for it in the record's formulas.

    Example:
      >>> p = ACTIVATIONS["leaky_relu"].params[0]
      >>> (p.name, p.default, p.low, p.high)
      ('alpha', 0.01, 0.0, 1.0)
    """

    name: str
    default: float
    low: float
    high: float
    step: float
    symbol: sp.Symbol


@dataclass(frozen=True)
class Kink:
    """A point where f is not differentiable: where its convention lives, as data.

    Attributes:
      at: the x of the kink.
      side: which one-sided slope ``df`` returns at ``at``: "left" or "right". ``d2f`` takes
        the one-sided f″ from the same side.
      elsewhere: what other libraries return there, as (library, value) pairs.

    Example:
      >>> k = ACTIVATIONS["relu"].kinks[0]
      >>> (k.at, k.side, float(ACTIVATIONS["relu"].df(k.at)))
      (0.0, 'left', 0.0)
    """

    at: float
    side: str
    elsewhere: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Activation:
    """One activation function: numpy f, f′ and f″, its sympy formula, kinks and parameters.

    Attributes:
      name: the registry key.
      label: the name shown to people.
      f: ``f(x, **params)``: numpy, vectorised, float64 of x's shape (complex input too).
      df: ``df(x, **params)``: f′, hand-written, numerically stable (the thing being taught).
      d2f: ``d2f(x, **params)``: f″, hand-written, stable like ``df``.
      expr: f in sympy, in ``X`` and the params' symbols: formulas on screen and the tests'
        oracle (``Piecewise`` where a kink's convention must show).
      kinks: the points where f is not differentiable, with their convention.
      params: the tunable parameters with their defaults and ranges.
      df_via_output, df_via_output_expr: the notes' f′ written through the output (σ(1 − σ),
        1 − tanh²): right on paper, but 0 in float64 once f rounds to 1; None for the others.
      plot_range: the x range the app draws by default.

    See the module docstring for the conventions at kinks, NaN and ±inf.

    Example:
      >>> act = ACTIVATIONS["elu"]
      >>> [float(g(0.0, alpha=2.0)) for g in (act.f, act.df, act.d2f)]
      [0.0, 2.0, 2.0]
      >>> act.defaults()
      {'alpha': 1.0}
    """

    name: str
    label: str
    f: Callable
    df: Callable
    d2f: Callable
    expr: sp.Expr
    kinks: tuple[Kink, ...] = ()
    params: tuple[Param, ...] = ()
    df_via_output: Callable | None = None
    df_via_output_expr: sp.Expr | None = None
    plot_range: tuple[float, float] = (-6.0, 6.0)

    def defaults(self) -> dict[str, float]:
        """{name: default} of the parameters."""
        return {p.name: p.default for p in self.params}

    def symbols(self, **params) -> dict:
        """sympy substitutions {symbol: value} for the given (or default) parameters."""
        values = self.defaults() | params
        return {p.symbol: values[p.name] for p in self.params}


# --- shared pieces -------------------------------------------------------------------------------

_HUGE = float(np.finfo(np.float64).max)
# Below x = −745.2, e^x rounds to 0, so σ(x), x·σ(x), x·tanh(softplus(x)) and their derivatives
# all compute as 0 there (their true values are subnormal, below 1e−320): clamping x at −750
# changes no computed value, and keeps x = −inf out of −inf·0.
_SIGMOID_ZERO = -750.0


def _kink_where(z, at, left, right):
    """Pieces joined at a kink, each analytic (the complex-step path)."""
    return np.where(z.real > at, right, left)


def _indicator(mask, z):
    """A boolean mask of z as 0.0/1.0, and NaN where z is NaN (comparisons map NaN to False).
    Comparisons and a masked copy: np.sign or np.where on unsorted input would mispredict a
    branch per element."""
    out = np.array(mask, dtype=np.float64)  # (0-d stays an array for copyto)
    np.copyto(out, z, where=np.isnan(z))
    return out


def _zero(z):
    """0.0 of z's shape, NaN where z is NaN: f″ of the piecewise-linear activations."""
    return np.where(np.isnan(z), np.nan, 0.0)


# --- sigmoid, tanh -----------------------------------------------------------------------------


def sigmoid_f(x):
    """Logistic sigmoid, σ(x) = 1 / (1 + e^(−x)).

    Smooth, no kink. σ(−inf) = 0, σ(inf) = 1, NaN at NaN.

    Args:
      x: array_like, any shape (real, or complex for the complex step).

    Returns:
      float64 array of x's shape.

    Example:
      >>> sigmoid_f([-1.0, 0.0, 1.0]).round(6).tolist()
      [0.268941, 0.5, 0.731059]
    """
    return sigmoid(as_array(x))


def sigmoid_df(x):
    """σ′(x) = e^(−|x|) / (1 + e^(−|x|))², the notes' σ(1 − σ) without its rounding to 0.

    Smooth, no kink. σ′(±inf) = 0, NaN at NaN.

    Args:
      x: real array_like, any shape.

    Returns:
      float64 array of x's shape.

    Example:
      >>> float(sigmoid_df(0.0)), f"{float(sigmoid_df(40.0)):.6e}"
      (0.25, '4.248354e-18')
    """
    return sigmoid_slope(as_array(x))


def sigmoid_d2f(x):
    """σ″(x) = σ′(x)(1 − 2σ(x)) = −tanh(x/2)·σ′(x): no cancellation near 0, no rounding to 0.

    Smooth, no kink. σ″(±inf) = 0, NaN at NaN.

    Args:
      x: real array_like, any shape.

    Returns:
      float64 array of x's shape.

    Example:
      >>> sigmoid_d2f([-1.0, 1.0]).round(6).tolist(), f"{float(sigmoid_d2f(40.0)):.6e}"
      ([0.090858, -0.090858], '-4.248354e-18')
    """
    return sigmoid_curvature(as_array(x))


def tanh_f(x):
    """tanh(x) = (e^x − e^(−x)) / (e^x + e^(−x)).

    Smooth, no kink. tanh(±inf) = ±1, NaN at NaN.

    Args:
      x: array_like, any shape (real, or complex for the complex step).

    Returns:
      float64 array of x's shape.

    Example:
      >>> tanh_f([-1.0, 0.0, 1.0]).round(6).tolist()
      [-0.761594, 0.0, 0.761594]
    """
    return np.tanh(as_array(x))


def tanh_df(x):
    """tanh′(x) = sech²(x) = 1/cosh²(x), the notes' 1 − tanh² without its rounding to 0.

    Smooth, no kink. tanh′(±inf) = 0, NaN at NaN.

    Args:
      x: real array_like, any shape.

    Returns:
      float64 array of x's shape.

    Example:
      >>> float(tanh_df(0.0)), f"{float(tanh_df(20.0)):.6e}"
      (1.0, '1.699342e-17')
    """
    return tanh_slope(as_array(x))


def tanh_d2f(x):
    """tanh″(x) = −2 tanh(x)·sech²(x).

    Smooth, no kink. tanh″(±inf) = 0, NaN at NaN.

    Args:
      x: real array_like, any shape.

    Returns:
      float64 array of x's shape.

    Example:
      >>> tanh_d2f([-1.0, 1.0]).round(6).tolist(), f"{float(tanh_d2f(20.0)):.6e}"
      ([0.6397, -0.6397], '-3.398683e-17')
    """
    z = as_array(x)
    return -2.0 * np.tanh(z) * tanh_slope(z)


# --- piecewise linear ----------------------------------------------------------------------------


def relu_f(x):
    """relu(x) = max(x, 0).

    Kink at 0 (see ``relu_df``). relu(−inf) = 0, relu(inf) = inf, NaN at NaN.

    Args:
      x: array_like, any shape (real, or complex for the complex step).

    Returns:
      float64 array of x's shape.

    Example:
      >>> relu_f([-2.0, 0.0, 3.0, np.nan]).tolist()
      [0.0, 0.0, 3.0, nan]
    """
    z = as_array(x)
    if np.iscomplexobj(z):
        return _kink_where(z, 0.0, 0.0, z)
    return np.maximum(z, 0.0)  # (np.maximum keeps NaN; np.where(z > 0, ...) would give 0)


def relu_df(x):
    """relu′(x) = 1 if x > 0 else 0.

    Kink at 0: 0, the left slope (PyTorch, JAX; HIPS autograd gives 0.5). relu′(−inf) = 0,
    relu′(inf) = 1, NaN at NaN.

    Args:
      x: real array_like, any shape.

    Returns:
      float64 array of x's shape.

    Example:
      >>> relu_df([-2.0, 0.0, 3.0, np.nan]).tolist()
      [0.0, 0.0, 1.0, nan]
    """
    z = as_array(x)
    return _indicator(z > 0, z)


def relu_d2f(x):
    """relu″(x) = 0.

    At the kink 0: 0, the left piece's f″ (the convention of ``relu_df``). NaN at NaN.

    Args:
      x: real array_like, any shape.

    Returns:
      float64 array of x's shape.

    Example:
      >>> relu_d2f([-2.0, 0.0, 3.0, np.nan]).tolist()
      [0.0, 0.0, 0.0, nan]
    """
    return _zero(as_array(x))


def leaky_relu_f(x, alpha=0.01):
    """leaky_relu(x) = x if x > 0 else αx.

    Kink at 0 (see ``leaky_relu_df``). leaky_relu(±inf) = ±inf (0 at −inf when α = 0, the
    limit of 0·x), NaN at NaN.

    Args:
      x: array_like, any shape (real, or complex for the complex step).
      alpha: the slope for x < 0, a float.

    Returns:
      float64 array of x's shape.

    Example:
      >>> leaky_relu_f([-2.0, 0.0, 3.0], alpha=0.1).tolist()
      [-0.2, 0.0, 3.0]
    """
    z = as_array(x)
    if np.iscomplexobj(z):
        return _kink_where(z, 0.0, alpha * z, z)
    if alpha == 0:  # ReLU: the αx piece is identically 0, also at −inf (0·(−inf) is NaN)
        return np.maximum(z, 0.0)
    # max(x, 0) + α·min(x, 0): each side adds an exact 0 to the other, no np.where
    return np.maximum(z, 0.0) + alpha * np.minimum(z, 0.0)


def leaky_relu_df(x, alpha=0.01):
    """leaky_relu′(x) = 1 if x > 0 else α.

    Kink at 0: α, the left slope (PyTorch; JAX gives 1). leaky_relu′(−inf) = α,
    leaky_relu′(inf) = 1, NaN at NaN.

    Args:
      x: real array_like, any shape.
      alpha: the slope for x < 0, a float.

    Returns:
      float64 array of x's shape.

    Example:
      >>> leaky_relu_df([-2.0, 0.0, 3.0], alpha=0.1).tolist()
      [0.1, 0.1, 1.0]
    """
    z = as_array(x)
    s = _indicator(z > 0, z)
    out = np.subtract(1.0, s, out=_real_buffer(s))
    out *= alpha
    out += s  # exactly 1 or α: s is 0 or 1
    return out


def leaky_relu_d2f(x, alpha=0.01):
    """leaky_relu″(x) = 0.

    At the kink 0: 0, the left piece's f″ (the convention of ``leaky_relu_df``). NaN at NaN.

    Args:
      x: real array_like, any shape.
      alpha: the slope for x < 0 (f″ does not depend on it).

    Returns:
      float64 array of x's shape.

    Example:
      >>> leaky_relu_d2f([-2.0, 0.0, 3.0]).tolist()
      [0.0, 0.0, 0.0]
    """
    return _zero(as_array(x))


def relu6_f(x):
    """relu6(x) = min(max(x, 0), 6).

    Kinks at 0 and 6 (see ``relu6_df``). relu6(−inf) = 0, relu6(inf) = 6, NaN at NaN.

    Args:
      x: array_like, any shape (real, or complex for the complex step).

    Returns:
      float64 array of x's shape.

    Example:
      >>> relu6_f([-1.0, 3.0, 9.0]).tolist()
      [0.0, 3.0, 6.0]
    """
    z = as_array(x)
    if np.iscomplexobj(z):
        return _kink_where(z, 6.0, _kink_where(z, 0.0, 0.0, z), 6.0)
    return np.clip(z, 0.0, 6.0)


def relu6_df(x):
    """relu6′(x) = 1 on (0, 6), else 0.

    Kinks: 0 at both 0 and 6, the slope of the flat side (PyTorch, JAX). relu6′(±inf) = 0,
    NaN at NaN.

    Args:
      x: real array_like, any shape.

    Returns:
      float64 array of x's shape.

    Example:
      >>> relu6_df([-1.0, 0.0, 3.0, 6.0, 9.0]).tolist()
      [0.0, 0.0, 1.0, 0.0, 0.0]
    """
    z = as_array(x)
    return _indicator((z > 0) & (z < 6), z)


def relu6_d2f(x):
    """relu6″(x) = 0.

    At the kinks 0 and 6: 0, the f″ of the side ``relu6_df`` takes. NaN at NaN.

    Args:
      x: real array_like, any shape.

    Returns:
      float64 array of x's shape.

    Example:
      >>> relu6_d2f([-1.0, 3.0, 9.0]).tolist()
      [0.0, 0.0, 0.0]
    """
    return _zero(as_array(x))


def hardtanh_f(x):
    """hardtanh(x) = min(max(x, −1), 1).

    Kinks at ±1 (see ``hardtanh_df``). hardtanh(±inf) = ±1, NaN at NaN.

    Args:
      x: array_like, any shape (real, or complex for the complex step).

    Returns:
      float64 array of x's shape.

    Example:
      >>> hardtanh_f([-3.0, 0.5, 3.0]).tolist()
      [-1.0, 0.5, 1.0]
    """
    z = as_array(x)
    if np.iscomplexobj(z):
        return _kink_where(z, 1.0, _kink_where(z, -1.0, -1.0, z), 1.0)
    return np.clip(z, -1.0, 1.0)


def hardtanh_df(x):
    """hardtanh′(x) = 1 on (−1, 1), else 0.

    Kinks: 0 at both −1 and 1, the slope of the flat side (PyTorch; JAX gives 1).
    hardtanh′(±inf) = 0, NaN at NaN.

    Args:
      x: real array_like, any shape.

    Returns:
      float64 array of x's shape.

    Example:
      >>> hardtanh_df([-3.0, -1.0, 0.5, 1.0, 3.0]).tolist()
      [0.0, 0.0, 1.0, 0.0, 0.0]
    """
    z = as_array(x)
    return _indicator(np.abs(z) < 1, z)


def hardtanh_d2f(x):
    """hardtanh″(x) = 0.

    At the kinks ±1: 0, the f″ of the side ``hardtanh_df`` takes. NaN at NaN.

    Args:
      x: real array_like, any shape.

    Returns:
      float64 array of x's shape.

    Example:
      >>> hardtanh_d2f([-3.0, 0.5, 3.0]).tolist()
      [0.0, 0.0, 0.0]
    """
    return _zero(as_array(x))


# --- exponential linear ----------------------------------------------------------------------

SELU_LAMBDA = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717


def elu_f(x, alpha=1.0):
    """elu(x) = x if x > 0 else α(e^x − 1), through expm1 so small |x| keeps its digits.

    Kink at 0 unless α = 1 (see ``elu_df``). elu(−inf) = −α, elu(inf) = inf, NaN at NaN.

    Args:
      x: array_like, any shape (real, or complex for the complex step).
      alpha: the negative saturation value, a float > 0.

    Returns:
      float64 array of x's shape.

    Example:
      >>> elu_f([-np.inf, -1.0, 0.0, 2.0], alpha=2.0).round(6).tolist()
      [-2.0, -1.264241, 0.0, 2.0]
    """
    z = as_array(x)
    if not np.iscomplexobj(z):
        # max(x, 0) + α·expm1(min(x, 0)): each side adds an exact 0 to the other, so this is
        # the piecewise formula exactly, without np.where's per-element branch (bench/core.py)
        out = np.minimum(z, 0.0, out=np.empty(z.shape))  # (0-d stays an array for out=)
        np.expm1(out, out=out)
        out *= alpha
        out += np.maximum(z, 0.0)
        return out
    negative_part = np.where(z.real > 0, 0.0, z)  # keeps exp from overflowing on the unused side
    return np.where(z.real > 0, z, alpha * np.expm1(negative_part))


def elu_df(x, alpha=1.0):
    """elu′(x) = 1 if x > 0 else αe^x.

    Kink at 0: α, the left slope (PyTorch, JAX). elu′(−inf) = 0, elu′(inf) = 1, NaN at NaN.

    Args:
      x: real array_like, any shape.
      alpha: the negative saturation value, a float > 0.

    Returns:
      float64 array of x's shape.

    Example:
      >>> elu_df([-1.0, 0.0, 2.0], alpha=2.0).round(6).tolist()
      [0.735759, 2.0, 1.0]
    """
    z = as_array(x)
    # αe^min(x,0)·[x ≤ 0] + [x > 0]: exactly 1 or αe^x (a product with 0 or 1 and a sum with 0
    # are exact), branch-free; the masks multiply as 0.0/1.0, and NaN·0 stays NaN
    out = np.minimum(z, 0.0, out=np.empty(z.shape, z.dtype))  # (0-d stays an array for out=)
    np.exp(out, out=out)
    out *= alpha
    out *= z <= 0
    out += z > 0
    return out


def elu_d2f(x, alpha=1.0):
    """elu″(x) = 0 if x > 0 else αe^x.

    At the kink 0: α, the left piece's f″ (the side ``elu_df`` takes; the jump of f′ when
    α ≠ 1 is not represented). elu″(±inf) = 0, NaN at NaN.

    Args:
      x: real array_like, any shape.
      alpha: the negative saturation value, a float > 0.

    Returns:
      float64 array of x's shape.

    Example:
      >>> elu_d2f([-1.0, 0.0, 2.0], alpha=2.0).round(6).tolist()
      [0.735759, 2.0, 0.0]
    """
    z = as_array(x)
    out = np.minimum(z, 0.0, out=np.empty(z.shape, z.dtype))  # (0-d stays an array for out=)
    np.exp(out, out=out)
    out *= alpha
    out *= z <= 0
    return out


def selu_f(x):
    """selu(x) = λ·elu(x, α), λ ≈ 1.0507, α ≈ 1.6733 (the self-normalising constants).

    Kink at 0 (see ``selu_df``). selu(−inf) = −λα, selu(inf) = inf, NaN at NaN.

    Args:
      x: array_like, any shape (real, or complex for the complex step).

    Returns:
      float64 array of x's shape.

    Example:
      >>> selu_f([-np.inf, 0.0, 1.0]).round(6).tolist()
      [-1.758099, 0.0, 1.050701]
    """
    return SELU_LAMBDA * elu_f(x, SELU_ALPHA)


def selu_df(x):
    """selu′(x) = λ if x > 0 else λαe^x.

    Kink at 0: λα, the left slope (PyTorch, JAX). selu′(−inf) = 0, selu′(inf) = λ, NaN at NaN.

    Args:
      x: real array_like, any shape.

    Returns:
      float64 array of x's shape.

    Example:
      >>> selu_df([-1.0, 0.0, 1.0]).round(6).tolist()
      [0.646769, 1.758099, 1.050701]
    """
    return SELU_LAMBDA * elu_df(x, SELU_ALPHA)


def selu_d2f(x):
    """selu″(x) = 0 if x > 0 else λαe^x.

    At the kink 0: λα, the left piece's f″ (the side ``selu_df`` takes). selu″(±inf) = 0,
    NaN at NaN.

    Args:
      x: real array_like, any shape.

    Returns:
      float64 array of x's shape.

    Example:
      >>> selu_d2f([-1.0, 0.0, 1.0]).round(6).tolist()
      [0.646769, 1.758099, 0.0]
    """
    return SELU_LAMBDA * elu_d2f(x, SELU_ALPHA)


# --- smooth, sigmoid-gated -------------------------------------------------------------------


def softplus_f(x):
    """softplus(x) = log(1 + e^x), computed as max(x, 0) + log1p(e^(−|x|)).

    Smooth, no kink. softplus(−inf) = 0, softplus(inf) = inf, NaN at NaN.

    Args:
      x: array_like, any shape (real, or complex for the complex step).

    Returns:
      float64 array of x's shape.

    Example:
      >>> softplus_f([-50.0, 0.0, 50.0]).round(6).tolist()
      [0.0, 0.693147, 50.0]
    """
    return softplus(as_array(x))


def softplus_df(x):
    """softplus′(x) = σ(x).

    Smooth, no kink. softplus′(−inf) = 0, softplus′(inf) = 1, NaN at NaN.

    Args:
      x: real array_like, any shape.

    Returns:
      float64 array of x's shape.

    Example:
      >>> softplus_df([-1.0, 0.0, 1.0]).round(6).tolist()
      [0.268941, 0.5, 0.731059]
    """
    return sigmoid(as_array(x))


def softplus_d2f(x):
    """softplus″(x) = σ′(x) = e^(−|x|) / (1 + e^(−|x|))².

    Smooth, no kink. softplus″(±inf) = 0, NaN at NaN.

    Args:
      x: real array_like, any shape.

    Returns:
      float64 array of x's shape.

    Example:
      >>> softplus_d2f([-1.0, 0.0, 1.0]).round(6).tolist()
      [0.196612, 0.25, 0.196612]
    """
    return sigmoid_slope(as_array(x))


def silu_f(x):
    """silu(x) = x·σ(x) (swish).

    Smooth, no kink. silu(−inf) = 0, silu(inf) = inf, NaN at NaN.

    Args:
      x: array_like, any shape (real, or complex for the complex step).

    Returns:
      float64 array of x's shape.

    Example:
      >>> silu_f([-np.inf, -1.0, 0.0, 1.0]).round(6).tolist()
      [-0.0, -0.268941, 0.0, 0.731059]
    """
    z = as_array(x)
    if np.iscomplexobj(z):
        return z * sigmoid(z)
    z = np.maximum(z, _SIGMOID_ZERO)  # changes only −inf: −inf·σ(−inf) would be NaN
    out = sigmoid(z)
    out *= z
    return out


def silu_df(x):
    """silu′(x) = σ(x) + x·σ′(x) = σ(x)·(1 + x·σ(−x)), σ′ without the notes' rounding to 0.

    Smooth, no kink. silu′(−inf) = 0, silu′(inf) = 1, NaN at NaN.

    Args:
      x: real array_like, any shape.

    Returns:
      float64 array of x's shape.

    Example:
      >>> silu_df([-1.0, 0.0, 1.0]).round(6).tolist()
      [0.072329, 0.5, 0.927671]
    """
    # silu′ computes as 0 below −745.2 (see _SIGMOID_ZERO) and is exactly 1 from 42 on
    # (x·e^(−x) < 2^−54): the clamp keeps ±inf from inf·0 and e^x from overflowing
    z = np.clip(as_array(x), _SIGMOID_ZERO, 50.0)
    out = sigmoid_slope(z)
    out *= z
    out += sigmoid(z)
    return out


def silu_d2f(x):
    """silu″(x) = 2σ′(x) + x·σ″(x) = σ′(x)·(2 − x·tanh(x/2)).

    Smooth, no kink. silu″(±inf) = 0, NaN at NaN.

    Args:
      x: real array_like, any shape.

    Returns:
      float64 array of x's shape.

    Example:
      >>> silu_d2f([-1.0, 0.0, 1.0]).round(6).tolist()
      [0.302366, 0.5, 0.302366]
    """
    z = np.clip(as_array(x), _SIGMOID_ZERO, -_SIGMOID_ZERO)  # σ′ rounds to 0 beyond ±745.2
    return sigmoid_slope(z) * (2.0 - z * np.tanh(0.5 * z))


_SQRT_HALF = np.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)
# From |x| = 38.8 on, Φ(−|x|), φ(x), x·φ(x) and x²·φ(x) all round to 0: gelu is exactly x or 0,
# gelu′ exactly 1 or 0, gelu″ exactly 0. Clamping |x| there keeps ±inf finite and every exp
# argument ≥ −380 (numpy's exp leaves its fast path below −707.7).
_GELU_FAR = 39.0
# Past x = −37, erfc(−x/√2) heads for the subnormal range (it is below 2.2e−308 from −37.55)
# while x·Φ(x) and gelu′ stay normal to −37.62 and −37.71: there Φ comes from erfcx instead.
_GELU_TAIL = 37.0


def _gelu_cdf_tail(z):
    """(zc, q) for real z: zc = z clamped to ±39 and q = Φ(−|zc|) = erfc(|zc|/√2)/2.

    scipy's erfc on |z| only is about half the cost of erfc or ndtr on both signs in random
    order (its branches stop mispredicting), and gelu's f + df is two of these (bench/core.py).
    """
    zc = np.clip(z, -_GELU_FAR, _GELU_FAR, out=_real_buffer(z))  # (0-d stays an array)
    q = np.abs(zc, out=_real_buffer(z))
    q *= _SQRT_HALF
    special.erfc(q, out=q)
    q *= 0.5
    return zc, q


def _half_gaussian(zc):
    """e = exp(−zc²/4), so φ(zc) = e·e/√(2π). A product P·φ is taken as (P·e)·e: rounded once,
    it keeps its digits where φ alone would already be subnormal (and exp stays fast)."""
    e = np.multiply(zc, zc, out=_real_buffer(zc))
    e *= -0.25
    np.exp(e, out=e)
    return e


def _gelu_left_tail(z, out, order):
    """Overwrite gelu (order 0) or gelu′ (order 1) where −39 < z < −37 with the erfcx form:
    Φ(z) = erfcx(−z/√2)/2 · e^(−z²/2), so gelu = ((z·g)·e)·e and gelu′ = ((g + z/√(2π))·e)·e
    with g = erfcx(−z/√2)/2, e = e^(−z²/4). Arguments there are rare, so only they pay for it:
    the usual call costs one NaN-ignoring minimum."""
    if not np.fmin.reduce(z, axis=None, initial=np.inf) < -_GELU_TAIL:
        return out
    tail = (z < -_GELU_TAIL) & (z > -_GELU_FAR)
    if tail.any():
        zt = z[tail]
        g = 0.5 * special.erfcx(-_SQRT_HALF * zt)
        e = np.exp(-0.25 * zt * zt)
        p = zt * g if order == 0 else g + _INV_SQRT_2PI * zt
        out[tail] = (p * e) * e
    return out


def gelu_f(x):
    """gelu(x) = x·Φ(x) = (x/2)(1 + erf(x/√2)), Φ the standard normal CDF.

    Φ(x) as erfc(−x/√2)/2, which keeps the left tail's relative accuracy, and from x < −37,
    where erfc underflows while x·Φ(x) is still normal, as erfcx(−x/√2)/2 · e^(−x²/2).
    Smooth, no kink. gelu(−inf) = 0, gelu(inf) = inf, NaN at NaN.

    Args:
      x: array_like, any shape (real, or complex for the complex step).

    Returns:
      float64 array of x's shape.

    Example:
      >>> gelu_f([-1.0, 0.0, 1.0]).round(6).tolist()
      [-0.158655, 0.0, 0.841345]
      >>> f"{float(gelu_f(-37.5)):.6e}"
      '-1.727007e-306'
    """
    z = as_array(x)
    if np.iscomplexobj(z):
        return z * (0.5 * special.erfc(-z * _SQRT_HALF))
    # x·Φ(x) = max(x, 0) − a·Φ(−a) with a = |x|: x(1 − q) for x ≥ 0 (q ≤ 1/2, so at most
    # one bit cancels) and exactly x·q for x < 0; a is clamped at 39, where q is already 0,
    # so ±inf give inf and 0
    a = np.abs(z, out=_real_buffer(z))
    np.minimum(a, _GELU_FAR, out=a)
    q = np.multiply(a, _SQRT_HALF, out=_real_buffer(z))
    special.erfc(q, out=q)
    q *= 0.5
    a *= q
    out = np.maximum(z, 0.0, out=q)
    out -= a
    return _gelu_left_tail(z, out, 0)


def gelu_df(x):
    """gelu′(x) = Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π).

    Φ as in ``gelu_f`` (erfc, and erfcx from x < −37: this is what keeps gelu′(−37.68) =
    −7.4969e−308 right, where erfc alone gave −7.5022e−308), x·φ(x) rounded once. Smooth,
    no kink. gelu′(−inf) = 0, gelu′(inf) = 1, NaN at NaN.

    Args:
      x: real array_like, any shape.

    Returns:
      float64 array of x's shape.

    Example:
      >>> gelu_df([-1.0, 0.0, 1.0]).round(6).tolist()
      [-0.083315, 0.5, 1.083315]
      >>> f"{float(gelu_df(-37.68)):.4e}"
      '-7.4969e-308'
    """
    z = as_array(x)
    zc, q = _gelu_cdf_tail(z)
    e = _half_gaussian(zc)
    out = np.multiply(zc, _INV_SQRT_2PI, out=zc)
    out *= e
    out *= e  # x·φ(x)
    # Φ(x) = q + [x ≥ 0](1 − 2q): exact for x < 0, one ulp of 1 otherwise, where Φ ≥ 1/2
    upper = z >= 0
    out += q
    q *= -2.0
    q += 1.0
    q *= upper
    out += q
    return _gelu_left_tail(z, out, 1)


def gelu_d2f(x):
    """gelu″(x) = φ(x)·(2 − x²), taken as ((2 − x²)/√(2π)·e)·e with e = e^(−x²/4).

    Smooth, no kink. gelu″(±inf) = 0, NaN at NaN.

    Args:
      x: real array_like, any shape.

    Returns:
      float64 array of x's shape.

    Example:
      >>> gelu_d2f([-1.0, 0.0, 2.0]).round(6).tolist()
      [0.241971, 0.797885, -0.107982]
    """
    z = as_array(x)
    zc = np.clip(z, -_GELU_FAR, _GELU_FAR, out=_real_buffer(z))  # (0-d stays an array)
    e = _half_gaussian(zc)
    out = np.multiply(zc, zc, out=zc)
    np.subtract(2.0, out, out=out)
    out *= _INV_SQRT_2PI
    out *= e
    out *= e
    return out


_GELU_2C = 2.0 * np.sqrt(2.0 / np.pi)
_GELU_K = 0.044715
# f and f′ take x clamped to [−26, 10]. From 10 on σ(t) = 1 and x·t′·σ′(t) < 1e−35 (f = x and
# f′ = 1 exactly), and below −22 (t = 2u < −795) every product already rounds to 0: the clamp
# changes no result, keeps ±inf finite, and keeps e^t from overflowing (σ's slow fallback).
_GELU_TANH_LO, _GELU_TANH_HI = -26.0, 10.0
# f″ falls off like e^(−|t|) on both sides: it clamps |x| at 26 (|t| ≥ 1295, where f″ is 0).
_GELU_TANH_FAR = 26.0


def _gelu_tanh_exp(z):
    """(zc, h, e, d) for real z: zc = z clamped to [−26, 10], u = √(2/π)(zc + 0.044715zc³),
    h = e^u, e = h·h = e^t (t = 2u) and d = 1 + e.

    σ(t) = e/d and σ′(t) = e/d²; a product P·σ′(t) is taken as (P·h)·h/d², rounded once where
    e alone would be subnormal. e^u rather than e^(2u): u ≥ −648 keeps exp in numpy's fast path
    (below −707.7 each exp costs ~17 times more, even where its result is 0)."""
    zc = np.clip(z, _GELU_TANH_LO, _GELU_TANH_HI, out=_real_buffer(z))  # (0-d: an array)
    h = np.multiply(zc, zc, out=_real_buffer(z))
    h *= 0.5 * _GELU_K * _GELU_2C
    h += 0.5 * _GELU_2C
    h *= zc
    np.exp(h, out=h)
    e = np.multiply(h, h, out=_real_buffer(z))
    return zc, h, e, e + 1.0


def gelu_tanh_f(x):
    """gelu_tanh(x) = (x/2)(1 + tanh u) = x·σ(2u), u = √(2/π)(x + 0.044715x³).

    x·σ(2u) keeps the left tail, where 1 + tanh u rounds to 0. Smooth, no kink.
    gelu_tanh(−inf) = 0, gelu_tanh(inf) = inf, NaN at NaN.

    Args:
      x: array_like, any shape (real, or complex for the complex step).

    Returns:
      float64 array of x's shape.

    Example:
      >>> gelu_tanh_f([-1.0, 0.0, 1.0]).round(6).tolist()
      [-0.158808, 0.0, 0.841192]
    """
    z = as_array(x)
    if np.iscomplexobj(z):
        u = 0.5 * _GELU_2C * (z + _GELU_K * z * z * z)
        return z * sigmoid(2.0 * u)
    _, _, e, d = _gelu_tanh_exp(z)
    e /= d  # σ(t): subnormal in a sliver near x = −21.2, times |x| ≤ 26 that costs < 1e−14
    e *= np.maximum(z, _GELU_TANH_LO)  # x itself on the right: f(x) = x·1 up to +inf
    return e


def gelu_tanh_df(x):
    """gelu_tanh′(x) = σ(t) + x·t′·σ′(t), t = 2u, t′ = 2√(2/π)(1 + 3·0.044715x²).

    Smooth, no kink. gelu_tanh′(−inf) = 0, gelu_tanh′(inf) = 1, NaN at NaN.

    Args:
      x: real array_like, any shape.

    Returns:
      float64 array of x's shape.

    Example:
      >>> gelu_tanh_df([-1.0, 0.0, 1.0]).round(6).tolist()
      [-0.082964, 0.5, 1.082964]
    """
    zc, h, e, d = _gelu_tanh_exp(as_array(x))
    out = np.multiply(zc, zc, out=_real_buffer(zc))
    out *= 3.0 * _GELU_K * _GELU_2C
    out += _GELU_2C  # t′
    out *= zc
    out *= h
    out *= h
    out /= d
    out /= d  # x·t′·σ′(t), rounded once
    e /= d
    out += e  # + σ(t)
    return out


def _gelu_tanh_halves(z):
    """(zc, t, h, e) for real z: zc = z clamped to ±26, t = 2u(zc), h = exp(−|t|/2) and
    e = h·h = exp(−|t|): σ′(t) = e/(1 + e)², and P·σ′(t) is taken as (P·h)·h/(1 + e)²."""
    zc = np.clip(z, -_GELU_TANH_FAR, _GELU_TANH_FAR, out=_real_buffer(z))  # (0-d: an array)
    t = np.multiply(zc, zc, out=_real_buffer(z))
    t *= _GELU_K * _GELU_2C
    t += _GELU_2C
    t *= zc
    h = np.abs(t, out=_real_buffer(z))
    h *= -0.5
    np.exp(h, out=h)
    return zc, t, h, h * h


def gelu_tanh_d2f(x):
    """gelu_tanh″(x) = σ′(t)·(2t′ + x·t″ − x·t′²·tanh(t/2)), t = 2u, t″ = 12√(2/π)·0.044715x.

    From f′ = σ(t) + x t′ σ′(t) and σ″ = −tanh(t/2)·σ′. Smooth, no kink.
    gelu_tanh″(±inf) = 0, NaN at NaN.

    Args:
      x: real array_like, any shape.

    Returns:
      float64 array of x's shape.

    Example:
      >>> gelu_tanh_d2f([-1.0, 0.0, 2.0]).round(6).tolist()
      [0.242148, 0.797885, -0.107875]
    """
    zc, t, h, e = _gelu_tanh_halves(as_array(x))
    d = 1.0 + e
    dt = _GELU_2C * (1.0 + 3.0 * _GELU_K * zc * zc)
    d2t = (6.0 * _GELU_K * _GELU_2C) * zc
    b = 2.0 * dt + zc * d2t - zc * dt * dt * np.tanh(0.5 * t)
    b *= h
    b *= h
    b /= d * d
    return b


def mish_f(x):
    """mish(x) = x·tanh(softplus(x)).

    Smooth, no kink. mish(−inf) = 0, mish(inf) = inf, NaN at NaN.

    Args:
      x: array_like, any shape (real, or complex for the complex step).

    Returns:
      float64 array of x's shape.

    Example:
      >>> mish_f([-np.inf, -1.0, 0.0, 1.0]).round(6).tolist()
      [-0.0, -0.303401, 0.0, 0.865098]
    """
    z = as_array(x)
    if np.iscomplexobj(z):
        return z * np.tanh(softplus(z))
    z = np.maximum(z, _SIGMOID_ZERO)  # changes only −inf: −inf·tanh(0) would be NaN
    out = softplus(z)
    np.tanh(out, out=out)
    out *= z
    return out


def mish_df(x):
    """mish′(x) = tanh(s) + x·sech²(s)·σ(x), s = softplus(x); sech² = 1/cosh², not 1 − tanh².

    Smooth, no kink. mish′(−inf) = 0, mish′(inf) = 1, NaN at NaN.

    Args:
      x: real array_like, any shape.

    Returns:
      float64 array of x's shape.

    Example:
      >>> mish_df([-1.0, 0.0, 1.0]).round(6).tolist()
      [0.059217, 0.6, 1.049036]
    """
    # mish′ computes as 0 below −745.2 (see _SIGMOID_ZERO) and is exactly 1 from 50 on
    # (1 − tanh(s) and x·sech²(s) are below 1e−40): the clamp keeps ±inf from inf·0 and e^x
    # from overflowing
    z = np.clip(as_array(x), _SIGMOID_ZERO, 50.0)
    s = softplus(z)
    out = tanh_slope(s)
    out *= sigmoid(z)
    out *= z
    out += np.tanh(s, out=s)
    return out


def mish_d2f(x):
    """mish″(x) = sech²(s)·σ(x)·(2 + x·(σ(−x) − 2σ(x)·tanh(s))), s = softplus(x).

    From f′ = T + x·T′ with T = tanh(s), T′ = sech²(s)·σ(x) and σ′ = σ(x)σ(−x). Smooth, no
    kink. mish″(±inf) = 0, NaN at NaN.

    Args:
      x: real array_like, any shape.

    Returns:
      float64 array of x's shape.

    Example:
      >>> mish_d2f([-1.0, 0.0, 1.0]).round(6).tolist()
      [0.349706, 0.64, 0.184686]
    """
    # mish″ computes as 0 below −745.2 (σ(x) rounds to 0) and from 400 on (sech²(s) < 1e−340)
    z = np.clip(as_array(x), _SIGMOID_ZERO, 400.0)
    s = softplus(z)
    sig = sigmoid(z)
    inner = sigmoid_complement(z) - 2.0 * sig * np.tanh(s)
    return tanh_slope(s) * sig * (2.0 + z * inner)


def softsign_f(x):
    """softsign(x) = x / (1 + |x|).

    f′ is continuous; f″ jumps at 0 (see ``softsign_d2f``). softsign(±inf) = ±1, NaN at NaN.

    Args:
      x: array_like, any shape (real, or complex for the complex step).

    Returns:
      float64 array of x's shape.

    Example:
      >>> softsign_f([-np.inf, -1.0, 0.0, 3.0]).tolist()
      [-1.0, -0.5, 0.0, 0.75]
    """
    z = as_array(x)
    if np.iscomplexobj(z):
        # z/(1+z) and z/(1−z) are the analytic pieces of x/(1+|x|): complex step works.
        s, _ = fold(z)
        return z / (1.0 + s)
    z = np.clip(z, -_HUGE, _HUGE)  # changes only ±inf (inf/inf); ±1 exactly from |x| > 1e17
    out = np.abs(z, out=_real_buffer(z))
    out += 1.0
    return np.divide(z, out, out=out)


def softsign_df(x):
    """softsign′(x) = 1 / (1 + |x|)², as (1/(1 + |x|))² so it underflows, never overflows.

    Continuous at 0 (1 from both sides), no kink. softsign′(±inf) = 0, NaN at NaN.

    Args:
      x: real array_like, any shape.

    Returns:
      float64 array of x's shape.

    Example:
      >>> softsign_df([-1.0, 0.0, 3.0]).tolist()
      [0.25, 1.0, 0.0625]
    """
    z = as_array(x)
    r = np.abs(z, out=_real_buffer(z))  # (0-d stays an array for out=)
    r += 1.0
    np.divide(1.0, r, out=r)
    r *= r
    return r


def softsign_d2f(x):
    """softsign″(x) = −2·sign(x) / (1 + |x|)³.

    f″ jumps from +2 to −2 at 0: softsign″(0) is −2, the x ≥ 0 piece (as sympy's derivative
    of the record's Piecewise shows it). softsign″(±inf) = 0, NaN at NaN.

    Args:
      x: real array_like, any shape.

    Returns:
      float64 array of x's shape.

    Example:
      >>> softsign_d2f([-1.0, 0.0, 1.0]).tolist()
      [0.25, -2.0, -0.25]
    """
    z = as_array(x)
    r = 1.0 / (1.0 + np.abs(z))
    return (4.0 * (z < 0) - 2.0) * (r * r * r)  # −2·sign with sign(0) = +1


# --- the registry ------------------------------------------------------------------------------

_LEAKY_ALPHA = Param("alpha", 0.01, 0.0, 1.0, 0.01, ALPHA)
_ELU_ALPHA = Param("alpha", 1.0, 0.1, 3.0, 0.1, ALPHA)
_u_tanh = sp.sqrt(2 / sp.pi) * (X + sp.Float("0.044715") * X**3)
_lam, _selu_a = sp.Float(SELU_LAMBDA, 30), sp.Float(SELU_ALPHA, 30)

#: Every activation by name. Adding one = its f, df, d2f and one line here.
ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation(
            "sigmoid", "Sigmoid σ", sigmoid_f, sigmoid_df, sigmoid_d2f, 1 / (1 + sp.exp(-X)),
            df_via_output=lambda f: f * (1.0 - f), df_via_output_expr=F * (1 - F),
            plot_range=(-8.0, 8.0),
        ),
        Activation(
            "tanh", "tanh", tanh_f, tanh_df, tanh_d2f, sp.tanh(X),
            df_via_output=lambda f: 1.0 - f * f, df_via_output_expr=1 - F**2,
            plot_range=(-4.0, 4.0),
        ),
        Activation(
            "relu", "ReLU", relu_f, relu_df, relu_d2f, sp.Piecewise((X, X > 0), (0, True)),
            kinks=(Kink(0.0, "left", (
                ("PyTorch", "0"), ("JAX", "0"), ("TensorFlow", "0"),
                ("HIPS autograd (np.maximum)", "0.5"), ("sympy diff(Max(x, 0))", "Heaviside(0) = 1/2"),
            )),),
            plot_range=(-3.0, 3.0),
        ),
        Activation(
            "leaky_relu", "Leaky ReLU", leaky_relu_f, leaky_relu_df, leaky_relu_d2f,
            sp.Piecewise((X, X > 0), (ALPHA * X, True)),
            kinks=(Kink(0.0, "left", (
                ("PyTorch", "α"), ("JAX", "1"), ("HIPS autograd (np.maximum(x, αx))", "(1 + α)/2"),
            )),),
            params=(_LEAKY_ALPHA,), plot_range=(-3.0, 3.0),
        ),
        Activation(
            "elu", "ELU", elu_f, elu_df, elu_d2f,
            sp.Piecewise((X, X > 0), (ALPHA * (sp.exp(X) - 1), True)),
            kinks=(Kink(0.0, "left", (("PyTorch", "α"), ("JAX", "α"))),),
            params=(_ELU_ALPHA,), plot_range=(-4.0, 3.0),
        ),
        Activation(
            "selu", "SELU", selu_f, selu_df, selu_d2f,
            _lam * sp.Piecewise((X, X > 0), (_selu_a * (sp.exp(X) - 1), True)),
            kinks=(Kink(0.0, "left", (("PyTorch", "λα"), ("JAX", "λα"))),),
            plot_range=(-4.0, 3.0),
        ),
        Activation(
            "softplus", "Softplus", softplus_f, softplus_df, softplus_d2f, sp.log(1 + sp.exp(X)),
        ),
        Activation("silu", "SiLU (swish)", silu_f, silu_df, silu_d2f, X / (1 + sp.exp(-X))),
        Activation(
            "gelu", "GELU (exact, erf)", gelu_f, gelu_df, gelu_d2f,
            X / 2 * (1 + sp.erf(X / sp.sqrt(2))), plot_range=(-4.0, 4.0),
        ),
        Activation(
            "gelu_tanh", "GELU (tanh approx.)", gelu_tanh_f, gelu_tanh_df, gelu_tanh_d2f,
            X / 2 * (1 + sp.tanh(_u_tanh)), plot_range=(-4.0, 4.0),
        ),
        Activation(
            "mish", "Mish", mish_f, mish_df, mish_d2f, X * sp.tanh(sp.log(1 + sp.exp(X))),
        ),
        Activation(
            "softsign", "Softsign", softsign_f, softsign_df, softsign_d2f,
            sp.Piecewise((X / (1 + X), X >= 0), (X / (1 - X), True)),
        ),
        Activation(
            "relu6", "ReLU6", relu6_f, relu6_df, relu6_d2f,
            sp.Piecewise((0, X <= 0), (X, X < 6), (6, True)),
            kinks=(
                Kink(0.0, "left", (("PyTorch", "0"), ("JAX", "0"))),
                Kink(6.0, "right", (("PyTorch", "0"), ("JAX", "0"))),
            ),
            plot_range=(-2.0, 8.0),
        ),
        Activation(
            "hardtanh", "Hardtanh", hardtanh_f, hardtanh_df, hardtanh_d2f,
            sp.Piecewise((-1, X <= -1), (X, X < 1), (1, True)),
            kinks=(
                Kink(-1.0, "left", (("PyTorch", "0"), ("JAX", "1"))),
                Kink(1.0, "right", (("PyTorch", "0"), ("JAX", "1"))),
            ),
            plot_range=(-3.0, 3.0),
        ),
    )
}


def one_sided_slopes(act: Activation, at: float, **params) -> tuple[float, float]:
    """(left, right) limits of f′ at a kink: df one float step either side of it.

    Each piece is smooth up to the kink, so that is the one-sided slope to full precision.

    Args:
      act: the activation record.
      at: the kink's x (any float works; away from a kink both values agree).
      **params: the activation's parameters (defaults where not given).

    Returns:
      (left, right) as Python floats.

    Example:
      >>> one_sided_slopes(ACTIVATIONS["leaky_relu"], 0.0, alpha=0.2)
      (0.2, 1.0)
    """
    left, right = np.nextafter(at, -np.inf), np.nextafter(at, np.inf)
    return float(act.df(left, **params)), float(act.df(right, **params))


def df_from_output(act: Activation, x, **params) -> np.ndarray:
    """The notes' form of f′ written through f (σ(1 − σ), 1 − tanh²), evaluated at x.

    Args:
      act: an activation with ``df_via_output`` (sigmoid, tanh).
      x: real array_like, any shape.
      **params: the activation's parameters.

    Returns:
      float64 array of x's shape: 0 where f has rounded to ±1 although f′ is not 0.

    Raises:
      ValueError: if the activation has no derivative written through its output.

    Example:
      >>> df_from_output(ACTIVATIONS["sigmoid"], [0.0, 40.0]).tolist()
      [0.25, 0.0]
    """
    if act.df_via_output is None:
        raise ValueError(f"{act.name} has no derivative written through its output")
    return act.df_via_output(act.f(x, **params))


def output_form_collapse(act: Activation, x, **params) -> float | None:
    """The first x of a grid where the notes' form is exactly 0 although df is not.

    There f has rounded to ±1 in float64 (σ from x ≈ 36.7, tanh from |x| ≈ 19.1).

    Args:
      act: an activation with ``df_via_output``.
      x: a sorted 1-d real grid.
      **params: the activation's parameters.

    Returns:
      that x as a float, or None if the notes' form never collapses on the grid.

    Example:
      >>> round(output_form_collapse(ACTIVATIONS["sigmoid"], np.linspace(0, 40, 401)), 1)
      36.9
    """
    x = as_array(x)
    collapsed = (df_from_output(act, x, **params) == 0) & (act.df(x, **params) != 0)
    return float(x[np.argmax(collapsed)]) if collapsed.any() else None
