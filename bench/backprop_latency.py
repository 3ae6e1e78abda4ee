"""Slider change -> chart redrawn on the backprop pages, against the bare page in the same run:
bench/latency.py's measurement and goals (browser <= 1.5x, server <= 2x the bare page, on
medians), with one representative slider per backprop page.

    python bench/backprop_latency.py [--n 24] [--rounds 6] [--only backprop ...] [--json artifacts/bp.json]

- backprop: the step slider (a fragment rerun: the graph, its tables and the badges redrawn);
- backprop_network: x₁ (a full rerun: forward, backward, every gradient check, the bugs);
- backprop_depth: the depth L (a fragment rerun: five seeds of gradient_norms, cached per setting);
- backprop_train: the hidden width (a new network at step 0: its regions redrawn; the curves'
  place says there are no steps yet).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import latency  # noqa: E402

BACKPROP_TARGETS = [
    latency.Target("backprop", latency.APP, "/backprop?bp_step=3",
                   slider=".st-key-bp_step input[type=range]"),
    latency.Target("backprop_network", latency.APP, "/backprop_network",
                   slider=".st-key-bpn_x1 input[type=range]"),
    latency.Target("backprop_depth", latency.APP, "/backprop_depth",
                   slider=".st-key-bpd_depth input[type=range]"),
    latency.Target("backprop_train", latency.APP, "/backprop_train",
                   slider=".st-key-bpt_width input[type=range]"),
]


if __name__ == "__main__":
    latency.TARGETS[:] = [t for t in latency.TARGETS if t.baseline] + BACKPROP_TARGETS
    sys.exit(latency.main())
