"""Pictures of computation graphs, with the chain rule written on them.

``draw_dot(root)`` walks the graph that produced ``root`` (a `Value` or a `Tensor`) and returns a
`Graph`: DOT text that renders to SVG or PNG and displays itself in a notebook. Every value node is
a box with its name, ``data`` and ``grad``; every operation a small ellipse between its inputs and
its result, as in micrograd's pictures. On top of that:

- ``precision=9`` prints the textbook's nine decimals; ``params=model`` names the parameters from
  ``model.named_parameters()`` (``0.weight``, ``layers.0.neurons.3.w.2``).
- A scalar neuron's fused ``dot`` op (b + Σ wᵢ·xᵢ) is drawn as micrograd's chain: one ``*`` per
  weight and input, then one ``+`` with the bias, so each product and the bias can be seen.
- ``local=True`` writes on each edge the local derivative ∂child/∂parent at the current values
  (the number the scalar engine stores in ``_local``).
- ``wrt=w5`` highlights every path from ``root`` down to ``w5`` and writes under the picture the
  product of the local derivatives along each path, and their sum, which is ``w5.grad``: the
  multivariate chain rule dL/dw = Σ_paths Π_edges ∂child/∂parent. Factors through unnamed
  intermediate nodes are multiplied together, so the product reads as the textbook writes it,
  between named quantities: dE/dw5 = ∂E/∂out_o1 · ∂out_o1/∂net_o1 · ∂net_o1/∂w5.
- `backward_steps` plays the backward pass one node at a time (reverse topological order) as a
  sequence of pictures with a slider; it is plain HTML and JavaScript, so it needs no network and
  no running kernel (it works in nbconvert HTML too). Up to 60 boxes each frame is the whole graph;
  above, each frame is the node just completed with its inputs and its users ("local" view), and a
  long pass is played a page of ``start``/``stop`` steps at a time.

Layout: ``rankdir=None`` picks "LR" (inputs on the left, as micrograd) for graphs of up to
`SMALL_GRAPH` nodes and "TB" (inputs on top) for bigger ones, where a left-to-right strip would be
screens wide; the drawing is scaled down to at most `WIDTH_INCHES` inches (``size=``), which is
960 px in a browser (96 px per inch). Graphs over ``max_nodes`` nodes are refused with a message
saying how to draw them anyway.

Rendering uses Graphviz's ``dot`` program when it is installed (``apt-get install graphviz``), else
the self-contained ``graphviz-pure`` program from PyPI (``pip install tinygrad_edu[viz]``). Without
either, a notebook shows the DOT text and a one-line hint; display never raises.
"""

from ..graph import topological_order
from .chain_rule import ChainRule
from .draw import draw_dot
from .render import FORMATS, HIGHLIGHT, HINT, LARGE_GRAPH, RENDERERS, SMALL_GRAPH, WIDTH_INCHES, Graph, find_renderer
from .steps import BackwardSteps, backward_steps
from .text import format_array, format_number

__all__ = [
    "FORMATS",
    "HIGHLIGHT",
    "HINT",
    "LARGE_GRAPH",
    "RENDERERS",
    "SMALL_GRAPH",
    "WIDTH_INCHES",
    "BackwardSteps",
    "ChainRule",
    "Graph",
    "backward_steps",
    "draw_dot",
    "find_renderer",
    "format_array",
    "format_number",
    "topological_order",
]
