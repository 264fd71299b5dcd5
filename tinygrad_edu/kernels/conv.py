"""Convolution and pooling backward passes: col2im and max-pool backward, twin, kernel and dispatcher each.

Both scatter gradients back onto the padded image (N, C, Hp, Wp). numpy needs kh·kw strided passes for
col2im and the slow ``np.add.at`` for max-pool; the numba loops visit each gradient once.

>>> import numpy as np
>>> # one 1x1 image, a 2x2 kernel with stride 1 over a 3x3 padded image: 2x2 windows, all gradients 1
>>> col2im(np.ones((1, 2, 2, 1, 2, 2)), (1, 1, 3, 3), 1)[0, 0]   # how many windows hold each pixel
array([[1., 2., 1.],
       [2., 4., 2.],
       [1., 2., 1.]])
"""

from __future__ import annotations

import numpy as np

from . import _check
from ._numba import njit, use_jit


def _padded(op: str, padded_shape: tuple[int, ...], n: int, c: int, span_h: int, span_w: int) -> tuple[int, ...]:
    """Check that the windows' batch, channels and reach (span_h x span_w pixels) fit the padded image."""
    shape = tuple(int(s) for s in padded_shape)
    if len(shape) != 4 or shape[:2] != (n, c) or shape[2] < span_h or shape[3] < span_w:
        raise ValueError(
            f"{op}: the windows need a padded image of shape ({n}, {c}, ≥{span_h}, ≥{span_w}), got {shape}"
        )
    return shape


def _positive(op: str, name: str, v: int) -> int:
    if int(v) != v or v < 1:
        raise ValueError(f"{op}: {name} must be a positive integer, got {v!r}")
    return int(v)


# --------------------------------------------------------------------------- col2im
def col2im_np(dcols: np.ndarray, padded_shape: tuple[int, ...], stride: int) -> np.ndarray:
    """Scatter-add window gradients (N, OH, OW, C, kh, kw) back onto the padded image (N, C, Hp, Wp):
    the adjoint of cutting an image into overlapping windows (each pixel gets the sum over the
    windows that contain it)."""
    _n, oh, ow, _c, kh, kw = dcols.shape
    out = np.zeros(padded_shape, dtype=dcols.dtype)
    d = dcols.transpose(0, 3, 4, 5, 1, 2)
    for i in range(kh):
        for j in range(kw):
            out[:, :, i : i + stride * oh : stride, j : j + stride * ow : stride] += d[:, :, i, j]
    return out


@njit
def _col2im_nb(dcols, out, stride):
    n, oh, ow, c, kh, kw = dcols.shape
    for b in range(n):
        for y in range(oh):
            for x in range(ow):
                for ch in range(c):
                    for i in range(kh):
                        for j in range(kw):
                            out[b, ch, y * stride + i, x * stride + j] += dcols[b, y, x, ch, i, j]
    return out


def col2im(dcols: np.ndarray, padded_shape: tuple[int, ...], stride: int) -> np.ndarray:
    """See `col2im_np`; one numba pass instead of kh·kw strided numpy passes."""
    op = "col2im"
    dcols = _check.array(op, "dcols", dcols)
    _check.ndim(op, "dcols", dcols, 6)
    stride = _positive(op, "stride", stride)
    n, oh, ow, c, kh, kw = dcols.shape
    shape = _padded(op, padded_shape, n, c, (oh - 1) * stride + kh, (ow - 1) * stride + kw)
    if use_jit() and _check.jit_ready(dcols):
        return _col2im_nb(np.ascontiguousarray(dcols), np.zeros(shape, dtype=dcols.dtype), stride)
    return col2im_np(dcols, shape, stride)


# --------------------------------------------------------------------------- max-pool backward
def maxpool_backward_np(g: np.ndarray, argmax: np.ndarray, padded_shape: tuple[int, ...], k: int, stride: int):
    """Route each output gradient (N, C, OH, OW) to the input position that won its window
    (``argmax`` holds its flat index i·k + j inside the k×k window)."""
    n, c, oh, ow = g.shape
    out = np.zeros(padded_shape, dtype=g.dtype)
    rows = np.arange(oh)[:, None] * stride + argmax // k
    cols = np.arange(ow)[None, :] * stride + argmax % k
    nn_, cc = np.meshgrid(np.arange(n), np.arange(c), indexing="ij")
    np.add.at(out, (nn_[:, :, None, None], cc[:, :, None, None], rows, cols), g)
    return out


@njit
def _maxpool_backward_nb(g, argmax, out, k, stride):
    n, c, oh, ow = g.shape
    for b in range(n):
        for ch in range(c):
            for y in range(oh):
                for x in range(ow):
                    a = argmax[b, ch, y, x]
                    out[b, ch, y * stride + a // k, x * stride + a % k] += g[b, ch, y, x]
    return out


def maxpool_backward(g: np.ndarray, argmax: np.ndarray, padded_shape: tuple[int, ...], k: int, stride: int):
    """See `maxpool_backward_np`; numba avoids ``np.add.at``, which is slow."""
    op = "maxpool_backward"
    g, argmax = _check.array(op, "g", g), _check.array(op, "argmax", argmax)
    _check.ndim(op, "g", g, 4)
    stride, k = _positive(op, "stride", stride), _positive(op, "k", k)
    _check.indices(op, "argmax", argmax, g.shape, k * k)
    n, c, oh, ow = g.shape
    shape = _padded(op, padded_shape, n, c, (oh - 1) * stride + k, (ow - 1) * stride + k)
    if use_jit() and _check.jit_ready(g):
        out = np.zeros(shape, dtype=g.dtype)
        return _maxpool_backward_nb(np.ascontiguousarray(g), np.ascontiguousarray(argmax), out, k, stride)
    return maxpool_backward_np(g, argmax, shape, k, stride)
