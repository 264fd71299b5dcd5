"""``model.summary()``: Keras' table of layers, output shapes and parameter counts; a functional
model's table adds Keras 3's "Connected to" column (``name[node][tensor]`` of each input)."""

from __future__ import annotations

from typing import Any

from ..layers.core import count_weights, flatten


def _output_shape(layer: Any) -> str:
    if layer._nodes:
        shapes = [kt.shape for kt in flatten(layer._nodes[0].outputs)]
        return str(shapes[0]) if len(shapes) == 1 else str(shapes)
    return str((None, *layer.output_shape))


def _connected(layer: Any, nodes: set[int]) -> str:
    """Keras 3's ``dense[0][0], input_layer_1[0][0]``: the inputs of each of the layer's calls in the
    model (a shared layer lists every call's), as producer[node index][0]."""
    parts = []
    for node in layer._nodes:
        if id(node) not in nodes:
            continue
        for kt in node.parents:
            producer = kt.node.layer
            parts.append(f"{producer.name}[{producer._nodes.index(kt.node)}][0]")
    return ", ".join(parts) or "-"


def summary(model: Any, print_fn: Any = print, line_length: int | None = None) -> None:
    """Layer name (type), output shape with None for the batch, Param # (and Connected to), then the
    totals. Columns widen to fit the longest entry, or share ``line_length`` when it is given."""
    graph = getattr(model, "graph", None) is not None
    nodes = {id(node) for node in model.graph.nodes} if graph else set()
    rows = [
        (
            f"{layer.name} ({layer.type_name})",
            _output_shape(layer),
            (count_weights(layer.trainable_weights), count_weights(layer.non_trainable_weights)),
            _connected(layer, nodes) if graph else "",
        )
        for layer in model.layers
    ]
    w_name = max(33, *(len(r[0]) + 2 for r in rows)) if rows else 33
    w_shape = max(24, *(len(r[1]) + 2 for r in rows)) if rows else 24
    w_params = 13
    w_conn = max(14, *(len(r[3]) + 2 for r in rows)) if graph and rows else 0
    if line_length is not None:
        fixed = w_params + 1
        parts = (0.45, 0.30, 0.25) if graph else (0.6, 0.4, 0.0)
        w_name, w_shape, w_conn = (max(12, int((line_length - fixed) * p)) if p else 0 for p in parts)
    width = 1 + w_name + w_shape + w_params + (1 + w_conn if graph else 0)
    conn_head = f" {'Connected to':<{w_conn}}" if graph else ""
    lines = [
        f'Model: "{model.name}"',
        "_" * width,
        f" {'Layer (type)':<{w_name}}{'Output Shape':<{w_shape}}{'Param #':>{w_params}}{conn_head}",
        "=" * width,
    ]
    for i, (name, shape, (t, f), conn) in enumerate(rows):
        tail = f" {conn:<{w_conn}}" if graph else ""
        lines.append(f" {name:<{w_name}}{shape:<{w_shape}}{t + f:>{w_params},}{tail}".rstrip())
        lines.append("_" * width if i < len(rows) - 1 else "=" * width)
    trainable = sum(r[2][0] for r in rows)
    frozen = sum(r[2][1] for r in rows)
    lines += [
        f"Total params: {trainable + frozen:,}",
        f"Trainable params: {trainable:,}",
        f"Non-trainable params: {frozen:,}",
        "_" * width,
    ]
    for line in lines:
        print_fn(line)
