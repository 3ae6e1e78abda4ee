"""Shared links say what they mean: URL values are stable ASCII keys in both languages (the
labels older links carried still work), a Chinese view keeps ?lang=zh, and what the shown view
does not use is dropped."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from derivs import ACTIVATIONS, LOSSES
from tests.apptest_support import ROOT, assert_clean, open_page


@pytest.mark.parametrize(("page", "params", "key", "expected"), [
    ("activations", {"act": "gelu", "act_zoom": "10"}, "act", "gelu"),
    ("activations", {"act": "leaky_relu", "act_alpha": "0.2"}, "act", "leaky_relu"),
    ("losses", {"loss": "huber"}, "loss", "huber"),
    ("gradcheck", {"gc_target": "relu"}, "gc_target", "relu"),
    ("softmax", {"smx_T": "0.5"}, "smx_T", 0.5),
])
def test_registry_keys_open_their_view_with_no_warning(page, params, key, expected):
    at = open_page(page, **params)
    assert_clean(at)
    widget = next(w for kind in ("selectbox", "select_slider") for w in at.get(kind)
                  if w.key == key)
    assert widget.value == expected
    assert {k: at.query_params[k] for k in params} == params  # written back as given


@pytest.mark.parametrize(("page", "old", "new"), [
    ("activations", {"act": "ReLU", "act_zoom": "×10"}, {"act": "relu", "act_zoom": "10"}),
    ("activations", {"act": ACTIVATIONS["sigmoid"].label, "act_zoom": "×5"}, {"act_zoom": "5"}),
    ("activations", {"act": "GELU"}, {"act": "gelu"}),
    ("losses", {"loss": LOSSES["huber"].label}, {"loss": "huber"}),
])
def test_label_links_already_shared_still_work_and_are_rewritten_as_keys(page, old, new):
    at = open_page(page, **old)
    assert_clean(at)
    assert dict(at.query_params) == new  # the default (sigmoid) leaves the URL


def test_choosing_writes_the_key_in_both_languages():
    for lang in ("en", "zh"):
        at = open_page("activations", lang)
        at.selectbox(key="act").select("gelu").run()
        at.select_slider(key="act_zoom").set_value(10).run()
        assert dict(at.query_params) == {"act": "gelu", "act_zoom": "10"}, lang


def test_compare_picks_are_keys_and_an_empty_pick_survives_the_link():
    at = open_page("activations", act_compare=["relu", "GELU"])
    assert_clean(at)
    assert at.multiselect(key="act_compare").value == ["relu", "gelu"]
    assert at.query_params["act_compare"] == ["relu", "gelu"]
    emptied = open_page("activations", act_compare="")
    assert emptied.multiselect(key="act_compare").value == []


def test_an_unknown_key_is_reported_not_silently_replaced():
    at = open_page("activations", act="nope")
    assert any("act = nope" in w.value for w in at.warning)
    assert "act" not in at.query_params


@pytest.mark.parametrize("linked", ["zh", "中文"])
def test_a_chinese_view_keeps_saying_so_in_its_url(linked):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = linked
    at.run()
    assert at.session_state["lang"] == "zh" and at.query_params["lang"] == "zh"
    assert at.radio[0].value == "zh"


def test_what_the_view_does_not_use_is_dropped_after_a_full_run():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params.update({"lang": "zh", "act_alpha": "99", "junk": "1"})
    at.run()
    assert dict(at.query_params) == {"lang": "zh"}  # Home shows neither control
