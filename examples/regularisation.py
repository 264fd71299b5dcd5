"""L1 versus L2 regularisation: what the penalties do to the weights (MNIST, softmax regression).

Loss = cross-entropy + λ·Σ|w| (L1) or + λ·Σw² (L2). L2's gradient 2λw shrinks every weight in
proportion to its size, so weights get small but stay non-zero; L1's gradient λ·sign(w) pulls
every weight towards zero at the same rate, so many land at (nearly) zero: a sparse model. The
pixels at the image border carry no information and are the first to go.

    python examples/regularisation.py [--steps 300] [--out DIR] [--quick]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

from tinygrad_edu import Tensor, nn, optim
from tinygrad_edu.datasets import load_mnist
from tinygrad_edu.nn import functional as F
from tinygrad_edu.random import manual_seed


def train(penalty: str, strength: float, X: np.ndarray, y: np.ndarray, steps: int) -> np.ndarray:
    manual_seed(0)
    model = nn.Linear(784, 10)
    opt = optim.SGD(model.parameters(), lr=0.5)
    x = Tensor(X)
    for _ in range(steps):
        loss = F.cross_entropy(model(x), y)
        if penalty == "L1":
            loss = loss + F.l1_penalty([model.weight], strength)
        elif penalty == "L2":
            loss = loss + F.l2_penalty([model.weight], strength)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.weight.numpy()


def main(argv: list[str] | None = None) -> dict[str, np.ndarray]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--out", type=Path, default=Path("out"))
    parser.add_argument("--quick", action="store_true", default=os.environ.get("CI") == "true")
    args = parser.parse_args(argv)
    (x_train, y_train), _ = load_mnist()
    n = 2000 if args.quick else len(x_train)
    X = (x_train[:n].reshape(n, -1) / np.float32(255)).astype(np.float32)
    steps = 150 if args.quick else args.steps
    weights = {
        name: train(name, lam, X, y_train[:n], steps) for name, lam in (("none", 0.0), ("L1", 1e-3), ("L2", 1e-3))
    }
    print(f"{'penalty':<8} {'|w| < 1e-3':>11} {'mean |w|':>9} {'max |w|':>8}")
    for name, w in weights.items():
        print(f"{name:<8} {np.mean(np.abs(w) < 1e-3):>11.3f} {np.mean(np.abs(w)):>9.4f} {np.abs(w).max():>8.4f}")
    try:
        from tinygrad_edu.figure import Figure  # saves atomically

        args.out.mkdir(parents=True, exist_ok=True)
        fig = Figure(figsize=(10, 3.5), layout="constrained")
        for ax, (name, w) in zip(fig.subplots(1, 3), weights.items()):
            ax.hist(w.ravel(), bins=80)
            ax.set(title=f"weights, penalty {name}", xlabel="w", yscale="log")
        fig.savefig(args.out / "regularisation.png")
        print("weight histograms:", args.out / "regularisation.png")
    except ImportError:
        print("(install matplotlib for the weight histograms)")
    return weights


if __name__ == "__main__":
    main()
