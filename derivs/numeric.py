"""Finite differences, the complex step, Richardson extrapolation, error estimates, relative
error and gradient checks.

Vocabulary as in torch.autograd.gradcheck: "numerical" is the finite-difference estimate,
"analytical" the hand-written derivative.

Default steps balance truncation against round-off (scaled by max(1, |x|) so they stay relative):
forward/backward √ε, central ∛ε, five-point ε^(1/5); the complex step has no subtraction, so
h = 1e-20 leaves only truncation of order h², far below ε. Richardson extrapolation
(``method="richardson"``) picks its own steps from the function's scale, not from |x|, and
extrapolates central differences to h → 0 with an error estimate; every method can return an
estimate of its own error (``full_output=True``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from derivs._stable import as_array


@dataclass(frozen=True)
class Method:
    """One finite-difference method.

    estimate(f, x, h) is the derivative of the elementwise f at every point of x with step h
    (arrays of x's shape). stencil is the formula as data, (offset, coefficient) pairs with
    D = Σ c·f(x + o·h) / h: the rounding bound of ``full_output`` is built from it (empty for the
    complex step, which subtracts nothing). An adaptive method chooses its own steps: h is then
    only the largest step of its ladder, and ``default_step`` is NaN (no step fits every f).
    """

    name: str
    label: str
    order: int  # truncation error ~ h^order: the slope of the error-vs-h curve on the right
    step_exponent: float  # default h = ε^step_exponent · max(1, |x|)
    formula: str  # LaTeX
    estimate: Callable  # estimate(f, x, h) -> derivative, all arrays of x's shape
    stencil: tuple[tuple[float, float], ...] = ()
    adaptive: bool = False

    def default_step(self, x, dtype=np.float64):
        scale = np.maximum(1.0, np.abs(as_array(x)))
        if self.adaptive:
            return np.full_like(scale, np.nan)
        if self.name == "complex_step":
            return np.full_like(scale, 1e-20)
        return float(np.finfo(dtype).eps) ** self.step_exponent * scale


def _forward(f, x, h):
    xh = x + h
    return (f(xh) - f(x)) / (xh - x)  # divide by the step actually taken, not the one asked


def _backward(f, x, h):
    xh = x - h
    return (f(x) - f(xh)) / (x - xh)


def _central(f, x, h):
    hi, lo = x + h, x - h
    return (f(hi) - f(lo)) / (hi - lo)


def _five_point(f, x, h):
    # One Richardson step on two central differences, with the steps actually taken: h1 and h2
    # are what x + h and x + 2h really moved, so x ± h1 and x ± h2 are exact floats, and
    # (h2²·D(h1) − h1²·D(h2)) / (h2² − h1²) is (4·D(h) − D(2h)) / 3 when h2 = 2·h1 exactly.
    hi1, hi2 = x + h, x + 2 * h
    h1, h2 = hi1 - x, hi2 - x
    lo1, lo2 = x - h1, x - h2
    d1 = (f(hi1) - f(lo1)) / (hi1 - lo1)
    d2 = (f(hi2) - f(lo2)) / (hi2 - lo2)
    w1, w2 = h2 * h2, h1 * h1
    return (w1 * d1 - w2 * d2) / (w1 - w2)


def _complex_step(f, x, h):
    return np.imag(f(x + 1j * h)) / h


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method("forward", "forward", 1, 1 / 2, r"\frac{f(x+h)-f(x)}{h}", _forward,
               ((1.0, 1.0), (0.0, -1.0))),
        Method("backward", "backward", 1, 1 / 2, r"\frac{f(x)-f(x-h)}{h}", _backward,
               ((0.0, 1.0), (-1.0, -1.0))),
        Method("central", "central", 2, 1 / 3, r"\frac{f(x+h)-f(x-h)}{2h}", _central,
               ((1.0, 0.5), (-1.0, -0.5))),
        Method(
            "five_point", "five-point (Richardson)", 4, 1 / 5,
            r"\frac{-f(x+2h)+8f(x+h)-8f(x-h)+f(x-2h)}{12h}", _five_point,
            ((2.0, -1 / 12), (1.0, 8 / 12), (-1.0, -8 / 12), (-2.0, 1 / 12)),
        ),
        Method(
            "complex_step", "complex step", 2, 0.0,
            r"\frac{\operatorname{Im} f(x+ih)}{h}", _complex_step,
        ),
    )
}


def _richardson_estimate(f, x, h=None):
    """The Richardson value alone, as every Method's estimate(f, x, h): h None or NaN probes."""
    return _richardson(f, as_array(x), h, float(np.finfo(np.float64).eps))[0]


#: Methods that choose their own steps. They are kept out of METHODS, which the pages and their
#: tests iterate as "every fixed-step method": a step slider, a stencil probe, an error-vs-h curve
#: and an exported snippet all assume one formula at one step. ``get_method`` finds both.
ADAPTIVE_METHODS: dict[str, Method] = {
    "richardson": Method(
        "richardson", "Richardson (adaptive)", 2, float("nan"),
        r"T_{r,0}=\frac{f(x+h_r)-f(x-h_r)}{2h_r},\quad "
        r"T_{r,j}=T_{r,j-1}+\frac{T_{r,j-1}-T_{r-1,j-1}}{(h_{r-j}/h_r)^2-1},\quad "
        r"h_r=2^{-r}h_0",
        _richardson_estimate, adaptive=True,
    ),
}
_ALIASES = {"complex": "complex_step", "five-point": "five_point"}


def get_method(method: str) -> Method:
    """The Method record for a name or alias ("complex", "five-point").

    Args:
      method: a key of METHODS or ADAPTIVE_METHODS, or an alias.

    Returns:
      The frozen Method record. ValueError for an unknown name.

    >>> get_method("complex").name, get_method("richardson").adaptive
    ('complex_step', True)
    """
    name = _ALIASES.get(method, method)
    if name in METHODS:
        return METHODS[name]
    if name in ADAPTIVE_METHODS:
        return ADAPTIVE_METHODS[name]
    known = ", ".join([*METHODS, *ADAPTIVE_METHODS])
    raise ValueError(f"unknown method {method!r}; choose one of {known}")


def _in_dtype(f, dtype):
    """f seen through a float32 (or other) lens: inputs and outputs rounded to dtype."""
    if dtype == np.float64:
        return f
    return lambda z: np.asarray(f(np.asarray(z, dtype=np.float64)), dtype=dtype)


def numeric_derivative(f, x, method="central", h=None, dtype=np.float64, full_output=False):
    """Numerical derivative f′(x) of an elementwise f at every point of x at once.

    The fixed-step methods are the difference quotients of ``METHODS[method].formula``, each
    divided by the step actually taken (x + h rounds). ``"richardson"`` evaluates central
    differences on a ladder of steps h₀·2⁻ʳ and extrapolates them to h → 0 (Ridders' tableau,
    Neville's recursion in h²), taking the entry with the smallest error estimate before the
    estimates grow again. Its largest step h₀ comes from f itself, not from |x|: a probe grows
    the step from about 2⁻⁴²·|x| until the central difference moves by 2.5 % from one step to
    the next. So for sin at x = 1e6 the steps stay below its period, and for log at x = 1e-8
    below x (f is never evaluated outside (0, ∞) there). A step where f is not finite is never
    used. Each x has its own probe and tableau.

    Args:
      f: elementwise function of a real array (the complex step also needs f(complex)).
      x: points, any shape.
      method: a key of METHODS, "richardson", or an alias ("complex", "five-point").
      h: absolute step, scalar or x's shape; None takes the method's default step. For
        "richardson" h is the largest step of the ladder (no probe).
      dtype: np.float32 rounds x, h and every f value to float32 to show single precision.
      full_output: also return an error estimate.

    Returns:
      The derivative, an array of x's shape in dtype. With ``full_output=True`` the pair
      ``(value, error_estimate)``: for "richardson" the tableau's estimate; for a fixed-step
      method the truncation 2·|D(h) − D(2h)| / (2^order − 1) plus the rounding bound
      ε·Σ|c_i|·|f(x + o_i h)| / h over the stencil (4ε·|value| for the complex step). Both are
      absolute errors, in float64, with ε of dtype. The rounding part assumes f is computed to
      about an ulp: exp(−x·x) at x = 22, where rounding x·x costs 500 ulps, can beat it.

    >>> round(float(numeric_derivative(np.sin, 0.5)), 8)
    0.87758256
    >>> value, err = numeric_derivative(np.sin, 1e6, method="richardson", full_output=True)
    >>> print(f"{float(value):.12f} vs cos(1e6) = {np.cos(1e6):.12f}")
    0.936752127533 vs cos(1e6) = 0.936752127533
    >>> bool(abs(value - np.cos(1e6)) <= err < 1e-12)
    True
    >>> float(numeric_derivative(lambda t: t, 1e6 + 0.1, method="five_point"))
    1.0
    """
    m = get_method(method)
    dtype = np.dtype(dtype).type
    if m.name == "complex_step" and dtype != np.float64:
        raise ValueError("the complex step is only offered in float64")
    x = np.asarray(as_array(x), dtype=dtype)
    u = float(np.finfo(dtype).eps)
    lens = _in_dtype(f, dtype)
    if m.adaptive:
        if h is not None:
            h = np.asarray(as_array(h), dtype=dtype)
            if np.any(~(h > 0)):
                raise ValueError("the step h must be positive")
        value, estimate = _richardson(lens, x, h, u)[:2]
        value = value.astype(dtype)
        return (value, estimate) if full_output else value
    h = m.default_step(x, dtype) if h is None else as_array(h)
    h = np.asarray(h, dtype=dtype)
    if np.any(~(h > 0)):
        raise ValueError("the step h must be positive")
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        value = np.asarray(m.estimate(lens, x, h))
        if not full_output:
            return value
        return value, _fixed_step_error(m, lens, x, h, value, u)


#: Truncation estimates are the leading term alone (|D(h) − D(2h)| / (2^order − 1) for a fixed
#: step, the step to the next order in the Richardson tableau); where the next term has the
#: opposite sign (sin, at every x) that falls short of the true error, so both are doubled, as
#: Ridders doubles his (SAFE = 2).
_TRUNCATION_SAFETY = 2.0
#: The complex step's rounding, in units of ε·|value|: f(x + ih) is evaluated in complex
#: arithmetic, whose imaginary part carries a few ulps (bench/numdiff.py counts the coverage).
_COMPLEX_ROUNDING = 4.0


def _fixed_step_error(m: Method, f, x, h, value, u):
    """Truncation from a second step plus the stencil's rounding bound, as float64."""
    twice = np.asarray(m.estimate(f, x, 2 * h), dtype=np.float64)
    value = np.asarray(value, dtype=np.float64)
    truncation = _TRUNCATION_SAFETY * np.abs(value - twice) / (2.0**m.order - 1)
    if not m.stencil:
        return truncation + _COMPLEX_ROUNDING * u * np.abs(value)
    rounding = sum(abs(c) * np.abs(np.asarray(f(x + o * h), dtype=np.float64))
                   for o, c in m.stencil)
    return truncation + u * rounding / np.asarray(h, dtype=np.float64)


# --- Richardson extrapolation ----------------------------------------------------------------
#
# Central differences D(h) = f′ + c₁h² + c₂h⁴ + … on steps a factor 2 apart, extrapolated to
# h = 0 by Neville's recursion in h², Ridders' tableau (Numerical Recipes' dfridr). Each entry's
# error is estimated as numdifftools does (the step to the next order, plus a rounding bound),
# and the search down the rows stops as Ridders' does, once the estimates grow again. The steps
# are the ones actually taken, x ± s with s = (x + h) − x, so both points are exact floats and
# the quotient has no error from the step.
#
# Where the ladder starts matters more than anything else: above the function's own scale the
# h² series diverges (sin's period, log's singularity), below it rounding ε|f|/h wins. A probe
# finds the scale from f, each point on its own: from 2⁻⁴²·|x| it grows the step (×256 while
# f(x + h) = f(x − h) exactly, ×4 while the differences move by rounding noise or by less than
# 1/64 of _SCALE_CHANGE, ×2 on the way in) until D(h) moves by _SCALE_CHANGE from one step to
# the next, or the moves stop shrinking like h², or h reaches max(1, |x|). A step where f is
# not finite ends the probe below it (before any step is accepted, it is shrunk ×4 instead).
# Near a boundary at 0 the moves give it away early: the largest step f sees is 3x/8 for log,
# 3x/4 for sqrt, 3x/16 for 1/x, so x − h > 0 always. The tableau then evaluates its own ladder
# of _ROWS steps from the probe's last one down, in one call of f for all points.

_PROBE_START = 0.75 * 2.0**-42  # relative to |x| (1 at x = 0): 768 float spacings of x; the 3/4
# keeps every probed step off |x| itself, so x − h is never exactly 0 (atan(x)/x is 0/0 there)
_PROBE_LIMIT = 400  # probe rounds at most, one call of f each (x = 1e-300 takes about 30)
_SCALE_CHANGE = 0.025  # the probe stops once D(h) moves by 2.5 % from one step to the next
_NOISE = 4.0  # a move below 4× the rounding bound of the two differences is noise
_RATIO = (1.5, 100.0)  # visible moves shrink ~4× per halving (h²; 16× for h⁴); else: out of scale
_ROWS, _COLUMNS = 12, 8  # 12 steps; columns up to order h¹⁶, estimated up to h¹⁴
_ULPS = 1.0  # the rounding bound assumes every f value within this many ulps (ε·|f|)
_SAFE = 2.0  # stop once a row's best estimate is twice the best before it (from row 3 on)


def _symmetric(x, h):
    """x + s and x − s with s = (x + h) − x: both exact floats whenever h ≤ |x| (Sterbenz)."""
    hi = x + h
    return hi, x - (hi - x)


def _quotients(fp, fm, hi, lo, u):
    """Central differences, their steps and their rounding bounds u·(|f₊| + |f₋|) / 2s."""
    width = np.asarray(hi, dtype=np.float64) - np.asarray(lo, dtype=np.float64)
    fp, fm = np.asarray(fp, dtype=np.float64), np.asarray(fm, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        return (fp - fm) / width, width / 2, _ULPS * u * (np.abs(fp) + np.abs(fm)) / width


def _probe(f, x, u):
    """The largest step of each point's ladder: grown from 2⁻⁴²·|x| until f's scale (above).

    Returns float64 steps of x's size, NaN where f was not finite at any step tried.
    """
    n = x.size
    ax = np.abs(x)
    h = np.maximum(np.where(ax > 0, ax, 1.0) * _PROBE_START,
                   16 * np.finfo(x.dtype).smallest_subnormal).astype(x.dtype)
    cap = np.maximum(1.0, ax.astype(np.float64))
    top = np.full(n, np.nan)
    active = np.ones(n, bool)
    resolved = np.zeros(n, bool)
    retries = np.zeros(n, int)
    prev_d, prev_noise, prev_move = (np.full(n, np.nan) for _ in range(3))
    prev_visible = np.zeros(n, bool)
    grew, grew_before = np.zeros(n), np.zeros(n)
    for _ in range(_PROBE_LIMIT):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        hi, lo = _symmetric(x[idx], h[idx])
        values = np.asarray(f(np.concatenate([hi, lo])), dtype=np.float64).ravel()
        d, s, noise = _quotients(values[: idx.size], values[idx.size:], hi, lo, u)
        lost = s == 0  # below the float spacing of x: grow
        ok = np.isfinite(d) & np.isfinite(noise) & ~lost
        # not finite: shrink if no step was accepted yet, else stop below this step
        bad = ~ok & ~lost
        first = bad & np.isnan(top[idx]) & (retries[idx] < 20)
        shrink = idx[first]
        h[shrink] /= 4
        retries[shrink] += 1
        grew[shrink] = 0.0
        active[idx[bad & ~first]] = False
        h[idx[lost]] *= 4
        k = idx[ok]
        d, s, noise = d[ok], s[ok], noise[ok]
        with np.errstate(invalid="ignore"):
            move = np.abs(d - prev_d[k])  # NaN on a point's first step
            visible = move > _NOISE * (noise + prev_noise[k])
            stop = visible & (move >= _SCALE_CHANGE * np.maximum(np.abs(d), np.abs(prev_d[k])))
            halving = visible & prev_visible[k] & (grew[k] == 2) & (grew_before[k] == 2)
            ratio = move / prev_move[k]
            stop |= halving & ((ratio < _RATIO[0]) | (ratio > _RATIO[1]))
        stop |= s >= cap[k]
        resolved[k] |= visible
        # ×256 while f(x+h) = f(x−h), ×4 while the differences are rounding noise or move by
        # less than _SCALE_CHANGE/64, ×2 on the way to the scale
        near = visible & (move >= _SCALE_CHANGE / 64 * np.abs(d))
        factor = np.where(near | (resolved[k] & ~visible), 2.0, np.where(d == 0, 256.0, 4.0))
        prev_d[k], prev_noise[k], prev_move[k], prev_visible[k] = d, noise, move, visible
        grew_before[k], grew[k] = grew[k], factor
        top[k] = s
        active[k[stop]] = False
        h[k] *= factor.astype(x.dtype)
    return top


def _ladder(f, x, h, u):
    """Central differences at h·2⁻ʳ, r < _ROWS, for a given largest step h (no probe)."""
    hs = np.asarray(h, dtype=x.dtype)[..., None] * (2.0 ** -np.arange(_ROWS)).astype(x.dtype)
    xs = np.broadcast_to(x[..., None], hs.shape)
    hi, lo = _symmetric(xs, hs)
    values = np.asarray(f(np.concatenate([hi.ravel(), lo.ravel()])), dtype=np.float64)
    half = hi.size
    d, s, noise = _quotients(values[:half].reshape(hs.shape), values[half:].reshape(hs.shape),
                             hi, lo, u)
    ok = np.isfinite(d) & np.isfinite(noise) & (s > 0)
    return [np.where(ok, a, np.nan) for a in (s, d, noise)]


def _tableau(steps, diffs, noise):
    """Neville's tableau in h² over each point's steps (largest first), with its estimates.

    T[:, r, j] extrapolates the differences at steps r − j … r (order h^(2j+2)). Its error is
    estimated as numdifftools does, from the step to the next order, |T[r, j+1] − T[r, j]|,
    checked against the same step one row up (whose error is 4^(j+1) times larger for steps a
    factor 2 apart, so one lucky agreement cannot pass), doubled, plus the rounding bound
    carried through the recursion. The diagonal and the last column have no next order: NaN.
    Returns (T, E, R), each (n, _ROWS, _COLUMNS), NaN where undefined.
    """
    n, rows = steps.shape
    shape = (n, rows, _COLUMNS)
    t, rounding, est = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan)
    t[:, :, 0], rounding[:, :, 0] = diffs, noise
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        for j in range(1, min(rows, _COLUMNS)):  # column j from column j − 1, all rows at once
            q = (steps[:, :-j] / steps[:, j:]) ** 2 - 1
            left, up = t[:, j:, j - 1], t[:, j - 1:-1, j - 1]
            t[:, j:, j] = left + (left - up) / q
            rounding[:, j:, j] = rounding[:, j:, j - 1] * (1 + 1 / q) + rounding[:, j - 1:-1, j - 1] / q
        step_up = np.abs(t[:, :, 1:] - t[:, :, :-1])  # |T[r, j+1] − T[r, j]|
        above = np.full_like(step_up, np.nan)
        above[:, 1:] = step_up[:, :-1] / 4.0 ** np.arange(1, _COLUMNS)
        est[:, :, :-1] = _TRUNCATION_SAFETY * np.fmax(step_up, above) + rounding[:, :, :-1]
    return t, est, rounding


def _choose(est):
    """(row, column, last row used) per point: the smallest estimate among the rows up to the
    first one, from row 3 on, whose best estimate is _SAFE times the best before it."""
    n, rows, cols = est.shape
    score = np.where(np.isfinite(est), est, np.inf)
    row_best = score.min(axis=2)
    before = np.concatenate([np.full((n, 1), np.inf),
                             np.minimum.accumulate(row_best, axis=1)[:, :-1]], axis=1)
    worse = row_best >= _SAFE * before
    worse[:, :3] = False
    stop = np.where(worse.any(axis=1), worse.argmax(axis=1), rows - 1)
    used = np.arange(rows)[None, :] <= stop[:, None]
    best = np.where(used[:, :, None], score, np.inf).reshape(n, -1).argmin(axis=1)
    return best // cols, best % cols, stop


def _richardson(f, x, h, u):
    """(value, estimate, steps, T, E, R, row, column, stop) for every point of x.

    value and estimate have x's shape (float64); the rest are flat over the points. h None
    (or NaN) probes f for the largest step; else h (scalar or x's shape) is that step.
    """
    shape = x.shape
    flat = x.ravel()
    if flat.size == 0:
        empty = np.empty((0, _ROWS, _COLUMNS))
        return (np.empty(shape), np.empty(shape), np.empty((0, _ROWS)), empty, empty, empty,
                np.empty(0, int), np.empty(0, int), np.empty(0, int))
    with np.errstate(all="ignore"):
        if h is None or np.all(np.isnan(np.asarray(h, dtype=np.float64))):
            top = _probe(f, flat, u)
        else:
            top = np.broadcast_to(np.asarray(h, dtype=np.float64), shape).ravel()
        steps, diffs, noise = _ladder(f, flat, top, u)
    t, est, rounding = _tableau(steps, diffs, noise)
    row, col, stop = _choose(est)
    at = np.arange(flat.size)
    value = t[at, row, col]
    estimate = est[at, row, col]
    estimate = np.where(np.isnan(value), np.nan, np.where(np.isfinite(estimate), estimate, np.inf))
    return (value.reshape(shape), estimate.reshape(shape), steps, t, est, rounding, row, col,
            stop)


@dataclass(frozen=True)
class RichardsonTableau:
    """The Richardson tableau at one point, as ``richardson_tableau`` returns it.

    Row r is the central difference at steps[r] (largest first, a factor 2 apart) and column j
    its j-th extrapolation, of order h^(2j+2); entries above the diagonal and rows after the
    stop are NaN. errors[r, j] is that entry's estimate, twice the step to the next order
    |T[r, j+1] − T[r, j]| (or the row above's, scaled by 4^-(j+1), if larger) plus the rounding
    bound rounding[r, j]; NaN on the diagonal and in the last column, which have no next order.
    """

    x: float
    steps: np.ndarray  # (rows,)
    tableau: np.ndarray  # (rows, columns)
    errors: np.ndarray  # (rows, columns): truncation estimate + rounding
    rounding: np.ndarray  # (rows, columns): the rounding part of errors
    row: int  # the chosen entry
    column: int
    value: float
    estimate: float
    evaluations: int  # points f was evaluated at (probe included)


def richardson_tableau(f, x, h=None, dtype=np.float64) -> RichardsonTableau:
    """The whole tableau behind ``numeric_derivative(f, x, method="richardson")`` at a scalar x.

    Args:
      f: elementwise real function.
      x: one point (a scalar).
      h: the largest step; None probes f for it, as numeric_derivative does.
      dtype: np.float32 rounds x, the steps and every f value to float32.

    Returns:
      A frozen RichardsonTableau: steps, tableau and per-entry errors (NaN where unused), the
      chosen (row, column), value and estimate (the same numbers numeric_derivative returns),
      and the number of evaluations of f.

    >>> tab = richardson_tableau(np.exp, 1.0)
    >>> tab.tableau.shape == tab.errors.shape == (len(tab.steps), 8)
    True
    >>> bool(abs(tab.value - np.e) <= tab.estimate < 1e-12)
    True
    >>> bool(np.isnan(tab.tableau[0, 1]))  # above the diagonal: unused
    True
    """
    dtype = np.dtype(dtype).type
    x = np.asarray(as_array(x), dtype=dtype)
    if x.ndim:
        raise ValueError("richardson_tableau takes one point; numeric_derivative takes arrays")
    calls = []
    lens = _in_dtype(f, dtype)

    def counted(z):
        calls.append(np.size(z))
        return lens(z)

    h = None if h is None else np.asarray(as_array(h), dtype=dtype)
    value, estimate, steps, t, est, rounding, row, col, stop = _richardson(
        counted, x.reshape(1), h, float(np.finfo(dtype).eps))
    unused = np.arange(_ROWS) > stop[0]
    tab, err, rnd = (np.where(unused[:, None], np.nan, a[0]) for a in (t, est, rounding))
    return RichardsonTableau(float(x), steps[0].copy(), tab, err, rnd, int(row[0]), int(col[0]),
                             float(value[0]), float(estimate[0]), int(sum(calls)))


def numeric_jacobian(f, x, method="central", h=None, domain=None):
    """Numerical Jacobian J[..., j] = ∂f/∂x_j, one coordinate of x at a time.

    Convention as ``derivs.softmax_jacobian``: output index first, input index last.

    Args:
      f: a function of the whole array x (it may mix entries: a loss, softmax).
      x: the point, any shape.
      method: any method of ``numeric_derivative`` (each coordinate with its default step).
      h: absolute step, scalar or x's shape; None for the method's default.
      domain: (lo, hi), the closed interval where f is defined in each entry (probabilities:
        (0, 1)), or None. A coordinate whose stencil would leave it is differenced one-sided
        into the domain instead (forward at lo, backward at hi, with h, or that method's own
        default step): ``one_sided_entries`` says which. Richardson finds its own way inside
        (its probe may step out, meet a non-finite value and shrink): only an entry on the
        edge itself goes one-sided.

    Returns:
      Shape f(x).shape + x.shape: a gradient (n,) for scalar f, an (m, n) Jacobian for
      f: Rⁿ → Rᵐ.

    >>> numeric_jacobian(lambda v: np.array([v[0] * v[1], v[1]]), [2.0, 3.0]).round(8)
    array([[3., 2.],
           [0., 1.]])
    >>> # −log(1 − p) at p = 0, where a central difference would need p < 0
    >>> float(numeric_jacobian(lambda p: -np.log1p(-p[0]), [0.0], domain=(0, 1))[0]).__round__(6)
    1.0
    """
    m = get_method(method)
    x = as_array(x)
    steps = m.default_step(x) if h is None else np.broadcast_to(as_array(h), x.shape)
    sides = one_sided_entries(x, method, h, domain)
    out_shape = np.shape(f(x))
    jac = np.empty(out_shape + x.shape)
    for j in np.ndindex(x.shape):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            if j in sides:
                side = get_method(sides[j])
                step = side.default_step(x[j]) if h is None else steps[j]
                jac[(...,) + j] = side.estimate(partial(along, f, x, j, ...), x[j], step)
            elif m.adaptive:  # every output its own ladder: each has its own scale
                for i in np.ndindex(out_shape):
                    jac[i + j] = m.estimate(partial(along, f, x, j, i), x[j], steps[j])
            else:
                jac[(...,) + j] = m.estimate(partial(along, f, x, j, ...), x[j], steps[j])
    return jac


def one_sided_entries(x, method="central", h=None, domain=None) -> dict:
    """{index: "forward" or "backward"} for the entries of x where ``method``'s stencil would
    leave the closed interval ``domain`` (its default step, or h): forward where it would cross
    the lower end, backward where it would cross the upper one. {} for domain None.

    >>> one_sided_entries(np.array([0.0, 0.5, 1.0]), domain=(0.0, 1.0))
    {(0,): 'forward', (2,): 'backward'}
    """
    if domain is None:
        return {}
    lo, hi = domain
    m = get_method(method)
    x = as_array(x)
    if m.adaptive:  # Richardson shrinks its steps to stay where f is finite: only the edge
        return {j: "forward" if x[j] <= lo else "backward"  # itself needs one side
                for j in np.ndindex(x.shape) if x[j] <= lo or x[j] >= hi}
    reach = {"forward": (0, 1), "backward": (1, 0), "complex_step": (0, 0),
             "five_point": (2, 2)}.get(m.name, (1, 1))  # steps out on each side
    steps = m.default_step(x) if h is None else np.broadcast_to(as_array(h), x.shape)
    sides = {}
    for j in np.ndindex(x.shape):
        if x[j] - reach[0] * steps[j] < lo:
            sides[j] = "forward"
        elif x[j] + reach[1] * steps[j] > hi:
            sides[j] = "backward"
    return sides


def along(fn, base, k, index, t):
    """fn(base with entry k replaced by t)[index], for every t at once (real or complex t).

    The one "move one coordinate" helper: the Jacobian's columns, a loss as one prediction
    moves, a softmax entry as one logit moves. fn may mix all entries (a loss sums them, softmax
    normalises them), so it is called once per value of t.

    Args:
      fn: a function of an array shaped like base.
      base: the fixed point.
      k: the index (int or tuple) of the entry that moves.
      index: which part of fn's output to keep (``()`` for a scalar output, ``...`` for all).
      t: the values the entry takes, any shape.

    Returns:
      Shape t.shape + the shape of fn(...)[index].

    >>> along(np.sum, [1.0, 2.0, 3.0], 1, (), [0.0, 10.0])
    array([ 4., 14.])
    """
    t = as_array(t)
    dtype = np.result_type(t, np.float64)
    values = []
    for at in np.ndindex(t.shape):
        moved = np.array(base, dtype=dtype)
        moved[k] = t[at]
        values.append(np.asarray(fn(moved))[index])
    return np.array(values).reshape(t.shape + np.shape(values[0]))


def relative_error(a, b):
    """Relative error |a − b| / max(|a|, |b|), elementwise (CS231n's convention).

    Symmetric in a and b; 0 where both are 0, 1 where exactly one is 0.

    Args:
      a, b: arrays broadcastable to each other.

    Returns:
      float64 array of the broadcast shape.

    >>> print(f"{float(relative_error(2.0, 1.5)):.2f} {float(relative_error(0.0, 0.0)):.0f}")
    0.25 0
    """
    a, b = as_array(a), as_array(b)
    denom = np.maximum(np.abs(a), np.abs(b))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom == 0, 0.0, np.abs(a - b) / np.where(denom == 0, 1.0, denom))


def finite_difference_trouble(f, x: float, method="central", h=None) -> str | None:
    """Why a finite difference at the scalar x cannot see the slope there, or None.

    'step_lost': x + h or x − h rounds back to x (h is below the float spacing at x), so the
    quotient is 0/0 or uses a step other than h. 'flat': f has one float64 value at x − h, x and
    x + h, so the quotient is 0 whatever the true slope (σ(x) is exactly 1.0 for x > 36.7); that
    is only trouble where the true slope is not 0. The complex step subtracts nothing: neither.
    An adaptive method picks its own steps: None.

    >>> finite_difference_trouble(np.sin, 2.0, h=1e-16), finite_difference_trouble(np.sin, 2.0)
    ('step_lost', None)
    """
    m = get_method(method)
    if m.name == "complex_step" or m.adaptive:
        return None
    x = float(x)
    h = float(m.default_step(x) if h is None else h)
    if x + h == x or x - h == x:
        return "step_lost"
    if f(x - h) == f(x) == f(x + h):
        return "flat"
    return None


# --- gradient checks -------------------------------------------------------------------------

#: CS231n's bands for the relative error: below GOOD all is well, up to KINK is acceptable
#: only near a kink, from WRONG on the gradient is wrong.
GOOD, KINK, WRONG = 1e-7, 1e-4, 1e-2


def error_band(rel_err: float) -> str:
    """The CS231n band of a relative error.

    Args:
      rel_err: a relative error (NaN and inf count as wrong).

    Returns:
      'good' (≤ 1e-7), 'kink' (≤ 1e-4: fine only at kinks), 'doubtful', or 'wrong' (≥ 1e-2).

    >>> error_band(1e-9), error_band(1e-5), error_band(1e-3), error_band(0.5)
    ('good', 'kink', 'doubtful', 'wrong')
    """
    if not np.isfinite(rel_err) or rel_err >= WRONG:
        return "wrong"
    if rel_err <= GOOD:
        return "good"
    if rel_err <= KINK:
        return "kink"
    return "doubtful"


@dataclass(frozen=True)
class CheckPreset:
    name: str
    label: str
    method: str
    h: float | None  # None: the method's default step
    rule: str  # "allclose": |a − n| ≤ atol + rtol·|n|; "relative": rel. error ≤ rtol;
    #            "norm": ‖a − n‖₂ ≤ atol
    atol: float
    rtol: float
    source: str


CHECK_PRESETS: dict[str, CheckPreset] = {
    p.name: p
    for p in (
        CheckPreset(
            "pytorch", "PyTorch gradcheck", "central", 1e-6, "allclose", 1e-5, 1e-3,
            "torch.autograd.gradcheck(eps=1e-6, atol=1e-5, rtol=1e-3)",
        ),
        CheckPreset(
            "jax", "JAX check_grads", "central", 1e-4, "allclose", 1e-5, 1e-5,
            "jax.test_util.check_grads(eps=1e-4), float64 tolerance 1e-5",
        ),
        CheckPreset(
            "cs231n", "CS231n", "central", 1e-5, "relative", 0.0, GOOD,
            "CS231n notes: central h=1e-5, relative error ≤ 1e-7",
        ),
        CheckPreset(
            "scipy", "SciPy check_grad", "forward", float(np.sqrt(np.finfo(float).eps)),
            "norm", 1e-6, 0.0,
            "scipy.optimize.check_grad: forward step √ε, returns ‖a − n‖₂ (we pass it at ≤ 1e-6)",
        ),
    )
}


@dataclass(frozen=True)
class CheckResult:
    preset: CheckPreset
    method: str
    x: np.ndarray
    analytical: np.ndarray
    numerical: np.ndarray
    abs_error: np.ndarray
    rel_error: np.ndarray
    passed: np.ndarray  # per entry (for the "norm" rule: all entries share the verdict)
    ok: bool
    message: str
    one_sided: tuple = ()  # ((index, "forward" | "backward"), ...): entries at the domain's edge


def gradcheck(f, analytical, x, preset="pytorch", *, elementwise=False, method=None, h=None,
              dtype=np.float64, domain=None):
    """Compare an analytical derivative with a numerical one under a named preset.

    The numerical side is ``numeric_derivative`` (elementwise) or ``numeric_jacobian`` with the
    preset's method and step; the verdict is the preset's rule (allclose, relative, or norm).

    Args:
      f: for elementwise=True an elementwise function (activations), else a function of the
        vector x (losses: scalar output → gradient; vector output → Jacobian).
      analytical: a callable of x or the precomputed array, shaped like the numerical side.
      x: the point(s).
      preset: a key of CHECK_PRESETS or a CheckPreset.
      method, h: override the preset's (an adaptive method ignores the preset's step).
      dtype: precision of the numerical side (elementwise only; see numeric_derivative); the
        analytical side stays float64, as a hand-written float64 derivative would.
      domain: (lo, hi) where f is defined in each entry; entries at its edge are differenced
        one-sided into it (``numeric_jacobian``; the result's ``one_sided`` lists them).

    Returns:
      A frozen CheckResult: both sides, absolute and relative errors, per-entry verdicts, ok,
      and an English message naming each failing entry (``mismatches`` has them as records).

    >>> gradcheck(np.sin, np.cos, np.array([0.3, 1.1]), "pytorch", elementwise=True).ok
    True
    """
    p = CHECK_PRESETS[preset] if isinstance(preset, str) else preset
    m = get_method(method or p.method)
    method = m.name
    h = (None if m.adaptive else p.h) if h is None else h
    x = as_array(x)
    a = as_array(analytical(x) if callable(analytical) else analytical)
    if elementwise:
        n = as_array(numeric_derivative(f, x, method=method, h=h, dtype=dtype))
    elif np.dtype(dtype) != np.float64:
        raise ValueError("dtype other than float64 needs elementwise=True")
    else:
        n = as_array(numeric_jacobian(f, x, method=method, h=h, domain=domain))
    if a.shape != n.shape:
        raise ValueError(f"analytical has shape {a.shape} but numerical has {n.shape}")
    abs_err = np.abs(a - n)
    rel_err = relative_error(a, n)
    if p.rule == "allclose":
        passed = abs_err <= p.atol + p.rtol * np.abs(n)
    elif p.rule == "relative":
        passed = rel_err <= p.rtol
    else:
        passed = np.full(a.shape, bool(np.sqrt(np.sum(abs_err * abs_err)) <= p.atol))
    passed = passed & np.isfinite(a) & np.isfinite(n)
    ok = bool(np.all(passed))
    one_sided = () if elementwise else tuple(one_sided_entries(x, method, h, domain).items())
    return CheckResult(p, method, x, a, n, abs_err, rel_err, passed, ok, _report(p, a, n, passed),
                       one_sided)


@dataclass(frozen=True)
class Mismatch:
    """One entry a check failed: where, the two values, and their relative error."""

    index: tuple
    numerical: float
    analytical: float
    rel_error: float


def mismatches(result: CheckResult, limit: int | None = 5) -> list[Mismatch]:
    """The entries of a failed check, as records.

    Args:
      result: a CheckResult from ``gradcheck``.
      limit: at most this many (None: all).

    Returns:
      Mismatch records (index, numerical, analytical, rel_error) in index order.

    >>> r = gradcheck(np.sin, lambda v: 2 * np.cos(v), np.array([0.5, 1.0]), elementwise=True)
    >>> [(m.index, round(m.rel_error, 2)) for m in mismatches(r)]
    [((0,), 0.5), ((1,), 0.5)]
    """
    return _mismatches(result.analytical, result.numerical, result.passed, limit)


def _mismatches(a, n, passed, limit):
    bad = list(zip(*np.nonzero(~passed), strict=True)) if a.ndim else ([()] if not passed else [])
    return [Mismatch(tuple(int(i) for i in idx), float(n[idx]), float(a[idx]),
                     float(relative_error(a[idx], n[idx])))
            for idx in bad[:limit]]


def _report(p, a, n, passed):
    """The English report a notebook user reads in ``CheckResult.message``; the app builds its
    own, in either language, from ``mismatches``."""
    if np.all(passed):
        return f"{p.label}: numerical and analytical agree at all {a.size} entries."
    bad = int(np.count_nonzero(~np.broadcast_to(passed, a.shape)))
    lines = [f"{p.label}: mismatch at {bad} of {a.size} entries (numerical vs analytical):"]
    lines += [f"  entry {m.index}: numerical {m.numerical:.10g} vs analytical {m.analytical:.10g} "
              f"(relative error {m.rel_error:.2e})" for m in _mismatches(a, n, passed, 5)]
    if bad > 5:
        lines.append(f"  … and {bad - 5} more")
    return "\n".join(lines)


# --- random-direction checks -----------------------------------------------------------------


@dataclass(frozen=True)
class DirectionalCheck:
    """vᵀJu, analytical against numerical, for random unit directions (``directional_check``).

    One row per direction: u (n_directions, n), v (n_directions, m) and the scalars
    (n_directions,). rel_error is |analytical − numerical| / scale with scale = |v|ᵀ|J||u|, the
    size of the terms of vᵀJu, so a cancellation inside vᵀJu cannot fail a correct Jacobian.
    """

    u: np.ndarray
    v: np.ndarray
    analytical: np.ndarray  # vᵀ J u
    numerical: np.ndarray  # vᵀ (f(x + h u) − f(x − h u)) / 2h
    scale: np.ndarray  # |v|ᵀ |J| |u|
    rel_error: np.ndarray
    tolerance: float
    passed: bool  # every direction within tolerance
    h: float
    evaluations: int  # evaluations of f: 2 per direction
    full_evaluations: int  # a central-difference Jacobian's: 2n


def directional_check(f, jacobian, x, *, seed=0, h=None, n_directions=1, tolerance=1e-6):
    """Check a Jacobian along random directions, as PyTorch's fast gradcheck and JAX's
    check_grads do: 2 evaluations of f per direction instead of 2n for the whole Jacobian.

    Draws unit vectors u ∈ Rⁿ and v ∈ Rᵐ (normal, normalised) and compares the analytical
    vᵀ J u with the central directional difference vᵀ (f(x + h u) − f(x − h u)) / 2h. A wrong
    entry J[i, j] shifts vᵀJu by v_i u_j times its error, which is nonzero with probability 1.

    Args:
      f: Rⁿ → Rᵐ, a function of the vector x (a scalar output counts as m = 1).
      jacobian: the analytical Jacobian J[i, j] = ∂f_i/∂x_j, shape (m, n) (or (n,), a gradient,
        for a scalar f), or a callable of x returning it.
      x: the point, shape (n,).
      seed: seed of numpy's default_rng for the directions.
      h: the step along u; None takes ∛ε·max(1, max|x|), central's default.
      n_directions: how many (u, v) pairs.
      tolerance: passed when every rel_error ≤ tolerance. The default 1e-6 sits far above the
        central difference's own error at the default step (about ε^(2/3) ≈ 4e-11 of the
        terms) and far below what a wrong entry shows (one softmax-Jacobian entry off by 0.01:
        at least 6.6e-4 over eight seeds).

    Returns:
      A frozen DirectionalCheck.

    >>> a = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> good = directional_check(lambda v: a @ v, a, [0.5, -1.0], n_directions=3)
    >>> good.passed, good.evaluations, good.full_evaluations
    (True, 6, 4)
    >>> directional_check(lambda v: a @ v, a + np.eye(3, 2) * 1e-3, [0.5, -1.0]).passed
    False
    """
    x = as_array(x)
    if x.ndim != 1:
        raise ValueError(f"x must be a vector, got shape {x.shape}")
    jac = as_array(jacobian(x) if callable(jacobian) else jacobian)
    if jac.ndim == 1:
        jac = jac[None, :]
    n = x.size
    if jac.ndim != 2 or jac.shape[1] != n:
        raise ValueError(f"the Jacobian must have shape (m, {n}), got {jac.shape}")
    m = jac.shape[0]
    step = float(np.cbrt(np.finfo(np.float64).eps) * max(1.0, float(np.max(np.abs(x)))))
    step = step if h is None else float(h)
    if not step > 0:
        raise ValueError("the step h must be positive")
    rng = np.random.default_rng(seed)
    u = rng.standard_normal((n_directions, n))
    v = rng.standard_normal((n_directions, m))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    analytical = np.einsum("ki,ij,kj->k", v, jac, u)
    scale = np.einsum("ki,ij,kj->k", np.abs(v), np.abs(jac), np.abs(u))
    numerical = np.empty(n_directions)
    for k in range(n_directions):
        hi, lo = x + step * u[k], x - step * u[k]
        diff = np.reshape(np.asarray(f(hi), dtype=np.float64) - np.asarray(f(lo), dtype=np.float64),
                          m)
        numerical[k] = v[k] @ diff / (2 * step)
    gap = np.abs(analytical - numerical)
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.where(scale > 0, gap / np.where(scale > 0, scale, 1.0),
                       np.where(gap == 0, 0.0, np.inf))
    passed = bool(np.all(rel <= tolerance))
    return DirectionalCheck(u, v, analytical, numerical, scale, rel, float(tolerance), passed,
                            step, 2 * n_directions, 2 * n)


# --- error against step size -----------------------------------------------------------------


@dataclass(frozen=True)
class StepErrorCurve:
    h: np.ndarray
    exact: float
    errors: dict  # method name -> |numerical − exact| / |exact| over h (absolute if exact = 0)
    best_h: dict  # method name -> the h with the smallest error


def step_error_curve(f, df, x0, h=None, methods=None, dtype=np.float64) -> StepErrorCurve:
    """The error of each method at x0 against the step h: truncation on the right (slope =
    the order), round-off ε|f|/h on the left (slope −1).

    Args:
      f, df: elementwise function and its exact derivative.
      x0: the scalar point.
      h: the steps; None takes 161 steps from 1e-16 to 1 (log-spaced).
      methods: names to include; None is every fixed-step method (METHODS). An adaptive
        method is included only when named: its curve is the error against its largest step.
      dtype: precision of the differences (the complex step is skipped outside float64).

    Returns:
      A StepErrorCurve: h, the exact derivative, the relative error per method over h
      (absolute where the exact derivative is 0), and each method's best step.

    >>> curve = step_error_curve(np.sin, np.cos, 1.0, h=np.logspace(-8, -2, 7))
    >>> sorted(curve.errors) == sorted(METHODS), f"{curve.best_h['central']:.0e}"
    (True, '1e-05')
    """
    hs = np.logspace(-16, 0, 161) if h is None else as_array(h)
    exact = float(df(np.float64(x0)))
    scale = abs(exact) if exact != 0 else 1.0
    errors, best = {}, {}
    for name in methods or METHODS:
        if name == "complex_step" and dtype != np.float64:
            continue
        est = numeric_derivative(f, np.full_like(hs, x0), method=name, h=hs, dtype=dtype)
        err = np.abs(est.astype(np.float64) - exact) / scale
        errors[name] = err
        finite = np.where(np.isfinite(err), err, np.inf)
        best[name] = float(hs[int(np.argmin(finite))])
    return StepErrorCurve(hs, exact, errors, best)
