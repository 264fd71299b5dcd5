"""Keras' ``Sequential``: a stack of layers, each called on the previous one's output."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ... import Tensor
from .. import config as keras_config
from ..layers.core import InputLayer, KerasTensor, Layer
from . import config as config_
from .model import Model, _name_layers


class Sequential(Model):
    """A stack of Keras layers: ``Sequential([Dense(512, activation="relu", input_shape=(784,)), ...])``."""

    def __init__(self, layers: Sequence[Any] | None = None, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name=name or "sequential", **kwargs)
        self.auto_named = name is None
        self.stack: list[Layer] = []
        self.input_layer: InputLayer | None = None
        self.symbolic_output: KerasTensor | None = None  # the last layer's, for a model from keras.Input
        self.input_shape = None
        for layer in layers or ():
            self.add(layer)

    @property
    def layers(self) -> list[Layer]:
        """The layers in order, without the input (as Keras)."""
        return list(self.stack)

    def sublayers(self) -> list[Layer]:
        return list(self.stack)

    def _obj_type(self) -> str:
        return "Sequential"

    # ------------------------------------------------------------ structure
    def add(self, layer: Any) -> None:
        """Append a layer; ``keras.Input(shape=...)`` (or an `InputLayer`) may come first.

        Raises:
            ValueError: a second input, an input_shape on a later layer, or a name already used in
                this model (Keras' rule).
        """
        if isinstance(layer, KerasTensor) and isinstance(layer.node.layer, InputLayer):
            layer = layer.node.layer
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add: expected a Keras layer, got {type(layer).__name__}")
        if isinstance(layer, InputLayer):
            if self.stack or self.input_layer is not None:
                raise ValueError("Sequential: keras.Input(...) must be the first entry of the model, and only one")
            self.input_layer = layer
            return
        if layer.name is not None and layer.name in {other.name for other in self.stack}:
            raise ValueError(
                "All layers added to a Sequential model should have unique names. Name "
                f"{layer.name!r} is already the name of a layer in this model. Update the `name` argument "
                "to pass a unique name."
            )
        _name_layers([layer], {other.name for other in self.stack})
        if (self.stack or self.input_layer is not None) and layer.input_shape is not None:
            raise ValueError(f"{layer.name}: only the first layer (or keras.Input) gives the input shape")
        self.stack.append(layer)
        first = self.input_layer or self.stack[0]
        if first.input_shape is not None:
            self.build((None, *first.input_shape))

    @property
    def inputs(self) -> list[KerasTensor]:
        """The ``keras.Input`` the model starts from, as a list (Keras' ``model.inputs``)."""
        if self.input_layer is None:
            raise AttributeError(f"Sequential model {self.label!r} has no defined inputs: start it with keras.Input")
        return [self.input_layer.tensor]

    @property
    def outputs(self) -> list[KerasTensor]:
        """The last layer's symbolic output, as a list (a model started with ``keras.Input``)."""
        if self.symbolic_output is None:
            raise AttributeError(f"Sequential model {self.label!r} has no defined outputs: start it with keras.Input")
        return [self.symbolic_output]

    def pop(self) -> Layer:
        """Remove and return the last layer."""
        if not self.stack:
            raise IndexError("There are no layers in the model.")
        layer = self.stack.pop()
        self.symbolic_output = None
        if self.stack and self.built:
            self.build((None, *self.input_shape))
        return layer

    def build(self, input_shape: Sequence[int | None] | None = None) -> None:
        """Build every layer for inputs of ``input_shape``, the batch axis first (``(None, 784)``)."""
        if input_shape is None:
            raise ValueError("You must provide an `input_shape` argument.")
        shape = tuple(input_shape)
        self.input_shape = shape[1:]
        tensor = self.input_layer.tensor if self.input_layer is not None else None
        for layer in self.stack:
            if tensor is not None:  # from keras.Input: call the layers on it, so layer.output is Keras'
                node = next((n for n in layer._nodes if n.inputs is tensor), None)
                tensor = node.outputs if node is not None else layer(tensor)
            else:
                shape = layer.ensure_built(shape)
        self.symbolic_output = tensor
        self.built = bool(self.stack)
        self.build_shape = (None, *self.input_shape)

    def maybe_build(self, input_shape: Any) -> None:
        if not self.built:
            self.build((None, *input_shape[1:]))
        elif tuple(input_shape[1:]) != self.input_shape:
            expected, got = (None, *self.input_shape), (None, *input_shape[1:])
            raise ValueError(f"{self.label}: expected inputs of shape {expected}, got {got}")

    def check_input(self, shape: Any, what: str) -> None:
        try:
            self.maybe_build(shape)
        except ValueError as err:
            raise ValueError(f"{what}: {err}") from None

    def compute_output_shape(self, input_shape: Any) -> Any:
        shape = tuple(input_shape)
        for layer in self.stack:
            shape = layer.compute_output_shape(shape)
        return shape

    def get_config(self) -> dict:
        """Keras' Sequential config: name and the layers, the input first (as an InputLayer)."""
        layers = ([self.input_layer] if self.input_layer is not None else []) + self.stack
        if self.input_layer is None and self.built:
            layers = [InputLayer(shape=self.input_shape), *self.stack]
        return {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": keras_config.floatx(),
            "layers": [config_.serialize_layer(layer) for layer in layers],
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Sequential:
        model = cls(name=config.get("name", "sequential"))
        for entry in config.get("layers", []):
            model.add(config_.deserialize_layer(entry, custom_objects))
        return model

    def call(self, inputs: Tensor, training: bool | None = None) -> Tensor:
        for layer in self.stack:
            inputs = layer(inputs)
        return inputs
