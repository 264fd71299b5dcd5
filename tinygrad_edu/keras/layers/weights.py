"""A Keras layer's weights: `Weight` (how a layer declares one: the engine tensors that hold it and
the map from their PyTorch layout to Keras') and `Variable` (the view ``layer.weights[i]``:
read, assign and the gradient in Keras' layout), with ``set_weights``' check-then-write and the
parameter count."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ... import Tensor
from .. import regularizers as regularizers_

Shape = tuple[int | None, ...]


@dataclass(frozen=True)
class Weight:
    """How a layer declares one of its Keras weights (see `Layer.weight_table`).

    ``tensor`` is the engine tensor that holds it, or a tuple of tensors stacked along a new first
    axis in Keras' layout (a GRU's bias: (input bias, recurrent bias)). ``perm`` is the axis order
    that turns the tensor's (PyTorch) layout into Keras' (None: the same layout); ``blocks`` reorders
    equal blocks of Keras' last axis (gates: Keras' block j is the tensor's block ``blocks[j]``);
    ``initializer`` (a Keras name or `initializers.Initializer`, None for none) draws the initial
    value in Keras' shape at ``build``; ``regularizer`` adds its penalty to the loss.
    """

    name: str
    tensor: Tensor | tuple[Tensor, ...]
    perm: tuple[int, ...] | None = None
    initializer: Any = None
    regularizer: regularizers_.Regularizer | None = None
    trainable: bool = True
    blocks: tuple[int, ...] | None = None

    @property
    def tensors(self) -> tuple[Tensor, ...]:
        return self.tensor if isinstance(self.tensor, tuple) else (self.tensor,)


class Variable:
    """One Keras weight of a layer (``layer.weights[i]``): a view of engine tensors in Keras' layout,
    made from the layer's `Weight` declaration. Reading gives a copy (``numpy()``, ``np.asarray``),
    ``assign`` writes through to the tensors, ``grad()`` reads their gradient in Keras' layout."""

    def __init__(self, layer: Any, weight: Weight) -> None:
        self.layer, self.name, self.weight = layer, weight.name, weight
        self.tensors, self.perm, self.trainable = weight.tensors, weight.perm, weight.trainable

    @property
    def tensor(self) -> Tensor:
        """The (first) engine tensor that holds this weight."""
        return self.tensors[0]

    @property
    def path(self) -> str:
        """Keras' path: the name scopes open when the layer built, then the weight's name
        (``sequential/dense/kernel``; `tinygrad_edu.keras.name_scope`)."""
        return f"{self.layer.path or self.layer.name}/{self.name}"

    @property
    def shape(self) -> Shape:
        shape = np.shape(self.tensor._data)
        shape = shape if self.perm is None else tuple(shape[i] for i in self.perm)
        return (len(self.tensors), *shape) if isinstance(self.weight.tensor, tuple) else shape

    @property
    def dtype(self) -> str:
        return str(self.tensor._data.dtype)

    def to_keras(self, arrays: list[np.ndarray]) -> np.ndarray:
        """Arrays in the tensors' layout, as one array in Keras'."""
        blocks = self.weight.blocks
        parts = [a if self.perm is None else a.transpose(self.perm) for a in arrays]
        if blocks is not None:
            parts = [np.concatenate([np.split(a, len(blocks), axis=-1)[b] for b in blocks], axis=-1) for a in parts]
        return np.stack(parts) if isinstance(self.weight.tensor, tuple) else np.array(parts[0])

    def numpy(self) -> np.ndarray:
        return self.to_keras([t._data for t in self.tensors])

    def grad(self) -> np.ndarray:
        """The tensors' gradient in Keras' layout (zeros where none was computed)."""
        return self.to_keras([np.zeros_like(t._data) if t.grad is None else t.grad._data for t in self.tensors])

    @property
    def value(self) -> Tensor:
        """A copy in Keras' layout with the gradient as its ``.grad`` (Keras' torch backend reads
        ``v.value.grad`` in a custom ``train_step``; `optimizers.KerasOptimizer.apply` takes it back)."""
        value = Tensor(self.numpy())
        value.grad = Tensor(self.grad())
        return value

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.numpy() if dtype is None else self.numpy().astype(dtype)

    def check(self, value: Any) -> np.ndarray:
        """``value`` as an array of this weight's Keras shape, or Keras' ValueError."""
        value = np.asarray(value)
        if value.dtype.kind not in "biuf":
            raise TypeError(f"Layer {self.layer.name} weight {self.name}: expected numbers, got dtype {value.dtype}")
        if value.shape != self.shape:
            raise ValueError(
                f"Layer {self.layer.name} weight shape {self.shape} is not compatible with provided weight "
                f"shape {value.shape}."
            )
        return value

    def from_keras(self, value: Any) -> list[np.ndarray]:
        """An array in Keras' layout (checked) as one array per tensor in the tensors' layout."""
        value = self.check(value)
        parts = list(value) if isinstance(self.weight.tensor, tuple) else [value]
        blocks, out = self.weight.blocks, []
        for part in parts:
            if blocks is not None:
                split = np.split(part, len(blocks), axis=-1)
                part = np.concatenate([split[j] for j in np.argsort(blocks)], axis=-1)
            out.append(part if self.perm is None else part.transpose(np.argsort(self.perm)))
        return out

    def assign(self, value: Any) -> None:
        """Copy ``value`` (Keras layout) into the tensors, in place."""
        for tensor, part in zip(self.tensors, self.from_keras(value)):
            tensor._data[...] = part

    def __repr__(self) -> str:
        return f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}>"


def assign_all(variables: list[Variable], weights: Any, owner: str) -> None:
    """Keras' ``set_weights``: check the count and every shape first, then write them all."""
    weights = list(weights)
    if len(weights) != len(variables):
        raise ValueError(
            f"You called `set_weights(weights)` on layer '{owner}' with a weight list of length "
            f"{len(weights)}, but the layer was expecting {len(variables)} weights."
        )
    values = [v.check(w) for v, w in zip(variables, weights)]  # nothing is written unless all fit
    for v, w in zip(variables, values):
        v.assign(w)


def count_weights(variables: Sequence[Variable]) -> int:
    """How many numbers the variables hold: Σ of the products of their shapes."""
    return sum(int(np.prod(v.shape, dtype=np.int64)) for v in variables)
