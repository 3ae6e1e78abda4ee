"""Home: what each page teaches, and the notes' formulas in their correct form."""

import streamlit as st

from derivs.symbolic import activation_latex, loss_latex, softmax_latex
from derivs_app import ui


def render() -> None:
    st.title(ui.tr("app.title"))
    ui.prose("home.intro")

    st.header(ui.tr("home.pages"))
    for page in ("activations", "softmax", "losses", "gradcheck", "playground"):
        st.markdown("- " + ui.tr(f"home.{page}"))

    st.header(ui.tr("home.errata"))
    ui.prose("home.errata_intro")
    mse, ce, smx = loss_latex("mse"), loss_latex("cross_entropy"), softmax_latex()
    sig = activation_latex("sigmoid")
    rows = [
        ("home.mse", rf"\frac{{\partial L}}{{\partial {mse['wrt']}}} = {mse['notes_grad']}",
         rf"\frac{{\partial L}}{{\partial {mse['wrt']}}} = {mse['grad']}"),
        ("home.ce", rf"\frac{{\partial L}}{{\partial {ce['wrt']}}} = {ce['notes_grad']}",
         rf"\frac{{\partial L}}{{\partial {ce['wrt']}}} = {ce['grad']}"),
        ("home.jac", smx["notes_matrix"], smx["jacobian_matrix"]),
        ("home.stable", rf"\sigma' = {sig['df_via_output']}", rf"\sigma' = {sig['df']}"),
    ]
    # Each pair is one bordered row with its own labels (✗ the notes / ✓ correct): on a phone the
    # columns stack, and a label on each formula keeps the wrong one from passing for the right.
    for text_key, notes, correct in rows:
        with st.container(border=True):
            st.markdown(ui.tr(text_key))
            left, right = st.columns(2)
            left.markdown(f":red[✗ **{ui.tr('home.col_notes')}**]")
            left.latex(notes)
            right.markdown(f":green[✓ **{ui.tr('home.col_correct')}**]")
            right.latex(correct)
    st.caption(ui.tr("common.share"))


render()
