"""Export a gradient check as a runnable script: plain numpy, or torch.autograd.gradcheck.

The functions in the script are the core's own numpy source, read with ``inspect`` together
with everything they use from ``derivs`` (helpers, constants, imports), so the exported code
cannot drift from the code the lab runs, and the script needs no ``derivs`` install. Partial
applications (loss and softmax targets) are written out as ``functools.partial`` calls.

Both scripts print the numbers and end with a line ``PASS`` or ``FAIL``.
"""

from __future__ import annotations

import inspect
import textwrap
import types
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from derivs.numeric import CheckPreset, _in_dtype, get_method, relative_error


@dataclass(frozen=True)
class CheckSpec:
    """One gradient check: df against the numerical derivative of f at x."""

    title: str
    f: Callable
    df: Callable
    x: float
    method: str
    h: float
    preset: CheckPreset
    dtype: str = "float64"


class _Inliner:
    """Collects the source of core functions and what they need, dependencies first."""

    def __init__(self):
        self.imports: list[str] = []
        self.definitions: dict[str, str] = {}
        self._objects: dict[str, object] = {}

    def _import(self, line: str) -> None:
        if line not in self.imports:
            self.imports.append(line)

    def _claim(self, name: str, obj) -> bool:
        """True if name is new; False if already defined as obj; an error on a clash."""
        if name in self._objects:
            if self._objects[name] is not obj:
                raise ValueError(f"two different objects named {name!r} cannot be inlined")
            return False
        self._objects[name] = obj
        return True

    def _global(self, name: str, value) -> None:
        if isinstance(value, types.ModuleType):
            package, _, last = value.__name__.rpartition(".")
            if name == value.__name__:
                self._import(f"import {name}")
            elif package and name == last:
                self._import(f"from {package} import {name}")
            else:
                self._import(f"import {value.__name__} as {name}")
        elif isinstance(value, types.FunctionType):
            self.function(value)
        elif isinstance(value, (bool, int, float, complex, np.generic, np.ndarray)):
            if self._claim(name, value):
                self.definitions[name] = f"{name} = {self.expr(value)}"
        else:
            raise TypeError(f"cannot inline global {name!r} of type {type(value).__name__}")

    def function(self, fn) -> str:
        """Inline fn (a plain function from derivs) and everything it refers to; its name."""
        name = fn.__name__
        if name == "<lambda>" or fn.__closure__ or not _is_ours(fn):
            raise TypeError(f"only top-level derivs functions can be inlined, not {fn!r}")
        if not self._claim(name, fn):
            return name
        for used in sorted(_names(fn.__code__)):
            if used in fn.__globals__:
                self._global(used, fn.__globals__[used])
        self.definitions[name] = textwrap.dedent(inspect.getsource(fn)).rstrip()
        return name

    def expr(self, value) -> str:
        """Python source that rebuilds value (inlining any functions it holds)."""
        if isinstance(value, partial):
            self._import("from functools import partial")
            parts = [self.expr(value.func), *(self.expr(a) for a in value.args)]
            parts += [f"{k}={self.expr(v)}" for k, v in value.keywords.items()]
            return f"partial({', '.join(parts)})"
        if isinstance(value, types.FunctionType):
            return self.function(value)
        if isinstance(value, np.ndarray):
            self._import("import numpy as np")
            return f"np.array({value.tolist()!r})"
        if isinstance(value, tuple):
            inner = ", ".join(self.expr(v) for v in value)
            return f"({inner},)" if len(value) == 1 else f"({inner})"
        if isinstance(value, np.generic):
            return repr(value.item())
        if value is None or isinstance(value, (bool, int, float, complex, str)):
            return repr(value)
        raise TypeError(f"cannot write {type(value).__name__} as source")


def _is_ours(fn) -> bool:
    """A plain function written in this project (the library or the app's lab), not numpy's."""
    return isinstance(fn, types.FunctionType) and fn.__module__.split(".")[0] in _OURS


_OURS = ("derivs", "derivs_app")


def called_functions(*functions) -> list:
    """functions, then every function of ours they refer to, breadth-first: all of our code that
    runs when they run. The source viewer shows these, so it cannot drift from the code."""
    found = list(functions)
    for fn in found:  # grows while it is walked
        for name in sorted(_names(fn.__code__)):
            helper = fn.__globals__.get(name)
            if _is_ours(helper) and helper not in found:
                found.append(helper)
    return found


def _names(code) -> set[str]:
    """Every global name a code object (and the functions nested in it) may refer to."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names


# How each preset rule decides, written the way the script computes it (as derivs.gradcheck).
_RULES = {
    "allclose": ("|a - n| <= atol + rtol * |n|  (torch.allclose, as torch.autograd.gradcheck)",
                 "passed = abs_error <= ATOL + RTOL * np.abs(numerical)"),
    "relative": ("|a - n| / max(|a|, |n|) <= rtol  (CS231n's relative error)",
                 "passed = rel_error <= RTOL"),
    "norm": ("||a - n||_2 <= atol  (the norm scipy.optimize.check_grad returns)",
             "passed = np.full(abs_error.shape, bool(np.sqrt(np.sum(abs_error**2)) <= ATOL))"),
}


def _header(spec: CheckSpec, inliner: _Inliner, f: str, df: str, tool: str) -> list[str]:
    """Docstring, imports, the inlined definitions, and f, df bound to their expressions."""
    return [
        f'"""Gradient check: {spec.title} at x = {spec.x!r}, {tool}.',
        "",
        "Generated by derivs (gradient-check lab). f and df are the lab's own numpy code,",
        'copied with their helpers: run it with plain python, no derivs needed."""',
        "from __future__ import annotations",
        "",
        *sorted(inliner.imports, key=lambda line: line.startswith("import ")),
        "",
        "",
        "\n\n\n".join(inliner.definitions.values()),
        "",
        "",
        f"f = {f}",
        f"df = {df}  # the derivative under test",
        "",
    ]


def numpy_snippet(spec: CheckSpec) -> str:
    """A numpy script that repeats derivs.gradcheck for spec and prints PASS or FAIL."""
    inliner = _Inliner()
    inliner._import("import numpy as np")
    f, df = inliner.expr(spec.f), inliner.expr(spec.df)
    estimate = inliner.function(get_method(spec.method).estimate)
    lens = inliner.function(_in_dtype)
    rel = inliner.function(relative_error)
    rule_text, rule_code = _RULES[spec.preset.rule]
    p = spec.preset
    lines = _header(spec, inliner, f, df, f"{spec.method} differences judged as {p.label}")
    lines += [
        f"X = {float(spec.x)!r}",
        f"H = {float(spec.h)!r}  # the step",
        f"DTYPE = np.{np.dtype(spec.dtype).name}  # precision of the finite differences",
        f"ATOL, RTOL = {float(p.atol)!r}, {float(p.rtol)!r}  # rule: {rule_text}",
        "",
        "x = np.asarray(np.array([X]), dtype=DTYPE)",
        "h = np.asarray(H, dtype=DTYPE)",
        'with np.errstate(over="ignore", invalid="ignore", divide="ignore"):',
        f"    numerical = np.asarray({estimate}({lens}(f, DTYPE), x, h), dtype=np.float64)",
        "analytical = np.asarray(df(np.array([X])), dtype=np.float64)",
        "abs_error = np.abs(analytical - numerical)",
        f"rel_error = {rel}(analytical, numerical)",
        rule_code,
        "passed = passed & np.isfinite(analytical) & np.isfinite(numerical)",
        "",
        'print(f"numerical  {numerical[0]:.17g}")',
        'print(f"analytical {analytical[0]:.17g}")',
        'print(f"relative error {rel_error[0]:.3e}")',
        'print("PASS" if bool(np.all(passed)) else "FAIL")',
    ]
    return "\n".join(lines) + "\n"


def torch_tolerances(preset: CheckPreset) -> tuple[float, float]:
    """(atol, rtol) for torch.autograd.gradcheck, whose rule is always allclose.

    A relative rule becomes rtol alone (|a − n| ≤ rtol·|n|), a norm on one entry atol alone.
    """
    if preset.rule == "allclose":
        return preset.atol, preset.rtol
    if preset.rule == "relative":
        return 0.0, preset.rtol
    return preset.atol, 0.0


def torch_snippet(spec: CheckSpec, fast_mode: bool = False) -> str:
    """A script that wraps f and df in a torch.autograd.Function and runs gradcheck on it.

    torch.autograd.gradcheck always takes central differences in float64, with eps = h. With
    fast_mode it passes ``fast_mode=True``: torch then compares vᵀJu for random vectors u, v
    (one directional difference) instead of building the whole numerical Jacobian, as
    ``derivs.directional_check`` does.
    """
    inliner = _Inliner()
    inliner._import("import numpy as np")
    inliner._import("import torch")
    f, df = inliner.expr(spec.f), inliner.expr(spec.df)
    atol, rtol = torch_tolerances(spec.preset)
    notes = []
    if spec.method != "central":
        notes.append(f"# torch.autograd.gradcheck always uses central differences ({spec.method} "
                     "was chosen in the lab).")
    if np.dtype(spec.dtype) != np.float64:
        notes.append("# torch.autograd.gradcheck wants float64 inputs; this check runs in "
                     "float64.")
    lines = _header(spec, inliner, f, df, "torch.autograd.gradcheck")
    lines += [
        "",
        "class Checked(torch.autograd.Function):",
        '    """forward runs f, backward multiplies by the hand-written df: gradcheck compares',
        '    that backward with central differences of forward."""',
        "",
        "    @staticmethod",
        "    def forward(ctx, x):",
        "        ctx.save_for_backward(x)",
        "        return torch.from_numpy(np.asarray(f(x.detach().numpy()), dtype=np.float64))",
        "",
        "    @staticmethod",
        "    def backward(ctx, grad_output):",
        "        (x,) = ctx.saved_tensors",
        "        slope = torch.from_numpy(np.asarray(df(x.detach().numpy()), dtype=np.float64))",
        "        return grad_output * slope",
        "",
        "",
        *notes,
        f"x = torch.tensor([{float(spec.x)!r}], dtype=torch.float64, requires_grad=True)",
        "ok = torch.autograd.gradcheck(",
        f"    Checked.apply, (x,), eps={float(spec.h)!r}, atol={float(atol)!r}, "
        f"rtol={float(rtol)!r},",
        *(["    fast_mode=True,  # random directions: v^T J u against one directional difference"]
          if fast_mode else []),
        "    raise_exception=False,",
        ")",
        'print(f"analytical {float(df(np.array([x.item()]))[0]):.17g}")',
        'print("PASS" if ok else "FAIL")',
    ]
    return "\n".join(lines) + "\n"


def file_name(spec: CheckSpec, tool: str) -> str:
    """A file name for the download button, e.g. gradcheck_sigmoid_numpy.py."""
    stem = "".join(c if c.isascii() and c.isalnum() else "_" for c in spec.title.lower())
    stem = stem.strip("_")
    while "__" in stem:
        stem = stem.replace("__", "_")
    return f"gradcheck_{stem or 'check'}_{tool}.py"
