"""Each numba kernel against its numpy twin, at the sizes of the 784-512-128-10 MLP (batch 128). The numba
column calls the dispatcher as the ops do (its checks, the output's allocation, then the kernel).

Two timings per kernel, medians of repeated runs: alone, and as a pair "float32 GEMM of the MLP's
first layer (128x784 @ 784x512), then the kernel", which is how kernels run in training, with the
GEMM alone measured in the same rounds. The pair column is the one that matters: a kernel that
fights BLAS for the two cores loses there even when it wins alone (the reason the kernels are
serial; see tinygrad_edu/kernels/__init__.py). The last two rows put a team job (`kernels.spread`, a
ReLU of 512x512 and a max-pool of a CNN's first feature maps) in the numba column and the one-thread
kernel in the numpy column: after the GEMM's threads (`threads.blas_spinning`) the job runs on one thread.

    python bench/kernels.py
"""

from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")

import numpy as np

from tinygrad_edu import kernels
from tinygrad_edu.kernels import spread, threads
from tinygrad_edu.optim.adam import adam_step, adam_step_np
from tinygrad_edu.optim.sgd import sgd_step, sgd_step_np


def time_us(fn, *args, gemm=None, inner: int = 50) -> float:
    """Mean time of one call (after a GEMM when given), over ``inner`` back-to-back calls."""
    t0 = time.perf_counter()
    for _ in range(inner):
        if gemm is not None:
            gemm()
        fn(*args)
    return (time.perf_counter() - t0) / inner * 1e6


def medians(runs: dict[str, callable], repeats: int = 9) -> dict[str, float]:
    """Median of each timing, the timings taken in interleaved rounds so that drift hits all alike."""
    for run in runs.values():
        run()  # warm up (and compile)
    samples: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            samples[name].append(run())
    return {k: statistics.median(v) for k, v in samples.items()}


def sgd_args(p, g, buf) -> tuple:
    """p, g, buf, lr, momentum, dampening, weight_decay, nesterov, first: the benchmark's SGD."""
    return (p, g, buf, 0.1, 0.9, 0.0, 0.0, False, False)


def adam_args(p, g, m, v) -> tuple:
    """p, g, m, v, lr, β₁, β₂, ε, weight_decay, bias1, bias2: PyTorch's defaults at step 10."""
    return (p, g, m, v, 1e-3, 0.9, 0.999, 1e-8, 0.0, 1 - 0.9**10, 1 - 0.999**10)


def main() -> None:
    rng = np.random.default_rng(0)
    h = rng.normal(size=(128, 512)).astype(np.float32)
    g = rng.normal(size=(128, 512)).astype(np.float32)
    z = rng.normal(size=(128, 10)).astype(np.float32)
    labels = rng.integers(0, 10, 128)
    probs = kernels.softmax_xent_np(z, labels)[1]
    w = rng.normal(size=(512, 784)).astype(np.float32)
    gw, buf = w.copy() * 1e-6, np.zeros_like(w)
    m, v = np.zeros_like(w), np.ones_like(w)
    b = rng.normal(size=128).astype(np.float32)
    gb, bbuf = b * 1e-6, np.zeros_like(b)
    x = rng.normal(size=(128, 784)).astype(np.float32)
    big = rng.normal(size=(512, 512)).astype(np.float32)
    maps = (rng.normal(size=(64, 16, 26, 26)).astype(np.float32), (2, 2), (2, 2), (0, 0), (1, 1), (13, 13))

    def gemm() -> None:  # as the ops run it: on BLAS's threads (51M multiply-adds), noted by `blas_spinning`
        threads.matmul(x, w.T)

    cases = [
        # the dispatchers, as the ops call them: checks, the output's allocation and the kernel
        ("relu 128x512", kernels.relu, kernels.relu_np, (h,), (h,)),
        ("sigmoid 128x512", kernels.sigmoid, kernels.sigmoid_np, (h,), (h,)),
        ("relu backward", kernels.relu_backward, kernels.relu_backward_np, (h, g), (h, g)),
        ("sigmoid backward", kernels.sigmoid_backward, kernels.sigmoid_backward_np, (h, g), (h, g)),
        ("tanh backward", kernels.tanh_backward, kernels.tanh_backward_np, (h, g), (h, g)),
        ("softmax xent 128x10", kernels.softmax_xent, kernels.softmax_xent_np, (z, labels, True), (z, labels)),
        (
            "softmax xent backward",
            kernels.softmax_xent_backward,  # the dispatcher: the kernel writes into an array it allocates
            kernels.softmax_xent_backward_np,
            (probs, labels, 1 / 128, True),
            (probs, labels, 1 / 128),
        ),
        # the optimizer rows go through the dispatchers, as `optim` calls them (no size cut)
        ("sgd momentum 512x784", sgd_step, sgd_step_np, sgd_args(w, gw, buf), sgd_args(w, gw, buf)),
        ("sgd momentum 128", sgd_step, sgd_step_np, sgd_args(b, gb, bbuf), sgd_args(b, gb, bbuf)),
        ("adam 512x784", adam_step, adam_step_np, adam_args(w, gw, m, v), adam_args(w, gw, m, v)),
        # a team job (numba column) against the one-thread kernel (numpy column)
        ("relu 512x512 team|1T", spread.relu, kernels.relu, (big,), (big,)),
        ("max-pool 64x16x26² team|1T", spread.max_pool2d, kernels.max_pool2d, maps, maps),
    ]
    print(f"float32, OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}, medians of 9 interleaved rounds")
    print(f"{'kernel':<24} {'numba':>9} {'numpy':>9} {'speed-up':>8} | {'GEMM':>8} {'+numba':>9} {'+numpy':>9}")
    for name, nb_fn, np_fn, nb_args, np_args in cases:
        m = medians(
            {
                "nb": lambda f=nb_fn, a=nb_args: time_us(f, *a),
                "np": lambda f=np_fn, a=np_args: time_us(f, *a),
                "gemm": lambda: time_us(gemm),
                "gemm+nb": lambda f=nb_fn, a=nb_args: time_us(f, *a, gemm=gemm),
                "gemm+np": lambda f=np_fn, a=np_args: time_us(f, *a, gemm=gemm),
            }
        )
        print(
            f"{name:<24} {m['nb']:7.1f}us {m['np']:7.1f}us {m['np'] / m['nb']:7.2f}x | "
            f"{m['gemm']:6.0f}us {m['gemm+nb']:7.0f}us {m['gemm+np']:7.0f}us"
        )


if __name__ == "__main__":
    main()
