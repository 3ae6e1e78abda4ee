"""Every registered loss: value and gradient against high-precision references built from the
record's own ``value_expr`` (N → n, the Sum expanded, sympy's diff with respect to each
``wrt[k]``), the displayed ``grad_expr`` checked against that derivative, gradient checks that
pass on ``grad`` and fail on the notes' gradients, and the input validation keys.

Parametrized over ``derivs.LOSSES`` and each record's ``Param`` ranges.
"""

from __future__ import annotations

import warnings
import zlib

import mpmath as mp
import numpy as np
import pytest

import derivs
from derivs import gradcheck
from tests import reference as ref

EPS = ref.EPS
RTOL = 1e-12  # the design's target wherever the true value is a normal float64


def _rng(*key):
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def valid_inputs(loss, n, rng):
    """Random (y, prediction) that the loss accepts, from its declared kinds."""
    if loss.prediction == "values":
        w = rng.standard_normal(n)
    elif loss.prediction == "probabilities":
        if loss.target == "distribution":
            w = derivs.softmax(rng.standard_normal(n))  # a distribution, every entry > 0
        else:
            w = rng.uniform(0.02, 0.98, n)  # independent probabilities in (0, 1)
    elif loss.prediction == "logits":
        w = 3.0 * rng.standard_normal(n)
    else:
        raise AssertionError(f"unknown prediction kind {loss.prediction!r}")
    if loss.target == "values":
        y = rng.standard_normal(n)
    elif loss.target == "distribution":
        y = rng.dirichlet(np.ones(n))
    elif loss.target == "binary":
        y = rng.integers(0, 2, n).astype(np.float64)
    else:
        raise AssertionError(f"unknown target kind {loss.target!r}")
    return y, w


def _cases():
    for name, loss in derivs.LOSSES.items():
        variants = [{}] + [{p.name: v} for p in loss.params for v in (p.low, p.high)]
        for params in variants:
            label = ",".join(f"{k}={v:g}" for k, v in params.items())
            for n in (1, 3, 8):
                yield pytest.param(name, params, n, id=f"{name}-n{n}" + (f"-{label}" if label else ""))


CASES = list(_cases())

# The one gradient that is a difference of computed terms: softmax cross-entropy's
# s_i Σ_{j≠i} y_j − y_i(1 − s_i), which cancels when y ≈ s. A float64 evaluation errs by a few
# ulps of the terms, so the allowance is 16 ulps of their sum on top of 1e-12 relative (measured
# worst 7e-14 relative on random inputs). Every other gradient is a product or quotient of exact
# input differences and is held to the flat 1e-12.
def _grad_allowance(name, y, w, refs):
    if name != "softmax_cross_entropy":
        return RTOL
    s = derivs.softmax(w)
    terms = (s * (y.sum() - y) + y * derivs.softmax_complement(w)) / len(y)
    return [RTOL + (16 * EPS * t / abs(float(r)) if ref.is_normal(r) else 0.0)
            for t, r in zip(terms, refs, strict=True)]


def _check_against_reference(name, y, w, params):
    loss = derivs.LOSSES[name]
    value, grad, shown = ref.loss_reference(name, y, w, **params)
    bad = ref.compare([loss.value(y, w, **params)], [value], RTOL, where=["value"])
    got = loss.grad(y, w, **params)
    assert got.shape == w.shape and got.dtype == np.float64
    bad += ref.compare(got, grad, _grad_allowance(name, y, w, grad),
                       where=[f"grad[{k}]" for k in range(len(w))])
    assert not bad, f"{name}{params} y={y!r} w={w!r}:\n" + "\n".join(bad)
    # The displayed grad_expr is the derivative of the displayed value_expr (to 40 digits).
    for k, (d, s) in enumerate(zip(grad, shown, strict=True)):
        if d is ref.UNDERFLOW or s is ref.UNDERFLOW:
            assert d is s, (name, k, d, s)
        else:
            with mp.workdps(80):
                assert abs(d - s) <= mp.mpf("1e-40") * abs(d), (name, k, d, s)


@pytest.mark.parametrize(("name", "params", "n"), CASES)
def test_value_and_grad_match_reference(name, params, n):
    loss = derivs.LOSSES[name]
    y, w = valid_inputs(loss, n, _rng(name, n, params))
    if name == "huber":  # residuals on both sides of ±δ, so both pieces are exercised
        delta = params.get("delta", loss.defaults()["delta"])
        w = y + delta * np.linspace(-2.5, 2.5, n) + 0.01
    _check_against_reference(name, y, w, params)


@pytest.mark.parametrize(
    ("z", "y"),
    [
        ([1000.0, 1000.0, -1000.0], [1.0, 0.0, 0.0]),
        ([40.0, 0.0], [1.0, 0.0]),  # ∂L/∂z_0 = −s_1/n ≈ −2.1e-18: 1 − s_0 must not round to 0
        ([40.0, 0.0], [0.0, 1.0]),
        ([-745.0, 0.0, 745.0], [0.25, 0.25, 0.5]),
    ],
    ids=["1000,1000,-1000", "40,0-dominant", "40,0-other", "±745"],
)
def test_softmax_cross_entropy_extreme_logits(z, y):
    z, y = np.array(z), np.array(y)
    _check_against_reference("softmax_cross_entropy", y, z, {})


def test_softmax_cross_entropy_keeps_the_tiny_gradient():
    g = derivs.LOSSES["softmax_cross_entropy"].grad(np.array([1.0, 0.0]), np.array([40.0, 0.0]))
    # (s_0 − 1)/2 = −e^-40/(1 + e^-40)/2: the naive s − y returns exactly 0 here.
    assert g[0] == pytest.approx(-np.exp(-40.0) / (1 + np.exp(-40.0)) / 2, rel=1e-14)
    assert g[0] == -g[1] and g[0] < 0


@pytest.mark.parametrize("name", list(derivs.LOSSES))
def test_sum_is_n_times_mean(name):
    loss = derivs.LOSSES[name]
    y, w = valid_inputs(loss, 6, _rng(name, "sum"))
    # 1/n is applied as one multiplication: n·(x·(1/n)) and x differ by at most 2 roundings.
    assert loss.value(y, w, reduction="sum") == pytest.approx(
        6 * loss.value(y, w, reduction="mean"), rel=4 * EPS, abs=0)
    np.testing.assert_allclose(loss.grad(y, w, reduction="sum"),
                               6 * loss.grad(y, w, reduction="mean"), rtol=4 * EPS, atol=0)
    with pytest.raises(ValueError, match="reduction"):
        loss.value(y, w, reduction="max")


# --- gradient checks -----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "params", "n"), [c for c in CASES if c.values[2] > 1])
def test_grad_passes_pytorch_gradcheck(name, params, n):
    loss = derivs.LOSSES[name]
    y, w = valid_inputs(loss, n, _rng(name, n, params, "gradcheck"))
    result = gradcheck(lambda v: loss.value(y, v, **params), lambda v: loss.grad(y, v, **params),
                       w, "pytorch")
    assert result.ok, result.message
    assert "agree" in result.message


NOTES = {name: loss for name, loss in derivs.LOSSES.items() if loss.notes_grad is not None}


def test_the_notes_errors_are_registered():
    assert set(NOTES) == {"mse", "cross_entropy"}


@pytest.mark.parametrize("name", list(NOTES))
def test_notes_grad_fails_gradcheck(name):
    loss = NOTES[name]
    n = 4
    y, w = valid_inputs(loss, n, _rng(name, "notes"))
    if name == "mse":
        w = y + np.array([1.0, -2.0, 0.5, 3.0])  # residuals well above gradcheck's atol
    result = gradcheck(lambda v: loss.value(y, v), lambda v: loss.notes_grad(y, v), w, "pytorch")
    assert not result.ok
    msg = result.message
    assert "numerical" in msg and "analytical" in msg and "entry (0,)" in msg, msg
    # and the size of the mistake is the documented one
    ratio = loss.notes_grad(y, w) / loss.grad(y, w)
    expected = {"mse": 0.5, "cross_entropy": float(n)}[name]  # half / the 1/n dropped
    np.testing.assert_allclose(ratio, expected, rtol=4 * EPS)


# --- input validation ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(derivs.LOSSES))
def test_problems(name):
    loss = derivs.LOSSES[name]
    y, w = valid_inputs(loss, 4, _rng(name, "problems"))
    assert loss.problems(y, w) == ()
    assert loss.problems(y, w[:3]) == ("shape",)
    assert loss.problems(y[:0], w[:0]) == ("shape",)
    nan_w, inf_y = w.copy(), y.copy()
    nan_w[1], inf_y[0] = np.nan, np.inf
    assert loss.problems(y, nan_w) == ("not_finite",)
    assert loss.problems(inf_y, w) == ("not_finite",)

    if loss.prediction == "probabilities":
        soft = y.copy()  # a target that is neither 0 nor 1 where ŷ goes bad (BCE allows ŷ = y)
        if loss.target == "binary":
            soft[2] = 0.5
        for bad_value in (0.0, 1.5, -0.1):
            bad = w.copy()
            bad[2] = bad_value
            assert "prediction_not_probability" in loss.problems(soft, bad), bad_value
        if loss.target == "binary":  # log(1 − ŷ) needs ŷ < 1
            bad = w.copy()
            bad[2] = 1.0
            assert "prediction_not_probability" in loss.problems(soft, bad)
    if loss.target == "distribution":
        assert loss.problems(0.9 * y, w) == ("target_not_normalised",)
        negative = np.array([1.2, -0.2, 0.0, 0.0])  # sums to 1, one entry negative
        assert "target_negative" in loss.problems(negative, w)
        one_hot = np.eye(4)[2]  # a distribution with zeros is fine
        assert loss.problems(one_hot, w) == ()
    if loss.target == "binary":
        for bad_value in (1.5, -0.2):
            bad = y.copy()
            bad[0] = bad_value
            assert "target_not_binary" in loss.problems(bad, w)
        assert loss.problems(np.full(4, 0.3), w) == ()  # soft labels in [0, 1] are fine
        # ŷ = y at 0 or 1: the term is 0 and the gradient finite (issue 11), so it is allowed
        edge_y, edge_w = y.copy(), w.copy()
        edge_y[:2], edge_w[:2] = [1.0, 0.0], [1.0, 0.0]
        assert loss.problems(edge_y, edge_w) == ()
        assert np.all(np.isfinite(loss.grad(edge_y, edge_w)))
        edge_y[0] = 0.5  # a soft label at ŷ = 1: log(1 − ŷ) = −∞ weighs in
        assert loss.problems(edge_y, edge_w) == ("prediction_not_probability",)



# --- parameters and the edges of the domain ---------------------------------------------------


def test_huber_delta_range_is_positive():
    """The slider must not offer a δ the functions refuse (or, before, turned into a negative
    'loss': δ = −0.5 gave L < 0)."""
    (delta,) = derivs.LOSSES["huber"].params
    assert delta.name == "delta" and 0 < delta.low <= delta.default <= delta.high


@pytest.mark.parametrize("delta", [0.0, -0.0, -0.5, np.nan, np.inf, -np.inf, "1", None,
                                   np.array([1.0, 2.0])],
                         ids=["0", "-0", "-0.5", "nan", "inf", "-inf", "str", "None", "array"])
@pytest.mark.parametrize("fn", ["value", "grad"])
def test_huber_rejects_a_delta_that_is_not_a_finite_positive_number(delta, fn):
    loss = derivs.LOSSES["huber"]
    with pytest.raises(ValueError, match=r"huber: delta must be a finite number > 0, got"):
        getattr(loss, fn)(np.array([0.0, 1.0]), np.array([0.5, 3.0]), delta=delta)


def test_huber_accepts_every_delta_its_slider_offers():
    loss = derivs.LOSSES["huber"]
    (p,) = loss.params
    y, w = np.array([0.0, 1.0]), np.array([0.5, 3.0])
    for delta in np.arange(p.low, p.high + p.step / 2, p.step):
        assert loss.value(y, w, delta=delta) >= 0
        assert np.all(np.isfinite(loss.grad(y, w, delta=delta)))


# (y, ŷ) on the edges of binary cross-entropy's domain, one component each, n = 6: the term
# with weight 0 drops out (y = ŷ), or a log 0 with nonzero weight makes the gradient infinite
BCE_EDGES = ([1.0, 0.0, 0.3, 0.3, 1.0, 0.0], [1.0, 0.0, 1.0, 0.0, 0.0, 1.0])


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_bce_gradient_at_the_edges_is_the_one_sided_limit(reduction):
    loss = derivs.LOSSES["binary_cross_entropy"]
    y, w = (np.array(v) for v in BCE_EDGES)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = loss.grad(y, w, reduction=reduction)
    scale = 1.0 if reduction == "mean" else len(y)  # the reference is the mean's
    expected = [float(g) * scale for g in ref.loss_gradient_at_boundary(loss.name, y, w)]
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(got[:2] * (len(y) / scale), [-1.0, 1.0])  # ∓1/n, not NaN


def test_bce_at_a_settled_prediction():
    """ŷ = y ∈ {0, 1}: L = 0 and ∂L/∂ŷ = −1/n (y = 1), +1/n (y = 0), as the one-sided
    difference quotient from inside the domain confirms independently."""
    loss = derivs.LOSSES["binary_cross_entropy"]
    y = np.array([1.0, 0.0, 1.0])
    w = y.copy()
    assert loss.value(y, w) == 0.0
    g = loss.grad(y, w)
    np.testing.assert_array_equal(g, [-1 / 3, 1 / 3, -1 / 3])
    h = 1e-7
    for k, inward in enumerate([-h, h, -h]):
        moved = w.copy()
        moved[k] += inward
        quotient = (loss.value(y, moved) - loss.value(y, w)) / inward
        assert quotient == pytest.approx(g[k], rel=1e-6)
    # and inside (0, 1) the one-fraction formula is kept: no cancellation when ŷ ≈ y
    _check_against_reference("binary_cross_entropy", np.array([0.3, 1.0]),
                             np.array([0.3 + 1e-9, 1 - 1e-12]), {})
