"""Pooling kernels: max-pool and average-pool, forward and backward.

The images, their layout and the window geometry (kernel, stride, padding before the first row and
column, dilation; PyTorch's output size) are `conv`'s. Each kernel sits between its numpy twin (suffix
``_np``) and its dispatcher, which checks shapes and geometry (`_check`) before any loop runs and then
picks the kernel or the twin.

>>> import numpy as np
>>> out, idx = max_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), (2, 2), (2, 2), (0, 0), (1, 1), (2, 2))
>>> out[0, 0], idx[0, 0]
(array([[ 5.,  7.],
       [13., 15.]]), array([[ 5,  7],
       [13, 15]]))
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import _check
from ._numba import njit
from .conv import Pair, _geometry, _image, _padded_windows, _window_ranges, col2im_np


# --------------------------------------------------------------------------- pool geometry
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
def _max_pool2d_2x2_planes(xf, out, idx, lo, hi, w, oh, ow):
    # the common case (2x2 windows, stride 2, no padding or dilation) unrolled as a tournament of
    # pairs, with the general kernel's per-window NaN test: 2.5x faster than a 2x2 loop testing NaN
    # at every tap (bench/cnn_kernels.py, "per-tap" against "2x2"). Unsigned indices spare numba's
    # negative-index wraparound on every load and store: 2.6M against 3.3M instructions for LeNet's
    # first pool, batch 64. The planes lo..hi of the flat (N·C, H·W) input, into (N·C, OH·OW) outputs
    # (`spread` gives each thread of a team its own planes).
    width, one = np.uint64(w), np.uint64(1)
    for m in range(lo, hi):
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


@njit
def _max_pool2d_2x2_nb(x, oh, ow):
    n, c, h, w = x.shape
    out = np.empty((n * c, oh * ow), x.dtype)
    idx = np.empty((n * c, oh * ow), np.int64)
    _max_pool2d_2x2_planes(x.reshape(n * c, h * w), out, idx, 0, n * c, w, oh, ow)
    return out.reshape(n, c, oh, ow), idx.reshape(n, c, oh, ow)


def max_pool2d(x: np.ndarray, k: Pair, s: Pair, p: Pair, d: Pair, out_hw: Pair) -> tuple[np.ndarray, np.ndarray]:
    """See `max_pool2d_np`; one numba pass finds each maximum and its index together."""
    op = "max_pool2d"
    x = _image(op, "x", x)
    _check.floating(op, "x", x)  # the padding is −∞
    k, s, p, d, out_hw = _geometry(op, k, s, p, d, out_hw)
    check_pool_padding(op, k, p)
    _pool_windows_inside(op, x.shape[2:], k, s, p, d, out_hw)
    if _check.jit_ready(x):
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
def _max_pool2d_backward_planes(gf, idf, of, lo, hi):
    # flat (N·C, OH·OW) gradient and indices, (N·C, H·W) output zeroed beforehand: one add per output, no
    # division of the index into row and column (2-3x faster than indexing out[b, c, k // W, k % W]:
    # bench/cnn_kernels.py, "bw 4-D"), for the planes lo..hi. Each index is range-checked here, before its
    # write: a separate pass over the indices (`_check.in_range`) had taken longer than the scatter itself,
    # 62 against 43 µs for LeNet-5's first pool at batch 64. Returns the flat position of the first index
    # outside [0, H·W), or −1 when all were inside.
    p, hw = gf.shape[1], of.shape[1]
    for m in range(lo, hi):
        for o in range(p):
            k = idf[m, o]
            if k < 0 or k >= hw:
                return m * p + o
            of[m, k] += gf[m, o]
    return -1


@njit
def _max_pool2d_backward_nb(g, idx, out):
    n, c, oh, ow = g.shape
    hw, p = out.shape[2] * out.shape[3], oh * ow
    return _max_pool2d_backward_planes(g.reshape(n * c, p), idx.reshape(n * c, p), out.reshape(n * c, hw), 0, n * c)


def max_pool2d_backward(g: np.ndarray, indices: np.ndarray, shape: Sequence[int]) -> np.ndarray:
    """See `max_pool2d_backward_np`; numba replaces ``np.add.at``, which is slow. An index outside
    [0, H·W) is an `OutOfRangeError` (the kernel checks each one before its write)."""
    op = "max_pool2d_backward"
    g = _image(op, "g", g)
    shape = tuple(int(a) for a in shape)
    if len(shape) != 4 or g.shape[:2] != shape[:2]:
        raise ValueError(f"{op}: gradient {g.shape} does not belong to an input of shape {shape}")
    high = shape[2] * shape[3]
    indices = _check.array(op, "indices", indices)
    jit = _check.jit_ready(g) and indices.dtype.isnative  # numba takes no big-endian integers
    _check.indices(op, "indices", indices, g.shape, None if jit else high)
    if jit:
        out = np.zeros(shape, dtype=g.dtype)
        idx = np.ascontiguousarray(indices)
        bad = _max_pool2d_backward_nb(np.ascontiguousarray(g), idx, out)
        if bad >= 0:
            raise _check.out_of_range(op, "indices", idx.flat[bad], high)
        return out
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
    if _check.jit_ready(x):
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
    if _check.jit_ready(g):
        return _avg_pool2d_backward_nb(np.ascontiguousarray(g), np.zeros(shape, dtype=g.dtype), *k, *s, *p)
    return avg_pool2d_backward_np(g, shape, k, s, p)
