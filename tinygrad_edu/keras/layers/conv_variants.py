"""Keras' convolutions beside Conv2D: Conv1D on sequences (N, T, C) and Conv2DTranspose on
channels-last images, both run by the engine's 2-D convolution op.

- Conv1D is a 2-D convolution over a (N, C, 1, T) view with a (1, k) window; kernel (k, in, out).
  ``padding``: "valid", "same" (Keras' split, `same_padding`, on the dilated window
  (k − 1)·d + 1) or "causal" ((k − 1)·d zeros before: y_t reads x_{≤t}).
- Conv2DTranspose (kernel (kh, kw, out, in)) is the gradient of a convolution with respect to its
  input: y[i·s + a] += x[i]·w[a]. It runs as a convolution of the input spread out by the stride
  (s − 1 zeros between samples) with the flipped kernel, padded by k − 1 on each side ("valid":
  output (n − 1)·s + k), or cropped to n·s outputs starting where Keras' "same" forward convolution
  would pad (before = max(k − s, 0) // 2).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import Tensor, nn, ops
from ...nn.conv import pair
from ...tensor import apply
from .. import config as keras_config
from .. import regularizers
from .convolutional import CONV_KEYS, CONV_NEUTRAL, same_padding
from .core import Layer, Shape, Weight, activation_name


class _Conv(Layer):
    """What the two share: arguments, the kernel and bias as Parameters, the weight table."""

    config_keys: tuple[str, ...] = CONV_KEYS

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = 1,
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
        if isinstance(filters, bool) or not isinstance(filters, (int, np.integer)) or filters < 1:
            raise ValueError(
                f"Invalid value for argument `filters`. Expected a strictly positive value. Received filters={filters}."
            )
        self.filters, self.padding = int(filters), padding
        self.activation, self.use_bias = activation_name(activation), use_bias
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)

    def make_weights(self, shape: tuple[int, ...]) -> None:
        """The kernel in PyTorch's layout ``shape`` and the bias (filters), filled at build."""
        self.kernel_param = nn.Parameter(np.zeros(shape, keras_config.floatx()))
        self.bias_param = nn.Parameter(np.zeros(self.filters, keras_config.floatx())) if self.use_bias else None

    def check_rank(self, input_shape: Shape, rank: int, layout: str) -> None:
        if len(input_shape) != rank or input_shape[-1] is None:
            raise ValueError(
                f'Input 0 of layer "{self.label}" is incompatible with the layer: expected ndim={rank} {layout} '
                f"with known channels, found shape {input_shape}"
            )

    def convolve(self, x: Tensor, weight: Tensor, stride: tuple[int, int], pads: Any, dilation: Any) -> Tensor:
        params = [weight] if self.bias_param is None else [weight, self.bias_param]
        return apply(ops.Convolution(stride, pads, dilation), x, *params)

    def kernel_perm(self) -> tuple[int, ...]:
        raise NotImplementedError

    def weight_table(self) -> list[Weight]:
        if not hasattr(self, "kernel_param"):
            return []
        kernel = Weight(
            "kernel", self.kernel_param, self.kernel_perm(), self.kernel_initializer, self.kernel_regularizer
        )
        if self.bias_param is None:
            return [kernel]
        return [kernel, Weight("bias", self.bias_param, None, self.bias_initializer, self.bias_regularizer)]


class Conv1D(_Conv):
    """1-D convolution on sequences (N, T, C), Keras' Conv1D; kernel (kernel_size, in, filters).

    >>> from tinygrad_edu import keras
    >>> keras.layers.Conv1D(4, 3, padding="causal").compute_output_shape((None, 10, 2))
    (None, 10, 4)
    """

    config_keys = (*CONV_KEYS, "dilation_rate")
    config_neutral = (*CONV_NEUTRAL, "groups")
    spatial_rank = 1

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid", **kwargs: Any) -> None:
        dilation = kwargs.pop("dilation_rate", 1)
        super().__init__(filters, kernel_size, strides, padding, **kwargs)
        self.kernel_size, self.strides = (
            _single(v, name) for v, name in ((kernel_size, "kernel_size"), (strides, "strides"))
        )
        self.dilation_rate = _single(dilation, "dilation_rate")
        if padding not in ("valid", "same", "causal"):
            raise ValueError(f"Conv1D: padding must be 'valid', 'same' or 'causal', got {padding!r}")

    def pads(self, length: int | None) -> tuple[int, int]:
        span = (self.kernel_size - 1) * self.dilation_rate + 1
        if self.padding == "causal":
            return span - 1, 0
        if self.padding == "same":
            return same_padding(length, span, self.strides) if length is not None else (0, 0)
        return 0, 0

    def build(self, input_shape: Shape) -> None:
        self.check_rank(input_shape, 3, "(batch, steps, channels)")
        self.make_weights((self.filters, input_shape[-1], self.kernel_size))
        super().build(input_shape)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        steps = input_shape[1]
        if steps is not None:
            before, after = self.pads(steps)
            span = (self.kernel_size - 1) * self.dilation_rate + 1
            steps = (steps + before + after - span) // self.strides + 1
        return (input_shape[0], steps, self.filters)

    def kernel_perm(self) -> tuple[int, ...]:
        return (2, 1, 0)  # (out, in, k) → (k, in, out)

    def pre_activation(self, x: Tensor) -> Tensor:
        n, steps, channels = x.shape
        image = x.permute(0, 2, 1).reshape(n, channels, 1, steps)
        weight = self.kernel_param.reshape(self.filters, channels, 1, self.kernel_size)
        out = self.convolve(image, weight, (1, self.strides), ((0, 0), self.pads(steps)), (1, self.dilation_rate))
        return out.reshape(n, self.filters, out.shape[-1]).permute(0, 2, 1)


class Conv2DTranspose(_Conv):
    """Transposed 2-D convolution on channels-last images, Keras' Conv2DTranspose; kernel
    (kh, kw, filters, in) (see the module docstring for the computation)."""

    config_neutral = (*CONV_NEUTRAL, "dilation_rate", "output_padding")
    spatial_rank = 2

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid", **kwargs: Any) -> None:
        for option in ("output_padding", "dilation_rate"):
            if kwargs.pop(option, None) not in (None, 1, (1, 1)):
                raise NotImplementedError(f"Conv2DTranspose: {option} is not supported")
        super().__init__(filters, kernel_size, strides, padding, **kwargs)
        self.kernel_size, self.strides = pair(kernel_size, "kernel_size"), pair(strides, "strides")
        if padding not in ("valid", "same"):
            raise ValueError(f"Conv2DTranspose: padding must be 'valid' or 'same', got {padding!r}")

    def build(self, input_shape: Shape) -> None:
        self.check_rank(input_shape, 4, "(batch, rows, cols, channels)")
        self.make_weights((input_shape[-1], self.filters, *self.kernel_size))  # PyTorch's ConvTranspose2d
        super().build(input_shape)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        sizes = [self.out_size(input_shape[1 + i], i) for i in (0, 1)]
        return (input_shape[0], *sizes, self.filters)

    def out_size(self, n: int | None, axis: int) -> int | None:
        if n is None:
            return None
        k, s = self.kernel_size[axis], self.strides[axis]
        return n * s if self.padding == "same" else (n - 1) * s + k

    def conv_pads(self, axis: int) -> tuple[int, int]:
        """Padding of the spread-out input: k − 1 each side ("valid"); Keras' "same" crop otherwise."""
        k, s = self.kernel_size[axis], self.strides[axis]
        if self.padding == "valid":
            return k - 1, k - 1
        before = max(k - s, 0) // 2
        return k - 1 - before, s - 1 + before

    def kernel_perm(self) -> tuple[int, ...]:
        return (2, 3, 1, 0)  # (in, out, kh, kw) → (kh, kw, out, in)

    def pre_activation(self, x: Tensor) -> Tensor:
        image = _spread(_spread(x.permute(0, 3, 1, 2), self.strides[0], 2), self.strides[1], 3)
        weight = self.kernel_param.permute(1, 0, 2, 3)[:, :, ::-1, ::-1]  # (out, in, kh, kw), flipped
        pads = (self.conv_pads(0), self.conv_pads(1))
        return self.convolve(image, weight, (1, 1), pads, (1, 1)).permute(0, 2, 3, 1)


def _spread(x: Tensor, stride: int, axis: int) -> Tensor:
    """Put stride − 1 zeros between neighbours along ``axis``: n samples → (n − 1)·stride + 1."""
    if stride == 1:
        return x
    n = x.shape[axis]
    zeros = Tensor(np.zeros(x.shape, x.dtype))
    spread = Tensor.stack([x] + [zeros] * (stride - 1), axis=axis + 1)
    shape = list(x.shape)
    shape[axis] = n * stride
    index = [slice(None)] * x.ndim
    index[axis] = slice(0, (n - 1) * stride + 1)
    return spread.reshape(*shape)[tuple(index)]


def _single(value: Any, name: str) -> int:
    """A 1-D size given as ``k`` or ``(k,)``."""
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise ValueError(f"Conv1D: {name} must be an integer or a tuple of one integer, got {value!r}")
        value = value[0]
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"Conv1D: {name} must be a positive integer, got {value!r}")
    return int(value)
