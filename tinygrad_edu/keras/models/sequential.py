"""Keras' ``Sequential``: a stack of layers, each called on the previous one's output."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ... import Tensor
from .. import config as keras_config
from ..backend import auto_name
from ..layers.core import InputLayer, KerasTensor, Layer
from ..name_scope import layer_scope
from . import config as config_
from .model import Model


class Sequential(Model):
    """A stack of Keras layers: ``Sequential([Dense(512, activation="relu", input_shape=(784,)), ...])``."""

    def __init__(self, layers: Sequence[Any] | None = None, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.stack: list[Layer] = []
        self.input_layer: InputLayer | None = None
        self.symbolic_output: KerasTensor | None = None  # the last layer's output on the input's tensor
        self.input_shape = None
        for layer in layers or ():
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    @property
    def layers(self) -> list[Layer]:
        """The layers in order, without the input (as Keras)."""
        return list(self.stack)

    def sublayers(self) -> list[Layer]:
        return list(self.stack)

    def _obj_type(self) -> str:
        return "Sequential"

    # ------------------------------------------------------------ structure
    def add(self, layer: Any, rebuild: bool = True) -> None:
        """Append a layer; ``keras.Input(shape=...)`` (or an `InputLayer`) may come first, and a first
        layer given ``input_shape`` makes one (as Keras). The model is built again (each layer called
        on the input's symbolic tensor) when it has an input, unless ``rebuild`` is False.

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
        if layer.name in {other.name for other in self.stack}:
            raise ValueError(
                "All layers added to a Sequential model should have unique names. Name "
                f"{layer.name!r} is already the name of a layer in this model. Update the `name` argument "
                "to pass a unique name."
            )
        if (self.stack or self.input_layer is not None) and layer.input_shape is not None:
            raise ValueError(f"{layer.name}: only the first layer (or keras.Input) gives the input shape")
        if layer.input_shape is not None:  # Keras' legacy input_shape= makes the model's InputLayer
            self.input_layer = InputLayer(shape=layer.input_shape)
        self.stack.append(layer)
        if rebuild:
            self._maybe_rebuild()
        else:
            self.built = False

    def _maybe_rebuild(self) -> None:
        """Build again, as Keras does after each change, when the model has an input and a layer."""
        self.built, self.symbolic_output = False, None
        if self.input_layer is not None and self.stack:
            self.build((self.input_layer.batch_size, *self.input_layer.input_shape))

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

    def pop(self, rebuild: bool = True) -> Layer:
        """Remove and return the last layer (the model is built again, as `add` does)."""
        if not self.stack:
            raise IndexError("There are no layers in the model.")
        layer = self.stack.pop()
        if rebuild:
            self._maybe_rebuild()
        else:
            self.built, self.symbolic_output = False, None
        return layer

    def build(self, input_shape: Sequence[int | None] | None = None) -> None:
        """Build every layer for inputs of ``input_shape``, the batch axis first (``(None, 784)``), as
        Keras 3: an `InputLayer` of that shape is made if the model has none, and each layer is called
        on the previous one's symbolic output (so ``layer.output`` is Keras')."""
        if input_shape is None:
            raise ValueError("You must provide an `input_shape` argument.")
        if not self.stack:
            raise ValueError(
                f"Sequential model {self.name} cannot be built because it has no layers. Call `model.add(layer)`."
            )
        shape = tuple(input_shape)
        if self.input_layer is None:
            self.input_layer = InputLayer(batch_shape=shape)
        elif tuple(shape[1:]) != self.input_layer.input_shape:
            raise ValueError(
                f"Sequential model '{self.name}' has already been configured to use input shape "
                f"{(self.input_layer.batch_size, *self.input_layer.input_shape)}. "
                f"You cannot build it with input_shape {shape}"
            )
        self.input_shape = self.input_layer.input_shape
        tensor = self.input_layer.tensor
        with layer_scope(self):  # Keras builds a Sequential's layers in its name scope: sequential/dense/kernel
            self.record_path()
            for layer in self.stack:
                tensor = layer(tensor)
        self.symbolic_output = tensor
        auto_name("Functional")  # Keras wraps the stack in a Functional model here, which takes a name
        self.built = True
        self.build_shape = (None, *self.input_shape)

    def maybe_build(self, input_shape: Any) -> None:
        """Build on the first call for the shape it was called with, its batch included (Keras 3
        keeps that batch in its InputLayer, and in the summary); later calls must agree on the rest."""
        if not self.built:
            self.build(tuple(input_shape))
        elif tuple(input_shape[1:]) != self.input_shape:
            expected, got = (None, *self.input_shape), (None, *input_shape[1:])
            raise ValueError(f"{self.label}: expected inputs of shape {expected}, got {got}")

    def check_input(self, shape: Any, what: str) -> None:
        try:  # fit/evaluate/predict see all the samples, not one batch: the batch axis stays open
            self.maybe_build((None, *shape[1:]))
        except ValueError as err:
            raise ValueError(f"{what}: {err}") from None

    def compute_output_shape(self, input_shape: Any) -> Any:
        shape = tuple(input_shape)
        for layer in self.stack:
            shape = layer.compute_output_shape(shape)
        return shape

    def get_config(self) -> dict:
        """Keras' Sequential config: name and the layers, the input first (as an InputLayer) once there is one."""
        layers = ([self.input_layer] if self.input_layer is not None else []) + self.stack
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
