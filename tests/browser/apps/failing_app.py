"""A page that fails in every way a page can: at the top level (through app.py's guard), inside
a fragment, and past the guards (Streamlit's own handling). Served with the project's
.streamlit/config.toml to show that no server path or source line reaches the browser."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

import streamlit as st  # noqa: E402

from derivs_app import ui  # noqa: E402

SECRET = str(Path(__file__).resolve())  # what must not be shown


@ui.fragment
def fragment_part():
    raise ValueError(f"inside a fragment, in {SECRET}")


def top_level_part():
    raise RuntimeError(f"at the top level, in {SECRET}")


st.title("failing app")
ui.guarded(top_level_part)()
fragment_part()
raise KeyError(f"unguarded, in {SECRET}")  # Streamlit's own error display: showErrorDetails
