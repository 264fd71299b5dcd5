"""``keras.Model``: functional models (``Model(inputs, outputs)`` over the graph that calling layers
on `KerasTensor`s recorded) and subclassed models (``call`` written by the user, sublayers tracked
as attributes). A model is a `Layer`, so models nest; the training loop is `Trainer`'s.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ... import Tensor
from ..backend import auto_name
from ..layers.core import (
    InputLayer,
    KerasTensor,
    Layer,
    Node,
    Variable,
    assign_all,
    flatten,
    map_structure,
)
from . import config as config_
from . import keras_file, weights_file
from .training import Trainer


class Graph:
    """The nodes between a model's inputs and outputs, in the order Keras runs them (depth first
    from the outputs, parents before children)."""

    def __init__(self, inputs: Any, outputs: Any) -> None:
        self.inputs, self.outputs = inputs, outputs
        self.flat_inputs, self.flat_outputs = flatten(inputs), flatten(outputs)
        for kt in self.flat_inputs + self.flat_outputs:
            if not isinstance(kt, KerasTensor):
                raise ValueError(
                    f"Model: inputs and outputs must be KerasTensors (keras.Input, layer outputs), got {kt!r}"
                )
        for kt in self.flat_inputs:
            if not isinstance(kt.node.layer, InputLayer):
                raise ValueError(f"Model: each input must come from keras.Input(...); {kt.name} is made by a layer")
        self.nodes: list[Node] = []
        self.first_seen: dict[int, int] = {}
        seen: set[int] = set()
        for kt in self.flat_outputs:
            self._visit(kt.node, seen)
        given = {id(kt.node) for kt in self.flat_inputs}
        for node in self.nodes:
            if isinstance(node.layer, InputLayer) and id(node) not in given:
                raise ValueError(
                    f"Graph disconnected: cannot find parent for KerasTensor {node.outputs.name!r} "
                    f"(the input {node.layer.label!r} is not among the model's inputs)"
                )

    def _visit(self, node: Node, seen: set[int]) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        self.first_seen.setdefault(id(node.layer), len(self.first_seen))  # Keras' traversal index
        for parent in node.parents:
            self._visit(parent.node, seen)
        self.nodes.append(node)

    def depths(self) -> tuple[dict[int, int], dict[int, int]]:
        """Keras 3's depths (``Functional``'s map of the graph), by ``id``: a node's is the longest
        path from it to an output, raised to its layer's where the layer was met deeper; a layer's is
        the deepest of its nodes."""
        node_depth: dict[int, int] = {}
        layer_depth: dict[int, int] = {}
        for node in reversed(self.nodes):
            depth = max(node_depth.get(id(node), 0), layer_depth.get(id(node.layer), 0))
            node_depth[id(node)] = layer_depth[id(node.layer)] = depth
            for parent in node.parents:
                node_depth[id(parent.node)] = max(depth + 1, node_depth.get(id(parent.node), 0))
        return node_depth, layer_depth

    @property
    def layers(self) -> list[Layer]:
        """Each layer once, in Keras 3's order: by depth (`depths`), deepest first; layers of one
        depth in the order the walk from the outputs met them."""
        layer_depth = self.depths()[1]
        layers = {id(node.layer): node.layer for node in self.nodes}
        order = sorted(layers, key=lambda key: (-layer_depth[key], self.first_seen[key]))
        return [layers[key] for key in order]

    def run(self, inputs: list[Tensor], last: Any = None) -> Any:
        """The outputs for these input tensors; ``last(node, args)`` computes the final node when given."""
        values = {id(kt): x for kt, x in zip(self.flat_inputs, inputs)}
        for node in self.nodes:
            if isinstance(node.layer, InputLayer):
                continue
            args = map_structure(lambda kt: values[id(kt)], node.inputs)
            out = last(node, args) if last is not None and node is self.nodes[-1] else node.layer(args, **node.kwargs)
            for kt, value in zip(flatten(node.outputs), flatten(out)):
                values[id(kt)] = value
        return map_structure(lambda kt: values[id(kt)], self.outputs)


class Model(Trainer, Layer):
    """A Keras model: ``keras.Model(inputs, outputs)`` or a subclass with ``call``.

    >>> import numpy as np
    >>> from tinygrad_edu import keras
    >>> a, b = keras.Input(shape=(3,)), keras.Input(shape=(2,))
    >>> out = keras.layers.Dense(1)(keras.layers.concatenate([keras.layers.Dense(4)(a), b]))
    >>> model = keras.Model([a, b], out)
    >>> [layer.type_name for layer in model.layers]
    ['InputLayer', 'Dense', 'InputLayer', 'Concatenate', 'Dense']
    >>> model.predict([np.ones((2, 3)), np.ones((2, 2))], verbose=0).shape
    (2, 1)
    """

    def __init__(self, inputs: Any = None, outputs: Any = None, name: str | None = None, **kwargs: Any) -> None:
        functional = inputs is not None or outputs is not None
        if name is None and functional and type(self) is Model:  # Keras makes it a Functional: "functional", …
            name = auto_name("Functional")
        Layer.__init__(self, name=name, **kwargs)
        self.init_training()
        self.graph: Graph | None = None
        if functional:
            self.graph = Graph(inputs, outputs)
            self.built = True
            self.record_path()  # Keras builds a functional model as it is made
            _check_unique_names(self.graph.layers)

    def _obj_type(self) -> str:
        return "Functional" if self.graph is not None else "Model"

    @property
    def layers(self) -> list[Layer]:
        """The model's layers: a functional model's in graph order (its inputs included, as Keras 3);
        a subclassed model's sublayers in the order they were set as attributes."""
        if self.graph is not None:
            return self.graph.layers
        return self.sublayers()

    @property
    def inputs(self) -> list[KerasTensor]:
        """A functional model's input KerasTensors, as a flat list (Keras' ``model.inputs``)."""
        return list(self._graph_or_error("inputs").flat_inputs)

    @property
    def outputs(self) -> list[KerasTensor]:
        """A functional model's output KerasTensors, as a flat list (Keras' ``model.outputs``)."""
        return list(self._graph_or_error("outputs").flat_outputs)

    @property
    def input(self) -> Any:
        """The inputs as the model was given them (one KerasTensor, or the list/dict)."""
        return self._graph_or_error("input").inputs if self.graph is not None else Layer.input.fget(self)

    @property
    def output(self) -> Any:
        return self._graph_or_error("output").outputs if self.graph is not None else Layer.output.fget(self)

    def _graph_or_error(self, what: str) -> Graph:
        if self.graph is None:
            raise AttributeError(f"Model {self.label!r} has no defined {what}: it is not a functional model")
        return self.graph

    @property
    def type_name(self) -> str:
        """Keras 3 makes ``keras.Model(inputs, outputs)`` a ``Functional``; subclasses keep their name."""
        return "Functional" if self.graph is not None and type(self) is Model else type(self).__name__

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """The layer called ``name`` (or at ``index``); ValueError naming the choices otherwise."""
        if index is not None:
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(
                    f"Was asked to retrieve layer at index {index} but model only has {len(self.layers)} layers."
                )
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: {[layer.name for layer in self.layers]}.")

    # ------------------------------------------------------------ calling
    def inputs_list(self, x: Any) -> list[Tensor]:
        flat = self.graph.flat_inputs
        if isinstance(x, dict):
            missing = [kt.name for kt in flat if kt.name not in x]
            if missing:
                raise ValueError(f"{self.label}: inputs {missing} are missing from the dict given")
            x = [x[kt.name] for kt in flat]
        items = list(x) if isinstance(x, (list, tuple)) else [x]
        if len(items) != len(flat):
            raise ValueError(
                f"Layer {self.label!r} expects {len(flat)} input(s), but it received {len(items)} input tensors."
            )
        return items

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        if self.graph is None:
            raise NotImplementedError(f"Model {self.label!r}: a subclassed model must define call(self, inputs)")
        return self.graph.run(self.inputs_list(inputs))

    def __call__(self, inputs: Any, *args: Any, training: bool | None = None, **kwargs: Any) -> Any:
        if self.graph is not None and not any(isinstance(leaf, KerasTensor) for leaf in flatten(inputs)):
            inputs = self.inputs_list(inputs)
            inputs = inputs[0] if len(inputs) == 1 else inputs
        return Layer.__call__(self, inputs, *args, training=training, **kwargs)

    def maybe_build(self, input_shape: Any) -> None:
        if self.graph is None:
            Layer.maybe_build(self, input_shape)
            return
        for kt, shape in zip(
            self.graph.flat_inputs, flatten(input_shape) if not isinstance(input_shape, tuple) else [input_shape]
        ):
            if len(shape) != len(kt.shape) or any(
                a is not None and b is not None and a != b for a, b in zip(shape[1:], kt.shape[1:])
            ):
                raise ValueError(
                    f'Input {kt.name!r} of model "{self.label}" is incompatible with the model: expected shape '
                    f"{kt.shape}, but received input with shape {shape}"
                )

    def compute_output_shape(self, input_shape: Any) -> Any:
        if self.graph is None:
            return Layer.compute_output_shape(self, input_shape)
        batch = flatten(input_shape)[0][0] if not isinstance(input_shape, tuple) else input_shape[0]
        return map_structure(lambda kt: (batch, *kt.shape[1:]), self.graph.outputs)

    @property
    def output_names(self) -> list[str]:
        """The names of the layers that make the model's outputs, in the order of its flat outputs
        (Keras' ``output_names`` attribute; a dict of outputs by its sorted keys)."""
        if self.graph is None:
            return [self.label]
        return [kt.node.layer.name for kt in self.graph.flat_outputs]

    def input_count(self) -> int:
        return len(self.graph.flat_inputs) if self.graph is not None else 1

    def check_input(self, shape: Any, what: str) -> None:
        if self.graph is not None:
            self.maybe_build(shape if isinstance(shape, tuple) else list(shape))

    # ------------------------------------------------------------ weights
    @property
    def weights(self) -> list[Variable]:
        """Every layer's weights in layer order (each shared layer once); a subclassed model's own
        weights (``add_weight``) first, as any layer's."""
        if self._obj_type() == "Model":
            return Layer.weights.fget(self)
        return [v for layer in self.layers for v in layer.weights]

    def penalty(self) -> Tensor | None:
        if self._obj_type() == "Model":
            return Layer.penalty(self)
        total = None
        for layer in self.layers:
            p = layer.penalty()
            if p is not None:
                total = p if total is None else total + p
        return total

    def parameters(self, recurse: bool = True) -> list[Any]:
        """The engine parameters of the trainable weights, each once, in Keras' weight order."""
        seen, params = set(), []
        for tensor in (t for v in self.trainable_weights for t in v.tensors):
            if id(tensor) not in seen:
                seen.add(id(tensor))
                params.append(tensor)
        return params

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradient of every weight (the layers of a functional model included), as
        ``torch.nn.Module.zero_grad`` does for a Keras model on the torch backend."""
        for tensor in (t for v in self.weights for t in v.tensors):
            if set_to_none or tensor.grad is None:
                tensor.grad = None
            else:
                tensor.grad.zero_()

    def set_weights(self, weights: Any) -> None:
        """Load a list in `get_weights`' order (a Keras model's ``get_weights()`` fits as it is)."""
        self.require_built("set_weights")
        assign_all(self.weights, weights, self.label)

    def require_built(self, what: str) -> None:
        if not self.built:
            raise ValueError(
                f"{what}: the model is not built yet; give the first layer input_shape=... "
                "or call fit/predict (or build) first"
            )

    def save_weights(self, path: str | Path) -> None:
        """Save every weight to ``.weights.h5`` (Keras 3's file) or ``.npz``, keyed by position as Keras 3
        (`weights_file`); the write is atomic (a failed save keeps the previous file). Returns None, as Keras."""
        self.require_built("save_weights")
        weights_file.save(self, Path(path))

    def load_weights(self, path: str | Path) -> None:
        """Load a file of `save_weights` (or Keras 3's), by position: the architecture must match,
        layer names need not. Raises ValueError on a different architecture (nothing changes then)."""
        self.require_built("load_weights")
        weights_file.load(self, Path(path))

    # ------------------------------------------------------------ configs
    def get_config(self) -> dict:
        """Keras' config: a functional model's layers and graph (`config.functional_config`); a
        subclassed model's constructor arguments (its own get_config, as in Keras)."""
        if self.graph is not None:
            return config_.functional_config(self)
        return Layer.get_config(self)

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Model:
        """A new model from `get_config`'s dict (ours or real Keras')."""
        if "input_layers" in config and "layers" in config:
            return config_.functional_from_config(cls, config, custom_objects)
        return super().from_config(config)

    def to_json(self, **kwargs: Any) -> str:
        """The model's architecture as Keras' JSON (``keras.models.model_from_json`` reads it)."""
        return json.dumps(config_.serialize_layer(self), **kwargs)

    def save(self, filepath: str | Path, overwrite: bool = True) -> None:
        """Save architecture, weights and compile arguments to a ``.keras`` file, Keras 3's zip
        (`keras_file`); the write is atomic."""
        keras_file.save_model(self, filepath, overwrite=overwrite)

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False, show_trainable=False, layer_range=None) -> None:  # fmt: skip  # noqa: E501
        """Keras 3's table of the layers and the parameter counts (`summary.summary`)."""
        from .summary import summary

        summary(self, line_length, positions, print_fn, expand_nested, show_trainable, layer_range)


def _check_unique_names(layers: list[Layer]) -> None:
    """Keras' rule for a functional model: no two of its layers share a name (ValueError, Keras' words)."""
    names = [layer.name for layer in layers]
    for name in names:
        if names.count(name) != 1:
            raise ValueError(
                f'The name "{name}" is used {names.count(name)} times in the model. '
                "All operation names should be unique."
            )
