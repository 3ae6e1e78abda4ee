"""The page view models: one record per probe move, checked against independent references."""

from __future__ import annotations

import math

import numpy as np
import pytest

from derivs import ACTIVATIONS, numeric_derivative
from derivs.snippets import called_functions
from derivs_app.views.activations import activation_grid, kink_view, probe


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_probe_agrees_with_an_independent_difference_and_its_own_tangent(name):
    act = ACTIVATIONS[name]
    params = act.defaults()
    x = activation_grid(act)
    p = probe(act, params, x, 0.7, "central", None)
    # a five-point difference with its own step, not the probe's central one
    reference = float(numeric_derivative(lambda t: act.f(t, **params), 0.7, "five_point"))
    assert p.slope == pytest.approx(reference, rel=1e-8, abs=1e-12)
    assert p.h == pytest.approx(np.cbrt(np.finfo(float).eps))
    assert p.rel_error == pytest.approx(abs(p.slope - p.numerical) / max(abs(p.slope), abs(p.numerical)))
    assert p.band == "good" and p.kink is None and not p.underflow and p.shown
    (x_lo, x_hi), (y_lo, y_hi) = p.tangent
    assert (y_hi - y_lo) / (x_hi - x_lo) == pytest.approx(p.slope)
    assert np.interp(0.7, [x_lo, x_hi], [y_lo, y_hi]) == pytest.approx(p.value)


def test_probe_flags_the_kink_it_sits_on_and_a_slope_lost_to_underflow():
    relu = ACTIVATIONS["relu"]
    at_kink = probe(relu, {}, activation_grid(relu), 0.0, "central", None)
    assert at_kink.kink is not None and at_kink.kink.at == 0.0
    assert at_kink.numerical == pytest.approx(0.5)  # the central difference straddles the kink
    sigmoid = ACTIVATIONS["sigmoid"]
    far = probe(sigmoid, {}, activation_grid(sigmoid), 800.0, "central", None)
    assert far.slope == 0.0 and far.underflow and not far.shown  # true σ′(800) ≈ e^−800 ≠ 0
    dead = probe(relu, {}, activation_grid(relu), -1.0, "central", None)
    assert dead.slope == 0.0 and not dead.underflow  # ReLU′ is exactly 0 there


def test_kink_view_one_sided_slopes_and_differences():
    view = kink_view(ACTIVATIONS["leaky_relu"], ACTIVATIONS["leaky_relu"].kinks[0], {"alpha": 0.1})
    assert (view.left, view.right) == (pytest.approx(0.1), pytest.approx(1.0))
    by_method = {m: value for m, _, value in view.differences}
    assert by_method["backward"] == pytest.approx(0.1) and by_method["forward"] == pytest.approx(1.0)
    assert view.central == pytest.approx(0.55)
    assert math.isfinite(view.sympy)


def test_the_source_viewer_follows_the_helpers_that_run():
    gelu = ACTIVATIONS["gelu"]
    shown = called_functions(gelu.df, gelu.f)
    assert shown[:2] == [gelu.df, gelu.f]
    assert all(fn.__module__.startswith("derivs") for fn in shown)
    names = {fn.__name__ for fn in shown}
    helpers = {n for n in gelu.df.__code__.co_names if callable(gelu.df.__globals__.get(n))
               and getattr(gelu.df.__globals__[n], "__module__", "").startswith("derivs.")}
    assert helpers <= names
