"""Charts that speak: a text alternative for every figure, written from the figure's own data,
so it says what the chart shows now and changes when the chart does (a screen reader hears it
instead of the tick numbers). ui.chart passes it as st.plotly_chart's alt."""

from __future__ import annotations

import re

import numpy as np

from derivs_app.i18n import t

MAX_CHARS = 900  # a screen reader reads all of it: a summary, not a dump
TABLE_ROWS = 11  # rows per curve in "show the data"


_TAG = re.compile(r"<[^>]+>")


def _plain(text) -> str:
    """A trace name without its HTML (s<sub>1</sub> → s1): the reader hears text."""
    return _TAG.sub("", str(text or ""))


def _num(value) -> str:
    return f"{float(value):.4g}"


def _values(array) -> np.ndarray:
    if array is None:
        return np.array([], dtype=float)
    try:
        return np.asarray(array, dtype=float).ravel()
    except (TypeError, ValueError):
        return np.array([], dtype=float)


def _named(trace) -> bool:
    return bool(trace.name) and trace.showlegend is not False


def _curve(trace, lang: str) -> str | None:
    x, y = _values(trace.x), _values(trace.y)
    if x.size != y.size or not x.size:
        return None
    finite = np.isfinite(x) & np.isfinite(y)
    if not finite.any():
        return None  # a legend-only entry (a shaded zone): nothing to read out
    x, y = x[finite], y[finite]
    if x.size == 1:
        return t("alt.point", lang, name=trace.name, x=_num(x[0]), y=_num(y[0]))
    lo, hi = int(np.argmin(y)), int(np.argmax(y))
    return t("alt.curve", lang, name=trace.name, x0=_num(x.min()), x1=_num(x.max()),
             ymin=_num(y[lo]), xmin=_num(x[lo]), ymax=_num(y[hi]), xmax=_num(x[hi]))


def _heatmap(trace, lang: str) -> str | None:
    z = np.asarray(trace.z, dtype=float)
    if z.ndim != 2 or not z.size:
        return None
    return t("alt.heatmap", lang, name=trace.name or "", rows=z.shape[0], cols=z.shape[1],
             zmin=_num(np.nanmin(z)), zmax=_num(np.nanmax(z)))


def _bars(trace, lang: str) -> str | None:
    y = _values(trace.y)
    labels = list(trace.x) if trace.x is not None else list(range(1, y.size + 1))
    if not y.size:
        return None
    shown = ", ".join(f"{label}: {_num(v)}" for label, v in zip(labels[:12], y[:12], strict=False))
    return t("alt.bars", lang, name=trace.name or "", values=shown)


def describe(fig, lang: str) -> str:
    """What the figure shows, in lang: its title, then each named series' range and extremes,
    single points (probes) by their coordinates, heatmaps by size and value range."""
    title = fig.layout.title.text or ""
    parts = [t("alt.chart", lang, title=title.replace("<br>", " "))] if title else []
    for trace in fig.data:
        if trace.type == "heatmap":
            part = _heatmap(trace, lang)
        elif trace.type == "bar":
            part = _bars(trace, lang)
        elif trace.type == "scatter" and _named(trace):
            part = _curve(trace, lang)
        else:
            part = None
        if part:
            parts.append(_plain(part))
    text = " ".join(parts) or t("alt.no_data", lang)
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1] + "…"


def data_rows(fig) -> list[dict]:
    """The chart's data as table rows for "show the data": each named curve sampled at
    TABLE_ROWS points, each bar, each heatmap row."""
    rows: list[dict] = []
    for trace in fig.data:
        if trace.type == "heatmap":
            z = np.asarray(trace.z, dtype=float)
            if z.ndim == 2:  # one column per matrix column (sampled past TABLE_ROWS)
                pick_i = np.unique(np.linspace(0, z.shape[0] - 1, min(TABLE_ROWS, z.shape[0])).astype(int))
                pick_j = np.unique(np.linspace(0, z.shape[1] - 1, min(TABLE_ROWS, z.shape[1])).astype(int))
                rows += [{"series": _plain(trace.name), "row": int(i) + 1,
                          **{f"col {j + 1}": _num(z[i, j]) for j in pick_j}} for i in pick_i]
        elif trace.type in ("scatter", "bar") and (_named(trace) or trace.type == "bar"):
            x, y = _values(trace.x), _values(trace.y)
            if x.size != y.size or not x.size:
                continue
            pick = np.unique(np.linspace(0, x.size - 1, min(TABLE_ROWS, x.size)).astype(int))
            rows += [{"series": _plain(trace.name), "x": _num(x[i]), "y": _num(y[i])}
                     for i in pick]
    # one table, one header: every row gets every column (a heatmap beside a scatter)
    columns = list(dict.fromkeys(key for row in rows for key in row))
    return [{key: row.get(key, "") for key in columns} for row in rows]
