"""Every plotly figure the app draws, built from core data. The one module that imports plotly.

Conventions: functions take plain numbers/arrays (already computed by the core) plus display
strings, and return a ``go.Figure``; they never compute maths beyond layout. Dense curves are
float32 (8 significant digits once for_screen writes them as lists) to keep each page's payload
small (the exact float64 numbers appear in the readouts, not in the line's 7th digit).
ui.chart sends every figure through for_screen (or for_projector in presenter mode).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import get_colorscale

# One palette for the whole app: Okabe and Ito's, told apart with every common colour-vision
# deficiency; where two series are compared a second cue (dash, marker) carries the difference
# too. Readable on white and on a projector.
OKABE_ITO = {"blue": "#0072B2", "vermillion": "#D55E00", "green": "#009E73",
             "purple": "#CC79A7", "orange": "#E69F00", "sky": "#56B4E9", "yellow": "#F0E442",
             "black": "#000000"}
COLOURS = {
    "f": OKABE_ITO["blue"],  # function
    "df": OKABE_ITO["vermillion"],  # derivative, analytic (solid)
    "numerical": OKABE_ITO["green"],  # finite differences (dashed)
    "notes": OKABE_ITO["purple"],  # the notes' (wrong or fragile) form
    "kink": "#6c757d",  # kinks and reference lines: grey
    "shade": "rgba(230, 159, 0, 0.18)",  # vanishing-gradient zones: orange
}
FONT_SIZE = 15


#: Presenter mode: dark, and chart text of 18 px for the back of the room.
#: The template as data, not its name: plotly.js knows no named templates, and the check that
#: would look the name up is skipped (VALIDATE).
PROJECTOR_LAYOUT = dict(template=pio.templates["plotly_dark"].to_plotly_json(),
                        paper_bgcolor="#0e1117", plot_bgcolor="#0e1117",
                        font=dict(size=18, family='"Source Sans", "Source Sans Pro", sans-serif'))


#: Text drawn beside a shape, on the page's background: dark ink on white, light on the dark
#: projector page (text inside a light node keeps its own dark colour).
INK, PROJECTOR_INK = "#343a40", "#dee2e6"
_ON_LIGHT = "#212529"  # text inside a light-filled node, on either page


def for_projector(fig: go.Figure) -> go.Figure:
    """In place: the figure is the chart's own, built for this run."""
    for trace in fig.data:
        font = getattr(trace, "textfont", None)
        if font is None:
            continue
        if font.color == INK:
            font.color = PROJECTOR_INK
        if isinstance(font.size, (int, float)) and font.size < PROJECTOR_LAYOUT["font"]["size"]:
            font.size = round(font.size * 1.3)  # labels in a graph, set small for a laptop
    return fig.update_layout(PROJECTOR_LAYOUT)


#: plotly checks every property of every trace when a figure is built: about 2 of a chart's
#: 6 ms per rerun, paid again on each slider move by every visitor. The app's figures are
#: built by the code below from fixed keys, so the check is done once, by the test suite
#: (tests/conftest.py sets this to True for every test), not on every rerun.
VALIDATE = False


# No default template: plotly would copy its own into every figure (~2 ms and ~10 KB a chart),
# and a figure that carries any template is drawn twice in the browser (see for_screen). The
# app's style is in each figure's layout; presenter mode brings its own template.
pio.templates.default = None


def _figure(traces, layout) -> go.Figure:
    return go.Figure(data=traces, layout=layout, _validate=VALIDATE)


# --- the figure as the browser gets it ---

#: Streamlit's light chart theme (1.67 with this app's .streamlit/config.toml, read from a drawn
#: chart's layout.template), written into each figure's own layout by for_screen. Axis and tick
#: text darker than Streamlit's #808495 (3.7:1 on white): 6.2:1, as the page's own text.
_SCREEN_FONT = '"Source Sans", sans-serif'
_SCREEN_TEXT, _SCREEN_HEADING, _SCREEN_GRID = "#5f6372", "#111318", "#e6eaf1"
_SCREEN_LAYOUT = dict(
    font=dict(family=_SCREEN_FONT, color=_SCREEN_TEXT, weight=400),
    title=dict(font=dict(family=_SCREEN_FONT, size=17, color=_SCREEN_HEADING, weight=700),
               pad=dict(l=4.25), xanchor="left", x=0),
    legend=dict(valign="top", bordercolor="rgba(0,0,0,0)", borderwidth=0,
                font=dict(size=12.75, color="#262730"),
                title=dict(font=dict(size=12.75, color=_SCREEN_TEXT), side="top")),
    paper_bgcolor="#FFFFFF", plot_bgcolor="#FFFFFF",
    margin=dict(pad=8.5, r=0, l=0),
    hoverlabel=dict(bgcolor="#FFFFFF", bordercolor="rgba(17, 19, 24, 0.2)",
                    font=dict(color=_SCREEN_TEXT, family=_SCREEN_FONT, size=12.75)),
)
# ticks="" said outright: a tick colour in the layout (not in a template) turns ticks on
_SCREEN_AXIS = dict(zerolinecolor=_SCREEN_GRID, gridcolor=_SCREEN_GRID, tickcolor=_SCREEN_GRID,
                    ticks="", tickfont=dict(color=_SCREEN_TEXT, size=12.75),
                    title=dict(font=dict(color=_SCREEN_TEXT, size=14.875)),
                    automargin=True)
_SCREEN_AXES = {
    "x": _SCREEN_AXIS | dict(showgrid=False, zeroline=False,
                             title=dict(_SCREEN_AXIS["title"], standoff=21.25)),
    "y": _SCREEN_AXIS | dict(ticklabelposition="outside",
                             title=dict(_SCREEN_AXIS["title"], standoff=25.5)),
}
_SCREEN_COLORAXIS = dict(colorbar=dict(
    thickness=16, xpad=25.5, ticklabelposition="outside", outlinecolor="rgba(0,0,0,0)",
    outlinewidth=8, len=0.75, y=0.5745, title=dict(font=dict(color=_SCREEN_TEXT, size=14.875)),
    tickfont=dict(color=_SCREEN_TEXT, size=12.75)))
_AXIS_KEY = re.compile(r"([xy])axis\d*|coloraxis\d*")


def _under(defaults: dict, mine: dict) -> dict:
    """mine, with defaults filled in where it says nothing (nested dicts merged): how plotly
    applies a template."""
    merged = dict(defaults)
    for key, value in mine.items():
        old = merged.get(key)
        merged[key] = _under(old, value) if isinstance(old, dict) and isinstance(value, dict) \
            else value
    return merged


def _listed(value, digest):
    """value (a trace's or the layout's properties) with its numpy arrays as lists, and the
    values as sent fed to digest (so a figure built with or without plotly's check, with
    tuples or lists, gets the same digest). float32 arrays keep 8 significant digits (they
    hold about 7), so the JSON stays short."""
    if isinstance(value, np.ndarray):
        if value.dtype == np.float32:
            value = _significant(value.astype(np.float64), 8)
        digest.update(f"array{value.shape}".encode())
        if value.dtype.kind in "biuf":
            digest.update(np.ascontiguousarray(value, dtype=np.float64).tobytes())
            return value.tolist()
        value = value.tolist()
    if isinstance(value, dict):  # in key order: the digest does not depend on build order
        listed = {}
        for key in sorted(value):
            item = value[key]
            if isinstance(item, (list, tuple)) and not len(item):
                listed[key] = []  # plotly's check drops an empty list of shapes: no digest
                continue
            digest.update(repr(key).encode())
            listed[key] = _listed(item, digest)
        return listed
    if isinstance(value, (list, tuple)):
        digest.update(f"list{len(value)}".encode())
        return [_listed(item, digest) for item in value]
    if isinstance(value, (int, float, np.number)) and not isinstance(value, (bool, np.bool_)):
        value = float(value) if isinstance(value, (float, np.floating)) else int(value)
    digest.update(repr(value).encode())
    return value


def _significant(a: np.ndarray, digits: int) -> np.ndarray:
    """a rounded to this many significant digits (non-finite and zero entries kept)."""
    out = a.copy()
    ok = np.isfinite(a) & (a != 0)
    places = digits - 1 - np.floor(np.log10(np.abs(a[ok])))
    scale = 10.0 ** np.abs(places)
    up = places >= 0
    v = a[ok]
    out[ok] = np.where(up, np.round(v * scale) / scale, np.round(v / scale) * scale)
    return out


#: Above this many data values a figure keeps base64 arrays: as lists the activations page's
#: every-curve comparison (8,400 values) alone was 88 KB of its 150 KB budget (bench/payload.py).
#: Such a figure is drawn twice per change, as every figure was before for_screen.
LISTED_VALUES_MAX = 6000


def _array_values(value) -> int:
    if isinstance(value, np.ndarray):
        return value.size
    if isinstance(value, dict):
        return sum(_array_values(item) for item in value.values())
    if isinstance(value, (list, tuple)):
        return sum(_array_values(item) for item in value)
    return 0


def for_screen(fig: go.Figure) -> go.Figure:
    """A new figure that Streamlit's frontend draws once per change instead of twice, in the
    app's light style. A changed figure is drawn afresh (newPlot), then Plotly.react runs again
    on a restyled copy, and plotly redraws everything unless that copy compares equal: no
    template (Streamlit's theme adds one, and any template compares changed), data arrays as
    plain lists (typed arrays always compare changed) and a data revision (arrays are then
    compared by it, not by identity). The revision is a digest of the data, so a new figure
    always gets a new one. Its cost: the JSON of the arrays is about twice the base64, so a
    figure with more than LISTED_VALUES_MAX values keeps its arrays and is drawn twice."""
    data = [trace.to_plotly_json() for trace in fig.data]
    layout = fig.layout.to_plotly_json()
    layout.pop("template", None)
    listed = _array_values(data) + _array_values(layout) <= LISTED_VALUES_MAX
    if listed:
        digest = hashlib.blake2b(digest_size=8)
        data = [_listed(trace, digest) for trace in data]
        layout = _listed(layout, digest)
        layout["datarevision"] = digest.hexdigest()
    axes = {key for key in layout if _AXIS_KEY.fullmatch(key)} | {"xaxis", "yaxis"}
    defaults = _SCREEN_LAYOUT | {
        key: _SCREEN_COLORAXIS if key.startswith("c") else _SCREEN_AXES[key[0]] for key in axes}
    layout = _under(defaults, layout)
    if listed:
        return _Made({"data": data, "layout": layout})
    return go.Figure(data=data, layout=layout, _validate=False)  # its to_dict makes base64


class _Made(go.Figure):
    """A figure whose JSON is already made. st.plotly_chart reads a figure through to_dict();
    a go.Figure built from the dict would first build plotly's object for every property
    (2 ms a chart) and to_dict would copy it all back."""

    def __init__(self, spec: dict):
        super().__init__()
        self._spec = spec

    def to_dict(self) -> dict:
        return self._spec

    to_plotly_json = to_dict


def dense(values) -> np.ndarray:
    """float32 for plotted curves: half the bytes of float64, invisible at screen resolution."""
    return np.asarray(values, dtype=np.float32)


def _layout(*, title: str = "", x: str = "", y: str = "", height: int = 380) -> dict:
    """The app's one figure style as a layout dict. Figures are built in one
    go.Figure(data=..., layout=...) call: every fig.update_* call costs milliseconds of
    validation, and that was most of a page's rerun time."""
    return dict(
        title=dict(text=title, x=0.01, xanchor="left"),
        height=height,
        margin=dict(l=10, r=10, t=50 if title else 20, b=10),
        font=dict(size=FONT_SIZE),
        # below the plot, at the figure's bottom edge: at the top right it ran into the title
        # on a phone and a projector, and just under the axes into the x axis title
        legend=dict(orientation="h", yref="container", yanchor="bottom", y=0.0, xanchor="left",
                    x=0.0),
        hovermode="closest",
        xaxis=dict(title=dict(text=x), zeroline=True),
        yaxis=dict(title=dict(text=y), zeroline=True),
    )


#: Below the plot area: the x axis's tick labels and its title (15 px text), then the legend.
_AXIS_BELOW_PX, _LEGEND_ROW_PX = 58, 30


def _drawn_once(layout: dict, *, l: int, r: int, b: int | None = None, t: int | None = None,
                legend_below: bool = False) -> dict:
    """In place: margins that already fit the axis labels, the legend and the colour bar,
    and the legend in paper coordinates. Plotly draws a chart a second time whenever its
    automatic margins grow past the layout's, and a legend placed in container coordinates
    always grows them (its room is added on top of the margin): in Chromium's profile, that
    second draw was 40 % of a training-page update. Streamlit draws a changed figure afresh,
    so this is paid on every slider move. A margin too small for a long label still grows.
    b defaults to the room the axis and one legend row below it take."""
    if b is None:
        b = _AXIS_BELOW_PX + _LEGEND_ROW_PX + 12 if legend_below else 10
    layout["margin"].update(l=l, r=r, b=b)
    if t is not None:
        layout["margin"]["t"] = t
    if legend_below:  # under the x axis title, as the container legend was
        plot_height = layout["height"] - layout["margin"]["t"] - b
        layout["legend"] = dict(orientation="h", xanchor="left", x=0.0, yref="paper",
                                yanchor="top", y=-_AXIS_BELOW_PX / plot_height)
    return layout


def base_layout(fig: go.Figure, *, title: str = "", x: str = "", y: str = "",
                height: int = 380) -> go.Figure:
    """The same style for a figure made in steps (subplots): titles go on every axis."""
    style = _layout(title=title, height=height)
    del style["xaxis"], style["yaxis"]
    fig.update_layout(style)
    fig.update_xaxes(title_text=x, zeroline=True)
    fig.update_yaxes(title_text=y, zeroline=True)
    return fig


# --- losses page ---
# Built as one dict each (see _layout in the softmax section): a slider move rebuilds them all.


def gradient_bars(components, analytic, numerical, *, analytic_name: str, numerical_name: str,
                  title: str = "", y: str = "", notes: bool = False) -> go.Figure:
    """Analytic beside numerical gradient, one group of bars per component; notes=True colours
    the analytic bars as the notes' (wrong) form."""
    analytic_colour = COLOURS["notes"] if notes else COLOURS["df"]
    traces = [dict(type="bar", x=list(components), y=np.asarray(values, dtype=np.float64),
                   name=name, marker=dict(color=colour),
                   hovertemplate="%{x}: %{y:.10g}<extra>" + name + "</extra>")
              for name, values, colour in ((analytic_name, analytic, analytic_colour),
                                           (numerical_name, numerical, COLOURS["numerical"]))]
    layout = _layout(title=title, y=y, height=340)
    layout.update(barmode="group", bargap=0.25)
    return _figure(traces, layout)


def loss_sweep_figure(grid, values, slopes, *, at: float, value_at: float, slope_at: float,
                      x: str, value_name: str, slope_name: str) -> go.Figure:
    """L (top) and ∂L/∂ŷ_k (bottom) over one component's range, the current point marked."""
    grid = dense(grid)
    traces, shapes = [], []
    layout = _layout(height=520)
    for row, name, curve, point, colour in ((1, value_name, values, value_at, COLOURS["f"]),
                                            (2, slope_name, slopes, slope_at, COLOURS["df"])):
        axes = dict(xaxis="x" if row == 1 else "x2", yaxis="y" if row == 1 else "y2")
        traces.append(dict(type="scatter", x=grid, y=dense(curve), mode="lines", name=name,
                           line=dict(color=colour, width=2.5), **axes))
        traces.append(dict(
            type="scatter", x=[at], y=[point], mode="markers", showlegend=False,
            marker=dict(color=colour, size=12, line=dict(color="white", width=2)),
            hovertemplate=f"{name}: %{{y:.10g}} at %{{x:.4g}}<extra></extra>", **axes))
        shapes.append(dict(type="line", x0=at, x1=at, y0=0, y1=1, xref=axes["xaxis"],
                           yref=axes["yaxis"] + " domain",
                           line=dict(color=COLOURS["kink"], dash="dot")))
    # two rows sharing x, as make_subplots(rows=2, shared_xaxes=True, vertical_spacing=0.08)
    layout.update(
        xaxis=dict(anchor="y", domain=[0.0, 1.0], matches="x2", showticklabels=False,
                   title=dict(text=""), zeroline=True),
        yaxis=dict(anchor="x", domain=[0.54, 1.0], title=dict(text=value_name), zeroline=True),
        xaxis2=dict(anchor="y2", domain=[0.0, 1.0], title=dict(text=x), zeroline=True),
        yaxis2=dict(anchor="x2", domain=[0.0, 0.46], title=dict(text=slope_name), zeroline=True),
        shapes=shapes,
    )
    return _figure(traces, layout)


def sigmoid_loss_gradients_figure(z, bce, mse, *, bce_name: str, mse_name: str, title: str,
                                  x: str, y: str, stall_label: str) -> go.Figure:
    """dL/dz of BCE and MSE through a sigmoid: MSE's vanishes where the sigmoid saturates."""
    z = dense(z)
    tail = len(z) // 10  # point the label at the saturated, wrong end of the MSE curve
    layout = _layout(title=title, y=y, height=380)
    layout["xaxis"]["title"] = dict(text=x)
    layout["annotations"] = [dict(x=float(z[tail]), y=float(mse[tail]), text=stall_label,
                                  showarrow=True, arrowhead=2, ax=40, ay=-60,
                                  font=dict(color=COLOURS["notes"]))]
    return _figure([
        dict(type="scatter", x=z, y=dense(bce), mode="lines", name=bce_name,
             line=dict(color=COLOURS["f"], width=3)),
        dict(type="scatter", x=z, y=dense(mse), mode="lines", name=mse_name,
             line=dict(color=COLOURS["notes"], width=3, dash="dash")),
    ], layout)


# --- softmax page ---
# Built as one dict and constructed once: a slider move redraws up to seven of these, and
# plotly's update_layout/update_xaxes calls cost ~50 ms a figure, the dict ~8 ms.

#: J's entries change sign: red below 0, white at 0, blue above (zmid/cmid = 0).
# Named scales as lists: plotly.js has its own, different "RdBu" (the check that would
# translate the name is skipped, see VALIDATE).
DIVERGING = get_colorscale("RdBu")
_SEQUENTIAL = get_colorscale("Oranges")  # |error| >= 0


def _indexed(symbol: str, n: int) -> list[str]:
    return [f"{symbol}<sub>{k}</sub>" for k in range(1, n + 1)]


def _matrix_trace(matrix, *, show_values: bool, coloraxis: str = "coloraxis",
                  scientific: bool = False, customdata=None, hovertemplate=None,
                  axes: str = "") -> dict:
    """One n×n heatmap, rows s_i and columns z_j; float64 so tiny entries (1e−42) survive.
    Cells shrink as n grows, and so do the text and the digits written in them."""
    matrix = np.asarray(matrix, dtype=np.float64)
    n = matrix.shape[0]
    small = n > 4
    value_format = (".0e" if small else ".1e") if scientific else (".2~g" if small else ".3~g")
    trace = dict(
        type="heatmap", z=matrix, x=_indexed("z", n), y=_indexed("s", n), coloraxis=coloraxis,
        textfont=dict(size=FONT_SIZE - (3 if small else 1)),
        hovertemplate=hovertemplate or "%{y}, %{x}: %{z:.6g}<extra></extra>",
        xgap=1, ygap=1, xaxis="x" + axes, yaxis="y" + axes,
    )
    if show_values:
        trace["texttemplate"] = f"%{{z:{value_format}}}"
    if customdata is not None:
        trace["customdata"] = customdata
    return trace


def _square_matrix_axes(layout: dict, count: int, domains=None) -> None:
    """Row 1 on top as in a matrix, square cells, column labels on top; the rows (s_i) are the
    same in every panel, so only the first panel labels them."""
    for k in range(1, count + 1):
        suffix = "" if k == 1 else str(k)
        x = dict(constrain="domain", side="top", zeroline=False, anchor="y" + suffix)
        if domains:
            x["domain"] = domains[k - 1]
        layout[f"xaxis{suffix}"] = {**layout.get(f"xaxis{suffix}", {}), **x}
        layout[f"yaxis{suffix}"] = {**layout.get(f"yaxis{suffix}", {}),
                                    **dict(autorange="reversed", scaleanchor="x" + suffix,
                                           constrain="domain", zeroline=False,
                                           showticklabels=k == 1, anchor="x" + suffix)}


def _colour_axis(difference: bool) -> dict:
    bar = dict(thickness=14, exponentformat="e")
    if difference:  # |error| ≥ 0: a sequential scale from 0
        return dict(colorscale=_SEQUENTIAL, cmin=0, colorbar=bar)
    return dict(colorscale=DIVERGING, cmid=0, colorbar=bar)


def probability_bars(s, *, y: str, title: str = "") -> go.Figure:
    """s as bars, each labelled with its value (3 significant digits, so 1e−87 stays visible)."""
    s = np.asarray(s, dtype=np.float64)
    layout = _layout(title=title, y=y, height=400)
    layout["yaxis"].update(range=[0, 1.15], zeroline=False)
    return _figure([dict(
        type="bar", x=_indexed("s", len(s)), y=s, marker=dict(color=COLOURS["f"]),
        text=[f"{v:.3g}" for v in s], textposition="outside", cliponaxis=False,
        hovertemplate="%{x} = %{y:.10g}<extra></extra>",
    )], layout)


def _heatmap_layout(title: str, height: int, difference: bool) -> dict:
    layout = _layout(title=title, height=height)
    layout.update(coloraxis=_colour_axis(difference))
    layout["margin"]["t"] = 90 if title else 30
    if title:
        layout["title"].update(y=0.98, yanchor="top")
    _square_matrix_axes(layout, 1)
    return layout


def matrix_heatmap(matrix, *, show_values: bool, difference: bool = False, title: str = "",
                   customdata=None, hovertemplate=None, height: int = 400) -> go.Figure:
    """One matrix on its own colour scale: diverging around 0, or sequential for an |error|."""
    trace = _matrix_trace(matrix, show_values=show_values, scientific=difference,
                          customdata=customdata, hovertemplate=hovertemplate)
    return _figure([trace], _heatmap_layout(title, height, difference))


def jacobian_heatmap(jac, s, temperature: float, *, show_values: bool, title: str = "",
                     height: int = 420) -> go.Figure:
    """J with a hover that plugs the numbers into J_ij = s_i(δ_ij − s_j)/T (clicking a cell
    returns no selection in Streamlit, issue 8760, so the explanation lives in the hover)."""
    s = np.asarray(s, dtype=np.float64)
    i, j = np.indices(np.shape(jac))
    customdata = np.stack([i + 1, j + 1, s[i], (i == j).astype(np.float64), s[j]], axis=-1)
    hover = (
        "J<sub>%{customdata[0]},%{customdata[1]}</sub> = ∂s<sub>%{customdata[0]}</sub>"
        "/∂z<sub>%{customdata[1]}</sub> = s<sub>i</sub>(δ<sub>ij</sub> − s<sub>j</sub>)/T"
        "<br>= %{customdata[2]:.4g} · (%{customdata[3]} − %{customdata[4]:.4g}) / "
        f"{temperature:g}<br>= %{{z:.6g}}<extra></extra>"
    )
    trace = _matrix_trace(jac, show_values=show_values, customdata=customdata,
                          hovertemplate=hover)
    layout = _heatmap_layout(title, height, difference=False)
    layout["hoverlabel"] = dict(font=dict(size=FONT_SIZE))  # the formula must be legible
    return _figure([trace], layout)


def matrix_row_figure(matrices, *, titles, show_values: bool, difference_last: bool = False,
                      height: int = 340) -> go.Figure:
    """Matrices side by side on one diverging scale centred on 0, so they can be compared
    entry by entry (diag(s)/T − s sᵀ/T = J). With difference_last the last matrix (an |error|)
    has its own sequential scale, and each colour bar lies flat under its own panels, so
    neither sits between panels or next to the wrong one."""
    count = len(matrices)
    spacing = 0.05 if difference_last else 0.03  # the panels as make_subplots(1, count) lays them
    width = (1 - spacing * (count - 1)) / count
    domains = [[k * (width + spacing), k * (width + spacing) + width] for k in range(count)]
    traces = []
    for k, matrix in enumerate(matrices, start=1):
        own_scale = difference_last and k == count
        traces.append(_matrix_trace(matrix, show_values=show_values, scientific=own_scale,
                                    coloraxis="coloraxis2" if own_scale else "coloraxis",
                                    axes="" if k == 1 else str(k)))
    layout = _layout(height=height)
    layout.update(coloraxis=_colour_axis(False), margin=dict(l=10, r=10, t=80, b=10),
                  font=dict(size=FONT_SIZE - 2))
    layout["annotations"] = [  # subplot titles above the column labels
        dict(text=text, x=(low + high) / 2, y=1.0, xref="paper", yref="paper", xanchor="center",
             yanchor="bottom", showarrow=False, font=dict(size=16), yshift=28)
        for text, (low, high) in zip(titles, domains, strict=True)]
    if difference_last:

        def flat_bar(low, high):
            return dict(orientation="h", x=(low + high) / 2, xanchor="center", len=high - low,
                        y=-0.04, yanchor="top", thickness=12, exponentformat="e")

        layout["coloraxis"]["colorbar"] = flat_bar(0.0, domains[-2][1])
        layout["coloraxis2"] = {**_colour_axis(True), "colorbar": flat_bar(*domains[-1])}
        layout["margin"]["b"] = 60
    _square_matrix_axes(layout, count, domains)
    return _figure(traces, layout)


def vjp_bars(fast, explicit, *, fast_name: str, explicit_name: str, y: str,
             title: str = "") -> go.Figure:
    """Backprop's s ⊙ (v − ⟨s, v⟩)/T beside the explicit Jᵀv, one group per component."""
    labels = [f"(Jᵀv)<sub>{k}</sub>" for k in range(1, len(fast) + 1)]
    traces = [dict(type="bar", x=labels, y=np.asarray(values, dtype=np.float64), name=name,
                   marker=dict(color=colour), hovertemplate="%{x}: %{y:.10g}<extra>" + name + "</extra>")
              for name, values, colour in ((fast_name, fast, COLOURS["df"]),
                                           (explicit_name, explicit, COLOURS["f"]))]
    layout = _layout(title=title, y=y, height=360)
    layout.update(barmode="group", bargap=0.25)
    return _figure(traces, layout)


# --- gradient-check lab ---

#: One colour per finite-difference method (derivs.METHODS order), distinct from COLOURS["df"].
METHOD_COLOURS = {
    "forward": OKABE_ITO["blue"],
    "backward": OKABE_ITO["sky"],  # forward's mirror: a lighter blue and its own dash
    "central": OKABE_ITO["green"],
    "five_point": OKABE_ITO["orange"],
    "complex_step": OKABE_ITO["purple"],
    "richardson": OKABE_ITO["black"],
}
#: The second cue: each method's line has its own dash, so no two depend on colour alone.
METHOD_DASHES = {"forward": "solid", "backward": "dash", "central": "solid",
                 "five_point": "dashdot", "complex_step": "longdash", "richardson": "dot"}


def _floor_line(floor: float, text: str) -> tuple[dict, dict]:
    """A dashed line at the floor of a log y axis (a shape), labelled just below its left end (an
    annotation). Annotations on a log axis take log10 coordinates, unlike the line itself."""
    line = dict(type="line", x0=0, x1=1, xref="x domain", y0=floor, y1=floor, yref="y",
                line=dict(color=COLOURS["kink"], dash="dash", width=1))
    label = dict(x=0, xref="paper", xanchor="left", y=np.log10(floor), yanchor="top", text=text,
                 showarrow=False, font=dict(size=FONT_SIZE - 3, color=COLOURS["kink"]))
    return line, label


# Shapes and labels as plotly's add_vline/add_vrect write them, built as dicts: each add_* call
# costs milliseconds of validation, and these figures are rebuilt on every slider move.
_LABEL_SPOTS = {"top left": ("right", 1, "top"), "top right": ("left", 1, "top"),
                "bottom left": ("right", 0, "bottom")}


def _vertical_line(at: float, line: dict) -> dict:
    return dict(type="line", x0=at, x1=at, xref="x", y0=0, y1=1, yref="y domain", line=line)


def _vertical_band(lo: float, hi: float, colour: str) -> dict:
    return dict(type="rect", x0=lo, x1=hi, xref="x", y0=0, y1=1, yref="y domain",
                fillcolor=colour, line=dict(width=0), layer="below")


def _line_label(at: float, text: str, spot: str, **style) -> dict:
    """The text add_vline(annotation_text=..., annotation_position=spot) puts beside a line."""
    xanchor, y, yanchor = _LABEL_SPOTS[spot]
    return dict(x=at, xref="x", xanchor=xanchor, y=y, yref="y domain", yanchor=yanchor,
                text=text, showarrow=False, **style)


def _log_range(values, floor: float, top: float) -> list[float]:
    """log10 axis range from the floor (a little below) to the largest value shown (≤ top)."""
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    high = min(float(np.max(finite)) if finite.size else 1.0, top)
    return [np.log10(floor) - 0.5, np.log10(max(high, floor * 10)) + 0.5]


def error_vs_step_figure(curves, *, names: dict, selected: str, current_h: float | None,
                         title: str, x: str, y: str, best_name: str, slope_name: str,
                         floor_name: str, h_name: str, bands: dict | None = None,
                         richardson=None, richardson_name: str = "",
                         richardson_hover: str = "") -> go.Figure:
    """Error against h on log-log axes, one line per method, from derivs_app.views.lab.error_curves.

    Each method gets a star at its best h and dotted guides of its theoretical slopes (order on
    the right, −1 on the left); errors at the floor (often exactly 0) sit on a dashed line.
    bands: {method: its error estimate over the same h} (views.lab.estimate_bands), each drawn
    as a shaded band from the floor up to the estimate (meta "band"): where the line leaves its
    band, the estimate was too small. richardson: a views.lab.TableauView; its chosen entry's
    steps are drawn on the central curve (the differences it extrapolates, meta "richardson")
    and its error as a bar across them (meta "richardson_value").
    """
    traces, stars = [], []
    h = dense(curves.h)
    for name, est in (bands or {}).items():  # first, so every line is drawn over the bands
        if name not in curves.curves:
            continue
        upper = np.where(np.isfinite(est), est, curves.floor)
        traces.append(dict(
            type="scatter", x=dense(np.r_[curves.h, curves.h[::-1]]),
            y=dense(np.r_[upper, np.full(len(upper), curves.floor)]), mode="lines",
            fill="toself", fillcolor=_rgba(METHOD_COLOURS[name], 0.16 if name == selected else 0.07),
            line=dict(width=0), legendgroup=name, showlegend=False, meta="band",
            customdata=[name], hoverinfo="skip",
        ))
    for name, curve in curves.curves.items():
        colour, chosen = METHOD_COLOURS[name], name == selected
        traces.append(dict(
            type="scatter", x=h, y=dense(curve.err), mode="lines", name=names[name],
            legendgroup=name, line=dict(color=colour, width=3.5 if chosen else 1.6,
                                        dash=METHOD_DASHES.get(name, "solid")),
            opacity=1.0 if chosen else 0.75,
            hovertemplate="h = %{x:.2e}<br>%{y:.2e}<extra>" + names[name] + "</extra>",
        ))
        guides = [g for g in (curve.truncation, curve.round_off) if g is not None]
        if guides:  # both slopes in one trace, a NaN between them: fewer traces, faster redraws
            gap = [np.nan]
            traces.append(dict(
                type="scatter", x=dense(np.concatenate([np.r_[g.h, gap] for g in guides])),
                y=dense(np.concatenate([np.r_[g.err, gap] for g in guides])), mode="lines",
                customdata=np.concatenate([np.full(len(g.h) + 1, g.slope) for g in guides]),
                legendgroup=name, showlegend=False, line=dict(color=colour, width=1.2, dash="dot"),
                hovertemplate=f"{slope_name} %{{customdata:+g}}<extra>{names[name]}</extra>",
            ))
        if np.isfinite(curve.best_h):
            stars.append((curve.best_h, curve.best_err, colour, 15 if chosen else 11, names[name]))
    if stars:  # every method's best h in one trace: fewer traces, faster redraws
        h_best, err_best, colours, sizes, star_names = (list(v) for v in zip(*stars, strict=True))
        traces.append(dict(
            type="scatter", x=h_best, y=err_best, mode="markers", showlegend=False,
            customdata=star_names, meta="best_h",
            marker=dict(symbol="star", size=sizes, color=colours,
                        line=dict(color="white", width=1)),
            hovertemplate=f"{best_name}: h = %{{x:.1e}}<br>%{{y:.2e}}<extra>%{{customdata}}</extra>",
        ))
    if richardson is not None and richardson.found:
        used = slice(richardson.row - richardson.column, richardson.row + 1)
        rungs = np.maximum(richardson.errors[used, 0], curves.floor)
        colour = METHOD_COLOURS["richardson"]
        traces.append(dict(
            type="scatter", x=richardson.used_steps, y=rungs, mode="markers",
            name=richardson_name, legendgroup="richardson", meta="richardson",
            marker=dict(symbol="diamond", size=10, color="white", line=dict(color=colour, width=2)),
            hovertemplate="h = %{x:.3e}<br>%{y:.2e}<extra>" + richardson_name + "</extra>",
        ))
        final = max(float(_error_on(richardson)), curves.floor)
        traces.append(dict(
            type="scatter", x=[float(richardson.used_steps.min()), float(richardson.used_steps.max())],
            y=[final, final], mode="lines+markers", showlegend=False, legendgroup="richardson",
            meta="richardson_value", line=dict(color=colour, width=3),
            marker=dict(symbol="line-ns", size=12, line=dict(color=colour, width=3)),
            hovertemplate=richardson_hover + "<extra>" + richardson_name + "</extra>",
        ))
    floor_line, floor_label = _floor_line(curves.floor, floor_name)
    shapes, annotations = [floor_line], [floor_label]
    if current_h is not None:
        shapes.append(_vertical_line(current_h, dict(color=COLOURS["kink"], width=1.5)))
        annotations.append(dict(x=np.log10(current_h), y=1, yref="paper", xanchor="left",
                                yanchor="top", text=h_name, showarrow=False,
                                font=dict(color=COLOURS["kink"])))
    all_err = np.concatenate([c.err for c in curves.curves.values()])
    layout = _layout(title=title, y=y, height=480)
    layout["xaxis"].update(title=dict(text=x), type="log", exponentformat="power", dtick=2)
    layout["yaxis"].update(type="log", exponentformat="power",
                           range=_log_range(all_err, curves.floor, top=1e4))
    layout.update(shapes=shapes, annotations=annotations)
    return _figure(traces, layout)


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha})"


def _error_on(tableau) -> float:
    """The chosen entry's error on the tableau's own scale (relative, or absolute at 0)."""
    return float(tableau.errors[tableau.row, tableau.column])


def stencil_figure(view, *, title: str, x: str, f_name: str, numerical_name: str,
                   analytical_name: str, points_name: str, kink_name: str) -> go.Figure:
    """f up close around x: the method's points, the slope they measure, the slope df claims."""
    traces = [
        dict(type="scatter", x=view.grid, y=view.f_grid, mode="lines", name=f_name,
             line=dict(color=COLOURS["f"], width=3)),
        dict(type="scatter", x=view.grid, y=view.numerical_line, mode="lines",
             name=numerical_name, line=dict(color=COLOURS["numerical"], width=2, dash="dash")),
        dict(type="scatter", x=view.grid, y=view.analytical_line, mode="lines",
             name=analytical_name, line=dict(color=COLOURS["df"], width=2, dash="dot")),
        dict(type="scatter", x=view.points, y=view.f_points, mode="markers", name=points_name,
             marker=dict(color=COLOURS["numerical"], size=12, symbol="circle-open",
                         line=dict(width=3)),
             hovertemplate="x = %{x:.10g}<br>f = %{y:.10g}<extra></extra>"),
    ]
    span = np.ptp(view.f_grid[np.isfinite(view.f_grid)]) if np.any(np.isfinite(view.f_grid)) else 1
    low = np.nanmin(view.f_grid) - 0.3 * (span or 1.0)
    high = np.nanmax(view.f_grid) + 0.3 * (span or 1.0)
    layout = _layout(title=title, height=420)
    layout["xaxis"].update(title=dict(text=x), exponentformat="e")
    layout["yaxis"].update(range=[low, high], exponentformat="e")
    layout["legend"] = dict(orientation="h", yanchor="top", y=-0.2, xanchor="left", x=0)
    layout["shapes"] = [_vertical_line(at, dict(color=COLOURS["kink"], dash="dash"))
                        for at in view.kinks]
    layout["annotations"] = [_line_label(at, kink_name, "top left") for at in view.kinks]
    return _figure(traces, layout)


def scan_figure(x_values, rel_errors: dict, colours: dict, *, floor: float, title: str, x: str,
                y: str, floor_name: str, marks: dict | None = None) -> go.Figure:
    """Relative error across x for each labelled derivative, on a log axis clipped at floor;
    marks: {label: x} vertical lines (e.g. the point being checked)."""
    traces = [dict(type="scatter", x=dense(x_values), y=dense(err), mode="lines", name=label,
                   line=dict(color=colours[label], width=2.5),
                   hovertemplate="x = %{x:.4g}<br>%{y:.2e}<extra>" + label + "</extra>")
              for label, err in rel_errors.items()]
    floor_line, floor_label = _floor_line(floor, floor_name)
    marks = (marks or {}).items()
    all_err = np.concatenate(list(rel_errors.values()))
    layout = _layout(title=title, y=y, height=360)
    layout["xaxis"]["title"] = dict(text=x)
    layout["yaxis"].update(type="log", exponentformat="power", range=_log_range(all_err, floor, 10.0))
    layout.update(
        showlegend=True,
        shapes=[floor_line, *(_vertical_line(at, dict(color=COLOURS["kink"], width=1.5))
                              for _, at in marks)],
        annotations=[floor_label, *(_line_label(at, label, "top right") for label, at in marks)],
    )
    return _figure(traces, layout)


#: The tableau's colours: dark where an entry is close to the analytic derivative, bright where
#: it is far (cividis reads the same with every colour-vision deficiency, and in grey).
TABLEAU_SCALE = get_colorscale("Cividis")


def tableau_figure(view, *, title: str, rows: list, columns: list, colour_name: str,
                   chosen_name: str, hover: str, height: int | None = None) -> go.Figure:
    """The Richardson tableau (views.lab.TableauView) as a heatmap: row r the central difference
    at steps[r], column j its j-th extrapolation, each cell coloured by log10 of its error
    against the analytic derivative and labelled with it; the chosen entry is framed.
    customdata per cell: (entry, error, estimate), float64, so every digit reaches the hover.
    """
    err = np.asarray(view.errors, dtype=np.float64)
    customdata = np.stack([view.tableau, err, view.estimates], axis=-1)
    text = [[f"{e:.0e}" if np.isfinite(e) else "" for e in row] for row in err]
    if np.isfinite(view.value):  # the chosen entry's text in bold, inside its frame
        text[view.row][view.column] = f"<b>{text[view.row][view.column]}</b>"
    trace = dict(
        type="heatmap", z=np.log10(err), x=columns, y=rows, customdata=customdata, text=text,
        texttemplate="%{text}", textfont=dict(size=FONT_SIZE - 3), coloraxis="coloraxis",
        xgap=2, ygap=2, hovertemplate=hover + "<extra></extra>", meta="tableau",
        name=colour_name,
    )
    layout = _layout(title=title, height=height or 140 + 34 * len(rows))
    layout["margin"].update(t=90 if title else 40)
    if title:
        layout["title"].update(y=0.98, yanchor="top")
    layout["xaxis"].update(side="top", zeroline=False, type="category",
                           tickfont=dict(size=FONT_SIZE))
    layout["yaxis"].update(autorange="reversed", zeroline=False, type="category",
                           tickfont=dict(size=FONT_SIZE - 2))
    layout["coloraxis"] = dict(colorscale=TABLEAU_SCALE,
                               colorbar=dict(thickness=14, title=dict(text=colour_name)))
    if np.isfinite(view.value):
        r, c = view.row, view.column
        layout["shapes"] = [dict(type="rect", xref="x", yref="y", x0=c - 0.5, x1=c + 0.5,
                                 y0=r - 0.5, y1=r + 0.5, name=chosen_name,
                                 line=dict(color=OKABE_ITO["vermillion"], width=4))]
    return _figure([trace], layout)


#: f″ in the lab, apart from f′'s vermillion and the numerical green.
SECOND_COLOUR = OKABE_ITO["blue"]


def second_derivative_figure(view, *, show_second: bool, df_name: str, d2f_name: str,
                             numerical_name: str, title_df: str, title_d2f: str, x_title: str,
                             point_name: str) -> go.Figure:
    """f′ over x (views.lab.SecondView), and with show_second f″ beside it with central
    differences of f′ dashed over it (what a gradgradcheck compares); x marked on each."""
    panels = [("", "df", [(df_name, view.df, COLOURS["df"], "solid", 3)], view.df_at)]
    if show_second:
        panels.append(("2", "d2f", [(d2f_name, view.d2f, SECOND_COLOUR, "solid", 3),
                                     (numerical_name, view.numerical, COLOURS["numerical"],
                                      "dash", 2)], view.d2f_at))
    traces = []
    # x in float64: around x = 1e6 float32 would snap the grid to steps of 1/16
    grid = np.asarray(view.grid, dtype=np.float64)
    with np.errstate(over="ignore"):  # |f′| beyond float32 (x near 1e308): drawn off the chart
        values = {id(y): dense(y) for _, _, curves, _ in panels for _, y, *_ in curves}
    for axis, key, curves, at in panels:
        on_axis = dict(xaxis=f"x{axis}", yaxis=f"y{axis}")
        for name, y, colour, dash, width in curves:
            traces.append(dict(type="scatter", x=grid, y=values[id(y)], mode="lines",
                               name=name, meta=key if dash == "solid" else "numerical",
                               line=dict(color=colour, width=width, dash=dash), **on_axis,
                               hovertemplate="x = %{x:.4g}<br>%{y:.6g}<extra>" + name
                               + "</extra>"))
        traces.append(dict(type="scatter", x=[view.x], y=[at], mode="markers",
                           name=point_name, meta=f"point_{key}", showlegend=False, **on_axis,
                           marker=dict(color=curves[0][2], size=13,
                                       line=dict(color="white", width=2)),
                           hovertemplate="x = %{x:.10g}<br>%{y:.10g}<extra></extra>"))
    kink_line = dict(color=COLOURS["kink"], dash="dot", width=2)
    layout = _layout(height=400)
    layout.update(margin=dict(l=10, r=10, t=40, b=10), annotations=[], shapes=[])
    x_range = [float(view.grid[0]), float(view.grid[-1])]
    domains = _PANEL_DOMAINS[len(panels)]
    for (axis, _, _, _), (lo, hi), title in zip(panels, domains, (title_df, title_d2f),
                                                strict=False):
        layout[f"xaxis{axis}"] = dict(title=dict(text=x_title), zeroline=True, range=x_range,
                                      domain=[lo, hi], anchor=f"y{axis}", exponentformat="none",
                                      nticks=6, **({"matches": "x"} if axis else {}))
        layout[f"yaxis{axis}"] = dict(zeroline=True, anchor=f"x{axis}")
        layout["annotations"].append(dict(
            text=f"<b>{title}</b>", x=lo, xref="paper", xanchor="left", y=1.0, yref="paper",
            yanchor="bottom", yshift=8, showarrow=False, font=dict(size=FONT_SIZE + 1)))
        layout["shapes"] += [{**_vertical_line(k, kink_line), "xref": f"x{axis}",
                              "yref": f"y{axis} domain"} for k in view.kinks]
    return _figure(traces, layout)


def direction_figure(geometry, *, title: str, x_name: str, y_name: str, f_name: str,
                     u_name: str, probe_names: tuple[str, str], gradient_name: str,
                     true_gradient_name: str, point_name: str) -> go.Figure:
    """A random-direction check drawn for a 2-input f (views.lab.DirectionGeometry): f's
    contours, the point x, the direction u as an arrow, the probes x ± h·u (placed at
    x ± reach·u: h is far too small to see), and the gradient under test beside the true one,
    both scaled to the same length (the true one is normal to the contours)."""
    g = geometry
    x0, y0 = (float(v) for v in g.x)
    tip = g.x + g.reach * g.u
    probes = np.array([g.x + g.reach * g.u, g.x - g.reach * g.u])
    traces = [
        dict(type="contour", x=dense(g.gx), y=dense(g.gy), z=dense(g.values), name=f_name,
             colorscale=[[0, "#f8f9fa"], [1, "#adb5bd"]], showscale=False, ncontours=16,
             line=dict(color="#868e96", width=1), opacity=0.9, meta="contours",
             hovertemplate=f"{x_name} = %{{x:.3g}}<br>{y_name} = %{{y:.3g}}<br>{f_name} = "
                           "%{z:.4g}<extra></extra>"),
        dict(type="scatter", x=[x0 - 3 * g.reach * g.u[0], x0 + 3 * g.reach * g.u[0]],
             y=[y0 - 3 * g.reach * g.u[1], y0 + 3 * g.reach * g.u[1]], mode="lines",
             name=u_name, meta="direction", hoverinfo="skip",
             line=dict(color=OKABE_ITO["black"], width=1.5, dash="dash")),
        dict(type="scatter", x=probes[:, 0], y=probes[:, 1], mode="markers+text",
             name=f"{probe_names[0]}, {probe_names[1]}", meta="probes", text=list(probe_names),
             # beside the point, off the dashed line through it
             textposition="middle right" if abs(g.u[1]) >= abs(g.u[0]) else "top center",
             marker=dict(color="white", size=13, line=dict(color=COLOURS["numerical"], width=3)),
             hovertemplate="%{text}<extra></extra>"),
        dict(type="scatter", x=[x0], y=[y0], mode="markers", name=point_name, meta="point",
             marker=dict(color=OKABE_ITO["black"], size=11),
             hovertemplate=f"{point_name}: (%{{x:.4g}}, %{{y:.4g}})<extra></extra>"),
    ]
    annotations = [dict(x=float(tip[0]), y=float(tip[1]), ax=x0, ay=y0, xref="x", yref="y",
                        axref="x", ayref="y", text="", showarrow=True, arrowhead=3,
                        arrowsize=1.3, arrowwidth=2.5, arrowcolor=OKABE_ITO["black"])]
    for vector, name, colour, meta, dash in (
            (g.true_gradient, true_gradient_name, COLOURS["numerical"], "true_gradient", "dot"),
            (g.gradient, gradient_name, COLOURS["df"], "gradient", "solid")):
        norm = float(np.linalg.norm(vector)) or 1.0
        end = g.x + 2 * g.reach * vector / norm
        traces.append(dict(type="scatter", x=[x0, float(end[0])], y=[y0, float(end[1])],
                           mode="lines", name=name, meta=meta, hoverinfo="skip",
                           line=dict(color=colour, width=3, dash=dash)))
        annotations.append(dict(x=float(end[0]), y=float(end[1]), ax=x0, ay=y0, xref="x",
                                yref="y", axref="x", ayref="y", text="", showarrow=True,
                                arrowhead=2, arrowsize=1.2, arrowwidth=2, arrowcolor=colour))
    layout = _layout(title=title, x=x_name, y=y_name, height=470)
    layout["xaxis"].update(range=[float(g.gx[0]), float(g.gx[-1])], zeroline=False,
                           constrain="domain")
    layout["yaxis"].update(range=[float(g.gy[0]), float(g.gy[-1])], zeroline=False,
                           scaleanchor="x", constrain="domain")
    layout["annotations"] = annotations
    return _figure(traces, layout)


# --- activations page ---
# Built as one dict each (the helpers are in the gradient-check section): moving x₀ rebuilds them.


def _shade_and_kinks(zones, kinks, *, zone_name: str, kink_name: str,
                     axes=("",)) -> tuple[list, list]:
    """Amber bands where |f′| is nearly 0 and dotted lines at the kinks (shapes, drawn on every
    subplot in axes: "" for x/y, "2" for x2/y2), one legend entry each (traces)."""
    kink_line = dict(color=COLOURS["kink"], dash="dot", width=2)
    shapes = []
    for axis in axes:
        on_axis = dict(xref=f"x{axis}", yref=f"y{axis} domain")
        shapes += [{**_vertical_band(lo, hi, COLOURS["shade"]), **on_axis} for lo, hi in zones]
        shapes += [{**_vertical_line(at, kink_line), **on_axis} for at in kinks]
    legend = []
    if len(zones):
        legend.append(dict(type="scatter", x=[None], y=[None], mode="markers", name=zone_name,
                           hoverinfo="skip",
                           marker=dict(symbol="square", size=15, color=COLOURS["shade"])))
    if len(kinks):
        legend.append(dict(type="scatter", x=[None], y=[None], mode="lines", name=kink_name,
                           hoverinfo="skip", line=kink_line))
    return legend, shapes


@dataclass(frozen=True)
class Panel:
    """One subplot of activation_figure. curves: (key, name, y) with key "f" or "df" (it picks
    the colour and becomes the trace's meta, so tests find the curve); probes: (key, name, x0,
    y0) markers at the probe; tangent: (name, xs, ys) or None."""

    curves: tuple
    probes: tuple = ()
    tangent: tuple | None = None
    title: str = ""
    y_title: str = ""


_PANEL_DOMAINS = {1: [(0.0, 1.0)], 2: [(0.0, 0.46), (0.54, 1.0)]}


def activation_figure(x, panels, *, zones=(), kinks=(), x_title: str = "x", zone_name: str = "",
                      kink_name: str = "") -> go.Figure:
    """f and f′ over the grid x, one Panel overlaid or two side by side, flat zones shaded and
    kinks marked on each.

    Two panels are one figure, not two charts: they zoom and pan together (the x axes are
    matched), and a probe move redraws one plotly chart instead of two. The x axis stays on the
    grid: a probe or tangent outside it is clipped, not zoomed out to.
    """
    axes = ["" if i == 0 else str(i + 1) for i in range(len(panels))]
    traces, shapes = _shade_and_kinks(zones, kinks, zone_name=zone_name, kink_name=kink_name,
                                      axes=axes)
    for panel, axis in zip(panels, axes, strict=True):
        on_axis = dict(xaxis=f"x{axis}", yaxis=f"y{axis}")
        for key, name, y in panel.curves:
            traces.append(dict(type="scatter", x=dense(x), y=dense(y), mode="lines", name=name,
                               meta=key, line=dict(color=COLOURS[key], width=3), **on_axis,
                               hovertemplate="x = %{x:.4g}<br>%{y:.6g}<extra>" + name
                               + "</extra>"))
        if panel.tangent is not None:
            name, xs, ys = panel.tangent  # dashed in f′'s colour: its slope is f′(x₀)
            traces.append(dict(type="scatter", x=xs, y=ys, mode="lines", name=name,
                               meta="tangent", hoverinfo="skip", **on_axis,
                               line=dict(color=COLOURS["df"], width=2.5, dash="dash")))
        for key, name, x0, y0 in panel.probes:
            traces.append(dict(
                type="scatter", x=[x0], y=[y0], mode="markers", name=name, meta="probe_" + key,
                showlegend=False, **on_axis,
                marker=dict(color=COLOURS[key], size=14, line=dict(color="white", width=2)),
                hovertemplate="x₀ = %{x:.10g}<br>%{y:.10g}<extra>" + name + "</extra>"))
    x_range = [float(x[0]), float(x[-1])]
    if len(panels) == 1:
        layout = _layout(title=panels[0].title, y=panels[0].y_title, height=380)
        layout["xaxis"].update(title=dict(text=x_title), range=x_range)
    else:
        # subplot titles sit above each panel, so the legend goes below the axes
        layout = _layout(height=420)
        layout.update(margin=dict(l=10, r=10, t=40, b=10),
                      legend=dict(orientation="h", yanchor="top", y=-0.2, xanchor="center",
                                  x=0.5),
                      annotations=[])
        for panel, axis, (lo, hi) in zip(panels, axes, _PANEL_DOMAINS[len(panels)], strict=True):
            layout[f"xaxis{axis}"] = dict(title=dict(text=x_title), zeroline=True, range=x_range,
                                          domain=[lo, hi], anchor=f"y{axis}",
                                          **({"matches": "x"} if axis else {}))
            layout[f"yaxis{axis}"] = dict(title=dict(text=panel.y_title), zeroline=True,
                                          anchor=f"x{axis}")
            layout["annotations"].append(dict(
                text=f"<b>{panel.title}</b>", x=lo, xref="paper", xanchor="left", y=1.0,
                yref="paper", yanchor="bottom", yshift=8, showarrow=False,
                font=dict(size=FONT_SIZE + 1)))
    layout["shapes"] = shapes
    return _figure(traces, layout)


def output_form_figure(x, stable, notes, *, collapse_at=None, title: str = "",
                       x_title: str = "x", y_title: str = "", stable_name: str = "",
                       notes_name: str = "", collapse_name: str = "") -> go.Figure:
    """The stable f′ against the notes' form f(1 − f) on a log y axis. The y values stay float64
    (the tails fall below float32's range); where the notes' form is exactly 0 a log axis has no
    point, so its line stops at collapse_at (marked)."""
    traces = [
        dict(type="scatter", x=dense(x), y=np.asarray(stable, dtype=np.float64), mode="lines",
             name=stable_name, meta="stable", line=dict(color=COLOURS["df"], width=4),
             hovertemplate="x = %{x:.4g}<br>%{y:.6e}<extra>" + stable_name + "</extra>"),
        dict(type="scatter", x=dense(x), y=np.asarray(notes, dtype=np.float64), mode="lines",
             name=notes_name, meta="notes",
             line=dict(color=COLOURS["notes"], width=2.5, dash="dash"),
             hovertemplate="x = %{x:.4g}<br>%{y:.6e}<extra>" + notes_name + "</extra>"),
    ]
    layout = _layout(title=title, y=y_title, height=360)
    layout["xaxis"].update(title=dict(text=x_title), range=[float(x[0]), float(x[-1])])
    layout["yaxis"].update(type="log", exponentformat="power")
    if collapse_at is not None:
        layout["shapes"] = [_vertical_line(collapse_at,
                                           dict(color=COLOURS["notes"], dash="dot", width=2))]
        layout["annotations"] = [_line_label(collapse_at, collapse_name, "bottom left",
                                             font=dict(color=COLOURS["notes"]))]
    return _figure(traces, layout)


def compare_figure(x, curves, *, peaks=(), title: str = "", x_title: str = "x",
                   y_title: str = "") -> go.Figure:
    """Several derivatives on one plot. curves: (name, y); peaks: (name, x, y), marked with the
    peak value written beside it (σ′ tops out at 0.25: the vanishing-gradient story)."""
    traces, colours = [], {}
    for i, (name, y) in enumerate(curves):
        colours[name] = _COMPARE_COLOURS[i % len(_COMPARE_COLOURS)]
        traces.append(dict(type="scatter", x=dense(x), y=dense(y), mode="lines", name=name,
                           meta=name, line=dict(color=colours[name], width=3,
                                                dash=_COMPARE_DASHES[i % len(_COMPARE_DASHES)]),
                           hovertemplate="x = %{x:.4g}<br>%{y:.6g}<extra>" + name + "</extra>"))
    for i, (name, at, top) in enumerate(peaks):
        # peaks often coincide (tanh′ and ReLU′ both top out at 1 by x = 0): rotate the label
        # around the marker so coinciding labels do not print over each other
        colour = colours.get(name, COLOURS["kink"])
        traces.append(dict(
            type="scatter", x=[at], y=[top], mode="markers+text", showlegend=False,
            text=[f"{top:.3g}"], textposition=_PEAK_LABEL_SPOTS[i % 4],
            textfont=dict(color=colour), marker=dict(color=colour, size=10),
            hovertemplate="max %{y:.6g} at x = %{x:.4g}<extra>" + name + "</extra>"))
    layout = _layout(title=title, y=y_title, height=420)
    layout["xaxis"].update(title=dict(text=x_title), range=[float(x[0]), float(x[-1])])
    return _figure(traces, layout)


_PEAK_LABEL_SPOTS = ("top center", "top right", "top left", "bottom right")
# Distinct on white and on a projector; f's blue and f′'s orange first, as on the other charts.
_COMPARE_COLOURS = tuple(OKABE_ITO[c] for c in ("blue", "vermillion", "green", "purple",
                                                 "orange", "sky", "black")) * 2
#: With 7 colours for up to 14 curves, the second seven are dashed.
_COMPARE_DASHES = ("solid",) * 7 + ("dash",) * 7


# --- your own function ---

_MINE_COLOUR = OKABE_ITO["purple"]  # the learner's f′ (dashed), apart from f′'s vermillion
_UNDEFINED_SHADE = "rgba(134, 142, 150, 0.22)"  # where f has no real value: grey
_DISAGREE_SHADE = "rgba(224, 49, 49, 0.16)"  # where the learner's f′ is wrong: red
_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _typed_curve(values) -> np.ndarray:
    """float32 like ``dense``, unless a value would overflow float32 (exp(100) is 2.7e43):
    then float64. NaN stays NaN, which plotly draws as a gap."""
    values = np.asarray(values, dtype=np.float64)
    finite = np.abs(values[np.isfinite(values)])
    return values if finite.size and finite.max() >= _FLOAT32_MAX else dense(values)


def _shade_spans(fig: go.Figure, spans, *, pad: float, colour: str, name: str) -> None:
    """Bands over x intervals (a single point widened by pad), with one legend entry."""
    for lo, hi in spans:
        fig.add_vrect(x0=lo - pad, x1=hi + pad, fillcolor=colour, line_width=0, layer="below",
                      row="all", col="all")
    if len(spans):
        fig.add_scatter(x=[None], y=[None], mode="markers", name=name, hoverinfo="skip",
                        marker=dict(symbol="square", size=15, color=colour))


def _curve_trace(x, y, *, name: str, meta: str, colour: str, dash: str = "solid",
                 width: float = 3) -> go.Scatter:
    return go.Scatter(x=dense(x), y=_typed_curve(y), mode="lines", name=name, meta=meta,
                      connectgaps=False, line=dict(color=colour, width=width, dash=dash),
                      hovertemplate="x = %{x:.6g}<br>%{y:.6g}<extra>" + name + "</extra>")


def function_figure(x, f, df, numerical, *, f_name: str, df_name: str, numerical_name: str,
                    undefined=(), undefined_name: str = "", probe=None, f_range=None,
                    df_range=None, x_title: str = "x", df_title: str = "f′(x)") -> go.Figure:
    """f on top; the symbolic f′ (solid; df=None leaves it out) and the finite-difference f′
    (dashed) below, on a shared x axis. NaN entries are gaps (connectgaps off); ``undefined``
    spans are shaded; probe: (x0, f0, df0) marked on both panels (NaN values are skipped);
    f_range/df_range: y ranges, or None to fit the data."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.07)
    lo, hi = float(x[0]), float(x[-1])
    fig.add_trace(_curve_trace(x, f, name=f_name, meta="f", colour=COLOURS["f"]), row=1, col=1)
    if df is not None:
        fig.add_trace(_curve_trace(x, df, name=df_name, meta="df", colour=COLOURS["df"]),
                      row=2, col=1)
    fig.add_trace(_curve_trace(x, numerical, name=numerical_name, meta="numerical",
                               colour=COLOURS["numerical"], dash="dash", width=2.5), row=2, col=1)
    if probe is not None:
        x0, f0, df0 = probe
        fig.add_vline(x=x0, line=dict(color=COLOURS["kink"], dash="dot", width=1.5))
        for row, key, value, name in ((1, "f", f0, f_name), (2, "df", df0, df_name)):
            if np.isfinite(value):
                fig.add_scatter(x=[x0], y=[value], mode="markers", showlegend=False, row=row,
                                col=1, meta="probe_" + key,
                                marker=dict(color=COLOURS[key], size=12,
                                            line=dict(color="white", width=2)),
                                hovertemplate="x₀ = %{x:.10g}<br>%{y:.10g}<extra>" + name
                                + "</extra>")
    # after the traces: plotly puts a row="all" band only on subplots that hold data
    _shade_spans(fig, undefined, pad=(hi - lo) / 400, colour=_UNDEFINED_SHADE,
                 name=undefined_name)
    base_layout(fig, height=560)
    fig.update_xaxes(range=[lo, hi])
    fig.update_xaxes(title_text=x_title, row=2, col=1)
    fig.update_yaxes(title_text=f_name, range=f_range, row=1, col=1)
    fig.update_yaxes(title_text=df_title, range=df_range, row=2, col=1)
    return fig


def derivative_check_figure(x, true, mine, *, true_name: str, mine_name: str,
                            regions=(), region_name: str = "", kinks=(), kink_name: str = "",
                            counterexample=None, counterexample_name: str = "", y_range=None,
                            title: str = "", x_title: str = "x") -> go.Figure:
    """sympy's f′ (solid) and the learner's (dashed), bands where they disagree, dotted lines
    at kinks (skipped by the check), and the first counterexample (x, mine, true) marked."""
    fig = go.Figure()
    lo, hi = float(x[0]), float(x[-1])
    for at in kinks:
        fig.add_vline(x=at, line=dict(color=COLOURS["kink"], dash="dot", width=2))
    if len(kinks):
        fig.add_scatter(x=[None], y=[None], mode="lines", name=kink_name, hoverinfo="skip",
                        line=dict(color=COLOURS["kink"], dash="dot", width=2))
    fig.add_trace(_curve_trace(x, true, name=true_name, meta="df", colour=COLOURS["df"]))
    fig.add_trace(_curve_trace(x, mine, name=mine_name, meta="mine", colour=_MINE_COLOUR,
                               dash="dash", width=2.5))
    if counterexample is not None:
        at, mine_value, true_value = counterexample
        points = [(v, c) for v, c in ((mine_value, _MINE_COLOUR), (true_value, COLOURS["df"]))
                  if np.isfinite(v)]
        fig.add_scatter(x=[at] * len(points), y=[v for v, _ in points], mode="lines+markers",
                        name=counterexample_name, meta="counterexample",
                        line=dict(color="#e03131", width=2),
                        marker=dict(color=[c for _, c in points], size=13, symbol="x",
                                    line=dict(color="#e03131", width=2)),
                        cliponaxis=False,  # visible at the range's edge too
                        hovertemplate="x = %{x:.10g}<br>%{y:.10g}<extra>"
                        + counterexample_name + "</extra>")
    _shade_spans(fig, regions, pad=0.0, colour=_DISAGREE_SHADE, name=region_name)
    fig.update_xaxes(range=[lo, hi])
    fig.update_yaxes(range=y_range)
    return base_layout(fig, title=title, x=x_title, height=400)


# --- backprop pages ---
# Built as one dict each, like the rest: a step through the graph redraws the graph figure.

#: How far along a stepped graph each node and edge is: not reached, forward, backward.
_STEP_COLOURS = {"pending": "#ced4da", "forward": COLOURS["f"], "backward": COLOURS["df"]}
_ARROW_STANDOFF = 0.3  # in axis units: a node's circle is about 0.2 wide on the default graph
_BAND_RING = {"good": COLOURS["numerical"], "kink": "#f08c00", "doubtful": "#f08c00",
              "wrong": "#e03131"}


def computation_graph_figure(nodes, edges, *, height: int = 620, title: str = "") -> go.Figure:
    """A scalar computation graph, stepped: nodes are circles with their operation inside and
    their value and gradient below; edges are arrows parent → child, labelled on the way back
    with local × upstream = contribution.

    nodes: dicts with x, y, symbol (inside), label (may hold <br>), label_at ("below", "above",
    "above_left", "left" or "right" of the node), state ("pending",
    "forward" or "backward"), current (bool: this step's node), band (None or a CS231n band:
    the ring of a checked leaf) and hover. edges: dicts with x0, y0, x1, y1, state, current,
    label ("" for none), at (where along the edge the label sits, 0.5 the middle) and numbers
    ([local, upstream, contribution] or None); the numbers of
    the labelled edges ride on the trace with meta "edges" (customdata, float64) for the hover.
    """
    traces, annotations = [], []
    for state in ("pending", "forward", "backward"):
        for current in (False, True):
            chosen = [e for e in edges if e["state"] == state and e["current"] == current]
            if not chosen:
                continue
            xs, ys = [], []
            for e in chosen:
                xs += [e["x0"], e["x1"], None]
                ys += [e["y0"], e["y1"], None]
            traces.append(dict(type="scatter", x=xs, y=ys, mode="lines", hoverinfo="skip",
                               showlegend=False,
                               line=dict(color=_STEP_COLOURS[state], width=5 if current else 2.2)))
    # The arrowheads, just short of each child's circle: one marker trace per colour, each head
    # turned along its edge (angleref "previous": the edge's start is the point before it, drawn
    # at size 0). Arrow annotations, one per edge, cost the browser ~20 ms a redraw to measure.
    for state in ("pending", "forward", "backward"):
        chosen = [e for e in edges if e["state"] == state]
        if not chosen:
            continue
        xs, ys, sizes = [], [], []
        for e in chosen:
            dx, dy = e["x1"] - e["x0"], e["y1"] - e["y0"]
            back = _ARROW_STANDOFF / max(float(np.hypot(dx, dy)), 1e-12)
            xs += [e["x0"], e["x1"] - back * dx, None]
            ys += [e["y0"], e["y1"] - back * dy, None]
            sizes += [0, 13, 0]
        traces.append(dict(type="scatter", x=xs, y=ys, mode="markers", hoverinfo="skip",
                           showlegend=False, meta=f"arrows_{state}",
                           marker=dict(symbol="arrow", angleref="previous", size=sizes,
                                       color=_STEP_COLOURS[state], line=dict(width=0))))
    labelled = [e for e in edges if e["label"]]
    spots = [(e["x0"] + e.get("at", 0.5) * (e["x1"] - e["x0"]),
              e["y0"] + e.get("at", 0.5) * (e["y1"] - e["y0"])) for e in labelled]
    for e, (x, y) in zip(labelled, spots, strict=True):
        colour = _STEP_COLOURS[e["state"]]
        annotations.append(dict(
            x=x, y=y, xref="x", yref="y",
            text=e["label"], showarrow=False, font=dict(size=11, color=colour),
            bgcolor="rgba(255, 255, 255, 0.92)", bordercolor=colour,
            borderwidth=2 if e["current"] else 1, borderpad=3))
    traces.append(dict(
        type="scatter", meta="edges", mode="markers", showlegend=False,
        x=[x for x, _ in spots], y=[y for _, y in spots],
        customdata=np.array([e["numbers"] for e in labelled], dtype=np.float64).reshape(-1, 3),
        text=[e["hover"] for e in labelled], marker=dict(size=18, color="rgba(0, 0, 0, 0)"),
        hovertemplate="%{text}<br>local %{customdata[0]:.17g}<br>upstream %{customdata[1]:.17g}"
                      "<br>contribution %{customdata[2]:.17g}<extra></extra>"))
    fill = {"pending": "#f1f3f5", "forward": "#dbe4ff", "backward": "#ffe8cc"}
    traces.append(dict(
        type="scatter", meta="nodes", mode="markers+text", showlegend=False,
        x=[n["x"] for n in nodes], y=[n["y"] for n in nodes], text=[n["symbol"] for n in nodes],
        textposition="middle center", textfont=dict(size=13, color=_ON_LIGHT),
        customdata=[n["hover"] for n in nodes], hovertemplate="%{customdata}<extra></extra>",
        marker=dict(size=54, color=[fill[n["state"]] for n in nodes],
                    line=dict(width=[5 if n["current"] or n["band"] else 2 for n in nodes],
                              color=[_BAND_RING[n["band"]] if n["band"] else
                                     _STEP_COLOURS[n["state"]] for n in nodes]))))
    # the value and gradient beside each node: below it, or left of a leaf, right of the loss
    spots = {"below": (0.0, -0.32, "bottom center"), "above": (0.0, 0.32, "top center"),
             "above_left": (0.3, 0.3, "top left"),
             "left": (-0.42, 0.0, "middle left"), "right": (0.42, 0.0, "middle right")}
    place = [spots[n.get("label_at", "below")] for n in nodes]
    traces.append(dict(
        type="scatter", meta="labels", mode="text", showlegend=False, hoverinfo="skip",
        x=[n["x"] + dx for n, (dx, _, _) in zip(nodes, place, strict=True)],
        y=[n["y"] + dy for n, (_, dy, _) in zip(nodes, place, strict=True)],
        text=[n["label"] for n in nodes], textposition=[p[2] for p in place],
        textfont=dict(size=13, color=INK), cliponaxis=False))
    layout = _layout(title=title, height=height)
    xs = [n["x"] for n in nodes]
    ys = [n["y"] for n in nodes]
    layout.update(
        xaxis=dict(visible=False, range=[min(xs) - 1.6, max(xs) + 1.2], fixedrange=True),
        yaxis=dict(visible=False, range=[min(ys) - 0.95, max(ys) + 0.4], fixedrange=True),
        annotations=annotations, showlegend=False,
    )
    layout["margin"].update(l=10, r=10, b=10)
    return _figure(traces, layout)


_WIDTH_CLASSES = 8  # line widths a weight's |∂L/∂W| is drawn with


def network_diagram_figure(neurons, weights, *, delta_name: str, weight_name: str,
                           input_name: str, layer_names, height: int = 400,
                           title: str = "") -> go.Figure:
    """A small MLP: neurons in columns coloured by their δ (diverging around 0), each weight a
    line whose width grows with |∂L/∂W| and whose colour is its sign (blue +, red −).

    neurons: (layer, unit, x, y, value, is_delta) with value the input x_j on layer 0 and δ
    elsewhere; weights: (layer, i, j, x0, y0, x1, y1, dW). The weights' gradients ride on the
    trace with meta "dW" (customdata [layer, i, j, dW]); the δ on the trace with meta "delta".
    """
    top = max((abs(w[-1]) for w in weights), default=0.0) or 1.0
    # one line trace per (sign, width class), not per weight: a redraw costs per trace
    groups: dict[tuple[bool, int], tuple[list, list]] = {}
    for w in weights:
        x0, y0, x1, y1, g = w[3:]
        xs, ys = groups.setdefault((g >= 0, round(_WIDTH_CLASSES * abs(g) / top)), ([], []))
        xs += [x0, x1, None]
        ys += [y0, y1, None]
    traces = [dict(type="scatter", x=xs, y=ys, mode="lines", hoverinfo="skip", showlegend=False,
                   line=dict(width=0.8 + 9.0 * level / _WIDTH_CLASSES,
                             color="#1c7ed6" if positive else "#e03131"), opacity=0.75)
              for (positive, level), (xs, ys) in sorted(groups.items())]
    traces.append(dict(
        type="scatter", meta="dW", mode="markers", showlegend=False,
        x=[(w[3] + w[5]) / 2 for w in weights], y=[(w[4] + w[6]) / 2 for w in weights],
        customdata=np.array([[w[0], w[1] + 1, w[2] + 1, w[-1]] for w in weights],
                            dtype=np.float64).reshape(-1, 4),
        marker=dict(size=9, color="rgba(0, 0, 0, 0)"),
        hovertemplate=f"{weight_name}<sub>%{{customdata[0]}}</sub>[%{{customdata[1]}}, "
                      "%{customdata[2]}] = %{customdata[3]:.10g}<extra></extra>"))
    inputs = [n for n in neurons if not n[5]]
    deltas = [n for n in neurons if n[5]]
    span = max((abs(n[4]) for n in deltas), default=0.0) or 1.0
    traces.append(dict(
        type="scatter", meta="inputs", mode="markers+text", showlegend=False,
        x=[n[2] for n in inputs], y=[n[3] for n in inputs],
        text=[f"{n[4]:.3g}".replace("-", "−") for n in inputs], textposition="middle center",
        textfont=dict(color=_ON_LIGHT), customdata=[[n[1] + 1, n[4]] for n in inputs],
        hovertemplate=f"{input_name}<sub>%{{customdata[0]}}</sub> = %{{customdata[1]:.10g}}"
                      "<extra></extra>",
        marker=dict(size=50, color="#f1f3f5", line=dict(color=COLOURS["kink"], width=2))))
    traces.append(dict(
        type="scatter", meta="delta", mode="markers+text", showlegend=False,
        x=[n[2] for n in deltas], y=[n[3] for n in deltas],
        text=[f"{n[4]:.3g}".replace("-", "−") for n in deltas], textposition="middle center",
        # white on the dark ends of the scale, black on the light middle
        textfont=dict(size=13, color=["white" if abs(n[4]) > 0.55 * span else _ON_LIGHT
                                      for n in deltas]),
        customdata=np.array([[n[0], n[1] + 1, n[4]] for n in deltas], dtype=np.float64),
        hovertemplate=f"{delta_name}<sub>%{{customdata[0]}}</sub>[%{{customdata[1]}}] = "
                      "%{customdata[2]:.10g}<extra></extra>",
        marker=dict(size=54, color=[n[4] for n in deltas], coloraxis="coloraxis",
                    line=dict(color="#495057", width=1.5))))
    layers = sorted({n[0] for n in neurons})
    ys = [n[3] for n in neurons]
    layout = _drawn_once(_layout(title=title, height=height), l=10, r=120)
    layout.update(
        xaxis=dict(visible=False, range=[-0.4, max(layers) + 0.4], fixedrange=True),
        yaxis=dict(visible=False, range=[min(ys) - 0.8, max(ys) + 0.6], fixedrange=True),
        coloraxis=dict(colorscale=DIVERGING, cmin=-span, cmax=span,
                       colorbar=dict(title=dict(text=delta_name), thickness=14,
                                     exponentformat="e")),
        annotations=[dict(x=layer, y=max(ys) + 0.45, xref="x", yref="y", showarrow=False,
                          text=f"<b>{name}</b>") for layer, name in zip(layers, layer_names,
                                                                       strict=True)],
        showlegend=False,
    )
    return _figure(traces, layout)


def gradient_depth_figure(layers, per_seed, mean, std, *, bound=None, seed_name: str,
                          mean_name: str, bound_name: str = "", title: str = "", x: str = "",
                          y: str = "") -> go.Figure:
    """‖δ_l‖ against the layer l on a log axis: each seed a thin line, their mean a thick one
    (hover: mean ± std), and optionally a dashed bound (the sigmoid's 0.25 per layer)."""
    layers = np.asarray(layers, dtype=np.float64)
    xs, ys = [], []
    for row in np.asarray(per_seed, dtype=np.float64):
        xs += [*layers.tolist(), None]
        ys += [*row.tolist(), None]
    traces = [
        dict(type="scatter", meta="seeds", x=xs, y=ys, mode="lines", name=seed_name,
             line=dict(color="rgba(31, 95, 191, 0.28)", width=1.2), hoverinfo="skip"),
        dict(type="scatter", meta="mean", x=layers, y=np.asarray(mean, dtype=np.float64),
             mode="lines+markers", name=mean_name, line=dict(color=COLOURS["f"], width=3.5),
             marker=dict(size=6), customdata=np.asarray(std, dtype=np.float64),
             hovertemplate="l = %{x}<br>%{y:.4g} ± %{customdata:.3g}<extra></extra>"),
    ]
    if bound is not None:
        traces.append(dict(type="scatter", meta="bound", x=layers,
                           y=np.asarray(bound, dtype=np.float64), mode="lines", name=bound_name,
                           line=dict(color=COLOURS["notes"], width=2.5, dash="dash"),
                           hovertemplate="l = %{x}<br>%{y:.4g}<extra>" + bound_name
                                         + "</extra>"))
    layout = _drawn_once(_layout(title=title, x=x, y=y, height=420), l=92, r=16,
                         legend_below=True)
    layout["yaxis"].update(type="log", exponentformat="power", zeroline=False)
    layout["xaxis"].update(zeroline=False, rangemode="tozero" if len(layers) < 2 else "normal")
    return _figure(traces, layout)


def decision_regions_figure(gx, gy, p1, points, labels, *, class_names, p_name: str,
                            title: str = "", height: int = 460) -> go.Figure:
    """P(class 1) on a grid as a heatmap (red 0 … blue 1, white at 0.5 the boundary), the
    training points on top, one colour per class."""
    points = np.asarray(points, dtype=np.float64)
    labels = np.asarray(labels)
    traces = [dict(type="heatmap", meta="regions", x=dense(gx), y=dense(gy), z=dense(p1),
                   zmin=0.0, zmax=1.0, colorscale=DIVERGING, opacity=0.75,
                   colorbar=dict(title=dict(text=p_name), thickness=14),
                   hovertemplate="(%{x:.2f}, %{y:.2f}): %{z:.3f}<extra></extra>")]
    for k, (name, colour) in enumerate(zip(class_names, ("#c92a2a", "#1864ab"), strict=True)):
        chosen = points[labels == k]
        traces.append(dict(type="scatter", meta=f"class{k}", x=dense(chosen[:, 0]),
                           y=dense(chosen[:, 1]), mode="markers", name=name,
                           marker=dict(color=colour, size=7, line=dict(color="white", width=1)),
                           hoverinfo="skip"))
    layout = _drawn_once(_layout(title=title, x="x₁", y="x₂", height=height), l=92, r=80,
                         legend_below=True)
    layout["xaxis"].update(range=[float(gx[0]), float(gx[-1])], zeroline=False)
    layout["yaxis"].update(range=[float(gy[0]), float(gy[-1])], zeroline=False,
                           scaleanchor="x", constrain="domain")
    return _figure(traces, layout)


MAX_CURVE_POINTS = 1000


def _thinned(n: int) -> np.ndarray:
    """Indices 0 … n − 1, or MAX_CURVE_POINTS of them evenly spread (ends included)."""
    if n <= MAX_CURVE_POINTS:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, MAX_CURVE_POINTS).round().astype(np.int64))


def training_curves_figure(losses, grad_norms, *, loss_name: str, layer_names, x: str,
                           grad_y: str, height: int = 460) -> go.Figure:
    """L after each step (top) and ‖∂L/∂W_l‖ per layer at each step (bottom), log y, the step
    on a shared x axis."""
    losses = np.asarray(losses, dtype=np.float64)
    norms = np.asarray(grad_norms, dtype=np.float64).reshape(-1, len(layer_names))
    palette = _COMPARE_COLOURS
    # a long run is drawn through at most MAX_CURVE_POINTS of its steps (first and last kept):
    # the curves are smooth, and the payload stays small
    shown = _thinned(len(losses))
    shown_norms = _thinned(len(norms))
    traces = [dict(type="scatter", meta="loss", x=shown, y=losses[shown],
                   mode="lines+markers" if len(losses) < 30 else "lines", name=loss_name,
                   line=dict(color=COLOURS["f"], width=2.5),
                   hovertemplate="step %{x}: %{y:.6g}<extra></extra>")]
    for l, name in enumerate(layer_names):
        traces.append(dict(type="scatter", meta=f"norm{l + 1}", x=shown_norms,
                           y=norms[shown_norms, l],
                           mode="lines+markers" if len(norms) < 30 else "lines",
                           name=name, xaxis="x2", yaxis="y2",
                           line=dict(color=palette[(l + 1) % len(palette)], width=2),
                           hovertemplate="step %{x}: %{y:.4g}<extra>" + name + "</extra>"))
    layout = _drawn_once(_layout(height=height), l=92, r=24, b=72, t=46)  # t: the legend row
    layout.update(
        xaxis=dict(anchor="y", domain=[0.0, 1.0], matches="x2", showticklabels=False,
                   zeroline=False),
        yaxis=dict(anchor="x", domain=[0.56, 1.0], title=dict(text=loss_name), type="log",
                   exponentformat="power", zeroline=False),
        # steps start at 0: no negative steps drawn before the first one is taken
        xaxis2=dict(anchor="y2", domain=[0.0, 1.0], title=dict(text=x), zeroline=False,
                    range=[0, max(1, len(losses) - 1)]),
        yaxis2=dict(anchor="x2", domain=[0.0, 0.44], title=dict(text=grad_y), type="log",
                    exponentformat="power", zeroline=False),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0),
    )
    return _figure(traces, layout)


# --- your own function: kinks, jumps and overflow ---

_OVERFLOW_SHADE = "rgba(230, 159, 0, 0.20)"  # where float64 overflows but f is finite: orange


def function_kinks_figure(x, f, df, numerical, *, kinks=(), overflow=(), overflow_name: str = "",
                          kink_name: str = "", limit_name: str = "", value_name: str = "",
                          **function_kw) -> go.Figure:
    """function_figure, plus: bands where float64 overflows although the function is finite
    (``overflow``: (lo, hi) spans), and at each kink (at, left, right, value) of f a dotted
    line, open circles at f′'s two one-sided limits on the f′ panel (the curve itself has a
    gap there, no vertical segment) and a filled dot at the value the symbolic f′ takes at
    the kink anyway (a convention, skipped if NaN)."""
    fig = function_figure(x, f, df, numerical, **function_kw)
    lo, hi = float(x[0]), float(x[-1])
    _shade_spans(fig, overflow, pad=(hi - lo) / 400, colour=_OVERFLOW_SHADE, name=overflow_name)
    kink_line = dict(color=COLOURS["kink"], dash="dot", width=1.5)
    for at, *_ in kinks:
        fig.add_vline(x=at, line=kink_line, layer="below")
    if len(kinks):
        fig.add_scatter(x=[None], y=[None], mode="lines", name=kink_name, hoverinfo="skip",
                        line=kink_line, row=2, col=1)
        xs = [k[0] for k in kinks for _ in range(2)]
        ys = [v for k in kinks for v in (k[1], k[2])]
        fig.add_scatter(x=xs, y=ys, mode="markers", name=limit_name, meta="kink_limits",
                        row=2, col=1, cliponaxis=False,
                        marker=dict(symbol="circle-open", size=11, color=COLOURS["df"],
                                    line=dict(width=2.5, color=COLOURS["df"])),
                        hovertemplate="x = %{x:.10g}<br>%{y:.10g}<extra>" + limit_name
                        + "</extra>")
        shown = [(k[0], k[3]) for k in kinks if np.isfinite(k[3])]
        if shown:
            fig.add_scatter(x=[s[0] for s in shown], y=[s[1] for s in shown], mode="markers",
                            name=value_name, meta="kink_value", row=2, col=1, cliponaxis=False,
                            marker=dict(symbol="circle", size=9, color=COLOURS["df"]),
                            hovertemplate="x = %{x:.10g}<br>%{y:.10g}<extra>" + value_name
                            + "</extra>")
    return fig


# --- predict, then reveal ---


def answer_bars(labels, values, *, highlight: int | None = None, log_y: bool = False,
                title: str = "", y: str = "", height: int = 320) -> go.Figure:
    """One bar per label, each with its value written on it; the right answer's bar (highlight)
    in green with a dark outline and a ✓, the others grey. On a log axis a value of 0 (the
    complex step's error) is drawn at a floor below the smallest positive value and still
    labelled 0."""
    values = np.asarray(values, dtype=np.float64)
    shown = values
    if log_y:
        positive = values[values > 0]
        floor = float(positive.min()) / 100 if positive.size else 1e-17
        shown = np.where(values > 0, values, floor)
    marks = ["✓ " if i == highlight else "" for i in range(values.size)]
    trace = dict(
        type="bar", x=list(labels), y=shown, showlegend=False, cliponaxis=False,
        text=[f"{m}{v:.3g}" for m, v in zip(marks, values, strict=True)], textposition="outside",
        marker=dict(color=[COLOURS["numerical"] if m else COLOURS["kink"] for m in marks],
                    line=dict(color=["#000000" if m else "rgba(0,0,0,0)" for m in marks],
                              width=2)),
        hovertemplate="%{x}: %{text}<extra></extra>")
    layout = _layout(title=title, y=y, height=height)
    if log_y:
        layout["yaxis"].update(type="log", exponentformat="power")
    return _figure([trace], layout)
