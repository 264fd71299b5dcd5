"""ReLU and the 2x2 max-pool, forward and backward, spread over `team`'s threads for large arrays.

PyTorch runs such ops on all its intra-op threads (``at::parallel_for``, from 32,768 elements). Here a
job of `team` gives each thread a share: ReLU's elements, or a max-pool's image planes (one (image,
channel) pair each), and every share runs the one-thread kernel's loop on its range (`chunks.spread_chunk`
calls `activations._relu_range`, `pooling._max_pool2d_2x2_planes`, ...). Each element or plane is
computed by one thread with the same arithmetic, so the result is the one-thread kernel's, bit for bit,
however the work was cut.

A job pays off from `SPREAD_FROM` elements (`POOL_SPREAD_FROM` for the max-pool's forward, five times
the work per element of a ReLU's): LeNet-5's first ReLU (64x6x28x28) and the small CNN's (64x16x26x26),
their pools, and LeNet-5's second pool (64x16x10x10). ``python bench/cnn_kernels.py`` (its last table,
two threads, float32): ReLU 26 → 18 µs and 57 → 36 µs, its backward 36 → 24 and 84 → 51 µs, the 2x2
max-pool 112 → 63 and 265 → 137 µs, its backward 45 → 39 and 108 → 68 µs; a training step, alternating
step by step with the one-thread kernels: LeNet-5 0.97-0.98x, the small CNN 0.81-0.91x. The forward
takes 2x2 windows of stride 2 only; the backward scatters by index, any window.

The one-thread dispatchers take everything else, and raise every error but one (the spread backward's
`OutOfRangeError`, in the same words): smaller arrays, other layouts and dtypes, a process with one BLAS
thread (the team has a helper per extra BLAS thread) or without the team (`team.available`), and every
array while OpenBLAS's worker threads spin after a GEMM of ours on them (a training step with a large
Linear layer: `threads.blas_spinning`), since a job would then share a core with them.

>>> import numpy as np
>>> relu(np.array([-1.0, 2.0]))
array([0., 2.])
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from . import _check, activations, pooling, team, threads
from . import mailbox as box

#: the fewest elements (of the output; of the input for a max-pool) worth a job: a job costs some 5 µs more
#: than the call (measured hot: a ReLU of 2^16 float32 elements 3.9 µs alone, 8.8 as a job; of 2^17 9.6 and
#: 10.2 µs), and a pass over 2^17 float32 elements about 10 µs
SPREAD_FROM = 1 << 17
#: the same for the 2x2 max-pool's forward (2^16 float32 elements: 38 µs alone, 29 as a job)
POOL_SPREAD_FROM = 1 << 16


def _chunks(size: int, least: int, *arrays: np.ndarray) -> int:
    """How many chunks a job of ``size`` elements (``least`` at least) over ``arrays`` takes: BLAS's thread
    count, read once (it is 1 while any thread is inside `threads.single_threaded_blas`), or 0 when no job
    is worth it or possible. A job needs C-ordered float32/float64 ndarrays of one dtype, a team of at least
    one helper, and no OpenBLAS worker spinning after a GEMM of ours (`threads.blas_spinning`: the helper
    would share its core)."""
    plain = (
        size >= least
        and all(type(a) is np.ndarray for a in arrays)
        and _check.jit_ready(*arrays, contiguous=True)  # the switch on, one dtype of the kernels', C order
        and team.available()
        and not threads.blas_spinning()
    )
    chunks = threads.blas_threads() if plain else 0
    return chunks if chunks > 1 else 0


def _run(
    kind: int, chunks: int, items: int, itemsize: int, arrays: dict[int, np.ndarray], sizes: tuple[int, ...] = ()
) -> None:
    """One job of ``kind`` in ``chunks`` chunks over ``items`` elements or planes on the team; ``sizes`` are a
    max-pool's (H, W, OH, OW)."""

    def describe(mb: np.ndarray) -> None:
        mb[box.KIND], mb[box.ITEMSIZE], mb[box.CHUNKS], mb[box.BATCH] = kind, itemsize, chunks, items
        if sizes:
            mb[box.HEIGHT], mb[box.WIDTH], mb[box.OH], mb[box.OW] = sizes
        for field, a in arrays.items():
            mb[field] = a.ctypes.data

    team.run(describe, chunks, blas=False)


def relu(x: np.ndarray) -> np.ndarray:
    """max(x, 0) as `activations.relu`, spread over the team for a large array."""
    if type(x) is not np.ndarray or not (chunks := _chunks(x.size, SPREAD_FROM, x)):
        return activations.relu(x)
    out = np.empty_like(x)
    _run(box.RELU, chunks, x.size, x.itemsize, {box.X: x, box.OUT: out})
    return out


def relu_backward(y: np.ndarray, g: np.ndarray) -> np.ndarray:
    """g · 1[not y ≤ 0] as `activations.relu_backward`, spread over the team for large arrays."""
    plain = type(y) is np.ndarray and type(g) is np.ndarray and g.shape == y.shape
    if not plain or not (chunks := _chunks(y.size, SPREAD_FROM, y, g)):
        return activations.relu_backward(y, g)
    out = np.empty_like(g)
    _run(box.RELU_BACKWARD, chunks, y.size, y.itemsize, {box.X: y, box.G: g, box.GX: out})
    return out


Pair = tuple[int, int]


def max_pool2d(x: np.ndarray, k: Pair, s: Pair, p: Pair, d: Pair, out_hw: Pair) -> tuple[np.ndarray, np.ndarray]:
    """`pooling.max_pool2d`; 2x2 windows of stride 2 (no padding, no dilation) on a large batch are spread
    over the team, image plane by image plane."""
    if type(x) is not np.ndarray or x.ndim != 4 or _ints(k, s, p, d) != ((2, 2), (2, 2), (0, 0), (1, 1)):
        return pooling.max_pool2d(x, k, s, p, d, out_hw)
    n, c, h, w = x.shape
    if _ints(out_hw) != ((h // 2, w // 2),) or not (chunks := _chunks(x.size, POOL_SPREAD_FROM, x)):
        return pooling.max_pool2d(x, k, s, p, d, out_hw)
    oh, ow = h // 2, w // 2
    out, idx = np.empty((n, c, oh, ow), x.dtype), np.empty((n, c, oh, ow), np.int64)
    _run(box.MAX_POOL_2X2, chunks, n * c, x.itemsize, {box.X: x, box.OUT: out, box.IDX: idx}, (h, w, oh, ow))
    return out, idx


def _ints(*pairs: Any) -> tuple[tuple[int, ...], ...] | None:
    """The pairs as tuples of Python ints, or None for anything else (the dispatcher then judges them)."""
    try:
        return tuple(tuple(operator.index(v) for v in pair) for pair in pairs)
    except TypeError:
        return None


def max_pool2d_backward(g: np.ndarray, indices: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """`pooling.max_pool2d_backward`, spread over the team (image plane by image plane) for a large input;
    an index outside its plane is the same `OutOfRangeError`, for the first such index in memory order."""
    plain = (
        type(g) is np.ndarray
        and type(indices) is np.ndarray
        and g.ndim == 4
        and indices.shape == g.shape
        and indices.dtype == np.int64
        and indices.flags.c_contiguous
        and len(shape) == 4
        and tuple(shape[:2]) == g.shape[:2]
    )
    if not plain:
        return pooling.max_pool2d_backward(g, indices, shape)
    n, c, h, w = (int(a) for a in shape)
    if not (chunks := _chunks(n * c * h * w, SPREAD_FROM, g)):
        return pooling.max_pool2d_backward(g, indices, shape)
    gx, bad = np.empty((n, c, h, w), g.dtype), np.full(chunks, -1, np.int64)  # one slot per chunk
    arrays = {box.G: g, box.IDX: indices, box.GX: gx, box.BAD: bad}
    _run(box.MAX_POOL_BACKWARD, chunks, n * c, g.itemsize, arrays, (h, w, g.shape[2], g.shape[3]))
    if (bad >= 0).any():
        first = int(bad[bad >= 0].min())
        raise _check.out_of_range("max_pool2d_backward", "indices", indices.flat[first], h * w)
    return gx
