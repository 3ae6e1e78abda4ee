"""Benchmark of derivs.network: one forward + backward pass (``net.gradients``) of a few MLPs,
as ratios to baselines measured in the same run (so the numbers travel between machines).

    python bench/network.py               # the table; exit 1 if the bar is missed
    python bench/network.py --repeats 31  # more rounds, steadier medians

Baselines, for every case:
- "matmuls": only the matrix products a pass needs (L forward, L for dW, L − 1 for δ), on
  arrays of the same shapes: the arithmetic no implementation can skip.
- "textbook" (the 2-16-16-2 case): the same network written as one plain numpy function, the
  way a tutorial does it: np.tanh, 1 − a², exp(z − max)/Σ, (s − y)/n. It computes the same
  gradients (checked here to 1e-12) without the core's stable forms, records and validation.

Bar: the 2-16-16-2 tanh / softmax-cross-entropy step on 256 examples at most BAR_TEXTBOOK ×
the textbook step. The absolute median is printed beside the design's goal of GOAL_MS ms
(a few ms for an interactive app), but a machine's speed is not the code's, so only the ratio
is judged.

Timing: each sample runs a case ``inner`` times (enough for about 2 ms, so the clock's
resolution does not matter) and is timed by time.process_time (CPU time of this process: a
burst of load from another process does not count) and time.perf_counter (wall clock, the
"ms" column). Cases take turns within each round; the median over rounds is reported.

BLAS threads: one, unless OPENBLAS_NUM_THREADS / OMP_NUM_THREADS is set already. These
matrices are small (at most 256 × 784), and a threaded BLAS spends its time handing them
between threads: on a busy 2-core machine (256, 64) @ (64, 64) took 2 ms threaded against
40 µs on one thread, which would time the machine's load, not the code.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before numpy loads its BLAS (see the docstring)

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere, no install

from derivs.network import MLP, make_dataset, one_hot  # noqa: E402

REPEATS = 15
SAMPLE_S = 2e-3  # target length of one timed sample
BAR_TEXTBOOK = 5.0  # the judged ratio: derivs' 2-16-16-2 step / the textbook step
GOAL_MS = 5.0  # printed beside the absolute median, not judged
GOAL_CASE = "2-16-16-2 tanh, softmax CE, B=256"

CASES = (  # (label, sizes, activation, loss, batch)
    (GOAL_CASE, (2, 16, 16, 2), "tanh", "softmax_cross_entropy", 256),
    ("2-64-64-2 relu, softmax CE, B=256", (2, 64, 64, 2), "relu", "softmax_cross_entropy", 256),
    ("10-32-32-32-1 gelu, BCE, B=256", (10, 32, 32, 32, 1), "gelu", "binary_cross_entropy", 256),
    ("784-128-10 relu, cross-entropy, B=64", (784, 128, 10), "relu", "cross_entropy", 64),
    ("2-16-16-2 tanh, softmax CE, B=1", (2, 16, 16, 2), "tanh", "softmax_cross_entropy", 1),
)


def textbook_gradients(p, x, Y):
    """The 2-hidden-layer tanh / softmax-cross-entropy pass as a tutorial writes it (the same
    loss convention as derivs: the mean over the n outputs, then over the batch)."""
    B, n = Y.shape
    a1 = np.tanh(x @ p["W1"].T + p["b1"])
    a2 = np.tanh(a1 @ p["W2"].T + p["b2"])
    z3 = a2 @ p["W3"].T + p["b3"]
    e = np.exp(z3 - z3.max(axis=1, keepdims=True))
    s = e / e.sum(axis=1, keepdims=True)
    loss = -np.sum(Y * np.log(s)) / Y.size
    d3 = (s - Y) / n
    d2 = (d3 @ p["W3"]) * (1.0 - a2 * a2)
    d1 = (d2 @ p["W2"]) * (1.0 - a1 * a1)
    return loss, {"W1": d1.T @ x / B, "b1": d1.mean(axis=0), "W2": d2.T @ a1 / B,
                  "b2": d2.mean(axis=0), "W3": d3.T @ a2 / B, "b3": d3.mean(axis=0)}


def matmul_floor(sizes, batch):
    """The pass's matrix products alone, on fresh arrays of the same shapes."""
    rng = np.random.default_rng(0)
    Ws = [rng.standard_normal((m, n)) for n, m in zip(sizes[:-1], sizes[1:], strict=True)]
    acts = [rng.standard_normal((batch, n)) for n in sizes]

    def run():
        for l, W in enumerate(Ws):
            acts[l] @ W.T  # forward: z_l
            acts[l + 1].T @ acts[l]  # dW_l = δ_lᵀ a_{l−1} (δ_l has a_l's shape)
            if l:
                acts[l + 1] @ W  # δ_{l−1} = δ_l W_l
    return run


def build(sizes, activation, loss, batch):
    net = MLP(sizes, activation, loss, seed=0)
    rng = np.random.default_rng(1)
    if sizes[0] == 2:
        x, labels = make_dataset("moons", max(batch, 2), seed=1)  # (a dataset has 2 classes)
        x, labels = x[:batch], labels[:batch]
    else:
        x, labels = rng.standard_normal((batch, sizes[0])), rng.integers(0, 2, batch)
    if sizes[-1] > 2:
        labels = rng.integers(0, sizes[-1], batch)
    return net, x, labels


def calibrate(fn) -> int:
    """How many calls make one sample of about SAMPLE_S seconds."""
    fn()  # warm up: first-touch page faults, lazy imports
    t0 = time.perf_counter()
    fn()
    one = max(time.perf_counter() - t0, 1e-7)
    return max(1, int(SAMPLE_S / one))


def median_interleaved(cases: dict, repeats: int) -> tuple[dict, dict]:
    """(median wall time, median CPU time) per call of each case over ``repeats`` rounds."""
    inner = {name: calibrate(fn) for name, fn in cases.items()}
    wall = {name: [] for name in cases}
    cpu = {name: [] for name in cases}
    for _ in range(repeats):
        for name, fn in cases.items():
            k = inner[name]
            c0, t0 = time.process_time(), time.perf_counter()
            for _ in range(k):
                fn()
            t1, c1 = time.perf_counter(), time.process_time()
            wall[name].append((t1 - t0) / k)
            cpu[name].append((c1 - c0) / k)
    return ({n: statistics.median(v) for n, v in wall.items()},
            {n: statistics.median(v) for n, v in cpu.items()})


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=REPEATS)
    args = parser.parse_args(argv)

    timed, textbook_ok = {}, None
    for label, sizes, activation, loss, batch in CASES:
        net, x, labels = build(sizes, activation, loss, batch)
        timed[("net", label)] = lambda net=net, x=x, labels=labels: net.gradients(x, labels)
        timed[("matmuls", label)] = matmul_floor(sizes, batch)
        if label == GOAL_CASE:
            Y = one_hot(labels, sizes[-1])
            loss_tb, g_tb = textbook_gradients(net.params, x, Y)
            g = net.gradients(x, labels)
            textbook_ok = abs(loss_tb - net.loss(x, labels)) <= 1e-12 * abs(loss_tb) and all(
                np.max(np.abs(g[k] - g_tb[k])) <= 1e-12 * np.max(np.abs(g[k])) for k in g)
            timed[("textbook", label)] = lambda p=net.params, x=x, Y=Y: textbook_gradients(p, x, Y)

    wall, cpu = median_interleaved(timed, args.repeats)

    print(f"derivs.network: net.gradients(x, y) (forward + backward), median of {args.repeats} "
          f"rounds; ratios of CPU time; OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}")
    head = f"{'case':<40} {'ms':>8} {'× matmuls':>10} {'× textbook':>11}"
    print(head)
    print("-" * len(head))
    for label, *_ in CASES:
        ms = wall[("net", label)] * 1e3
        to_mm = cpu[("net", label)] / cpu[("matmuls", label)]
        tb = cpu.get(("textbook", label))
        to_tb = f"{cpu[('net', label)] / tb:11.2f}" if tb else f"{'':>11}"
        print(f"{label:<40} {ms:8.3f} {to_mm:10.1f} {to_tb}")
    print(f"{'  textbook 2-16-16-2 (the baseline)':<40} {wall[('textbook', GOAL_CASE)] * 1e3:8.3f}")
    print(f"{'  matmuls alone, 2-16-16-2 B=256':<40} {wall[('matmuls', GOAL_CASE)] * 1e3:8.3f}")

    ratio = cpu[("net", GOAL_CASE)] / cpu[("textbook", GOAL_CASE)]
    goal_ms = wall[("net", GOAL_CASE)] * 1e3
    failures = []
    if not textbook_ok:
        failures.append("the textbook baseline does not compute the same gradients")
    if ratio > BAR_TEXTBOOK:
        failures.append(f"{GOAL_CASE}: {ratio:.2f}× the textbook step, bar {BAR_TEXTBOOK:.1f}×")
    print()
    print(f"bar: {GOAL_CASE} ≤ {BAR_TEXTBOOK:.1f}× textbook: {ratio:.2f}× "
          f"({'ok' if ratio <= BAR_TEXTBOOK else 'MISSED'}); absolute {goal_ms:.3f} ms "
          f"(goal {GOAL_MS:.0f} ms, {'met' if goal_ms <= GOAL_MS else 'not met'} on this "
          "machine; not judged)")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
