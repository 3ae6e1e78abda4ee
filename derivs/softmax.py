"""Softmax, log-softmax, the softmax Jacobian and its vector-Jacobian product.

s = softmax(z / T). All functions act on the last axis and take a temperature T > 0.

The Jacobian is J[i, j] = ∂s_i/∂z_j = s_i(δ_ij − s_j) / T, i.e. J = (diag(s) − s sᵀ) / T for a
column vector s: symmetric, every row and column sums to 0, positive semi-definite, rank n − 1.
The notes write it as f·I − fᵀ·f, which read literally (f a row vector) is not that matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from derivs._stable import as_array
from derivs.numeric import get_method, numeric_jacobian, relative_error


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


def softmax(z, temperature: float = 1.0) -> np.ndarray:
    """Softmax over the last axis: s_i = e^(z_i/T) / Σ_j e^(z_j/T).

    Computed as exp(z/T − max) / Σ exp(z/T − max), so no entry overflows (z = 1000 is fine).

    Args:
      z: logits, shape (..., n) with n ≥ 1; real, or complex for the complex step.
      temperature: T > 0 (ValueError otherwise); T → 0 approaches argmax, large T flattens s.

    Returns:
      s, same shape as z; each row sums to 1.

    >>> softmax([1000.0, 1000.0, -1000.0]).round(3)
    array([0.5, 0.5, 0. ])
    """
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


def softmax_complement(z, temperature: float = 1.0) -> np.ndarray:
    """1 − s_i computed as Σ_{j≠i} s_j, without the cancellation of 1 − s_i when s_i ≈ 1.

    Args and shapes as ``softmax``.

    >>> float(softmax_complement([40.0, 0.0])[0])  # 1 − s_0 = e^−40/(1 + e^−40), not 0
    4.248354255291589e-18
    """
    e, _ = _shifted_exp(z, temperature)
    return _sum_of_others(e) / np.sum(e, axis=-1, keepdims=True)


def log_softmax(z, temperature: float = 1.0) -> np.ndarray:
    """log s_i = (z_i/T − m) − log1p(Σ_{j≠k} e^(z_j/T − m)), m = max, k = argmax.

    Args and shapes as ``softmax``; finite wherever s_i is representable in log space
    (log_softmax([0, −1000])[1] is −1000, where log(softmax) gives −inf).

    >>> log_softmax([0.0, -1000.0]).round(6)
    array([    0., -1000.])

    The argmax term is exactly 1 and is taken out of the sum so log1p sees the small rest.
    For complex input (the complex step) that term is e^(i·Im) rather than 1: its expm1 (0 for
    real input) stays in the sum, so the derivative through the argmax entry is not lost.
    """
    e, shifted = _shifted_exp(z, temperature)
    k = np.argmax(shifted.real, axis=-1)[..., None]
    at_max = np.arange(e.shape[-1]) == k
    others = np.sum(np.where(at_max, np.expm1(shifted), e), axis=-1, keepdims=True)
    return shifted - np.log1p(others)


def softmax_jacobian(z, temperature: float = 1.0) -> np.ndarray:
    """J[i, j] = ∂s_i/∂z_j = s_i(δ_ij − s_j)/T, i.e. J = (diag(s) − s sᵀ)/T.

    Args:
      z: logits, shape (n,) (ValueError for other shapes).
      temperature: T > 0.

    Returns:
      J, shape (n, n): symmetric, rows and columns sum to 0, positive semi-definite.

    >>> softmax_jacobian([0.0, 0.0])
    array([[ 0.25, -0.25],
           [-0.25,  0.25]])

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
    """The notes' 'f·I − fᵀ·f' read literally with f a row vector: M[i, j] = (f_j − f_i f_j)/T.

    The erratum, kept to be shown wrong: it is not symmetric and its rows do not sum to 0
    (row i sums to (1 − s_i)/T). Shapes as ``softmax_jacobian``.

    >>> softmax_jacobian_notes([0.0, 0.0])
    array([[0.25, 0.25],
           [0.25, 0.25]])
    """
    s = softmax(z, temperature)
    return (s[None, :] - np.outer(s, s)) / temperature


def softmax_vjp(z, v, temperature: float = 1.0) -> np.ndarray:
    """Jᵀv = s ⊙ (v − ⟨s, v⟩) / T: what backprop computes, in O(n), without building J.

    Args:
      z: logits, shape (..., n). v: the upstream gradient ∂L/∂s, broadcastable to z.
      temperature: T > 0.

    Returns:
      ∂L/∂z, shape of z (a batch of rows works row by row).

    >>> softmax_vjp([0.0, 0.0], [1.0, 0.0])
    array([ 0.25, -0.25])

    v is first shifted by its entry at argmax(s). That leaves the product unchanged and makes
    ⟨s, v⟩ a sum of small terms, so the dominant entry's 1 − s_k never cancels.
    """
    s = softmax(z, temperature)
    v = np.broadcast_to(as_array(v), s.shape)
    k = np.argmax(s, axis=-1)[..., None]
    w = v - np.take_along_axis(v, k, axis=-1)
    return s * (w - np.sum(s * w, axis=-1, keepdims=True)) / temperature


def softmax_vjp_explicit(z, v, temperature=1.0):
    """Jᵀv with J built and multiplied: the O(n²) product softmax_vjp avoids, for comparison."""
    return softmax_jacobian(z, temperature).T @ as_array(v)


def softmax_jacobian_terms(z, temperature=1.0):
    """(diag(s)/T, s sᵀ/T): the two matrices whose difference is J (up to rounding on the
    diagonal, where J uses 1 − s_i = Σ_{j≠i} s_j)."""
    s = softmax(z, temperature)
    return np.diag(s) / temperature, np.outer(s, s) / temperature


# --- checks the app runs live: data only, the page decides how to show them --------------------

_EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class JacobianProperties:
    """What the softmax Jacobian should satisfy, measured on a square matrix J.

    All verdicts use one tolerance, 8·n·ε·‖J‖_∞, the size of rounding in J's entries and sums.
    ``psd`` asks xᵀJx ≥ 0 for every x, i.e. the symmetric part (J + Jᵀ)/2 has no negative
    eigenvalue (for a symmetric J: J's own eigenvalues). ``rank`` counts singular values above
    the tolerance, so eigenvalues below float64's resolution relative to ‖J‖ count as 0.
    """

    tolerance: float
    max_asymmetry: float  # max |J − Jᵀ|
    max_row_sum: float  # max_i |Σ_j J_ij|
    eigenvalues: np.ndarray  # ascending (by real part); real unless J is far from symmetric
    min_symmetric_eigenvalue: float  # smallest eigenvalue of (J + Jᵀ)/2
    rank: int
    symmetric: bool
    rows_sum_to_zero: bool
    psd: bool
    rank_is_n_minus_1: bool

    def eigenvalues_to_tolerance(self) -> np.ndarray:
        """The eigenvalues as far as float64 can tell: those within the tolerance of 0 are 0."""
        return np.where(np.abs(self.eigenvalues) <= self.tolerance, 0.0, self.eigenvalues)


def jacobian_properties(jac) -> JacobianProperties:
    jac = as_array(jac)
    n = jac.shape[0]
    tol = 8 * n * _EPS * max(float(np.max(np.sum(np.abs(jac), axis=1))), np.finfo(float).tiny)
    asym = float(np.max(np.abs(jac - jac.T)))
    row = float(np.max(np.abs(np.sum(jac, axis=1))))
    sym_eig = np.linalg.eigvalsh((jac + jac.T) / 2)
    if asym <= tol:
        eig = sym_eig
    else:
        eig = np.linalg.eigvals(jac)
        eig = np.real_if_close(eig[np.argsort(eig.real)], tol=1000)
    rank = int(np.sum(np.linalg.svd(jac, compute_uv=False) > tol))
    return JacobianProperties(
        tolerance=tol, max_asymmetry=asym, max_row_sum=row, eigenvalues=eig,
        min_symmetric_eigenvalue=float(sym_eig[0]), rank=rank, symmetric=asym <= tol,
        rows_sum_to_zero=row <= tol, psd=bool(sym_eig[0] >= -tol), rank_is_n_minus_1=rank == n - 1,
    )


@dataclass(frozen=True)
class JacobianCheck:
    """Analytical J against a finite-difference J (vocabulary as torch.autograd.gradcheck)."""

    method: str
    analytical: np.ndarray
    numerical: np.ndarray
    abs_difference: np.ndarray
    max_relative_error: float  # max over entries of |a − n| / max(|a|, |n|) (CS231n)
    worst_entry: tuple[int, int]  # where that maximum is reached
    normwise_error: float  # max |a − n| / max |a|: the error at the scale of J's largest entry
    # entries where the numerical J is exactly 0 but the analytical is not: the step moved s_i
    # by less than float64 resolves next to s_i (always so when s_i rounds to 1)
    unresolved_entries: int
    largest_step: float  # the largest finite-difference step h used on z
    largest_scaled_step: float  # the same step as softmax(z/T) sees it: h/T


def softmax_jacobian_check(z, temperature=1.0, method="central") -> JacobianCheck:
    """numeric_jacobian of softmax(·, T) at z, with the method's default steps, beside
    softmax_jacobian(z, T)."""
    z = as_array(z)
    analytical = softmax_jacobian(z, temperature)
    numerical = numeric_jacobian(lambda u: softmax(u, temperature), z, method=method)
    diff = np.abs(analytical - numerical)
    rel = relative_error(analytical, numerical)
    worst = np.unravel_index(int(np.argmax(rel)), rel.shape)
    scale = float(np.max(np.abs(analytical)))
    step = float(np.max(get_method(method).default_step(z)))
    return JacobianCheck(
        method=method, analytical=analytical, numerical=numerical, abs_difference=diff,
        max_relative_error=float(rel[worst]), worst_entry=(int(worst[0]), int(worst[1])),
        normwise_error=float(np.max(diff)) / scale if scale > 0 else 0.0,
        unresolved_entries=int(np.sum((numerical == 0) & (analytical != 0))),
        largest_step=step, largest_scaled_step=step / temperature,
    )


@dataclass(frozen=True)
class VjpCheck:
    """Backprop's O(n) product s ⊙ (v − ⟨s, v⟩)/T against the explicit Jᵀv."""

    fast: np.ndarray
    explicit: np.ndarray
    max_abs_difference: float
    roundoff_scale: float  # n·ε·max|J|·max|v|: the rounding the explicit product can carry
    agree: bool  # max |difference| ≤ 8 · roundoff_scale


def softmax_vjp_check(z, v, temperature=1.0) -> VjpCheck:
    fast = softmax_vjp(z, v, temperature)
    jac = softmax_jacobian(z, temperature)
    explicit = jac.T @ as_array(v)
    diff = float(np.max(np.abs(fast - explicit)))
    scale = len(fast) * _EPS * float(np.max(np.abs(jac))) * float(np.max(np.abs(as_array(v))))
    return VjpCheck(fast, explicit, diff, scale, diff <= 8 * scale)
