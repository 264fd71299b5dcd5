"""Convolution and pooling layers over images of shape (N, C, H, W), as PyTorch.

The functional forms `conv2d`, `max_pool2d`, `avg_pool2d` check their arguments and apply the
autograd Functions of `tinygrad_edu.ops.conv` (where the math and both passes live); the Modules
`Conv2d`, `MaxPool2d`, `AvgPool2d`, `GlobalAvgPool2d` hold the settings and parameters.
"""

from __future__ import annotations

import numpy as np

from .. import ops
from ..ops import apply
from ..tensor import DEFAULT_DTYPE, Tensor
from . import init
from .module import Module


def square_size(v: int | tuple[int, int] | list[int], name: str, minimum: int = 1) -> int:
    """The side of a square window, stride or padding given as ``k`` or ``(k, k)`` (PyTorch and
    Keras spell it either way); a non-square pair, a fraction or a value below ``minimum`` is a
    ValueError naming the argument.

    >>> square_size((3, 3), "kernel_size"), square_size(2, "stride")
    (3, 2)
    """
    if isinstance(v, (tuple, list)):
        if len(v) != 2 or v[0] != v[1]:
            raise ValueError(f"{name}: only square windows are supported, got {v}")
        v = v[0]
    if int(v) != v or v < minimum:
        raise ValueError(f"{name}: expected an integer of at least {minimum}, got {v!r}")
    return int(v)


def conv2d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int = 1, padding: int = 0) -> Tensor:
    """2-D convolution, as ``torch.nn.functional.conv2d`` (square kernels)."""
    fn = ops.Conv2d(square_size(stride, "conv2d stride"), square_size(padding, "conv2d padding", 0))
    return apply(fn, x, weight) if bias is None else apply(fn, x, weight, bias)


def max_pool2d(x: Tensor, kernel_size: int, stride: int | None = None, padding: int = 0) -> Tensor:
    k = square_size(kernel_size, "max_pool2d kernel_size")
    return apply(
        ops.MaxPool2d(k, k if stride is None else square_size(stride, "stride"), square_size(padding, "padding", 0)), x
    )


def avg_pool2d(x: Tensor, kernel_size: int, stride: int | None = None, padding: int = 0) -> Tensor:
    k = square_size(kernel_size, "avg_pool2d kernel_size")
    return apply(
        ops.AvgPool2d(k, k if stride is None else square_size(stride, "stride"), square_size(padding, "padding", 0)), x
    )


class Conv2d(Module):
    """``Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0)``; weight of shape
    (out, in, k, k). PyTorch's initialisation: W, b ~ U(±1/√fan_in), fan_in = in·k² (`init.default_uniform_`)."""

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
        k = square_size(kernel_size, "Conv2d kernel_size")
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, k
        self.stride, self.padding = square_size(stride, "Conv2d stride"), square_size(padding, "Conv2d padding", 0)
        self.weight = Tensor(np.empty((out_channels, in_channels, k, k), dtype=dtype), requires_grad=True)
        init.default_uniform_(self.weight)
        self.bias = Tensor(np.empty(out_channels, dtype=dtype), requires_grad=True) if bias else None
        if self.bias is not None:
            init.default_uniform_(self.bias, fan_in=in_channels * k * k)

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
