"""derivs.network: backprop against numerical and independent oracles, the trace, the planted
bugs, the neuron graph, training, initialisation, the datasets, the depth study, validation.

The gradient tests are parametrized over ``derivs.activations.ACTIVATIONS`` ×
``derivs.losses.LOSSES``, so a new registry entry is tested with no edit here.

Numerical oracle: the central difference, Richardson-extrapolated once,
    D = (8[L(θ+h) − L(θ−h)] − [L(θ+2h) − L(θ−2h)]) / 12h,   h = ε^(1/5)·max(1, |θ|)
(written as differences, so a flat loss gives exactly 0). A plain central difference errs by
about ε^(2/3) ≈ 4e-11 in absolute terms, too much to judge gradient entries of 1e-7 (they
occur) to 1e-6 relative; this one errs by about 1e-13. Kinks excepted: an entry is skipped when
its stencil moves a hidden pre-activation to within 1e-4 of a point where the activation is not
smooth (its ``kinks``, and softsign's 0, where f″ jumps) or, for Huber, a residual to within
1e-4 of ±δ (where the loss's second derivative jumps). Few entries are skipped, and the tests
assert that, so the check cannot pass by skipping everything.

The relative error is CS231n's |a − n| / max(|a|, |n|, tiny) with tiny = 1e-6·max(1, |L|) in
the finite-difference tests: the numerical side resolves a derivative only to about 1e-13·|L|
(round-off ε·|L|/h plus truncation, h ≈ 7e-4), so for an entry below that floor the relative
error would measure the finite difference, not backprop; there the test asks |a − n| ≤ 1e-12·
max(1, |L|) instead. Every bug the tests plant is off by 1e-2 or more on entries far above it.
"""

from __future__ import annotations

import doctest
import math
import time
import zlib

import mpmath as mp
import numpy as np
import pytest

from derivs import network
from derivs.activations import ACTIVATIONS
from derivs.losses import LOSSES
from derivs.network import (
    BACKPROP_BUGS,
    DATASETS,
    INITS,
    MLP,
    gradient_check,
    gradient_norms,
    make_dataset,
    neuron_graph,
    one_hot,
    train,
    train_step,
)
from derivs.softmax import softmax, softmax_jacobian

EPS = float(np.finfo(np.float64).eps)
TINY = float(np.finfo(np.float64).tiny)
RTOL = 1e-6
NEAR = 1e-4  # "at a kink": within this of a non-smooth point
SMOOTHNESS_BREAKS = {"softsign": (0.0,)}  # C¹ but f″ jumps: high-order stencils notice
SIZES = (3, 4, 3, 3)  # two hidden layers, so δ goes through the recursion twice


def _rng(*key):
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def rel_err(a, n, tiny=TINY):
    """|a − n| / max(|a|, |n|, tiny), elementwise (CS231n)."""
    a, n = np.asarray(a, float), np.asarray(n, float)
    return np.abs(a - n) / np.maximum(np.maximum(np.abs(a), np.abs(n)), tiny)


def targets(loss, shape, rng):
    """Targets of the kind the loss declares: values, one-hot distributions or 0/1."""
    if loss.target == "values":
        return rng.standard_normal(shape)
    if loss.target == "binary":
        return rng.integers(0, 2, shape).astype(np.float64)
    return one_hot(rng.integers(0, shape[-1], shape[0]), shape[-1])


def random_case(activation, loss, batch, sizes=SIZES, activation_params=None, loss_params=None):
    """A net with random (not zero) biases, so every bias path is exercised and no ReLU
    pre-activation sits exactly on its kink, and a batch of inputs and targets."""
    rng = _rng(activation, loss, batch, sizes)
    net = MLP(sizes, activation, loss, init="xavier", seed=int(rng.integers(2**31)),
              activation_params=activation_params, loss_params=loss_params)
    for name, p in net.params.items():
        if name.startswith("b"):
            p[:] = 0.3 * rng.standard_normal(p.shape)
    x = 1.5 * rng.standard_normal((batch, sizes[0]))
    y = targets(LOSSES[loss], (batch, sizes[-1]), rng)
    return net, x, y


# --- an independent forward pass (the test's own, for the oracles and the kink mask) ----------


def reference_forward(net, x):
    """(hidden pre-activations z_1..z_{L−1}, z_L, ŷ), recomputed from net.params."""
    act, p = net.activation, net.activation_params
    a, hidden = np.atleast_2d(np.asarray(x, float)), []
    L = len(net.sizes) - 1
    for l in range(1, L + 1):
        z = np.einsum("ij,bj->bi", net.params[f"W{l}"], a) + net.params[f"b{l}"]
        if l < L:
            hidden.append(z)
            a = act.f(z, **p)
    out = {"identity": lambda u: u, "softmax": softmax,
           "sigmoid": lambda u: 1.0 / (1.0 + np.exp(-u))}[net.output.name]
    return hidden, z, out(z)


def breaks_of(net):
    return tuple(k.at for k in net.activation.kinks) + SMOOTHNESS_BREAKS.get(net.activation.name, ())


def _near_break(values, base, points):
    """Entries of values (stacked stencil evaluations) that moved and came within NEAR of one
    of points (or crossed one)."""
    if not len(points):
        return False
    stack = np.stack(values + [base])
    moved = np.any(stack != base, axis=0)
    lo, hi = stack.min(axis=0)[..., None], stack.max(axis=0)[..., None]
    pts = np.asarray(points, float)
    return bool(np.any(moved & np.any((lo - NEAR <= pts) & (pts <= hi + NEAR), axis=-1)))


def numerical_gradients(net, x, y):
    """({name: D}, {name: excepted mask}): the Richardson-extrapolated central difference of
    net.loss in every parameter entry, and which entries sit at a kink (see the module doc)."""
    breaks = breaks_of(net)
    huber = net.loss_fn.name == "huber"
    delta = net.loss_params.get("delta")
    y2 = np.atleast_2d(np.asarray(y, float))

    def probe():
        hidden, _, yhat = reference_forward(net, x)
        z = np.concatenate([h.ravel() for h in hidden]) if hidden else np.zeros(0)
        r = (yhat - y2).ravel() if huber else np.zeros(0)
        return z, r

    z0, r0 = probe()
    grads, excepted = {}, {}
    for name, p in net.params.items():
        g, skip = np.empty_like(p), np.zeros(p.shape, bool)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            h = EPS ** 0.2 * max(1.0, abs(old))
            f, zs, rs = {}, [], []
            for k in (1, -1, 2, -2):
                p[idx] = old + k * h
                f[k] = net.loss(x, y)
                z, r = probe()
                zs.append(z)
                rs.append(r)
            p[idx] = old
            g[idx] = (8.0 * (f[1] - f[-1]) - (f[2] - f[-2])) / (12.0 * h)
            skip[idx] = _near_break(zs, z0, breaks) or (
                huber and _near_break([np.abs(r) for r in rs], np.abs(r0), (delta,)))
        grads[name], excepted[name] = g, skip
    return grads, excepted


def assert_gradients_match(net, x, y, analytical=None, rtol=RTOL):
    analytical = net.gradients(x, y) if analytical is None else analytical
    numerical, excepted = numerical_gradients(net, x, y)
    total = sum(m.size for m in excepted.values())
    skipped = sum(int(m.sum()) for m in excepted.values())
    # one unit near a kink excepts every entry upstream of it: a quarter at most, in practice
    assert skipped <= 0.25 * total, f"{skipped} of {total} entries at kinks: the case tests little"
    tiny = 1e-6 * max(1.0, abs(net.loss(x, y)))  # the finite difference's resolution (module doc)
    for name in net.params:
        assert analytical[name].shape == net.params[name].shape
        err = np.where(excepted[name], 0.0, rel_err(analytical[name], numerical[name], tiny))
        i = np.unravel_index(int(np.argmax(err)), err.shape)
        assert err[i] <= rtol, (
            f"{name}{list(i)}: analytical {analytical[name][i]!r} vs numerical "
            f"{numerical[name][i]!r}, relative error {err[i]:.2e}")
    return numerical, excepted


# --- backprop against finite differences, every activation × every loss ------------------------


@pytest.mark.parametrize("batch", [1, 4], ids=["single", "batch4"])
@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_gradients_match_finite_differences(activation, loss, batch):
    net, x, y = random_case(activation, loss, batch)
    if batch == 1:  # one example as a vector, its target as a vector
        x, y = x[0], y[0]
    assert_gradients_match(net, x, y)


@pytest.mark.parametrize("activation, loss, a_params, l_params", [
    ("leaky_relu", "huber", {"alpha": 0.2}, {"delta": 0.3}),
    ("elu", "mse", {"alpha": 2.0}, {}),
    ("tanh", "huber", {}, {"delta": 5.0}),
])
def test_gradients_with_non_default_parameters(activation, loss, a_params, l_params):
    net, x, y = random_case(activation, loss, 4, activation_params=a_params, loss_params=l_params)
    assert net.activation_params == ACTIVATIONS[activation].defaults() | a_params
    assert net.loss_params == LOSSES[loss].defaults() | l_params
    assert_gradients_match(net, x, y)


def test_gradients_with_integer_labels_equal_one_hot_targets():
    net, x, _ = random_case("tanh", "softmax_cross_entropy", 5)
    labels = np.array([0, 2, 1, 2, 0])
    by_label, by_target = net.gradients(x, labels), net.gradients(x, one_hot(labels, 3))
    for k in net.params:
        assert np.array_equal(by_label[k], by_target[k])
    assert net.loss(x[0], 2) == net.loss(x[:1], one_hot(np.array([2]), 3))


def test_single_output_binary_labels():
    net, x, _ = random_case("sigmoid", "binary_cross_entropy", 6, sizes=(3, 4, 1))
    labels = np.array([0, 1, 1, 0, 1, 0])
    assert_gradients_match(net, x, labels)
    assert np.array_equal(one_hot(labels, 1)[:, 0], labels)


# --- a second, independent formulation --------------------------------------------------------


def _mp_loss(values, shapes, x, y, override=None):
    """L of a tanh/MSE net in mpmath, from a flat list of parameter values."""
    vals = list(values)
    if override is not None:
        vals[override[0]] = override[1]
    mats, k = [], 0
    for rows, cols in shapes:
        W = [[vals[k + r * cols + c] for c in range(cols)] for r in range(rows)]
        k += rows * cols
        b = vals[k:k + rows]
        k += rows
        mats.append((W, b))
    total = mp.mpf(0)
    for xb, yb in zip(x, y, strict=True):
        a = [mp.mpf(float(v)) for v in xb]
        for l, (W, b) in enumerate(mats):
            z = [mp.fsum(W[r][c] * a[c] for c in range(len(a))) + b[r] for r in range(len(W))]
            a = z if l == len(mats) - 1 else [mp.tanh(v) for v in z]
        total += mp.fsum((ai - mp.mpf(float(t))) ** 2 for ai, t in zip(a, yb, strict=True)) / len(a)
    return total / len(x)


def test_backprop_matches_mpmath_at_30_digits():
    """A 2-3-3-2 tanh/MSE net against mpmath: the loss evaluated at 30 digits and each
    derivative taken by mp.diff at that precision (no float64 and no backprop on that side)."""
    net, x, y = random_case("tanh", "mse", 3, sizes=(2, 3, 3, 2))
    names = list(net.params)
    shapes = [net.params[f"W{l}"].shape for l in range(1, net.depth + 1)]
    flat = [p[idx] for p in net.params.values() for idx in np.ndindex(p.shape)]
    analytical = np.concatenate([net.gradients(x, y)[k].ravel() for k in names])
    with mp.workdps(30):
        values = [mp.mpf(float(v)) for v in flat]
        assert abs(_mp_loss(values, shapes, x, y) - net.loss(x, y)) < 1e-14
        reference = np.array([
            float(mp.diff(lambda t, i=i: _mp_loss(values, shapes, x, y, (i, t)), values[i]))
            for i in range(len(values))
        ])
    assert np.all(np.abs(reference) > 1e-8)  # no entry so small that 1e-10 means nothing
    err = rel_err(analytical, reference)
    assert err.max() <= 1e-10, f"entry {int(err.argmax())}: {analytical[err.argmax()]!r} vs " \
                               f"{reference[err.argmax()]!r}"


def _output_jacobian(name, z):
    if name == "identity":
        return np.eye(z.size)
    if name == "softmax":
        return softmax_jacobian(z)
    s = 1.0 / (1.0 + np.exp(-z))
    return np.diag(s * (1.0 - s))


@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("activation", ["tanh", "gelu", "leaky_relu"])
def test_backprop_equals_product_of_full_jacobians(activation, loss):
    """Per example: ∂ℓ/∂z_m = ∂ℓ/∂ŷ · ∂ŷ/∂z_L · (J_L ⋯ J_{m+1}) with J_l = W_l diag(f′(z_{l−1}))
    built as full matrices and multiplied in forward order; then ∂ℓ/∂vec(W_m) =
    ∂ℓ/∂z_m (I ⊗ a_{m−1}ᵀ) and ∂ℓ/∂b_m = ∂ℓ/∂z_m, averaged over the batch."""
    net, x, y = random_case(activation, loss, 3)
    act, p, L = net.activation, net.activation_params, net.depth
    lossrec = net.loss_fn
    expected = {k: np.zeros_like(v) for k, v in net.params.items()}
    for xb, yb in zip(x, y, strict=True):
        a, z = [xb], [None]
        for l in range(1, L + 1):
            z.append(net.params[f"W{l}"] @ a[-1] + net.params[f"b{l}"])
            a.append(act.f(z[-1], **p) if l < L else None)
        _, zL, yhat = reference_forward(net, xb)
        g = lossrec.grad(yb, yhat[0], **net.loss_params) @ _output_jacobian(net.output.name, zL[0])
        for m in range(1, L + 1):
            P = np.eye(net.sizes[m])  # ∂z_m/∂z_m, then ∂z_l/∂z_m for l = m+1, …, L
            for l in range(m + 1, L + 1):
                P = net.params[f"W{l}"] @ np.diag(act.df(z[l - 1], **p)) @ P
            dz_m = g @ P
            expected[f"W{m}"] += (dz_m @ np.kron(np.eye(net.sizes[m]), a[m - 1][None, :])).reshape(
                net.params[f"W{m}"].shape) / len(x)
            expected[f"b{m}"] += dz_m / len(x)
    got = net.gradients(x, y)
    for k in net.params:
        err = rel_err(got[k], expected[k])
        assert err.max() <= 1e-10, f"{k}: {got[k]} vs {expected[k]}"


@pytest.mark.parametrize("loss", list(LOSSES))
def test_batch_loss_is_the_mean_of_example_losses(loss):
    net, x, y = random_case("tanh", loss, 5)
    each = [net.loss(xb, yb) for xb, yb in zip(x, y, strict=True)]
    assert math.isclose(net.loss(x, y), math.fsum(each) / len(each), rel_tol=1e-14)
    _, _, yhat = reference_forward(net, x)
    by_hand = [LOSSES[loss].value(yb, hb, **net.loss_params) for yb, hb in zip(y, yhat, strict=True)]
    assert np.allclose(each, by_hand, rtol=1e-12, atol=0)
    # and the gradient of the mean is the mean of the gradients
    mean_grad = {k: np.mean([net.gradients(xb, yb)[k] for xb, yb in zip(x, y, strict=True)], axis=0)
                 for k in net.params}
    for k, g in net.gradients(x, y).items():
        assert np.allclose(g, mean_grad[k], rtol=1e-12, atol=1e-15)


def test_softmax_then_cross_entropy_equals_softmax_cross_entropy_on_logits():
    """Two routes to δ_L: cross-entropy on softmax probabilities (through softmax_vjp) and the
    fused loss on logits. Same parameters, one-hot targets: the same gradients."""
    a, x, y = random_case("tanh", "cross_entropy", 4)
    b = MLP(SIZES, "tanh", "softmax_cross_entropy")
    b.params = {k: v.copy() for k, v in a.params.items()}
    assert math.isclose(a.loss(x, y), b.loss(x, y), rel_tol=1e-13)
    ga, gb = a.gradients(x, y), b.gradients(x, y)
    for k in ga:
        assert rel_err(ga[k], gb[k]).max() <= 1e-12


# --- the trace ----------------------------------------------------------------------------------


@pytest.mark.parametrize("loss", list(LOSSES))
def test_trace_is_consistent(loss):
    net, x, y = random_case("softplus", loss, 4)
    t = net.trace(x, y)
    act, p = net.activation, net.activation_params
    assert t.output == net.output.name and len(t.layers) == net.depth
    assert t.loss == net.loss(x, y)
    hidden, zL, yhat = reference_forward(net, x)
    for s, z_ref in zip(t.layers, hidden + [zL], strict=True):
        assert np.array_equal(s.W, net.params[f"W{s.l}"]) and s.W is not net.params[f"W{s.l}"]
        assert np.allclose(s.z, s.a_in @ s.W.T + s.b, rtol=1e-14, atol=1e-15)
        assert np.allclose(s.z, z_ref, rtol=1e-13, atol=1e-15)
        assert s.dW.shape == s.W.shape and s.db.shape == s.b.shape
        assert np.allclose(s.dW, np.einsum("bi,bj->ij", s.delta, s.a_in) / len(x), rtol=1e-13)
        assert np.allclose(s.db, s.delta.mean(axis=0), rtol=1e-13, atol=1e-17)
    for s, nxt in zip(t.layers[:-1], t.layers[1:], strict=True):
        assert np.array_equal(s.a, act.f(s.z, **p)) and np.array_equal(s.fprime, act.df(s.z, **p))
        assert np.array_equal(nxt.a_in, s.a)
        assert np.allclose(s.delta, np.einsum("ji,bj->bi", nxt.W, nxt.delta) * s.fprime, rtol=1e-13)
    last = t.layers[-1]
    assert last.fprime is None and np.allclose(t.yhat, yhat, rtol=1e-13) and last.a is t.yhat
    for b in range(len(x)):  # ∂ℓ_b/∂ŷ_b per example, and δ_L = Jᵀ ∂ℓ/∂ŷ with the full Jacobian
        assert np.allclose(t.dloss[b], LOSSES[loss].grad(y[b], t.yhat[b], **net.loss_params),
                           rtol=1e-13, atol=0)
        jac = _output_jacobian(net.output.name, last.z[b])
        assert np.allclose(last.delta[b], jac.T @ t.dloss[b], rtol=1e-10, atol=1e-16)
    for k, g in net.gradients(x, y).items():
        assert np.array_equal(g, t.gradients[k])


def test_single_example_is_a_batch_of_one():
    net, x, y = random_case("tanh", "mse", 1)
    t1, tb = net.trace(x[0], y[0]), net.trace(x, y)
    assert t1.x.shape == (1, 3) and t1.yhat.shape == (1, 3) and net.forward(x[0]).shape == (3,)
    for s1, sb in zip(t1.layers, tb.layers, strict=True):
        assert np.array_equal(s1.delta, sb.delta) and np.array_equal(s1.dW, sb.dW)


def test_trace_is_frozen():
    net, x, y = random_case("tanh", "mse", 2)
    t = net.trace(x, y)
    with pytest.raises(AttributeError):
        t.loss = 0.0
    with pytest.raises(AttributeError):
        t.layers[0].delta = None


# --- the library's own gradient check -----------------------------------------------------------


def test_gradient_check_passes_fails_and_restores():
    net, x, y = random_case("tanh", "softmax_cross_entropy", 3)
    before = {k: v.copy() for k, v in net.params.items()}
    ok = gradient_check(net, x, y, method="five_point")
    assert ok.passed and ok.method == "five_point" and ok.max_relative_error <= 1e-6
    for k in net.params:
        assert np.array_equal(net.params[k], before[k])
    wrong = {k: v * (1.0 + 1e-3 * (k == "W2")) for k, v in net.gradients(x, y).items()}
    bad = gradient_check(net, x, y, wrong)
    assert not bad.passed and bad.worst[0] == "W2" and 5e-4 < bad.max_relative_error < 2e-3
    with pytest.raises(ValueError, match="complex step"):
        gradient_check(net, x, y, method="complex_step")


def test_a_check_can_reuse_another_checks_finite_differences():
    net, x, y = random_case("sigmoid", "cross_entropy", 4)
    first = gradient_check(net, x, y)
    wrong = {k: v * (1.0 + 1e-2 * (k == "b1")) for k, v in net.gradients(x, y).items()}
    fresh = gradient_check(net, x, y, wrong)
    reused = gradient_check(net, x, y, wrong, numerical=first.numerical)
    for k in net.params:  # the same differences, and the same verdict, without differencing
        assert np.array_equal(reused.numerical[k], fresh.numerical[k])
        assert np.array_equal(reused.relative_error[k], fresh.relative_error[k])
    assert (reused.passed, reused.worst) == (fresh.passed, fresh.worst) == (False, fresh.worst)
    assert fresh.worst[0] == "b1"


# --- planted bugs -------------------------------------------------------------------------------


BUG_NETS = {  # a hidden layer, and W2 square (3×3) so W for Wᵀ type-checks
    "forgets_fprime": ("tanh", "softmax_cross_entropy", (2, 3, 3, 2)),
    "w_not_transposed": ("tanh", "softmax_cross_entropy", (2, 3, 3, 2)),
    "never_zeroes": ("tanh", "mse", (2, 3, 3, 2)),
}


@pytest.mark.parametrize("name", list(BACKPROP_BUGS))
def test_each_planted_bug_fails_a_gradient_check(name):
    bug = BACKPROP_BUGS[name]
    assert bug.name == name and len(bug.rule) > 40 and bug.kind in ("backward", "trainer",
                                                                     "neuron_graph")
    if bug.kind == "neuron_graph":
        args = ([0.7, -1.2, 0.4], [0.3, 0.5, -0.8], 0.1, 0.6)
        for loss, act in (("mse", "tanh"), ("binary_cross_entropy", "sigmoid")):
            right = neuron_graph(*args, activation=act, loss=loss)
            wrong = bug.wrong(*args, activation=act, loss=loss)
            numerical = _neuron_numerical_dw(args, act, loss)
            assert rel_err(right.dw, numerical).max() < 1e-8
            assert rel_err(wrong.dw, numerical).max() > 1e-2
            assert wrong.loss == right.loss  # the forward pass is untouched
        return
    activation, loss, sizes = BUG_NETS[name]
    net, x, y = random_case(activation, loss, 4, sizes=sizes)
    at, reported = bug.wrong(net, x, y)
    if bug.kind == "backward":
        assert at is net
    numerical, _ = assert_gradients_match(at, x, y)  # the correct backward passes here
    worst = max(float(rel_err(reported[k], numerical[k]).max()) for k in at.params)
    assert worst > 1e-2, f"{name} slipped through a gradient check (max error {worst:.1e})"
    assert not gradient_check(at, x, y, reported).passed


def test_never_zeroes_reports_the_sum_of_two_steps():
    net, x, y = random_case("tanh", "mse", 4, sizes=(2, 3, 3, 2))
    before = {k: v.copy() for k, v in net.params.items()}
    at, reported = BACKPROP_BUGS["never_zeroes"].wrong(net, x, y, lr=0.1)
    g1 = net.gradients(x, y)
    stepped = net.copy()
    for k in stepped.params:
        stepped.params[k] -= 0.1 * g1[k]
    g2 = stepped.gradients(x, y)
    for k in net.params:
        assert np.array_equal(net.params[k], before[k])  # works on a copy
        assert np.allclose(at.params[k], stepped.params[k], rtol=0, atol=1e-15)
        assert np.allclose(reported[k], g1[k] + g2[k], rtol=1e-13, atol=1e-16)


def test_forgetting_fprime_hides_where_fprime_is_one():
    """All ReLU units active: f′ = 1 everywhere, so the slip gives the right gradients (why
    a gradient check must use points where the activation bends)."""
    net, x, y = random_case("relu", "mse", 4, sizes=(2, 3, 3, 2))
    net.params["b1"][:] = 50.0  # z_1 > 0 for these x
    net.params["W2"][:] = np.abs(net.params["W2"])  # then z_2 > 0 too
    assert all(np.all(t.z > 0) for t in net.trace(x, y).layers[:-1])
    _, reported = BACKPROP_BUGS["forgets_fprime"].wrong(net, x, y)
    for k, g in net.gradients(x, y).items():
        assert np.array_equal(reported[k], g)


def test_bugs_refuse_nets_they_cannot_live_in():
    x, y = np.zeros((1, 2)), np.array([1])
    with pytest.raises(ValueError, match="square"):
        BACKPROP_BUGS["w_not_transposed"].wrong(MLP((2, 3, 4, 2)), x, y)
    with pytest.raises(ValueError, match="hidden layer"):
        BACKPROP_BUGS["forgets_fprime"].wrong(MLP((2, 2)), x, y)


# --- the neuron graph ---------------------------------------------------------------------------


def _neuron_numerical_dw(args, activation, loss):
    x, w, b, t = args
    w = np.asarray(w, float)
    out = np.empty_like(w)
    for i in range(w.size):
        h = EPS ** 0.2 * max(1.0, abs(w[i]))

        def f(d, i=i):
            ww = w.copy()
            ww[i] += d
            return neuron_graph(x, ww, b, t, activation=activation, loss=loss).loss

        out[i] = (8.0 * (f(h) - f(-h)) - (f(2 * h) - f(-2 * h))) / (12.0 * h)
    return out


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_neuron_graph_mse(activation):
    rng = _rng("neuron", activation)
    x, w = rng.standard_normal(4), rng.standard_normal(4)
    b, t = 0.3, 0.5
    g = neuron_graph(x, w, b, t, activation=activation)
    act = ACTIVATIONS[activation]
    z = float(w @ x + b)
    a = float(act.f(z))
    assert math.isclose(g.node("z").value, z, rel_tol=1e-14, abs_tol=1e-15)
    assert math.isclose(g.loss, float(LOSSES["mse"].value([t], [a])), rel_tol=1e-14)
    dL_da = 2.0 * (a - t)
    assert np.allclose(g.dw, dL_da * float(act.df(z)) * x, rtol=1e-13, atol=1e-300)
    assert np.allclose(g.dx, dL_da * float(act.df(z)) * w, rtol=1e-13, atol=1e-300)
    assert math.isclose(g.db, dL_da * float(act.df(z)), rel_tol=1e-13, abs_tol=1e-300)
    if all(abs(z - k.at) > 1e-2 for k in act.kinks):  # kinks excepted (the stencil moves z)
        assert rel_err(g.dw, _neuron_numerical_dw((x, w, b, t), activation, "mse")).max() < 1e-6


def test_neuron_graph_fan_out_is_summed_edge_by_edge():
    g = neuron_graph([0.7, -1.2, 0.4], [0.3, 0.5, -0.8], 0.1, 0.6, activation="sigmoid",
                     loss="binary_cross_entropy")
    names = [n.name for n in g.nodes]
    assert names[:8] == ["x1", "w1", "x2", "w2", "x3", "w3", "b", "t"] and names[-1] == "L"
    assert g.node("L").grad == 1.0
    for n in g.nodes[:-1]:
        out = g.children(n.name)
        assert out, f"{n.name} feeds nothing"
        assert math.isclose(n.grad, math.fsum(e.contribution for e in out), rel_tol=1e-15)
        for e in out:
            child = g.node(e.child)
            assert e.upstream == child.grad and e.local == child.local[e.slot]
            assert child.parents[e.slot] == n.name and e.contribution == e.local * e.upstream
    assert len(g.children("a")) == 2  # a feeds log a and log(1 − a)
    a, t = g.node("a").value, 0.6
    assert math.isclose(g.node("a").grad, (a - t) / (a * (1 - a)), rel_tol=1e-13)
    assert math.isclose(g.loss, float(LOSSES["binary_cross_entropy"].value([t], [a])),
                        rel_tol=1e-14)
    mse = neuron_graph([1.0], [2.0], 0.0, 0.5, activation="relu")
    assert [(e.parent, e.child, e.slot) for e in mse.children("r")] == [("r", "L", 0), ("r", "L", 1)]
    overwritten = BACKPROP_BUGS["fan_out_overwritten"].wrong([1.0], [2.0], 0.0, 0.5,
                                                             activation="relu")
    assert overwritten.node("r").grad == mse.node("r").grad / 2  # one share of two


def test_neuron_graph_validation():
    with pytest.raises(ValueError, match="same length"):
        neuron_graph([1.0, 2.0], [1.0], 0.0, 1.0)
    with pytest.raises(ValueError, match="0 < a < 1"):
        neuron_graph([1.0], [-1.0], 0.0, 1.0, activation="tanh", loss="binary_cross_entropy")
    with pytest.raises(ValueError, match="unknown neuron loss 'huber'"):
        neuron_graph([1.0], [1.0], 0.0, 1.0, loss="huber")
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        neuron_graph([1.0], [1.0], 0.0, 1.0, activation="swish")


# --- training -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(DATASETS))
def test_training_lowers_the_loss_on_every_dataset(name):
    x, labels = make_dataset(name, 200, seed=0, noise=0.1)
    net = MLP((2, 16, 16, 2), "tanh", "softmax_cross_entropy", seed=0)
    history = train(net, x, labels, lr=1.0, steps=100)
    final = net.loss(x, labels)
    assert history.shape == (100,) and history[0] > final
    assert final < 0.85 * history[0], f"{name}: {history[0]:.4f} -> {final:.4f}"
    assert np.mean(net.forward(x).argmax(axis=1) == labels) > 0.65


def test_train_step_updates_in_place_and_returns_the_loss_before():
    net, x, y = random_case("tanh", "mse", 8)
    arrays = {k: v for k, v in net.params.items()}
    expected = {k: v - 0.05 * net.gradients(x, y)[k] for k, v in net.params.items()}
    before = net.loss(x, y)
    assert train_step(net, x, y, lr=0.05) == before
    for k in net.params:
        assert net.params[k] is arrays[k]
        assert np.array_equal(net.params[k], expected[k])
    assert net.loss(x, y) < before


# --- initialisation -----------------------------------------------------------------------------


@pytest.mark.parametrize("init", list(INITS))
def test_init_variance_is_what_it_claims(init):
    n0, n1, n2 = 400, 100, 300
    sigma = 0.5 if init == "normal" else None
    net = MLP((n0, n1, n2), "tanh", "mse", init=init, seed=7, sigma=sigma)
    claimed = {
        "normal": lambda fi, fo: 0.25,
        "xavier": lambda fi, fo: 2.0 / (fi + fo),
        "he": lambda fi, fo: 2.0 / fi,
        "lecun": lambda fi, fo: 1.0 / fi,
    }[init]
    for l, (fi, fo) in ((1, (n0, n1)), (2, (n1, n2))):
        W = net.params[f"W{l}"]
        var = claimed(fi, fo)
        assert W.shape == (fo, fi)
        assert abs(W.var() / var - 1.0) < 0.05  # 40 000 or 30 000 draws: std error < 1 %
        assert abs(W.mean()) < 0.05 * math.sqrt(var)
        kurtosis = np.mean((W - W.mean()) ** 4) / W.var() ** 2
        assert abs(kurtosis - 3.0) < 0.2  # normal (3), not uniform (1.8)
        assert np.array_equal(net.params[f"b{l}"], np.zeros(fo))


def test_init_is_reproducible_from_the_seed():
    a, b, c = (MLP((2, 5, 3), seed=s) for s in (3, 3, 4))
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    assert not np.array_equal(a.params["W1"], c.params["W1"])
    assert list(a.params) == ["W1", "b1", "W2", "b2"]
    assert all(v.dtype == np.float64 for v in a.params.values())


# --- datasets -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(DATASETS))
def test_dataset_shapes_and_determinism(name):
    x, labels = make_dataset(name, 101, seed=3, noise=0.2)
    assert x.shape == (101, 2) and x.dtype == np.float64
    assert labels.shape == (101,) and labels.dtype == np.int64 and set(labels) == {0, 1}
    x2, labels2 = make_dataset(name, 101, seed=3, noise=0.2)
    assert np.array_equal(x, x2) and np.array_equal(labels, labels2)
    assert not np.array_equal(x, make_dataset(name, 101, seed=4, noise=0.2)[0])
    if name != "xor":
        assert np.sum(labels == 0) == 51
    assert labels[:20].std() > 0  # shuffled, not one class after the other


def test_dataset_geometry_without_noise():
    x, labels = make_dataset("moons", 200, seed=1, noise=0.0)
    upper, lower = x[labels == 0], x[labels == 1]
    assert np.allclose(np.hypot(*upper.T), 1.0) and np.all(upper[:, 1] >= 0)
    assert np.allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    assert np.all(lower[:, 1] <= 0.5)
    x, labels = make_dataset("circles", 200, seed=1, noise=0.0)
    assert np.allclose(np.hypot(*x.T), np.where(labels == 0, 1.0, 0.5))
    x, labels = make_dataset("xor", 200, seed=1, noise=0.0)
    assert np.array_equal(labels, (x[:, 0] * x[:, 1] < 0).astype(int))
    x, labels = make_dataset("spirals", 200, seed=1, noise=0.0)
    r = np.hypot(*x.T)
    expected = np.stack([r * np.cos(3 * np.pi * r + np.pi * labels),
                         r * np.sin(3 * np.pi * r + np.pi * labels)], axis=1)
    assert np.allclose(x, expected, atol=1e-12) and r.max() <= 1.0
    with pytest.raises(ValueError, match="unknown dataset 'blobs'"):
        make_dataset("blobs")


# --- depth study --------------------------------------------------------------------------------


def test_gradient_norms_are_the_traces_own():
    study = gradient_norms(5, 8, "tanh", "xavier", batch=16, seeds=(0, 3))
    assert study.delta_norms.shape == (2, 5) and list(study.layers) == [1, 2, 3, 4, 5]
    for row, seed in enumerate(study.seeds):
        net, x, y = network.depth_study_case(5, 8, "tanh", "xavier", None, 16, seed)
        assert net.sizes == (8,) * 6 and x.shape == y.shape == (16, 8)
        layers = net.trace(x, y).layers
        for l, t in enumerate(layers):
            rms = math.sqrt(np.mean(np.sum(t.delta**2, axis=1)))
            assert math.isclose(study.delta_norms[row, l], rms, rel_tol=1e-14)
            assert study.weight_grad_norms[row, l] == np.linalg.norm(t.dW)
    assert np.allclose(study.mean, study.delta_norms.mean(axis=0))
    assert np.allclose(study.std, study.delta_norms.std(axis=0))
    # the data do not depend on the init
    _, xa, _ = network.depth_study_case(3, 8, "tanh", "he", None, 16, 0)
    _, xb, _ = network.depth_study_case(3, 8, "relu", "normal", 2.0, 16, 0)
    assert np.array_equal(xa, xb)


def test_depth_study_shows_vanishing_and_exploding_gradients():
    vanishing = gradient_norms(10, 32, "sigmoid", "xavier", seeds=(0, 1, 2))
    assert vanishing.mean[0] < 1e-4 * vanishing.mean[-1]  # σ′ ≤ 1/4 at every layer
    exploding = gradient_norms(10, 32, "relu", "normal", sigma=1.0, seeds=(0, 1, 2))
    assert exploding.mean[0] > 1e4 * exploding.mean[-1]  # each layer × about √(32/2) = 4
    he = gradient_norms(10, 32, "relu", "he", seeds=(0, 1, 2))
    assert 0.05 < he.mean[0] / he.mean[-1] < 20  # He init keeps the size roughly level


# --- input validation ---------------------------------------------------------------------------


def test_unknown_names_raise_clear_errors():
    with pytest.raises(ValueError, match=r"unknown activation 'swish'; choose one of sigmoid, tanh"):
        MLP((2, 2), activation="swish")
    with pytest.raises(ValueError, match=r"unknown loss 'nll'; choose one of mse"):
        MLP((2, 2), loss="nll")
    with pytest.raises(ValueError, match=r"unknown init 'glorot'; choose one of normal"):
        MLP((2, 2), init="glorot")
    with pytest.raises(ValueError, match="has no parameter beta"):
        MLP((2, 3, 2), activation="leaky_relu", activation_params={"beta": 1.0})
    with pytest.raises(ValueError, match="has no parameter alpha"):
        MLP((2, 2), loss="mse", loss_params={"alpha": 1.0})
    with pytest.raises(ValueError, match="sigma applies to init='normal' only"):
        MLP((2, 2), init="he", sigma=0.5)
    with pytest.raises(ValueError, match="positive"):
        MLP((2, 2), init="normal", sigma=0.0)
    with pytest.raises(ValueError, match="at least 2 outputs"):
        MLP((2, 1), loss="softmax_cross_entropy")
    for sizes in [(2,), (2, 0, 2), (2, 2.5)]:
        with pytest.raises(ValueError, match="sizes"):
            MLP(sizes)


@pytest.mark.parametrize("x", [np.zeros(3), np.zeros((4, 3)), np.zeros((2, 2, 2)), np.zeros((0, 2)),
                               np.array([1.0, np.nan]), "ab"])
def test_wrong_x_raises(x):
    net = MLP((2, 3, 2))
    with pytest.raises(ValueError):
        net.loss(x, [1.0, 0.0] if np.ndim(x) < 2 else np.zeros((len(x), 2)))
    with pytest.raises(ValueError):
        net.forward(x)


@pytest.mark.parametrize("y", [np.zeros(3), np.zeros((2, 2)), np.array([0, 2, 1]),
                               np.array([0.0, 1.0, 1.0]), np.array([[1.0, np.inf]] * 3),
                               np.array([0, -1, 1])])
def test_wrong_y_raises(y):
    net = MLP((2, 3, 2))
    with pytest.raises(ValueError, match="y must|labels must"):
        net.gradients(np.zeros((3, 2)), y)


# --- speed and doctests -------------------------------------------------------------------------


def test_forward_and_backward_of_2_16_16_2_on_256_examples_takes_a_few_ms():
    net = MLP((2, 16, 16, 2), "tanh", "softmax_cross_entropy")
    x, labels = make_dataset("moons", 256)
    net.gradients(x, labels)
    times = []
    for _ in range(15):
        t0 = time.perf_counter()
        net.gradients(x, labels)
        times.append(time.perf_counter() - t0)
    assert np.median(times) < 5e-3, f"median {np.median(times) * 1e3:.2f} ms"


def test_docstring_examples_run():
    result = doctest.testmod(network, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 10 and result.failed == 0
