"""Activations: each function beside its derivative, where the slope vanishes, what libraries do
at kinks, and the analytic slope against a numerical one at a probe x₀."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
import sympy as sp

from derivs import ACTIVATIONS, METHODS, Activation
from derivs.activations import df_from_output, output_form_collapse
from derivs.snippets import called_functions
from derivs.symbolic import activation_latex
from derivs_app import predict, ui
from derivs_app.figures import Panel, activation_figure, compare_figure, output_form_figure
from derivs_app.formatting import exact
from derivs_app.views.activations import (
    FLAT,
    Curves,
    Probe,
    activation_grid,
    chart_summary,
    curves,
    kink_view,
    peak,
    plot_grid,
    probe,
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
    curves: Curves  # f and f′ on the grid: computed once, not on every probe move
    kinks: tuple  # KinkView of each kink, likewise

    def at(self, x0: float) -> View:
        return View(self, probe(self.act, self.params, self.x, x0, self.method, self.h))


@dataclass(frozen=True)
class View:
    """The sidebar's settings and the probe at x₀ (set in the probe's fragment)."""

    settings: Settings
    probe: Probe


# --- controls ---------------------------------------------------------------------------------


def controls() -> Settings:
    """Everything but x₀: these reshape the page, so changing one reruns all of it."""
    with st.sidebar:
        st.header(ui.tr("common.controls"))
        name = ui.select(ui.tr("act.choose"), ACTIVATIONS, key="act",
                         format_func=lambda n: ACTIVATIONS[n].label)
        act = ACTIVATIONS[name]
        params = {
            p.name: ui.slider(ui.tr("act.param", symbol=sp.pretty(p.symbol)), f"act_{p.name}",
                              p.low, p.high, p.default, p.step)
            for p in act.params
        }
        widen = ui.select_slider(ui.tr("act.widen"), WIDEN, key="act_zoom", default=1,
                                 format_func=lambda w: f"×{w}")
        x = activation_grid(act, widen)
        method = ui.select(ui.tr("common.method"), METHODS, key="act_method",
                           format_func=ui.labeller("method"),
                           index=list(METHODS).index("central"))
        custom_step = ui.toggle(ui.tr("act.custom_step"), "act_hset")
        h = None
        if custom_step:
            h = ui.select_slider(ui.tr("common.step"), STEPS, key="act_h", default=DEFAULT_STEP,
                                 format_func=lambda s: f"{s:g}")
        overlay = ui.toggle(ui.tr("act.overlay"), "act_overlay")
    return Settings(act, params, x, 0.01 * widen, method, h, overlay, curves(act, x, params),
                    tuple(kink_view(act, k, params) for k in act.kinks))


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


def curves_section(view: View) -> None:
    settings, p = view.settings, view.probe
    act, x, drawn = settings.act, settings.x, settings.curves
    marks = dict(zones=drawn.zones, kinks=[k.at for k in act.kinks],
                 zone_name=ui.tr("act.zone", percent=f"{FLAT:.0%}"), kink_name=ui.tr("act.kink"))
    f_probe = (("f", "f(x₀)", p.x0, p.value),) if p.shown else ()
    df_probe = (("df", "f′(x₀)", p.x0, p.slope),) if p.shown else ()
    tangent = (ui.tr("act.tangent"), *p.tangent) if p.shown else None
    f_curve, df_curve = ("f", "f(x)", drawn.y), ("df", "f′(x)", drawn.slope)

    if settings.overlay:
        panels = [Panel((f_curve, df_curve), f_probe + df_probe, tangent, title=act.label)]
    else:
        panels = [Panel((f_curve,), f_probe, tangent, ui.tr("act.chart_f", label=act.label),
                        "f(x)"),
                  Panel((df_curve,), df_probe, None, ui.tr("act.chart_df", label=act.label),
                        "f′(x)")]
    ui.chart(activation_figure(x, panels, **marks), key="act_fig",
             alt=chart_alt(act.label, chart_summary(drawn, p)))
    if drawn.zones:
        st.caption(ui.tr("act.zone_caption", percent=f"{FLAT:.0%}"))
    if not p.shown:
        widest = activation_grid(act, WIDEN[-1])
        hint = "act.widen_hint" if widest[0] <= p.x0 <= widest[-1] else "act.too_far"
        st.info(ui.tr("act.outside", x0=f"{p.x0:g}", lo=f"{x[0]:g}", hi=f"{x[-1]:g}") + " "
                + ui.tr(hint), icon=":material/open_in_full:")


def chart_alt(label: str, c) -> str:
    """The f/f′ chart in words, from its numbers (a screen reader hears this, not the ticks)."""
    parts = [ui.tr("act.alt_range", label=label, lo=f"{c.lo:g}", hi=f"{c.hi:g}"),
             ui.tr("act.alt_peak", peak=f"{c.peak:.4g}", x=f"{c.peak_x:.3g}")]
    if c.flat_beyond is not None:
        parts.append(ui.tr("act.alt_flat", percent=f"{FLAT:.0%}", x=f"{c.flat_beyond:.3g}"))
    parts.append(ui.tr("act.alt_probe", x0=f"{c.probe.x0:g}", f=f"{c.probe.value:.4g}",
                       df=f"{c.probe.slope:.4g}"))
    return " ".join(parts)


# --- the probe --------------------------------------------------------------------------------


def readout(view: View) -> None:
    act, p = view.settings.act, view.probe
    st.subheader(ui.tr("act.readout_title", x0=f"{p.x0:g}"))
    method = METHODS[p.method]
    h_text = ui.tr("act.h_default" if view.settings.h is None else "act.h_set", h=f"{p.h:.3g}")
    finite = p.band is not None
    rows = [
        (ui.tr("act.row_f"), exact(p.value)),
        (ui.tr("act.row_analytic", fn=act.df.__name__), exact(p.slope)),
        (ui.tr("act.row_numerical", method=ui.method_label(p.method), h=h_text),
         exact(p.numerical) if finite else ui.tr("act.nan")),
        (ui.tr("common.rel_error"), ui.band_text(p.rel_error, p.band) if finite else "—"),
    ]
    left, right = st.columns([3, 2])
    left.markdown(ui.markdown_table([{ui.tr("act.quantity"): label, ui.tr("act.value"): cell}
                                     for label, cell in rows]))
    right.markdown(ui.tr("act.method_formula", method=ui.method_label(p.method)))
    right.latex(method.formula)
    right.caption(ui.tr("act.bands"))
    probe_notes(p)


def probe_notes(p: Probe) -> None:
    """Say why a number on the probe's table is not what it seems, instead of leaving it there."""
    if p.kink is not None:
        st.warning(ui.tr("act.at_kink", x0=f"{p.x0:g}", side=ui.tr("act.side_" + p.kink.side),
                         value=f"{p.slope:g}"), icon=":material/call_split:")
    if p.trouble == "step_lost":
        st.warning(ui.tr("act.step_lost", h=f"{p.h:.3g}", x0=f"{p.x0:g}"), icon=":material/warning:")
    elif p.trouble == "flat" and p.slope != 0:
        st.warning(ui.tr("act.flat", h=f"{p.h:.3g}"), icon=":material/warning:")
    if p.underflow:
        st.info(ui.tr("act.underflow"), icon=":material/info:")


# --- kinks ------------------------------------------------------------------------------------


def kinks_section(view: View) -> None:
    if not view.settings.kinks:
        return
    st.subheader(ui.tr("act.kinks_title"))
    ui.prose("act.kinks_intro")
    for k in view.settings.kinks:
        at = k.kink.at
        with st.expander(ui.tr("act.kink_at", at=f"{at:g}"), expanded=view.probe.x0 == at):
            libraries = [
                (ui.tr("act.slope_left"), exact(k.left)),
                (ui.tr("act.slope_right"), exact(k.right)),
                (ui.tr("act.convention", side=ui.tr("act.side_" + k.kink.side)),
                 exact(k.convention)),
                (ui.tr("act.sympy_piecewise"), exact(k.sympy)),
                *k.kink.elsewhere,
            ]
            differences = [(f"{ui.method_label(m)} (h = {h:.3g})", exact(value))
                           for m, h, value in k.differences]
            columns = st.columns(2)
            for column, heading, rows in zip(
                columns, (ui.tr("act.who"), ui.tr("act.differences")), (libraries, differences),
                strict=True,
            ):
                column.markdown(ui.markdown_table([{heading: a, f"f′({at:g})": b}
                                                   for a, b in rows]))
            st.markdown(ui.tr("act.kink_central", left=f"{k.left:g}", right=f"{k.right:g}",
                              central=f"{k.central:g}"))


# --- the notes' form f′ = g(f) ----------------------------------------------------------------


def output_form_section(view: View) -> None:
    act, p = view.settings.act, view.probe
    x0, stable0, notes0 = p.x0, p.slope, p.via_output
    tex = activation_latex(act.name)
    st.subheader(ui.tr("act.via_title"))
    left, right = st.columns(2)
    left.markdown(ui.tr("act.via_stable", fn=act.df.__name__))
    left.latex(f"f'(x) = {tex['df']}")
    left.markdown(ui.tr("act.via_value", x0=f"{x0:g}", value=exact(stable0)))
    right.markdown(ui.tr("act.via_notes"))
    right.latex(f"f'(x) = {tex['df_via_output']}, \\quad f = f(x)")
    right.markdown(ui.tr("act.via_value", x0=f"{x0:g}", value=exact(notes0)))
    right.markdown(ui.tr("act.via_error", error=ui.band_text(p.via_error)))


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


@ui.fragment
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
    """act.df and act.f, then the derivs helpers they call (sigmoid_slope, fold, ...): together,
    all of our code that runs."""
    return called_functions(act.df, act.f)


@ui.fragment
def probe_section(settings: Settings) -> None:
    """Its own fragment: moving x₀ redraws only what depends on it (charts, readout, kinks, the
    notes' form), not the sidebar, the formulas, compare mode or the source."""
    view = settings.at(probe_controls(settings))
    curves_section(view)
    readout(view)
    kinks_section(view)
    if view.probe.via_output is not None:
        output_form_section(view)


def render() -> None:
    st.title(ui.tr("act.title"))
    ui.prose("act.intro")
    settings = controls()
    formulas(settings)
    probe_section(settings)
    predict.ask("activations")  # after the key chart: it stays on a projector's first screen
    if settings.act.df_via_output is not None:
        output_form_chart(settings)
    compare_section()
    st.subheader(ui.tr("act.source_title"))
    ui.prose("act.source_intro")
    ui.show_source(*source_functions(settings.act))
    st.caption(ui.tr("common.share"))


render()
