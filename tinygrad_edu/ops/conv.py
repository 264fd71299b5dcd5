"""Convolution and pooling over images of shape (N, C, H, W): `Conv2d`, `MaxPool2d`, `AvgPool2d`.

A 2-D convolution (strictly, cross-correlation, as in every framework) of an image x with a kernel
W of shape (out, in, kh, kw):

    y[n, o, i, j] = b[o] + Σ_{c, u, v} W[o, c, u, v] · x_pad[n, c, i·s + u, j·s + v]

Output size: ⌊(H + 2p − kh)/s⌋ + 1 for stride s and zero padding p. The forward cuts the padded
image into its windows ("im2col": a matrix of N·OH·OW rows and C·kh·kw columns) and multiplies
that by the flattened kernel with one BLAS GEMM. The backward is the GEMM gradient of that product
(`tinygrad_edu.ops.matmul.matmul_backward`) and "col2im", the scatter-add of window gradients back
onto the image (a numba kernel, with a numpy twin).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .. import kernels
from .function import Function
from .matmul import matmul_backward


def _windows(name: str, x: np.ndarray, k: int, stride: int, padding: int, fill: float = 0.0):
    """Padded image and its (N, C, OH, OW, k, k) window view; checks the shape first."""
    if x.ndim != 4:
        raise ValueError(f"{name}: expected input of shape (N, C, H, W), got {x.shape}")
    h, w = x.shape[2] + 2 * padding, x.shape[3] + 2 * padding
    if h < k or w < k:
        raise ValueError(f"{name}: window {k}x{k} is larger than the padded input {h}x{w} (input shape {x.shape})")
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)), constant_values=fill) if padding else x
    return xp, sliding_window_view(xp, (k, k), axis=(2, 3))[:, :, ::stride, ::stride]


class Conv2d(Function):
    """y = im2col(x)·W_flatᵀ + b;  ∂/∂W = Gᵀ·im2col(x),  ∂/∂b = Σ G,  ∂/∂x = col2im(G·W_flat)
    (the two products are `matmul_backward`'s)."""

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
        needs = self.needs_input_grad
        out_c, in_c, k, _ = self.w.shape
        n = g.shape[0]
        oh, ow = self.out_hw
        g2 = g.transpose(0, 2, 3, 1).reshape(-1, out_c)
        dcols, gw = matmul_backward(g2, self.cols, self.w.reshape(out_c, -1), needs[0], needs[1], b_transposed=True)
        if gw is not None:
            gw = gw.reshape(self.w.shape)
        gb = g2.sum(axis=0) if len(needs) > 2 and needs[2] else None
        gx = None
        if dcols is not None:
            gx = kernels.col2im(dcols.reshape(n, oh, ow, in_c, k, k), self.padded_shape, self.stride)
            p = self.padding
            if p:
                gx = gx[:, :, p:-p, p:-p]
        return gx, gw, gb


class MaxPool2d(Function):
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


class AvgPool2d(Function):
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
