"""Convolution and pooling layers over images of shape (N, C, H, W), as PyTorch.

The functional forms `conv2d`, `max_pool2d`, `avg_pool2d` check their arguments and apply the
autograd Functions of `tinygrad_edu.ops.conv` (where the math and both passes live); the Modules
`Conv2d`, `MaxPool2d`, `AvgPool2d`, `GlobalAvgPool2d` hold the settings and parameters.
"""

from __future__ import annotations

import numpy as np

from .. import ops
from ..ops import apply
from ..rng import default_rng
from ..tensor import DEFAULT_DTYPE, Tensor
from .module import Module


def _pair(v: int | tuple[int, int], name: str, minimum: int = 1) -> int:
    """An int from an int or a square pair (k, k), at least ``minimum``."""
    if isinstance(v, tuple):
        if len(v) != 2 or v[0] != v[1]:
            raise ValueError(f"{name}: only square windows are supported, got {v}")
        v = v[0]
    if int(v) != v or v < minimum:
        raise ValueError(f"{name}: expected an integer of at least {minimum}, got {v!r}")
    return int(v)


def conv2d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int = 1, padding: int = 0) -> Tensor:
    """2-D convolution, as ``torch.nn.functional.conv2d`` (square kernels)."""
    fn = ops.Conv2d(_pair(stride, "conv2d stride"), _pair(padding, "conv2d padding", 0))
    return apply(fn, x, weight) if bias is None else apply(fn, x, weight, bias)


def max_pool2d(x: Tensor, kernel_size: int, stride: int | None = None, padding: int = 0) -> Tensor:
    k = _pair(kernel_size, "max_pool2d kernel_size")
    return apply(ops.MaxPool2d(k, k if stride is None else _pair(stride, "stride"), _pair(padding, "padding", 0)), x)


def avg_pool2d(x: Tensor, kernel_size: int, stride: int | None = None, padding: int = 0) -> Tensor:
    k = _pair(kernel_size, "avg_pool2d kernel_size")
    return apply(ops.AvgPool2d(k, k if stride is None else _pair(stride, "stride"), _pair(padding, "padding", 0)), x)


class Conv2d(Module):
    """``Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0)``; weight of shape
    (out, in, k, k). PyTorch's initialisation: W, b ~ U(±1/√fan_in), fan_in = in·k²."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
        padding: int = 0,
        bias: bool = True,
        dtype: type = DEFAULT_DTYPE,
    ) -> None:
        k = _pair(kernel_size, "Conv2d kernel_size")
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, k
        self.stride, self.padding = _pair(stride, "Conv2d stride"), _pair(padding, "Conv2d padding", 0)
        bound = 1.0 / np.sqrt(in_channels * k * k)
        rng = default_rng()
        self.weight = Tensor(
            rng.uniform(-bound, bound, (out_channels, in_channels, k, k)).astype(dtype), requires_grad=True
        )
        self.bias = Tensor(rng.uniform(-bound, bound, out_channels).astype(dtype), requires_grad=True) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        return conv2d(x, self.weight, self.bias, self.stride, self.padding)

    def __repr__(self) -> str:
        return (
            f"Conv2d({self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding})"
        )


class MaxPool2d(Module):
    """Max over k×k windows (stride k unless given)."""

    def __init__(self, kernel_size: int, stride: int | None = None, padding: int = 0) -> None:
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, x: Tensor) -> Tensor:
        return max_pool2d(x, self.kernel_size, self.stride, self.padding)

    def __repr__(self) -> str:
        return f"MaxPool2d(kernel_size={self.kernel_size}, stride={self.stride or self.kernel_size})"


class AvgPool2d(MaxPool2d):
    """Mean over k×k windows (stride k unless given)."""

    def forward(self, x: Tensor) -> Tensor:
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding)

    def __repr__(self) -> str:
        return f"AvgPool2d(kernel_size={self.kernel_size}, stride={self.stride or self.kernel_size})"


class GlobalAvgPool2d(Module):
    """Mean over all of H and W: (N, C, H, W) → (N, C), as Keras' GlobalAveragePooling2D."""

    def forward(self, x: Tensor) -> Tensor:
        return x.mean(axis=(2, 3))

    def __repr__(self) -> str:
        return "GlobalAvgPool2d()"
