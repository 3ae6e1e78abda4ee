"""Predict, then reveal (derivs_app/predict.py over derivs_app/views/questions.py), with AppTest.

For every question: the answer is hidden until a choice is committed, then shown, in both
languages, with the numbers the core gives, computed here independently (the core's public
functions on their own, or mpmath); a shared link (q=<id>) opens the question first and keeps
its answer hidden, and reveal=1 shows it. Most runs use a two-line script that asks one page's
questions (fast); each page is also opened once to see its questions in place.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import mpmath as mp
import numpy as np
import pytest
import sympy
from streamlit.testing.v1 import AppTest

from derivs import (
    ACTIVATIONS,
    LOSSES,
    MLP,
    gradcheck,
    gradient_norms,
    make_dataset,
    neuron_graph,
    numeric_derivative,
    softmax_jacobian,
    train,
)
from derivs.expression import parse_expression, to_numpy
from derivs.network import depth_study_case
from derivs_app.i18n import TEXT, t
from derivs_app.views.questions import QUESTIONS
from tests.apptest_support import ROOT, assert_clean, chart_specs, decode, open_page

mp.mp.dps = 50


def g4(value) -> str:
    """How the answers write a number (4 significant digits, -0 as 0)."""
    return f"{float(value) + 0.0:.4g}"


def e1(value) -> str:
    value = float(value)
    return "0" if value == 0 else f"{value:.1e}"


def listed(values, significant: int = 4) -> str:
    return ", ".join(f"{float(v):.{significant}g}" for v in values)


@dataclass(frozen=True)
class Expect:
    """What the revealed answer must say: the right option, numbers as shown (in both
    languages), phrases around them in English."""

    correct: str
    numbers: tuple[str, ...]
    wrong: str  # an option that is not right, to commit in the wrong-answer run
    english: tuple[str, ...] = ()


def _sigma(x):
    return 1 / (1 + mp.exp(-x))


# --- the answers, computed here (mpmath, or the core's own public functions) --------------------


def _act_peak():
    sig = mp.diff(_sigma, 0)  # both derivatives peak at 0 (even, decreasing in |x|)
    tanh = mp.diff(mp.tanh, 0)
    core = ACTIVATIONS["sigmoid"].df(np.linspace(-5, 5, 1001)).max()
    assert abs(core - float(sig)) < 1e-15
    return Expect("tanh", (f"**{g4(sig)}**", f"**{g4(tanh)}**"), "sigmoid",
                  (f"{g4(tanh / sig)}× higher",))


def _act_relu0():
    value = float(ACTIVATIONS["relu"].df(0.0))
    assert value == 0.0  # PyTorch's convention, pinned by the core's own tests too
    return Expect("zero", (f"**{g4(value)}**",), "half",
                  ("slope is 0 just left", "and 1 just right"))


def _act_saturate():
    s = 1.0 / (1.0 + math.exp(-40.0))  # the notes' form, in float64
    notes = s * (1.0 - s)
    true = mp.diff(_sigma, 40)
    return Expect("zero" if notes == 0.0 else "tiny", (f"**{notes!r}**", f"**{g4(true)}**"),
                  "tiny")


def _softmax_mp(z):
    e = [mp.exp(mp.mpf(v)) for v in z]
    total = mp.fsum(e)
    return [v / total for v in e]


def _smx_rows():
    z = (2.0, 1.0, -1.0, 0.5)
    row_sums = softmax_jacobian(z).sum(axis=1)
    assert np.abs(row_sums).max() < 1e-15
    s = _softmax_mp(z)
    return Expect("zero", ("z = (2, 1, -1, 0.5)", f"s = ({listed(s)})", "**0**"), "one")


def _smx_onehot():
    z = (10.0, 0.0, 0.0)
    s = _softmax_mp(z)
    diag = [v * (1 - v) for v in s]  # J_ii = s_i (1 − s_i)
    assert np.allclose(np.diag(softmax_jacobian(z)), [float(d) for d in diag], rtol=1e-12)
    return Expect("near_zero", (f"({listed(diag, 3)})",), "one_zero", ("**all close to 0**",))


def _loss_notes_mse():
    y, yhat = np.array([1.0, -0.5, 2.0]), np.array([0.5, 0.0, 3.5])
    mse = LOSSES["mse"]
    result = gradcheck(lambda v: mse.value(y, v), mse.notes_grad(y, yhat), yhat, "pytorch")
    notes = (yhat - y) / 3  # the notes' (1/n)(ŷ − y)
    true = 2 * (yhat - y) / 3
    rel = np.abs(notes - true) / np.abs(true)
    assert not result.ok
    return Expect("fail", (f"**{g4(rel.max())}**",), "pass", ("**no, it fails**", "2× the"))


def _loss_ce_n():
    y, yhat = [1.0, 0.0, 0.0], [0.7, 0.2, 0.1]
    true = -mp.mpf(1) / (3 * mp.mpf("0.7"))
    assert abs(LOSSES["cross_entropy"].grad(y, yhat)[0] - float(true)) < 1e-15
    return Expect("mean", (f"**{g4(true)}**", f"{g4(-1 / 0.7)}"), "notes")


def _gc_round():
    exact = mp.cos(1)
    errors = {m: abs(mp.mpf(float(numeric_derivative(np.sin, 1.0, method=m, h=1e-10))) - exact)
              / exact for m in ("forward", "central", "complex_step")}
    best = min(errors, key=errors.get)
    # the complex step is exact to float64's last digit: its error is below one ulp of cos(1)
    assert best == "complex_step" and errors[best] < 2.3e-16
    floats = {m: float(numeric_derivative(np.sin, 1.0, method=m, h=1e-10)) for m in errors}
    shown = {m: e1(abs(v - math.cos(1.0)) / math.cos(1.0)) for m, v in floats.items()}
    return Expect(best, (shown["forward"], f"**{shown['complex_step']}**"), "central",
                  (f"forward {shown['forward']}", f"central {shown['central']}"))


def _gc_kink():
    numerical = float(numeric_derivative(ACTIVATIONS["relu"].f, 0.0, method="central"))
    assert numerical == 0.5  # (h − 0) / 2h
    return Expect("half", ("**0.5**",), "zero", ("relative error of 1",))


def _fn_abs0():
    x = sympy.Symbol("x", real=True)
    at0 = sympy.diff(sympy.Abs(x), x).subs(x, 0)
    assert at0 == 0
    central = float(numeric_derivative(to_numpy(parse_expression("abs(x)")), np.array([0.0]))[0])
    return Expect("zero", ("sign(x)", "**0**", f"({g4(central)})"), "undefined", ("-1 and 1",))


def _fn_overflow():
    with np.errstate(over="ignore", invalid="ignore"):
        value = np.exp(1000.0) / (1.0 + np.exp(1000.0))
    assert math.isnan(value)
    return Expect("nan", ("**nan**", "= inf"), "one")


def _bp_fanout():
    z = 0.5 * 1.0 - 0.25 * 2.0 + 0.1
    r = max(z, 0.0) - 1.0  # relu(z) − t
    assert neuron_graph([1.0, 2.0], [0.5, -0.25], 0.1, 1.0, activation="relu").node("r").grad \
        == pytest.approx(2 * r)
    return Expect("two_r", (f"r = {g4(r)}", f"({g4(r)}) + ({g4(r)})", f"**{g4(2 * r)}**"), "r")


def _bp_zero_input():
    x, w, b, target = (0.0, 1.5), (0.8, -0.5), 0.1, 1.0

    def loss(w1, z_shift=0):
        return (mp.tanh(w1 * x[0] + w[1] * x[1] + b + z_shift) - target) ** 2

    dw1 = float(mp.diff(loss, w[0]))  # x₁ = 0: L does not depend on w₁ at all
    dz = float(mp.diff(lambda d: loss(w[0], d), 0))  # ∂L/∂z = ∂L/∂b
    assert dw1 == 0.0 and neuron_graph(x, w, b, target, "tanh").dw[0] == 0.0
    return Expect("zero", ("**0**", f"= {g4(dz)}"), "depends_w")


def _bpn_dead():
    net = MLP((2, 4, 2), activation="relu", loss="softmax_cross_entropy", seed=0)
    x = np.array([0.5, -1.0])
    z = net.params["W1"] @ x + net.params["b1"]
    dead = int(np.argmin(z))
    assert z[dead] < 0
    g = net.gradients(x, np.array(1))
    assert np.all(g["W1"][dead] == 0.0)
    return Expect("zero", (g4(z[dead]), "**(0, 0)**"), "small",
                  (f"neuron {dead + 1} has z = {g4(z[dead])}",))


def _bpn_output_delta():
    net = MLP((2, 3, 3), activation="tanh", loss="softmax_cross_entropy", seed=0)
    x = np.array([0.5, -1.0])
    hidden = np.tanh(net.params["W1"] @ x + net.params["b1"])
    logits = net.params["W2"] @ hidden + net.params["b2"]
    s = np.array([float(v) for v in _softmax_mp(logits)])
    delta = (s - np.array([0.0, 1.0, 0.0])) / 3
    assert np.allclose(net.trace(x, np.array(1)).layers[-1].delta[0], delta, rtol=1e-12)
    return Expect("over_n", (f"({listed(delta)})", "**(s − y)/n**"), "s_minus_y")


def _depth(activation: str, init: str):
    """‖δ_l‖ per layer of a 10-layer, width-16 net, mean over seeds 0–2, read from the traces
    of the depth study's batches of 64 (RMS over the batch: ‖δ‖/√64) and checked against
    gradient_norms."""
    per_seed = []
    for seed in (0, 1, 2):
        net, x, y = depth_study_case(10, 16, activation, init, None, 64, seed)
        per_seed.append([np.linalg.norm(layer.delta) / 8.0 for layer in net.trace(x, y).layers])
    mean = np.mean(per_seed, axis=0)
    norms = gradient_norms(10, 16, activation, init, seeds=(0, 1, 2))
    assert np.allclose(mean, norms.mean, rtol=1e-12)
    return mean


def _bpd_first():
    mean = _depth("sigmoid", "xavier")
    assert int(np.argmin(mean)) == 0
    return Expect("first", ("**1**", f"‖δ₁‖ = {g4(mean[0])}", f"‖δ₁₀‖ = {g4(mean[-1])}"),
                  "last")


def _bpd_relu_he():
    mean = _depth("relu", "he")
    ratio = mean[0] / mean[-1]
    assert 0.1 < ratio < 10
    return Expect("flat", (g4(ratio),), "vanish",
                  (f"a factor of {g4(ratio)}", "**within a factor of 10**"))


def _bpt_zero_init():
    net = MLP((2, 4, 2), activation="tanh", loss="softmax_cross_entropy", seed=0)
    for p in net.params.values():
        p[...] = 0.0
    x, labels = make_dataset("xor", n=200, seed=0)
    g = net.gradients(x, labels)
    assert not np.any(g["W1"]) and not np.any(g["W2"]) and np.any(g["b2"])
    return Expect("zero", ("**0**", f"{g4(np.abs(g['b2']).max())}"), "random")


def _bpt_big_lr():
    net = MLP((2, 8, 2), activation="tanh", loss="softmax_cross_entropy", seed=0)
    x, labels = make_dataset("xor", n=200, seed=0)
    history = train(net, x, labels, lr=50.0, steps=50)
    end = net.loss(x, labels)
    assert end > history[0]
    return Expect("higher", (g4(history[0]), f"**{g4(end)}**"), "lower")


EXPECTED: dict[str, Callable[[], Expect]] = {
    "act_peak": _act_peak, "act_relu0": _act_relu0, "act_saturate": _act_saturate,
    "smx_rows": _smx_rows, "smx_onehot": _smx_onehot,
    "loss_notes_mse": _loss_notes_mse, "loss_ce_n": _loss_ce_n,
    "gc_round": _gc_round, "gc_kink": _gc_kink,
    "fn_abs0": _fn_abs0, "fn_overflow": _fn_overflow,
    "bp_fanout": _bp_fanout, "bp_zero_input": _bp_zero_input,
    "bpn_dead": _bpn_dead, "bpn_output_delta": _bpn_output_delta,
    "bpd_first": _bpd_first, "bpd_relu_he": _bpd_relu_he,
    "bpt_zero_init": _bpt_zero_init, "bpt_big_lr": _bpt_big_lr,
}
IDS = list(QUESTIONS)
PAGES = sorted({q.page for q in QUESTIONS.values()})


# --- running the component -----------------------------------------------------------------------


def ask(*names: str, lang: str = "en", **params) -> AppTest:
    """A two-line script that asks these pages' (or questions') questions, as a page would."""
    script = f"from derivs_app import predict\npredict.ask({', '.join(map(repr, names))})\n"
    at = AppTest.from_string(script, default_timeout=30)
    if lang != "en":
        at.session_state["lang"] = lang
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def shown(at: AppTest) -> str:
    return "\n".join(e.value for kind in ("markdown", "caption", "info", "success", "warning")
                     for e in getattr(at, kind))


def why(qid: str, lang: str) -> str:
    return t(f"q.{qid}.why", lang)


def assert_hidden(at: AppTest, qid: str, lang: str) -> None:
    text = shown(at)
    assert why(qid, lang) not in text
    for key in ("q.right", "q.wrong", "q.shown"):
        assert TEXT[key][lang == "zh"].split("{")[0] not in text
    assert not at.get("plotly_chart")


def assert_revealed(at: AppTest, qid: str, lang: str, expect: Expect) -> str:
    text = shown(at)
    assert why(qid, lang) in text
    answer = next(m.value for m in at.markdown
                  if m.value.startswith(t(f"q.{qid}.answer", lang).split("{")[0]))
    for number in expect.numbers + (expect.english if lang == "en" else ()):
        assert number in answer, (number, answer)
    return answer


# --- the registry --------------------------------------------------------------------------------


def test_every_question_has_an_independent_expectation():
    assert set(EXPECTED) == set(QUESTIONS)


def test_every_page_with_questions_asks_at_least_two_and_calls_the_component():
    counts = Counter(q.page for q in QUESTIONS.values())
    for page, count in counts.items():
        assert count >= 2, page
        source = (ROOT / "pages" / f"{page}.py").read_text()
        assert f'predict.ask("{page}")' in source, page
    for page in ("activations", "softmax", "losses", "gradcheck", "playground"):
        assert counts[page] >= 2


@pytest.mark.parametrize("qid", IDS)
def test_text_is_complete_and_labels_are_plain(qid):
    q = QUESTIONS[qid]
    assert qid.isascii() and re.fullmatch(r"[a-z0-9_]+", qid)
    assert len(set(q.options)) == len(q.options) >= 2
    for option in q.options:
        assert re.fullmatch(r"[a-z0-9_]+", option), option
    keys = [q.key(p) for p in ("title", "prompt", "answer", "why")]
    keys += [q.option_key(o) for o in q.options]
    for key in keys:
        assert key in TEXT, key
    # widget labels (the expander line, the radio's question and options): plain text, no
    # LaTeX and no markdown, so a screen reader reads what is written
    for key in keys[:2] + keys[4:]:
        for text in TEXT[key]:
            assert not re.search(r"[$\\*_`]", text), (key, text)


@pytest.mark.parametrize("qid", IDS)
def test_the_answer_is_the_cores(qid):
    """Independent of the app: the answer computed here is what the view says is right."""
    from derivs_app.views.questions import answer
    assert answer(qid).correct == EXPECTED[qid]().correct
    assert EXPECTED[qid]().wrong in QUESTIONS[qid].options
    assert EXPECTED[qid]().wrong != EXPECTED[qid]().correct


# --- hidden, then revealed -----------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("qid", IDS)
def test_hidden_until_a_choice_is_committed_then_shown(qid, lang):
    expect = EXPECTED[qid]()
    at = ask(qid, lang=lang)
    assert not at.exception, [e.value for e in at.exception]
    assert_hidden(at, qid, lang)
    radio = at.radio(key=f"q_{qid}_choice")
    assert radio.value is None and radio.label == t(f"q.{qid}.prompt", lang)
    assert radio.options == [t(f"q.{qid}.opt.{o}", lang) for o in QUESTIONS[qid].options]
    # English commits the right answer, Chinese a wrong one
    choice = expect.correct if lang == "en" else expect.wrong
    radio.set_value(choice)
    at.button(key=f"q_{qid}_commit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert_revealed(at, qid, lang, expect)
    right = t(f"q.{qid}.opt.{expect.correct}", lang)
    if lang == "en":
        assert [s.value for s in at.success] == [t("q.right", lang, answer=right)]
    else:
        chose = t(f"q.{qid}.opt.{choice}", lang)
        assert t("q.wrong", lang, choice=chose, answer=right) in [i.value for i in at.info]
    # the radio gives way to the options as text, the choice and the answer marked
    assert not [r for r in at.radio if r.key == f"q_{qid}_choice"]
    listing = next(m.value for m in at.markdown if m.value.startswith(t(f"q.{qid}.prompt", lang)))
    assert f"- {t(f'q.{qid}.opt.{choice}', lang)} (" in listing
    assert t("q.mark_yours", lang) in listing and t("q.mark_right", lang) in listing
    # the choice stays out of the URL: a link copied now gives nothing away
    assert not any(choice in at.query_params.get(k, []) for k in at.query_params)


def test_choosing_alone_reveals_nothing_and_commit_without_a_choice_asks_for_one():
    at = ask("gc_round")
    at.radio(key="q_gc_round_choice").set_value("central")
    at.run()  # a rerun for another reason: the choice is made but not committed
    assert_hidden(at, "gc_round", "en")
    fresh = ask("gc_round")
    fresh.button(key="q_gc_round_commit").click().run()
    assert_hidden(fresh, "gc_round", "en")
    assert t("q.choose_first") in [i.value for i in fresh.info]


def test_reset_hides_the_answer_again():
    at = ask("act_peak")
    at.radio(key="q_act_peak_choice").set_value("tanh")
    at.button(key="q_act_peak_commit").click().run()
    assert why("act_peak", "en") in shown(at)
    at.button(key="q_act_peak_reset").click().run()
    assert not at.exception and not at.warning
    assert_hidden(at, "act_peak", "en")
    assert at.radio(key="q_act_peak_choice").value is None


def test_the_log_scale_bars_draw_an_exact_zero_and_mark_the_right_answer():
    at = ask("gc_round")
    at.radio(key="q_gc_round_choice").set_value("complex_step")
    at.button(key="q_gc_round_commit").click().run()
    (spec,) = chart_specs(at)
    bars = spec["data"][0]
    heights = decode(bars["y"])
    assert spec["layout"]["yaxis"]["type"] == "log"
    assert np.all(heights > 0)  # the complex step's 0 sits on the floor
    assert bars["text"][-1] == "✓ 0" and not bars["text"][0].startswith("✓")
    assert bars["x"] == [t(f"q.gc_round.opt.{m}") for m in ("forward", "central", "complex_step")]


# --- shared links --------------------------------------------------------------------------------


def question_expanders(at: AppTest, lang: str = "en"):
    titles = {t(f"q.{qid}.title", lang): qid for qid in QUESTIONS}
    return [(titles[e.label], e.proto.expanded) for e in at.expander if e.label in titles]


@pytest.mark.parametrize("qid", IDS)
def test_a_link_opens_its_question_first_with_the_answer_hidden(qid):
    page = QUESTIONS[qid].page
    at = ask(page, q=qid)
    assert not at.exception and not at.warning
    found = question_expanders(at)
    assert found[0] == (qid, True), found
    assert all(not open_ for _, open_ in found[1:])
    assert t("q.linked") in [c.value for c in at.caption]
    assert_hidden(at, qid, "en")
    links = [m.value for m in at.markdown if m.value.startswith(t("q.share"))]
    assert links[0].endswith(f"{page}?q={qid}`") and links[0].count("reveal") == 1  # the hint


@pytest.mark.parametrize("qid", IDS)
def test_a_link_with_reveal_shows_the_answer(qid):
    expect = EXPECTED[qid]()
    lang = "zh" if IDS.index(qid) % 2 else "en"  # both languages, half each
    at = ask(QUESTIONS[qid].page, lang=lang, q=qid, reveal="1")
    assert not at.exception and not at.warning
    assert_revealed(at, qid, lang, expect)
    right = t(f"q.{qid}.opt.{expect.correct}", lang)
    assert t("q.shown", lang, answer=right) in [i.value for i in at.info]
    for other in QUESTIONS.values():  # the page's other questions stay hidden
        if other.page == QUESTIONS[qid].page and other.id != qid:
            assert why(other.id, lang) not in shown(at)


def test_reveal_without_a_question_shows_every_answer_on_the_page():
    at = ask("softmax", reveal="1")
    for qid in ("smx_rows", "smx_onehot"):
        assert why(qid, "en") in shown(at)


def test_a_link_to_another_pages_question_points_there():
    at = ask("softmax", q="act_peak", lang="zh")
    (info,) = [i.value for i in at.info]
    assert info.startswith(t("q.elsewhere", "zh", id="act_peak"))
    assert "(activations?q=act_peak&lang=zh)" in info
    assert all(not open_ for _, open_ in question_expanders(at, "zh"))


@pytest.mark.parametrize(("key", "value", "text"), [
    ("q", "nope", ("q.unknown", {"id": "nope"})),
    ("reveal", "maybe", ("q.bad_reveal", {"value": "maybe"})),
])
def test_a_link_value_the_questions_cannot_use_is_reported(key, value, text):
    at = ask("softmax", **{key: value})
    assert not at.exception
    assert [w.value for w in at.warning] == [t(text[0], **text[1])]
    assert_hidden(at, "smx_rows", "en")


# --- on the pages themselves ---------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_each_page_asks_its_questions_and_a_link_opens_one(page):
    ids = [q.id for q in QUESTIONS.values() if q.page == page]
    at = open_page(page, q=ids[-1])
    assert_clean(at)
    found = question_expanders(at)
    assert [qid for qid, _ in found] == [ids[-1], *ids[:-1]]
    assert [open_ for _, open_ in found] == [True] + [False] * (len(ids) - 1)
    for qid in ids:
        assert why(qid, "en") not in shown(at)


def test_committing_on_a_page_reveals_in_place():
    at = open_page("activations", lang="zh")
    at.radio(key="q_act_peak_choice").set_value("tanh")
    at.button(key="q_act_peak_commit").click().run()
    assert_clean(at)
    assert why("act_peak", "zh") in shown(at)
    assert t("q.right", "zh", answer=t("q.act_peak.opt.tanh", "zh")) in [s.value for s in at.success]
