"""The "Your own function" page, run with AppTest (the page file alone, without app.py).

This is the one page where a stranger's text reaches the server, so most of these tests are
hostile: each input must get a clear message, no exception, a quick answer, and run nothing.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import derivs_app.views.playground
from derivs.sandbox import SymbolicLimitError, SymbolicTimeout
from derivs_app.i18n import t
from tests.apptest_support import assert_clean, decode, open_page
from tests.apptest_support import chart_specs as charts

ROOT = Path(__file__).resolve().parent.parent
PAYLOAD_LIMIT = 150_000  # bytes of plotly JSON per page (the brief's budget)
ANSWER_SECONDS = 5.0  # a refusal is answered in the parent, well before the worker's 5 s limit


def run_page(lang: str = "en", **params) -> AppTest:
    return open_page("playground", lang, timeout=30, **params)


def messages(at: AppTest) -> list[str]:
    return [e.value for e in (*at.error, *at.warning)]


def trace(spec: dict, meta: str) -> tuple[np.ndarray, np.ndarray]:
    found = [d for d in spec["data"] if d.get("meta") == meta]
    assert len(found) == 1, f"expected one trace {meta!r}"
    return decode(found[0]["x"]), decode(found[0]["y"])


def has_trace(spec: dict, meta: str) -> bool:
    return any(d.get("meta") == meta for d in spec["data"])


# --- hostile text ------------------------------------------------------------------------------

# "{P}" is replaced by a path in tmp_path: the payload must not create that file.
HOSTILE = [
    "x.__class__",
    "().__class__.__bases__[0].__subclasses__()",
    "exp.__globals__['__builtins__']",
    "__import__('os').system('touch {P}')",
    "open('{P}', 'w').write('x')",
    "x\n__import__('os').system('touch {P}')",
    "eval(\"open('{P}', 'w')\")",
    "lambda: open('{P}', 'w')",
    "[open('{P}', 'w') for c in 'a']",
    "(c for c in ())",
    '"abc"',
    "x[0]",
    "(y:=1)",
    'f"{x}"',
    'ｅｖａｌ("1")',
    "ｘ",
    "Symbol('__import__')",
    "Function('f')(x)",
    "sympify('x')",
    "9**9**9",
    "9^9^9",
    "factorial(10**7)",
    "10**10**10",
    "1e400",
    "(" * 400 + "x" + ")" * 400,
    "x" * 10_000,
    "x+" * 5_000 + "x",
    "x\x00",
    "",
    "   ",
    "1/0",
    "y",
    "![img](http://example.com/x.png)",
    ":red[x] $x$ <b>x</b>",
]


def _short_id(text: str) -> str:
    return repr(text if len(text) <= 30 else text[:27] + "...")


@pytest.mark.parametrize("payload", HOSTILE, ids=_short_id)
def test_a_shared_link_with_hostile_text_gets_a_message_and_runs_nothing(payload, tmp_path):
    target = tmp_path / "pwned"
    text = payload.replace("{P}", str(target))
    start = time.perf_counter()
    at = run_page(fn=text)
    elapsed = time.perf_counter() - start
    assert not at.exception, [e.value for e in at.exception]
    assert at.error and at.error[0].value.startswith(t("fn.refused"))
    assert len(at.error[0].value) > len(t("fn.refused")) + 5, "the parser's reason is shown"
    assert not at.get("plotly_chart")
    assert elapsed < ANSWER_SECONDS, f"took {elapsed:.2f} s"
    assert not target.exists()


def test_quoted_markdown_is_shown_as_typed_not_rendered():
    at = run_page(fn="x + '![img](http://example.com/x.png)'")
    message, code = at.error[0].value.split("```text\n")
    assert "![img](http" not in message and "\\!\\[img\\]" in message
    assert code.startswith("x + '![img](http")  # inside a code block: shown as typed


def test_hostile_text_typed_in_one_session_then_the_app_serves_on(tmp_path):
    at = run_page()
    assert_clean(at)
    targets = []
    for i, payload in enumerate(HOSTILE):
        target = tmp_path / f"pwned{i}"
        targets.append(target)
        start = time.perf_counter()
        at.text_input(key="fn").set_value(payload.replace("{P}", str(target))).run()
        assert time.perf_counter() - start < ANSWER_SECONDS, payload[:40]
        assert not at.exception, (payload[:40], [e.value for e in at.exception])
        assert at.error, payload[:40]
    # the learner's f′ box is user text too
    at.text_input(key="fn").set_value("x^3").run()
    for payload in ["__import__('os').system('touch {P}')", "x.__class__", "9**9**9", "", "x\x00"]:
        at.text_input(key="fn_mine").set_value(payload.replace("{P}", str(targets[0]))).run()
        assert not at.exception
        if payload:
            assert at.error[0].value.startswith(t("fn.mine_refused")), payload
    assert not any(target.exists() for target in targets)
    # the same session, the worker, and the other pages all still work
    at.text_input(key="fn_mine").set_value("3*x^2").run()
    assert_clean(at)
    assert at.success
    for page in ("home.py", "softmax.py"):
        other = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=60).run()
        assert not other.exception, page


# --- limits of the symbolic work ---------------------------------------------------------------


def test_a_timeout_is_said_plainly_and_f_is_still_plotted(monkeypatch):
    # A warm worker differentiates x^5 − 2x² in ~5 ms, and its start-up is not charged to the
    # limit, so the limit must meet a formula whose derivative really is slow: 29 nested sigmoids
    # (its f′ has ~2^29 terms unless shared) take far longer than 0.5 s.
    monkeypatch.setattr(derivs_app.views.playground, "SYMBOLIC_TIMEOUT", 0.5)
    nested = "sigmoid(" * 29 + "x" + ")" * 29
    at = run_page(fn=nested, fn_mine="5*x^4 - 4*x")
    assert not at.exception
    assert [w.value for w in at.warning] == [t("fn.timeout", seconds="0.5")]
    (spec,) = charts(at)
    assert has_trace(spec, "f") and has_trace(spec, "numerical") and not has_trace(spec, "df")
    assert any(i.value == t("fn.check_needs_df") for i in at.info)
    monkeypatch.undo()  # the killed worker is replaced: the next formula works
    at = run_page(fn="x^5 - 2*x^2", fn_mine="5*x^4 - 4*x")
    assert_clean(at)
    assert at.success


def test_a_timeout_on_the_learners_derivative_is_said_plainly(monkeypatch):
    def too_slow(*args, **kwargs):
        raise SymbolicTimeout("the worker was stopped after 5 s")

    # the f′ box's LaTeX comes from the sandbox's render_latex
    monkeypatch.setattr(derivs_app.views.playground, "render_latex", too_slow)
    at = run_page(fn="x^5", fn_mine="5*x^4 + 0*x")
    assert not at.exception
    assert [w.value for w in at.warning] == [
        t("fn.mine_timeout", seconds=f"{derivs_app.views.playground.SYMBOLIC_TIMEOUT:g}")
    ]


def test_a_limit_is_said_plainly_with_its_reason(monkeypatch):
    def over_the_limit(*args, **kwargs):
        raise SymbolicLimitError("the symbolic derivative needed more than 512 MB of memory")

    monkeypatch.setattr(derivs_app.views.playground, "analyse", over_the_limit)
    at = run_page(fn="x^7")
    assert not at.exception
    (warning,) = at.warning
    assert warning.value.startswith(t("fn.limit", mb="512"))
    assert "512 MB of memory" in warning.value
    assert has_trace(charts(at)[0], "numerical")


# --- ordinary formulas -------------------------------------------------------------------------


def _sigmoid(x):
    return 1 / (1 + math.exp(-x))


def _softplus(x):
    return math.log1p(math.exp(x))


# (text, f, f′) with f′ worked out by hand, all in Python's math
ORDINARY = [
    ("x^3", lambda x: x**3, lambda x: 3 * x**2),
    ("1/(1+exp(-x))", _sigmoid, lambda x: _sigmoid(x) * (1 - _sigmoid(x))),
    ("x*erf(x)", lambda x: x * math.erf(x),
     lambda x: math.erf(x) + 2 * x / math.sqrt(math.pi) * math.exp(-x * x)),
    ("sin(x)*cos(x)", lambda x: math.sin(x) * math.cos(x), lambda x: math.cos(2 * x)),
    ("sqrt(x**2+1)", lambda x: math.sqrt(x * x + 1), lambda x: x / math.sqrt(x * x + 1)),
    ("x*tanh(log(1+exp(x)))", lambda x: x * math.tanh(_softplus(x)),
     lambda x: math.tanh(_softplus(x)) + x * _sigmoid(x) / math.cosh(_softplus(x)) ** 2),
    ("log(x)", lambda x: math.log(x) if x > 0 else math.nan,
     lambda x: 1 / x if x > 0 else math.nan),
    ("1/x", lambda x: 1 / x if x else math.nan, lambda x: -1 / x**2 if x else math.nan),
]


def assert_matches(x, y, reference, rtol=1e-5):
    want = np.array([reference(float(v)) for v in x])
    assert np.array_equal(np.isnan(y), np.isnan(want)), "gaps in the wrong places"
    finite = ~np.isnan(want)
    np.testing.assert_allclose(y[finite], want[finite], rtol=rtol, atol=1e-6)


@pytest.mark.parametrize("text, f, df", ORDINARY, ids=[row[0] for row in ORDINARY])
def test_plotted_f_and_f_prime_are_the_formula(text, f, df):
    at = run_page(fn=text)
    assert_clean(at)
    (spec,) = charts(at)
    x, y = trace(spec, "f")
    assert x[0] == -5 and x[-1] == 5 and len(x) == 801
    assert_matches(x, y, f)
    assert_matches(*trace(spec, "df"), df)
    x, numerical = trace(spec, "numerical")
    assert_matches(x, numerical, df, rtol=1e-4)
    for d in spec["data"]:
        assert d.get("connectgaps") in (None, False)  # NaN is a gap, never bridged
    assert len(json.dumps(spec)) < PAYLOAD_LIMIT


def test_log_has_gaps_and_a_note_not_an_error():
    at = run_page(fn="log(x)")
    assert_clean(at)
    (spec,) = charts(at)
    x, y = trace(spec, "f")
    assert np.isnan(y[x <= 0]).all() and np.isfinite(y[x > 0]).all()
    assert np.isnan(trace(spec, "df")[1][x <= 0]).all()
    assert any("-5 ≤ x ≤ 0" in i.value for i in at.info)
    assert any(s.get("type") == "rect" for s in spec["layout"]["shapes"])  # shaded


def test_probe_shows_the_values_with_their_relative_error():
    at = run_page(fn="x*erf(x)", fn_x0="0.7")
    assert_clean(at)
    values = [m.value[len("##### "):] for m in at.markdown if m.value.startswith("##### ")]
    exact = math.erf(0.7) + 0.7 * 2 / math.sqrt(math.pi) * math.exp(-0.49)
    assert float(values[0]) == pytest.approx(0.7 * math.erf(0.7), rel=1e-9)
    assert float(values[1]) == pytest.approx(exact, rel=1e-9)
    assert float(values[2]) == pytest.approx(exact, rel=1e-8)
    assert any(t("band.good") in m.value for m in at.markdown)


def test_a_pole_between_grid_points_cuts_the_line():
    at = run_page(fn="1/x", fn_lo="-4")
    assert_clean(at)
    x, y = trace(charts(at)[0], "f")
    gap = np.flatnonzero(np.isnan(y))
    assert gap.size == 1 and y[gap[0] - 1] < -50 and y[gap[0] + 1] > 50
    assert any("-0.000625" in i.value for i in at.info)


def test_a_bad_range_is_a_warning():
    at = run_page(fn_lo="3", fn_hi="1")
    assert not at.exception and not at.error
    assert [w.value for w in at.warning] == [t("fn.bad_range", lo="3", hi="1")]
    assert not at.get("plotly_chart")


# --- check my derivative -----------------------------------------------------------------------


def test_a_correct_derivative_is_confirmed():
    at = run_page(fn="x^3", fn_mine="3*x^2")
    assert_clean(at)
    (success,) = at.success
    assert "801" in success.value
    check = charts(at)[1]
    x, mine = trace(check, "mine")
    np.testing.assert_allclose(mine, 3 * x**2, rtol=1e-6)
    assert not has_trace(check, "counterexample")


def test_a_wrong_derivative_gets_a_counterexample_and_shaded_regions():
    at = run_page(fn="x^3", fn_mine="3*x")
    assert not at.exception
    (error,) = at.error
    assert error.value.startswith("Not the derivative")
    assert "x = -5" in error.value and "-15" in error.value and "75" in error.value
    check = charts(at)[1]
    x, y = trace(check, "counterexample")
    assert list(x) == [-5, -5] and sorted(y) == [-15, 75]
    assert len([s for s in check["layout"]["shapes"] if s.get("type") == "rect"]) == 3


def test_an_example_click_sets_the_formula_and_clears_the_old_answer():
    at = run_page(fn="x^3", fn_mine="3*x^2")
    at.pills(key="fn_ex").set_value("log(x)").run()
    assert_clean(at)
    assert at.text_input(key="fn").value == "log(x)"
    assert at.text_input(key="fn_mine").value == ""
    assert at.pills(key="fn_ex").value is None
    assert any("\\log" in latex.value for latex in at.latex)


# --- URL and languages -------------------------------------------------------------------------


def test_a_deep_link_restores_the_view():
    at = run_page(fn="sin(x)*cos(x)", fn_lo="-2", fn_hi="3", fn_x0="0.5", fn_mine="cos(2*x)")
    assert_clean(at)
    assert at.text_input(key="fn").value == "sin(x)*cos(x)"
    assert at.text_input(key="fn_mine").value == "cos(2*x)"
    assert (at.number_input(key="fn_lo").value, at.number_input(key="fn_hi").value) == (-2, 3)
    assert at.number_input(key="fn_x0").value == 0.5
    assert any(r"\sin" in latex.value for latex in at.latex)
    assert any(h.value == t("fn.probe_title", x0="0.5") for h in at.subheader)
    assert at.success
    spec = charts(at)[0]
    assert spec["layout"]["xaxis"]["range"] == [-2, 3]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_both_languages_render(lang):
    at = run_page(lang, fn="x^3", fn_mine="3*x")
    assert not at.exception
    assert at.title[0].value == t("nav.playground", lang)
    assert at.header[0].value == t("fn.plot_title", lang)
    assert at.error[0].value.startswith(t("fn.check_wrong", lang, x="-5", mine="-15", true="75",
                                          bad=799, total=801))
    assert_clean(at, errors_expected=True)
    refused = run_page(lang, fn="x.real")
    assert refused.error[0].value.startswith(t("fn.refused", lang))


def test_default_view_is_within_the_payload_budget():
    at = run_page(fn_mine="x")
    assert_clean(at, errors_expected=True)
    total = sum(len(c.proto.spec) for c in at.get("plotly_chart"))
    assert len(at.get("plotly_chart")) == 2 and total < PAYLOAD_LIMIT


# --- kinks, jumps, overflow: the page says true things ----------------------------------------


def _plain(text: str) -> str:
    """Shown markdown without its escapes (quoted user text is backslash-escaped)."""
    return text.replace("\\", "")


@pytest.mark.parametrize("text, left, right", [("abs(x)", "-1", "1"), ("relu(x)", "0", "1"),
                                               ("max(x,0)", "0", "1")])
def test_a_probe_on_a_kink_says_f_prime_is_undefined_with_both_slopes(text, left, right):
    at = run_page(fn=text, fn_x0="0")
    assert not at.exception
    shown = [w.value for w in at.warning]
    assert shown and shown[0].startswith("f′(x₀) is undefined: x₀ = 0 is a kink of f.")
    assert f"from the left is {left}, from the right {right}" in shown[0]
    assert not any(t("band.good") in m.value or t("band.wrong") in m.value for m in at.markdown)
    assert any(i.value.startswith("f has a kink at x = 0") for i in at.info)
    spec = charts(at)[0]
    x, df = trace(spec, "df")
    (gap,) = np.flatnonzero((x == 0) & np.isnan(df))
    assert df[gap - 1] == float(left) and df[gap + 1] == float(right)  # no vertical segment
    _, limits = trace(spec, "kink_limits")
    assert sorted(limits) == sorted([float(left), float(right)])
    marker = next(d for d in spec["data"] if d.get("meta") == "kink_limits")["marker"]
    assert marker["symbol"] == "circle-open"
    assert has_trace(spec, "kink_value")  # sympy's convention at the point, a filled dot


def test_the_overflowing_logistic_says_float64_overflows_and_suggests_sigmoid():
    at = run_page(fn="exp(x)/(1+exp(x))", fn_lo="-1000", fn_hi="1000", fn_x0="800")
    assert_clean(at)
    notes = [i.value for i in at.info]
    assert not any("no finite real value" in n for n in notes)
    assert not any("kink" in n for n in notes)
    overflow = next(n for n in notes if n.startswith("float64 overflows at 710 ≤ x ≤ 1000"))
    assert "f itself is finite there" in overflow and "sigmoid(x)" in _plain(overflow)
    assert any(n.startswith("float64 overflows in f′ at 355 ≤ x ≤ 1000") for n in notes)
    assert any(n.startswith("f(x₀) overflows float64 at x₀ = 800; in extended precision it is 1")
               for n in notes)
    spec = charts(at)[0]
    df_axis = spec["layout"]["yaxis2"]
    assert "range" not in df_axis or df_axis["range"][1] >= 0.25, "the 0.25 peak stays in view"


SLIP_MESSAGES = [
    ("3x^2", "Multiplication is explicit: write 3*x, not 3x."),
    ("2(x+1)", "Multiplication is explicit: write 2*(x+1), not 2(x+1)."),
    ("x(x+1)", "Multiplication is explicit: write x*(x+1), not x(x+1)."),
    ("e^2x", "Multiplication is explicit: write 2*x, not 2x."),
    ("ln", "ln is a function: call it like ln(x)."),
    ("ln x", "A function's argument goes in brackets: write ln(x), not ln x."),
    ("|x|", "For the absolute value |x| write abs(x)."),
    ("x>0", "Comparisons (<, >, ==, ...) are not allowed in a formula. For a step write "
            "heaviside(x)"),
    ("(x>0)", "Comparisons (<, >, ==, ...) are not allowed in a formula. For a step write "
              "heaviside(x)"),
    ("1 if x>0 else 0", "'if ... else' is not allowed in a formula: write heaviside(x) instead"),
    ("x # any text", "'#' is not allowed: a comment is not part of a formula."),
]


@pytest.mark.parametrize("text, message", SLIP_MESSAGES, ids=[row[0] for row in SLIP_MESSAGES])
def test_student_slips_get_what_to_write_instead(text, message):
    at = run_page(fn=text)
    assert not at.exception
    (error,) = at.error
    heading, body = error.value.split("\n\n", 1)
    assert heading == t("fn.refused")
    assert _plain(body).startswith(message), body
    assert "```text" in body  # the caret under the slip
    assert not at.get("plotly_chart")


def test_e_to_the_x_is_read_as_exp():
    at = run_page(fn="e^x")
    assert_clean(at)
    assert [latex.value.strip('$\n') for latex in at.latex] == ["f(x) = e^{x}", "f'(x) = e^{x}"]


def test_a_slip_is_explained_in_chinese_too():
    at = run_page("zh", fn="3x^2")
    heading, body = at.error[0].value.split("\n\n", 1)
    assert heading == t("fn.refused", "zh")
    assert _plain(body).startswith(_plain(t("fn.err.implicit_multiplication", "zh", fix="3*x",
                                            found="3x")))
    mine = run_page("zh", fn="x^3", fn_mine="|3*x^2|")
    assert any(_plain(e.value).startswith(t("fn.mine_refused", "zh") + "\n\n" + "绝对值")
               for e in mine.error)


def test_a_busy_server_is_said_in_its_own_words(monkeypatch):
    from derivs.sandbox import SymbolicBusy

    def busy(*args, **kwargs):
        raise SymbolicBusy()

    monkeypatch.setattr(derivs_app.views.playground, "analyse", busy)
    at = run_page(fn="x^9 + x")
    assert not at.exception and not at.error
    assert [w.value for w in at.warning] == [t("fn.busy")]
    assert not any(t("fn.limit", mb="512") in w.value for w in at.warning)
    assert has_trace(charts(at)[0], "numerical")


def test_a_refusal_from_the_worker_has_its_own_heading_not_the_memory_one():
    at = run_page(fn="heaviside((x-x)/(x-x))")
    assert not at.exception
    (error,) = at.error
    assert error.value.startswith(t("fn.df_refused"))
    assert t("fn.err.divides_by_zero") in error.value
