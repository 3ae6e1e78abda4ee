"""The symbolic layer: LaTeX for every registered formula, the displayed derivative equal to the
numpy one, and the core's import hygiene (no streamlit, no plotly)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

import derivs
from derivs import symbolic
from derivs.activations import X
from tests import reference as ref

ROOT = Path(__file__).resolve().parent.parent
NAMES = list(derivs.ACTIVATIONS)


def _looks_like_latex(s):
    return isinstance(s, str) and s.strip() != "" and s.count("{") == s.count("}")


@pytest.mark.parametrize("name", NAMES)
def test_activation_latex(name):
    out = symbolic.activation_latex(name)
    assert _looks_like_latex(out["f"]) and _looks_like_latex(out["df"])
    assert "x" in out["f"] and out["f"] != out["df"]
    if derivs.ACTIVATIONS[name].df_via_output_expr is None:
        assert out["df_via_output"] is None
    else:
        assert _looks_like_latex(out["df_via_output"])
        assert "x" not in out["df_via_output"]  # written in the output f, not in x


def test_via_output_latex_for_sigmoid_and_tanh():
    assert symbolic.activation_latex("sigmoid")["df_via_output"] == r"f \left(1 - f\right)"
    assert symbolic.activation_latex("tanh")["df_via_output"] == "1 - f^{2}"


def test_selu_constants_are_shortened_for_display():
    out = symbolic.activation_latex("selu")
    assert "1.0507" in out["f"] and "1.0507009873" not in out["f"]
    # ... while the record keeps them exact (the shortening is display-only)
    assert "1.0507009873554804" in str(derivs.ACTIVATIONS["selu"].expr)


@pytest.mark.parametrize("name", list(derivs.LOSSES))
def test_loss_latex(name):
    out = symbolic.loss_latex(name)
    for key in ("value", "grad", "wrt"):
        assert _looks_like_latex(out[key]), key
    has_notes = name in {"mse", "cross_entropy"}
    assert (out["notes_grad"] is not None) == has_notes
    if has_notes:
        assert _looks_like_latex(out["notes_grad"]) and out["notes_grad"] != out["grad"]
    assert ("z" in out["wrt"]) == (derivs.LOSSES[name].prediction == "logits")


def test_softmax_latex():
    out = symbolic.softmax_latex()
    assert {"softmax", "jacobian_entry", "jacobian_matrix", "notes_matrix", "vjp"} <= set(out)
    assert all(_looks_like_latex(v) for v in out.values())
    assert r"\operatorname{diag}(s) - s\,s^{\top}" in out["jacobian_matrix"]
    assert r"\delta" in out["jacobian_entry"]  # KroneckerDelta


def _sample_points(name):
    xs = np.linspace(-6, 6, 49) + 0.0123  # off the integers: never on a kink
    return [x for x in xs if all(abs(x - k.at) > 1e-6 for k in derivs.ACTIVATIONS[name].kinks)]


@pytest.mark.parametrize("name", NAMES)
def test_displayed_derivative_equals_df(name):
    """The derivative shown on screen is the derivative the numpy code computes."""
    act = derivs.ACTIVATIONS[name]
    shown = symbolic.activation_derivative(name).subs(act.symbols())
    as_mpmath = sp.lambdify(X, shown, "mpmath")
    as_numpy = sp.lambdify(X, shown, ["numpy", "scipy"])
    xs = _sample_points(name)
    refs = [ref.hp(as_mpmath, x) for x in xs]
    # mpmath at 400+ digits: the hand-written df to the design's 1e-12 (well-conditioned points
    # only: no root of f′ within 0.01 of these, see test_core_activations for the roots)
    roots = ref.derivative_roots(name)
    near_root = [any(abs(x - r) < 0.01 for r in roots) for x in xs]
    keep = [not n for n in near_root]
    bad = ref.compare(act.df(np.array(xs))[keep], [r for r, k in zip(refs, keep, strict=True) if k],
                      1e-12, where=np.array(xs)[keep])
    assert not bad, "\n".join(bad)
    # numpy, through lambdify: the textbook forms lose digits in the tails (1 − tanh²(u) is the
    # lesson of the via-output tests), so only |x| ≤ 2, where at most one digit is lost;
    # atol covers the points near a root of f′ (gelu at −0.75), where both sides round
    # at the level of ε times the O(1) terms.
    small = np.array([x for x in xs if abs(x) <= 2])
    lam = np.broadcast_to(np.asarray(as_numpy(small), dtype=np.float64), small.shape)
    np.testing.assert_allclose(lam, act.df(small), rtol=1e-12, atol=1e-14)


def test_importing_derivs_does_not_import_streamlit_or_plotly():
    code = ("import derivs, derivs.symbolic, sys; "
            "bad = [m for m in ('streamlit', 'plotly') if m in sys.modules]; "
            "assert not bad, bad")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_mpmath_reference_helper_sees_through_cancellation():
    """The oracle itself: at 50 digits 1 − tanh(300)² is 0, the reference is 4e−261."""
    with mp.workdps(50):
        assert 1 - mp.tanh(mp.mpf(300)) ** 2 == 0
    value = ref.hp(lambda x: 1 - mp.tanh(x) ** 2, 300.0)
    with mp.workdps(60):
        assert abs(value / (4 * mp.exp(-600)) - 1) < mp.mpf("1e-50")
    assert ref.hp(lambda x: 1 - mp.tanh(x) ** 2, 1000.0) is ref.UNDERFLOW
