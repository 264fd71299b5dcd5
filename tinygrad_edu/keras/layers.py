"""Keras layers over the tensor engine: Keras' names, arguments, defaults and channels-last layout.

Each layer is an `nn.Module` that is *built* from the shape of its input (without the batch
axis), as in Keras: ``Dense(512, input_shape=(784,))`` can be built at once, a ``Dense(10)`` that
follows it when the model is. Weights live in the PyTorch-layout modules underneath (a Dense
kernel of Keras shape (in, out) is the transpose of ``nn.Linear``'s weight). Each layer declares
its weights once, in `Layer.weight_table` (Keras name, tensor, layout); ``weights``, ``get_weights``
and ``set_weights`` all read that table and speak Keras' layout and order.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import nn
from ..nn import conv
from ..nn import functional as F
from ..tensor import DEFAULT_DTYPE, Tensor
from . import initializers
from .regularizers import Regularizer

Shape = tuple[int, ...]

ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "linear": lambda x: x,
    "relu": Tensor.relu,
    "sigmoid": Tensor.sigmoid,
    "tanh": Tensor.tanh,
    "softmax": lambda x: x.softmax(axis=-1),
    "leaky_relu": lambda x: x.leaky_relu(0.2),  # Keras' default negative slope is 0.2
}


def _activation(name: str | None) -> str:
    name = "linear" if name is None else name
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; use one of {sorted(ACTIVATIONS)}")
    return name


def _snake(name: str) -> str:
    """Keras' default layer names: Dense → dense, Conv2D → conv2d, SimpleRNN → simple_rnn."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower().replace("2_d", "2d")


class Variable:
    """One Keras weight of a layer (``layer.weights[i]``): a view of an engine tensor in Keras' layout.

    ``perm`` is the axis order that turns the tensor's layout into Keras' (None: the same layout);
    reading gives a copy (``numpy()``, ``np.asarray``), ``assign`` writes through to the tensor.
    """

    def __init__(
        self, layer: Layer, name: str, tensor: Tensor, perm: tuple[int, ...] | None = None, trainable: bool = True
    ) -> None:
        self.layer, self.name, self.tensor, self.perm, self.trainable = layer, name, tensor, perm, trainable

    @property
    def path(self) -> str:
        return f"{self.layer.name}/{self.name}"

    @property
    def shape(self) -> Shape:
        shape = np.shape(self.tensor.data)
        return shape if self.perm is None else tuple(shape[i] for i in self.perm)

    @property
    def dtype(self) -> str:
        return str(self.tensor.data.dtype)

    def numpy(self) -> np.ndarray:
        data = self.tensor.data
        return np.array(data if self.perm is None else data.transpose(self.perm))

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

    def assign(self, value: Any) -> None:
        """Copy ``value`` (Keras layout) into the tensor, in place."""
        value = self.check(value)
        self.tensor.data[...] = value if self.perm is None else value.transpose(np.argsort(self.perm))

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


class Layer(nn.Module):
    """Base of the Keras layers: lazy ``build``, output shapes, Keras weights and activation."""

    activation = "linear"

    def __init__(self, input_shape: Shape | None = None, input_dim: int | None = None, name: str | None = None) -> None:
        if input_dim is not None:
            input_shape = (input_dim,)
        self.input_shape = tuple(input_shape) if input_shape is not None else None
        self.name = name
        self.built = False
        self.output_shape: Shape | None = None
        self.regularizers: list[tuple[Regularizer, str]] = []

    @property
    def type_name(self) -> str:
        return type(self).__name__

    @property
    def default_name(self) -> str:
        return _snake(type(self).__name__)

    def build(self, input_shape: Shape) -> None:
        self.built = True

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return input_shape

    def ensure_built(self, input_shape: Shape) -> Shape:
        if self.input_shape is not None and tuple(input_shape) != self.input_shape:
            raise ValueError(
                f"{self.name}: expected input shape {(None, *self.input_shape)}, got {(None, *input_shape)}"
            )
        if not self.built:
            self.build(tuple(input_shape))
            self.built = True
        self.output_shape = self.compute_output_shape(tuple(input_shape))
        return self.output_shape

    def pre_activation(self, x: Tensor) -> Tensor:
        """The layer's output before its activation (the logits, for a softmax layer)."""
        return x

    def forward(self, x: Tensor) -> Tensor:
        return ACTIVATIONS[self.activation](self.pre_activation(x))

    def penalty(self) -> Tensor | None:
        """The sum of this layer's regularization penalties, or None."""
        total = None
        for reg, attr in self.regularizers:
            p = reg(getattr(self, attr)())
            total = p if total is None else total + p
        return total

    def count_params(self) -> tuple[int, int]:
        """(trainable, non-trainable) numbers held by this layer."""
        sizes = [(int(np.prod(v.shape, dtype=np.int64)), v.trainable) for v in self.weights]
        return sum(n for n, t in sizes if t), sum(n for n, t in sizes if not t)

    def weight_table(self) -> list[tuple[str, Tensor, tuple[int, ...] | None, bool]]:
        """This layer's weights in Keras' order: (Keras name, tensor, axis order to Keras' layout,
        trainable). The one place a layer says which weights it has; empty for weightless layers."""
        return []

    @property
    def weights(self) -> list[Variable]:
        """Keras' ``layer.weights``: trainable weights first, then non-trainable (moving statistics)."""
        if not self.built:
            return []
        table = [Variable(self, *row) for row in self.weight_table()]
        return [v for v in table if v.trainable] + [v for v in table if not v.trainable]

    @property
    def trainable_weights(self) -> list[Variable]:
        return [v for v in self.weights if v.trainable]

    @property
    def non_trainable_weights(self) -> list[Variable]:
        return [v for v in self.weights if not v.trainable]

    def get_weights(self) -> list[np.ndarray]:
        """Copies of the weights as numpy arrays in Keras' layout and order."""
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights: Any) -> None:
        """Load weights given in Keras' layout and order (as ``get_weights`` returns them).

        Raises:
            ValueError: the layer is not built, or the count or a shape differs (nothing is changed then).
        """
        if not self.built:
            raise ValueError(f"set_weights: layer {self.name!r} is not built yet; build the model first")
        assign_all(self.weights, weights, self.name)

    def __repr__(self) -> str:
        return f"<{self.type_name} name={self.name}>"


class InputLayer(Layer):
    """The model's input, ``InputLayer(shape=(784,))``: declares the shape of one sample (without
    the batch axis) as the first entry of a `Sequential`; holds no weights and is not listed in
    ``model.layers`` (as in Keras)."""

    def __init__(self, shape: Shape | None = None, batch_size: int | None = None, name: str | None = None) -> None:
        if shape is None:
            raise ValueError("InputLayer: give the shape of one sample, e.g. shape=(784,)")
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        if not all(isinstance(d, (int, np.integer)) and d > 0 for d in shape):
            raise ValueError(f"InputLayer: shape must be positive integers (no batch axis), got {shape}")
        super().__init__(input_shape=shape, name=name)
        self.batch_size = batch_size


def Input(shape: Shape | None = None, batch_size: int | None = None, name: str | None = None) -> InputLayer:
    """``keras.Input(shape=(784,))``: the input of a model, as the first entry of a `Sequential`.

    Keras returns a symbolic tensor; here it is the `InputLayer` that a `Sequential` reads its input
    shape from, which is all a Sequential model uses it for.

    >>> from tinygrad_edu import keras
    >>> model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2)])
    >>> model.layers[0].output_shape
    (2,)
    """
    return InputLayer(shape=shape, batch_size=batch_size, name=name)


def _init(identifier: Any, keras_shape: Shape) -> np.ndarray:
    return initializers.get(identifier)(keras_shape).astype(DEFAULT_DTYPE)


class Dense(Layer):
    """y = activation(x·kernel + bias), kernel of shape (in, units): Keras' Dense."""

    def __init__(
        self,
        units: int,
        activation: str | None = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Regularizer | None = None,
        bias_regularizer: Regularizer | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if int(units) != units or units < 1:
            raise ValueError(f"Dense: units must be a positive integer, got {units!r}")
        self.units, self.activation, self.use_bias = int(units), _activation(activation), use_bias
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        if kernel_regularizer is not None:
            self.regularizers.append((kernel_regularizer, "kernel"))
        if bias_regularizer is not None:
            self.regularizers.append((bias_regularizer, "bias"))

    def build(self, input_shape: Shape) -> None:
        fan_in = input_shape[-1]
        self.linear = nn.Linear(fan_in, self.units, bias=self.use_bias)
        self.linear.weight.data = np.ascontiguousarray(_init(self.kernel_initializer, (fan_in, self.units)).T)
        if self.use_bias:
            self.linear.bias.data = _init(self.bias_initializer, (self.units,))
        super().build(input_shape)

    def kernel(self) -> Tensor:
        return self.linear.weight

    def bias(self) -> Tensor:
        return self.linear.bias

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (*input_shape[:-1], self.units)

    def pre_activation(self, x: Tensor) -> Tensor:
        return self.linear(x)

    def weight_table(self):
        table = [("kernel", self.linear.weight, (1, 0), True)]
        return table + ([("bias", self.linear.bias, None, True)] if self.use_bias else [])


class Activation(Layer):
    def __init__(self, activation: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.activation = _activation(activation)


class Dropout(Layer):
    """Inverted dropout of ``rate`` in training; identity in evaluation."""

    def __init__(self, rate: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"Dropout: rate must be in [0, 1), got {rate!r}")  # Keras' rule
        self.rate = rate
        self.dropout = nn.Dropout(rate)

    def pre_activation(self, x: Tensor) -> Tensor:
        return self.dropout(x)


class Flatten(Layer):
    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (int(np.prod(input_shape, dtype=np.int64)),)

    def pre_activation(self, x: Tensor) -> Tensor:
        return x.flatten(1)


class BatchNormalization(Layer):
    """Keras' batch normalisation over the last axis: momentum 0.99 (moving = 0.99·moving +
    0.01·batch), epsilon 1e-3, biased moving variance. Holds 4·C numbers, 2·C trainable."""

    def __init__(self, momentum: float = 0.99, epsilon: float = 1e-3, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.momentum, self.epsilon = momentum, epsilon

    def build(self, input_shape: Shape) -> None:
        self.bn = nn.BatchNorm1d(
            input_shape[-1], eps=self.epsilon, momentum=1.0 - self.momentum, unbiased_running_var=False
        )
        super().build(input_shape)

    def pre_activation(self, x: Tensor) -> Tensor:
        shape = x.shape
        flat = x.reshape(-1, shape[-1])  # every axis but the channels is a batch axis
        if self.training and flat.shape[0] == 1:
            # One sample: Keras trains on (mean x, variance 0, output β); nn.BatchNorm1d refuses, as
            # PyTorch does, because its unbiased variance divides by n − 1. The batch [x, x] has the
            # same mean and biased variance, its output is β for either copy and the gradient with
            # respect to x is 0 either way, so normalise it and keep one copy.
            return self.bn(Tensor.cat([flat, flat]))[:1].reshape(*shape)
        return self.bn(flat).reshape(*shape)

    def weight_table(self):
        bn = self.bn
        return [
            ("gamma", bn.weight, None, True),
            ("beta", bn.bias, None, True),
            ("moving_mean", bn.running_mean, None, False),
            ("moving_variance", bn.running_var, None, False),
        ]


def _same_padding(kernel: int, strides: int, padding: str, layer: str) -> int:
    if padding == "valid":
        return 0
    if padding == "same":
        if kernel % 2 == 0 or strides != 1:
            raise ValueError(
                f"{layer}: padding='same' is supported for odd kernels with stride 1 "
                f"(got kernel {kernel}, stride {strides})"
            )
        return kernel // 2
    raise ValueError(f"{layer}: padding must be 'valid' or 'same', got {padding!r}")


def _square(v: int | tuple[int, int], what: str) -> int:
    if isinstance(v, (tuple, list)):
        if len(v) != 2 or v[0] != v[1]:
            raise ValueError(f"{what}: only square sizes are supported, got {v}")
        return int(v[0])
    return int(v)


class Conv2D(Layer):
    """2-D convolution on channels-last images (N, H, W, C), Keras' Conv2D; kernel (kh, kw, in, out)."""

    def __init__(
        self,
        filters: int,
        kernel_size: int | tuple[int, int],
        strides: int | tuple[int, int] = 1,
        padding: str = "valid",
        activation: str | None = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Regularizer | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.filters, self.kernel_size = filters, _square(kernel_size, "Conv2D kernel_size")
        self.strides = _square(strides, "Conv2D strides")
        self.pad = _same_padding(self.kernel_size, self.strides, padding, "Conv2D")
        self.activation, self.use_bias = _activation(activation), use_bias
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        if kernel_regularizer is not None:
            self.regularizers.append((kernel_regularizer, "kernel"))

    def build(self, input_shape: Shape) -> None:
        if len(input_shape) != 3:
            raise ValueError(f"Conv2D: expected input of shape (None, H, W, C), got {(None, *input_shape)}")
        k, c = self.kernel_size, input_shape[-1]
        self.conv = nn.Conv2d(c, self.filters, k, self.strides, self.pad, bias=self.use_bias)
        kernel = _init(self.kernel_initializer, (k, k, c, self.filters))
        self.conv.weight.data = np.ascontiguousarray(kernel.transpose(3, 2, 0, 1))
        if self.use_bias:
            self.conv.bias.data = _init(self.bias_initializer, (self.filters,))
        super().build(input_shape)

    def kernel(self) -> Tensor:
        return self.conv.weight

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        h, w, _ = input_shape
        size = [(d + 2 * self.pad - self.kernel_size) // self.strides + 1 for d in (h, w)]
        return (size[0], size[1], self.filters)

    def pre_activation(self, x: Tensor) -> Tensor:
        return self.conv(x.transpose(0, 3, 1, 2)).transpose(0, 2, 3, 1)

    def weight_table(self):
        table = [("kernel", self.conv.weight, (2, 3, 1, 0), True)]  # (out, in, kh, kw) → (kh, kw, in, out)
        return table + ([("bias", self.conv.bias, None, True)] if self.use_bias else [])


class MaxPooling2D(Layer):
    """Max over pool_size windows of channels-last images."""

    pool = staticmethod(conv.max_pool2d)

    def __init__(
        self, pool_size: int | tuple[int, int] = 2, strides: int | None = None, padding: str = "valid", **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.pool_size = _square(pool_size, f"{type(self).__name__} pool_size")
        self.strides = self.pool_size if strides is None else _square(strides, "strides")
        if padding != "valid":
            raise ValueError(f"{type(self).__name__}: only padding='valid' is supported, got {padding!r}")

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        h, w, c = input_shape
        return ((h - self.pool_size) // self.strides + 1, (w - self.pool_size) // self.strides + 1, c)

    def pre_activation(self, x: Tensor) -> Tensor:
        return self.pool(x.transpose(0, 3, 1, 2), self.pool_size, self.strides).transpose(0, 2, 3, 1)


class AveragePooling2D(MaxPooling2D):
    """Mean over pool_size windows of channels-last images."""

    pool = staticmethod(conv.avg_pool2d)


class GlobalAveragePooling2D(Layer):
    """Mean over H and W: (N, H, W, C) → (N, C)."""

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (input_shape[-1],)

    def pre_activation(self, x: Tensor) -> Tensor:
        return x.mean(axis=(1, 2))


class SimpleRNN(Layer):
    """Keras' SimpleRNN on (N, T, features): h_t = tanh(x_t·kernel + h_{t−1}·recurrent_kernel + bias).

    One bias (Keras), kernel glorot_uniform, recurrent kernel orthogonal. Returns the last state,
    or every state with ``return_sequences=True``."""

    def __init__(
        self,
        units: int,
        activation: str = "tanh",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        return_sequences: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.units, self.use_bias, self.return_sequences = units, use_bias, return_sequences
        self.cell_activation = _activation(activation)
        self.kernel_initializer, self.recurrent_initializer = kernel_initializer, recurrent_initializer

    def build(self, input_shape: Shape) -> None:
        if len(input_shape) != 2:
            raise ValueError(f"SimpleRNN: expected input of shape (None, T, features), got {(None, *input_shape)}")
        features, u = input_shape[-1], self.units
        self.w_ih = Tensor(np.ascontiguousarray(_init(self.kernel_initializer, (features, u)).T), requires_grad=True)
        self.w_hh = Tensor(np.ascontiguousarray(_init(self.recurrent_initializer, (u, u)).T), requires_grad=True)
        self.b = Tensor(np.zeros(u, dtype=DEFAULT_DTYPE), requires_grad=True) if self.use_bias else None
        super().build(input_shape)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (input_shape[0], self.units) if self.return_sequences else (self.units,)

    def pre_activation(self, x: Tensor) -> Tensor:
        act = ACTIVATIONS[self.cell_activation]
        h = Tensor.zeros(x.shape[0], self.units, dtype=x.dtype)
        states = []
        for t in range(x.shape[1]):
            h = act(F.linear(x[:, t], self.w_ih, self.b) + F.linear(h, self.w_hh))
            states.append(h)
        return Tensor.stack(states, axis=1) if self.return_sequences else h

    def weight_table(self):
        table = [("kernel", self.w_ih, (1, 0), True), ("recurrent_kernel", self.w_hh, (1, 0), True)]
        return table + ([("bias", self.b, None, True)] if self.use_bias else [])
