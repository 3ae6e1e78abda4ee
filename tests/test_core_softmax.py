"""Softmax, log-softmax, 1 − s, the Jacobian and the VJP against high-precision references,
the Jacobian's structure, and the notes' erratum matrix.

References come from the textbook definitions evaluated by ``tests/reference.py`` (400+
digits, raised until two precisions agree), so 1 − s_i and s_i(1 − s_i) there are exact
even where float64 would cancel.
"""

from __future__ import annotations

import numpy as np
import pytest

import derivs
from derivs import numeric_jacobian
from tests import reference as ref

EPS = ref.EPS
RTOL = 1e-12  # the design's target wherever the true value is a normal float64

_rng = np.random.default_rng(20240611)
LOGITS = {
    "1000,1000,-1000": np.array([1000.0, 1000.0, -1000.0]),  # two ties, one far below
    "40,0": np.array([40.0, 0.0]),  # s_0 rounds to 1: 1 − s_0 ≈ 4.2e-18 must survive
    "0,0,0": np.zeros(3),
    **{f"normal{n}": _rng.standard_normal(n) for n in range(2, 11)},
    **{f"3normal{n}": 3.0 * _rng.standard_normal(n) for n in (4, 7, 10)},
}
TEMPERATURES = [0.05, 1.0, 20.0]
CASES = [pytest.param(z, t, id=f"{name}-T{t:g}") for name, z in LOGITS.items() for t in TEMPERATURES]


def _assert_matches(values, refs, what, tol=RTOL):
    bad = ref.compare(np.ravel(values), ref._flatten(refs), tol)
    assert not bad, what + ":\n" + "\n".join(bad)


@pytest.mark.parametrize(("z", "t"), CASES)
def test_softmax_log_softmax_complement_match_reference(z, t):
    # Each entry against its own reference: none of these is a difference of entries.
    # (z/T is rounded once in float64; for |z/T| ≤ 1000 that moves e^(z/T − max) by at most
    # ~1000·ε ≈ 2e-13 relative, inside the target; measured ≤ 2e-14 on these cases.)
    _assert_matches(derivs.softmax(z, t), ref.softmax_ref(z, t), "softmax")
    _assert_matches(derivs.log_softmax(z, t), ref.log_softmax_ref(z, t), "log_softmax")
    _assert_matches(derivs.softmax_complement(z, t), ref.softmax_complement_ref(z, t), "1 − s")


@pytest.mark.parametrize(("z", "t"), CASES)
def test_jacobian_entries_match_reference(z, t):
    # Off-diagonal −s_i s_j/T is a product, the diagonal s_i(1 − s_i)/T uses 1 − s_i as the
    # sum of the other entries: every entry, diagonal included, is held to 1e-12 on its own.
    _assert_matches(derivs.softmax_jacobian(z, t), ref.softmax_jacobian_ref(z, t), "J")


def test_jacobian_keeps_the_tiny_diagonal():
    jac = derivs.softmax_jacobian([40.0, 0.0])
    assert 4.2e-18 < jac[0, 0] < 4.3e-18  # s_0(1 − s_0) = e^-40/(1 + e^-40)², not 0
    assert jac[0, 0] == jac[1, 1] == -jac[0, 1]


@pytest.mark.parametrize(("z", "t"), CASES)
def test_vjp_matches_reference(z, t):
    v = np.random.default_rng(len(z)).standard_normal(len(z))
    got = derivs.softmax_vjp(z, v, t)
    s = np.array([0.0 if r is ref.UNDERFLOW else float(r) for r in ref.softmax_ref(z, t)])
    # (Jᵀv)_i = s_i(w_i − ⟨s, w⟩)/T with w = v − v_k: a difference that can cancel when v is
    # nearly constant on the support of s. A float64 evaluation of it errs by a few ulps of
    # the terms, s_i(|w_i| + ⟨s, |w|⟩)/T, so the allowance is 1e-12 relative plus 16 such
    # ulps; without cancellation that is the plain 1e-12 (measured worst: 2e-14 relative).
    w = np.abs(v - v[np.argmax(s)])
    terms = s * (w + np.dot(s, w)) / t
    refs = ref.softmax_vjp_ref(z, v, t)
    allowance = [RTOL + (16 * EPS * a / abs(float(r)) if ref.is_normal(r) else 0.0)
                 for a, r in zip(terms, refs, strict=True)]
    _assert_matches(got, refs, "Jᵀv", allowance)


@pytest.mark.parametrize(("z", "t"), CASES)
def test_vjp_equals_jacobian_transpose_times_v(z, t):
    v = np.random.default_rng(7).standard_normal(len(z))
    jac = derivs.softmax_jacobian(z, t)
    # Two float64 evaluations of the same vector: they differ by rounding, a few ulps of the
    # largest product |J_ij v_j| summed over n terms.
    atol = 4 * len(z) * EPS * np.abs(jac).max() * np.abs(v).max()
    np.testing.assert_allclose(derivs.softmax_vjp(z, v, t), jac.T @ v, rtol=1e-12, atol=atol)


# --- the Jacobian's structure ---------------------------------------------------------------------


@pytest.mark.parametrize(("z", "t"), CASES)
def test_jacobian_structure(z, t):
    jac = derivs.softmax_jacobian(z, t)
    n = len(z)
    assert jac.shape == (n, n)
    # Symmetric exactly: J_ij = −s_i s_j/T and float multiplication is commutative.
    np.testing.assert_array_equal(jac, jac.T)
    top = np.abs(jac).max()
    # Rows sum to 0: the diagonal s_i Σ_{j≠i} s_j and the off-diagonals −s_i s_j are the same
    # products, so only rounding of n terms remains (measured ≤ 0.25·n·ε·max|J|).
    assert np.all(np.abs(jac.sum(axis=1)) <= n * EPS * top)
    # Positive semi-definite: eigvalsh's backward error is O(n·ε·‖J‖), measured ≥ −5e-16·max.
    assert np.linalg.eigvalsh(jac).min() >= -n * EPS * top


@pytest.mark.parametrize(("z", "t"), [c for c in CASES if derivs.softmax(*c.values).min() > 1e-6])
def test_jacobian_has_rank_n_minus_1(z, t):
    # J = diag(s) − s sᵀ is a rank-one update of diag(s), so its eigenvalues interlace with the
    # s_i: 0, then at least min(s). Rank n − 1 is numerically visible only when min(s) is far
    # above n·ε·max|J| (matrix_rank's threshold), hence the filter min(s) > 1e-6.
    jac = derivs.softmax_jacobian(z, t)
    assert np.linalg.matrix_rank(jac) == len(z) - 1
    np.testing.assert_allclose(jac @ np.ones(len(z)), 0.0, atol=len(z) * EPS * np.abs(jac).max())


@pytest.mark.parametrize(("z", "t"), [c for c in CASES if np.abs(c.values[0]).max() < 10])
def test_jacobian_equals_numeric_jacobian(z, t):
    jac = derivs.softmax_jacobian(z, t)
    num = numeric_jacobian(lambda v: derivs.softmax(v, t), z, method="central")
    # Central differences with h = ∛ε·max(1, |z_j|): round-off ε·|s|/h plus truncation
    # h²·|∂³s|/6 with |∂³s| ≲ 1/T³. Ten times that bound: 7e-10 at T = 1 (measured 3e-11),
    # 3e-6 at T = 0.05 where s is very curved (measured 5e-7).
    h = np.cbrt(EPS) * max(1.0, np.abs(z).max())
    atol = 10 * (EPS / h + h * h / t**3)
    np.testing.assert_allclose(num, jac, rtol=0, atol=atol)


def test_softmax_acts_on_the_last_axis():
    z = np.array([[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0]])
    s = derivs.softmax(z)
    assert s.shape == (2, 3)
    np.testing.assert_allclose(s.sum(axis=-1), 1.0, rtol=0, atol=2 * EPS)
    np.testing.assert_array_equal(s[0], derivs.softmax(z[0]))


@pytest.mark.parametrize("t", [0.0, -1.0, float("nan")])
def test_nonpositive_temperature_raises(t):
    z = np.array([1.0, 2.0])
    for fn in (derivs.softmax, derivs.log_softmax, derivs.softmax_complement,
               derivs.softmax_jacobian, derivs.softmax_jacobian_notes):
        with pytest.raises(ValueError, match="temperature"):
            fn(z, t)
    with pytest.raises(ValueError, match="temperature"):
        derivs.softmax_vjp(z, np.ones(2), t)


# --- the notes' f·I − fᵀ·f -----------------------------------------------------------------------


@pytest.mark.parametrize(("z", "t"), [c for c in CASES if derivs.softmax(*c.values).min() > 1e-6
                                      and np.ptp(c.values[0]) > 0])
def test_notes_matrix_is_the_erratum(z, t):
    s = derivs.softmax(z, t)
    notes = derivs.softmax_jacobian_notes(z, t)
    jac = derivs.softmax_jacobian(z, t)
    n = len(z)
    tol = 4 * n * EPS / t
    # Not symmetric (distinct s_i), and its rows do not sum to 0: row i sums to (1 − s_i)/T.
    assert np.abs(notes - notes.T).max() > 1e-3 * np.abs(notes).max()
    np.testing.assert_allclose(notes.sum(axis=1), (1 - s) / t, rtol=0, atol=tol)
    assert np.all(np.abs(notes.sum(axis=1)) > 1e-3 / t)
    # Nor do its columns: column j sums to (n − 1)s_j/T (the correct J's columns sum to 0).
    np.testing.assert_allclose(notes.sum(axis=0), (n - 1) * s / t, rtol=0, atol=tol)
    assert np.all(np.abs(notes.sum(axis=0)) > 1e-7 / t)
    np.testing.assert_allclose(jac.sum(axis=0), 0.0, atol=n * EPS * np.abs(jac).max())
    # What it is: the right diagonal, plus s_j added to every off-diagonal entry of column j
    # (M − J = 1·sᵀ − diag(s)), from reading "f·I" as the row vector f broadcast down the rows.
    np.testing.assert_allclose(notes - jac, (np.ones((n, 1)) * s[None, :] - np.diag(s)) / t,
                               rtol=0, atol=tol)
