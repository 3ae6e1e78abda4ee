"""derivs: the derivatives that make neural networks train, computed carefully in NumPy.

The core never imports streamlit or plotly (plotting lives in ``derivs_app.figures``, imported only
by the app).
"""

from derivs.activations import ACTIVATIONS, Activation, Kink, Param
from derivs.expression import ExpressionError, parse_expression
from derivs.losses import LOSSES, Loss
from derivs.numeric import (
    CHECK_PRESETS,
    METHODS,
    CheckPreset,
    CheckResult,
    Method,
    error_band,
    get_method,
    gradcheck,
    numeric_derivative,
    numeric_jacobian,
    relative_error,
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
    "CHECK_PRESETS", "METHODS", "CheckPreset", "CheckResult", "Method",
    "error_band", "get_method", "gradcheck", "numeric_derivative", "numeric_jacobian",
    "relative_error", "step_error_curve",
    "log_softmax", "softmax", "softmax_complement", "softmax_jacobian",
    "softmax_jacobian_notes", "softmax_vjp",
]
