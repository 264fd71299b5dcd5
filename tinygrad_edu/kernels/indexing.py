"""Scatter-add of rows, the backward of picking rows by an integer array (``C[X]``, an embedding
lookup): twin, kernel, dispatcher.

For out = a[idx] with idx an integer array, ∂L/∂a[r] = Σ_{k: idx[k] = r} G[k]: a row picked twice
receives both gradients. numpy's ``np.add.at`` does this for any index, through a general iterator
that costs about 30 instructions per element; rows picked from a 2-D view need one loop.

>>> import numpy as np
>>> out = np.zeros((3, 2))
>>> index_add_rows(out, np.array([2, 0, 2]), np.array([[1.0, 1.0], [5.0, 5.0], [2.0, 3.0]]))
>>> out
array([[5., 5.],
       [0., 0.],
       [3., 4.]])
"""

from __future__ import annotations

import numpy as np

from . import _check
from ._numba import njit


def index_add_rows_np(out: np.ndarray, idx: np.ndarray, g: np.ndarray) -> None:
    """out[idx[k]] += g[k] for every k, in place (rows picked twice accumulate); negative indices count
    from the end, as numpy's."""
    np.add.at(out, idx, g)


@njit
def _index_add_rows_nb(out, idx, g):
    # every index is checked before anything is written: the first out of range stops the call
    n, m = out.shape
    for k in range(idx.size):
        if idx[k] < -n or idx[k] >= n:
            return k
    for k in range(idx.size):
        r = idx[k]
        if r < 0:
            r += n
        for j in range(m):
            out[r, j] += g[k, j]
    return -1


def index_add_rows(out: np.ndarray, idx: np.ndarray, g: np.ndarray) -> None:
    """See `index_add_rows_np`: ``out`` (n, m), ``idx`` (k,) integers in [−n, n), ``g`` (k, m).

    The kernel checks the indices' range in a pass of its own before it writes (one call, where a
    separate `_check.value_range` would be a second); the twin's path checks them first."""
    op = "index_add_rows"
    if not (type(out) is np.ndarray and type(idx) is np.ndarray and type(g) is np.ndarray):
        out, idx, g = _check.array(op, "out", out), _check.array(op, "idx", idx), _check.array(op, "g", g)
    if out.ndim != 2 or idx.ndim != 1:
        _check.ndim(op, "out", out, 2)
        _check.ndim(op, "idx", idx, 1)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: idx must be integers, got dtype {idx.dtype}")
    n = out.shape[0]
    if g.shape != (idx.size, out.shape[1]):
        raise ValueError(f"{op}: g must have shape {(idx.size, out.shape[1])}, got {g.shape}")
    # the kernel takes signed or narrow unsigned indices in native byte order (a uint64 mixed with the signed
    # row count is a float to numba; a big-endian array is no array numba compiles for)
    if out.flags.writeable and idx.dtype.isnative and idx.dtype != np.uint64 and _check.jit_ready(out, g):
        bad = _index_add_rows_nb(out, idx, g)
    else:
        lo, hi = _check.value_range(idx) if idx.size else (0, 0)
        bad = -1 if -n <= lo and hi < n else int(np.flatnonzero((idx < -n) | (idx >= n))[0])
        if bad < 0:
            index_add_rows_np(out, idx, g)
    if bad >= 0:
        raise IndexError(f"{op}: index {idx[bad]} is out of bounds for {n} rows")
