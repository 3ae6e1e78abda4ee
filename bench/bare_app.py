"""Baseline page for the latency benchmarks and the browser-harness tests.

One keyed slider bound to the URL and one plain plotly line of 1000 points that depends on it:
the least a page of the real app can do. Benchmarks report the real pages as ratios to this one.
"""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

st.set_page_config(page_title="bare", layout="wide")

a = st.slider("a", min_value=0.0, max_value=5.0, value=1.0, step=0.1, key="a", bind="query-params")

x = np.linspace(-5.0, 5.0, 1000)
fig = go.Figure(go.Scatter(x=x, y=np.sin(a * x), mode="lines", name="sin(a x)"))
fig.update_layout(height=400, margin=dict(l=40, r=20, t=30, b=40))
st.plotly_chart(fig, key="chart")
