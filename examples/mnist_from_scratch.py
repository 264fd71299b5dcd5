"""A 784-10-10 MNIST network written by hand in NumPy, the textbook way, with its softmax fixed.

Forward:  Z1 = X·W1ᵀ + b1,  A1 = ReLU(Z1),  Z2 = A1·W2ᵀ + b2,  A2 = softmax(Z2).
Loss:     L = −(1/m) Σᵢ log A2[i, yᵢ]  (cross-entropy).
Backward: the textbook version of this network never trained because it differentiated the
softmax and the log separately and got it wrong. Together they collapse to one line:

    ∂L/∂Z2 = (A2 − Y)/m                 (Y one-hot: "A − Y")

because ∂/∂zⱼ [−log softmax(z)ᵧ] = softmax(z)ⱼ − 1[j = y]. The rest is the chain rule:
dW2 = dZ2ᵀ·A1, db2 = Σ dZ2, dZ1 = dZ2·W2 ⊙ 1[Z1 > 0], dW1 = dZ1ᵀ·X, db1 = Σ dZ1. Before training,
the hand-derived gradients are compared with tinygrad_edu's autograd and with float64 central
differences. Then full-batch gradient descent, learning rate α = 0.1, accuracy every 50 iterations.

    python examples/mnist_from_scratch.py [--iterations 500]
"""

from __future__ import annotations

import argparse

import numpy as np

from tinygrad_edu import Tensor, gradcheck
from tinygrad_edu.datasets import load_mnist
from tinygrad_edu.nn import functional as F


def init(rng: np.random.Generator) -> list[np.ndarray]:
    """He initialisation, N(0, 2/fan_in), zero biases."""
    return [
        rng.normal(0, np.sqrt(2 / 784), (10, 784)),
        np.zeros(10),
        rng.normal(0, np.sqrt(2 / 10), (10, 10)),
        np.zeros(10),
    ]


def forward(params: list[np.ndarray], X: np.ndarray) -> tuple[np.ndarray, ...]:
    W1, b1, W2, b2 = params
    Z1 = X @ W1.T + b1
    A1 = np.maximum(Z1, 0)
    Z2 = A1 @ W2.T + b2
    E = np.exp(Z2 - Z2.max(axis=1, keepdims=True))  # log-sum-exp shift: no overflow
    return Z1, A1, Z2, E / E.sum(axis=1, keepdims=True)


def backward(params: list[np.ndarray], X: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """The hand-derived gradients of the mean cross-entropy."""
    W2 = params[2]
    Z1, A1, _, A2 = forward(params, X)
    m = len(X)
    dZ2 = A2.copy()
    dZ2[np.arange(m), y] -= 1  # A − Y
    dZ2 /= m
    dZ1 = (dZ2 @ W2) * (Z1 > 0)
    return [dZ1.T @ X, dZ1.sum(axis=0), dZ2.T @ A1, dZ2.sum(axis=0)]


def check_gradients(params: list[np.ndarray], X: np.ndarray, y: np.ndarray) -> float:
    """Largest difference between the hand-derived gradients and autograd's, on a small batch."""
    tensors = [Tensor(p, requires_grad=True) for p in params]
    W1, b1, W2, b2 = tensors
    F.cross_entropy((Tensor(X) @ W1.T + b1).relu() @ W2.T + b2, y).backward()
    worst = max(float(np.abs(h - t.grad.numpy()).max()) for h, t in zip(backward(params, X, y), tensors))
    # and the heart of it, ∂L/∂Z2 = (A − Y)/m, against float64 central differences
    z = Tensor(forward(params, X)[2], requires_grad=True)
    assert gradcheck(lambda z: F.cross_entropy(z, y), [z])
    return worst


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=500)
    parser.add_argument("--alpha", type=float, default=0.1)
    args = parser.parse_args(argv)
    (x_train, y_train), (x_test, y_test) = load_mnist()
    X = x_train.reshape(len(x_train), -1) / 255.0
    Xt = x_test.reshape(len(x_test), -1) / 255.0
    params = init(np.random.default_rng(0))
    print(
        f"hand-derived vs autograd gradients, largest difference: {check_gradients(params, X[:32], y_train[:32]):.2e}"
        " (float64); ∂L/∂Z2 = (A − Y)/m passes gradcheck"
    )
    for it in range(1, args.iterations + 1):
        for p, g in zip(params, backward(params, X, y_train)):
            p -= args.alpha * g
        if it % 50 == 0 or it == args.iterations:
            train_acc = np.mean(forward(params, X)[3].argmax(1) == y_train)
            print(f"iteration {it:4d}: training accuracy {train_acc:.4f}")
    test_acc = float(np.mean(forward(params, Xt)[3].argmax(1) == y_test))
    print(f"test accuracy: {test_acc:.4f} on {len(Xt)} digits")
    return test_acc


if __name__ == "__main__":
    main()
