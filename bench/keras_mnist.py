"""The textbook Keras MNIST model, in tinygrad_edu's Keras front door and in PyTorch, same run.

784-512(relu)-BN-Dropout(0.5)-128(relu)-BN-Dropout(0.5)-64(relu)-BN-10(softmax), Keras' SGD
(lr 0.01), batch 128, categorical cross-entropy, on the bundled 10,000 digits (8,000 train /
2,000 test). The PyTorch model copies Keras' choices: Glorot-uniform kernels and zero biases,
BatchNorm momentum 0.01 (Keras' 0.99) and epsilon 1e-3. Prints the median seconds per epoch of
each, the ratio, and the test accuracy of each after the same number of epochs.

    python bench/keras_mnist.py [--epochs 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")

import itertools

import numpy as np

from tinygrad_edu.datasets import load_bundled_mnist
from tinygrad_edu.keras.layers import BatchNormalization, Dense, Dropout
from tinygrad_edu.keras.models import Sequential
from tinygrad_edu.keras.utils import to_categorical
from tinygrad_edu.random import manual_seed

SIZES = (784, 512, 128, 64, 10)


def ours(x, y_onehot, x_test, y_test, epochs: int) -> tuple[list[float], float]:
    manual_seed(0)
    model = Sequential()
    for i, units in enumerate(SIZES[1:]):
        kwargs = {"input_shape": (784,)} if i == 0 else {}
        model.add(Dense(units, activation="relu" if units != 10 else "softmax", **kwargs))
        if units != 10:
            model.add(BatchNormalization())
            if units != 64:
                model.add(Dropout(0.5))
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    times = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        model.fit(x, y_onehot, batch_size=128, epochs=1, verbose=0)
        times.append(time.perf_counter() - t0)
    return times, float(np.mean(model.predict(x_test).argmax(1) == y_test))


def pytorch(x, y, x_test, y_test, epochs: int) -> tuple[list[float], float]:
    import torch

    torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    torch.manual_seed(0)
    layers = []
    for fan_in, units in itertools.pairwise(SIZES):
        lin = torch.nn.Linear(fan_in, units)
        torch.nn.init.xavier_uniform_(lin.weight)
        torch.nn.init.zeros_(lin.bias)
        layers.append(lin)
        if units != 10:
            layers += [torch.nn.ReLU(), torch.nn.BatchNorm1d(units, eps=1e-3, momentum=0.01)]
            if units != 64:
                layers.append(torch.nn.Dropout(0.5))
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))
    times = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        model.train()
        order = torch.randperm(len(xt))
        for i in range(0, len(xt), 128):
            idx = order[i : i + 128]
            loss = torch.nn.functional.cross_entropy(model(xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - t0)
    model.eval()
    with torch.no_grad():
        accuracy = float((model(torch.from_numpy(x_test)).argmax(1).numpy() == y_test).mean())
    return times, accuracy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3 if os.environ.get("CI") else 20)
    args = parser.parse_args()
    images, labels = load_bundled_mnist()
    x = (images.reshape(-1, 784) / np.float32(255)).astype(np.float32)
    x_train, y_train, x_test, y_test = x[:8000], labels[:8000], x[8000:], labels[8000:]
    t_ours, acc_ours = ours(x_train, to_categorical(y_train, 10), x_test, y_test, args.epochs)
    t_torch, acc_torch = pytorch(x_train, y_train, x_test, y_test, args.epochs)
    med_ours, med_torch = statistics.median(t_ours), statistics.median(t_torch)
    print(
        f"Keras textbook MLP, 8,000 bundled MNIST digits, batch 128, SGD lr 0.01, {args.epochs} epochs, "
        f"OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}"
    )
    print(f"  tinygrad_edu.keras  {med_ours:.3f} s/epoch (median)   test accuracy {acc_ours:.4f}")
    print(f"  PyTorch CPU         {med_torch:.3f} s/epoch (median)   test accuracy {acc_torch:.4f}")
    print(
        f"  epoch time ratio tinygrad_edu/PyTorch: {med_ours / med_torch:.2f}x; "
        f"accuracy difference {100 * (acc_ours - acc_torch):+.2f} points"
    )


if __name__ == "__main__":
    main()
