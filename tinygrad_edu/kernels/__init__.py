"""Hot-path kernels: numba-compiled loops, each beside a pure-numpy twin that computes the same thing.

=====================  ===============================================================================
``activations.py``     ReLU, sigmoid (forward and backward), tanh backward
``softmax_xent.py``    fused softmax cross-entropy, forward and backward
``conv.py``            im2col, col2im, max-pool and average-pool forward and backward
``norm.py``            batch normalisation forward and backward over (N, C, M)
``reduce.py``          the sum over a matrix's rows (a bias's gradient)
``threads.py``         a convolution's batch cut into parts, one thread each, BLAS single-threaded meanwhile
``team.py``            helper threads that run those parts as numba calls, handed over without GIL or futex
``conv_parts.py``      one part of a convolution as one ``nogil`` call: im2col, GEMMs, col2im
``spread.py``          ReLU and max-pool of a large array, forward and backward, cut into chunks for the team
``chunks.py``          what a team thread runs: chunk j of the job in the mailbox, of whichever kind
``mailbox.py``         the fields of the int64 array through which the team shares a job
``blas.py``            numpy's OpenBLAS GEMM called from numba kernels
``atomics.py``         atomic loads, stores, compare-and-swap and add for numba kernels
``pool.py``            large work arrays reused from step to step (a small caching allocator)
``_numba.py``          the JIT switch and ``njit``, the one decorator every kernel is compiled with
``_check.py``          the entry checks every dispatcher runs before any loop (shapes, dtypes, ranges)
``optim/sgd.py``,      the optimizer kernels live with their algorithm, in the ``optim`` package
``optim/adam.py``
=====================  ===============================================================================

GEMM stays with BLAS (numpy's ``@``): a hand-written loop reaches a quarter of its speed. The numba
kernels are used when ``TINYGRAD_EDU_JIT`` is not ``0`` (or `JIT_ENABLED` is set to False here, which
switches every dispatcher at once), at every size: a call costs about 0.6 µs, one numpy pass about as
much, and the kernels replace two to six passes (``tanh_backward`` of 32x200 float32: 1.2 against 2.3 µs;
ReLU of one element: a tie). Kernels take float32 or float64; other dtypes (float16, integers) and mixed
dtypes go to the twins.

The kernels are serial. A ``prange`` ReLU on a 128x512 array takes 7 µs alone, but between two BLAS calls
numba's OpenMP threads and OpenBLAS's threads spin-wait against each other on two cores, and a GEMM
followed by that ReLU took 8.8 ms instead of 0.67 ms. Serial, the ReLU takes 12 µs (numpy: 33 µs) and
costs the GEMM nothing (``bench/kernels.py`` measures both). Where a convolution uses two cores, it
runs the serial kernels and single-threaded GEMMs of two halves of its batch side by side: each half as
one ``nogil`` numba call on a team of helper threads (``team.py``, ``conv_parts.py``), or, where numba
cannot reach numpy's OpenBLAS, as numpy calls in a thread pool (``threads.py``). The team also takes a
large ReLU or max-pool (from 2^16-2^17 elements: a CNN's first feature maps), each thread a range of the
serial kernel's loop (``spread.py``); its idle helpers yield the core, so a GEMM's OpenBLAS threads are
not kept waiting.

How to add a kernel (say ``im2col`` in ``conv.py``):

1. write the numpy twin ``im2col_np`` with the math in its docstring: it is the reference;
2. below it, the loop ``_im2col_nb`` decorated with ``@njit`` (from ``._numba``); it may assume what the
   dispatcher checked (shapes, C order, float32/float64) and must not allocate in float64 by accident
   (a literal ``1`` promotes float32; take ``np.ones(1, x.dtype)[0]``);
3. below that, the public dispatcher ``im2col``: validate with ``_check`` (raise on wrong shapes or index
   ranges, before anything is written), then ``if _check.jit_ready(...)`` (which reads the ``JIT_ENABLED``
   switch too) call the kernel, else the twin;
4. export the dispatcher (and the twin, for tests) from this ``__init__``, and add a row to
   ``tests/test_kernels.py`` (kernel equals twin in float32 and float64) and a bad-input case to
   ``tests/test_robust_kernels.py``; add a line to ``bench/kernels.py`` if it is meant to be fast.

>>> import numpy as np
>>> from tinygrad_edu import kernels
>>> kernels.relu(np.array([-2.0, 3.0]))
array([0., 3.])
"""

from __future__ import annotations

from ._check import OutOfRangeError, value_range
from ._numba import JIT_FROM_ENV, nb
from .activations import (
    _relu_backward_nb,
    _relu_nb,
    _sigmoid_backward_nb,
    _sigmoid_nb,
    _tanh_backward_nb,
    relu,
    relu_backward,
    relu_backward_np,
    relu_np,
    sigmoid,
    sigmoid_backward,
    sigmoid_backward_np,
    sigmoid_np,
    tanh_backward,
    tanh_backward_np,
)
from .conv import col2im, conv_out_size, im2col
from .indexing import _index_add_rows_nb, index_add_rows, index_add_rows_np
from .norm import batch_norm, batch_norm_backward
from .pooling import avg_pool2d, avg_pool2d_backward, max_pool2d, max_pool2d_backward
from .reduce import _sum_rows_nb, sum_rows, sum_rows_np
from .softmax_xent import (
    _softmax_xent_backward_nb,
    _softmax_xent_nb,
    softmax_xent,
    softmax_xent_backward,
    softmax_xent_backward_np,
    softmax_xent_np,
)

#: Use the numba kernels (from ``TINYGRAD_EDU_JIT``; assign False here to run everything on the twins).
JIT_ENABLED: bool = JIT_FROM_ENV

__all__ = [  # the dispatchers, their twins, and the compiled loops (for the kernel-against-twin tests)
    "JIT_ENABLED",
    "OutOfRangeError",
    "_index_add_rows_nb",
    "_relu_backward_nb",
    "_relu_nb",
    "_sigmoid_backward_nb",
    "_sigmoid_nb",
    "_softmax_xent_backward_nb",
    "_softmax_xent_nb",
    "_sum_rows_nb",
    "_tanh_backward_nb",
    "avg_pool2d",
    "avg_pool2d_backward",
    "batch_norm",
    "batch_norm_backward",
    "col2im",
    "conv_out_size",
    "im2col",
    "index_add_rows",
    "index_add_rows_np",
    "max_pool2d",
    "max_pool2d_backward",
    "nb",
    "relu",
    "relu_backward",
    "relu_backward_np",
    "relu_np",
    "sigmoid",
    "sigmoid_backward",
    "sigmoid_backward_np",
    "sigmoid_np",
    "softmax_xent",
    "softmax_xent_backward",
    "softmax_xent_backward_np",
    "softmax_xent_np",
    "sum_rows",
    "sum_rows_np",
    "tanh_backward",
    "tanh_backward_np",
    "value_range",
]
