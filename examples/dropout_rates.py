"""Training and test error as the dropout keep probability varies (MNIST, a 784-256-256-10 MLP).

With keep probability 1 (no dropout) the network memorises the small training set: training
error far below test error. Lower keep probabilities trade training error for a smaller gap.

    python examples/dropout_rates.py [--epochs 10] [--quick]
"""

from __future__ import annotations

import argparse
import os

import numpy as np

from tinygrad_edu import Tensor, nn, no_grad, optim
from tinygrad_edu.datasets import load_mnist
from tinygrad_edu.nn import functional as F
from tinygrad_edu.random import default_rng, manual_seed


def error(model: nn.Module, X: np.ndarray, y: np.ndarray) -> float:
    model.eval()
    with no_grad():
        return float(np.mean(model(Tensor(X)).argmax(1).numpy() != y))


def run(keep: float, X, y, Xt, yt, epochs: int) -> tuple[float, float]:
    manual_seed(0)
    model = nn.Sequential(
        nn.Linear(784, 256),
        nn.ReLU(),
        nn.Dropout(1 - keep),
        nn.Linear(256, 256),
        nn.ReLU(),
        nn.Dropout(1 - keep),
        nn.Linear(256, 10),
    )
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    for _ in range(epochs):
        model.train()
        order = default_rng().permutation(len(X))
        for i in range(0, len(X), 64):
            idx = order[i : i + 64]
            loss = F.cross_entropy(model(Tensor(X[idx])), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return error(model, X, y), error(model, Xt, yt)


def main(argv: list[str] | None = None) -> dict[float, tuple[float, float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--quick", action="store_true", default=os.environ.get("CI") == "true")
    args = parser.parse_args(argv)
    (x_train, y_train), (x_test, y_test) = load_mnist()
    n = 2000 if args.quick else len(x_train)
    X = (x_train[:n].reshape(n, -1) / np.float32(255)).astype(np.float32)
    Xt = (x_test.reshape(len(x_test), -1) / np.float32(255)).astype(np.float32)
    epochs = 4 if args.quick else args.epochs
    results = {}
    print(f"{'keep p':>7} {'train error':>12} {'test error':>11} {'gap':>7}   ({n} training digits, {epochs} epochs)")
    for keep in (1.0, 0.8, 0.5, 0.3):
        results[keep] = run(keep, X, y_train[:n], Xt, y_test, epochs)
        tr, te = results[keep]
        print(f"{keep:>7.1f} {tr:>12.4f} {te:>11.4f} {te - tr:>7.4f}")
    return results


if __name__ == "__main__":
    main()
