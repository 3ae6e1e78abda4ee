"""Gradient-check lab: numerical against analytic derivatives, steps, presets, kinks and bugs."""

import contextlib
from functools import partial

import numpy as np
import streamlit as st

from derivs import CHECK_PRESETS, METHODS
from derivs.snippets import CheckSpec, file_name, numpy_snippet, torch_snippet
from derivs_app import figures, predict, ui
from derivs_app.formatting import digits
from derivs_app.views.bugs import BUGS
from derivs_app.views.lab import (
    CUSTOM,
    KINK_PROBES,
    LOG_STEP_RESOLUTION,
    TARGETS,
    check_point,
    check_target,
    error_curves,
    kink_probes,
    lab_settings,
    preset_checks,
    preset_for,
    resolve_step,
    scan,
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
    for tab, make, tool in ((numpy_tab, numpy_snippet, "numpy"), (torch_tab, torch_snippet, "torch")):
        with tab:
            code = make(spec)
            st.caption(ui.tr(f"gc.export.{tool}_caption"))
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


def _controls():
    """The target, the point, and the settings (preset, method, log10 h or None, dtype)."""
    left, right = st.columns(2)
    with left:
        name = ui.select(ui.tr("gc.target"), TARGETS, key="gc_target",
                         format_func=lambda n: TARGETS[n].label)
        target = TARGETS[name]
        st.caption(ui.tr(f"gc.kind.{target.kind}", label=target.label, **dict(target.context)))
        lo, hi = target.x_range
        x_slider = ui.slider(ui.tr("gc.x"), "gc_x", lo, hi, target.x_default, target.x_step)
        exact = ui.number(ui.tr("gc.x_exact"), "gc_xe", None, format="%g",
                          help=ui.tr("gc.x_exact_help"))
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
    return target, x, (preset_name, method, None if use_default else log_h, dtype)


def _check_section(target, x, method, h, preset, dtype):
    check = check_target(target, x, method, h, preset, dtype)
    st.markdown(ui.tr("gc.settings", x=_num(x), method=ui.method_label(method), h=f"{h:.3g}",
                      dtype=np.dtype(dtype).name,
                      points=", ".join(_num(p) for p in check.stencil)))
    _readout(check, preset)
    st.subheader(ui.tr("gc.presets_title"))
    st.caption(ui.tr("gc.presets_caption", dtype=np.dtype(dtype).name))
    _preset_table(preset_checks(target.f, target.df, x, dtype, kinks=target.kinks,
                                domain=target.domain))


# --- 2. error against step ---------------------------------------------------------------------


def _step_section(target, x, method, h, dtype):
    st.header(ui.tr("gc.step_title"))
    curves = error_curves(target.f, target.df, x, dtype)
    names = {m: ui.method_label(m) for m in curves.curves}
    fig = figures.error_vs_step_figure(
        curves, names=names, selected=method, current_h=h,
        title=ui.tr("gc.step_chart", label=target.label, x=_num(x), dtype=np.dtype(dtype).name),
        x=ui.tr("gc.axis_h"),
        y=ui.tr("gc.axis_rel" if curves.relative else "gc.axis_abs"),
        best_name=ui.tr("gc.best_h"), slope_name=ui.tr("gc.slope"),
        floor_name=ui.tr("gc.floor_line", floor=f"{curves.floor:g}"), h_name=ui.tr("gc.your_h"),
    )
    if curves.lost:
        st.info(ui.tr("gc.step_lost", x=_num(x), methods=", ".join(names[m] for m in curves.lost)),
                icon=":material/info:")
    ui.chart(fig, key="gc_chart_step")
    st.caption(ui.tr("gc.floor_caption", floor=f"{curves.floor:g}"))
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
        target, x, settings = _controls()
    drawn_with = st.session_state.get(DRAWN_WITH)
    if drawn_with is not None and drawn_with != settings:
        st.rerun()  # the whole app: the sections below must follow the new settings
    preset_name, method_choice, log_h, dtype = settings
    method, h, preset = lab_settings(preset_name, method_choice, log_h, x, dtype)
    sections = [lambda: _check_section(target, x, method, h, preset, dtype),
                lambda: _step_section(target, x, method, h, dtype)]
    for section in reversed(sections) if ui.presenting() else sections:
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
    _kink_section(settings)
    _bug_section(settings[-1])
    st.caption(ui.tr("common.share"))


render()
