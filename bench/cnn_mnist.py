"""CNN benchmark: one epoch of two convolutional networks on the bundled digits, against PyTorch.

Two networks, float32, cross-entropy from logits, SGD lr 0.01 momentum 0.9, batch 64, one epoch of
the 8,000 training digits of `tinygrad_edu.datasets.load_mnist` (the full 60,000 when downloaded):

- ``small``: Conv2d(1→16, 3) · ReLU · MaxPool2d(2) · Conv2d(16→32, 3) · ReLU · MaxPool2d(2) ·
  Flatten · Linear(800→10) on 28x28 digits (issue 13's network);
- ``lenet5``: LeNet-5 as PyTorch's "60-minute blitz" defines it (conv 1→6 5x5, ReLU, max-pool 2,
  conv 6→16 5x5, ReLU, max-pool 2, Linear 400→120, ReLU, 84, ReLU, 10) on the digits zero-padded
  to 32x32.

Contestants start from the same initial weights (PyTorch's rule, U(±1/√fan_in), drawn once with
numpy) and see the same batches:

- tinygrad_edu with its numba kernels (the default; its convolutions cut the batch into one part per
  OpenBLAS thread, each part in a thread of its own: ``tinygrad_edu.kernels.threads``);
- tinygrad_edu on every kernel's numpy twin (``kernels.JIT_ENABLED = False``, what
  ``TINYGRAD_EDU_JIT=0`` sets at import; every dispatcher reads the switch at call time);
- PyTorch CPU (``torch.set_num_threads(2)``; ``--threads`` changes it and OpenBLAS's ``OMP_NUM_THREADS``),

interleaved in this process, so that a busy machine slows all three alike.

Prints the median epoch time of each over ``--runs`` epochs (each epoch restarts from the initial
weights, so every run does the same work) and the ratio to PyTorch; for tinygrad_edu also the ratios run
by run (each epoch against PyTorch's epoch of the same round, seconds apart: on a shared machine whose
speed drifts over minutes, their range and median say more than the ratio of two medians). Checks that
the first five batch losses agree with PyTorch's to 1e-5 relative (exit status 1 if not).

    python bench/cnn_mnist.py [--runs 3] [--quick] [--nets small lenet5] [--threads 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time


def _threads_from_argv(argv: list[str], default: int = 2) -> int:
    """``--threads N`` must act before numpy and torch start their thread pools, so it is read here."""
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            return int(argv[i + 1])
        if a.startswith("--threads="):
            return int(a.split("=", 1)[1])
    return default


THREADS = _threads_from_argv(sys.argv)
os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))

import numpy as np  # noqa: E402 (after the thread count is set)

from tinygrad_edu import Tensor, kernels, nn, optim  # noqa: E402 (after the thread count is set)
from tinygrad_edu.datasets import load_mnist  # noqa: E402 (after the thread count is set)
from tinygrad_edu.kernels import threads  # noqa: E402 (after the thread count is set)
from tinygrad_edu.nn import functional as F  # noqa: E402 (after the thread count is set)

LR, MOMENTUM, BATCH = 0.01, 0.9, 64
LOSS_RTOL = 1e-5  # first five batch losses, relative to PyTorch's

# Each network as a list of layer specs, so that both libraries build it from one description:
# ("conv", in, out, k), ("relu",), ("maxpool", k), ("flatten",), ("linear", in, out).
NETS: dict[str, dict] = {
    "small": {
        "pad": 0,
        "layers": [
            ("conv", 1, 16, 3),
            ("relu",),
            ("maxpool", 2),
            ("conv", 16, 32, 3),
            ("relu",),
            ("maxpool", 2),
            ("flatten",),
            ("linear", 800, 10),
        ],
    },
    "lenet5": {
        "pad": 2,
        "layers": [
            ("conv", 1, 6, 5),
            ("relu",),
            ("maxpool", 2),
            ("conv", 6, 16, 5),
            ("relu",),
            ("maxpool", 2),
            ("flatten",),
            ("linear", 400, 120),
            ("relu",),
            ("linear", 120, 84),
            ("relu",),
            ("linear", 84, 10),
        ],
    },
}


def load_data(pad: int, n: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Training digits as float32 (N, 1, 28 + 2·pad, 28 + 2·pad) in [0, 1], and int64 labels."""
    (x, y), _ = load_mnist(verbose=False)
    if n is not None:
        x, y = x[:n], y[:n]
    x = (x[:, None] / np.float32(255)).astype(np.float32)
    if pad:
        x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    return np.ascontiguousarray(x), y.astype(np.int64)


def initial_weights(layers: list[tuple], seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """PyTorch's default initialisation for Conv2d and Linear, W, b ~ U(±1/√fan_in), drawn once."""
    rng = np.random.default_rng(seed)
    out = []
    for spec in layers:
        if spec[0] == "conv":
            _, cin, cout, k = spec
            shape, fan_in = (cout, cin, k, k), cin * k * k
        elif spec[0] == "linear":
            _, fin, fout = spec
            shape, fan_in = (fout, fin), fin
        else:
            continue
        bound = 1 / np.sqrt(fan_in)
        w = rng.uniform(-bound, bound, shape).astype(np.float32)
        out.append((w, rng.uniform(-bound, bound, shape[0]).astype(np.float32)))
    return out


class Ours:
    """tinygrad_edu: ``nn.Sequential`` + ``optim.SGD``, built from the specs."""

    def __init__(self, layers: list[tuple], weights: list[tuple[np.ndarray, np.ndarray]], jit: bool = True) -> None:
        self.layers, self.weights, self.jit = layers, weights, jit

    def _build(self) -> tuple[nn.Sequential, optim.SGD]:
        mods, params = [], iter(self.weights)
        for spec in self.layers:
            kind = spec[0]
            if kind in ("conv", "linear"):
                m = nn.Conv2d(*spec[1:]) if kind == "conv" else nn.Linear(*spec[1:])
                w, b = next(params)
                m.weight.data, m.bias.data = w.copy(), b.copy()
            else:
                m = {"relu": nn.ReLU, "maxpool": nn.MaxPool2d, "flatten": nn.Flatten}[kind](*spec[1:])
            mods.append(m)
        model = nn.Sequential(*mods)
        return model, optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)

    def epoch(self, X: np.ndarray, y: np.ndarray) -> list[float]:
        model, opt = self._build()
        losses = []
        switch = kernels.JIT_ENABLED
        kernels.JIT_ENABLED = switch and self.jit
        try:
            for i in range(0, len(X), BATCH):
                loss = F.cross_entropy(model(Tensor(X[i : i + BATCH])), y[i : i + BATCH])
                opt.zero_grad()
                loss.backward()
                opt.step()
                losses.append(loss.item())
        finally:
            kernels.JIT_ENABLED = switch
        return losses


class Torch:
    """PyTorch CPU: ``torch.nn.Sequential`` + ``torch.optim.SGD``, built from the same specs."""

    def __init__(self, layers: list[tuple], weights: list[tuple[np.ndarray, np.ndarray]]) -> None:
        import torch

        torch.set_num_threads(THREADS)
        self.torch, self.layers, self.weights = torch, layers, weights

    def _build(self):
        torch = self.torch
        mods, params = [], iter(self.weights)
        for spec in self.layers:
            kind = spec[0]
            if kind in ("conv", "linear"):
                m = torch.nn.Conv2d(*spec[1:]) if kind == "conv" else torch.nn.Linear(*spec[1:])
                w, b = next(params)
                with torch.no_grad():
                    m.weight.copy_(torch.from_numpy(w))
                    m.bias.copy_(torch.from_numpy(b))
            else:
                m = {"relu": torch.nn.ReLU, "maxpool": torch.nn.MaxPool2d, "flatten": torch.nn.Flatten}[kind](*spec[1:])
            mods.append(m)
        model = torch.nn.Sequential(*mods)
        return model, torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)

    def epoch(self, X: np.ndarray, y: np.ndarray) -> list[float]:
        torch = self.torch
        model, opt = self._build()
        Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
        losses = []
        for i in range(0, len(X), BATCH):
            loss = torch.nn.functional.cross_entropy(model(Xt[i : i + BATCH]), yt[i : i + BATCH])
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses


def measure(nets: list[str], runs: int, n: int | None) -> dict[str, dict]:
    """For each network: epoch times and first-epoch losses of tinygrad_edu and PyTorch, interleaved."""
    results = {}
    for name in nets:
        spec = NETS[name]
        X, y = load_data(spec["pad"], n)
        weights = initial_weights(spec["layers"])
        contestants = {
            "ours": Ours(spec["layers"], weights),
            "ours JIT=0": Ours(spec["layers"], weights, jit=False),
            "torch": Torch(spec["layers"], weights),
        }
        for c in contestants.values():  # warm-up: numba's cached kernels load, PyTorch's allocator fills
            c.epoch(X[: 2 * BATCH], y[: 2 * BATCH])
        times: dict[str, list[float]] = {k: [] for k in contestants}
        losses: dict[str, list[float]] = {}
        for _ in range(runs):
            for key, c in contestants.items():
                t0 = time.perf_counter()
                epoch_losses = c.epoch(X, y)
                times[key].append(time.perf_counter() - t0)
                losses.setdefault(key, epoch_losses)
        results[name] = {"images": len(X), "times": times, "losses": losses}
    return results


def loss_gap(losses: dict[str, list[float]]) -> float:
    """Largest relative difference of the first five batch losses (either tinygrad_edu run) from PyTorch's."""
    ref = np.array(losses["torch"][:5])
    return max(float(np.max(np.abs(np.array(losses[k][:5]) - ref) / ref)) for k in losses if k != "torch")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="epochs per contestant (median reported)")
    parser.add_argument("--quick", action="store_true", help="a few batches, one run (for CI)")
    parser.add_argument("--nets", nargs="+", choices=list(NETS), default=list(NETS))
    parser.add_argument("--images", type=int, default=None, help="train on the first N digits only")
    parser.add_argument("--threads", type=int, default=2, help="PyTorch's and BLAS's threads (default 2)")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.images = 1, args.images or 5 * BATCH
    results = measure(args.nets, args.runs, args.images)
    print(
        f"CNNs, batch {BATCH}, SGD(lr={LR}, momentum={MOMENTUM}), float32, one epoch, "
        f"PyTorch {THREADS} threads, OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}, median of {args.runs} runs"
    )
    print(threads.openblas_description())
    worst = 0.0
    for name, r in results.items():
        times = r["times"]
        med = {k: statistics.median(v) for k, v in times.items()}
        print(f"{name} ({r['images']} images):")
        print(f"  {'PyTorch CPU':<22} {med['torch']:7.3f} s/epoch")
        for key, label in (("ours", "tinygrad_edu"), ("ours JIT=0", "tinygrad_edu JIT=0")):
            paired = sorted(a / b for a, b in zip(times[key], times["torch"], strict=True))
            print(
                f"  {label:<22} {med[key]:7.3f} s/epoch   {med[key] / med['torch']:5.2f}x PyTorch"
                f"   (run by run {paired[0]:.2f}-{paired[-1]:.2f}x, median {statistics.median(paired):.2f}x)"
            )
        print(f"  JIT speed-up over TINYGRAD_EDU_JIT=0: {med['ours JIT=0'] / med['ours']:.2f}x")
        gap = loss_gap(r["losses"])
        print(f"  first 5 batch losses, largest relative difference from PyTorch's: {gap:.1e}")
        worst = max(worst, gap)
    if worst > LOSS_RTOL:
        print(f"FAIL: the first five batch losses differ from PyTorch's by more than {LOSS_RTOL:g} relative")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
