"""Convolution and pooling over images of shape (N, C, H, W), as PyTorch.

The functional forms `conv2d`, `max_pool2d`, `avg_pool2d` check their arguments and apply the
autograd Functions of `tinygrad_edu.ops.conv` (where the math and both passes live); the Modules
`Conv2d`, `MaxPool2d`, `AvgPool2d`, `GlobalAvgPool2d` hold the settings and parameters.
"""

from __future__ import annotations

import numpy as np

from .. import ops
from ..kernels.pooling import check_pool_padding
from ..tensor import DEFAULT_DTYPE, Tensor, apply
from . import init
from .module import Module
from .parameter import Parameter

Size = int | tuple[int, int] | list[int]


def pair(v: Size, name: str, minimum: int = 1) -> tuple[int, int]:
    """A (height, width) pair from ``k`` or ``(kh, kw)`` (PyTorch and Keras spell it either way);
    a fraction, a value below ``minimum`` or a sequence not of length 2 is a ValueError naming the argument.

    >>> pair(3, "kernel_size"), pair((3, 1), "kernel_size"), pair([2, 2], "stride")
    ((3, 3), (3, 1), (2, 2))
    """
    if isinstance(v, (tuple, list)):
        if len(v) != 2 or any(isinstance(a, (tuple, list)) for a in v):  # ((0, 1), (1, 0)) is not a pair
            raise ValueError(f"{name}: expected an int or a pair (h, w), got {v!r}")
        return pair(v[0], name, minimum)[0], pair(v[1], name, minimum)[0]
    if isinstance(v, (bool, str)) or not isinstance(v, (int, np.integer, float)) or int(v) != v or v < minimum:
        raise ValueError(f"{name}: expected an integer of at least {minimum}, got {v!r}")
    return int(v), int(v)


def square_size(v: Size, name: str, minimum: int = 1) -> int:
    """The side of a square window, stride or padding given as ``k`` or ``(k, k)``; a non-square
    pair is a ValueError (for the layers that support only square windows).

    >>> square_size((3, 3), "kernel_size"), square_size(2, "stride")
    (3, 2)
    """
    h, w = pair(v, name, minimum)
    if h != w:
        raise ValueError(f"{name}: only square windows are supported, got {v}")
    return h


def _conv_padding(
    padding: Size | str,
    k: tuple[int, int],
    stride: tuple[int, int],
    dilation: tuple[int, int],
):
    """((top, bottom), (left, right)) from an int, a pair, "valid" (none) or "same" (output size =
    input size at stride 1: d·(k − 1) in all, the odd one after, as PyTorch)."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0), (0, 0))
        if padding == "same":
            if stride != (1, 1):
                raise ValueError("conv2d: padding='same' is not supported for strided convolutions (as in PyTorch)")
            total = [dilation[a] * (k[a] - 1) for a in range(2)]
            return tuple((t // 2, t - t // 2) for t in total)
        raise ValueError(f"conv2d: padding must be an int, a pair, 'same' or 'valid', got {padding!r}")
    ph, pw = pair(padding, "conv2d padding", 0)
    return ((ph, ph), (pw, pw))


def conv2d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Size = 1,
    padding: Size | str = 0,
    dilation: Size = 1,
    groups: int = 1,
) -> Tensor:
    """2-D convolution, as ``torch.nn.functional.conv2d`` (``groups=1`` only).

    >>> x, w = Tensor(np.ones((1, 1, 4, 4))), Tensor(np.ones((1, 1, 3, 3)))
    >>> conv2d(x, w, padding="same").numpy()[0, 0]    # how many of the 3x3 window's cells lie inside
    array([[4., 6., 6., 4.],
           [6., 9., 9., 6.],
           [6., 9., 9., 6.],
           [4., 6., 6., 4.]])
    """
    if groups != 1:
        raise ValueError(f"conv2d: groups={groups} is not supported (only groups=1)")
    s, d = pair(stride, "conv2d stride"), pair(dilation, "conv2d dilation")
    k = tuple(weight.shape[2:]) if weight.ndim == 4 else (1, 1)
    fn = ops.Convolution(s, _conv_padding(padding, k, s, d), d)
    return apply(fn, x, weight) if bias is None else apply(fn, x, weight, bias)


def _pool_args(name: str, kernel_size: Size, stride: Size | None, padding: Size, ceil_mode: bool):
    if ceil_mode:
        raise ValueError(f"{name}: ceil_mode=True is not supported (output sizes round down, PyTorch's default)")
    k = pair(kernel_size, f"{name} kernel_size")
    p = pair(padding, f"{name} padding", 0)
    check_pool_padding(name, k, p)  # the kernels' rule, checked when the layer is built
    return k, (k if stride is None else pair(stride, f"{name} stride")), p


def max_pool2d(
    x: Tensor,
    kernel_size: Size,
    stride: Size | None = None,
    padding: Size = 0,
    dilation: Size = 1,
    ceil_mode: bool = False,
) -> Tensor:
    """Max over each window, as ``torch.nn.functional.max_pool2d`` (stride = kernel_size unless
    given; padding counts as −∞, at most half the window)."""
    k, s, p = _pool_args("max_pool2d", kernel_size, stride, padding, ceil_mode)
    return apply(ops.MaxPool2DWithIndices(k, s, p, pair(dilation, "max_pool2d dilation")), x)


def avg_pool2d(
    x: Tensor,
    kernel_size: Size,
    stride: Size | None = None,
    padding: Size = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """Mean over each window, as ``torch.nn.functional.avg_pool2d`` (zero padding counted)."""
    if not count_include_pad:
        raise ValueError("avg_pool2d: count_include_pad=False is not supported (padding counts as zeros)")
    k, s, p = _pool_args("avg_pool2d", kernel_size, stride, padding, ceil_mode)
    return apply(ops.AvgPool2D(k, s, p), x)


class Conv2d(Module):
    """``Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
    bias=True)``, as ``torch.nn.Conv2d``; weight of shape (out, in, kh, kw). ``padding`` may be an
    int, a pair, "same" or "valid". PyTorch's initialisation: W, b ~ U(±1/√fan_in),
    fan_in = in·kh·kw (`init.default_uniform_`)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Size,
        stride: Size = 1,
        padding: Size | str = 0,
        dilation: Size = 1,
        groups: int = 1,
        bias: bool = True,
        dtype: type = DEFAULT_DTYPE,
    ) -> None:
        if groups != 1:
            raise ValueError(f"Conv2d: groups={groups} is not supported (only groups=1)")
        kh, kw = pair(kernel_size, "Conv2d kernel_size")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = kh if kh == kw else (kh, kw)
        self.stride, self.padding, self.dilation = stride, padding, dilation
        _conv_padding(
            padding,
            (kh, kw),
            pair(stride, "Conv2d stride"),
            pair(dilation, "Conv2d dilation"),
        )
        self.weight = Parameter(np.empty((out_channels, in_channels, kh, kw), dtype=dtype))
        init.default_uniform_(self.weight)
        self.bias = Parameter(np.empty(out_channels, dtype=dtype)) if bias else None
        if self.bias is not None:
            init.default_uniform_(self.bias, fan_in=in_channels * kh * kw)

    def forward(self, x: Tensor) -> Tensor:
        return conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation)

    def __repr__(self) -> str:
        """PyTorch's: pairs for the sizes; padding and dilation only where they are not the default."""
        kh, kw = self.weight.shape[2:]
        text = (
            f"Conv2d({self.in_channels}, {self.out_channels}, kernel_size={(kh, kw)}, "
            f"stride={pair(self.stride, 'Conv2d stride')}"
        )
        if isinstance(self.padding, str):
            text += f", padding={self.padding}"
        elif pair(self.padding, "Conv2d padding", 0) != (0, 0):
            text += f", padding={pair(self.padding, 'Conv2d padding', 0)}"
        if pair(self.dilation, "Conv2d dilation") != (1, 1):
            text += f", dilation={pair(self.dilation, 'Conv2d dilation')}"
        return text + (", bias=False)" if self.bias is None else ")")


class MaxPool2d(Module):
    """Max over each window, as ``torch.nn.MaxPool2d(kernel_size, stride=None, padding=0, dilation=1)``
    (stride = kernel_size unless given)."""

    def __init__(
        self,
        kernel_size: Size,
        stride: Size | None = None,
        padding: Size = 0,
        dilation: Size = 1,
        ceil_mode: bool = False,
    ) -> None:
        _pool_args(
            "MaxPool2d", kernel_size, stride, padding, ceil_mode
        )  # bad arguments fail here, not at the first call
        self.kernel_size, self.stride, self.padding, self.dilation = (
            kernel_size,
            stride,
            padding,
            dilation,
        )

    def forward(self, x: Tensor) -> Tensor:
        return max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation)

    def __repr__(self) -> str:
        return (
            f"MaxPool2d(kernel_size={self.kernel_size}, stride={self.stride or self.kernel_size}, "
            f"padding={self.padding}, dilation={self.dilation}, ceil_mode=False)"
        )


class AvgPool2d(Module):
    """Mean over each window, as ``torch.nn.AvgPool2d(kernel_size, stride=None, padding=0)``
    (stride = kernel_size unless given; zero padding counted)."""

    def __init__(
        self,
        kernel_size: Size,
        stride: Size | None = None,
        padding: Size = 0,
        ceil_mode: bool = False,
    ) -> None:
        _pool_args("AvgPool2d", kernel_size, stride, padding, ceil_mode)
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, x: Tensor) -> Tensor:
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding)

    def __repr__(self) -> str:
        stride = self.stride or self.kernel_size
        return f"AvgPool2d(kernel_size={self.kernel_size}, stride={stride}, padding={self.padding})"


class GlobalAvgPool2d(Module):
    """Mean over all of H and W: (N, C, H, W) → (N, C), as Keras' GlobalAveragePooling2D."""

    def forward(self, x: Tensor) -> Tensor:
        return x.mean(axis=(2, 3))

    def __repr__(self) -> str:
        return "GlobalAvgPool2d()"
