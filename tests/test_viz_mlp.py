"""Pictures of micrograd's ``MLP(3, [4, 4, 1])`` and its squared-error loss at 1, 4 and 20 samples, read as
a learner reads them: every parameter's box carries its name, its value and its gradient; the loss box
its value; the text stays at a readable size; a graph too big to draw is refused with what to do
instead, and its backward pass can still be followed node by node.

The expected numbers do not come from the engine: the loss is recomputed here with plain floats
(``math.tanh``), and each gradient is a float64 central difference of that recomputation (h = 1e-6,
error ~1e-10, far below the 4 decimals printed). A printed number is right when it is within half a unit
of its last printed digit (5e-5, plus 1e-8 for the difference's own error).
"""

from __future__ import annotations

import html
import math
import re

import pytest

from tinygrad_edu import Value, draw_dot, nn
from tinygrad_edu.viz import backward_steps
from tinygrad_edu.viz.render import MIN_SCALE

from .conftest import needs_dot

KARPATHY_XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
KARPATHY_YS = [1.0, -1.0, -1.0, 1.0]
PRINTED = 5e-5 + 1e-8  # half a unit of the 4th decimal, plus the central difference's error


def samples(n: int) -> tuple[list[list[float]], list[float]]:
    """Karpathy's four samples, then more from a fixed formula (no random numbers)."""
    xs = KARPATHY_XS + [[math.sin(k), math.cos(2 * k), math.sin(3 * k + 1)] for k in range(4, n)]
    ys = KARPATHY_YS + [1.0 if k % 3 else -1.0 for k in range(4, n)]
    return xs[:n], ys[:n]


def mlp_loss(n: int) -> tuple[nn.MLP, Value]:
    xs, ys = samples(n)
    model = nn.MLP(3, [4, 4, 1])
    loss = Value.sum([(model(x) - y) ** 2 for x, y in zip(xs, ys)])
    loss.label = "loss"
    loss.backward()
    return model, loss


def plain_loss(model: nn.MLP, values: dict[str, float], n: int) -> float:
    """The same loss with plain floats: tanh hidden layers, a linear output, squared errors summed."""
    xs, ys = samples(n)
    total = 0.0
    for x, y in zip(xs, ys):
        h = list(x)
        for i, layer in enumerate(model.layers):
            last = i == len(model.layers) - 1
            out = []
            for j, neuron in enumerate(layer.neurons):
                pre = values[f"layers.{i}.neurons.{j}.b"] + math.fsum(
                    values[f"layers.{i}.neurons.{j}.w.{k}"] * h[k] for k in range(len(neuron.w))
                )
                out.append(pre if last else math.tanh(pre))
            h = out
        total += (h[0] - y) ** 2
    return total


def expected_gradients(model: nn.MLP, n: int, h: float = 1e-6) -> dict[str, float]:
    values = {name: p.data for name, p in model.named_parameters()}
    grads = {}
    for name in values:
        up, down = dict(values), dict(values)
        up[name] += h
        down[name] -= h
        grads[name] = (plain_loss(model, up, n) - plain_loss(model, down, n)) / (2 * h)
    return grads


def svg_boxes(svg: str) -> dict[str, list[str]]:
    """The lines of every titled box of a rendered picture: title -> [its other text lines]."""
    boxes = {}
    for group in re.findall(r'<g id="node\d+" class="node">(.*?)</g>', svg, re.S):
        lines = [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", group)]
        if lines and not lines[0].startswith(("data", "grad")):
            boxes[lines[0]] = lines[1:]
    return boxes


def printed(line: str, word: str) -> float:
    assert line.startswith(word + " "), line
    return float(line.split()[1])


@needs_dot
@pytest.mark.parametrize("n", [1, 4])
def test_every_parameter_box_shows_its_name_value_and_gradient(n: int) -> None:
    model, loss = mlp_loss(n)
    graph = draw_dot(loss, params=model)
    svg = graph.svg()
    boxes = svg_boxes(svg)
    grads = expected_gradients(model, n)
    for name, param in model.named_parameters():
        assert name in boxes, f"no box titled {name} on the {n}-sample picture"
        data, grad = boxes[name]
        assert printed(data, "data") == pytest.approx(param.data, abs=PRINTED)
        assert printed(grad, "grad") == pytest.approx(grads[name], abs=PRINTED), name
    values = {name: p.data for name, p in model.named_parameters()}
    assert printed(boxes["loss"][0], "data") == pytest.approx(plain_loss(model, values, n), abs=PRINTED)
    assert boxes["loss"][1] == "grad 1.0000"
    # readable: shrunk at most to MIN_SCALE of the 11 pt labels; wider than the frame, it scrolls
    scale = float(re.search(r'<g id="graph0" class="graph" transform="scale\(([\d.]+)', svg).group(1))
    assert scale >= MIN_SCALE - 1e-3
    bundle = graph._repr_mimebundle_()
    assert "overflow-x:auto" in bundle.get("text/html", "") or "image/svg+xml" in bundle


@needs_dot
def test_the_4_sample_footer_sums_one_share_per_sample() -> None:
    """A last-layer weight is used once per sample: wrt= shows 4 paths, and their sum is its gradient."""
    model, loss = mlp_loss(4)
    w = model.layers[2].neurons[0].w[1]
    rule = draw_dot(loss, params=model, local=True, wrt=w).chain_rule
    assert len(rule.products) == 4
    assert rule.total == pytest.approx(expected_gradients(model, 4)["layers.2.neurons.0.w.1"], abs=1e-8)
    assert rule.lines(4)[-1].startswith("∂loss/∂layers.2.neurons.0.w.1 = sum over the 4 paths = ")


def test_20_samples_are_refused_with_what_to_draw_instead() -> None:
    _, loss = mlp_loss(20)
    with pytest.raises(ValueError, match=r"682 nodes, over max_nodes=500.*one sample's loss.*backward_steps"):
        draw_dot(loss)


def test_backward_steps_of_20_samples_plays_a_local_view_page_by_page() -> None:
    model, loss = mlp_loss(20)
    with pytest.raises(ValueError, match=r"1323 frames.*max_frames=200.*backward_steps\(root, start=0, stop=200\)"):
        backward_steps(loss, params=model)
    with pytest.raises(ValueError, match=r"over max_nodes=60.*view='local'"):
        backward_steps(loss, params=model, view="graph", stop=3)
    steps = backward_steps(loss, params=model, max_frames=2000)  # the DOT text only: nothing is rendered
    assert len(steps) == 1323 and steps.note.startswith("local view of a 1322-box graph")
    assert max(s.count("shape=") for s in steps.sources) < 60  # a frame stays small at any graph size
    grads = expected_gradients(model, 20)
    b = "layers.2.neurons.0.b"  # one share per sample: the bias of the output neuron
    shares = [c for c in steps.captions if f"; {b} now holds" in c]
    assert len(shares) == 20 and shares[-1].endswith("(20 of 20 shares)")
    for name, grad in grads.items():
        [done] = [c for c in steps.captions if c.startswith(f"{name}: ")]
        assert float(re.search(r"= (\S+) is complete", done).group(1)) == pytest.approx(grad, abs=PRINTED), name
    later = backward_steps(loss, params=model, start=1200, stop=1210)
    assert later.numbers == list(range(1200, 1210)) and "steps 1200 to 1209 of 1322" in repr(later)
    assert later.captions == steps.captions[1200:1210]


@needs_dot
def test_a_local_frame_shows_the_inputs_receiving_their_shares() -> None:
    """At the output neuron's sum, each of its five inputs receives ∂loss/∂(sum) (local derivative 1),
    and the bias, used once per sample, shows its partial sum so far."""
    model, loss = mlp_loss(4)
    steps = backward_steps(loss, params=model, stop=40)
    k = next(i for i, c in enumerate(steps.captions) if "layers.2.neurons.0.b now holds" in c)
    svg = steps.frame(k).svg()
    boxes = svg_boxes(svg)
    assert boxes["layers.2.neurons.0.b"][1].endswith("so far (1 of 4)")
    g = re.search(r"= (\S+) is complete", steps.captions[k]).group(1)
    assert boxes["layers.2.neurons.0.b"][1] == f"grad {g} so far (1 of 4)"
    products = [lines for title, lines in boxes.items() if title.startswith("*#")]
    assert len(products) == 4 and all(lines[1] == f"grad {g}" for lines in products)
