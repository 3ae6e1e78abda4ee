"""How many times one probe move crosses from the app into the library.

Runs the Activations page with AppTest, moves the probe x₀, and counts the calls that start in
the page or the app package (pages/, derivs_app/) and land in a derivs/ function while the probe's
fragment (probe_section) runs: the page↔core round trips of one move. Not a timing: a count.

    python bench/roundtrips.py [--act relu --x0 0]
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections import Counter
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP_DIRS = (str(ROOT / "pages"), str(ROOT / "derivs_app"))
CORE_DIR = str(ROOT / "derivs")


def count_crossings(act: str, x0: float) -> Counter:
    at = AppTest.from_file(str(ROOT / "pages" / "activations.py"), default_timeout=60)
    at.query_params["act"] = act
    at.run()
    crossings: Counter = Counter()
    inside = 0

    def profile(frame, event, arg):
        nonlocal inside
        code = frame.f_code
        if code.co_name == "probe_section" and code.co_filename.endswith("activations.py"):
            inside += 1 if event == "call" else -1 if event == "return" else 0
            return
        if event != "call" or not inside or not code.co_filename.startswith(CORE_DIR + "/"):
            return
        caller = frame.f_back.f_code.co_filename if frame.f_back else ""
        if caller.startswith(APP_DIRS):
            crossings[f"{Path(code.co_filename).stem}.{code.co_name}"] += 1

    threading.setprofile(profile)  # AppTest runs the script in a thread of its own
    try:
        at.slider(key="act_x0").set_value(x0).run()
    finally:
        threading.setprofile(None)
    if at.exception:
        raise SystemExit(f"the page raised: {at.exception[0].message}")
    return crossings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--act", default="sigmoid", help="registry name (default sigmoid)")
    parser.add_argument("--x0", type=float, default=0.5)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    found = count_crossings(args.act, args.x0)
    for name, n in found.most_common():
        print(f"{n:4d}  {name}")
    print(f"{sum(found.values()):4d}  page↔core calls for one probe move ({args.act}, x₀ = {args.x0:g})")


if __name__ == "__main__":
    main()
