"""``keras.models.clone_model``: the same architecture with new layers and newly drawn weights, made
as Keras 3 makes it, so the names agree: each layer is rebuilt from its config (which carries its
name); a `Sequential` is made again from its layers in one go; a functional model's graph is run
on new ``keras.Input``s named after the original input tensors, and the clone keeps the model's name.
"""

from __future__ import annotations

from typing import Any

from ..layers.core import Input, InputLayer, Layer
from ..layers.structure import flatten, map_structure
from .config import deserialize_layer, serialize_layer
from .model import Model
from .sequential import Sequential


def clone_model(model: Model, custom_objects: dict | None = None) -> Any:
    """A new model of the same architecture with newly drawn weights (Keras' ``clone_model``); the
    layers are new objects, so nothing is shared with ``model``.

    >>> from tinygrad_edu import keras
    >>> model = keras.Sequential([keras.Input((3,), name="x"), keras.layers.Dense(2, name="out")], name="m")
    >>> clone = keras.models.clone_model(model)
    >>> clone.name, [layer.name for layer in clone.layers], clone.layers[0] is model.layers[0]
    ('m', ['out'], False)
    """

    def clone(layer: Layer) -> Layer:
        return deserialize_layer(serialize_layer(layer), custom_objects)

    if isinstance(model, Sequential):
        layers: list[Any] = [clone(layer) for layer in model.layers]
        source = model.input_layer
        if source is not None:
            layers.insert(
                0, Input(batch_shape=(source.batch_size, *source.input_shape), dtype=source.dtype, name=source.name)
            )
        return Sequential(layers, name=model.name, trainable=model.trainable)
    if model.graph is None or type(model) is not Model:  # a subclassed model: from its config, as Keras
        return clone(model)
    graph = model.graph
    made = {id(kt): Input(batch_shape=kt.shape, dtype=kt.dtype, name=kt.name) for kt in graph.flat_inputs}
    clones: dict[int, Layer] = {}
    for node in graph.nodes:
        if isinstance(node.layer, InputLayer):
            continue
        if id(node.layer) not in clones:  # a shared layer is cloned once and shared in the clone
            clones[id(node.layer)] = clone(node.layer)
        out = clones[id(node.layer)](map_structure(lambda kt: made[id(kt)], node.inputs), **node.kwargs)
        made.update((id(kt), new) for kt, new in zip(flatten(node.outputs), flatten(out)))
    inputs, outputs = (map_structure(lambda kt: made[id(kt)], s) for s in (graph.inputs, graph.outputs))
    return Model(inputs, outputs, name=model.name, trainable=model.trainable)
