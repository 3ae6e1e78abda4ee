"""Hello-world Streamlit app: the cold-start baseline for bench/coldstart.py."""

import plotly.graph_objects as go
import streamlit as st

st.write("hello")
st.plotly_chart(go.Figure(go.Scatter(x=[0, 1, 2], y=[0, 1, 0], mode="lines")), key="chart")
