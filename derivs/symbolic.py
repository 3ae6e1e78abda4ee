"""The symbolic layer: LaTeX for every activation, loss and softmax formula, from sympy.

Derivatives are taken by sympy from the records' ``expr``; ``Piecewise`` there makes the
displayed derivative agree with the numpy kink convention. Results are cached: the registries
are small and fixed, so the caches are bounded by them.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from derivs.activations import ACTIVATIONS, X
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


def derivative_piece(name: str, x0: float, **params) -> sp.Expr:
    """The branch of sympy's f′ that holds at x0, parameters substituted (all of f′ where f is
    smooth); at a kink, the branch the Piecewise assigns to it. Symbolic in x: choosing the
    branch needs only the conditions, never an evaluation (sympy can spend minutes proving
    whether a number like erf(500√2) − 1 is 0)."""
    return _derivative_piece(name, float(x0), tuple(sorted(params.items())))


@lru_cache(maxsize=1024)  # keyed by x0 too: bounded, one entry per probe position visited
def _derivative_piece(name: str, x0: float, params: tuple) -> sp.Expr:
    act = ACTIVATIONS[name]
    derivative = sp.piecewise_fold(activation_derivative(name).subs(act.symbols(**dict(params))))
    if not isinstance(derivative, sp.Piecewise):
        return derivative
    at = sp.Rational(x0)  # the float's exact value: conditions like x > 0 decide exactly
    return next(piece for piece, cond in derivative.args if cond.subs(X, at) == sp.true)


def slope_is_exactly_zero(name: str, x0: float, **params) -> bool:
    """True where f′ is the constant 0 on x0's branch (dead ReLU, saturated hardtanh): a 0 from
    df there is exact. A 0 from df on any other branch is float64 underflow of a slope that is
    not 0 (σ′(1000) ≈ 5e-435); the smooth activations' f′ has no zero a float can land on
    exactly (GELU′'s, SiLU′'s and Mish′'s roots are irrational)."""
    return derivative_piece(name, x0, **params).is_zero is True


def derivative_at_kink(name: str, at: float, **params) -> float:
    """sympy's value of f′ at a kink, from the Piecewise formula shown on screen."""
    return float(derivative_piece(name, at, **params).subs(X, sp.Rational(at)))


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
    # the notes' f·I − fᵀ·f read literally (f a row vector), entry by entry, kept in hand order
    f_i, f_j = sp.symbols("f_i f_j", positive=True)
    notes_ij = sp.Add(f_j, -f_i * f_j, evaluate=False)
    notes_factored = sp.Mul(f_j, sp.Add(1, -f_i, evaluate=False), evaluate=False)
    return {
        # z_i / T inline: a stacked fraction in an exponent is unreadable when projected
        "softmax": f"s_{{i}} = {sp.latex(softmax_i, fold_short_frac=True)}",
        "jacobian_entry": rf"J_{{ij}} = \frac{{\partial s_i}}{{\partial z_j}} = {sp.latex(jac_ij)}",
        "jacobian_matrix": r"J = \frac{1}{T}\left(\operatorname{diag}(s) - s\,s^{\top}\right)",
        "notes_matrix": r"\mathbf{f}\cdot\mathbf{I} - \mathbf{f}^{T}\cdot\mathbf{f}",
        "notes_entry": (f"M_{{ij}} = {sp.latex(notes_ij, order='none')} = "
                        f"{sp.latex(notes_factored, order='none')}"),
        "vjp": rf"(J^{{\top}} v)_i = {sp.latex(vjp_i)}",
    }

