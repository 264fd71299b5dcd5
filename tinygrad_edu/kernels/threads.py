"""BLAS's threads: a convolution's batch cut into parts, one thread each, and small GEMMs on one thread.

OpenBLAS spreads one GEMM over its threads, and after each GEMM its worker threads spin-wait for the next
one (about 0.1 s) before they sleep. A convolution on a small batch (LeNet-5: 64 images of 32x32) is a
chain of im2col, two or three GEMMs, a layout copy and col2im: BLAS's threads help only the GEMMs, and
between them they spin on the core that the serial kernels would need. `run_parts` instead cuts the
batch into as many parts as BLAS has threads and runs each part's whole chain in its own thread, with
BLAS single-threaded for the duration. numpy's GEMMs and copies and the ``nogil`` numba kernels release
the GIL, so the parts run side by side (LeNet-5's epoch, two cores: see ``bench/cnn_mnist.py``).
For the same reason `matmul` runs a small GEMM (a Linear layer's on a batch of 64) on one thread: a
second thread would save a few µs and then spin on the other core. After a GEMM of ours that may have run
on BLAS's threads (a large `matmul`, a convolution not cut into parts), `blas_spinning` says so for
`BLAS_SPIN_S`: a job of the team's (`spread`) would share a core with OpenBLAS's spinning worker and gain
nothing (a 64x16x26x26 max-pool on two threads: 272 against 262 µs on one, where it takes 158 µs once the
worker sleeps).

The number of parts is OpenBLAS's thread count, the user's setting (``OMP_NUM_THREADS`` or
``OPENBLAS_NUM_THREADS``, or threadpoolctl): with one thread, or where numpy's BLAS is not an OpenBLAS
found in this process, nothing is split and nothing changes. OpenBLAS's thread count is global to the
process; `single_threaded_blas` sets it to 1 only while a split or a small GEMM runs and puts the
user's value back after (with a count of the threads inside, so that two user threads running
convolutions at once restore it once, when the last one leaves). A GEMM that another user thread
runs meanwhile runs single-threaded, with the same result up to rounding (OpenBLAS splits a GEMM's
output among its threads, not its sums).
"""

from __future__ import annotations

import ctypes
import glob
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import cache
from typing import Any

import numpy as np

#: the symbol prefixes and suffixes of OpenBLAS's thread functions: numpy's wheels bundle
#: ``scipy_openblas`` with 64-bit integers (suffix ``64_``) or 32-bit ones; a system OpenBLAS has none
_NAMES = (("scipy_openblas_", "64_"), ("scipy_openblas_", ""), ("openblas_", ""))


def loaded_openblas() -> list[str]:
    """Paths of the OpenBLAS libraries loaded in this process (Linux), then those bundled with numpy."""
    paths = []
    try:
        with open("/proc/self/maps") as maps:
            paths = [line.split(None, 5)[-1].strip() for line in maps if "openblas" in line.lower()]
    except OSError:
        pass
    root = os.path.dirname(np.__file__)
    for folder in (root + ".libs", os.path.join(root, ".dylibs")):
        paths += glob.glob(os.path.join(folder, "*openblas*"))
    return list(dict.fromkeys(p for p in paths if os.path.isfile(p)))


def opened_openblas() -> Iterator[ctypes.CDLL]:
    """Each OpenBLAS library of `loaded_openblas` that opens with ``RTLD_NOLOAD``: only a copy already
    loaded (numpy's) is used, never a second one."""
    mode = getattr(os, "RTLD_NOLOAD", 0) | getattr(os, "RTLD_LAZY", 0)
    for path in loaded_openblas():
        try:
            yield ctypes.CDLL(path, mode=mode)
        except OSError:
            continue


def _functions(*names: str) -> list[Any] | None:
    """OpenBLAS's functions ``names`` (``get_num_threads``, ...) from the first copy of `opened_openblas` that
    has them all under one spelling of `_NAMES`, or None where none has."""
    for lib in opened_openblas():
        for prefix, suffix in _NAMES:
            found = [getattr(lib, f"{prefix}{name}{suffix}", None) for name in names]
            if None not in found:
                return found
    return None


@cache
def _openblas() -> tuple[Callable[[], int], Callable[[int], None]] | None:
    """OpenBLAS's (get_num_threads, set_num_threads) of the copy numpy uses, or None where there is none."""
    found = _functions("get_num_threads", "set_num_threads")
    if found is None:
        return None
    get, set_ = found
    get.restype, get.argtypes = ctypes.c_int, []
    set_.restype, set_.argtypes = None, [ctypes.c_int]
    return get, set_


def openblas_corename() -> str | None:
    """The kernel set ("core") that numpy's OpenBLAS picked for this CPU when it loaded (``Haswell``: AVX2,
    ``SkylakeX``: AVX-512, ...; the environment variable ``OPENBLAS_CORETYPE`` overrides its choice), or
    None where numpy's BLAS is not an OpenBLAS found in this process."""
    found = _functions("get_corename")
    if found is None:
        return None
    found[0].restype, found[0].argtypes = ctypes.c_char_p, []
    return found[0]().decode()


def openblas_description() -> str:
    """Which OpenBLAS kernels numpy runs and who chose them, for a benchmark's header."""
    core, forced = openblas_corename(), os.environ.get("OPENBLAS_CORETYPE")
    if core is None:
        return "numpy's BLAS: not an OpenBLAS found in this process"
    chosen = f"chosen by OPENBLAS_CORETYPE={forced}" if forced else "OpenBLAS's own choice for this CPU"
    return f"numpy's OpenBLAS: {core} kernels, {chosen}"


def blas_threads() -> int:
    """OpenBLAS's thread count now (1 where numpy's BLAS is not an OpenBLAS found in this process)."""
    blas = _openblas()
    return max(1, blas[0]()) if blas is not None else 1


_lock = threading.Lock()
_inside = 0  # threads inside `single_threaded_blas`
_saved = 1  # the user's thread count, put back when the last one leaves


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """OpenBLAS on one thread inside the block; the user's thread count back when the last block ends."""
    global _inside, _saved
    blas = _openblas()
    if blas is None:
        yield
        return
    with _lock:
        if _inside == 0:
            _saved = blas[0]()
            blas[1](1)
        _inside += 1
    try:
        yield
    finally:
        with _lock:
            _inside -= 1
            if _inside == 0:
                blas[1](_saved)


_pool: tuple[int, int, ThreadPoolExecutor] | None = None  # (the process it was made in, its size, the pool)


def _workers(n: int) -> ThreadPoolExecutor:
    """A pool of at least n helper threads, made again after a fork (a child has none of its parent's threads)."""
    global _pool
    with _lock:
        if _pool is None or _pool[0] != os.getpid() or _pool[1] < n:
            _pool = (os.getpid(), n, ThreadPoolExecutor(max_workers=n, thread_name_prefix="tinygrad_edu"))
        return _pool[2]


#: the least work (multiply-adds) worth a part of its own: handing a part to a thread and waiting for it
#: costs some 20-50 µs, which a million multiply-adds (0.1-0.2 ms on one core) repays
MIN_PART_WORK = 1 << 20


def parts(n: int, work: int) -> list[slice]:
    """The batch 0..n cut into as many near-equal parts as BLAS has threads, each with at least
    `MIN_PART_WORK` of the ``work``; one part, the whole batch, when BLAS is single-threaded.

    >>> parts(5, 0)
    [slice(0, 5, None)]
    """
    count = max(1, min(blas_threads(), n, work // MIN_PART_WORK))
    cuts = [n * i // count for i in range(count + 1)]
    return [slice(cuts[i], cuts[i + 1]) for i in range(count)]


#: OpenBLAS runs a GEMM of fewer multiply-adds on one thread anyway (its SMP_THRESHOLD_MIN 65536 times
#: GEMM_MULTITHREAD_THRESHOLD 4), so `matmul` leaves those alone
OPENBLAS_THREADED_FROM = 1 << 18
#: `matmul` runs a GEMM of fewer multiply-adds than this (0.1-0.2 ms on one core) on one BLAS thread
SMALL_GEMM = 1 << 22


#: how long OpenBLAS's worker threads spin after a GEMM before they sleep: its THREAD_TIMEOUT, 2^28 ticks
#: of the time-stamp counter (0.1 s at 2.6 GHz), with a margin
BLAS_SPIN_S = 0.2
#: when a GEMM of ours last ran with BLAS's thread count as the user set it (`note_threaded_gemm`,
#: `time.monotonic`)
_threaded_gemm_at = -BLAS_SPIN_S


def blas_spinning() -> bool:
    """Whether OpenBLAS's worker threads may still be spinning after a GEMM of ours that may have run on
    them (`note_threaded_gemm`). GEMMs a user runs with numpy directly are not seen."""
    return time.monotonic() - _threaded_gemm_at < BLAS_SPIN_S


def note_threaded_gemm() -> None:
    """Note that a GEMM just ran with BLAS's thread count as the user set it (`blas_spinning`)."""
    global _threaded_gemm_at
    _threaded_gemm_at = time.monotonic()


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b``, on one BLAS thread when it is small: from `OPENBLAS_THREADED_FROM` to `SMALL_GEMM`
    multiply-adds (LeNet-5's 64x400 by 400x120) a second thread could save at most half of 0.1-0.2 ms,
    and it then spin-waits about 0.1 s for the next GEMM on the core that the next kernel (or a
    convolution's second part) needs. Two C- or Fortran-ordered matrices below that go to ``ndarray.dot``: the same
    BLAS call as ``@``, without the set-up of numpy's generalised ufunc nor ``np.dot``'s ``__array_function__``
    dispatch (0.2-0.35 µs of makemore's 2.1-3.4 µs GEMMs). Others stay with ``@``: for a broadcast operand (the
    gradient of a sum has stride 0) or a reversed one ``@`` loops itself where ``dot`` copies it for BLAS, and
    the two sum in different orders.

    >>> matmul(np.ones((2, 3)), np.ones((3, 1)))
    array([[3.],
           [3.]])
    """
    work = a.size * (b.shape[-1] if b.ndim > 1 else 1)
    if work < OPENBLAS_THREADED_FROM:
        if a.ndim == 2 and b.ndim == 2:
            fa, fb = a.flags, b.flags
            if (fa.c_contiguous or fa.f_contiguous) and (fb.c_contiguous or fb.f_contiguous):
                return a.dot(b)
        return a @ b
    if work >= SMALL_GEMM:
        out = a @ b
        note_threaded_gemm()
        return out
    with single_threaded_blas():
        return a @ b


def run_parts(fn: Callable[[int, slice], Any], cuts: list[slice]) -> list[Any]:
    """[fn(i, cut) for i, cut in enumerate(cuts)], the first in this thread and the others in helper
    threads, with BLAS single-threaded; in this thread alone (BLAS untouched, its GEMMs noted by
    `note_threaded_gemm`) when there is one part."""
    if len(cuts) == 1:
        out = [fn(0, cuts[0])]
        note_threaded_gemm()
        return out
    with single_threaded_blas():
        futures = [_workers(len(cuts) - 1).submit(fn, i, s) for i, s in enumerate(cuts) if i]
        try:
            first = fn(0, cuts[0])
        finally:
            rest = [f.result() for f in futures]  # waits for every part, even when the first one raised
    return [first, *rest]
