"""Keras layers over the tensor engine: Keras' names, arguments, defaults and channels-last layout.

Each layer is an `nn.Module` that is *built* from the shape of its input (without the batch
axis), as in Keras: ``Dense(512, input_shape=(784,))`` can be built at once, a ``Dense(10)`` that
follows it when the model is. Weights live in the PyTorch-layout modules underneath (a Dense
kernel of Keras shape (in, out) is the transpose of ``nn.Linear``'s weight). Each layer declares
its weights once, in `Layer.weight_table`: a `Weight` per Keras weight (Keras name, the engine tensor,
the axis order from its layout to Keras', initializer, regularizer, trainable). ``build`` draws the
initial values in Keras' shape through it, and ``weights``, ``get_weights``, ``set_weights``,
``penalty`` and the model's ``summary`` all read it, so each layout permutation is written once.

Activations come from `tinygrad_edu.activations` (the one table for ``nn``, Keras and plots), with
Keras' leaky-ReLU slope 0.2 passed explicitly. ``padding="same"`` follows Keras (and TensorFlow):
an output of ⌈n/s⌉ positions, the total padding max((⌈n/s⌉ − 1)·s + k − n, 0) split with the
smaller half before (top/left); pooling windows ignore the padding (max over, and mean of, the real
values only).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import activations, nn, ops
from ..nn import conv
from ..nn.conv import square_size
from ..tensor import DEFAULT_DTYPE, Tensor, apply
from . import initializers
from .regularizers import Regularizer

Shape = tuple[int, ...]

KERAS_LEAKY_RELU_SLOPE = 0.2  # keras.layers.LeakyReLU's and keras.activations.leaky_relu's default


def _activation(name: str | None) -> str:
    """Check ``name`` against `tinygrad_edu.activations` (None means "linear")."""
    return activations.get(name).name


def _apply_activation(name: str, x: Tensor) -> Tensor:
    if name == "leaky_relu":
        return x.leaky_relu(KERAS_LEAKY_RELU_SLOPE)
    return activations.get(name).tensor(x)


def _snake(name: str) -> str:
    """Keras' default layer names: Dense → dense, Conv2D → conv2d, SimpleRNN → simple_rnn."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower().replace("2_d", "2d")


@dataclass(frozen=True)
class Weight:
    """How a layer declares one of its Keras weights (see `Layer.weight_table`).

    ``perm`` is the axis order that turns the tensor's (PyTorch) layout into Keras' (None: the same
    layout); ``initializer`` (a Keras name or `initializers.Initializer`, None for none) draws the
    initial value in Keras' shape at ``build``; ``regularizer`` adds its penalty to the loss.
    """

    name: str
    tensor: Tensor
    perm: tuple[int, ...] | None = None
    initializer: Any = None
    regularizer: Regularizer | None = None
    trainable: bool = True


class Variable:
    """One Keras weight of a layer (``layer.weights[i]``): a view of an engine tensor in Keras' layout,
    made from the layer's `Weight` declaration. Reading gives a copy (``numpy()``, ``np.asarray``),
    ``assign`` writes through to the tensor."""

    def __init__(self, layer: Layer, weight: Weight) -> None:
        self.layer, self.name, self.tensor, self.perm = layer, weight.name, weight.tensor, weight.perm
        self.trainable = weight.trainable

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


@dataclass(frozen=True)
class KerasTensor:
    """What Keras 3 calls a symbolic tensor, reduced to what a reader asks of it: its shape, with
    None for the batch, and the name of the layer that makes it."""

    shape: tuple[int | None, ...]
    name: str
    dtype: str = "float32"


def count_weights(variables: Sequence[Variable]) -> int:
    """How many numbers the variables hold: Σ of the products of their shapes."""
    return sum(int(np.prod(v.shape, dtype=np.int64)) for v in variables)


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

    @property
    def output(self) -> KerasTensor:
        """Keras 3's symbolic output of a built layer: ``layer.output.shape`` is (None, ...), the batch
        left open, as ``summary()`` prints it (``output_shape`` is the shape without the batch)."""
        if self.output_shape is None:
            raise AttributeError(
                f"{self.name or self.default_name}: the layer has not been called yet, so it has no output"
            )
        return KerasTensor((None, *self.output_shape), self.name or self.default_name)

    @property
    def type_name(self) -> str:
        return type(self).__name__

    @property
    def default_name(self) -> str:
        return _snake(type(self).__name__)

    def build(self, input_shape: Shape) -> None:
        """Subclasses make their modules, then call this: it draws every declared initializer in
        Keras' shape (in the table's order) and writes it through the layout permutation."""
        for weight in self.weight_table():
            if weight.initializer is not None:
                variable = Variable(self, weight)
                variable.assign(_init(weight.initializer, variable.shape))
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
        return _apply_activation(self.activation, self.pre_activation(x))

    def penalty(self) -> Tensor | None:
        """The sum of this layer's regularization penalties, or None (the penalties are sums over
        elements, so they read the tensors in either layout)."""
        total = None
        for weight in self.weight_table():
            if weight.regularizer is not None:
                p = weight.regularizer(weight.tensor)
                total = p if total is None else total + p
        return total

    def count_params(self) -> int:
        """The numbers this layer holds, trainable or not, as Keras' ``count_params`` (the split is
        ``count_weights(layer.trainable_weights)`` and ``count_weights(layer.non_trainable_weights)``)."""
        return count_weights(self.weights)

    def weight_table(self) -> list[Weight]:
        """This layer's weights in Keras' order, one `Weight` each: the one place a layer says which
        weights it has; empty for weightless layers (and before ``build`` made the modules)."""
        return []

    @property
    def weights(self) -> list[Variable]:
        """Keras' ``layer.weights``: trainable weights first, then non-trainable (moving statistics)."""
        if not self.built:
            return []
        table = [Variable(self, weight) for weight in self.weight_table()]
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
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer

    def build(self, input_shape: Shape) -> None:
        self.linear = nn.Linear(input_shape[-1], self.units, bias=self.use_bias)
        super().build(input_shape)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (*input_shape[:-1], self.units)

    def pre_activation(self, x: Tensor) -> Tensor:
        return self.linear(x)

    def weight_table(self) -> list[Weight]:
        if not hasattr(self, "linear"):
            return []
        kernel = Weight("kernel", self.linear.weight, (1, 0), self.kernel_initializer, self.kernel_regularizer)
        if not self.use_bias:
            return [kernel]
        return [kernel, Weight("bias", self.linear.bias, None, self.bias_initializer, self.bias_regularizer)]


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

    def weight_table(self) -> list[Weight]:
        if not hasattr(self, "bn"):
            return []
        bn = self.bn  # nn.BatchNorm1d starts them at γ = 1, β = 0, mean 0, variance 1, as Keras does
        return [
            Weight("gamma", bn.weight),
            Weight("beta", bn.bias),
            Weight("moving_mean", bn.running_mean, trainable=False),
            Weight("moving_variance", bn.running_var, trainable=False),
        ]


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """Keras' (TensorFlow's) ``padding="same"`` along one axis: (before, after) such that the output
    has ⌈size/stride⌉ positions; the smaller half goes before.

    >>> same_padding(28, 3, 1), same_padding(28, 4, 1), same_padding(28, 3, 2), same_padding(5, 2, 2)
    ((1, 1), (1, 2), (0, 1), (0, 1))
    """
    total = max((-(-size // stride) - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def _paddings(padding: str, input_shape: Shape, kernel: int, stride: int, layer: str) -> tuple[Shape, Shape]:
    """((top, bottom), (left, right)) for ``padding`` "valid" or "same" on an (H, W, C) input."""
    if padding == "valid":
        return (0, 0), (0, 0)
    if padding == "same":
        return same_padding(input_shape[0], kernel, stride), same_padding(input_shape[1], kernel, stride)
    raise ValueError(f"{layer}: padding must be 'valid' or 'same', got {padding!r}")


def _pad_hw(x: Tensor, pads: tuple[Shape, Shape], value: float) -> Tensor:
    """Add rows and columns of ``value`` to an (N, C, H, W) tensor: pads = ((top, bottom), (left, right))."""
    for axis, (before, after) in ((2, pads[0]), (3, pads[1])):
        if before or after:
            parts = []
            for rows in (before, after):
                shape = list(x.shape)
                shape[axis] = rows
                parts.append(Tensor(np.full(shape, value, dtype=x.dtype)))
            x = Tensor.cat([parts[0], x, parts[1]], axis=axis)
    return x


def _output_size(size: int, kernel: int, stride: int, pads: Shape) -> int:
    return (size + pads[0] + pads[1] - kernel) // stride + 1


class Conv2D(Layer):
    """2-D convolution on channels-last images (N, H, W, C), Keras' Conv2D; kernel (kh, kw, in, out).

    ``padding="same"`` works for any kernel size and stride (see the module docstring): the
    convolution op takes the padding of each side, ((top, bottom), (left, right)), uneven or not."""

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
        self.filters, self.kernel_size = filters, square_size(kernel_size, "Conv2D kernel_size")
        self.strides = square_size(strides, "Conv2D strides")
        if padding not in ("valid", "same"):
            raise ValueError(f"Conv2D: padding must be 'valid' or 'same', got {padding!r}")
        self.padding = padding
        self.activation, self.use_bias = _activation(activation), use_bias
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer = kernel_regularizer

    def build(self, input_shape: Shape) -> None:
        if len(input_shape) != 3:
            raise ValueError(f"Conv2D: expected input of shape (None, H, W, C), got {(None, *input_shape)}")
        self.pads = _paddings(self.padding, input_shape, self.kernel_size, self.strides, "Conv2D")
        # the module holds the weights (PyTorch's layout); pre_activation runs the op with Keras' padding
        self.conv = nn.Conv2d(input_shape[-1], self.filters, self.kernel_size, bias=self.use_bias)
        super().build(input_shape)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        pads = _paddings(self.padding, input_shape, self.kernel_size, self.strides, "Conv2D")
        h, w = (_output_size(input_shape[i], self.kernel_size, self.strides, pads[i]) for i in (0, 1))
        return (h, w, self.filters)

    def pre_activation(self, x: Tensor) -> Tensor:
        fn = ops.Convolution((self.strides, self.strides), self.pads, (1, 1))
        params = [self.conv.weight] if self.conv.bias is None else [self.conv.weight, self.conv.bias]
        return apply(fn, x.transpose(0, 3, 1, 2), *params).transpose(0, 2, 3, 1)

    def weight_table(self) -> list[Weight]:
        if not hasattr(self, "conv"):
            return []
        # (out, in, kh, kw) → (kh, kw, in, out)
        kernel = Weight("kernel", self.conv.weight, (2, 3, 1, 0), self.kernel_initializer, self.kernel_regularizer)
        return [kernel, Weight("bias", self.conv.bias, None, self.bias_initializer)] if self.use_bias else [kernel]


class MaxPooling2D(Layer):
    """Max over pool_size windows of channels-last images; with ``padding="same"`` the padding is
    −∞ (never the maximum), as Keras'."""

    pool = staticmethod(conv.max_pool2d)
    pad_value = -np.inf

    def __init__(
        self, pool_size: int | tuple[int, int] = 2, strides: int | None = None, padding: str = "valid", **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.pool_size = square_size(pool_size, f"{type(self).__name__} pool_size")
        self.strides = self.pool_size if strides is None else square_size(strides, f"{type(self).__name__} strides")
        if padding not in ("valid", "same"):
            raise ValueError(f"{type(self).__name__}: padding must be 'valid' or 'same', got {padding!r}")
        self.padding = padding

    def build(self, input_shape: Shape) -> None:
        self.pads = _paddings(self.padding, input_shape, self.pool_size, self.strides, type(self).__name__)
        super().build(input_shape)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        pads = _paddings(self.padding, input_shape, self.pool_size, self.strides, type(self).__name__)
        h, w = (_output_size(input_shape[i], self.pool_size, self.strides, pads[i]) for i in (0, 1))
        return (h, w, input_shape[-1])

    def pre_activation(self, x: Tensor) -> Tensor:
        x = _pad_hw(x.transpose(0, 3, 1, 2), self.pads, self.pad_value)
        return self._rescale(self.pool(x, self.pool_size, self.strides)).transpose(0, 2, 3, 1)

    def _rescale(self, pooled: Tensor) -> Tensor:
        return pooled


class AveragePooling2D(MaxPooling2D):
    """Mean over pool_size windows of channels-last images; with ``padding="same"`` the mean of the
    real values in each window only (the zeros added around are not counted), as Keras'."""

    pool = staticmethod(conv.avg_pool2d)
    pad_value = 0.0

    def build(self, input_shape: Shape) -> None:
        super().build(input_shape)
        # k²/(real values in each window): turns the mean over k² (padding included) into the mean of the reals
        real = np.pad(np.ones(input_shape[:2]), self.pads)
        windows = np.lib.stride_tricks.sliding_window_view(real, (self.pool_size, self.pool_size))
        counts = windows[:: self.strides, :: self.strides].sum(axis=(-2, -1))
        self.scale = self.pool_size**2 / counts if (counts != self.pool_size**2).any() else None

    def _rescale(self, pooled: Tensor) -> Tensor:
        return pooled if self.scale is None else pooled * Tensor(self.scale.astype(pooled.dtype))


class GlobalAveragePooling2D(Layer):
    """Mean over H and W: (N, H, W, C) → (N, C)."""

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (input_shape[-1],)

    def pre_activation(self, x: Tensor) -> Tensor:
        return x.mean(axis=(1, 2))


class SimpleRNN(Layer):
    """Keras' SimpleRNN on (N, T, features): h_t = φ(x_t·kernel + h_{t−1}·recurrent_kernel + bias), φ
    tanh (or relu), over `nn.RNNCell` (whose second bias, ``bias_hh``, Keras does not have: removed).

    Kernel glorot_uniform, recurrent kernel orthogonal, bias zeros. Returns the last state, or every
    state with ``return_sequences=True``."""

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
        if _activation(activation) not in ("tanh", "relu"):
            raise ValueError(f"SimpleRNN: activation must be 'tanh' or 'relu' (nn.RNNCell's), got {activation!r}")
        self.cell_activation = activation
        self.kernel_initializer, self.recurrent_initializer = kernel_initializer, recurrent_initializer

    def build(self, input_shape: Shape) -> None:
        if len(input_shape) != 2:
            raise ValueError(f"SimpleRNN: expected input of shape (None, T, features), got {(None, *input_shape)}")
        self.cell = nn.RNNCell(input_shape[-1], self.units, bias=self.use_bias, nonlinearity=self.cell_activation)
        self.cell.bias_hh = None  # Keras' SimpleRNN has one bias
        super().build(input_shape)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (input_shape[0], self.units) if self.return_sequences else (self.units,)

    def pre_activation(self, x: Tensor) -> Tensor:
        h = Tensor.zeros(x.shape[0], self.units, dtype=x.dtype)
        states = []
        for t in range(x.shape[1]):
            h = self.cell(x[:, t], h)
            states.append(h)
        return Tensor.stack(states, axis=1) if self.return_sequences else h

    def weight_table(self) -> list[Weight]:
        if not hasattr(self, "cell"):
            return []
        cell = self.cell
        table = [
            Weight("kernel", cell.weight_ih, (1, 0), self.kernel_initializer),
            Weight("recurrent_kernel", cell.weight_hh, (1, 0), self.recurrent_initializer),
        ]
        return table + ([Weight("bias", cell.bias_ih, None, "zeros")] if self.use_bias else [])
