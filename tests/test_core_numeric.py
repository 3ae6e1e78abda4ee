"""Finite differences, the complex step, relative error, error bands, gradient-check presets and
the error-against-step curve.

The accuracy bounds below were measured first (worst case over the listed points in a comment
beside each) and then set with a margin; they are the lessons the app shows, so each is pinned.
"""

from __future__ import annotations

import numpy as np
import pytest

import derivs
from derivs import (
    CHECK_PRESETS,
    METHODS,
    error_band,
    gradcheck,
    numeric,
    numeric_derivative,
    numeric_jacobian,
    relative_error,
    step_error_curve,
)
from derivs.numeric import ADAPTIVE_METHODS
from derivs_app.i18n import check_report

EPS = float(np.finfo(np.float64).eps)
_sig = derivs.ACTIVATIONS["sigmoid"]

# Smooth functions at points where the default step's scale max(1, |x|) matches the scale on
# which the function varies: exp, sin and σ near the origin; log, sqrt and x³ (scale-free, no
# exp) out to x = 1000. (sin at x = 1000 is not here on purpose: its default step 6e-3 is far
# too large for a function that varies on a scale of 1, the truncation error is 6e-6.)
SMOOTH = {
    "exp": (np.exp, np.exp, [-3.0, -1.0, -0.3, 0.0, 0.7, 2.0, 3.0]),
    "sin": (np.sin, np.cos, [-2.5, -1.0, -0.3, 0.0, 0.1, 0.7, 1.2, 2.5]),
    "sigmoid": (_sig.f, _sig.df, [-5.0, -1.0, -0.3, 0.0, 0.7, 2.0, 5.0]),
    "log": (np.log, lambda x: 1 / x, [0.5, 1.0, 3.0, 10.0, 100.0, 1000.0]),
    "sqrt": (np.sqrt, lambda x: 0.5 / np.sqrt(x), [0.5, 1.0, 3.0, 10.0, 100.0, 1000.0]),
    "cube": (lambda x: x * x * x, lambda x: 3 * x * x, [-1000.0, -3.0, 0.5, 1.0, 3.0, 1000.0]),
}

# Worst relative error measured over SMOOTH with the default step, and the bound pinned here:
#   forward/backward 5.2e-7 (σ at 5) -> 1e-6    the error ~ √ε ≈ 1.5e-8 times |f″/f′|·scale
#   central          1.5e-10         -> 1e-8    ~ ε^(2/3) ≈ 4e-11
#   five_point       5.8e-12         -> 1e-10   ~ ε^(4/5) ≈ 3e-13 times larger constants
#   complex_step     2.8e-16         -> 1e-15   no subtraction: as accurate as f′ itself
EXPECTED = {"forward": 1e-6, "backward": 1e-6, "central": 1e-8, "five_point": 1e-10,
            "complex_step": 1e-15}


def test_every_method_has_an_expected_accuracy():
    assert set(EXPECTED) == set(METHODS)


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("fname", list(SMOOTH))
def test_default_step_accuracy(method, fname):
    f, df, xs = SMOOTH[fname]
    xs = np.array(xs)
    err = relative_error(numeric_derivative(f, xs, method=method), df(xs))
    assert err.max() <= EXPECTED[method], (xs[np.argmax(err)], err.max())


@pytest.mark.parametrize("method", [m for m in METHODS if m != "complex_step"])
@pytest.mark.parametrize("fname", list(SMOOTH))
def test_float32_is_much_worse(method, fname):
    """The same differences in float32 (ε = 1.2e-7): the lesson that gradient checks need
    float64. Central differences in float32 cannot beat ε^(2/3) ≈ 2.4e-5 in general."""
    f, df, xs = SMOOTH[fname]
    xs = np.array(xs)
    err64 = relative_error(numeric_derivative(f, xs, method=method), df(xs)).max()
    err32 = relative_error(numeric_derivative(f, xs, method=method, dtype=np.float32), df(xs))
    assert numeric_derivative(f, xs, method=method, dtype=np.float32).dtype == np.float32
    # Nothing in float32 beats its ε ≈ 1.2e-7, and every method is at least 100 times worse than
    # in float64 (measured: ≥ 5e3 times; five-point on x³ has no truncation error at all, so
    # its float32 error is pure round-off, 1e-6). Central, the gradient-check default, is
    # worse than 1e-6 at some point for every function (measured ≥ 1.2e-5).
    eps32 = float(np.finfo(np.float32).eps)
    assert err32.max() > eps32
    assert err32.max() > 100 * err64
    if method == "central":
        assert err32.max() > 1e-6


def test_complex_step_refuses_float32():
    with pytest.raises(ValueError, match="float64"):
        numeric_derivative(np.sin, 1.0, method="complex_step", dtype=np.float32)


def test_method_names_and_aliases():
    assert derivs.get_method("complex").name == "complex_step"
    assert derivs.get_method("five-point").name == "five_point"
    # "richardson" was an alias of five_point; it is now the adaptive method of its own
    assert derivs.get_method("richardson") is ADAPTIVE_METHODS["richardson"]
    with pytest.raises(ValueError, match="unknown method"):
        derivs.get_method("sideways")
    with pytest.raises(ValueError, match="positive"):
        numeric_derivative(np.sin, 1.0, h=0.0)


def test_methods_holds_the_fixed_step_methods_only():
    """The pages and their tests iterate METHODS as "one formula at one step h": a step
    slider, a stencil probe, an error-vs-h curve per method. Adaptive methods live apart."""
    assert not any(m.adaptive for m in METHODS.values())
    assert all(m.adaptive for m in ADAPTIVE_METHODS.values())
    assert not set(METHODS) & set(ADAPTIVE_METHODS)
    assert np.isnan(ADAPTIVE_METHODS["richardson"].default_step(1.0))


@pytest.mark.parametrize("method", [m for m in METHODS if METHODS[m].stencil])
def test_stencil_data_is_the_formula(method):
    """Method.stencil (what the rounding bound of full_output is built from) is the same
    difference quotient as Method.estimate: checked on a cubic at steps that are exact."""
    m = METHODS[method]
    f = lambda t: 0.5 * t**3 - t * t + 3.0 * t  # noqa: E731
    x, h = 1.5, 0.25  # x ± h, x ± 2h are exact and so is every value of f
    from_stencil = sum(c * f(x + o * h) for o, c in m.stencil) / h
    assert from_stencil == pytest.approx(float(m.estimate(f, np.float64(x), np.float64(h))),
                                         rel=1e-14)


def test_default_steps():
    x = np.array([0.5, -3.0, 1000.0])
    scale = np.array([1.0, 3.0, 1000.0])
    np.testing.assert_allclose(METHODS["central"].default_step(x), np.cbrt(EPS) * scale)
    np.testing.assert_allclose(METHODS["forward"].default_step(x), np.sqrt(EPS) * scale)
    np.testing.assert_array_equal(METHODS["complex_step"].default_step(x), 1e-20)


# --- Jacobians --------------------------------------------------------------------------------


def test_numeric_jacobian_of_a_linear_map_is_the_matrix():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((4, 3))
    x = rng.standard_normal(3)
    for method in ("central", "forward", "complex_step"):
        jac = numeric_jacobian(lambda v, a=a: a @ v, x, method=method)
        assert jac.shape == (4, 3)
        # differences of a linear map have no truncation error: only round-off ε|Ax|/h,
        # at most ~1e-7 for the forward step √ε (measured 1e-9), far less for the others
        np.testing.assert_allclose(jac, a, rtol=0, atol=1e-7)


def test_numeric_jacobian_of_a_scalar_function_is_the_gradient():
    x = np.array([0.3, -1.2, 2.0])
    grad = numeric_jacobian(lambda v: np.sum(v * v * v), x)
    assert grad.shape == (3,)
    np.testing.assert_allclose(grad, 3 * x * x, rtol=1e-9)  # central: ε^(2/3)-sized errors
    x2 = x.reshape(1, 3).repeat(2, axis=0)
    assert numeric_jacobian(lambda v: np.sum(np.sin(v)), x2).shape == (2, 3)


def test_numeric_jacobian_shape_is_output_then_input():
    f = lambda v: np.array([v[0] * v[1], np.sin(v[2]), v[0] + v[2]])  # noqa: E731
    x = np.array([1.0, 2.0, 0.5])
    jac = numeric_jacobian(f, x, method="complex_step")
    exact = np.array([[2.0, 1.0, 0.0], [0.0, 0.0, np.cos(0.5)], [1.0, 0.0, 1.0]])
    np.testing.assert_allclose(jac, exact, rtol=1e-15, atol=1e-300)


# --- relative error and bands ------------------------------------------------------------------


def test_relative_error_semantics():
    assert relative_error(0.0, 0.0) == 0.0  # both zero: agreement, not 0/0
    assert relative_error(1.0, 0.0) == 1.0
    assert relative_error(0.0, -3.0) == 1.0
    assert relative_error(1.0, -1.0) == 2.0  # |a − b| / max(|a|, |b|)
    assert relative_error(2.0, 1.5) == 0.25
    assert relative_error(1.5, 2.0) == relative_error(2.0, 1.5)  # symmetric
    a, b = np.array([1e-300, 3.0, 0.0]), np.array([2e-300, -3.0, 0.0])
    np.testing.assert_array_equal(relative_error(a, b), [0.5, 2.0, 0.0])
    np.testing.assert_array_equal(relative_error(a, b), relative_error(b, a))
    assert relative_error(np.ones((2, 3)), 1.0).shape == (2, 3)


@pytest.mark.parametrize(
    ("err", "band"),
    [(0.0, "good"), (1e-9, "good"), (1e-7, "good"), (2e-7, "kink"), (1e-4, "kink"),
     (1.1e-4, "doubtful"), (9.9e-3, "doubtful"), (1e-2, "wrong"), (0.5, "wrong"),
     (float("nan"), "wrong"), (float("inf"), "wrong")],
)
def test_error_band(err, band):
    assert error_band(err) == band


# --- gradient-check presets ----------------------------------------------------------------------

X_CHECK = np.array([-2.0, -0.4, 0.3, 1.1, 2.5])  # |cos| ≥ 0.4 here: no relative-error blowup


@pytest.mark.parametrize("preset", list(CHECK_PRESETS))
def test_a_correct_derivative_passes_every_preset(preset):
    result = gradcheck(np.sin, np.cos, X_CHECK, preset, elementwise=True)
    assert result.ok, result.message
    assert result.passed.shape == X_CHECK.shape and result.passed.all()


def test_the_same_derivative_passes_one_preset_and_fails_another():
    slightly_off = lambda x: np.cos(x) * (1 + 1e-4)  # noqa: E731
    # PyTorch allows 1e-3 relative: passes. CS231n wants ≤ 1e-7 relative: fails.
    assert gradcheck(np.sin, slightly_off, X_CHECK, "pytorch", elementwise=True).ok
    strict = gradcheck(np.sin, slightly_off, X_CHECK, "cs231n", elementwise=True)
    assert not strict.ok
    assert "numerical" in strict.message and "analytical" in strict.message
    assert all(error_band(e) == "kink" for e in strict.rel_error)  # 1e-4: the "kink" band


def test_relu_checked_across_its_kink_fails():
    relu = derivs.ACTIVATIONS["relu"]
    result = gradcheck(relu.f, relu.df, np.array([0.0]), "pytorch", elementwise=True)
    assert not result.ok
    # The central difference straddles the kink: (h − 0)/(2h) = 0.5, against the convention 0.
    assert result.numerical[0] == 0.5 and result.analytical[0] == 0.0
    assert "entry (0,)" in result.message
    assert "numerical 0.5 vs analytical 0" in result.message, result.message
    # one step away from the kink, the same check passes
    assert gradcheck(relu.f, relu.df, np.array([-0.1, 0.1]), "pytorch", elementwise=True).ok


def test_gradcheck_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="shape"):
        gradcheck(np.sin, lambda x: np.cos(x)[:2], X_CHECK, "pytorch", elementwise=True)


def test_gradcheck_message_lists_at_most_five_entries():
    x = np.linspace(0.2, 1.0, 8)
    result = gradcheck(np.sin, lambda v: 2 * np.cos(v), x, "pytorch", elementwise=True)
    assert not result.ok and "mismatch at 8 of 8 entries" in result.message
    assert result.message.count("entry (") == 5 and "3 more" in result.message


def test_check_report_in_both_languages_carries_the_same_numbers():
    x = np.linspace(0.2, 1.0, 8)
    result = gradcheck(np.sin, lambda v: 2 * np.cos(v), x, "pytorch", elementwise=True)
    en, zh = check_report(result, "en"), check_report(result, "zh")
    assert en == result.message
    assert "8 个分量中有 8 个不一致" in zh and "另有 3 个" in zh
    numbers = [f"{v:.10g}" for v in (*result.numerical[:5], *result.analytical[:5])]
    assert all(v in en and v in zh for v in numbers)
    ok = gradcheck(np.sin, np.cos, x, "pytorch", elementwise=True)
    assert check_report(ok, "zh") == "PyTorch gradcheck:全部 8 个分量的数值结果与解析结果一致。"


# --- error against step size ---------------------------------------------------------------------

CURVE_POINTS = [(np.sin, np.cos, 0.3), (np.sin, np.cos, 1.0), (np.sin, np.cos, 3.0),
                (np.exp, np.exp, 0.3), (np.exp, np.exp, 1.0), (np.exp, np.exp, 3.0)]
CURVE_IDS = [f"{f.__name__}@{x0:g}" for f, _, x0 in CURVE_POINTS]


def _slope(h, err, lo, hi):
    k = (h >= lo) & (h <= hi) & np.isfinite(err) & (err > 0)
    assert k.sum() >= 5
    return np.polyfit(np.log10(h[k]), np.log10(err[k]), 1)[0]


@pytest.mark.parametrize(("f", "df", "x0"), CURVE_POINTS, ids=CURVE_IDS)
def test_step_error_curve(f, df, x0):
    curve = step_error_curve(f, df, x0)
    h = curve.h
    assert curve.exact == df(x0) and set(curve.errors) == set(METHODS)
    # The best central step sits near the round-off/truncation balance ∛ε·max(1, |x|)
    # (measured within a factor 10 at these points).
    balance = np.cbrt(EPS) * max(1.0, abs(x0))
    assert balance / 100 <= curve.best_h["central"] <= balance * 100
    for name, method in METHODS.items():
        err = curve.errors[name]
        # Right side: truncation error ~ h^order. Five-point's h⁴ falls to the round-off floor
        # near h = 1e-3, so its fit starts at 1e-2 (measured slopes within ±0.1 of the order).
        lo = 1e-2 if method.order >= 4 else 1e-3
        assert abs(_slope(h, err, lo, 1e-1) - method.order) < 0.15, name
        if name == "complex_step":
            # no subtraction, no round-off side: the error stays at ε down to h = 1e-16
            assert np.all(err[h <= 1e-8] <= 1e-15)
        else:
            # Left side: round-off ε|f|/h rises as h shrinks, slope ≈ −1 (measured −0.95..−1.04)
            assert -1.3 < _slope(h, err, 1e-14, 1e-9) < -0.7, name
            assert np.nanmax(err[h <= 1e-13]) > 100 * np.nanmin(err)


@pytest.mark.parametrize("method", ["central", "five_point", "forward", "backward", "richardson"])
def test_a_jacobian_on_a_closed_domain_differences_its_edges_one_sided(method):
    """f(p) = Σ log(1 + p_k) − log(2 − p_k) on [0, 1]: at the ends a central stencil would leave
    the domain (where f is NaN in this test), so those entries go forward at 0, backward at 1;
    inside, the method itself. Each against the exact derivative 1/(1 + p) + 1/(2 − p)."""
    calls = []

    def f(p):
        calls.append(np.array(p, dtype=float))
        p = np.asarray(p, dtype=float)
        outside = (p < 0) | (p > 1)
        return np.where(outside.any(), np.nan, np.sum(np.log1p(p) - np.log(2 - p)))

    x = np.array([0.0, 0.4, 1.0])
    jac = numeric_jacobian(f, x, method=method, domain=(0.0, 1.0))
    exact = 1 / (1 + x) + 1 / (2 - x)
    np.testing.assert_allclose(jac, exact, rtol=1e-6)
    if method != "richardson":  # its probe may step out, see NaN and come back (by design)
        assert all(np.all((c >= 0) & (c <= 1)) for c in calls)  # never outside the domain
    sides = numeric.one_sided_entries(x, method, domain=(0.0, 1.0))
    expected = {"central": {(0,): "forward", (2,): "backward"},
                "five_point": {(0,): "forward", (2,): "backward"},
                "forward": {(2,): "backward"}, "backward": {(0,): "forward"},
                "richardson": {(0,): "forward", (2,): "backward"}}[method]
    assert sides == expected
    assert numeric.one_sided_entries(x, method) == {}  # no domain: nothing one-sided
    result = gradcheck(f, exact, x, "pytorch", method=method, domain=(0.0, 1.0))
    assert result.ok and dict(result.one_sided) == expected
