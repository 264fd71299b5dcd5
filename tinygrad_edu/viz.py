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
  no running kernel (it works in nbconvert HTML too).

Layout: ``rankdir=None`` picks "LR" (inputs on the left, as micrograd) for graphs of up to
`SMALL_GRAPH` nodes and "TB" (inputs on top) for bigger ones, where a left-to-right strip would be
screens wide; the drawing is scaled down to at most `WIDTH_INCHES` inches (``size=``), which is
960 px in a browser (96 px per inch). Graphs over ``max_nodes`` nodes are refused with a message
saying how to draw them anyway.

Rendering uses Graphviz's ``dot`` program when it is installed (``apt-get install graphviz``), else
the self-contained ``graphviz-pure`` program from PyPI (``pip install tinygrad_edu[viz]``). Without
either, a notebook shows the DOT text and a one-line hint; display never raises.
"""

from __future__ import annotations

import html
import itertools
import math
import shutil
import subprocess
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .engine import Value
from .fileio import atomic_write
from .graph import topological_order

#: Graphs with more nodes than this are refused unless ``max_nodes`` is raised.
LARGE_GRAPH = 500
#: Graphs with at most this many nodes are drawn left to right by default, bigger ones top to bottom.
SMALL_GRAPH = 12
#: Default largest drawing width in inches (graphviz's ``size``); 960 px at a browser's 96 px/inch.
WIDTH_INCHES = 10.0
RENDERERS = ("dot", "graphviz-pure")
FORMATS = ("svg", "png")
HIGHLIGHT = "#d62728"
HINT = (
    "no Graphviz renderer found: `apt-get install graphviz` (or `pip install graphviz-pure`) "
    "to see this graph as a picture; its DOT text follows"
)


def find_renderer() -> str | None:
    """Path of the first available renderer program in `RENDERERS`, or None."""
    for name in RENDERERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def _quote(text: str) -> str:
    """Escape a line for a double-quoted DOT string (backslash and quote)."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def format_number(x: float, precision: int = 4) -> str:
    """``precision`` decimals, or scientific notation where that would show fewer than 3
    significant digits (|x| < 10^(2 − precision)) or the number is huge (≥ 1e9).

    >>> format_number(0.0821670406, 9), format_number(0.000438568, 4), format_number(-2.0, 2)
    ('0.082167041', '4.3857e-04', '-2.00')
    """
    x = float(x)
    if x != 0.0 and math.isfinite(x) and (abs(x) < 10.0 ** (2 - precision) or abs(x) >= 1e9):
        return f"{x:.{precision}e}"
    return f"{x:.{precision}f}"


def format_array(a: np.ndarray, precision: int = 4, width: int = 48) -> list[str]:
    """An array's numbers as lines of at most about ``width`` characters (one row per line)."""
    with np.printoptions(precision=precision, suppress=True, linewidth=width, threshold=10**6):
        return np.array2string(np.asarray(a), separator=", ").splitlines()


# ----------------------------------------------------------------------------- the drawing graph
@dataclass
class _Node:
    """One box of the picture: a graph node, or one ``*`` of an expanded ``dot``."""

    key: str
    title: str
    op: str
    data: Any
    grad: Any
    parents: list[tuple[_Node, float | None]] = field(default_factory=list)
    source: Any = None  # the Value/Tensor drawn, None for a product inside an expanded dot


def _parameter_names(params: Any) -> dict[int, str]:
    """id(node) → name, from a module (its ``named_parameters()``), a dict or (name, node) pairs."""
    if params is None:
        return {}
    if hasattr(params, "named_parameters"):
        pairs: Iterable[tuple[str, Any]] = params.named_parameters()
    elif isinstance(params, dict):
        pairs = params.items()
    else:
        pairs = params
    names = {}
    for name, node in pairs:
        if not isinstance(name, str):
            raise TypeError(f"draw_dot: params must map names (str) to nodes, got the key {name!r}")
        names[id(node)] = name
    return names


def _build(root: Any, names: dict[int, str], expand_dot: bool) -> list[_Node]:
    """The nodes to draw, inputs before their users; ``dot`` ops expanded into ``*`` and ``+``."""
    drawn: dict[int, _Node] = {}
    out: list[_Node] = []
    for node in topological_order(root):
        title = node.label or names.get(id(node), "")
        if node.label and id(node) in names and names[id(node)] != node.label:
            title = f"{node.label} ({names[id(node)]})"
        op = node._op
        local: tuple[float | None, ...] = tuple(node._local) if isinstance(node, Value) else (None,) * len(node._prev)
        parents = [(drawn[id(p)], d) for p, d in zip(node._prev, local)]
        if expand_dot and op == "dot" and isinstance(node, Value):
            n = (len(parents) - 1) // 2
            products = []
            for i in range(n):
                (w, dw), (x, dx) = parents[i], parents[n + i]
                prod = _Node(f"{len(out)}", "", "*", w.data * x.data, node.grad, [(w, dw), (x, dx)])
                out.append(prod)
                products.append((prod, 1.0))
            op, parents = "+", [*products, parents[-1]]
        me = _Node(f"{len(out)}", title, op, node.data, node.grad, parents, node)
        drawn[id(node)] = me
        out.append(me)
    return out


def _interior_tensor_grads(root: Any) -> dict[int, np.ndarray]:
    """∂root/∂node for every node of a Tensor graph, by running ``root.backward()`` once with
    every node retaining its gradient, then putting every ``.grad`` back as it was."""
    order = topological_order(root)
    saved = [(n, n.grad, n._retain) for n in order]
    try:
        for n in order:
            n.grad = None
            if n.grad_fn is not None:
                n.retain_grad()
        root.backward(np.ones_like(root.data))
        return {id(n): n.grad for n in order if n.grad is not None}
    finally:
        for n, grad, retain in saved:
            n.grad, n._retain = grad, retain


# ----------------------------------------------------------------------------- the chain rule
@dataclass
class ChainRule:
    """Every path from the output down to one node, each path's local derivatives (grouped between
    named nodes) and their product; ``total`` is the sum over the paths, the node's gradient."""

    target: str
    root: str
    paths: list[list[_Node]]
    factors: list[list[tuple[str, str, float]]]  # per path: (upper name, lower name, ∂upper/∂lower)
    products: list[float]

    @property
    def total(self) -> float:
        """Σ over paths of Π over edges of ∂child/∂parent."""
        return math.fsum(self.products)

    def lines(self, precision: int) -> list[str]:
        """The chain rule as text, one line per path, then the sum when there are several paths."""
        fmt = lambda v: format_number(v, precision)  # noqa: E731
        out = []
        many = len(self.products) > 1
        for k, (factors, product) in enumerate(zip(self.factors, self.products), 1):
            head = f"path {k}: " if many else f"∂{self.root}/∂{self.target} = "
            out.append(head + " · ".join(f"∂{a}/∂{b}" for a, b, _ in factors))
            out.append(
                " " * (len(head) - (0 if many else 2))
                + "= "
                + " × ".join(fmt(v) for _, _, v in factors)
                + f" = {fmt(product)}"
            )
        if many:
            out.append(f"∂{self.root}/∂{self.target} = sum over the {len(self.products)} paths = {fmt(self.total)}")
        return out


def _describe(node: _Node, depth: int = 2) -> str:
    """A node's name, or for an unnamed one the expression that made it (``x1*w1``) when short."""
    if node.title:
        return node.title
    if depth and node.op in ("+", "-", "*", "/") and len(node.parents) == 2:
        text = node.op.join(_describe(p, depth - 1) for p, _ in node.parents)
        if len(text) <= 24 and "?" not in text:
            return f"({text})"
    return "?" if depth < 2 else f"the {node.op} node's output"


def _chain_rule(nodes: list[_Node], target: _Node, max_paths: int) -> ChainRule:
    root = nodes[-1]
    name = _describe
    paths: list[list[_Node]] = []
    edges: list[list[float]] = []

    reach: dict[int, bool] = {}
    for n in nodes:  # inputs first: which nodes have the target among their inputs
        reach[id(n)] = n is target or any(reach[id(p)] for p, _ in n.parents)
    nodes_on = {k for k, v in reach.items() if v}

    def walk_reaching(node: _Node, path: list[_Node], locals_: list[float]) -> None:
        if len(paths) > max_paths:
            return
        if node is target:
            paths.append(path)
            edges.append(locals_)
            return
        for parent, local in node.parents:
            if id(parent) in nodes_on:
                walk_reaching(parent, [*path, parent], [*locals_, local])

    walk_reaching(root, [root], [])
    if len(paths) > max_paths:
        raise ValueError(f"draw_dot: more than {max_paths} paths lead to {name(target)}; raise max_paths to draw them")
    factors, products = [], []
    for path, locals_ in zip(paths, edges):
        grouped: list[tuple[str, str, float]] = []
        upper, value = path[0], 1.0
        for lower, local in zip(path[1:], locals_):
            value *= local
            # split at named nodes, except where the factor so far is exactly 1 (a sum): the
            # textbook writes ∂E_total/∂out_o1, not ∂E_total/∂E_o1 · ∂E_o1/∂out_o1 with a factor 1
            if lower is target or (lower.title and value != 1.0):
                grouped.append((name(upper), name(lower), value))
                upper, value = lower, 1.0
        factors.append(grouped)
        products.append(math.prod(local for local in locals_))
    return ChainRule(name(target), name(root), paths, factors, products)


# ----------------------------------------------------------------------------- rendering
def _pipe(source: str, format: str) -> bytes:
    exe = find_renderer()
    if exe is None:
        raise RuntimeError(HINT.split(";")[0])
    done = subprocess.run([exe, f"-T{format}"], input=source.encode(), capture_output=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{Path(exe).name} failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def _write(path: Path, data: bytes) -> None:
    """Write a picture or its DOT source atomically (a failed write keeps the previous file)."""
    with atomic_write(path) as f:
        f.write(data)


def _check_format(format: str) -> str:
    if format not in FORMATS:
        raise ValueError(f"draw_dot: format must be one of {', '.join(FORMATS)}, got {format!r}")
    return format


class Graph:
    """A drawn computation graph: DOT text plus rendering and notebook display, with the methods of
    ``graphviz.Digraph`` that micrograd's notebooks use (``format``, ``pipe``, ``render``)."""

    def __init__(self, source: str, n_nodes: int, format: str = "svg", chain_rule: ChainRule | None = None) -> None:
        self.source = source
        self.n_nodes = n_nodes
        self.format = _check_format(format)
        #: the highlighted paths and their products when drawn with ``wrt=``
        self.chain_rule = chain_rule

    def pipe(self, format: str | None = None) -> bytes:
        """The rendered picture as bytes (``format`` "svg" or "png"; default: ``self.format``)."""
        return _pipe(self.source, _check_format(format or self.format))

    def svg(self) -> str:
        """The picture as SVG text."""
        return self.pipe("svg").decode()

    def render(
        self, filename: str | Path = "graph", directory: str | Path | None = None, format: str | None = None
    ) -> str:
        """As ``graphviz.Digraph.render``: write the DOT source to ``filename`` and the picture to
        ``filename.<format>``; returns the picture's path. ``dot.render("gout")`` writes gout and gout.svg."""
        fmt = _check_format(format or self.format)
        base = Path(directory or ".") / filename
        base.parent.mkdir(parents=True, exist_ok=True)
        _write(base, self.source.encode())
        picture = base.with_name(f"{base.name}.{fmt}")
        _write(picture, self.pipe(fmt))
        return str(picture)

    def save(self, path: str | Path) -> Path:
        """Write the graph to ``path``; the suffix picks the format: .svg, .png or .dot."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".dot":
            _write(path, self.source.encode())
        elif suffix in (".svg", ".png"):
            _write(path, self.pipe(suffix[1:]))
        else:
            raise ValueError(f"save: unknown suffix {path.suffix!r}; use .svg, .png or .dot")
        return path

    def to_graphviz(self) -> Any:
        """The same graph as a ``graphviz.Source``, for that package's own API (``.view()`` ...)."""
        import graphviz

        return graphviz.Source(self.source, format=self.format)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """Jupyter display: the picture in ``self.format`` when a renderer works, else the DOT text
        with a hint. Never raises."""
        try:
            if self.format == "png":
                return {"image/png": self.pipe("png")}
            return {"image/svg+xml": self.svg()}
        except Exception as err:  # display must never break a notebook
            return {"text/plain": f"{HINT} ({err})\n{self.source}"}

    def __repr__(self) -> str:
        return f"Graph({self.n_nodes} nodes; .source for DOT, .render(filename) or .save(path) to write it)"


def _node_lines(node: _Node, precision: int, max_elements: int, grad: Any, show_grad: bool) -> tuple[list[str], bool]:
    """(label lines, whether they hold arrays) for one box."""
    lines = [node.title] if node.title else []
    if isinstance(node.source, Value) or node.source is None:
        lines.append(f"data {format_number(node.data, precision)}")
        if show_grad:
            lines.append("grad " + ("·" if grad is None else format_number(grad, precision)))
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
        f'  graph [rankdir={rankdir}, size="{width:g},1000", nodesep=0.2, ranksep=0.3];',
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


@dataclass
class _Drawing:
    nodes: list[_Node]
    rankdir: str
    grads: dict[int, Any]


def _prepare(
    root: Any,
    rankdir: str | None,
    params: Any,
    expand_dot: bool,
    max_nodes: int,
    interior_grads: bool,
) -> _Drawing:
    if rankdir is not None and rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw_dot: rankdir must be LR, TB, RL or BT (or None to choose), got {rankdir!r}")
    if not hasattr(root, "_prev"):
        raise TypeError(f"draw_dot: root must be a Value or a Tensor, got {type(root).__name__}")
    size = len(topological_order(root))
    if size > max_nodes:
        raise ValueError(
            f"draw_dot: the graph has {size} nodes, over max_nodes={max_nodes}: too many to read, and slow to "
            f"render. Draw a smaller piece (a single neuron, a smaller batch or model), or draw it anyway "
            f"with draw_dot(root, max_nodes={size})"
        )
    nodes = _build(root, _parameter_names(params), expand_dot)
    is_value = isinstance(root, Value)
    if is_value:
        grads = {id(n): n.grad for n in nodes}
    elif interior_grads and root.requires_grad:
        by_source = _interior_tensor_grads(root)
        grads = {id(n): by_source.get(id(n.source)) for n in nodes}
    else:
        grads = {id(n): n.source.grad for n in nodes}
    if rankdir is None:
        rankdir = "LR" if len(nodes) <= SMALL_GRAPH else "TB"
    return _Drawing(nodes, rankdir, grads)


def _find_target(nodes: list[_Node], wrt: Any) -> _Node:
    for n in nodes:
        if n.source is wrt or (isinstance(wrt, str) and wrt and wrt in (n.title, n.source.label if n.source else "")):
            return n
    raise ValueError(f"draw_dot: wrt={wrt!r} is not a node of this graph (give the Value itself or its label)")


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
        width: largest width of the drawing in inches (graphviz scales it down to fit).

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
    return Graph(source, len(drawing.nodes), format, chain)


# ----------------------------------------------------------------------------- backward, step by step
class BackwardSteps:
    """The backward pass as a sequence of pictures, one per node in reverse topological order.

    Frame 0 shows the forward values with every gradient unknown ("grad ·"); frame k shows the
    gradients that are complete after the first k nodes have passed theirs back to their inputs:
    a node's gradient is final once every node that used it has been visited. In a notebook it
    displays as a slider and ◀ ▶ buttons (plain HTML and JavaScript, no network, no kernel); with
    scripts off, the frames are shown one below the other. ``frames`` holds the DOT sources.
    """

    def __init__(self, sources: list[str], captions: list[str]) -> None:
        self.sources = sources
        self.captions = captions

    def __len__(self) -> int:
        return len(self.sources)

    def __repr__(self) -> str:
        return f"BackwardSteps({len(self.sources)} frames; displays as a player in a notebook, .save_html(path))"

    def frame(self, k: int, format: str = "svg") -> Graph:
        """Frame ``k`` as a `Graph`."""
        return Graph(self.sources[k], 0, format)

    def _repr_html_(self) -> str:
        try:
            svgs = [_pipe(s, "svg").decode() for s in self.sources]
        except Exception as err:  # display must never break a notebook
            return f"<pre>{html.escape(HINT)} ({html.escape(str(err))})</pre>"
        uid = f"bwsteps{uuid.uuid4().hex[:12]}"  # unique per display, so two players never clash
        frames = "".join(
            f'<div class="{uid}-f" data-k="{k}"><p style="font:13px sans-serif;margin:4px 0">'
            f"step {k} of {len(svgs) - 1}: {html.escape(cap)}</p>{_strip_xml_header(svg)}</div>"
            for k, (svg, cap) in enumerate(zip(svgs, self.captions))
        )
        script = _PLAYER_JS.replace("UID", uid)
        return (
            f'<div id="{uid}"><div class="ctl" style="display:none;font:13px sans-serif">'
            f'<button class="prev">◀</button> <input type="range" min="0" max="{len(svgs) - 1}" value="0" '
            f'style="width:60%;vertical-align:middle"> <button class="next">▶</button></div>'
            f"{frames}<script>{script}</script></div>"
        )

    def save_html(self, path: str | Path) -> Path:
        """Write the player as a standalone HTML page."""
        path = Path(path)
        _write(path, f"<!DOCTYPE html><html><meta charset='utf-8'><body>{self._repr_html_()}</body></html>".encode())
        return path


#: The player's script: show one frame, driven by the slider and the ◀ ▶ buttons (UID: the player's id).
_PLAYER_JS = (
    "(function(){var r=document.getElementById('UID');if(!r)return;"
    "var f=r.querySelectorAll('.UID-f'),s=r.querySelector('input');"
    "function show(k){k=Math.max(0,Math.min(f.length-1,k));s.value=k;"
    "for(var i=0;i<f.length;i++)f[i].style.display=(i==k)?'block':'none';}"
    "r.querySelector('.prev').onclick=function(){show(+s.value-1)};"
    "r.querySelector('.next').onclick=function(){show(+s.value+1)};"
    "s.oninput=function(){show(+s.value)};r.querySelector('.ctl').style.display='block';show(0);})();"
)


def _strip_xml_header(svg: str) -> str:
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def backward_steps(
    root: Any,
    rankdir: str | None = None,
    precision: int = 4,
    *,
    params: Any = None,
    local: bool = True,
    expand_dot: bool = True,
    max_nodes: int = 60,
    width: float = WIDTH_INCHES,
) -> BackwardSteps:
    """The backward pass of a `Value` graph, one node at a time (see `BackwardSteps`).

    The gradients are computed here from the stored local derivatives, exactly as
    `Value.backward` does (dL/dparent += ∂node/∂parent · dL/dnode, outputs before inputs); the
    graph's own ``.grad`` values are not read or changed, so it works before ``backward()`` too.

    >>> from tinygrad_edu import Value
    >>> x = Value(3.0, label="x"); y = x * x; y.label = "y"
    >>> steps = backward_steps(y)
    >>> len(steps), steps.captions[-1]
    (3, 'x: ∂y/∂x = 6.0000 is complete')
    """
    if not isinstance(root, Value):
        raise TypeError(f"backward_steps: root must be a Value, got {type(root).__name__}")
    drawing = _prepare(root, rankdir, params, expand_dot, max_nodes, False)
    nodes = drawing.nodes
    pending = {id(n): 0.0 for n in nodes}
    pending[id(nodes[-1])] = 1.0
    done: dict[int, Any] = {}
    name = _describe
    rname = name(nodes[-1])
    sources = [_dot_source(nodes, drawing.rankdir, precision, 16, width, local, done, None)]
    captions = [f"forward pass done; backward starts at {rname} with ∂{rname}/∂{rname} = 1"]
    for node in reversed(nodes):
        g = pending[id(node)]
        done = {**done, id(node): g}
        for parent, d in node.parents:
            pending[id(parent)] += d * g
        sources.append(_dot_source(nodes, drawing.rankdir, precision, 16, width, local, done, None, node))
        captions.append(f"{name(node)}: ∂{rname}/∂{name(node)} = {format_number(g, precision)} is complete")
    return BackwardSteps(sources, captions)
