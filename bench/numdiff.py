"""The core's numerical derivatives against numdifftools, on smooth functions from |x| = 1e-8 to 1e6.

    python bench/numdiff.py           # every case; exit 1 if a goal is missed
    python bench/numdiff.py --quick   # a few functions at a few points

Each case is a function and a float64 point x where f(x) is finite, the true derivative is a
normal, nonzero float64, and finite differences can see it at all (|f′|·min(1, |x|/100) is more
than 16 ulps of f: tanh at x = 100 is flat in float64, every method returns 0 there, and such
a case would only count as a tie). The reference is the closed-form derivative evaluated by
mpmath at 50 digits at the very float x (each closed form is checked against mpmath.diff of
the function first).

Columns: numdifftools.Derivative(f) with its defaults, then every method of
derivs.numeric_derivative with its default step (Richardson with its own probe). Goals, for
Richardson against numdifftools' default:

* at least as accurate in ≥ 70 % of the cases, errors below 1e-15 counting as ties (both are
  then at the level of float64's own rounding of f′, and which one is smaller is chance);
* never more than 10× worse where numdifftools is better than 1e-13;
* its error estimate (``full_output=True``) covers its true error in ≥ 90 % of the cases.

The coverage of every other method's estimate, numdifftools' own included, is printed beside
it. Times are per call, as a ratio to numdifftools in the same run.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import mpmath as mp
import numdifftools as nd
import numpy as np
import scipy.special as sc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere, no install

import derivs  # noqa: E402
from derivs.numeric import METHODS, numeric_derivative  # noqa: E402

mp.mp.dps = 50
TIE = 1e-15  # relative errors below this are ties
CLOSE = 1e-13  # "numdifftools is better than this": Richardson must stay within 10×
GOAL_SHARE, GOAL_COVER = 0.70, 0.90

_sigmoid = derivs.ACTIVATIONS["sigmoid"].f  # stable, and takes complex input (complex step)
_softplus = derivs.ACTIVATIONS["softplus"].f
_tanh = derivs.ACTIVATIONS["tanh"].f


@dataclass(frozen=True)
class Case:
    name: str
    f: object  # numpy, real and (for the complex step) complex
    f_mp: object  # the same function in mpmath
    df_mp: object  # its derivative, closed form, in mpmath
    domain: tuple = (-math.inf, math.inf)  # open interval
    nonzero: bool = False  # x = 0 excluded


FUNCTIONS = [
    Case("exp", np.exp, mp.exp, mp.exp),
    Case("sin", np.sin, mp.sin, mp.cos),
    Case("cos", np.cos, mp.cos, lambda x: -mp.sin(x)),
    Case("log", np.log, mp.log, lambda x: 1 / x, (0.0, math.inf)),
    Case("sqrt", np.sqrt, mp.sqrt, lambda x: 1 / (2 * mp.sqrt(x)), (0.0, math.inf)),
    Case("tanh", _tanh, mp.tanh, lambda x: mp.sech(x) ** 2),
    Case("sigmoid", _sigmoid, lambda x: 1 / (1 + mp.exp(-x)),
         lambda x: mp.exp(-x) / (1 + mp.exp(-x)) ** 2),
    Case("atan", np.arctan, mp.atan, lambda x: 1 / (1 + x * x)),
    Case("x**3", lambda x: x * x * x, lambda x: x**3, lambda x: 3 * x * x),
    Case("1/x", lambda x: 1 / x, lambda x: 1 / x, lambda x: -1 / (x * x), nonzero=True),
    Case("exp(-x²)", lambda x: np.exp(-x * x), lambda x: mp.exp(-x * x),
         lambda x: -2 * x * mp.exp(-x * x)),
    Case("log1p", np.log1p, mp.log1p, lambda x: 1 / (1 + x), (-1.0, math.inf)),
    Case("erf", sc.erf, mp.erf, lambda x: 2 / mp.sqrt(mp.pi) * mp.exp(-x * x)),
    Case("softplus", _softplus, lambda x: mp.log1p(mp.exp(x)), lambda x: 1 / (1 + mp.exp(-x))),
    Case("x·sin x", lambda x: x * np.sin(x), lambda x: x * mp.sin(x),
         lambda x: mp.sin(x) + x * mp.cos(x)),
    Case("atan(x)/x", lambda x: np.arctan(x) / x, lambda x: mp.atan(x) / x,
         lambda x: 1 / (x * (1 + x * x)) - mp.atan(x) / (x * x), nonzero=True),
]
MAGNITUDES = [1e-8, 1e-3, 0.3, 1.0, 2.5, 10.0, 100.0, 1e3, 1e6]
POINTS = sorted({s * m for m in MAGNITUDES for s in (1.0, -1.0)})
QUICK_FUNCTIONS = ("sin", "log", "sqrt", "sigmoid", "exp(-x²)", "x·sin x")
QUICK_POINTS = (-2.5, 1e-8, 1.0, 1e3, 1e6)
COLUMNS = ("numdifftools", "richardson", *METHODS)


def check_closed_forms():
    """Each closed-form derivative against mpmath.diff of its function, at a point inside."""
    for c in FUNCTIONS:
        x = mp.mpf("0.7")
        a, b = c.df_mp(x), mp.diff(c.f_mp, x)
        assert abs(a - b) <= mp.mpf("1e-40") * abs(a), (c.name, a, b)


def cases(functions, points):
    """(Case, x, reference) for every point where the case is meaningful (module docstring)."""
    out = []
    for c in functions:
        for x in points:
            if not c.domain[0] < x < c.domain[1] or (c.nonzero and x == 0):
                continue
            with np.errstate(all="ignore"):
                fx = float(c.f(np.float64(x)))
            ref = c.df_mp(mp.mpf(x))
            r = abs(float(ref))
            if not math.isfinite(fx) or not (np.finfo(float).tiny <= r < math.inf):
                continue
            if r * min(1.0, abs(x) / 100 if x else 1.0) <= 16 * 2.0**-52 * max(abs(fx), 1e-300):
                continue
            out.append((c, x, ref))
    return out


def relative(value, ref) -> float:
    value = float(value)
    if not math.isfinite(value):
        return math.inf
    return float(abs(mp.mpf(value) - ref) / abs(ref))


def covered(value, estimate, ref) -> bool:
    value, estimate = float(value), float(estimate)
    if not (math.isfinite(value) and estimate == estimate):
        return False
    return estimate >= float(abs(mp.mpf(value) - ref))


def run(case_list):
    """{column: [(relative error, estimate covers)]} in case order, and seconds per call."""
    errors = {k: [] for k in COLUMNS}
    cover = {k: [] for k in COLUMNS}
    seconds = dict.fromkeys(COLUMNS, 0.0)
    for c, x, ref in case_list:
        t0 = time.perf_counter()
        value = nd.Derivative(c.f)(x)
        seconds["numdifftools"] += time.perf_counter() - t0
        info = nd.Derivative(c.f, full_output=True)(x)
        errors["numdifftools"].append(relative(value, ref))
        cover["numdifftools"].append(covered(info.estimate, info.error_estimate, ref))
        for name in COLUMNS[1:]:
            t0 = time.perf_counter()
            try:
                value, estimate = numeric_derivative(c.f, x, method=name, full_output=True)
            except (TypeError, ValueError):  # a function that refuses complex input
                value, estimate = math.nan, math.nan
            seconds[name] += time.perf_counter() - t0
            errors[name].append(relative(value, ref))
            cover[name].append(covered(value, estimate, ref))
    n = max(len(case_list), 1)
    return errors, cover, {k: v / n for k, v in seconds.items()}


def fmt(e: float) -> str:
    return "    inf" if e == math.inf else f"{e:7.1e}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few functions at a few points")
    args = parser.parse_args(argv)
    check_closed_forms()
    functions = [c for c in FUNCTIONS if not args.quick or c.name in QUICK_FUNCTIONS]
    case_list = cases(functions, QUICK_POINTS if args.quick else POINTS)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        errors, cover, seconds = run(case_list)

    print("Relative error of f′(x) against mpmath (50 digits); ≤ marks Richardson at least as "
          f"accurate as numdifftools (ties below {TIE:g}), ✗ more than 10× worse where "
          f"numdifftools < {CLOSE:g}.\n")
    header = f"{'function':>10} {'x':>9}  " + " ".join(f"{k[:12]:>12}" for k in COLUMNS)
    print(header)
    print("-" * len(header))
    at_least = bad = 0
    for i, (c, x, _) in enumerate(case_list):
        r, n = errors["richardson"][i], errors["numdifftools"][i]
        ok = r <= max(n, TIE)
        worse = n < CLOSE and r > 10 * max(n, TIE)
        at_least += ok
        bad += worse
        mark = "✗" if worse else ("≤" if ok else " ")
        cells = " ".join(f"{fmt(errors[k][i]):>12}" for k in COLUMNS)
        print(f"{c.name:>10} {x:>9.3g}  {cells} {mark}")
    total = len(case_list)
    share = at_least / total
    print(f"\n{total} cases ({len(functions)} functions).")
    print("\nError estimate covers the true error (estimate ≥ |value − reference|):")
    for k in COLUMNS:
        print(f"  {k:>14}: {sum(cover[k]) / total:6.1%}")
    print("\nTime per call, ratio to numdifftools.Derivative in this run:")
    for k in COLUMNS:
        print(f"  {k:>14}: {seconds[k] * 1e3:7.3f} ms  {seconds[k] / seconds['numdifftools']:6.2f}×")
    rich_cover = sum(cover["richardson"]) / total
    goals = [
        (f"Richardson at least as accurate as numdifftools (ties < {TIE:g}) in ≥ "
         f"{GOAL_SHARE:.0%} of cases: {share:.1%}", share >= GOAL_SHARE),
        (f"Richardson never > 10× worse where numdifftools < {CLOSE:g}: {bad} cases", bad == 0),
        (f"Richardson's estimate covers its error in ≥ {GOAL_COVER:.0%} of cases: "
         f"{rich_cover:.1%}", rich_cover >= GOAL_COVER),
    ]
    print("\nGoals:")
    for text, met in goals:
        print(f"  [{'met' if met else 'MISSED'}] {text}")
    return 0 if all(met for _, met in goals) else 1


if __name__ == "__main__":
    sys.exit(main())
