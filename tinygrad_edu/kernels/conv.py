"""Convolution kernels, im2col and col2im, and the window geometry they share with the pooling kernels (`pooling`).

Every kernel works on images of shape (N, C, H, W) in C order and takes its window geometry per
axis: kernel (kh, kw), stride (sh, sw), the padding before the first row and column (ph, pw) and
dilation (dh, dw). Output size, as PyTorch (``ceil_mode=False``):

    OH = ⌊(H + ph + ph' − dh·(kh − 1) − 1)/sh⌋ + 1,   with ph' the padding after the last row,

so "same" padding with an even kernel (ph' = ph + 1) needs nothing but the right OH. Window
element (i, j) of output position (y, x) reads input row y·sh − ph + i·dh and column
x·sw − pw + j·dw; positions outside the image are the padding (0 for convolution and average
pooling, −∞ for max pooling) and are never stored.

Layout of the columns ("im2col"), one of two, each written straight by the kernel:

- (N, C·kh·kw, OH·OW), one matrix per image, rows in the kernel's weights' order (c, i, j);
- with ``batch_inside``, (C·kh·kw, N·OH·OW): the same matrices side by side, one large matrix.

``ones_row`` adds a last row of ones, so that a bias rides in the GEMM as an extra column of W.
`ops.Convolution` picks the layout by the depth C·kh·kw (``bench/cnn_kernels.py`` measures both):

    y[n] = W_flat · cols[n]                   (O, OH·OW) per image: already NCHW
    y    = W_flat · cols                      (O, N·OH·OW): one GEMM, then the batch axis moved
    ∂L/∂cols = W_flatᵀ · G,  ∂L/∂W = G · colsᵀ (summed over the images in the first layout)

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

import functools
from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import _check
from ._numba import njit

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
def im2col_np(
    x: np.ndarray, k: Pair, s: Pair, p: Pair, d: Pair, out_hw: Pair, batch_inside: bool = False, ones_row: bool = False
) -> np.ndarray:
    """Columns (N, C·kh·kw, OH·OW): cols[n, (c·kh + i)·kw + j, y·OW + x] = x_pad[n, c, y·sh + i·dh, x·sw + j·dw];
    with ``batch_inside`` the same numbers as one matrix (C·kh·kw, N·OH·OW), column n·OH·OW + y·OW + x.
    ``ones_row`` appends a row of ones (one per image, or one in all), so that a bias folds into the GEMM."""
    win = _padded_windows(x, k, s, p, d, out_hw, 0.0)  # (N, C, OH, OW, kh, kw)
    n, c = x.shape[:2]
    rows, per_image = c * k[0] * k[1], out_hw[0] * out_hw[1]
    if batch_inside:
        cols = np.empty((rows + ones_row, n * per_image), x.dtype)
        cols[:rows].reshape(c, *k, n, *out_hw)[...] = win.transpose(1, 4, 5, 0, 2, 3)  # one strided copy
    else:
        cols = np.empty((n, rows + ones_row, per_image), x.dtype)
        cols[:, :rows].reshape(n, c, *k, *out_hw)[...] = win.transpose(0, 1, 4, 5, 2, 3)
    if ones_row:
        cols[..., -1, :] = 1
    return cols


@functools.partial(njit, nogil=True)
def _im2col_nb(x, out, inside, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow):
    # out is (N, rows, P), or (rows, N, P) when ``inside`` (rows beyond C·kh·kw are left alone); each
    # (image, tap) pair fills one contiguous row of P, one output row at a time. The taps inside the
    # image come from precomputed ranges (`_valid`), so the copy loop has no test and runs along a
    # contiguous source row at stride 1; its indices are unsigned, for which numba emits no
    # negative-index wraparound (signed ones made the loop several times slower; a test per element
    # took 10.7M instructions against 3.2M for LeNet's first layer, batch 64, and 11.1M against 7.1M
    # for its second). The planes x[b, ch] are
    # visited image by image for the per-image layout and channel by channel for the other, so that
    # the writes run along the rows (1.3x faster for the Keras convnet's second layer).
    n, c, h, w = x.shape
    xf = x.reshape(n, c, h * w)
    zero = np.zeros(1, x.dtype)[0]
    step = np.uint64(sw)
    outer, inner = (c, n) if inside else (n, c)
    for u in range(outer):
        for v in range(inner):
            b, ch = (v, u) if inside else (u, v)
            plane = xf[b, ch]
            for i in range(kh):
                y0, y1 = _valid(h, sh, i * dh - ph, oh)
                for j in range(kw):
                    dst = out[(ch * kh + i) * kw + j, b] if inside else out[b, (ch * kh + i) * kw + j]
                    z0, z1 = _valid(w, sw, j * dw - pw, ow)
                    for q in range(y0 * ow):  # output rows whose tap row is padding
                        dst[q] = zero
                    for y in range(y0, y1):
                        base = y * ow
                        for z in range(z0):
                            dst[base + z] = zero
                        src = np.uint64((y * sh - ph + i * dh) * w + z0 * sw - pw + j * dw)
                        start = np.uint64(base + z0)
                        if sw == 1:  # a contiguous run, moved as vectors: im2col 10% faster (LeNet's two layers)
                            for t in range(np.uint64(z1 - z0)):
                                dst[start + t] = plane[src + t]
                        else:
                            for t in range(np.uint64(z1 - z0)):
                                dst[start + t] = plane[src + t * step]
                        for z in range(z1, ow):
                            dst[base + z] = zero
                    for q in range(y1 * ow, oh * ow):
                        dst[q] = zero
    return out


def im2col(
    x: np.ndarray, k: Pair, s: Pair, p: Pair, d: Pair, out_hw: Pair, batch_inside: bool = False, ones_row: bool = False
) -> np.ndarray:
    """See `im2col_np`; one numba pass writes the columns in place of a padded copy plus a reshape copy."""
    op = "im2col"
    x = _image(op, "x", x)
    k, s, p, d, out_hw = _geometry(op, k, s, p, d, out_hw)
    if _check.jit_ready(x):
        n, c = x.shape[:2]
        rows, per_image = c * k[0] * k[1] + ones_row, out_hw[0] * out_hw[1]
        out = np.empty((rows, n, per_image) if batch_inside else (n, rows, per_image), x.dtype)
        _im2col_nb(np.ascontiguousarray(x), out, batch_inside, *k, *s, *p, *d, *out_hw)  # fills all rows but the last
        cols = out.reshape(rows, n * per_image) if batch_inside else out
        if ones_row:
            cols[..., -1, :] = 1
        return cols
    return im2col_np(x, k, s, p, d, out_hw, batch_inside, ones_row)


# --------------------------------------------------------------------------- col2im
def col2im_np(
    dcols: np.ndarray,
    shape: tuple[int, ...],
    k: Pair,
    s: Pair,
    p: Pair,
    d: Pair,
    out_hw: Pair,
    batch_inside: bool = False,
) -> np.ndarray:
    """The adjoint of `im2col_np`: scatter-add (N, C·kh·kw, OH·OW) (or, with ``batch_inside``,
    (C·kh·kw, N·OH·OW)) back onto an image of ``shape`` (each pixel gets the sum over the windows
    that contain it; padding positions are dropped)."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw), (oh, ow) = k, s, p, d, out_hw
    n, c, h, w = shape
    if batch_inside:
        dcols = dcols.reshape(c * kh * kw, n, oh * ow).transpose(1, 0, 2)  # not -1: n may be 0
    hp = max(h + ph, (oh - 1) * sh + dh * (kh - 1) + 1)
    wp = max(w + pw, (ow - 1) * sw + dw * (kw - 1) + 1)
    out = np.zeros((n, c, hp, wp), dtype=dcols.dtype)
    d6 = dcols.reshape(n, c, kh, kw, oh, ow)
    for i in range(kh):
        for j in range(kw):
            out[:, :, i * dh : i * dh + sh * oh : sh, j * dw : j * dw + sw * ow : sw] += d6[:, :, i, j]
    return out[:, :, ph : ph + h, pw : pw + w]


@functools.partial(njit, nogil=True)
def _col2im_nb(dcols, out, inside, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow):
    # dcols is (N, rows, P), or (rows, N, P) when ``inside``; the loops of `_im2col_nb`, adding the
    # taps inside the image and skipping the padding (5.6M instructions against 11.8M with a test per
    # element, for LeNet's second layer, batch 64; 6.6M against 14.5M for the small CNN's)
    n, c, h, w = out.shape
    of = out.reshape(n, c, h * w)
    step = np.uint64(sw)
    outer, inner = (c, n) if inside else (n, c)
    for u in range(outer):
        for v in range(inner):
            b, ch = (v, u) if inside else (u, v)
            plane = of[b, ch]
            for i in range(kh):
                y0, y1 = _valid(h, sh, i * dh - ph, oh)
                for j in range(kw):
                    src = dcols[(ch * kh + i) * kw + j, b] if inside else dcols[b, (ch * kh + i) * kw + j]
                    z0, z1 = _valid(w, sw, j * dw - pw, ow)
                    for y in range(y0, y1):
                        dst = np.uint64((y * sh - ph + i * dh) * w + z0 * sw - pw + j * dw)
                        start = np.uint64(y * ow + z0)
                        for t in range(np.uint64(z1 - z0)):
                            plane[dst + t * step] += src[start + t]
    return out


def col2im(
    dcols: np.ndarray,
    shape: Sequence[int],
    k: Pair,
    s: Pair,
    p: Pair,
    d: Pair,
    out_hw: Pair,
    batch_inside: bool = False,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """See `col2im_np`; one numba pass adds straight into the unpadded image (``out``, when given: a
    C-ordered array of that shape and the columns' dtype, overwritten)."""
    op = "col2im"
    dcols = _check.array(op, "dcols", dcols)
    k, s, p, d, out_hw = _geometry(op, k, s, p, d, out_hw)
    shape = tuple(int(a) for a in shape)
    if len(shape) != 4:
        raise ValueError(f"{op}: the image shape must be (N, C, H, W), got {shape}")
    rows, per_image = shape[1] * k[0] * k[1], out_hw[0] * out_hw[1]
    expected = (rows, shape[0] * per_image) if batch_inside else (shape[0], rows, per_image)
    if dcols.shape != expected:
        raise ValueError(f"{op}: expected columns of shape {expected} for image {shape}, got {dcols.shape}")
    if out is not None and (out.shape != shape or out.dtype != dcols.dtype or not out.flags.c_contiguous):
        got = f"{out.dtype} {out.shape}{'' if out.flags.c_contiguous else ' not in C order'}"
        raise ValueError(f"{op}: out must be a C-ordered {dcols.dtype} array of shape {shape}, got {got}")
    if _check.jit_ready(dcols):
        blocks = (rows, shape[0], per_image) if batch_inside else expected
        if out is None:
            out = np.zeros(shape, dtype=dcols.dtype)
        else:
            out.fill(0)
        return _col2im_nb(np.ascontiguousarray(dcols).reshape(blocks), out, batch_inside, *k, *s, *p, *d, *out_hw)
    image = col2im_np(dcols, shape, k, s, p, d, out_hw, batch_inside)
    if out is None:
        return image
    out[...] = image
    return out
