"""What the Losses page explores: the interval each kind of input is swept over, and the sweep of
one prediction component."""

from __future__ import annotations

from functools import partial

import numpy as np

from derivs._stable import as_array
from derivs.losses import Loss
from derivs.numeric import along

#: The interval each kind of input (Loss.prediction / Loss.target) is explored over in the app:
#: slider ranges and sweep grids. Probabilities include 0 and 1 so a learner can reach them and
#: see why they are refused.
INPUT_RANGES: dict[str, tuple[float, float]] = {
    "values": (-5.0, 5.0),
    "logits": (-10.0, 10.0),
    "probabilities": (0.0, 1.0),
    "distribution": (0.0, 1.0),
    "binary": (0.0, 1.0),
}


def sweep_grid(kind: str, points: int = 201) -> np.ndarray:
    """points values across INPUT_RANGES[kind]; for probabilities the ends 0 and 1 (log 0) are
    left out, so every point is a valid prediction."""
    lo, hi = INPUT_RANGES[kind]
    if kind == "probabilities":
        return np.linspace(lo, hi, points + 2)[1:-1]
    return np.linspace(lo, hi, points)


def loss_sweep(loss: Loss, y, yhat, k: int, grid, **params) -> tuple[np.ndarray, np.ndarray]:
    """(L, ∂L/∂ŷ_k) as the one component ŷ_k moves over grid, the others held where they are."""
    grid = as_array(grid)
    return (along(partial(loss.value, y, **params), yhat, k, (), grid),
            along(partial(loss.grad, y, **params), yhat, k, k, grid))
