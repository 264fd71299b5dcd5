"""draw_dot and backward_steps: what the picture says, checked against the textbook, the math and PyTorch.

Chapter 2's numbers are those printed in Mazur's "A Step by Step Backpropagation Example" (2015);
the other expected values are worked out by hand in each test.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from tinygrad_edu import Tensor, Value, draw_dot, nn, viz
from tinygrad_edu.nn import functional as F
from tinygrad_edu.random import manual_seed
from tinygrad_edu.viz import backward_steps
from tinygrad_edu.worked_example import step_by_step

from .conftest import needs_dot, needs_torch


def small_graph() -> Value:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    d = (c + Value(7.0, label="k")).tanh()
    d.label = "d"
    d.backward()
    return d


def box(source: str, title: str) -> str:
    """The label text of the box titled ``title`` (its lines joined by \\n)."""
    found = re.findall(r'label="' + re.escape(title) + r'\\n([^"]*)"', source)
    assert len(found) == 1, f"{title}: {len(found)} boxes"
    return found[0]


def node_id(source: str, title: str) -> str:
    return re.search(r'(n\d+) \[shape=box, label="' + re.escape(title) + r"\\n", source).group(1)


@pytest.fixture(scope="module")
def chapter2():
    return step_by_step()


# ----------------------------------------------------------------------------- chapter 2's picture
TEXTBOOK_BOXES = {  # box: (data, grad) as the textbook prints them, to its 9 decimals
    "w5": ("0.400000000", "0.082167041"),
    "out_h1": ("0.593269992", "0.036350306"),
    "out_h2": ("0.596884378", None),
    "out_o1": ("0.751365070", None),  # printed 0.75136507
    "out_o2": ("0.772928465", None),
    "E_total": ("0.298371109", "1.000000000"),
    "w1": ("0.150000000", "0.000438568"),
    "net_h1": ("0.377500000", None),  # printed 0.3775
}


def test_chapter2_boxes_carry_the_textbook_numbers_at_9_digits(chapter2) -> None:
    src = draw_dot(chapter2.nodes["E_total"], precision=9).source
    for name, (data, grad) in TEXTBOOK_BOXES.items():
        text = box(src, name)
        assert text.startswith(f"data {data}\\ngrad "), (name, text)
        if grad is not None:
            assert text == f"data {data}\\ngrad {grad}", (name, text)
    assert "0.0821670" not in draw_dot(chapter2.nodes["E_total"], precision=6).source  # 6 digits: 0.082167


def test_w5_edge_carries_its_local_derivative_out_h1(chapter2) -> None:
    src = draw_dot(chapter2.nodes["E_total"], precision=9, local=True).source
    w5 = node_id(src, "w5")
    # ∂(w5·out_h1)/∂w5 = out_h1 = 0.593269992 (textbook)
    assert re.search(rf'{w5} -> n\d+_op \[label=" 0\.593269992"\]', src)
    out_o1 = node_id(src, "out_o1")
    # σ′(net_o1) = out_o1(1 − out_o1) = 0.186815602 (textbook), on the net_o1 → sigmoid edge
    assert re.search(rf'n\d+ -> {out_o1}_op \[label=" 0\.186815602"\]', src)


def test_wrt_w5_highlights_the_one_path_and_prints_the_textbook_product(chapter2) -> None:
    w5 = chapter2.nodes["w5"]
    g = draw_dot(chapter2.nodes["E_total"], precision=9, local=True, wrt=w5)
    rule = g.chain_rule
    assert len(rule.paths) == 1
    assert [(a, b) for a, b, _ in rule.factors[0]] == [("E_total", "out_o1"), ("out_o1", "net_o1"), ("net_o1", "w5")]
    # the textbook's three factors: out_o1 − target_o1, out_o1(1 − out_o1), out_h1
    np.testing.assert_allclose([v for *_, v in rule.factors[0]], [0.74136507, 0.186815602, 0.593269992], atol=5e-9)
    assert "= 0.741365070 × 0.186815602 × 0.593269992 = 0.082167041" in g.source
    assert abs(rule.total - 0.082167041) < 5e-10
    assert rule.total == pytest.approx(w5.grad, abs=1e-15)
    # the path E_total → … → w5 is drawn in the highlight colour: 8 edges into ops, one per step down
    assert g.source.count(f'fontcolor="{viz.HIGHLIGHT}"') == 8


def test_wrt_w1_sums_two_paths_to_the_textbook_gradient(chapter2) -> None:
    n = {k: v.data for k, v in chapter2.nodes.items()}
    g = draw_dot(chapter2.nodes["E_total"], precision=9, wrt="w1")
    rule = g.chain_rule
    # by hand: δo = (out_o − target)·out_o(1 − out_o); path via o1 uses w5, via o2 uses w7
    dh1 = n["out_h1"] * (1 - n["out_h1"]) * n["i1"]
    d_o1 = (n["out_o1"] - 0.01) * n["out_o1"] * (1 - n["out_o1"])
    d_o2 = (n["out_o2"] - 0.99) * n["out_o2"] * (1 - n["out_o2"])
    assert sorted(rule.products) == pytest.approx(sorted([d_o1 * 0.40 * dh1, d_o2 * 0.50 * dh1]), rel=1e-12)
    assert f"{rule.total:.9f}" == "0.000438568"  # textbook dE/dw1
    assert "sum over the 2 paths = 0.000438568" in g.source


def test_wrt_must_be_in_the_graph() -> None:
    with pytest.raises(ValueError, match="not a node of this graph"):
        draw_dot(small_graph(), wrt=Value(1.0))
    with pytest.raises(ValueError, match="Value graph"):
        draw_dot(Tensor([1.0], requires_grad=True).sum(), wrt="x")


# ----------------------------------------------------------------------------- names and neurons
def test_scalar_mlp_names_from_named_parameters_and_dot_drawn_as_products() -> None:
    manual_seed(0)
    m = nn.MLP(3, [2, 1])
    y = m([Value(1.0), Value(-2.0), Value(0.5)])
    y.backward()
    src = draw_dot(y, params=m).source
    names = [name for name, _ in m.named_parameters()]
    assert "layers.0.neurons.1.w.2" in names
    for name in names:
        assert src.count(f'label="{name}\\n') == 1, name
    # each neuron: one * per weight and input, then one + with the bias: 3 neurons, 3 + 3 + 2 products
    assert src.count('label="*"') == 8 and src.count('label="+"') == 3 and 'label="dot"' not in src


def test_neuron_products_and_bias_are_visible() -> None:
    neuron = nn.Neuron(2, activation=None, weights=[2.0, 3.0])
    neuron.b.data = 0.5
    y = neuron([Value(5.0, label="x0"), Value(7.0, label="x1")])
    src = draw_dot(y, params=neuron, local=True).source
    # 2·5 = 10, 3·7 = 21, 10 + 21 + 0.5 = 31.5; the w0 edge carries ∂(w0·x0)/∂w0 = x0 = 5
    assert "data 10.0000" in src and "data 21.0000" in src and "data 31.5000" in src
    assert re.search(rf'{node_id(src, "w.0")} -> n\d+_op \[label=" 5\.0000"\]', src)
    assert box(src, "b").startswith("data 0.5000")
    # the chain rule through the expanded picture still gives ∂y/∂w0 = x0 = 5
    assert draw_dot(y, wrt=neuron.w[0]).chain_rule.total == 5.0


def test_tensor_names_values_on_several_lines_and_interior_grads() -> None:
    manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 1))
    x = Tensor(np.array([[1.0, -2.0, 0.5]], dtype=np.float32), label="x")
    loss = net(x).sum()
    loss.label = "loss"
    loss.backward()
    src = draw_dot(loss, params=net).source
    for name in ("0.weight", "0.bias", "2.weight", "2.bias"):
        assert f'label="{name}\\l' in src
    w = net.layers[0].weight.data
    weight_box = re.search(r'label="0\.weight\\l([^"]*)"', src).group(1).split("\\l")
    data_rows = weight_box[weight_box.index("data") + 1 : weight_box.index("grad")]
    assert len(data_rows) == 3  # one row of the 3x3 matrix a line
    np.testing.assert_allclose([float(v) for v in re.findall(r"-?\d+\.\d+", data_rows[1])], w[1], atol=5e-5)
    interior = draw_dot(loss, interior_grads=True).source
    assert src.count("grad") < interior.count("grad")
    before = net.layers[0].weight.grad.numpy().copy()
    draw_dot(loss, interior_grads=True)
    np.testing.assert_array_equal(net.layers[0].weight.grad, before)  # the learner's grads are untouched


@needs_torch
def test_interior_tensor_grads_are_pytorchs_retain_grad() -> None:
    import torch

    rng = np.random.default_rng(1)
    xs, ws = rng.normal(size=(2, 3)), rng.normal(size=(3, 2))
    x, w = Tensor(xs, requires_grad=True), Tensor(ws, requires_grad=True)
    h = (x @ w).tanh()
    loss = (h * h).sum()
    tx, tw = torch.tensor(xs, requires_grad=True), torch.tensor(ws, requires_grad=True)
    th = (tx @ tw).tanh()
    th.retain_grad()
    (th * th).sum().backward()
    src = draw_dot(loss, interior_grads=True, precision=6, max_elements=6).source
    hid = next(k for k, n in enumerate(viz.topological_order(loss)) if n is h)
    expected = viz.format_array(th.grad.numpy(), 6)
    assert "\\l".join(["grad", *expected]) in re.search(rf'n{hid} \[shape=box, label="([^"]*)"', src).group(1)


# ----------------------------------------------------------------------------- layout and size
def test_layout_direction_default_and_choice(chapter2) -> None:
    assert "rankdir=LR" in draw_dot(small_graph()).source  # micrograd-sized: left to right
    assert "rankdir=TB" in draw_dot(chapter2.nodes["E_total"]).source  # 43 nodes: top to bottom
    assert "rankdir=LR" in draw_dot(chapter2.nodes["E_total"], rankdir="LR").source
    with pytest.raises(ValueError, match="rankdir"):
        draw_dot(Value(1.0), rankdir="XY")


def test_big_graphs_are_refused_with_a_way_to_draw_them_anyway() -> None:
    x = Value(1.0)
    for _ in range(300):
        x = x * 1.0
    with pytest.raises(ValueError, match=r"601 nodes.*draw_dot\(root, max_nodes=601\)"):
        draw_dot(x)
    assert draw_dot(x, max_nodes=601).n_nodes == 601


@needs_dot
def test_784_input_mlp_fits_960_pixels(tmp_path) -> None:
    manual_seed(0)
    net = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    loss = F.cross_entropy(net(Tensor(np.zeros((4, 784), dtype=np.float32))), np.array([1, 2, 3, 4]))
    loss.backward()
    g = draw_dot(loss, params=net)
    width_pt = float(re.search(r'<svg width="([\d.]+)pt"', g.svg()).group(1))
    assert width_pt <= 720  # 10 in = 720 pt = 960 CSS px
    png = g.pipe("png")
    assert int.from_bytes(png[16:20], "big") <= 960  # PNG header: width in pixels at 96 dpi


# ----------------------------------------------------------------------------- graphviz habits
def test_format_and_render_as_graphviz_digraph(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="format must be one of svg, png"):
        draw_dot(Value(1.0), format="gif")
    monkeypatch.setattr(viz.render, "find_renderer", lambda: None)
    bundle = draw_dot(small_graph(), format="png")._repr_mimebundle_()
    assert list(bundle) == ["text/plain"] and "apt-get install graphviz" in bundle["text/plain"]
    with pytest.raises(RuntimeError, match="no Graphviz renderer"):
        draw_dot(small_graph()).render(tmp_path / "g")


@needs_dot
def test_render_writes_source_and_picture(tmp_path) -> None:
    g = draw_dot(small_graph(), format="png")
    assert g._repr_mimebundle_()["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
    path = g.render(tmp_path / "gout")  # micrograd: dot.render('gout')
    assert path == str(tmp_path / "gout.png") and (tmp_path / "gout").read_text() == g.source
    assert g.render("gout", directory=tmp_path, format="svg").endswith("gout.svg")
    assert "<svg" in (tmp_path / "gout.svg").read_text()


def test_dot_text_shows_label_value_and_gradient() -> None:
    src = draw_dot(small_graph()).source
    dd = 1 - math.tanh(1.0) ** 2  # d = tanh(a·b + 7) = tanh(1); ∂d/∂a = b·tanh′(1)
    assert box(src, "a") == f"data 2.0000\\ngrad {-3 * dd:.4f}"
    assert box(src, "b") == f"data -3.0000\\ngrad {2 * dd:.4f}"
    assert box(src, "d") == f"data {math.tanh(1.0):.4f}\\ngrad 1.0000"
    assert src.count("shape=box") == 6  # a, b, c, k, c+k, d


def test_small_numbers_switch_to_scientific_notation() -> None:
    assert viz.format_number(0.000438568, 4) == "4.3857e-04"
    assert viz.format_number(0.000438568, 6) == "0.000439"
    assert viz.format_number(0.0, 4) == "0.0000"


def test_labels_are_quoted() -> None:
    src = draw_dot(Value(1.0, label='x"1\\')).source
    assert 'label="x\\"1\\\\\\n' in src


def test_save_dot_needs_no_renderer(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(viz.render, "find_renderer", lambda: None)
    g = draw_dot(small_graph())
    assert g.save(tmp_path / "g.dot").read_text() == g.source
    with pytest.raises(ValueError, match=r"unknown suffix '\.gif'"):
        g.save(tmp_path / "g.gif")


@needs_dot
@pytest.mark.parametrize("program", ["dot", "graphviz-pure"])
def test_each_renderer_draws(program: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    path = shutil.which(program)
    if path is None:
        pytest.skip(f"{program} not installed")
    monkeypatch.setattr(viz.render, "find_renderer", lambda: path)
    svg = draw_dot(small_graph()).svg()
    assert "<svg" in svg and "data 2.0000" in svg


# ----------------------------------------------------------------------------- backward, step by step
def tanh_neuron() -> tuple[Value, dict[str, Value]]:
    v = {k: Value(x, label=k) for k, x in {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0}.items()}
    v["b"] = Value(6.8813735870195432, label="b")
    n = v["x1"] * v["w1"] + v["x2"] * v["w2"] + v["b"]
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, v


def test_backward_steps_fill_in_gradients_in_reverse_topological_order() -> None:
    o, v = tanh_neuron()
    steps = backward_steps(o)
    order = viz.topological_order(o)
    assert len(steps) == len(order) + 1
    first, last = steps.sources[0], steps.sources[-1]
    assert box(first, "w1").endswith("grad ·") and box(first, "o").endswith("grad ·")
    # o = tanh(n) = 1/√2, so do/dn = 1 − o² = 0.5; do/dw1 = x1·0.5 = 1; do/dx1 = w1·0.5 = −1.5 (by hand)
    assert box(last, "w1").endswith("grad 1.0000") and box(last, "x1").endswith("grad -1.5000")
    assert box(steps.sources[2], "n") == "data 0.8814\\ngrad 0.5000" and box(steps.sources[2], "b").endswith("·")
    assert steps.captions[1].startswith("o:") and steps.captions[-1] == "x1: ∂o/∂x1 = -1.5000 is complete"
    assert o.grad == 0.0 and v["w1"].grad == 0.0  # the graph's own gradients are not touched


@needs_dot
def test_backward_steps_player_is_self_contained_html(tmp_path) -> None:
    o, _ = tanh_neuron()
    page = backward_steps(o)._repr_html_()
    assert page.count("<svg") == 11 and 'type="range" min="0" max="10"' in page
    assert "http" not in page.replace("http://www.w3.org", "")  # nothing fetched from a network
    assert "<script>" in page


def test_backward_steps_needs_a_value_graph() -> None:
    with pytest.raises(TypeError, match="must be a Value"):
        backward_steps(Tensor([1.0]))


def test_wrt_product_keeps_the_root_edge_factor_when_it_is_not_one() -> None:
    """o = tanh(w·x): the root's own edge carries ∂o/∂(w·x) = 1 − o², not 1 (every other wrt graph here
    starts with a sum, whose factor is 1, so a product that dropped its first factor would pass them).
    Expected from calculus: ∂o/∂w = (1 − tanh²(w·x))·x."""
    w, x = Value(0.7, label="w"), Value(-1.3, label="x")
    o = (w * x).tanh()
    o.label = "o"
    o.backward()
    expected = (1 - math.tanh(0.7 * -1.3) ** 2) * -1.3
    rule = draw_dot(o, local=True, wrt=w).chain_rule
    assert rule.products == [pytest.approx(expected, rel=1e-12)]
    assert rule.total == pytest.approx(expected, rel=1e-12)
    factors = [v for _, _, v in rule.factors[0]]
    assert math.prod(factors) == pytest.approx(expected, rel=1e-12) and factors[0] == pytest.approx(1 - o.data**2)


def test_backward_steps_show_the_partial_sum_at_a_reused_node() -> None:
    """y = a·b + a uses a twice: the `+` hands a 1 (∂y/∂a through the sum), the `*` hands it b = −2;
    the frame between shows a's sum so far, 1, and the caption the total b + 1 = −1 (calculus)."""
    a, b = Value(3.0, label="a"), Value(-2.0, label="b")
    ab = a * b
    ab.label = "ab"
    y = ab + a
    y.label = "y"
    steps = backward_steps(y)
    assert "a now holds 1.0000 (1 of 2 shares)" in steps.captions[1]
    assert "grad 1.0000 so far (1 of 2)" in steps.sources[1]
    assert "a now holds -1.0000 (2 of 2 shares)" in steps.captions[2]
    assert "so far" not in steps.sources[2]
    assert steps.captions[-1].endswith("is complete") and len(steps) == 5
