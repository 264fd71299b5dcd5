"""`import tinygrad_edu` from a read-only install with a read-only home folder.

numba's ``cache=True`` refuses to decorate a function when neither ``__pycache__`` beside the source
nor ``~/.cache/numba`` is writable, which made the import itself fail. Here a copy of the package and
a home folder are made read-only for real (``chmod -R a-w``, with root's permission bypass dropped,
see `tests.unprivileged`), and a subprocess imports the package and runs a numba kernel.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import numpy as np

from .unprivileged import run_python

PACKAGE = Path(__file__).resolve().parents[1] / "tinygrad_edu"

PROBE = """
import sys
import numpy as np
import tinygrad_edu as tg
from tinygrad_edu.kernels._numba import use_jit
assert tg.__file__.startswith(sys.argv[1]), tg.__file__
x = tg.tensor(np.linspace(-1, 1, 1 << 16), requires_grad=True)
assert use_jit(), "the numba kernels are off"
y = x.relu().sum()
y.backward()
print(repr(y.item()), repr(x.grad.sum().item()))
"""


def set_writable(root: Path, writable: bool) -> None:
    for path in [root, *root.rglob("*")]:
        mode = path.stat().st_mode
        path.chmod(mode | stat.S_IWUSR if writable else mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def test_import_and_kernels_work_from_a_read_only_install(tmp_path) -> None:
    site, home, temp = tmp_path / "site", tmp_path / "home", tmp_path / "tmp"
    shutil.copytree(PACKAGE, site / "tinygrad_edu", ignore=shutil.ignore_patterns("__pycache__"))
    home.mkdir()
    temp.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_CACHE_DIR", "XDG_CACHE_HOME", "TINYGRAD_EDU_JIT")}
    env.update(PYTHONPATH=str(site), HOME=str(home), TMPDIR=str(temp), PYTHONDONTWRITEBYTECODE="1")
    set_writable(site, False)
    set_writable(home, False)
    try:
        runs = [run_python(PROBE, str(site), env=env, cwd=tmp_path, timeout=300) for _ in range(2)]
    finally:
        set_writable(site, True)
        set_writable(home, True)
    x = np.linspace(-1, 1, 1 << 16)
    expected = f"{float(np.maximum(x, 0).sum())!r} {float((x > 0).sum())!r}"  # relu'(0) = 0, as torch
    cache = temp / f"tinygrad_edu-numba-{os.getuid()}"
    for run in runs:
        assert run.returncode == 0, run.stderr
        assert run.stdout.split() == expected.split()
        notices = [line for line in run.stderr.splitlines() if line.startswith("tinygrad_edu:")]
        assert notices == [
            "tinygrad_edu: numba cannot cache compiled kernels beside the package or in the home folder; "
            f"they are cached in {cache} instead"
        ], run.stderr
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert list(cache.rglob("*.nbi")) and not list(site.rglob("*.nbi"))  # numba's index files: in the fallback
