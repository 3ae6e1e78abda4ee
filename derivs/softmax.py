"""Softmax, log-softmax, the softmax Jacobian and its vector-Jacobian product.

s = softmax(z / T). All functions act on the last axis and take a temperature T > 0.

The Jacobian is J[i, j] = ∂s_i/∂z_j = s_i(δ_ij − s_j) / T, i.e. J = (diag(s) − s sᵀ) / T for a
column vector s: symmetric, every row and column sums to 0, positive semi-definite, rank n − 1.
The notes write it as f·I − fᵀ·f, which read literally (f a row vector) is not that matrix.
"""

from __future__ import annotations

import numpy as np

from derivs._stable import as_array


def _scaled(z, temperature):
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature!r}")
    z = as_array(z)
    if z.ndim == 0 or z.shape[-1] == 0:
        raise ValueError("softmax needs at least one logit on the last axis")
    return z / temperature


def _shifted_exp(z, temperature):
    """e = exp(z/T − max): the largest entry is exactly 1, nothing overflows."""
    u = _scaled(z, temperature)
    m = np.max(u.real, axis=-1, keepdims=True)
    return np.exp(u - m), u - m


def softmax(z, temperature=1.0):
    """s_i = e^(z_i/T) / Σ_j e^(z_j/T), computed as exp(z/T − max) / Σ exp(z/T − max)."""
    e, _ = _shifted_exp(z, temperature)
    return e / np.sum(e, axis=-1, keepdims=True)


def _sum_of_others(e):
    """r_i = Σ_{j≠i} e_j, as prefix + suffix sums: no cancellation, unlike Σe − e_i."""
    before = np.concatenate(
        [np.zeros_like(e[..., :1]), np.cumsum(e[..., :-1], axis=-1)], axis=-1
    )
    after = np.concatenate(
        [np.flip(np.cumsum(np.flip(e[..., 1:], -1), axis=-1), -1), np.zeros_like(e[..., :1])],
        axis=-1,
    )
    return before + after


def softmax_complement(z, temperature=1.0):
    """1 − s_i = Σ_{j≠i} s_j, without the cancellation of 1 − s_i when s_i ≈ 1."""
    e, _ = _shifted_exp(z, temperature)
    return _sum_of_others(e) / np.sum(e, axis=-1, keepdims=True)


def log_softmax(z, temperature=1.0):
    """log s_i = (z_i/T − m) − log1p(Σ_{j≠k} e^(z_j/T − m)), m = max, k = argmax.

    The argmax term is exactly 1 and is taken out of the sum so log1p sees the small rest.
    """
    e, shifted = _shifted_exp(z, temperature)
    k = np.argmax(shifted.real, axis=-1)[..., None]
    others = np.sum(np.where(np.arange(e.shape[-1]) == k, 0.0, e), axis=-1, keepdims=True)
    return shifted - np.log1p(others)


def softmax_jacobian(z, temperature=1.0):
    """J[i, j] = ∂s_i/∂z_j = s_i(δ_ij − s_j)/T, shape (n, n) for z of shape (n,).

    The diagonal s_i(1 − s_i) uses 1 − s_i = Σ_{j≠i} s_j, so it keeps full relative accuracy
    even when s_i rounds to 1 (z = [40, 0]: J[0, 0] ≈ 4.2e−18, not 0).
    """
    z = as_array(z)
    if z.ndim != 1:
        raise ValueError(f"softmax_jacobian takes a 1-D vector of logits, got shape {z.shape}")
    s = softmax(z, temperature)
    jac = -np.outer(s, s)
    np.fill_diagonal(jac, s * softmax_complement(z, temperature))
    return jac / temperature


def softmax_jacobian_notes(z, temperature=1.0):
    """The notes' 'f·I − fᵀ·f' read literally with f a row vector: M[i, j] = f_j − f_i f_j.

    Shown in the app as the erratum: it is not symmetric and its rows do not sum to 0.
    """
    s = softmax(z, temperature)
    return (s[None, :] - np.outer(s, s)) / temperature


def softmax_vjp(z, v, temperature=1.0):
    """Jᵀv = s ⊙ (v − ⟨s, v⟩) / T: what backprop computes, in O(n), without building J.

    v is first shifted by its entry at argmax(s). That leaves the product unchanged and makes
    ⟨s, v⟩ a sum of small terms, so the dominant entry's 1 − s_k never cancels.
    """
    s = softmax(z, temperature)
    v = np.broadcast_to(as_array(v), s.shape)
    k = np.argmax(s, axis=-1)[..., None]
    w = v - np.take_along_axis(v, k, axis=-1)
    return s * (w - np.sum(s * w, axis=-1, keepdims=True)) / temperature
