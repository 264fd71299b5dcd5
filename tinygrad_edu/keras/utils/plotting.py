"""``keras.utils.plot_model``: a picture of a Sequential model, one box per layer, drawn by Graphviz.

Each box holds the layer's name and type (Keras' ``show_layer_names``) and, with ``show_shapes``,
its input and output shapes with ``None`` for the batch axis; arrows follow the data from the input
to the output. The DOT text is built here and rendered by `tinygrad_edu.viz` (Graphviz's ``dot``,
else ``graphviz-pure``).
"""

from __future__ import annotations

import html
import sys
from pathlib import Path
from typing import Any

from ...viz import Graph


def _cell(text: str, bold: str = "", fill: str = "white", color: str = "black", size: int = 14, span: int = 1) -> str:
    body = html.escape(text) + (f"<b>{html.escape(bold)}</b>" if bold else "")
    return f'<td bgcolor="{fill}" colspan="{span}"><font point-size="{size}" color="{color}">{body}</font></td>'


def _layer_label(
    layer: Any,
    input_shape: tuple,
    show_shapes: bool,
    show_dtype: bool,
    show_layer_names: bool,
    show_layer_activations: bool,
    show_trainable: bool,
) -> str:
    cols = []
    if show_shapes:
        if input_shape is not None:
            cols.append(_cell("Input shape: ", str((None, *input_shape))))
        cols.append(_cell("Output shape: ", str((None, *layer.output_shape))))
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
    shape = model.input_shape
    for i, layer in enumerate(model.layers):
        lines.append(f"  L{i} [label={_layer_label(layer, shape, *flags)}];")
        if i:
            lines.append(f"  L{i - 1} -> L{i};")
        shape = layer.output_shape
    lines.append("}")
    return Graph("\n".join(lines) + "\n", len(model.layers))


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
