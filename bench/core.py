"""Benchmark of the core's activations: f + df over 10⁶ float64 points, as a ratio to one np.exp
pass over the same array in the same run (so the numbers travel between machines).

    python bench/core.py                   # the table; exit 1 if a bar is missed
    python bench/core.py --default-malloc  # without the allocator setting explained below

Bars: sigmoid and tanh at most 4× np.exp (a stable f + df needs two exp-like passes and a few
arithmetic ones); no activation over 40×. Beside them, for scale: the textbook sigmoid and tanh
(fast, but σ(1 − σ) and 1 − tanh² return 0 in the tails) and np.vectorize over math.exp (a
Python call per element: why the core never loops in Python).

The input is x ~ uniform(−10, 10) in random order, like pre-activations in a network: np.where
over an unsorted mask mispredicts a branch per element, which sorted plot grids would hide.

Timing: best of REPEATS rounds, every case (np.exp included) taking one turn per round, so a
burst of load from another process costs one sample of each case rather than every sample of
one. Each sample is timed twice, by time.perf_counter (wall clock: the "ms" column) and by
time.process_time (CPU time of this process). The bars are judged on the CPU-time ratio: on a
shared machine the wall clock also counts the time another process held the core, which is no
property of the code; on an idle machine the two ratios agree (both are printed).

Allocator: glibc hands freed multi-megabyte blocks back to the kernel, so every 8 MB temporary
costs ~2000 page faults, about as much as three np.exp passes on a CPU with a vectorised exp.
That is the kernel's cost, not the arithmetic's, and it would dominate every ratio; by default
this script raises glibc's mmap and trim thresholds (mallopt) so temporaries are reused, as
they are in a long-running server. ``--default-malloc`` shows the untuned numbers.
"""

from __future__ import annotations

import argparse
import ctypes
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere, no install

N = 1_000_000
REPEATS = 7
BAR_FAST = 4.0  # sigmoid, tanh
BAR_ANY = 40.0
FAST = ("sigmoid", "tanh")


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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--default-malloc", action="store_true", help="leave glibc's allocator thresholds alone"
    )
    parser.add_argument("--repeats", type=int, default=REPEATS, help="rounds (best of)")
    args = parser.parse_args(argv)
    tuned = False if args.default_malloc else tune_malloc()

    import derivs  # after mallopt, so every array of the run sees the same allocator

    x = np.random.default_rng(0).uniform(-10.0, 10.0, N)
    acts = derivs.ACTIVATIONS
    cases = {"np.exp": lambda: np.exp(x)}
    cases |= {name: (lambda act=act: (act.f(x), act.df(x))) for name, act in acts.items()}
    cases |= {
        "naive sigmoid: 1/(1+exp(−x)), s(1−s)": lambda: naive_sigmoid(x),
        "naive tanh: tanh, 1 − tanh²": lambda: naive_tanh(x),
    }
    wall, cpu = best_interleaved(cases, args.repeats)
    # np.vectorize: a Python call per element, timed on 10⁵ points and scaled by 10
    small = x[: N // 10]
    vwall, vcpu = best_interleaved({"v": lambda: vectorize_sigmoid(small)}, 3)
    label = "np.vectorize(math.exp…) sigmoid f+df"
    wall[label], cpu[label] = vwall["v"] * 10, vcpu["v"] * 10
    base_wall, base_cpu = wall.pop("np.exp"), cpu.pop("np.exp")

    rows, missed = [], []
    for name in wall:
        ratio_wall, ratio_cpu = wall[name] / base_wall, cpu[name] / base_cpu
        if name in acts:
            bar = BAR_FAST if name in FAST else BAR_ANY
            ok = ratio_cpu <= bar
            if not ok:
                missed.append(f"{name}: {ratio_cpu:.1f}× > {bar:g}×")
            verdict = (f"≤ {bar:g}×", "ok" if ok else "MISSED")
        else:
            verdict = ("(for scale)", "")
        rows.append((name, wall[name], ratio_wall, ratio_cpu, *verdict))

    print(
        f"f + df over {N:,} float64 points, x ~ uniform(−10, 10) in random order; best of "
        f"{args.repeats} interleaved rounds; one np.exp pass = {base_wall * 1e3:.3f} ms; "
        f"numpy {np.__version__}; allocator {'tuned (mallopt)' if tuned else 'default'}"
    )
    print()
    print("| activation | f+df time ms | ratio to np.exp | ratio (CPU time) | bar | |")
    print("| --- | ---: | ---: | ---: | --- | --- |")
    for name, t, r_wall, r_cpu, bar, verdict in rows:
        print(f"| {name} | {t * 1e3:.2f} | {r_wall:.1f}× | {r_cpu:.1f}× | {bar} | {verdict} |")
    print()
    if missed:
        print("missed (CPU-time ratio): " + "; ".join(missed))
        return 1
    print("all bars met (CPU-time ratio)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
