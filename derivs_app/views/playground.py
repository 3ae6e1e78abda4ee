"""Your own function: the data the playground page shows, from formulas a learner typed.

Every formula here comes from ``parse_expression`` (in this process, bounded in size) or
``sandbox.analyse`` (differentiated in a worker): nothing else is ever compiled, and no
sympy work whose cost depends on the formula runs here. Numerics are ``to_numpy``'s walk
over the formula's nodes, whose cost is bounded by their number.

``to_numpy`` turns "no real value" (log x for x ≤ 0, 1/0, overflow) into NaN, and NaN is how
a plot draws a gap, so singularities become holes in the curve rather than errors. A pole
that falls between two grid points would still be drawn as a steep line joining its two
branches; ``curves`` cuts the line there too. The same NaN can also mean that float64
overflowed in the middle of a formula whose value is finite (exp(x)/(1+exp(x)) at x = 800 is
inf/inf): the formula is evaluated again in long double to tell the two apart. And where f
has a kink (relu, abs, max at 0) f′ has no value: ``curves`` finds such points, on the grid
and between grid points, with their two one-sided slopes, and breaks the f′ curve there.
"""

from __future__ import annotations

import functools
import re
import string
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy

from derivs.expression import ExpressionError, to_numpy
from derivs.numeric import numeric_derivative, relative_error
from derivs.sandbox import (
    DerivativeComparison,
    SymbolicBusy,
    SymbolicLimitError,
    SymbolicTimeout,
    analyse,
    compare_derivatives,
    parsed,
    render_latex,
)
from derivs_app.i18n import TEXT
from derivs_app.views.common import true_runs

#: Limits of the symbolic work in the worker (read at call time, so a test can lower them).
SYMBOLIC_TIMEOUT = 5.0
SYMBOLIC_MEMORY_MB = 512

DEFAULT_FORMULA = "x*tanh(log(1+exp(x)))"
#: Formulas offered as one-click examples: smooth activations, a product, and singularities.
EXAMPLES = (
    "x*tanh(log(1+exp(x)))",
    "1/(1+exp(-x))",
    "x*erf(x)",
    "sin(x)*cos(x)",
    "log(x)",
    "1/x",
    "sqrt(x**2+1)",
    "relu(x)",
    "x^3",
)
X_LIMIT = 1000.0  # the x range and the probe stay in [−X_LIMIT, X_LIMIT]
GRID_POINTS = 801  # an odd count: a symmetric range puts x = 0 on the grid
RTOL, ATOL = 1e-6, 1e-9  # "check my derivative": |mine − f′| ≤ ATOL + RTOL·|f′|
#: A cell whose midpoint value overshoots both ends by this share of f's typical span holds
#: a pole (smooth curves overshoot by ~h²f″/8, a millionth of the span on this grid).
POLE_OVERSHOOT = 0.1
#: y axes zoom to the 1st–99th percentile when the full span is this many times wider
#: (1/x near 0 would otherwise flatten the rest of the curve).
ZOOM_FACTOR = 5.0
#: At most this many kinks are looked for between grid points, and reported.
MAX_KINKS = 12
_FLOAT_MAX = float(np.finfo(np.float64).max)
#: Whether long double has more range than float64 (x86-64 Linux: yes; some platforms: no,
#: and there overflow cannot be told apart from "no value").
EXTENDED = bool(np.finfo(np.longdouble).max > _FLOAT_MAX)


def _quiet(fn):
    """fn under np.errstate(all="ignore"): inf and NaN are data here (gaps, overflow), not
    something to warn about in the server's log."""

    @functools.wraps(fn)
    def run(*args, **kwargs):
        with np.errstate(all="ignore"):
            return fn(*args, **kwargs)

    return run


# --- formulas ------------------------------------------------------------------------------


def parse_formula(text: str) -> sympy.Expr:
    """The formula as parsed (remembered per text); ExpressionError if refused."""
    return parsed(text)


def analyse_formula(text: str, session: str | None = None):
    """``sandbox.analyse`` under this page's limits: parse here, differentiate in a worker."""
    return analyse(text, timeout=SYMBOLIC_TIMEOUT, memory_mb=SYMBOLIC_MEMORY_MB, session=session)


def formula_latex(text: str, session: str | None = None) -> str:
    """LaTeX of a formula as parsed (to show how it was read), rendered in a worker."""
    return render_latex(text, timeout=SYMBOLIC_TIMEOUT, memory_mb=SYMBOLIC_MEMORY_MB,
                        session=session)


@lru_cache(maxsize=128)
def compiled(expr: sympy.Expr):
    """``to_numpy(expr)``, built once per formula (the page reruns on every click)."""
    return to_numpy(expr)


#: Stable spellings of formulas that overflow when written the textbook way, offered when a
#: learner's formula has the same values where float64 can hold them (checked numerically).
STABLE_FORMS = (
    "sigmoid(x)",
    "sigmoid(-x)",
    "tanh(x)",
    "x*sigmoid(x)",
    "relu(x) + log1p(exp(-abs(x)))",
    "relu(-x) + log1p(exp(-abs(x)))",
    "-relu(-x) - log1p(exp(-abs(x)))",
    "x*tanh(relu(x) + log1p(exp(-abs(x))))",
)


def _typical_span(y: np.ndarray) -> float:
    finite = y[np.isfinite(y)]
    if finite.size < 2:
        return 0.0
    low, high = np.percentile(finite, [1, 99])
    return float(high - low)


def _extrema(y: np.ndarray) -> np.ndarray:
    """Values at the local extrema of y that are no blow-up next to a gap: both neighbours
    and their neighbours finite."""
    if y.size < 5:
        return y[np.isfinite(y)]
    ok = np.isfinite(y)
    inner = ok[2:-2] & ok[1:-3] & ok[3:-1] & ok[:-4] & ok[4:]
    mid, left, right = y[2:-2], y[1:-3], y[3:-1]
    with np.errstate(invalid="ignore"):
        peak = ((mid >= left) & (mid >= right)) | ((mid <= left) & (mid <= right))
    return mid[inner & peak]


@_quiet
def display_range(y: np.ndarray) -> tuple[float, float] | None:
    """A y range for the plot, or None to let the plot fit all the data.

    Zooms to the 1st–99th percentile (with a margin) when a few points near a pole would
    otherwise squash the rest of the curve flat; never crops a local extremum of the curve
    (σ′'s 0.25 peak on [−1000, 1000] is a few grid points, not a pole).
    """
    finite = y[np.isfinite(y)]
    if finite.size < 2:
        return None
    low, high = np.percentile(finite, [1, 99])
    extrema = _extrema(np.asarray(y, dtype=np.float64))
    if extrema.size:
        low, high = min(low, float(extrema.min())), max(high, float(extrema.max()))
    span = high - low
    if span <= 0 or np.ptp(finite) <= ZOOM_FACTOR * span:
        return None
    margin = 0.15 * span
    return float(low - margin), float(high + margin)


# --- kinks ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class KinkPoint:
    """A point where f is continuous but its one-sided slopes differ: f′ has no value there.

    ``value`` is what the symbolic f′ gives exactly there anyway (a convention: sympy's
    H(0) = 0, sign(0) = 0), NaN if it gives none or there is no symbolic f′.
    """

    at: float
    left: float
    right: float
    value: float = np.nan


@dataclass(frozen=True, eq=False)
class Sides:
    """What one-sided differences of f say at some points (arrays, one entry per point):
    ``kink`` where f is continuous with two different one-sided slopes ``left``, ``right``;
    ``jump`` where f itself jumps (its two sides stay apart however close one looks)."""

    kink: np.ndarray
    jump: np.ndarray
    left: np.ndarray
    right: np.ndarray


@_quiet
def one_sided(f, points, spread=None) -> Sides:
    """One-sided difference quotients of f at two steps h and h/16, extrapolated
    (Richardson). A kink is where the two sides differ by the same amount at both steps (for
    a smooth f the gap shrinks with h) and each side is stable (at a jump of f both grow like
    1/h). ``spread``: how far each point may be from the true kink (the steps stay well
    above it)."""
    points = np.atleast_1d(np.asarray(points, dtype=np.float64))
    scale = np.maximum(1.0, np.abs(points))
    h1 = 2.0**-17 * scale
    if spread is not None:
        h1 = np.maximum(h1, 64 * np.asarray(spread, dtype=np.float64))
    h2 = h1 / 16
    values = f(np.concatenate([points, points - h1, points + h1, points - h2, points + h2]))
    f0, fl1, fr1, fl2, fr2 = values.reshape(5, -1)
    finite = np.isfinite(values.reshape(5, -1)).all(axis=0)
    with np.errstate(all="ignore"):
        left1, right1 = (f0 - fl1) / h1, (fr1 - f0) / h1
        left2, right2 = (f0 - fl2) / h2, (fr2 - f0) / h2
        gap1, gap2 = np.abs(right1 - left1), np.abs(right2 - left2)
        size = np.maximum(1.0, np.maximum(np.abs(left2), np.abs(right2)))
        noise = 64 * np.finfo(float).eps * np.abs(f0) / h2
        kink = (finite & (gap2 > 1e-6 * size + noise) & (gap2 >= 0.5 * gap1)
                & (gap2 <= 2 * gap1) & (np.abs(left2 - left1) <= 0.05 * size)
                & (np.abs(right2 - right1) <= 0.05 * size))
        apart1, apart2 = np.abs(fr1 - fl1), np.abs(fr2 - fl2)
        level = np.maximum(1.0, np.abs(f0))
        jump = finite & (apart2 > 1e-6 * level) & (apart2 >= 0.5 * apart1)
        left = left2 + (left2 - left1) / 15
        right = right2 + (right2 - right1) / 15
    return Sides(kink, jump, left, right)


def _snap(value: float, span: float) -> float:
    """value rounded to at most 6 decimals if that moves it by at most 1e-12·span (a kink
    found at 1e-17 is at 0), else value itself (1/3 stays float(1/3))."""
    for decimals in range(0, 7):
        rounded = round(value, decimals)
        if abs(rounded - value) <= 1e-12 * max(span, abs(value)):
            return float(rounded) + 0.0  # no -0
    return float(value)


def _slope_function(f, df):
    return df if df is not None else (lambda t: numeric_derivative(f, t, "central"))


def _bisect(fn, a, b, steps: int = 60):
    """Shrink each [a, b] to the half where fn changes more, ``steps`` times (vectorized)."""
    fa, fb = fn(a), fn(b)
    for _ in range(steps):
        m = (a + b) / 2
        fm = fn(m)
        with np.errstate(invalid="ignore"):
            into_left = (np.nan_to_num(np.abs(fm - fa), nan=np.inf)
                         >= np.nan_to_num(np.abs(fb - fm), nan=np.inf))
        b, fb = np.where(into_left, m, b), np.where(into_left, fm, fb)
        a, fa = np.where(into_left, a, m), np.where(into_left, fa, fm)
    return a, b, fa, fb


def _lonely_steps(values: np.ndarray, floor: float) -> np.ndarray:
    """Cells i where values jumps by more than floor and by 4× more than in the cells either
    side: a step between two grid points, not a steep stretch."""
    step = np.abs(np.diff(values))
    before = np.nan_to_num(np.concatenate([[0.0], step[:-1]]))
    after = np.nan_to_num(np.concatenate([step[1:], [0.0]]))
    with np.errstate(invalid="ignore"):
        return np.isfinite(step) & (step > floor) & (step > 4 * before) & (step > 4 * after)


@_quiet
def find_jumps(f, x, fx, exclude) -> np.ndarray:
    """Where f jumps between two grid points (sign, heaviside): located by bisection, kept
    where the jump stays as the interval shrinks. ``exclude``: cells not to look in."""
    span = max(_typical_span(fx), 1e-300)
    cells = np.flatnonzero(_lonely_steps(fx, 1e-6 * span) & ~exclude)[:MAX_KINKS]
    if not cells.size:
        return np.array([])
    a, b, fa, fb = _bisect(f, x[cells].copy(), x[cells + 1].copy())
    with np.errstate(invalid="ignore"):
        kept = np.abs(fb - fa) >= 0.5 * np.abs(fx[cells + 1] - fx[cells])
    return np.array([_snap(v, float(x[-1] - x[0])) for v in ((a + b) / 2)[kept]])


@_quiet
def find_kinks(f, df, x, slope, exclude, sides: Sides) -> tuple[KinkPoint, ...]:
    """Kinks of f on the grid x and between its points.

    ``slope``: f′ on the grid (symbolic, or the central difference); ``exclude``: grid
    points where nothing is to be found (f undefined, a cut next to them); ``sides``:
    ``one_sided(f, x)``.
    """
    span = float(x[-1] - x[0])
    on_grid, left, right = sides.kink & ~exclude, sides.left, sides.right
    found = [(float(x[i]), float(left[i]), float(right[i])) for i in np.flatnonzero(on_grid)]
    # Between grid points: a jump of f′ across one cell, much larger than across the next.
    jump = np.abs(np.diff(slope))
    with np.errstate(invalid="ignore"):
        size = np.maximum(1.0, np.maximum(np.abs(slope[:-1]), np.abs(slope[1:])))
    cell = (_lonely_steps(slope, 0.0) & (jump > 1e-6 * size) & ~exclude[:-1] & ~exclude[1:]
            & ~on_grid[:-1] & ~on_grid[1:])
    cells = np.flatnonzero(cell)
    if cells.size:
        cells = cells[np.argsort(-jump[cells])[:MAX_KINKS]]
        slope_at = _slope_function(f, df)
        a, b, ga, gb = _bisect(slope_at, x[cells].copy(), x[cells + 1].copy())
        # a and b now touch: the kink is the one where f′ takes neither side's value (sympy's
        # convention at the point itself), else b
        width = 1e-9 * np.maximum(1.0, np.abs(b))
        lim_a, lim_b = slope_at(a - width), slope_at(b + width)
        with np.errstate(invalid="ignore"):
            b_inside = ~np.isclose(gb, lim_a) & ~np.isclose(gb, lim_b)
            a_inside = ~np.isclose(ga, lim_a) & ~np.isclose(ga, lim_b)
        pick = np.where(b_inside | ~a_inside, b, a)
        at = np.array([_snap(v, span) for v in pick])
        sides = one_sided(f, at, spread=np.abs(b - a) + np.abs(at - pick))
        found += [(float(at[i]), float(sides.left[i]), float(sides.right[i]))
                  for i in np.flatnonzero(sides.kink)]
    found.sort()
    unique = []
    for item in found:
        if not unique or item[0] - unique[-1][0] > 1e-9 * max(span, 1.0):
            unique.append(item)
    unique = unique[:MAX_KINKS]
    if not unique:
        return ()
    where = np.array([k[0] for k in unique])
    delta = 1e-9 * np.maximum(1.0, np.abs(where))
    if df is not None:  # sympy's f′ either side, extrapolated linearly to the point
        value = df(where)
        sym_left = 2 * df(where - delta) - df(where - 2 * delta)
        sym_right = 2 * df(where + delta) - df(where + 2 * delta)
    else:
        value = sym_left = sym_right = np.full(where.shape, np.nan)
    kinks = []
    for i, (at, num_left, num_right) in enumerate(unique):
        close = (np.isfinite([sym_left[i], sym_right[i]]).all()
                 and abs(sym_left[i] - num_left) <= 1e-4 * max(1.0, abs(num_left))
                 and abs(sym_right[i] - num_right) <= 1e-4 * max(1.0, abs(num_right)))
        lhs, rhs = (sym_left[i], sym_right[i]) if close else (num_left, num_right)
        kinks.append(KinkPoint(at, float(lhs), float(rhs), float(value[i])))
    return tuple(kinks)


# --- the plot --------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Curves:
    """f, its symbolic and finite-difference derivatives on a grid, ready to plot.

    Arrays are float64 and NaN where there is no finite real value in float64; ``x`` holds
    the grid plus one midpoint per cut (a pole between grid points), where every curve is
    NaN, and three entries per kink (f′ from the left, a gap, f′ from the right). ``df`` is
    None when the symbolic derivative is unavailable.

    Spans are (from, to) runs of grid points: ``undefined``, where f has no real value at
    all; ``overflow``, where float64 overflows inside the formula but f is finite (its value
    fits in float64); ``beyond``, where f itself exceeds float64's range; ``df_undefined``,
    where f has a value but f′ has none and it is no kink (a jump of f, a vertical tangent);
    ``df_overflow``, where float64 overflows in f′ although f′ is finite. ``kinks``: the
    points where f′ jumps (``KinkPoint``). ``cuts``: where the line was cut at a pole
    between grid points; ``jumps``: where f itself jumps, on the grid or between grid points,
    also cut (``is_cut`` marks every inserted gap in ``x``). ``stable``: a
    stable spelling of f (from STABLE_FORMS) if f overflows and one has its values.
    """

    x: np.ndarray
    is_cut: np.ndarray
    f: np.ndarray
    df: np.ndarray | None
    numerical: np.ndarray
    undefined: tuple[tuple[float, float], ...]
    df_undefined: tuple[tuple[float, float], ...]
    cuts: tuple[float, ...]
    f_range: tuple[float, float] | None
    df_range: tuple[float, float] | None
    overflow: tuple[tuple[float, float], ...] = ()
    beyond: tuple[tuple[float, float], ...] = ()
    df_overflow: tuple[tuple[float, float], ...] = ()
    kinks: tuple[KinkPoint, ...] = ()
    stable: str | None = None
    jumps: tuple[float, ...] = ()


def _pole_cells(x, fx, f) -> np.ndarray:
    """Indices i of grid cells [x_i, x_i+1] with a pole or a hole strictly inside.

    The test: f at the cell's midpoint is undefined, or lies outside [f(x_i), f(x_i+1)] by
    more than POLE_OVERSHOOT of f's typical span. Only cells with both ends defined count
    (an undefined end is a gap already).
    """
    mid = (x[:-1] + x[1:]) / 2
    fm = f(mid)
    a, b = fx[:-1], fx[1:]
    ends = np.isfinite(a) & np.isfinite(b)
    overshoot = np.maximum(fm - np.maximum(a, b), np.minimum(a, b) - fm)
    span = _typical_span(fx)
    jump = ~np.isfinite(fm) | (overshoot > POLE_OVERSHOOT * span) if span > 0 else ~np.isfinite(fm)
    return np.flatnonzero(ends & jump)


def _spans(x: np.ndarray, mask: np.ndarray) -> tuple[tuple[float, float], ...]:
    return tuple((float(x[a]), float(x[b])) for a, b in true_runs(mask))


@_quiet
def stable_form(x: np.ndarray, target: np.ndarray) -> str | None:
    """The first of STABLE_FORMS whose float64 values are finite wherever ``target`` (f in
    long double, cast to float64) is, and equal to it within 1e-9."""
    wanted = np.isfinite(target)
    if not wanted.any():
        return None
    for text in STABLE_FORMS:
        values = compiled(parsed(text))(x)
        if not np.isfinite(values[wanted]).all():
            continue
        a, b = values[wanted], target[wanted]
        if (np.abs(a - b) <= 1e-9 * np.maximum(np.abs(a), np.abs(b)) + 1e-300).all():
            return text
    return None


@_quiet
def curves(f_expr, df_expr, lo: float, hi: float, n: int = GRID_POINTS) -> Curves:
    """f, f′ (symbolic; None skips it) and the central-difference f′ on n points of [lo, hi]."""
    check_range(lo, hi)
    f = compiled(f_expr)
    d = compiled(df_expr) if df_expr is not None else None
    x = np.linspace(lo, hi, n)
    fx = f(x)
    f_long = f.extended(x) if EXTENDED else None
    overflow, beyond = _rescued(fx, f_long)
    undefined = ~np.isfinite(fx) & ~overflow & ~beyond
    exists = ~undefined  # f has a value there, in float64 or only beyond it
    numerical = numeric_derivative(f, x, "central")
    # f(x ± h) can exist where f(x) does not: at 1/x's pole the quotient is 1/h², not a slope
    numerical[~np.isfinite(numerical) | ~np.isfinite(fx)] = np.nan

    cells = _pole_cells(x, fx, f)
    sides = one_sided(f, x)
    # f's own jumps: at a grid point (cut either side of it) or between two (located)
    on_grid_jump = sides.jump & np.isfinite(fx)
    jump_cells = np.zeros(n - 1, bool)
    jump_cells[np.flatnonzero(on_grid_jump[1:])] = True
    jump_cells[np.flatnonzero(on_grid_jump[:-1])] = True
    pole = np.zeros(n - 1, bool)
    pole[cells] = True
    jumps_between = find_jumps(f, x, fx, pole | jump_cells | ~np.isfinite(fx[:-1])
                               | ~np.isfinite(fx[1:]))
    jumps = tuple(sorted({*(float(v) for v in x[on_grid_jump]), *map(float, jumps_between)}))
    near_cut = np.zeros(n, bool)
    near_cut[cells] = near_cut[cells + 1] = True
    near_cut |= on_grid_jump
    for k in jumps_between:
        near_cut[np.clip(np.searchsorted(x, k) - 1, 0, n - 1):np.searchsorted(x, k) + 1] = True
    df = d(x) if d is not None else None
    slope = df if df is not None else numerical
    kinks = find_kinks(f, d, x, slope, ~np.isfinite(fx) | near_cut, sides)
    at_kink = np.isin(x, [k.at for k in kinks])

    df_undefined = df_overflow = np.zeros(n, bool)
    if df is not None:
        rescued, too_big = _rescued(df, d.extended(x) if EXTENDED else None)
        df_overflow = (rescued | too_big) & exists
        df_undefined = ~np.isfinite(df) & exists & ~df_overflow & ~at_kink
        df[undefined] = np.nan  # 1/x is no derivative of log x at x < 0: f is not there
        # no slope, nothing to estimate: at sign's jump the quotient is 2/(2h), not a slope
        numerical[df_undefined] = np.nan
    numerical[at_kink] = np.nan  # the central difference there averages the two sides

    stable = None
    if overflow.any() and f_long is not None:
        stable = stable_form(x, f_long.astype(np.float64))

    # cuts at poles and jumps between grid points, then kinks: f′ from the left, a gap, from
    # the right
    cuts = (x[cells] + x[cells + 1]) / 2
    jump_gaps = np.concatenate([jumps_between, (x[:-1] + x[1:])[jump_cells] / 2])
    gaps = np.concatenate([cuts, jump_gaps])
    order = np.argsort(gaps, kind="stable")
    gaps = gaps[order]
    where = np.searchsorted(x, gaps)
    x_plot = np.insert(x, where, gaps)
    is_cut = np.insert(np.zeros(n, bool), where, True)
    f_plot = np.insert(fx, where, np.nan)
    df_plot = np.insert(df, where, np.nan) if df is not None else None
    numerical_plot = np.insert(numerical, where, np.nan)
    for k in kinks:
        i = int(np.searchsorted(x_plot, k.at))
        on_point = i < x_plot.size and x_plot[i] == k.at
        value = float(f(np.array([k.at]))[0])
        count = 2 if on_point else 3  # a grid point at the kink becomes the first of three
        x_plot = np.insert(x_plot, i, [k.at] * count)
        is_cut = np.insert(is_cut, i, [False] * count)
        f_plot = np.insert(f_plot, i, [value] * count)
        numerical_plot = np.insert(numerical_plot, i, [np.nan] * count)
        if on_point:
            numerical_plot[i + 2] = np.nan
            f_plot[i + 2] = value
        if df_plot is not None:
            pieces = [k.left, np.nan, k.right]
            df_plot = np.insert(df_plot, i, pieces[:count])
            if on_point:
                df_plot[i + 2] = k.right
    return Curves(
        x=x_plot,
        is_cut=is_cut,
        f=f_plot,
        df=df_plot,
        numerical=numerical_plot,
        undefined=_spans(x, undefined),
        df_undefined=_spans(x, df_undefined),
        cuts=tuple(float(c) for c in cuts),
        jumps=jumps,
        f_range=display_range(f_plot),
        df_range=display_range(df_plot if df_plot is not None else numerical_plot),
        overflow=_spans(x, overflow),
        beyond=_spans(x, beyond),
        df_overflow=_spans(x, df_overflow),
        kinks=kinks,
        stable=stable,
    )


def _rescued(values: np.ndarray, extended: np.ndarray | None):
    """(overflow, beyond) masks: NaN in float64 where the long double value is finite and
    within float64's range (an intermediate overflowed), or finite but beyond it."""
    none = np.zeros(values.shape, bool)
    if extended is None:
        return none, none
    lost = ~np.isfinite(values) & np.isfinite(extended)
    big = np.abs(extended) > _FLOAT_MAX
    return lost & ~big, lost & big


def check_range(lo: float, hi: float) -> None:
    """Raise ValueError unless lo < hi, both finite and within ±X_LIMIT."""
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"need lo < hi, got [{lo}, {hi}]")
    if max(abs(lo), abs(hi)) > X_LIMIT:
        raise ValueError(f"the range must lie within ±{X_LIMIT:g}")


# --- the probe -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """Values at one point; NaN where there is no finite real value (or no symbolic f′).

    ``kink``: the one-sided slopes when x₀ is a kink of f (f′ has no value there; ``df`` is
    what the symbolic f′ gives anyway and ``rel_error`` is NaN: there is nothing to be right
    about). ``near_kink``: a kink closer to x₀ than the central difference's step, which its
    two evaluations straddle. ``overflow``: f is NaN in float64 only because float64
    overflows; ``f_extended`` is its value in long double then.
    """

    x0: float
    f: float
    df: float
    numerical: float
    rel_error: float  # |df − numerical| / max(|df|, |numerical|); NaN unless both are finite
    kink: KinkPoint | None = None
    near_kink: float | None = None
    overflow: bool = False
    f_extended: float = np.nan


@_quiet
def probe(f_expr, df_expr, x0: float, kinks=()) -> Probe:
    """The probe's readings at x0; ``kinks`` (from ``curves``) to warn of one nearby."""
    f = compiled(f_expr)
    d = compiled(df_expr) if df_expr is not None else None
    x = np.array([float(x0)])
    fx = float(f(x)[0])
    df = float(d(x)[0]) if d is not None else np.nan
    numerical = float(numeric_derivative(f, x, "central")[0])
    numerical = numerical if np.isfinite(numerical) and np.isfinite(fx) else np.nan
    rel = float(relative_error(df, numerical)) if np.isfinite([df, numerical]).all() else np.nan
    kink = None
    sides = one_sided(f, x)
    if sides.kink[0]:
        lhs, rhs = float(sides.left[0]), float(sides.right[0])
        if d is not None:  # sympy's f′ either side, when it agrees with the differences
            delta = 1e-9 * max(1.0, abs(x0))
            near = d(np.array([x0 - 2 * delta, x0 - delta, x0 + delta, x0 + 2 * delta]))
            symbolic = [2 * near[1] - near[0], 2 * near[2] - near[3]]
            if np.isfinite(symbolic).all() and np.allclose(symbolic, [lhs, rhs], rtol=1e-4,
                                                            atol=1e-4):
                lhs, rhs = float(symbolic[0]), float(symbolic[1])
        kink, rel = KinkPoint(float(x0), lhs, rhs, df), np.nan
    step = float(np.cbrt(np.finfo(float).eps) * max(1.0, abs(x0)))
    near = [k.at for k in kinks if 0 < abs(k.at - x0) <= step]
    overflow, f_long = False, np.nan
    if not np.isfinite(fx) and EXTENDED:
        f_long = float(f.extended(x)[0])
        overflow = bool(np.isfinite(f_long))
    return Probe(float(x0), fx, df, numerical, rel, kink, near[0] if near else None, overflow,
                 f_long)


# --- check my derivative -----------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Check:
    """The learner's f′ against sympy's, over the same grid as ``curves``.

    ``mine``: the learner's f′ at ``curves.x`` (NaN at the cuts), for plotting next to
    ``curves.df``. ``regions``: x intervals of disagreement (each run of disagreeing grid
    points widened by half a grid step, so a single point shows as a band). ``kinks``: grid
    points skipped because f′ jumps there. ``counterexample``: (x, mine, true) at the first
    disagreement, or None.
    """

    comparison: DerivativeComparison
    mine: np.ndarray
    regions: tuple[tuple[float, float], ...]
    kinks: tuple[float, ...]
    counterexample: tuple[float, float, float] | None
    compared: int  # grid points where both are defined (kinks excluded)
    disagreeing: int
    total: int  # grid points held against the learner: f and f′ defined, not a kink
    y_range: tuple[float, float] | None  # for a plot of both (see display_range)

    @property
    def agree(self) -> bool:
        return self.comparison.agree


@_quiet
def check_derivative(f_expr, df_expr, mine_expr, plotted: Curves, lo: float, hi: float,
                     n: int = GRID_POINTS) -> Check:
    """Compare the learner's f′ (``mine_expr``) with sympy's ``df_expr`` on n points of [lo, hi].

    ``plotted``: ``curves(f_expr, df_expr, lo, hi, n)``, whose grid the learner's f′ is
    evaluated on for the plot.
    """
    check_range(lo, hi)
    result = compare_derivatives(f_expr, mine_expr, lo, hi, n=n, rtol=RTOL, atol=ATOL,
                                 reference=df_expr)
    mine = compiled(mine_expr)(plotted.x)
    mine[plotted.is_cut | ~np.isfinite(plotted.f)] = np.nan  # plotted where f is, as f′ is
    half_step = (hi - lo) / (n - 1) / 2
    regions = tuple(
        (max(lo, float(result.x[a]) - half_step), min(hi, float(result.x[b]) + half_step))
        for a, b in true_runs(result.disagree)
    )
    counterexample = None
    if result.counterexample is not None:
        i = int(np.flatnonzero(result.disagree)[0])
        counterexample = (float(result.x[i]), float(result.candidate[i]), float(result.reference[i]))
    reference = plotted.df if plotted.df is not None else plotted.numerical
    return Check(
        comparison=result,
        mine=mine,
        regions=regions,
        kinks=tuple(float(k) for k in result.x[result.kinks]),
        counterexample=counterexample,
        compared=int(result.compared.sum()),
        disagreeing=int(result.disagree.sum()),
        total=int((result.compared | result.disagree).sum()),
        y_range=display_range(np.concatenate([reference, mine])),
    )


# --------------------------------------------------------------------------------------
# Showing a refused formula back to its author


def _cell_width(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def _visible(char: str) -> str:
    """Control characters (NUL, tab, newline, ...) as one visible placeholder."""
    return "�" if unicodedata.category(char).startswith("C") else char


def caret_excerpt(text: str, column: int | None, width: int = 60) -> str | None:
    """The text around ``column`` (1-based) with a caret under it, for a monospace block.

    At most ``width`` characters around the column are shown (a 10,000-character formula
    is not echoed whole); control characters become '�'; wide (fullwidth) characters
    count two cells so the caret stays under its character. None without a column.
    """
    if column is None or not isinstance(text, str) or not text:
        return None
    index = min(max(column - 1, 0), len(text))
    start = max(0, min(index - width // 2, len(text) - width))
    piece = text[start:start + width]
    line = "".join(_visible(c) for c in piece)
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(text) else ""
    offset = len(prefix) + sum(_cell_width(c) for c in piece[:index - start])
    return f"{prefix}{line}{suffix}\n{' ' * offset}^"


_MARKDOWN_SPECIAL = re.compile("([" + re.escape(string.punctuation) + "])")


def plain_markdown(text: str) -> str:
    """``text`` escaped so that markdown shows it as typed.

    Refusal messages quote the user's text, which may come from a shared link: every ASCII
    punctuation mark is backslash-escaped (CommonMark's rule), so no link, image, emphasis,
    HTML, LaTeX ($) or Streamlit directive (:red[...], :material/...:) in it can render, and
    no bare URL becomes a link.
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def fenced(text: str) -> str:
    """``text`` as a markdown code block that nothing inside can close or format (the fence
    is longer than any run of backticks in the text, CommonMark's rule)."""
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def refusal_kind(error: ExpressionError) -> str:
    """'timeout', 'busy' (other people's work kept it from running), 'limit' (memory, size,
    a dead worker) or 'refused' (the parser or sympy said no)."""
    if isinstance(error, SymbolicTimeout):
        return "timeout"
    if isinstance(error, SymbolicBusy):
        return "busy"
    if isinstance(error, SymbolicLimitError):
        return "limit"
    return "refused"


def explanation(error: ExpressionError) -> tuple[str, dict] | None:
    """(text key, values) of the app's own wording for this refusal, or None to show the
    library's English message. Values quoting the user's text come markdown-escaped."""
    key = f"fn.err.{getattr(error, 'code', 'refused')}"
    if key not in TEXT:
        return None
    values = {name: plain_markdown(str(value)) for name, value in error.params.items()}
    return key, values
