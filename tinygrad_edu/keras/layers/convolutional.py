"""Keras' convolution and pooling layers on channels-last images (N, H, W, C).

``padding="same"`` follows Keras (and TensorFlow): an output of ⌈n/s⌉ positions, the total padding
max((⌈n/s⌉ − 1)·s + k − n, 0) split with the smaller half before (top/left); pooling windows
ignore the padding (max over, and mean of, the real values only).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import Tensor, nn, ops
from ...nn import conv
from ...nn.conv import square_size
from ...tensor import apply
from .. import config as keras_config
from .. import regularizers
from .core import CONSTRAINT_KEYS, KERNEL_KEYS, Layer, Shape, Weight, activation_name, float_input


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """Keras' (TensorFlow's) ``padding="same"`` along one axis: (before, after) such that the output
    has ⌈size/stride⌉ positions; the smaller half goes before.

    >>> same_padding(28, 3, 1), same_padding(28, 4, 1), same_padding(28, 3, 2), same_padding(5, 2, 2)
    ((1, 1), (1, 2), (0, 1), (0, 1))
    """
    total = max((-(-size // stride) - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def _paddings(padding: str, input_shape: Shape, kernel: int, stride: int, layer: str) -> tuple[Shape, Shape]:
    """((top, bottom), (left, right)) for ``padding`` "valid" or "same" on an (N, H, W, C) input."""
    if padding == "valid":
        return (0, 0), (0, 0)
    if padding == "same":
        return same_padding(input_shape[1], kernel, stride), same_padding(input_shape[2], kernel, stride)
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


#: the config keys of the convolutions, and the Keras arguments they have that this door does not model
CONV_KEYS = ("filters", "kernel_size", "strides", "padding", *KERNEL_KEYS)
CONV_NEUTRAL = (*CONSTRAINT_KEYS, "activity_regularizer", "data_format")


class Conv2D(Layer):
    """2-D convolution on channels-last images (N, H, W, C), Keras' Conv2D; kernel (kh, kw, in, out).

    ``padding="same"`` works for any kernel size and stride (see the module docstring): the
    convolution op takes the padding of each side, ((top, bottom), (left, right)), uneven or not."""

    config_keys = CONV_KEYS
    config_neutral = (*CONV_NEUTRAL, "dilation_rate", "groups")
    spatial_rank = 2

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
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.filters, self.kernel_size = filters, square_size(kernel_size, "Conv2D kernel_size")
        self.strides = square_size(strides, "Conv2D strides")
        if padding not in ("valid", "same"):
            raise ValueError(f"Conv2D: padding must be 'valid' or 'same', got {padding!r}")
        self.padding = padding
        self.activation, self.use_bias = activation_name(activation), use_bias
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)

    def build(self, input_shape: Shape) -> None:
        if len(input_shape) != 4:
            raise ValueError(f"{self.label}: expected input of shape (None, H, W, C), got {input_shape}")
        self.pads = _paddings(self.padding, input_shape, self.kernel_size, self.strides, "Conv2D")
        # the module holds the weights (PyTorch's layout); pre_activation runs the op with Keras' padding
        self.conv = nn.Conv2d(
            input_shape[-1], self.filters, self.kernel_size, bias=self.use_bias, dtype=keras_config.float_type()
        )
        super().build(input_shape)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        pads = _paddings(self.padding, input_shape, self.kernel_size, self.strides, "Conv2D")
        h, w = (_output_size(input_shape[i + 1], self.kernel_size, self.strides, pads[i]) for i in (0, 1))
        return (input_shape[0], h, w, self.filters)

    def pre_activation(self, x: Tensor) -> Tensor:
        fn = ops.Convolution((self.strides, self.strides), self.pads, (1, 1))
        params = [self.conv.weight] if self.conv.bias is None else [self.conv.weight, self.conv.bias]
        return apply(fn, float_input(x).permute(0, 3, 1, 2), *params).permute(0, 2, 3, 1)

    def weight_table(self) -> list[Weight]:
        if not hasattr(self, "conv"):
            return []
        # (out, in, kh, kw) → (kh, kw, in, out)
        kernel = Weight("kernel", self.conv.weight, (2, 3, 1, 0), self.kernel_initializer, self.kernel_regularizer)
        if not self.use_bias:
            return [kernel]
        return [kernel, Weight("bias", self.conv.bias, None, self.bias_initializer, self.bias_regularizer)]


class MaxPooling2D(Layer):
    """Max over pool_size windows of channels-last images; with ``padding="same"`` the padding is
    −∞ (never the maximum), as Keras'."""

    built_at_init = True

    pool = staticmethod(conv.max_pool2d)
    pad_value = -np.inf
    config_keys = ("pool_size", "strides", "padding")
    spatial_rank = 2
    config_neutral = ("data_format",)

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
        h, w = (_output_size(input_shape[i + 1], self.pool_size, self.strides, pads[i]) for i in (0, 1))
        return (input_shape[0], h, w, input_shape[-1])

    def pre_activation(self, x: Tensor) -> Tensor:
        x = _pad_hw(x.permute(0, 3, 1, 2), self.pads, self.pad_value)
        return self._rescale(self.pool(x, self.pool_size, self.strides)).permute(0, 2, 3, 1)

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
        real = np.pad(np.ones(input_shape[1:3]), self.pads)
        windows = np.lib.stride_tricks.sliding_window_view(real, (self.pool_size, self.pool_size))
        counts = windows[:: self.strides, :: self.strides].sum(axis=(-2, -1))
        self.scale = self.pool_size**2 / counts if (counts != self.pool_size**2).any() else None

    def _rescale(self, pooled: Tensor) -> Tensor:
        return pooled if self.scale is None else pooled * Tensor(self.scale.astype(pooled.dtype))


class GlobalAveragePooling2D(Layer):
    """Mean over every axis between the batch and the channels: (N, H, W, C) → (N, C); the 1-D
    variant (N, T, C) → (N, C)."""

    built_at_init = True

    config_neutral = ("data_format", "keepdims")

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (input_shape[0], input_shape[-1])

    def pre_activation(self, x: Tensor) -> Tensor:
        return x.mean(axis=tuple(range(1, x.ndim - 1)))


class GlobalAveragePooling1D(GlobalAveragePooling2D):
    pass


class GlobalMaxPooling2D(GlobalAveragePooling2D):
    """Max over every axis between the batch and the channels: (N, H, W, C) → (N, C)."""

    def pre_activation(self, x: Tensor) -> Tensor:
        return x.flatten(1, x.ndim - 2).max(axis=1)


class GlobalMaxPooling1D(GlobalMaxPooling2D):
    pass


class UpSampling2D(Layer):
    """Repeat each row ``size[0]`` times and each column ``size[1]`` times (nearest neighbour)."""

    config_keys = ("size", "interpolation")
    spatial_rank = 2
    config_neutral = ("data_format",)

    def __init__(self, size: int | tuple[int, int] = (2, 2), interpolation: str = "nearest", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if interpolation != "nearest":
            raise NotImplementedError(f"UpSampling2D: only interpolation='nearest' is supported, got {interpolation!r}")
        self.size = (size, size) if isinstance(size, int) else tuple(size)
        self.interpolation = interpolation

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        n, h, w, c = input_shape
        return (n, None if h is None else h * self.size[0], None if w is None else w * self.size[1], c)

    def pre_activation(self, x: Tensor) -> Tensor:
        n, h, w, c = x.shape
        rows = Tensor.stack([x] * self.size[0], axis=2).reshape(n, h * self.size[0], w, c)
        return Tensor.stack([rows] * self.size[1], axis=3).reshape(n, h * self.size[0], w * self.size[1], c)
