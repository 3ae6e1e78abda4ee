"""The public API named in DESIGN.md: tests outside this repo rely on these names and shapes."""

import inspect
import math
import subprocess
import sys

import numpy as np
import pytest

import derivs

ACTIVATION_NAMES = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "softplus", "silu",
                    "gelu", "gelu_tanh", "mish", "softsign", "relu6", "hardtanh"]
LOSS_NAMES = ["mse", "cross_entropy", "binary_cross_entropy", "softmax_cross_entropy", "huber"]


def test_registries_hold_the_documented_names():
    assert list(derivs.ACTIVATIONS) == ACTIVATION_NAMES
    assert list(derivs.LOSSES) == LOSS_NAMES


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_activation_record_shape(name):
    act = derivs.ACTIVATIONS[name]
    x = np.linspace(-3.0, 3.0, 7).reshape(7, 1)
    params = {p.name: p.default for p in act.params}
    assert act.f(x, **params).shape == x.shape and act.df(x, **params).shape == x.shape
    assert act.f(x).dtype == np.float64
    assert isinstance(act.kinks, tuple) and isinstance(act.params, tuple)
    assert act.expr.free_symbols  # a sympy expression in x


def test_softmax_functions_and_temperature():
    z = np.array([1000.0, 1000.0, -1000.0])
    s = derivs.softmax(z, temperature=2.0)
    assert np.allclose(s, [0.5, 0.5, 0.0]) and math.isclose(s.sum(), 1.0)
    assert np.allclose(derivs.log_softmax(z, temperature=1.0)[:2], -math.log(2))
    jac = derivs.softmax_jacobian([0.3, -1.2, 2.0], temperature=1.0)
    # J[i, j] = ds_i/dz_j: column j is the derivative along z_j, checked by finite differences
    numerical = derivs.numeric_jacobian(derivs.softmax, np.array([0.3, -1.2, 2.0]))
    assert jac.shape == (3, 3) and np.allclose(jac, numerical, atol=1e-9)


def test_loss_gradient_is_with_respect_to_the_second_argument():
    y, yhat = np.array([0.0, 1.0, 0.5]), np.array([0.2, 0.7, 0.9])
    loss = derivs.LOSSES["mse"]
    numerical = derivs.numeric_jacobian(lambda v: loss.value(y, v), yhat)
    assert np.allclose(loss.grad(y, yhat), numerical, rtol=1e-8)


def test_numeric_helpers_and_relative_error():
    assert math.isclose(derivs.numeric_derivative(np.sin, 0.4, method="central"), math.cos(0.4),
                        rel_tol=1e-9)
    assert math.isclose(derivs.numeric_derivative(np.sin, 0.4, method="complex_step", h=None),
                        math.cos(0.4), rel_tol=1e-15)
    assert derivs.relative_error(1.0, 1.1) == pytest.approx(0.1 / 1.1)
    assert derivs.relative_error(0.0, 0.0) == 0.0


def test_parse_expression_is_public_and_refuses_code():
    expr = derivs.parse_expression("x*tanh(log(1+exp(x)))")
    assert expr.free_symbols
    with pytest.raises(derivs.ExpressionError):
        derivs.parse_expression("__import__('os').system('echo hi')")
    assert issubclass(derivs.ExpressionError, ValueError)


def test_importing_the_core_loads_neither_streamlit_nor_plotly():
    code = ("import sys, derivs; derivs.parse_expression('x'); "
            "assert 'streamlit' not in sys.modules and 'plotly' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_the_readme_example_runs_and_shows_the_notes_gradient_failing():
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    example = re.search(r"```python\n(.*?)```", readme, re.S).group(1)
    namespace: dict = {}
    exec(compile(example, "README.md", "exec"), namespace)  # our own docs, not user text
    notes_check = derivs.gradcheck(lambda v: derivs.LOSSES["mse"].value([0, 1], v),
                                   lambda v: derivs.LOSSES["mse"].notes_grad([0, 1], v),
                                   [0.5, 0.5])
    assert not notes_check.ok  # what the README's comment promises


@pytest.mark.parametrize("name", sorted(n for n in derivs.__all__
                                        if inspect.isfunction(getattr(derivs, n))))
def test_every_public_function_documents_itself_with_an_example_that_runs(name):
    """JAX-style: formula or purpose, then an example; pytest runs the examples as doctests
    (--doctest-modules over derivs/), so an example that stops being true fails the suite."""
    doc = inspect.getdoc(getattr(derivs, name)) or ""
    assert len(doc.splitlines()) >= 3 and ">>>" in doc, f"derivs.{name} needs a docstring example"
