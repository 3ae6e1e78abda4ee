"""Many browser sessions at once: errors, rerun latency p50/p95 against one session, server memory.

    python bench/load.py [--sessions 20] [--seconds 120] [--json artifacts/load.json]

One Streamlit server (app.py) on a free loopback port and one headless Chromium with a context
per session (asyncio; foreign requests blocked). First ONE session alone measures the baseline,
then all sessions together, for ``--seconds``, each cycling through the pages of
bench/latency.py's TARGETS and moving the page's slider with the keyboard (always onwards, so
the values keep changing). Per press, "rerun" is key press -> the server's script_finished
message arriving in the browser (the WebSocket probe of bench/browserlib.py; it includes the
slider's debounce and the queueing behind other sessions). "server" is the wall time of each script
run as timed in the server process (the server runs under bench/timed_server.py), over all runs
of the phase, page loads included.

Errors (must be 0): a Streamlit exception element on a page, a JavaScript page error, a rerun
that did not finish within 60 s. Memory: the server's VmRSS (from /proc/<pid>/status) after the
warm-up, after the load, and after a second, equal pass of distinct inputs, so an unbounded cache
shows as growth. Also lists every st.cache_data / st.cache_resource / functools cache in the
repository and whether it is bounded. Exits 1 on any error or unbounded cache, and when a pass
made no timed press at all (20 cold page loads on 2 shared cores can take a minute: hence the
default of 120 s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import browserlib as bl  # noqa: E402
from latency import APP, TARGETS  # noqa: E402

RERUN_TIMEOUT = 60.0
PRESSES_PER_VISIT = 10

_CACHE_DECORATOR = re.compile(
    r"@(?:st\.cache_data|st\.cache_resource|(?:functools\.)?lru_cache|(?:functools\.)?cache)\b"
    r"(\([^)]*\))?"
)


def cache_audit(root: Path = bl.REPO_ROOT) -> list[dict]:
    """Every cache decorator in the app's code, and whether it has a bound."""
    found = []
    for path in sorted([root / "app.py", *root.glob("derivs_app/**/*.py"), *root.glob("pages/*.py"),
                        *root.glob("derivs/**/*.py")]):
        if not path.is_file():
            continue
        for lineno, line in enumerate(path.read_text().splitlines(), 1):
            m = _CACHE_DECORATOR.search(line)
            if not m:
                continue
            args = m.group(1) or ""
            bounded = bool(re.search(r"max_entries\s*=\s*\d|maxsize\s*=\s*[A-Za-z_0-9]", args)) \
                and "maxsize=None" not in args.replace(" ", "")
            found.append({"where": f"{path.relative_to(root)}:{lineno}",
                          "decorator": line.strip(), "bounded": bounded})
    return found


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(q * len(s))) - 1))] if s else float("nan")


_FIELDS = bl._forward_msg_fields()  # (new_session, script_finished) ForwardMsg field numbers

_WAIT_RUN_JS = """([t0, NEW, DONE]) => {
  let start = null;
  for (const [t, type] of window.__wsLog) {
    if (t < t0) continue;
    if (start === null && type === NEW) start = t;
    else if (start !== null && type === DONE) return t - t0;
  }
  return null;
}"""


class Session:
    def __init__(self, browser, base_url: str, index: int):
        self.browser, self.base_url, self.index = browser, base_url, index
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.presses = 0

    async def start(self):
        self.context = await self.browser.new_context(viewport={"width": 1400, "height": 900})
        # 20 sessions share 2 cores with the server: a page load may take longer than 30 s
        self.context.set_default_timeout(RERUN_TIMEOUT * 2000)
        blocked: list[str] = []

        async def handle(route):
            if bl.is_local(route.request.url):
                await route.continue_()
            else:
                blocked.append(route.request.url)
                await route.abort("blockedbyclient")

        await self.context.route("**/*", handle)
        await self.context.add_init_script(bl.WS_PROBE_JS)
        self.page = await self.context.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))

    async def visit(self, target, deadline: float, offset: int) -> None:
        page = self.page
        await page.goto(self.base_url + target.path, wait_until="domcontentloaded")
        await page.wait_for_selector(bl.APP_IDLE, state="attached", timeout=120_000)
        await page.wait_for_selector(target.slider, state="attached", timeout=120_000)
        thumb = page.locator(target.slider).first
        await thumb.focus()
        # sessions start at different places in the range, so their inputs differ
        for _ in range(offset % 7):
            await page.keyboard.press("ArrowRight")
        await page.wait_for_timeout(500)
        key = "ArrowRight"
        for _ in range(PRESSES_PER_VISIT):
            if time.monotonic() > deadline:
                break
            room = await thumb.evaluate(
                "(el) => ({up: +el.max - +el.value, down: +el.value - +el.min})")
            key = "ArrowLeft" if room["up"] <= 0 else ("ArrowRight" if room["down"] <= 0 else key)
            await page.wait_for_timeout(200)  # a person's pace, and a quiet log before t0
            t0 = await page.evaluate("() => performance.now()")
            await thumb.press(key)
            self.presses += 1
            waited = time.monotonic()
            while True:
                ms = await page.evaluate(_WAIT_RUN_JS, [t0, *_FIELDS])
                if ms is not None:
                    self.latencies.append(ms)
                    break
                if time.monotonic() - waited > RERUN_TIMEOUT:
                    self.errors.append(f"{target.name}: no rerun within {RERUN_TIMEOUT:.0f} s")
                    break
                await asyncio.sleep(0.05)
        if await page.locator("[data-testid=stException]").count():
            self.errors.append(f"{target.name}: exception on the page")

    async def run(self, targets, seconds: float, offset: int = 0) -> None:
        deadline = time.monotonic() + seconds
        i = self.index
        while time.monotonic() < deadline:
            try:
                await self.visit(targets[i % len(targets)], deadline, offset + i)
            except Exception as e:  # noqa: BLE001 - counted, the session goes on
                self.errors.append(f"{targets[i % len(targets)].name}: {type(e).__name__}: "
                                   f"{str(e).splitlines()[0][:120]}")
            i += 1

    async def close(self):
        await self.context.close()


async def load(base_url: str, targets, sessions: int, seconds: float, offset: int) -> list:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=bl.CHROMIUM, args=bl.CHROMIUM_ARGS)
        group = [Session(browser, base_url, k) for k in range(sessions)]
        await asyncio.gather(*(s.start() for s in group))
        await asyncio.gather(*(s.run(targets, seconds, offset) for s in group))
        await asyncio.gather(*(s.close() for s in group))
        await browser.close()
    return group


def summary(group, server_runs: list[dict]) -> dict:
    lat = [x for s in group for x in s.latencies]
    run_ms = [r["ms"] for r in server_runs]
    return {"sessions": len(group), "presses": sum(s.presses for s in group),
            "p50": statistics.median(lat) if lat else float("nan"),
            "p95": percentile(lat, 0.95), "errors": [e for s in group for e in s.errors],
            "server_runs": len(run_ms),
            "server_p50": statistics.median(run_ms) if run_ms else float("nan"),
            "server_p95": percentile(run_ms, 0.95)}


def timed_phase(run_log: bl.RunLog, phase) -> dict:
    """Run ``phase()`` (returns the sessions) and summarize it with the server runs it caused."""
    t0 = time.monotonic()
    group = phase()
    time.sleep(0.5)  # a run is logged when it returns, just after the browser saw it finish
    return summary(group, run_log.runs_between(t0))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=120.0)
    ap.add_argument("--single-seconds", type=float, default=None,
                    help="length of the one-session baseline (default: --seconds / 2)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    targets = [t for t in TARGETS if not t.baseline and t.app == APP]
    problem = bl.chromium_problem()
    if problem:
        print(problem)
        return 2

    caches = cache_audit()
    server = bl.StreamlitServer(
        APP, run_log=Path(tempfile.mkdtemp(prefix="derivs-load-")) / "runs.jsonl")
    server.start(timeout=120)
    run_log = bl.RunLog(server.run_log)
    try:
        pid = server.proc.pid
        mem = {"start": rss_kb(pid)}
        single = timed_phase(run_log, lambda: asyncio.run(load(
            server.url, targets, 1, args.single_seconds or args.seconds / 2, 0)))
        mem["after 1 session"] = rss_kb(pid)
        many = timed_phase(run_log, lambda: asyncio.run(load(
            server.url, targets, args.sessions, args.seconds, 0)))
        mem[f"after {args.sessions} sessions"] = rss_kb(pid)
        again = timed_phase(run_log, lambda: asyncio.run(load(
            server.url, targets, args.sessions, args.seconds, 3)))
        mem["after a 2nd pass"] = rss_kb(pid)
    finally:
        server.stop()

    print(f"{bl.chromium_version()}; pages: {', '.join(t.name for t in targets)}")
    print("| run | sessions | presses | rerun p50 | rerun p95 | p50 ratio | p95 ratio "
          "| server runs | server p50 | server p95 | errors |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for name, r in (("single", single), ("load", many), ("load, 2nd pass", again)):
        print(f"| {name} | {r['sessions']} | {r['presses']} | {r['p50']:.0f} ms | "
              f"{r['p95']:.0f} ms | {r['p50'] / single['p50']:.2f}x | "
              f"{r['p95'] / single['p95']:.2f}x | {r['server_runs']} | "
              f"{r['server_p50']:.0f} ms | {r['server_p95']:.0f} ms | {len(r['errors'])} |")
    print("\n| server VmRSS | MB |\n|---|--:|")
    for name, kb in mem.items():
        print(f"| {name} | {kb / 1024:.0f} |")
    print("\n| cache | bounded |\n|---|---|")
    for c in caches:
        print(f"| {c['where']} `{c['decorator']}` | {'yes' if c['bounded'] else 'NO'} |")
    errors = single["errors"] + many["errors"] + again["errors"]
    for e in sorted(set(errors))[:20]:
        print("error:", e)
    unbounded = [c for c in caches if not c["bounded"]]
    # a pass whose page loads took all of --seconds measured nothing: that is no pass
    unmeasured = [name for name, r in (("single", single), ("load", many),
                                       ("load, 2nd pass", again)) if not r["presses"]]
    if unmeasured:
        print(f"FAILED: no timed press in {', '.join(unmeasured)} (page loads took the whole "
              f"--seconds {args.seconds:g}; give it longer)")
        return 1
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"single": single, "load": many, "again": again,
                                         "memory_kb": mem, "caches": caches}, indent=1))
    if errors or unbounded:
        print(f"FAILED: {len(errors)} errors, {len(unbounded)} unbounded caches")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
