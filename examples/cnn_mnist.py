"""A small convolutional network on MNIST: Conv(8, 3x3)-ReLU-MaxPool(2)-Conv(16, 3x3)-ReLU-MaxPool(2)-Dense(10).

PyTorch style on tinygrad_edu: each convolution is im2col plus one BLAS GEMM, and its backward
the transposed GEMMs plus a numba scatter-add (see tinygrad_edu/nn/conv.py).

    python examples/cnn_mnist.py [--epochs 3] [--quick]
"""

from __future__ import annotations

import argparse
import os

import numpy as np

from tinygrad_edu import Tensor, nn, no_grad, optim
from tinygrad_edu.datasets import load_mnist
from tinygrad_edu.nn import functional as F
from tinygrad_edu.rng import default_rng, manual_seed


def build() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(1, 8, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),  # 28 → 26 → 13
        nn.Conv2d(8, 16, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),  # 13 → 11 → 5
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 10),
    )


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", default=os.environ.get("CI") == "true")
    args = parser.parse_args(argv)
    (x_train, y_train), (x_test, y_test) = load_mnist()
    n = 3000 if args.quick else len(x_train)
    X = (x_train[:n, None] / np.float32(255)).astype(np.float32)
    Xt = (x_test[:, None] / np.float32(255)).astype(np.float32)
    epochs = 2 if args.quick else args.epochs
    manual_seed(0)
    model = build()
    print(model)
    print(f"{model.num_params():,} parameters")
    opt = optim.Adam(model.parameters(), lr=2e-3)
    for epoch in range(1, epochs + 1):
        model.train()
        order = default_rng().permutation(n)
        total = 0.0
        for i in range(0, n, 64):
            idx = order[i : i + 64]
            loss = F.cross_entropy(model(Tensor(X[idx])), y_train[:n][idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        print(f"epoch {epoch}: mean training loss {total / n:.4f}")
    model.eval()
    with no_grad():
        accuracy = float(
            np.mean(
                np.concatenate([model(Tensor(Xt[i : i + 500])).argmax(1).data for i in range(0, len(Xt), 500)])
                == y_test
            )
        )
    print(f"test accuracy: {accuracy:.4f} on {len(Xt)} digits")
    return accuracy


if __name__ == "__main__":
    main()
