"""The JIT switch and the one decorator every numba kernel is compiled with.

``njit`` is ``numba.njit(cache=True, error_model="numpy")``:

- ``cache=True`` stores the compiled machine code beside the source, so compiling is paid once per machine;
- ``error_model="numpy"``: x/0 gives inf or nan as in numpy (and the twins) instead of a Python-style
  ZeroDivisionError check, whose branch keeps LLVM from vectorizing a loop (Adam 512x784: 1.57 ms -> 0.21 ms).

Without numba (it is a dependency, but the twins keep the library usable without it) ``njit`` leaves the
function as plain Python and the switch is off, so the dispatchers always call the numpy twins.

The switch itself, ``JIT_ENABLED`` and the size cut ``JIT_MIN_SIZE``, are attributes of the package
``tinygrad_edu.kernels`` (tests and benchmarks set ``kernels.JIT_ENABLED = False``); `use_jit` reads them
there at call time, so one assignment switches every dispatcher, the optimizers' included.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

try:
    import numba as nb
except ImportError:  # pragma: no cover - numba is installed in CI
    nb = None

#: ``TINYGRAD_EDU_JIT=0`` in the environment turns the numba kernels off at import.
JIT_FROM_ENV = nb is not None and os.environ.get("TINYGRAD_EDU_JIT", "1") != "0"


def njit(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Compile ``fn`` with numba (cached, numpy's division semantics); without numba return it unchanged."""
    if nb is None:  # pragma: no cover
        return fn
    return nb.njit(cache=True, error_model="numpy")(fn)


def use_jit(size: int | None = None) -> bool:
    """True when the numba kernels are switched on (and ``size`` reaches ``JIT_MIN_SIZE`` when given)."""
    switch = sys.modules["tinygrad_edu.kernels"]
    return switch.JIT_ENABLED and (size is None or size >= switch.JIT_MIN_SIZE)
