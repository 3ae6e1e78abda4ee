"""Derivatives with planted mistakes, for the lab's "find the bug" game.

Each ``PlantedBug`` pairs a function f with a buggy derivative and the correct one. The bugs are
the notes' errata (MSE's 1/n for 2/n, cross-entropy without its 1/n, σ′ = σ(1 − σ) rounding to
0) and classic slips made when deriving by hand. ``catch`` documents a check that unmasks the
bug (point, method, preset, run as ``derivs.gradcheck`` with the preset's step: the correct
derivative passes it, the buggy one fails); ``start`` is where the game starts, a point where
the bug slips through every preset when ``hides`` is True.

Hints and explanations are text, so the records hold only their i18n keys
(``derivs/i18n/gradcheck.py`` has the words in each language).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import special

from derivs._stable import as_array
from derivs.activations import (
    gelu_df,
    gelu_f,
    leaky_relu_df,
    leaky_relu_f,
    sigmoid_df,
    sigmoid_f,
    softplus_df,
    softplus_f,
    tanh_df,
    tanh_f,
)
from derivs.losses import cross_entropy_notes_grad, mse_notes_grad
from derivs_app.views.lab import loss_component

# --- the buggy derivatives, one slip each ------------------------------------------------------


def sigmoid_df_via_output(x):
    """σ′ = σ(1 − σ): right on paper, but σ rounds to 1 for x > 36.7 and this returns 0."""
    s = sigmoid_f(x)
    return s * (1.0 - s)


def tanh_df_no_square(x):
    """tanh′ = 1 − tanh (the square is missing)."""
    return 1.0 - tanh_f(x)


def softplus_df_wrong_sign(x):
    """softplus′ = 1/(1 + e^x), i.e. σ(−x): the sign of the exponent slipped."""
    return sigmoid_f(-as_array(x))


def leaky_relu_df_swapped(x, alpha=0.01):
    """leaky_relu′ with the slopes swapped: α for x > 0, 1 for x ≤ 0."""
    z = as_array(x)
    return np.where(z > 0, alpha, 1.0)


def gelu_df_missing_term(x):
    """gelu′ = Φ(x): the product rule's x·φ(x) term is missing."""
    z = as_array(x)
    return 0.5 * special.erfc(-z * np.sqrt(0.5))


def gelu_df_rounded_constant(x):
    """gelu′ = Φ(x) + x·φ(x) with 1/√(2π) = 0.3989… typed as 0.4."""
    z = as_array(x)
    return 0.5 * special.erfc(-z * np.sqrt(0.5)) + z * 0.4 * np.exp(-0.5 * z * z)


# --- the registry ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlantedBug:
    name: str
    label: str  # language-neutral, and silent about the bug: it is what the URL holds
    f: Callable
    buggy_df: Callable
    correct_df: Callable
    x_range: tuple[float, float]
    catch: tuple[float, str, str]  # (x, method, preset) where a check unmasks the bug
    start: float  # where the game starts: where the bug hides, if it hides anywhere
    hides: bool  # True if the buggy derivative passes every preset at start

    @property
    def hint_key(self) -> str:
        return f"gc.bug.{self.name}.hint"

    @property
    def explanation_key(self) -> str:
        return f"gc.bug.{self.name}.why"


def _notes_bug(loss_name, notes_grad):
    """(f, buggy_df, correct_df) for a loss whose derivative is the notes' gradient."""
    f, correct = loss_component(loss_name)
    _, buggy = loss_component(loss_name, notes_grad)
    return f, buggy, correct


_mse = _notes_bug("mse", mse_notes_grad)
_ce = _notes_bug("cross_entropy", cross_entropy_notes_grad)

BUGS: dict[str, PlantedBug] = {
    b.name: b
    for b in (
        # y₁ = 0.5: where ŷ₁ = y₁ both gradients are 0, so the factor 2 cannot show
        PlantedBug("mse_half", "#1 MSE · ∂L/∂ŷ₁", *_mse, x_range=(-4.0, 4.0),
                   catch=(2.0, "central", "pytorch"), start=0.5, hides=True),
        PlantedBug("ce_without_mean", "#2 CE · ∂L/∂ŷ₂", *_ce, x_range=(0.05, 1.0),
                   catch=(0.7, "central", "pytorch"), start=0.7, hides=False),
        # only the complex step sees the slope where σ rounds to 1; only a relative rule
        # notices that 0 is wrong when the truth is 4e-18
        PlantedBug("sigmoid_via_output", "#3 Sigmoid σ′", sigmoid_f, sigmoid_df_via_output,
                   sigmoid_df, x_range=(-50.0, 50.0),
                   catch=(40.0, "complex_step", "cs231n"), start=1.0, hides=True),
        PlantedBug("tanh_no_square", "#4 tanh′", tanh_f, tanh_df_no_square, tanh_df,
                   x_range=(-4.0, 4.0), catch=(1.0, "central", "pytorch"), start=0.0,
                   hides=True),
        PlantedBug("softplus_wrong_sign", "#5 Softplus′", softplus_f, softplus_df_wrong_sign,
                   softplus_df, x_range=(-6.0, 6.0), catch=(1.0, "central", "pytorch"),
                   start=0.0, hides=True),
        PlantedBug("leaky_relu_swapped", "#6 Leaky ReLU′", leaky_relu_f, leaky_relu_df_swapped,
                   leaky_relu_df, x_range=(-3.0, 3.0), catch=(1.0, "central", "pytorch"),
                   start=1.0, hides=False),
        PlantedBug("gelu_missing_term", "#7 GELU′", gelu_f, gelu_df_missing_term, gelu_df,
                   x_range=(-4.0, 4.0), catch=(1.0, "central", "pytorch"), start=0.0,
                   hides=True),
        # off by about 5e-4 relative at x = 1: PyTorch's rtol 1e-3 lets it through
        PlantedBug("gelu_rounded_constant", "#8 GELU′", gelu_f, gelu_df_rounded_constant,
                   gelu_df, x_range=(-4.0, 4.0), catch=(1.0, "central", "cs231n"),
                   start=0.0, hides=True),
    )
}
