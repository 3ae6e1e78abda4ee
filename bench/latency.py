"""Slider change -> chart redrawn, for each page in TARGETS, against the bare page in the same run.

    python bench/latency.py [--n 20] [--only NAME ...] [--json artifacts/latency.json]

For each target: open the page in headless Chromium, press ArrowRight on its slider (ArrowLeft
once it reaches the end of its range; 2 warm-up presses, then N timed ones), so every press asks
for a value the server has not seen before and no cache keyed on it flatters the numbers; read
two numbers per press in the page (see bench/browserlib.py for how):

- browser: key press -> the last plotly chart whose data changed is redrawn (what a person waits);
- server:  the script's rerun, "running" -> "notRunning" as the browser sees it.

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


def measure(page, base_url: str, target: Target, n: int, warmup: int = 2) -> dict:
    page.goto(base_url + target.path, wait_until="domcontentloaded")
    bl.wait_for_app_idle(page)
    page.wait_for_selector(".js-plotly-plot .main-svg", state="attached", timeout=30_000)
    if page.locator("[data-testid=stException]").count():
        raise RuntimeError(f"{target.name}: the page shows an exception")
    samples = []
    key = "ArrowRight"
    for i in range(warmup + n):
        key = next_key(page, target.slider, key)
        r = bl.measure_slider_change(page, target.slider, key)
        if i >= warmup:
            samples.append(r)
    return {
        "browser": bl.summarize([s["browser"] for s in samples]),
        "server": bl.summarize([s["server"] for s in samples]),
        "debounce": bl.summarize([s["debounce"] for s in samples]),
        "charts_changed": max(s["changed"] for s in samples),
        "samples": samples,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20, help="timed presses per page (default 20)")
    ap.add_argument("--only", nargs="*", help="names of targets to run (the baseline always runs)")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args(argv)

    targets = [t for t in TARGETS if t.baseline or not args.only or t.name in args.only]
    baseline = next(t for t in targets if t.baseline)
    missing = [t for t in targets if not t.app.is_file()]
    if missing:
        print("missing app files: " + ", ".join(f"{t.name}: {t.app}" for t in missing))
        return 2

    from playwright.sync_api import sync_playwright

    print(f"{bl.chromium_version()}; {os.cpu_count()} cores; n={args.n} presses per page")
    servers: dict[Path, bl.StreamlitServer] = {}
    results: dict[str, dict] = {}
    try:
        for t in targets:
            if t.app not in servers:
                servers[t.app] = bl.StreamlitServer(t.app)
                servers[t.app].start()
        with sync_playwright() as pw:
            browser = bl.launch_chromium(pw)
            for t in targets:
                context = browser.new_context(viewport={"width": 1400, "height": 900})
                blocked: list[str] = []
                bl.block_foreign_requests(context, blocked)
                bl.install_probe(context)
                page = context.new_page()
                t_start = time.perf_counter()
                try:
                    results[t.name] = measure(page, servers[t.app].url, t, args.n)
                except Exception as e:  # noqa: BLE001 - one broken page must not hide the rest
                    bl.screenshot(page, f"latency-FAILED-{t.name}")
                    results[t.name] = {"error": f"{type(e).__name__}: {e}"}
                results[t.name]["seconds"] = round(time.perf_counter() - t_start, 1)
                context.close()
            browser.close()
    finally:
        for s in servers.values():
            s.stop()

    base = results[baseline.name]
    if "error" in base:
        print(f"baseline {baseline.name} failed: {base['error']}")
        return 1
    failed = []
    header = (
        f"{'page':<16}{'browser med':>12}{'p90':>8}{'ratio':>7}"
        f"{'server med':>12}{'p90':>8}{'ratio':>7}{'debounce':>10}  verdict"
    )
    print(header)
    print("-" * len(header))
    for t in targets:
        r = results[t.name]
        if "error" in r:
            failed.append(t.name)
            print(f"{t.name:<16}ERROR {r['error']}")
            continue
        rb = r["browser"]["median"] / base["browser"]["median"]
        rs = r["server"]["median"] / base["server"]["median"]
        r["ratio"] = {"browser": rb, "server": rs}
        ok = t.baseline or (rb <= BROWSER_GOAL and rs <= SERVER_GOAL)
        if not ok:
            failed.append(t.name)
        verdict = "baseline" if t.baseline else ("ok" if ok else "MISSED")
        print(
            f"{t.name:<16}{r['browser']['median']:>10.0f}ms{r['browser']['p90']:>6.0f}ms"
            f"{rb:>6.2f}x{r['server']['median']:>10.0f}ms{r['server']['p90']:>6.0f}ms"
            f"{rs:>6.2f}x{r['debounce']['median']:>8.0f}ms  {verdict}"
        )
    print(
        f"goals on medians vs {baseline.name}: browser <= {BROWSER_GOAL}x, server <= {SERVER_GOAL}x"
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
