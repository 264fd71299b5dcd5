"""bench/cnn_mnist.py runs in quick mode, and its networks compute what PyTorch's compute.

The reference is PyTorch itself: the same two networks (issue 13's small CNN and the blitz's
LeNet-5) built in torch from the same initial weights and fed the same batches must give the
same first five batch losses to 1e-5 relative, with the numba kernels and with their numpy twins.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_cnn_bench_quick_losses_match_pytorch() -> None:
    pytest.importorskip("torch")
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "cnn_mnist.py"), "--quick"],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(ROOT)},  # this checkout's package, not another installed one
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    for net in ("small", "lenet5"):
        assert f"{net} (" in out
    assert out.count("JIT speed-up over TINYGRAD_EDU_JIT=0") == 2
    gaps = [float(g) for g in re.findall(r"largest relative difference from PyTorch's: (\S+)", out)]
    assert len(gaps) == 2 and all(g <= 1e-5 for g in gaps), out
