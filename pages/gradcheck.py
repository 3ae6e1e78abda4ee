"""Gradient-check lab: numerical against analytic derivatives, steps, presets, kinks and bugs."""

import contextlib
from functools import partial

import numpy as np
import streamlit as st

from derivs import CHECK_PRESETS, METHODS
from derivs.snippets import CheckSpec, file_name, numpy_snippet, torch_snippet
from derivs_app import figures, predict, ui
from derivs_app.formatting import bracketed, digits
from derivs_app.views.bugs import BUGS
from derivs_app.views.lab import (
    CUSTOM,
    DIRECTION_SEEDS,
    DIRECTION_SUBJECTS,
    EXAMPLES,
    KINK_PROBES,
    LOG_STEP_RESOLUTION,
    NO_EXAMPLE,
    TARGETS,
    check_point,
    check_target,
    checked_target,
    default_step_estimates,
    direction_geometry,
    direction_view,
    error_curves,
    estimate_bands,
    kink_probes,
    lab_settings,
    preset_checks,
    preset_for,
    resolve_step,
    richardson_view,
    scan,
    second_view,
    sin_periods,
    slider_log10,
    stencil_view,
)

PRESET_OPTIONS = [CUSTOM, *CHECK_PRESETS]
KINKED = [name for name, t in TARGETS.items() if t.kinks]
PROBES = {where: "k" if steps == 0 else f"k {'+' if steps > 0 else '−'} {abs(steps):g}h"
          for where, steps in KINK_PROBES.items()}
BUG_COLOURS = {"buggy": figures.COLOURS["notes"], "correct": figures.COLOURS["numerical"]}
#: The settings the kink explorer and the bug hunt were last drawn with (None while the whole
#: page is being drawn): the check's fragment compares its own against them.
DRAWN_WITH = "gc_drawn_with"


# --- small display helpers (formatting only) ---------------------------------------------------


_num = partial(digits, significant=15)
_short = partial(digits, significant=4)
_wide = partial(digits, significant=8)  # an axis end: 1e6 − 10 must not read as 1e6
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _power(n: int) -> str:
    return f"h{str(n).translate(_SUPERSCRIPT)}"


def _err(value: float) -> str:
    return f"{value:.1e}" if np.isfinite(value) else "—"


def _preset_label(name: str) -> str:
    """The preset selectbox's option text: language-neutral, because the URL holds it."""
    return CUSTOM if name == CUSTOM else CHECK_PRESETS[name].label


def _preset_name(name: str) -> str:
    """The preset as a sentence names it (translated for "custom")."""
    return ui.tr("gc.custom_name") if name == CUSTOM else CHECK_PRESETS[name].label


def _verdict(check) -> str:
    return ui.tr("gc.pass") if check.ok else ui.tr("gc.fail")


def _rule(preset) -> str:
    return ui.tr(f"gc.rule.{preset.rule}", atol=f"{preset.atol:g}", rtol=f"{preset.rtol:g}")


def _show_problems(check) -> None:
    for key in check.problems:
        st.warning(ui.tr(f"gc.problem.{key}", x=_num(check.x), h=f"{check.h:.3g}",
                         points=", ".join(_num(p) for p in check.stencil)), icon=":material/warning:")


def _kink_text(check) -> str | None:
    note = check.kink
    if note is None or note.status == "clear":
        return None
    return ui.tr(f"gc.kink.{note.status}", at=f"{note.at:g}", numerical=_num(check.numerical),
                 analytical=_num(check.analytical), side=ui.tr(f"gc.side.{note.side}"),
                 seen=ui.tr(f"gc.seen.{note.seen}"))


def _readout(check, preset) -> None:
    """numerical | analytical | relative error, the verdict, and why it may mislead."""
    cols = st.columns(3)
    for col, label, value in ((cols[0], "common.numerical", check.numerical),
                              (cols[1], "common.analytic", check.analytical)):
        col.caption(ui.tr(label))
        col.markdown(f"**{_num(value)}**")  # a readout, not a heading (screen readers list those)
    cols[2].caption(ui.tr("common.rel_error"))
    cols[2].markdown(ui.band_text(check.rel_error) if np.isfinite(check.rel_error) else "—")
    _show_problems(check)
    if check.result is not None:
        verdict = "gc.verdict_pass" if check.ok else "gc.verdict_fail"
        show = st.success if check.ok else st.error
        show(ui.tr(verdict, preset=_preset_name(preset.name), rule=_rule(preset)))
    kink = _kink_text(check)
    if kink:
        st.info(kink, icon=":material/show_chart:")


def _preset_table(checks) -> None:
    rows = [{
        ui.tr("gc.col.preset"): CHECK_PRESETS[name].label,
        ui.tr("gc.col.method"): ui.method_label(c.method),
        ui.tr("gc.col.h"): f"{c.h:.3g}",
        ui.tr("gc.col.rule"): _rule(CHECK_PRESETS[name]),
        ui.tr("common.numerical"): _num(c.numerical),
        ui.tr("common.rel_error"): f"{c.rel_error:.2e}" if np.isfinite(c.rel_error) else "—",
        ui.tr("gc.col.verdict"): _verdict(c),
    } for name, c in checks.items()]
    ui.table(rows)


def _export(spec: CheckSpec, key: str) -> None:
    numpy_tab, torch_tab = st.tabs([ui.tr("gc.export.numpy"), ui.tr("gc.export.torch")])
    for tab, tool in ((numpy_tab, "numpy"), (torch_tab, "torch")):
        with tab:
            st.caption(ui.tr(f"gc.export.{tool}_caption"))
            if tool == "torch":
                fast = ui.toggle(ui.tr("gc.export.fast"), f"{key}_fast",
                                 help=ui.tr("gc.export.fast_help"))
                code = torch_snippet(spec, fast_mode=fast)
            else:
                code = numpy_snippet(spec)
            st.download_button(ui.tr("gc.export.download"), code, file_name=file_name(spec, tool),
                               mime="text/x-python", key=f"{key}_{tool}", on_click="ignore")
            # whole and wrapped: a box that scrolls would be out of the keyboard's reach
            st.code(code, language="python", wrap_lines=True)


# --- 1. the check ------------------------------------------------------------------------------


def _apply_preset() -> None:
    """Choosing a library preset shows its method and step on the controls."""
    name = st.session_state["gc_preset"]
    if name == CUSTOM:
        return
    p = CHECK_PRESETS[name]
    st.session_state["gc_method"] = p.method
    st.session_state["gc_hdef"] = p.h is None
    if p.h is not None:
        st.session_state["gc_logh"] = slider_log10(p.h)


def _to_custom() -> None:
    """Touching the method or step leaves the preset: the check is now the learner's own."""
    st.session_state["gc_preset"] = CUSTOM


def _example_values(name: str) -> dict:
    """The controls an example sets (session-state keys and values)."""
    e = EXAMPLES[name]
    lo, hi = TARGETS[e.target].x_range
    inside = lo <= e.x <= hi
    return {"gc_target": e.target, "gc_x": e.x if inside else TARGETS[e.target].x_default,
            "gc_xe": None if inside else float(e.x), "gc_gg": e.second, "gc_preset": CUSTOM,
            "gc_method": e.method, "gc_hdef": True}


def _apply_example() -> None:
    """Choosing an example sets the target, the point and the method on the controls."""
    name = st.session_state["gc_example"]
    if name != NO_EXAMPLE:
        st.session_state.update(_example_values(name))


def _example_from_link() -> None:
    """A link that names an example and not (all of) its controls: the example fills in the rest
    (what the link does set wins)."""
    name = st.query_params.get("gc_example")
    if "gc_example" not in st.session_state and name in EXAMPLES:
        st.session_state.update({k: v for k, v in _example_values(name).items()
                                 if k not in st.query_params})


def _leave_example() -> None:
    """Moving the target or the point makes the check the learner's own again."""
    st.session_state["gc_example"] = NO_EXAMPLE


def _controls():
    """The example, the target (its f′ or f″), the point, and the settings (preset, method,
    log10 h or None, dtype). Returns (the target, the one checked, x, settings, example)."""
    _example_from_link()
    left, right = st.columns(2)
    with left:
        example = ui.select(ui.tr("gc.example"), [NO_EXAMPLE, *EXAMPLES], key="gc_example",
                            format_func=ui.labeller("gc.example"), on_change=_apply_example)
        name = ui.select(ui.tr("gc.target"), TARGETS, key="gc_target",
                         format_func=lambda n: TARGETS[n].label, on_change=_leave_example)
        base = TARGETS[name]
        second = ui.toggle(ui.tr("gc.second"), "gc_gg", disabled=base.d2f is None,
                           help=ui.tr("gc.second_help"), on_change=_leave_example)
        target = checked_target(base, second)
        st.caption(ui.tr(f"gc.kind.{target.kind}", label=target.label, **dict(target.context)))
        if second and base.d2f is None:
            st.caption(ui.tr("gc.no_second", label=base.label))
        lo, hi = target.x_range
        x_slider = ui.slider(ui.tr("gc.x"), "gc_x", lo, hi, target.x_default, target.x_step,
                             on_change=_leave_example)
        exact = ui.number(ui.tr("gc.x_exact"), "gc_xe", None, format="%g",
                          help=ui.tr("gc.x_exact_help"), on_change=_leave_example)
        x = float(x_slider if exact is None else exact)
    with right:
        preset_name = ui.select(ui.tr("gc.preset"), PRESET_OPTIONS, key="gc_preset",
                                format_func=_preset_label, on_change=_apply_preset)
        method = ui.select(ui.tr("common.method"), METHODS, key="gc_method",
                           format_func=ui.labeller("method"), index=2, on_change=_to_custom)
        use_default = ui.toggle(ui.tr("common.step_default"), "gc_hdef", default=True,
                                on_change=_to_custom)
        log_h = ui.slider(ui.tr("gc.log_h"), "gc_logh", -16.0, 0.0, -5.0, LOG_STEP_RESOLUTION,
                          disabled=use_default, on_change=_to_custom, format="%.1f")
        f32 = ui.toggle(ui.tr("gc.f32"), "gc_f32", help=ui.tr("gc.f32_help"))
    dtype = np.float32 if f32 else np.float64
    return base, target, x, (preset_name, method, None if use_default else log_h, dtype), example


def _example_story(example: str, x, estimates) -> None:
    """What the chosen example shows, with this run's numbers."""
    if example == "sin_1e6" and x == EXAMPLES[example].x:
        central, rich = estimates["central"], estimates["richardson"]
        complex_step = estimates.get("complex_step")
        st.info(ui.tr("gc.story.sin_1e6", h=f"{central.h:.3g}",
                      periods=f"{sin_periods(central.h):.2f}",
                      rel=_err(central.rel_error), est=_err(central.estimate),
                      top=f"{rich.h:.3g}", value=_num(rich.value), rich_est=_err(rich.estimate),
                      rich_rel=_err(rich.rel_error),
                      cs_rel=_err(complex_step.rel_error) if complex_step else "—"),
                icon=":material/waves:")
    elif example == "gradgrad":
        st.info(ui.tr("gc.story.gradgrad"), icon=":material/functions:")


def _check_section(target, x, method, h, preset, dtype, example, estimates):
    check = check_target(target, x, method, h, preset, dtype)
    st.markdown(ui.tr("gc.settings", x=_num(x), method=ui.method_label(method), h=f"{h:.3g}",
                      dtype=np.dtype(dtype).name,
                      points=", ".join(_num(p) for p in check.stencil)))
    _readout(check, preset)
    _example_story(example, x, estimates)
    st.subheader(ui.tr("gc.presets_title"))
    st.caption(ui.tr("gc.presets_caption", dtype=np.dtype(dtype).name))
    _preset_table(preset_checks(target.f, target.df, x, dtype, kinks=target.kinks,
                                domain=target.domain))


# --- 2. error against step ---------------------------------------------------------------------


BAND_CHOICES = ("mine", "all", "none")


def _step_section(target, x, method, h, dtype, tableau):
    st.header(ui.tr("gc.step_title"))
    curves = error_curves(target.f, target.df, x, dtype, methods=target.methods(dtype))
    names = {m: ui.method_label(m) for m in curves.curves}
    shown = ui.select(ui.tr("gc.bands"), BAND_CHOICES, key="gc_bands",
                      format_func=ui.labeller("gc.bands"))
    band_methods = {"mine": [method], "all": list(curves.curves), "none": []}[shown]
    band_methods = [m for m in band_methods if m in curves.curves]  # no complex step in float32
    bands = estimate_bands(target.f, target.df, x, band_methods, dtype)
    fig = figures.error_vs_step_figure(
        curves, names=names, selected=method, current_h=h,
        title=ui.tr("gc.step_chart", label=target.label, x=_num(x), dtype=np.dtype(dtype).name),
        x=ui.tr("gc.axis_h"),
        y=ui.tr("gc.axis_rel" if curves.relative else "gc.axis_abs"),
        best_name=ui.tr("gc.best_h"), slope_name=ui.tr("gc.slope"),
        floor_name=ui.tr("gc.floor_line", floor=f"{curves.floor:g}"), h_name=ui.tr("gc.your_h"),
        bands=bands, richardson=tableau,
        richardson_name=ui.method_label("richardson"),
        richardson_hover=ui.tr("gc.rich_hover_bar", value=_num(tableau.value),
                               estimate=_err(tableau.estimate)),
    )
    if curves.lost:
        st.info(ui.tr("gc.step_lost", x=_num(x), methods=", ".join(names[m] for m in curves.lost)),
                icon=":material/info:")
    ui.chart(fig, key="gc_chart_step")
    st.caption(ui.tr("gc.floor_caption", floor=f"{curves.floor:g}"))
    if bands:
        st.caption(ui.tr("gc.bands_caption"))
    if tableau.found:
        st.caption(ui.tr("gc.rich_on_chart", steps=", ".join(f"{s:.2g}" for s in tableau.used_steps),
                         err=_err(tableau.errors[tableau.row, tableau.column])))
    rows = [{
        ui.tr("gc.col.method"): names[m],
        ui.tr("gc.col.order"): c.order,
        ui.tr("gc.col.best_h"): f"{c.best_h:.1e}" if np.isfinite(c.best_h) else "—",
        ui.tr("gc.col.best_err"): f"{c.best_err:.1e}" if np.isfinite(c.best_err) else "—",
    } for m, c in curves.curves.items()]
    ui.table(rows)
    st.markdown(ui.tr("gc.step_explain"))
    if np.dtype(dtype) != np.float64:
        st.info(ui.tr("gc.step_f32"), icon=":material/memory:")


# --- Richardson ----------------------------------------------------------------------------------


def _tableau_alt(target, x, tab) -> str:
    first = tab.errors[0, 0]
    return ui.tr("gc.alt.tableau", label=target.label, x=_num(x), rows=len(tab.steps),
                 cols=tab.tableau.shape[1], h0=f"{tab.steps[0]:.2g}", h1=f"{tab.steps[-1]:.2g}",
                 first=_err(first), row=tab.row + 1, col=tab.column + 1,
                 h=f"{tab.steps[tab.row]:.2g}", best=_err(tab.errors[tab.row, tab.column]),
                 estimate=_err(tab.estimate), order=_power(2 * tab.column + 2))


def _estimates_table(estimates) -> None:
    rows = [{
        ui.tr("gc.col.method"): ui.method_label(name),
        ui.tr("gc.col.h"): (ui.tr("gc.own_steps", h=f"{e.h:.3g}") if name == "richardson"
                            else f"{e.h:.3g}"),
        ui.tr("common.numerical"): _num(e.value),
        ui.tr("gc.col.estimate"): _err(e.estimate),
        ui.tr("common.rel_error"): _err(e.rel_error),
        ui.tr("gc.col.covered"): ui.tr("gc.covered" if e.covered else "gc.not_covered"),
    } for name, e in estimates.items()]
    ui.table(rows)


def _richardson_section(target, x, dtype, tab, estimates) -> None:
    st.header(ui.tr("gc.rich_title"))
    ui.prose("gc.rich_intro")
    if not tab.found:
        st.info(ui.tr("gc.rich_none", x=_num(x)), icon=":material/info:")
    else:
        cols = st.columns(4)
        cols[0].caption(ui.method_label("richardson"))
        cols[0].markdown(f"**{_num(tab.value)}** ± {_err(tab.estimate)}")
        cols[1].caption(ui.tr("common.analytic"))
        cols[1].markdown(f"**{_num(tab.exact)}**")
        cols[2].caption(ui.tr("common.rel_error"))
        cols[2].markdown(ui.band_text(tab.rel_error) if np.isfinite(tab.rel_error) else "—")
        cols[3].caption(ui.tr("gc.evaluations"))
        cols[3].markdown(f"**{tab.evaluations}**")
        if not tab.covered:
            st.warning(ui.tr("gc.rich_missed"), icon=":material/warning:")
        fig = figures.tableau_figure(
            tab, title=ui.tr("gc.rich_chart", label=target.label, x=_num(x),
                             dtype=np.dtype(dtype).name),
            rows=[f"h = {h:.2e}" for h in tab.steps],
            columns=[_power(2 * j + 2) for j in range(tab.tableau.shape[1])],
            colour_name=ui.tr("gc.rich_colour" if tab.relative else "gc.rich_colour_abs"),
            chosen_name=ui.tr("gc.rich_chosen"), hover=ui.tr("gc.rich_hover"))
        ui.chart(fig, key="gc_chart_tableau", alt=_tableau_alt(target, x, tab))
        st.caption(ui.tr("gc.rich_caption", row=tab.row + 1, col=tab.column + 1,
                         n=len(tab.used_steps), order=_power(2 * tab.column + 2)))
    st.subheader(ui.tr("gc.defaults_title"))
    _estimates_table(estimates)
    st.caption(ui.tr("gc.defaults_caption", dtype=np.dtype(dtype).name))


# --- second derivatives --------------------------------------------------------------------------


def _second_section(base, x) -> None:
    st.header(ui.tr("gc.d2_title"))
    ui.prose("gc.d2_intro")
    if base.d2f is None:
        st.caption(ui.tr("gc.no_second", label=base.label))
        return
    show = ui.toggle(ui.tr("gc.show_d2"), "gc_d2")
    view = second_view(base, x)
    rel = view.rel_error
    fig = figures.second_derivative_figure(
        view, show_second=show, df_name=f"f′ ({base.label})", d2f_name=ui.tr("gc.d2_name"),
        numerical_name=ui.tr("gc.d2_numerical"), title_df=f"f′ = {base.label}′",
        title_d2f=f"f″ = {base.label}″", x_title="x", point_name=f"x = {_short(x)}")
    alt_key = "gc.alt.second" if show else "gc.alt.first"
    ui.chart(fig, key="gc_chart_second",
             alt=ui.tr(alt_key, label=base.label, lo=_wide(view.grid[0]), hi=_wide(view.grid[-1]),
                       x=_num(x), df=_short(view.df_at), d2f=_short(view.d2f_at),
                       numerical=_short(view.numerical_at), rel=_err(rel)))
    if show:
        st.markdown(ui.tr("gc.d2_readout", x=_num(x), d2f=_num(view.d2f_at),
                          numerical=_num(view.numerical_at)) + " " + ui.band_text(rel))


# --- random directions ---------------------------------------------------------------------------


def _direction_alt(view, geometry) -> str:
    g = geometry
    return ui.tr("gc.alt.direction", x=", ".join(_short(v) for v in g.x),
                 u=", ".join(_short(v) for v in g.u), h=f"{g.h:.2g}",
                 grad=", ".join(_short(v) for v in g.gradient),
                 true=", ".join(_short(v) for v in g.true_gradient),
                 analytical=_short(view.check.analytical[0]),
                 numerical=_short(view.check.numerical[0]))


@ui.fragment
def _direction_section() -> None:
    st.header(ui.tr("gc.dir_title"))
    ui.prose("gc.dir_intro")
    left, right = st.columns([1, 2])
    with left:
        name = ui.select(ui.tr("gc.dir_subject"), DIRECTION_SUBJECTS, key="gc_dir",
                         format_func=ui.labeller("gc.dir"))
        seed = ui.slider(ui.tr("gc.dir_seed"), "gc_dseed", DIRECTION_SEEDS[0],
                         DIRECTION_SEEDS[-1], 0, 1)
        count = ui.slider(ui.tr("gc.dir_count"), "gc_dn", 1, 8, 1, 1)
        planted = ui.toggle(ui.tr("gc.dir_plant"), "gc_plant", help=ui.tr("gc.dir_plant_help"))
    view = direction_view(name, seed, count, planted)
    check, subject = view.check, view.subject
    with right:
        st.caption(ui.tr(f"gc.dir.{name}.about", n=subject.x.size, m=len(subject.outputs),
                         x=bracketed(subject.x)))
        if view.planted is not None:
            i, j = view.planted.index
            st.markdown(ui.tr("gc.dir_planted", out=subject.outputs[i], inp=subject.inputs[j],
                              right=_short(view.planted.right), wrong=_short(view.planted.wrong)))
        worst = int(np.argmax(check.rel_error))
        cols = st.columns(3)
        cols[0].caption(ui.tr("gc.dir_analytical"))
        cols[0].markdown(f"**{_num(check.analytical[worst])}**")
        cols[1].caption(ui.tr("gc.dir_numerical"))
        cols[1].markdown(f"**{_num(check.numerical[worst])}**")
        cols[2].caption(ui.tr("gc.dir_rel"))
        cols[2].markdown(f"**{_err(check.rel_error[worst])}**")
        verdict = st.success if check.passed else st.error
        verdict(ui.tr("gc.dir_pass" if check.passed else "gc.dir_fail",
                      tol=f"{check.tolerance:g}", k=len(check.rel_error)))
        st.markdown(ui.tr("gc.dir_evaluations", used=check.evaluations,
                          full=check.full_evaluations, n=subject.x.size, k=len(check.rel_error),
                          ratio=f"{check.full_evaluations / check.evaluations:.3g}"))
        st.markdown(ui.tr("gc.dir_seeds", passed=view.seeds_passed, seeds=view.seeds,
                          last=DIRECTION_SEEDS[-1]))
    ui.table([{
        ui.tr("gc.col.direction"): k + 1,
        "vᵀJu": _num(check.analytical[k]),
        ui.tr("gc.col.directional"): _num(check.numerical[k]),
        ui.tr("gc.dir_rel"): _err(check.rel_error[k]),
        ui.tr("gc.col.verdict"): ui.tr("gc.pass" if check.rel_error[k] <= check.tolerance
                                       else "gc.fail"),
    } for k in range(len(check.rel_error))])
    geometry = direction_geometry(view)
    if geometry is None:
        st.caption(ui.tr("gc.dir_no_picture"))
        return
    fig = figures.direction_figure(
        geometry, title=ui.tr("gc.dir_chart"), x_name="ŷ₁", y_name="ŷ₂",
        f_name="L", u_name=ui.tr("gc.dir_u"), probe_names=("x + h·u", "x − h·u"),
        gradient_name=ui.tr("gc.dir_gradient"), true_gradient_name=ui.tr("gc.dir_true"),
        point_name="x")
    picture, notes = st.columns([3, 2])
    with picture:
        ui.chart(fig, key="gc_chart_direction", alt=_direction_alt(view, geometry))
    notes.caption(ui.tr("gc.dir_picture_caption", h=f"{geometry.h:.2g}"))


# --- 3. kinks ----------------------------------------------------------------------------------


@ui.fragment
def _kink_section(settings):
    st.header(ui.tr("gc.kink_title"))
    ui.prose("gc.kink_intro")
    left, right = st.columns([1, 2])
    with left:
        name = ui.select(ui.tr("gc.kink_target"), KINKED, key="gc_kink",
                         format_func=lambda n: TARGETS[n].label)
        target = TARGETS[name]
        kinks = {f"{k.at:g}": k for k in target.kinks}
        kink = kinks[ui.select(ui.tr("gc.kink_at"), kinks, key="gc_kat")]
        probe = ui.select(ui.tr("gc.kink_probe"), PROBES, key="gc_kprobe",
                          format_func=PROBES.get)
    preset_name, method_choice, log_h, dtype = settings
    method, h, preset = lab_settings(preset_name, method_choice, log_h, kink.at, dtype)
    probes = {p.where: p.check for p in kink_probes(target, kink, method, h, preset, dtype)}
    with left:
        st.caption(ui.tr("gc.kink_settings", method=ui.method_label(method), h=f"{h:.3g}",
                         preset=_preset_name(preset.name)))
    chosen = probes[probe]
    with right:
        if chosen.result is None:
            _show_problems(chosen)
        else:
            view = stencil_view(target.f, chosen, target.kinks)
            fig = figures.stencil_figure(
                view, title=ui.tr("gc.stencil_chart", label=target.label, x=_num(chosen.x),
                                  method=ui.method_label(method), h=f"{h:.2g}"),
                x="x", f_name="f", numerical_name=ui.tr("gc.slope_numerical",
                                                        v=_num(chosen.numerical)),
                analytical_name=ui.tr("gc.slope_analytical", v=_num(chosen.analytical)),
                points_name=ui.tr("gc.stencil_points"), kink_name=ui.tr("gc.kink_word"),
            )
            ui.chart(fig, key="gc_chart_stencil")
        st.markdown(_kink_text(chosen) or ui.tr("gc.kink.clear"))
    rows = [{
        ui.tr("gc.col.probe"): PROBES[where],
        "x": _num(c.x),
        ui.tr("common.numerical"): _num(c.numerical),
        ui.tr("common.analytic"): _num(c.analytical),
        ui.tr("gc.col.verdict"): _verdict(c) if c.result is not None else "—",
        ui.tr("gc.col.kink"): ui.tr(f"gc.kstatus.{c.kink.status if c.kink else 'clear'}"),
    } for where, c in probes.items()]
    ui.table(rows)
    with st.expander(ui.tr("gc.kink_more")):
        st.markdown(ui.tr("gc.kink_elsewhere"))
        for library, value in kink.elsewhere:
            st.markdown(f"- {library}: `{value}`")


# --- 4. find the bug ---------------------------------------------------------------------------


def _hide_answer() -> None:
    """A new suspect starts unsolved."""
    st.session_state["gc_reveal"] = False


@ui.fragment
def _bug_section(dtype):
    st.header(ui.tr("gc.bug_title"))
    ui.prose("gc.bug_intro")
    left, right = st.columns([1, 2])
    with left:
        bug = BUGS[ui.select(ui.tr("gc.bug_pick"), BUGS, key="gc_bug",
                             format_func=lambda n: BUGS[n].label, on_change=_hide_answer)]
        x = float(ui.number(ui.tr("gc.bug_x"), "gc_bx", bug.start, format="%g",
                            help=ui.tr("gc.bug_x_help", lo=f"{bug.x_range[0]:g}",
                                       hi=f"{bug.x_range[1]:g}")))
        method = ui.select(ui.tr("common.method"), METHODS, key="gc_bm",
                           format_func=ui.labeller("method"), index=2)
        with st.expander(ui.tr("gc.hint")):
            st.markdown(ui.tr(bug.hint_key))
        reveal = ui.toggle(ui.tr("gc.reveal"), "gc_reveal")
    h = resolve_step(method, x, None, dtype)
    preset = preset_for(CUSTOM, method, h)
    check = check_point(bug.f, bug.buggy_df, x, method, h, preset, dtype)
    with right:
        st.markdown(ui.tr("gc.bug_check", x=_num(x), method=ui.method_label(method),
                          h=f"{h:.3g}"))
        _readout(check, preset)
    st.caption(ui.tr("gc.presets_caption", dtype=np.dtype(dtype).name))
    _preset_table(preset_checks(bug.f, bug.buggy_df, x, dtype))
    if check.result is not None:
        curves = {"buggy": bug.buggy_df} | ({"correct": bug.correct_df} if reveal else {})
        swept = scan(bug.f, curves, bug.x_range, method, dtype)
        names = {k: ui.tr(f"gc.bug_{k}") for k in swept.rel_errors}
        fig = figures.scan_figure(
            swept.x, {names[k]: v for k, v in swept.rel_errors.items()},
            {names[k]: BUG_COLOURS[k] for k in names}, floor=swept.floor,
            title=ui.tr("gc.scan_chart", method=ui.method_label(method)),
            x="x", y=ui.tr("common.rel_error"),
            floor_name=ui.tr("gc.floor_line", floor=f"{swept.floor:g}"),
            marks={"x": x},
        )
        ui.chart(fig, key="gc_chart_scan")
    if reveal:
        st.success(ui.tr(bug.explanation_key), icon=":material/bug_report:")
    with st.expander(ui.tr("gc.export_bug")):
        _export(CheckSpec(bug.label, bug.f, bug.buggy_df, x, method, h, preset,
                          np.dtype(dtype).name), key="gc_dl_bug")


# --- the page ----------------------------------------------------------------------------------


@ui.fragment
def _check_lab():
    """The check, its error against step and its export: moving the point or picking another
    target redraws only these. The method, step, preset and float32 drive the kink explorer and
    the bug hunt too, so changing one of those reruns the whole page. Returns the settings."""
    # On a projector the controls fold into one line and the chart comes first.
    with st.expander(ui.tr("common.controls")) if ui.presenting() else contextlib.nullcontext():
        base, target, x, settings, example = _controls()
    drawn_with = st.session_state.get(DRAWN_WITH)
    if drawn_with is not None and drawn_with != settings:
        st.rerun()  # the whole app: the sections below must follow the new settings
    preset_name, method_choice, log_h, dtype = settings
    method, h, preset = lab_settings(preset_name, method_choice, log_h, x, dtype)
    tableau = richardson_view(target.f, target.df, x, dtype)
    estimates = default_step_estimates(target.f, target.df, x, dtype, tableau,
                                       methods=target.methods(dtype))
    sections = [lambda: _check_section(target, x, method, h, preset, dtype, example, estimates),
                lambda: _step_section(target, x, method, h, dtype, tableau),
                lambda: _richardson_section(target, x, dtype, tableau, estimates),
                lambda: _second_section(base, x)]
    if ui.presenting():  # on a projector the error-vs-step chart comes first
        sections[:2] = sections[1::-1]
    for section in sections:
        section()
    st.header(ui.tr("gc.export_title"))
    ui.prose("gc.export_intro")
    # the code is written (and highlighted) only while it is open
    if export := ui.lazy_expander(ui.tr("gc.export_bug"), "gc_export"):
        with export:
            _export(CheckSpec(target.label, target.f, target.df, x, method, h, preset,
                              np.dtype(dtype).name), key="gc_dl_check")
    return settings


def render() -> None:
    st.title(ui.tr("nav.gradcheck"))
    ui.prose("gc.intro")
    st.header(ui.tr("gc.check_title"))
    st.session_state[DRAWN_WITH] = None
    settings = _check_lab()
    st.session_state[DRAWN_WITH] = settings
    predict.ask("gradcheck")  # after the key chart: it stays on a projector's first screen
    if settings is not None:  # None: the lab above failed and apologised; the rest still runs
        _kink_section(settings)
        _bug_section(settings[-1])
    _direction_section()
    st.caption(ui.tr("common.share"))


render()
