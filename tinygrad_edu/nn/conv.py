"""Convolution and pooling over images of shape (N, C, H, W), as PyTorch.

A 2-D convolution (strictly, cross-correlation, as in every framework) of an image x with a kernel
W of shape (out, in, kh, kw):

    y[n, o, i, j] = b[o] + Σ_{c, u, v} W[o, c, u, v] · x_pad[n, c, i·s + u, j·s + v]

Output size: ⌊(H + 2p − kh)/s⌋ + 1 for stride s and zero padding p. The forward cuts the padded
image into its windows ("im2col": a matrix of N·OH·OW rows and C·kh·kw columns) and multiplies
that by the flattened kernel with one BLAS GEMM. The backward is two more GEMMs and "col2im", the
scatter-add of window gradients back onto the image (a numba kernel, with a numpy twin).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .. import kernels
from ..rng import default_rng
from ..tensor import DEFAULT_DTYPE, Function, Tensor, apply
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


def _windows(name: str, x: np.ndarray, k: int, stride: int, padding: int, fill: float = 0.0):
    """Padded image and its (N, C, OH, OW, k, k) window view; checks the shape first."""
    if x.ndim != 4:
        raise ValueError(f"{name}: expected input of shape (N, C, H, W), got {x.shape}")
    h, w = x.shape[2] + 2 * padding, x.shape[3] + 2 * padding
    if h < k or w < k:
        raise ValueError(f"{name}: window {k}x{k} is larger than the padded input {h}x{w} (input shape {x.shape})")
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)), constant_values=fill) if padding else x
    return xp, sliding_window_view(xp, (k, k), axis=(2, 3))[:, :, ::stride, ::stride]


class Conv2dFn(Function):
    """y = im2col(x)·W_flatᵀ + b;  ∂/∂W = Gᵀ·im2col(x),  ∂/∂b = Σ G,  ∂/∂x = col2im(G·W_flat)."""

    name = "conv2d"

    def __init__(self, stride: int, padding: int) -> None:
        self.stride, self.padding = stride, padding

    def forward(self, x, w, b=None):
        out_c, in_c, k, _k2 = w.shape
        if x.ndim == 4 and x.shape[1] != in_c:
            raise ValueError(
                f"conv2d: input has {x.shape[1]} channels but the kernel expects {in_c} "
                f"(input shape {x.shape}, weight shape {w.shape})"
            )
        xp, win = _windows("conv2d", x, k, self.stride, self.padding)
        n, _, oh, ow = win.shape[:4]
        self.cols = win.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, in_c * k * k)
        self.w, self.padded_shape, self.out_hw = w, xp.shape, (oh, ow)
        out = self.cols @ w.reshape(out_c, -1).T
        if b is not None:
            out += b
        return np.ascontiguousarray(out.reshape(n, oh, ow, out_c).transpose(0, 3, 1, 2))

    def backward(self, g):
        out_c, in_c, k, _ = self.w.shape
        n = g.shape[0]
        oh, ow = self.out_hw
        g2 = g.transpose(0, 2, 3, 1).reshape(-1, out_c)
        gw = (g2.T @ self.cols).reshape(self.w.shape) if self.needs[1] else None
        gb = g2.sum(axis=0) if len(self.needs) > 2 and self.needs[2] else None
        gx = None
        if self.needs[0]:
            dcols = (g2 @ self.w.reshape(out_c, -1)).reshape(n, oh, ow, in_c, k, k)
            gx = kernels.col2im(dcols, self.padded_shape, self.stride)
            p = self.padding
            if p:
                gx = gx[:, :, p:-p, p:-p]
        return gx, gw, gb


class MaxPool2dFn(Function):
    """y = max over each k×k window;  the gradient goes to the element that won its window
    (the first one, on ties, as PyTorch)."""

    name = "max_pool2d"

    def __init__(self, k: int, stride: int, padding: int) -> None:
        self.k, self.stride, self.padding = k, stride, padding

    def forward(self, x):
        xp, win = _windows("max_pool2d", x, self.k, self.stride, self.padding, fill=-np.inf)
        flat = win.reshape(*win.shape[:4], self.k * self.k)
        self.argmax = flat.argmax(axis=-1)
        self.padded_shape = xp.shape
        return np.take_along_axis(flat, self.argmax[..., None], axis=-1)[..., 0]

    def backward(self, g):
        gx = kernels.maxpool_backward(g, self.argmax, self.padded_shape, self.k, self.stride)
        p = self.padding
        return (gx[:, :, p:-p, p:-p] if p else gx,)


class AvgPool2dFn(Function):
    """y = mean over each k×k window (zero padding counted, PyTorch's default);
    each input element receives G/k² from every window that contains it."""

    name = "avg_pool2d"

    def __init__(self, k: int, stride: int, padding: int) -> None:
        self.k, self.stride, self.padding = k, stride, padding

    def forward(self, x):
        xp, win = _windows("avg_pool2d", x, self.k, self.stride, self.padding)
        self.padded_shape = xp.shape
        return win.mean(axis=(-2, -1)).astype(x.dtype, copy=False)

    def backward(self, g):
        k = self.k
        share = np.broadcast_to(
            (g / (k * k)).transpose(0, 2, 3, 1)[..., None, None], (*g.shape[:1], *g.shape[2:], g.shape[1], k, k)
        )
        gx = kernels.col2im(share, self.padded_shape, self.stride)
        p = self.padding
        return (gx[:, :, p:-p, p:-p] if p else gx,)


def conv2d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int = 1, padding: int = 0) -> Tensor:
    """2-D convolution, as ``torch.nn.functional.conv2d`` (square kernels)."""
    fn = Conv2dFn(_pair(stride, "conv2d stride"), _pair(padding, "conv2d padding", 0))
    return apply(fn, x, weight) if bias is None else apply(fn, x, weight, bias)


def max_pool2d(x: Tensor, kernel_size: int, stride: int | None = None, padding: int = 0) -> Tensor:
    k = _pair(kernel_size, "max_pool2d kernel_size")
    return apply(MaxPool2dFn(k, k if stride is None else _pair(stride, "stride"), _pair(padding, "padding", 0)), x)


def avg_pool2d(x: Tensor, kernel_size: int, stride: int | None = None, padding: int = 0) -> Tensor:
    k = _pair(kernel_size, "avg_pool2d kernel_size")
    return apply(AvgPool2dFn(k, k if stride is None else _pair(stride, "stride"), _pair(padding, "padding", 0)), x)


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
