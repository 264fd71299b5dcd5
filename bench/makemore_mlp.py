"""makemore part 2's training step (Karpathy's MLP language model), tinygrad_edu against PyTorch.

The step, written once and run with ``lib`` = ``torch`` or ``tinygrad_edu`` (the PyTorch door):
a mini-batch of 32 contexts of 3 characters, the embedding ``C[X]`` (27 x 10), ``view(-1, 30)``,
a tanh layer of 200, logits over 27 characters, ``F.cross_entropy``, ``p.grad = None`` for each
parameter, ``backward()``, and SGD on ``p.data`` with learning rate 0.1, as the lecture writes it.
The data are random character indices (the names data set is not bundled); the work per step
does not depend on which characters they are. Both libraries start from the same weights and see
the same batches, in one process, on one thread (these ops are too small for threads to help).

A third contestant, `NumpyStep`, is the same step written by hand in plain NumPy (the forward pass,
the gradients of the lecture's backprop-ninja chapter, the same SGD update): no graph, no checks, no
objects per op, so the gap between it and tinygrad_edu is what the autograd engine costs.

Prints the median time per step over ``--runs`` interleaved runs of ``--steps`` steps each, the
ratios tinygrad_edu / PyTorch and tinygrad_edu / NumPy, and checks the first steps' losses in float64
(equal to 1e-10 relative: the same math in another summation order). ``--icount`` counts instructions per step
instead (valgrind; repeatable on a busy machine).

    python bench/makemore_mlp.py [--steps 200] [--runs 5] [--icount]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

CI = bool(os.environ.get("CI"))
BLOCK, EMB, HIDDEN, VOCAB, BATCH = 3, 10, 200, 27, 32


def make_data(n: int = 2000, seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Contexts X (n, 3) and next characters Y (n,) as int64, and the lecture's initial weights."""
    rng = np.random.default_rng(seed)
    X = rng.integers(0, VOCAB, size=(n, BLOCK))
    Y = rng.integers(0, VOCAB, size=n)
    shapes = [(VOCAB, EMB), (BLOCK * EMB, HIDDEN), (HIDDEN,), (HIDDEN, VOCAB), (VOCAB,)]
    return X, Y, [rng.standard_normal(s) for s in shapes]


class Step:
    """One library's model and its training step (the lecture's code, with ``lib`` for ``torch``)."""

    def __init__(self, lib: Any, X: np.ndarray, Y: np.ndarray, weights: list[np.ndarray], dtype: Any) -> None:
        self.lib, self.F = lib, lib.nn.functional
        self.X, self.Y = lib.tensor(X), lib.tensor(Y)
        self.parameters = [lib.tensor(w, dtype=dtype) for w in weights]
        for p in self.parameters:
            p.requires_grad = True

    def __call__(self, ix: Any, lr: float = 0.1) -> float:
        lib, F = self.lib, self.F
        C, W1, b1, W2, b2 = self.parameters
        emb = C[self.X[ix]]  # (32, 3, 10)
        h = lib.tanh(emb.view(-1, BLOCK * EMB) @ W1 + b1)  # (32, 200)
        logits = h @ W2 + b2  # (32, 27)
        loss = F.cross_entropy(logits, self.Y[ix])
        for p in self.parameters:
            p.grad = None
        loss.backward()
        for p in self.parameters:
            p.data += -lr * p.grad
        return loss.item()


class NumpyStep:
    """The same step by hand in NumPy: the forward pass, its gradients by the chain rule, SGD.

    With p = softmax(logits) and N rows, ∂loss/∂logits = (p − onehot(Y)) / N; then ∂W2 = hᵀ·G, ∂b2 = Σᵢ G,
    ∂h = G·W2ᵀ, ∂(pre-activation) = ∂h·(1 − h²), the same two products for W1 and b1, and each
    embedding row gets the sum of the rows of ∂(emb) that picked it (``np.add.at``)."""

    def __init__(self, X: np.ndarray, Y: np.ndarray, weights: list[np.ndarray], dtype: Any) -> None:
        self.X, self.Y = X, Y
        self.parameters = [w.astype(dtype) for w in weights]

    def __call__(self, ix: np.ndarray, lr: float = 0.1) -> float:
        C, W1, b1, W2, b2 = self.parameters
        Xb, Yb = self.X[ix], self.Y[ix]
        rows = np.arange(len(ix))
        emb = C[Xb].reshape(len(ix), BLOCK * EMB)
        h = np.tanh(emb @ W1 + b1)
        logits = h @ W2 + b2
        shifted = logits - logits.max(axis=1, keepdims=True)  # log-sum-exp: no overflow in exp
        e = np.exp(shifted)
        total = e.sum(axis=1, keepdims=True)
        loss = float(np.mean(np.log(total[:, 0]) - shifted[rows, Yb]))
        dlogits = e / total
        dlogits[rows, Yb] -= 1
        dlogits /= len(ix)
        dh = (dlogits @ W2.T) * (1 - h * h)
        demb = dh @ W1.T
        dC = np.zeros_like(C)
        np.add.at(dC, Xb.reshape(-1), demb.reshape(-1, EMB))
        grads = [dC, emb.T @ dh, dh.sum(axis=0), h.T @ dlogits, dlogits.sum(axis=0)]
        for p, g in zip(self.parameters, grads):
            p += -lr * g
        return loss


def build(steps: int, dtype_name: str = "float32") -> tuple[dict[str, Any], dict[str, list]]:
    """The three contestants and, for each, its batches' indices (the same indices)."""
    import torch

    import tinygrad_edu

    torch.set_num_threads(1)
    X, Y, weights = make_data()
    batches = np.random.default_rng(1).integers(0, len(X), size=(steps, BATCH))
    libs = {"tinygrad_edu": tinygrad_edu, "PyTorch": torch}
    contestants: dict[str, Any] = {n: Step(lib, X, Y, weights, getattr(lib, dtype_name)) for n, lib in libs.items()}
    contestants["NumPy"] = NumpyStep(X, Y, weights, np.dtype(dtype_name))
    index = {name: [libs[name].tensor(b) for b in batches] for name in libs}
    index["NumPy"] = list(batches)
    return contestants, index


def check_losses(steps: int = 5) -> float:
    """Largest relative difference of the first losses in float64 (raises SystemExit beyond 1e-10)."""
    contestants, index = build(steps, "float64")
    losses = {name: np.array([step(ix) for ix in index[name]]) for name, step in contestants.items()}
    ref = losses["PyTorch"]
    diff = max(float(np.max(np.abs(losses[name] - ref) / np.abs(ref))) for name in ("tinygrad_edu", "NumPy"))
    print(f"  float64 losses, first {steps} steps: largest relative difference {diff:.1e} (limit 1e-10)")
    if not diff <= 1e-10:
        raise SystemExit("FAIL: tinygrad_edu's or NumPy's losses differ from PyTorch's")
    return diff


def timed(steps: int, runs: int) -> dict[str, float]:
    """Median seconds per step; the contestants take turns, run by run."""
    contestants, index = build(steps)
    times: dict[str, list[float]] = {name: [] for name in contestants}
    for _ in range(runs):
        for name, step in contestants.items():
            for ix in index[name]:
                t0 = time.perf_counter()
                step(ix)
                times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(t) for name, t in times.items()}


def icount(steps: int) -> dict[str, int]:
    """Instructions per step of each contestant (see bench/icount.py)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from icount import count

    setup = (
        f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})\n"
        f"from makemore_mlp import build\nsteps, index = build({2 * steps} + 1)\n"
        "ours, theirs = steps['tinygrad_edu'], steps['PyTorch']\n"
        "it_ours, it_theirs = iter(index['tinygrad_edu']), iter(index['PyTorch'])\n"
        "ours(next(it_ours)); theirs(next(it_theirs))\n"
    )
    counts = count(setup, ["ours(next(it_ours))", "theirs(next(it_theirs))"], n=steps // 3)
    return {"tinygrad_edu": counts["ours(next(it_ours))"], "PyTorch": counts["theirs(next(it_theirs))"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20 if CI else 200, help="steps per run")
    parser.add_argument("--runs", type=int, default=2 if CI else 5, help="interleaved runs")
    parser.add_argument("--icount", action="store_true", help="count instructions (valgrind) instead of timing")
    args = parser.parse_args()
    print(f"makemore part 2 MLP step: batch {BATCH}, C {VOCAB}x{EMB}, tanh {HIDDEN}, float32, one thread")
    check_losses()
    if args.icount:
        counts = icount(args.steps)
        for name, n in counts.items():
            print(f"  {name:<14} {n:>12,} instructions/step")
        print(f"  instructions tinygrad_edu / PyTorch: {counts['tinygrad_edu'] / counts['PyTorch']:.2f}x")
        return
    med = timed(args.steps, args.runs)
    for name, t in med.items():
        print(f"  {name:<14} {t * 1e6:10.1f} µs/step (median of {args.runs} x {args.steps})")
    print(f"  step time ratio tinygrad_edu / PyTorch: {med['tinygrad_edu'] / med['PyTorch']:.2f}x")
    print(f"  step time ratio tinygrad_edu / NumPy by hand: {med['tinygrad_edu'] / med['NumPy']:.2f}x")


if __name__ == "__main__":
    main()
