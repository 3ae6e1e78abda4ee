"""High-precision mpmath references for the core's tests (helpers, not tests).

Why not simply ``mp.dps = 50``? Because 50 working digits are not 50 correct digits: the
textbook forms the references are built from cancel inside mpmath in the tails. At dps 50,
``log(1 + exp(-100))`` is computed from ``1 + 3.7e-44`` with 6 digits left,
``1 - tanh(x)**2`` at x = 300 and ``1 + erf(x/√2)`` at x = -37 return 0 or noise, and a
reference like that would "confirm" exactly the bugs the core exists to avoid.

So every reference here is evaluated by :func:`hp`:

1. at ``DPS`` = 400 digits and again at ``DPS + 60``. If a formula loses k digits to
   cancellation, the two evaluations carry 400 − k and 460 − k correct digits, so they agree
   to about 400 − k digits. Agreement to ``AGREE`` = 60 digits therefore certifies that the
   400-digit value has about 60 correct digits (more than the 50 the design asks for).
2. When they disagree, the precision is doubled (800, 1600, 3200) until they agree.
3. A value whose two evaluations are both below 1e-330 is reported as ``UNDERFLOW``: whatever
   was lost to cancellation at precision p is bounded by about 10^(−p) times the size of the
   terms (at most ~1e3 for |x| ≤ 1000 here), so the true value is certainly not a normal
   float64 and only its underflow needs checking (see :func:`assert_close_to_reference`).
   Exact zeros at 400 digits are treated the same way: e.g. mish(−1000) is
   −1000·tanh(log(1 + e^−1000)) ≈ −5e−432, and 1 + e^−1000 is exactly 1 at 400 digits.

Inputs are float64 numbers and are converted to mpf exactly, so the reference is the true
function at the very point the core was given.

The references are built from the records' own sympy expressions (so they also test the
formulas shown on screen) and, independently, from hand-written cancellation-free mpmath
formulas for a few functions (``HANDWRITTEN``), which the tests compare with the sympy-based
ones: a wrong ``expr`` in a record cannot hide behind a reference built from itself.
"""

from __future__ import annotations

import math
from functools import cache

import mpmath as mp
import numpy as np
import sympy as sp

import derivs
from derivs.activations import X

DPS = 400
CHECK_DPS_EXTRA = 60
AGREE = 60  # digits two evaluations must share
MAX_DPS = 3200
UNDERFLOW_BOUND = mp.mpf("1e-330")

TINY = float(np.finfo(np.float64).tiny)  # smallest normal float64
HUGE = float(np.finfo(np.float64).max)
EPS = float(np.finfo(np.float64).eps)


class _Underflow:
    """The true value's magnitude is below the smallest normal float64."""

    def __repr__(self):
        return "UNDERFLOW"


UNDERFLOW = _Underflow()


def _flatten(v):
    if isinstance(v, (list, tuple)):
        out = []
        for item in v:
            out.extend(_flatten(item))
        return out
    return [v]


def _agree(a, b) -> bool:
    if a == b:
        return True
    scale = max(abs(a), abs(b))
    return abs(a - b) <= scale * mp.mpf(10) ** (-AGREE)


def _tiny_both(a, b) -> bool:
    return abs(a) < UNDERFLOW_BOUND and abs(b) < UNDERFLOW_BOUND


def _evaluate(fn, args, dps):
    with mp.workdps(dps):
        margs = [_to_mp(a) for a in args]
        return fn(*margs)


def _to_mp(a):
    if isinstance(a, (list, tuple, np.ndarray)):
        return [_to_mp(v) for v in a]
    return mp.mpf(float(a))  # exact: every float64 is an mpf


def _classify(lo, hi):
    """One entry: the accepted value, UNDERFLOW, or None (evaluate at higher precision)."""
    lo, hi = mp.mpf(lo), mp.mpf(hi)
    if hi == 0 or _tiny_both(lo, hi):
        return UNDERFLOW
    if _agree(lo, hi):
        return hi
    return None


def hp(fn, *args):
    """fn(*args) at high precision: an mpf (or a nested list of them), or UNDERFLOW entries.

    fn receives the float arguments (or lists of them) converted exactly to mpf and runs under
    the working precision chosen here. See the module docstring for the acceptance rule.
    """
    dps = DPS
    while True:
        lo = _evaluate(fn, args, dps)
        hi = _evaluate(fn, args, dps + CHECK_DPS_EXTRA)
        flat_lo, flat_hi = _flatten(lo), _flatten(hi)
        with mp.workdps(dps + CHECK_DPS_EXTRA):  # mpf(v) rounds to the working precision
            accepted = [_classify(a, b) for a, b in zip(flat_lo, flat_hi, strict=True)]
        if all(a is not None for a in accepted):
            return _unflatten(hi, iter(accepted))
        dps *= 2
        if dps > MAX_DPS:
            bad = [i for i, a in enumerate(accepted) if a is None]
            raise AssertionError(
                f"reference did not converge by {MAX_DPS} digits at entries {bad} for {args!r}"
            )


def _unflatten(shape_like, it):
    if isinstance(shape_like, (list, tuple)):
        return [_unflatten(v, it) for v in shape_like]
    return next(it)


# --- comparing float64 results with references -----------------------------------------------


def is_normal(ref) -> bool:
    """True where the reference is a normal float64 (the range where 1e-12 relative applies)."""
    return ref is not UNDERFLOW and TINY <= abs(ref) <= HUGE


def rel_error(value: float, ref) -> float:
    """|value − ref| / |ref| for a normal reference (computed in mpmath, then rounded)."""
    return float(abs(mp.mpf(float(value)) - ref) / abs(ref))


def compare(values, refs, rtol, where=None):
    """Mismatches of float64 ``values`` against ``refs`` (parallel flat sequences).

    Normal references: relative error ≤ rtol (a scalar or a per-entry sequence).
    Underflowing references: |value| ≤ TINY (the value must underflow too, not be noise) —
    more precisely |value − ref| ≤ TINY, so a subnormal true value may come back subnormal.
    Returns a list of readable lines, empty when all agree; ``where`` labels the entries.
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    rtols = np.broadcast_to(np.asarray(rtol, dtype=np.float64), values.shape)
    labels = list(where) if where is not None else list(range(values.size))
    bad = []
    for label, v, r, tol in zip(labels, values, refs, rtols, strict=True):
        if r is UNDERFLOW:
            if not abs(v) <= TINY:
                bad.append(f"at {label!r}: got {v!r}, true value underflows float64")
        elif is_normal(r):
            err = rel_error(v, r) if np.isfinite(v) else math.inf
            if not err <= tol:
                bad.append(
                    f"at {label!r}: got {v!r}, reference {mp.nstr(r, 20)}, "
                    f"relative error {err:.3e} > {tol:.1e}"
                )
        else:  # a subnormal true value: absolute accuracy TINY
            if not abs(mp.mpf(float(v)) - r) <= TINY:
                bad.append(f"at {label!r}: got {v!r}, subnormal reference {mp.nstr(r, 20)}")
    return bad


# --- activations --------------------------------------------------------------------------------


def _param_key(params: dict) -> tuple:
    return tuple(sorted(params.items()))


@cache
def _activation_lambdas(name: str, params_key: tuple):
    """mpmath callables for f, f′, f″ and f‴ built from the record's sympy expr (f‴ for the
    condition number of f″)."""
    act = derivs.ACTIVATIONS[name]
    expr = act.expr.subs(act.symbols(**dict(params_key)))
    derivatives = [expr]
    for _ in range(3):
        derivatives.append(sp.diff(derivatives[-1], X))
    return tuple(sp.lambdify(X, e, "mpmath") for e in derivatives)


def activation_reference(name: str, xs, order: int = 0, **params) -> list:
    """References for f (order 0), f′ (1), f″ (2) or f‴ (3) at each float in xs (cached per
    point)."""
    return [_activation_point(name, _param_key(params), order, float(x)) for x in xs]


@cache
def _activation_point(name, params_key, order, x):
    fn = _activation_lambdas(name, params_key)[order]
    return hp(fn, x)


def _sigmoid(x):
    return 1 / (1 + mp.exp(-x))


def _softplus(x):
    return x + mp.log1p(mp.exp(-x)) if x > 0 else mp.log1p(mp.exp(x))


def _gelu_df(x):
    return mp.erfc(-x / mp.sqrt(2)) / 2 + x * mp.exp(-x * x / 2) / mp.sqrt(2 * mp.pi)


def _mish_df(x):
    s = _softplus(x)
    return mp.tanh(s) + x * mp.sech(s) ** 2 * _sigmoid(x)


def _mish_d2f(x):
    """sech²(s)·σ(x)·(2 + x(σ(−x) − 2σ(x) tanh s)), s = softplus(x): derived by hand (the
    numpy d2f uses the same form; this checks the derivation against sympy's diff)."""
    s = _softplus(x)
    return mp.sech(s) ** 2 * _sigmoid(x) * (2 + x * (_sigmoid(-x) - 2 * _sigmoid(x) * mp.tanh(s)))


def _phi(x):
    return mp.exp(-x * x / 2) / mp.sqrt(2 * mp.pi)


#: Hand-written, cancellation-free forms (σ′ = sech²(x/2)/4, tanh′ = sech², softplus through
#: log1p, GELU through erfc): exact to working precision at modest dps, independent of sympy.
#: (f, f′, f″) each; f″ is where a hand derivation most easily slips.
HANDWRITTEN = {
    "sigmoid": (_sigmoid, lambda x: mp.sech(x / 2) ** 2 / 4,
                lambda x: -mp.tanh(x / 2) * mp.sech(x / 2) ** 2 / 4),
    "tanh": (mp.tanh, lambda x: mp.sech(x) ** 2, lambda x: -2 * mp.tanh(x) * mp.sech(x) ** 2),
    "softplus": (_softplus, _sigmoid, lambda x: mp.sech(x / 2) ** 2 / 4),
    "silu": (lambda x: x * _sigmoid(x), lambda x: _sigmoid(x) * (1 + x * _sigmoid(-x)),
             lambda x: mp.sech(x / 2) ** 2 / 4 * (2 - x * mp.tanh(x / 2))),
    "gelu": (lambda x: x / 2 * mp.erfc(-x / mp.sqrt(2)), _gelu_df, lambda x: _phi(x) * (2 - x * x)),
    "mish": (lambda x: x * mp.tanh(_softplus(x)), _mish_df, _mish_d2f),
}


def handwritten_reference(name: str, x: float, order: int, dps: int = 80):
    """The hand-written formula at ``dps`` digits: no cancellation, so no escalation needed
    (except at a root of f′, where the tests leave a margin)."""
    with mp.workdps(dps):
        return HANDWRITTEN[name][order](mp.mpf(float(x)))


# --- softmax -----------------------------------------------------------------------------------


def softmax_ref(z, temperature):
    """s_i = e^(z_i/T) / Σ e^(z_j/T), straight from the definition (mpmath has no overflow)."""

    def fn(z, t):
        e = [mp.exp(v / t) for v in z]
        total = mp.fsum(e)
        return [v / total for v in e]

    return hp(fn, list(z), temperature)


def log_softmax_ref(z, temperature):
    def fn(z, t):
        e = [mp.exp(v / t) for v in z]
        total = mp.fsum(e)
        return [mp.log(v / total) for v in e]

    return hp(fn, list(z), temperature)


def softmax_complement_ref(z, temperature):
    def fn(z, t):
        e = [mp.exp(v / t) for v in z]
        total = mp.fsum(e)
        return [1 - v / total for v in e]

    return hp(fn, list(z), temperature)


def softmax_jacobian_ref(z, temperature):
    """J[i][j] = s_i(δ_ij − s_j)/T, the textbook entry (1 − s_i on the diagonal: cancellation
    that :func:`hp` resolves by precision, not by rewriting)."""

    def fn(z, t):
        e = [mp.exp(v / t) for v in z]
        total = mp.fsum(e)
        s = [v / total for v in e]
        n = len(s)
        return [[s[i] * ((1 if i == j else 0) - s[j]) / t for j in range(n)] for i in range(n)]

    return hp(fn, list(z), temperature)


def softmax_vjp_ref(z, v, temperature):
    def fn(z, v, t):
        e = [mp.exp(a / t) for a in z]
        total = mp.fsum(e)
        s = [a / total for a in e]
        dot = mp.fsum(si * vi for si, vi in zip(s, v, strict=True))
        return [si * (vi - dot) / t for si, vi in zip(s, v, strict=True)]

    return hp(fn, list(z), list(v), temperature)


# --- losses ------------------------------------------------------------------------------------


def _indexed_symbols(base, n):
    return [sp.Symbol(f"{base.label}_{k}", real=True) for k in range(1, n + 1)]


@cache
def loss_lambdas(name: str, n: int, params_key: tuple = ()):
    """(value, [∂L/∂w_k for k = 1..n], [displayed grad_expr at k]) as mpmath callables of
    (y_1..y_n, w_1..w_n), from the record's value_expr with N → n and the Sum expanded.

    The indexed symbols are replaced by real Symbols before differentiating, so that sympy
    differentiates |r| as sign(r) (for complex symbols it would bring in re/im parts).
    """
    loss = derivs.LOSSES[name]
    params = {p.symbol: v for p, v in zip(loss.params, _param_values(loss, params_key), strict=True)}
    from derivs.losses import I, N, Y

    w = loss.wrt
    ys, ws = _indexed_symbols(Y, n), _indexed_symbols(w, n)
    to_symbols = {Y[k]: ys[k - 1] for k in range(1, n + 1)} | {
        w[k]: ws[k - 1] for k in range(1, n + 1)
    }

    def concrete(expr):
        return expr.subs(N, n).subs(params).doit().xreplace(to_symbols)

    value = concrete(loss.value_expr)
    grads = [sp.diff(value, ws[k]) for k in range(n)]
    shown = [concrete(loss.grad_expr.subs(I, k)) for k in range(1, n + 1)]
    args = ys + ws
    lam = sp.lambdify(args, value, "mpmath")
    lam_grads = [sp.lambdify(args, g, "mpmath") for g in grads]
    lam_shown = [sp.lambdify(args, g, "mpmath") for g in shown]
    return lam, lam_grads, lam_shown


def _param_values(loss, params_key):
    given = dict(params_key)
    return [given.get(p.name, p.default) for p in loss.params]


def loss_reference(name, y, w, **params):
    """(value, gradient list from sympy's diff, gradient list from the displayed grad_expr)."""
    y, w = [float(v) for v in np.ravel(y)], [float(v) for v in np.ravel(w)]
    lam, lam_grads, lam_shown = loss_lambdas(name, len(y), _param_key(params))

    def fn(y, w):
        return [lam(*y, *w), [g(*y, *w) for g in lam_grads], [g(*y, *w) for g in lam_shown]]

    value, grad, shown = hp(fn, y, w)
    return value, grad, shown


def _sign_of(ref) -> int:
    return 0 if ref is UNDERFLOW or ref == 0 else (1 if ref > 0 else -1)


def derivative_roots(name: str, lo: float = -3.0, hi: float = 3.0, order: int = 1,
                     **params) -> list[float]:
    """Simple roots of f′ (or of f″ with order=2) in [lo, hi], located to float64 by
    bisection on the reference.

    Found from sign changes on a 0.05 grid, so a new activation's roots are found without a
    table (f′: silu ≈ −1.278, gelu ≈ −0.752, mish ≈ −1.192; f″: gelu ±√2, silu ±2.399).
    A sign change across a jump (softsign″ at 0) is bisected too: harmless, the points near
    it are just tested with a wider tolerance.
    """
    grid = np.linspace(lo, hi, int(round((hi - lo) / 0.05)) + 1)
    signs = [_sign_of(r) for r in activation_reference(name, grid, order, **params)]
    fn = _activation_lambdas(name, _param_key(params))[order]
    roots = []
    for a, b, sa, sb in zip(grid, grid[1:], signs, signs[1:], strict=False):
        if sa * sb < 0:
            with mp.workdps(60):
                a, b = mp.mpf(float(a)), mp.mpf(float(b))
                for _ in range(80):
                    m = (a + b) / 2
                    if _sign_of(fn(m)) == sa:
                        a = m
                    else:
                        b = m
                roots.append(float((a + b) / 2))
    return roots


def condition_number(name: str, xs, order: int = 1, **params) -> np.ndarray:
    """κ(x) = |x f″(x) / f′(x)|: how much a relative perturbation of x (an ulp) moves f′(x);
    with order=2, |x f‴(x) / f″(x)| for f″.

    Near a simple root r of f′, κ ≈ |x/(x − r)| grows without bound, and any float64 evaluation
    of f′ there has relative error of order ε·κ: the tests widen their tolerance to that.
    """
    d1 = activation_reference(name, xs, order, **params)
    d2 = activation_reference(name, xs, order + 1, **params)
    out = []
    for x, a, b in zip(xs, d1, d2, strict=True):
        if a is UNDERFLOW or b is UNDERFLOW or a == 0:
            out.append(0.0 if (b is UNDERFLOW or b == 0) else math.inf)
        else:
            out.append(float(abs(x * b / a)))
    return np.array(out)


def loss_gradient_at_boundary(name: str, y, w, **params) -> list:
    """∂L/∂w_k for predictions on the boundary of their domain (a probability ŷ_k of 0 or 1),
    as sympy numbers (``sp.oo``, ``-sp.oo`` or a finite value), one per component.

    The labels y are substituted into the record's value_expr *before* differentiating, so a
    term whose weight is 0 (``(1 − y) log(1 − ŷ)`` at y = 1) drops out symbolically, as it does
    in the function; each boundary component is then the one-sided limit from inside (0⁺, 1⁻),
    the others are plain values. Floats enter as exact rationals.
    """
    loss = derivs.LOSSES[name]
    n = len(np.ravel(w))
    from derivs.losses import N, Y

    values = dict(zip(loss.params, _param_values(loss, _param_key(params)), strict=True))
    ys, ws = _indexed_symbols(Y, n), _indexed_symbols(loss.wrt, n)
    to_symbols = {Y[k]: ys[k - 1] for k in range(1, n + 1)} | {
        loss.wrt[k]: ws[k - 1] for k in range(1, n + 1)
    }
    value = (loss.value_expr.subs(N, n).subs({p.symbol: v for p, v in values.items()})
             .doit().xreplace(to_symbols))
    exact = [sp.Rational(float(v)) for v in np.ravel(y)]
    value = value.subs(dict(zip(ys, exact, strict=True)))
    points = [sp.Rational(float(v)) for v in np.ravel(w)]
    out = []
    for k, at in enumerate(points):
        g = sp.diff(value, ws[k]).subs({ws[j]: points[j] for j in range(n) if j != k})
        if at in (0, 1):
            out.append(sp.limit(g, ws[k], at, "+" if at == 0 else "-"))
        else:
            out.append(sp.nsimplify(g.subs(ws[k], at)))
    return out
