"""The benchmark scripts run, and their built-in cross-checks hold (a short run each)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_bench(name: str, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(  # PYTHONPATH: the script imports this checkout's package, not another install
        [sys.executable, str(ROOT / "bench" / name), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_scalar_mlp_matches_micrograd_pytorch_and_compiled() -> None:
    """Same weights, same workload: the compiled tape and its numpy twin give eager's losses to 1e-12
    relative, PyTorch float64 to 1e-9, micrograd to 1e-9 (the script exits non-zero otherwise)."""
    pytest.importorskip("micrograd")
    pytest.importorskip("torch")
    out = run_bench("scalar_mlp.py", "--steps", "2")
    assert "speed-up vs micrograd as shipped" in out and "max |tinygrad_edu - micrograd|" in out
    assert "compiled / PyTorch float64" in out and "max relative |compiled - eager| over 2 losses" in out
    assert "(micrograd's loop)" in out


def test_tensor_mlp_matches_pytorch_and_numpy() -> None:
    """Same weights, same batches: the first five losses of tinygrad_edu (JIT on and off), PyTorch
    and the hand-written NumPy MLP agree to 1e-4 relative (the script exits non-zero otherwise)."""
    pytest.importorskip("torch")
    out = run_bench("tensor_mlp.py", "--epochs", "1", "--batches", "6")
    assert "JIT speed-up over TINYGRAD_EDU_JIT=0" in out and "largest relative difference" in out


def test_keras_mnist_bench_runs() -> None:
    pytest.importorskip("torch")
    out = run_bench("keras_mnist.py", "--epochs", "1")
    assert "epoch time ratio tinygrad_edu/PyTorch" in out and "test accuracy" in out


def test_keras_cnn_bench_runs() -> None:
    pytest.importorskip("keras")
    out = run_bench("keras_cnn.py", "--epochs", "1", "--limit", "256")
    assert "ratio (ours / Keras, median epoch)" in out and out.count("test accuracy") == 2


def test_cnn_kernels_bench_runs() -> None:
    """The micro-benchmark behind the conv design: every layout and pool variant runs (one rep each)."""
    pytest.importorskip("torch")
    out = run_bench("cnn_kernels.py", "--reps", "1")
    assert "(conv forward + backward)" in out and "(max-pool 2x2 with indices; backward)" in out
    assert out.count("conv") >= 5 and "keras conv2" in out and "LeNet pool1" in out
    assert "(ReLU, max-pool 2x2; ' backward)" in out and "small 2" in out


def test_makemore_mlp_bench_matches_pytorch() -> None:
    """makemore part 2's step in both libraries and by hand in NumPy, from the same weights and batches: the
    script checks the first float64 losses of both against PyTorch's to 1e-10 relative (exits non-zero
    otherwise: five steps of equal losses also check the hand-written gradients) and prints the ratios."""
    pytest.importorskip("torch")
    out = run_bench("makemore_mlp.py", "--steps", "3", "--runs", "1")
    assert "float64 losses, first 5 steps: largest relative difference" in out
    assert "step time ratio tinygrad_edu / PyTorch" in out and out.count("µs/step") == 3
    assert "step time ratio tinygrad_edu / NumPy by hand" in out
