"""Start a Streamlit server and a headless Chromium, and time what a person waits for.

Shared by the benchmarks in bench/ and the browser-test harness in tests/browser/conftest.py,
so the command line of the server and the flags of the browser live in one place.

Nothing here downloads anything: the browser is Debian's ``chromium`` package (``apt-get
install chromium``; ``bash .ci/run`` installs it), driven by Playwright through
``executable_path``. The machine has no internet, so pages block every request that is not
for the local server.

Timing (``measure_slider_change``), all read in the page with ``performance.now()``:

- ``t0``: the ``keydown`` event of the key press that moves the slider (a capturing listener on
  ``document``, so it is the moment the browser got the input, not when Python sent it);
- ``run_start`` / ``run_end``: arrival of the server's ``new_session`` and ``script_finished``
  messages (Streamlit's ForwardMsg protobuf), timestamped by a small wrapper around the page's
  ``WebSocket`` that ``install_probe(context)`` puts in before the page loads. So
  ``run_end - run_start`` ("round trip") is the rerun as the browser sees it: the server's run
  plus whatever delays the browser's handling of the messages (its main thread may be busy
  drawing the previous charts), so it is NOT the server's time: that is measured in the server
  process, see ``RunLog``; ``run_start - t0`` ("debounce") is the slider's own debounce plus the
  trip to the server.
  Not the ``data-test-script-state`` attribute: React may batch "running" and "notRunning" into
  one render when a rerun is quick, and then the attribute never changes at all;
- ``drawn``: for every ``.js-plotly-plot`` on the page, the first moment its data differ from
  what they were before the key press, taken from Plotly's ``plotly_afterplot`` event (and, as a
  fallback for a plot element that was replaced and so lost its listener, from a
  ``requestAnimationFrame`` poll). ``drawn - t0`` over the last plot to change is "browser":
  everything a person waits for from the key press to the last changed chart on screen.

Server-side rerun time: ``StreamlitServer(app, run_log=path)`` starts the server through
bench/timed_server.py, which appends one JSON line per script run (wall and CPU time, fragment
or full, page) to ``path``; ``RunLog(path).runs()`` reads them back. Their ``start``/``end`` are
``time.monotonic()`` of the server process, the same clock as this process's, so runs can be
matched to key presses by time (``runs_between``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TIMED_SERVER = Path(__file__).resolve().parent / "timed_server.py"
ARTIFACTS = REPO_ROOT / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"

CHROMIUM = os.environ.get("DERIVS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})

APP_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
APP_CONNECTED = '[data-testid="stApp"][data-test-connection-state="CONNECTED"]'


# --- the server -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StreamlitServer:
    """``streamlit run APP`` on a free local port, in its own process group.

    Use as a context manager, or call ``start()`` and ``stop()``. ``url`` is the base URL with no
    trailing slash. The server's output goes to ``log_path`` (a temporary file unless given);
    ``log_tail()`` returns its end for error messages. With ``run_log`` (a path) the server runs
    under bench/timed_server.py and logs every script run there (see ``RunLog``).
    """

    def __init__(
        self, app: str | os.PathLike, port: int | None = None, log_path=None, run_log=None
    ):
        self.app = Path(app).resolve()
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(log_path) if log_path else None
        self.run_log = Path(run_log) if run_log else None
        self.proc: subprocess.Popen | None = None
        self.started_at: float | None = None  # time.perf_counter() just before the spawn
        self.healthy_at: float | None = None

    def command(self) -> list[str]:
        launcher = [str(TIMED_SERVER)] if self.run_log else ["-m", "streamlit"]
        return [
            sys.executable, *launcher, "run", str(self.app),
            "--server.headless", "true",
            "--server.port", str(self.port),
            "--server.address", "127.0.0.1",
            "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none",
            "--server.runOnSave", "false",
        ]  # fmt: skip

    def start(self, timeout: float = 60.0) -> str:
        if not self.app.is_file():
            raise FileNotFoundError(f"no Streamlit app at {self.app}")
        if self.log_path is None:
            fd, name = tempfile.mkstemp(prefix=f"streamlit-{self.app.stem}-", suffix=".log")
            os.close(fd)
            self.log_path = Path(name)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "wb")  # noqa: SIM115 - the child owns it; closed in stop()
        self._log = log
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        if self.run_log:
            self.run_log.parent.mkdir(parents=True, exist_ok=True)
            self.run_log.write_text("")
            env["DERIVS_RUN_LOG"] = str(self.run_log)
        self.started_at = time.perf_counter()
        self.proc = subprocess.Popen(
            self.command(),
            cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # own process group: stop() kills the whole tree
        )
        try:
            self._wait_healthy(timeout)
        except BaseException:
            self.stop()
            raise
        self.healthy_at = time.perf_counter()
        return self.url

    def _wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last = "no answer yet"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"streamlit exited with code {self.proc.returncode} before it was healthy\n"
                    f"command: {' '.join(self.command())}\n--- server log ---\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    body = r.read().decode(errors="replace").strip()
                if body == "ok":
                    return
                last = f"health answered {body!r}"
            except (urllib.error.URLError, OSError) as e:
                last = repr(e)
            time.sleep(0.1)
        raise TimeoutError(
            f"streamlit at {self.url} not healthy after {timeout:.0f} s ({last})\n"
            f"--- server log ---\n{self.log_tail()}"
        )

    def log_tail(self, n: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except (OSError, AttributeError):
            return "(no log)"

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        if getattr(self, "_log", None) is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> StreamlitServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


# --- the browser ----------------------------------------------------------------------------


def chromium_problem() -> str | None:
    """Why the browser cannot be used, or None when it can."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        found = shutil.which("chromium") or shutil.which("chromium-browser")
        hint = f" (there is one at {found}: set DERIVS_CHROMIUM={found})" if found else ""
        return (
            f"Chromium not found at {CHROMIUM}{hint}. Browser tests need Debian's chromium: "
            "`apt-get update && apt-get install -y chromium` (bash .ci/run does this)."
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as e:
        return f"Playwright is not installed ({e}): pip install -r requirements-dev.txt"
    return None


def launch_chromium(playwright, headless: bool = True):
    """A Chromium browser from ``playwright.chromium``, Debian's binary, no downloads."""
    problem = chromium_problem()
    if problem:
        raise RuntimeError(problem)
    return playwright.chromium.launch(
        executable_path=CHROMIUM, headless=headless, args=CHROMIUM_ARGS
    )


def chromium_version() -> str:
    try:
        out = subprocess.run(
            [CHROMIUM, "--version"], capture_output=True, text=True, timeout=30,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
        return out.stdout.strip() or out.stderr.strip()
    except (OSError, subprocess.SubprocessError) as e:
        return f"unknown ({e})"


def is_local(url: str) -> bool:
    """True for the URLs a page may load: the local server (any port), data:, blob:, about:."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about", "chrome-extension"):
        return True
    return parts.hostname in LOCAL_HOSTS


def block_foreign_requests(context, blocked: list[str]) -> None:
    """Abort every request of ``context`` to a host other than this machine; log it in ``blocked``."""

    def handle(route):
        url = route.request.url
        if is_local(url):
            route.continue_()
        else:
            blocked.append(url)
            route.abort("blockedbyclient")

    context.route("**/*", handle)


def wait_for_app_idle(page, timeout: float = 30_000, settle: float = 300) -> None:
    """Wait until the Streamlit script has finished, its elements are drawn, then ``settle`` ms.

    Call it after ``goto`` and after any interaction that reruns the script. The small first wait
    lets a just-sent widget change (Streamlit debounces sliders) reach the server before
    ``notRunning`` is trusted. It is a settle, not proof that a rerun happened: a quick rerun may
    never show "running" in the DOM at all (React batches it away), so after an interaction also
    wait for the change you expect (``page.wait_for_function``), as tests/browser/test_harness.py
    does.
    """
    page.wait_for_timeout(250)
    page.wait_for_selector(APP_CONNECTED, state="attached", timeout=timeout)
    page.wait_for_selector(APP_IDLE, state="attached", timeout=timeout)
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=stSkeleton]').length === 0",
        timeout=timeout,
    )
    if settle:
        page.wait_for_timeout(settle)


def screenshot(page, name: str, full_page: bool = True) -> Path:
    """Save ``artifacts/screenshots/<name>.png`` and return its path."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    path = SCREENSHOTS / f"{safe}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=full_page)
    return path


@contextlib.contextmanager
def chromium_page(url: str, viewport=(1400, 900)) -> Iterator:
    """One browser, one context with foreign requests blocked, one page at ``url``, app idle."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
            blocked: list[str] = []
            block_foreign_requests(context, blocked)
            install_probe(context)
            page = context.new_page()
            page.goto(url, wait_until="domcontentloaded")
            wait_for_app_idle(page)
            yield page
        finally:
            browser.close()


# --- timing a slider change -----------------------------------------------------------------


def _forward_msg_fields() -> tuple[int, int]:
    """Protobuf field numbers of ForwardMsg.new_session and .script_finished (4 and 6 in 1.67)."""
    try:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        by_name = ForwardMsg.DESCRIPTOR.fields_by_name
        return by_name["new_session"].number, by_name["script_finished"].number
    except Exception:  # noqa: BLE001 - a benchmark can live with the known numbers
        return 4, 6


# Installed before the page loads (context.add_init_script): timestamps every message that the
# Streamlit server sends over the websocket, with the number of its ForwardMsg "type" field,
# read from the raw protobuf (top-level fields 1 and 2, hash and metadata, come first).
WS_PROBE_JS = r"""
(() => {
  if (window.__wsLog) return;
  const log = window.__wsLog = [];
  const typeOf = (buf) => {
    const b = new Uint8Array(buf);
    let i = 0;
    const varint = () => {
      let x = 0, s = 1, c;
      do { c = b[i++]; x += (c & 0x7f) * s; s *= 128; } while (c & 0x80 && i < b.length);
      return x;
    };
    while (i < b.length) {
      const tag = varint(), f = Math.floor(tag / 8), w = tag % 8;
      if (f !== 1 && f !== 2) return f;
      if (w === 2) { const n = varint(); i += n; } else if (w === 0) varint();
      else if (w === 1) i += 8; else if (w === 5) i += 4; else return -1;
    }
    return -1;
  };
  const Native = window.WebSocket;
  class ProbedWebSocket extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        const t = performance.now();
        log.push([t, e.data instanceof ArrayBuffer ? typeOf(e.data) : -2]);
        if (log.length > 5000) log.splice(0, 2500);
      });
    }
  }
  window.WebSocket = ProbedWebSocket;
})();
"""

# Arms the probe: records the key press and the first redraw of each plotly plot whose data
# changed, and clears the websocket log. Re-armed before every press.
_ARM_JS = r"""
() => {
  const sig = (gd) => {
    const parts = [];
    for (const t of (gd.data || [])) {
      for (const k of ['x', 'y', 'z']) {
        let a = t[k];
        if (a && a._inputArray !== undefined) a = a._inputArray;  // {dtype, bdata} typed data
        if (!a || a.length === undefined) continue;
        const n = a.length, idx = [0, 1, n >> 2, n >> 1, (3 * n) >> 2, n - 2, n - 1];
        let s = k + n + ':';
        for (const i of idx) {
          const v = a[i];
          s += (Array.isArray(v) || ArrayBuffer.isView(v) ? Array.from(v.slice(0, 4)).join('|') : v) + ',';
        }
        parts.push(s);
      }
    }
    return parts.join(';');
  };
  const old = window.__probe;
  if (old) old.stopped = true;
  window.__wsLog.splice(0);
  const p = { t0: null, drawn: new Map(), base: new Map(), stopped: false, plots: 0 };
  const plots = () => Array.from(document.querySelectorAll('.js-plotly-plot'));
  p.check = (gd, t) => {
    if (p.t0 === null || p.drawn.has(gd)) return;
    if (sig(gd) !== p.base.get(gd)) p.drawn.set(gd, t);
  };
  const listen = (gd) => {
    if (gd.__probeListening || typeof gd.on !== 'function') return;
    gd.__probeListening = true;
    gd.on('plotly_afterplot', () => {
      const q = window.__probe;
      if (q && !q.stopped) q.check(gd, performance.now());
    });
  };
  for (const gd of plots()) { p.base.set(gd, sig(gd)); listen(gd); }
  p.plots = p.base.size;
  document.addEventListener('keydown', () => { if (p.t0 === null) p.t0 = performance.now(); },
                            { capture: true, once: true });
  const poll = () => {
    if (p.stopped) return;
    const t = performance.now();
    for (const gd of plots()) { listen(gd); if (!p.base.has(gd)) p.base.set(gd, null); p.check(gd, t); }
    requestAnimationFrame(poll);
  };
  requestAnimationFrame(poll);
  window.__probe = p;
  return p.plots;
}
"""

_READ_JS = r"""
([NEW_SESSION, SCRIPT_FINISHED]) => {
  const p = window.__probe;
  let runStart = null, runEnd = null;
  for (const [t, type] of window.__wsLog) {
    if (p.t0 === null || t < p.t0) continue;
    if (runStart === null && type === NEW_SESSION) runStart = t;
    else if (runStart !== null && runEnd === null && type === SCRIPT_FINISHED) runEnd = t;
  }
  const times = Array.from(p.drawn.values());
  return { t0: p.t0, runStart, runEnd, drawn: times.length ? Math.max(...times) : null,
           changed: times.length, plots: p.plots, now: performance.now(),
           messages: window.__wsLog.length };
}
"""

_DISARM_JS = "() => { if (window.__probe) window.__probe.stopped = true; }"


def install_probe(context) -> None:
    """Prepare ``context`` for ``measure_slider_change``; call before its pages load."""
    context.add_init_script(WS_PROBE_JS)


def measure_slider_change(
    page, slider_selector: str, key: str, quiet_ms: float = 400, timeout_ms: float = 20_000
) -> dict:
    """Press ``key`` on the slider thumb and time it; see the module docstring.

    The page's context needs ``install_probe`` before the page loaded. Returns
    ``{"browser": ms, "round_trip": ms, "debounce": ms, "changed": n, "plots": n,
    "pressed_at": s}``, ``pressed_at`` being ``time.monotonic()`` just before the key press (to
    find the server's runs for it in a ``RunLog``). Waits until the
    script has finished and no further plot changed for ``quiet_ms``, so a page whose charts
    change one after the other is timed to the last one. Raises when nothing changed.
    """
    if not page.evaluate("() => Array.isArray(window.__wsLog)"):
        raise RuntimeError("call browserlib.install_probe(context) before the page is loaded")
    fields = list(_forward_msg_fields())
    thumb = page.locator(slider_selector).first
    thumb.focus()
    page.evaluate(_ARM_JS)
    pressed_at = time.monotonic()
    page.keyboard.press(key)
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        r = page.evaluate(_READ_JS, fields)
        done = r["runEnd"] is not None and r["changed"] > 0
        if done and r["now"] - max(r["drawn"], r["runEnd"]) >= quiet_ms:
            break
        if time.monotonic() > deadline:
            raise TimeoutError(f"slider change via {key!r} on {slider_selector!r} not drawn: {r}")
        page.wait_for_timeout(50)
    page.evaluate(_DISARM_JS)
    wait_for_app_idle(page, settle=100)
    return {
        "browser": r["drawn"] - r["t0"],
        "round_trip": r["runEnd"] - r["runStart"],
        "debounce": r["runStart"] - r["t0"],
        "changed": r["changed"],
        "plots": r["plots"],
        "pressed_at": pressed_at,
    }


def summarize(values: list[float]) -> dict:
    """Median and p90 (nearest rank) of ``values``."""
    s = sorted(values)
    p90 = s[min(len(s) - 1, max(0, int(round(0.9 * len(s))) - 1))]
    return {"median": statistics.median(s), "p90": p90, "n": len(s)}


# --- server-side run times ------------------------------------------------------------------


class RunLog:
    """The runs a server started with ``StreamlitServer(..., run_log=path)`` has logged."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    def runs(self) -> list[dict]:
        """Every complete line so far: ``start``, ``end`` (s, monotonic), ``ms``, ``cpu_ms``,
        ``fragment``, ``page``, ``finished`` (see bench/timed_server.py)."""
        text = self.path.read_text(encoding="utf-8") if self.path.is_file() else ""
        # the last piece is "" or a line still being written
        return [json.loads(line) for line in text.split("\n")[:-1] if line]

    def runs_between(self, t_from: float, t_to: float = float("inf")) -> list[dict]:
        """Runs that started in ``[t_from, t_to)`` (``time.monotonic()`` seconds)."""
        return [r for r in self.runs() if t_from <= r["start"] < t_to]

    def wait_for_run_after(self, t_from: float, timeout: float = 10.0) -> list[dict]:
        """Wait until at least one run that started at or after ``t_from`` has been logged (a run
        is logged when it returns, a moment after the browser has seen it finish)."""
        deadline = time.monotonic() + timeout
        while not (runs := self.runs_between(t_from)):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no server run logged in {self.path} after t={t_from:.3f}")
            time.sleep(0.02)
        return runs
