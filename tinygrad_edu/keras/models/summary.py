"""``model.summary()`` as Keras 3 prints it: a box-drawn table (the one Keras draws with the ``rich``
library, drawn here by `box_table`) of ``name (Type)``, output shape and ``Param #`` per layer, a
"Connected to" column for a functional model whose graph is not a chain, a "Trainable" column on
request, then the totals with their memory size (``Total params: 23 (92.00 B)``) and, once the
optimizer has state, ``Optimizer params``.

Widths follow Keras 3 (``keras/src/utils/summary_utils.py``): 88 characters for a chain of layers
(columns at 0.45, 0.80, 1.0 of the width), 108 with "Connected to" (0.3, 0.56, 0.74, 1.0),
12 more with "Trainable"; never wider than the terminal less 4 (``shutil.get_terminal_size``, 80
columns off a terminal, so 76 there); ``line_length`` and ``positions`` override them.
"""

from __future__ import annotations

import re
import shutil
from typing import Any

import numpy as np

from .. import config
from ..layers.structure import flatten

#: rich's HEAVY_HEAD box, the one Keras' table uses: (left, line, cross, right) per kind of line
_BOX = {
    "top": "┏━┳┓",
    "head": "┃ ┃┃",
    "head_rule": "┡━╇┩",
    "cell": "│ ││",
    "rule": "├─┼┤",
    "bottom": "└─┴┘",
}


def wrap(text: str, width: int) -> list[str]:
    """``text`` broken at spaces into lines of at most ``width`` characters, as rich wraps a table
    cell: a word too long for any line is cut to ``width - 1`` characters and "…".

    >>> wrap("a_long_layer_name (Dense)", 10)
    ['a_long_la…', '(Dense)']
    """
    lines: list[str] = []
    line = ""
    for word in re.findall(r"\s*\S+\s*", text) or [""]:
        bare = len(word.rstrip())
        if line and len(line) + bare > width:
            lines.append(line)
            line = ""
        line += word
    lines.append(line)
    return [s.rstrip() if len(s.rstrip()) <= width else s.rstrip()[: width - 1] + "…" for s in lines]


def _justify(text: str, width: int, how: str) -> str:
    if how == "right":
        return text.rjust(width)
    if how == "center":
        left = (width - len(text)) // 2
        return " " * left + text + " " * (width - len(text) - left)
    return text.ljust(width)


def _fit_widths(widths: list[int], room: int) -> list[int]:
    """rich's last resort for fixed-width columns wider than the room: take the excess off the
    columns in turn, each its rounded share of what is left."""
    excess, shares, out = sum(widths) - room, len(widths), []
    for w in widths:
        cut = min(w, round(excess / shares)) if excess > 0 else 0
        out.append(w - cut)
        excess, shares = excess - cut, shares - 1
    return out


def box_table(header: list[str], align: list[str], widths: list[int], rows: list[list[str]]) -> list[str]:
    """The lines of a table ``sum(widths)`` characters wide with its borders, as Keras' rich table:
    each column holds a space, its text, a space; a rule between rows, cells wrapped by `wrap`.

    >>> print("\\n".join(box_table(["a", "b"], ["left", "right"], [6, 5], [["x y", "1"]])))
    ┏━━━━┳━━━━┓
    ┃ a  ┃  b ┃
    ┡━━━━╇━━━━┩
    │ x  │  1 │
    │ y  │    │
    └────┴────┘
    """
    inner = _fit_widths([w + 2 for w in widths], sum(widths) - len(widths) - 1)
    text_w = [max(w - 2, 0) for w in inner]

    def rule(kind: str) -> str:
        left, line, cross, right = _BOX[kind]
        return left + cross.join(line * w for w in inner) + right

    def block(cells: list[str], kind: str) -> list[str]:
        wrapped = [wrap(c, w) for c, w in zip(cells, text_w)]
        height = max(len(w) for w in wrapped)
        left, _, cross, right = _BOX[kind]
        return [
            left
            + cross.join(
                " " + _justify(w[i] if i < len(w) else "", tw, how)[:tw] + " "
                for w, tw, how in zip(wrapped, text_w, align)
            )
            + right
            for i in range(height)
        ]

    lines = [rule("top"), *block(header, "head"), rule("head_rule")]
    for i, row in enumerate(rows):
        if i:
            lines.append(rule("rule"))
        lines += block(row, "cell")
    return [*lines, rule("bottom")]


def _shape_text(layer: Any) -> str:
    """The output shape of the layer's (last) call in a graph, ``(None, 3)``, else the one its build
    shape gives (a subclassed model's sublayer: the batch it was first called with); a list of them for
    several outputs; ``?`` for a layer never called nor built."""
    if layer._nodes:
        shapes = [kt.shape for kt in flatten(layer._nodes[-1].outputs)]
    elif layer.build_shape is not None:
        try:
            out = layer.compute_output_shape(layer.build_shape)
        except NotImplementedError:
            return "?"
        shapes = flatten(out)  # a shape is a leaf
    else:
        return "?"
    texts = [f"({', '.join(str(d) for d in shape)})" for shape in shapes]
    return texts[0] if len(texts) == 1 else f"[{', '.join(texts)}]"


def _connected(layer: Any, nodes: set[int]) -> str:
    """Keras 3's ``dense[0][0], input_layer_1[0][0]``: the inputs of each of the layer's calls in the
    model (a shared layer lists every call's), as producer[node index][tensor index]."""
    parts = []
    for node in layer._nodes:
        if id(node) not in nodes:
            continue
        for kt in node.parents:
            producer = kt.node.layer
            parts.append(f"{producer.name}[{producer._nodes.index(kt.node)}][{kt.output_index}]")
    return ", ".join(parts) or "-"


def _is_chain(model: Any) -> bool:
    """Keras prints no "Connected to" for a model whose graph is a chain: every depth (`Graph.depths`)
    holds one call, of one input, and no layer is called twice (Sequential and subclassed models always)."""
    graph = getattr(model, "graph", None)
    if graph is None:
        return True
    if any(len(node.parents) > 1 for node in graph.nodes):
        return False
    node_depth = graph.depths()[0]
    if len(set(node_depth.values())) < len(graph.nodes):
        return False
    inside = {id(node) for node in graph.nodes}
    calls = [sum(id(node) in inside for node in layer._nodes) for layer in model.layers]
    return max(calls, default=0) <= 1


def _rows(model: Any, layers: list[Any], chain: bool, expand_nested: bool, show_trainable: bool) -> list[list[str]]:
    """The cells of each layer's row, a nested model's layers after its own with ``expand_nested``."""
    nodes = set() if chain else {id(node) for node in model.graph.nodes}

    def fields(layer: Any, level: int) -> list[list[str]]:
        prefix = "   " * level + "└ " if level else ""
        params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
        row = [f"{prefix}{layer.name} ({layer.type_name})", _shape_text(layer), params]
        if not chain:
            row.append(_connected(layer, nodes))
        if show_trainable:
            row.append(("Y" if layer.trainable else "N") if layer.weights else "-")
        out = [row]
        inner = getattr(layer, "layers", None) if expand_nested else None
        for sub in inner or []:
            out += fields(sub, level + 1)
        return out

    return [row for layer in layers for row in fields(layer, 0)]


def _layer_range(layers: list[Any], layer_range: Any) -> slice:
    """Keras' ``layer_range=(first, last)``: names or regexes (``re.match``) of the first and last
    layer shown, both included."""
    if layer_range is None:
        return slice(0, len(layers))
    if len(layer_range) != 2:
        raise ValueError(
            "layer_range must be a list or tuple of length 2. Received: "
            f"layer_range = {layer_range} of length {len(layer_range)}"
        )
    if not all(isinstance(name, str) for name in layer_range):
        raise ValueError(f"layer_range should contain string type only. Received: {layer_range}")
    low = [i for i, layer in enumerate(layers) if re.match(layer_range[0], layer.name)]
    high = [i for i, layer in enumerate(layers) if re.match(layer_range[1], layer.name)]
    if not low or not high:
        raise ValueError(f"Passed layer_names do not match the layer names in the model. Received: {layer_range}")
    if min(low) > max(high):
        return slice(min(high), max(low) + 1)
    return slice(min(low), max(high) + 1)


def readable_size(n_bytes: float) -> str:
    """Keras' memory size: bytes in the largest unit of 1024 that keeps the number ≥ 1.

    >>> readable_size(92), readable_size(401_920 * 4)
    ('92.00 B', '1.53 MB')
    """
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n_bytes / 1024 < 1:
            return f"{n_bytes:.2f} {unit}"
        n_bytes /= 1024
    return f"{n_bytes:.2f} PB"


def _count(variables: list[Any]) -> tuple[int, int]:
    """(numbers, bytes) of distinct variables."""
    unique = {id(v): v for v in variables}.values()
    sizes = [(int(np.prod(v.shape, dtype=np.int64)), np.dtype(v.dtype).itemsize) for v in unique]
    return sum(n for n, _ in sizes), sum(n * b for n, b in sizes)


def _optimizer_count(model: Any) -> tuple[int, int] | None:
    """Keras' optimizer variables once built (after the first fit): the step counter (int32), the
    learning rate (unless a schedule gives it) and the slots, as `optimizer_state` lays them out,
    all but the counter in ``floatx``; None before."""
    from .optimizer_state import keras_arrays

    arrays = keras_arrays(model) if getattr(model, "optimizer", None) is not None else []
    if not arrays:
        return None
    n = sum(a.size for a in arrays)
    return n, 4 + (n - 1) * np.dtype(config.floatx()).itemsize


def _crop(line: str) -> str:
    """rich cuts each printed line at the console's width (the terminal's, else $COLUMNS, else 80)."""
    return line[: shutil.get_terminal_size().columns]


def summary(
    model: Any,
    line_length: int | None = None,
    positions: list[float] | None = None,
    print_fn: Any = None,
    expand_nested: bool = False,
    show_trainable: bool = False,
    layer_range: Any = None,
) -> None:
    """Print the table and totals, as one string to ``print_fn`` when it is given (Keras does the same),
    else to stdout."""
    chain = _is_chain(model)
    if chain:
        width, header, align = 88, ["Layer (type)", "Output Shape", "Param #"], ["left", "left", "right"]
        positions = positions or [0.45, 0.80, 1.0]
    else:
        width, header = 108, ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        align = ["left", "left", "right", "left"]
        positions = positions or [0.3, 0.56, 0.74, 1.0]
    if show_trainable:
        width += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        header, align = header + ["Trainable"], align + ["center"]
    line_length = line_length or min(width, shutil.get_terminal_size().columns - 4)
    widths, current = [], 0
    for pos in positions:
        w = int(pos * line_length) - current
        if w < 4:
            raise ValueError("Insufficient console width to print summary.")
        widths.append(w)
        current += w
    layers = model.layers[_layer_range(model.layers, layer_range)]
    rows = _rows(model, layers, chain, expand_nested, show_trainable)
    trainable, t_bytes = _count(model.trainable_weights)
    frozen, f_bytes = _count(model.non_trainable_weights)
    opt = _optimizer_count(model)
    o_n, o_bytes = opt or (0, 0)
    lines = [f'Model: "{model.name}"', *box_table(header, align, widths, rows)]
    lines += [
        f" Total params: {trainable + frozen + o_n:,} ({readable_size(t_bytes + f_bytes + o_bytes)})",
        f" Trainable params: {trainable:,} ({readable_size(t_bytes)})",
        f" Non-trainable params: {frozen:,} ({readable_size(f_bytes)})",
    ]
    if opt is not None:
        lines.append(f" Optimizer params: {o_n:,} ({readable_size(o_bytes)})")
    text = "\n".join(_crop(line) for line in lines) + "\n"
    if print_fn is None:
        print(text, end="")
    else:
        print_fn(text)
