"""Cold start: server spawn -> first plotly chart drawn, the real app.py against a hello-world app.

    python bench/coldstart.py [--runs 3] [--max-ratio R] [--app app.py] [--path /activations]

Each run spawns a fresh ``streamlit run`` (so Python imports, Streamlit's start-up and the first
script run are all inside), waits for /_stcore/health, opens the page in an already running
headless Chromium and stops the clock when the first ``.js-plotly-plot .main-svg`` is attached.
The browser's own start is outside the clock. Prints medians and app/hello as a ratio; with
``--max-ratio`` exits 1 when the ratio is above it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import browserlib as bl  # noqa: E402

HELLO_APP = bl.REPO_ROOT / "bench" / "hello_app.py"
APP = bl.REPO_ROOT / "app.py"


def cold_start(browser, app: Path, path: str = "/") -> dict:
    server = bl.StreamlitServer(app)
    try:
        server.start(timeout=120)
        health = server.healthy_at - server.started_at
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        bl.block_foreign_requests(context, [])
        page = context.new_page()
        page.goto(server.url + path, wait_until="domcontentloaded")
        try:
            page.wait_for_selector(".js-plotly-plot .main-svg", state="attached", timeout=120_000)
        except Exception as e:  # noqa: BLE001
            shot = bl.screenshot(page, f"coldstart-FAILED-{app.stem}")
            raise RuntimeError(f"no chart at {app.name}{path} ({e}); see {shot}") from None
        drawn = time.perf_counter() - server.started_at
        context.close()
    finally:
        server.stop()
    return {"health": health, "chart": drawn}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--max-ratio", type=float, default=None)
    ap.add_argument("--app", type=Path, default=APP, help="the app to compare (default app.py)")
    ap.add_argument(
        "--path",
        default="/activations",
        help="URL path of the app's page to open, one with a chart (default /activations)",
    )
    args = ap.parse_args(argv)
    app = args.app.resolve()
    if not app.is_file():
        print(f"no app at {app}")
        return 2

    from playwright.sync_api import sync_playwright

    print(f"{bl.chromium_version()}; {args.runs} runs each, alternating")
    runs: dict[str, list[dict]] = {"hello": [], "app": []}
    with sync_playwright() as pw:
        browser = bl.launch_chromium(pw)
        for _ in range(args.runs):  # alternate, so drift hits both alike
            runs["hello"].append(cold_start(browser, HELLO_APP))
            runs["app"].append(cold_start(browser, app, args.path))
        browser.close()

    med = {
        name: {k: statistics.median(r[k] for r in rs) for k in ("health", "chart")}
        for name, rs in runs.items()
    }
    print(f"{'app':<8}{'healthy':>10}{'chart drawn':>14}")
    for name in ("hello", "app"):
        print(f"{name:<8}{med[name]['health']:>9.2f}s{med[name]['chart']:>13.2f}s")
    ratio = med["app"]["chart"] / med["hello"]["chart"]
    print(
        f"cold start ratio {app.name}{args.path} / hello: {ratio:.2f}x (medians of spawn -> first chart)"
    )
    if args.max_ratio is not None and ratio > args.max_ratio:
        print(f"MISSED: above {args.max_ratio}x")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
