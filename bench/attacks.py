"""Hostile formulas against the "Your own function" page: server-process CPU and wall time.

Each row runs in a fresh child process (so a hang is killed, not waited for): the page runs
once with a harmless formula (a warm server: imports done, a worker ready), then with the
attack (timed: wall clock and the child's own CPU, which is the Streamlit server's share;
worker processes are not counted), then once more (a rerun: is the answer cached?). The
fairness rows time a victim's fresh formula beside attacker threads that call the sandbox
API with fresh slow formulas.

    .venv/bin/python bench/attacks.py                 # the whole table
    .venv/bin/python bench/attacks.py --timeout 200   # wait longer for the slowest rows
    .venv/bin/python bench/attacks.py --only exp_relu,nan_heaviside

Not a test: it prints a table (and --json writes the rows) for before/after comparisons.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

NESTED_SIGMOIDS = "sigmoid(" * 29 + "x" + ")" * 29

#: name -> (URL parameters, what it shows)
PAGE_ATTACKS = {
    "exp_relu": ({"fn": "x+exp(relu(1))"}, "a constant that printing evaluates unevaluated"),
    "exp_relu_mine": ({"fn": "x^2", "fn_mine": "x+exp(relu(1))"}, "the same in the f′ box"),
    "exp_abs": ({"fn": "x+exp(abs(1))"}, "abs inside exp"),
    "exp_sign": ({"fn": "x+exp(sign(1))"}, "sign inside exp"),
    "sin_relu": ({"fn": "x+sin(relu(1))"}, "a lighter relative"),
    "nested_sigmoids": ({"fn": NESTED_SIGMOIDS}, "29 nested sigmoids (worker times out)"),
    "sqrt_int": ({"fn": "sqrt(2**64)"}, "a Python int reaching numpy"),
    "nan_heaviside": ({"fn": "heaviside((x-x)/(x-x))"}, "a NaN comparison in eval"),
    "digits": ({"fn": "x*((x-x+999999)**100+0)**100"}, "Python's 4,300-digit limit"),
    "nested_power": ({"fn": "(x**100+0)**100"}, "round the exponent cap"),
    "limit_rerun": ({"fn": "gelu(" * 8 + "x" + ")" * 8}, "a limit refusal, then a rerun"),
    "comment": ({"fn": "x # any text"}, "a comment"),
}

FAIRNESS = {
    "victim_alone": 0,
    "victim_2_loops": 2,
    "victim_6_loops": 6,
}


# --------------------------------------------------------------------------------------
# child side


def _page_child(name: str, timeout: float) -> dict:
    from streamlit.testing.v1 import AppTest

    params, _ = PAGE_ATTACKS[name]
    page = str(ROOT / "pages" / "playground.py")

    def run(query: dict):
        at = AppTest.from_file(page, default_timeout=timeout)
        for key, value in query.items():
            at.query_params[key] = value
        wall, cpu = time.perf_counter(), time.process_time()
        at.run()
        return at, time.perf_counter() - wall, time.process_time() - cpu

    run({"fn": "x^2 + 1"})  # warm: imports, a worker, caches of the harmless formula
    at, wall, cpu = run(params)
    _, rerun_wall, rerun_cpu = run(params)
    texts = [e.value for e in (*at.error, *at.warning)]
    exceptions = [(list(e.stack_trace) or [e.message])[-1] for e in at.exception]
    shown = " ".join([*texts, *(m.value for m in at.markdown)])
    if exceptions:
        outcome = "EXCEPTION: " + exceptions[0].splitlines()[0][:70]
    elif at.error or at.warning:
        outcome = "refused: " + texts[0].replace("\n", " ")[:70]
    else:
        outcome = "accepted"
    return dict(name=name, wall=wall, cpu=cpu, rerun_wall=rerun_wall, rerun_cpu=rerun_cpu,
                outcome=outcome, traceback="Traceback" in shown or bool(exceptions))


def _slow_formula(i: int) -> str:
    """A fresh formula whose symbolic work is slow: nested sigmoids of a varying shape."""
    inner = ("sin", "cos", "tanh", "atan", "erf", "exp", "asinh", "sinh")
    a, b = inner[i % 8], inner[(i // 8) % 8]
    depth = 24 + (i // 64) % 6
    return "sigmoid(" * depth + f"{a}({b}(x))" + ")" * depth


def _fair_child(name: str, timeout: float) -> dict:
    import threading

    import derivs.sandbox as sandbox

    loops = FAIRNESS[name]
    takes_session = "session" in inspect.signature(sandbox.analyse).parameters

    def call(text, session):
        kwargs = {"session": session} if takes_session else {}
        return sandbox.analyse(text, **kwargs)

    sandbox.warm_up()
    call("x^2", "victim")
    stop = threading.Event()
    counter = iter(range(10**6))

    def attacker(k):
        while not stop.is_set():
            i = next(counter)
            # the brief's pattern: fresh numbers on a slow shape, and fresh shapes
            text = NESTED_SIGMOIDS + f"+{i}" if i % 2 else _slow_formula(i)
            try:
                call(text, f"attacker{k}")
            except Exception:
                pass

    threads = [threading.Thread(target=attacker, args=(k,), daemon=True) for k in range(loops)]
    for thread in threads:
        thread.start()
    time.sleep(2.0 if loops else 0.0)
    waits, refusals = [], []
    for i in range(5):
        start = time.perf_counter()
        try:
            call(f"x^3 + {17 + i}*x - sin({i + 2}*x)", "victim")
        except Exception as error:
            refusals.append(f"{type(error).__name__}: {error}"[:80])
        waits.append(time.perf_counter() - start)
        time.sleep(0.3)
    stop.set()
    return dict(name=name, wall=max(waits), cpu=sum(waits) / len(waits), rerun_wall=None,
                rerun_cpu=None,
                outcome=("refused: " + refusals[0]) if refusals else "all 5 answered",
                traceback=False, fairness=True)


def child_main(name: str, timeout: float) -> None:
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    row = _fair_child(name, timeout) if name in FAIRNESS else _page_child(name, timeout)
    print("ROW " + json.dumps(row), flush=True)
    os._exit(0)  # do not wait for worker processes or threads


# --------------------------------------------------------------------------------------
# parent side


def run_row(name: str, timeout: float) -> dict:
    start = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, __file__, "--child", name, "--timeout",
                               str(timeout)], capture_output=True, text=True, cwd=ROOT,
                              timeout=timeout + 60, start_new_session=True)
    except subprocess.TimeoutExpired:
        return dict(name=name, wall=None, cpu=None, rerun_wall=None, rerun_cpu=None,
                    outcome=f"killed after {timeout + 60:g} s", traceback=False)
    for line in done.stdout.splitlines():
        if line.startswith("ROW "):
            return json.loads(line[4:])
    tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
    return dict(name=name, wall=time.perf_counter() - start, cpu=None, rerun_wall=None,
                rerun_cpu=None, outcome="child failed: " + tail[:70], traceback=False)


def _s(value) -> str:
    return "—" if value is None else f"{value:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="seconds an AppTest run may take (the child is killed later)")
    parser.add_argument("--only", help="comma-separated row names")
    parser.add_argument("--json", help="write the rows to this file")
    args = parser.parse_args()
    if args.child:
        child_main(args.child, args.timeout)
        return
    names = [*PAGE_ATTACKS, *FAIRNESS]
    if args.only:
        names = [n for n in names if n in args.only.split(",")]
    rows = []
    print(f"{'attack':18} {'wall s':>8} {'CPU s':>8} {'rerun s':>8}  outcome")
    for name in names:
        row = run_row(name, args.timeout)
        rows.append(row)
        if row.get("fairness"):
            print(f"{name:18} {_s(row['wall']):>8} {'':>8} {'':>8}  worst of 5 victim waits "
                  f"(mean {_s(row['cpu'])} s); {row['outcome']}", flush=True)
        else:
            trace = " [traceback]" if row["traceback"] else ""
            print(f"{name:18} {_s(row['wall']):>8} {_s(row['cpu']):>8} "
                  f"{_s(row['rerun_wall']):>8}  {row['outcome']}{trace}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
