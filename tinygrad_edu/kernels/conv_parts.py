"""A convolution's batch cut into chunks, each chunk's whole chain one ``nogil`` numba call: im2col, the
GEMMs (numpy's own OpenBLAS, reached from numba: `blas`), the layout copies and col2im.

The chunks of one call run on the threads of `team`, which hand them out without the GIL or a system
call. The math is `ops.Convolution`'s, with W_ext = [W_flat | b] and cols_ext = [cols; 1] (the bias rides
in the GEMM), per chunk of images:

    forward:   y = W_ext · cols_ext
    backward:  [∂L/∂W | ∂L/∂b]ᵀ = cols_ext · Gᵀ  (this chunk's share, summed over the chunks by the caller
               in chunk order, so the result does not depend on which thread ran which chunk),
               ∂L/∂x = col2im(W_flatᵀ · G)

in the two layouts of `kernels.conv`: shallow (image by image, so each image's columns are still in
cache for its GEMM) and deep (the chunk's columns side by side, one GEMM; G and y moved between
(N, O, P) and (O, N·P) by copies).

A job is described in a mailbox, an int64 array that `team` shares between threads: the fields below
(sizes, geometry, flags) and the addresses of the arrays, which the chunk rebuilds with ``numba.carray``.
Each chunk's columns are an array of their own (kept from forward to backward), its temporaries a
disjoint slice of one scratch array. The caller keeps every array alive until the job is done.

The layout flag reaches `kernels.conv`'s loops as the runtime ``inside``, never as a literal True or False:
numba compiles a callee given a literal argument into a specialisation that, once loaded from numba's
on-disk cache, ran 7.4x slower than when just compiled (im2col of 32 LeNet images: 1862 against 251 µs;
with the runtime flag 214 and 177 µs), and the deep layer's forward chunk 1100-1600 µs instead of 470.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

from . import blas, pool
from . import mailbox as box
from ._numba import nb, njit
from .conv import _col2im_nb, _im2col_nb

if nb is not None:
    from numba import carray

    from .atomics import pointer

Pair = tuple[int, int]


@njit
def _first(mb, j):
    return mb[box.BATCH] * j // mb[box.CHUNKS]


@njit
def _geometry(mb):
    return (
        mb[box.KH],
        mb[box.KW],
        mb[box.SH],
        mb[box.SW],
        mb[box.PH],
        mb[box.PW],
        mb[box.DH],
        mb[box.DW],
        mb[box.OH],
        mb[box.OW],
    )


@njit
def _sizes(mb, j):
    """The job's sizes and flags, and chunk j's images lo..hi: n, C, H, W, O, inside, bias, P = OH·OW,
    rows = C·kh·kw, rows + bias, lo, hi."""
    c, bias = mb[box.CHANNELS], mb[box.BIAS]
    p, rows = mb[box.OH] * mb[box.OW], c * mb[box.KH] * mb[box.KW]
    inside = mb[box.INSIDE] != 0
    n, h, w, o = mb[box.BATCH], mb[box.HEIGHT], mb[box.WIDTH], mb[box.OUT_CHANNELS]
    return n, c, h, w, o, inside, bias, p, rows, rows + bias, _first(mb, j), _first(mb, j + 1)


@functools.partial(njit, nogil=True)
def _forward(mb, j, cols, tmp, zero):
    """Chunk j's y = W_ext · cols_ext into the output, its columns into ``cols``."""
    n, c, h, w, o, inside, bias, p, rows, r1, lo, hi = _sizes(mb, j)
    kh, kw, sh, sw, ph, pw, dh, dw, oh, ow = _geometry(mb)
    nb_ = hi - lo
    x = carray(pointer(mb[box.X], zero), (n, c, h, w))[lo:hi]
    out = carray(pointer(mb[box.OUT], zero), (n, o, p))[lo:hi]
    w_ext = carray(pointer(mb[box.W_EXT], zero), (o * r1,))
    if inside:  # (r1, nb·P) columns, one GEMM into (O, nb·P), then (nb, O, P)
        c3 = cols.reshape(r1, nb_, p)
        _im2col_nb(x, c3, inside, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow)
        if bias:
            c3[rows] = 1
        y = tmp[: o * nb_ * p].reshape(o, nb_, p)
        blas.gemm(False, False, o, nb_ * p, r1, w_ext, r1, cols, nb_ * p, 0.0, y.reshape(-1), nb_ * p)
        for b in range(nb_):  # element by element: 6x faster than row slices (numba checks their overlap)
            for q in range(o):
                for t in range(p):
                    out[b, q, t] = y[q, b, t]
    else:  # image by image: its columns (r1, P), still in cache, times W_ext
        c3 = cols.reshape(nb_, r1, p)
        for b in range(nb_):
            _im2col_nb(x[b : b + 1], c3[b : b + 1], inside, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow)
            if bias:
                c3[b, rows] = 1
            blas.gemm(False, False, o, p, r1, w_ext, r1, c3[b].reshape(-1), p, 0.0, out[b].reshape(-1), p)


@functools.partial(njit, nogil=True)
def _backward(mb, j, cols, tmp, zero):
    """Chunk j's share of [∂L/∂W | ∂L/∂b]ᵀ (into its slot of the GW array) and its images' ∂L/∂x."""
    n, c, h, w, o, inside, _bias, p, rows, r1, lo, hi = _sizes(mb, j)
    kh, kw, sh, sw, ph, pw, dh, dw, oh, ow = _geometry(mb)
    nb_ = hi - lo
    need_gw, need_gx = mb[box.NEED_GW] != 0, mb[box.NEED_GX] != 0
    g = carray(pointer(mb[box.G], zero), (n, o, p))[lo:hi]
    w_ext = carray(pointer(mb[box.W_EXT], zero), (o * r1,))
    gw = carray(pointer(mb[box.GW], zero), (mb[box.CHUNKS], r1 * o))[j]
    gx = carray(pointer(mb[box.GX], zero), (n if need_gx else 0, c, h, w))[lo:hi]  # no ∂L/∂x: empty
    if need_gx:
        gx[...] = 0
    if inside:  # G as (O, nb·P); dW from one GEMM over the chunk's columns
        gt = tmp[: o * nb_ * p].reshape(o, nb_, p)
        for b in range(nb_):
            for q in range(o):
                for t in range(p):
                    gt[q, b, t] = g[b, q, t]
        flat = gt.reshape(-1)
        if need_gw:  # (r1 × O) = cols (r1 × nb·P) · Gᵀ
            blas.gemm(False, True, r1, o, nb_ * p, cols, nb_ * p, flat, nb_ * p, 0.0, gw, o)
        if need_gx:  # dcols (rows × nb·P) = W_flatᵀ · G, scattered back
            dcols = tmp[o * nb_ * p : (o + rows) * nb_ * p]
            blas.gemm(True, False, rows, nb_ * p, o, w_ext, r1, flat, nb_ * p, 0.0, dcols, nb_ * p)
            _col2im_nb(dcols.reshape(rows, nb_, p), gx, inside, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow)
    else:  # image by image, dW accumulated in the GEMM (β = 1 after the first image)
        c3 = cols.reshape(nb_, r1, p)
        dcols = tmp[: rows * p]
        for b in range(nb_):
            gb = g[b].reshape(-1)
            if need_gw:
                blas.gemm(False, True, r1, o, p, c3[b].reshape(-1), p, gb, p, 0.0 if b == 0 else 1.0, gw, o)
            if need_gx:
                blas.gemm(True, False, rows, p, o, w_ext, r1, gb, p, 0.0, dcols, p)
                _col2im_nb(dcols.reshape(1, rows, p), gx[b : b + 1], inside, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow)


@functools.partial(njit, nogil=True)
def conv_chunk(mb, j, zero):
    """Run chunk j of the convolution job in the mailbox (its forward or backward), in ``zero``'s dtype."""
    n, _c, _h, _w, o, _inside, _bias, p, _rows, r1, lo, hi = _sizes(mb, j)
    cols = carray(pointer(mb[box.COLS + j], zero), (r1 * (hi - lo) * p,))
    tmp = carray(pointer(mb[box.TMP], zero), ((o + r1) * n * p,))[(o + r1) * lo * p :]  # from this chunk's share
    if mb[box.KIND] == box.FORWARD:
        _forward(mb, j, cols, tmp, zero)
    else:
        _backward(mb, j, cols, tmp, zero)


def columns(n: int, rows_ext: int, per_image: int, chunks: int, dtype: np.dtype) -> list[np.ndarray]:
    """Each chunk's columns, ``rows_ext`` × (its images · ``per_image``), flat, from `pool`."""
    if not 1 <= chunks <= box.MAX_CHUNKS:
        raise ValueError(f"conv_parts: 1 to {box.MAX_CHUNKS} chunks, got {chunks}")
    return [pool.empty(rows_ext * (n * (j + 1) // chunks - n * j // chunks) * per_image, dtype) for j in range(chunks)]


def describe(
    mb: np.ndarray,
    kind: int,
    x_shape: Sequence[int],
    w_ext: np.ndarray,
    geometry: tuple[Pair, Pair, Pair, Pair, Pair],
    inside: bool,
    bias: bool,
    chunks: int,
    cols: list[np.ndarray],
    arrays: dict[int, np.ndarray | None],
) -> np.ndarray:
    """Write a job of ``chunks`` chunks into the mailbox: sizes, geometry, flags, the chunks' columns
    (none when the backward needs no ∂L/∂W) and ``arrays`` (field → C-ordered array of ``w_ext``'s dtype,
    or None); returns the scratch array the chunks share, which the caller keeps alive until the job is
    done."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw), (oh, ow) = geometry
    n, c, h, w = x_shape
    o, r1 = w_ext.shape
    mb[box.KIND], mb[box.ITEMSIZE], mb[box.CHUNKS] = kind, w_ext.itemsize, chunks
    mb[box.BATCH : box.OW + 1] = (n, c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow)
    mb[box.INSIDE], mb[box.BIAS] = inside, bias
    mb[box.NEED_GW], mb[box.NEED_GX] = arrays.get(box.GW) is not None, arrays.get(box.GX) is not None
    tmp = pool.empty((o + r1) * n * oh * ow, w_ext.dtype)
    for field, a in ((box.W_EXT, w_ext), (box.TMP, tmp), *arrays.items()):
        mb[field] = 0 if a is None else a.ctypes.data
    mb[box.COLS : box.COLS + len(cols)] = [a.ctypes.data for a in cols]
    return tmp
