"""A small convolutional network on MNIST: Conv(8, 3x3)-ReLU-MaxPool(2)-Conv(16, 3x3)-ReLU-MaxPool(2)-Dense(10).

PyTorch style on tinygrad_edu: each convolution is im2col plus one BLAS GEMM, and its backward
the transposed GEMMs plus a numba scatter-add (see tinygrad_edu/nn/conv.py). The training loop is
`tinygrad_edu.experiments.train_cnn_mnist`, which chapter 10 runs too.

    python examples/cnn_mnist.py [--epochs 3] [--quick]
"""

from __future__ import annotations

import argparse
import os

from tinygrad_edu.experiments import train_cnn_mnist


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", default=os.environ.get("CI") == "true")
    args = parser.parse_args(argv)
    if args.quick:
        return train_cnn_mnist(epochs=2, n_train=3000)
    return train_cnn_mnist(epochs=args.epochs)


if __name__ == "__main__":
    main()
