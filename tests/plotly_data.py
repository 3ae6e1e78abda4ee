"""Reading plotly figures back from AppTest, shared by the page tests."""

from __future__ import annotations

import base64
import json

import numpy as np


def chart_specs(at) -> list[dict]:
    """Every plotly chart on the page, as the JSON spec Streamlit sends to the browser."""
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def decode(array) -> np.ndarray:
    """A plotly array as float64: typed ({"dtype": "f4", "bdata": base64}) or a list, where
    None (a gap) becomes NaN."""
    if isinstance(array, dict):
        raw = np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
        return raw.astype(np.float64)
    return np.array([np.nan if v is None else v for v in array], dtype=np.float64)
