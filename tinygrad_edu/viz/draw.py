"""`draw_dot`: the DOT text of a drawing (boxes, op ellipses, local derivatives, highlighted paths)."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from ..engine import Value
from .chain_rule import ChainRule, _chain_rule
from .nodes import _find_target, _Node, _prepare
from .render import HIGHLIGHT, LARGE_GRAPH, SMALL_GRAPH, WIDTH_INCHES, Graph, _check_format, keep_readable
from .text import _quote, format_array, format_number


def _node_lines(node: _Node, precision: int, max_elements: int, grad: Any, show_grad: bool) -> tuple[list[str], bool]:
    """(label lines, whether they hold arrays) for one box."""
    lines = [node.title] if node.title else []
    if isinstance(node.source, Value) or node.source is None:
        lines.append(f"data {format_number(node.data, precision)}")
        if show_grad:
            shown = "·" if grad is None else grad if isinstance(grad, str) else format_number(grad, precision)
            lines.append(f"grad {shown}")
        return lines, False
    data = np.asarray(node.data)
    lines.append(f"{tuple(data.shape)} {data.dtype}")
    if data.size == 1:  # a loss: one number a line, as a Value
        lines.append(f"data {format_number(data.item(), precision)}")
        if grad is not None:
            lines.append(f"grad {format_number(np.asarray(grad).item(), precision)}")
    elif data.size <= max_elements:
        lines += ["data", *format_array(data, precision)]
        if grad is not None:
            lines += ["grad", *format_array(np.asarray(grad), precision)]
    elif grad is not None:
        g = np.asarray(grad)
        lines.append(f"grad ‖·‖ {format_number(float(np.linalg.norm(g)), precision)}")
    return lines, True


def _dot_source(
    nodes: list[_Node],
    rankdir: str,
    precision: int,
    max_elements: int,
    width: float,
    local: bool,
    grads: dict[int, Any],
    chain: ChainRule | None,
    current: _Node | None = None,
    show_grad: bool = True,
) -> str:
    on_path = {id(n) for p in (chain.paths if chain else []) for n in p}
    path_edges = {(id(a), id(b)) for p in (chain.paths if chain else []) for a, b in itertools.pairwise(p)}
    lines = [
        "digraph {",
        f'  graph [rankdir={rankdir}, size="{width:g},1000", nodesep=0.2, ranksep=0.3, pad=0.1];',
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=9, arrowsize=0.6];',
    ]
    for node in nodes:
        name = f"n{node.key}"
        body, arrays = _node_lines(node, precision, max_elements, grads.get(id(node)), show_grad)
        end = "\\l" if arrays else "\\n"
        label = end.join(_quote(line) for line in body) + (end if arrays else "")
        style = ""
        if id(node) in on_path or node is current:
            style = f', color="{HIGHLIGHT}", penwidth=2'
        if node is current:
            style += ', style="rounded,filled", fillcolor="#fde0dd"'
        font = ', fontname="Courier"' if arrays else ""
        shape = "box" if node.source is not None else "box, style=dashed"
        if node is current:
            shape = "box"
        lines.append(f'  {name} [shape={shape}, label="{label}"{font}{style}];')
        if node.op:
            hot = f'color="{HIGHLIGHT}", penwidth=2' if id(node) in on_path else ""
            lines.append(
                f'  {name}_op [label="{_quote(node.op)}", shape=ellipse, margin=0.02{", " + hot if hot else ""}];'
            )
            lines.append(f"  {name}_op -> {name}{f' [{hot}]' if hot else ''};")
            for parent, d in node.parents:
                attrs = []
                if local and d is not None:
                    attrs.append(f'label=" {format_number(d, precision)}"')
                if (id(node), id(parent)) in path_edges:
                    attrs.append(f'color="{HIGHLIGHT}", fontcolor="{HIGHLIGHT}", penwidth=2')
                extra = f" [{', '.join(attrs)}]" if attrs else ""
                lines.append(f"  n{parent.key} -> {name}_op{extra};")
    if chain is not None:
        text = "\\l".join(_quote(line) for line in chain.lines(precision)) + "\\l"
        lines.append(f'  label="{text}"; labelloc=b; labeljust=l; fontname="Helvetica"; fontsize=12;')
    lines.append("}")
    return "\n".join(lines) + "\n"


def draw_dot(
    root: Any,
    format: str = "svg",
    rankdir: str | None = None,
    precision: int = 4,
    *,
    params: Any = None,
    local: bool = False,
    wrt: Any = None,
    interior_grads: bool = False,
    expand_dot: bool = True,
    max_elements: int = 16,
    max_nodes: int = LARGE_GRAPH,
    max_paths: int = 64,
    width: float = WIDTH_INCHES,
) -> Graph:
    """Draw the graph that computed ``root`` (a `Value` or a `Tensor`).

    Args:
        root: the output node; every node it was computed from is drawn.
        format: "svg" or "png": how the notebook shows it and what ``render()`` writes.
        rankdir: "LR" (inputs left), "TB" (inputs on top), "RL" or "BT"; None chooses "LR" for
            graphs of at most `SMALL_GRAPH` nodes and "TB" above, so the picture fits a notebook.
        precision: decimals shown for data, gradients and local derivatives (9 for the textbook).
        params: a module (its ``named_parameters()`` name the parameters), a dict or
            (name, node) pairs; a node with a ``label`` shows both.
        local: write the local derivative ∂child/∂parent on each edge (Value graphs).
        wrt: a node (or its label) of a Value graph: highlight every path from ``root`` to it and
            write the product of the local derivatives along each path, and their sum (= its grad).
        interior_grads: for a Tensor graph, also show ∂root/∂node on interior nodes (computed
            by one extra backward pass; every ``.grad`` is left as it was). Value nodes always show it.
        expand_dot: draw a neuron's fused ``dot`` as one ``*`` per weight and input, then a ``+``.
        max_elements: tensors with at most this many elements show their numbers, one row a line.
        max_nodes: refuse bigger graphs (the message says how to draw one anyway).
        max_paths: refuse ``wrt`` when more paths than this lead to it.
        width: largest width of the drawing in inches: graphviz scales it down to fit, but never below
            `MIN_SCALE` of its natural size, so labels stay readable; a wider picture scrolls in a notebook.

    Returns:
        A `Graph` with ``.source`` (DOT text), ``.pipe()``, ``.render(filename)``, ``.save(path)``,
        ``.chain_rule`` (with ``wrt``) and notebook display. Node names follow the topological order,
        so the same graph always gives the same text.

    >>> from tinygrad_edu import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b; c.label = "c"; c.backward()
    >>> g = draw_dot(c, local=True, wrt=a)
    >>> print("\\n".join(g.chain_rule.lines(4)))
    ∂c/∂a = ∂c/∂a
          = -3.0000 = -3.0000
    """
    _check_format(format)
    drawing = _prepare(root, rankdir, params, expand_dot, max_nodes, interior_grads)
    chain = None
    if wrt is not None:
        if not isinstance(root, Value):
            raise ValueError("draw_dot: wrt= needs a Value graph (a Tensor op's local derivative is a whole Jacobian)")
        chain = _chain_rule(drawing.nodes, _find_target(drawing.nodes, wrt), max_paths)
    source = _dot_source(drawing.nodes, drawing.rankdir, precision, max_elements, width, local, drawing.grads, chain)
    if len(drawing.nodes) > SMALL_GRAPH:
        source = keep_readable(source, width)
    return Graph(source, len(drawing.nodes), format, chain)
