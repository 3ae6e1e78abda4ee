"""Activation functions and their hand-written derivatives: one frozen record each.

Each ``f`` and ``df`` takes a float64 array of any shape and returns one of the same shape. The
forward functions also accept complex input (branches test ``z.real``), so the complex-step
derivative works through them. The sympy ``expr`` is for display and for tests; it is never
lambdified into the numpy code.

Kink convention (one rule, everywhere): at a kink ``df`` returns PyTorch's value. Each ``Kink``
records which one-sided slope that is, and what other libraries return there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy as sp
from scipy import special

from derivs._stable import (
    as_array,
    fold,
    sigmoid,
    sigmoid_complement,
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
    """A tunable parameter: default value and the range a UI slider offers."""

    name: str
    default: float
    low: float
    high: float
    step: float
    symbol: sp.Symbol


@dataclass(frozen=True)
class Kink:
    """A point where f is not differentiable.

    ``side`` names the one-sided slope that ``df`` returns at ``at`` ("left" or "right");
    ``elsewhere`` lists what other libraries return there, as (library, value) pairs.
    """

    at: float
    side: str
    elsewhere: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Activation:
    name: str
    label: str
    f: Callable
    df: Callable
    expr: sp.Expr
    kinks: tuple[Kink, ...] = ()
    params: tuple[Param, ...] = ()
    # The notes' derivative written through the output f (σ(1−σ), 1−tanh²): right on paper,
    # but it returns 0 in float64 once f rounds to 1, where the true slope is still positive.
    df_via_output: Callable | None = None
    df_via_output_expr: sp.Expr | None = None
    plot_range: tuple[float, float] = (-6.0, 6.0)

    def defaults(self) -> dict[str, float]:
        return {p.name: p.default for p in self.params}

    def symbols(self, **params) -> dict:
        """sympy substitutions {symbol: value} for the given (or default) parameters."""
        values = self.defaults() | params
        return {p.symbol: values[p.name] for p in self.params}


def _kink_where(z, at, left, right):
    """Piecewise-linear pieces joined at kinks, analytic on each side (complex-step safe)."""
    return np.where(z.real > at, right, left)


# --- sigmoid, tanh ---------------------------------------------------------------------------


def sigmoid_f(x):
    """σ(x) = 1 / (1 + e^(−x))"""
    return sigmoid(as_array(x))


def sigmoid_df(x):
    """σ'(x) = e^(−|x|) / (1 + e^(−|x|))²  (= σ(1 − σ), without the rounding to 0)"""
    return sigmoid_slope(as_array(x))


def tanh_f(x):
    """tanh(x) = (e^x − e^(−x)) / (e^x + e^(−x))"""
    return np.tanh(as_array(x))


def tanh_df(x):
    """tanh'(x) = 4e / (1 + e)² with e = e^(−2|x|)  (= 1 − tanh², without the rounding to 0)"""
    return tanh_slope(as_array(x))


# --- piecewise linear ------------------------------------------------------------------------


def relu_f(x):
    """relu(x) = max(x, 0)"""
    z = as_array(x)
    return _kink_where(z, 0.0, 0.0, z)


def relu_df(x):
    """relu'(x) = 1 if x > 0 else 0; relu'(0) = 0 (PyTorch, JAX)"""
    z = as_array(x)
    return (z > 0).astype(np.float64)


def leaky_relu_f(x, alpha=0.01):
    """leaky_relu(x) = x if x > 0 else αx"""
    z = as_array(x)
    return _kink_where(z, 0.0, alpha * z, z)


def leaky_relu_df(x, alpha=0.01):
    """leaky_relu'(x) = 1 if x > 0 else α; at 0: α (PyTorch; JAX gives 1)"""
    z = as_array(x)
    return np.where(z > 0, 1.0, alpha)


def relu6_f(x):
    """relu6(x) = min(max(x, 0), 6)"""
    z = as_array(x)
    return _kink_where(z, 6.0, _kink_where(z, 0.0, 0.0, z), 6.0)


def relu6_df(x):
    """relu6'(x) = 1 on (0, 6), else 0; at 0 and 6: 0 (PyTorch, JAX)"""
    z = as_array(x)
    return ((z > 0) & (z < 6)).astype(np.float64)


def hardtanh_f(x):
    """hardtanh(x) = min(max(x, −1), 1)"""
    z = as_array(x)
    return _kink_where(z, 1.0, _kink_where(z, -1.0, -1.0, z), 1.0)


def hardtanh_df(x):
    """hardtanh'(x) = 1 on (−1, 1), else 0; at ±1: 0 (PyTorch; JAX gives 1)"""
    z = as_array(x)
    return ((z > -1) & (z < 1)).astype(np.float64)


# --- exponential linear ----------------------------------------------------------------------

SELU_LAMBDA = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717


def elu_f(x, alpha=1.0):
    """elu(x) = x if x > 0 else α(e^x − 1), with expm1 so small |x| keeps its digits"""
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
    """elu'(x) = 1 if x > 0 else αe^x; at 0: α (PyTorch, JAX)"""
    z = as_array(x)
    # αe^min(x,0)·[x ≤ 0] + [x > 0]: exactly 1 or αe^x (a product with 0 or 1 and a sum with 0
    # are exact), branch-free; the masks multiply as 0.0/1.0
    out = np.minimum(z, 0.0, out=np.empty(z.shape, z.dtype))  # (0-d stays an array for out=)
    np.exp(out, out=out)
    out *= alpha
    out *= z <= 0
    out += z > 0
    return out


def selu_f(x):
    """selu(x) = λ·elu(x, α), λ ≈ 1.0507, α ≈ 1.6733 (self-normalising constants)"""
    return SELU_LAMBDA * elu_f(x, SELU_ALPHA)


def selu_df(x):
    """selu'(x) = λ if x > 0 else λαe^x; at 0: λα (PyTorch, JAX)"""
    return SELU_LAMBDA * elu_df(x, SELU_ALPHA)


# --- smooth, sigmoid-gated -------------------------------------------------------------------


def softplus_f(x):
    """softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^(−|x|))"""
    return softplus(as_array(x))


def softplus_df(x):
    """softplus'(x) = σ(x)"""
    return sigmoid(as_array(x))


def silu_f(x):
    """silu(x) = x·σ(x)"""
    z = as_array(x)
    return z * sigmoid(z)


def silu_df(x):
    """silu'(x) = σ(x)·(1 + x·σ(−x)); σ(−x) computed directly, not as 1 − σ(x)"""
    z = as_array(x)
    return sigmoid(z) * (1.0 + z * sigmoid_complement(z))


_SQRT_HALF = np.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)


def _normal_cdf(z):
    """Φ(z) = erfc(−z/√2)/2, keeping the left tail's relative accuracy.

    Real z: q = erfc(|z|/√2)/2 is Φ(−|z|), and Φ(z) = q for z < 0, 1 − q for z ≥ 0, taken as
    q + [z ≥ 0]·(1 − 2q) (exact for z < 0; one ulp of 1 otherwise, where Φ ≥ 1/2). scipy's
    erfc on |z| only is about half the cost of erfc or ndtr on both signs in random order (its
    branches stop mispredicting), and gelu's f + df is two of these (bench/core.py).
    """
    if np.iscomplexobj(z):
        return 0.5 * special.erfc(-z * _SQRT_HALF)
    q = np.abs(z, out=np.empty(z.shape))  # (0-d stays an array for out=)
    q *= _SQRT_HALF
    special.erfc(q, out=q)
    q *= 0.5
    upper = np.multiply(q, -2.0)
    upper += 1.0
    upper *= z >= 0
    q += upper
    return q


def gelu_f(x):
    """gelu(x) = x·Φ(x) = (x/2)·erfc(−x/√2); erfc keeps the left tail's relative accuracy"""
    z = as_array(x)
    return z * _normal_cdf(z)


def gelu_df(x):
    """gelu'(x) = Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π)"""
    z = as_array(x)
    phi = np.multiply(z, z, out=np.empty(z.shape, z.dtype))  # (0-d stays an array for out=)
    phi *= -0.5
    np.exp(phi, out=phi)
    phi *= z
    phi *= _INV_SQRT_2PI
    phi += _normal_cdf(z)
    return phi


_GELU_C = np.sqrt(2.0 / np.pi)
_GELU_K = 0.044715


def gelu_tanh_f(x):
    """gelu_tanh(x) = (x/2)(1 + tanh u) = x·σ(2u), u = √(2/π)(x + 0.044715x³)"""
    z = as_array(x)
    u = _GELU_C * (z + _GELU_K * z * z * z)
    return z * sigmoid(2.0 * u)


def gelu_tanh_df(x):
    """gelu_tanh'(x) = σ(2u) + 2x·u'·σ(2u)·σ(−2u), u' = √(2/π)(1 + 3·0.044715x²)"""
    z = as_array(x)
    u = _GELU_C * (z + _GELU_K * z * z * z)
    du = _GELU_C * (1.0 + 3.0 * _GELU_K * z * z)
    return sigmoid(2.0 * u) + 2.0 * z * du * sigmoid_slope(2.0 * u)


def mish_f(x):
    """mish(x) = x·tanh(softplus(x))"""
    z = as_array(x)
    return z * np.tanh(softplus(z))


def mish_df(x):
    """mish'(x) = tanh(sp) + x·sech²(sp)·σ(x), sp = softplus(x); sech² = 4e/(1+e)², e = e^(−2sp)"""
    z = as_array(x)
    sp_ = softplus(z)
    return np.tanh(sp_) + z * tanh_slope(sp_) * sigmoid(z)


def softsign_f(x):
    """softsign(x) = x / (1 + |x|)"""
    z = as_array(x)
    # z/(1+z) and z/(1−z) are the analytic pieces of x/(1+|x|): complex step works.
    s, _ = fold(z)
    return z / (1.0 + s)


def softsign_df(x):
    """softsign'(x) = 1 / (1 + |x|)²"""
    z = as_array(x)
    d = 1.0 + np.abs(z)
    return 1.0 / (d * d)


# --- the registry ----------------------------------------------------------------------------

_LEAKY_ALPHA = Param("alpha", 0.01, 0.0, 1.0, 0.01, ALPHA)
_ELU_ALPHA = Param("alpha", 1.0, 0.1, 3.0, 0.1, ALPHA)
_u_tanh = sp.sqrt(2 / sp.pi) * (X + sp.Float("0.044715") * X**3)
_lam, _selu_a = sp.Float(SELU_LAMBDA, 30), sp.Float(SELU_ALPHA, 30)

ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation(
            "sigmoid", "Sigmoid σ", sigmoid_f, sigmoid_df, 1 / (1 + sp.exp(-X)),
            df_via_output=lambda f: f * (1.0 - f), df_via_output_expr=F * (1 - F),
            plot_range=(-8.0, 8.0),
        ),
        Activation(
            "tanh", "tanh", tanh_f, tanh_df, sp.tanh(X),
            df_via_output=lambda f: 1.0 - f * f, df_via_output_expr=1 - F**2,
            plot_range=(-4.0, 4.0),
        ),
        Activation(
            "relu", "ReLU", relu_f, relu_df, sp.Piecewise((X, X > 0), (0, True)),
            kinks=(Kink(0.0, "left", (
                ("PyTorch", "0"), ("JAX", "0"), ("TensorFlow", "0"),
                ("HIPS autograd (np.maximum)", "0.5"), ("sympy diff(Max(x, 0))", "Heaviside(0) = 1/2"),
            )),),
            plot_range=(-3.0, 3.0),
        ),
        Activation(
            "leaky_relu", "Leaky ReLU", leaky_relu_f, leaky_relu_df,
            sp.Piecewise((X, X > 0), (ALPHA * X, True)),
            kinks=(Kink(0.0, "left", (
                ("PyTorch", "α"), ("JAX", "1"), ("HIPS autograd (np.maximum(x, αx))", "(1 + α)/2"),
            )),),
            params=(_LEAKY_ALPHA,), plot_range=(-3.0, 3.0),
        ),
        Activation(
            "elu", "ELU", elu_f, elu_df,
            sp.Piecewise((X, X > 0), (ALPHA * (sp.exp(X) - 1), True)),
            kinks=(Kink(0.0, "left", (("PyTorch", "α"), ("JAX", "α"))),),
            params=(_ELU_ALPHA,), plot_range=(-4.0, 3.0),
        ),
        Activation(
            "selu", "SELU", selu_f, selu_df,
            _lam * sp.Piecewise((X, X > 0), (_selu_a * (sp.exp(X) - 1), True)),
            kinks=(Kink(0.0, "left", (("PyTorch", "λα"), ("JAX", "λα"))),),
            plot_range=(-4.0, 3.0),
        ),
        Activation(
            "softplus", "Softplus", softplus_f, softplus_df, sp.log(1 + sp.exp(X)),
        ),
        Activation("silu", "SiLU (swish)", silu_f, silu_df, X / (1 + sp.exp(-X))),
        Activation(
            "gelu", "GELU (exact, erf)", gelu_f, gelu_df,
            X / 2 * (1 + sp.erf(X / sp.sqrt(2))), plot_range=(-4.0, 4.0),
        ),
        Activation(
            "gelu_tanh", "GELU (tanh approx.)", gelu_tanh_f, gelu_tanh_df,
            X / 2 * (1 + sp.tanh(_u_tanh)), plot_range=(-4.0, 4.0),
        ),
        Activation("mish", "Mish", mish_f, mish_df, X * sp.tanh(sp.log(1 + sp.exp(X)))),
        Activation(
            "softsign", "Softsign", softsign_f, softsign_df,
            sp.Piecewise((X / (1 + X), X >= 0), (X / (1 - X), True)),
        ),
        Activation(
            "relu6", "ReLU6", relu6_f, relu6_df,
            sp.Piecewise((0, X <= 0), (X, X < 6), (6, True)),
            kinks=(
                Kink(0.0, "left", (("PyTorch", "0"), ("JAX", "0"))),
                Kink(6.0, "right", (("PyTorch", "0"), ("JAX", "0"))),
            ),
            plot_range=(-2.0, 8.0),
        ),
        Activation(
            "hardtanh", "Hardtanh", hardtanh_f, hardtanh_df,
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
    """(left, right) limits of f′ at a kink: df one float step either side of it. Each piece is
    smooth up to the kink, so that is the one-sided slope to full precision."""
    left, right = np.nextafter(at, -np.inf), np.nextafter(at, np.inf)
    return float(act.df(left, **params)), float(act.df(right, **params))


def df_from_output(act: Activation, x, **params) -> np.ndarray:
    """The notes' form of f′ written through f (σ(1 − σ), 1 − tanh²), evaluated at x."""
    if act.df_via_output is None:
        raise ValueError(f"{act.name} has no derivative written through its output")
    return act.df_via_output(act.f(x, **params))


def output_form_collapse(act: Activation, x, **params) -> float | None:
    """The first x of the grid where the notes' form is exactly 0 although df is not: f has
    rounded to ±1 in float64 (σ from x ≈ 36.7, tanh from |x| ≈ 19.1). None if it never does."""
    x = as_array(x)
    collapsed = (df_from_output(act, x, **params) == 0) & (act.df(x, **params) != 0)
    return float(x[np.argmax(collapsed)]) if collapsed.any() else None
