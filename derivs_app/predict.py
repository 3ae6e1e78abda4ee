"""Predict, then reveal: a page asks its questions (derivs_app/views/questions.py) before it
shows the answers, with ``predict.ask("<page>")`` (or question ids).

Each question is a collapsed expander holding a radio group with no default and a Commit
button: choosing with the mouse or the arrow keys sends nothing (``on_change="ignore"``), so
the answer appears only when the learner commits. Then the answer is computed by the core,
with a chart where one helps, the why, and whether the choice was right. The choice lives in
session state only, never in the URL: a shared link does not give the answer away.

Links: ``?q=<id>`` opens that question, first and highlighted (its container has the key
``q_<id>``, the CSS class ``st-key-q_<id>``); ``&reveal=1`` also shows its answer (without q,
every answer on the page), for a teacher who projects the answers.

Each question is its own fragment: committing redraws only that question, not the page.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import streamlit as st

from derivs_app import figures, ui
from derivs_app.i18n import TEXT, t
from derivs_app.views.playground import plain_markdown
from derivs_app.views.questions import (
    QUESTIONS,
    Bars,
    Curves,
    GradientBars,
    Heatmap,
    Question,
    Reveal,
    answer,
    linked_first,
    questions_on,
)

LINK = "q"  # URL key: the question a link opens
REVEAL = "reveal"  # URL key: reveal=1 shows the answers
_YES = ("1", "true", "yes")
_HIGHLIGHT = "#0072B2"  # Okabe-Ito blue, the app's f colour


def container_key(qid: str) -> str:
    """The key (and CSS class st-key-<key>) of the question's expander: a link's anchor."""
    return f"q_{qid}"


def choice_key(qid: str) -> str:
    return f"q_{qid}_choice"


def committed_key(qid: str) -> str:
    return f"q_{qid}_committed"


def _empty_key(qid: str) -> str:
    return f"q_{qid}_empty"


# --- what the link asks for ------------------------------------------------------------------


def _resolve(names) -> list[Question]:
    """Each name is a page (all its questions) or a question id."""
    found: list[Question] = []
    for name in names:
        for q in ([QUESTIONS[name]] if name in QUESTIONS else questions_on(name)):
            if q not in found:
                found.append(q)
    if not found:
        raise KeyError(f"no questions for {names!r}")
    return found


def _linked(questions: list[Question]) -> str | None:
    """The id a link names, if it is one of these questions; a word where it is not."""
    raw = st.query_params.get(LINK)
    if raw is None:
        return None
    if any(q.id == raw for q in questions):
        return raw
    if raw in QUESTIONS:
        page = QUESTIONS[raw].page
        title = ui.tr(f"nav.{page}") if f"nav.{page}" in TEXT else page
        lang = "&lang=zh" if ui.lang() == "zh" else ""
        st.info(ui.tr("q.elsewhere", id=raw) + f" [{title}]({page}?{LINK}={raw}{lang})",
                icon=":material/link:")
    else:
        st.warning(ui.tr("q.unknown", id=plain_markdown(raw[:40])), icon=":material/link_off:")
    return None


def _reveal_asked() -> bool:
    raw = st.query_params.get(REVEAL)
    if raw is None:
        return False
    if raw.lower() in _YES:
        return True
    st.warning(ui.tr("q.bad_reveal", value=plain_markdown(raw[:20])),
               icon=":material/link_off:")
    return False


def share_link(q: Question) -> str:
    """The address of this question on its page, in the reader's language (no answer in it)."""
    try:
        url = urlsplit(st.context.url or "")
    except Exception:  # noqa: BLE001 (no browser context, e.g. under AppTest)
        url = None
    base = f"{url.scheme}://{url.netloc}/{q.page}" if url and url.netloc else q.page
    return f"{base}?{LINK}={q.id}" + ("&lang=zh" if ui.lang() == "zh" else "")


# --- the component ---------------------------------------------------------------------------


def ask(*names: str) -> None:
    """The questions of these pages (or these question ids) under one heading, collapsed; a
    linked one (q=<id>) first, open and highlighted; reveal=1 shows answers."""
    questions = _resolve(names)
    ui.used_in_link(LINK)
    ui.used_in_link(REVEAL)
    linked = _linked(questions)
    reveal = _reveal_asked()
    st.subheader(ui.tr("q.heading"))
    if not ui.presenting():  # the teacher says it
        st.caption(ui.tr("q.intro"))
    if linked is not None:
        key = container_key(linked)
        st.html(f"<style>.st-key-{key} details {{ border: 3px solid {_HIGHLIGHT}; }}</style>")
    ordered = linked_first(questions, linked)
    # side by side on a projector: one row, so that the chart below stays on the first screen
    places = st.columns(len(ordered)) if ui.presenting() else [st.container()] * len(ordered)
    for q, place in zip(ordered, places, strict=True):
        is_linked = q.id == linked
        with place:
            _question(q, is_linked, reveal and (linked is None or is_linked))


def _label(q: Question, option: str) -> str:
    return ui.tr(q.option_key(option))


def _commit(qid: str) -> None:
    choice = st.session_state.get(choice_key(qid))
    if choice is None:
        st.session_state[_empty_key(qid)] = True
    else:
        st.session_state[committed_key(qid)] = choice
        st.session_state.pop(_empty_key(qid), None)


def _reset(qid: str) -> None:
    st.session_state.pop(committed_key(qid), None)
    st.session_state[choice_key(qid)] = None


@ui.fragment
def _question(q: Question, linked: bool, shown_by_link: bool) -> None:
    committed = st.session_state.get(committed_key(q.id))
    # no icon: a material icon is a word (its ligature) that a screen reader would read out
    with st.expander(ui.tr(q.key("title")), expanded=linked, key=container_key(q.id)):
        if linked:
            st.caption(ui.tr("q.linked"))
        if committed is None:
            lang = ui.lang()  # read now: the labels must not depend on when they are formatted
            st.radio(ui.tr(q.key("prompt")), q.options, index=None, key=choice_key(q.id),
                     format_func=lambda o: t(q.option_key(o), lang), on_change="ignore")
            st.button(ui.tr("q.commit"), key=f"q_{q.id}_commit", on_click=_commit,
                      args=(q.id,), type="primary")
            if st.session_state.pop(_empty_key(q.id), False):
                st.info(ui.tr("q.choose_first"), icon=":material/touch_app:")
        else:
            _committed(q, committed, answer(q.id).correct)
        if committed is not None or shown_by_link:
            _answer(q, answer(q.id), committed)
        if committed is not None:
            st.button(ui.tr("q.reset"), key=f"q_{q.id}_reset", on_click=_reset, args=(q.id,))
        # text, not st.code (the pages' code blocks are the source they run), and not a caption:
        # a caption fades inline code below 4.5:1
        st.markdown(f"{ui.tr('q.share')} `{share_link(q)}`")


def _committed(q: Question, committed: str, correct: str) -> None:
    """The question and its options as text, the learner's choice and the answer marked (a
    disabled radio would not show the choice: Streamlit redraws it empty)."""
    lines = [ui.tr(q.key("prompt")), ""]
    for option in q.options:
        marks = [ui.tr("q.mark_right")] if option == correct else []
        marks += [ui.tr("q.mark_yours")] if option == committed else []
        lines.append(f"- {_label(q, option)}" + (f" ({'; '.join(marks)})" if marks else ""))
    st.markdown("\n".join(lines))


def _answer(q: Question, r: Reveal, committed: str | None) -> None:
    right = _label(q, r.correct)
    if committed is None:
        st.info(ui.tr("q.shown", answer=right), icon=":material/visibility:")
    elif committed == r.correct:
        st.success(ui.tr("q.right", answer=right), icon=":material/check_circle:")
    else:
        st.info(ui.tr("q.wrong", choice=_label(q, committed), answer=right),
                icon=":material/lightbulb:")
    st.markdown(ui.tr(q.key("answer"), correct=right, **r.values))
    if r.chart is not None:
        _chart(q, r.chart)
    st.markdown(f"**{ui.tr('q.why')}** {ui.tr(q.key('why'))}")


def _chart(q: Question, chart) -> None:
    title, key, alt = ui.tr(q.key("title")), f"q_{q.id}_chart", None
    if isinstance(chart, Curves):
        fig = figures.compare_figure(chart.x, chart.curves, peaks=chart.peaks, title=title,
                                     x_title=chart.x_title, y_title=chart.y_title)
    elif isinstance(chart, Bars):
        labels = [_label(q, b) for b in chart.labels] if chart.label_keys else list(chart.labels)
        fig = figures.answer_bars(labels, chart.values, highlight=chart.highlight,
                                  log_y=chart.log_y, title=title, y=chart.y_title)
        # the true values (a log axis draws a 0 at its floor)
        alt = ui.tr("alt.chart", title=title) + " " + ui.tr(
            "alt.bars", name="", values=", ".join(f"{label}: {v:.3g}" for label, v in
                                                  zip(labels, chart.values, strict=True)))
    elif isinstance(chart, Heatmap):
        fig = figures.jacobian_heatmap(chart.jacobian, chart.s, 1.0,
                                       show_values=len(chart.s) <= 6, title=title, height=360)
    elif isinstance(chart, GradientBars):
        fig = figures.gradient_bars(chart.components, chart.analytical, chart.numerical,
                                    analytic_name=ui.tr("q.notes_name" if chart.notes
                                                        else "common.analytic"),
                                    numerical_name=ui.tr("common.numerical"), title=title,
                                    y="∂L/∂ŷ", notes=chart.notes)
    else:
        raise TypeError(f"no figure for {type(chart).__name__}")
    ui.chart(fig, key=key, alt=alt)
