"""Your own function: the data the playground page shows, from formulas a learner typed.

Every formula here comes from ``parse_expression`` (in this process) or ``sandbox.analyse``
(differentiated in a worker): nothing else is ever compiled. ``to_numpy`` turns "no real
value" (log x for x ≤ 0, 1/0, overflow) into NaN, and NaN is how a plot draws a gap, so
singularities become holes in the curve rather than errors. A pole that falls between two
grid points would still be drawn as a steep line joining its two branches; ``curves`` cuts
the line there too.
"""

from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy

from derivs.expression import ExpressionError, parse_expression, to_latex, to_numpy
from derivs.numeric import numeric_derivative, relative_error
from derivs.sandbox import (
    DerivativeComparison,
    SymbolicLimitError,
    SymbolicTimeout,
    analyse,
    compare_derivatives,
    run_limited,
)
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


def analyse_formula(text: str):
    """``sandbox.analyse`` under this page's limits: parse here, differentiate in a worker."""
    return analyse(text, timeout=SYMBOLIC_TIMEOUT, memory_mb=SYMBOLIC_MEMORY_MB)


def _latex_of(text: str) -> str:
    # to_latex, not sympy.latex: the latter asks sympy's assumptions questions whose cost grows
    # exponentially with nesting, and would spend the whole time limit on a deep formula.
    return to_latex(parse_expression(text))


@lru_cache(maxsize=256)
def formula_latex(text: str) -> str:
    """LaTeX of a formula as parsed (to show how it was read), rendered in a worker."""
    parse_expression(text)  # refused text fails here, fast, without a worker
    return run_limited(_latex_of, text, timeout=SYMBOLIC_TIMEOUT, memory_mb=SYMBOLIC_MEMORY_MB,
                       task="reading the formula")


@lru_cache(maxsize=128)
def compiled(expr: sympy.Expr):
    """``to_numpy(expr)``, compiled once per formula (the page reruns on every click)."""
    return to_numpy(expr)


def _typical_span(y: np.ndarray) -> float:
    finite = y[np.isfinite(y)]
    if finite.size < 2:
        return 0.0
    low, high = np.percentile(finite, [1, 99])
    return float(high - low)


def display_range(y: np.ndarray) -> tuple[float, float] | None:
    """A y range for the plot, or None to let the plot fit all the data.

    Zooms to the 1st–99th percentile (with a margin) when a few points near a pole would
    otherwise squash the rest of the curve flat.
    """
    finite = y[np.isfinite(y)]
    if finite.size < 2:
        return None
    low, high = np.percentile(finite, [1, 99])
    span = high - low
    if span <= 0 or np.ptp(finite) <= ZOOM_FACTOR * span:
        return None
    margin = 0.15 * span
    return float(low - margin), float(high + margin)


@dataclass(frozen=True, eq=False)
class Curves:
    """f, its symbolic and finite-difference derivatives on a grid, ready to plot.

    Arrays are float64 and NaN where there is no finite real value; ``x`` holds the grid
    plus one midpoint per cut (a pole between grid points), where every curve is NaN.
    ``df`` is None when the symbolic derivative is unavailable. ``undefined``: (from, to) runs
    of grid points where f has no finite value; ``df_undefined``: the same for f′ where f
    itself is defined; ``cuts``: where the line was cut at a pole between grid points
    (``is_cut`` marks those inserted midpoints in ``x``).
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


def curves(f_expr, df_expr, lo: float, hi: float, n: int = GRID_POINTS) -> Curves:
    """f, f′ (symbolic; None skips it) and the central-difference f′ on n points of [lo, hi]."""
    check_range(lo, hi)
    f = compiled(f_expr)
    x = np.linspace(lo, hi, n)
    fx = f(x)
    df = compiled(df_expr)(x) if df_expr is not None else None
    undefined = ~np.isfinite(fx)
    numerical = numeric_derivative(f, x, "central")
    # f(x ± h) can exist where f(x) does not: at 1/x's pole the quotient is 1/h², not a slope
    numerical[~np.isfinite(numerical) | undefined] = np.nan
    df_undefined = np.zeros(n, bool)
    if df is not None:
        df_undefined = ~np.isfinite(df) & ~undefined
        df[undefined] = np.nan  # 1/x is no derivative of log x at x < 0: f is not there
        # no slope, nothing to estimate: at sign's jump the quotient is 2/(2h), not a slope
        numerical[df_undefined] = np.nan

    cells = _pole_cells(x, fx, f)
    cuts = (x[cells] + x[cells + 1]) / 2
    where = cells + 1
    x_plot = np.insert(x, where, cuts)
    f_plot = np.insert(fx, where, np.nan)
    df_plot = np.insert(df, where, np.nan) if df is not None else None
    numerical_plot = np.insert(numerical, where, np.nan)
    return Curves(
        x=x_plot,
        is_cut=np.insert(np.zeros(n, bool), where, True),
        f=f_plot,
        df=df_plot,
        numerical=numerical_plot,
        undefined=_spans(x, undefined),
        df_undefined=_spans(x, df_undefined),
        cuts=tuple(float(c) for c in cuts),
        f_range=display_range(fx),
        df_range=display_range(df if df is not None else numerical),
    )


def check_range(lo: float, hi: float) -> None:
    """Raise ValueError unless lo < hi, both finite and within ±X_LIMIT."""
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"need lo < hi, got [{lo}, {hi}]")
    if max(abs(lo), abs(hi)) > X_LIMIT:
        raise ValueError(f"the range must lie within ±{X_LIMIT:g}")


@dataclass(frozen=True)
class Probe:
    """Values at one point; NaN where there is no finite real value (or no symbolic f′)."""

    x0: float
    f: float
    df: float
    numerical: float
    rel_error: float  # |df − numerical| / max(|df|, |numerical|); NaN unless both are finite


def probe(f_expr, df_expr, x0: float) -> Probe:
    f = compiled(f_expr)
    x = np.array([float(x0)])
    fx = float(f(x)[0])
    df = float(compiled(df_expr)(x)[0]) if df_expr is not None else np.nan
    numerical = float(numeric_derivative(f, x, "central")[0])
    numerical = numerical if np.isfinite(numerical) and np.isfinite(fx) else np.nan
    rel = float(relative_error(df, numerical)) if np.isfinite([df, numerical]).all() else np.nan
    return Probe(float(x0), fx, df, numerical, rel)


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
    return Check(
        comparison=result,
        mine=mine,
        regions=regions,
        kinks=tuple(float(k) for k in result.x[result.kinks]),
        counterexample=counterexample,
        compared=int(result.compared.sum()),
        disagreeing=int(result.disagree.sum()),
        total=int((result.compared | result.disagree).sum()),
        y_range=display_range(np.concatenate([plotted.df, mine])),
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
    """'timeout', 'limit' (memory, size, a dead worker) or 'refused' (the parser said no)."""
    if isinstance(error, SymbolicTimeout):
        return "timeout"
    if isinstance(error, SymbolicLimitError):
        return "limit"
    return "refused"
