"""What the Activations page draws: plotting grids that pass through the kinks, the nearly flat
zones it shades, the tangent at the probe, and the probe record a move of x₀ reads in one call."""

from __future__ import annotations

import numpy as np

from derivs._stable import as_array
from derivs.activations import Activation


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
    flat = np.concatenate(([False], size < rel * top, [False]))
    starts, stops = np.flatnonzero(np.diff(flat.astype(np.int8))).reshape(-1, 2).T
    x = as_array(x)
    return [(float(x[a]), float(x[b - 1])) for a, b in zip(starts, stops, strict=True) if b - 1 > a]


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
