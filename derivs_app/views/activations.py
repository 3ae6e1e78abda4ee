"""What the Activations page draws: plotting grids that pass through the kinks, the nearly flat
zones it shades, the tangent at the probe, and the probe record a move of x₀ reads in one call."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial

import numpy as np

from derivs import METHODS, error_band, numeric_derivative, relative_error
from derivs._stable import as_array
from derivs.activations import Activation, Kink, one_sided_slopes
from derivs.numeric import finite_difference_trouble
from derivs.symbolic import derivative_at_kink, slope_is_exactly_zero
from derivs_app.views.common import true_runs


def plot_grid(lo: float, hi: float, kinks=(), n: int = 601) -> np.ndarray:
    """n evenly spaced x on [lo, hi] plus the kinks inside, sorted: a drawn curve then turns
    exactly at a kink instead of cutting the corner between two grid points."""
    inside = [float(k) for k in kinks if lo < k < hi]
    return np.union1d(np.linspace(lo, hi, n), inside)


def activation_grid(act: Activation, widen: float = 1.0, n: int = 601) -> np.ndarray:
    """plot_grid over act.plot_range stretched by widen, with act's kinks."""
    lo, hi = act.plot_range
    return plot_grid(widen * lo, widen * hi, [k.at for k in act.kinks], n)


def flat_zones(x, slope, rel: float = 0.01) -> list[tuple[float, float]]:
    """The intervals of the grid x where |slope| < rel · max|slope| (saturation, dead ReLU), as
    (first x, last x) of each run of such points; single points (a slope crossing 0) are left
    out. Empty when the slope is 0 everywhere: then nothing is "nearly" flat by comparison."""
    size = np.abs(as_array(slope))
    top = float(np.max(size)) if size.size else 0.0
    if not top > 0:
        return []
    x = as_array(x)
    return [(float(x[a]), float(x[b])) for a, b in true_runs(size < rel * top) if b > a]


def tangent_segment(x0: float, value: float, slope: float, lo: float, hi: float,
                    fraction: float = 0.15) -> tuple[np.ndarray, np.ndarray]:
    """Ends of the tangent y = value + slope·(x − x0), drawn fraction·(hi − lo) either side of x0
    so that it reads as a tangent and does not stretch the plot's y range."""
    half = fraction * (hi - lo)
    xs = np.array([x0 - half, x0 + half])
    return xs, value + slope * (xs - x0)


def peak(x, y) -> tuple[float, float]:
    """(x where y is largest, that largest y) on a grid: e.g. σ′ peaks at (0, 0.25)."""
    i = int(np.argmax(y))
    return float(as_array(x)[i]), float(as_array(y)[i])


# --- the probe: everything one move of x₀ shows, computed once ----------------------------------

FLAT = 0.01  # shade where |f′| < 1% of its largest value on the plot
KINK_DIFFERENCES = ("backward", "central", "forward")


@dataclass(frozen=True)
class Curves:
    """f and f′ over the plotted grid: they depend on the sidebar, not on x₀, so a probe move
    reuses them."""

    x: np.ndarray
    y: np.ndarray
    slope: np.ndarray
    zones: list


def curves(act: Activation, x, params: dict) -> Curves:
    slope = act.df(x, **params)
    return Curves(x, act.f(x, **params), slope, flat_zones(x, slope, FLAT))


@dataclass(frozen=True)
class KinkView:
    """What libraries and differences say at one kink."""

    kink: Kink
    left: float  # the one-sided slopes
    right: float
    convention: float  # what df returns there (PyTorch's choice)
    sympy: float  # what sympy's Piecewise derivative gives
    differences: tuple  # ((method, h, estimate), ...) for backward, central, forward

    @property
    def central(self) -> float:
        return next(value for name, _, value in self.differences if name == "central")


@dataclass(frozen=True)
class Probe:
    """f, f′ and the finite difference at x₀, with the reasons a number may not be what it
    seems. The Activations page reads one of these per move of x₀."""

    x0: float
    value: float  # f(x₀)
    slope: float  # f′(x₀), analytic
    method: str
    h: float  # the step the difference took (the method's default unless one was set)
    numerical: float
    rel_error: float  # NaN when the difference is not finite
    band: str | None  # CS231n band of rel_error, None when there is no finite difference
    trouble: str | None  # finite_difference_trouble: 'step_lost', 'flat' or None
    kink: Kink | None  # the kink x₀ sits on, if any
    underflow: bool  # f′(x₀) is 0 in float64 although the true slope is not
    shown: bool  # x₀ is on the plotted range
    tangent: tuple | None  # (xs, ys) of the tangent segment, when shown
    via_output: float | None  # the notes' form f′ = g(f) at x₀, where the record has one
    via_error: float | None  # its relative error against f′(x₀)


def probe(act: Activation, params: dict, x, x0: float, method: str, h: float | None) -> Probe:
    f = partial(act.f, **params)
    value, slope = float(f(x0)), float(act.df(x0, **params))
    step = float(METHODS[method].default_step(x0)) if h is None else float(h)
    numerical = float(numeric_derivative(f, x0, method, h))
    finite = math.isfinite(numerical)
    rel = float(relative_error(slope, numerical)) if finite else math.nan
    shown = bool(x[0] <= x0 <= x[-1])
    via = float(act.df_via_output(value)) if act.df_via_output is not None else None
    tangent = tangent_segment(x0, value, slope, float(x[0]), float(x[-1])) if shown else None
    return Probe(
        x0=x0, value=value, slope=slope, method=method, h=step, numerical=numerical,
        rel_error=rel, band=error_band(rel) if finite else None,
        trouble=finite_difference_trouble(f, x0, method, h),
        kink=next((k for k in act.kinks if k.at == x0), None),
        underflow=slope == 0 and not slope_is_exactly_zero(act.name, x0, **params),
        shown=shown, tangent=tangent,
        via_output=via, via_error=None if via is None else float(relative_error(slope, via)),
    )


def kink_view(act: Activation, kink: Kink, params: dict) -> KinkView:
    f = partial(act.f, **params)
    left, right = one_sided_slopes(act, kink.at, **params)
    differences = tuple((m, float(METHODS[m].default_step(kink.at)),
                         float(numeric_derivative(f, kink.at, m))) for m in KINK_DIFFERENCES)
    return KinkView(kink, left, right, float(act.df(kink.at, **params)),
                    derivative_at_kink(act.name, kink.at, **params), differences)


@dataclass(frozen=True)
class ChartSummary:
    """What the f/f′ chart shows, as numbers a sentence can carry (the chart's text alternative)."""

    lo: float
    hi: float
    peak_x: float
    peak: float  # the largest |f′| on the plotted range, with its sign
    flat_beyond: float | None  # |f′| < FLAT·peak for |x| beyond this, when that holds both ways
    probe: Probe


def chart_summary(drawn: Curves, p: Probe) -> ChartSummary:
    x, slope = drawn.x, np.abs(drawn.slope)
    i = int(np.nanargmax(slope))
    small = slope < FLAT * slope[i]
    beyond = None
    big = np.flatnonzero(~small)
    if big.size and small[0] and small[-1]:
        beyond = float(max(abs(x[big[0]]), abs(x[big[-1]])))
    return ChartSummary(float(x[0]), float(x[-1]), float(x[i]), float(drawn.slope[i]), beyond, p)
