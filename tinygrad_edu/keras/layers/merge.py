"""Keras' merge layers: `Concatenate`, `Add`, `Average` (and the functions ``concatenate``, ``add``,
``average`` that make the layer and call it on a list of tensors)."""

from __future__ import annotations

from typing import Any

from ... import Tensor
from .core import Layer, Shape


class Merge(Layer):
    """A layer called on a list of at least two tensors."""

    def _check(self, shapes: Any) -> list[Shape]:
        if not isinstance(shapes, (list, tuple)) or len(shapes) < 2 or not all(isinstance(s, tuple) for s in shapes):
            raise ValueError(f"A merge layer should be called on a list of at least 2 inputs. Got: {shapes}")
        return list(shapes)

    def build(self, input_shape: Any) -> None:
        self.compute_output_shape(input_shape)
        super().build(input_shape)


class _Elementwise(Merge):
    """Add/Average: inputs of one shape (the batch axis may be open)."""

    def compute_output_shape(self, input_shape: Any) -> Shape:
        shapes = self._check(input_shape)
        first = shapes[0]
        for s in shapes[1:]:
            if len(s) != len(first) or any(
                a is not None and b is not None and a != b for a, b in zip(s[1:], first[1:])
            ):
                raise ValueError(
                    f"Inputs have incompatible shapes. Received shapes {first[1:]} and {s[1:]} (layer {self.label!r})"
                )
        return tuple(next((d for d in dims if d is not None), None) for dims in zip(*shapes))


class Add(_Elementwise):
    """The elementwise sum of the inputs."""

    def call(self, inputs: list[Tensor]) -> Tensor:
        total = inputs[0]
        for x in inputs[1:]:
            total = total + x
        return total


class Average(Add):
    """The elementwise mean of the inputs."""

    def call(self, inputs: list[Tensor]) -> Tensor:
        return super().call(inputs) * (1.0 / len(inputs))


class Concatenate(Merge):
    """The inputs joined along ``axis`` (default the last); the other axes must agree."""

    config_keys = ("axis",)

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = axis

    def compute_output_shape(self, input_shape: Any) -> Shape:
        shapes = self._check(input_shape)
        rank = len(shapes[0])
        axis = self.axis % rank
        out = list(shapes[0])
        for s in shapes[1:]:
            if len(s) != rank or any(
                i != axis and a is not None and b is not None and a != b for i, (a, b) in enumerate(zip(s, out))
            ):
                raise ValueError(
                    "A `Concatenate` layer requires inputs with matching shapes except for the concatenation "
                    f"axis. Received: input_shape={list(shapes)} (layer {self.label!r})"
                )
            out[axis] = None if out[axis] is None or s[axis] is None else out[axis] + s[axis]
        return tuple(out)

    def call(self, inputs: list[Tensor]) -> Tensor:
        return Tensor.cat(list(inputs), axis=self.axis % inputs[0].ndim)


def add(inputs: list, **kwargs: Any) -> Any:
    """``keras.layers.add([a, b])``: ``Add(**kwargs)([a, b])``."""
    return Add(**kwargs)(inputs)


def average(inputs: list, **kwargs: Any) -> Any:
    return Average(**kwargs)(inputs)


def concatenate(inputs: list, axis: int = -1, **kwargs: Any) -> Any:
    return Concatenate(axis=axis, **kwargs)(inputs)
