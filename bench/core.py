"""Benchmark of the core's activations: f + df over 10⁶ float64 points, as a ratio to one np.exp
pass over the same array in the same run (so the numbers travel between machines).

    python bench/core.py                       # the table; exit 1 if a bar is missed
    python bench/core.py --tuned-malloc        # plus the columns with glibc's allocator tuned
    python bench/core.py --before DIR          # plus the columns of the derivs package in DIR
                                               # (both then timed in turns, best of 3 turns)
    python bench/core.py --derivs-from DIR     # time the derivs package in DIR instead

For a before/after table, check the older commit out somewhere else (``git worktree add
/tmp/before HEAD~1``, or a copy of its ``derivs/``) and pass that directory to ``--before``.

Bars, judged on the headline column (default allocator, x ~ uniform(−10, 10), CPU time):
sigmoid and tanh at most 4× np.exp (a stable f + df needs two exp-like passes and a few
arithmetic ones); no activation over 40×. Beside them, for scale: the textbook sigmoid and tanh
(fast, but σ(1 − σ) and 1 − tanh² return 0 in the tails) and np.vectorize over math.exp (a
Python call per element: why the core never loops in Python).

Inputs, in random order (np.where over an unsorted mask mispredicts a branch per element,
which sorted plot grids would hide):
- x ~ uniform(−10, 10), like pre-activations in a network: the headline and the bars;
- x ~ uniform(−60, 60), the Activations page's widest view: it reaches the tails, where
  numpy's exp leaves its fast path (arguments beyond ±707.7 cost ~17×, subnormal results
  ~200×) and σ's overflow fallback runs. No bar; it shows what the tails cost.

Timing: best of REPEATS rounds, every case (np.exp included) taking one turn per round, so a
burst of load from another process costs one sample of each case rather than every sample of
one. Each sample is timed twice, by time.perf_counter (wall clock: the "ms" column) and by
time.process_time (CPU time of this process). The bars are judged on the CPU-time ratio: on a
shared machine the wall clock also counts the time another process held the core, which is no
property of the code; on an idle machine the two ratios agree.

Allocator: the headline is glibc's default allocator, as the app runs (Community Cloud sets no
malloc tuning). It hands freed multi-megabyte blocks back to the kernel, so an 8 MB temporary
can cost ~2000 page faults, and every temporary an activation allocates shows in its ratio.
``--tuned-malloc`` adds columns measured in a child process that raises glibc's mmap and trim
thresholds first (mallopt), so temporaries are reused as in a long-running server: the
arithmetic alone.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
N = 1_000_000
REPEATS = 7
BAR_FAST = 4.0  # sigmoid, tanh
BAR_ANY = 40.0
FAST = ("sigmoid", "tanh")
RANGES = (10.0, 60.0)  # x ~ uniform(−R, R); the first is the headline
ALTERNATIONS = 3  # with --before: turns each package takes, in alternation


def tune_malloc() -> bool:
    """Keep freed large blocks in the heap (glibc only; elsewhere a no-op)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    return bool(libc.mallopt(m_mmap_threshold, 1 << 30) and libc.mallopt(m_trim_threshold, 1 << 30))


def best_interleaved(cases: dict, repeats: int) -> tuple[dict, dict]:
    """(best wall time, best CPU time) of each case over ``repeats`` interleaved rounds."""
    for fn in cases.values():
        fn()  # warm up: first-touch page faults, lazy imports
    wall = dict.fromkeys(cases, math.inf)
    cpu = dict.fromkeys(cases, math.inf)
    for _ in range(repeats):
        for name, fn in cases.items():
            c0, t0 = time.process_time(), time.perf_counter()
            fn()
            t1, c1 = time.perf_counter(), time.process_time()
            wall[name] = min(wall[name], t1 - t0)
            cpu[name] = min(cpu[name], c1 - c0)
    return wall, cpu


def naive_sigmoid(x):
    with np.errstate(over="ignore"):
        s = 1.0 / (1.0 + np.exp(-x))  # overflows (silenced here) for x < −709.78
    return s, s * (1.0 - s)  # 0 once s rounds to 1 (x > 36.7)


def naive_tanh(x):
    t = np.tanh(x)
    return t, 1.0 - t**2  # 0 once tanh rounds to ±1 (|x| > 19.1)


_vec_sigmoid = np.vectorize(lambda v: 1.0 / (1.0 + math.exp(-v)), otypes=[np.float64])
_vec_sigmoid_slope = np.vectorize(
    lambda v: math.exp(-abs(v)) / (1.0 + math.exp(-abs(v))) ** 2, otypes=[np.float64]
)


def vectorize_sigmoid(x):
    return _vec_sigmoid(x), _vec_sigmoid_slope(x)


VECTORIZE = "np.vectorize(math.exp…) sigmoid f+df"


def measure(derivs_dir: Path, repeats: int) -> dict:
    """{R: {case: (ms, wall ratio, CPU ratio)}} for x ~ uniform(−R, R), plus the np.exp ms."""
    sys.path.insert(0, str(derivs_dir))  # after mallopt, so every array sees one allocator
    import derivs

    acts = derivs.ACTIVATIONS
    out = {"derivs": str(Path(derivs.__file__).resolve().parent), "ranges": {}}
    for r in RANGES:
        x = np.random.default_rng(0).uniform(-r, r, N)
        cases = {"np.exp": lambda x=x: np.exp(x)}
        cases |= {name: (lambda act=act, x=x: (act.f(x), act.df(x))) for name, act in acts.items()}
        cases |= {
            "naive sigmoid: 1/(1+exp(−x)), s(1−s)": lambda x=x: naive_sigmoid(x),
            "naive tanh: tanh, 1 − tanh²": lambda x=x: naive_tanh(x),
        }
        with np.errstate(all="ignore"):  # the naive forms over- and underflow on ±60
            wall, cpu = best_interleaved(cases, repeats)
            # np.vectorize: a Python call per element, timed on 10⁵ points and scaled by 10
            small = x[: N // 10]
            vwall, vcpu = best_interleaved({"v": lambda s=small: vectorize_sigmoid(s)}, 3)
        wall[VECTORIZE], cpu[VECTORIZE] = vwall["v"] * 10, vcpu["v"] * 10
        base_wall, base_cpu = wall.pop("np.exp"), cpu.pop("np.exp")
        out["ranges"][str(r)] = {
            "exp_ms": base_wall * 1e3,
            "cases": {k: (wall[k] * 1e3, wall[k] / base_wall, cpu[k] / base_cpu) for k in wall},
        }
    out["activations"] = list(acts)
    return out


def measure_in_child(derivs_dir: Path, repeats: int, allocator: str) -> dict | None:
    """The same measurement in a fresh process: another derivs package can be imported there,
    and the allocator can be tuned before numpy allocates anything."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", allocator, "--repeats",
           str(repeats), "--derivs-from", str(derivs_dir)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(f"({allocator}-allocator child failed: {done.stderr.strip()[-300:]})",
              file=sys.stderr)
        return None
    return json.loads(done.stdout)


def _best(results: list) -> dict | None:
    """Per case and range, the best (smallest) of several measurements' ms and ratios."""
    results = [r for r in results if r is not None]
    if not results:
        return None
    out = json.loads(json.dumps(results[0]))
    for r in results[1:]:
        for key, block in r["ranges"].items():
            mine = out["ranges"][key]
            mine["exp_ms"] = min(mine["exp_ms"], block["exp_ms"])
            for name, values in block["cases"].items():
                mine["cases"][name] = [min(a, b) for a, b in zip(mine["cases"][name], values,
                                                                 strict=True)]
    return out


def _cell(result: dict, r: float, name: str) -> str:
    case = result["ranges"][str(r)]["cases"].get(name)  # (an older package may lack a name)
    return f"{case[2]:.1f}×" if case else "—"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tuned-malloc", action="store_true",
                        help="add columns measured with glibc's mmap/trim thresholds raised")
    parser.add_argument("--before", type=Path, default=None,
                        help="directory holding an older derivs package: adds its columns")
    parser.add_argument("--derivs-from", type=Path, default=ROOT,
                        help="directory holding the derivs package to time (default: this repo)")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="rounds (best of)")
    parser.add_argument("--child", choices=("default", "tuned"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:  # internal: print one measurement as JSON
        if args.child == "tuned" and not tune_malloc():
            print("mallopt unavailable (not glibc)", file=sys.stderr)
            return 2
        print(json.dumps(measure(args.derivs_from, args.repeats)))
        return 0

    if args.before:
        # Both packages in fresh processes, taking turns ALTERNATIONS times and keeping each
        # case's best: load from other processes then shifts both sides alike, not one of them.
        default, before = [], []
        for _ in range(ALTERNATIONS):
            default.append(measure_in_child(args.derivs_from, args.repeats, "default"))
            before.append(measure_in_child(args.before, args.repeats, "default"))
        default, before = _best(default), _best(before)
    else:
        default, before = measure(args.derivs_from, args.repeats), None
    tuned = measure_in_child(args.derivs_from, args.repeats, "tuned") if args.tuned_malloc else None
    if default is None:
        return 2
    acts = default["activations"]
    head = str(RANGES[0])

    cols = ["activation", f"±{RANGES[0]:g}: f+df ms", "ratio", "ratio (CPU)"]
    cols += [f"±{r:g}: ratio (CPU)" for r in RANGES[1:]]
    if before:
        cols += [f"before ±{r:g}: ratio (CPU)" for r in RANGES]
    if tuned:
        cols += [f"tuned ±{r:g}: ratio (CPU)" for r in RANGES]
    cols += ["bar", ""]
    print(
        f"f + df over {N:,} float64 points in random order, x ~ uniform(−R, R); best of "
        f"{args.repeats} interleaved rounds; one np.exp pass = "
        + ", ".join(f"{default['ranges'][str(r)]['exp_ms']:.3f} ms (±{r:g})" for r in RANGES)
        + f"; numpy {np.__version__}; headline: default allocator, derivs from {default['derivs']}"
        + (f"; before: default allocator, derivs from {before['derivs']}" if before else "")
        + ("; tuned: glibc mmap/trim thresholds raised (mallopt)" if tuned else "")
    )
    print()
    print("| " + " | ".join(cols) + " |")
    print("| " + " | ".join(["---"] + ["---:"] * (len(cols) - 3) + ["---", "---"]) + " |")
    missed = []
    for name in default["ranges"][head]["cases"]:
        ms, r_wall, r_cpu = default["ranges"][head]["cases"][name]
        row = [name, f"{ms:.2f}", f"{r_wall:.1f}×", f"{r_cpu:.1f}×"]
        row += [f"{default['ranges'][str(r)]['cases'][name][2]:.1f}×" for r in RANGES[1:]]
        if before:
            row += [_cell(before, r, name) for r in RANGES]
        if tuned:
            row += [_cell(tuned, r, name) for r in RANGES]
        if name in acts:
            bar = BAR_FAST if name in FAST else BAR_ANY
            ok = r_cpu <= bar
            if not ok:
                missed.append(f"{name}: {r_cpu:.1f}× > {bar:g}×")
            row += [f"≤ {bar:g}×", "ok" if ok else "MISSED"]
        else:
            row += ["(for scale)", ""]
        print("| " + " | ".join(row) + " |")
    print()
    if missed:
        print("missed (headline CPU-time ratio): " + "; ".join(missed))
        return 1
    print("all bars met (headline CPU-time ratio)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
