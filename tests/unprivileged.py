"""Run a subprocess to which file permissions apply, even when the tests run as root.

Root bypasses permission bits (CAP_DAC_OVERRIDE), so a read-only file or folder means nothing to
it. ``setpriv --bounding-set=-dac_override,-dac_read_search`` starts a process that keeps uid 0
(and so can still reach the Python installation under /root) but no longer holds those two
capabilities, so ``chmod a-w`` binds it as it binds any user. Not as root, nothing is needed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest


def permission_bound_prefix() -> list[str]:
    """The command prefix under which permission bits apply; skips the test where none exists."""
    if os.geteuid() != 0:
        return []
    prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: permission bits cannot be made to apply")
    probe = subprocess.run([*prefix, sys.executable, "-c", "pass"], capture_output=True, timeout=60)
    if probe.returncode != 0:
        pytest.skip(f"setpriv cannot drop CAP_DAC_OVERRIDE here: {probe.stderr.decode()[-200:]}")
    return prefix


def run_python(
    code: str, *args: str, env: dict | None = None, cwd: str | os.PathLike | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    """``python -c code args`` with file permissions in force; text output captured."""
    return subprocess.run(
        [*permission_bound_prefix(), sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=cwd,
    )
