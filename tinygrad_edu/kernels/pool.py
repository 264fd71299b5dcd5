"""Large work arrays reused from step to step instead of allocated afresh (a small caching allocator).

glibc hands a freed block of a few MB back to the operating system once the free space at the top of
the heap passes its trim threshold, and the next training step then faults the same memory back in one
4 KiB page at a time. A LeNet-5 convolution's columns (2.6 MB a part) did that: 622 page faults and
2.4x the time per forward call, depending on how the step's allocations happened to fall. `empty`
instead hands out a buffer of the pool that nothing references any more (no array, and no view of it:
every numpy view holds a reference to the array that owns the memory), so a training loop touches the
same pages step after step, as PyTorch's caching allocators do.

The pool keeps at most `KEEP` buffers of one size and dtype and `LIMIT` bytes in all; a request beyond
that gets a plain new array. `clear` lets them all go.

>>> a = empty(1000, np.float32)
>>> a.shape, a.dtype
((1000,), dtype('float32'))
>>> b = empty(1000, np.float32)   # a is alive: another buffer
>>> b is a
False
>>> del a
>>> empty(1000, np.float32) is not None
True
"""

from __future__ import annotations

import sys
import threading

import numpy as np

#: buffers kept per (size, dtype), and bytes kept in all
KEEP, LIMIT = 4, 256 << 20

_shelves: dict[tuple[int, np.dtype], list[np.ndarray]] = {}
_lock = threading.Lock()
_kept = 0  # bytes held by the shelves


def _unused_count() -> int:
    """What `sys.getrefcount` reports, inside `empty`'s loop, for a buffer that only its shelf holds."""
    shelf = [np.empty(0)]
    for buffer in shelf:
        return sys.getrefcount(buffer)
    raise AssertionError  # pragma: no cover


_UNUSED = _unused_count()


def empty(n: int, dtype: np.dtype | type) -> np.ndarray:
    """An uninitialised 1-D array of n elements of ``dtype``: a pooled buffer no one uses, or a new one."""
    global _kept
    key = (int(n), np.dtype(dtype))
    with _lock:
        shelf = _shelves.setdefault(key, [])
        for buffer in shelf:
            if sys.getrefcount(buffer) == _UNUSED:
                return buffer
        buffer = np.empty(key[0], key[1])
        if len(shelf) < KEEP and _kept + buffer.nbytes <= LIMIT:
            shelf.append(buffer)
            _kept += buffer.nbytes
        return buffer


def clear() -> None:
    """Let go of every buffer the pool keeps (those still in use live on as plain arrays)."""
    global _kept
    with _lock:
        _shelves.clear()
        _kept = 0
