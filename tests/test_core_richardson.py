"""Richardson extrapolation, the error estimates of every method, the five-point step fix, and
random-direction Jacobian checks.

References are closed-form derivatives evaluated by mpmath at 50 digits at the very float x.
Bounds were measured first (worst case in a comment beside each) and then set with a margin.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import derivs
from derivs.losses import LOSSES
from derivs.numeric import (
    ADAPTIVE_METHODS,
    METHODS,
    directional_check,
    gradcheck,
    numeric_derivative,
    numeric_jacobian,
    richardson_tableau,
    step_error_curve,
)
from derivs.softmax import softmax, softmax_jacobian

EPS = float(np.finfo(np.float64).eps)
_sig = derivs.ACTIVATIONS["sigmoid"].f
_softplus = derivs.ACTIVATIONS["softplus"].f

# name: (numpy f, mpmath f′, open domain)
SMOOTH = {
    "exp": (np.exp, mp.exp, None),
    "sin": (np.sin, mp.cos, None),
    "cos": (np.cos, lambda x: -mp.sin(x), None),
    "log": (np.log, lambda x: 1 / x, (0.0, math.inf)),
    "sqrt": (np.sqrt, lambda x: 1 / (2 * mp.sqrt(x)), (0.0, math.inf)),
    "tanh": (np.tanh, lambda x: mp.sech(x) ** 2, None),
    "sigmoid": (_sig, lambda x: mp.exp(-x) / (1 + mp.exp(-x)) ** 2, None),
    "atan": (np.arctan, lambda x: 1 / (1 + x * x), None),
    "cube": (lambda x: x * x * x, lambda x: 3 * x * x, None),
    "reciprocal": (lambda x: 1 / x, lambda x: -1 / (x * x), (0.0, math.inf)),
    "gauss": (lambda x: np.exp(-x * x), lambda x: -2 * x * mp.exp(-x * x), None),
    "log1p": (np.log1p, lambda x: 1 / (1 + x), (-1.0, math.inf)),
    "erf": (__import__("scipy.special").special.erf,
            lambda x: 2 / mp.sqrt(mp.pi) * mp.exp(-x * x), None),
    "softplus": (_softplus, lambda x: 1 / (1 + mp.exp(-x)), None),
    "x_sin_x": (lambda x: x * np.sin(x), lambda x: mp.sin(x) + x * mp.cos(x), None),
}
MAGNITUDES = (1e-8, 1e-3, 0.3, 1.0, 2.5, 10.0, 100.0, 1e3, 1e6)
POINTS = sorted({s * m for m in MAGNITUDES for s in (1.0, -1.0)})


def reference(df, x) -> mp.mpf:
    with mp.workdps(50):
        return df(mp.mpf(x))


def abs_error(value, ref) -> float:
    with mp.workdps(50):
        return float(abs(mp.mpf(float(value)) - ref))


def points_for(name):
    """The points where f(x) is finite, f′(x) a normal nonzero float64 that differences can
    see (|f′|·min(1, |x|/100) above 16 ulps of f: tanh at 100 is flat in float64). x·sin x at
    |x| = 1e-8 is left out: there f(x ± h) ≈ h² ≫ f(x), so any difference loses ε·h/f′ ≈ 1e-12
    to rounding (measured 7.6e-13 here, 5.5e-13 for numdifftools)."""
    f, df, domain = SMOOTH[name]
    out = []
    for x in POINTS:
        if domain and not domain[0] < x < domain[1]:
            continue
        if name == "x_sin_x" and abs(x) < 1e-6:
            continue
        with np.errstate(all="ignore"):
            fx = float(f(np.float64(x)))
        r = abs(float(reference(df, x)))
        if not math.isfinite(fx) or not np.finfo(float).tiny <= r < math.inf:
            continue
        if r * min(1.0, abs(x) / 100) <= 16 * EPS * abs(fx):
            continue
        out.append(x)
    return out


def floor(f, df, x) -> float:
    """The relative error every finite difference of f pays: 1e-12 (the design's target) plus
    100·ε·|f/f′|, f's own rounding ε|f| seen through a step of the function's scale. It only
    matters where f′ is small beside f: tanh at 10 (f/f′ = 1.2e8, measured 3.9e-8), atan at
    1e6 (1.6e12, measured 8.1e-9), erf at 2.5 (460, measured 4.0e-12)."""
    fx = abs(float(f(np.float64(x))))
    return 1e-12 + 100 * EPS * fx / abs(float(reference(df, x)))


# --- Richardson against mpmath ------------------------------------------------------------------


@pytest.mark.parametrize("name", list(SMOOTH))
def test_richardson_against_mpmath_from_1e_8_to_1e6(name):
    """Measured: at most 7.5e-14 relative where |f/f′| ≤ 10 (log at 1e-8), elsewhere at most
    0.36 of the floor (erf at 2.5, 4.0e-12); the estimate covered the true error everywhere."""
    f, df, _ = SMOOTH[name]
    xs = np.array(points_for(name))
    assert xs.size >= 6
    values, estimates = numeric_derivative(f, xs, method="richardson", full_output=True)
    for x, value, estimate in zip(xs, values, estimates, strict=True):
        ref = reference(df, x)
        err = abs_error(value, ref)
        assert err <= estimate, (x, err, estimate)  # the error bar covers the true error
        assert err <= floor(f, df, x) * abs(float(ref)), (x, err / abs(float(ref)))


def test_sin_at_1e6_where_the_fixed_steps_exceed_the_period():
    """The default steps scale with |x|: central h = 6.06, five-point h = 740, both beyond sin's
    period, relative error about 1. Richardson picks its steps from f (measured 4.7e-16)."""
    x = 1e6
    exact = float(reference(mp.cos, x))
    assert METHODS["central"].default_step(x) > 6 and METHODS["five_point"].default_step(x) > 700
    for method in ("central", "five_point"):
        assert abs(numeric_derivative(np.sin, x, method) - exact) / abs(exact) > 0.1
    value, estimate = numeric_derivative(np.sin, x, method="richardson", full_output=True)
    assert abs(value - exact) / abs(exact) <= 1e-13
    assert abs(value - exact) <= estimate <= 1e-12
    assert richardson_tableau(np.sin, x).steps[0] < 2 * math.pi


def test_log_at_1e_8():
    value, estimate = numeric_derivative(np.log, 1e-8, method="richardson", full_output=True)
    assert abs(value * 1e-8 - 1) <= 1e-12  # measured 7.5e-14
    assert abs(value - 1e8) <= estimate


# --- the domain: f is never evaluated where it is not finite -------------------------------------


class Recorder:
    """f, recording every point it is called at."""

    def __init__(self, f):
        self.f, self.points = f, []

    def __call__(self, z):
        self.points.append(np.array(z, dtype=np.float64).ravel())
        return self.f(z)

    @property
    def seen(self) -> np.ndarray:
        return np.concatenate(self.points)


NEAR_ZERO = [(name, x) for name in ("log", "sqrt", "reciprocal")
             for x in (1e-300, 1e-30, 1e-8, 1e-3, 0.37, 1.0, 7.7, 1e6)
             if not (name == "reciprocal" and x < 1e-150)]  # −1/x² overflows below 1e-154


@pytest.mark.parametrize(("name", "x"), NEAR_ZERO)
def test_never_evaluates_outside_the_domain_near_zero(name, x):
    """log, sqrt and 1/x at any x > 0: every point f sees is > 0. The probe stops where the
    differences show the singularity (largest step measured: 3x/8 for log, 3x/4 for sqrt,
    3x/16 for 1/x), so 1/x is never differenced across its pole either."""
    f, df, _ = SMOOTH[name]
    rec = Recorder(f)
    value, estimate = numeric_derivative(rec, x, method="richardson", full_output=True)
    assert np.all(rec.seen > 0), rec.seen.min()
    err = abs_error(value, reference(df, x))
    assert err <= estimate
    assert err <= 1e-11 * abs(float(reference(df, x)))  # measured ≤ 2.9e-12 (log at 1e-300)


def test_a_step_where_f_is_not_finite_is_never_used():
    """log(x − 2) just above 2: a boundary the probe cannot foresee at 4.5e-13 from x. The step
    that reaches past it returns NaN and ends the probe; the answer uses the steps below."""
    x = 2 + 1e-12
    value, estimate = numeric_derivative(lambda t: np.log(t - 2), x, "richardson",
                                         full_output=True)
    exact = 1 / (x - 2)
    assert abs(value - exact) <= estimate and abs(value - exact) <= 1e-10 * exact
    # f not finite at x itself: NaN, not a number that looks like a derivative
    value, estimate = numeric_derivative(np.log, -1.0, "richardson", full_output=True)
    assert np.isnan(value) and np.isnan(estimate)


# --- the tableau ---------------------------------------------------------------------------------


def test_tableau_record_matches_numeric_derivative():
    rec = Recorder(np.exp)
    tab = richardson_tableau(rec, 0.5)
    value, estimate = numeric_derivative(np.exp, 0.5, "richardson", full_output=True)
    assert (tab.value, tab.estimate) == (float(value), float(estimate))
    assert tab.evaluations == rec.seen.size
    rows, cols = tab.tableau.shape
    assert tab.errors.shape == tab.rounding.shape == (rows, cols) and tab.steps.shape == (rows,)
    np.testing.assert_allclose(tab.steps[:-1] / tab.steps[1:], 2.0, rtol=1e-12)
    assert tab.tableau[tab.row, tab.column] == tab.value
    assert tab.errors[tab.row, tab.column] == tab.estimate
    assert np.all(np.isnan(tab.tableau[np.triu_indices(rows, 1, cols)]))  # above the diagonal
    used = ~np.isnan(tab.tableau[:, 0])
    assert used[: tab.row + 1].all()  # rows after the stop are NaN, rows up to it are not
    assert np.nanmin(tab.errors) == tab.estimate  # the smallest estimate is the one chosen
    with pytest.raises(ValueError, match="one point"):
        richardson_tableau(np.exp, [0.5, 1.0])


def test_vectorised_over_x_each_point_its_own_tableau():
    xs = np.array([[-3.0, -1e-8, 0.0], [0.3, 1e3, 1e6]])
    for f in (np.sin, np.exp, np.arctan):
        with np.errstate(over="ignore"):
            values, estimates = numeric_derivative(f, xs, "richardson", full_output=True)
            one_by_one = [numeric_derivative(f, x, "richardson", full_output=True)
                          for x in xs.ravel()]
        assert values.shape == estimates.shape == xs.shape
        # equal up to the last bits numpy's vectorised exp may differ in between array sizes
        np.testing.assert_allclose(values.ravel(), [v for v, _ in one_by_one], rtol=1e-13)


def test_given_step_float32_and_the_method_record():
    m = ADAPTIVE_METHODS["richardson"]
    assert m.label == "Richardson (adaptive)" and m.adaptive and m.order == 2 and m.formula
    # h: the ladder's largest step, no probe
    value = numeric_derivative(np.sin, 1.0, "richardson", h=0.5)
    assert abs(value - math.cos(1.0)) <= 1e-14
    with pytest.raises(ValueError, match="positive"):
        numeric_derivative(np.sin, 1.0, "richardson", h=-1.0)
    # float32 rounds every value: the error is float32's, and the estimate says so
    xs = np.array([0.5, 1.0, 2.0])
    value, estimate = numeric_derivative(np.sin, xs, "richardson", dtype=np.float32,
                                         full_output=True)
    assert value.dtype == np.float32
    err = np.abs(value.astype(np.float64) - np.cos(xs))
    assert np.all(err <= estimate) and np.all(err > 1e-9) and np.all(estimate < 1e-4)
    # numeric_jacobian and gradcheck take it too
    z = np.array([0.3, -1.2, 2.0])
    np.testing.assert_allclose(numeric_jacobian(softmax, z, method="richardson"),
                               softmax_jacobian(z), rtol=0, atol=1e-13)
    assert gradcheck(np.sin, np.cos, np.array([0.3, 1e6]), "cs231n", elementwise=True,
                     method="richardson").ok


def test_step_error_curve_leaves_adaptive_methods_out_unless_asked():
    curve = step_error_curve(np.sin, np.cos, 1.0)
    assert set(curve.errors) == set(METHODS)
    asked = step_error_curve(np.sin, np.cos, 1.0, methods=["central", "richardson"])
    assert set(asked.errors) == {"central", "richardson"}
    # from any largest step up to 1 the tableau gets below the central difference's best
    assert np.nanmin(asked.errors["richardson"]) < np.nanmin(asked.errors["central"]) / 10


@settings(derandomize=True, max_examples=80, deadline=None, database=None)
@given(st.sampled_from(["exp", "sin", "cos", "tanh", "atan", "log", "log1p", "sigmoid", "erf",
                        "softplus", "cube"]),
       st.floats(-8.0, 6.0), st.booleans(), st.floats(0.1, 1.0))
def test_richardson_property(name, log10_x, negative, mantissa):
    """At random magnitudes 1e-8 … 1e6 the estimate covers the error and the error is within
    the floor every difference pays (see ``floor``).

    The rounding bound assumes f is computed to about an ulp, as these are. exp(−x·x) is not
    in the list: the rounding of x·x gives it x²·ε of error (500 ulps at x = 22), and there
    the estimate fell short in 4 of 150 random points (measured over 1682 points of 13
    functions: 5 misses, 4 of them that Gaussian)."""
    f, df, domain = SMOOTH[name]
    x = mantissa * 10.0**log10_x * (-1 if negative and domain is None else 1)
    ref = reference(df, x)
    if not np.finfo(float).tiny <= abs(float(ref)) < math.inf:
        return  # f′ underflows (tanh, σ, Gaussian far out): nothing to differentiate
    with np.errstate(all="ignore"):
        fx = float(f(np.float64(x)))
    if abs(float(ref)) * min(1.0, abs(x) / 100) <= 16 * EPS * abs(fx):
        return  # flat in float64 (tanh at 40)
    value, estimate = numeric_derivative(f, x, "richardson", full_output=True)
    err = abs_error(value, ref)
    assert err <= estimate, (x, err, estimate)
    assert err <= floor(f, df, x) * abs(float(ref)), (x, err / abs(float(ref)))


# --- the error estimates of the fixed-step methods ---------------------------------------------

TYPICAL = {  # smooth functions over ranges where the default step fits their scale
    "exp": (-5.0, 5.0), "sin": (-3.0, 3.0), "sigmoid": (-6.0, 6.0), "log": (0.1, 100.0),
    "sqrt": (0.1, 100.0), "atan": (-5.0, 5.0), "tanh": (-3.0, 3.0), "cube": (-100.0, 100.0),
}


@pytest.mark.parametrize("method", list(METHODS))
def test_full_output_of_every_fixed_method_covers_its_error(method):
    """estimate = 2·|D(h) − D(2h)| / (2^order − 1) + ε·Σ|c_i f(x + o_i h)| / h (4ε|value| for
    the complex step). On 40 random points of each TYPICAL range it covers the true error
    everywhere (so it did at 200 points per range in a wider run) and is not vacuous: its
    median ratio to the error is at most 43 per range (measured 2 to 43)."""
    rng = np.random.default_rng(7)
    for name, (a, b) in TYPICAL.items():
        f, df, _ = SMOOTH[name]
        xs = rng.uniform(a, b, 40)
        values, estimates = numeric_derivative(f, xs, method=method, full_output=True)
        plain = numeric_derivative(f, xs, method=method)
        np.testing.assert_array_equal(values, plain)  # the value is the default return
        errors = np.array([abs_error(v, reference(df, x)) for x, v in zip(xs, values, strict=True)])
        assert np.all(errors <= estimates), (name, xs[np.argmax(errors - estimates)])
        scale = np.array([abs(float(reference(df, x))) for x in xs])
        assert np.median(estimates / np.maximum(errors, EPS * scale)) < 100


def test_fixed_method_estimates_see_a_step_that_is_too_large():
    """sin at x = 100 with h = 0.5: truncation dominates and the estimate says so."""
    value, estimate = numeric_derivative(np.sin, 100.0, "central", h=0.5, full_output=True)
    err = abs(value - math.cos(100.0))
    assert 0.01 < err <= estimate < 10 * err


# --- issue 11: five-point divides by the steps actually taken -------------------------------------


@pytest.mark.parametrize("x", [1e6 + 0.1, 12345.678, -7.3e8 - 0.3, 1e15 + 3.0, 0.1])
def test_five_point_of_the_identity_is_exactly_one(x):
    # x + h rounds: the step taken is not h; dividing by 12h gave 0.9999999999999057 at 1e6+0.1
    assert numeric_derivative(lambda t: t, x, method="five_point") == 1.0


def test_five_point_textbook_form_showed_the_bug():
    x = 1e6 + 0.1
    h = float(METHODS["five_point"].default_step(x))
    textbook = (-(x + 2 * h) + 8 * (x + h) - 8 * (x - h) + (x - 2 * h)) / (12 * h)
    assert textbook == 0.9999999999999057
    assert METHODS["five_point"].estimate(lambda t: t, np.float64(x), np.float64(h)) == 1.0


# --- random-direction checks ---------------------------------------------------------------------


def test_directional_check_passes_softmax_with_its_jacobian():
    z = np.array([0.3, -1.2, 2.0, 0.7])
    for seed in range(5):
        check = directional_check(softmax, softmax_jacobian, z, seed=seed, n_directions=3)
        assert check.passed, check.rel_error
        assert check.rel_error.max() < 1e-8  # measured ≤ 2e-11
        assert check.u.shape == (3, 4) and check.v.shape == (3, 4)
        np.testing.assert_allclose(np.linalg.norm(check.u, axis=1), 1.0)
        np.testing.assert_allclose(np.linalg.norm(check.v, axis=1), 1.0)
        assert (check.evaluations, check.full_evaluations) == (6, 8)


def test_directional_check_passes_a_loss_gradient():
    """A scalar loss is m = 1: v = ±1 and vᵀJu is the directional derivative ⟨∇L, u⟩."""
    loss = LOSSES["mse"]
    y, yhat = np.array([0.5, -1.0, 2.0, 0.0]), np.array([1.2, -0.4, 1.5, 0.3])
    check = directional_check(lambda p: loss.value(y, p), lambda p: loss.grad(y, p), yhat,
                              seed=3)
    assert check.passed and check.v.shape == (1, 1) and abs(check.v[0, 0]) == 1.0
    assert check.evaluations == 2 < check.full_evaluations == 8
    # the notes' gradient (1/n)(ŷ − y), half the true one, fails
    assert not directional_check(lambda p: loss.value(y, p), lambda p: (p - y) / p.size, yhat,
                                 seed=3).passed


@pytest.mark.parametrize("seed", range(8))
def test_directional_check_catches_one_wrong_entry(seed):
    z = np.array([0.3, -1.2, 2.0, 0.7])
    wrong = softmax_jacobian(z).copy()
    wrong[2, 1] += 0.01  # one entry off by 0.01 (the entries here are ≤ 0.25)
    check = directional_check(softmax, wrong, z, seed=seed)
    assert not check.passed
    assert check.rel_error[0] > 1e-4  # measured ≥ 6.6e-4: v₂u₁ ≠ 0 almost surely


def test_directional_check_validates_shapes():
    with pytest.raises(ValueError, match="shape"):
        directional_check(softmax, np.eye(3), np.zeros(4))
    with pytest.raises(ValueError, match="vector"):
        directional_check(softmax, np.eye(4), np.zeros((2, 2)))
