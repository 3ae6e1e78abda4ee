"""Your own function: type f(x), get f′ from sympy, plot both, check a derivative by hand.

The one page where a stranger's text reaches the server (also through a shared link): it only
ever goes to derivs.expression.parse_expression, here or in the sandbox's worker process, and
the symbolic work is shared fairly between sessions (this session's id goes with each job).
"""

from functools import partial

import numpy as np
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from derivs.expression import FUNCTIONS, ExpressionError
from derivs.sandbox import warm_up
from derivs_app import figures, predict, ui
from derivs_app.formatting import digits
from derivs_app.views.playground import (
    ATOL,
    DEFAULT_FORMULA,
    EXAMPLES,
    GRID_POINTS,
    RTOL,
    SYMBOLIC_MEMORY_MB,
    SYMBOLIC_TIMEOUT,
    X_LIMIT,
    analyse_formula,
    caret_excerpt,
    check_derivative,
    compiled,
    curves,
    explanation,
    fenced,
    formula_latex,
    parse_formula,
    plain_markdown,
    probe,
    refusal_kind,
)

# --- small display helpers (formatting only) ---------------------------------------------------


_num = partial(digits, significant=10)
_short = partial(digits, significant=4)


def _session() -> str | None:
    """This browser session's id: the sandbox shares its workers fairly between sessions."""
    ctx = get_script_run_ctx(suppress_warning=True)
    return ctx.session_id if ctx is not None else None


def _where(spans, limit: int = 4) -> str:
    """'x = 0' or '−5 ≤ x ≤ 0' for each span, the first few of them."""
    parts = [ui.tr("fn.where_point", x=_short(a)) if a == b
             else ui.tr("fn.where_span", lo=_short(a), hi=_short(b)) for a, b in spans[:limit]]
    if len(spans) > limit:
        parts.append(ui.tr("fn.where_more", count=len(spans) - limit))
    return ", ".join(parts)


def _detail(error: ExpressionError) -> str:
    """The refusal in the page's language where the app words it itself, else the library's
    English under "The parser says:"; markdown-escaped either way (it quotes the user)."""
    own = explanation(error)
    if own is not None:
        key, values = own
        return ui.tr(key, **values)
    return ui.tr("fn.parser_says") + " " + plain_markdown(str(error))


def _show_refusal(heading_key: str, error: ExpressionError, text: str, *,
                  timeout_key: str = "fn.timeout", busy_key: str = "fn.busy") -> None:
    """A translated heading, then what is wrong, and the text with a caret under the column
    in a code block. Timeouts and a busy server have their own words."""
    kind = refusal_kind(error)
    if kind == "timeout":
        st.warning(ui.tr(timeout_key, seconds=f"{SYMBOLIC_TIMEOUT:g}"), icon=":material/timer:")
        return
    if kind == "busy":
        st.warning(ui.tr(busy_key), icon=":material/hourglass_top:")
        return
    caret = caret_excerpt(text, error.column)
    body = _detail(error) + (f"\n\n{fenced(caret)}" if caret else "")
    heading = ui.tr(heading_key, mb=f"{SYMBOLIC_MEMORY_MB:g}", seconds=f"{SYMBOLIC_TIMEOUT:g}")
    if kind == "limit":
        st.warning(heading + "\n\n" + body, icon=":material/memory:")
    else:
        st.error(heading + "\n\n" + body, icon=":material/block:")


def _evaluable(expr, heading_key: str, text: str) -> bool:
    """Whether numpy can evaluate expr (a huge derivative is refused); if not, say why."""
    try:
        compiled(expr)
    except ExpressionError as error:
        _show_refusal(heading_key, error, text)
        return False
    return True


# --- the formula -------------------------------------------------------------------------------


def _use_example() -> None:
    """A clicked example becomes the formula; the old f′ to check belonged to the old f."""
    choice = st.session_state.get("fn_ex")
    if choice:
        st.session_state["fn"] = choice
        st.session_state["fn_mine"] = ""
    st.session_state["fn_ex"] = None


def _formula_input() -> str:
    # The examples are actions, not state: they write the bound text box, which is the state.
    st.pills(ui.tr("fn.examples"), EXAMPLES, key="fn_ex", on_change=_use_example)
    return ui.text(ui.tr("fn.formula"), "fn", DEFAULT_FORMULA,
                   help=ui.tr("fn.formula_help", functions=", ".join(sorted(FUNCTIONS))))


def _symbolic(text: str):
    """sympy's f′ (in the worker) shown in LaTeX; None, with the reason shown, if it fails."""
    try:
        analysis = analyse_formula(text, _session())
    except ExpressionError as error:
        kind = refusal_kind(error)
        _show_refusal("fn.limit" if kind == "limit" else "fn.df_refused", error, text)
        return None
    st.markdown(ui.tr("fn.read_as"))
    ui.latex(f"f(x) = {analysis.f_latex}")
    ui.latex(f"f'(x) = {analysis.df_latex}")
    if analysis.simplified_latex:
        st.caption(ui.tr("fn.simplified"))
        ui.latex(f"f'(x) = {analysis.simplified_latex}")
    return analysis.df_expr if _evaluable(analysis.df_expr, "fn.limit", text) else None


# --- the plot and the probe --------------------------------------------------------------------


def _controls():
    cols = st.columns(3)
    with cols[0]:
        lo = ui.number(ui.tr("fn.lo"), "fn_lo", -5.0, -X_LIMIT, X_LIMIT, step=1.0, format="%g")
    with cols[1]:
        hi = ui.number(ui.tr("fn.hi"), "fn_hi", 5.0, -X_LIMIT, X_LIMIT, step=1.0, format="%g")
    with cols[2]:
        x0 = ui.number(ui.tr("fn.x0"), "fn_x0", 1.0, -X_LIMIT, X_LIMIT, step=0.1, format="%g")
    return float(lo), float(hi), float(x0)


def _plot_section(plotted, at) -> None:
    probe_df = at.df if plotted.df is not None and at.kink is None else at.numerical
    fig = figures.function_kinks_figure(
        plotted.x, plotted.f, plotted.df, plotted.numerical,
        f_name=ui.tr("fn.f"), df_name=ui.tr("fn.df"), numerical_name=ui.tr("fn.numerical"),
        undefined=plotted.undefined, undefined_name=ui.tr("fn.undefined_name"),
        probe=(at.x0, at.f, np.nan if at.kink is not None else probe_df),
        f_range=plotted.f_range, df_range=plotted.df_range,
        overflow=plotted.overflow + plotted.beyond, overflow_name=ui.tr("fn.overflow_name"),
        kinks=[(k.at, k.left, k.right, k.value) for k in plotted.kinks],
        kink_name=ui.tr("fn.kink_name"), limit_name=ui.tr("fn.kink_limit"),
        value_name=ui.tr("fn.kink_value"),
    )
    ui.chart(fig, key="fn_chart")
    if plotted.undefined:
        st.info(ui.tr("fn.undefined_note", where=_where(plotted.undefined)),
                icon=":material/block:")
    if plotted.overflow:
        note = ui.tr("fn.overflow_note", where=_where(plotted.overflow))
        if plotted.stable:
            note += " " + ui.tr("fn.stable_hint", form=plain_markdown(plotted.stable))
        st.info(note, icon=":material/trending_up:")
    if plotted.beyond:
        st.info(ui.tr("fn.beyond_note", where=_where(plotted.beyond)),
                icon=":material/trending_up:")
    if plotted.kinks:
        slopes = "; ".join(ui.tr("fn.kink_slopes", x=_short(k.at), left=_short(k.left),
                                 right=_short(k.right)) for k in plotted.kinks[:4])
        st.info(ui.tr("fn.kink_note", where=_where([(k.at, k.at) for k in plotted.kinks]),
                      slopes=slopes), icon=":material/call_split:")
    if plotted.jumps:
        st.info(ui.tr("fn.jumps_note", where=", ".join(_short(j) for j in plotted.jumps[:6])),
                icon=":material/call_split:")
    if plotted.df_undefined:
        st.info(ui.tr("fn.df_undefined_note", where=_where(plotted.df_undefined)),
                icon=":material/call_split:")
    if plotted.df_overflow:
        st.info(ui.tr("fn.df_overflow_note", where=_where(plotted.df_overflow)),
                icon=":material/trending_up:")
    if plotted.cuts:
        st.info(ui.tr("fn.cuts_note", where=", ".join(_short(c) for c in plotted.cuts[:6])),
                icon=":material/vertical_align_center:")
    if plotted.df is None:
        st.caption(ui.tr("fn.no_symbolic"))
    if plotted.f_range or plotted.df_range:
        st.caption(ui.tr("fn.zoom_note"))


def _probe_section(at, symbolic: bool) -> None:
    st.subheader(ui.tr("fn.probe_title", x0=f"{at.x0:g}"))
    if not np.isfinite(at.f):
        if at.overflow:
            st.info(ui.tr("fn.probe_overflow", x0=f"{at.x0:g}", value=_num(at.f_extended)),
                    icon=":material/trending_up:")
        else:
            st.info(ui.tr("fn.probe_undefined", x0=f"{at.x0:g}"), icon=":material/block:")
        return
    cols = st.columns(4)
    readouts = [("fn.probe_f", at.f), ("fn.probe_num", at.numerical)]
    if symbolic:
        readouts.insert(1, ("fn.probe_df", at.df))
    for col, (label, value) in zip(cols, readouts, strict=False):
        col.caption(ui.tr(label))
        col.markdown(f"##### {_num(value)}")
    if at.kink is not None:
        cols[3].caption(ui.tr("common.rel_error"))
        cols[3].markdown("—")
        value = _num(at.kink.value) if symbolic and np.isfinite(at.kink.value) else "—"
        st.warning(ui.tr("fn.probe_kink", x0=f"{at.x0:g}", left=_num(at.kink.left),
                         right=_num(at.kink.right), value=value, numerical=_num(at.numerical)),
                   icon=":material/call_split:")
        return
    if symbolic:
        cols[3].caption(ui.tr("common.rel_error"))
        if np.isfinite(at.rel_error):
            cols[3].markdown(ui.band_text(at.rel_error))
        else:
            cols[3].markdown("—")
            st.caption(ui.tr("fn.probe_no_rel"))
    if at.near_kink is not None:
        st.warning(ui.tr("fn.probe_near_kink", at=_short(at.near_kink)),
                   icon=":material/call_split:")


# --- check my derivative -----------------------------------------------------------------------


def _read_mine(text: str):
    """The learner's f′ parsed (and shown as read), or None with the reason shown."""
    try:
        mine = parse_formula(text)
    except ExpressionError as error:
        _show_refusal("fn.mine_refused", error, text)
        return None
    if not _evaluable(mine, "fn.mine_refused", text):
        return None
    try:
        latex = formula_latex(text, _session())
    except ExpressionError as error:  # only the sandbox can say no here: the text parsed
        _show_refusal("fn.mine_limit", error, text, timeout_key="fn.mine_timeout",
                      busy_key="fn.mine_busy")
    else:
        st.caption(ui.tr("fn.mine_read_as"))
        ui.latex(f"f'(x) = {latex}")
    return mine


def _verdict(result, lo: float, hi: float) -> None:
    if result.agree:
        st.success(ui.tr("fn.check_agree", count=result.compared, lo=f"{lo:g}", hi=f"{hi:g}",
                         max_rel=f"{result.comparison.max_relative_error:.1e}"),
                   icon=":material/check_circle:")
    elif result.counterexample is not None:
        at, mine, true = result.counterexample
        st.error(ui.tr("fn.check_wrong", x=_num(at), true=_num(true),
                       mine=_num(mine) if np.isfinite(mine) else ui.tr("fn.undefined_value"),
                       bad=result.disagreeing, total=result.total),
                 icon=":material/cancel:")
    else:
        st.warning(ui.tr("fn.check_nothing"), icon=":material/warning:")
    if result.kinks:
        st.info(ui.tr("fn.check_kinks", count=len(result.kinks)), icon=":material/call_split:")


@ui.fragment
def _check_section(f_expr, df_expr, plotted, lo: float, hi: float) -> None:
    """Typing an f′ reruns only this part."""
    st.header(ui.tr("fn.check_title"))
    st.markdown(ui.tr("fn.check_intro", n=GRID_POINTS, atol=f"{ATOL:g}", rtol=f"{RTOL:g}"))
    text = ui.text(ui.tr("fn.mine"), "fn_mine")
    if not text.strip():
        st.info(ui.tr("fn.mine_empty", example="3*x^2  (f = x^3)"), icon=":material/edit:")
        return
    mine = _read_mine(text)
    if mine is None:
        return
    if df_expr is None:
        st.info(ui.tr("fn.check_needs_df"), icon=":material/info:")
        return
    result = check_derivative(f_expr, df_expr, mine, plotted, lo, hi)
    _verdict(result, lo, hi)
    fig = figures.derivative_check_figure(
        plotted.x, plotted.df, result.mine, true_name=ui.tr("fn.check_true"),
        mine_name=ui.tr("fn.check_mine"), regions=result.regions,
        region_name=ui.tr("fn.check_region"), kinks=result.kinks,
        kink_name=ui.tr("fn.check_kink"), counterexample=result.counterexample,
        counterexample_name=ui.tr("fn.check_counter"), y_range=result.y_range,
        title=ui.tr("fn.check_chart"),
    )
    ui.chart(fig, key="fn_check_chart")


# --- the page ----------------------------------------------------------------------------------


def render() -> None:
    warm_up()  # the worker imports sympy while this run reads the widgets
    st.title(ui.tr("nav.playground"))
    ui.prose("fn.intro")
    text = _formula_input()
    if not ui.presenting():
        st.caption(ui.tr("fn.safety", seconds=f"{SYMBOLIC_TIMEOUT:g}",
                         mb=f"{SYMBOLIC_MEMORY_MB:g}"))
    try:
        f_expr = parse_formula(text)
    except ExpressionError as error:
        _show_refusal("fn.refused", error, text)
        return
    if not _evaluable(f_expr, "fn.refused", text):
        return
    # On a projector the chart comes straight after the box, the formulas under it (so that it
    # is on the first screen); sympy's f′ is needed first either way.
    formulas_before, plot_area, formulas_after = st.container(), st.container(), st.container()
    with formulas_after if ui.presenting() else formulas_before:
        df_expr = _symbolic(text)
    with plot_area:
        st.header(ui.tr("fn.plot_title"))
        lo, hi, x0 = _controls()
        if not lo < hi:
            st.warning(ui.tr("fn.bad_range", lo=f"{lo:g}", hi=f"{hi:g}"),
                       icon=":material/warning:")
            return
        plotted = curves(f_expr, df_expr, lo, hi)
        at = probe(f_expr, df_expr, x0, plotted.kinks)
        _plot_section(plotted, at)
    predict.ask("playground")  # after the key chart, as on the other pages
    _probe_section(at, symbolic=df_expr is not None)
    _check_section(f_expr, df_expr, plotted, lo, hi)
    st.caption(ui.tr("common.share"))


render()
