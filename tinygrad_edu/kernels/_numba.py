"""The JIT switch and the one decorator every numba kernel is compiled with.

``njit`` is ``numba.njit(cache=True, error_model="numpy")``:

- ``cache=True`` stores the compiled machine code beside the source (or in ``~/.cache/numba``), so compiling
  is paid once per machine. Where neither is writable (a read-only install and home folder), numba refuses
  to decorate at all; the kernels are then cached in a private folder of the temporary directory
  (``tinygrad_edu-numba-<uid>``, mode 0700, used only if this user owns it), or not cached, with a
  one-line notice on stderr;
- ``error_model="numpy"``: x/0 gives inf or nan as in numpy (and the twins) instead of a Python-style
  ZeroDivisionError check, whose branch keeps LLVM from vectorizing a loop (Adam 512x784: 1.57 ms -> 0.21 ms);
- the cache entries are stamped with `source_stamp`, the modification times and sizes of every file of the
  package's numba code, not of the kernel's own file alone (numba's rule). A kernel compiles its callees from
  other files into its own machine code (`team`'s loop holds every chunk kernel of `chunks`, `conv_parts`,
  `pooling` and `activations`), so a change to a callee left the caller's cached code stale: in a working copy
  with an old cache, it ran the old chunk code on a new mailbox layout and crashed.

Without numba (it is a dependency, but the twins keep the library usable without it) ``njit`` leaves the
function as plain Python and the switch is off, so the dispatchers always call the numpy twins.

The switch itself, ``JIT_ENABLED``, is an attribute of the package ``tinygrad_edu.kernels`` (tests and
benchmarks set ``kernels.JIT_ENABLED = False``); `use_jit`, and `_check.jit_ready` on every kernel call, read
it there (`KERNELS`) at call time, so one assignment switches every dispatcher, the optimizers' included.
"""

from __future__ import annotations

import functools
import os
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

try:
    import numba as nb
except ImportError:  # pragma: no cover - numba is installed in CI
    nb = None

#: ``TINYGRAD_EDU_JIT=0`` in the environment turns the numba kernels off at import.
JIT_FROM_ENV = nb is not None and os.environ.get("TINYGRAD_EDU_JIT", "1") != "0"


@functools.cache
def fallback_cache_dir() -> str | None:
    """A cache folder only this user can write, for when numba finds none beside the source or in HOME.

    A shared temporary directory is open to everyone, and numba's cache holds code it will run,
    so the folder is used only when it is a real folder (not a link) owned by this user with no
    access for others. Prints the one-line notice; returns None (no caching) when that fails.
    """
    folder = os.path.join(tempfile.gettempdir(), f"tinygrad_edu-numba-{os.getuid() if hasattr(os, 'getuid') else 0}")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        info = os.lstat(folder)
        private = stat.S_ISDIR(info.st_mode) and not info.st_mode & 0o077
        if not private or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
            folder = None
    except OSError:
        folder = None
    where = f"they are cached in {folder} instead" if folder else "they are compiled afresh in each process"
    print(
        f"tinygrad_edu: numba cannot cache compiled kernels beside the package or in the home folder; {where}",
        file=sys.stderr,
    )
    return folder


#: the package's folders that hold numba code (the kernels and their callees)
NUMBA_FOLDERS = ("kernels", "optim", "compiled")


@functools.cache
def source_stamp() -> str:
    """(file, modification time, size) of every Python file in `NUMBA_FOLDERS`, as one string: the stamp
    of every kernel's cache entry, so that a change to any of them recompiles them all."""
    package = Path(__file__).resolve().parents[1]
    entries = []
    for folder in NUMBA_FOLDERS:
        for path in (package / folder).rglob("*.py"):
            info = path.stat()
            entries.append(f"{path.relative_to(package).as_posix()}:{info.st_mtime_ns}:{info.st_size}")
    return "|".join(sorted(entries))


def _stamped(dispatcher: Any) -> Any:
    """The dispatcher with its cache entries stamped with `source_stamp` (numba's own stamp is the kernel's
    file alone); unchanged where numba's cache objects are not as expected."""
    cache_file = getattr(getattr(dispatcher, "_cache", None), "_cache_file", None)
    if cache_file is not None and hasattr(cache_file, "_source_stamp"):
        cache_file._source_stamp = source_stamp()
    return dispatcher


def njit(fn: Callable[..., Any], **options: Any) -> Callable[..., Any]:
    """Compile ``fn`` with numba (cached, numpy's division semantics, and any other numba ``options``
    such as ``inline="always"``); without numba return it unchanged."""
    if nb is None:  # pragma: no cover
        return fn
    options = {"error_model": "numpy", **options}
    try:
        return _stamped(nb.njit(cache=True, **options)(fn))
    except RuntimeError as err:  # "cannot cache function ...: no locator available": nowhere writable
        if "cannot cache" not in str(err):
            raise
    folder = fallback_cache_dir()
    if folder is None:
        return nb.njit(**options)(fn)
    default, nb.config.CACHE_DIR = nb.config.CACHE_DIR, folder  # read once, when the dispatcher is made
    try:
        return _stamped(nb.njit(cache=True, **options)(fn))
    finally:
        nb.config.CACHE_DIR = default


#: the package ``tinygrad_edu.kernels``, which holds the switch ``JIT_ENABLED`` (it is in ``sys.modules`` while
#: its ``__init__`` imports the modules that import this one); `use_jit` and `_check.jit_ready` read it here
KERNELS = sys.modules[__name__.rpartition(".")[0]]


def use_jit() -> bool:
    """True when the numba kernels are switched on."""
    return KERNELS.JIT_ENABLED
