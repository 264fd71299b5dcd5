"""Convolution and pooling over images of shape (N, C, H, W): `Convolution`, `MaxPool2DWithIndices`, `AvgPool2D`.

A 2-D convolution (strictly, cross-correlation, as in every framework) of an image x with a kernel
W of shape (O, C, kh, kw), stride s, dilation d and zero padding p (before; p' after):

    y[n, o, y, x] = b[o] + Σ_{c, i, j} W[o, c, i, j] · x_pad[n, c, y·s_h + i·d_h, x·s_w + j·d_w]

with OH = ⌊(H + p_h + p_h' − d_h·(kh − 1) − 1)/s_h⌋ + 1 (likewise OW), as PyTorch.

The forward cuts the images into their windows with `kernels.im2col` (the columns, one row per
kernel tap (c, i, j), one column per output position) and multiplies by the flattened kernel W_flat
in BLAS; with G = ∂L/∂y:

    y = W_flat · cols + b,   ∂L/∂W = G · colsᵀ,   ∂L/∂b = Σ_{n, y, x} G,   ∂L/∂x = col2im(W_flatᵀ · G)

where `kernels.col2im` scatter-adds each window's gradient back onto the image (the adjoint of
im2col). The bias rides in the GEMM: the columns get a row of ones and W_flat the column b, so ∂L/∂b
comes out as the last column of the extended ∂L/∂W. Whether the images' columns are multiplied one
image at a time or side by side in one large GEMM is `Convolution`'s choice, by depth (see there).
"""

from __future__ import annotations

import numpy as np

from .. import kernels
from ..kernels import conv_parts, spread, team, threads
from ..kernels import mailbox as box
from .op import Op, check_floating

#: what `tinygrad_edu.ops` re-exports from this module (its star import reads this list)
__all__ = ["AvgPool2D", "Convolution", "MaxPool2DWithIndices"]

Pair = tuple[int, int]


def _image(name: str, x: np.ndarray) -> None:
    if x.ndim != 4:
        raise ValueError(f"{name}: expected input of shape (N, C, H, W), got {x.shape}")


def _out_hw(name: str, x: np.ndarray, k: Pair, s: Pair, p: tuple[Pair, Pair], d: Pair) -> Pair:
    """(OH, OW), or a ValueError when the (dilated) window is larger than the padded input."""
    out = (
        kernels.conv_out_size(x.shape[2], k[0], s[0], *p[0], d[0]),
        kernels.conv_out_size(x.shape[3], k[1], s[1], *p[1], d[1]),
    )
    if out[0] < 1 or out[1] < 1:
        span = tuple(d[a] * (k[a] - 1) + 1 for a in range(2))
        padded = tuple(x.shape[2 + a] + sum(p[a]) for a in range(2))
        raise ValueError(
            f"{name}: window {span[0]}x{span[1]} is larger than the padded input {padded[0]}x{padded[1]} "
            f"(input shape {x.shape})"
        )
    return out


class Convolution(Op):
    """y[n] = W_flat·im2col(x)[n] + b;  ∂/∂W = Σ_n G[n]·cols[n]ᵀ,  ∂/∂b = Σ G,  ∂/∂x = col2im(W_flatᵀ·G).

    ``padding`` is ((top, bottom), (left, right)): "same" with an even kernel pads one more
    after than before, as PyTorch.

    Two layouts of the same products, chosen per layer by the depth C·kh·kw of the columns:

    - shallow (below `ONE_GEMM_DEPTH`, e.g. a first layer on one channel): cols (N, C·kh·kw, OH·OW)
      and one GEMM per image, whose output is already NCHW; a single GEMM with an inner dimension
      of 9 would run far below BLAS's speed;
    - deep: cols (C·kh·kw, N·OH·OW), one large GEMM per direction, which BLAS runs at full speed
      and spreads over its threads, at the price of moving the batch axis of y and G (arrays C·kh·kw
      times smaller than the columns).

    Either way the batch may be cut into parts (`kernels.threads.parts`: one per BLAS thread, for a large
    enough convolution), each part's im2col, GEMMs, layout copy and col2im run in a thread of its own with
    BLAS single-threaded; the parts' ∂L/∂W are summed in part order. Where numba can call numpy's
    OpenBLAS, each part is one ``nogil`` call (`kernels.conv_parts`) handed to `kernels.team`'s spinning
    helpers; elsewhere (and under ``TINYGRAD_EDU_JIT=0``) the parts are numpy calls in `threads.run_parts`."""

    saves = (0, 1)
    name = "conv2d"
    #: depth 9 and 25 run 2.5-10x faster per image (``bench/cnn_kernels.py``, two threads, forward +
    #: backward). Inside a training step the per-image layout also won at depth 144, 150 and 288 (the small
    #: CNN's, LeNet-5's and keras.io's convnet's second layers: their columns, 1.9-3.7 MB a thread as one
    #: matrix, stay in cache image by image): LeNet-5's second forward 326-343 against 511-538 µs, its step
    #: 2.25-2.27 against 2.50-2.61 ms, measured with numpy's own OpenBLAS kernels (SkylakeX); in isolation
    #: one GEMM had been 1.2-1.4x faster there. Deeper layers than measured keep one GEMM.
    ONE_GEMM_DEPTH = 289

    def __init__(self, stride: Pair, padding: tuple[Pair, Pair], dilation: Pair) -> None:
        self.stride, self.padding, self.dilation = stride, padding, dilation

    def forward(self, x, w, b=None):
        _image("conv2d", x)
        if w.ndim != 4:
            raise ValueError(f"conv2d: expected a weight of shape (out, in, kh, kw), got {w.shape}")
        out_c, in_c, kh, kw = w.shape
        if b is not None and b.shape != (out_c,):
            raise ValueError(f"conv2d: expected a bias of shape ({out_c},) for {out_c} output channels, got {b.shape}")
        for a in (x, w) if b is None else (x, w, b):
            check_floating("conv2d", a)
        if x.shape[1] != in_c:
            raise ValueError(
                f"conv2d: input has {x.shape[1]} channels but the kernel expects {in_c} "
                f"(input shape {x.shape}, weight shape {w.shape})"
            )
        k, s, d = (kh, kw), self.stride, self.dilation
        out_hw = _out_hw("conv2d", x, k, s, self.padding, d)
        self.geometry = (k, s, (self.padding[0][0], self.padding[1][0]), d, out_hw)
        self.one_gemm, self.has_bias = in_c * kh * kw >= self.ONE_GEMM_DEPTH, b is not None
        self.w, self.x_shape = w, x.shape
        n, w_flat = x.shape[0], w.reshape(out_c, -1)
        if self.has_bias:  # [W_flat | b] · [cols; 1] = W_flat·cols + b: the bias rides in the GEMM
            w_flat = np.concatenate([w_flat, b[:, None]], axis=1, dtype=w_flat.dtype)  # b cast, as in Linear
        out = np.empty((n, out_c, out_hw[0] * out_hw[1]), np.result_type(x, w_flat))
        self.parts = threads.parts(n, out.size * w_flat.shape[1])
        self.w_ext = None  # [W_flat | b] when the forward ran on the team (its backward then does too)
        if self._on_team(x, w_flat):
            cols = self._team_forward(np.ascontiguousarray(x), np.ascontiguousarray(w_flat), out)
        else:
            cols = threads.run_parts(lambda _, part: self._forward_part(x[part], w_flat, out[part]), self.parts)
        self.cols = cols if self.needs_input_grad[1] or (self.has_bias and self.needs_input_grad[2]) else None
        return out.reshape(n, out_c, *out_hw)

    def _on_team(self, x, w_flat) -> bool:
        """Whether the chunks run as `kernels.conv_parts` on `kernels.team` (numba and numpy's OpenBLAS
        reachable, one float32/float64 dtype, nothing empty) rather than as numpy calls in `threads.run_parts`."""
        return (
            kernels.JIT_ENABLED
            and team.available()
            and x.dtype == w_flat.dtype in (np.float32, np.float64)
            and 0 < min(*x.shape, *w_flat.shape)
            and len(self.parts) <= box.MAX_CHUNKS
        )

    def _team_forward(self, x, w_ext, out):
        """The forward as one job of `kernels.conv_parts`; the chunks' columns, shaped as `_forward_part`'s."""
        n, r1, p = x.shape[0], w_ext.shape[1], out.shape[2]
        flat = conv_parts.columns(n, r1, p, len(self.parts), x.dtype)
        self.w_ext = w_ext

        def describe(mb):
            arrays = {box.X: x, box.OUT: out}
            layout = (self.geometry, self.one_gemm, self.has_bias)
            return conv_parts.describe(mb, box.FORWARD, x.shape, w_ext, *layout, len(flat), flat, arrays)

        team.run(describe, len(flat))
        shape = (lambda m: (r1, m * p)) if self.one_gemm else (lambda m: (m, r1, p))
        return [c.reshape(shape(s.stop - s.start)) for c, s in zip(flat, self.parts, strict=True)]

    def _forward_part(self, x, w_flat, out):
        """The columns of images x and their product with w_flat, written into out (images, O, OH·OW)."""
        cols = kernels.im2col(x, *self.geometry, batch_inside=self.one_gemm, ones_row=self.has_bias)
        if self.one_gemm:  # (O, N·P) → (N, O, P)
            out[...] = (w_flat @ cols).reshape(out.shape[1], out.shape[0], out.shape[2]).transpose(1, 0, 2)
        else:
            np.matmul(w_flat, cols, out=out)  # (N, O, OH·OW): NCHW already
        return cols

    def backward(self, g):
        out_c = self.w.shape[0]
        g3 = g.reshape(g.shape[0], out_c, g.shape[2] * g.shape[3])  # not -1: an empty batch has size 0
        gx = np.empty(self.x_shape, np.result_type(self.w, g)) if self.needs_input_grad[0] else None
        if self.w_ext is not None and g.dtype == self.w_ext.dtype:
            found = self._team_backward(np.ascontiguousarray(g3), gx)
        else:
            found = threads.run_parts(lambda i, part: self._backward_part(i, part, g3[part], gx), self.parts)
        gw = gb = None
        if self.cols is not None:
            grads = found[0] if len(found) == 1 else sum(found[1:], found[0])
            if self.needs_input_grad[1]:  # in C order (a transposed view would keep the optimizer off its kernel)
                gw = np.empty(self.w.shape, grads.dtype)
                gw.reshape(out_c, -1)[...] = grads[:, : self.w[0].size]
            gb = grads[:, -1].copy() if self.has_bias and self.needs_input_grad[2] else None
        return gx, gw, gb

    def _team_backward(self, g3, gx):
        """The backward as one job of `kernels.conv_parts`: writes gx; the chunks' [∂L/∂W | ∂L/∂b]."""
        chunks, (o, r1) = len(self.parts), self.w_ext.shape
        gw = np.empty((chunks, r1, o), g3.dtype) if self.cols is not None else None
        cols = self.cols if self.cols is not None else []

        def describe(mb):
            arrays = {box.G: g3, box.GX: gx, box.GW: gw}
            layout = (self.geometry, self.one_gemm, self.has_bias)
            return conv_parts.describe(mb, box.BACKWARD, self.x_shape, self.w_ext, *layout, chunks, cols, arrays)

        team.run(describe, chunks)
        return [None] if gw is None else [part.T for part in gw]

    def _backward_part(self, i, part, g3, gx):
        """Part i of the batch: writes its ∂L/∂x into gx and returns its [∂L/∂W | ∂L/∂b] (or None)."""
        out_c = self.w.shape[0]
        if self.one_gemm:
            g3 = np.ascontiguousarray(g3.transpose(1, 0, 2)).reshape(out_c, -1)  # G as (O, N·P)
        else:
            g3 = np.ascontiguousarray(g3)
        grads = None
        if self.cols is not None:
            # [∂/∂W | ∂/∂b] = Σ_n G[n]·[cols[n]; 1]ᵀ, computed transposed, (Σ_n [cols[n]; 1]·G[n]ᵀ)ᵀ, the
            # operand order BLAS reads fastest (4.0 against 4.5 ms for the Keras convnet's second layer)
            cols = self.cols[i]
            grads = (cols @ g3.T).T if self.one_gemm else np.matmul(cols, g3.transpose(0, 2, 1)).sum(axis=0).T
        if gx is not None:
            dcols = np.matmul(self.w.reshape(out_c, -1).T, g3)
            kernels.col2im(dcols, gx[part].shape, *self.geometry, batch_inside=self.one_gemm, out=gx[part])
        return grads


class MaxPool2DWithIndices(Op):
    """y = max over each window (padding is −∞, so it never wins);  the gradient goes to the element
    that won its window: on ties the first one, and a NaN wins (the last NaN), as PyTorch. A large batch is
    spread over the team's threads, image plane by image plane (`kernels.spread`)."""

    saves = (0,)
    name = "max_pool2d"

    def __init__(self, k: Pair, stride: Pair, padding: Pair, dilation: Pair) -> None:
        self.k, self.stride, self.padding, self.dilation = k, stride, padding, dilation

    def forward(self, x):
        _image("max_pool2d", x)
        p = self.padding
        out_hw = _out_hw(
            "max_pool2d",
            x,
            self.k,
            self.stride,
            ((p[0], p[0]), (p[1], p[1])),
            self.dilation,
        )
        out, self.indices = spread.max_pool2d(x, self.k, self.stride, p, self.dilation, out_hw)
        self.x_shape = x.shape
        return out

    def backward(self, g):
        return (spread.max_pool2d_backward(g, self.indices, self.x_shape),)


class AvgPool2D(Op):
    """y = mean over each kh×kw window (zero padding counted, PyTorch's ``count_include_pad=True``);
    each input element receives G/(kh·kw) from every window that contains it."""

    saves = (0,)
    name = "avg_pool2d"

    def __init__(self, k: Pair, stride: Pair, padding: Pair) -> None:
        self.k, self.stride, self.padding = k, stride, padding

    def forward(self, x):
        _image("avg_pool2d", x)
        check_floating("avg_pool2d", x)
        p = self.padding
        out_hw = _out_hw("avg_pool2d", x, self.k, self.stride, ((p[0], p[0]), (p[1], p[1])), (1, 1))
        self.x_shape = x.shape
        return kernels.avg_pool2d(x, self.k, self.stride, p, out_hw)

    def backward(self, g):
        return (kernels.avg_pool2d_backward(g, self.x_shape, self.k, self.stride, self.padding),)
