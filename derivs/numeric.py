"""Finite differences, the complex step, relative error and gradient checks.

Vocabulary as in torch.autograd.gradcheck: "numerical" is the finite-difference estimate,
"analytical" the hand-written derivative.

Default steps balance truncation against round-off (scaled by max(1, |x|) so they stay relative):
forward/backward √ε, central ∛ε, five-point ε^(1/5); the complex step has no subtraction, so
h = 1e-20 leaves only truncation of order h², far below ε.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from derivs._stable import as_array


@dataclass(frozen=True)
class Method:
    name: str
    label: str
    order: int  # truncation error ~ h^order: the slope of the error-vs-h curve on the right
    step_exponent: float  # default h = ε^step_exponent · max(1, |x|)
    formula: str  # LaTeX
    estimate: Callable  # estimate(f, x, h) -> derivative, all arrays of x's shape

    def default_step(self, x, dtype=np.float64):
        scale = np.maximum(1.0, np.abs(as_array(x)))
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
    # One Richardson step on the central difference: (4·D(h) − D(2h)) / 3.
    return (-f(x + 2 * h) + 8 * f(x + h) - 8 * f(x - h) + f(x - 2 * h)) / (12 * h)


def _complex_step(f, x, h):
    return np.imag(f(x + 1j * h)) / h


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method("forward", "forward", 1, 1 / 2, r"\frac{f(x+h)-f(x)}{h}", _forward),
        Method("backward", "backward", 1, 1 / 2, r"\frac{f(x)-f(x-h)}{h}", _backward),
        Method("central", "central", 2, 1 / 3, r"\frac{f(x+h)-f(x-h)}{2h}", _central),
        Method(
            "five_point", "five-point (Richardson)", 4, 1 / 5,
            r"\frac{-f(x+2h)+8f(x+h)-8f(x-h)+f(x-2h)}{12h}", _five_point,
        ),
        Method(
            "complex_step", "complex step", 2, 0.0,
            r"\frac{\operatorname{Im} f(x+ih)}{h}", _complex_step,
        ),
    )
}
_ALIASES = {"complex": "complex_step", "richardson": "five_point", "five-point": "five_point"}


def get_method(method: str) -> Method:
    name = _ALIASES.get(method, method)
    if name not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    return METHODS[name]


def _in_dtype(f, dtype):
    """f seen through a float32 (or other) lens: inputs and outputs rounded to dtype."""
    if dtype == np.float64:
        return f
    return lambda z: np.asarray(f(np.asarray(z, dtype=np.float64)), dtype=dtype)


def numeric_derivative(f, x, method="central", h=None, dtype=np.float64):
    """Finite-difference derivative of an elementwise f at every point of x at once.

    h: absolute step (scalar or x's shape); None takes the method's default step.
    dtype=np.float32 rounds x, h and every f value to float32 to show single precision.
    """
    m = get_method(method)
    dtype = np.dtype(dtype).type
    if m.name == "complex_step" and dtype != np.float64:
        raise ValueError("the complex step is only offered in float64")
    x = np.asarray(as_array(x), dtype=dtype)
    h = m.default_step(x, dtype) if h is None else as_array(h)
    h = np.asarray(h, dtype=dtype)
    if np.any(~(h > 0)):
        raise ValueError("the step h must be positive")
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return np.asarray(m.estimate(_in_dtype(f, dtype), x, h))


def numeric_jacobian(f, x, method="central", h=None):
    """J[..., j] = ∂f/∂x_j by finite differences, one coordinate at a time.

    Returns shape f(x).shape + x.shape: a gradient (n,) for scalar f, an (m, n) Jacobian for
    f: Rⁿ → Rᵐ.
    """
    m = get_method(method)
    x = as_array(x)
    steps = m.default_step(x) if h is None else np.broadcast_to(as_array(h), x.shape)
    out_shape = np.shape(f(x))
    jac = np.empty(out_shape + x.shape)
    for j in np.ndindex(x.shape):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            jac[(...,) + j] = m.estimate(partial(along, f, x, j, ...), x[j], steps[j])
    return jac


def along(fn, base, k, index, t):
    """fn(base with entry k replaced by t)[index], for every t at once (real or complex t).

    The one "move one coordinate" helper: the Jacobian's columns, a loss as one prediction
    moves, a softmax entry as one logit moves. fn may mix all entries (a loss sums them, softmax
    normalises them), so it is called once per value of t. Returns shape t.shape + the shape of
    fn(...)[index].

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
    """|a − b| / max(|a|, |b|) elementwise (CS231n); 0 where both are 0."""
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
    """
    m = get_method(method)
    if m.name == "complex_step":
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
    """'good' (≤ 1e-7), 'kink' (≤ 1e-4: fine only at kinks), 'doubtful', or 'wrong' (≥ 1e-2)."""
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


def gradcheck(f, analytical, x, preset="pytorch", *, elementwise=False, method=None, h=None,
              dtype=np.float64):
    """Compare an analytical derivative with a numerical one under a named preset.

    f: for elementwise=True an elementwise function (activations), else a function of the
    vector x (losses: scalar output -> gradient; vector output -> Jacobian).
    analytical: a callable of x or the precomputed array. method/h override the preset's.
    dtype: the precision of the numerical side (elementwise only; see numeric_derivative);
    the analytical side stays float64, as a hand-written float64 derivative would.
    """
    p = CHECK_PRESETS[preset] if isinstance(preset, str) else preset
    method = get_method(method or p.method).name
    h = p.h if h is None else h
    x = as_array(x)
    a = as_array(analytical(x) if callable(analytical) else analytical)
    if elementwise:
        n = as_array(numeric_derivative(f, x, method=method, h=h, dtype=dtype))
    elif np.dtype(dtype) != np.float64:
        raise ValueError("dtype other than float64 needs elementwise=True")
    else:
        n = as_array(numeric_jacobian(f, x, method=method, h=h))
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
    return CheckResult(p, method, x, a, n, abs_err, rel_err, passed, ok, _report(p, a, n, passed))


@dataclass(frozen=True)
class Mismatch:
    """One entry a check failed: where, the two values, and their relative error."""

    index: tuple
    numerical: float
    analytical: float
    rel_error: float


def mismatches(result: CheckResult, limit: int | None = 5) -> list[Mismatch]:
    """The entries of ``result`` that failed, in index order, at most ``limit`` of them."""
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


# --- error against step size -----------------------------------------------------------------


@dataclass(frozen=True)
class StepErrorCurve:
    h: np.ndarray
    exact: float
    errors: dict  # method name -> |numerical − exact| / |exact| over h (absolute if exact = 0)
    best_h: dict  # method name -> the h with the smallest error


def step_error_curve(f, df, x0, h=None, methods=None, dtype=np.float64) -> StepErrorCurve:
    """The error of each method at x0 for h from 1e-16 to 1 (truncation right, round-off left)."""
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
