"""Slider change -> chart redrawn, for each page in TARGETS, against the bare page in the same run.

    python bench/latency.py [--n 20] [--rounds 4] [--only NAME ...] [--json artifacts/latency.json]

For each target: open the page in headless Chromium, press ArrowRight on its slider (ArrowLeft
once it reaches the end of its range; 2 warm-up presses, then the timed ones), so every press asks
for a value the server has not seen before and no cache keyed on it flatters the numbers. The
targets take turns: ROUNDS rounds (--rounds), each opening every page afresh for its share of the
N presses, so a shared machine that slows down for a minute slows the baseline as much as the
pages compared with it (one page after the other, the ratios moved by 0.5 between runs). Per
press (see bench/browserlib.py for how):

- browser: key press -> the last plotly chart whose data changed is redrawn (what a person waits),
  read in the page;
- server: the wall time of the script run(s) the press caused, measured in the server process:
  the servers run under bench/timed_server.py, which logs every ScriptRunner run with
  time.monotonic() stamps; the runs that started between this press and the next are this
  press's (summed when there are several, e.g. a run interrupted by the next request);
- cpu: the script thread's CPU time over those runs (less sensitive to a busy machine; shown,
  not judged);
- cleanup: of "server", Streamlit's post-run step (ScriptRunner._on_script_finished: sends
  script_finished, then drops orphaned media and runs gc.collect(2) with runner.postScriptGC);
- round trip: new_session -> script_finished as the browser receives them; the server's run
  plus any delay of the browser in handling the messages (shown, not judged);
- debounce: key press -> new_session in the browser.

Goals, on medians, as ratios to the bare page (bench/bare_app.py: one slider, one 1000-point
line) measured in this run: browser <= 1.5x, server <= 2x. Exits 1 when a page misses one.

Add a page of the real app as one line in TARGETS: its URL path (with a query string if it needs
one) and a CSS selector that finds its slider's thumb (an ``input[type=range]``; Streamlit 1.67's
slider has no ``role=slider`` element).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import browserlib as bl  # noqa: E402

BARE_APP = bl.REPO_ROOT / "bench" / "bare_app.py"
APP = bl.REPO_ROOT / "app.py"
SLIDER = "[data-testid=stSlider] input[type=range]"

BROWSER_GOAL = 1.5
SERVER_GOAL = 2.0


@dataclasses.dataclass(frozen=True)
class Target:
    name: str
    app: Path  # the Streamlit script the server runs
    path: str  # URL path and query, e.g. "/activations?fn=gelu"
    slider: str = SLIDER  # CSS selector; the first match is moved
    baseline: bool = False


TARGETS = [
    Target("bare", BARE_APP, "/", baseline=True),
    # One representative slider per page of the real app (home has no chart and no slider; the
    # playground is listed once it has a slider). A keyed widget's container has .st-key-<key>.
    Target("activations", APP, "/activations", slider=".st-key-act_x0 input[type=range]"),
    Target("softmax", APP, "/softmax", slider=".st-key-smx_z0 input[type=range]"),
    Target("losses", APP, "/losses", slider=".st-key-loss_p0 input[type=range]"),
    Target("gradcheck", APP, "/gradcheck", slider=".st-key-gc_x input[type=range]"),
]


# The thumb's value and how far it can still move each way, in steps.
_ROOM_JS = """(el) => {
  const v = +el.value, step = +(el.step || 1) || 1;
  return { up: Math.round((+el.max - v) / step), down: Math.round((v - +el.min) / step) };
}"""


def next_key(page, slider: str, key: str) -> str:
    """Keep moving one way, so every press asks for a value not asked for before and a cache
    keyed on the slider's value cannot flatter the numbers; turn only at the end of the range."""
    room = page.locator(slider).first.evaluate(_ROOM_JS)
    if key == "ArrowRight" and room["up"] < 1:
        return "ArrowLeft"
    if key == "ArrowLeft" and room["down"] < 1:
        return "ArrowRight"
    return key


def measure(page, server: bl.StreamlitServer, target: Target, n: int, warmup: int = 2,
            resume: tuple[str, str] | None = None) -> tuple[list, tuple[str, str]]:
    """n timed presses on a freshly opened page (after warmup presses): one dict per press,
    with the server's runs for it (see summarize), and where to resume: the page's URL after
    the last press (the slider's value is in it) and the key to press next. Resumed, a round
    goes on to values no earlier round asked for."""
    url, key = resume or (server.url + target.path, "ArrowRight")
    page.goto(url, wait_until="domcontentloaded")
    bl.wait_for_app_idle(page)
    page.wait_for_selector(".js-plotly-plot .main-svg", state="attached", timeout=30_000)
    if page.locator("[data-testid=stException]").count():
        raise RuntimeError(f"{target.name}: the page shows an exception")
    run_log = bl.RunLog(server.run_log)
    samples = []
    for i in range(warmup + n):
        key = next_key(page, target.slider, key)
        r = bl.measure_slider_change(page, target.slider, key)
        run_log.wait_for_run_after(r["pressed_at"])
        if i >= warmup:
            samples.append(r)
    # A press owns the runs that started after it and before the next press (or now).
    ends = [s["pressed_at"] for s in samples[1:]] + [time.monotonic()]
    for s, t_next in zip(samples, ends, strict=True):
        runs = run_log.runs_between(s["pressed_at"], t_next)
        s["server"] = sum(r["ms"] for r in runs)
        s["cpu"] = sum(r["cpu_ms"] for r in runs)
        s["cleanup"] = sum(r["cleanup_ms"] for r in runs)
        s["runs"] = [
            {k: r[k] for k in ("ms", "cpu_ms", "cleanup_ms", "fragment", "finished")} for r in runs
        ]
    return samples, (page.url, key)


def summarize(samples: list) -> dict:
    """Medians and p90s of one target's presses, from all rounds."""
    return {
        "browser": bl.summarize([s["browser"] for s in samples]),
        "server": bl.summarize([s["server"] for s in samples]),
        "cpu": bl.summarize([s["cpu"] for s in samples]),
        "cleanup": bl.summarize([s["cleanup"] for s in samples]),
        "round_trip": bl.summarize([s["round_trip"] for s in samples]),
        "fragment_runs": sum(r["fragment"] for s in samples for r in s["runs"]),
        "runs": sum(len(s["runs"]) for s in samples),
        "debounce": bl.summarize([s["debounce"] for s in samples]),
        "charts_changed": max(s["changed"] for s in samples),
        "samples": samples,
    }


def split(n: int, rounds: int) -> list[int]:
    """n presses over this many rounds, as evenly as they go (every round at least one)."""
    rounds = max(1, min(rounds, n))
    return [n // rounds + (i < n % rounds) for i in range(rounds)]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20, help="timed presses per page (default 20)")
    ap.add_argument("--only", nargs="*", help="names of targets to run (the baseline always runs)")
    ap.add_argument("--rounds", type=int, default=4,
                    help="measure the pages in turn this many times, n/rounds presses each time "
                         "(default 4), so a machine that slows down mid-run slows every page")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args(argv)

    targets = [t for t in TARGETS if t.baseline or not args.only or t.name in args.only]
    baseline = next(t for t in targets if t.baseline)
    missing = [t for t in targets if not t.app.is_file()]
    if missing:
        print("missing app files: " + ", ".join(f"{t.name}: {t.app}" for t in missing))
        return 2

    from playwright.sync_api import sync_playwright

    print(f"{bl.chromium_version()}; {os.cpu_count()} cores; n={args.n} presses per page in "
          f"{len(split(args.n, args.rounds))} rounds")
    servers: dict[Path, bl.StreamlitServer] = {}
    results: dict[str, dict] = {}
    seconds: dict[str, float] = {}
    run_logs = Path(tempfile.mkdtemp(prefix="derivs-latency-"))
    try:
        for t in targets:
            if t.app not in servers:
                servers[t.app] = bl.StreamlitServer(t.app, run_log=run_logs / f"{t.app.stem}.jsonl")
                servers[t.app].start()
        samples: dict[str, list] = {t.name: [] for t in targets}
        resume: dict[str, tuple[str, str]] = {}
        with sync_playwright() as pw:
            browser = bl.launch_chromium(pw)
            for presses in split(args.n, args.rounds):
                for t in targets:
                    if "error" in results.get(t.name, {}):
                        continue
                    context = browser.new_context(viewport={"width": 1400, "height": 900})
                    blocked: list[str] = []
                    bl.block_foreign_requests(context, blocked)
                    bl.install_probe(context)
                    page = context.new_page()
                    t_start = time.perf_counter()
                    try:
                        taken, resume[t.name] = measure(page, servers[t.app], t, presses,
                                                        resume=resume.get(t.name))
                        samples[t.name] += taken
                    except Exception as e:  # noqa: BLE001 - one broken page must not hide the rest
                        bl.screenshot(page, f"latency-FAILED-{t.name}")
                        results[t.name] = {"error": f"{type(e).__name__}: {e}"}
                    seconds[t.name] = seconds.get(t.name, 0.0) + time.perf_counter() - t_start
                    context.close()
            browser.close()
        for t in targets:
            if "error" not in results.get(t.name, {}):
                results[t.name] = summarize(samples[t.name])
            results[t.name]["seconds"] = round(seconds.get(t.name, 0.0), 1)
    finally:
        for s in servers.values():
            s.stop()

    base = results[baseline.name]
    if "error" in base:
        print(f"baseline {baseline.name} failed: {base['error']}")
        return 1
    failed = []
    header = (
        f"{'page':<14}{'browser med':>12}{'p90':>8}{'ratio':>7}"
        f"{'server med':>11}{'p90':>7}{'ratio':>7}{'cpu':>7}{'cleanup':>9}{'round trip':>11}{'debounce':>9}"
        f"{'runs':>8}  verdict"
    )
    print(header)
    print("-" * len(header))
    for t in targets:
        r = results[t.name]
        if "error" in r:
            failed.append(t.name)
            print(f"{t.name:<14}ERROR {r['error']}")
            continue
        rb = r["browser"]["median"] / base["browser"]["median"]
        rs = r["server"]["median"] / base["server"]["median"]
        r["ratio"] = {"browser": rb, "server": rs}
        ok = t.baseline or (rb <= BROWSER_GOAL and rs <= SERVER_GOAL)
        if not ok:
            failed.append(t.name)
        verdict = "baseline" if t.baseline else ("ok" if ok else "MISSED")
        runs = f"{r['runs']}" + (f"/{r['fragment_runs']}f" if r["fragment_runs"] else "")
        print(
            f"{t.name:<14}{r['browser']['median']:>10.0f}ms{r['browser']['p90']:>6.0f}ms"
            f"{rb:>6.2f}x{r['server']['median']:>9.1f}ms{r['server']['p90']:>5.0f}ms"
            f"{rs:>6.2f}x{r['cpu']['median']:>5.0f}ms{r['cleanup']['median']:>7.0f}ms"
            f"{r['round_trip']['median']:>9.0f}ms"
            f"{r['debounce']['median']:>7.0f}ms{runs:>8}  {verdict}"
        )
    print(
        f"goals on medians vs {baseline.name}: browser <= {BROWSER_GOAL}x, server <= {SERVER_GOAL}x"
        " (server: wall time of the script runs, timed in the server process; cpu, cleanup,"
        " round trip and debounce are shown, not judged; runs: script runs logged for the timed presses,"
        " /Nf of them fragment-only)"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1))
        print(f"results: {args.json}")
    if failed:
        print("missed: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
