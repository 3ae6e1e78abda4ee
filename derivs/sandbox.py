"""Heavy sympy work (diff, simplify, latex) in a worker process with hard limits.

Signal-based timeouts do not work in a Streamlit script (it runs outside the main
thread), and sympy can run for minutes or eat gigabytes on an innocent-looking formula.
So the work runs in a child process that the parent kills when the time is up, with
``RLIMIT_AS`` capping its memory.

Why plain ``python -c`` subprocesses and not ``multiprocessing``: under ``streamlit
run``, ``sys.modules["__main__"]`` is the page script, and multiprocessing's "spawn" and
"forkserver" children re-run ``__main__`` (the whole app) before every job; "fork" from
the threaded server can deadlock. A subprocess started without ``preexec_fn`` is
thread-safe, and a warm idle worker makes a job cost milliseconds instead of the
half-second sympy import. Parent and worker exchange pickles over the worker's
stdin/stdout; both sides are this module's code. POSIX only (uses ``select`` on pipes).

Safety of the results: ``analyse`` sends the already validated *text*, which the worker
re-parses with the same ``parse_expression``; the expressions sent back are built from
whitelisted parts only, and ``to_numpy`` checks that again before lambdify. The parent
unpickles them unevaluated: unpickling calls sympy constructors, and evaluating there
could start the very work the worker was for.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import math
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy

from derivs.expression import (
    ExpressionError,
    X,
    derivative,
    parse_expression,
    to_latex,
    to_numpy,
)

__all__ = [
    "SymbolicLimitError",
    "SymbolicTimeout",
    "run_limited",
    "warm_up",
    "differentiate",
    "symbolic_derivative_latex",
    "Analysis",
    "analyse",
]

MAX_WORKERS = 2  # Community Cloud has about 2 cores and 2.7 GB
MAX_JOBS_PER_WORKER = 200  # recycle now and then: sympy's caches only grow
STARTUP_TIMEOUT = 60.0
MAX_RESULT_BYTES = 64 << 20
MAX_LATEX_CHARS = 20_000

_HEADER = struct.Struct("!Q")
_BOOT = (
    "import sys, json; sys.path[:] = json.loads(sys.argv[1]); "
    "from derivs.sandbox import _worker_main; _worker_main()"
)


class SymbolicLimitError(ExpressionError):
    """Symbolic work hit a resource limit (memory, recursion, size) or its worker died."""


class SymbolicTimeout(SymbolicLimitError):
    """Symbolic work took longer than its time limit and was stopped."""


# --------------------------------------------------------------------------------------
# Framing: an 8-byte length, then a pickle.


def _write_frame(fd: int, payload: bytes) -> None:
    view = memoryview(_HEADER.pack(len(payload)) + payload)
    while view:
        view = view[os.write(fd, view) :]


def _read_exact(fd: int, size: int, deadline: float | None) -> bytes:
    chunks, remaining = [], size
    while remaining:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                raise TimeoutError
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise EOFError("worker closed the pipe")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _read_frame(fd: int, deadline: float | None) -> bytes:
    (size,) = _HEADER.unpack(_read_exact(fd, _HEADER.size, deadline))
    if size > MAX_RESULT_BYTES:
        raise EOFError(f"frame of {size} bytes is too large")
    return _read_exact(fd, size, deadline)


# --------------------------------------------------------------------------------------
# Worker side


def _worker_main() -> None:
    """Loop of the worker process: read a job, run it under limits, send the outcome."""
    reply_fd = os.dup(1)
    os.dup2(2, 1)  # a stray print in a job must not corrupt the protocol
    sys.stdout = sys.stderr
    _write_frame(reply_fd, pickle.dumps(("ready",)))
    while True:
        try:
            frame = _read_frame(0, None)
        except EOFError:  # the parent closed our stdin or died
            return
        reply, stop = _run_job(frame)
        _write_frame(reply_fd, reply)
        if stop:
            return


def _run_job(frame: bytes) -> tuple[bytes, bool]:
    sys_path, job, timeout, memory_mb = pickle.loads(frame)
    if sys_path != sys.path:
        sys.path[:] = sys_path
    try:
        with _limits(memory_mb, timeout):
            fn, args = pickle.loads(job)
            return pickle.dumps(("ok", fn(*args)), pickle.HIGHEST_PROTOCOL), False
    except MemoryError:
        return pickle.dumps(("memory",)), True  # the heap may be in a poor state: exit
    except RecursionError:
        return pickle.dumps(("recursion",)), False
    except Exception as error:  # sent back and re-raised in the parent
        try:
            packed = pickle.dumps(error)
        except Exception:
            packed = None
        summary = f"{type(error).__name__}: {error}"
        return pickle.dumps(("error", packed, summary, traceback.format_exc())), False


def _address_space_bytes() -> int | None:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return None


@contextlib.contextmanager
def _limits(memory_mb: float, timeout: float):
    """Cap this job's extra address space at memory_mb, and its CPU time as a backstop.

    The CPU limit only matters if the parent died and cannot kill us (SIGXCPU ends us).
    """
    import resource

    saved = {kind: resource.getrlimit(kind) for kind in (resource.RLIMIT_AS, resource.RLIMIT_CPU)}
    try:
        current = _address_space_bytes()
        hard = saved[resource.RLIMIT_AS][1]
        if current is not None:
            soft = current + int(memory_mb * 2**20)
            if hard != resource.RLIM_INFINITY:
                soft = min(soft, hard)
            resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu_soft = math.ceil(usage.ru_utime + usage.ru_stime + 2 * timeout + 5)
        cpu_hard = saved[resource.RLIMIT_CPU][1]
        if cpu_hard == resource.RLIM_INFINITY or cpu_soft < cpu_hard:
            resource.setrlimit(resource.RLIMIT_CPU, (cpu_soft, cpu_hard))
        yield
    finally:
        for kind, limits in saved.items():
            resource.setrlimit(kind, limits)


class _SoftDeadline(BaseException):
    """Raised by SIGALRM; a BaseException so sympy's ``except Exception`` can't eat it."""


@contextlib.contextmanager
def _soft_deadline(seconds: float):
    """Interrupt the block after ``seconds`` (main thread only, i.e. in the worker).

    Yields False, and does nothing, where signals cannot be used.
    """
    usable = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    if not usable or seconds <= 0:
        yield False
        return

    def on_alarm(signum, frame):
        raise _SoftDeadline

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# --------------------------------------------------------------------------------------
# Parent side


class _Worker:
    """One warm worker process; it signals "ready" once its imports are done."""

    def __init__(self):
        # One BLAS thread: the worker needs none, and each one reserves address space.
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        self.process = subprocess.Popen(
            [sys.executable, "-c", _BOOT, json.dumps(sys.path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            bufsize=0,
            close_fds=True,
            start_new_session=True,  # a Ctrl-C meant for the server does not reach it
        )
        self.started = time.monotonic()
        self.ready = False
        self.jobs = 0

    def wait_ready(self) -> None:
        if not self.ready:
            deadline = self.started + STARTUP_TIMEOUT
            message = pickle.loads(_read_frame(self.process.stdout.fileno(), deadline))
            if message != ("ready",):
                raise EOFError(f"unexpected greeting {message!r}")
            self.ready = True

    def send(self, frame: bytes) -> None:
        _write_frame(self.process.stdin.fileno(), frame)

    def receive(self, deadline: float) -> bytes:
        return _read_frame(self.process.stdout.fileno(), deadline)

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.process.stdin.close()
        self.process.stdout.close()


class _Pool:
    """At most ``size`` jobs at once; idle workers are kept warm for the next job."""

    def __init__(self, size: int):
        self.size = size
        self.slots = threading.BoundedSemaphore(size)
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []

    def take(self) -> _Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop(0)  # oldest first: most likely to be warm
                if worker.alive():
                    return worker
                worker.kill()
        return _Worker()

    def give_back(self, worker: _Worker) -> None:
        with self._lock:
            keep = worker.alive() and worker.jobs < MAX_JOBS_PER_WORKER
            if keep and len(self._idle) < self.size:
                self._idle.append(worker)
                return
        worker.kill()

    def warm(self) -> None:
        """Start a worker now (Popen returns at once; it imports in the background)."""
        with self._lock:
            if not self._idle:
                self._idle.append(_Worker())

    def shutdown(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.kill()


_POOL = _Pool(MAX_WORKERS)
atexit.register(_POOL.shutdown)


def warm_up() -> None:
    """Start a worker in the background so the first formula does not wait for imports."""
    _POOL.warm()


def run_limited(
    fn: Callable,
    *args,
    timeout: float = 5.0,
    memory_mb: float = 512,
    task: str = "the symbolic work",
):
    """Return ``fn(*args)`` computed in a worker process under hard limits.

    ``fn`` must be a top-level function of an importable module (it is pickled by name);
    args and result must pickle. Raises :class:`SymbolicTimeout` after ``timeout``
    seconds (the worker is killed), :class:`SymbolicLimitError` if it needs more than
    ``memory_mb`` MB beyond its start-up size or dies; exceptions raised by ``fn`` are
    re-raised here. ``task`` names the work in those messages.
    """
    job = pickle.dumps((fn, args), pickle.HIGHEST_PROTOCOL)
    frame = pickle.dumps((list(sys.path), job, timeout, memory_mb), pickle.HIGHEST_PROTOCOL)
    if not _POOL.slots.acquire(timeout=timeout + STARTUP_TIMEOUT):
        raise SymbolicLimitError("the server is busy with other formulas; try again in a moment")
    try:
        outcome = _run_in_worker(frame, timeout, memory_mb, task)
    finally:
        _POOL.slots.release()
    return _unpack(outcome, memory_mb, task)


def _run_in_worker(frame: bytes, timeout: float, memory_mb: float, task: str) -> tuple:
    for attempt in range(2):
        worker = _POOL.take()
        try:
            worker.wait_ready()
            worker.send(frame)
            break
        except (TimeoutError, EOFError, OSError):
            # An idle worker can die (e.g. killed by the OS); try one fresh worker.
            worker.kill()
            if attempt:
                raise SymbolicLimitError(
                    "the symbolic worker process could not start; see the server log"
                ) from None
    try:
        reply = worker.receive(time.monotonic() + timeout)
    except TimeoutError:
        worker.kill()
        _POOL.warm()  # the next formula should not pay for the restart
        raise SymbolicTimeout(
            f"{task} took longer than {timeout:g} s; try a simpler formula"
        ) from None
    except (EOFError, OSError):
        worker.kill()
        _POOL.warm()
        raise SymbolicLimitError(
            f"{task} stopped unexpectedly (probably out of memory, limit {memory_mb:g} MB); "
            "try a simpler formula"
        ) from None
    except BaseException:
        worker.kill()
        raise
    try:
        # Unpickling rebuilds sympy objects through their constructors; unevaluated, it
        # cannot start the slow evaluation the worker was there to contain.
        with sympy.evaluate(False):
            outcome = pickle.loads(reply)
    except BaseException:
        worker.kill()
        raise
    worker.jobs += 1
    if outcome[0] == "memory":
        worker.kill()  # it exits after a MemoryError; don't hand it out again
    else:
        _POOL.give_back(worker)
    return outcome


def _unpack(outcome: tuple, memory_mb: float, task: str):
    kind = outcome[0]
    if kind == "ok":
        return outcome[1]
    if kind == "memory":
        raise SymbolicLimitError(
            f"{task} needed more than {memory_mb:g} MB of memory; try a simpler formula"
        )
    if kind == "recursion":
        raise SymbolicLimitError(f"{task} recursed too deeply; try a simpler formula")
    _, packed, summary, worker_traceback = outcome
    try:
        error = pickle.loads(packed) if packed is not None else None
    except Exception:
        error = None
    if not isinstance(error, Exception):
        raise RuntimeError(f"{summary} (in the worker process)\n{worker_traceback}")
    error.add_note("raised in the worker process:\n" + worker_traceback)
    raise error


# --------------------------------------------------------------------------------------
# The jobs


def _derive(text: str, params: tuple[str, ...], simplify_seconds: float):
    """Parse, differentiate, render latex, and try a bounded simplify for display.

    Returns (f, df, f_latex, df_latex, simplified_latex). ``df`` is sympy's derivative
    as computed (what numerics use: it holds only whitelisted functions).
    ``simplified_latex`` is a shorter equivalent form if simplify found one within
    ``simplify_seconds`` (only possible where signals work, as in the worker), else None.
    """
    f = parse_expression(text, params)  # unevaluated: as typed
    evaluated = f.doit()  # sympy's canonical form, so that f' comes out tidy
    infinite = (sympy.zoo, sympy.oo, -sympy.oo, sympy.nan)
    if evaluated.has(*infinite):
        raise ExpressionError("the formula divides by zero")
    df = sympy.diff(evaluated, X)
    if df.has(*infinite):
        raise ExpressionError("the formula's derivative divides by zero")
    df_latex = _bounded_latex(df)
    simplified_latex = None
    with _soft_deadline(simplify_seconds) as usable:
        if usable:
            try:
                simpler = sympy.simplify(df)
                if sympy.count_ops(simpler) < sympy.count_ops(df):
                    simplified_latex = _bounded_latex(simpler)
            except _SoftDeadline:
                pass
    return f, df, to_latex(f), df_latex, simplified_latex


def _bounded_latex(expr: sympy.Expr) -> str:
    latex = to_latex(expr)
    if len(latex) > MAX_LATEX_CHARS:
        raise SymbolicLimitError(
            f"the derivative is too long to display ({len(latex)} characters of LaTeX)"
        )
    return latex


def differentiate(expr: sympy.Expr, timeout: float = 5.0, memory_mb: float = 512) -> sympy.Expr:
    """d expr / dx, computed in a worker process under the usual limits."""
    return run_limited(
        derivative, expr, timeout=timeout, memory_mb=memory_mb, task="the symbolic derivative"
    )


def symbolic_derivative_latex(
    text: str, params: tuple[str, ...] = (), simplify_seconds: float = 0.0
) -> tuple[str, str, str]:
    """(latex of f, latex of f', ``srepr`` of f'). Run it via run_limited."""
    _, df, f_latex, df_latex, _ = _derive(text, tuple(params), simplify_seconds)
    return f_latex, df_latex, sympy.srepr(df)


@dataclass(frozen=True)
class Analysis:
    """A formula and its derivative, ready to show and to evaluate with ``to_numpy``.

    ``df_latex`` is the derivative as sympy computes it (closest to the chain rule);
    ``simplified_latex`` a shorter equivalent form, or None if none was found in time.
    """

    f_expr: sympy.Expr
    df_expr: sympy.Expr
    f_latex: str
    df_latex: str
    simplified_latex: str | None = None


def analyse(
    text: str, params: tuple[str, ...] = (), timeout: float = 5.0, memory_mb: float = 512
) -> Analysis:
    """Parse ``text`` here (bad formulas fail fast), then differentiate it in a worker.

    Raises ExpressionError for a refused formula, SymbolicTimeout / SymbolicLimitError
    when the symbolic work exceeds its limits. Results are cached per arguments, and so
    are timeouts: a Streamlit page reruns on every click, and should not wait again.
    """
    params = tuple(params)
    parse_expression(text, params)
    result = _analyse_cached(text, params, float(timeout), float(memory_mb))
    if isinstance(result, SymbolicTimeout):
        raise SymbolicTimeout(str(result))
    return result


@lru_cache(maxsize=256)
def _analyse_cached(text: str, params: tuple[str, ...], timeout: float, memory_mb: float):
    try:
        f, df, f_latex, df_latex, simplified_latex = run_limited(
            _derive,
            text,
            params,
            min(2.0, 0.4 * timeout),
            timeout=timeout,
            memory_mb=memory_mb,
            task="the symbolic derivative",
        )
    except SymbolicTimeout as error:
        return SymbolicTimeout(str(error))  # a fresh one: no traceback kept alive
    return Analysis(f, df, f_latex, df_latex, simplified_latex)


# --- checking a user's derivative on a grid ------------------------------------------------


@dataclass(frozen=True, eq=False)
class DerivativeComparison:
    """The result of checking a proposed derivative against the true one on a grid.

    ``compared``: points where both are defined (and f is, when given). ``kinks``:
    disagreements skipped because the true derivative jumps there (any value is a
    convention at a kink). ``disagree``: the remaining points outside tolerance,
    including points where only the proposed derivative is undefined.
    """

    x: np.ndarray
    reference: np.ndarray
    candidate: np.ndarray
    compared: np.ndarray
    disagree: np.ndarray
    kinks: np.ndarray
    counterexample: float | None
    max_relative_error: float
    agree: bool


def compare_derivatives(
    f: sympy.Expr,
    candidate: sympy.Expr,
    lo: float,
    hi: float,
    n: int = 801,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    *,
    reference: sympy.Expr | None = None,
    params: dict[str, float] | None = None,
) -> DerivativeComparison:
    """Check ``candidate`` (a user's f') against d f / dx on ``n`` points of [lo, hi].

    ``reference`` is f' when already computed (``sandbox.analyse(...).df_expr``);
    otherwise it is computed in a worker process (``differentiate``). Agreement
    is ``|cand - ref| <= atol + rtol * |ref|`` wherever f and f' are defined;
    ``max_relative_error`` is |a - b| / max(|a|, |b|) over points where either exceeds
    ``atol``.
    """
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"need finite lo < hi, got [{lo}, {hi}]")
    if n < 2:
        raise ValueError("need n >= 2 grid points")
    params = params or {}
    if reference is None:
        reference = differentiate(f)
    ref_fn = to_numpy(reference)
    x = np.linspace(lo, hi, n)
    ref = ref_fn(x, **params)
    cand = to_numpy(candidate)(x, **params)
    domain = np.isfinite(ref) & np.isfinite(to_numpy(f)(x, **params))

    close = np.abs(cand - ref) <= atol + rtol * np.abs(ref)
    compared = domain & np.isfinite(cand)
    disagree = domain & ~(np.isfinite(cand) & close)

    # Where they disagree, look just either side: a jump in f' means a kink in f.
    kinks = np.zeros(n, dtype=bool)
    if disagree.any():
        xs = x[disagree]
        step = 1e-6 * np.maximum(1.0, np.abs(xs))
        left, right = ref_fn(xs - step, **params), ref_fn(xs + step, **params)
        scale = np.maximum(np.maximum(np.abs(left), np.abs(right)), 1.0)
        kinks[disagree] = ~(np.abs(left - right) <= 1e-3 * scale)  # NaN counts as a jump
        disagree &= ~kinks
        compared &= ~kinks

    magnitude = np.maximum(np.abs(cand), np.abs(ref))
    scored = compared & (magnitude > atol)
    relative = np.abs(cand - ref)[scored] / magnitude[scored]
    first = np.flatnonzero(disagree)
    return DerivativeComparison(
        x=x,
        reference=ref,
        candidate=cand,
        compared=compared,
        disagree=disagree,
        kinks=kinks,
        counterexample=float(x[first[0]]) if first.size else None,
        max_relative_error=float(relative.max()) if relative.size else 0.0,
        agree=bool(compared.any() and not disagree.any()),
    )
