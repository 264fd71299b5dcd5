"""``keras.utils.plot_model``: a picture of a model, one box per layer, drawn by Graphviz.

Each box holds the layer's name and type (Keras' ``show_layer_names``) and, with ``show_shapes``,
its input and output shapes with ``None`` for the batch axis; arrows follow the data from the
inputs to the outputs (a chain for a Sequential, the graph of layer calls for a functional model).
The DOT text is built here and rendered by `tinygrad_edu.viz` (Graphviz's ``dot``, else
``graphviz-pure``).
"""

from __future__ import annotations

import html
import itertools
import os
import sys
from pathlib import Path
from typing import Any

from ...viz import Graph
from ..layers.structure import flatten


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


def _check_call(model: Any, rankdir: str, kwargs: dict) -> None:
    """Keras' refusals, before anything is drawn."""
    if not model.built:
        raise ValueError(
            "This model has not yet been built. Build the model first by calling `build()` or by calling "
            "the model on a batch of data."
        )
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"model_to_dot: rankdir must be 'TB', 'LR', 'BT' or 'RL', got {rankdir!r}")
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("Argument `layer_range` is no longer supported.")
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {kwargs}")


def model_to_dot(
    model: Any,
    show_shapes: bool = False,
    show_dtype: bool = False,
    show_layer_names: bool = True,
    rankdir: str = "TB",
    expand_nested: bool = False,
    dpi: int = 200,
    show_layer_activations: bool = False,
    show_trainable: bool = False,
    splines: str = "ortho",
    **kwargs: Any,
) -> Graph:
    """The model as a DOT graph (a `tinygrad_edu.viz.Graph`: ``.source``, ``.save``, notebook display).
    With ``expand_nested``, a model inside the model is a dashed box (a Graphviz cluster) around its
    own layers, and the arrows go to its first layers and from its last ones, as Keras draws it.

    >>> from tinygrad_edu import keras
    >>> model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2, name="out")])
    >>> source = model_to_dot(model, show_shapes=True).source
    >>> "<b>out (Dense)</b>" in source, "Output shape: <b>(None, 2)</b>" in source
    (True, True)
    """
    _check_call(model, rankdir, kwargs)
    flags = (show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable)
    lines = [
        "digraph model {",
        f'  graph [rankdir={rankdir}, dpi={int(dpi)}, concentrate=true, splines={splines}, bgcolor="white"];',
        '  node [shape=plaintext, fontname="Helvetica"];',
    ]
    ids: dict[int, str] = {}
    edges: list[tuple[str, str]] = []
    if hasattr(model, "stack") or getattr(model, "graph", None) is not None:
        lines += _boxes(model, ids, flags, expand_nested, "  ")
        _edges(model, ids, expand_nested, edges)
    else:  # Keras draws a subclassed model as one box
        ids[id(model)] = "L0"
        lines.append(f"  L0 [label={_layer_label(model, (None, '?'), *flags)}];")
    lines += [f"  {a} -> {b};" for a, b in edges]
    lines.append("}")
    return Graph("\n".join(lines) + "\n", len(ids))


def _expands(layer: Any, expand_nested: bool) -> bool:
    """A Sequential or functional model drawn as a cluster of its layers (subclassed ones stay one box)."""
    return expand_nested and (hasattr(layer, "stack") or getattr(layer, "graph", None) is not None)


def _boxes(model: Any, ids: dict[int, str], flags: tuple, expand_nested: bool, indent: str) -> list[str]:
    """One box per layer (ids L0, L1, … in drawing order), a nested model expanded into a cluster."""
    lines = []
    for i, layer in enumerate(model.layers):
        if _expands(layer, expand_nested):
            lines += [
                f'{indent}subgraph "cluster_{html.escape(layer.name)}" {{',
                f'{indent}  label="{html.escape(layer.name)}"; labeljust="l"; style="dashed";',
                *_boxes(layer, ids, flags, expand_nested, indent + "  "),
                f"{indent}}}",
            ]
            continue
        ids[id(layer)] = f"L{len(ids)}"
        lines.append(f"{indent}{ids[id(layer)]} [label={_layer_label(layer, _shapes(model, layer, i), *flags)}];")
    return lines


def _edges(model: Any, ids: dict[int, str], expand_nested: bool, edges: list[tuple[str, str]]) -> None:
    """The arrows: a Sequential's layers in a chain; in a functional model, one from each layer whose
    output another layer's call reads; arrows into (out of) an expanded model go to its first
    (from its last) layers, at any depth; and the arrows inside each expanded model."""

    def add(source: Any, destination: Any, out_index: int, in_index: int) -> None:
        while _expands(source, expand_nested):
            if hasattr(source, "stack"):
                source, out_index = source.layers[-1], 0
            else:
                kt = source.graph.flat_outputs[out_index]
                source, out_index = kt.node.layer, kt.output_index
        while _expands(destination, expand_nested):
            if hasattr(destination, "stack"):
                destination = destination.layers[0]
            else:
                destination = destination.graph.flat_inputs[in_index].node.layer
        edge = (ids[id(source)], ids[id(destination)])
        if edge not in edges:
            edges.append(edge)

    layers = model.layers
    if getattr(model, "graph", None) is None:
        for a, b in itertools.pairwise(layers):
            add(a, b, 0, 0)
    else:
        for node in model.graph.nodes:
            for in_index, parent in enumerate(node.parents):
                add(parent.node.layer, node.layer, parent.output_index, in_index)
    for layer in layers:
        if _expands(layer, expand_nested):
            _edges(layer, ids, expand_nested, edges)


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
    expand_nested: bool = False,
    dpi: int = 200,
    show_layer_activations: bool = False,
    show_trainable: bool = False,
    splines: str = "ortho",
    **kwargs: Any,
) -> Any:
    """Draw the model to ``to_file`` with Keras' arguments and defaults; the suffix picks the format
    (.png, .svg or .dot; none: PNG, as Keras). Where Keras needs pydot and Graphviz (and without
    them raises ImportError, or prints that in IPython), this draws with `tinygrad_edu.viz`. In a
    notebook, returns the picture for display (Keras returns an ``IPython.display.Image``),
    elsewhere None.

    Raises:
        ValueError: the model is not built, an unknown suffix or ``rankdir``, or a keyword Keras
            does not take (``layer_range`` among them, as Keras 3).
        RuntimeError: no Graphviz renderer is installed (a .dot file needs none).
    """
    graph = model_to_dot(
        model, show_shapes, show_dtype, show_layer_names, rankdir, expand_nested, dpi,
        show_layer_activations, show_trainable, splines, **kwargs,
    )  # fmt: skip
    path = Path(to_file)
    if path.suffix:
        path = graph.save(path)
    else:  # Keras writes PNG to a name without a suffix
        png = graph.save(path.with_name(path.name + ".tmp.png"))
        os.replace(png, path)
    if "ipykernel" in sys.modules:
        from IPython.display import SVG, Image

        return SVG(path.read_text()) if path.suffix.lower() == ".svg" else Image(filename=str(path))
    return None
