"""Numerically stable building blocks shared by activations, softmax and losses.

Every function here accepts real float64 arrays, and also complex arrays so that the complex-step
derivative can be taken through them. Branches test ``z.real`` and each branch is the same
analytic function written in the form that cannot overflow, so the result stays analytic.
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


def sigmoid(z):
    """σ(z) = 1 / (1 + e^(−z)), evaluated as 1/(1+e) or e/(1+e) with e = exp(−|z|)."""
    s, positive = fold(z)
    e = np.exp(-s)
    return np.where(positive, 1.0, e) / (1.0 + e)


def sigmoid_complement(z):
    """1 − σ(z) = σ(−z), computed directly (no cancellation when σ(z) is near 1)."""
    s, positive = fold(z)
    e = np.exp(-s)
    return np.where(positive, e, 1.0) / (1.0 + e)


def sigmoid_slope(z):
    """σ'(z) = e/(1+e)² with e = exp(−|z|): the tails keep their tiny true values."""
    s, _ = fold(z)
    e = np.exp(-s)
    return e / ((1.0 + e) * (1.0 + e))


def softplus(z):
    """log(1 + e^z) = max(z, 0) + log1p(exp(−|z|))."""
    s, positive = fold(z)
    return np.where(positive, z, 0.0) + np.log1p(np.exp(-s))


def tanh_slope(z):
    """1 − tanh²(z) = 4e/(1+e)² with e = exp(−2|z|): nonzero until it underflows."""
    s, _ = fold(z)
    e = np.exp(-2.0 * s)
    return 4.0 * e / ((1.0 + e) * (1.0 + e))
