"""BLAS's GEMM called from numba kernels: numpy's own OpenBLAS, reached without the GIL or a Python call.

A convolution's part (`conv_parts`) is one ``nogil`` numba call: the window copy (im2col), the GEMMs and
the scatter back (col2im), so that a thread running the part never needs the GIL in between. For that
the kernels call ``cblas_?gemm`` directly (C, A and B as flat arrays, with leading dimensions):

    C ← α·op(A)·op(B) + β·C,    op(X) = X or Xᵀ,   row-major (CblasRowMajor)

numpy's wheels bundle OpenBLAS as ``scipy_openblas`` with 64-bit integers (symbols ``scipy_cblas_sgemm64_``
and ``scipy_cblas_dgemm64_``). The library already loaded in this process is looked up (the one numpy
multiplies with, so the products are numpy's to the bit) and its two functions are registered with LLVM
under names of our own, which the kernels declare as external functions: numba can then cache the
compiled kernels, which refer to the names, not to addresses. Where numpy's BLAS is not that OpenBLAS
(a conda numpy on MKL, Accelerate), `available` is False and the convolution runs its numpy path.

>>> import numpy as np
>>> if available():
...     a, b, c = np.arange(6.0).reshape(2, 3), np.ones((3, 2)), np.zeros((2, 2))
...     gemm(False, False, 2, 2, 3, a.reshape(-1), 3, b.reshape(-1), 2, 0.0, c.reshape(-1), 2)
...     bool((c == a @ b).all())
... else:
...     True
True
"""

from __future__ import annotations

import ctypes

import numpy as np

from . import threads
from ._numba import nb, njit

#: the symbols of numpy's bundled OpenBLAS (ILP64) and the names the kernels call them by
_SYMBOLS = {"scipy_cblas_sgemm64_": "tinygrad_edu_sgemm", "scipy_cblas_dgemm64_": "tinygrad_edu_dgemm"}
#: CBLAS's enumerations (cblas.h)
ROW_MAJOR, NO_TRANS, TRANS = 101, 111, 112


def _register() -> bool:
    """Register numpy's OpenBLAS ``cblas_?gemm`` with LLVM under our names; False where there is none."""
    if nb is None or nb.config.DISABLE_JIT:  # type: ignore[attr-defined]  # NUMBA_DISABLE_JIT=1: kernels run as Python
        return False
    import llvmlite.binding as llvm

    for lib in threads.opened_openblas():
        try:
            found = {ours: getattr(lib, theirs) for theirs, ours in _SYMBOLS.items()}
        except AttributeError:  # an OpenBLAS of other names (a system one): the numpy path
            continue
        for ours, f in found.items():
            llvm.add_symbol(ours, ctypes.cast(f, ctypes.c_void_p).value)
        return True
    return False


AVAILABLE = _register()


def available() -> bool:
    """True when the kernels can call numpy's BLAS (numpy's bundled 64-bit-integer OpenBLAS was found)."""
    return AVAILABLE


if nb is not None:
    from numba import types

    def _signature(real):
        i = types.int64
        return types.void(
            types.intc,
            types.intc,
            types.intc,
            i,
            i,
            i,
            real,
            types.voidptr,
            i,
            types.voidptr,
            i,
            real,
            types.voidptr,
            i,
        )

    _sgemm = types.ExternalFunction("tinygrad_edu_sgemm", _signature(types.float32))
    _dgemm = types.ExternalFunction("tinygrad_edu_dgemm", _signature(types.float64))


@njit
def gemm(trans_a, trans_b, m, n, k, a, lda, b, ldb, beta, c, ldc):
    """C (m×n, row stride ldc) ← op(A)·op(B) + β·C with op(A) m×k and op(B) k×n; A, B, C are flat views
    (``x.reshape(-1)`` of C-ordered arrays, or slices of them) of one dtype, float32 or float64."""
    ta = TRANS if trans_a else NO_TRANS
    tb = TRANS if trans_b else NO_TRANS
    if c.itemsize == 4:
        one, scale = np.float32(1), np.float32(beta)
        _sgemm(ROW_MAJOR, ta, tb, m, n, k, one, a.ctypes.data, lda, b.ctypes.data, ldb, scale, c.ctypes.data, ldc)
    else:
        _dgemm(ROW_MAJOR, ta, tb, m, n, k, 1.0, a.ctypes.data, lda, b.ctypes.data, ldb, beta, c.ctypes.data, ldc)
