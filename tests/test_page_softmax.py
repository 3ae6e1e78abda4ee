"""The Softmax Jacobian page (AppTest) and the core helpers it relies on (derivs.softmax).

Page tests run pages/softmax.py directly (AppTest.switch_page would skip app.py's sidebar) and
read the figures back from the plotly specs the page sends.
"""

from __future__ import annotations

import base64
import json
import re
import string
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from derivs.softmax import (
    jacobian_properties,
    softmax,
    softmax_jacobian,
    softmax_jacobian_check,
    softmax_jacobian_notes,
    softmax_jacobian_terms,
    softmax_vjp,
    softmax_vjp_check,
    softmax_vjp_explicit,
)
from derivs.symbolic import softmax_latex
from derivs_app.i18n.softmax import TEXT
from derivs_app.views.softmax import (
    CUSTOM_LOGITS,
    LOGIT_PRESETS,
    LOGIT_RANGE,
    N_RANGE,
    TEMPERATURES,
    preset_logits,
)
from tests.apptest_support import assert_clean, open_page

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "softmax.py")
T_LOW, T_HIGH = TEMPERATURES[0], TEMPERATURES[-1]
LAZY_SECTIONS = ("smx_terms", "smx_check", "smx_vjp", "smx_notes")


# --- core helpers ------------------------------------------------------------------------------


def _logit_cases():
    rng = np.random.default_rng(3)
    yield np.array(CUSTOM_LOGITS[:4]), 1.0
    yield np.zeros(2), T_LOW
    yield rng.normal(0, 3, 10), T_HIGH
    yield rng.normal(0, 3, 7), 0.3
    yield np.array([1000.0, 1000.0, -1000.0]), 1.0
    yield np.array([5.0, 0.0, 0.0, 0.0]), T_LOW


@pytest.mark.parametrize("z, temperature", list(_logit_cases()))
def test_core_helpers_are_finite_and_consistent(z, temperature):
    jac = softmax_jacobian(z, temperature)
    diag_term, outer_term = softmax_jacobian_terms(z, temperature)
    np.testing.assert_allclose(diag_term - outer_term, jac, rtol=0, atol=4e-16 / temperature)
    v = np.linspace(-2.0, 3.0, len(z))
    np.testing.assert_allclose(softmax_vjp_explicit(z, v, temperature), jac.T @ v, rtol=0, atol=0)
    check = softmax_vjp_check(z, v, temperature)
    assert check.agree, (check.max_abs_difference, check.roundoff_scale)
    np.testing.assert_array_equal(check.fast, softmax_vjp(z, v, temperature))
    props = jacobian_properties(jac)
    assert props.symmetric and props.rows_sum_to_zero and props.psd
    assert props.rank <= len(z) - 1
    for value in (props.max_asymmetry, props.max_row_sum, props.min_symmetric_eigenvalue):
        assert np.isfinite(value)
    fd = softmax_jacobian_check(z, temperature)
    for array in (fd.analytical, fd.numerical, fd.abs_difference):
        assert np.all(np.isfinite(array))


def test_properties_of_a_well_spread_jacobian():
    z, temperature = np.array(CUSTOM_LOGITS[:5]), 0.7
    props = jacobian_properties(softmax_jacobian(z, temperature))
    assert props.rank == 4 and props.rank_is_n_minus_1
    eig = props.eigenvalues_to_tolerance()
    assert eig[0] == 0.0 and np.all(eig[1:] > 0)
    np.testing.assert_allclose(
        props.eigenvalues, np.linalg.eigvalsh(softmax_jacobian(z, temperature)), atol=1e-15)


@pytest.mark.parametrize("n", [2, 5, 10])
def test_uniform_jacobian_eigenvalues(n):
    """J = (I/n − 11ᵀ/n²)/T: eigenvalue 0 on the ones vector, 1/(nT) on everything orthogonal."""
    temperature = 2.0
    props = jacobian_properties(softmax_jacobian(np.zeros(n), temperature))
    expected = np.r_[0.0, np.full(n - 1, 1 / (n * temperature))]
    np.testing.assert_allclose(props.eigenvalues_to_tolerance(), expected, rtol=1e-13, atol=0)


def test_notes_matrix_fails_the_checks():
    z = np.array(CUSTOM_LOGITS[:4])
    props = jacobian_properties(softmax_jacobian_notes(z))
    assert not props.symmetric and not props.rows_sum_to_zero and not props.psd
    assert props.rank == 1 and not props.rank_is_n_minus_1
    np.testing.assert_allclose(props.max_row_sum, 1 - softmax(z).min(), rtol=1e-15)


def test_overflow_preset_loses_a_rank_in_float64():
    props = jacobian_properties(softmax_jacobian(preset_logits("overflow", 7), 1.0))
    assert props.rank == 1 and not props.rank_is_n_minus_1  # s₃ = e^−2000 underflows to 0


def test_jacobian_check_reports_unresolved_entries():
    good = softmax_jacobian_check(CUSTOM_LOGITS[:4], 1.0, "complex_step")
    assert good.max_relative_error < 1e-14 and good.unresolved_entries == 0
    central = softmax_jacobian_check(CUSTOM_LOGITS[:4], 1.0, "central")
    assert central.max_relative_error < 1e-7
    assert central.largest_step == pytest.approx(np.cbrt(np.finfo(float).eps) * 2.0)
    # s₁ rounds to 1: finite differences of s₁ subtract 1 − 1 and return 0
    saturated = softmax_jacobian_check([5.0, 0.0, 0.0], T_LOW, "central")
    assert saturated.unresolved_entries > 0 and saturated.max_relative_error == 1.0
    i, j = saturated.worst_entry
    assert saturated.numerical[i, j] == 0 and saturated.analytical[i, j] != 0


def test_presets():
    low, high, _ = LOGIT_RANGE
    for name, preset in LOGIT_PRESETS.items():
        for n in N_RANGE:
            z = preset_logits(name, n, seed=1)
            assert z.dtype == np.float64 and len(z) == (preset.size or n)
            assert np.all(np.isfinite(z))
    np.testing.assert_array_equal(preset_logits("overflow", 4), [1000.0, 1000.0, -1000.0])
    random10 = preset_logits("random", 10, seed=5)
    np.testing.assert_array_equal(preset_logits("random", 4, seed=5), random10[:4])
    assert np.all((random10 >= low) & (random10 <= high))
    assert not np.array_equal(random10, preset_logits("random", 10, seed=6))
    assert len(CUSTOM_LOGITS) == N_RANGE[1]


def test_notes_entry_latex():
    assert softmax_latex()["notes_entry"] == r"M_{ij} = f_{j} - f_{i} f_{j} = f_{j} \left(1 - f_{i}\right)"


def test_text_pairs_complete():
    fields = string.Formatter()
    for key, (en, zh) in TEXT.items():
        assert key.startswith("smx.") and en and zh, key
        assert {f for _, f, _, _ in fields.parse(en) if f} == \
            {f for _, f, _, _ in fields.parse(zh) if f}, key


# --- the page ------------------------------------------------------------------------------------


def _array(obj):
    if isinstance(obj, dict) and "bdata" in obj:
        data = np.frombuffer(base64.b64decode(obj["bdata"]), dtype=np.dtype(obj["dtype"]))
        if "shape" in obj:  # plotly writes the shape as text, e.g. "4, 4"
            shape = obj["shape"]
            data = data.reshape([int(k) for k in str(shape).split(",")] if isinstance(shape, str) else shape)
        return data
    return np.asarray(obj, dtype=np.float64)


def _chart(at, key):
    """The figure spec of the chart with this key, as a dict."""
    for chart in at.get("plotly_chart"):
        if chart.proto.id.endswith("-" + key):
            return json.loads(chart.proto.spec)
    raise AssertionError(f"no chart with key {key!r}")


def _run(lang="en", **params) -> AppTest:
    for section in LAZY_SECTIONS:  # lazy expanders: open them to check what they draw
        params.setdefault(section, "true")
    at = open_page("softmax", lang, **params)
    assert_clean(at)
    return at


def _visible_text(at) -> str:
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "info")
             for e in getattr(at, kind)]
    return "\n".join(parts)


def _assert_page_consistent(at, z, temperature):
    """What is on screen agrees with the core for logits z at temperature T."""
    z = np.asarray(z, dtype=np.float64)
    jac = softmax_jacobian(z, temperature)
    heatmap = _chart(at, "smx_jacobian_chart")["data"][0]
    shown = _array(heatmap["z"])
    assert shown.dtype == np.float64 and shown.shape == jac.shape
    np.testing.assert_array_equal(shown, jac)
    assert _chart(at, "smx_jacobian_chart")["layout"]["coloraxis"]["cmid"] == 0  # diverging at 0
    np.testing.assert_array_equal(_array(_chart(at, "smx_probabilities_chart")["data"][0]["y"]),
                                  softmax(z, temperature))
    for key in ("smx_terms_chart", "smx_check_chart", "smx_notes_chart", "smx_vjp_chart"):
        for trace in _chart(at, key)["data"]:
            values = _array(trace["z"] if "z" in trace else trace["y"])
            assert np.all(np.isfinite(values)), key
    text = _visible_text(at)
    assert "⟦" not in text  # no missing translation
    # Python prints a non-finite float as nan / inf (the overflow note's "NaN" is prose)
    assert not re.search(r"\bnan\b|[=:(\[,]\s*-?inf\b", text), "a non-finite number on screen"


def _property_marks(at, symbol="J"):
    """The ✓/✗/⚠ column of the properties table for J (or the notes' M)."""
    table = next(m.value for m in at.markdown
                 if m.value.startswith("|") and f"{symbol} = {symbol}ᵀ" in m.value)
    rows = [line for line in table.splitlines() if line.startswith("|")][2:]
    return [row.rstrip(" |").rsplit("|", 1)[1].strip() for row in rows]


def test_default_view_matches_the_core():
    at = _run()
    z = np.array(CUSTOM_LOGITS[:4])
    assert [at.slider(key=f"smx_z{k}").value for k in range(4)] == list(z)
    _assert_page_consistent(at, z, 1.0)
    props = jacobian_properties(softmax_jacobian(z))
    expected = [props.symmetric, props.rows_sum_to_zero, props.psd, props.rank_is_n_minus_1]
    assert expected == [True] * 4
    assert _property_marks(at) == [":green[✓]"] * 4
    assert _property_marks(at, "M") == [":red[✗]"] * 4  # the notes' matrix fails every check
    assert "max \\|row sum\\|" in next(m.value for m in at.markdown if m.value.startswith("|"))
    # heatmap cells carry the numbers (n ≤ 6) and the hover formula with them
    heatmap = _chart(at, "smx_jacobian_chart")["data"][0]
    assert heatmap["texttemplate"] and "δ<sub>ij</sub>" in heatmap["hovertemplate"]
    custom = _array(heatmap["customdata"])
    np.testing.assert_array_equal(custom[1, 2, 2:], [softmax(z)[1], 0.0, softmax(z)[2]])
    # the VJP: backprop's product and the explicit one, both from the core
    vjp = _chart(at, "smx_vjp_chart")["data"]
    v = np.array([1.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(_array(vjp[0]["y"]), softmax_vjp(z, v))
    np.testing.assert_array_equal(_array(vjp[1]["y"]), softmax_vjp_explicit(z, v))


@pytest.mark.parametrize("preset", ["custom", *LOGIT_PRESETS])
@pytest.mark.parametrize("n", N_RANGE)
def test_every_preset_renders_at_both_sizes(preset, n):
    at = _run(smx_preset=LOGIT_PRESETS[preset].label if preset in LOGIT_PRESETS else "custom",
              smx_n=n)
    z = np.array(CUSTOM_LOGITS[:n]) if preset == "custom" else preset_logits(preset, n)
    _assert_page_consistent(at, z, 1.0)
    shows_values = len(z) <= 6
    assert bool(_chart(at, "smx_jacobian_chart")["data"][0].get("texttemplate")) == shows_values


@pytest.mark.parametrize("temperature", [T_LOW, T_HIGH])
@pytest.mark.parametrize("preset", ["custom", "overflow"])
def test_temperature_extremes(preset, temperature):
    at = _run(smx_preset=preset, smx_T=f"{temperature:g}")
    assert at.select_slider(key="smx_T").value == temperature
    z = np.array(CUSTOM_LOGITS[:4]) if preset == "custom" else preset_logits(preset, 4)
    _assert_page_consistent(at, z, temperature)
    props = jacobian_properties(softmax_jacobian(z, temperature))
    marks = _property_marks(at)
    assert marks[:3] == [":green[✓]"] * 3
    assert marks[3] == (":green[✓]" if props.rank_is_n_minus_1 else ":orange[⚠]")
    if not props.rank_is_n_minus_1:
        assert any("rank" in i.value for i in at.info)


def test_overflow_preset_explains_itself():
    at = _run(smx_preset="overflow")
    assert at.slider(key="smx_n").disabled
    assert any("exp(1000)" in i.value for i in at.info)
    assert _property_marks(at)[3] == ":orange[⚠]"
    np.testing.assert_array_equal(_array(_chart(at, "smx_probabilities_chart")["data"][0]["y"]),
                                  [0.5, 0.5, 0.0])


def test_url_restores_custom_view():
    at = _run(smx_n=3, smx_z0=-2.5, smx_z1=4, smx_z2=0.3, smx_T="0.5", smx_v1=2,
              smx_method="complex step")
    assert at.slider(key="smx_n").value == 3
    assert [at.slider(key=f"smx_z{k}").value for k in range(3)] == [-2.5, 4.0, 0.3]
    assert at.select_slider(key="smx_T").value == 0.5
    assert at.selectbox(key="smx_method").value == "complex_step"
    z = np.array([-2.5, 4.0, 0.3])
    _assert_page_consistent(at, z, 0.5)
    np.testing.assert_array_equal(_array(_chart(at, "smx_check_chart")["data"][1]["z"]),
                                  softmax_jacobian_check(z, 0.5, "complex_step").numerical)
    v = np.array([1.0, 2.0, 0.0])
    np.testing.assert_array_equal(_array(_chart(at, "smx_vjp_chart")["data"][0]["y"]),
                                  softmax_vjp(z, v, 0.5))


def test_url_restores_random_preset_with_seed():
    at = _run(smx_preset="random", smx_n=6, smx_seed=7, smx_T="2")
    assert at.selectbox(key="smx_preset").value == "random"
    assert at.number_input(key="smx_seed").value == 7
    _assert_page_consistent(at, preset_logits("random", 6, seed=7), 2.0)


def test_moving_a_logit_redraws():
    at = _run()
    at.slider(key="smx_z2").set_value(6.5).run()
    assert not at.exception
    _assert_page_consistent(at, [2.0, 1.0, 6.5, -1.0], 1.0)


def test_custom_logits_survive_a_preset_and_a_smaller_n():
    """Custom logits come back after a look at a preset, and logit 5 after n went down to 4 and
    back up (Streamlit keeps a hidden widget's state; the browser test checks the same)."""
    at = _run(smx_n=5)
    at.slider(key="smx_z1").set_value(-3.5).run()
    at.slider(key="smx_z4").set_value(4.5).run()
    at.selectbox(key="smx_preset").set_value("uniform").run()
    assert all(s.key != "smx_z1" for s in at.slider)  # a preset hides the custom sliders
    at.selectbox(key="smx_preset").set_value("custom").run()
    assert at.slider(key="smx_z1").value == -3.5
    at.slider(key="smx_n").set_value(4).run()
    at.slider(key="smx_n").set_value(5).run()
    assert not at.exception
    z = [at.slider(key=f"smx_z{k}").value for k in range(5)]
    assert z[1] == -3.5 and z[4] == 4.5
    _assert_page_consistent(at, z, 1.0)


def test_both_languages_render():
    english, chinese = _run(), _run(lang="zh")
    assert english.title[0].value == TEXT["smx.title"][0]
    assert chinese.title[0].value == TEXT["smx.title"][1]
    assert "⟦" not in _visible_text(chinese)
    # option labels are language-neutral, so a link made in one language opens in the other
    assert chinese.selectbox(key="smx_preset").value == english.selectbox(key="smx_preset").value
    _assert_page_consistent(chinese, CUSTOM_LOGITS[:4], 1.0)


def test_notes_expander_is_lazy_until_opened():
    """Closed (the default), the notes' two charts are neither computed nor sent."""
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    assert not at.exception
    keys = [c.proto.id.rsplit("-", 1)[-1] for c in at.get("plotly_chart")]
    assert "smx_notes_chart" not in keys and "smx_jacobian_chart" in keys


def test_closed_sections_cost_a_logit_move_only_two_charts():
    """By default the sections below the properties are closed: a logit move redraws the
    probabilities and J only, while every section stays on the page, labelled, to be opened."""
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    at.slider(key="smx_z0").set_value(3.0).run()
    assert not at.exception
    keys = [c.proto.id.rsplit("-", 1)[-1] for c in at.get("plotly_chart")]
    assert keys == ["smx_probabilities_chart", "smx_jacobian_chart"]
    labels = [e.label for e in at.expander]
    for title in ("smx.decomposition", "smx.numerical", "smx.vjp", "smx.notes_title"):
        assert TEXT[title][0] in labels, title
