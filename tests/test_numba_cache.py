"""numba's on-disk cache and kernels that call kernels of other files.

numba stamps a cached kernel with its own file's modification time and size only, but compiles the kernels
it calls, from whatever file, into its own machine code: a change to a callee left the caller's cached code
stale (`team`'s loop holds every chunk kernel; in a working copy with an old cache it ran old chunk code and
crashed). `kernels._numba.njit` stamps every entry with all the package's numba files (`source_stamp`). Here a
copy of the package gets two kernels in two files, one calling the other; the callee changes between two
processes, and the caller must see the change.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tinygrad_edu.kernels import _numba

PACKAGE = Path(__file__).resolve().parents[1] / "tinygrad_edu"
CALLEE = "from ._numba import njit\n\n\n@njit\ndef g():\n    return {}\n"
CALLER = "from ._numba import njit\nfrom ._probe_callee import g\n\n\n@njit\ndef f():\n    return g() * 10\n"


@pytest.mark.skipif(_numba.nb is None, reason="needs numba")
def test_a_cached_kernel_sees_a_change_to_a_callee_in_another_file(tmp_path) -> None:
    root = tmp_path / "copy"
    shutil.copytree(PACKAGE, root / "tinygrad_edu", ignore=shutil.ignore_patterns("__pycache__"))
    kernels = root / "tinygrad_edu" / "kernels"
    (kernels / "_probe_caller.py").write_text(CALLER)
    callee = kernels / "_probe_callee.py"
    code = (
        f"import sys; sys.path.insert(0, {str(root)!r})\n"
        "from tinygrad_edu.kernels import _probe_caller\n"
        "print(_probe_caller.f())"
    )
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}  # the cache beside the copy

    def run() -> str:
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    callee.write_text(CALLEE.format(1))
    assert run() == "10"
    assert run() == "10"  # from the cache
    assert any(p.suffix == ".nbi" and p.name.startswith("_probe_caller") for p in (kernels / "__pycache__").iterdir())
    callee.write_text(CALLEE.format(2))  # same size: only the modification time tells
    stamp = callee.stat().st_mtime_ns + 10**9
    os.utime(callee, ns=(stamp, stamp))
    assert run() == "20"


def test_the_stamp_covers_every_numba_file_of_the_package() -> None:
    stamp = _numba.source_stamp()
    for name in ["kernels/team.py", "kernels/chunks.py", "kernels/pooling.py", "optim/sgd.py", "compiled/kernel.py"]:
        info = (PACKAGE / name).stat()
        assert f"{name}:{info.st_mtime_ns}:{info.st_size}" in stamp
