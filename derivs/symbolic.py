"""The symbolic layer: LaTeX for every activation, loss and softmax formula, from sympy.

Derivatives are taken by sympy from the records' ``expr``; ``Piecewise`` there makes the
displayed derivative agree with the numpy kink convention. Results are cached: the registries
are small and fixed, so the caches are bounded by them.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from derivs.activations import ACTIVATIONS, F, X
from derivs.losses import LOSSES

_N_REGISTERED = 64  # bounds every cache below; the registries are far smaller


def _short_floats(expr: sp.Expr, digits: int = 5) -> sp.Expr:
    """Long constants (SELU's λ, α) shown with a few digits; the record keeps them exact."""
    return expr.xreplace({c: sp.Float(c, digits) for c in expr.atoms(sp.Float)})


def latex(expr: sp.Expr) -> str:
    return sp.latex(_short_floats(expr))


@lru_cache(maxsize=_N_REGISTERED)
def activation_derivative(name: str) -> sp.Expr:
    """sympy's f′ of the activation, unsimplified: simplify turns e^(−x)/(1+e^(−x))² into
    1/(4cosh²(x/2)), true but further from what a learner derives by hand."""
    return sp.diff(ACTIVATIONS[name].expr, X)


@lru_cache(maxsize=_N_REGISTERED)
def activation_latex(name: str) -> dict[str, str]:
    """{'f': ..., 'df': ..., 'df_via_output': ... or None} as LaTeX."""
    act = ACTIVATIONS[name]
    via = act.df_via_output_expr
    return {
        "f": latex(act.expr),
        "df": latex(activation_derivative(name)),
        "df_via_output": None if via is None else latex(via),
    }


@lru_cache(maxsize=_N_REGISTERED)
def loss_latex(name: str) -> dict[str, str]:
    """{'value', 'grad', 'notes_grad' (or None), 'wrt'} as LaTeX."""
    loss = LOSSES[name]
    wrt = sp.latex(loss.wrt[sp.Symbol("i")])
    notes = loss.notes_grad_expr
    return {
        "value": latex(loss.value_expr),
        "grad": latex(loss.grad_expr),
        "notes_grad": None if notes is None else latex(notes),
        "wrt": wrt,
    }


@lru_cache(maxsize=1)
def softmax_latex() -> dict[str, str]:
    """softmax, its Jacobian entry, matrix form and the VJP, built from sympy symbols."""
    i, j, k, n = sp.symbols("i j k n", integer=True, positive=True)
    z, s, v = sp.IndexedBase("z"), sp.IndexedBase("s"), sp.IndexedBase("v")
    T = sp.Symbol("T", positive=True)
    softmax_i = sp.exp(z[i] / T) / sp.Sum(sp.exp(z[k] / T), (k, 1, n))
    jac_ij = s[i] * (sp.KroneckerDelta(i, j) - s[j]) / T
    vjp_i = s[i] * (v[i] - sp.Sum(s[k] * v[k], (k, 1, n))) / T
    return {
        "softmax": f"s_{{i}} = {sp.latex(softmax_i)}",
        "jacobian_entry": rf"J_{{ij}} = \frac{{\partial s_i}}{{\partial z_j}} = {sp.latex(jac_ij)}",
        "jacobian_matrix": r"J = \frac{1}{T}\left(\operatorname{diag}(s) - s\,s^{\top}\right)",
        "notes_matrix": r"\mathbf{f}\cdot\mathbf{I} - \mathbf{f}^{T}\cdot\mathbf{f}",
        "vjp": rf"(J^{{\top}} v)_i = {sp.latex(vjp_i)}",
    }


def output_symbol_latex() -> str:
    """How the symbol for f's own output prints in the notes' forms (σ(1−σ) etc.)."""
    return sp.latex(F)
