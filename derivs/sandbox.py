"""Heavy sympy work (diff, simplify, latex) in worker processes with hard limits, shared fairly.

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

Sharing: one server, a few worker slots, many users. Every job names its ``session`` (any
string; the app passes Streamlit's session id) and a ``channel`` ("analyse", "latex"): a new
job on a session's channel cancels that session's older one there, and a session holds at
most ``MAX_SESSION_JOBS`` jobs. At most ``MAX_QUEUED`` jobs wait, served shortest-expected
first (each session's expected job length is a moving average of its jobs' worker time),
then in order of arrival. Besides the ``MAX_WORKERS`` normal slots an express slot takes
only sessions expected to be quick, for at most ``EXPRESS_LIMIT`` seconds: sessions that keep
the normal slots busy with slow formulas cannot keep a quick one waiting. Only a full queue
(of sessions no slower than the newcomer) refuses a job outright, as :class:`SymbolicBusy`.
Refusals and timeouts are remembered: by the exact text for what the formula's values
decide, by its shape (``canonical_form``: numbers replaced, so ``... + 1``, ``... + 2`` share
one) for time and memory limits.

Safety of the results: ``analyse`` sends the already validated *text*, which the worker
re-parses with the same ``parse_expression``; the expressions sent back are built from
whitelisted parts only, and ``to_numpy`` checks that again. The parent unpickles them
unevaluated: unpickling calls sympy constructors, and evaluating there could start the
very work the worker was for. The worker also checks that what it sends back is small
enough for the parent to take in quickly (``MAX_NUMERIC_NODES`` distinct parts).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import itertools
import json
import logging
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
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy

from derivs.expression import (
    ExpressionError,
    NumericFunction,
    X,
    canonical_form,
    derivative,
    parse_expression,
    to_latex,
    to_numpy,
)

__all__ = [
    "SymbolicLimitError",
    "SymbolicTimeout",
    "SymbolicBusy",
    "run_limited",
    "warm_up",
    "differentiate",
    "symbolic_derivative_latex",
    "Analysis",
    "analyse",
    "render_latex",
    "parsed",
    "clear_caches",
    "DerivativeComparison",
    "compare_derivatives",
]

_log = logging.getLogger(__name__)  # what the refusals' "see the server log" points to
MAX_WORKERS = 2  # jobs at once, any job: Community Cloud has about 2 cores and 2.7 GB
SPARE_WORKERS = 2  # warm idle workers kept ready, so a job rarely waits for imports
MAX_JOBS_PER_WORKER = 200  # recycle now and then: sympy's caches only grow
STARTUP_TIMEOUT = 60.0
MAX_RESULT_BYTES = 4 << 20
MAX_LATEX_CHARS = 20_000

EXPRESS_WORKERS = 1  # more, for quick jobs only: slow sessions cannot hold up quick ones
EXPRESS_COST = 1.0  # seconds: a session expected to take at most this long per job is quick
EXPRESS_LIMIT = 1.0  # CPU seconds an express job may use before it waits for a normal slot
EXPRESS_WALL = 2.0  # ... and seconds of wall time (on a busy machine CPU comes slowly)
EXPRESS_SLICE = 0.5  # seconds after which an express job gives way to a quicker session's
MAX_PAUSED = 2  # express jobs paused (SIGSTOP) while they wait for a normal slot
NEW_SESSION_COST = 1.0  # seconds expected of a session's first job: quick, but after any
#                        session that has shown quick jobs
MAX_QUEUED = 12  # jobs waiting for a worker, all sessions together
MAX_SESSION_JOBS = 2  # waiting or running, per session (one per channel on the page)
MAX_WAIT = 30.0  # seconds a job may wait for a worker before it is refused as busy
CACHE_SIZE = 512  # per cache: results, refusals by text, limits by shape
LIMIT_CACHE_SECONDS = 600.0  # a remembered timeout is tried again after this long

_HEADER = struct.Struct("!Q")
_BOOT = (
    "import sys, json; sys.path[:] = json.loads(sys.argv[1]); "
    "from derivs.sandbox import _worker_main; _worker_main()"
)
_ZYGOTE_BOOT = (
    "import sys, json; sys.path[:] = json.loads(sys.argv[1]); "
    "from derivs.sandbox import _zygote_main; _zygote_main()"
)


class SymbolicLimitError(ExpressionError):
    """Symbolic work hit a resource limit (memory, recursion, size) or its worker died."""

    def __init__(self, message: str, column: int | None = None, code: str | None = None,
                 params: dict | None = None):
        super().__init__(message, column, code or "limit", params)


class SymbolicTimeout(SymbolicLimitError):
    """Symbolic work took longer than its time limit and was stopped."""

    def __init__(self, message: str, column: int | None = None, code: str | None = None,
                 params: dict | None = None):
        super().__init__(message, column, code or "timeout", params)


class SymbolicBusy(SymbolicLimitError):
    """The work was not done because of other work: the queue was full or the job waited
    ``MAX_WAIT`` seconds ("busy"), or the same session sent a newer job ("superseded"). Not
    the formula's fault: try again in a moment."""

    def __init__(self, message: str = "the server is busy, try again in a moment",
                 column: int | None = None, code: str | None = None,
                 params: dict | None = None):
        super().__init__(message, column, code or "busy", params)


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
    if deadline is not None:  # the work is done and the reply on its way: let it arrive whole
        deadline = max(deadline, time.monotonic() + 10.0)
    return _read_exact(fd, size, deadline)


# --------------------------------------------------------------------------------------
# Worker side


def _worker_main() -> None:
    """A worker started on its own (where forking from the zygote is not available)."""
    reply_fd = os.dup(1)
    os.dup2(2, 1)  # a stray print in a job must not corrupt the protocol
    sys.stdout = sys.stderr
    _warm_sympy()
    _serve(0, reply_fd)


def _serve(read_fd: int, write_fd: int) -> None:
    """Loop of a worker: say "ready", then read a job, run it under limits, send the outcome."""
    _write_frame(write_fd, pickle.dumps(("ready",)))
    while True:
        try:
            frame = _read_frame(read_fd, None)
        except (EOFError, OSError):  # the parent closed our end or died
            return
        reply, stop = _run_job(frame)
        try:
            _write_frame(write_fd, reply)
        except OSError:  # nobody is listening any more (the job was given up on)
            return
        if stop:
            return


def _zygote_main() -> None:
    """A warm process that forks workers on request, and signals them for the parent.

    A fork of it starts in milliseconds with sympy imported and warmed (and shares that
    memory copy-on-write), where a fresh interpreter takes seconds: so a worker stopped for
    a timeout costs nobody a restart. Being their parent, it reaps them, and only signals a
    pid it has not reaped: no signal can reach a process that reused the pid. Its stdin is
    a SOCK_SEQPACKET socket: b"F" with a socket fd forks a worker on that socket (reply: its
    pid); b"K"/b"S"/b"C" + pid kills (and reaps), stops or continues one (reply: b"k").
    """
    import socket

    control = socket.socket(fileno=os.dup(0))
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    _warm_sympy()
    import gc

    gc.collect()
    gc.freeze()  # forks then need not copy every page the collector would touch
    children: set[int] = set()
    control.sendall(b"R")
    actions = {b"K": signal.SIGKILL, b"S": signal.SIGSTOP, b"C": signal.SIGCONT}
    while True:
        while children:  # reap the workers that exited on their own
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            children.discard(pid)
        if not select.select([control], [], [], 1.0)[0]:
            continue
        try:
            message, fds, _, _ = socket.recv_fds(control, 16, 1)
        except OSError:
            message, fds = b"", []
        if not message:  # the parent is gone: so are its workers
            for pid in children:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            return
        if message == b"F" and fds:
            pid = os.fork()
            if pid == 0:
                try:
                    control.close()
                    null = os.open(os.devnull, os.O_RDONLY)
                    os.dup2(null, 0)  # the zygote's end of the control socket is not ours
                    _serve(fds[0], fds[0])
                finally:
                    os._exit(0)
            os.close(fds[0])
            children.add(pid)
            control.sendall(struct.pack("!q", pid))
        elif message[:1] in actions and len(message) == 9:
            (pid,) = struct.unpack("!q", message[1:])
            if pid in children:
                with contextlib.suppress(OSError):
                    os.kill(pid, actions[message[:1]])
                    if message[:1] == b"K":
                        os.waitpid(pid, 0)
                        children.discard(pid)
            control.sendall(b"k")
        else:
            for fd in fds:
                os.close(fd)
            control.sendall(b"?")


def _warm_sympy() -> None:
    """sympy imports much of itself on the first simplify, diff and LaTeX (over a second):
    pay that at start-up, before the worker says it is ready, not in someone's first job."""
    with contextlib.suppress(Exception):
        _derive("x*sin(x)^2 + relu(x)/sqrt(x^2+1)", (), 1.0)


_JOB_LIMIT: float | None = None  # in a worker: the running job's time limit


def _run_job(frame: bytes) -> tuple[bytes, bool]:
    global _JOB_LIMIT
    sys_path, job, timeout, memory_mb = pickle.loads(frame)
    _JOB_LIMIT = timeout
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
# Parent side: workers


def _environment() -> dict:
    # One BLAS thread: a worker needs none, and each one reserves address space.
    return dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")


class _Zygote:
    """The parent's end of ``_zygote_main``: fork a worker, signal one (thread-safe)."""

    def __init__(self):
        import socket

        self._control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.process = subprocess.Popen(
            [sys.executable, "-c", _ZYGOTE_BOOT, json.dumps(sys.path)],
            stdin=theirs, env=_environment(), close_fds=True, start_new_session=True)
        theirs.close()
        self.started = time.monotonic()
        self.ready = False
        self._lock = threading.Lock()

    def alive(self) -> bool:
        return self.process.poll() is None

    def poll_ready(self, wait: float = 0.0) -> bool:
        """Whether it has finished starting (waiting at most ``wait`` seconds)."""
        with self._lock:
            return self._ready(wait)

    def _ready(self, wait: float) -> bool:
        if not self.ready and select.select([self._control], [], [], wait)[0]:
            if self._control.recv(1) != b"R":
                raise EOFError("the zygote did not start")
            self.ready = True
        return self.ready

    def _request(self, payload: bytes, fds=(), reply_size: int = 8) -> bytes:
        import socket

        with self._lock:
            if not self._ready(max(0.0, self.started + STARTUP_TIMEOUT - time.monotonic())):
                raise EOFError("the zygote did not start")
            socket.send_fds(self._control, [payload], list(fds))
            if not select.select([self._control], [], [], 10.0)[0]:
                raise EOFError("the zygote does not answer")
            reply = self._control.recv(reply_size)
            if not reply:
                raise EOFError("the zygote is gone")
            return reply

    def fork(self):
        """(pid, socket) of a fresh worker."""
        import socket

        mine, theirs = socket.socketpair()
        try:
            (pid,) = struct.unpack("!q", self._request(b"F", [theirs.fileno()]))
        except BaseException:
            mine.close()
            raise
        finally:
            theirs.close()
        return pid, mine

    def signal(self, pid: int, action: bytes) -> None:
        with contextlib.suppress(EOFError, OSError):
            self._request(action + struct.pack("!q", pid), (), 1)

    def close(self) -> None:
        self._control.close()  # it kills its workers and exits
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


_ZYGOTE: _Zygote | None = None
_ZYGOTE_LOCK = threading.Lock()


def _zygote() -> _Zygote | None:
    """The running zygote (started, or restarted if it died); None where it cannot work."""
    global _ZYGOTE
    import socket

    if not (hasattr(socket, "send_fds") and hasattr(os, "fork")
            and hasattr(socket, "SOCK_SEQPACKET")):
        return None
    with _ZYGOTE_LOCK:
        if _ZYGOTE is None or not _ZYGOTE.alive():
            _ZYGOTE = _Zygote()
        return _ZYGOTE


class _Worker:
    """One worker process, forked from the zygote (or, failing that, started on its own);
    it says "ready" once it can take a job. Parent and worker talk through one socket (a
    fork) or two pipes, read with select and a deadline."""

    def __init__(self, forked: bool = True):
        self.zygote = None
        self.process = None
        zygote = _zygote() if forked else None
        if zygote is not None:
            try:
                self.pid, self._socket = zygote.fork()
                self.zygote = zygote
                self.read_fd = self.write_fd = self._socket.fileno()
            except (EOFError, OSError):
                zygote = None
        if zygote is None:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _BOOT, json.dumps(sys.path)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=_environment(), bufsize=0,
                close_fds=True,
                start_new_session=True,  # a Ctrl-C meant for the server does not reach it
            )
            self.pid = self.process.pid
            self.read_fd, self.write_fd = self.process.stdout.fileno(), self.process.stdin.fileno()
        self.started = time.monotonic()
        self.ready = False
        self.dead = False
        self.jobs = 0

    def poll_ready(self) -> bool:
        """Whether the worker is ready, without waiting (reads its greeting if it is there)."""
        if not self.ready and not self.dead and select.select([self.read_fd], [], [], 0)[0]:
            with contextlib.suppress(TimeoutError, EOFError, OSError):
                self.wait_ready()
        return self.ready

    def wait_ready(self) -> None:
        if not self.ready:
            deadline = self.started + STARTUP_TIMEOUT
            message = pickle.loads(_read_frame(self.read_fd, deadline))
            if message != ("ready",):
                raise EOFError(f"unexpected greeting {message!r}")
            self.ready = True

    def send(self, frame: bytes) -> None:
        _write_frame(self.write_fd, frame)

    def receive(self, deadline: float) -> bytes:
        return _read_frame(self.read_fd, deadline)

    def alive(self) -> bool:
        """For an idle worker: its process runs (a ready one has nothing to say, so a
        readable pipe means it closed)."""
        if self.dead:
            return False
        if self.process is not None:
            return self.process.poll() is None
        if not self.zygote.alive():
            return False
        return not (self.ready and select.select([self.read_fd], [], [], 0)[0])

    def _signal(self, action: bytes, number: int) -> None:
        if self.zygote is not None:
            self.zygote.signal(self.pid, action)
        elif self.process.poll() is None:
            with contextlib.suppress(OSError):
                self.process.send_signal(number)

    def pause(self) -> None:
        """SIGSTOP: the process keeps its state and memory but uses no CPU until resumed."""
        self._signal(b"S", signal.SIGSTOP)

    def resume(self) -> None:
        self._signal(b"C", signal.SIGCONT)

    def stop(self) -> None:
        """Kill the process, from any thread; its owner's read then ends (see kill)."""
        if not self.dead:
            self._signal(b"K", signal.SIGKILL)

    def kill(self) -> None:
        """Kill, reap and close: only the thread that owns the worker calls this."""
        self.stop()
        self.dead = True
        if self.process is not None:
            self.process.wait()
            self.process.stdin.close()
            self.process.stdout.close()
        else:
            self._socket.close()


class _Pool:
    """Warm idle workers, up to one per slot and ``SPARE_WORKERS`` more."""

    def __init__(self):
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []

    def take(self) -> _Worker:
        with self._lock:
            for candidate in [w for w in self._idle if not w.alive()]:
                self._idle.remove(candidate)
                candidate.kill()
            # a ready worker first, else the oldest (the most likely to be ready soon)
            ready = [w for w in self._idle if w.poll_ready()]
            worker = (ready or self._idle or [None])[0]
            if worker is not None:
                self._idle.remove(worker)
            while len(self._idle) < SPARE_WORKERS:  # start the next ones now: they import
                self._idle.append(_Worker())          # while this one works
        return worker or _Worker()

    def give_back(self, worker: _Worker) -> None:
        with self._lock:
            keep = worker.alive() and worker.jobs < MAX_JOBS_PER_WORKER
            if keep and len(self._idle) < SPARE_WORKERS + 1:
                self._idle.append(worker)
                return
        worker.kill()

    def warm(self, count: int = 1) -> None:
        """Have ``count`` idle workers, started now if missing and it costs no waiting: while
        the zygote starts up (its imports are the warming), nothing more is done."""
        zygote = _zygote()
        if zygote is not None and not zygote.poll_ready():
            return
        with self._lock:
            while len(self._idle) < count:
                self._idle.append(_Worker())

    def wait_ready(self) -> None:
        """Wait until every idle worker has finished starting."""
        with self._lock:
            idle = list(self._idle)
        for worker in idle:
            with contextlib.suppress(TimeoutError, EOFError, OSError):
                worker.wait_ready()

    def shutdown(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.kill()
        with _ZYGOTE_LOCK:
            if _ZYGOTE is not None:
                _ZYGOTE.close()


# --------------------------------------------------------------------------------------
# Parent side: the fair queue

_ANONYMOUS = ""  # the session of calls that name none: one shared, never superseded


class _Job:
    _numbers = itertools.count()

    def __init__(self, session: str, channel: str, job: bytes, timeout: float,
                 memory_mb: float, task: str):
        self.session, self.channel = session, channel
        self.job, self.timeout, self.memory_mb, self.task = job, timeout, memory_mb, task
        self.number = next(self._numbers)
        self.submitted = time.monotonic()
        self.lane: str | None = None  # None while queued, then "normal" or "express"
        self.demoted = False  # it overran the express lane: the normal lane only
        self.started: float | None = None  # when the job last started or resumed
        self.used = 0.0  # worker seconds before that (a paused job keeps them)
        self.paused = False  # its worker is stopped, holding the work done so far
        self.worker: _Worker | None = None
        self.cancelled: SymbolicBusy | None = None  # why it must stop, set by others

    def limit(self) -> float:
        """The time limit the worker is told (it sizes optional work, like simplify, to it)."""
        return min(self.timeout, EXPRESS_LIMIT) if self.lane == "express" else self.timeout

    def frame(self) -> bytes:
        return pickle.dumps((list(sys.path), self.job, self.limit(), self.memory_mb),
                            pickle.HIGHEST_PROTOCOL)


class _Demoted(Exception):
    """An express job overran its lane's limit: paused, it waits for a normal slot."""


class _Scheduler:
    """Grants worker slots: sessions with short jobs first, never more than the limits.

    Each session's expected job length is a moving average of its jobs' worker times (a new
    session is expected to be quick). The queue is served shortest-expected first, then in
    order of arrival. ``MAX_WORKERS`` normal slots take any job; ``EXPRESS_WORKERS`` express
    slots take only jobs of sessions expected to be quick, and stop them after
    ``EXPRESS_LIMIT`` seconds: then the worker is paused (SIGSTOP, no work lost) and the job
    waits for a normal slot, where it resumes; its session is expected to be slow from then
    on. So sessions that keep the normal slots busy with slow formulas cannot keep a quick
    formula waiting, and no worker has to be restarted for it.
    """

    def __init__(self):
        self.pool = _Pool()
        self._cond = threading.Condition()
        self._queue: list[_Job] = []
        self._running: list[_Job] = []
        self._cost: dict[str, float] = {}  # session -> expected seconds per job

    # --- accounting (call with the lock held) ----------------------------------------------

    def _expected(self, session: str) -> float:
        now = time.monotonic()
        running = max((now - job.started for job in self._running
                       if job.session == session and job.started is not None), default=0.0)
        return max(self._cost.get(session, NEW_SESSION_COST), running)

    def _charge(self, session: str, seconds: float) -> None:
        before = self._cost.pop(session, NEW_SESSION_COST)
        self._cost[session] = 0.5 * before + 0.5 * seconds  # re-inserted: newest last
        while len(self._cost) > 10_000:  # forget the sessions seen longest ago
            del self._cost[next(iter(self._cost))]

    def _order(self, job: _Job):
        busy = any(other.session == job.session for other in self._running)
        return (busy, self._expected(job.session), job.number)

    def _cancel(self, job: _Job, reason: SymbolicBusy) -> None:
        job.cancelled = reason
        if job in self._queue:
            self._queue.remove(job)
        elif job.worker is not None:
            job.worker.stop()  # its owner sees the pipe close and raises the reason
        self._cond.notify_all()

    # --- the life of a job -----------------------------------------------------------------

    def run(self, job: _Job) -> tuple:
        with self._cond:
            self._admit(job)
            self._dispatch()
        while True:
            with self._cond:
                self._wait_for_slot(job)
            try:
                return self._execute(job)
            except _Demoted:
                with self._cond:
                    self._finish(job, EXPRESS_LIMIT * 2)
                    job.lane, job.demoted = None, True
                    self._queue.append(job)
                    self._dispatch()
            except BaseException:
                with self._cond:
                    self._finish(job, None)
                raise
            finally:
                with self._cond:
                    if job in self._running:
                        self._finish(job, None)

    def _finish(self, job: _Job, charge: float | None) -> None:
        self._running.remove(job)
        if charge is None and job.started is not None:
            charge = time.monotonic() - job.started
        if charge is not None:
            self._charge(job.session, charge)
        self._dispatch()
        self._cond.notify_all()

    def _admit(self, job: _Job) -> None:
        if job.session != _ANONYMOUS:
            superseded = SymbolicBusy("a newer formula from the same session replaced this one",
                                      code="superseded")
            mine = [other for other in (*self._running, *self._queue)
                    if other.session == job.session and other.cancelled is None]
            for other in mine:
                if other.channel == job.channel:
                    self._cancel(other, superseded)
            mine = sorted((other for other in mine if other.cancelled is None),
                          key=lambda other: other.number)  # the oldest go first
            for other in mine[:max(0, len(mine) - MAX_SESSION_JOBS + 1)]:
                self._cancel(other, superseded)
        if len(self._queue) >= MAX_QUEUED:
            # room for a quicker session: the slowest session's newest job gives way
            slowest = max(self._queue, key=lambda other: (self._expected(other.session),
                                                          other.number), default=None)
            if slowest is None or (self._expected(slowest.session)
                                   <= self._expected(job.session)):
                raise SymbolicBusy()
            self._cancel(slowest, SymbolicBusy())
        self._queue.append(job)

    def _dispatch(self) -> None:
        while self._queue:
            normal = sum(job.lane == "normal" for job in self._running)
            express = sum(job.lane == "express" for job in self._running)
            ordered = sorted(self._queue, key=self._order)
            if normal < MAX_WORKERS:
                job, lane = ordered[0], "normal"
            elif express < EXPRESS_WORKERS:
                quick = [job for job in ordered if not job.demoted
                         and self._expected(job.session) <= EXPRESS_COST]
                if not quick:
                    return
                job, lane = quick[0], "express"
            else:
                return
            self._queue.remove(job)
            job.lane = lane
            self._running.append(job)
            self._cond.notify_all()

    def _wait_for_slot(self, job: _Job) -> None:
        while True:
            if job.cancelled is None and job.lane is not None:
                return
            if job.cancelled is None and time.monotonic() - job.submitted > MAX_WAIT:
                self._cancel(job, SymbolicBusy())
            if job.cancelled is not None:
                if job.paused and job.worker is not None:
                    job.worker.kill()  # a paused job's worker is its own to reap
                raise job.cancelled
            self._cond.wait(timeout=0.25)

    def _execute(self, job: _Job) -> tuple:
        if job.paused:  # back from the express lane: carry on where it stopped
            with self._cond:
                job.paused = False
                job.started = time.monotonic()
            job.worker.resume()
            return self._receive(job, job.worker)
        frame = job.frame()
        for attempt in range(3):
            # twice from the pool; then a process of its own, which needs no zygote
            worker = self.pool.take() if attempt < 2 else _Worker(forked=False)
            with self._cond:
                if job.cancelled is not None:
                    self.pool.give_back(worker)
                    raise job.cancelled
                job.worker = worker
            try:
                worker.wait_ready()
                worker.send(frame)
                break
            except (TimeoutError, EOFError, OSError) as error:
                # An idle worker can die (e.g. killed by the OS); try one fresh worker.
                _log.warning("symbolic worker %s did not take a job (attempt %d of 3): %r",
                             getattr(worker, "pid", "?"), attempt + 1, error)
                worker.kill()
                if job.cancelled is not None:
                    raise job.cancelled from None
                if attempt == 2:
                    raise SymbolicLimitError(
                        "the symbolic worker process could not start; see the server log",
                        code="worker") from None
        with self._cond:
            job.started = time.monotonic()
        return self._receive(job, worker)

    def _receive(self, job: _Job, worker: _Worker) -> tuple:
        remaining = job.timeout - job.used
        express = job.lane == "express" and EXPRESS_LIMIT < remaining
        try:
            if express:
                reply = self._receive_express(job, worker)
            else:
                reply = worker.receive(job.started + remaining)
        except TimeoutError:
            if express:
                with self._cond:
                    paused = sum(other.paused for other in self._queue)
                    if paused < MAX_PAUSED and job.cancelled is None:
                        worker.pause()
                        job.paused = True
                        job.used += time.monotonic() - job.started
                        self.pool.warm(SPARE_WORKERS)  # its worker is out of circulation
                        raise _Demoted from None
            worker.kill()
            self.pool.warm()  # the next formula should not pay for the restart
            if express:  # too many paused: it starts again, from scratch, in a normal slot
                job.worker, job.used = None, 0.0
                raise _Demoted from None
            raise SymbolicTimeout(
                f"{job.task} took longer than {job.timeout:g} s; try a simpler formula",
                params={"seconds": f"{job.timeout:g}"}) from None
        except (EOFError, OSError):
            worker.kill()
            self.pool.warm()
            if job.cancelled is not None:
                raise job.cancelled from None
            raise SymbolicLimitError(
                f"{job.task} stopped unexpectedly (probably out of memory, limit "
                f"{job.memory_mb:g} MB); try a simpler formula", code="memory",
                params={"mb": f"{job.memory_mb:g}"}) from None
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
            self.pool.warm()
        else:
            self.pool.give_back(worker)
        return outcome

    def _receive_express(self, job: _Job, worker: _Worker) -> bytes:
        """The reply of an express job; TimeoutError once it has used EXPRESS_LIMIT seconds
        of CPU (a busy machine slows a quick job down without making it slow), EXPRESS_WALL
        seconds of wall time, or, after EXPRESS_SLICE seconds, as soon as a session that has
        shown quicker jobs is waiting for the lane (a new session's first job gives way)."""
        start = _cpu_seconds(worker.pid)
        while True:
            try:
                return worker.receive(min(time.monotonic() + 0.25, job.started + EXPRESS_WALL))
            except TimeoutError:
                now = time.monotonic()
                used = _cpu_seconds(worker.pid)
                if now - job.started >= EXPRESS_WALL:
                    raise
                if start is None or used is None:
                    if now - job.started >= EXPRESS_LIMIT:
                        raise
                elif used - start >= EXPRESS_LIMIT:
                    raise
                if now - job.started >= EXPRESS_SLICE and self._quicker_waiting(job):
                    raise

    def _quicker_waiting(self, job: _Job) -> bool:
        with self._cond:
            mine = self._expected(job.session)
            return any(not other.demoted and other.cancelled is None
                       and self._expected(other.session) < min(mine, EXPRESS_COST)
                       for other in self._queue)

    def shutdown(self) -> None:
        self.pool.shutdown()


def _cpu_seconds(pid: int) -> float | None:
    """User and system CPU time of a process, from /proc (None where there is none)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


_SCHEDULER = _Scheduler()
atexit.register(_SCHEDULER.shutdown)


def warm_up(count: int = 1, wait: bool = False) -> None:
    """Have ``count`` idle workers starting in the background, so the first formula does not
    wait for imports; ``wait``: until they are ready (tests and benchmarks)."""
    zygote = _zygote()
    if wait and zygote is not None:
        zygote.poll_ready(STARTUP_TIMEOUT)
    _SCHEDULER.pool.warm(count)
    if wait:
        _SCHEDULER.pool.wait_ready()


def run_limited(
    fn: Callable,
    *args,
    timeout: float = 5.0,
    memory_mb: float = 512,
    task: str = "the symbolic work",
    session: str | None = None,
    channel: str = "",
):
    """Return ``fn(*args)`` computed in a worker process under hard limits.

    ``fn`` must be a top-level function of an importable module (it is pickled by name);
    args and result must pickle. Raises :class:`SymbolicTimeout` after ``timeout``
    seconds (the worker is killed), :class:`SymbolicLimitError` if it needs more than
    ``memory_mb`` MB beyond its start-up size or dies, :class:`SymbolicBusy` if other work
    kept it from running (see the module's notes on sharing); exceptions raised by ``fn``
    are re-raised here. ``task`` names the work in those messages; ``session`` and
    ``channel`` say whose it is (None: one anonymous session shared by all such calls).
    """
    job = pickle.dumps((fn, args), pickle.HIGHEST_PROTOCOL)
    session = _ANONYMOUS if session is None else str(session)
    outcome = _SCHEDULER.run(_Job(session, channel, job, timeout, memory_mb, task))
    return _unpack(outcome, memory_mb, task)


def _unpack(outcome: tuple, memory_mb: float, task: str):
    kind = outcome[0]
    if kind == "ok":
        return outcome[1]
    if kind == "memory":
        raise SymbolicLimitError(
            f"{task} needed more than {memory_mb:g} MB of memory; try a simpler formula",
            code="memory", params={"mb": f"{memory_mb:g}"})
    if kind == "recursion":
        raise SymbolicLimitError(f"{task} recursed too deeply; try a simpler formula",
                                 code="recursion")
    _, packed, summary, worker_traceback = outcome
    try:
        error = pickle.loads(packed) if packed is not None else None
    except Exception:
        error = None
    if not isinstance(error, Exception):
        raise SymbolicLimitError(f"{task} failed in the worker process ({summary[:200]})",
                                 code="internal")
    error.add_note("raised in the worker process:\n" + worker_traceback)
    raise error


# --------------------------------------------------------------------------------------
# The jobs


def _refusal_from(error: Exception) -> ExpressionError:
    """Any failure inside sympy as a refusal that says what happened (no traceback)."""
    if isinstance(error, ExpressionError):
        return error
    if isinstance(error, RecursionError):
        return SymbolicLimitError("the formula is nested too deeply for sympy",
                                  code="recursion")
    if isinstance(error, MemoryError):
        raise error  # the worker reports it as such and exits
    detail = str(error).splitlines()[0][:160] if str(error) else ""
    return ExpressionError(f"sympy could not work with this formula ({type(error).__name__}"
                           f"{': ' + detail if detail else ''})", code="internal",
                           params={"detail": f"{type(error).__name__}: {detail}"})


def _derive(text: str, params: tuple[str, ...], simplify_seconds: float):
    """Parse, differentiate, render latex, and try a bounded simplify for display.

    Returns (f, df, f_latex, df_latex, simplified_latex). ``df`` is sympy's derivative
    as computed (what numerics use: it holds only whitelisted functions).
    ``simplified_latex`` is a shorter equivalent form if simplify found one within
    ``simplify_seconds`` (only possible where signals work, as in the worker), else None.
    Every failure is an ExpressionError (see ``_refusal_from``).
    """
    try:
        f = parse_expression(text, params)  # unevaluated: as typed
        evaluated = f.doit()  # sympy's canonical form, so that f' comes out tidy
        infinite = (sympy.zoo, sympy.oo, -sympy.oo, sympy.nan)
        if evaluated.has(*infinite):
            raise ExpressionError("the formula divides by zero or is undefined everywhere",
                                  code="divides_by_zero")
        df = sympy.diff(evaluated, X)
        if df.has(*infinite):
            raise ExpressionError("the formula's derivative divides by zero",
                                  code="divides_by_zero")
        NumericFunction(df)  # whitelisted and small enough for the parent: or refused here
        df_latex = _bounded_latex(df)
        simplified_latex = None
        if _JOB_LIMIT is not None:  # a short lane leaves simplify less time
            simplify_seconds = min(simplify_seconds, 0.4 * _JOB_LIMIT)
        with _soft_deadline(simplify_seconds) as usable:
            if usable:
                try:
                    simpler = sympy.simplify(df)
                    if sympy.count_ops(simpler) < sympy.count_ops(df):
                        simplified_latex = _bounded_latex(simpler)
                except (_SoftDeadline, ExpressionError):
                    pass
                except Exception:  # simplify is optional: any trouble in it means none
                    pass
        return f, df, to_latex(f), df_latex, simplified_latex
    except Exception as error:
        raise _refusal_from(error) from None


def _latex_job(text: str, params: tuple[str, ...]) -> str:
    """LaTeX of a formula as parsed (no derivative); every failure an ExpressionError."""
    try:
        return _bounded_latex(parse_expression(text, params))
    except Exception as error:
        raise _refusal_from(error) from None


def _bounded_latex(expr: sympy.Expr) -> str:
    latex = to_latex(expr)
    if len(latex) > MAX_LATEX_CHARS:
        raise SymbolicLimitError(
            f"the formula is too long to display ({len(latex)} characters of LaTeX)",
            code="too_long", params={"chars": len(latex)})
    return latex


def differentiate(expr: sympy.Expr, timeout: float = 5.0, memory_mb: float = 512,
                  session: str | None = None) -> sympy.Expr:
    """d expr / dx, computed in a worker process under the usual limits."""
    return run_limited(derivative, expr, timeout=timeout, memory_mb=memory_mb,
                       task="the symbolic derivative", session=session, channel="diff")


def symbolic_derivative_latex(
    text: str, params: tuple[str, ...] = (), simplify_seconds: float = 0.0
) -> tuple[str, str, str]:
    """(latex of f, latex of f', ``srepr`` of f'). Run it via run_limited."""
    _, df, f_latex, df_latex, _ = _derive(text, tuple(params), simplify_seconds)
    return f_latex, df_latex, sympy.srepr(df)


@dataclass(frozen=True, eq=False)
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


# --- caches ------------------------------------------------------------------------------


class _Memo:
    """A small thread-safe LRU map; entries older than ``ttl`` seconds count as absent."""

    def __init__(self, size: int, ttl: float | None = None):
        self.size, self.ttl = size, ttl
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            value, when = item
            if self.ttl is not None and time.monotonic() - when > self.ttl:
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = (value, time.monotonic())
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_RESULTS = _Memo(CACHE_SIZE)
_REFUSED = _Memo(CACHE_SIZE)  # by exact text: refusals its values decide (1/(x-x))
_LIMITED = _Memo(CACHE_SIZE, LIMIT_CACHE_SECONDS)  # by shape: time, memory, size
#: Refusals decided by the formula's shape rather than its numbers.
SHAPE_CODES = frozenset({"timeout", "memory", "recursion", "too_large", "too_long"})
SERVER_CODES = frozenset({"worker"})  # a worker that could not start


def _remembered(error: ExpressionError) -> tuple:
    return (type(error), str(error), error.column, error.code, error.params)


def _fresh(record: tuple) -> ExpressionError:
    kind, message, column, code, params = record
    return kind(message, column, code, params)


@functools.lru_cache(maxsize=1024)
def _parsed(text: str, params: tuple) -> tuple:
    """("ok", expr) or ("refused", error record): parse_expression, remembered per text."""
    try:
        return "ok", parse_expression(text, params)
    except ExpressionError as error:
        return "refused", _remembered(error)


def parsed(text: str, params: tuple[str, ...] = ()) -> sympy.Expr:
    """``parse_expression(text, params)``, remembered (a page reruns on every click)."""
    kind, value = _parsed(text, tuple(params))
    if kind == "refused":
        raise _fresh(value)
    return value


def _cached_work(kind: str, text: str, params: tuple, timeout: float, memory_mb: float,
                 compute: Callable):
    parsed(text, params)  # a refused formula fails here, fast, without a worker
    key = (kind, text, params, timeout, memory_mb)
    hit = _RESULTS.get(key)
    if hit is not None:
        return hit
    refused = _REFUSED.get(key)
    if refused is not None:
        raise _fresh(refused)
    shape = (kind, canonical_form(text), params, timeout, memory_mb)
    limited = _LIMITED.get(shape)
    if limited is not None:
        raise _fresh(limited)
    try:
        result = compute()
    except SymbolicBusy:
        raise  # not the formula's doing: not remembered
    except ExpressionError as error:
        if error.code in SERVER_CODES:  # the server's trouble, not the formula's: next time
            raise  # it may work, so nothing is remembered
        if error.code in SHAPE_CODES:
            _LIMITED.put(shape, _remembered(error))
        else:
            _REFUSED.put(key, _remembered(error))
        raise _fresh(_remembered(error)) from None  # no traceback kept alive
    _RESULTS.put(key, result)
    return result


def analyse(
    text: str, params: tuple[str, ...] = (), timeout: float = 5.0, memory_mb: float = 512,
    *, session: str | None = None,
) -> Analysis:
    """Parse ``text`` here (bad formulas fail fast), then differentiate it in a worker.

    Raises ExpressionError for a refused formula (also one sympy cannot handle),
    SymbolicTimeout / SymbolicLimitError when the symbolic work exceeds its limits,
    SymbolicBusy when other people's work kept it from running. Results are cached per
    text; refusals too, and time and memory limits per shape (see the module notes): a
    Streamlit page reruns on every click, and should not wait again. ``session`` says
    whose formula it is (for fair sharing of the workers).
    """
    params, timeout, memory_mb = tuple(params), float(timeout), float(memory_mb)

    def compute():
        f = parsed(text, params)
        _, df, f_latex, df_latex, simplified_latex = run_limited(
            _derive, text, params, min(2.0, 0.4 * timeout), timeout=timeout,
            memory_mb=memory_mb, task="the symbolic derivative", session=session,
            channel="analyse")
        return Analysis(f, df, f_latex, df_latex, simplified_latex)

    return _cached_work("analyse", text, params, timeout, memory_mb, compute)


def render_latex(
    text: str, params: tuple[str, ...] = (), timeout: float = 5.0, memory_mb: float = 512,
    *, session: str | None = None,
) -> str:
    """LaTeX of a formula as parsed, rendered in a worker (printing can be slow), with the
    same caching and errors as :func:`analyse`."""
    params, timeout, memory_mb = tuple(params), float(timeout), float(memory_mb)

    def compute():
        return run_limited(_latex_job, text, params, timeout=timeout, memory_mb=memory_mb,
                           task="showing the formula", session=session, channel="latex")

    return _cached_work("latex", text, params, timeout, memory_mb, compute)


def clear_caches() -> None:
    """Forget every remembered result and refusal (for tests and benchmarks)."""
    for memo in (_RESULTS, _REFUSED, _LIMITED):
        memo.clear()


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
    with np.errstate(all="ignore"):  # inf and NaN are data here
        return _compare(f, candidate, reference, lo, hi, n, rtol, atol, params)


def _compare(f, candidate, reference, lo, hi, n, rtol, atol, params) -> DerivativeComparison:
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
