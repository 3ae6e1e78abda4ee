"""Walk a page's widgets the way users break things: push a slider to its end, then change what
it measures, in sequences. Shared by the deterministic walk and the hypothesis fuzz."""

from __future__ import annotations

import math
from dataclasses import dataclass

from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest

from derivs_app.i18n import TEXT

PAGES = ("home", "activations", "softmax", "losses", "gradcheck", "backprop", "backprop_network",
         "backprop_depth", "backprop_train", "playground")
#: The widget kinds a walk moves (text boxes are the formula box's own tests; buttons here only
#: download or copy).
KINDS = ("slider", "select_slider", "selectbox", "multiselect", "toggle", "number_input")


@dataclass(frozen=True)
class Action:
    kind: str
    key: str
    how: str  # "min", "max", "index:<i>", "flip", "subset:<k>", "value:<v>"

    def __str__(self) -> str:
        return f"{self.kind}[{self.key}] ← {self.how}"


def widgets(at: AppTest) -> list:
    """Every keyed widget the walk may move, in page order within each kind."""
    found = []
    for kind in KINDS:
        found += [w for w in at.get(kind) if getattr(w, "key", None) and not w.disabled]
    return found


def _choose_labels(widget, labels: list[str], *, single: bool) -> None:
    """Choose options by their labels, as the browser does: it sends the label, not the value.
    (AppTest's select_index and set_value take values and format them again, which breaks for a
    format_func that maps keys to labels, e.g. "gelu" → "GELU".)"""

    class ByLabel(type(widget)):
        @property
        def _widget_state(self):
            state = WidgetState()
            state.id = self.id
            if single and widget.type == "selectbox":
                state.string_value = labels[0]
            else:
                state.string_array_value.data[:] = labels
            return state

    widget.__class__ = ByLabel


def apply(at: AppTest, action: Action) -> AppTest:
    """Do action on a fresh read of the page's widgets, then rerun; a widget the page no longer
    shows (an earlier choice hid it) is passed over."""
    widget = next((w for w in at.get(action.kind) if getattr(w, "key", None) == action.key), None)
    if widget is None or widget.disabled:
        return at
    how, _, arg = action.how.partition(":")
    if action.kind == "slider":
        widget.set_value(widget.min if how == "min" else widget.max if how == "max"
                         else type(widget.min)(float(arg)))
    elif action.kind == "number_input":
        bound = widget.min if how == "min" else widget.max if how == "max" else None
        value = float(arg) if how == "value" else bound
        if value is None or not math.isfinite(value):
            value = (widget.value or 0) * 10 + 1  # no bound: a big step away
        widget.set_value(value)
    elif action.kind == "select_slider":
        options = widget.options
        i = 0 if how == "min" else len(options) - 1 if how == "max" else int(arg) % len(options)
        _choose_labels(widget, [options[i]], single=True)
    elif action.kind == "selectbox":
        _choose_labels(widget, [widget.options[int(arg) % len(widget.options)]], single=True)
    elif action.kind == "multiselect":
        chosen = [widget.options[i] for i in widget.indices][: int(arg)]
        _choose_labels(widget, chosen, single=False)
    elif action.kind == "toggle":
        widget.set_value(not widget.value)
    return at.run()


def problems(at: AppTest) -> list[str]:
    """What a user must never see: an exception element, a traceback, or the apology that
    stands in for an unexpected exception (derivs_app.ui.guarded)."""
    found = [f"exception: {e.message}" for e in at.exception]
    found += [f"error: {e.value}" for e in at.error
              if "Traceback" in e.value or e.value.startswith(APOLOGY_PREFIXES)]
    return found


APOLOGY_PREFIXES = tuple(text.split("{")[0][:30] for text in TEXT["common.apology"])


def open_page(page: str, lang: str, timeout: float = 60) -> AppTest:
    at = AppTest.from_file(f"../pages/{page}.py", default_timeout=timeout)
    if lang != "en":
        at.session_state["lang"] = lang
    return at.run()
