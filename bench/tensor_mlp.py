"""Tensor-engine benchmark: one epoch of an MLP on 60,000 images, against PyTorch and plain NumPy.

Model 784-512(ReLU)-128(ReLU)-10, softmax cross-entropy, SGD lr 0.1 momentum 0.9, batch 128,
float32, on Fashion-MNIST's training set (``apt-get install dataset-fashion-mnist``; random data of
the same shape when it is missing). Four contestants run in the same process, interleaved, from
the same initial weights on the same batches:

- tinygrad_edu: ``nn.Sequential`` + ``optim.SGD``, numba kernels on (the default);
- tinygrad_edu with ``TINYGRAD_EDU_JIT=0`` (the numpy twins of every kernel);
- PyTorch CPU (``torch.nn.Sequential`` + ``torch.optim.SGD``);
- plain NumPy: forward and backward written by hand, the way a textbook does it.

Run with ``OMP_NUM_THREADS=2`` (set below unless already set). Prints the median epoch time of each
and its ratio to PyTorch, and checks that all four reach the same loss.

    python bench/tensor_mlp.py [--epochs 3] [--batches N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")

import itertools

import numpy as np

from tinygrad_edu import Tensor, kernels, nn, optim
from tinygrad_edu.datasets import find_fashion_mnist, load_idx_set
from tinygrad_edu.kernels import threads
from tinygrad_edu.nn import functional as F

SIZES = (784, 512, 128, 10)
LR, MOMENTUM, BATCH = 0.1, 0.9, 128


def load_data(n: int) -> tuple[np.ndarray, np.ndarray, str]:
    folder = find_fashion_mnist()
    if folder is not None:
        (x, y), _ = load_idx_set(folder)
        return (x[:n].reshape(-1, 784) / np.float32(255)).astype(np.float32), y[:n].astype(np.int64), "Fashion-MNIST"
    rng = np.random.default_rng(0)
    return rng.random((n, 784), dtype=np.float32), rng.integers(0, 10, n), "random data (Fashion-MNIST not installed)"


def initial_weights(seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """PyTorch's Linear initialisation, U(±1/√fan_in), drawn once and given to every contestant."""
    rng = np.random.default_rng(seed)
    out = []
    for fan_in, fan_out in itertools.pairwise(SIZES):
        bound = 1 / np.sqrt(fan_in)
        w = rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32)
        out.append((w, rng.uniform(-bound, bound, fan_out).astype(np.float32)))
    return out


class Ours:
    def __init__(self, weights, jit: bool) -> None:
        self.jit = jit
        layers = []
        for i, (w, b) in enumerate(weights):
            lin = nn.Linear(w.shape[1], w.shape[0])
            lin.weight.data, lin.bias.data = w.copy(), b.copy()
            layers += [lin, nn.ReLU()] if i < len(weights) - 1 else [lin]
        self.model = nn.Sequential(*layers)
        self.opt = optim.SGD(self.model.parameters(), lr=LR, momentum=MOMENTUM)

    def epoch(self, X, y) -> list[float]:
        kernels.JIT_ENABLED = self.jit
        losses = []
        try:
            for i in range(0, len(X), BATCH):
                loss = F.cross_entropy(self.model(Tensor(X[i : i + BATCH])), y[i : i + BATCH])
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()
                losses.append(loss.item())
        finally:
            kernels.JIT_ENABLED = True
        return losses


class Torch:
    def __init__(self, weights) -> None:
        import torch

        torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
        self.torch = torch
        layers = []
        for i, (w, b) in enumerate(weights):
            lin = torch.nn.Linear(w.shape[1], w.shape[0])
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(w))
                lin.bias.copy_(torch.from_numpy(b))
            layers += [lin, torch.nn.ReLU()] if i < len(weights) - 1 else [lin]
        self.model = torch.nn.Sequential(*layers)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=LR, momentum=MOMENTUM)

    def epoch(self, X, y) -> list[float]:
        torch = self.torch
        Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
        losses = []
        for i in range(0, len(X), BATCH):
            loss = torch.nn.functional.cross_entropy(self.model(Xt[i : i + BATCH]), yt[i : i + BATCH])
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            losses.append(loss.item())
        return losses


class PlainNumpy:
    """A hand-written MLP, as in a textbook: explicit forward, backward and momentum update."""

    def __init__(self, weights) -> None:
        self.params = [a.copy() for wb in weights for a in wb]
        self.bufs = [np.zeros_like(p) for p in self.params]
        self.first = True

    def epoch(self, X, y) -> list[float]:
        W1, b1, W2, b2, W3, b3 = self.params
        losses = []
        for i in range(0, len(X), BATCH):
            x, t = X[i : i + BATCH], y[i : i + BATCH]
            n = len(x)
            h1 = np.maximum(x @ W1.T + b1, 0)
            h2 = np.maximum(h1 @ W2.T + b2, 0)
            z = h2 @ W3.T + b3
            z = z - z.max(axis=1, keepdims=True)
            e = np.exp(z)
            p = e / e.sum(axis=1, keepdims=True)
            loss = -np.log(p[np.arange(n), t]).mean()
            dz = p
            dz[np.arange(n), t] -= 1
            dz /= n
            dW3, db3 = dz.T @ h2, dz.sum(0)
            dh2 = (dz @ W3) * (h2 > 0)
            dW2, db2 = dh2.T @ h1, dh2.sum(0)
            dh1 = (dh2 @ W2) * (h1 > 0)
            dW1, db1 = dh1.T @ x, dh1.sum(0)
            for p_, b_, g in zip(self.params, self.bufs, (dW1, db1, dW2, db2, dW3, db3)):
                if self.first:
                    b_[...] = g
                else:
                    b_ *= MOMENTUM
                    b_ += g
                p_ -= LR * b_
            self.first = False
            losses.append(float(loss))
        return losses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3, help="epochs per contestant (median reported)")
    parser.add_argument(
        "--batches",
        type=int,
        default=20 if os.environ.get("CI") else 469,
        help="batches per epoch (469 = 60,000 images)",
    )
    args = parser.parse_args()
    X, y, source = load_data(args.batches * BATCH)
    weights = initial_weights()
    contestants = {
        "tinygrad_edu": Ours(weights, jit=True),
        "tinygrad_edu JIT=0": Ours(weights, jit=False),
        "PyTorch CPU": Torch(weights),
        "plain NumPy": PlainNumpy(weights),
    }
    Ours(weights, jit=True).epoch(X[: BATCH * 2], y[: BATCH * 2])  # compile the numba kernels (cached on disk)
    times: dict[str, list[float]] = {k: [] for k in contestants}
    losses: dict[str, list[list[float]]] = {k: [] for k in contestants}
    for _ in range(args.epochs):
        for name, c in contestants.items():
            t0 = time.perf_counter()
            losses[name].append(c.epoch(X, y))
            times[name].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(
        f"MLP 784-512-128-10, batch {BATCH}, SGD(lr={LR}, momentum={MOMENTUM}), float32, "
        f"{len(X)} images of {source}, OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}, "
        f"median of {args.epochs} epochs"
    )
    print(threads.openblas_description())
    for name in contestants:
        print(
            f"  {name:<20} {med[name]:7.3f} s/epoch   {med[name] / med['PyTorch CPU']:5.2f}x PyTorch   "
            f"{med[name] / med['plain NumPy']:5.2f}x NumPy   mean loss of last epoch "
            f"{statistics.fmean(losses[name][-1]):.4f}"
        )
    print(f"  JIT speed-up over TINYGRAD_EDU_JIT=0: {med['tinygrad_edu JIT=0'] / med['tinygrad_edu']:.2f}x")
    # Same weights, same batches: the first updates agree to float32 rounding; later ones drift apart
    # as rounding differences compound, so only the first five batches are compared.
    ref = np.array(losses["PyTorch CPU"][0][:5])
    worst = max(float(np.max(np.abs(np.array(v[0][:5]) - ref) / ref)) for v in losses.values())
    print(f"  first 5 batch losses, largest relative difference from PyTorch's: {worst:.1e}")
    if worst > 1e-4:
        raise SystemExit("FAIL: the contestants' losses differ; they are not computing the same thing")


if __name__ == "__main__":
    main()
