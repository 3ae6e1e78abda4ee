"""The gradient-check lab's core: targets, planted bugs, and the exported scripts.

Every planted bug is caught at its documented check (and the correct derivative passes there);
the exported numpy script runs as is in a fresh interpreter and prints the core's verdict. The
torch script runs against real torch wherever torch is installed (`.ci/run` installs the CPU
build and sets DERIVS_REQUIRE_TORCH=1, so CI can never quietly fall back); without torch it runs
against a small stand-in for the two torch APIs it uses (a check of the script's wiring only).
"""

from __future__ import annotations

import ast
import importlib.util
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from derivs import CHECK_PRESETS, METHODS, gradcheck, numeric_derivative
from derivs.snippets import CheckSpec, file_name, numpy_snippet, torch_snippet, torch_tolerances
from derivs_app.views.bugs import BUGS
from derivs_app.views.lab import (
    CUSTOM,
    DIRECTION_SEEDS,
    DIRECTION_SUBJECTS,
    ERROR_FLOOR,
    EXAMPLES,
    TARGETS,
    check_point,
    check_target,
    checked_target,
    default_step_estimates,
    direction_view,
    error_curves,
    estimate_bands,
    kink_probes,
    lab_settings,
    plant,
    preset_for,
    resolve_step,
    richardson_view,
    scan,
    second_view,
    stencil,
)

HAS_TORCH = importlib.util.find_spec("torch") is not None
REQUIRE_TORCH = os.environ.get("DERIVS_REQUIRE_TORCH") == "1"


# --- targets ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", TARGETS)
def test_every_target_passes_its_own_check_with_every_method(name):
    """The correct derivative passes at the default point, whatever the method (the complex
    step included: it pins the complex-step path through losses and softmax)."""
    target = TARGETS[name]
    for method in METHODS:
        m, h, preset = lab_settings(CUSTOM, method, None, target.x_default)
        check = check_target(target, target.x_default, m, h, preset)
        assert check.ok, (name, method, check.numerical, check.analytical)
        assert check.problems == () and check.kink is None


def test_targets_cover_activations_losses_and_softmax():
    kinds = {t.kind for t in TARGETS.values()}
    assert kinds == {"activation", "loss", "softmax", "function"}  # function: sin
    assert all(t.x_range[0] <= t.x_default <= t.x_range[1] for t in TARGETS.values())


def test_stencil_is_found_by_probing_the_method():
    points, calls = stencil("central", 1.0, 0.25)
    assert points.tolist() == [0.75, 1.25] and calls == 2
    points, calls = stencil("five_point", 0.0, 0.5)
    assert points.tolist() == [-1.0, -0.5, 0.5, 1.0] and calls == 4
    points, calls = stencil("complex_step", 2.0, 1e-20)
    assert points.tolist() == [2.0] and calls == 1


def test_problems_are_named_not_hidden():
    sigmoid, ce = TARGETS["sigmoid"], TARGETS["loss_cross_entropy"]
    lost = check_target(sigmoid, 1.0, "forward", 1e-17, preset_for(CUSTOM, "forward", 1e-17))
    assert "step_lost" in lost.problems and not lost.ok
    outside = check_target(ce, 0.5, "central", 1.0, preset_for(CUSTOM, "central", 1.0))
    assert "outside_domain" in outside.problems
    f32 = check_target(sigmoid, 1.0, "complex_step", 1e-20,
                       preset_for(CUSTOM, "complex_step", 1e-20), np.float32)
    assert f32.problems == ("complex_float32",) and f32.result is None and not f32.ok


def test_kink_probes_explain_relu_at_zero():
    """ReLU at 0, central: numerical 0.5 vs analytic 0; at h/2 next to it 0.75 vs 1; clear
    of the stencil, the check passes."""
    relu = TARGETS["relu"]
    h = resolve_step("central", 0.0, None)
    probes = {p.where: p.check for p in kink_probes(relu, relu.kinks[0], "central", h,
                                                    preset_for(CUSTOM, "central", h))}
    assert probes["at"].numerical == pytest.approx(0.5) and probes["at"].analytical == 0.0
    assert probes["at"].kink.status == "crosses" and not probes["at"].ok
    assert probes["right_half"].numerical == pytest.approx(0.75)
    assert probes["right_half"].analytical == 1.0 and not probes["right_half"].ok
    assert probes["clear"].ok and probes["clear"].kink is None
    # forward differences on the kink see only the right piece; the convention is the left
    on = check_target(relu, 0.0, "forward", h, preset_for(CUSTOM, "forward", h))
    assert (on.kink.status, on.kink.seen, on.numerical) == ("on_kink", "right", 1.0)


def test_error_curves_clip_zeros_and_show_the_theoretical_slopes():
    sigmoid = TARGETS["sigmoid"]
    curves = error_curves(sigmoid.f, sigmoid.df, 1.0)
    complex_step = curves.curves["complex_step"]
    assert complex_step.at_floor.any(), "the complex step is exact somewhere"
    assert np.nanmin(complex_step.err) == ERROR_FLOOR  # no zeros on a log axis
    assert complex_step.round_off is None  # no subtraction, no round-off side
    for name, curve in curves.curves.items():
        if name != "complex_step":
            assert curve.truncation.slope == METHODS[name].order
            assert curve.round_off.slope == -1.0
    central = curves.curves["central"]
    assert 1e-7 < central.best_h < 1e-3 and central.best_err < 1e-10


def test_float32_raises_the_round_off_floor():
    sigmoid = TARGETS["sigmoid"]
    f64 = error_curves(sigmoid.f, sigmoid.df, 1.0, np.float64)
    f32 = error_curves(sigmoid.f, sigmoid.df, 1.0, np.float32)
    assert "complex_step" not in f32.curves
    for name in f32.curves:
        assert f32.curves[name].best_err > 100 * f64.curves[name].best_err
        assert f32.curves[name].best_h > f64.curves[name].best_h


def test_scan_finds_where_sigmoid_via_output_breaks():
    bug = BUGS["sigmoid_via_output"]
    swept = scan(bug.f, {"buggy": bug.buggy_df, "correct": bug.correct_df}, bug.x_range,
                 "complex_step")
    beyond = swept.x > 37
    assert np.all(swept.rel_errors["buggy"][beyond] == 1.0)
    assert np.all(swept.rel_errors["correct"] < 1e-12)


# --- planted bugs ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", BUGS)
def test_every_bug_is_caught_at_its_documented_check(name):
    bug = BUGS[name]
    x, method, preset = bug.catch
    point = np.array([x])
    buggy = gradcheck(bug.f, bug.buggy_df, point, preset, elementwise=True, method=method)
    correct = gradcheck(bug.f, bug.correct_df, point, preset, elementwise=True, method=method)
    assert not buggy.ok, buggy.message
    assert correct.ok, correct.message
    assert bug.x_range[0] <= x <= bug.x_range[1]


@pytest.mark.parametrize("name", [n for n, b in BUGS.items() if b.hides])
def test_bugs_hide_where_the_game_starts(name):
    """At the start point every preset passes the buggy derivative: a single check at a
    convenient point proves little."""
    bug = BUGS[name]
    for preset in CHECK_PRESETS:
        assert gradcheck(bug.f, bug.buggy_df, np.array([bug.start]), preset,
                         elementwise=True).ok, preset


def test_sigmoid_via_output_has_relative_error_one_at_40():
    bug = BUGS["sigmoid_via_output"]
    assert bug.buggy_df(np.array([40.0]))[0] == 0.0
    assert bug.correct_df(np.array([40.0]))[0] == pytest.approx(4.248354255291589e-18, rel=1e-12)
    result = gradcheck(bug.f, bug.buggy_df, np.array([40.0]), "cs231n", elementwise=True,
                       method="complex_step")
    assert result.rel_error[0] == 1.0
    # an absolute tolerance waves it through, and central differences cannot see the slope
    assert gradcheck(bug.f, bug.buggy_df, np.array([40.0]), "pytorch", elementwise=True).ok


def test_a_small_bug_passes_pytorch_and_fails_the_strict_presets():
    bug = BUGS["gelu_rounded_constant"]
    verdicts = {p: gradcheck(bug.f, bug.buggy_df, np.array([1.0]), p, elementwise=True).ok
                for p in CHECK_PRESETS}
    assert verdicts == {"pytorch": True, "jax": False, "cs231n": False, "scipy": False}


def test_notes_errata_bugs_are_off_by_their_factor():
    mse, ce = BUGS["mse_half"], BUGS["ce_without_mean"]
    t = np.array([2.0])
    assert mse.correct_df(t)[0] == pytest.approx(2 * mse.buggy_df(t)[0])
    assert ce.buggy_df(np.array([0.7]))[0] == pytest.approx(3 * ce.correct_df(np.array([0.7]))[0])


def test_every_bug_has_text_in_both_languages():
    from derivs_app.i18n import TEXT

    for bug in BUGS.values():
        for key in (bug.hint_key, bug.explanation_key):
            english, chinese = TEXT[key]
            assert english and chinese


def test_i18n_pairs_share_placeholders():
    import string

    from derivs_app.i18n.gradcheck import TEXT

    def fields(s):
        return {f for _, f, _, _ in string.Formatter().parse(s) if f}

    for key, (english, chinese) in TEXT.items():
        assert key.startswith("gc.")
        assert fields(english) == fields(chinese), key


# --- exported scripts ------------------------------------------------------------------------


def _run(code: str, tmp_path, extra_path=None) -> list[str]:
    script = tmp_path / "check.py"
    script.write_text(code, encoding="utf-8")
    env = None
    if extra_path:
        env = dict(os.environ, PYTHONPATH=str(extra_path))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          cwd=tmp_path, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()


def _target_specs():
    """Every target once, rotating through methods, presets and both precisions."""
    presets = [CUSTOM, *CHECK_PRESETS]
    for i, (name, target) in enumerate(TARGETS.items()):
        method = list(METHODS)[i % len(METHODS)]
        dtype = "float32" if i % 4 == 3 and method != "complex_step" else "float64"
        m, h, preset = lab_settings(presets[i % len(presets)], method, None, target.x_default,
                                    np.dtype(dtype))
        yield pytest.param(CheckSpec(target.label, target.f, target.df, target.x_default, m, h,
                                     preset, dtype), id=f"{name}-{m}-{preset.name}-{dtype}")


def _bug_specs():
    for name, bug in BUGS.items():
        x, method, preset = bug.catch
        p = CHECK_PRESETS[preset]
        yield pytest.param(CheckSpec(bug.label, bug.f, bug.buggy_df, x, method, p.h, p),
                           id=name)


def _core_check(spec: CheckSpec):
    return check_point(spec.f, spec.df, spec.x, spec.method, spec.h, spec.preset,
                       np.dtype(spec.dtype))


@pytest.mark.parametrize("spec", [*_target_specs(), *_bug_specs()])
def test_numpy_snippet_runs_and_agrees_with_the_core(spec, tmp_path):
    core = _core_check(spec)
    lines = _run(numpy_snippet(spec), tmp_path)
    assert lines[-1] == ("PASS" if core.ok else "FAIL")
    numerical = float(lines[0].split()[-1])
    assert numerical == core.numerical or (np.isnan(numerical) and np.isnan(core.numerical))
    assert float(lines[1].split()[-1]) == core.analytical


def test_snippets_give_pass_for_a_correct_derivative_and_fail_for_a_bug(tmp_path):
    """The brief's pair, spelled out: the same check, correct then buggy."""
    bug = BUGS["tanh_no_square"]
    p = CHECK_PRESETS["pytorch"]
    correct = CheckSpec("tanh", bug.f, bug.correct_df, 1.0, "central", p.h, p)
    buggy = CheckSpec("tanh", bug.f, bug.buggy_df, 1.0, "central", p.h, p)
    assert _core_check(correct).ok and not _core_check(buggy).ok
    assert _run(numpy_snippet(correct), tmp_path)[-1] == "PASS"
    assert _run(numpy_snippet(buggy), tmp_path)[-1] == "FAIL"


def test_snippet_source_is_the_core_source():
    bug = BUGS["sigmoid_via_output"]
    import inspect

    code = numpy_snippet(CheckSpec(bug.label, bug.f, bug.buggy_df, 40.0, "complex_step", 1e-20,
                                   CHECK_PRESETS["cs231n"]))
    assert inspect.getsource(bug.buggy_df) in code
    assert "import derivs" not in code and "from derivs" not in code
    assert file_name(CheckSpec(bug.label, bug.f, bug.buggy_df, 40.0, "central", 1e-5,
                               CHECK_PRESETS["cs231n"]), "numpy").isascii()


# A stand-in for the two torch APIs the script uses: tensors that wrap numpy arrays, a
# Function whose apply records its backward, and gradcheck with torch's documented rule
# (central differences with eps, then allclose: |a − n| ≤ atol + rtol·|n|). Not torch.
TORCH_STAND_IN = textwrap.dedent('''
    import numpy as np
    float64 = np.float64

    class Tensor:
        def __init__(self, data):
            self.data = np.asarray(data, dtype=np.float64)
            self.backward_fn = None
        def detach(self):
            return Tensor(self.data)
        def numpy(self):
            return self.data
        def item(self):
            return float(self.data.reshape(-1)[0])
        def __mul__(self, other):
            return Tensor(self.data * other.data)

    def tensor(values, dtype=None, requires_grad=False):
        return Tensor(values)

    def from_numpy(array):
        return Tensor(array)

    class _Context:
        def save_for_backward(self, *tensors):
            self.saved_tensors = tensors

    class _Autograd:
        class Function:
            @classmethod
            def apply(cls, x):
                ctx = _Context()
                out = cls.forward(ctx, x)
                out.backward_fn = lambda grad: cls.backward(ctx, grad)
                return out

        @staticmethod
        def gradcheck(fn, inputs, eps, atol, rtol, raise_exception=True, fast_mode=False):
            (x,) = inputs  # one input, one output: fast mode's vᵀJu is J itself, up to sign
            out = fn(x)
            analytical = out.backward_fn(Tensor(np.ones_like(out.data))).data
            numerical = (fn(Tensor(x.data + eps)).data - fn(Tensor(x.data - eps)).data) / (2 * eps)
            return bool(np.all(np.abs(analytical - numerical) <= atol + rtol * np.abs(numerical)))

    autograd = _Autograd()
''')


def _torch_cases():
    """Every target at its default point and every planted bug where it is caught, under
    torch's own settings (central differences, eps = 1e-6, PyTorch's tolerances)."""
    p = CHECK_PRESETS["pytorch"]
    for name, t in TARGETS.items():
        yield pytest.param(CheckSpec(t.label, t.f, t.df, t.x_default, "central", p.h, p),
                           id=f"{name}-correct")
    for name, b in BUGS.items():
        yield pytest.param(CheckSpec(b.label, b.f, b.buggy_df, b.catch[0], "central", p.h, p),
                           id=f"{name}-buggy")


def test_torch_cases_include_both_verdicts():
    verdicts = {_core_check(case.values[0]).ok for case in _torch_cases()}
    assert verdicts == {True, False}


@pytest.mark.parametrize("spec", _torch_cases())
def test_torch_snippet(spec, tmp_path):
    p = spec.preset
    code = torch_snippet(spec)
    compile(code, "torch_check.py", "exec")  # it is valid Python
    call = next(node for node in ast.walk(ast.parse(code))
                if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("gradcheck"))
    kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    atol, rtol = torch_tolerances(p)
    assert kwargs == {"eps": p.h, "atol": atol, "rtol": rtol, "raise_exception": False}
    expected = "PASS" if _core_check(spec).ok else "FAIL"
    if HAS_TORCH:
        assert _run(code, tmp_path)[-1] == expected
    else:
        assert not REQUIRE_TORCH, "DERIVS_REQUIRE_TORCH=1 but torch is not importable"
        stand_in = tmp_path / "stand_in"
        (stand_in / "torch").mkdir(parents=True)
        (stand_in / "torch" / "__init__.py").write_text(TORCH_STAND_IN)
        assert _run(code, tmp_path, extra_path=stand_in)[-1] == expected


def test_numerical_side_of_the_snippet_matches_numeric_derivative(tmp_path):
    target = TARGETS["softplus"]
    spec = CheckSpec(target.label, target.f, target.df, 2.5, "five_point", 1e-3,
                     preset_for(CUSTOM, "five_point", 1e-3), "float32")
    expected = numeric_derivative(target.f, np.array([2.5]), "five_point", h=1e-3,
                                  dtype=np.float32)[0]
    assert float(_run(numpy_snippet(spec), tmp_path)[0].split()[-1]) == float(expected)


# --- second edition: f″, Richardson, estimates, random directions, fast mode -----------------

SECOND = {name: t.second() for name, t in TARGETS.items() if t.d2f is not None}


def test_every_activation_and_sin_offer_a_gradgradcheck_and_the_rest_do_not():
    from derivs import ACTIVATIONS

    with_d2f = {n for n, a in ACTIVATIONS.items() if getattr(a, "d2f", None) is not None}
    assert set(SECOND) == with_d2f | {"sin"}
    assert checked_target(TARGETS["loss_mse"], True) is TARGETS["loss_mse"]  # skipped, no error
    with pytest.raises(ValueError):
        TARGETS["loss_mse"].second()


@pytest.mark.parametrize("name", SECOND)
def test_every_second_derivative_passes_its_gradgradcheck(name):
    """f″ against central (and the other fixed-step) differences of f′ at the default point;
    the complex step is not offered, since hand-written f′ is real code."""
    target = SECOND[name]
    assert "complex_step" not in target.methods()
    for method in target.methods():
        m, h, preset = lab_settings(CUSTOM, method, None, target.x_default)
        check = check_target(target, target.x_default, m, h, preset)
        assert check.ok, (name, method, check.numerical, check.analytical)
    refused = check_target(target, 0.5, "complex_step", 1e-20,
                           preset_for(CUSTOM, "complex_step", 1e-20))
    assert refused.problems == ("complex_real",) and not refused.ok


def test_second_view_puts_f2_beside_f1_with_differences_of_f1():
    gelu = TARGETS["gelu"]
    view = second_view(gelu, 1.0)
    np.testing.assert_array_equal(view.d2f, gelu.d2f(view.grid))
    assert view.rel_error < 1e-8 and view.d2f_at == gelu.d2f(1.0)
    far = second_view(TARGETS["sin"], 1e6)  # outside the range: a window around x
    assert far.grid[0] < 1e6 < far.grid[-1]


def test_examples_name_real_targets():
    for example in EXAMPLES.values():
        target = checked_target(TARGETS[example.target], example.second)
        assert (target.kind == "second") == example.second


def test_richardson_view_is_the_cores_tableau_trimmed():
    from derivs import richardson_tableau

    sin = TARGETS["sin"]
    view = richardson_view(sin.f, sin.df, 1e6)
    tab = richardson_tableau(sin.f, 1e6)
    rows, cols = view.tableau.shape
    np.testing.assert_array_equal(view.tableau, tab.tableau[:rows, :cols])
    assert (view.row, view.column, view.value, view.estimate) == (tab.row, tab.column, tab.value,
                                                                  tab.estimate)
    assert view.rel_error < 1e-14 and view.covered and view.found
    assert view.used_steps.max() < np.pi  # well inside the period


def test_at_1e6_fixed_steps_fail_while_richardson_and_the_complex_step_do_not():
    sin = TARGETS["sin"]
    rows = default_step_estimates(sin.f, sin.df, 1e6)
    assert rows["central"].h == pytest.approx(6.0554544523933425)
    assert 0.9 < rows["central"].rel_error < 1.2 and not rows["central"].covered
    assert rows["five_point"].rel_error > 0.9
    assert rows["richardson"].rel_error <= 1e-8 and rows["richardson"].covered
    assert rows["complex_step"].rel_error <= 1e-8
    f32 = default_step_estimates(sin.f, sin.df, 1.0, np.float32)
    assert "complex_step" not in f32


def test_estimate_bands_cover_the_error_of_central_on_both_sides():
    """Away from the floor, central's estimate at each h is at least its true error."""
    sigmoid = TARGETS["sigmoid"]
    bands = estimate_bands(sigmoid.f, sigmoid.df, 1.0, ["central"])
    curves = error_curves(sigmoid.f, sigmoid.df, 1.0)
    err, est = curves.curves["central"].err, bands["central"]
    visible = err > 1e-13
    assert np.mean(est[visible] >= err[visible]) > 0.95


@pytest.mark.parametrize("name", DIRECTION_SUBJECTS)
def test_random_directions_pass_every_seed_and_a_planted_entry_fails_every_seed(name):
    from derivs_app.views.lab import seeds_passed

    assert seeds_passed(name, False) == len(DIRECTION_SEEDS)
    assert seeds_passed(name, True) == 0
    for count in (1, 4, 8):
        view = direction_view(name, 3, count, planted=True)
        assert not view.check.passed and view.check.evaluations == 2 * count
        assert view.check.full_evaluations == 2 * view.subject.x.size


def test_plant_flips_the_largest_entry():
    jac = np.array([[0.1, -0.5], [0.3, 0.2]])
    wrong, where = plant(jac)
    assert where.index == (0, 1) and (where.right, where.wrong) == (-0.5, 0.5)
    assert np.count_nonzero(wrong != jac) == 1


def test_the_mlp_subject_is_the_networks_backprop():
    from derivs import gradient_check
    from derivs_app.views.lab import _NET, _NET_LABELS, _NET_X, mlp_gradient, mlp_loss

    subject = DIRECTION_SUBJECTS["mlp"]
    assert subject.x.size == 17 == len(subject.inputs)
    assert mlp_loss(subject.x) == _NET.loss(_NET_X, _NET_LABELS)
    grads = _NET.gradients(_NET_X, _NET_LABELS)
    np.testing.assert_array_equal(mlp_gradient(subject.x),
                                  np.concatenate([g.ravel() for g in grads.values()]))
    assert gradient_check(_NET, _NET_X, _NET_LABELS).passed


def _second_specs():
    p = CHECK_PRESETS["pytorch"]
    for name in ("gelu", "tanh", "sin"):
        t = SECOND[name]
        yield pytest.param(CheckSpec(t.label, t.f, t.df, t.x_default, "central", p.h, p),
                           id=f"{name}-d2")


@pytest.mark.parametrize("spec", _second_specs())
def test_gradgradcheck_snippets_run_and_agree_with_the_core(spec, tmp_path):
    core = _core_check(spec)
    lines = _run(numpy_snippet(spec), tmp_path)
    assert lines[-1] == ("PASS" if core.ok else "FAIL") == "PASS"
    assert float(lines[1].split()[-1]) == core.analytical


def _fast_cases():
    """torch's fast mode on a correct derivative, a planted bug, and a gradgradcheck."""
    p = CHECK_PRESETS["pytorch"]
    sin, bug, gelu = TARGETS["sin"], BUGS["tanh_no_square"], SECOND["gelu"]
    yield pytest.param(CheckSpec(sin.label, sin.f, sin.df, 1.0, "central", p.h, p), id="sin")
    yield pytest.param(CheckSpec(bug.label, bug.f, bug.buggy_df, bug.catch[0], "central", p.h, p),
                       id="tanh-bug")
    yield pytest.param(CheckSpec(gelu.label, gelu.f, gelu.df, 1.0, "central", p.h, p),
                       id="gelu-d2")


@pytest.mark.parametrize("spec", _fast_cases())
def test_torch_snippet_in_fast_mode(spec, tmp_path):
    code = torch_snippet(spec, fast_mode=True)
    call = next(node for node in ast.walk(ast.parse(code))
                if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("gradcheck"))
    kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    assert kwargs["fast_mode"] is True
    assert "fast_mode" not in torch_snippet(spec)
    expected = "PASS" if _core_check(spec).ok else "FAIL"
    if HAS_TORCH:
        assert _run(code, tmp_path)[-1] == expected
    else:
        assert not REQUIRE_TORCH, "DERIVS_REQUIRE_TORCH=1 but torch is not importable"
        stand_in = tmp_path / "stand_in"
        (stand_in / "torch").mkdir(parents=True)
        (stand_in / "torch" / "__init__.py").write_text(TORCH_STAND_IN)
        assert _run(code, tmp_path, extra_path=stand_in)[-1] == expected
