"""``keras.utils.plot_model``: a picture of a model, one box per layer, drawn by Graphviz.

Each box holds the layer's name and type (Keras' ``show_layer_names``) and, with ``show_shapes``,
its input and output shapes with ``None`` for the batch axis; arrows follow the data from the
inputs to the outputs (a chain for a Sequential, the graph of layer calls for a functional model).
The DOT text is built here and rendered by `tinygrad_edu.viz` (Graphviz's ``dot``, else
``graphviz-pure``).
"""

from __future__ import annotations

import html
import sys
from pathlib import Path
from typing import Any

from ...viz import Graph
from ..layers.core import flatten


def _cell(text: str, bold: str = "", fill: str = "white", color: str = "black", size: int = 14, span: int = 1) -> str:
    body = html.escape(text) + (f"<b>{html.escape(bold)}</b>" if bold else "")
    return f'<td bgcolor="{fill}" colspan="{span}"><font point-size="{size}" color="{color}">{body}</font></td>'


def _layer_label(
    layer: Any,
    shapes: tuple[str | None, str],
    show_shapes: bool,
    show_dtype: bool,
    show_layer_names: bool,
    show_layer_activations: bool,
    show_trainable: bool,
) -> str:
    cols = []
    if show_shapes:
        if shapes[0] is not None:
            cols.append(_cell("Input shape: ", shapes[0]))
        cols.append(_cell("Output shape: ", shapes[1]))
    if show_dtype:
        cols.append(_cell("Output dtype: ", "float32"))
    if show_trainable and layer.weights:
        cols.append(_cell("", "Trainable", fill="forestgreen", color="white"))
    span = max(1, len(cols))
    title = f"{layer.name} ({layer.type_name})" if show_layer_names else layer.type_name
    rows = [_cell("", title, fill="black", color="white", size=16, span=span)]
    activation = getattr(layer, "cell_activation", layer.activation)
    if show_layer_activations and activation != "linear":
        rows.append(_cell("Activation: ", activation, span=span))
    if cols:
        rows.append("".join(cols))
    return '<<table border="0" cellborder="1" cellpadding="10">' + "".join(f"<tr>{r}</tr>" for r in rows) + "</table>>"


def model_to_dot(
    model: Any,
    show_shapes: bool = False,
    show_dtype: bool = False,
    show_layer_names: bool = True,
    rankdir: str = "TB",
    dpi: int = 200,
    show_layer_activations: bool = False,
    show_trainable: bool = False,
) -> Graph:
    """The model as a DOT graph (a `tinygrad_edu.viz.Graph`: ``.source``, ``.save``, notebook display).

    >>> from tinygrad_edu import keras
    >>> model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2, name="out")])
    >>> source = model_to_dot(model, show_shapes=True).source
    >>> "<b>out (Dense)</b>" in source, "Output shape: <b>(None, 2)</b>" in source
    (True, True)
    """
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"model_to_dot: rankdir must be 'TB', 'LR', 'BT' or 'RL', got {rankdir!r}")
    model.require_built("plot_model")
    flags = (show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable)
    lines = [
        "digraph model {",
        f'  graph [rankdir={rankdir}, dpi={int(dpi)}, concentrate=true, splines=ortho, bgcolor="white"];',
        '  node [shape=plaintext, fontname="Helvetica"];',
    ]
    layers, edges = _layers_and_edges(model)
    for i, layer in enumerate(layers):
        lines.append(f"  L{i} [label={_layer_label(layer, _shapes(model, layer, i), *flags)}];")
    lines += [f"  L{a} -> L{b};" for a, b in edges]
    lines.append("}")
    return Graph("\n".join(lines) + "\n", len(layers))


def _layers_and_edges(model: Any) -> tuple[list[Any], list[tuple[int, int]]]:
    """The boxes and arrows: a Sequential's layers in a chain; a functional model's layers (inputs
    included) with an arrow from each layer whose output another layer's call reads."""
    layers = list(model.layers)
    graph = getattr(model, "graph", None)
    if graph is None:
        return layers, [(i - 1, i) for i in range(1, len(layers))]
    index = {id(layer): i for i, layer in enumerate(layers)}
    edges: list[tuple[int, int]] = []
    for node in graph.nodes:
        for parent in node.parents:
            edge = (index[id(parent.node.layer)], index[id(node.layer)])
            if edge not in edges:
                edges.append(edge)
    return layers, edges


def _shapes(model: Any, layer: Any, i: int) -> tuple[str | None, str]:
    """(input shape, output shape) as Keras writes them, the batch as None."""
    if getattr(model, "graph", None) is None:
        before = model.input_shape if i == 0 else model.layers[i - 1].output_shape
        return str((None, *before)), str((None, *layer.output_shape))
    node = next(n for n in model.graph.nodes if n.layer is layer)
    inputs = [str(kt.shape) for kt in node.parents]
    outputs = [str(kt.shape) for kt in flatten(node.outputs)]
    joined = lambda texts: texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"  # noqa: E731
    return (joined(inputs) if inputs else None), joined(outputs)


def plot_model(
    model: Any,
    to_file: str | Path = "model.png",
    show_shapes: bool = False,
    show_dtype: bool = False,
    show_layer_names: bool = False,
    rankdir: str = "TB",
    dpi: int = 200,
    show_layer_activations: bool = False,
    show_trainable: bool = False,
) -> Any:
    """Draw the model to ``to_file`` (the suffix picks the format: .png, .svg or .dot), with Keras'
    arguments and defaults; in a notebook, return the picture for display (Keras returns an
    ``IPython.display.Image``), elsewhere return None.

    Raises:
        ValueError: the model is not built, or an unknown suffix or ``rankdir``.
        RuntimeError: no Graphviz renderer is installed (a .dot file needs none).
    """
    graph = model_to_dot(
        model, show_shapes, show_dtype, show_layer_names, rankdir, dpi, show_layer_activations, show_trainable
    )
    path = graph.save(to_file)
    if "ipykernel" in sys.modules:
        from IPython.display import SVG, Image

        return SVG(path.read_text()) if path.suffix.lower() == ".svg" else Image(filename=str(path))
    return None
