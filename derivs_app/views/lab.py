"""What the gradient-check lab checks, and the lab's small computations.

A ``Target`` is a checkable scalar function: an elementwise f(x) with its analytic derivative
f′(x). Activations are targets as they are; a loss becomes one as a single prediction ŷ_k moves
(the other entries held at fixed values), and a softmax entry s_i as a single logit z_j moves.
Loss and softmax targets are ``functools.partial`` objects over top-level functions, so the
code exporter (``derivs.snippets``) can write them out as plain numpy.

The rest of the module computes what the lab shows: a check at one point with the reasons it
may be meaningless (step lost to rounding, stencil outside the domain or across a kink), the
same check under every library preset, the error-against-step curves ready for a log axis with
their slope guides, the probes of the kink explorer, f up close around a stencil, and a scan of
the relative error over an interval. The page only formats what these return.

The second edition adds: f″ where the record has one (``Target.second`` turns a target into its
gradgradcheck, f′ checked against f″), the lab's examples (sin at x = 1e6, the gradgradcheck),
the Richardson tableau against the analytic derivative, every method at its own default step
with its error estimate, the estimates over h as bands, and random-direction checks of a
softmax Jacobian, a loss gradient and an MLP's gradient (``direction_view``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache, partial

import numpy as np

from derivs.activations import ACTIVATIONS, Kink
from derivs.losses import LOSSES
from derivs.network import MLP
from derivs.numeric import (
    CHECK_PRESETS,
    GOOD,
    METHODS,
    CheckPreset,
    CheckResult,
    DirectionalCheck,
    along,
    directional_check,
    get_method,
    gradcheck,
    numeric_derivative,
    relative_error,
    richardson_tableau,
    step_error_curve,
)
from derivs.softmax import softmax, softmax_jacobian
from derivs_app.formatting import bracketed, subscript

# --- moving one entry: losses and softmax as scalar functions --------------------------------


@dataclass(frozen=True)
class Target:
    """An elementwise scalar function f with its analytic derivative df, ready to check.

    kind picks the caption ("activation", "loss", "softmax"); context holds the caption's
    fixed values as display strings; domain is the open interval where f is defined.
    """

    name: str
    label: str  # language-neutral: it is what the URL holds
    kind: str
    f: Callable
    df: Callable
    x_range: tuple[float, float]
    x_default: float
    domain: tuple[float, float] = (-np.inf, np.inf)
    kinks: tuple[Kink, ...] = ()
    context: tuple[tuple[str, str], ...] = ()
    d2f: Callable | None = None  # the hand-written f″, where the record has one
    complex_step: bool = True  # f takes complex input (False: the complex step is not offered)

    def second(self) -> Target:
        """The gradgradcheck of this target: f′ as the function, f″ as the derivative under test
        (as torch.autograd.gradgradcheck checks a backward against differences of a backward).
        f′ jumps where f has a kink, so the kinks stay."""
        if self.d2f is None:
            raise ValueError(f"{self.name} has no hand-written second derivative")
        return replace(self, name=f"{self.name}_d2", label=f"{self.label} · f″", kind="second",
                       f=self.df, df=self.d2f, d2f=None, context=(("base", self.label),),
                       complex_step=False)  # hand-written f′ is real code: no complex step

    def methods(self, dtype=np.float64) -> list[str]:
        """The fixed-step methods the lab can run on this target in dtype."""
        offered = self.complex_step and np.dtype(dtype) == np.float64
        return [m for m in METHODS if m != "complex_step" or offered]

    @property
    def x_step(self) -> float:
        """A round slider step (1, 2 or 5 times a power of 10) giving about 200 positions."""
        raw = (self.x_range[1] - self.x_range[0]) / 200
        power = 10.0 ** np.floor(np.log10(raw))
        return float(min((m * power for m in (1, 2, 5, 10)), key=lambda s: abs(s - raw)))


_show, _sub = bracketed, subscript


@dataclass(frozen=True)
class LossSetup:
    """Where a loss is checked: fixed targets y and predictions base, entry k moving."""

    short: str  # a language-neutral short name for labels
    y: np.ndarray
    base: np.ndarray
    k: int
    x_range: tuple[float, float]
    domain: tuple[float, float] = (-np.inf, np.inf)


LOSS_SETUPS: dict[str, LossSetup] = {
    "mse": LossSetup("MSE", np.array([0.5, -1.0, 2.0]), np.array([1.2, -0.4, 1.5]), 0,
                     (-4.0, 4.0)),
    "cross_entropy": LossSetup("CE", np.array([0.0, 1.0, 0.0]), np.array([0.2, 0.7, 0.1]), 1,
                               (0.05, 1.0), domain=(0.0, np.inf)),
    "binary_cross_entropy": LossSetup("BCE", np.array([1.0, 0.0, 1.0]),
                                      np.array([0.8, 0.3, 0.6]), 0, (0.05, 0.95),
                                      domain=(0.0, 1.0)),
    "softmax_cross_entropy": LossSetup("softmax-CE", np.array([0.0, 1.0, 0.0]),
                                       np.array([1.0, 2.0, 0.5]), 1, (-6.0, 6.0)),
    "huber": LossSetup("Huber", np.array([0.0, 1.0, -1.0]), np.array([0.5, 3.0, -1.2]), 0,
                       (-3.0, 3.0)),
}


def loss_component(name: str, grad=None) -> tuple[Callable, Callable]:
    """(f, df): the loss as its entry k moves, and ∂L/∂ŷ_k from grad (default: the loss's own
    gradient; pass another, e.g. the notes' one, to check that instead)."""
    loss, setup = LOSSES[name], LOSS_SETUPS[name]
    grad = grad or loss.grad
    return (partial(along, partial(loss.value, setup.y), setup.base, setup.k, ()),
            partial(along, partial(grad, setup.y), setup.base, setup.k, setup.k))


def _loss_target(name) -> Target:
    setup = LOSS_SETUPS[name]
    var = "z" if LOSSES[name].prediction == "logits" else "ŷ"
    f, df = loss_component(name)
    return Target(
        name=f"loss_{name}",
        label=f"{setup.short} · ∂L/∂{var}{_sub(setup.k)}",
        kind="loss",
        f=f,
        df=df,
        x_range=setup.x_range,
        x_default=float(setup.base[setup.k]),
        domain=setup.domain,
        context=(("var", var), ("k", _sub(setup.k)), ("y", _show(setup.y)),
                 ("base", _show(setup.base))),
    )


_LOGITS = np.array([1.0, 2.0, 0.5])


def _softmax_target(i, j) -> Target:
    return Target(
        name=f"softmax_{i + 1}{j + 1}",
        label=f"softmax · ∂s{_sub(i)}/∂z{_sub(j)}",
        kind="softmax",
        f=partial(along, softmax, _LOGITS, j, i),
        df=partial(along, softmax_jacobian, _LOGITS, j, (i, j)),
        x_range=(-6.0, 6.0),
        x_default=float(_LOGITS[j]),
        context=(("i", _sub(i)), ("j", _sub(j)), ("base", _show(_LOGITS))),
    )


def _activation_target(act) -> Target:
    return Target(
        name=act.name, label=act.label, kind="activation", f=act.f, df=act.df,
        x_range=act.plot_range, x_default=0.5, kinks=act.kinks,  # 0.5: clear of every kink
        d2f=getattr(act, "d2f", None),  # records without f″ simply offer no gradgradcheck
    )


# sin: the derivative everybody knows, and periodic: at x = 1e6 a step scaled by |x| spans
# about a whole period (2π), so fixed-step differences there mean nothing. Top-level functions,
# not np.sin itself, so the exporter can write them out.


def sin_f(x):
    """sin x (period 2π)."""
    return np.sin(x)


def sin_df(x):
    """sin′ = cos."""
    return np.cos(x)


def sin_d2f(x):
    """sin″ = −sin."""
    return -np.sin(x)


SIN = Target(name="sin", label="sin", kind="function", f=sin_f, df=sin_df, d2f=sin_d2f,
             x_range=(-10.0, 10.0), x_default=1.0)


TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        *(_activation_target(a) for a in ACTIVATIONS.values()),
        *(_loss_target(name) for name in LOSS_SETUPS),
        _softmax_target(0, 0),
        _softmax_target(1, 0),
        SIN,
    )
}


@dataclass(frozen=True)
class Example:
    """A worked example of the lab: a target at a point, f′ or (second) its gradgradcheck,
    checked with the method's default step."""

    name: str  # its text is "gc.example.<name>" (the URL holds the name)
    target: str
    x: float
    second: bool = False
    method: str = "central"


NO_EXAMPLE = "none"
EXAMPLES: dict[str, Example] = {
    e.name: e
    for e in (
        # central's default step ∛ε·|x| = 6.06 is almost a period: relative error about 1
        Example("sin_1e6", "sin", 1e6),
        Example("gradgrad", "gelu", 1.0, second=True),
    )
}


def sin_periods(h: float) -> float:
    """How many periods of sin (2π) a step spans: the sin example's point."""
    return float(h / (2 * np.pi))


def checked_target(target: Target, second: bool) -> Target:
    """The target the lab checks: its f′, or with second (and an f″ to check) its f″."""
    return target.second() if second and target.d2f is not None else target


# --- one check at one point ------------------------------------------------------------------

#: The lab's "custom" preset: the learner's method and step, judged by CS231n's "good" band.
CUSTOM = "custom"


def preset_for(name: str, method: str, h: float) -> CheckPreset:
    """The named preset, or for "custom" a relative-error rule (≤ 1e-7) at method and h."""
    if name in CHECK_PRESETS:
        return CHECK_PRESETS[name]
    if name != CUSTOM:
        raise ValueError(f"unknown preset {name!r}")
    return CheckPreset(CUSTOM, CUSTOM, method, h, "relative", 0.0, GOOD,
                       "your method and step; relative error ≤ 1e-7 (CS231n's 'good')")


def resolve_step(method: str, x: float, log10_h: float | None, dtype=np.float64) -> float:
    """The step to use: 10**log10_h, or the method's default step at x when log10_h is None."""
    if log10_h is None:
        return float(get_method(method).default_step(np.float64(x), dtype))
    return float(10.0 ** log10_h)


def stencil(method: str, x: float, h: float, dtype=np.float64) -> tuple[np.ndarray, int]:
    """(the distinct real points where the method evaluates f, the number of evaluations).

    Found by running the method on a probe that records its arguments, so no method needs a
    table of offsets. Fewer distinct points than evaluations means rounding ate the step.
    """
    seen = []

    def probe(z):
        seen.append(np.real(np.asarray(z)).ravel())
        return np.zeros_like(z)

    with np.errstate(all="ignore"):
        get_method(method).estimate(probe, np.asarray(x, dtype=dtype), np.asarray(h, dtype=dtype))
    points = np.concatenate(seen).astype(np.float64)
    return np.unique(points), len(seen)


@dataclass(frozen=True)
class KinkNote:
    """How a check's stencil meets a kink.

    status: "crosses" (points strictly on both sides: the quotient mixes both slopes),
    "on_kink" (x is the kink; the stencil sees one piece, df returns a convention), or
    "clear" (every point on one side: a valid check).
    seen: the piece the stencil sees, "left", "right", "both" or "branch" (all points at the
    kink: the complex step, which follows the code's branch at x).
    """

    at: float
    side: str  # the one-sided slope df returns at the kink (the convention)
    status: str
    seen: str


def kink_note(kinks, x: float, points) -> KinkNote | None:
    """The kink nearest x that the stencil reaches or sits on, or None if no kink is near."""
    notes = []
    for kink in kinks:
        below, above = np.any(points < kink.at), np.any(points > kink.at)
        if below and above:
            status, seen = "crosses", "both"
        elif x == kink.at:
            status = "on_kink"
            seen = "right" if above else "left" if below else "branch"
        elif np.any(points == kink.at):
            status, seen = "clear", "right" if above else "left"
        else:
            continue
        notes.append((abs(x - kink.at), KinkNote(kink.at, kink.side, status, seen)))
    return min(notes, key=lambda n: n[0])[1] if notes else None


@dataclass(frozen=True)
class PointCheck:
    """A gradient check at one point, with what may make it meaningless."""

    x: float
    method: str
    h: float
    dtype: str
    result: CheckResult | None  # None when the check cannot run (complex step in float32)
    numerical: float
    analytical: float
    rel_error: float
    stencil: np.ndarray
    problems: tuple[str, ...]  # keys: complex_float32, complex_real, step_lost,
    #                            outside_domain, not_finite
    kink: KinkNote | None

    @property
    def ok(self) -> bool:
        return self.result is not None and self.result.ok


def check_point(f, df, x: float, method: str, h: float, preset: CheckPreset,
                dtype=np.float64, *, kinks=(), domain=(-np.inf, np.inf),
                complex_ok: bool = True) -> PointCheck:
    """derivs.gradcheck of df against f at the single point x, under preset's tolerance rule
    but with the given method and step, plus the reasons the numbers may mislead.
    complex_ok False: f is real code only (a hand-written f′), so the complex step cannot run."""
    dtype = np.dtype(dtype)
    with np.errstate(all="ignore"):  # overflow at huge x is reported as not_finite below
        analytical = float(np.asarray(df(np.array([x], dtype=np.float64)))[0])
    if method == "complex_step" and (dtype != np.float64 or not complex_ok):
        problem = "complex_float32" if dtype != np.float64 else "complex_real"
        return PointCheck(x, method, h, dtype.name, None, np.nan, analytical, np.nan,
                          np.array([x]), (problem,), None)
    points, evaluations = stencil(method, x, h, dtype)
    problems = []
    if points.size < evaluations:
        problems.append("step_lost")
    if np.any(points <= domain[0]) or np.any(points >= domain[1]):
        problems.append("outside_domain")
    with np.errstate(all="ignore"):
        result = gradcheck(f, df, np.array([x]), preset, elementwise=True, method=method, h=h,
                           dtype=dtype)
    numerical = float(result.numerical[0])
    if not (np.isfinite(numerical) and np.isfinite(analytical)) and not problems:
        problems.append("not_finite")
    return PointCheck(x, method, h, dtype.name, result, numerical, analytical,
                      float(result.rel_error[0]), points, tuple(problems),
                      kink_note(kinks, x, points))


def check_target(target: Target, x: float, method: str, h: float, preset: CheckPreset,
                 dtype=np.float64) -> PointCheck:
    return check_point(target.f, target.df, x, method, h, preset, dtype,
                       kinks=target.kinks, domain=target.domain,
                       complex_ok=target.complex_step)


def preset_checks(f, df, x: float, dtype=np.float64, *, kinks=(),
                  domain=(-np.inf, np.inf)) -> dict[str, PointCheck]:
    """The check at x under every library preset, each with its own method and step."""
    return {
        name: check_point(f, df, x, p.method,
                          p.h if p.h is not None else resolve_step(p.method, x, None, dtype),
                          p, dtype, kinks=kinks, domain=domain)
        for name, p in CHECK_PRESETS.items()
    }


# --- error against step size, ready for a log axis -------------------------------------------

#: Errors below this are drawn at it: an exact 0 (the complex step often hits it) has no place
#: on a log axis.
ERROR_FLOOR = 1e-17
#: Errors above this (overflow at huge x) are drawn at it: far off any chart, but finite in the
#: float32 that plots send.
ERROR_CEILING = 1e30


@dataclass(frozen=True)
class Guide:
    """A reference line err = c·h^slope over h, fitted to the curve with the slope fixed."""

    h: np.ndarray
    err: np.ndarray
    slope: float


@dataclass(frozen=True)
class MethodCurve:
    name: str
    order: int
    err: np.ndarray  # clipped to ERROR_FLOOR; NaN where the step rounded away (x + h = x)
    at_floor: np.ndarray  # bool: the true error was below the floor (often exactly 0)
    best_h: float  # NaN when no step gives a finite error
    best_err: float
    truncation: Guide | None  # slope = order, right of best_h
    round_off: Guide | None  # slope = −1, left of best_h


@dataclass(frozen=True)
class ErrorCurves:
    h: np.ndarray
    exact: float
    relative: bool  # False when the exact derivative is 0: absolute errors then
    curves: dict[str, MethodCurve]
    floor: float = ERROR_FLOOR

    @property
    def lost(self) -> list[str]:
        """Methods with no finite error at all: every step was lost to rounding."""
        return [name for name, c in self.curves.items() if np.isnan(c.best_h)]


def _fit(h, err, slope, spread):
    """c in err = c·h^slope, as the median over the points (robust to round-off noise).

    None unless the points follow that slope to within ``spread`` decades (median absolute
    deviation): a jump (a stencil reaching a kink, an exact quadratic) is not a power law.
    """
    ok = np.isfinite(err) & (err > ERROR_FLOOR)
    if np.count_nonzero(ok) < 5:
        return None
    log_c = np.log10(err[ok]) - slope * np.log10(h[ok])
    centre = np.median(log_c)
    if np.median(np.abs(log_c - centre)) > spread:
        return None
    return Guide(h, 10.0 ** (centre + slope * np.log10(h)), float(slope))


def _side(h, err, best, right):
    """The outer half (in log h) of one side of the best step, where one error dominates;
    steps lost to rounding (NaN error) are not part of it."""
    finite = h[np.isfinite(err)]
    lo, hi = (best, finite[-1]) if right else (finite[0], best)
    mid = np.sqrt(lo * hi)
    keep = (h >= mid) & (h <= hi) if right else (h >= lo) & (h <= mid)
    return h[keep], err[keep]


def _rises(err, best_err, right) -> bool:
    """True when the error climbs well above its minimum toward one end (not flat)."""
    finite = err[np.isfinite(err)]
    end = finite[-1] if right else finite[0]
    return bool(end > 100.0 * max(best_err, ERROR_FLOOR))


def error_curves(f, df, x0: float, dtype=np.float64, methods=None) -> ErrorCurves:
    """derivs.step_error_curve for every method (or those named), clipped for a log axis,
    with slope guides."""
    with np.errstate(all="ignore"):  # huge x overflows; those errors show as gaps or the top
        raw = step_error_curve(f, df, x0, methods=methods, dtype=dtype)
    h = raw.h
    curves = {}
    for name, err in raw.errors.items():
        order = get_method(name).order
        at_floor = np.isfinite(err) & (err < ERROR_FLOOR)
        shown = np.clip(err, ERROR_FLOOR, ERROR_CEILING)  # NaN (step lost) stays NaN
        if not np.any(np.isfinite(err)):  # every step lost to rounding (|x| near 1e308)
            curves[name] = MethodCurve(name, order, shown, at_floor, np.nan, np.nan, None, None)
            continue
        best = int(np.nanargmin(np.where(np.isfinite(err), err, np.nan)))
        best_h, best_err = float(h[best]), float(shown[best])
        truncation = round_off = None
        if _rises(shown, best_err, right=True):
            truncation = _fit(*_side(h, shown, best_h, right=True), order, spread=0.15)
        if _rises(shown, best_err, right=False):
            round_off = _fit(*_side(h, shown, best_h, right=False), -1.0, spread=0.5)
        curves[name] = MethodCurve(name, order, shown, at_floor, best_h, best_err,
                                   truncation, round_off)
    return ErrorCurves(h, raw.exact, raw.exact != 0, curves)


# --- the kink explorer -----------------------------------------------------------------------


@dataclass(frozen=True)
class KinkProbe:
    where: str  # "at", "left_half", "right_half", "clear": which probe this is
    check: PointCheck


#: Where the kink explorer checks, in steps h from the kink: on it, half a step either side
#: (a central stencil straddles it), and three steps right (clear of every stencil: ≤ 2h).
KINK_PROBES = {"at": 0.0, "left_half": -0.5, "right_half": 0.5, "clear": 3.0}


def kink_probes(target: Target, kink: Kink, method: str, h: float, preset: CheckPreset,
                dtype=np.float64) -> list[KinkProbe]:
    """The check at each of KINK_PROBES around the kink, all with the same step h."""
    return [
        KinkProbe(where, check_point(target.f, target.df, kink.at + steps * h, method, h,
                                     preset, dtype, kinks=target.kinks, domain=target.domain))
        for where, steps in KINK_PROBES.items()
    ]


# --- pictures of a check: the stencil up close, and a scan over x ----------------------------


@dataclass(frozen=True)
class StencilView:
    """f near x with the points a method evaluates, and the two slopes through (x, f(x)).

    The numerical slope is drawn as the line the difference quotient measures; the analytical
    one as the tangent df claims. Across a kink the first is a chord over both pieces.
    """

    grid: np.ndarray
    f_grid: np.ndarray
    points: np.ndarray
    f_points: np.ndarray
    numerical_line: np.ndarray  # f(x) + numerical·(grid − x)
    analytical_line: np.ndarray  # f(x) + analytical·(grid − x)
    kinks: tuple[float, ...]  # the kinks inside the window


def stencil_view(f, check: PointCheck, kinks=(), samples: int = 201) -> StencilView:
    x = check.x
    reach = float(np.max(np.abs(check.stencil - x))) or check.h
    grid = np.linspace(x - 2.5 * reach, x + 2.5 * reach, samples)
    with np.errstate(all="ignore"):
        f_grid = np.asarray(f(grid), dtype=np.float64)
        f_points = np.asarray(f(check.stencil), dtype=np.float64)
        fx = float(np.asarray(f(np.array([x])))[0])
    inside = tuple(k.at for k in kinks if grid[0] <= k.at <= grid[-1])
    return StencilView(grid, f_grid, check.stencil, f_points,
                       fx + check.numerical * (grid - x), fx + check.analytical * (grid - x),
                       inside)


@dataclass(frozen=True)
class Scan:
    """Relative error of analytical derivatives against one method across an interval."""

    x: np.ndarray
    rel_errors: dict  # label -> relative error at every x (clipped to ERROR_FLOOR)
    floor: float = ERROR_FLOOR


def scan(f, derivatives: dict, x_range, method: str, dtype=np.float64,
         samples: int = 201) -> Scan:
    """Run the check at every point of x_range with the method's default step.

    derivatives: {label: df}; each is compared with the same numerical derivative.
    """
    x = np.linspace(x_range[0], x_range[1], samples)
    numerical = np.asarray(numeric_derivative(f, x, method=method, dtype=dtype), np.float64)
    rel = {label: np.maximum(relative_error(df(x), numerical), ERROR_FLOOR)
           for label, df in derivatives.items()}
    return Scan(x, rel)


def lab_settings(preset_name: str, method: str, log10_h: float | None, x: float,
                 dtype=np.float64) -> tuple[str, float, CheckPreset]:
    """(method, h, preset) of the lab's current check.

    A library preset brings its own method and step (its default step when it names none);
    "custom" takes the learner's method and step (log10_h None: the method's default step).
    """
    if preset_name == CUSTOM:
        h = resolve_step(method, x, log10_h, dtype)
        return method, h, preset_for(CUSTOM, method, h)
    p = CHECK_PRESETS[preset_name]
    h = p.h if p.h is not None else resolve_step(p.method, x, None, dtype)
    return p.method, h, p


#: The step slider's resolution in log10 h (161 positions from 1e-16 to 1, as the curves).
LOG_STEP_RESOLUTION = 0.1


def slider_log10(h: float) -> float:
    """The step slider's position nearest to h."""
    return round(round(np.log10(h) / LOG_STEP_RESOLUTION) * LOG_STEP_RESOLUTION, 10)


# --- Richardson: the tableau against the analytic derivative ---------------------------------


def _error_against(values, exact: float):
    """|values − exact| / |exact| (absolute where exact is 0), clipped to ERROR_FLOOR; NaN stays."""
    scale = abs(exact) if exact != 0 else 1.0
    err = np.abs(np.asarray(values, dtype=np.float64) - exact) / scale
    return np.where(np.isnan(err), np.nan, np.clip(err, ERROR_FLOOR, ERROR_CEILING))


@dataclass(frozen=True)
class TableauView:
    """``derivs.richardson_tableau`` at x, trimmed to the rows and columns it filled, with each
    entry's error against the analytic derivative (what colours the lab's heatmap).

    Row r is the central difference at steps[r]; column j its j-th extrapolation, whose
    truncation error is of order h^(2j+2). The chosen entry (row, column) extrapolates the
    differences at steps[row − column], …, steps[row] (``used_steps``).
    """

    x: float
    exact: float
    relative: bool  # False when the exact derivative is 0: absolute errors then
    steps: np.ndarray  # (rows,)
    tableau: np.ndarray  # (rows, columns), NaN above the diagonal
    estimates: np.ndarray  # (rows, columns), the core's per-entry estimate, NaN where it has none
    errors: np.ndarray  # (rows, columns), against exact, clipped to ERROR_FLOOR
    row: int
    column: int
    value: float
    estimate: float
    evaluations: int

    @property
    def rel_error(self) -> float:
        return float(relative_error(self.value, self.exact))

    @property
    def used_steps(self) -> np.ndarray:
        return self.steps[self.row - self.column: self.row + 1]

    @property
    def covered(self) -> bool:
        """The true error is within the estimate."""
        return bool(abs(self.value - self.exact) <= self.estimate)

    @property
    def found(self) -> bool:
        """False when no step gave a finite difference (|x| near the float64 limit)."""
        return bool(self.steps.size and np.isfinite(self.value))


@np.errstate(all="ignore")  # huge x overflows: shown as gaps and dashes
def richardson_view(f, df, x: float, dtype=np.float64) -> TableauView:
    with np.errstate(all="ignore"):
        tab = richardson_tableau(f, float(x), dtype=dtype)
        exact = float(np.asarray(df(np.array([float(x)])), dtype=np.float64)[0])
    filled = np.isfinite(tab.tableau)
    rows = int(np.max(np.flatnonzero(filled.any(axis=1)), initial=-1)) + 1
    cols = int(np.max(np.flatnonzero(filled.any(axis=0)), initial=-1)) + 1
    table = tab.tableau[:rows, :cols]
    return TableauView(float(x), exact, exact != 0, tab.steps[:rows].copy(), table,
                       tab.errors[:rows, :cols], _error_against(table, exact), tab.row,
                       tab.column, tab.value, tab.estimate, tab.evaluations)


# --- every method at its own default step, with its error estimate ---------------------------


@dataclass(frozen=True)
class MethodEstimate:
    """One method at its default step at x: the value, its error estimate (``full_output``),
    the true relative error, and whether the estimate covers the true error."""

    method: str
    h: float  # the default step; for an adaptive method, the largest step its probe found
    value: float
    estimate: float
    rel_error: float
    covered: bool


@np.errstate(all="ignore")  # huge x overflows: shown as gaps and dashes
def default_step_estimates(f, df, x: float, dtype=np.float64,
                           tableau: TableauView | None = None,
                           methods=None) -> dict[str, MethodEstimate]:
    """Every fixed-step method (or those named) at its default step, then Richardson (its
    numbers are the tableau's: pass the one already computed at x). The complex step only in
    float64, as the core offers it."""
    exact = float(np.asarray(df(np.array([float(x)])), dtype=np.float64)[0])
    rows = {}
    for name in methods or METHODS:
        if name == "complex_step" and np.dtype(dtype) != np.float64:
            continue
        with np.errstate(all="ignore"):
            h = float(METHODS[name].default_step(np.float64(x), dtype))
            value, estimate = numeric_derivative(f, np.array([float(x)]), name, dtype=dtype,
                                                 full_output=True)
        rows[name] = _estimated(name, h, float(value[0]), float(estimate[0]), exact)
    tab = tableau if tableau is not None else richardson_view(f, df, x, dtype)
    rows["richardson"] = _estimated("richardson", float(tab.steps[0]) if tab.found else np.nan,
                                    tab.value, tab.estimate, exact)
    return rows


def _estimated(name, h, value, estimate, exact) -> MethodEstimate:
    with np.errstate(invalid="ignore"):
        covered = bool(abs(value - exact) <= estimate)
    return MethodEstimate(name, h, value, estimate, float(relative_error(value, exact)), covered)


@np.errstate(all="ignore")  # huge x overflows: shown as gaps and dashes
def estimate_bands(f, df, x0: float, methods, dtype=np.float64) -> dict[str, np.ndarray]:
    """Each method's error estimate (``full_output``) at every step of the error-vs-h chart, on
    the chart's scale (relative, or absolute where the exact derivative is 0), clipped to the
    floor; NaN where the step is lost to rounding."""
    hs = np.logspace(-16, 0, 161)  # the steps of derivs.step_error_curve
    exact = float(np.asarray(df(np.array([float(x0)])), dtype=np.float64)[0])
    scale = abs(exact) if exact != 0 else 1.0
    bands = {}
    for name in methods:
        if name == "complex_step" and np.dtype(dtype) != np.float64:
            continue
        with np.errstate(all="ignore"):
            _, est = numeric_derivative(f, np.full_like(hs, x0), name, h=hs, dtype=dtype,
                                        full_output=True)
        est = np.asarray(est, dtype=np.float64) / scale
        bands[name] = np.where(np.isfinite(est), np.clip(est, ERROR_FLOOR, ERROR_CEILING), np.nan)
    return bands


# --- f′ beside f″ ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SecondView:
    """f′ and f″ over a window around x, with central differences of f′ (what a
    gradgradcheck compares f″ with), and the values at x."""

    grid: np.ndarray
    df: np.ndarray
    d2f: np.ndarray
    numerical: np.ndarray  # central differences of f′ at their default step
    x: float
    df_at: float
    d2f_at: float
    numerical_at: float
    kinks: tuple[float, ...]  # inside the window

    @property
    def rel_error(self) -> float:
        """f″ at x against the central difference of f′ there (the gradgradcheck's number)."""
        return float(relative_error(self.d2f_at, self.numerical_at))


@np.errstate(all="ignore")  # huge x overflows: shown as gaps and dashes
def second_view(target: Target, x: float, samples: int = 301) -> SecondView:
    """The target's own range, or a window of the same width centred on x when x is outside."""
    lo, hi = target.x_range
    if not lo <= x <= hi:
        half = (hi - lo) / 2
        lo, hi = x - half, x + half
    grid = np.linspace(lo, hi, samples)
    points = np.append(grid, x)
    with np.errstate(all="ignore"):
        df = np.asarray(target.df(points), dtype=np.float64)
        d2f = np.asarray(target.d2f(points), dtype=np.float64)
        numerical = np.asarray(numeric_derivative(target.df, points, "central"), dtype=np.float64)
    kinks = tuple(k.at for k in target.kinks if lo <= k.at <= hi)
    return SecondView(grid, df[:-1], d2f[:-1], numerical[:-1], float(x), float(df[-1]),
                      float(d2f[-1]), float(numerical[-1]), kinks)


# --- random-direction checks -----------------------------------------------------------------


@dataclass(frozen=True)
class DirectionSubject:
    """A function Rⁿ → Rᵐ with its hand-written Jacobian, checked along random directions.

    inputs names each coordinate of x (for the planted entry); outputs each output.
    """

    name: str
    f: Callable
    jacobian: Callable  # x -> (m, n), or (n,) for a scalar f
    x: np.ndarray
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]


_DIR_Y = np.array([0.5, -1.0])  # MSE targets of the 2-input loss (ŷ moves)
_DIR_YHAT = np.array([1.2, -0.4])
_NET_X = np.array([[0.5, -1.0], [1.0, 2.0], [-1.5, 0.3], [0.2, 0.8]])
_NET_LABELS = np.array([0, 1, 1, 0])
_NET = MLP((2, 3, 2), activation="tanh", loss="softmax_cross_entropy", seed=0)


def _net_with(theta) -> MLP:
    """A copy of the lab's network with its parameters read from the flat vector theta."""
    net, at = _NET.copy(), 0
    for name, p in net.params.items():
        net.params[name] = np.asarray(theta[at: at + p.size], dtype=np.float64).reshape(p.shape)
        at += p.size
    return net


def mlp_loss(theta) -> float:
    """The network's mean loss on its four examples, as a function of all its parameters."""
    return _net_with(theta).loss(_NET_X, _NET_LABELS)


def mlp_gradient(theta) -> np.ndarray:
    """Backprop's gradient of ``mlp_loss``, flattened in the same order."""
    grads = _net_with(theta).gradients(_NET_X, _NET_LABELS)
    return np.concatenate([g.ravel() for g in grads.values()])


def _param_names(net: MLP) -> tuple[str, ...]:
    return tuple(f"{name}[{','.join(str(i + 1) for i in idx)}]"
                 for name, p in net.params.items() for idx in np.ndindex(p.shape))


DIRECTION_SUBJECTS: dict[str, DirectionSubject] = {
    s.name: s
    for s in (
        DirectionSubject("softmax", softmax, softmax_jacobian, _LOGITS.copy(),
                         tuple(f"z{_sub(j)}" for j in range(3)),
                         tuple(f"s{_sub(i)}" for i in range(3))),
        DirectionSubject("loss", partial(LOSSES["mse"].value, _DIR_Y),
                         partial(LOSSES["mse"].grad, _DIR_Y), _DIR_YHAT.copy(),
                         ("ŷ₁", "ŷ₂"), ("L",)),
        DirectionSubject("mlp", mlp_loss, mlp_gradient,
                         np.concatenate([p.ravel() for p in _NET.params.values()]),
                         _param_names(_NET), ("L",)),
    )
}
#: The seeds the lab's seed slider offers, and over which it counts passes.
DIRECTION_SEEDS = range(100)


@dataclass(frozen=True)
class Planted:
    """The entry of the Jacobian the lab flips: its index (output, input) and both values."""

    index: tuple[int, int]
    right: float
    wrong: float


def plant(jac) -> tuple[np.ndarray, Planted]:
    """The Jacobian (m, n) with its largest entry's sign flipped (a sign slipped by hand)."""
    jac = np.atleast_2d(np.asarray(jac, dtype=np.float64))
    index = np.unravel_index(int(np.argmax(np.abs(jac))), jac.shape)
    wrong = jac.copy()
    wrong[index] = -jac[index]
    return wrong, Planted((int(index[0]), int(index[1])), float(jac[index]), float(wrong[index]))


def subject_jacobian(subject: DirectionSubject, planted: bool):
    """(the Jacobian (m, n) under test, the planted entry or None)."""
    jac = np.atleast_2d(np.asarray(subject.jacobian(subject.x), dtype=np.float64))
    return plant(jac) if planted else (jac, None)


@lru_cache(maxsize=8)
def seeds_passed(name: str, planted: bool) -> int:
    """Of DIRECTION_SEEDS, how many pass with one direction each (cached: it is fixed data)."""
    subject = DIRECTION_SUBJECTS[name]
    jac, _ = subject_jacobian(subject, planted)
    return sum(directional_check(subject.f, jac, subject.x, seed=s).passed
               for s in DIRECTION_SEEDS)


@dataclass(frozen=True)
class DirectionView:
    subject: DirectionSubject
    check: DirectionalCheck
    planted: Planted | None
    seeds_passed: int  # with one direction per seed, over DIRECTION_SEEDS
    seeds: int


def direction_view(name: str, seed: int, n_directions: int, planted: bool) -> DirectionView:
    """``derivs.directional_check`` of the subject's Jacobian (one entry flipped if planted)."""
    subject = DIRECTION_SUBJECTS[name]
    jac, where = subject_jacobian(subject, planted)
    check = directional_check(subject.f, jac, subject.x, seed=int(seed),
                              n_directions=int(n_directions))
    return DirectionView(subject, check, where, seeds_passed(name, planted), len(DIRECTION_SEEDS))


@dataclass(frozen=True)
class DirectionGeometry:
    """A 2-input f around x: its values on a grid, the first direction u, the probes x ± h·u
    (drawn at x ± reach·u: h itself is far below what a chart can show), and the gradient
    under test beside the true one (the planted entry tilts it off the contours' normal)."""

    gx: np.ndarray
    gy: np.ndarray
    values: np.ndarray  # (len(gy), len(gx))
    x: np.ndarray
    u: np.ndarray
    h: float
    reach: float
    gradient: np.ndarray  # under test (planted or not)
    true_gradient: np.ndarray


@lru_cache(maxsize=4)
def _grid_values(name: str, half: float, samples: int):
    subject = DIRECTION_SUBJECTS[name]
    gx = np.linspace(subject.x[0] - half, subject.x[0] + half, samples)
    gy = np.linspace(subject.x[1] - half, subject.x[1] + half, samples)
    values = np.array([[float(subject.f(np.array([a, b]))) for a in gx] for b in gy])
    return gx, gy, values


def direction_geometry(view: DirectionView, half: float = 1.5,
                       samples: int = 41) -> DirectionGeometry | None:
    """The picture of the check for a subject with 2 inputs and 1 output, else None."""
    subject = view.subject
    if subject.x.size != 2 or len(subject.outputs) != 1:
        return None
    gx, gy, values = _grid_values(subject.name, half, samples)
    true_gradient = np.asarray(subject.jacobian(subject.x), dtype=np.float64).ravel()
    gradient = true_gradient.copy()
    if view.planted is not None:
        gradient[view.planted.index[1]] = view.planted.wrong
    return DirectionGeometry(gx, gy, values, subject.x, view.check.u[0], view.check.h,
                             half / 2, gradient, true_gradient)
