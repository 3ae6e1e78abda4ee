"""A classroom of thirty opening one link at once: first chart and moves, against one visitor.

    python bench/classroom.py [--sessions 30] [--seconds 60] [--arrival 5] [--page activations]
                              [--json artifacts/classroom.json]
    python bench/classroom.py --profile DIR          # + cProfile of the server's script runs
    python bench/classroom.py --set runner.postScriptGC=false      # a Streamlit option to try
    python bench/classroom.py --app /tmp/copy/app.py  # another checkout (a change to try out)

The teacher projects a link and thirty students open it within a few seconds, then each drags
the probe slider about once a second. One Streamlit server (app.py, the command line of
bench/browserlib.py's StreamlitServer) on a free loopback port; the visitors are NOT browsers
but bench/st_protocol.py's client, which speaks the browser's websocket protocol (BackMsg
rerun_script with the page name, the query string and the slider's widget state; ForwardMsg
new_session / delta / script_finished back), so thirty of them cost this process a few percent
of one core and the server keeps the machine's cores. What a browser adds on top (drawing the
charts) is bench/latency.py's and bench/load.py's business.

Phases, all in one server, one after the other:

1. cold: one visitor opens the page on the fresh server (imports, first run: shown, not judged),
   then ``--warmup-loads`` more and ``--warmup-seconds`` of moves (lazily built state such as
   plotly's validators stays out of the baseline);
2. the teacher: one session opens the page and stays connected, idle, to the end (unless
   ``--no-teacher``): the projector. It also keeps Streamlit's compiled page scripts cached,
   which Streamlit drops whenever the last session disconnects;
3. alone: ``--lone-loads`` visitors open the page one after the other, the last one then moves
   the slider once a second for ``--lone-seconds``: the baseline;
4. class: ``--sessions`` visitors arrive evenly spread over ``--arrival`` seconds, each waits for
   its first chart, then moves the slider once a second for ``--seconds``;
5. a 2nd pass of 4. with other slider values (``--passes 2``): an unbounded cache shows as memory
   growth, and the sessions of the 1st pass are still held by Streamlit for reconnection.

Measured per visitor:

- first chart: websocket asked to open -> the first ``delta`` with a ``plotly_chart`` element
  (the script's first run for this session, with the page name and query string a browser sends
  on opening ``/<page>``);
- move: the rerun_script BackMsg sent -> the ``script_finished`` of that rerun ("move"), and ->
  the first plotly_chart delta of that rerun ("chart"). On Activations the probe slider lives in
  an ``st.fragment``, so a move is a fragment rerun, as in the browser. A visitor sends its next
  move one ``--interval`` after the previous one, or when that one finished if it took longer
  (never two in flight: a person waits to see the first);
- values: a seeded random walk on the slider's own step grid (1 to 100 steps a move), each
  visitor and each pass its own seed, so few values repeat and no cache keyed on them flatters
  the numbers.

Server side (the server runs under this file's ``--serve``: bench/timed_server.py's run log plus
a session log and a GC log):

- CPU of the server's process tree (utime + stime, /proc/<pid>/stat, sampled every 0.2 s) per
  move, over the window in which every visitor was moving; "server busy" = its CPU seconds per
  second; "other processes" = what the rest of the machine used meanwhile (/proc/stat): on a
  shared machine that is CPU the server did not get, and a warning says so;
- each script run's wall time, script-thread CPU and ``cleanup`` (Streamlit's post-run step with
  its ``gc.collect(2)``), full runs and fragment runs apart; each move split into "wait" (sent ->
  its run started in the server; matched by session id) and "run" (-> script_finished received);
- every garbage collection (gc.callbacks): Streamlit's post-run ones (runner.postScriptGC) and
  the automatic full ones, their total and longest pause (a collection holds the GIL: every
  other session waits), and what the oldest generation holds at the end;
- VmRSS at start, after the warm-up, after the lone visitor, after each pass.

Goals (ratios against the lone visitor of the same run, so the machine's speed cancels):
p95 first chart <= 2x the lone p95, p95 move <= 3x the lone p95, in every pass; 0 errors (an
exception element, an error alert (the app's apology), a compile error, a disconnect, a rerun
that did not finish within ``--timeout``); memory flat: the last pass adds at most
``--flat-tolerance`` (5 %) to the RSS after the pass before. Streamlit keeps a disconnected
session for ``server.disconnectedSessionTTL`` (2 min) in case it reconnects, so the passes of a
default run overlap in memory; ``--passes 3 --set server.disconnectedSessionTTL=5`` separates
them. Exits 1 on a miss, 2 when it could not run.

``--profile DIR``: every script run but the server's first is also run under cProfile with the
script thread's CPU time as its clock, aggregated into DIR/full.prof and DIR/fragment.prof
(``python -m pstats``); the run prints the top of both. Profiling slows the runs about 4x: judge
times from a run without it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO_ROOT = BENCH.parent
APP = REPO_ROOT / "app.py"

FIRST_CHART_GOAL = 2.0  # p95 first chart, class / alone
MOVE_GOAL = 3.0  # p95 move, class / alone
CPU_SAMPLE_S = 0.2

# The page's probe slider, by the page's URL path; bench/latency.py's TARGETS name them by CSS
# selector (.st-key-<key>), and they are read from there when it has the page.
DEFAULT_SLIDERS = {"activations": "act_x0", "softmax": "smx_z0", "losses": "loss_p0",
                   "gradcheck": "gc_x"}


def _bench_imports():
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    import browserlib
    import load
    import st_protocol

    return browserlib, load, st_protocol


def slider_for(page: str) -> str | None:
    """The key of the slider bench/latency.py moves on ``page`` (its URL path)."""
    try:
        _bench_imports()
        from latency import TARGETS

        for t in TARGETS:
            m = re.search(r"\.st-key-([\w-]+)", t.slider)
            if m and t.path.strip("/").split("?")[0] == page:
                return m.group(1)
    except Exception:  # noqa: BLE001 - the table below is the fallback
        pass
    return DEFAULT_SLIDERS.get(page)


# --- the server's CPU and memory --------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()  # fields from 3 (state) on


def process_tree(root: int) -> list[int]:
    """``root`` and its live descendants (the sandbox worker of the playground, if any)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (st := _stat(int(entry.name))):
            children.setdefault(int(st[1]), []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def tree_cpu_s(root: int) -> float:
    """utime + stime of ``root``'s process tree, and of its children already reaped, in s."""
    total = 0.0
    for pid in process_tree(root):
        st = _stat(pid)
        if st:
            total += int(st[11]) + int(st[12])  # utime, stime (fields 14, 15)
            if pid == root:
                total += int(st[13]) + int(st[14])  # cutime, cstime: reaped children
    return total / _TICK


def machine_busy_s() -> float:
    """CPU seconds all processes of the machine have used (/proc/stat: all but idle, iowait)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(fields) - fields[3] - fields[4]) / _TICK


class CpuSampler:
    """Every CPU_SAMPLE_S seconds, inside the event loop: CPU seconds used so far by the server's
    process tree, by the whole machine, and by this process (the clients)."""

    def __init__(self, pid: int):
        self.pid = pid
        self.samples = [self._sample()]
        self._task: asyncio.Task | None = None

    def _sample(self) -> tuple[float, float, float, float]:
        return (time.monotonic(), tree_cpu_s(self.pid), machine_busy_s(), time.process_time())

    async def _run(self):
        while True:
            await asyncio.sleep(CPU_SAMPLE_S)
            self.samples.append(self._sample())

    def start(self):
        self._task = asyncio.create_task(self._run())

    async def stop(self):
        self.samples.append(self._sample())
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    def at(self, t: float, column: int = 1) -> float:
        s = self.samples
        for a, b in zip(s, s[1:], strict=False):
            if a[0] <= t <= b[0]:
                f = (t - a[0]) / (b[0] - a[0]) if b[0] > a[0] else 1.0
                return a[column] + (b[column] - a[column]) * f
        return s[0][column] if t < s[0][0] else s[-1][column]

    def between(self, t0: float, t1: float, column: int = 1) -> float:
        """CPU seconds in [t0, t1]: column 1 the server, 2 the machine, 3 this process."""
        return self.at(t1, column) - self.at(t0, column)


# --- visitors ---------------------------------------------------------------------------------


class Walk:
    """A seeded random walk on a slider's grid: 1 to 100 steps each move, reflected at the ends."""

    def __init__(self, seed, low: float, high: float, step: float, start: float):
        self.rng, self.low, self.high, self.step = random.Random(seed), low, high, step
        self.x = start

    def _snap(self, x: float) -> float:
        x = min(self.high, max(self.low, x))
        return round(self.low + round((x - self.low) / self.step) * self.step, 10)

    def next(self) -> float:
        for _ in range(20):
            d = self.rng.randint(1, 100) * self.step * self.rng.choice((-1, 1))
            x = self.x + d
            if x > self.high or x < self.low:
                x = self.x - d
            x = self._snap(x)
            if x != self.x:
                self.x = x
                return x
        raise RuntimeError("the slider has no room to move")


async def visitor(url: str, page: str, query: str, key: str, start_at: float, seconds: float,
                  interval: float, seed, timeout: float, moves: bool = True):
    """One student: arrive at ``start_at`` (monotonic), open the page, then move ``key``."""
    _, _, stp = _bench_imports()
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    s = stp.ProtocolSession(url, page=page, query_string=query, timeout=timeout,
                            name=f"visitor {seed}")
    try:
        load = await s.load()
        if load.status != "ok" or s.errors or not moves:
            return s
        if load.first_chart is None:
            s.errors.append(f"{s.name}: the page drew no chart")
            return s
        try:
            w = s.slider(key)
        except stp.ProtocolError as e:
            s.errors.append(str(e))
            return s
        p = w.proto
        start = p.default[0] if len(p.default) else (p.min + p.max) / 2
        walk = Walk(seed, p.min, p.max, p.step or (p.max - p.min) / 100, start)
        end = load.first_chart + seconds
        next_at = load.first_chart + interval
        while next_at <= end and not s.errors:
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            run = await s.move(key, walk.next())
            if run.status != "ok":
                break
            next_at = max(next_at + interval, time.monotonic())
    except Exception as e:  # noqa: BLE001 - counted as the visitor's error, the class goes on
        s.errors.append(f"{s.name}: {type(e).__name__}: {e}")
    finally:
        await s.close()
    return s


def percentile(values, q):
    _, load, _ = _bench_imports()
    return load.percentile(list(values), q)


def _read_jsonl(path: Path, t0: float, t1: float) -> list[dict]:
    """The complete lines of a JSON-lines run log whose ``start`` is in [t0, t1)."""
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    rows = [json.loads(line) for line in text.split("\n")[:-1] if line]
    return [r for r in rows if t0 <= r["start"] < t1]


def _stats(values: list[float]) -> dict:
    return {"n": len(values), "p50": statistics.median(values) if values else float("nan"),
            "p95": percentile(values, 0.95), "max": max(values) if values else float("nan")}


def move_breakdown(sessions: list, session_runs: list[dict]) -> dict:
    """Where a move's time went: sent -> its script run started in the server ("wait": the
    request queued behind the event loop or the session's previous run), and run started ->
    script_finished received ("run": the run, GIL waits and the delivery included)."""
    by_session: dict[str, list[dict]] = {}
    for r in session_runs:
        by_session.setdefault(r["session"], []).append(r)
    wait, run = [], []
    for s in sessions:
        mine = sorted(by_session.get(s.session_id, []), key=lambda r: r["start"])
        for m in s.runs:
            if m.kind != "move" or m.finished is None:
                continue
            match = next((r for r in mine if m.sent - 0.002 <= r["start"] <= m.finished), None)
            if match:
                wait.append(max(0.0, match["start"] - m.sent))
                run.append(m.finished - match["start"])
    return {"wait_s": _stats(wait), "run_s": _stats(run)}


def phase_summary(name: str, sessions: list, cpu: CpuSampler, t0: float, t1: float,
                  server_runs: list[dict], session_runs: list[dict] = ()) -> dict:
    loads = [r for s in sessions for r in s.runs if r.kind == "load"]
    moves = [r for s in sessions for r in s.runs if r.kind == "move"]
    ok_moves = [r for r in moves if r.status == "ok"]
    charted = [r for r in loads if r.first_chart is not None]
    # the steady window: every visitor that got its chart is moving
    starts = [r.first_chart for r in charted]
    ends = [max((m.finished for m in s.runs if m.kind == "move" and m.finished), default=None)
            for s in sessions]
    ends = [e for e in ends if e is not None]
    w0, w1 = (max(starts), min(ends)) if starts and ends else (t0, t1)
    in_window = [m for m in ok_moves if m.sent >= w0 and m.finished <= w1]
    if w1 <= w0 or not in_window:  # too short a run for a steady window: all its moves
        w0, w1, in_window, steady = t0, t1, ok_moves, False
    else:
        steady = True
    cpu_s = cpu.between(w0, w1)
    # what the rest of the machine took meanwhile (other people's tests, browsers...)
    others_s = cpu.between(w0, w1, 2) - cpu_s - cpu.between(w0, w1, 3)
    full = [r for r in server_runs if not r["fragment"]]
    frag = [r for r in server_runs if r["fragment"]]
    errors = [e for s in sessions for e in s.errors]
    # a run that did not end well always left a session error too; this is only a safety net
    errors += [f"{s.name}: {r.kind} ended {r.status!r}" for s in sessions if not s.errors
               for r in s.runs if r.status != "ok"]
    return {
        "phase": name, "sessions": len(sessions), "seconds": t1 - t0,
        "first_chart_s": _stats([r.chart_s for r in charted]),
        "load_finish_s": _stats([r.finish_s for r in loads if r.finish_s is not None]),
        "move_s": _stats([r.finish_s for r in ok_moves]),
        "move_chart_s": _stats([r.chart_s for r in ok_moves if r.chart_s is not None]),
        "moves": len(ok_moves), "moves_per_s": len(in_window) / (w1 - w0) if w1 > w0 else 0.0,
        "fragment_moves": sum(r.fragment for r in ok_moves),
        "move_kb": statistics.mean(r.bytes for r in ok_moves) / 1024 if ok_moves else 0.0,
        "load_kb": statistics.mean(r.bytes for r in loads) / 1024 if loads else 0.0,
        "cpu_window_s": w1 - w0, "cpu_window_steady": steady, "cpu_s": cpu_s,
        "cpu_ms_per_move": 1000 * cpu_s / len(in_window) if in_window else float("nan"),
        "cpu_busy": cpu_s / (w1 - w0) if w1 > w0 else float("nan"),
        "others_cores": max(0.0, others_s) / (w1 - w0) if w1 > w0 else float("nan"),
        "server_full": _stats([r["ms"] for r in full]),
        "server_full_cpu": _stats([r["cpu_ms"] for r in full]),
        "server_fragment": _stats([r["ms"] for r in frag]),
        "server_fragment_cpu": _stats([r["cpu_ms"] for r in frag]),
        "server_cleanup": _stats([r["cleanup_ms"] for r in server_runs]),
        "unsolicited_runs": sum(s.unsolicited_runs for s in sessions),
        **move_breakdown(sessions, list(session_runs)),
        "errors": errors,
    }


async def run_phase(name, url, page, query, key, pid, *, sessions: int, arrival: float,
                    seconds: float, interval: float, timeout: float, seed: int,
                    run_log, session_log: Path, lone_loads: int = 0) -> dict:
    cpu = CpuSampler(pid)
    cpu.start()
    t0 = time.monotonic()
    try:
        if lone_loads:  # the baseline: one visitor at a time
            group = []
            for k in range(lone_loads):
                last = k == lone_loads - 1
                group.append(await visitor(url, page, query, key, 0.0, seconds, interval,
                                           f"{seed}-{k}", timeout, moves=last))
        else:
            gap = arrival / sessions if sessions > 1 else 0.0
            group = await asyncio.gather(*(
                visitor(url, page, query, key, t0 + k * gap, seconds, interval, f"{seed}-{k}",
                        timeout) for k in range(sessions)))
    finally:
        await cpu.stop()
    t1 = time.monotonic()
    await asyncio.sleep(0.5)  # a run is logged when _run_script returns, just after it finished
    session_runs = _read_jsonl(session_log, t0, t1 + 0.5)
    summary = phase_summary(name, list(group), cpu, t0, t1, run_log.runs_between(t0, t1 + 0.5),
                            session_runs)
    summary["t0"], summary["t1"] = t0, t1
    return summary


# --- the server, optionally profiled ----------------------------------------------------------


def make_server(profile_dir: Path | None, settings: list[str] = (), app: Path = APP):
    """bench/browserlib.py's StreamlitServer for app.py, started through this file's ``--serve``
    (bench/timed_server.py's run log, the GC log, cProfile with ``profile_dir``), with extra
    Streamlit options ``settings`` ("runner.postScriptGC=false") for experiments."""
    bl, _, _ = _bench_imports()
    work = Path(tempfile.mkdtemp(prefix="derivs-classroom-"))

    class Server(bl.StreamlitServer):
        gc_log = work / "gc.json"
        session_log = work / "sessions.jsonl"

        def command(self):
            cmd = super().command()
            i = cmd.index(str(bl.TIMED_SERVER))
            extra = [a for kv in settings for a in ("--" + kv.split("=", 1)[0], kv.split("=", 1)[1])]
            return [*cmd[:i], str(Path(__file__).resolve()), "--serve", *cmd[i + 1:], *extra]

        def start(self, timeout: float = 60.0):
            env = {"DERIVS_GC_LOG": str(self.gc_log), "DERIVS_SESSION_LOG": str(self.session_log)}
            if profile_dir is not None:
                profile_dir.mkdir(parents=True, exist_ok=True)
                for old in profile_dir.glob("*.prof"):
                    old.unlink()
                env["DERIVS_PROFILE_DIR"] = str(profile_dir.resolve())
            os.environ.update(env)
            try:
                return super().start(timeout)
            finally:
                for k in env:
                    os.environ.pop(k, None)

    return Server(app, run_log=work / "runs.jsonl")


def gc_summary(gc_log: Path, t0: float, t1: float) -> dict:
    """The server's garbage collections in [t0, t1] (whole seconds) from install_gc_log's file."""
    try:
        data = json.loads(gc_log.read_text())
    except (OSError, ValueError):
        return {}
    out = {"explicit_n": 0, "explicit_s": 0.0, "explicit_max_s": 0.0, "auto2_n": 0,
           "auto2_s": 0.0, "auto2_max_s": 0.0, "young_s": 0.0}
    for second, gen, explicit, n, total, longest in data["buckets"]:
        if not int(t0) <= second <= int(t1):
            continue
        if gen == 2 and explicit:
            out["explicit_n"] += n
            out["explicit_s"] += total
            out["explicit_max_s"] = max(out["explicit_max_s"], longest)
        elif gen == 2:
            out["auto2_n"] += n
            out["auto2_s"] += total
            out["auto2_max_s"] = max(out["auto2_max_s"], longest)
        else:
            out["young_s"] += total
    after = [n for t, n in data["gen2_sizes"] if t >= t1]
    before = [n for t, n in data["gen2_sizes"] if t <= t1]
    out["gen2_objects"] = (after or before or [0])[0]
    return out


def install_profiler(out_dir: str) -> None:
    """cProfile (timer: the thread's CPU time) around every ScriptRunner._run_script call, in the
    script thread, aggregated into OUT/full.prof and OUT/fragment.prof, written at most every
    5 s and at exit. The server's first run (it imports the app's modules) is left out."""
    import atexit
    import cProfile
    import pstats
    import threading

    from streamlit.runtime.scriptrunner import script_runner

    runner = script_runner.ScriptRunner
    original = runner._run_script
    lock = threading.Lock()
    agg: dict[str, pstats.Stats] = {}
    counts = {"full": 0, "fragment": 0}
    last = [time.monotonic()]
    skipped: list[bool] = []

    def dump():
        for kind, stats in agg.items():
            stats.dump_stats(os.path.join(out_dir, f"{kind}.prof"))
        Path(out_dir, "runs.json").write_text(json.dumps(counts))
        last[0] = time.monotonic()

    def profiled(self, rerun_data):
        kind = "fragment" if rerun_data.fragment_id_queue else "full"
        with lock:
            first = not skipped
            skipped.append(True)
        if first:  # the server's first run imports the app (see -X importtime): not a rerun
            return original(self, rerun_data)
        # the script thread's CPU time, not wall time: on a busy machine (and with thirty script
        # threads taking turns at the GIL) wall time mostly measures waiting, charged to
        # whichever call happened to release the GIL (socket.send, array copies)
        prof = cProfile.Profile(time.thread_time)
        prof.enable()
        try:
            return original(self, rerun_data)
        finally:
            prof.disable()
            with lock:
                if kind in agg:
                    agg[kind].add(prof)
                else:
                    agg[kind] = pstats.Stats(prof)
                counts[kind] += 1
                if time.monotonic() - last[0] > 5:
                    dump()

    runner._run_script = profiled

    def at_exit():
        with lock:
            dump()

    atexit.register(at_exit)


def install_gc_log(path: str) -> None:
    """Time every garbage collection in the server (gc.callbacks); a daemon thread writes, every
    2 s and at exit, per-second totals ``[second, generation, explicit, n, s, max_s]`` to
    ``path`` (JSON; ``second`` of time.monotonic(); ``explicit``: a gc.collect() call from
    Streamlit's post-run step, ScriptRunner._on_script_finished, rather than a collection the
    allocator triggered), and the size of the oldest generation (``len(gc.get_objects(2))``).

    The callback takes no lock and does not wait: it runs inside the collector, and a
    collection that never returns would switch garbage collection off for the whole process
    (a gc.collect() while another one is in progress returns at once). It only appends to a
    deque, which the writer thread drains."""
    import atexit
    import collections
    import gc
    import threading

    events: collections.deque = collections.deque()
    buckets: dict[tuple[int, int, bool], list[float]] = {}
    sizes: list[tuple[float, int]] = []
    local = threading.local()
    write_lock = threading.Lock()  # the writer thread and atexit, never the callback

    def census() -> dict:
        """The oldest generation by type, largest first, and for a sample of the two largest
        types what holds them (at exit: what survives, and every full collection scans)."""
        objects = gc.get_objects(2)
        counts: dict[str, int] = {}
        for o in objects:
            name = f"{type(o).__module__}.{type(o).__qualname__}"
            counts[name] = counts.get(name, 0) + 1
        top = sorted(counts.items(), key=lambda kv: -kv[1])[:25]
        held_by: dict[str, dict[str, int]] = {}
        for name, _ in top[:2]:
            sample = [o for o in objects if f"{type(o).__module__}.{type(o).__qualname__}" == name]
            holders: dict[str, int] = {}
            for o in sample[:: max(1, len(sample) // 200)]:
                for r in gc.get_referrers(o):
                    if r is objects or r is sample or type(r).__name__ == "frame":
                        continue
                    if isinstance(r, dict):  # whose __dict__, if any: one more level up
                        owners = [type(x).__qualname__ for x in gc.get_referrers(r)
                                  if getattr(x, "__dict__", None) is r]
                        what = f"dict of {owners[0]}" if owners else "dict"
                    else:
                        what = f"{type(r).__module__}.{type(r).__qualname__}"
                    holders[what] = holders.get(what, 0) + 1
            held_by[name] = dict(sorted(holders.items(), key=lambda kv: -kv[1])[:8])
        del objects
        return {"top": top, "held_by": held_by}

    def write(final: bool = False):
        with write_lock:
            while events:
                second, gen, explicit, dt = events.popleft()
                b = buckets.setdefault((second, gen, explicit), [0, 0.0, 0.0])
                b[0] += 1
                b[1] += dt
                b[2] = max(b[2], dt)
            sizes.append((time.monotonic(), len(gc.get_objects(2))))
            rows = [[k[0], k[1], k[2], *v] for k, v in sorted(buckets.items())]
            tmp = path + ".tmp"
            data = {"buckets": rows, "gen2_sizes": sizes}
            if final:
                data["gen2_census"] = census()
            Path(tmp).write_text(json.dumps(data))
            os.replace(tmp, path)

    def callback(phase, info):
        if phase == "start":
            try:  # the Python code that called gc.collect(), or that allocated
                local.explicit = sys._getframe(1).f_code.co_name == "_on_script_finished"
            except ValueError:  # no Python frame above: a collection from C
                local.explicit = False
            local.t = time.perf_counter()
            return
        t0, local.t = getattr(local, "t", None), None
        if t0 is not None:
            events.append((int(time.monotonic()), info["generation"], local.explicit,
                           time.perf_counter() - t0))

    def writer():
        while True:
            time.sleep(2.0)
            write()

    gc.callbacks.append(callback)
    threading.Thread(target=writer, name="derivs-gc-log", daemon=True).start()
    atexit.register(write, True)


def install_session_log(path: str) -> None:
    """One JSON line per ScriptRunner._run_script call: which session ran, when (monotonic)."""
    import threading

    from streamlit.runtime.scriptrunner import script_runner

    runner = script_runner.ScriptRunner
    original = runner._run_script
    lock = threading.Lock()
    log = open(path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 - open for life

    def logged(self, rerun_data):
        start = time.monotonic()
        try:
            return original(self, rerun_data)
        finally:
            line = json.dumps({"session": self._session_id, "start": start,
                               "end": time.monotonic(),
                               "fragment": bool(rerun_data.fragment_id_queue)})
            with lock:
                log.write(line + "\n")

    runner._run_script = logged


def serve(argv: list[str]) -> None:
    """``classroom.py --serve run app.py ...``: bench/timed_server.py's server, plus cProfile."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_derivs_timed_server", BENCH / "timed_server.py")
    timed = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(timed)
    # As timed_server.main does: the app's directory, not bench/, heads sys.path. Run from the
    # app's own checkout (so --app can point at a scratch copy with a change to try out).
    script = next((Path(a) for a in argv[1:] if a.endswith(".py")), None)
    if script is not None and script.is_file():
        os.chdir(script.resolve().parent)
    sys.path[:] = [os.getcwd(), *(p for p in sys.path[1:] if Path(p or ".").resolve() != BENCH)]
    if os.environ.get("DERIVS_PROFILE_DIR"):
        install_profiler(os.environ["DERIVS_PROFILE_DIR"])
    if os.environ.get("DERIVS_GC_LOG"):
        install_gc_log(os.environ["DERIVS_GC_LOG"])
    if os.environ.get("DERIVS_SESSION_LOG"):
        install_session_log(os.environ["DERIVS_SESSION_LOG"])
    if os.environ.get("DERIVS_RUN_LOG"):
        timed.install(os.environ["DERIVS_RUN_LOG"])
    from streamlit.web.cli import main as streamlit_main

    sys.argv = ["streamlit", *argv]
    streamlit_main(prog_name="streamlit")


def print_profile(profile_dir: Path, top: int = 25) -> None:
    import io
    import pstats

    counts = {}
    if (profile_dir / "runs.json").is_file():
        counts = json.loads((profile_dir / "runs.json").read_text())
    for kind in ("full", "fragment"):
        path = profile_dir / f"{kind}.prof"
        if not path.is_file():
            continue
        for order in ("cumulative", "tottime"):
            out = io.StringIO()
            stats = pstats.Stats(str(path), stream=out)
            stats.sort_stats(order).print_stats(top)
            text = out.getvalue()
            text = text.replace(str(REPO_ROOT) + "/", "").replace(sys.prefix + "/", "")
            print(f"\n--- cProfile, {kind} runs ({counts.get(kind, '?')}), by {order} ---")
            print("\n".join(line for line in text.splitlines()
                            if line.strip() and not line.startswith("   Ordered by")))


# --- the report -------------------------------------------------------------------------------


def _ms(x: float) -> str:
    return "—" if x != x else f"{1000 * x:.0f} ms"


def report(args, lone: dict, passes: list[dict], cold: dict, mem: dict, client_cpu_s: float,
           wall_s: float, flat: dict) -> list[str]:
    """Print the tables; return the misses."""
    print(f"page /{args.page}{'?' + args.query if args.query else ''}, slider {args.key}; "
          f"{args.sessions} visitors arriving over {args.arrival:g} s, moving every "
          f"{args.interval:g} s for {args.seconds:g} s; alone: {args.lone_loads} loads, then "
          f"{args.lone_seconds:g} s of moves; {os.cpu_count()} CPUs"
          + ("; an idle teacher session connected throughout" if args.teacher else ""))
    if Path(args.app).resolve() != APP or args.set:
        print(f"app: {Path(args.app).resolve()}"
              + (f"; Streamlit options: {', '.join(args.set)}" if args.set else ""))
    print(f"cold first chart (fresh server, first visitor): {_ms(cold['first_chart_s']['p50'])}")
    print()
    print("| phase | visitors | first chart p50 | p95 | moves | move p50 | p95 | max "
          "| move → chart p50 | moves/s | server CPU / move | server busy | other processes "
          "| errors |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for r in (lone, *passes):
        print(f"| {r['phase']} | {r['sessions']} | {_ms(r['first_chart_s']['p50'])} | "
              f"{_ms(r['first_chart_s']['p95'])} | {r['moves']} | {_ms(r['move_s']['p50'])} | "
              f"{_ms(r['move_s']['p95'])} | {_ms(r['move_s']['max'])} | "
              f"{_ms(r['move_chart_s']['p50'])} | {r['moves_per_s']:.1f} | "
              f"{r['cpu_ms_per_move']:.0f} ms{'' if r['cpu_window_steady'] else '*'} | "
              f"{100 * r['cpu_busy']:.0f} % | {r['others_cores']:.2f} cores | "
              f"{len(r['errors'])} |")
    print(f"\n'server busy': the server's CPU seconds per second (100 % = one core of "
          f"{os.cpu_count()}); 'other processes': cores the rest of the machine used meanwhile "
          "(/proc/stat minus the server and this process): on a shared machine they slow "
          "the server down too")
    if not all(r["cpu_window_steady"] for r in (lone, *passes)):
        print("\n\\* no window in which every visitor was moving: CPU over the whole phase, "
              "page loads included")
    print("\nServer-side script runs (bench/timed_server.py: wall and script-thread CPU; cleanup ="
          " Streamlit's post-run step, gc.collect(2) included):\n")
    print("| phase | full runs | p50 | p95 | CPU p50 | fragment runs | p50 | p95 | CPU p50 "
          "| cleanup p50 | p95 | KB / move | KB / load |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for r in (lone, *passes):
        f, g, c = r["server_full"], r["server_fragment"], r["server_cleanup"]
        print(f"| {r['phase']} | {f['n']} | {f['p50']:.0f} ms | {f['p95']:.0f} ms | "
              f"{r['server_full_cpu']['p50']:.0f} ms | {g['n']} | {g['p50']:.0f} ms | "
              f"{g['p95']:.0f} ms | {r['server_fragment_cpu']['p50']:.0f} ms | "
              f"{c['p50']:.0f} ms | {c['p95']:.0f} ms | {r['move_kb']:.1f} | {r['load_kb']:.0f} |")
    if all(r.get("gc") for r in (lone, *passes)):
        print("\nGarbage collection in the server (gc.callbacks; 'post-run' = Streamlit's "
              "gc.collect(2) after every run, runner.postScriptGC):\n")
        print("| phase | post-run gc | total | longest | per move | automatic full gc | total "
              "| longest | young gens | objects in the oldest gen |")
        print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
        for r in (lone, *passes):
            g = r["gc"]
            runs = max(1, r["server_full"]["n"] + r["server_fragment"]["n"])
            print(f"| {r['phase']} | {g['explicit_n']} | {g['explicit_s']:.2f} s | "
                  f"{_ms(g['explicit_max_s'])} | {_ms(g['explicit_s'] / runs)} | "
                  f"{g['auto2_n']} | {g['auto2_s']:.2f} s | {_ms(g['auto2_max_s'])} | "
                  f"{g['young_s']:.2f} s | {g['gen2_objects']:,} |")
    print("\nWhere a move's time goes (matched to its script run by session id): 'wait' = sent -> "
          "the run started in the server, 'run' = run started -> script_finished received:\n")
    print("| phase | wait p50 | p95 | run p50 | p95 |\n|---|--:|--:|--:|--:|")
    for r in (lone, *passes):
        w, u = r["wait_s"], r["run_s"]
        print(f"| {r['phase']} | {_ms(w['p50'])} | {_ms(w['p95'])} | {_ms(u['p50'])} | "
              f"{_ms(u['p95'])} |")
    print("\n| server VmRSS | MB |\n|---|--:|")
    for name, kb in mem.items():
        print(f"| {name} | {kb / 1024:.0f} |")
    print(f"\nthis process (the {args.sessions} clients): {client_cpu_s:.1f} s CPU in "
          f"{wall_s:.0f} s ({100 * client_cpu_s / wall_s:.0f} % of one core)")

    busy = [r for r in (lone, *passes) if r["others_cores"] > 0.5]
    if busy:
        cores = ", ".join(f"{r['others_cores']:.1f} ({r['phase']})" for r in busy)
        print(f"\nWARNING: other processes used {cores} of the machine's {os.cpu_count()} "
              "cores: the server competed with them for the CPU, so these times are not the "
              "app's alone")
    misses = []
    print("\nGoal (ratios to the lone visitor of this run):")
    for r in passes:
        fc = r["first_chart_s"]["p95"] / lone["first_chart_s"]["p95"]
        mv = r["move_s"]["p95"] / lone["move_s"]["p95"]
        print(f"- {r['phase']}: p95 first chart {fc:.2f}x (goal <= {FIRST_CHART_GOAL:g}x) "
              f"{'met' if fc <= FIRST_CHART_GOAL else 'MISSED'}; p95 move {mv:.2f}x "
              f"(goal <= {MOVE_GOAL:g}x) {'met' if mv <= MOVE_GOAL else 'MISSED'}")
        if not fc <= FIRST_CHART_GOAL:
            misses.append(f"{r['phase']}: p95 first chart {fc:.2f}x > {FIRST_CHART_GOAL:g}x")
        if not mv <= MOVE_GOAL:
            misses.append(f"{r['phase']}: p95 move {mv:.2f}x > {MOVE_GOAL:g}x")
        if r["moves"] == 0:
            misses.append(f"{r['phase']}: no move was timed")
    errors = [e for r in (cold, lone, *passes) for e in r["errors"]]
    print(f"- errors: {len(errors)} (goal 0) {'met' if not errors else 'MISSED'}")
    for e in sorted(set(errors))[:20]:
        print(f"  error: {e}")
    if errors:
        misses.append(f"{len(errors)} errors")
    if flat:
        ok = flat["growth"] <= args.flat_tolerance
        print(f"- memory: pass {args.passes} added {flat['added_mb']:+.1f} MB "
              f"({100 * flat['growth']:+.1f} %; goal <= {100 * args.flat_tolerance:g} %) "
              f"{'met' if ok else 'MISSED'}")
        if not ok:
            misses.append(f"memory grew {100 * flat['growth']:.1f} % in pass {args.passes}")
    return misses


async def scenario(args, server) -> dict:
    _, load, _ = _bench_imports()
    pid = server.proc.pid
    url, page, query, key = server.url, args.page, args.query, args.key
    common = dict(interval=args.interval, timeout=args.timeout, run_log=args.run_log,
                  session_log=server.session_log)
    mem = {"start": load.rss_kb(pid)}
    # the warm-up: the fresh server's first run (imports) is shown as "cold"; then more loads and
    # moves, so lazily built state (plotly's validators, sympy's caches) is not in the baseline
    cold = await run_phase("cold", url, page, query, key, pid, sessions=1, arrival=0.0,
                           seconds=0.0, seed=0, lone_loads=1, **common)
    warm = await run_phase("warm-up", url, page, query, key, pid, sessions=1, arrival=0.0,
                    seconds=args.warmup_seconds, seed=0, lone_loads=args.warmup_loads,
                    **{**common, "interval": 0.2})
    cold["errors"] += warm["errors"]
    teacher = None
    if args.teacher:  # the projector: connected all along, idle (it keeps Streamlit's compiled
        # scripts cached, which it drops whenever the last session disconnects)
        _, _, stp = _bench_imports()
        teacher = stp.ProtocolSession(url, page=page, query_string=query, timeout=args.timeout,
                                      name="teacher")
        await teacher.load()
    mem["after the warm-up"] = load.rss_kb(pid)
    lone = await run_phase("alone", url, page, query, key, pid, sessions=1, arrival=0.0,
                           seconds=args.lone_seconds, seed=1, lone_loads=args.lone_loads,
                           **common)
    mem["after the lone visitor"] = load.rss_kb(pid)
    passes, pass_mem = [], []
    for p in range(args.passes):
        name = "class" if p == 0 else f"class, pass {p + 1}"
        passes.append(await run_phase(name, url, page, query, key, pid,
                                      sessions=args.sessions, arrival=args.arrival,
                                      seconds=args.seconds, seed=100 + p, **common))
        label = f"after {args.sessions} visitors" + ("" if p == 0 else f", pass {p + 1}")
        mem[label] = load.rss_kb(pid)
        pass_mem.append(label)
    if teacher is not None:
        await teacher.close()
        cold["errors"] += teacher.errors
    return {"cold": cold, "lone": lone, "passes": passes, "mem": mem,
            "pass_mem": pass_mem}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=30)
    ap.add_argument("--seconds", type=float, default=60.0, help="each visitor's time moving")
    ap.add_argument("--arrival", type=float, default=5.0, help="visitors arrive over this long")
    ap.add_argument("--interval", type=float, default=1.0, help="seconds between moves")
    ap.add_argument("--page", default="activations", help="URL path of the page")
    ap.add_argument("--query", default="", help="query string of the link, without '?'")
    ap.add_argument("--key", default=None, help="the slider's key (default: the page's probe)")
    ap.add_argument("--lone-loads", type=int, default=5, help="page loads of the baseline")
    ap.add_argument("--lone-seconds", type=float, default=None,
                    help="moves of the baseline (default: --seconds, at most 30)")
    ap.add_argument("--warmup-loads", type=int, default=3,
                    help="page loads after the cold one, before the baseline")
    ap.add_argument("--warmup-seconds", type=float, default=3.0,
                    help="moves (every 0.2 s) after the warm-up loads")
    ap.add_argument("--no-teacher", dest="teacher", action="store_false",
                    help="no idle session connected throughout (the projector)")
    ap.add_argument("--passes", type=int, default=2, help="class passes (2nd: memory check)")
    ap.add_argument("--timeout", type=float, default=60.0, help="a rerun slower is an error")
    ap.add_argument("--flat-tolerance", type=float, default=0.05,
                    help="the last pass may add this much to the RSS after the pass before")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--profile", type=Path, help="cProfile the server's script runs into DIR")
    ap.add_argument("--app", type=Path, default=APP,
                    help="the app to serve (default: this checkout's app.py; another checkout's "
                         "app.py runs from that checkout, to try a change out)")
    ap.add_argument("--set", action="append", default=[], metavar="OPTION=VALUE",
                    help="an extra Streamlit option for the server, for experiments "
                         "(e.g. runner.postScriptGC=false); repeatable")
    args = ap.parse_args(argv)
    args.page = args.page.strip("/")
    args.key = args.key or slider_for(args.page)
    if not args.key:
        print(f"no known slider on /{args.page}: give --key")
        return 2
    if args.lone_seconds is None:
        args.lone_seconds = min(args.seconds, 30.0)
    if args.sessions < 1 or args.lone_loads < 1 or args.passes < 1:
        print("--sessions, --lone-loads and --passes must be at least 1")
        return 2
    bl, _, _ = _bench_imports()

    if any("=" not in kv for kv in args.set):
        print("--set takes OPTION=VALUE")
        return 2
    server = make_server(args.profile, args.set, args.app)
    cpu0, wall0 = os.times(), time.monotonic()
    try:
        server.start(timeout=120)
    except Exception as e:  # noqa: BLE001
        print(f"the server did not start: {e}")
        return 2
    args.run_log = bl.RunLog(server.run_log)
    try:
        result = asyncio.run(scenario(args, server))
    finally:
        server.stop()
    cpu1 = os.times()
    for r in (result["cold"], result["lone"], *result["passes"]):
        r["gc"] = gc_summary(server.gc_log, r["t0"], r["t1"])
    try:
        census = json.loads(server.gc_log.read_text()).get("gen2_census", {})
    except (OSError, ValueError):
        census = {}
    client_cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    mem = result["mem"]
    flat = {}
    if args.passes >= 2:
        first, last = (mem[k] for k in result["pass_mem"][-2:])
        flat = {"added_mb": (last - first) / 1024, "growth": (last - first) / first}
    misses = report(args, result["lone"], result["passes"], result["cold"], mem, client_cpu,
                    time.monotonic() - wall0, flat)
    if census.get("top"):
        print("\nWhat the server's oldest generation held at the end (every full collection "
              "scans it): " + ", ".join(f"{name.rsplit('.', 1)[-1]} {n:,}"
                                        for name, n in census["top"][:12]))
        for name, holders in census.get("held_by", {}).items():
            print(f"- {name.rsplit('.', 1)[-1]} held by (a sample): "
                  + ", ".join(f"{h} {n}" for h, n in holders.items()))
    if args.profile:
        print_profile(args.profile)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(
            {"args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()
                      if k != "run_log"},
             "cold": result["cold"], "lone": result["lone"], "passes": result["passes"],
             "memory_kb": mem, "client_cpu_s": client_cpu, "flat": flat, "misses": misses,
             "gen2_census": census},
            indent=1, default=str))
    if misses:
        print("FAILED: " + "; ".join(misses))
        return 1
    print("OK: every goal met")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve(sys.argv[2:])
    else:
        sys.exit(main())
