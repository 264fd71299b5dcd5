"""What a thread of `team` runs: chunk j of the job in the mailbox, whichever kind the job is.

A convolution's chunks are `conv_parts`'s; a ReLU's or a max-pool's (`spread`) are ranges of elements or of
image planes, each run by the one-thread kernel's loop (`activations._relu_range`,
`pooling._max_pool2d_2x2_planes`, `pooling._max_pool2d_backward_planes`).
"""

from __future__ import annotations

import functools

import numpy as np

from . import activations, pooling
from . import mailbox as box
from ._numba import nb, njit
from .conv_parts import conv_chunk

if nb is not None:
    from numba import carray

    from .atomics import pointer


@functools.partial(njit, nogil=True)
def _share(mb, j):
    """Chunk j's items lo..hi of the job's BATCH items."""
    n, k = mb[box.BATCH], mb[box.CHUNKS]
    return n * j // k, n * (j + 1) // k


@functools.partial(njit, nogil=True)
def spread_chunk(mb, j, zero):
    """Run chunk j of a ReLU or max-pool job in the mailbox, in ``zero``'s dtype."""
    kind, n = mb[box.KIND], mb[box.BATCH]
    lo, hi = _share(mb, j)
    if kind == box.RELU:
        x, out = carray(pointer(mb[box.X], zero), (n,)), carray(pointer(mb[box.OUT], zero), (n,))
        activations._relu_range(x, out, lo, hi)
    elif kind == box.RELU_BACKWARD:
        y, g = carray(pointer(mb[box.X], zero), (n,)), carray(pointer(mb[box.G], zero), (n,))
        activations._relu_backward_range(y, g, carray(pointer(mb[box.GX], zero), (n,)), lo, hi)
    else:  # the max-pools: n image planes of H·W inputs and OH·OW outputs
        hw, p, index = mb[box.HEIGHT] * mb[box.WIDTH], mb[box.OH] * mb[box.OW], np.int64(0)
        idx = carray(pointer(mb[box.IDX], index), (n, p))
        if kind == box.MAX_POOL_2X2:
            x, out = carray(pointer(mb[box.X], zero), (n, hw)), carray(pointer(mb[box.OUT], zero), (n, p))
            pooling._max_pool2d_2x2_planes(x, out, idx, lo, hi, mb[box.WIDTH], mb[box.OH], mb[box.OW])
        else:
            g, gx = carray(pointer(mb[box.G], zero), (n, p)), carray(pointer(mb[box.GX], zero), (n, hw))
            gx[lo:hi] = 0
            bad = carray(pointer(mb[box.BAD], index), (mb[box.CHUNKS],))
            bad[j] = pooling._max_pool2d_backward_planes(g, idx, gx, lo, hi)


@functools.partial(njit, nogil=True)
def _chunk(mb, j, zero):
    if mb[box.KIND] <= box.BACKWARD:
        conv_chunk(mb, j, zero)
    else:
        spread_chunk(mb, j, zero)


@functools.partial(njit, nogil=True)
def run_chunk(mb, j):
    """Run chunk j of the job in the mailbox, in its dtype (float32 or float64)."""
    if mb[box.ITEMSIZE] == 4:
        _chunk(mb, j, np.float32(0))
    else:
        _chunk(mb, j, np.float64(0))
