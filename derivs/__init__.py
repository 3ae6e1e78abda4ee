"""derivs: the derivatives that make neural networks train, computed carefully in NumPy.

The library a notebook user imports: numpy, scipy and sympy only. It returns numbers, records and
plain English; the Streamlit app (``derivs_app`` and ``pages/`` in the repository) draws and
translates them, and nothing here knows about it.

>>> import derivs
>>> round(float(derivs.ACTIVATIONS["sigmoid"].df(0.0)), 6)
0.25
"""

from derivs.activations import ACTIVATIONS, Activation, Kink, Param
from derivs.expression import ExpressionError, parse_expression
from derivs.losses import LOSSES, Loss
from derivs.network import (
    BACKPROP_BUGS,
    DATASETS,
    MLP,
    gradient_check,
    gradient_norms,
    make_dataset,
    neuron_graph,
    train,
    train_step,
)
from derivs.numeric import (
    ADAPTIVE_METHODS,
    CHECK_PRESETS,
    METHODS,
    CheckPreset,
    CheckResult,
    DirectionalCheck,
    Method,
    RichardsonTableau,
    along,
    directional_check,
    error_band,
    get_method,
    gradcheck,
    mismatches,
    numeric_derivative,
    numeric_jacobian,
    relative_error,
    richardson_tableau,
    step_error_curve,
)
from derivs.softmax import (
    log_softmax,
    softmax,
    softmax_complement,
    softmax_jacobian,
    softmax_jacobian_notes,
    softmax_vjp,
)

__all__ = [
    "ACTIVATIONS", "Activation", "Kink", "Param",
    "ExpressionError", "parse_expression",
    "LOSSES", "Loss",
    "BACKPROP_BUGS", "DATASETS", "MLP", "gradient_check", "gradient_norms", "make_dataset",
    "neuron_graph", "train", "train_step",
    "ADAPTIVE_METHODS", "CHECK_PRESETS", "METHODS", "DirectionalCheck", "RichardsonTableau",
    "directional_check", "richardson_tableau", "CheckPreset", "CheckResult", "Method",
    "along", "error_band", "get_method", "gradcheck", "mismatches", "numeric_derivative", "numeric_jacobian",
    "relative_error", "step_error_curve",
    "log_softmax", "softmax", "softmax_complement", "softmax_jacobian",
    "softmax_jacobian_notes", "softmax_vjp",
]
