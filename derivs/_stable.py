"""Numerically stable building blocks shared by activations, softmax and losses.

Every function here accepts real float64 arrays, and also complex arrays so that the complex-step
derivative can be taken through them. Branches test ``z.real`` and each branch is the same
analytic function written in the form that cannot overflow, so the result stays analytic.
Real input: NaN in, NaN out; ±inf give the limits (σ(−inf) = 0, σ′(±inf) = 0, ...), silently.
"""

from __future__ import annotations

import numpy as np


def as_array(x):
    """float64 array (complex128 kept as is), never an integer or object array."""
    a = np.asarray(x)
    if np.iscomplexobj(a):
        return a.astype(np.complex128, copy=False)
    return a.astype(np.float64, copy=False)


def fold(z):
    """(s, positive): s = z where Re z >= 0 else -z, so exp(-s) never overflows."""
    positive = z.real >= 0
    return np.where(positive, z, -z), positive


# Real input takes a fast path: a few ufunc passes written in place, and no np.where (np.where
# with a mask that is not sorted mispredicts a branch per element and costs as much as six np.exp
# passes; see bench/core.py). The fast forms are as accurate as the folded ones (a few ulps, see
# tests/test_core_activations.py). What the fold bought was the absence of overflow: e^z
# overflows for z > 709.78 and cosh z for |z| > 710.47. NumPy checks the FPU's overflow flag
# after every ufunc anyway, so asking it to raise costs nothing when nothing overflows, and when
# something does the whole call falls back to the folded form. That keeps a subnormal σ exact
# where it still matters (silu(−712) = −712·σ(−712) ≈ −1e−306 is a normal float, and so is
# gelu_tanh′(−21.17) ≈ −3.4e−306 through σ′(−711) ≈ 3e−311). Complex input (the complex step)
# always takes the folded form: there an infinite exp would give nan, not 0.


def _real_buffer(z):
    """An uninitialised float64 array of z's shape (0-d stays an array, so out= works)."""
    return np.empty(np.shape(z))


def _folded_sigmoid(z):
    s, positive = fold(z)
    e = np.exp(-s)
    return np.where(positive, 1.0, e) / (1.0 + e)


def _folded_sigmoid_slope(z):
    s, _ = fold(z)
    e = np.exp(-s)
    return e / ((1.0 + e) * (1.0 + e))


def sigmoid(z):
    """σ(z) = e^z / (1 + e^z); if some z > 709.78, or z is complex: 1/(1+e) or e/(1+e) with
    e = exp(−|z|). (Not 1/(1 + e^(−z)) in one buffer: 1 + e^(−z) rounds to 1 from z ≈ 36.04,
    e^z + 1 stays exact to 36.7, where σ itself rounds to 1.)"""
    z = as_array(z)
    if np.iscomplexobj(z):
        return _folded_sigmoid(z)
    try:
        with np.errstate(over="raise", invalid="raise", under="ignore"):  # underflow: σ = 0
            e = np.exp(z, out=_real_buffer(z))
            return np.divide(e, e + 1.0, out=e)
    except FloatingPointError:  # e^z = inf for some z > 709.78 (overflow) or z = +inf (inf/inf)
        return _folded_sigmoid(z)


def sigmoid_complement(z):
    """1 − σ(z) = σ(−z), computed directly (no cancellation when σ(z) is near 1)."""
    z = as_array(z)
    if np.iscomplexobj(z):
        s, positive = fold(z)
        e = np.exp(-s)
        return np.where(positive, e, 1.0) / (1.0 + e)
    return sigmoid(np.negative(z))


def sigmoid_slope(z):
    """σ'(z) = 1/(2 + 2cosh z) = e/(1+e)² with e = exp(−|z|) (the latter if some |z| > 710.47,
    or z is complex): the tails keep their tiny true values, and no subtraction anywhere."""
    z = as_array(z)
    if np.iscomplexobj(z):
        return _folded_sigmoid_slope(z)
    try:
        with np.errstate(over="raise", under="ignore"):
            c = np.cosh(z, out=_real_buffer(z))
    except FloatingPointError:  # cosh z = inf for some |z| > 710.47, where σ' is subnormal
        return _folded_sigmoid_slope(z)
    c += 1.0
    return np.divide(0.5, c, out=c)


def sigmoid_curvature(z):
    """σ″(z) = σ′(z)(1 − 2σ(z)) = −tanh(z/2)·σ′(z): 1 − 2σ written as −tanh(z/2), which keeps
    its digits near 0 and its sign everywhere (1 − 2σ cancels near 0 and rounds to ±1 early)."""
    z = as_array(z)
    return np.tanh(-0.5 * z) * sigmoid_slope(z)


def softplus(z):
    """log(1 + e^z) = max(z, 0) + log1p(exp(−|z|))."""
    z = as_array(z)
    if not np.iscomplexobj(z):
        out = np.abs(z, out=_real_buffer(z))
        np.negative(out, out=out)
        np.exp(out, out=out)
        np.log1p(out, out=out)
        out += np.maximum(z, 0.0)
        return out
    s, positive = fold(z)
    return np.where(positive, z, 0.0) + np.log1p(np.exp(-s))


def tanh_slope(z):
    """1 − tanh²(z) = sech²(z) = 1/cosh²(z) (= 4e/(1+e)² with e = exp(−2|z|)): nonzero until
    it underflows, and no subtraction anywhere. cosh z overflows for |z| > 710.47, where the
    true value 4e^(−2|z|) is far below the smallest float64: 1/inf = 0 is exact there."""
    z = as_array(z)
    if not np.iscomplexobj(z):
        out = _real_buffer(z)
        with np.errstate(over="ignore"):
            np.cosh(z, out=out)
        np.divide(1.0, out, out=out)  # (np.reciprocal is twice as slow)
        out *= out
        return out
    s, _ = fold(z)
    e = np.exp(-2.0 * s)
    return 4.0 * e / ((1.0 + e) * (1.0 + e))
