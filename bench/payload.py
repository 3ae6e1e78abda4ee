"""Plotly JSON each page sends, in KB, at its default view and at a worst case.

    python bench/payload.py [--goal 150] [--json artifacts/payload.json]

Runs each page of app.py's PAGES with Streamlit's AppTest (no browser, no server) and sums
``len(chart.proto.spec)`` over its plotly_chart elements: the figure JSON that goes over the
websocket on a full rerun. Worst cases (WORST) open the largest view a link can ask for. Goal:
at most 150 KB a page in every case; exits 1 when a page misses it or raises.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL_KB = 150.0

# The largest view a URL can ask for, per page (query params as a link carries them).
WORST = {
    "softmax": {"smx_n": "10", "smx_notes": "true"},  # 10×10 matrices, every chart open
    # the longest input vector, on the loss whose page also shows the chain table
    "losses": {"loss": "softmax_cross_entropy", "loss_n": "6"},
}
LABELS = {"loss": lambda name: __import__("derivs").LOSSES[name].label}  # URL holds the label


def pages() -> list[tuple[str, str]]:
    """(url path, page file) from app.py's PAGES, read without running app.py."""
    tree = ast.parse((ROOT / "app.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "PAGES":
            return [(url, path) for path, _, url, _ in ast.literal_eval(node.value)]
    raise SystemExit("app.py has no PAGES list")


def payload(page_file: str, params: dict, lang: str = "en") -> tuple[float, int]:
    """(KB of plotly JSON, number of charts) for one run of the page."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / page_file), default_timeout=120)
    at.session_state["lang"] = lang
    for key, value in params.items():
        at.query_params[key] = LABELS[key](value) if key in LABELS else value
    at.run()
    if at.exception:
        raise RuntimeError(at.exception[0].value)
    charts = at.get("plotly_chart")
    return sum(len(c.proto.spec) for c in charts) / 1024, len(charts)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--goal", type=float, default=GOAL_KB, help="KB a page may send (150)")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args(argv)

    results, failed = {}, []
    print(f"| page | view | charts | plotly KB | goal ≤ {args.goal:g} KB |")
    print("|---|---|--:|--:|---|")
    for url, page_file in pages():
        views = {"default": {}}
        if url in WORST:
            views["worst"] = WORST[url]
        for view, params in views.items():
            name = view + ("" if not params else " (" + "&".join(f"{k}={v}" for k, v in
                                                               params.items()) + ")")
            try:
                kb, count = payload(page_file, params)
            except Exception as e:  # noqa: BLE001 - one broken page must not hide the rest
                failed.append(url)
                results[f"{url}/{view}"] = {"error": f"{type(e).__name__}: {e}"}
                print(f"| {url} | {name} | | | ERROR {type(e).__name__}: {str(e)[:80]} |")
                continue
            ok = kb <= args.goal
            if not ok:
                failed.append(url)
            results[f"{url}/{view}"] = {"kb": round(kb, 1), "charts": count, "ok": ok}
            print(f"| {url} | {name} | {count} | {kb:.1f} | {'ok' if ok else 'MISSED'} |")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1))
    if failed:
        print("missed: " + ", ".join(sorted(set(failed))))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
