"""Shared by the page tests: run a page file with AppTest, check it is clean, read its charts.

A page file is run alone (AppTest's switch_page would skip app.py's sidebar anyway); the
language goes in session state as app.py's picker would put it, the rest in the URL."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from derivs_app.i18n import TEXT

ROOT = Path(__file__).resolve().parent.parent


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


def open_page(page: str, lang: str = "en", timeout: float = 60, **params) -> AppTest:
    """Run pages/<page>.py once, in lang, with params as the URL's query parameters."""
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=timeout)
    if lang != "en":
        at.session_state["lang"] = lang
    for key, value in params.items():  # a list stays a list: a repeated URL parameter
        at.query_params[key] = value if isinstance(value, list) else str(value)
    return at.run()


def assert_clean(at: AppTest, *, errors_expected: bool = False) -> None:
    """No exception, no error unless expected, and no text key shown without its text."""
    assert not at.exception, [e.value for e in at.exception]
    if not errors_expected:
        assert not at.error, [e.value for e in at.error]
    shown = [m.value for m in (*at.markdown, *at.caption, *at.info, *at.warning, *at.error)]
    assert not [s for s in shown if "⟦" in s], "a text key has no text"
    # every URL parameter a test passes must be one the page takes (ui.py says when it is not)
    refused = [w.value for w in at.warning if w.value.startswith(BAD_LINK_PREFIXES)]
    assert not refused, refused


#: How ui.py's warning about a URL value a widget refused begins, in each language.
BAD_LINK_PREFIXES = tuple(text.split("{")[0] for text in TEXT["common.bad_link"])


def markdown_tables(at: AppTest) -> list[pd.DataFrame]:
    """Every markdown table on the page (ui.table), cells as the text shown (pipes unescaped)."""
    tables = []
    for element in at.markdown:
        lines = [line for line in element.value.splitlines() if line.startswith("|")]
        if len(lines) < 2 or not set(lines[1]) <= set("|-: "):
            continue
        def cells(line: str) -> list[str]:
            parts = re.split(r"(?<!\\)\|", line.strip())[1:-1]
            return [part.strip().replace("\\|", "|") for part in parts]
        tables.append(pd.DataFrame([cells(line) for line in lines[2:]], columns=cells(lines[0])))
    return tables
