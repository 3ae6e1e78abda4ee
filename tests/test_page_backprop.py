"""The backprop pages (AppTest): the neuron graph stepped forward and back, a small network and
its bugs, vanishing and exploding gradients, training. Every number on screen is read back and
compared with derivs.network: the pages may only display, never compute."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl

import numpy as np
import pytest

from derivs import (
    ACTIVATIONS,
    BACKPROP_BUGS,
    DATASETS,
    MLP,
    gradient_check,
    gradient_norms,
    make_dataset,
    neuron_graph,
    numeric_derivative,
    softmax_jacobian,
    train,
    train_step,
)
from derivs_app.i18n import t
from derivs_app.views.backprop import (
    BUG_EXAMPLE,
    DEPTH_BATCH,
    DEPTH_PRESETS,
    DEPTH_SEEDS,
    NEURON_DEFAULT,
    POINTS,
    NetworkSettings,
    NeuronInputs,
    TrainConfig,
    advance,
    bug_case,
    bug_cases,
    depth_view,
    graph_view,
    network_case,
    short,
    start_training,
    step,
)
from tests.apptest_support import assert_clean, decode, markdown_tables, open_page

# --- helpers ----------------------------------------------------------------------------------


def charts(at) -> dict[str, dict]:
    """Plotly specs by chart key (the element id ends with the key)."""
    return {c.proto.id.rsplit("-", 1)[-1]: json.loads(c.proto.spec) for c in at.get("plotly_chart")}


def trace(spec: dict, meta: str) -> dict:
    return next(tr for tr in spec["data"] if tr.get("meta") == meta)


def custom(spec: dict, meta: str, columns: int = 3) -> np.ndarray:
    """A trace's customdata as float64 rows (plotly sends an array as typed base64)."""
    data = trace(spec, meta).get("customdata")
    if data is None or len(data) == 0:
        return np.zeros((0, columns))
    return (decode(data) if isinstance(data, dict) else np.array(data, dtype=np.float64)
            ).reshape(-1, columns)


def exact_cells(text: str) -> list[float]:
    return [float(c) for c in re.findall(r"`([^`]*)`", text)]


def links(at, page: str) -> list[dict]:
    """The query values of every markdown link to page on the screen."""
    found = []
    for m in at.markdown:
        for query in re.findall(rf"\]\({page}\?([^)]+)\)", m.value):
            found.append(dict(parse_qsl(query)))
    return found


def graph_args(inputs: NeuronInputs) -> dict:
    return dict(x=list(inputs.x), w=list(inputs.w), b=inputs.b, t=inputs.t)


def core_edges(g) -> np.ndarray:
    return np.array([[e.local, e.upstream, e.contribution] for e in g.edges])


# --- 1. the chain rule, node by node ------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_stepping_forward_then_back_passes_the_cores_numbers(lang):
    at = open_page("backprop", lang)
    assert_clean(at)
    g = neuron_graph(**graph_args(NEURON_DEFAULT), activation="tanh", loss="mse")
    view = graph_view(NEURON_DEFAULT, "tanh", "mse")
    assert at.select_slider(key="bp_step").value == 0
    assert len(custom(charts(at)["bp_graph"], "edges")) == 0  # nothing passed back yet
    assert at.button(key="bp_back").disabled and not at.button(key="bp_next").disabled
    # Step ▶ through the forward pass: one node a step, its value the core's
    for k, node in enumerate(n for n in g.nodes if n.parents):
        at.button(key="bp_next").click().run()
        assert at.select_slider(key="bp_step").value == k + 1
        labels = trace(charts(at)["bp_graph"], "labels")["text"]
        name = node.name.replace("1", "₁").replace("2", "₂")
        assert any(label.startswith(f"{name} = {short(node.value, 4)}") for label in labels)
        assert exact_cells(next(m.value for m in at.markdown if m.value.startswith("**")))[-1] \
            == node.value
    assert at.query_params["bp_step"] == str(view.forward_steps)
    # the first backward step visits L: its two edges to r carry r·1 each, and r shows the sum
    at.button(key="bp_next").click().run()
    passed = custom(charts(at)["bp_graph"], "edges")
    np.testing.assert_array_equal(passed, core_edges(g)[:2])
    assert any(m.value.startswith(t("bp.fan_out", lang, node="r", count=2, shares="X",
                                    total="Y")[:12]) for m in at.markdown)
    # End ⏭: every edge, in backprop's order, with the core's local, upstream and contribution
    at.button(key="bp_last").click().run()
    assert_clean(at)
    spec = charts(at)["bp_graph"]
    np.testing.assert_array_equal(custom(spec, "edges"), core_edges(g))
    texts = [a["text"] for a in spec["layout"]["annotations"] if a.get("text")]
    assert texts == [f"{short(e.local)} × {short(e.upstream)}<br>= {short(e.contribution)}"
                     for e in g.edges]
    # every leaf: backprop's gradient and a central difference, in the good band
    (checks,) = [tab for tab in markdown_tables(at) if len(tab) == 6]
    backprop = [float(c.strip("`")) for c in checks.iloc[:, 2]]
    assert backprop == [g.node(n).grad for n in ("x1", "w1", "x2", "w2", "b", "t")]
    assert all(t("band.good", lang) in cell for cell in checks.iloc[:, 4])
    # ◀ Back goes one step back
    at.button(key="bp_back").click().run()
    assert at.select_slider(key="bp_step").value == view.last - 1


@pytest.mark.parametrize(("activation", "loss"), [("relu", "mse"), ("gelu", "mse"),
                                                  ("sigmoid", "binary_cross_entropy")])
def test_a_link_restores_the_graph_and_its_numbers_are_the_cores(activation, loss):
    inputs = NeuronInputs(x=(-0.5, 1.5), w=(1.25, 0.75), b=-0.3, t=0.25)
    query = dict(bp_loss=loss, bp_act=activation, bp_x1="-0.5", bp_x2="1.5", bp_w1="1.25",
                 bp_w2="0.75", bp_b="-0.3", bp_t="0.25")
    if loss == "binary_cross_entropy":
        del query["bp_act"]  # the sigmoid is the only choice, and the default
    view = graph_view(inputs, activation, loss)
    at = open_page("backprop", bp_step=str(view.last), **query)
    assert_clean(at)
    assert at.selectbox(key="bp_act").value == activation
    assert at.slider(key="bp_t").value == 0.25 and at.slider(key="bp_x1").value == -0.5
    g = neuron_graph(**graph_args(inputs), activation=activation, loss=loss)
    np.testing.assert_array_equal(custom(charts(at)["bp_graph"], "edges"), core_edges(g))
    (checks,) = [tab for tab in markdown_tables(at) if len(tab) == 6]
    for row, name in zip(checks.itertuples(index=False), ("x1", "w1", "x2", "w2", "b", "t"),
                         strict=True):
        value = inputs.leaves()[name]
        assert float(row[2].strip("`")) == g.node(name).grad

        def loss_at(v, name=name):
            return neuron_graph(**graph_args(inputs.with_leaf(name, float(v))),
                                activation=activation, loss=loss).loss
        assert exact_cells(row[3])[0] == float(numeric_derivative(loss_at, value))


def test_the_same_numbers_are_on_the_activations_and_losses_pages():
    at = open_page("backprop", bp_act="softplus", bp_w1="0.8", bp_t="-0.5")
    assert_clean(at)
    inputs = NeuronInputs(x=NEURON_DEFAULT.x, w=(0.8, NEURON_DEFAULT.w[1]), b=NEURON_DEFAULT.b,
                          t=-0.5)
    g = neuron_graph(**graph_args(inputs), activation="softplus", loss="mse")
    (act_link,) = links(at, "activations")
    shown = open_page("activations", **act_link)
    assert_clean(shown)
    readout = next(m.value for m in shown.markdown if "| f(x₀) |" in m.value)
    cells = [float(c) for c in re.findall(r"\| `([^`]*)` \|", readout)]
    assert cells[:2] == [g.node("a").value, g.node("a").local[0]]  # f(z), f′(z)
    (loss_link,) = links(at, "losses")
    shown = open_page("losses", **loss_link)
    assert_clean(shown)
    shown_text = [e.value for e in (*shown.markdown, *shown.metric)]
    assert any(f"{g.loss:.10g}" in text for text in shown_text)  # L, to its 10 digits
    bars = decode(charts(shown)["loss_bars"]["data"][0]["y"])
    assert bars.sum() == g.node("a").grad  # a entered twice: the two shares add up


def test_binary_cross_entropy_offers_the_sigmoid_alone():
    at = open_page("backprop", "zh", bp_loss="binary_cross_entropy")
    assert_clean(at)
    assert at.selectbox(key="bp_act").options == [ACTIVATIONS["sigmoid"].label]
    assert any(c.value == t("bp.bce_sigmoid", "zh") for c in at.caption)


# --- 2. a small network --------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_network_diagram_and_table_are_the_cores(lang):
    query = dict(bpn_layers="2", bpn_width="4", bpn_act="relu", bpn_seed="7", bpn_x1="1.2",
                 bpn_x2="-0.4", bpn_class="3", bpn_entries="true")
    at = open_page("backprop_network", lang, **query)
    assert_clean(at)
    settings = NetworkSettings((4, 4), "relu", "cross_entropy", 7, (1.2, -0.4), 2)
    net, x, label = network_case(settings)
    tr = net.trace(x, label)
    spec = charts(at)["bpn_diagram"]
    deltas = custom(spec, "delta")
    np.testing.assert_array_equal(deltas[:, 2], np.concatenate([l.delta[0] for l in tr.layers]))
    weights = custom(spec, "dW", 4)
    np.testing.assert_array_equal(weights[:, 3], np.concatenate([l.dW.ravel() for l in tr.layers]))
    check = gradient_check(net, x, label)
    size = sum(p.size for p in net.params.values())
    (entries,) = [tab for tab in markdown_tables(at) if len(tab) == size]
    np.testing.assert_array_equal([float(c.strip("`")) for c in entries.iloc[:, 1]],
                                  np.concatenate([g.ravel() for g in check.analytical.values()]))
    np.testing.assert_array_equal([float(c.strip("`")) for c in entries.iloc[:, 2]],
                                  np.concatenate([g.ravel() for g in check.numerical.values()]))
    verdict = t("bpn.check_verdict", lang, verdict=t("bpn.pass", lang), tol="1e-06", worst="?")
    assert any(verdict[:20] in m.value for m in at.markdown)


@pytest.mark.parametrize("loss", ["cross_entropy", "softmax_cross_entropy"])
def test_the_softmax_step_is_written_out_and_matches_the_softmax_page(loss):
    at = open_page("backprop_network", bpn_loss=loss, bpn_seed="3", bpn_class="2")
    assert_clean(at)
    assert "bpn_jacobian" not in charts(at)  # folded: a chart less to redraw on every move
    at = open_page("backprop_network", bpn_loss=loss, bpn_seed="3", bpn_class="2",
                   bpn_jacobian_open="true")
    assert_clean(at)
    net, x, label = network_case(NetworkSettings((3,), "tanh", loss, 3, (0.5, -1.0), 1))
    last = net.trace(x, label).layers[-1]
    z = last.z[0]
    table = next(tab for tab in markdown_tables(at) if tab.iloc[0, 0] == "z_L")
    rows = {row[0]: [float(c.strip("`")) for c in row[1:]] for row in table.itertuples(index=False)}
    np.testing.assert_array_equal(rows["z_L"], z)
    np.testing.assert_allclose(rows["Jᵀ ∂ℓ/∂s"], last.delta[0], rtol=1e-13, atol=1e-16)
    np.testing.assert_array_equal(rows[t("bpn.col_fused")], last.delta[0])
    jac = decode(charts(at)["bpn_jacobian"]["data"][0]["z"]).reshape(3, 3)
    np.testing.assert_array_equal(jac, softmax_jacobian(z))
    (link,) = links(at, "softmax")
    shown = open_page("softmax", **link)
    assert_clean(shown)
    theirs = charts(shown)
    their_jacobian = decode(theirs["smx_jacobian_chart"]["data"][0]["z"]).reshape(3, 3)
    np.testing.assert_array_equal(their_jacobian, softmax_jacobian(z))
    assert "smx_vjp" in link  # their Jᵀv with v = ∂ℓ/∂s is our δ_L
    np.testing.assert_allclose(decode(theirs["smx_vjp_chart"]["data"][0]["y"]), last.delta[0],
                               rtol=1e-13, atol=1e-16)


def test_mse_has_no_softmax_step():
    at = open_page("backprop_network", bpn_loss="mse")
    assert_clean(at)
    assert "bpn_jacobian" not in charts(at)
    assert any(m.value.endswith("\n\n" + t("bpn.softmax_none")) for m in at.markdown)


# --- the planted bugs ----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_bug_fails_the_check_and_the_correct_code_passes(lang):
    """Picked by link (AppTest's select formats options outside the page, in English)."""
    at = open_page("backprop_network", lang)
    assert_clean(at)
    summary = next(tab for tab in markdown_tables(at) if tab.columns[0] == t("bpn.col_bug", lang))
    assert len(summary) == len(BACKPROP_BUGS)
    passes, fails = t("bpn.pass", lang), t("bpn.fail", lang)
    assert all(cell.endswith(passes) for cell in summary.iloc[:, 2])
    assert all(cell.endswith(fails) for cell in summary.iloc[:, 3])
    for name, bug in BACKPROP_BUGS.items():
        at = open_page("backprop_network", lang, bpn_bug=name)
        assert_clean(at)
        # the page names the rule that was broken: the record's own words in English
        assert any(i.value == t(f"bpn.rule.{name}", lang) for i in at.info)
        if lang == "en":
            assert any(i.value == bug.rule for i in at.info)
        caught = t("bpn.bug_caught", lang, rel="{rel}").split("{rel}")[0]
        assert [s.value[:len(caught)] for s in at.success] == [caught]
        code = [c.value for c in at.code]
        assert any("# BUG" in c for c in code)


@pytest.mark.parametrize("name", list(BACKPROP_BUGS))
def test_the_bug_cases_are_the_cores_gradient_checks(name):
    case = bug_case(name, "tanh", "cross_entropy", 0, 3, (0.5, -1.0), 1)
    assert case.correct.passed and not case.buggy.passed
    bug = BACKPROP_BUGS[name]
    if bug.kind == "neuron_graph":
        return
    net = MLP(case.sizes, "tanh", "cross_entropy", "xavier", 0)
    at, grads = bug.wrong(net, np.array([0.5, -1.0]), 1)
    buggy = gradient_check(at, np.array([0.5, -1.0]), 1, grads)
    assert case.buggy.max_rel_error == buggy.max_relative_error


def test_the_bugs_are_checked_on_their_fixed_example_whatever_x_the_page_shows():
    x, label = BUG_EXAMPLE
    cases = bug_cases("tanh", "cross_entropy", 0, 3)
    for name, case in cases.items():  # shared finite differences give the same verdicts
        alone = bug_case(name, "tanh", "cross_entropy", 0, 3, x, label)
        assert (case.correct, case.buggy) == (alone.correct, alone.buggy)
    tables = []
    for x1 in ("-1.5", "1.5"):
        at = open_page("backprop_network", bpn_x1=x1, bpn_loss="cross_entropy")
        assert_clean(at)
        tables.append(next(tab for tab in markdown_tables(at)
                           if tab.columns[0] == t("bpn.col_bug")))
        assert any(f"x = ({x[0]:g}, {x[1]:g})" in m.value for m in at.markdown)
    assert tables[0].equals(tables[1])


# --- 3. vanishing and exploding gradients --------------------------------------------------------


@pytest.mark.parametrize("preset", list(DEPTH_PRESETS))
def test_depth_chart_is_gradient_norms_and_the_words_follow_it(preset):
    p = DEPTH_PRESETS[preset]
    query = {"bpd_act": p.activation, "bpd_init": p.init}
    if p.sigma is not None:
        query["bpd_sigma"] = f"{p.sigma:g}"
    at = open_page("backprop_depth", **query)
    assert_clean(at)
    study = gradient_norms(30, 16, p.activation, p.init, p.sigma, batch=DEPTH_BATCH,
                           seeds=DEPTH_SEEDS)
    spec = charts(at)["bpd_chart"]
    np.testing.assert_array_equal(decode(trace(spec, "mean")["y"]), study.mean)
    seeds = decode(trace(spec, "seeds")["y"])
    np.testing.assert_array_equal(seeds[np.isfinite(seeds)], study.delta_norms.ravel())
    view = depth_view(30, 16, p.activation, p.init, p.sigma)
    assert view.verdict == p.expect
    word = re.search(r"\*\*(\w+)\*\*", t(f"bpd.words.{p.expect}")).group(1)
    assert any(f"**{word}**" in m.value for m in at.markdown)
    bounds = [tr for tr in spec["data"] if tr.get("meta") == "bound"]
    if p.activation == "sigmoid":
        np.testing.assert_allclose(decode(bounds[0]["y"]),
                                   study.mean[-1] * 0.25 ** (30 - np.arange(1, 31)), rtol=1e-15)
    else:
        assert not bounds


def test_a_preset_button_sets_the_controls_and_depth_one_says_so_in_chinese():
    zh = open_page("backprop_depth", "zh", bpd_depth="1")
    assert_clean(zh)
    assert any(m.value == t("bpd.words.single", "zh") for m in zh.markdown)
    at = open_page("backprop_depth", bpd_depth="1")
    at.button(key="bpd_preset_relu_he").click().run()
    assert_clean(at)
    assert at.selectbox(key="bpd_act").value == "relu"
    assert at.selectbox(key="bpd_init").value == "he"
    assert at.query_params["bpd_act"] == "relu" and at.query_params["bpd_init"] == "he"


# --- 4. train it ---------------------------------------------------------------------------------


def test_the_pages_step_is_train_step():
    x, labels = make_dataset("moons", POINTS, 0, 0.1)
    ours, core = (MLP((2, 8, 2), "tanh", "softmax_cross_entropy", "xavier", 1) for _ in range(2))
    for _ in range(3):
        assert step(ours, x, labels, 0.5)[0] == train_step(core, x, labels, 0.5)
    for k in core.params:
        np.testing.assert_array_equal(ours.params[k], core.params[k])


@pytest.mark.parametrize("dataset", list(DATASETS))
def test_training_lowers_the_loss_on_every_dataset(dataset):
    at = open_page("backprop_train", bpt_data=dataset)
    assert_clean(at)
    at.button(key="bpt_run_n").click().run()
    assert_clean(at)
    assert at.query_params["bpt_at"] == "100"
    losses = decode(trace(charts(at)["bpt_curves"], "loss")["y"])
    assert len(losses) == 101 and losses[-1] < losses[0]
    # the curve is the core's own training run, loss for loss
    x, labels = make_dataset(dataset, POINTS, 0, 0.1)
    net = MLP((2, 16, 2), "tanh", "softmax_cross_entropy", "xavier", 0)
    np.testing.assert_array_equal(losses[:100], train(net, x, labels, lr=0.5, steps=100))
    assert losses[-1] == net.loss(x, labels)


def test_a_rerun_never_retrains_and_a_link_replays_its_steps():
    zh = open_page("backprop_train", "zh", bpt_at="40", bpt_lr="1")
    assert_clean(zh)
    assert any(i.value == t("bpt.replayed", "zh", steps=40, lr="1") for i in zh.info)
    at = open_page("backprop_train", bpt_at="40", bpt_lr="1")
    assert_clean(at)
    expected = advance(start_training(TrainConfig("moons", "tanh", (16,), 0)), 1.0, 40)
    np.testing.assert_array_equal(decode(trace(charts(at)["bpt_curves"], "loss")["y"]),
                                  expected.losses)
    at.button(key="bpt_step").click().run()
    assert at.query_params["bpt_at"] == "41"
    at.select_slider(key="bpt_lr").set_value(0.1).run()  # a full rerun: the run stays
    assert at.query_params["bpt_at"] == "41"
    assert len(decode(trace(charts(at)["bpt_curves"], "loss")["y"])) == 42
    at.selectbox(key="bpt_data").select("xor").run()  # a new network starts at step 0
    assert "bpt_at" not in at.query_params
    assert_no_curves_yet(at, TrainConfig("xor", "tanh", (16,), 0))
    at.button(key="bpt_run_n").click().run()
    at.button(key="bpt_reset").click().run()
    assert "bpt_at" not in at.query_params


def test_a_step_count_the_page_cannot_replay_is_reported():
    at = open_page("backprop_train", bpt_at="99999")
    assert [w.value for w in at.warning] == [t("common.bad_link", name="bpt_at", value="99999")]
    assert_no_curves_yet(at, TrainConfig("moons", "tanh", (16,), 0))


def assert_no_curves_yet(at, config: TrainConfig) -> None:
    """At step 0 the curves' place says so, with the untrained network's loss (the core's own,
    computed here afresh), and only the regions are drawn."""
    assert set(charts(at)) == {"bpt_regions"}
    x, labels = make_dataset(config.dataset, POINTS, 0, 0.1)
    net = MLP((2, *config.hidden, 2), config.activation, "softmax_cross_entropy", "xavier",
              config.seed)
    expected = t("bpt.curves_empty", loss=f"{net.loss(x, labels):.4g}")
    assert expected in [m.value for m in at.markdown]
