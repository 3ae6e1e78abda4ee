"""Formulas typed by users, turned into sympy safely, and evaluated with numpy.

The user's text never reaches eval, exec, compile, ``sympify``, ``parse_expr`` or
``S(string)``: those run Python code. Instead ``ast.parse`` builds a syntax tree (parsing
runs nothing) and a small interpreter walks it, accepting only arithmetic, numbers, the
variable ``x``, declared parameters, ``pi``, ``e`` and the functions in ``FUNCTIONS``.
Anything else is refused with an :class:`ExpressionError` that says what and where, and,
for the slips students make (``3x``, ``|x|``, ``x > 0``, ``ln x``), what to write instead.

Every size is bounded before any work happens: text length, bracket depth, node count,
the size of the resulting tree, literal size, the magnitude of every constant (computed
first with plain floats, so ``9**9**9`` is refused without computing it) and the product
of nested exponents (``((x**100 + 0)**100`` is degree 10,000).

Constant parts are evaluated here, with sympy's evaluation on: exactly while they stay
small (``2*pi``, ``sqrt(2)``, ``relu(1)`` is 1), else as a float (``sin(1)``). Nothing
unevaluated and constant survives to be evaluated later by a printer (``exp(relu(1))``
left unevaluated cost a printer minutes). The rest is built unevaluated, as typed:
sympy's automatic evaluation consults its assumption system, whose cost grows
exponentially with nesting on some formulas. Heavy work (evaluation, diff, simplify,
LaTeX) belongs in ``derivs.sandbox``'s worker process.

``to_numpy`` needs no sympy work at all: it walks the expression's nodes once into a
list of numpy operations (no printing, no lambdify, no exec), so its cost is bounded by
the number of distinct nodes, which it checks first.
"""

from __future__ import annotations

import ast
import keyword
import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.special
import sympy
from sympy.printing.latex import LatexPrinter

__all__ = [
    "X",
    "FUNCTIONS",
    "ExpressionError",
    "parse_expression",
    "canonical_form",
    "derivative",
    "to_latex",
    "to_numpy",
    "NumericFunction",
]

X = sympy.Symbol("x", real=True)

MAX_LENGTH = 500
# Brackets, calls, powers; a flat sum like x+x+...+x counts as one level. sympy recurses
# several frames per level, and a Streamlit script thread starts some frames deep.
MAX_DEPTH = 30
MAX_NODES = 200
MAX_LITERAL = 1e6
MAX_LITERAL_DIGITS = 15
MAX_EXPONENT = 100  # any one exponent, and the product of nested ones
MAX_CONSTANT = 1e300  # any constant part of the formula; beyond float64 anyway
MAX_TREE_SIZE = 4000  # the built sympy tree, shared subtrees counted each time
MAX_SLOW_PRINT_NODES = 300  # see _print_fast
MAX_EXACT_SIZE = 16  # a constant part stays exact (2*pi, sqrt(2)) up to this many nodes
MAX_EXACT_ROOT_BITS = 64  # sympy factors the base of an exact root: keep that base small


class ExpressionError(ValueError):
    """A formula was refused; the message says what is not allowed and where.

    ``column`` is the 1-based column in the text the user typed, when known. ``code``
    names the kind of refusal for an app that translates it ("implicit_multiplication",
    "comparison", "timeout", ...; "refused" when nothing more specific applies), and
    ``params`` holds the values its message was built from (e.g. ``{"fix": "3*x"}``).
    """

    def __init__(self, message: str, column: int | None = None, code: str | None = None,
                 params: dict | None = None):
        super().__init__(message)
        self.column = column
        self.code = code or "refused"
        self.params = dict(params or {})

    def __reduce__(self):  # keep column, code and params when sent back from a worker
        return (type(self), (str(self), self.column, self.code, self.params))


# --------------------------------------------------------------------------------------
# The whitelist of functions: name -> (number of arguments, sympy builder, float version).
# The float version evaluates constant arguments cheaply for the magnitude checks.


def _sigmoid(u):
    return 1 / (1 + sympy.exp(-u))


# ReLU, max, min, abs, sign and the real cube root are opaque sympy functions with their
# own derivative rules. As Piecewise, nesting them costs exponential time (evaluating
# cbrt(cbrt(cbrt(cbrt(cbrt(x))))) took 27 s) and displays as nested cases; sympy.Abs
# differentiates through re() and im() unless it can prove its argument real. The steps
# in their derivatives use H(0) = 0, so ReLU'(0) = 0 (the PyTorch and JAX convention, as
# in derivs.activations); sympy.Max would give Heaviside(0) = 1/2. Their numpy code is in
# _NUMPY below. Their eval methods answer for real numbers only, NaN for NaN (comparing
# NaN raises in sympy), and nothing for anything else.


def _raised(body: str, exp: str | None) -> str:
    """LaTeX of body**exp (sympy's latex printer passes powers of functions down)."""
    return body if exp is None else rf"\left({body}\right)^{{{exp}}}"


def _real_numbers(*args) -> bool | None:
    """True if all args are real sympy numbers; None (NaN result) if one is NaN or complex
    infinity; False if some is not a number."""
    if not all(arg.is_Number or arg is sympy.zoo for arg in args):
        return False
    if any(arg is sympy.nan or arg is sympy.zoo for arg in args):
        return None
    return True


class heaviside(sympy.Function):  # lower case: printed as the user typed it
    """The step H(u): 1 for u > 0, else 0 (so H(0) = 0)."""

    nargs = 1

    @classmethod
    def eval(cls, u):
        real = _real_numbers(u)
        if real is None:
            return sympy.nan
        if real:
            return sympy.S.One if u > 0 else sympy.S.Zero

    def fdiff(self, argindex=1):
        return sympy.DiracDelta(self.args[0])

    def _latex(self, printer, exp=None):
        return _raised(rf"H\left({printer._print(self.args[0])}\right)", exp)


class relu(sympy.Function):
    """max(u, 0)."""

    nargs = 1

    @classmethod
    def eval(cls, u):
        real = _real_numbers(u)
        if real is None:
            return sympy.nan
        if real:
            return u if u > 0 else sympy.S.Zero

    def fdiff(self, argindex=1):
        return heaviside(self.args[0])

    def _latex(self, printer, exp=None):
        return _raised(rf"\operatorname{{ReLU}}\left({printer._print(self.args[0])}\right)", exp)


class maximum(sympy.Function):
    """max(a, b); on a tie the derivative follows b, so max(x, 0) has slope 0 at 0."""

    nargs = 2

    @classmethod
    def eval(cls, a, b):
        real = _real_numbers(a, b)
        if real is None:
            return sympy.nan
        if real:
            return a if a > b else b

    def fdiff(self, argindex=1):
        a, b = self.args
        step = heaviside(a - b)
        return step if argindex == 1 else 1 - step

    def _latex(self, printer, exp=None):
        a, b = map(printer._print, self.args)
        return _raised(rf"\max\left({a}, {b}\right)", exp)

    def _sympystr(self, printer):
        a, b = map(printer._print, self.args)
        return f"max({a}, {b})"


class minimum(sympy.Function):
    """min(a, b); on a tie the derivative follows b."""

    nargs = 2

    @classmethod
    def eval(cls, a, b):
        real = _real_numbers(a, b)
        if real is None:
            return sympy.nan
        if real:
            return a if a < b else b

    def fdiff(self, argindex=1):
        a, b = self.args
        step = heaviside(b - a)
        return step if argindex == 1 else 1 - step

    def _latex(self, printer, exp=None):
        a, b = map(printer._print, self.args)
        return _raised(rf"\min\left({a}, {b}\right)", exp)

    def _sympystr(self, printer):
        a, b = map(printer._print, self.args)
        return f"min({a}, {b})"


class absolute(sympy.Function):
    """|u|, with d|u|/du = sign(u) whether or not sympy can tell that u is real."""

    nargs = 1

    @classmethod
    def eval(cls, u):
        real = _real_numbers(u)
        if real is None:
            return sympy.nan
        if real:
            return abs(u)

    def fdiff(self, argindex=1):
        return signum(self.args[0])

    def _latex(self, printer, exp=None):
        return _raised(rf"\left|{printer._print(self.args[0])}\right|", exp)

    def _sympystr(self, printer):
        return f"abs({printer._print(self.args[0])})"


class signum(sympy.Function):
    """sign(u): -1, 0 or 1; its derivative is 2 DiracDelta(u) (0 except at u = 0)."""

    nargs = 1

    @classmethod
    def eval(cls, u):
        real = _real_numbers(u)
        if real is None:
            return sympy.nan
        if real:
            return sympy.sign(u)

    def fdiff(self, argindex=1):
        return 2 * sympy.DiracDelta(self.args[0])

    def _latex(self, printer, exp=None):
        return _raised(rf"\operatorname{{sgn}}\left({printer._print(self.args[0])}\right)", exp)

    def _sympystr(self, printer):
        return f"sign({printer._print(self.args[0])})"


class cbrt(sympy.Function):
    """The real cube root (sympy.cbrt is the principal root, complex for u < 0)."""

    nargs = 1

    @classmethod
    def eval(cls, u):
        if u is sympy.nan or u is sympy.zoo:
            return sympy.nan
        if u.is_Rational:
            root = sympy.Abs(u) ** sympy.Rational(1, 3)
            return -root if u < 0 else root

    def fdiff(self, argindex=1):
        return 1 / (3 * cbrt(self.args[0]) ** 2)

    def _latex(self, printer, exp=None):
        return _raised(rf"\sqrt[3]{{{printer._print(self.args[0])}}}", exp)


def _gelu(u):
    return u * (1 + sympy.erf(u / sympy.sqrt(2))) / 2


def _float_sigmoid(u: float) -> float:
    return 1 / (1 + math.exp(-u)) if u >= 0 else math.exp(u) / (1 + math.exp(u))


def _float_softplus(u: float) -> float:
    return max(u, 0.0) + math.log1p(math.exp(-abs(u)))


def _float_cbrt(u: float) -> float:
    return math.copysign(abs(u) ** (1 / 3), u)


def _float_sign(u: float) -> float:
    return float((u > 0) - (u < 0))


@dataclass(frozen=True)
class _Function:
    arity: int
    build: Callable
    approx: Callable


FUNCTIONS: dict[str, _Function] = {
    "exp": _Function(1, sympy.exp, math.exp),
    "log": _Function(1, sympy.log, math.log),
    "ln": _Function(1, sympy.log, math.log),
    "log1p": _Function(1, lambda u: sympy.log(1 + u), math.log1p),
    "sqrt": _Function(1, sympy.sqrt, math.sqrt),
    "cbrt": _Function(1, cbrt, _float_cbrt),
    "abs": _Function(1, absolute, abs),
    "sign": _Function(1, signum, _float_sign),
    "heaviside": _Function(1, heaviside, lambda u: float(u > 0)),
    "sin": _Function(1, sympy.sin, math.sin),
    "cos": _Function(1, sympy.cos, math.cos),
    "tan": _Function(1, sympy.tan, math.tan),
    "sinh": _Function(1, sympy.sinh, math.sinh),
    "cosh": _Function(1, sympy.cosh, math.cosh),
    "tanh": _Function(1, sympy.tanh, math.tanh),
    "asinh": _Function(1, sympy.asinh, math.asinh),
    "arcsinh": _Function(1, sympy.asinh, math.asinh),
    "atan": _Function(1, sympy.atan, math.atan),
    "arctan": _Function(1, sympy.atan, math.atan),
    "erf": _Function(1, sympy.erf, math.erf),
    "erfc": _Function(1, sympy.erfc, math.erfc),
    "sigmoid": _Function(1, _sigmoid, _float_sigmoid),
    "softplus": _Function(1, lambda u: sympy.log(1 + sympy.exp(u)), _float_softplus),
    "relu": _Function(1, relu, lambda u: max(u, 0.0)),
    "gelu": _Function(1, _gelu, lambda u: u * (1 + math.erf(u / math.sqrt(2))) / 2),
    "silu": _Function(1, lambda u: u * _sigmoid(u), lambda u: u * _float_sigmoid(u)),
    "swish": _Function(1, lambda u: u * _sigmoid(u), lambda u: u * _float_sigmoid(u)),
    "max": _Function(2, maximum, max),
    "min": _Function(2, minimum, min),
}

_CONSTANTS = {"pi": (sympy.pi, math.pi), "e": (sympy.E, math.e)}

# Friendly names for the constructs people (or attackers) try; everything else falls
# back to the node's class name.
_CONSTRUCTS = {
    ast.Attribute: "attribute access ('.')",
    ast.Subscript: "indexing ('[...]')",
    ast.Slice: "slices (':')",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.List: "lists ('[...]')",
    ast.Tuple: "tuples (a comma outside a function call)",
    ast.Set: "sets ('{...}')",
    ast.Dict: "dicts ('{...}')",
    ast.NamedExpr: "assignment (':=')",
    ast.JoinedStr: "f-strings",
    ast.FormattedValue: "f-strings",
    ast.Starred: "unpacking ('*')",
    ast.BoolOp: "'and' / 'or'",
    ast.Await: "'await'",
    ast.Yield: "'yield'",
    ast.YieldFrom: "'yield'",
}

_OPERATOR_SYMBOLS = {
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitAnd: "&",
    ast.BitXor: "^",
    ast.Not: "not",
    ast.Invert: "~",
}


def _negate(u):
    return -u if u.is_Number else sympy.Mul(sympy.S.NegativeOne, u)


def _flat(expr, kind):
    return expr.args if isinstance(expr, kind) else (expr,)


# Built unevaluated (parse_expression runs under sympy.evaluate(False)), so chains are
# flattened here: a+b+c is one Add, not Add(Add(a, b), c).
_ARITHMETIC = {
    ast.Add: (lambda a, b: sympy.Add(*_flat(a, sympy.Add), *_flat(b, sympy.Add)), operator.add),
    ast.Sub: (lambda a, b: sympy.Add(*_flat(a, sympy.Add), _negate(b)), operator.sub),
    ast.Mult: (lambda a, b: sympy.Mul(*_flat(a, sympy.Mul), *_flat(b, sympy.Mul)), operator.mul),
    ast.Div: (lambda a, b: _divide(a, b), operator.truediv),
}


def _divide(a, b):
    if a == 1:  # 1/u, not 1*(1/u), which prints as "1 \frac{1}{u}"
        return sympy.Pow(b, -1)
    return sympy.Mul(*_flat(a, sympy.Mul), sympy.Pow(b, -1))


_LONG_INTEGER = re.compile(rf"(?<![\w.])\d{{{MAX_LITERAL_DIGITS + 1},}}")


# --------------------------------------------------------------------------------------
# Slips: what students type that Python reads differently, and what to write instead.
# Each refusal carries a code and a ``fix`` (text to write), so an app can translate it.

# Non-ASCII characters with an ASCII spelling in a formula.
_UNICODE_SPELLINGS = {
    "²": "^2", "³": "^3", "¹": "^1", "⁴": "^4", "·": "*", "×": "*", "∗": "*", "⋅": "*",
    "−": "-", "–": "-", "÷": "/", "π": "pi", "√": "sqrt(...)", "ℯ": "e",
}
_NUMBER = r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
# A number followed by a name or a bracket: 3x, 2(x+1), 2 x, 2e5x.
_IMPLICIT = re.compile(rf"(?<![\w.])((?>{_NUMBER}))(\s*)([A-Za-z_]\w*|\()")
_NUMBER_BASE = re.compile(r"(?<![\w.])0[xXoObB][0-9a-fA-F_]*")
_FUNCTION_NAMES = "|".join(sorted(FUNCTIONS, key=len, reverse=True))
# sin^2(x) or sin**2(x): the power of a function written before its argument.
_FUNCTION_POWER = re.compile(rf"\b({_FUNCTION_NAMES})\s*(?:\^|\*\*)\s*(\d+)\s*\(")
# ln x, sin 2x: a function name with its argument not in brackets.
_FUNCTION_SPACE = re.compile(rf"\b({_FUNCTION_NAMES})\s+([A-Za-z0-9_.]+)")


def _slip(message: str, column: int | None, code: str, **params) -> ExpressionError:
    where = f" (column {column})" if column else ""
    return ExpressionError(f"{message}{where}", column, code, params)


def _closing(text: str, start: int, limit: int = 40) -> int | None:
    """Index just past the bracket matching the '(' at ``start``, if within ``limit``."""
    depth = 0
    for index in range(start, min(len(text), start + limit)):
        depth += (text[index] == "(") - (text[index] == ")")
        if depth == 0:
            return index + 1
    return None


def _check_slips(text: str) -> None:
    """Refuse the common slips with a message that says what to write instead."""
    if "#" in text:
        col = text.index("#") + 1
        raise _slip("'#' is not allowed: a comment is not part of a formula", col, "comment",
                    found="#")
    if "|" in text:
        start = text.index("|")
        end = text.find("|", start + 1)
        inner = text[start + 1:end].strip() if end > start else ""
        fix = f"abs({inner})" if inner and len(inner) <= 40 else "abs(...)"
        found = f"|{inner}|" if inner and len(inner) <= 40 else "|...|"
        raise _slip(f"write {fix} for the absolute value {found}", start + 1, "abs_bars",
                    fix=fix, found=found)
    match = _NUMBER_BASE.search(text)
    if match:
        raise _slip(f"write numbers in decimal, not {match.group()[:20]}", match.start() + 1,
                    "number_base", found=match.group()[:20])
    match = _FUNCTION_POWER.search(text)
    if match:
        name, power = match.group(1), match.group(2)
        end = _closing(text, match.end() - 1)
        argument = text[match.end() - 1:end] if end else "(x)"
        fix, found = f"{name}{argument}^{power}", f"{name}^{power}{argument}"
        raise _slip(f"write {fix} for a power of {name}, not {found}", match.start() + 1,
                    "function_power", fix=fix, found=found)
    match = _FUNCTION_SPACE.search(text)
    if match and not keyword.iskeyword(match.group(2)):
        name, argument = match.group(1), match.group(2)
        fix, found = f"{name}({argument})", f"{name} {argument}"
        raise _slip(f"a function's argument goes in brackets: write {fix}, not {found}",
                    match.start() + 1, "function_brackets", fix=fix, found=found)
    for match in _IMPLICIT.finditer(text):
        number, space, after = match.groups()
        if after != "(" and (keyword.iskeyword(after) or after.startswith("_")):
            continue  # "1 if x > 0 else 0" is the grammar's business
        if after == "(":
            end = _closing(text, match.start(3))
            after = text[match.start(3):end] if end else "(...)"
        fix, found = f"{number}*{after}", f"{number}{space}{after}"
        raise _slip(f"multiplication is explicit: write {fix}, not {found}", match.start() + 1,
                    "implicit_multiplication", fix=fix, found=found)


def _name_slip(name: str, params: dict) -> tuple[str, str] | None:
    """(code, fix) for an unknown name that is a slip: sinx -> sin(x), xe -> x*e."""
    for function in sorted(FUNCTIONS, key=len, reverse=True):
        rest = name[len(function):]
        if name.startswith(function) and rest and (rest == "x" or rest in params
                                                   or rest.isdigit()):
            return "function_brackets", f"{function}({rest})"
    # a run of known names: xx, ex, xpi
    known = sorted(["x", "e", "pi", *params], key=len, reverse=True)
    parts, rest = [], name
    while rest:
        head = next((k for k in known if rest.startswith(k)), None)
        if head is None:
            return None
        parts.append(head)
        rest = rest[len(head):]
    return ("implicit_multiplication", "*".join(parts)) if len(parts) > 1 else None


# --------------------------------------------------------------------------------------
# Parsing


def parse_expression(text: str, params: tuple[str, ...] = ()) -> sympy.Expr:
    """Turn a formula in ``x`` (and the named ``params``) into a sympy expression.

    A whitelisted parser over Python's ``ast`` (never eval, sympify or parse_expr): numbers, x,
    the named params, + − * / ** (``^`` means power) and the functions in ``FUNCTIONS``.
    Nothing in ``text`` is ever executed. Constant parts are evaluated (exactly while small,
    else to a float); the rest is built unevaluated, as typed.

    Args:
      text: the formula, at most 500 characters.
      params: names of extra symbols the formula may use, e.g. ("alpha",).

    Returns:
      a sympy expression in ``X`` (real x).

    Raises:
      ExpressionError: anything outside the whitelist, with the column where it happened
        and, for common slips (3x, |x|, x > 0, ln x), a ``code`` and the ``fix`` to write.

    >>> parse_expression("x^2 + tanh(x)")
    x**2 + tanh(x)
    >>> parse_expression("x + exp(relu(1))")
    x + E
    >>> parse_expression("3x^2")
    Traceback (most recent call last):
    ...
    derivs.expression.ExpressionError: multiplication is explicit: write 3*x, not 3x (column 1)
    """
    param_symbols = _param_symbols(params)
    _check_text(text)
    _check_slips(text)
    tree, interpreter = _syntax(text, param_symbols)
    _check_shape(tree.body, interpreter.column)
    try:
        # Unevaluated: sympy's automatic evaluation asks its assumption system questions
        # whose cost grows exponentially with nesting (cos(sinh(...)) ran for minutes).
        # The formula is kept as typed; diff, in a worker process, evaluates.
        with sympy.evaluate(False):
            part = interpreter.visit(tree.body)
    except RecursionError:
        raise ExpressionError("the formula is nested too deeply") from None
    _check_result(part.expr)
    return part.expr


def _syntax(text: str, param_symbols: dict):
    # '^' has no other meaning in a formula; '**' is Python's spelling of power.
    source = text.replace("^", "**")
    columns = _column_map(text)
    leading = len(source) - len(source.lstrip())  # eval mode refuses leading spaces
    tree = _parse_tree(source.strip(), lambda col: columns[min(col + leading, len(columns) - 1)])
    return tree, _Interpreter(source, leading, columns, param_symbols)


def canonical_form(text: str) -> str:
    """The shape of a formula that parses: its syntax tree with every number replaced by
    '#', except exponents. ``x+exp(relu(1))`` and ``x+exp(relu(2))`` share one; ``x^2`` and
    ``x^3`` do not (an exponent can decide how long the symbolic work takes).

    Raises ExpressionError if the text does not parse.
    """
    _check_text(text)
    tree, _ = _syntax(text, {})

    class Shape(ast.NodeTransformer):
        def visit_Constant(self, node):
            return ast.Constant("#")

        def visit_BinOp(self, node):
            exponent = node.right
            if isinstance(node.op, ast.Pow) and _is_number_node(exponent):
                return ast.BinOp(self.visit(node.left), node.op, exponent)
            return self.generic_visit(node)

    return ast.dump(Shape().visit(tree), annotate_fields=False)


def _is_number_node(node: ast.AST) -> bool:
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    return isinstance(node, ast.Constant) and isinstance(node.value, (int, float))


def _param_symbols(params: tuple[str, ...]) -> dict[str, sympy.Symbol]:
    if isinstance(params, str):
        raise TypeError("params must be a tuple of names, not a string")
    symbols = {}
    for name in params:
        if not (
            isinstance(name, str)
            and name.isascii()
            and name.isidentifier()
            and not name.startswith("_")
            and len(name) <= 30
            and not keyword.iskeyword(name)
        ):
            raise ExpressionError(f"parameter name {name!r} must be a plain identifier")
        if name == "x" or name in _CONSTANTS or name in FUNCTIONS:
            raise ExpressionError(f"parameter name {name!r} is already taken")
        symbols[name] = sympy.Symbol(name, real=True)
    return symbols


def _check_text(text: str) -> None:
    """Cheap checks on the raw text, before the Python parser sees it."""
    if not isinstance(text, str):
        raise ExpressionError(f"a formula must be text, not {type(text).__name__}")
    if not text.strip():
        raise ExpressionError("the formula is empty", code="empty")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"the formula is too long ({len(text)} characters; at most {MAX_LENGTH})"
        )
    for index, char in enumerate(text):
        if not char.isascii():
            if char in _UNICODE_SPELLINGS:
                fix = _UNICODE_SPELLINGS[char]
                raise _slip(f"write {fix} instead of {char!r} (only ASCII characters are "
                            "allowed)", index + 1, "unicode_symbol", fix=fix, found=char)
            # Python folds fullwidth letters to ASCII (NFKC), so 'ｅｖａｌ' would read as eval.
            raise ExpressionError(
                f"only ASCII characters are allowed (found {char!r} at column {index + 1})",
                index + 1,
            )
        if not " " <= char <= "~":
            raise ExpressionError(
                f"control characters are not allowed (found {char!r} at column {index + 1})",
                index + 1,
            )
    depth = 0
    for index, char in enumerate(text):
        depth += (char in "([{") - (char in ")]}")
        if depth > MAX_DEPTH:
            # Checked before parsing: a few hundred brackets can exhaust the parser.
            raise ExpressionError(
                f"the formula is nested too deeply (more than {MAX_DEPTH} brackets "
                f"at column {index + 1})",
                index + 1,
            )
    match = _LONG_INTEGER.search(text)
    if match:
        raise ExpressionError(
            f"the number {match.group()[:20]}... is too long (at most "
            f"{MAX_LITERAL_DIGITS} digits; at column {match.start() + 1})",
            match.start() + 1,
        )


def _column_map(text: str) -> list[int]:
    """1-based column in ``text`` for each index of the text with '^' spelled '**'."""
    columns = []
    for index, char in enumerate(text):
        columns.extend([index + 1] * (2 if char == "^" else 1))
    columns.append(len(text) + 1)
    return columns


def _parse_tree(source: str, column: Callable[[int], int]) -> ast.Expression:
    try:
        return ast.parse(source, mode="eval")
    except SyntaxError as error:
        offset = (error.offset or 1) - 1
        col = column(offset) if error.lineno in (None, 1) else None
        where = f" at column {col}" if col else ""
        raise ExpressionError(f"this is not a valid formula: {error.msg}{where}", col) from None
    except (RecursionError, MemoryError, ValueError, OverflowError):
        raise ExpressionError("the formula is too complex to read") from None


def _check_shape(root: ast.AST, column: Callable[[ast.AST], int | None]) -> None:
    """Bound node count and nesting depth, without recursion."""
    count = 0
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise ExpressionError(f"the formula is too long (more than {MAX_NODES} parts)")
        if depth > MAX_DEPTH:
            raise ExpressionError(
                f"the formula is nested too deeply (more than {MAX_DEPTH} levels)", column(node)
            )
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop)):
                continue
            # A chain like a+b-c+d is one level to a reader, so it does not deepen.
            flat = (
                isinstance(node, ast.BinOp)
                and isinstance(child, ast.BinOp)
                and child is node.left
                and _op_family(child.op) == _op_family(node.op) is not None
            )
            stack.append((child, depth if flat else depth + 1))


def _op_family(op: ast.operator) -> str | None:
    if isinstance(op, (ast.Add, ast.Sub)):
        return "additive"
    if isinstance(op, (ast.Mult, ast.Div)):
        return "multiplicative"
    return None


@dataclass(frozen=True)
class _Part:
    """What the interpreter builds for one syntax node: the sympy expression; for a
    constant part its float value (``approx``, None otherwise); and ``power``, the largest
    product of nested numeric exponents inside (x**2 is 2, (x**2 + 1)**3 is 6)."""

    expr: sympy.Expr
    approx: float | None = None
    power: float = 1.0


# What a constant part may be made of to stay exact: numbers, pi, e, + * ** exp log.
_EXACT_NODES = (sympy.Rational, sympy.Float, sympy.core.numbers.Pi, sympy.core.numbers.Exp1,
                sympy.Add, sympy.Mul, sympy.Pow, sympy.exp, sympy.log)


def _small_exact(expr: sympy.Expr) -> bool:
    """Whether expr is a small constant of _EXACT_NODES (cheap for sympy to evaluate)."""
    stack, count = [expr], 0
    while stack:
        node = stack.pop()
        count += 1
        if count > MAX_EXACT_SIZE or not isinstance(node, _EXACT_NODES):
            return False
        if node.is_Rational and max(abs(node.p), node.q).bit_length() > 1000:
            return False
        stack.extend(node.args)
    return True


def _root_of_big_number(base: sympy.Expr, exponent: sympy.Expr) -> bool:
    """sympy factors the base of an exact root (2**64)**(1/3): costly for a big base."""
    if not (exponent.is_Rational and not exponent.is_Integer):
        return False
    return any(n.is_Rational and max(abs(n.p), n.q).bit_length() > MAX_EXACT_ROOT_BITS
               for n in sympy.preorder_traversal(base) if n.is_Number)


class _Interpreter:
    """Builds sympy from an allowed syntax tree, one ``_Part`` per node.

    Constants are checked on their float value first, so sympy never computes a huge
    exact number; then evaluated by sympy, with evaluation on, while they stay small
    (``_small_exact``), else replaced by that float.
    """

    def __init__(self, source, leading, columns, params):
        self.source = source
        self.leading = leading
        self.columns = columns
        self.params = params
        self.sizes: dict = {}  # memo for _tree_size

    def column(self, node: ast.AST) -> int | None:
        offset = getattr(node, "col_offset", None)
        if offset is None:
            return None
        return self.columns[min(offset + self.leading, len(self.columns) - 1)]

    def fragment(self, node: ast.AST, limit: int = 40) -> str:
        text = ast.get_source_segment(self.source.strip(), node) or ""
        return text if len(text) <= limit else text[:limit - 3] + "..."

    def refuse(self, what: str, node: ast.AST, hint: str = "", code: str | None = None,
               **params) -> ExpressionError:
        col = self.column(node)
        where = f"column {col}: " if col else ""
        hint = f"; {hint}" if hint else ""
        return ExpressionError(f"{what} ({where}'{self.fragment(node)}'){hint}", col, code,
                               params)

    def visit(self, node: ast.AST) -> _Part:
        if isinstance(node, ast.BinOp):
            part = self.binary(node)
        elif isinstance(node, ast.UnaryOp):
            part = self.unary(node)
        elif isinstance(node, ast.Constant):
            part = self.constant(node)
        elif isinstance(node, ast.Name):
            part = self.name(node)
        elif isinstance(node, ast.Call):
            part = self.call(node)
        elif isinstance(node, ast.Compare):
            raise self.comparison(node)
        elif isinstance(node, ast.IfExp):
            raise self.conditional(node)
        else:
            what = _CONSTRUCTS.get(type(node), f"'{type(node).__name__}'")
            raise self.refuse(f"{what} is not allowed in a formula", node)
        if part.power > MAX_EXPONENT:
            raise self.refuse(
                f"nested powers multiply their exponents: this reaches {part.power:g} (at most "
                f"{MAX_EXPONENT})", node, code="nested_power", power=f"{part.power:g}",
                limit=MAX_EXPONENT)
        # sigmoid, gelu, silu, max... repeat their argument: nesting them grows the
        # formula exponentially, and everything downstream walks the whole tree.
        if _tree_size(part.expr, self.sizes) > MAX_TREE_SIZE:
            raise self.refuse(
                f"this formula expands to more than {MAX_TREE_SIZE} terms; nest fewer functions",
                node,
            )
        return part

    # --- constants ---------------------------------------------------------------------

    def constant_part(self, node: ast.AST, approx: float, build: Callable, children) -> _Part:
        """The folded constant: sympy's exact value while small, else the float."""
        if math.isnan(approx):
            raise self.refuse("this part has no real value", node)
        if abs(approx) > MAX_CONSTANT:
            raise self.refuse(f"this constant is too large (above {MAX_CONSTANT:g})", node)
        if build is not None and all(_small_exact(child.expr) for child in children):
            try:
                with sympy.evaluate(True):
                    exact = build()
            except (ArithmeticError, ValueError, TypeError, RecursionError):
                exact = None
            if exact is not None and _small_exact(exact):
                return _Part(exact, approx)
        return _Part(sympy.Float(approx), approx)

    def constant(self, node: ast.Constant) -> _Part:
        value = node.value
        if isinstance(value, bool) or value is None or value is Ellipsis:
            raise self.refuse(f"{value!r} is not allowed in a formula", node)
        if isinstance(value, (str, bytes)):
            raise self.refuse("text in quotes is not allowed in a formula", node)
        if isinstance(value, complex):
            raise self.refuse("complex numbers are not allowed", node)
        if not isinstance(value, (int, float)):
            raise self.refuse(f"{type(value).__name__} is not allowed", node)
        if not abs(value) <= MAX_LITERAL:  # also catches inf and nan
            raise self.refuse(f"numbers must be at most {MAX_LITERAL:g} in size", node)
        if isinstance(value, int):
            return _Part(sympy.Integer(value), float(value))
        return _Part(sympy.Float(value), value)

    def name(self, node: ast.Name) -> _Part:
        if node.id == "x":
            return _Part(X)
        if node.id in self.params:
            return _Part(self.params[node.id])
        if node.id in _CONSTANTS:
            expr, approx = _CONSTANTS[node.id]
            return _Part(expr, approx)
        if node.id in FUNCTIONS:
            fix = f"{node.id}(x)" if FUNCTIONS[node.id].arity == 1 else f"{node.id}(x, 0)"
            raise self.refuse(f"{node.id} is a function; call it like {fix}", node,
                              code="bare_function", fix=fix, found=node.id)
        slip = _name_slip(node.id, self.params)
        if slip is not None:
            code, fix = slip
            hint = ("multiplication is explicit" if code == "implicit_multiplication"
                    else "a function's argument goes in brackets")
            raise self.refuse(f"unknown name '{node.id}'", node, f"{hint}: write {fix}",
                              code=code, fix=fix, found=node.id)
        allowed = "the variable is x"
        if self.params:
            allowed += " and the parameters are " + ", ".join(self.params)
        raise self.refuse(f"unknown name '{node.id}'", node, allowed)

    # --- operators ---------------------------------------------------------------------

    def unary(self, node: ast.UnaryOp) -> _Part:
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            symbol = _OPERATOR_SYMBOLS.get(type(node.op), type(node.op).__name__)
            raise self.refuse(f"the operator '{symbol}' is not allowed", node)
        operand = self.visit(node.operand)
        if isinstance(node.op, ast.UAdd):
            return operand
        if operand.approx is not None:
            return self.constant_part(node, -operand.approx, lambda: -operand.expr, [operand])
        return _Part(_negate(operand.expr), None, operand.power)

    def binary(self, node: ast.BinOp) -> _Part:
        op = node.op
        if not isinstance(op, (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)):
            symbol = _OPERATOR_SYMBOLS.get(type(op), type(op).__name__)
            raise self.refuse(f"the operator '{symbol}' is not allowed", node)
        left, right = self.visit(node.left), self.visit(node.right)
        if isinstance(op, ast.Pow):
            return self.power(node, left, right)
        a, b = left.approx, right.approx
        if isinstance(op, ast.Div) and b == 0:
            raise self.refuse("division by zero", node)
        build, combine = _ARITHMETIC[type(op)]
        if a is not None and b is not None:
            return self.constant_part(node, _float_call(combine, a, b),
                                      lambda: build(left.expr, right.expr), [left, right])
        return _Part(build(left.expr, right.expr), None, max(left.power, right.power))

    def power(self, node, base: _Part, exponent: _Part) -> _Part:
        a, b = base.approx, exponent.approx
        if b is not None:
            if not abs(b) <= MAX_EXPONENT:
                raise self.refuse(f"exponents must be at most {MAX_EXPONENT} in size", node,
                                  code="exponent", limit=MAX_EXPONENT)
            if a is not None:
                if a == 0 and b < 0:
                    raise self.refuse("division by zero (0 to a negative power)", node)
                # Estimate the size before sympy computes it exactly.
                if a != 0 and b * math.log10(abs(a)) > math.log10(MAX_CONSTANT):
                    raise self.refuse(f"this constant is too large (above {MAX_CONSTANT:g})", node)
        if a is not None and b is not None:
            build = None if _root_of_big_number(base.expr, exponent.expr) else (
                lambda: sympy.Pow(base.expr, exponent.expr))  # a float will do for a big root
            return self.constant_part(node, _float_call(operator.pow, a, b), build,
                                      [base, exponent])
        if b is not None:  # (x**100 + 0)**100 is degree 10,000
            power = max(1.0, abs(b)) * base.power
        else:
            power = max(base.power, exponent.power)
        return _Part(sympy.Pow(base.expr, exponent.expr), None, power)

    def call(self, node: ast.Call) -> _Part:
        if not isinstance(node.func, ast.Name):
            if isinstance(node.func, (ast.Constant, ast.BinOp, ast.UnaryOp, ast.Call)):
                raise self.implicit_call(node)
            raise self.refuse("only named functions like exp(x) can be called", node)
        name = node.func.id
        spec = FUNCTIONS.get(name)
        if spec is None:
            if name == "x" or name in self.params or name in _CONSTANTS:
                raise self.implicit_call(node)
            raise self.refuse(
                f"'{name}' is not an allowed function",
                node,
                f"allowed: {', '.join(sorted(FUNCTIONS))}",
            )
        if node.keywords:
            raise self.refuse(f"{name}() takes no keyword arguments", node)
        if any(isinstance(arg, ast.Starred) for arg in node.args):
            raise self.refuse("unpacking ('*') is not allowed", node)
        if len(node.args) != spec.arity:
            plural = "s" if spec.arity > 1 else ""
            raise self.refuse(
                f"{name}() takes {spec.arity} argument{plural}, not {len(node.args)}", node
            )
        parts = [self.visit(arg) for arg in node.args]
        exprs = [part.expr for part in parts]
        if all(part.approx is not None for part in parts):
            approx = _float_call(spec.approx, *(part.approx for part in parts))
            return self.constant_part(node, approx, lambda: spec.build(*exprs), parts)
        return _Part(spec.build(*exprs), None, max(part.power for part in parts))

    # --- slips that parse: what to write instead -----------------------------------------

    def implicit_call(self, node: ast.Call) -> ExpressionError:
        """2(x+1), x(x+1), (x+1)(x-1): a product written without '*'."""
        whole = ast.get_source_segment(self.source.strip(), node) or ""
        start = len(whole) - 1  # the argument list is the bracket group that ends the call
        depth = 0
        while start > 0:
            depth += (whole[start] == ")") - (whole[start] == "(")
            if depth == 0:
                break
            start -= 1
        func, args = whole[:start].strip(), whole[start + 1:-1].strip()
        fix, found = f"{func}*({args})", f"{func}({args})"
        if len(fix) > 40:
            fix, found = f"{func[:20]}*(...)", f"{func[:20]}(...)"
        return self.refuse(f"multiplication is explicit: write {fix}, not {found}", node,
                           code="implicit_multiplication", fix=fix, found=found)

    def step_for(self, test: ast.AST) -> str | None:
        """heaviside(...) text that is 1 where the comparison ``test`` holds (up to ties)."""
        if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
            return None
        left, right = self.fragment(test.left, 200), self.fragment(test.comparators[0], 200)
        zero = _is_number_node(test.comparators[0]) and right.strip("+-") in ("0", "0.0")
        if isinstance(test.ops[0], (ast.Gt, ast.GtE)):
            inner = left if zero else f"{left} - ({right})" if " " in right else f"{left} - {right}"
        elif isinstance(test.ops[0], (ast.Lt, ast.LtE)):
            inner = f"-{left}" if zero and left.isidentifier() else (
                f"{right} - ({left})" if not left.isidentifier() else f"{right} - {left}")
        else:
            return None
        return f"heaviside({inner})"

    def comparison(self, node: ast.Compare) -> ExpressionError:
        step = self.step_for(node) or "heaviside(x)"
        return self.refuse("comparisons (<, >, ==, ...) are not allowed", node,
                           f"for a step write {step}: 1 where the comparison holds, else 0",
                           code="comparison", fix=step, found=self.fragment(node))

    def conditional(self, node: ast.IfExp) -> ExpressionError:
        step = self.step_for(node.test)
        body, orelse = self.fragment(node.body, 200), self.fragment(node.orelse, 200)
        fix = None
        if step is not None:
            inner = step[len("heaviside("):-1]
            if (body, orelse) == ("1", "0"):
                fix = step
            elif (body, orelse) == ("0", "1"):
                fix = f"1 - {step}"
            elif orelse == "0" and body == inner:
                fix = f"relu({inner})"
            elif orelse in (f"-{body}", f"-({body})") and body == inner:
                fix = f"abs({inner})"
            elif orelse == "0":
                fix = f"({body})*{step}"
            else:
                fix = f"{orelse} + ({body} - ({orelse}))*{step}"
        if fix is None or len(fix) > 60:
            fix = "heaviside(x)"
        return self.refuse("'if ... else' is not allowed", node,
                           f"write {fix} (heaviside, relu, max, min and abs make piecewise "
                           "functions)", code="conditional", fix=fix, found=self.fragment(node))


def _float_call(fn: Callable, *args: float) -> float:
    """``fn(*args)`` in floats: overflow becomes inf, domain errors and complex become nan."""
    try:
        value = fn(*args)
    except OverflowError:
        return math.inf
    except (ValueError, ZeroDivisionError):
        return math.nan
    if isinstance(value, complex):
        return math.nan
    return float(value)


def _check_result(expr: sympy.Expr) -> None:
    """Last line of defence on what was built."""
    if expr.has(sympy.zoo, sympy.oo, -sympy.oo, sympy.nan):
        raise ExpressionError("the formula divides by zero or is infinite")
    if expr.has(sympy.I):
        raise ExpressionError("the formula is not real-valued (it contains the imaginary unit)")
    for number in expr.atoms(sympy.Number):
        if number.is_Rational:
            too_big = max(abs(number.p), number.q).bit_length() > 1000
        else:
            too_big = not abs(float(number)) <= MAX_CONSTANT
        if too_big:
            raise ExpressionError(f"the formula's constants are too large (above {MAX_CONSTANT:g})")


# --------------------------------------------------------------------------------------
# Calculus and LaTeX (for the worker process: these can be slow on a large formula)


def derivative(expr: sympy.Expr) -> sympy.Expr:
    """d expr / dx, in-process. For text typed by users prefer ``sandbox.analyse``."""
    try:
        return sympy.diff(expr, X)
    except RecursionError:
        raise ExpressionError("the formula is nested too deeply to differentiate") from None


def _renamed(expr: sympy.Expr, names: dict, real: bool) -> sympy.Expr:
    """``expr`` with its symbols renamed per ``names``, rebuilt without evaluating."""
    mapping = {s: sympy.Symbol(names.get(s, s.name), real=real) for s in expr.free_symbols}
    with sympy.evaluate(False):
        return expr.xreplace(mapping)


def _print_fast(printer: Callable, expr: sympy.Expr, names: dict | None = None):
    """``printer(renamed expr, real)``: symbols renamed per ``names``, printed quickly.

    Printers ask sympy's assumption system questions (is this exponent negative?) whose
    cost grows exponentially with nesting for ``real=True`` symbols, and build helper
    expressions whose evaluation asks more. So the first try prints a copy with plain
    symbols, unevaluated. A few sympy internals expect evaluated helpers and fail there;
    those get an ordinary second try.
    """
    names = names or {}
    try:
        try:
            plain = _renamed(expr, names, real=False)
            with sympy.evaluate(False):
                return printer(plain, False)
        except (TypeError, ValueError, AttributeError):
            # The ordinary way can take minutes on a large formula: only for small ones.
            if _tree_size(expr, {}) > MAX_SLOW_PRINT_NODES:
                raise ExpressionError("sympy could not print this formula quickly") from None
            return printer(_renamed(expr, names, real=True), True)
    except RecursionError:
        raise ExpressionError("the formula is nested too deeply to print") from None


class _LatexPrinter(LatexPrinter):
    """sympy's LaTeX, but products are split into numerator and denominator by the signs
    of numeric exponents alone. (sympy's version calls fraction(), which asks the
    assumption system about every factor: minutes on some nested formulas.)"""

    def _print_Mul(self, expr):
        # Numbers first, then other constants (sqrt(2), pi), then the rest as given.
        factors = sorted(
            sympy.Mul.make_args(expr),
            key=lambda factor: 0 if factor.is_Number else 1 if not factor.free_symbols else 2,
        )
        sign = ""
        if factors[0].is_Number and factors[0].is_negative:
            sign, factors[0] = "- ", -factors[0]
            if factors[0] == 1 and len(factors) > 1:
                factors = factors[1:]
        numerator, denominator = [], []
        for factor in factors:
            if factor.is_Pow and factor.exp.is_Number and factor.exp.is_negative:
                power = -factor.exp
                base = factor.base
                denominator.append(base if power == 1 else sympy.Pow(base, power))
            elif factor.is_Rational and not factor.is_Integer:
                if factor.p != 1:
                    numerator.append(sympy.Integer(factor.p))
                denominator.append(sympy.Integer(factor.q))
            else:
                numerator.append(factor)
        top = self._product(numerator) if numerator else "1"
        if not denominator:
            return sign + top
        return sign + rf"\frac{{{top}}}{{{self._product(denominator)}}}"

    def _product(self, factors) -> str:
        tex = ""
        for i, factor in enumerate(factors):
            term = self._print(factor)
            alone = len(factors) == 1  # alone in a numerator or denominator: no brackets
            if not alone and self._needs_mul_brackets(factor, first=i == 0, last=False):
                term = rf"\left({term}\right)"
            if tex:
                between_numbers = tex[-1].isdigit() and term[0].isdigit()
                tex += r" \cdot " if between_numbers else " "
            tex += term
        return tex


def to_latex(expr: sympy.Expr) -> str:
    """LaTeX for a formula; fast even where ``sympy.latex`` on it takes minutes."""
    return _print_fast(lambda renamed, real: _LatexPrinter().doprint(renamed), expr)


def _tree_size(expr: sympy.Basic, memo: dict) -> int:
    """Node count of ``expr`` as a tree (shared subtrees counted each time), in DAG time."""
    size = memo.get(expr)
    if size is None:
        size = 1 + sum(_tree_size(arg, memo) for arg in expr.args)
        memo[expr] = size
    return size


# --------------------------------------------------------------------------------------
# Numerics: a formula as a list of numpy operations, one per distinct node
#
# No printing, lambdify or exec: sympy's printers evaluate parts of what they print (an
# unevaluated exp(relu(1)) cost StrPrinter minutes) and lambdify execs generated source.
# Walking the nodes once costs time proportional to their number, which is checked first.

_OPAQUE = (heaviside, relu, maximum, minimum, cbrt, absolute, signum)


def _float64_only(fn: Callable) -> Callable:
    """scipy's erf and erfc have float64 loops only; they neither overflow nor need more."""

    def run(u):
        return fn(u) if u.dtype == np.float64 else fn(u.astype(np.float64)).astype(u.dtype)

    return run


def _dirac(u):
    # 0 away from its point, undefined on it (the derivative of a step); NaN stays NaN
    return np.where(u == 0, np.nan, 0 * u)


_NUMPY: dict[type, Callable] = {
    sympy.exp: np.exp,
    sympy.log: np.log,
    sympy.sin: np.sin,
    sympy.cos: np.cos,
    sympy.tan: np.tan,
    sympy.sinh: np.sinh,
    sympy.cosh: np.cosh,
    sympy.tanh: np.tanh,
    sympy.asinh: np.arcsinh,
    sympy.atan: np.arctan,
    sympy.erf: _float64_only(scipy.special.erf),
    sympy.erfc: _float64_only(scipy.special.erfc),
    sympy.Abs: np.abs,
    absolute: np.abs,
    sympy.sign: np.sign,
    signum: np.sign,
    cbrt: np.cbrt,
    heaviside: lambda u: np.heaviside(u, np.zeros((), u.dtype)),  # H(0) = 0
    relu: lambda u: np.maximum(u, np.zeros((), u.dtype)),
    maximum: np.maximum,
    minimum: np.minimum,
    sympy.DiracDelta: _dirac,
}
MAX_NUMERIC_NODES = 20_000  # distinct nodes: about 30 ms per 1,000 points at this size
_CHUNK = 2048  # points per pass: intermediate arrays stay small


def _number(node: sympy.Expr) -> float:
    """A sympy number as a float; Python ints never reach numpy."""
    try:
        if node.is_Integer:
            value = float(int(node))
        elif node.is_Rational:
            value = int(node.p) / int(node.q)  # correctly rounded, also for big p and q
        else:
            value = float(node)
    except (OverflowError, TypeError, ValueError):
        value = math.inf
    if not math.isfinite(value):
        raise ExpressionError("a constant in this formula is beyond float64's range "
                              "(about 1.8e308)", code="constant_range")
    return value


def _is_one(node: sympy.Expr) -> bool:
    return node.is_Number and node == 1


class NumericFunction:
    """A parsed formula as a vectorized function ``f(x, **params)`` in float64.

    Returns an array of ``x``'s shape, constants included. Where the formula has no real
    finite value in float64 (log of a negative, 1/0, overflow) the entry is NaN; it never
    raises and never warns for such values. ``extended`` computes the same operations in
    numpy's long double (64-bit mantissa and a range to 1e4932 on x86-64), where ``exp(1000)``
    is finite: a formula that is NaN in float64 only by overflow is finite there.
    ``params`` names the parameters it takes, sorted; ``size`` its number of operations.
    """

    def __init__(self, expr: sympy.Expr):
        self._ops: list[tuple] = []
        index: dict = {}
        stack = [(expr, None)]
        while stack:
            node, plan = stack.pop()
            if node in index:
                continue
            if plan is None:
                plan = self._plan(node)
                stack.append((node, plan))
                stack.extend((child, None) for child in plan[2] if child not in index)
                continue
            kind, payload, operands = plan
            index[node] = len(self._ops)
            self._ops.append((kind, payload, [index[child] for child in operands]))
            if len(self._ops) > MAX_NUMERIC_NODES:
                raise ExpressionError(
                    f"the formula is too large to evaluate (more than {MAX_NUMERIC_NODES} "
                    "distinct parts)", code="too_large")
        # free each intermediate array after its last use
        last = {}
        for i, (_, _, args) in enumerate(self._ops):
            for a in args:
                last[a] = i
        self._frees = [[] for _ in self._ops]
        for a, i in last.items():
            self._frees[i].append(a)
        self.params = tuple(sorted(p for kind, p, _ in self._ops if kind == "var" and p != "x"))
        self.size = len(self._ops)

    @staticmethod
    def _plan(node) -> tuple[str, object, list]:
        """(kind, payload, operand nodes) of one node; refuses nodes the parser can't make."""
        if isinstance(node, sympy.Symbol):
            return "var", ("x" if node == X else node.name), []
        if node.is_Number or isinstance(node, sympy.NumberSymbol):
            if node in (sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
                raise ExpressionError("the formula divides by zero or is infinite")
            return "const", _number(node), []
        if isinstance(node, sympy.Add):
            return "add", None, list(node.args)
        if isinstance(node, sympy.Mul):
            numerator, denominator = [], []
            for factor in node.args:
                if factor.is_Pow and factor.exp.is_Number and factor.exp < 0:
                    positive = -factor.exp
                    denominator.append(factor.base if positive == 1
                                       else sympy.Pow(factor.base, positive, evaluate=False))
                else:
                    numerator.append(factor)
            return "mul", len(numerator), [*numerator, *denominator]
        if isinstance(node, sympy.Pow):
            base, exponent = node.args
            if exponent.is_Number:
                return "pow_const", _number(exponent), [base]
            if base is sympy.E:
                return "func", np.exp, [exponent]
            return "pow", None, [base, exponent]
        if isinstance(node, sympy.log) and len(node.args) == 1:
            (u,) = node.args
            if isinstance(u, sympy.Add) and len(u.args) == 2 and any(map(_is_one, u.args)):
                rest = u.args[1] if _is_one(u.args[0]) else u.args[0]
                return "func", np.log1p, [rest]  # log1p(u) is built as log(1 + u)
        fn = _NUMPY.get(type(node))
        if fn is None or len(node.args) != (2 if isinstance(node, (maximum, minimum)) else 1):
            raise ExpressionError(
                f"to_numpy only takes formulas from parse_expression (found "
                f"{type(node).__name__})")
        return "func", fn, list(node.args)

    def __call__(self, x, **params) -> np.ndarray:
        return self._run(x, params, np.float64)

    def extended(self, x, **params) -> np.ndarray:
        """The same values computed in long double (NaN where not finite even there)."""
        return self._run(x, params, np.longdouble)

    def _run(self, x, params: dict, dtype) -> np.ndarray:
        missing = set(self.params) - set(params)
        if missing:
            raise TypeError(f"missing parameter values: {', '.join(sorted(missing))}")
        x = np.asarray(x, dtype=np.float64)
        flat = x.reshape(-1)
        out = np.empty(flat.shape, dtype)
        values = {"x": None, **{name: np.asarray(np.float64(params[name]), dtype)
                                for name in self.params}}
        with np.errstate(all="ignore"):
            for start in range(0, flat.size, _CHUNK):
                values["x"] = flat[start:start + _CHUNK].astype(dtype)
                out[start:start + _CHUNK] = self._run_chunk(values, dtype)
        out[~np.isfinite(out)] = np.nan
        return out.reshape(x.shape)

    def _run_chunk(self, variables: dict, dtype) -> np.ndarray:
        chunk = variables["x"]
        one = np.ones((), dtype)
        slots: list = [None] * len(self._ops)
        try:
            for i, (kind, payload, args) in enumerate(self._ops):
                a = [slots[j] for j in args]
                if kind == "var":
                    value = variables[payload]
                elif kind == "const":
                    value = np.asarray(payload, dtype)
                elif kind == "add":
                    value = a[0]
                    for term in a[1:]:
                        value = value + term
                elif kind == "mul":
                    value = a[0] if payload else one
                    for factor in a[1:payload]:
                        value = value * factor
                    for factor in a[payload:]:
                        value = value / factor
                elif kind == "pow_const":
                    value = _power(a[0], payload, dtype)
                elif kind == "pow":
                    value = np.power(a[0], a[1])
                else:
                    value = payload(*a)
                slots[i] = np.asarray(value, dtype)
                for j in self._frees[i]:
                    slots[j] = None
            result = slots[-1]
        except (ArithmeticError, ValueError, TypeError):
            result = np.asarray(np.nan, dtype)
        return np.broadcast_to(result, chunk.shape)


def _power(base, exponent: float, dtype):
    if exponent == 1:
        return base
    if exponent == -1:
        return 1 / base
    if exponent == 2:
        return base * base
    if exponent == 0.5:
        return np.sqrt(base)
    if exponent == -0.5:
        return 1 / np.sqrt(base)
    return np.power(base, np.asarray(exponent, dtype))


def to_numpy(expr: sympy.Expr) -> NumericFunction:
    """A vectorized float64 function ``f(x, **params)`` for a parsed formula (see
    :class:`NumericFunction`). Refuses (ExpressionError) nodes the parser cannot produce and
    formulas of more than ``MAX_NUMERIC_NODES`` distinct parts; costs time in proportion to
    the number of distinct parts, never a sympy printer."""
    return NumericFunction(expr)
