"""Pictures of computation graphs: DOT text, SVG/PNG rendering and notebook display.

``draw_dot(root)`` walks the graph that produced ``root`` and returns a `Graph`. Every value node
is a record ``label | data … | grad …`` and every operation a small ellipse between its inputs and
its result, so a learner can read each number of a worked example straight off the picture.

Rendering uses Graphviz's ``dot`` program when it is installed (``apt-get install graphviz``),
else the self-contained ``graphviz-pure`` program from PyPI (``pip install tinygrad_edu[viz]``).
Without either, a notebook shows the DOT text and a one-line hint; display never raises.
"""

from __future__ import annotations

import shutil
import subprocess
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from .autograd import topological_order
from .engine import Value

LARGE_GRAPH = 500
RENDERERS = ("dot", "graphviz-pure")
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


def _escape(text: str) -> str:
    """Escape the characters that DOT record labels and quoted strings treat specially."""
    for ch in '\\{}|<>"':
        text = text.replace(ch, "\\" + ch)
    return text


def format_number(x: float, precision: int = 4) -> str:
    """``precision`` decimals, or scientific notation where that would show fewer than 3
    significant digits (|x| < 10^(2 − precision)) or the number is huge (≥ 1e9)."""
    x = float(x)
    if x != 0.0 and np.isfinite(x) and (abs(x) < 10.0 ** (2 - precision) or abs(x) >= 1e9):
        return f"{x:.{precision}e}"
    return f"{x:.{precision}f}"


def _value_fields(node: Value, precision: int) -> list[str]:
    return [node.label, f"data {format_number(node.data, precision)}", f"grad {format_number(node.grad, precision)}"]


def _tensor_fields(node: Any, precision: int, max_elements: int) -> list[str]:
    data = np.asarray(node.data)
    fields = [node.label, f"{tuple(data.shape)} {data.dtype}"]
    if data.size <= max_elements:
        with np.printoptions(precision=precision, suppress=True):
            fields.append(f"data {np.array2string(data, separator=', ')}")
            if node.grad is not None:
                fields.append(f"grad {np.array2string(np.asarray(node.grad), separator=', ')}")
    return fields


def node_fields(node: Any, precision: int = 4, max_elements: int = 16) -> list[str]:
    """The text fields of one node's record: label, then its numbers (or shape and dtype)."""
    if isinstance(node, Value):
        fields = _value_fields(node, precision)
    else:
        fields = _tensor_fields(node, precision, max_elements)
    return [f for f in fields if f] or [" "]


class Graph:
    """A drawn computation graph: DOT text plus rendering and notebook display."""

    def __init__(self, source: str, n_nodes: int) -> None:
        self.source = source
        self.n_nodes = n_nodes

    def render(self, fmt: str = "svg") -> bytes:
        """Render with ``dot`` (or ``graphviz-pure``) to ``fmt`` ("svg", "png", ...)."""
        exe = find_renderer()
        if exe is None:
            raise RuntimeError(HINT.split(";")[0])
        done = subprocess.run([exe, f"-T{fmt}"], input=self.source.encode(), capture_output=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{Path(exe).name} failed: {done.stderr.decode(errors='replace').strip()}")
        return done.stdout

    def svg(self) -> str:
        """The picture as SVG text."""
        return self.render("svg").decode()

    def save(self, path: str | Path) -> Path:
        """Write the graph to ``path``; the suffix picks the format: .svg, .png or .dot."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".dot":
            path.write_text(self.source)
        elif suffix in (".svg", ".png"):
            path.write_bytes(self.render(suffix[1:]))
        else:
            raise ValueError(f"save: unknown suffix {path.suffix!r}; use .svg, .png or .dot")
        return path

    def to_graphviz(self) -> Any:
        """The same graph as a ``graphviz.Source``, for that package's own API (``.view()`` ...)."""
        import graphviz

        return graphviz.Source(self.source)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """Jupyter display: SVG when a renderer works, else the DOT text with a hint. Never raises."""
        try:
            return {"image/svg+xml": self.svg()}
        except Exception as err:  # display must never break a notebook
            return {"text/plain": f"{HINT} ({err})\n{self.source}"}

    def __repr__(self) -> str:
        return f"Graph({self.n_nodes} nodes; .source for DOT, .svg() or .save(path) to render)"


def draw_dot(root: Any, rankdir: str = "LR", precision: int = 4, max_elements: int = 16) -> Graph:
    """Draw the graph that computed ``root`` (a `Value` or a `Tensor`).

    Args:
        root: the output node; every node it was computed from is drawn.
        rankdir: "LR" (left to right, inputs first) or "TB" (top to bottom).
        precision: decimals shown for data and gradients.
        max_elements: tensors with at most this many elements show their numbers.

    Returns:
        A `Graph` with ``.source`` (DOT text), ``.svg()``, ``.save(path)`` and notebook display.
        Node names follow the topological order, so the same graph always gives the same text.
    """
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw_dot: rankdir must be LR, TB, RL or BT, got {rankdir!r}")
    nodes = topological_order(root)
    if len(nodes) > LARGE_GRAPH:
        warnings.warn(
            f"draw_dot: the graph has {len(nodes)} nodes (over {LARGE_GRAPH}); "
            "the picture will be large and slow to render",
            stacklevel=2,
        )
    names = {id(n): f"n{i}" for i, n in enumerate(nodes)}
    lines = ["digraph {", f"  rankdir={rankdir};", '  node [fontname="Helvetica", fontsize=11];']
    for node in nodes:
        name = names[id(node)]
        label = " | ".join(_escape(f) for f in node_fields(node, precision, max_elements))
        lines.append(f'  {name} [shape=record, label="{{ {label} }}"];')
        if node._op:
            lines.append(f'  {name}_op [label="{_escape(node._op)}", shape=ellipse];')
            lines.append(f"  {name}_op -> {name};")
            for parent in node._prev:
                lines.append(f"  {names[id(parent)]} -> {name}_op;")
    lines.append("}")
    return Graph("\n".join(lines) + "\n", len(nodes))
