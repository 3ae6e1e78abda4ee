"""Formulas typed by users, turned into sympy safely, and evaluated with numpy.

The user's text never reaches eval, exec, compile, ``sympify``, ``parse_expr`` or
``S(string)``: those run Python code. Instead ``ast.parse`` builds a syntax tree (parsing
runs nothing) and a small interpreter walks it, accepting only arithmetic, numbers, the
variable ``x``, declared parameters, ``pi``, ``e`` and the functions in ``FUNCTIONS``.
Anything else is refused with an :class:`ExpressionError` that says what and where.

Every size is bounded before any work happens: text length, bracket depth, node count,
the size of the resulting tree, literal size, and the magnitude of every constant
(computed first with plain floats, so ``9**9**9`` is refused without computing it).

The expression is built unevaluated, as typed. sympy's automatic evaluation consults its
assumption system, whose cost grows exponentially with nesting on some formulas (minutes
for a 500-character one); parsing runs in the app process and must stay fast. Heavy
work (evaluation, diff, simplify) belongs in ``derivs.sandbox``'s worker process.
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
import sympy
from sympy.printing.latex import LatexPrinter
from sympy.printing.numpy import SciPyPrinter

__all__ = [
    "X",
    "FUNCTIONS",
    "ExpressionError",
    "parse_expression",
    "derivative",
    "to_latex",
    "to_numpy",
]

X = sympy.Symbol("x", real=True)

MAX_LENGTH = 500
# Brackets, calls, powers; a flat sum like x+x+...+x counts as one level. sympy recurses
# several frames per level, and a Streamlit script thread starts some frames deep.
MAX_DEPTH = 30
MAX_NODES = 200
MAX_LITERAL = 1e6
MAX_LITERAL_DIGITS = 15
MAX_EXPONENT = 100
MAX_CONSTANT = 1e300  # any constant part of the formula; beyond float64 anyway
MAX_TREE_SIZE = 4000  # the built sympy tree, shared subtrees counted each time
MAX_SLOW_PRINT_NODES = 300  # see _print_fast


class ExpressionError(ValueError):
    """A formula was refused; the message says what is not allowed and where.

    ``column`` is the 1-based column in the text the user typed, when known.
    """

    def __init__(self, message: str, column: int | None = None):
        super().__init__(message)
        self.column = column

    def __reduce__(self):  # keep ``column`` when sent back from a worker process
        return (type(self), (str(self), self.column))


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
# in derivs.activations); sympy.Max would give Heaviside(0) = 1/2. Their numpy code lives
# in _NumericPrinter below.


def _raised(body: str, exp: str | None) -> str:
    """LaTeX of body**exp (sympy's latex printer passes powers of functions down)."""
    return body if exp is None else rf"\left({body}\right)^{{{exp}}}"


class heaviside(sympy.Function):  # lower case: printed as the user typed it
    """The step H(u): 1 for u > 0, else 0 (so H(0) = 0)."""

    nargs = 1

    @classmethod
    def eval(cls, u):
        if u.is_Number:
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
        if u.is_Number:
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
        if a.is_Number and b.is_Number:
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
        if a.is_Number and b.is_Number:
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
        if u.is_Number:
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
        if u.is_Number:
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
    ast.Compare: "comparisons (<, >, ==, ...)",
    ast.BoolOp: "'and' / 'or'",
    ast.IfExp: "'if ... else'",
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
# Parsing


def parse_expression(text: str, params: tuple[str, ...] = ()) -> sympy.Expr:
    """Turn a formula in ``x`` (and the named ``params``) into a sympy expression.

    A whitelisted parser over Python's ``ast`` (never eval, sympify or parse_expr): numbers, x,
    the named params, + − * / ** (``^`` means power) and the functions in ``FUNCTIONS``.
    Nothing in ``text`` is ever executed. The result is built unevaluated, as typed.

    Args:
      text: the formula, at most 500 characters.
      params: names of extra symbols the formula may use, e.g. ("alpha",).

    Returns:
      a sympy expression in ``X`` (real x).

    Raises:
      ExpressionError: anything outside the whitelist, with the column where it happened.

    >>> parse_expression("x^2 + tanh(x)")
    x**2 + tanh(x)
    >>> parse_expression("__import__('os')")
    Traceback (most recent call last):
    ...
    derivs.expression.ExpressionError: ...
    """
    param_symbols = _param_symbols(params)
    _check_text(text)
    # '^' has no other meaning in a formula; '**' is Python's spelling of power.
    source = text.replace("^", "**")
    columns = _column_map(text)
    leading = len(source) - len(source.lstrip())  # eval mode refuses leading spaces
    tree = _parse_tree(source.strip(), lambda col: columns[min(col + leading, len(columns) - 1)])
    interpreter = _Interpreter(source, leading, columns, param_symbols)
    _check_shape(tree.body, interpreter.column)
    try:
        # Unevaluated: sympy's automatic evaluation asks its assumption system questions
        # whose cost grows exponentially with nesting (cos(sinh(...)) ran for minutes).
        # The formula is kept as typed; diff, in a worker process, evaluates.
        with sympy.evaluate(False):
            expr, _ = interpreter.visit(tree.body)
    except RecursionError:
        raise ExpressionError("the formula is nested too deeply") from None
    _check_result(expr)
    return expr


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
        raise ExpressionError("the formula is empty")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"the formula is too long ({len(text)} characters; at most {MAX_LENGTH})"
        )
    for index, char in enumerate(text):
        if not char.isascii():
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
            if isinstance(child, (ast.expr_context, ast.operator, ast.unaryop)):
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


class _Interpreter:
    """Builds sympy from an allowed syntax tree.

    ``visit`` returns ``(expr, approx)``: ``approx`` is a Python float for constant
    parts (no x, no parameters) and None otherwise. Constants are checked on the float
    first, so sympy never computes a huge exact number.
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

    def fragment(self, node: ast.AST) -> str:
        text = ast.get_source_segment(self.source.strip(), node) or ""
        return text if len(text) <= 40 else text[:37] + "..."

    def refuse(self, what: str, node: ast.AST, hint: str = "") -> ExpressionError:
        col = self.column(node)
        where = f"column {col}: " if col else ""
        hint = f"; {hint}" if hint else ""
        return ExpressionError(f"{what} ({where}'{self.fragment(node)}'){hint}", col)

    def visit(self, node: ast.AST) -> tuple[sympy.Expr, float | None]:
        if isinstance(node, ast.BinOp):
            result = self.binary(node)
        elif isinstance(node, ast.UnaryOp):
            result = self.unary(node)
        elif isinstance(node, ast.Constant):
            result = self.constant(node)
        elif isinstance(node, ast.Name):
            result = self.name(node)
        elif isinstance(node, ast.Call):
            result = self.call(node)
        else:
            what = _CONSTRUCTS.get(type(node), f"'{type(node).__name__}'")
            raise self.refuse(f"{what} is not allowed in a formula", node)
        self.check_constant(result[1], node)
        # sigmoid, gelu, silu, max... repeat their argument: nesting them grows the
        # formula exponentially, and everything downstream walks the whole tree.
        if _tree_size(result[0], self.sizes) > MAX_TREE_SIZE:
            raise self.refuse(
                f"this formula expands to more than {MAX_TREE_SIZE} terms; nest fewer functions",
                node,
            )
        return result

    def check_constant(self, approx: float | None, node: ast.AST) -> None:
        if approx is None:
            return
        if math.isnan(approx):
            raise self.refuse("this part has no real value", node)
        if abs(approx) > MAX_CONSTANT:
            raise self.refuse(f"this constant is too large (above {MAX_CONSTANT:g})", node)

    def constant(self, node: ast.Constant):
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
            return sympy.Integer(value), float(value)
        return sympy.Float(value), value

    def name(self, node: ast.Name):
        if node.id == "x":
            return X, None
        if node.id in self.params:
            return self.params[node.id], None
        if node.id in _CONSTANTS:
            return _CONSTANTS[node.id]
        if node.id in FUNCTIONS:
            raise self.refuse(f"{node.id} is a function; call it like {node.id}(x)", node)
        allowed = "the variable is x"
        if self.params:
            allowed += " and the parameters are " + ", ".join(self.params)
        raise self.refuse(f"unknown name '{node.id}'", node, allowed)

    def unary(self, node: ast.UnaryOp):
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            symbol = _OPERATOR_SYMBOLS.get(type(node.op), type(node.op).__name__)
            raise self.refuse(f"the operator '{symbol}' is not allowed", node)
        expr, approx = self.visit(node.operand)
        if isinstance(node.op, ast.UAdd):
            return expr, approx
        return _negate(expr), None if approx is None else -approx

    def binary(self, node: ast.BinOp):
        op = node.op
        if not isinstance(op, (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)):
            symbol = _OPERATOR_SYMBOLS.get(type(op), type(op).__name__)
            raise self.refuse(f"the operator '{symbol}' is not allowed", node)
        left, a = self.visit(node.left)
        right, b = self.visit(node.right)
        constant = a is not None and b is not None
        if isinstance(op, ast.Pow):
            return self.power(node, left, a, right, b)
        if isinstance(op, ast.Div) and b == 0:
            raise self.refuse("division by zero", node)
        build, combine = _ARITHMETIC[type(op)]
        return build(left, right), _float_call(combine, a, b) if constant else None

    def power(self, node, base, a, exponent, b):
        if b is not None:
            if not abs(b) <= MAX_EXPONENT:
                raise self.refuse(f"exponents must be at most {MAX_EXPONENT} in size", node)
            if a is not None:
                if a == 0 and b < 0:
                    raise self.refuse("division by zero (0 to a negative power)", node)
                # Estimate the size before sympy computes it exactly.
                if a != 0 and b * math.log10(abs(a)) > math.log10(MAX_CONSTANT):
                    raise self.refuse(f"this constant is too large (above {MAX_CONSTANT:g})", node)
            # (x**100)**100 is x**10000.
            if base.is_Pow and base.exp.is_Number and abs(float(base.exp) * b) > MAX_EXPONENT:
                raise self.refuse(f"exponents must be at most {MAX_EXPONENT} in size", node)
        approx = _float_call(operator.pow, a, b) if a is not None and b is not None else None
        return sympy.Pow(base, exponent), approx

    def call(self, node: ast.Call):
        if not isinstance(node.func, ast.Name):
            raise self.refuse("only named functions like exp(x) can be called", node)
        name = node.func.id
        spec = FUNCTIONS.get(name)
        if spec is None:
            if name == "x" or name in self.params or name in _CONSTANTS:
                raise self.refuse(f"'{name}' is not a function (write '*' to multiply)", node)
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
        visited = [self.visit(arg) for arg in node.args]
        exprs = [expr for expr, _ in visited]
        approxes = [approx for _, approx in visited]
        approx = None
        if all(value is not None for value in approxes):
            approx = _float_call(spec.approx, *approxes)
        return spec.build(*exprs), approx


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
# Calculus and numerics


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


_OPAQUE = (heaviside, relu, maximum, minimum, cbrt, absolute, signum)

# What parse_expression and derivative can produce. to_numpy refuses anything else,
# because lambdify prints the expression as Python source and execs it.
_NUMERIC_NODES = (
    sympy.Symbol,
    sympy.Number,
    sympy.NumberSymbol,
    sympy.Add,
    sympy.Mul,
    sympy.Pow,
    sympy.exp,
    sympy.log,
    sympy.Abs,
    sympy.sign,
    sympy.DiracDelta,
    sympy.sin,
    sympy.cos,
    sympy.tan,
    sympy.sinh,
    sympy.cosh,
    sympy.tanh,
    sympy.asinh,
    sympy.atan,
    sympy.erf,
    sympy.erfc,
    *_OPAQUE,
)
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,29}\Z")
MAX_NUMERIC_NODES = 20_000  # lambdify prints the whole tree: about 0.5 s at this size


def _check_numeric(expr: sympy.Expr) -> None:
    seen = set()
    stack = [expr]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if not isinstance(node, _NUMERIC_NODES) or node in (sympy.zoo, sympy.oo, -sympy.oo):
            raise ExpressionError(
                f"to_numpy only takes formulas from parse_expression (found {type(node).__name__})"
            )
        if isinstance(node, sympy.Symbol) and not _IDENTIFIER.match(node.name):
            raise ExpressionError(f"to_numpy: unexpected symbol name {node.name!r}")
        stack.extend(node.args)
    size = _tree_size(expr, {})
    if size > MAX_NUMERIC_NODES:
        raise ExpressionError(f"the formula is too large to evaluate ({size} parts)")


class _NumericPrinter(SciPyPrinter):
    """numpy code for the opaque functions, with NaN in, NaN out."""

    def _call(self, function: str, *args) -> str:
        return f"{self._module_format(function)}({', '.join(map(self._print, args))})"

    def _print_relu(self, expr):
        return self._call("numpy.maximum", expr.args[0], sympy.Float(0))

    def _print_maximum(self, expr):
        return self._call("numpy.maximum", *expr.args)

    def _print_minimum(self, expr):
        return self._call("numpy.minimum", *expr.args)

    def _print_cbrt(self, expr):
        return self._call("numpy.cbrt", expr.args[0])

    def _print_absolute(self, expr):
        return self._call("numpy.abs", expr.args[0])

    def _print_signum(self, expr):
        return self._call("numpy.sign", expr.args[0])

    # Each argument is printed once: printing it twice doubles the code per nesting level.
    def _print_heaviside(self, expr):
        return self._call("numpy.heaviside", expr.args[0], sympy.Float(0))  # H(0) = 0

    def _print_DiracDelta(self, expr):
        # 0 away from its point, undefined on it (the derivative of a step): 0/|sign(u)|.
        u = self._print(expr.args[0])
        return f"0.0/{self._module_format('numpy.abs')}({self._module_format('numpy.sign')}({u}))"


def to_numpy(expr: sympy.Expr) -> Callable[..., np.ndarray]:
    """A vectorized float64 function ``f(x, **params)`` for a parsed formula.

    Returns an array of ``x``'s shape, constants included. Where the formula has no real
    finite value (log of a negative, 1/0, overflow, a complex result) the entry is NaN;
    it never raises and never warns for such values.
    """
    _check_numeric(expr)
    params = sorted(expr.free_symbols - {X}, key=lambda symbol: symbol.name)
    # Arguments get names of our own, so a user's names never reach the generated source.
    names = {X: "_x", **{p: f"_p{i}" for i, p in enumerate(params)}}

    def compile_numpy(renamed: sympy.Expr, real: bool):
        arguments = [sympy.Symbol(names[s], real=real) for s in [X, *params]]
        # No cse=True: sympy's cse evaluates constant parts and recurses past Python's
        # limit on nested formulas; code size is bounded by MAX_NUMERIC_NODES instead.
        return sympy.lambdify(
            arguments,
            renamed,
            modules="numpy",
            printer=_NumericPrinter({"fully_qualified_modules": False, "inline": True}),
            dummify=False,
        )

    compiled = _print_fast(compile_numpy, expr, names)
    param_names = [symbol.name for symbol in params]

    def evaluate(x, **param_values) -> np.ndarray:
        missing = set(param_names) - set(param_values)
        if missing:
            raise TypeError(f"missing parameter values: {', '.join(sorted(missing))}")
        x = np.asarray(x, dtype=np.float64)
        args = [np.float64(param_values[name]) for name in param_names]
        with np.errstate(all="ignore"):
            try:
                y = np.asarray(compiled(x, *args))
            except (ArithmeticError, ValueError):
                y = np.full(x.shape, np.nan)
            if np.iscomplexobj(y):
                y = np.where(y.imag == 0, y.real, np.nan)
            y = np.array(np.broadcast_to(y, x.shape), dtype=np.float64)
        y[~np.isfinite(y)] = np.nan
        return y

    return evaluate
