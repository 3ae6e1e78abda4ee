"""What the Softmax page offers: slider ranges, starting logits and the logit presets. Data, so
the page and its tests share them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from derivs._stable import as_array

#: Range and step of a logit slider; the sliders' starting values (the first n are used).
LOGIT_RANGE = (-10.0, 10.0, 0.1)
CUSTOM_LOGITS = (2.0, 1.0, 0.1, -1.0, 0.5, -0.5, 1.5, -2.0, 3.0, 0.0)
#: Range and step of an upstream-gradient slider; v starts one-hot on the first entry.
VJP_RANGE = (-5.0, 5.0, 0.1)
#: Temperatures offered, roughly log-spaced: T near 0 approaches argmax, large T flattens s.
TEMPERATURES = (0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0, 7.0, 10.0, 15.0, 20.0)
N_RANGE = (2, 10)


@dataclass(frozen=True)
class LogitPreset:
    name: str
    label: str  # language-neutral: it is what a shared URL holds
    size: int | None  # a fixed n, or None to follow the chosen n
    logits: Callable  # logits(n, seed) -> float64 array of length n (or of length size)


def _random_logits(n, seed):
    # Always draw N_RANGE[1] values so a larger n extends the vector instead of reshuffling it;
    # one decimal, like the sliders.
    draws = np.random.default_rng(seed).normal(0.0, 2.5, N_RANGE[1])
    return np.clip(np.round(draws, 1), LOGIT_RANGE[0], LOGIT_RANGE[1])[:n]


LOGIT_PRESETS: dict[str, LogitPreset] = {
    p.name: p
    for p in (
        LogitPreset("uniform", "uniform", None, lambda n, seed: np.zeros(n)),
        LogitPreset("one_dominant", "one dominant", None,
                    lambda n, seed: np.concatenate([[5.0], np.zeros(n - 1)])),
        LogitPreset("random", "random", None, _random_logits),
        # exp(1000) overflows float64: only the max-shifted softmax survives this one
        LogitPreset("overflow", "overflow", 3, lambda n, seed: np.array([1000.0, 1000.0, -1000.0])),
    )
}


def preset_logits(name: str, n: int, seed: int = 0) -> np.ndarray:
    """The logits of a preset for n entries (presets with a fixed size ignore n)."""
    preset = LOGIT_PRESETS[name]
    return as_array(preset.logits(preset.size or n, seed))
