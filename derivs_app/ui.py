"""The app's one helper module for shared widgets: language, URL-bound controls, badges.

Every control is keyed and bound to the URL (``bind="query-params"``), so the address bar is the
state: a shared link restores the exact view. Defaults are dropped from the URL by Streamlit.
"""

from __future__ import annotations

import functools
import gc
import inspect
import logging
import sys
import uuid

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from derivs import error_band
from derivs_app import figures  # (loaded before the gc.freeze below, like the rest)
from derivs_app.describe import data_rows, describe
from derivs_app.i18n import DEFAULT_LANGUAGE, LANGUAGES, language_from_locale, localized_latex, t
from derivs_app.views.playground import plain_markdown

# A full garbage collection costs in proportion to every object alive in the process, and
# sympy, scipy and plotly leave hundreds of thousands; it holds the GIL, so every visitor waits.
# Freezing what the imports made moves it out of the collector's sight (Streamlit's own
# collection after each rerun is off: .streamlit/config.toml, runner.postScriptGC), and each
# page's first run freezes what its own imports added (freeze_new_imports).
gc.freeze()
_modules_frozen = 0


def freeze_new_imports() -> None:
    """After a run that imported modules (a page's first visit), freeze what they made. A few
    times per process: the count of modules only grows until every page has been seen."""
    global _modules_frozen
    if len(sys.modules) != _modules_frozen:
        _modules_frozen = len(sys.modules)
        gc.collect()  # garbage is not frozen with the rest
        gc.freeze()

# Until app.py has called st.navigation once, Streamlit treats a folder named pages/ as a
# legacy multipage app: a fresh server's first request for /softmax would run that page alone,
# with no language picker and no navigation (a shared link opened after Community Cloud woke the
# app up). Every script imports this module first, so the first such run switches the legacy
# mode off and reruns, this time through app.py. Checked against streamlit 1.67 (pinned).
if PagesManager.uses_pages_directory:
    PagesManager.uses_pages_directory = False
    st.rerun()

_LOG = logging.getLogger("derivs_app")

_BAND_COLOUR = {"good": "green", "kink": "orange", "doubtful": "orange", "wrong": "red"}


# --- no traceback reaches a browser -----------------------------------------------------------
# .streamlit/config.toml sets client.showErrorDetails = "none", so Streamlit itself never sends
# a server path or a source line. On top of that, a page's unexpected exception becomes a short
# apology with an error id that matches the server's log line (the traceback stays there).
# st.rerun and st.stop raise BaseExceptions, which pass through untouched.


def apologise(error: Exception) -> str:
    """Log error with a fresh id and show the apology; returns the id."""
    error_id = uuid.uuid4().hex[:8]
    _LOG.error("error id %s: %s: %s", error_id, type(error).__name__, error, exc_info=error)
    st.error(tr("common.apology", id=error_id), icon=":material/sentiment_dissatisfied:")
    return error_id


def guarded(fn):
    """fn, with any exception it raises shown as the apology instead of a traceback."""
    @functools.wraps(fn)
    def run(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 (the point: nothing escapes to the browser)
            apologise(error)
            return None

    return run


def fragment(fn):
    """st.fragment (reruns only its own part), guarded: a fragment's rerun does not pass through
    app.py, so it needs its own guard."""
    return st.fragment(guarded(fn))


# The code highlighter's blue (#1c83e1 on #fcfcfb, 3.8:1) is not a theme option: darker token
# colours, 4.5:1 or more, as one style block that app.py adds on every run.
_STYLE = """<style>
.stCode .token.keyword, .stCode .token.function, .stCode .token.builtin { color: #0b5cad; }
.stCode .token.string { color: #1a6e35; }
.stCode .token.number, .stCode .token.boolean { color: #9c4a00; }
.stCode .token.comment { color: #4f5560; }
[data-testid=stCaptionContainer] code { color: #1a6e35 !important; }
@media (min-width: 641px) { [data-testid=stMarkdownContainer] .katex-display { overflow: visible !important; } }
@media (max-width: 640px) { [data-testid=stMarkdownContainer] table { display: block; max-width: 100%; overflow-x: auto;
  background: linear-gradient(to right, #fff 30%, rgba(255,255,255,0)) left / 2rem 100% no-repeat local,
    linear-gradient(to left, #fff 30%, rgba(255,255,255,0)) right / 2rem 100% no-repeat local,
    radial-gradient(farthest-side at 100% 50%, rgba(0,0,0,.25), transparent) right / .8rem 100% no-repeat scroll; } }
[data-testid=stMarkdownContainer] td, [data-testid=stMarkdownContainer] th { white-space: nowrap; }
</style>"""


def house_style() -> None:
    st.html(_STYLE)
    if presenting():
        st.html(_PRESENTER_STYLE)
        st.html(_PRESENTER_KEYS, unsafe_allow_javascript=True)  # our constant script, no input


# --- presenter mode ---------------------------------------------------------------------------
# For a projector: the sidebar starts collapsed (app.py), type is larger, the page is dark, the
# prose that a teacher says aloud is left out (ui.prose), and n / p (or ] / [) step through the
# page's sections. It is a control like any other, so ?present=true opens a link in it.

PRESENT = "present"
_PRESENTER_STYLE = """<style>
html { font-size: 21px !important; }
.stApp, [data-testid=stMain], [data-testid=stHeader], [data-testid=stSidebar],
[data-testid=stBottomBlockContainer] { background-color: #0e1117 !important; }
.stApp, .stApp p, .stApp li, .stApp label, .stApp h1, .stApp h2, .stApp h3, .stApp h4,
.stApp td, .stApp th, .stApp span, [data-testid=stCaptionContainer] { color: #f0f2f6 !important; }
.stApp table td, .stApp table th { border-color: #4a4f5a !important; }
/* buttons and pills stay light in Streamlit's light theme while their label turns light above */
.stApp [data-testid^=stBaseButton-secondary], .stApp [data-testid=stButtonGroup] button {
  background-color: #1f232b !important; border-color: #7a808c !important; }
.stApp [data-testid^=stBaseButton]:disabled { opacity: 0.55; }
/* alerts: success, warning and error boxes are solid light tints in the light theme */
.stApp [data-testid=stAlertContainer]:has([data-testid=stAlertContentSuccess]) {
  background-color: rgba(26, 110, 53, 0.35) !important; }
.stApp [data-testid=stAlertContainer]:has([data-testid=stAlertContentWarning]) {
  background-color: rgba(156, 74, 0, 0.38) !important; }
.stApp [data-testid=stAlertContainer]:has([data-testid=stAlertContentError]) {
  background-color: rgba(179, 38, 30, 0.38) !important; }
/* code: the light box of the light theme would hold the light text set above */
.stApp [data-testid=stCode] pre, .stApp [data-testid=stCode] code {
  background-color: #1b1f27 !important; }
[data-testid=stMainBlockContainer] { padding-top: 3.2rem !important; max-width: 100% !important; }
.stApp h1 { font-size: 1.9rem !important; padding-top: 0 !important; }
.stApp h2 { font-size: 1.35rem !important; padding: 0.4rem 0 0.2rem !important; }
.stApp h3 { font-size: 1.15rem !important; padding: 0.3rem 0 0.1rem !important; }
</style>"""
_PRESENTER_KEYS = """<script>
(() => {
  const doc = window.parent ? window.parent.document : document;
  if (doc.__derivsPresenterKeys) return;
  doc.__derivsPresenterKeys = true;
  doc.addEventListener("keydown", (event) => {
    const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName)
      || event.target.isContentEditable || event.target.getAttribute("role") === "slider";
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    const forward = event.key === "n" || event.key === "]";
    if (!forward && event.key !== "p" && event.key !== "[") return;
    const heads = Array.from(doc.querySelectorAll("[data-testid=stMain] h1, [data-testid=stMain] h2, [data-testid=stMain] h3"));
    if (!heads.length) return;
    const top = (el) => el.getBoundingClientRect().top;
    const next = forward ? heads.find((h) => top(h) > 8) : heads.reverse().find((h) => top(h) < -8);
    if (!next) return;
    event.preventDefault();
    next.setAttribute("tabindex", "-1");
    next.scrollIntoView({ block: "start" });
    next.focus({ preventScroll: true });
  });
})();
</script>"""


_TOUCH = ("Mobi", "Android", "iPhone", "iPad")


def touch_screen() -> bool:
    """The browser says it is a phone or a tablet: no hover, a narrow screen."""
    agent = (st.context.headers or {}).get("User-Agent", "") if st.context.headers else ""
    return any(word in agent for word in _TOUCH)


def presenting() -> bool:
    """Presenter mode is on (its toggle, or ?present=true in the link)."""
    return bool(st.session_state.get(PRESENT, False))


def presenter_toggle() -> bool:
    with st.sidebar:
        return toggle(tr("common.present"), PRESENT, help=tr("common.present_help"))


def prose(key: str, **fmt) -> None:
    """A paragraph of explanation, left out in presenter mode (the teacher says it)."""
    if not presenting():
        st.markdown(tr(key, **fmt))


def lang() -> str:
    return st.session_state.get("lang", DEFAULT_LANGUAGE)


def tr(key: str, **fmt) -> str:
    """The current language's text for key."""
    return t(key, lang(), **fmt)


def method_label(name: str) -> str:
    """A finite-difference method's name in the page's language (the URL keeps the key)."""
    return tr(f"method.{name}")


def labeller(prefix: str):
    """format_func for a choice whose options are keys: the text of prefix.<key>, in the
    language of this run (bound now: Streamlit may call it after the run)."""
    current = lang()
    return lambda key: t(f"{prefix}.{key}", current)


def language_picker() -> str:
    """Sidebar language switch, kept in the URL as ?lang=zh (English, the default, is left out),
    so a shared link opens in the sender's language; ?lang=中文 from older links works too. A
    first visit with no lang in the URL starts from the browser's locale."""
    if "lang" not in st.session_state and "lang" not in st.query_params:
        guess = language_from_locale(st.context.locale)
        if guess != DEFAULT_LANGUAGE:
            st.session_state["lang"] = guess
    with st.sidebar:
        return _bound_choice("lang", list(LANGUAGES), DEFAULT_LANGUAGE, LANGUAGES.get,
                             lambda: st.radio(t("app.language"), list(LANGUAGES),
                                              format_func=LANGUAGES.get, key="lang",
                                              horizontal=True))


# --- widgets kept in the URL -------------------------------------------------------------------
# Streamlit drops a URL value it cannot use (act=Nope, x0=abc, a number out of range) without a
# word and shows the default. A shared link must not do that silently: each wrapper reads its
# key from the URL before the widget does and, when the widget did not take that value, says so.


def _linked(key: str, same, make_widget):
    """make_widget() (a widget bound to key); a warning beside it when the URL gave key a value
    the widget refused. same(raw, value): the URL's raw values mean the widget's value."""
    used_in_link(key)
    # Only while the widget reads the link: once it has state, the URL lags behind the user's
    # own changes until the widget writes them back, and that is no refusal.
    reading_link = key in st.query_params and key not in st.session_state
    raw = st.query_params.get_all(key) if reading_link else None
    value = make_widget()
    kept = key in st.query_params and st.query_params.get_all(key) == raw
    if raw is not None and not kept and not same(raw, value):
        _refused(key, raw)
    return value


def _refused(key: str, raw: list[str]) -> None:
    st.warning(tr("common.bad_link", name=key, value=plain_markdown(" & ".join(raw)[:60])),
               icon=":material/link_off:")


# --- choices kept in the URL by their keys ----------------------------------------------------
# Streamlit's own binding writes a choice's label into the URL (act=Sigmoid σ, act_zoom=×10),
# which a teacher cannot type and which is not ASCII. Choices are bound here instead: the URL
# holds the option's key (act=gelu, loss=huber, act_zoom=10, lang=zh), the same in both
# languages; the labels that older links carried are still read.
_MISSING = object()


def url_text(option) -> str:
    """How an option is written in a link: a registry key as it is, a number as %g."""
    if isinstance(option, str):
        return option
    if isinstance(option, bool):
        return str(option).lower()
    return f"{option:g}"


def _names_option(raw: str, option, format_func) -> bool:
    """raw (one URL value) names option: by its key, its label, its number, or its key typed
    with other capitals (act=GELU)."""
    if raw in (url_text(option), str(format_func(option))):
        return True
    if isinstance(option, str):  # act=GELU, smx_preset=one dominant
        return raw.lower().replace(" ", "_").replace("-", "_") == option.lower()
    try:
        return float(raw.lstrip("×")) == float(option)
    except ValueError:
        return False


def _bound_choice(key: str, options: list, default, format_func, make_widget,
                  multi: bool = False):
    """make_widget() for a choice among options with its value kept in the URL as url_text."""
    used_in_link(key)
    refused = None
    if key not in st.session_state and key in st.query_params:
        raw = st.query_params.get_all(key)
        picked = [next((o for o in options if _names_option(r, o, format_func)), _MISSING)
                  for r in raw if not (multi and r == "")]  # "" is an empty multiselect
        if _MISSING in picked or (not multi and len(picked) != 1):
            refused = raw
        else:
            st.session_state[key] = picked if multi else picked[0]
    value = make_widget()
    if refused is not None:
        _refused(key, refused)
    if (list(value) if multi else value) == (list(default) if multi else default):
        st.query_params.pop(key, None)  # defaults stay out of the URL, as Streamlit does
    elif multi:
        st.query_params[key] = [url_text(v) for v in value] or [""]
    else:
        st.query_params[key] = url_text(value)
    return value


# --- what a link carries that the shown view does not use ---------------------------------------
# A refused value's companions would linger (?act=nope&act_alpha=99 on the Sigmoid page): every
# control registers its key as it is drawn, and after a full run app.py drops the rest.


def used_in_link(key: str) -> None:
    st.session_state.setdefault(_USED, set()).add(key)


def start_link_registry() -> None:
    st.session_state[_USED] = {"lang"}


def drop_unused_link_values() -> None:
    used = st.session_state.get(_USED, set())
    for key in [k for k in st.query_params if k not in used]:
        del st.query_params[key]


_USED = "_derivs_link_keys"


def _same_number(raw, value) -> bool:
    try:
        return len(raw) == 1 and value is not None and float(raw[0]) == float(value)
    except ValueError:
        return False


def _same_label(format_func):
    return lambda raw, value: raw == [str(format_func(value))]


# --- controls whose range follows another control ---------------------------------------------
# Streamlit keeps a keyed widget's value when its bounds or options change, then raises
# (StreamlitValueAboveMaxError: 8.0 > 3.0 after End on x and a narrower function). Every
# wrapper below first brings the kept value into the widget's current range: the nearest bound
# for numbers, the nearest option for an ordered list, the default for a choice that is gone.
# Only a value the session already holds is moved; a link's value is the widget's to refuse.


def _clamp_kept(key: str, low, high) -> None:
    kept = st.session_state.get(key)
    if isinstance(kept, (int, float)) and not isinstance(kept, bool):
        if low is not None and kept < low:
            st.session_state[key] = low
        elif high is not None and kept > high:
            st.session_state[key] = high


def _keep_option(key: str, options: list, *, nearest: bool = False) -> None:
    if key not in st.session_state or st.session_state[key] in options:
        return
    kept = st.session_state[key]
    if nearest and isinstance(kept, (int, float)) and options:
        st.session_state[key] = min(options, key=lambda o: abs(o - kept))
    else:
        del st.session_state[key]  # the widget starts again from its default


def _keep_options(key: str, options: list) -> None:
    kept = st.session_state.get(key)
    if isinstance(kept, list) and any(v not in options for v in kept):
        st.session_state[key] = [v for v in kept if v in options]


def slider(label: str, key: str, low: float, high: float, default: float, step: float, **kw):
    _clamp_kept(key, low, high)
    return _linked(key, _same_number, lambda: st.slider(
        label, min_value=low, max_value=high, value=default, step=step, key=key,
        bind="query-params", **kw))


def select(label: str, options, key: str, format_func=str, **kw):
    """A select box whose URL value is the option itself (a registry key), not its label."""
    options = list(options)
    _keep_option(key, options)
    default = options[kw.get("index", 0)] if options else None
    return _bound_choice(key, options, default, format_func, lambda: st.selectbox(
        label, options, format_func=format_func, key=key, **kw))


def select_slider(label: str, options, key: str, default, format_func=str, **kw):
    """A slider over a fixed list (e.g. log-spaced values); the URL holds the number (%g)."""
    options = list(options)
    _keep_option(key, options, nearest=True)
    return _bound_choice(key, options, default, format_func, lambda: st.select_slider(
        label, options=options, value=default, format_func=format_func, key=key, **kw))


def multiselect(label: str, options, key: str, default=(), format_func=str, **kw) -> list:
    """The URL holds each chosen option's key (act_compare=relu&act_compare=gelu)."""
    options = list(options)
    _keep_options(key, options)
    return _bound_choice(key, options, list(default), format_func, lambda: st.multiselect(
        label, options, default=list(default), format_func=format_func, key=key, **kw),
        multi=True)


def toggle(label: str, key: str, default: bool = False, **kw) -> bool:
    return _linked(key, lambda raw, value: [r.lower() for r in raw] == [str(value).lower()],
                   lambda: st.toggle(label, value=default, key=key, bind="query-params", **kw))


def number(label: str, key: str, default: float, low: float | None = None,
           high: float | None = None, **kw) -> float:
    _clamp_kept(key, low, high)
    return _linked(key, _same_number, lambda: st.number_input(
        label, value=default, min_value=low, max_value=high, key=key, bind="query-params", **kw))


def text(label: str, key: str, default: str = "", **kw) -> str:
    """A text box kept in the URL (a shared link carries what was typed; treat it as untrusted)."""
    return _linked(key, lambda raw, value: raw == [value], lambda: st.text_input(
        label, value=default, key=key, bind="query-params", **kw))


def band_colour(rel_err: float) -> str:
    """The Streamlit markdown colour of rel_err's CS231n band (good green, wrong red)."""
    return _BAND_COLOUR[error_band(rel_err)]


def band_text(rel_err: float, band: str | None = None) -> str:
    """The relative error coloured by its CS231n band (pass band when it is known already), as
    Streamlit markdown."""
    band = band or error_band(rel_err)
    return f":{_BAND_COLOUR[band]}[**{rel_err:.2e}** · {tr('band.' + band)}]"


def latex(tex: str) -> None:
    """st.latex with sympy's Piecewise words ("for", "otherwise") in the page's language."""
    st.latex(localized_latex(tex, lang()))


def show_problems(keys, **fmt) -> None:
    for key in keys:
        st.warning(tr("problem." + key, **fmt), icon="⚠️")


def lazy_expander(label: str, key: str):
    """A collapsed expander whose content runs only while it is open, or None while closed: a
    slider move then redraws nothing inside it. Bound to the URL, so a link opens it again."""
    used_in_link(key)
    section = st.expander(label, key=key, bind="query-params")
    return section if section.open else None


def show_source(*functions) -> None:
    """The source of the functions that run, read with inspect: it cannot drift from the code."""
    with st.expander(tr("common.source")):
        for fn in functions:
            st.code(inspect.getsource(fn), language="python", wrap_lines=True)


def markdown_table(rows: list[dict]) -> str:
    """A small read-only table (rows of {column: cell}) as one markdown element. Inside a fragment
    that reruns on every slider move this is the cheapest table to redraw: st.dataframe draws a
    canvas grid and st.table renders each cell as its own markdown."""
    def cell(value) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    head = list(rows[0])
    lines = ["| " + " | ".join(cell(h) for h in head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(cell(row[h]) for h in head) + " |" for row in rows]
    return "\n".join(lines)


def table(rows: list[dict]) -> None:
    st.markdown(markdown_table(rows))


#: Plotly's toolbar trimmed to the PNG download: one tab stop per chart instead of eight, and
#: nothing left to cover a subplot title.
_CHART_CONFIG = {"displaylogo": False, "modeBarButtons": [["toImage"]]}


def chart(fig, key: str, alt: str | None = None, data_table: bool = True) -> None:
    """The figure with a text alternative (role="figure" with this aria-label): alt, or one
    written from the figure's own data. A lazy "show the data" table beside it, unless the
    page shows the chart's numbers in a table of its own (data_table=False)."""
    alt = alt or describe(fig, lang())
    # Streamlit's theme is off: for_screen writes the same style into the figure (with the
    # theme on, every changed chart is drawn twice); presenter mode has its own dark one
    sent = figures.for_projector(fig) if presenting() else figures.for_screen(fig)
    st.plotly_chart(sent, key=key, config=_CHART_CONFIG, alt=alt, theme=None)
    rows = data_rows(fig) if data_table else None
    if rows and (section := lazy_expander(tr("common.show_data"), f"{key}_data")):
        with section:
            table(rows)
