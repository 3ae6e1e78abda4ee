"""Dependent controls never raise (AppTest): every slider pushed to its ends and then every
chooser walked through its options, and random sequences of widget actions (hypothesis) on every
page in both languages. The release before this one crashed on the first kind of sequence.

The fuzz runs a bounded, seeded share in CI: DERIVS_FUZZ_EXAMPLES (default 4) examples of up to
DERIVS_FUZZ_STEPS (default 6) actions per page and language; raise both for a long run.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.widget_walk import PAGES, Action, apply, open_page, problems, widgets

EXAMPLES = int(os.environ.get("DERIVS_FUZZ_EXAMPLES", "4"))
STEPS = int(os.environ.get("DERIVS_FUZZ_STEPS", "6"))


def _walk_choosers(at, page, log):
    for chooser in [w for w in widgets(at) if w.type == "selectbox"]:
        for i in range(len(chooser.options)):
            action = Action("selectbox", chooser.key, f"index:{i}")
            log.append(str(action))
            at = apply(at, action)
            assert not problems(at), (page, log, problems(at))
    return at


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_sliders_at_their_ends_then_every_choice(page):
    """End on every slider, then every option of every select box; Home, then again."""
    at, log = open_page(page, "en"), []
    for end in ("max", "min"):
        for widget in [w for w in widgets(at) if w.type in ("slider", "select_slider")]:
            action = Action(widget.type, widget.key, end)
            log.append(str(action))
            at = apply(at, action)
            assert not problems(at), (page, log, problems(at))
        at = _walk_choosers(at, page, log)


@st.composite
def _choices(draw):
    """(which widget, what to do) pairs, resolved against whatever the page shows right then."""
    return [(draw(st.integers(0, 10_000)), draw(st.sampled_from(("min", "max", "mid", "any"))),
             draw(st.integers(0, 10_000))) for _ in range(draw(st.integers(1, STEPS)))]


def _action(widget, how, n) -> Action:
    if widget.type in ("slider", "select_slider"):
        if how == "mid" and widget.type == "slider":
            return Action(widget.type, widget.key, f"value:{(widget.min + widget.max) / 2}")
        return Action(widget.type, widget.key, how if how in ("min", "max") else f"index:{n}")
    if widget.type == "number_input":
        return Action(widget.type, widget.key, how if how in ("min", "max") else "min")
    if widget.type == "selectbox":
        return Action(widget.type, widget.key, f"index:{n}")
    if widget.type == "multiselect":
        return Action(widget.type, widget.key, f"subset:{n % (len(widget.value) + 1)}")
    return Action(widget.type, widget.key, "flip")


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("page", [p for p in PAGES if p != "home"])
def test_random_widget_sequences_never_raise(page, lang):
    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(_choices())
    def walk(choices):
        at, log = open_page(page, lang), []
        for which, how, n in choices:
            shown = widgets(at)
            if not shown:
                return
            action = _action(shown[which % len(shown)], how, n)
            log.append(str(action))
            at = apply(at, action)
            assert not problems(at), (page, lang, log, problems(at))

    walk()
