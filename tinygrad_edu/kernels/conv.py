"""Convolution and pooling kernels: im2col, col2im, max-pool and average-pool forward and backward.

Every kernel works on images of shape (N, C, H, W) in C order and takes its window geometry per
axis: kernel (kh, kw), stride (sh, sw), the padding before the first row and column (ph, pw) and
dilation (dh, dw). Output size, as PyTorch (``ceil_mode=False``):

    OH = ⌊(H + ph + ph' − dh·(kh − 1) − 1)/sh⌋ + 1,   with ph' the padding after the last row,

so "same" padding with an even kernel (ph' = ph + 1) needs nothing but the right OH. Window
element (i, j) of output position (y, x) reads input row y·sh − ph + i·dh and column
x·sw − pw + j·dw; positions outside the image are the padding (0 for convolution and average
pooling, −∞ for max pooling) and are never stored.

Layout of the columns ("im2col"): (N, C·kh·kw, OH·OW), one matrix per image whose rows are the
kernel's weights' order (c, i, j). The convolution is then one batched GEMM per direction, each
straight into the layout the next step wants, with no transposed copy:

    y[n] = W_flat · cols[n]                (O, OH·OW): already NCHW
    ∂L/∂cols[n] = W_flatᵀ · G[n],  ∂L/∂W = Σ_n G[n] · cols[n]ᵀ

Measured against the alternatives (``bench/cnn_kernels.py``, CPU ms of forward + backward, one
thread, batch 64): cols as (N·OH·OW, C·kh·kw) with a transposed copy back to NCHW (the path
before) took 7.7 / 13.5 ms for the small CNN's two convolutions against 0.7 / 8.7 ms batched;
cols as (C·kh·kw, N·OH·OW) with one large GEMM per direction plus transposes took 5.3 / 5.4 ms:
a little faster on the 16-channel layer, 8x slower on the 1-channel one (a GEMM with an inner
dimension of 9). Batched wins the network; the bias is added in place into the GEMM's output
(folding it into the GEMM as a row of ones costs a copy of the columns and was slower).

Each kernel sits between its numpy twin (suffix ``_np``, the same numbers from
``sliding_window_view`` and strided slices) and its dispatcher, which checks shapes and geometry
(`_check`) before any loop runs and then picks the kernel or the twin.

>>> import numpy as np
>>> x = np.arange(9.0).reshape(1, 1, 3, 3)
>>> im2col(x, (2, 2), (1, 1), (0, 0), (1, 1), (2, 2))[0]     # rows: the 4 taps; columns: the 4 windows
array([[0., 1., 3., 4.],
       [1., 2., 4., 5.],
       [3., 4., 6., 7.],
       [4., 5., 7., 8.]])
>>> col2im(np.ones((1, 4, 4)), (1, 1, 3, 3), (2, 2), (1, 1), (0, 0), (1, 1), (2, 2))[0, 0]  # windows per pixel
array([[1., 2., 1.],
       [2., 4., 2.],
       [1., 2., 1.]])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import _check
from ._numba import njit, use_jit

Pair = tuple[int, int]


# --------------------------------------------------------------------------- geometry and entry checks
def conv_out_size(size: int, k: int, stride: int, pad_before: int, pad_after: int, dilation: int) -> int:
    """PyTorch's output length along one axis (``ceil_mode=False``).

    >>> conv_out_size(28, 3, 1, 0, 0, 1), conv_out_size(28, 2, 2, 0, 0, 1), conv_out_size(7, 3, 2, 1, 1, 1)
    (26, 14, 4)
    """
    return (size + pad_before + pad_after - dilation * (k - 1) - 1) // stride + 1


def _geometry(op: str, k: Sequence[int], s: Sequence[int], p: Sequence[int], d: Sequence[int], out_hw: Sequence[int]):
    """The window geometry as int pairs: kernel, stride and dilation at least 1, padding and output size at least 0."""
    pairs = []
    checks = (("kernel", k, 1), ("stride", s, 1), ("padding", p, 0), ("dilation", d, 1), ("output size", out_hw, 0))
    for name, v, low in checks:
        if len(v) != 2 or any(int(a) != a or a < low for a in v):
            raise ValueError(f"{op}: {name} must be a pair of integers of at least {low}, got {tuple(v)}")
        pairs.append((int(v[0]), int(v[1])))
    return pairs


def _image(op: str, name: str, x) -> np.ndarray:
    x = _check.array(op, name, x)
    _check.ndim(op, name, x, 4)
    return x


def _pool_padding(op: str, k: Pair, p: Pair) -> None:
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ValueError(f"{op}: padding {p} must be at most half the window {k} (as in PyTorch)")


def _padded_windows(x: np.ndarray, k: Pair, s: Pair, p: Pair, d: Pair, out_hw: Pair, fill: float) -> np.ndarray:
    """View (N, C, OH, OW, kh, kw) of the windows of x padded with ``fill`` (a copy only for the padding)."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw), (oh, ow) = k, s, p, d, out_hw
    h, w = x.shape[2:]
    after_h = max(0, (oh - 1) * sh + dh * (kh - 1) + 1 - ph - h)
    after_w = max(0, (ow - 1) * sw + dw * (kw - 1) + 1 - pw - w)
    if ph or pw or after_h or after_w:
        x = np.pad(x, ((0, 0), (0, 0), (ph, after_h), (pw, after_w)), constant_values=fill)
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    win = sliding_window_view(x, (span_h, span_w), axis=(2, 3))[:, :, ::sh, ::sw, ::dh, ::dw]
    return win[:, :, :oh, :ow]


@njit
def _valid(size, stride, offset, n):
    # the t in [lo, hi) ⊂ [0, n) whose position t·stride + offset lies inside [0, size)
    lo = 0 if offset >= 0 else (stride - 1 - offset) // stride
    hi = 0 if size - 1 - offset < 0 else (size - 1 - offset) // stride + 1
    lo, hi = min(lo, n), min(hi, n)
    return lo, max(lo, hi)


@njit
def _window_ranges(size, k, stride, pad, dilation, n_out):
    # for each output position, the range of window taps that fall inside the image
    lo = np.empty(n_out, np.int64)
    hi = np.empty(n_out, np.int64)
    for t in range(n_out):
        lo[t], hi[t] = _valid(size, dilation, t * stride - pad, k)
    return lo, hi


# --------------------------------------------------------------------------- im2col
def im2col_np(x: np.ndarray, k: Pair, s: Pair, p: Pair, d: Pair, out_hw: Pair) -> np.ndarray:
    """Columns (N, C·kh·kw, OH·OW): cols[n, (c·kh + i)·kw + j, y·OW + x] = x_pad[n, c, y·sh + i·dh, x·sw + j·dw]."""
    win = _padded_windows(x, k, s, p, d, out_hw, 0.0)
    n, c = x.shape[:2]
    return win.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * k[0] * k[1], out_hw[0] * out_hw[1])


@njit
def _im2col_nb(x, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow):
    # innermost loop: one output row of one kernel tap, a strided copy (contiguous when sw = 1)
    n, c, h, w = x.shape
    out = np.empty((n, c * kh * kw, oh * ow), x.dtype)
    zero = np.zeros(1, x.dtype)[0]
    for b in range(n):
        for ch in range(c):
            for i in range(kh):
                for j in range(kw):
                    r = (ch * kh + i) * kw + j
                    for y in range(oh):
                        yy = y * sh - ph + i * dh
                        base = y * ow
                        if yy < 0 or yy >= h:
                            for z in range(ow):
                                out[b, r, base + z] = zero
                        else:
                            for z in range(ow):
                                xx = z * sw - pw + j * dw
                                out[b, r, base + z] = x[b, ch, yy, xx] if 0 <= xx < w else zero
    return out


def im2col(x: np.ndarray, k: Pair, s: Pair, p: Pair, d: Pair, out_hw: Pair) -> np.ndarray:
    """See `im2col_np`; one numba pass writes the columns in place of a padded copy plus a reshape copy."""
    op = "im2col"
    x = _image(op, "x", x)
    k, s, p, d, out_hw = _geometry(op, k, s, p, d, out_hw)
    if use_jit() and _check.jit_ready(x):
        return _im2col_nb(np.ascontiguousarray(x), *k, *s, *p, *d, *out_hw)
    return im2col_np(x, k, s, p, d, out_hw)


# --------------------------------------------------------------------------- col2im
def col2im_np(dcols: np.ndarray, shape: tuple[int, ...], k: Pair, s: Pair, p: Pair, d: Pair, out_hw: Pair):
    """The adjoint of `im2col_np`: scatter-add (N, C·kh·kw, OH·OW) back onto an image of ``shape``
    (each pixel gets the sum over the windows that contain it; padding positions are dropped)."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw), (oh, ow) = k, s, p, d, out_hw
    n, c, h, w = shape
    hp = max(h + ph, (oh - 1) * sh + dh * (kh - 1) + 1)
    wp = max(w + pw, (ow - 1) * sw + dw * (kw - 1) + 1)
    out = np.zeros((n, c, hp, wp), dtype=dcols.dtype)
    d6 = dcols.reshape(n, c, kh, kw, oh, ow)
    for i in range(kh):
        for j in range(kw):
            out[:, :, i * dh : i * dh + sh * oh : sh, j * dw : j * dw + sw * ow : sw] += d6[:, :, i, j]
    return out[:, :, ph : ph + h, pw : pw + w]


@njit
def _col2im_nb(dcols, out, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow):
    n, c, h, w = out.shape
    for b in range(n):
        for ch in range(c):
            for i in range(kh):
                for j in range(kw):
                    r = (ch * kh + i) * kw + j
                    for y in range(oh):
                        yy = y * sh - ph + i * dh
                        if 0 <= yy < h:
                            base = y * ow
                            for z in range(ow):
                                xx = z * sw - pw + j * dw
                                if 0 <= xx < w:
                                    out[b, ch, yy, xx] += dcols[b, r, base + z]
    return out


def col2im(dcols: np.ndarray, shape: Sequence[int], k: Pair, s: Pair, p: Pair, d: Pair, out_hw: Pair) -> np.ndarray:
    """See `col2im_np`; one numba pass adds straight into the unpadded image."""
    op = "col2im"
    dcols = _check.array(op, "dcols", dcols)
    k, s, p, d, out_hw = _geometry(op, k, s, p, d, out_hw)
    shape = tuple(int(a) for a in shape)
    if len(shape) != 4:
        raise ValueError(f"{op}: the image shape must be (N, C, H, W), got {shape}")
    expected = (shape[0], shape[1] * k[0] * k[1], out_hw[0] * out_hw[1])
    if dcols.shape != expected:
        raise ValueError(f"{op}: expected columns of shape {expected} for image {shape}, got {dcols.shape}")
    if use_jit() and _check.jit_ready(dcols):
        return _col2im_nb(np.ascontiguousarray(dcols), np.zeros(shape, dtype=dcols.dtype), *k, *s, *p, *d, *out_hw)
    return col2im_np(dcols, shape, k, s, p, d, out_hw)


# --------------------------------------------------------------------------- max-pool
def max_pool2d_np(x: np.ndarray, k: Pair, s: Pair, p: Pair, d: Pair, out_hw: Pair) -> tuple[np.ndarray, np.ndarray]:
    """Max over each window (padding is −∞) and where it came from, as a flat index y·W + x into
    each (H, W) image (PyTorch's ``return_indices``). Ties go to the first element in row order,
    as PyTorch; a NaN wins its window."""
    win = _padded_windows(x, k, s, p, d, out_hw, -np.inf)
    flat = win.reshape(*win.shape[:4], k[0] * k[1])
    pos = flat.argmax(axis=-1)  # argmax returns the first NaN, so NaN propagates as in PyTorch
    out = np.take_along_axis(flat, pos[..., None], axis=-1)[..., 0]
    oh, ow = out_hw
    rows = np.arange(oh)[:, None] * s[0] - p[0] + (pos // k[1]) * d[0]
    cols = np.arange(ow)[None, :] * s[1] - p[1] + (pos % k[1]) * d[1]
    return out, (rows * x.shape[3] + cols).astype(np.int64)


@njit
def _max_pool2d_nb(x, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow):
    # Per output: the taps inside the image come from precomputed ranges (no bounds check in the
    # loop), and the running maximum is a branch-free select (a branch mispredicts half the time
    # on random data): 2x faster than a bounds-checked, branching loop (bench/cnn_kernels.py).
    n, c, h, w = x.shape
    out = np.empty((n, c, oh, ow), x.dtype)
    idx = np.empty((n, c, oh, ow), np.int64)
    ilo, ihi = _window_ranges(h, kh, sh, ph, dh, oh)
    jlo, jhi = _window_ranges(w, kw, sw, pw, dw, ow)
    xf, of, idf = x.reshape(n * c, h * w), out.reshape(n * c, oh * ow), idx.reshape(n * c, oh * ow)
    for m in range(n * c):
        for y in range(oh):
            i0, i1 = ilo[y], ihi[y]
            for z in range(ow):
                j0, j1 = jlo[z], jhi[z]
                o = y * ow + z
                if i0 == i1 or j0 == j1:  # all padding: impossible with padding ≤ kernel/2
                    of[m, o] = -np.inf
                    idf[m, o] = -1
                    continue
                where = (y * sh - ph + i0 * dh) * w + z * sw - pw + j0 * dw
                best = xf[m, where]
                for i in range(i0, i1):
                    row = (y * sh - ph + i * dh) * w + z * sw - pw
                    for j in range(j0, j1):
                        q = row + j * dw
                        v = xf[m, q]
                        # strict >: the first of equal maxima wins; the first NaN wins
                        take = (v > best) | (np.isnan(v) & (not np.isnan(best)))
                        best = v if take else best
                        where = q if take else where
                of[m, o] = best
                idf[m, o] = where
    return out, idx


@njit
def _max_pool2d_2x2_nb(x, oh, ow):
    # the common case (2x2 windows, stride 2, no padding or dilation) unrolled: 30-45% faster than
    # the general loop (bench/cnn_kernels.py); same tie and NaN rule
    n, c, _, w = x.shape
    out = np.empty((n, c, oh, ow), x.dtype)
    idx = np.empty((n, c, oh, ow), np.int64)
    for b in range(n):
        for ch in range(c):
            for y in range(oh):
                r = 2 * y
                for z in range(ow):
                    q = 2 * z
                    best = x[b, ch, r, q]
                    where = r * w + q
                    for i, j in ((0, 1), (1, 0), (1, 1)):
                        v = x[b, ch, r + i, q + j]
                        take = (v > best) | (np.isnan(v) & (not np.isnan(best)))
                        best = v if take else best
                        where = (r + i) * w + q + j if take else where
                    out[b, ch, y, z] = best
                    idx[b, ch, y, z] = where
    return out, idx


def max_pool2d(x: np.ndarray, k: Pair, s: Pair, p: Pair, d: Pair, out_hw: Pair) -> tuple[np.ndarray, np.ndarray]:
    """See `max_pool2d_np`; one numba pass finds each maximum and its index together."""
    op = "max_pool2d"
    x = _image(op, "x", x)
    _check.floating(op, "x", x)  # the padding is −∞
    k, s, p, d, out_hw = _geometry(op, k, s, p, d, out_hw)
    _pool_padding(op, k, p)
    if use_jit() and _check.jit_ready(x):
        if k == s == (2, 2) and p == (0, 0) and d == (1, 1):
            return _max_pool2d_2x2_nb(np.ascontiguousarray(x), *out_hw)
        return _max_pool2d_nb(np.ascontiguousarray(x), *k, *s, *p, *d, *out_hw)
    return max_pool2d_np(x, k, s, p, d, out_hw)


def max_pool2d_backward_np(g: np.ndarray, indices: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Route each output gradient (N, C, OH, OW) to the input element that won its window."""
    n, c, h, w = shape
    out = np.zeros((n * c, h * w), dtype=g.dtype)
    rows = np.repeat(np.arange(n * c), g.shape[2] * g.shape[3])
    np.add.at(out, (rows, indices.reshape(-1)), g.reshape(-1))
    return out.reshape(shape)


@njit
def _max_pool2d_backward_nb(g, idx, out):
    n, c, oh, ow = g.shape
    w = out.shape[3]
    for b in range(n):
        for ch in range(c):
            for y in range(oh):
                for z in range(ow):
                    k = idx[b, ch, y, z]
                    if k >= 0:
                        out[b, ch, k // w, k % w] += g[b, ch, y, z]
    return out


def max_pool2d_backward(g: np.ndarray, indices: np.ndarray, shape: Sequence[int]) -> np.ndarray:
    """See `max_pool2d_backward_np`; numba replaces ``np.add.at``, which is slow."""
    op = "max_pool2d_backward"
    g = _image(op, "g", g)
    shape = tuple(int(a) for a in shape)
    if len(shape) != 4 or g.shape[:2] != shape[:2]:
        raise ValueError(f"{op}: gradient {g.shape} does not belong to an input of shape {shape}")
    _check.indices(op, "indices", _check.array(op, "indices", indices), g.shape, shape[2] * shape[3])
    if use_jit() and _check.jit_ready(g):
        out = np.zeros(shape, dtype=g.dtype)
        return _max_pool2d_backward_nb(np.ascontiguousarray(g), np.ascontiguousarray(indices), out)
    return max_pool2d_backward_np(g, indices, shape)


# --------------------------------------------------------------------------- average pool
def avg_pool2d_np(x: np.ndarray, k: Pair, s: Pair, p: Pair, out_hw: Pair) -> np.ndarray:
    """Mean over each kh×kw window, zero padding counted (PyTorch's ``count_include_pad=True``)."""
    win = _padded_windows(x, k, s, p, (1, 1), out_hw, 0.0)
    return win.mean(axis=(-2, -1), dtype=x.dtype)


@njit
def _avg_pool2d_nb(x, kh, kw, sh, sw, ph, pw, oh, ow):
    n, c, h, w = x.shape
    out = np.empty((n, c, oh, ow), x.dtype)
    inv = np.ones(1, x.dtype)[0] / (kh * kw)
    for b in range(n):
        for ch in range(c):
            for y in range(oh):
                for z in range(ow):
                    acc = np.zeros(1, x.dtype)[0]
                    for i in range(kh):
                        yy = y * sh - ph + i
                        if 0 <= yy < h:
                            for j in range(kw):
                                xx = z * sw - pw + j
                                if 0 <= xx < w:
                                    acc += x[b, ch, yy, xx]
                    out[b, ch, y, z] = acc * inv
    return out


def avg_pool2d(x: np.ndarray, k: Pair, s: Pair, p: Pair, out_hw: Pair) -> np.ndarray:
    """See `avg_pool2d_np`."""
    op = "avg_pool2d"
    x = _image(op, "x", x)
    k, s, p, _, out_hw = _geometry(op, k, s, p, (1, 1), out_hw)
    _pool_padding(op, k, p)
    if use_jit() and _check.jit_ready(x):
        return _avg_pool2d_nb(np.ascontiguousarray(x), *k, *s, *p, *out_hw)
    return avg_pool2d_np(x, k, s, p, out_hw)


def avg_pool2d_backward_np(g: np.ndarray, shape: tuple[int, ...], k: Pair, s: Pair, p: Pair) -> np.ndarray:
    """Each input element receives G/(kh·kw) from every window that contains it."""
    n, c, oh, ow = g.shape
    share = np.broadcast_to((g / g.dtype.type(k[0] * k[1]))[:, :, None, None], (n, c, *k, oh, ow))
    return col2im_np(share.reshape(n, c * k[0] * k[1], oh * ow), shape, k, s, p, (1, 1), (oh, ow))


@njit
def _avg_pool2d_backward_nb(g, out, kh, kw, sh, sw, ph, pw):
    n, c, oh, ow = g.shape
    h, w = out.shape[2], out.shape[3]
    inv = np.ones(1, g.dtype)[0] / (kh * kw)
    for b in range(n):
        for ch in range(c):
            for y in range(oh):
                for z in range(ow):
                    share = g[b, ch, y, z] * inv
                    for i in range(kh):
                        yy = y * sh - ph + i
                        if 0 <= yy < h:
                            for j in range(kw):
                                xx = z * sw - pw + j
                                if 0 <= xx < w:
                                    out[b, ch, yy, xx] += share
    return out


def avg_pool2d_backward(g: np.ndarray, shape: Sequence[int], k: Pair, s: Pair, p: Pair) -> np.ndarray:
    """See `avg_pool2d_backward_np`."""
    op = "avg_pool2d_backward"
    g = _image(op, "g", g)
    k, s, p, _, _ = _geometry(op, k, s, p, (1, 1), g.shape[2:])
    shape = tuple(int(a) for a in shape)
    if len(shape) != 4 or g.shape[:2] != shape[:2]:
        raise ValueError(f"{op}: gradient {g.shape} does not belong to an input of shape {shape}")
    if use_jit() and _check.jit_ready(g):
        return _avg_pool2d_backward_nb(np.ascontiguousarray(g), np.zeros(shape, dtype=g.dtype), *k, *s, *p)
    return avg_pool2d_backward_np(g, shape, k, s, p)
