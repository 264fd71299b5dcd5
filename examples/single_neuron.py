"""The classic single sigmoid neuron, trained 10,000 times, on tinygrad_edu's autograd.

The textbook (Trask's "neural network in 11 lines") trains a 3-input sigmoid neuron on
[[0,0,1],[1,1,1],[1,0,1],[0,1,1]] → [0,1,1,0] with the hand-derived update
w += Xᵀ·((y − o)·o·(1 − o)), starting from numpy.random.seed(2) weights 2·random((3, 1)) − 1.
That update is exactly gradient descent with learning rate 1 on E = ½ Σ (y − o)², so here the
gradient comes from backward() instead of from the hand derivation.

    python examples/single_neuron.py
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu import Tensor

X = np.array([[0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]], dtype=np.float64)
Y = np.array([[0, 1, 1, 0]], dtype=np.float64).T


def main(iterations: int = 10_000) -> tuple[np.ndarray, np.ndarray, float]:
    np.random.seed(2)  # the textbook's seed and draw, for the same starting weights
    start = 2 * np.random.random((3, 1)) - 1
    w = Tensor(start.copy(), requires_grad=True)
    x = Tensor(X)
    for _ in range(iterations):
        out = (x @ w).sigmoid()
        error = 0.5 * ((Tensor(Y) - out) ** 2).sum()
        w.grad = None
        error.backward()
        w.data -= w.grad  # learning rate 1: the textbook's w += Xᵀ((y − o)·o·(1 − o))
    new = float((Tensor(np.array([[1.0, 0.0, 0.0]])) @ w).sigmoid().item())
    print("starting weights:", start.ravel().round(8).tolist())
    print("trained weights: ", w.numpy().ravel().round(8).tolist())
    print(f"output for [1, 0, 0]: {new:.8f}  (the first input decides the answer)")
    return start, w.numpy().copy(), new


if __name__ == "__main__":
    main()
