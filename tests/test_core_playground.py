"""derivs_app.views.playground: the data behind the "Your own function" page, against Python's math."""

import math

import numpy as np
import pytest

from derivs.expression import ExpressionError, derivative, parse_expression
from derivs.sandbox import SymbolicLimitError, SymbolicTimeout
from derivs_app.views.playground import (
    caret_excerpt,
    check_derivative,
    curves,
    display_range,
    fenced,
    plain_markdown,
    probe,
    refusal_kind,
)


def formula(text):
    f = parse_expression(text)
    return f, derivative(f)


def test_log_is_nan_where_undefined_and_exact_elsewhere():
    f, df = formula("log(x)")
    c = curves(f, df, -5, 5)
    assert c.undefined == ((-5.0, 0.0),)
    assert not c.cuts and c.x.size == 801
    left = c.x <= 0
    assert np.isnan(c.f[left]).all() and np.isnan(c.numerical[left]).all()
    assert np.isnan(c.df[left]).all(), "1/x is no derivative of log where log has no value"
    right = ~left
    np.testing.assert_allclose(c.f[right], [math.log(t) for t in c.x[right]], rtol=1e-15)
    np.testing.assert_allclose(c.df[right], 1 / c.x[right], rtol=1e-15)
    np.testing.assert_allclose(c.numerical[right], 1 / c.x[right], rtol=1e-6)


def test_a_pole_on_the_grid_is_a_nan_and_between_grid_points_a_cut():
    f, df = formula("1/x")
    on_grid = curves(f, df, -5, 5)  # 801 points: x = 0 is one of them
    assert on_grid.undefined == ((0.0, 0.0),) and not on_grid.cuts
    between = curves(f, df, -4, 5)  # 0 falls between two grid points
    assert between.undefined == ()
    (cut,) = between.cuts
    step = 9 / 800
    assert abs(cut) < step
    at = np.flatnonzero(between.is_cut)
    assert between.x[at] == cut and np.isnan(between.f[at]) and np.isnan(between.df[at])
    neighbours = between.f[[at[0] - 1, at[0] + 1]]
    assert neighbours[0] < -50 and neighbours[1] > 50  # the two branches, now not joined


def test_every_pole_of_tan_is_cut_and_nothing_else():
    f, df = formula("tan(x)")
    c = curves(f, df, -4, 5)
    poles = [-math.pi / 2, math.pi / 2, 3 * math.pi / 2]
    assert len(c.cuts) == len(poles)
    for cut, pole in zip(c.cuts, poles, strict=True):
        assert abs(cut - pole) < 9 / 800


@pytest.mark.parametrize("text", ["tanh(1000*x)", "sin(50*x)", "x^3", "exp(x)", "relu(x)",
                                  "sqrt(x)", "abs(x)"])
def test_continuous_curves_are_not_cut(text):
    assert curves(*formula(text), -5, 5).cuts == ()


def test_where_f_is_defined_but_f_prime_is_not():
    c = curves(*formula("sqrt(x)"), -5, 5)
    assert c.undefined == ((-5.0, pytest.approx(-0.0125)),)
    assert c.df_undefined == ((0.0, 0.0),)  # vertical tangent at 0
    jump = curves(*formula("sign(x)"), -5, 5)
    assert jump.df_undefined == ((0.0, 0.0),)
    at_zero = jump.x == 0
    assert np.isnan(jump.numerical[at_zero]).all(), "2/(2h) at a jump is no slope"
    assert (jump.numerical[~at_zero & ~jump.is_cut] == 0).all()
    # f itself jumps at 0: the line is cut either side of the point, not drawn vertical
    assert jump.jumps == (0.0,) and jump.is_cut.sum() == 2 and not jump.kinks
    assert np.isnan(jump.f[jump.is_cut]).all()


def test_without_a_symbolic_derivative_the_numerical_one_remains():
    f, _ = formula("sin(x)*cos(x)")
    c = curves(f, None, -2, 2)
    assert c.df is None
    np.testing.assert_allclose(c.numerical, np.cos(2 * c.x), rtol=1e-7, atol=1e-9)


def test_display_range_zooms_only_when_a_few_points_dominate():
    x = np.linspace(-5, 5, 801)
    assert display_range(x**3) is None
    assert display_range(np.exp(x)) is None
    with np.errstate(divide="ignore"):
        low, high = display_range(-1 / x**2)
    assert -1000 < low < -100 and 0 < high < 100  # the curve reaches -6400 at x = ±0.0125
    assert display_range(np.full(10, np.nan)) is None


def test_probe_values_come_from_the_formula():
    at = probe(*formula("x*erf(x)"), 0.7)
    assert at.f == pytest.approx(0.7 * math.erf(0.7), rel=1e-15)
    exact = math.erf(0.7) + 0.7 * 2 / math.sqrt(math.pi) * math.exp(-0.49)
    assert at.df == pytest.approx(exact, rel=1e-15)
    assert at.numerical == pytest.approx(exact, rel=1e-9)
    assert at.rel_error == pytest.approx(abs(at.df - at.numerical) / abs(at.df))
    nowhere = probe(*formula("log(x)"), -1.0)
    assert math.isnan(nowhere.f) and math.isnan(nowhere.numerical)
    assert math.isnan(nowhere.rel_error)
    assert math.isnan(probe(parse_expression("x^2"), None, 1.0).df)


def check(text, mine, lo=-5, hi=5):
    f, df = formula(text)
    return check_derivative(f, df, parse_expression(mine), curves(f, df, lo, hi), lo, hi)


def test_a_correct_derivative_in_another_form_is_confirmed():
    result = check("x^3", "3*x*x")
    assert result.agree and result.counterexample is None and result.regions == ()
    assert result.compared == result.total == 801
    assert check("log(x)", "1/x").total == 400  # only where log is defined


def test_a_wrong_derivative_gets_its_first_counterexample_and_regions():
    result = check("x^3", "3*x")
    assert not result.agree
    assert result.counterexample == (-5.0, -15.0, 75.0)
    # 3x = 3x² at x = 0 and x = 1 only: three bands of disagreement around them
    assert len(result.regions) == 3
    assert result.regions[0][0] == -5 and result.regions[-1][1] == 5
    assert result.disagreeing == 799 and result.total == 801
    assert np.isnan(result.mine[~np.isfinite(curves(*formula("x^3"), -5, 5).f)]).all()


def test_kinks_are_skipped_not_held_against_the_learner():
    result = check("abs(x)", "sign(x)/2 + sign(x)/2 + 0*x")
    assert result.agree
    lenient = check("relu(x)", "(sign(x) + 1)/2")  # 1/2 at the kink, where f′ jumps
    assert lenient.agree and lenient.kinks == (0.0,)


def test_an_undefined_answer_is_a_counterexample():
    result = check("x^2", "2*x*sqrt(x)/sqrt(abs(x))")  # undefined for x < 0
    assert not result.agree and result.counterexample[0] == -5.0
    assert math.isnan(result.counterexample[1])


def test_bad_ranges_are_refused():
    f, df = formula("x")
    for lo, hi in [(1, 1), (2, 1), (-math.inf, 0), (0, math.nan), (-2000, 0)]:
        with pytest.raises(ValueError):
            curves(f, df, lo, hi)


def test_caret_points_at_the_column_in_a_window():
    assert caret_excerpt("x + y", 5) == "x + y\n    ^"
    assert caret_excerpt("x + y", None) is None
    # fullwidth letters take two cells in a monospace font
    assert caret_excerpt("ｅｘｐ+y", 5).splitlines()[1] == " " * 7 + "^"
    line, caret = caret_excerpt("x\x00+1", 2).splitlines()
    assert line == "x�+1" and caret == " ^"
    long = "x+" * 5000 + "y"
    line, caret = caret_excerpt(long, 5001, width=40).splitlines()
    assert len(line) == 42 and line.startswith("…") and line.endswith("…")
    assert line[len(caret) - 1] == long[5000]


def test_quoted_text_cannot_render_as_markdown():
    hostile = "![a](http://example.com/x.png) [b](javascript:1) :red[c] $d$ <b>e</b> **f**"
    escaped = plain_markdown(hostile)
    assert all(f"\\{c}" in escaped for c in "![]():$<>*")
    assert "http://" not in escaped and ":red[" not in escaped
    assert fenced("a ``` b") == "````text\na ``` b\n````"
    assert fenced("x") == "```text\nx\n```"


def test_refusal_kinds():
    assert refusal_kind(ExpressionError("no")) == "refused"
    assert refusal_kind(SymbolicLimitError("memory")) == "limit"
    assert refusal_kind(SymbolicTimeout("slow")) == "timeout"


# --- kinks: f′ has no value there, and says both one-sided slopes -----------------------------

KINKED = [
    # (text, range, kink, left, right, what sympy's f′ gives there)
    ("abs(x)", (-5, 5), 0.0, -1.0, 1.0, 0.0),
    ("relu(x)", (-5, 5), 0.0, 0.0, 1.0, 0.0),
    ("max(x, 0)", (-5, 5), 0.0, 0.0, 1.0, 0.0),
    ("relu(x)", (-4, 5), 0.0, 0.0, 1.0, 0.0),  # between grid points
    ("abs(x - 1/3)", (-5, 5), 1 / 3, -1.0, 1.0, 0.0),
    ("sqrt(x^2)", (-4, 5), 0.0, -1.0, 1.0, math.nan),  # x/sqrt(x²) is 0/0 there
    ("max(x^2, 2*x)", (-1, 3), 2.0, 2.0, 4.0, 2.0),
]


@pytest.mark.parametrize("text, span, at, left, right, value", KINKED,
                         ids=[f"{row[0]} on {row[1]}" for row in KINKED])
def test_kinks_are_found_with_both_one_sided_slopes(text, span, at, left, right, value):
    c = curves(*formula(text), *span)
    found = [k for k in c.kinks if abs(k.at - at) < 1e-9]
    assert len(found) == 1, c.kinks
    (k,) = found
    assert k.left == pytest.approx(left, abs=1e-6) and k.right == pytest.approx(right, abs=1e-6)
    assert (math.isnan(k.value) and math.isnan(value)) or k.value == pytest.approx(value)
    assert c.df_undefined == ()  # a kink is said as such, not as "undefined"
    # f′ is drawn with a gap there: its one-sided limits, a NaN, no segment joining them
    i = int(np.flatnonzero((c.x == k.at) & np.isnan(c.df))[0])
    assert c.df[i - 1] == pytest.approx(k.left) and c.df[i + 1] == pytest.approx(k.right)
    assert np.isfinite(c.f[i]), "f itself is continuous there: drawn through the kink"
    finite = np.isfinite(c.df)
    steps = np.abs(np.diff(c.df))[finite[:-1] & finite[1:]]
    assert steps.max() < 0.2 * abs(right - left), "no near-vertical segment in f′"


@pytest.mark.parametrize("text", ["x^3", "sin(50*x)", "tanh(1000*x)", "1/x", "tan(x)",
                                  "exp(x)", "sqrt(x)", "log(x)", "x*erf(x)", "cbrt(x)"])
def test_smooth_formulas_have_no_kinks(text):
    for span in [(-5, 5), (-4, 5), (-1000, 1000)]:
        assert curves(*formula(text), *span).kinks == (), (text, span)


@pytest.mark.parametrize("text, left, right", [("abs(x)", -1, 1), ("relu(x)", 0, 1),
                                               ("max(x,0)", 0, 1)])
def test_the_probe_on_a_kink_gives_both_slopes_and_no_verdict(text, left, right):
    at = probe(*formula(text), 0.0)
    assert at.kink is not None
    assert (at.kink.left, at.kink.right) == (left, right)
    assert math.isnan(at.rel_error), "no 'good' or 'wrong': f′(0) does not exist"
    assert at.numerical == pytest.approx((left + right) / 2)  # the central difference averages
    near = probe(*formula(text), 1e-7, kinks=curves(*formula(text), -5, 5).kinks)
    assert near.kink is None and near.near_kink == 0.0


def test_a_jump_of_f_between_grid_points_is_cut_not_drawn():
    c = curves(*formula("heaviside(x - 1/3)"), -5, 5)
    assert c.jumps == (pytest.approx(1 / 3),) and c.kinks == ()
    (gap,) = np.flatnonzero(c.is_cut)
    assert np.isnan(c.f[gap]) and c.f[gap - 1] == 0 and c.f[gap + 1] == 1


# --- float64 overflow is not "no value" --------------------------------------------------------


def test_the_overflowing_logistic_is_finite_and_gets_a_stable_form():
    c = curves(*formula("exp(x)/(1+exp(x))"), -1000, 1000)
    assert c.undefined == (), "float64 overflows there; the function has a value"
    assert c.overflow == ((710.0, 1000.0),) and c.beyond == ()
    assert c.df_undefined == (), "no kink, jump or vertical tangent: inf/inf"
    assert c.df_overflow == ((355.0, 1000.0),)
    assert c.stable == "sigmoid(x)"
    # the auto-zoom keeps f′'s real peak (0.25 at 0) on screen
    assert c.df_range is None or c.df_range[1] >= 0.25
    assert np.nanmax(c.df) == pytest.approx(0.25)


def test_a_value_beyond_float64_is_said_as_such():
    c = curves(*formula("exp(x)"), -1000, 1000)
    assert c.undefined == () and c.overflow == () and c.beyond == ((710.0, 1000.0),)
    assert c.stable is None


def test_display_range_never_crops_a_real_extremum():
    x = np.linspace(-1000, 1000, 801)
    with np.errstate(over="ignore"):
        bump = 0.25 / np.cosh(x / 2) ** 2  # σ′: a few grid points near 0, zero elsewhere
    assert display_range(bump) is None or display_range(bump)[1] >= 0.25
    with np.errstate(divide="ignore"):
        pole = 1 / x**2  # the blow-up next to the gap is still cropped
    low, high = display_range(pole)
    assert high < 1.0
