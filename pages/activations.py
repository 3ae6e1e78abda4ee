"""Activations: each function beside its derivative, where the slope vanishes, what libraries do
at kinks, and the analytic slope against a numerical one at a probe x₀."""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, fields
from functools import partial

import streamlit as st

from derivs import ACTIVATIONS, METHODS, Activation, numeric_derivative, relative_error
from derivs.activations import df_from_output, one_sided_slopes, output_form_collapse
from derivs.numeric import finite_difference_trouble
from derivs.symbolic import activation_latex, derivative_at_kink, latex, slope_is_exactly_zero
from derivs_app import ui
from derivs_app.figures import Panel, activation_figure, compare_figure, output_form_figure
from derivs_app.views.activations import (
    activation_grid,
    flat_zones,
    peak,
    plot_grid,
    tangent_segment,
)

WIDEN = (1, 2, 5, 10)  # the plotted range is the record's plot_range times this
STEPS = tuple(float(f"1e{e}") for e in range(-16, 1))  # h = 1e-16 … 1, one per decade
DEFAULT_STEP = 1e-6
DEFAULT_X0 = 1.0
X0_LIMIT = 1000.0
OUTPUT_FORM_RANGE = (0.0, 60.0)  # far enough right to see σ(1 − σ) hit 0 (x ≈ 36.7)
COMPARE_RANGE = (-5.0, 5.0)
COMPARE_DEFAULT = ("sigmoid", "tanh", "relu")
COMPARE_POINTS = 301  # up to 14 curves on one chart: fewer points keep the payload small
FLAT = 0.01  # shade where |f′| < 1% of its largest value on the plot


@dataclass(frozen=True)
class Settings:
    """What the sidebar asked for."""

    act: Activation
    params: dict
    x: object  # the plotted grid (numpy array from the core)
    x0_step: float  # the probe slider's step, finer on a narrower plot
    method: str
    h: float | None  # None: the method's default step
    overlay: bool

    @property
    def f(self):
        return partial(self.act.f, **self.params)

    def at(self, x0: float) -> View:
        return View(**{field.name: getattr(self, field.name) for field in fields(self)}, x0=x0)


@dataclass(frozen=True)
class View(Settings):
    """The sidebar's settings and the probe x₀ (set in the probe's fragment)."""

    x0: float


def number(value: float) -> str:
    """A float64 as Python prints it: the shortest text that reads back to the same number."""
    return f"`{float(value)!r}`"


# --- controls ---------------------------------------------------------------------------------


def controls() -> Settings:
    """Everything but x₀: these reshape the page, so changing one reruns all of it."""
    with st.sidebar:
        st.header(ui.tr("common.controls"))
        name = ui.select(ui.tr("act.choose"), ACTIVATIONS, key="act",
                         format_func=lambda n: ACTIVATIONS[n].label)
        act = ACTIVATIONS[name]
        params = {
            p.name: ui.slider(ui.tr("act.param", symbol=f"${latex(p.symbol)}$"), f"act_{p.name}",
                              p.low, p.high, p.default, p.step)
            for p in act.params
        }
        widen = ui.select_slider(ui.tr("act.widen"), WIDEN, key="act_zoom", default=1,
                                 format_func=lambda w: f"×{w}")
        x = activation_grid(act, widen)
        method = ui.select(ui.tr("common.method"), METHODS, key="act_method",
                           format_func=lambda m: METHODS[m].label,
                           index=list(METHODS).index("central"))
        custom_step = ui.toggle(ui.tr("act.custom_step"), "act_hset")
        h = None
        if custom_step:
            h = ui.select_slider(ui.tr("common.step"), STEPS, key="act_h", default=DEFAULT_STEP,
                                 format_func=lambda s: f"{s:g}")
        overlay = ui.toggle(ui.tr("act.overlay"), "act_overlay")
    return Settings(act, params, x, 0.01 * widen, method, h, overlay)


def probe_controls(settings: Settings) -> float:
    """x₀ from the slider, or, with the toggle on, from the exact number box (the slider then
    greys out so that only one control is ever in charge). Right above the charts it moves."""
    slider_column, exact_column = st.columns([3, 1], vertical_alignment="bottom")
    with exact_column:
        exact = ui.toggle(ui.tr("act.exact_toggle"), "act_exact", help=ui.tr("act.exact_help"))
    with slider_column:
        from_slider = ui.slider(ui.tr("act.x0"), "act_x0", float(settings.x[0]),
                                float(settings.x[-1]), DEFAULT_X0, settings.x0_step, disabled=exact)
    if not exact:
        return from_slider
    with exact_column:
        typed = ui.number(ui.tr("act.x0_exact"), "act_x0n", DEFAULT_X0, -X0_LIMIT, X0_LIMIT,
                          step=0.01, format="%g")
    st.caption(ui.tr("act.exact_note", limit=f"{X0_LIMIT:g}"))
    return typed


# --- formulas and curves ----------------------------------------------------------------------


def formulas(settings: Settings) -> None:
    tex = activation_latex(settings.act.name)
    ui.latex(f"f(x) = {tex['f']}")
    ui.latex(f"f'(x) = {tex['df']}")


def curves(view: View) -> None:
    act, x, x0 = view.act, view.x, view.x0
    y, slope = act.f(x, **view.params), act.df(x, **view.params)
    f0, df0 = float(act.f(x0, **view.params)), float(act.df(x0, **view.params))
    shown = x[0] <= x0 <= x[-1]
    zones = flat_zones(x, slope, FLAT)
    marks = dict(zones=zones, kinks=[k.at for k in act.kinks],
                 zone_name=ui.tr("act.zone", percent=f"{FLAT:.0%}"), kink_name=ui.tr("act.kink"))
    f_probe = (("f", "f(x₀)", x0, f0),) if shown else ()
    df_probe = (("df", "f′(x₀)", x0, df0),) if shown else ()
    tangent = None
    if shown:
        tangent = (ui.tr("act.tangent"), *tangent_segment(x0, f0, df0, float(x[0]), float(x[-1])))
    f_curve, df_curve = ("f", "f(x)", y), ("df", "f′(x)", slope)

    if view.overlay:
        panels = [Panel((f_curve, df_curve), f_probe + df_probe, tangent, title=act.label)]
    else:
        panels = [Panel((f_curve,), f_probe, tangent, ui.tr("act.chart_f", label=act.label),
                        "f(x)"),
                  Panel((df_curve,), df_probe, None, ui.tr("act.chart_df", label=act.label),
                        "f′(x)")]
    ui.chart(activation_figure(x, panels, **marks), key="act_fig")
    if zones:
        st.caption(ui.tr("act.zone_caption", percent=f"{FLAT:.0%}"))
    if not shown:
        widest = activation_grid(act, WIDEN[-1])
        hint = "act.widen_hint" if widest[0] <= x0 <= widest[-1] else "act.too_far"
        st.info(ui.tr("act.outside", x0=f"{x0:g}", lo=f"{x[0]:g}", hi=f"{x[-1]:g}") + " "
                + ui.tr(hint), icon=":material/open_in_full:")


# --- the probe --------------------------------------------------------------------------------


def readout(view: View) -> None:
    act, x0, params = view.act, view.x0, view.params
    st.subheader(ui.tr("act.readout_title", x0=f"{x0:g}"))
    method = METHODS[view.method]
    h = float(method.default_step(x0)) if view.h is None else view.h
    value, analytic = float(act.f(x0, **params)), float(act.df(x0, **params))
    numerical = float(numeric_derivative(view.f, x0, view.method, view.h))

    h_text = ui.tr("act.h_default" if view.h is None else "act.h_set", h=f"{h:.3g}")
    rows = [
        (ui.tr("act.row_f"), number(value)),
        (ui.tr("act.row_analytic", fn=act.df.__name__), number(analytic)),
        (ui.tr("act.row_numerical", method=method.label, h=h_text),
         number(numerical) if math.isfinite(numerical) else ui.tr("act.nan")),
        (ui.tr("common.rel_error"),
         ui.band_text(float(relative_error(analytic, numerical)))
         if math.isfinite(numerical) else "—"),
    ]
    left, right = st.columns([3, 2])
    left.markdown(ui.markdown_table([{ui.tr("act.quantity"): label, ui.tr("act.value"): cell}
                                     for label, cell in rows]))
    right.markdown(ui.tr("act.method_formula", method=method.label))
    right.latex(method.formula)
    right.caption(ui.tr("act.bands"))
    probe_notes(view, analytic, h)


def probe_notes(view: View, analytic: float, h: float) -> None:
    """Say why a number on the probe's table is not what it seems, instead of leaving it there."""
    act, x0 = view.act, view.x0
    kink = next((k for k in act.kinks if k.at == x0), None)
    if kink is not None:
        st.warning(ui.tr("act.at_kink", x0=f"{x0:g}", side=ui.tr("act.side_" + kink.side),
                         value=f"{analytic:g}"), icon=":material/call_split:")
    trouble = finite_difference_trouble(view.f, x0, view.method, view.h)
    if trouble == "step_lost":
        st.warning(ui.tr("act.step_lost", h=f"{h:.3g}", x0=f"{x0:g}"), icon=":material/warning:")
    elif trouble == "flat" and analytic != 0:
        st.warning(ui.tr("act.flat", h=f"{h:.3g}"), icon=":material/warning:")
    if analytic == 0 and not slope_is_exactly_zero(act.name, x0, **view.params):
        st.info(ui.tr("act.underflow"), icon=":material/info:")


# --- kinks ------------------------------------------------------------------------------------


def kinks_section(view: View) -> None:
    act, params = view.act, view.params
    if not act.kinks:
        return
    st.subheader(ui.tr("act.kinks_title"))
    st.write(ui.tr("act.kinks_intro"))
    for kink in act.kinks:
        with st.expander(ui.tr("act.kink_at", at=f"{kink.at:g}"), expanded=view.x0 == kink.at):
            left_slope, right_slope = one_sided_slopes(act, kink.at, **params)
            convention = float(act.df(kink.at, **params))
            libraries = [
                (ui.tr("act.slope_left"), number(left_slope)),
                (ui.tr("act.slope_right"), number(right_slope)),
                (ui.tr("act.convention", side=ui.tr("act.side_" + kink.side)), number(convention)),
                (ui.tr("act.sympy_piecewise"),
                 number(derivative_at_kink(act.name, kink.at, **params))),
                *kink.elsewhere,
            ]
            differences = [
                (f"{METHODS[m].label} (h = {float(METHODS[m].default_step(kink.at)):.3g})",
                 number(numeric_derivative(view.f, kink.at, m)))
                for m in ("backward", "central", "forward")
            ]
            central = float(numeric_derivative(view.f, kink.at, "central"))
            columns = st.columns(2)
            for column, heading, rows in zip(
                columns, (ui.tr("act.who"), ui.tr("act.differences")), (libraries, differences),
                strict=True,
            ):
                column.markdown(ui.markdown_table([{heading: a, f"f′({kink.at:g})": b}
                                                   for a, b in rows]))
            st.markdown(ui.tr("act.kink_central", left=f"{left_slope:g}", right=f"{right_slope:g}",
                              central=f"{central:g}"))


# --- the notes' form f′ = g(f) ----------------------------------------------------------------


def output_form_section(view: View) -> None:
    act, x0, params = view.act, view.x0, view.params
    tex = activation_latex(act.name)
    st.subheader(ui.tr("act.via_title"))
    stable0, notes0 = float(act.df(x0, **params)), float(df_from_output(act, x0, **params))
    left, right = st.columns(2)
    left.markdown(ui.tr("act.via_stable", fn=act.df.__name__))
    left.latex(f"f'(x) = {tex['df']}")
    left.markdown(ui.tr("act.via_value", x0=f"{x0:g}", value=number(stable0)))
    right.markdown(ui.tr("act.via_notes"))
    right.latex(f"f'(x) = {tex['df_via_output']}, \\quad f = f(x)")
    right.markdown(ui.tr("act.via_value", x0=f"{x0:g}", value=number(notes0)))
    notes_error = float(relative_error(stable0, notes0))
    right.markdown(ui.tr("act.via_error", error=ui.band_text(notes_error)))


def output_form_chart(settings: Settings) -> None:
    """Both forms over x ≥ 0 on a log axis. Drawn just after the probe's fragment, not in it:
    the curves do not depend on x₀ (the values at x₀ are written above), so a probe move does
    not redraw them."""
    act, params = settings.act, settings.params
    x = plot_grid(*OUTPUT_FORM_RANGE)
    collapse = output_form_collapse(act, x, **params)
    fig = output_form_figure(
        x, act.df(x, **params), df_from_output(act, x, **params), collapse_at=collapse,
        title=ui.tr("act.via_chart"), y_title="f′(x)", stable_name=ui.tr("act.via_stable_name"),
        notes_name=ui.tr("act.via_notes_name"),
        collapse_name=ui.tr("act.via_collapse_mark", x=f"{collapse:g}") if collapse else "",
    )
    ui.chart(fig, key="act_fig_via")
    if collapse is not None:
        st.markdown(ui.tr("act.via_explain", collapse=f"{collapse:g}"))


# --- compare ----------------------------------------------------------------------------------


@st.fragment
def compare_section() -> None:
    """Its own fragment: picking activations here redraws only this chart."""
    st.subheader(ui.tr("act.compare_title"))
    chosen = ui.multiselect(ui.tr("act.compare_pick"), ACTIVATIONS, key="act_compare",
                            default=COMPARE_DEFAULT, format_func=lambda n: ACTIVATIONS[n].label)
    if not chosen:
        st.info(ui.tr("act.compare_empty"))
        return
    acts = [ACTIVATIONS[n] for n in chosen]
    x = plot_grid(*COMPARE_RANGE, [k.at for a in acts for k in a.kinks], COMPARE_POINTS)
    slopes = [(a.label, a.df(x, **a.defaults())) for a in acts]
    peaks = [(label, *peak(x, slope)) for label, slope in slopes]
    ui.chart(compare_figure(x, slopes, peaks=peaks, title=ui.tr("act.compare_chart"),
                            y_title="f′(x)"), key="act_fig_compare")
    st.caption(ui.tr("act.compare_defaults"))
    st.markdown(ui.tr("act.compare_story"))


# --- source -----------------------------------------------------------------------------------


def source_functions(act: Activation) -> list:
    """act.df and act.f, then the derivs helpers they call (sigmoid_slope, fold, ...), found
    through each function's global names: together, all of our code that runs."""
    found = [act.df, act.f]
    for fn in found:  # grows while it is walked: a breadth-first search
        for name in fn.__code__.co_names:
            helper = fn.__globals__.get(name)
            if (inspect.isfunction(helper) and helper.__module__.startswith("derivs")
                    and helper not in found):
                found.append(helper)
    return found


@st.fragment
def probe_section(settings: Settings) -> None:
    """Its own fragment: moving x₀ redraws only what depends on it (charts, readout, kinks, the
    notes' form), not the sidebar, the formulas, compare mode or the source."""
    view = settings.at(probe_controls(settings))
    curves(view)
    readout(view)
    kinks_section(view)
    if view.act.df_via_output is not None:
        output_form_section(view)


def render() -> None:
    st.title(ui.tr("act.title"))
    st.write(ui.tr("act.intro"))
    settings = controls()
    formulas(settings)
    probe_section(settings)
    if settings.act.df_via_output is not None:
        output_form_chart(settings)
    compare_section()
    st.subheader(ui.tr("act.source_title"))
    st.write(ui.tr("act.source_intro"))
    ui.show_source(*source_functions(settings.act))
    st.caption(ui.tr("common.share"))


render()
