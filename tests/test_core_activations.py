"""Every registered activation (f, f′ and f″) against high-precision references, finite
differences, the complex step, sympy's limits at ±inf, and its stated kink convention.

Parametrized over ``derivs.ACTIVATIONS`` (and each record's ``Param`` ranges): a new registry
entry is tested with no edit here. The references come from the records' own sympy ``expr``
evaluated by ``tests/reference.py`` at 400+ digits (see its docstring for why 50 digits are not
enough); ``test_sympy_references_match_handwritten`` checks those against formulas written
independently in mpmath.
"""

from __future__ import annotations

import warnings
from functools import cache

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

import derivs
from derivs import numeric_derivative, relative_error
from derivs.activations import SELU_ALPHA, SELU_LAMBDA, X
from tests import reference as ref

EPS = ref.EPS

# The design's accuracy target: 1e-12 relative wherever the true value is a normal float64.
RTOL = 1e-12
# f″: 1e-10 (its formulas carry a few more roundings; measured worst 1e-13 away from roots).
RTOL_D2 = 1e-10

# --- cases: each activation at its defaults and at both ends of every parameter's range ------


def _cases():
    for name, act in derivs.ACTIVATIONS.items():
        yield pytest.param(name, {}, id=name)
        for p in act.params:
            for v in (p.low, p.high):
                yield pytest.param(name, {p.name: v}, id=f"{name}-{p.name}={v:g}")


CASES = list(_cases())
NAMES = list(derivs.ACTIVATIONS)

# --- evaluation points ---------------------------------------------------------------------------

_MAGNITUDES = np.concatenate([
    np.logspace(-300, -2, 24),  # tiny arguments: f(x) ≈ f(0) + f'(0)x must keep its digits
    np.logspace(-2, 3, 60),  # up to 1000: the tails, where textbook forms round to 0 or 1
    [19.1, 36.7, 37.5, 708.3, 709.9, 710.0, 745.2],  # where 1 − tanh², σ(1 − σ), exp break
    # where σ(−x) or σ′ is subnormal but x·σ(−x) (silu, its derivative) is still normal
    [705.0, 711.0, 712.5, 714.0, 716.0],
    # GELU's left tail: erfc(−x/√2) is subnormal from 37.55 while gelu, gelu′ and gelu″ stay
    # normal to 37.62, 37.71, 37.81 (gelu′(−37.68) was 7e-4 off through erfc alone), and
    # round to 0 from 38.58, 38.67, 38.77; 39 is where the code clamps
    [26.6, 37.0, 37.3, 37.5, 37.56, 37.6, 37.62, 37.65, 37.68, 37.7, 37.71, 37.75, 37.8,
     37.81, 38.0, 38.3, 38.6, 38.7, 38.8, 39.0, 39.5],
    # gelu_tanh: σ(2u) and σ′(2u) subnormal around 21.2 while the products are normal; 26 is
    # where the code clamps
    [21.0, 21.17, 21.25, 21.3, 21.4, 25.9, 26.0, 26.1],
])
# The dense grid is shifted off the integers so it does not land exactly on the kinks.
POINTS = np.unique(np.concatenate([-_MAGNITUDES, [0.0], _MAGNITUDES,
                                   np.linspace(-40, 40, 161) + 0.0123]))

KINK_MARGIN = 1e-9  # df is not tested within this distance of a kink (tested separately)
ROOT_OFFSETS = np.array([1e-2, 1e-4, 1e-6, 1e-8])
KAPPA_REGION = 3.0  # |x| below which a root of f′ may sit; the tails stay at a flat 1e-12
KAPPA_ULPS = 8.0  # measured worst: 1.2 ulps per unit of κ (silu, gelu, gelu_tanh, mish roots)


def _kinks(name):
    return [k.at for k in derivs.ACTIVATIONS[name].kinks]


def _away_from_kinks(name, xs, margin):
    xs = np.asarray(xs, dtype=np.float64)
    keep = np.ones(xs.shape, dtype=bool)
    for at in _kinks(name):
        keep &= np.abs(xs - at) > margin
    return xs[keep]


def _kappa_tolerance(name, xs, base, params, order=1):
    """Per-point tolerance: ``base``, widened to KAPPA_ULPS·ε·κ(x) for |x| < KAPPA_REGION.

    κ(x) = |x f″/f′| is the condition number of f′ at x: a one-ulp perturbation of x, which
    every float64 evaluation effectively makes, moves f′ by ε·κ relatively. It is of order 1
    except near a root of f′ (silu, gelu, mish have one), where it grows like 1/|x − root| and
    no float64 algorithm can keep ``base``. Outside |x| < 3 the flat ``base`` applies, so the
    tails (where κ grows like |x| or x²) are held to the full target. order=2: the same for
    f″, with κ = |x f‴/f″|.
    """
    tol = np.full(np.shape(xs), base)
    near = np.abs(xs) < KAPPA_REGION
    if np.any(near):
        kappa = ref.condition_number(name, xs[near], order, **params)
        tol[near] = np.maximum(base, KAPPA_ULPS * EPS * kappa)
    return tol


def _roots_neighbourhood(name, params, order=1):
    pts = [r * (1 + s * d) for r in ref.derivative_roots(name, order=order, **params)
           for d in ROOT_OFFSETS for s in (1, -1)]
    return np.array(pts, dtype=np.float64)


# --- accuracy against the references -----------------------------------------------------------


@pytest.mark.parametrize(("name", "params"), CASES)
def test_f_matches_reference(name, params):
    act = derivs.ACTIVATIONS[name]
    xs = np.unique(np.concatenate([POINTS, _kinks(name)]))
    refs = ref.activation_reference(name, xs, 0, **params)
    bad = ref.compare(act.f(xs, **params), refs, RTOL, where=xs)
    assert not bad, f"{name}{params} f:\n" + "\n".join(bad)
    assert sum(ref.is_normal(r) for r in refs) > 100  # the check really ran on the range


@pytest.mark.parametrize(("name", "params"), CASES)
def test_df_matches_reference(name, params):
    act = derivs.ACTIVATIONS[name]
    xs = _away_from_kinks(name, np.concatenate([POINTS, _roots_neighbourhood(name, params)]),
                          KINK_MARGIN)
    refs = ref.activation_reference(name, xs, 1, **params)
    tol = _kappa_tolerance(name, xs, RTOL, params)
    bad = ref.compare(act.df(xs, **params), refs, tol, where=xs)
    assert not bad, f"{name}{params} df:\n" + "\n".join(bad)


@pytest.mark.parametrize(("name", "params"), CASES)
def test_d2f_matches_reference(name, params):
    act = derivs.ACTIVATIONS[name]
    xs = _away_from_kinks(name, np.concatenate([POINTS, _roots_neighbourhood(name, params, 2)]),
                          KINK_MARGIN)
    refs = ref.activation_reference(name, xs, 2, **params)
    tol = _kappa_tolerance(name, xs, RTOL_D2, params, order=2)
    bad = ref.compare(act.d2f(xs, **params), refs, tol, where=xs)
    assert not bad, f"{name}{params} d2f:\n" + "\n".join(bad)
    assert sum(ref.is_normal(r) for r in refs) > 100 or act.kinks  # (relu family: f″ = 0)


def test_gelu_left_tail_is_pinned():
    """x = −37.68: erfc(−x/√2) is subnormal there, so Φ(x) + xφ(x) through erfc returned
    −7.5022e−308 (7e-4 off); the true gelu′ is −7.4969e−308, a normal float64."""
    act = derivs.ACTIVATIONS["gelu"]
    x = -37.68
    assert ref.is_normal(ref.activation_reference("gelu", [x], 1)[0])
    assert f"{float(act.df(x)):.4e}" == "-7.4969e-308"
    # and the whole tail, f to f″, where each is normal, subnormal, or 0 (the grid above has
    # these points too; here they are pinned by name)
    xs = -np.array([37.5, 37.6, 37.62, 37.65, 37.68, 37.7, 37.71, 37.8, 38.0, 38.6, 38.8])
    for order, (fn, tol) in enumerate(zip((act.f, act.df, act.d2f), (RTOL, RTOL, RTOL_D2),
                                          strict=True)):
        refs = ref.activation_reference("gelu", xs, order)
        bad = ref.compare(fn(xs), refs, tol, where=xs)
        assert not bad, f"order {order}:\n" + "\n".join(bad)
        assert sum(ref.is_normal(r) for r in refs) >= 2


@pytest.mark.parametrize("name", ref.HANDWRITTEN)
def test_sympy_references_match_handwritten(name):
    """The record's expr (through sympy's diff and lambdify) and an independent hand-written
    mpmath formula agree to 40 digits: the oracle is not just the record checking itself."""
    xs = POINTS[::3]
    for order in range(len(ref.HANDWRITTEN[name])):
        for x, r in zip(xs, ref.activation_reference(name, xs, order), strict=True):
            h = ref.handwritten_reference(name, x, order)
            if r is ref.UNDERFLOW:
                assert abs(h) < 1e-300, (name, order, x, h)
            else:
                with mp.workdps(80):
                    assert abs(h - r) <= mp.mpf("1e-40") * abs(r), (name, order, x, h, r)


# --- finite differences and the complex step ---------------------------------------------------

MODERATE = np.linspace(-6, 6, 97) + 0.0123  # off the integers, so never on a kink


@pytest.mark.parametrize(("name", "params"), CASES)
def test_df_matches_central_difference(name, params):
    act = derivs.ACTIVATIONS[name]
    xs = _away_from_kinks(name, MODERATE, 1e-3)  # 1e-3 ≫ the step 6e-6·max(1, |x|)
    fd = numeric_derivative(lambda x: act.f(x, **params), xs, method="central")
    df = act.df(xs, **params)
    # Central difference with h = ∛ε·max(1,|x|): round-off ε|f|/h plus truncation h²|f‴|/6,
    # both about ε^(2/3) ≈ 4e-11 times O(1) factors for |x| ≤ 6; measured ≤ 3.5e-11.
    err = np.abs(fd - df) / np.maximum(1.0, np.abs(df))
    assert np.all(err <= 1e-9), (name, params, xs[np.argmax(err)], err.max())


@pytest.mark.parametrize(("name", "params"), CASES)
def test_complex_step_matches_df(name, params):
    act = derivs.ACTIVATIONS[name]
    xs = _away_from_kinks(name, MODERATE, 1e-3)
    cs = numeric_derivative(lambda x: act.f(x, **params), xs, method="complex_step")
    df = act.df(xs, **params)
    # The complex step has no subtraction: it is as accurate as evaluating f′ itself, 1e-14
    # (a few ulps), widened by the same κ argument near a root of f′ (gelu at x = −0.7377 is
    # 0.014 from its root: κ ≈ 50).
    tol = _kappa_tolerance(name, xs, 1e-14, params)
    err = relative_error(cs, df)
    assert np.all(err <= tol), (name, params, xs[np.argmax(err / tol)], err.max())


@pytest.mark.parametrize(("name", "params"), CASES)
def test_d2f_matches_central_difference_of_df(name, params):
    act = derivs.ACTIVATIONS[name]
    xs = _away_from_kinks(name, MODERATE, 1e-3)
    fd = numeric_derivative(lambda x: act.df(x, **params), xs, method="central")
    d2 = act.d2f(xs, **params)
    # The same error budget as f′ against differences of f (ε^(2/3) times O(1) factors).
    err = np.abs(fd - d2) / np.maximum(1.0, np.abs(d2))
    assert np.all(err <= 1e-9), (name, params, xs[np.argmax(err)], err.max())


# --- floating-point hygiene, shapes, dtypes ------------------------------------------------------

EXTREMES = np.array([-1000.0, -710.0, -1e-300, 0.0, 1e-300, 710.0, 1000.0])


@pytest.mark.parametrize(("name", "params"), CASES)
def test_no_overflow_invalid_or_divide_at_extremes(name, params):
    act = derivs.ACTIVATIONS[name]
    # Underflow is not raised: e^(−1000) rounding to 0 is the correctly rounded answer (σ(−1000)
    # is 5e−435), and numpy flags it as "underflow" from exp and multiply. Overflow, invalid
    # (NaN) and divide-by-zero are errors.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            outs = [fn(EXTREMES, **params) for fn in (act.f, act.df, act.d2f)]
    assert all(np.all(np.isfinite(out)) for out in outs)


HUGE_FINITE = np.array([-1.7e308, -1e300, -1e10, -800.0, -745.5, -39.5, -26.5,
                        26.5, 39.5, 800.0, 1e10, 1e300, 1.7e308])


@pytest.mark.parametrize("name", NAMES)
def test_huge_finite_arguments_match_reference(name):
    """Far past every clamp and overflow threshold (x³ overflows from 5.6e102, x² from 1.3e154),
    f, f′ and f″ still match the reference, silently: gelu_tanh′(1e300) was inf·0 = NaN."""
    act = derivs.ACTIVATIONS[name]
    for order, (attr, tol) in enumerate(zip(("f", "df", "d2f"), (RTOL, RTOL, RTOL_D2),
                                            strict=True)):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
                got = getattr(act, attr)(HUGE_FINITE)
        refs = ref.activation_reference(name, HUGE_FINITE, order)
        bad = ref.compare(got, refs, tol, where=HUGE_FINITE)
        assert not bad, f"{name} {attr}:\n" + "\n".join(bad)


# --- NaN and ±inf ------------------------------------------------------------------------------

ORDERS = ("f", "df", "d2f")


@pytest.mark.parametrize(("name", "params"), CASES)
def test_nan_in_nan_out(name, params):
    act = derivs.ACTIVATIONS[name]
    x = np.array([np.nan, 0.5, np.nan, -2.5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for order in ORDERS:
            fn = getattr(act, order)
            out = fn(x, **params)
            assert np.isnan(out[[0, 2]]).all(), (name, order, out)
            # and the NaN does not spill into its neighbours
            np.testing.assert_array_equal(out[[1, 3]], fn(x[[1, 3]], **params), err_msg=order)
            assert np.isnan(fn(np.nan, **params)), (name, order)


def _tail_piece(expr, direction):
    """The piece of a Piecewise expr that holds for all large x of the given sign (sympy's
    limit cannot see through Piecewise). Every kink lies within ±10."""
    expr = sp.piecewise_fold(expr)
    if not isinstance(expr, sp.Piecewise):
        return expr
    tail = sp.Interval(10, sp.oo) if direction > 0 else sp.Interval(-sp.oo, -10)
    for piece, cond in expr.args:
        if cond.as_set().is_superset(tail):
            return piece
    raise AssertionError(f"no piece of {expr} covers {tail}")


@cache
def _sympy_limit(name, params_key, order, direction):
    act = derivs.ACTIVATIONS[name]
    expr = act.expr.subs(act.symbols(**dict(params_key)))
    d = sp.diff(expr, X, order) if order else expr
    limit = sp.limit(_tail_piece(d, direction), X, sp.oo if direction > 0 else -sp.oo)
    return float(limit)  # sp.oo → inf; a limit that does not exist would raise here


@pytest.mark.parametrize(("name", "params"), CASES)
def test_values_at_infinity_are_sympy_limits(name, params):
    """f, f′, f″ at ±inf are the limits of the record's expr and its derivatives (sympy's
    limit, not a table of ours), exactly, without a warning: silu(−inf) = 0 (not −inf·0),
    softsign(inf) = 1 (not inf/inf), elu(−inf) = −α, softplus(inf) = inf, ..."""
    act = derivs.ACTIVATIONS[name]
    x = np.array([-np.inf, np.inf])
    key = tuple(sorted(params.items()))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            for order, attr in enumerate(ORDERS):
                got = getattr(act, attr)(x, **params)
                expected = [_sympy_limit(name, key, order, d) for d in (-1, 1)]
                np.testing.assert_array_equal(got, expected, err_msg=f"{name}{params} {attr}")


def test_limits_at_infinity_pinned():
    """A few of the limits by value, so the sympy route above cannot hide a wrong sign."""
    a = derivs.ACTIVATIONS
    inf = np.inf
    assert a["sigmoid"].f(inf) == 1.0 and a["sigmoid"].f(-inf) == 0.0
    assert a["silu"].f(-inf) == 0.0 and a["silu"].df(-inf) == 0.0 and a["silu"].df(inf) == 1.0
    assert a["softplus"].f(inf) == inf and a["gelu"].f(-inf) == 0.0 and a["mish"].f(-inf) == 0.0
    assert a["elu"].f(-inf, alpha=2.5) == -2.5 and a["selu"].f(-inf) == -SELU_LAMBDA * SELU_ALPHA
    assert a["softsign"].f(inf) == 1.0 and a["softsign"].f(-inf) == -1.0
    assert a["leaky_relu"].f(-inf) == -inf and a["leaky_relu"].f(-inf, alpha=0.0) == 0.0
    assert a["relu6"].f(inf) == 6.0 and a["hardtanh"].f(-inf) == -1.0
    assert a["gelu"].df(inf) == 1.0 and a["gelu_tanh"].df(inf) == 1.0 and a["mish"].df(inf) == 1.0


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("shape", [(), (3,), (2, 3)], ids=["0d", "3", "2x3"])
def test_shape_and_dtype(name, shape):
    act = derivs.ACTIVATIONS[name]
    x = np.linspace(-2.5, 2.5, max(1, int(np.prod(shape)))).reshape(shape) + 0.01
    for fn in (act.f, act.df, act.d2f):
        out = fn(x)  # parameters at their defaults
        # 0-d input may come back as a 0-d array or a numpy float64 scalar (what ufuncs return
        # for 0-d input); both have .shape == () and .dtype == float64.
        assert isinstance(out, (np.ndarray, np.float64))
        assert out.shape == shape and out.dtype == np.float64
        # elementwise: the same as evaluating point by point
        np.testing.assert_array_equal(out.ravel(), [fn(v) for v in x.ravel()])


@pytest.mark.parametrize("name", NAMES)
def test_integer_and_python_inputs(name):
    act = derivs.ACTIVATIONS[name]
    ints = np.array([-3, -1, 0, 2, 5])
    for fn in (act.f, act.df, act.d2f):
        out = fn(ints)
        assert out.dtype == np.float64 and out.shape == (5,)
        # int → float64 conversion is exact, so the results must be identical, not just close
        np.testing.assert_array_equal(out, fn(ints.astype(np.float64)))
        np.testing.assert_array_equal(fn([-3, -1, 0, 2, 5]), out)
        scalar = fn(2)
        assert np.shape(scalar) == () and np.asarray(scalar).dtype == np.float64
        assert float(scalar) == float(out[3])


# --- kinks: the convention, stated as data, pinned here -------------------------------------------


def _kink_cases():
    for name, act in derivs.ACTIVATIONS.items():
        variants = [{}] + [{p.name: v} for p in act.params for v in (p.low, p.high)]
        for params in variants:
            for k in act.kinks:
                label = ",".join(f"{a}={b:g}" for a, b in params.items())
                yield pytest.param(name, params, k, id=f"{name}@{k.at:g}" + (f"-{label}" if label else ""))


KINK_CASES = list(_kink_cases())

# ELU at its default α = 1 is C¹ at 0 (both one-sided slopes are 1), so the "slopes differ"
# check runs ELU at α = 2. Every other kinked activation is a real kink at its defaults.
KINK_DEMO_PARAMS = {"elu": {"alpha": 2.0}}


def _one_sided(act, at, side, params, h=1e-9):
    return float(act.df(at - h if side == "left" else at + h, **params))


@pytest.mark.parametrize(("name", "params", "kink"), KINK_CASES)
def test_df_at_kink_is_the_stated_one_sided_slope(name, params, kink):
    act = derivs.ACTIVATIONS[name]
    assert kink.side in ("left", "right")
    at_kink = float(act.df(kink.at, **params))
    # df a hair to the stated side: ELU's left slope αe^x moves by 1e-9 relatively there.
    assert at_kink == pytest.approx(_one_sided(act, kink.at, kink.side, params), rel=1e-6, abs=0)
    # Independently of df: the one-sided difference quotient of f on that side (f is linear
    # or αe^x − α there; h = 1e-7 gives truncation ~1e-7 relative plus round-off ~1e-9).
    h = 1e-7
    f_at = float(act.f(kink.at, **params))
    if kink.side == "left":
        quotient = (f_at - float(act.f(kink.at - h, **params))) / h
    else:
        quotient = (float(act.f(kink.at + h, **params)) - f_at) / h
    assert at_kink == pytest.approx(quotient, rel=1e-6, abs=1e-8)


@pytest.mark.parametrize(("name", "params", "kink"), KINK_CASES)
def test_d2f_at_kink_is_the_stated_sides_value(name, params, kink):
    """d2f at a kink is f″ of the side df takes: 0 for the piecewise-linear kinks, α (λα) for
    ELU (SELU) at 0. Independently of d2f: the one-sided difference quotient of df."""
    act = derivs.ACTIVATIONS[name]
    at_kink = float(act.d2f(kink.at, **params))
    step = -1e-7 if kink.side == "left" else 1e-7
    near = float(act.d2f(kink.at + step / 100, **params))
    assert at_kink == pytest.approx(near, rel=1e-6, abs=0)
    # df between kink + step/10 and kink + step: ELU's αe^x moves by ~1e-7 there (rounding
    # ~3e-9 relative); the piecewise-linear df do not move at all
    far, close = (float(act.df(kink.at + d, **params)) for d in (step, step / 10))
    assert at_kink == pytest.approx((far - close) / (0.9 * step), rel=1e-5, abs=1e-8)


@pytest.mark.parametrize(
    "name", [n for n, a in derivs.ACTIVATIONS.items() if a.kinks]
)
def test_kinks_are_real_kinks(name):
    act = derivs.ACTIVATIONS[name]
    params = KINK_DEMO_PARAMS.get(name, {})
    for k in act.kinks:
        left = _one_sided(act, k.at, "left", params)
        right = _one_sided(act, k.at, "right", params)
        assert abs(left - right) > 1e-3, (name, k.at, left, right)


def test_kink_values_pinned():
    a = derivs.ACTIVATIONS
    assert a["relu"].df(0.0) == 0.0  # PyTorch, JAX (not autograd's 0.5)
    assert a["leaky_relu"].df(0.0) == 0.01  # PyTorch's α (JAX gives 1)
    assert a["leaky_relu"].df(0.0, alpha=0.3) == 0.3
    assert a["relu6"].df(0.0) == 0.0 and a["relu6"].df(6.0) == 0.0
    assert a["hardtanh"].df(-1.0) == 0.0 and a["hardtanh"].df(1.0) == 0.0
    assert a["elu"].df(0.0) == 1.0 and a["elu"].df(0.0, alpha=2.5) == 2.5  # α
    assert a["selu"].df(0.0) == SELU_LAMBDA * SELU_ALPHA  # λα
    # and the sides next to them, so the pins are not vacuous
    assert a["relu"].df(1e-300) == 1.0 and a["relu6"].df(6.0 - 1e-12) == 1.0
    assert a["hardtanh"].df(np.nextafter(1.0, 0)) == 1.0
    # f″ at the kinks: the same side as df
    assert a["relu"].d2f(0.0) == 0.0 and a["relu6"].d2f(6.0) == 0.0 and a["hardtanh"].d2f(1.0) == 0.0
    assert a["elu"].d2f(0.0, alpha=2.5) == 2.5 and a["elu"].d2f(1e-300, alpha=2.5) == 0.0
    assert a["selu"].d2f(0.0) == SELU_LAMBDA * SELU_ALPHA
    # softsign: f′ is smooth but f″ jumps from +2 to −2 at 0; d2f(0) is the x ≥ 0 piece
    assert a["softsign"].d2f(0.0) == -2.0 and a["softsign"].d2f(-1e-300) == 2.0


@pytest.mark.parametrize(("name", "params", "kink"), KINK_CASES)
def test_sympy_derivative_agrees_with_df_at_kink(name, params, kink):
    """The displayed formula (sympy's diff of the Piecewise expr) takes the same value at the
    kink as the numpy df: Piecewise, not Max/Heaviside (which would give 1/2)."""
    act = derivs.ACTIVATIONS[name]
    d = sp.diff(act.expr.subs(act.symbols(**params)), X)
    shown = float(sp.lambdify(X, d, "mpmath")(mp.mpf(kink.at)))
    assert shown == pytest.approx(float(act.df(kink.at, **params)), rel=1e-15, abs=0)
    # and the displayed second derivative takes d2f's value there too
    d2 = sp.diff(d, X)
    shown2 = float(sp.lambdify(X, d2, "mpmath")(mp.mpf(kink.at)))
    assert shown2 == pytest.approx(float(act.d2f(kink.at, **params)), rel=1e-15, abs=0)


# --- the notes' derivative through the output: right on paper, wrong in float64 ---------------

VIA_OUTPUT = [n for n, a in derivs.ACTIVATIONS.items() if a.df_via_output is not None]


def test_via_output_forms_are_registered_for_sigmoid_and_tanh():
    assert {"sigmoid", "tanh"} <= set(VIA_OUTPUT)


@pytest.mark.parametrize("name", VIA_OUTPUT)
def test_df_via_output_equals_df_where_moderate(name):
    act = derivs.ACTIVATIONS[name]
    xs = np.linspace(-3, 3, 61) + 0.0123
    # On |x| ≤ 3 the true slope is ≥ 0.01 (tanh) or 0.045 (σ), so 1 − f loses at most two
    # digits: the rounding of f costs ε/(1 − f) ≤ 3e-14 relative.
    np.testing.assert_allclose(act.df_via_output(act.f(xs)), act.df(xs), rtol=1e-12, atol=0)


@pytest.mark.parametrize(("name", "x"), [("sigmoid", 40.0), ("tanh", 20.0)])
def test_df_via_output_collapses_to_zero_in_the_tail(name, x):
    act = derivs.ACTIVATIONS[name]
    assert act.f(x) == 1.0  # the output has rounded to 1 ...
    assert act.df_via_output(act.f(x)) == 0.0  # ... so σ(1 − σ) / 1 − tanh² is exactly 0
    true = ref.activation_reference(name, [x], 1)[0]
    assert float(true) > 1e-18  # while the true slope is 4.25e-18 (σ) / 1.7e-17 (tanh)
    assert not ref.compare([act.df(x)], [true], RTOL)  # and df keeps it to 1e-12


def test_sigmoid_does_not_round_to_one_early():
    """σ(x) stays below 1.0 up to x = 36.5 (the correctly rounded σ reaches 1 at 36.74, where
    the notes' σ(1 − σ) collapses and where the app says it does) and is 1.0 from 38 on.
    1/(1 + e^(−x)) would round to 1 from 36.04 already, since 1 + e^(−x) rounds first."""
    sigmoid = derivs.ACTIVATIONS["sigmoid"].f
    assert np.all(sigmoid(np.linspace(30.0, 36.5, 66)) < 1.0)
    assert np.all(sigmoid(np.linspace(38.0, 800.0, 77)) == 1.0)


# --- the shared stable helpers at the float64 overflow boundary ----------------------------------

_SUBNORMAL_ULP = float(np.nextafter(0.0, 1.0))  # 4.9e−324
_BOUNDARY = np.array([-800.0, -745.0, -740.0, -725.0, -715.0, -711.0, -710.5, -709.9, -705.0,
                      705.0, 709.9, 710.5, 711.0, 715.0, 725.0, 740.0, 745.0, 800.0])


@pytest.mark.parametrize(
    ("helper", "formula"),
    [
        ("sigmoid", lambda z: 1 / (1 + mp.exp(-z))),
        ("sigmoid_complement", lambda z: 1 / (1 + mp.exp(z))),
        ("sigmoid_slope", lambda z: mp.sech(z / 2) ** 2 / 4),
        ("tanh_slope", lambda z: mp.sech(z) ** 2),
        ("softplus", lambda z: mp.log1p(mp.exp(z))),
    ],
)
def test_stable_helpers_across_the_overflow_boundary(helper, formula):
    """Where e^|z| overflows (|z| > 709.78) the helpers' true values are subnormal or 0. They
    must come back to within a few subnormal ulps (4.9e−324), not as 0 from an overflowed
    intermediate: gelu_tanh′ multiplies σ′(2u) by ~1700 and silu by |x|, back into the normal
    range (gelu_tanh′(−21.17) ≈ −3.4e−306 needs σ′(−711) ≈ 3.0e−311). Normal values: 1e-12."""
    from derivs import _stable

    fn = getattr(_stable, helper)
    got = fn(_BOUNDARY)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            np.testing.assert_array_equal(fn(_BOUNDARY), got)  # and no warning escapes
    for z, value in zip(_BOUNDARY, got, strict=True):
        r = ref.hp(formula, z)
        if ref.is_normal(r):
            assert ref.rel_error(value, r) <= RTOL, (helper, z, value, r)
        else:
            true = 0.0 if r is ref.UNDERFLOW else r
            assert abs(mp.mpf(float(value)) - true) <= 4 * _SUBNORMAL_ULP, (helper, z, value, true)


def test_stable_helpers_at_infinity_and_nan():
    """The limits at ±inf (e^inf/(1 + e^inf) would be inf/inf = nan) and nan passed through,
    without a warning."""
    from derivs import _stable

    x = np.array([-np.inf, np.inf, np.nan])
    expected = {
        "sigmoid": [0.0, 1.0, np.nan],
        "sigmoid_complement": [1.0, 0.0, np.nan],
        "sigmoid_slope": [0.0, 0.0, np.nan],
        "tanh_slope": [0.0, 0.0, np.nan],
        "softplus": [0.0, np.inf, np.nan],
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for helper, values in expected.items():
            np.testing.assert_array_equal(getattr(_stable, helper)(x), values, err_msg=helper)
