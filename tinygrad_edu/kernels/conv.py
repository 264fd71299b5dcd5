"""Convolution and pooling kernels: im2col, col2im, max-pool and average-pool forward and backward.

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


def check_pool_padding(op: str, k: Pair, p: Pair) -> None:
    """PyTorch's rule for pools, here and where nn's pooling layers are built: padding ≤ half the window."""
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ValueError(f"{op}: padding {p} must be at most half the window {k} (as in PyTorch)")


def _pool_windows_inside(op: str, hw: Sequence[int], k: Pair, s: Pair, p: Pair, d: Pair, out_hw: Pair) -> None:
    """Raise ValueError when a dilated window falls wholly in the padding (kernel 2, dilation 3,
    padding 1 on 2 rows: taps at rows −1 and 2); PyTorch returns −∞ there with an index outside the input.
    Without padding every window starts inside the image, so there is nothing to check."""
    if not (p[0] or p[1]):
        return
    for a, axis in enumerate(("row", "column")):
        taps = np.arange(out_hw[a])[:, None] * s[a] - p[a] + np.arange(k[a]) * d[a]
        empty = ~((taps >= 0) & (taps < hw[a])).any(axis=1)
        if empty.any():
            raise ValueError(
                f"{op}: the window of output {axis} {int(empty.argmax())} lies wholly in the padding "
                f"(kernel {k}, dilation {d}, padding {p}, input {hw[0]}x{hw[1]})"
            )


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
    if use_jit() and _check.jit_ready(x):
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
    if use_jit() and _check.jit_ready(dcols):
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


# --------------------------------------------------------------------------- max-pool
def max_pool2d_np(x: np.ndarray, k: Pair, s: Pair, p: Pair, d: Pair, out_hw: Pair) -> tuple[np.ndarray, np.ndarray]:
    """Max over each window (padding is −∞) and where it came from, as a flat index y·W + x into
    each (H, W) image (PyTorch's ``return_indices``). PyTorch's rule for ties and NaN: of equal
    maxima the first in row order wins; a NaN wins its window, and of several NaNs the last one."""
    win = _padded_windows(x, k, s, p, d, out_hw, -np.inf)
    flat = win.reshape(*win.shape[:4], k[0] * k[1])
    if p[0] or p[1]:  # the first maximum among the taps inside the image: a −∞ input ties with the padding
        inside = _padded_windows(np.ones((1, 1, *x.shape[2:]), bool), k, s, p, d, out_hw, False)
        best = flat.max(axis=-1, keepdims=True)
        pos = ((flat == best) & inside.reshape(1, 1, *out_hw, -1)).argmax(axis=-1)
        has_nan = np.isnan(best[..., 0])
    else:
        pos = flat.argmax(axis=-1)  # the first maximum, or the first NaN
        has_nan = np.isnan(np.take_along_axis(flat, pos[..., None], axis=-1)[..., 0])
    if has_nan.any():  # PyTorch's rule: the last NaN
        pos = np.where(has_nan, flat.shape[-1] - 1 - np.isnan(flat[..., ::-1]).argmax(axis=-1), pos)
    out = np.take_along_axis(flat, pos[..., None], axis=-1)[..., 0]
    oh, ow = out_hw
    rows = np.arange(oh)[:, None] * s[0] - p[0] + (pos // k[1]) * d[0]
    cols = np.arange(ow)[None, :] * s[1] - p[1] + (pos % k[1]) * d[1]
    return out, (rows * x.shape[3] + cols).astype(np.int64)


@njit
def _max_pool2d_nb(x, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow):
    # Per output: the taps inside the image come from precomputed ranges (no bounds check in the
    # loop), and the running maximum is a plain ``v > best`` select. NaN is handled per window, not per
    # tap: the sum of the taps is NaN when any tap is (or when +inf meets -inf), and only then is the
    # window scanned again with PyTorch's rule ``v > best or isnan(v)``. Testing NaN per tap made the
    # loop 2x slower (3x3 windows on the small CNN's first feature maps: 4.5 against 2.3 ms).
    n, c, h, w = x.shape
    out = np.empty((n * c, oh * ow), x.dtype)
    idx = np.empty((n * c, oh * ow), np.int64)
    ilo, ihi = _window_ranges(h, kh, sh, ph, dh, oh)
    jlo, jhi = _window_ranges(w, kw, sw, pw, dw, ow)
    xf = x.reshape(n * c, h * w)
    for m in range(n * c):
        row = xf[m]
        for y in range(oh):
            i0, i1 = ilo[y], ihi[y]
            for z in range(ow):
                j0, j1 = jlo[z], jhi[z]
                o = y * ow + z
                if i0 == i1 or j0 == j1:  # all padding: impossible with padding ≤ kernel/2
                    out[m, o] = -np.inf
                    idx[m, o] = -1
                    continue
                top = (y * sh - ph) * w + z * sw - pw
                where = top + i0 * dh * w + j0 * dw
                best = row[where]
                total = best - best
                for i in range(i0, i1):
                    for j in range(j0, j1):
                        q = top + i * dh * w + j * dw
                        v = row[q]
                        total += v
                        take = v > best  # strict: the first of equal maxima wins
                        best = v if take else best
                        where = q if take else where
                if total != total:
                    for i in range(i0, i1):
                        for j in range(j0, j1):
                            q = top + i * dh * w + j * dw
                            v = row[q]
                            if v > best or v != v:
                                best, where = v, q
                out[m, o] = best
                idx[m, o] = where
    return out.reshape(n, c, oh, ow), idx.reshape(n, c, oh, ow)


@njit
def _max_pool2d_2x2_nb(x, oh, ow):
    # the common case (2x2 windows, stride 2, no padding or dilation) unrolled as a tournament of
    # pairs, with the general kernel's per-window NaN test: 2.5x faster than a 2x2 loop testing NaN
    # at every tap (bench/cnn_kernels.py, "per-tap" against "2x2"). Unsigned indices spare numba's
    # negative-index wraparound on every load and store: 2.6M against 3.3M instructions for LeNet's
    # first pool, batch 64.
    n, c, h, w = x.shape
    out = np.empty((n * c, oh * ow), x.dtype)
    idx = np.empty((n * c, oh * ow), np.int64)
    xf = x.reshape(n * c, h * w)
    width, one = np.uint64(w), np.uint64(1)
    for m in range(n * c):
        row, orow, irow = xf[m], out[m], idx[m]
        for y in range(oh):
            r0 = np.uint64(2 * y) * width
            r1 = r0 + width
            o0 = np.uint64(y * ow)
            for z in range(np.uint64(ow)):
                q0, q1 = r0 + z + z, r1 + z + z
                a, b, e, f = row[q0], row[q0 + one], row[q1], row[q1 + one]
                top = b > a
                top_v = b if top else a
                top_i = q0 + one if top else q0
                bottom = f > e
                bottom_v = f if bottom else e
                bottom_i = q1 + one if bottom else q1
                down = bottom_v > top_v
                best = bottom_v if down else top_v
                where = bottom_i if down else top_i
                total = a + b + e + f
                if total != total:  # a NaN (or +inf and -inf): PyTorch's rule, the last NaN wins
                    best, where = a, q0
                    for q in (q0 + one, q1, q1 + one):
                        v = row[q]
                        if v > best or v != v:
                            best, where = v, q
                orow[o0 + z] = best
                irow[o0 + z] = where
    return out.reshape(n, c, oh, ow), idx.reshape(n, c, oh, ow)


def max_pool2d(x: np.ndarray, k: Pair, s: Pair, p: Pair, d: Pair, out_hw: Pair) -> tuple[np.ndarray, np.ndarray]:
    """See `max_pool2d_np`; one numba pass finds each maximum and its index together."""
    op = "max_pool2d"
    x = _image(op, "x", x)
    _check.floating(op, "x", x)  # the padding is −∞
    k, s, p, d, out_hw = _geometry(op, k, s, p, d, out_hw)
    check_pool_padding(op, k, p)
    _pool_windows_inside(op, x.shape[2:], k, s, p, d, out_hw)
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
    # flat (N·C, H·W) views: one add per output, no division of the index into row and column
    # (2-3x faster than indexing out[b, c, k // W, k % W]: bench/cnn_kernels.py, "bw 4-D")
    n, c, oh, ow = g.shape
    h, w = out.shape[2], out.shape[3]
    gf, idf, of = g.reshape(n * c, oh * ow), idx.reshape(n * c, oh * ow), out.reshape(n * c, h * w)
    for m in range(n * c):
        for o in range(oh * ow):
            k = idf[m, o]
            if k >= 0:
                of[m, k] += gf[m, o]
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
    check_pool_padding(op, k, p)
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
