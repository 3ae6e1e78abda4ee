"""How numbers and indices are written on every page: one place, so the pages agree."""

from __future__ import annotations

import math

import numpy as np

_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def exact(value: float) -> str:
    """A float64 as Python prints it, as inline code: the shortest text that reads back to the
    same number (for readouts where every digit matters)."""
    return f"`{float(value)!r}`"


def digits(value: float, significant: int = 10) -> str:
    """value to the given significant digits; a dash where it is not a finite number."""
    return f"{value:.{significant}g}" if math.isfinite(value) else "—"


def listed(values, significant: int = 4) -> str:
    """Comma-separated values to a few significant digits."""
    return ", ".join(f"{v:.{significant}g}" for v in np.asarray(values, dtype=float).ravel())


def bracketed(values) -> str:
    """[a, b, c] as %g: a short vector in a label."""
    return "[" + ", ".join(f"{v:g}" for v in np.asarray(values, dtype=float)) + "]"


def subscript(i: int, *, one_based: bool = True) -> str:
    """The index as subscript digits; one-based as in the notes (ŷ₁ is entry 0)."""
    return str(i + 1 if one_based else i).translate(_SUBSCRIPT)
