"""Every plotly figure the app draws, built from core data. The one module that imports plotly.

Conventions: functions take plain numbers/arrays (already computed by the core) plus display
strings, and return a ``go.Figure``; they never compute maths beyond layout. Dense curves are
sent as float32 to keep each page's payload small (the exact float64 numbers appear in the
readouts, not in the line's 7th digit).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

# One palette for the whole app, readable in light and dark themes and on a projector.
COLOURS = {
    "f": "#1f5fbf",  # function: blue
    "df": "#d9480f",  # derivative: orange
    "numerical": "#2b8a3e",  # finite differences: green
    "notes": "#c2255c",  # the notes' (wrong or fragile) form: magenta
    "kink": "#868e96",  # kinks and reference lines: grey
    "shade": "rgba(250, 176, 5, 0.18)",  # vanishing-gradient zones: amber
}
FONT_SIZE = 15


def dense(values) -> np.ndarray:
    """float32 for plotted curves: half the bytes of float64, invisible at screen resolution."""
    return np.asarray(values, dtype=np.float32)


def base_layout(fig: go.Figure, *, title: str = "", x: str = "", y: str = "",
                height: int = 380) -> go.Figure:
    fig.update_layout(
        title=dict(text=title, x=0.01, xanchor="left"),
        height=height,
        margin=dict(l=10, r=10, t=50 if title else 20, b=10),
        font=dict(size=FONT_SIZE),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0),
        hovermode="closest",
    )
    fig.update_xaxes(title_text=x, zeroline=True)
    fig.update_yaxes(title_text=y, zeroline=True)
    return fig
