"""The kernels' entry checks: every dispatcher calls these before any loop runs.

A numba loop trusts its arguments: it indexes without bounds checks, so a gradient of the wrong shape
reads and writes past the end of an array (garbage in the parameters, or a segfault), a label of 10 for
10 classes reads another row's memory, and a float16 array stops it with numba's NotImplementedError.
So a dispatcher checks first, and then picks:

- a wrong shape, a label out of range, a non-floating parameter: a ``ValueError``/``TypeError`` that names
  the operation, what it got and what it needs (nothing has been written yet);
- a dtype the kernels are not compiled for (float16, integers, bool, a float32/float64 mix) or an array
  the flat loops cannot walk (not C-contiguous, where the dispatcher cannot make a copy): the numpy twin,
  which handles every dtype and layout numpy does;
- otherwise the numba kernel.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._numba import KERNELS, njit, use_jit

#: The dtypes the numba kernels are compiled for; everything else goes to the numpy twin.
JIT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def array(op: str, name: str, x: Any) -> np.ndarray:
    """``x`` as an ndarray (numpy scalars become 0-d arrays); anything else is a TypeError."""
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, np.generic):
        return np.asarray(x)
    raise TypeError(f"{op}: {name} must be a numpy array, got {type(x).__name__}")


def same_shape(op: str, **arrays: np.ndarray) -> None:
    """Raise ValueError unless all ``arrays`` (given by name) have one shape."""
    (first, a), *rest = arrays.items()
    for name, b in rest:
        if b.shape != a.shape:
            raise ValueError(
                f"{op}: {first} has shape {a.shape} but {name} has shape {b.shape}; they must be equal "
                "(a gradient or state array has the shape of the array it belongs to)"
            )


def ndim(op: str, name: str, x: np.ndarray, n: int) -> None:
    """Raise ValueError unless ``x`` has ``n`` dimensions."""
    if x.ndim != n:
        raise ValueError(f"{op}: {name} must have {n} dimensions, got shape {x.shape}")


def floating(op: str, name: str, x: np.ndarray) -> None:
    """Raise TypeError unless ``x`` holds floating-point numbers."""
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: {name} must be a floating-point array, got dtype {x.dtype}; convert it first")


@njit
def _value_range_nb(flat):
    lo = hi = flat[0]
    for v in flat:
        if v < lo:
            lo = v
        elif v > hi:
            hi = v
    return lo, hi


def value_range(x: np.ndarray) -> tuple[int, int]:
    """(min, max) of a non-empty integer array: one numba pass (numpy's ``min()`` and ``max()`` cost two
    reductions of about 10,000 instructions each on a batch of 32 labels)."""
    if use_jit() and x.dtype.kind in "iu" and x.dtype.isnative and x.flags.c_contiguous:  # numba: native order
        lo, hi = _value_range_nb(x.reshape(-1))
        return int(lo), int(hi)
    return int(x.min()), int(x.max())


class OutOfRangeError(ValueError):
    """An index or label outside its range. A ValueError; `tinygrad_edu.nn.functional.cross_entropy` lets the
    kernel find a label out of range and then takes its general path (``ignore_index``, PyTorch's error)."""


def indices(op: str, name: str, idx: np.ndarray, shape: tuple[int, ...], high: int | None) -> None:
    """Raise unless ``idx`` is an integer array of ``shape`` whose values lie in [0, high) (the range is left
    to the caller for ``high=None``: a kernel that checks it in its own first pass)."""
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: {name} must be integers, got dtype {idx.dtype}")
    if idx.shape != shape:
        raise ValueError(f"{op}: {name} must have shape {shape}, got {idx.shape}")
    if high is not None:
        in_range(op, name, idx, high)


def in_range(op: str, name: str, idx: np.ndarray, high: int) -> None:
    """Raise `OutOfRangeError` unless every value of the integer array ``idx`` lies in [0, high)."""
    if not idx.size:
        return
    lo, hi = value_range(idx)
    if lo < 0 or hi >= high:
        raise out_of_range(op, name, idx[(idx < 0) | (idx >= high)].flat[0], high)


def out_of_range(op: str, name: str, bad: Any, high: int) -> OutOfRangeError:
    """The error for a value ``bad`` of ``name`` outside [0, high)."""
    return OutOfRangeError(f"{op}: {name} must lie in [0, {high}), got {bad}")


def jit_ready(*arrays: np.ndarray, contiguous: bool = False) -> bool:
    """The numba kernels are switched on (`use_jit`, read here without a call of its own: this runs on every
    kernel call) and the arrays share one dtype they are compiled for (and are C-contiguous when asked)."""
    if not KERNELS.JIT_ENABLED:
        return False
    dtype = arrays[0].dtype
    if dtype not in JIT_DTYPES:
        return False
    for a in arrays:  # a loop, not any()/all() over generators: 0.13 against 0.40 µs, on every kernel call
        if a.dtype != dtype or (contiguous and not a.flags.c_contiguous):
            return False
    return True


def update(op: str, p: np.ndarray, g: Any, **state: np.ndarray | None) -> bool:
    """Checks for an optimizer step that changes ``p`` in place from ``g`` and its ``state`` arrays.

    Raises unless ``p`` is a writeable floating-point array and ``g`` and every state array have its shape;
    returns whether the kernel may run (one float32/float64 dtype, all C-contiguous: the loops are flat).
    """
    arrays = [a for a in state.values() if a is not None]
    if (  # the common case, in a few attribute reads: each call is on the per-step hot path
        type(p) is np.ndarray
        and type(g) is np.ndarray
        and p.dtype.kind == "f"
        and g.dtype.kind == "f"
        and p.flags.writeable
        and g.shape == p.shape
        and all(a.shape == p.shape for a in arrays)
    ):
        return jit_ready(p, g, *arrays, contiguous=True)
    if not isinstance(p, np.ndarray):
        raise TypeError(f"{op}: the parameter must be a numpy array (it is updated in place), got {type(p).__name__}")
    floating(op, "the parameter", p)
    if not p.flags.writeable:
        raise ValueError(f"{op}: the parameter array is read-only; give the optimizer a writeable array")
    g = array(op, "the gradient", g)
    floating(op, "the gradient", g)
    same_shape(op, **{"the parameter": p, "the gradient": g, **{k: v for k, v in state.items() if v is not None}})
    return jit_ready(p, g, *arrays, contiguous=True)
