"""Hostile formulas against the "Your own function" page, each run in a child process.

A child runs the page with AppTest once with a harmless formula (a warm server), then with the
attack, and reports the attack run's wall time and its own CPU time (the server process's
share: worker processes are not counted), what the page showed, and whether an exception or
a traceback reached it. The parent kills a child that overruns, so a hang fails one test and
cannot hold the suite. The children's symbolic time limit is lowered to SYMBOLIC_TIMEOUT, so
that "within 3 s" covers a formula the worker has to give up on.

Also here: a property-based fuzz of formulas built from the whitelisted grammar (seeded,
DERIVS_FUZZ_EXAMPLES of them, 12 by default), and the fairness test of the worker pool.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 3.0  # seconds of wall time and of server CPU per page run
SYMBOLIC_TIMEOUT = 1.5  # the children's time limit for the worker
# Attacks that must hit the limit get a lower one: CI's machine finished 29 nested sigmoids in
# 1.6 s, so 1.5 s did not reliably time out there; 0.6 s leaves a 2.5x margin and is still
# four times a page run answered from memory (0.14 s).
TIMEOUT_FOR = {"nested_sigmoids": 0.6, "nested_sigmoids_variants": 0.6}
FUZZ_EXAMPLES = int(os.environ.get("DERIVS_FUZZ_EXAMPLES", "12"))

_PAGE_CHILD = textwrap.dedent("""
    import json, os, sys, time
    sys.path.insert(0, {root!r})
    os.chdir({root!r})
    import derivs.sandbox as sandbox
    sandbox.warm_up(2)
    from streamlit.testing.v1 import AppTest
    import derivs_app.views.playground as view
    view.SYMBOLIC_TIMEOUT = {timeout!r}

    def run(query):
        at = AppTest.from_file({page!r}, default_timeout=120)
        for key, value in query.items():
            at.query_params[key] = value
        wall, cpu = time.perf_counter(), time.process_time()
        at.run()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        shown = [e.value for e in (*at.error, *at.warning, *at.info, *at.success,
                                   *at.markdown, *at.caption)]
        return dict(wall=wall, cpu=cpu, exceptions=[str(e.value) for e in at.exception],
                    errors=[e.value for e in at.error], warnings=[w.value for w in at.warning],
                    infos=[i.value for i in at.info], charts=len(at.get("plotly_chart")),
                    traceback=any("Traceback" in s or 'File "' in s for s in shown))

    run({{"fn": "x^2 + 1", "fn_mine": "2*x"}})
    sandbox.warm_up(2, wait=True)
    results = [run(query) for query in {queries!r}]
    print("RESULT " + json.dumps(results), flush=True)
    os._exit(0)
""")


def run_child(code: str, timeout: float) -> list[dict]:
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=timeout, cwd=ROOT, start_new_session=True)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the child did not finish in {timeout:g} s (a hang)")
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    pytest.fail(f"the child failed:\n{done.stderr[-3000:]}")


def run_page_child(queries: list[dict], timeout: float = 90,
                   symbolic_timeout: float = SYMBOLIC_TIMEOUT) -> list[dict]:
    code = _PAGE_CHILD.format(root=str(ROOT), page=str(ROOT / "pages" / "playground.py"),
                              timeout=symbolic_timeout, queries=queries)
    return run_child(code, timeout)


def assert_quick_and_clean(result: dict, what: str) -> None:
    assert not result["exceptions"], (what, result["exceptions"])
    assert not result["traceback"], what
    assert result["wall"] < LIMIT, f"{what}: {result['wall']:.2f} s wall"
    assert result["cpu"] < LIMIT, f"{what}: {result['cpu']:.2f} s of server CPU"


# --- the attacks, each in its own process -------------------------------------------------------

NESTED = "sigmoid(" * 29 + "x" + ")" * 29
NESTED_28 = "sigmoid(" * 28 + "x" + ")" * 28  # one level left for "+ 1"
GELUS = "gelu(" * 8 + "x" + ")" * 8  # f′'s LaTeX is 460,000 characters
ATTACKS = {
    # name: (queries run in order, what the last run must show)
    "exp_relu": ([{"fn": "x+exp(relu(1))"}], "plotted"),
    "exp_relu_in_my_derivative": ([{"fn": "x^2", "fn_mine": "x+exp(relu(1))"}], "checked"),
    "exp_abs": ([{"fn": "x+exp(abs(1))"}], "plotted"),
    "exp_heaviside": ([{"fn": "x+exp(heaviside(1))"}], "plotted"),
    "exp_max_sign": ([{"fn": "x+exp(max(1, sign(2)))"}], "plotted"),
    "softplus_relu": ([{"fn": "x+softplus(relu(1))+sin(relu(1))"}], "plotted"),
    "nested_sigmoids": ([{"fn": NESTED}], "timeout"),
    "nested_sigmoids_variants": ([{"fn": NESTED_28 + "+1"}, {"fn": NESTED_28 + "+2"},
                                  {"fn": NESTED_28 + "+3.5"}], "timeout"),
    "sqrt_of_int": ([{"fn": "sqrt(2**64)"}], "plotted"),
    "nan_comparison": ([{"fn": "heaviside((x-x)/(x-x))"}], "df_refused"),
    "digits": ([{"fn": "x*((x-x+999999)**100+0)**100"}], "refused"),
    "nested_power": ([{"fn": "(x**100+0)**100"}], "refused"),
    "comment": ([{"fn": "x # any text"}], "refused"),
    "limit_rerun": ([{"fn": GELUS + "+1"}, {"fn": GELUS + "+1"}, {"fn": GELUS + "+2"}], "limit"),
}


@pytest.fixture(scope="module")
def attack_results(request):
    """The selected attacks' children, two at a time (each child is one process, killed if
    it hangs)."""
    selected = [item.callspec.params["name"] for item in request.session.items
                if getattr(item, "originalname", None)
                == "test_an_attack_is_answered_quickly_without_a_traceback"]
    pool = ThreadPoolExecutor(max_workers=2)
    futures = {name: pool.submit(_attack, ATTACKS[name][0],
                                 TIMEOUT_FOR.get(name, SYMBOLIC_TIMEOUT)) for name in selected}
    yield futures
    pool.shutdown(wait=False, cancel_futures=True)


def _attack(queries, symbolic_timeout):
    try:
        return run_page_child(queries, symbolic_timeout=symbolic_timeout), None
    except BaseException as error:  # pytest.fail in a thread: hand it to the test
        return None, error


@pytest.mark.parametrize("name", list(ATTACKS))
def test_an_attack_is_answered_quickly_without_a_traceback(name, attack_results):
    results, error = attack_results[name].result(timeout=300)
    if error is not None:
        raise error
    for i, result in enumerate(results):
        assert_quick_and_clean(result, f"{name} run {i}")
    last, expected = results[-1], ATTACKS[name][1]
    if expected == "plotted":
        assert last["charts"] >= 1 and not last["errors"] and not last["warnings"], last
    elif expected == "checked":
        assert last["charts"] == 2 and last["errors"][0].startswith("Not the derivative")
    elif expected == "timeout":
        assert any("longer than" in w for w in last["warnings"]), last["warnings"]
        assert last["charts"] == 1  # f and its finite-difference slope still plotted
    elif expected == "refused":
        assert last["errors"] and last["errors"][0].startswith("This formula can't be read.")
    elif expected == "df_refused":
        assert last["errors"][0].startswith("sympy can't differentiate this formula")
    elif expected == "limit":  # too long to display, or too slow to find out
        assert last["warnings"] and ("too long to display" in last["warnings"][0]
                                     or "longer than" in last["warnings"][0]), last["warnings"]
    if name in ("limit_rerun", "nested_sigmoids_variants"):
        # remembered: a rerun, and a variant of the same shape, are answered from memory
        walls = [r["wall"] for r in results]
        limit = TIMEOUT_FOR.get(name, SYMBOLIC_TIMEOUT)
        assert all(wall < limit for wall in walls[1:]), walls


# --- fuzz: formulas from the grammar -------------------------------------------------------------

_FUZZ_CHILD = textwrap.dedent("""
    import json, os, sys, time
    sys.path.insert(0, {root!r})
    os.chdir({root!r})
    import derivs.sandbox as sandbox
    sandbox.warm_up(2)
    from hypothesis import HealthCheck, Phase, given, settings, strategies as st
    from streamlit.testing.v1 import AppTest
    import derivs_app.views.playground as view
    from derivs.expression import FUNCTIONS
    view.SYMBOLIC_TIMEOUT = {timeout!r}
    LIMIT = {limit!r}

    def run(query):
        at = AppTest.from_file({page!r}, default_timeout=120)
        for key, value in query.items():
            at.query_params[key] = value
        wall, cpu = time.perf_counter(), time.process_time()
        at.run()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        shown = [e.value for e in (*at.error, *at.warning, *at.info, *at.markdown, *at.caption)]
        return wall, cpu, [str(e.value) for e in at.exception], any(
            "Traceback" in s or 'File "' in s for s in shown)

    leaves = st.sampled_from(["x", "x", "1", "2", "0", "0.5", "3", "pi", "e", "10"])
    unary = sorted(name for name, spec in FUNCTIONS.items() if spec.arity == 1)

    def extend(inner):
        return st.one_of(
            st.tuples(st.sampled_from(unary), inner).map(lambda t: f"{{t[0]}}({{t[1]}})"),
            st.tuples(st.sampled_from(["max", "min"]), inner, inner).map(
                lambda t: f"{{t[0]}}({{t[1]}}, {{t[2]}})"),
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(
                lambda t: f"({{t[0]}} {{t[1]}} {{t[2]}})"),
            st.tuples(inner, st.sampled_from(["2", "3", "-1", "0.5", "10", "x"])).map(
                lambda t: f"({{t[0]}})^{{t[1]}}"),
            inner.map(lambda t: f"-{{t}}"),
        )

    formulas = st.recursive(leaves, extend, max_leaves=10)
    slow = []

    @settings(max_examples={examples!r}, derandomize=True, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(formulas, formulas, st.sampled_from(["-5", "-1000", "0"]), st.sampled_from(["0", "1"]))
    def page_survives(f, mine, lo, x0):
        query = {{"fn": f, "fn_mine": mine, "fn_lo": lo, "fn_hi": "5", "fn_x0": x0}}
        wall, cpu, exceptions, traceback = run(query)
        assert not exceptions, (query, exceptions)
        assert not traceback, query
        assert wall < LIMIT and cpu < LIMIT, (query, wall, cpu)
        slow.append(max(wall, cpu))

    run({{"fn": "x^2 + 1"}})
    sandbox.warm_up(2, wait=True)
    try:
        page_survives()
        outcome = dict(ok=True, runs=len(slow), worst=max(slow, default=0.0))
    except AssertionError as error:
        outcome = dict(ok=False, failure=str(error)[:2000])
    print("RESULT " + json.dumps([outcome]), flush=True)
    os._exit(0)
""")


def test_fuzzed_formulas_from_the_grammar_are_answered_quickly_and_cleanly():
    code = _FUZZ_CHILD.format(root=str(ROOT), page=str(ROOT / "pages" / "playground.py"),
                              timeout=SYMBOLIC_TIMEOUT, limit=LIMIT, examples=FUZZ_EXAMPLES)
    (outcome,) = run_child(code, timeout=60 + 8 * FUZZ_EXAMPLES)
    assert outcome["ok"], outcome["failure"]
    assert outcome["runs"] == FUZZ_EXAMPLES


# --- fairness: slow sessions cannot hold up a quick one --------------------------------------------

_FAIR_CHILD = textwrap.dedent("""
    import itertools, json, os, sys, threading, time
    sys.path.insert(0, {root!r})
    import derivs.sandbox as sandbox

    INNER = ("sin", "cos", "tanh", "atan", "erf", "exp", "asinh", "sinh")

    def slow(i):  # a fresh shape each time: nothing remembered can answer it
        a, b = INNER[i % 8], INNER[(i // 8) % 8]
        depth = 22 + (i // 64) % 5
        return "sigmoid(" * depth + f"{{a}}({{b}}(x))" + ")" * depth

    sandbox.warm_up(3, wait=True)  # a server that has been running
    sandbox.analyse("x^2 + 3*x", session="victim")  # the victim's page is open
    stop, counter, attacks = threading.Event(), itertools.count(), []

    def attacker(k):
        while not stop.is_set():
            start = time.perf_counter()
            try:
                sandbox.analyse(slow(next(counter)), session=f"attacker{{k}}")
                outcome = "done"
            except sandbox.ExpressionError as error:
                outcome = error.code
            attacks.append((outcome, time.perf_counter() - start))

    threads = [threading.Thread(target=attacker, args=(k,), daemon=True) for k in range(6)]
    for thread in threads:
        thread.start()
    time.sleep(2.0)
    victim = []
    for i in range(6):
        start = time.perf_counter()
        try:
            result = sandbox.analyse(f"x^3 + {{17 + i}}*x - sin({{i + 2}}*x)", session="victim")
            outcome = result.df_latex
        except sandbox.ExpressionError as error:
            outcome = "refused: " + str(error)
        victim.append((outcome, time.perf_counter() - start))
        time.sleep(0.5)
    stop.set()
    print("RESULT " + json.dumps([dict(victim=victim, attacks=attacks)]), flush=True)
    os._exit(0)
""")


def test_a_quick_formula_is_answered_beside_six_sessions_of_slow_ones():
    (result,) = run_child(_FAIR_CHILD.format(root=str(ROOT)), timeout=120)
    for i, (outcome, seconds) in enumerate(result["victim"]):
        assert not outcome.startswith("refused"), (i, outcome)
        assert outcome.startswith("3 x^{2}"), outcome
        assert seconds < LIMIT, f"victim's formula {i} waited {seconds:.2f} s"
    assert len(result["attacks"]) >= 2  # the attackers really were at work meanwhile
